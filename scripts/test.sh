#!/usr/bin/env bash
# Runs every test: Rust unit and CLI tests (the Go checks and the buildah soundness corpus
# among them), the Dockerfile-context helper's own tests, the version-table truth check
# against the Go module proxy, the real-server proof (PostgreSQL + a Nakama built from source
# + the generated plugin), and the OCI proof (the generated Dockerfile built with buildah
# against local stand-ins of the Nakama images, and the image run with podman), the crate as
# crates.io would get it (`cargo package`), and the release artefacts (scripts/dist.sh: the
# wheel in a fresh venv, the archive, the generated CI's install step, scaffold's own image).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
echo "==> stand-in images for the buildah proof (built once, then cached)"
bash scripts/oci/images.sh "$(sed -nE '0,/^nakama = "([^"]+)"/s//\1/p' scaffolds/versions.toml)"
echo "==> cargo test"
cargo test --all-targets
echo "==> the crate as published (cargo package --locked: the scaffolds travel inside it, and it builds)"
# Its own target folder: the packaged copy builds as the same crate, and in a shared target
# folder its fingerprint (pointing at target/package/'s files) made later `cargo build`s of
# this tree say Fresh over a stale lib.
CARGO_TARGET_DIR="$root/target/package-verify" cargo package --locked --allow-dirty --quiet
echo "==> docker-context helper tests"
python3 -m pytest -q tests/support
echo "==> version table vs. the Nakama releases' go.mod"
bash tests/e2e/versions.sh
echo "==> real Nakama + PostgreSQL end to end"
cargo build --quiet
bin="$(bash scripts/scaffold-bin.sh debug)"
SCAFFOLD_BIN="$bin" bash tests/e2e/nakama.sh
echo "==> the generated Dockerfile built with buildah, the image run with podman"
SCAFFOLD_BIN="$bin" bash tests/e2e/oci.sh
echo "==> the release artefacts (scripts/dist.sh), as users and the generated CI install them"
bash scripts/dist.sh
bash tests/e2e/dist.sh
echo "==> scaffold's own image (docker/Dockerfile) built with buildah, run with podman"
bash tests/e2e/image.sh
echo "==> summary"
if [ -n "${SCAFFOLD_TEST_SKIP:-}" ]; then
    echo "skipped on request (SCAFFOLD_TEST_SKIP): the tests that need ${SCAFFOLD_TEST_SKIP}"
else
    echo "nothing skipped: every test ran with its real tool"
fi
