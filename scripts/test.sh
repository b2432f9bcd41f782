#!/usr/bin/env bash
# Runs every test: Rust unit and CLI tests (the Go checks among them), the Dockerfile-context
# helper's own tests, the version-table truth check against the Go module proxy, and the
# real-server proof (PostgreSQL + a Nakama built from source + the generated plugin).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
echo "==> cargo test"
cargo test --all-targets
echo "==> docker-context helper tests"
python3 -m pytest -q tests/support
echo "==> version table vs. the Nakama releases' go.mod"
bash tests/e2e/versions.sh
echo "==> real Nakama + PostgreSQL end to end"
cargo build --quiet
SCAFFOLD_BIN="$root/target/debug/scaffold" bash tests/e2e/nakama.sh
