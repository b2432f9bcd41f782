#!/usr/bin/env bash
# Prints the path of the scaffold binary cargo builds for PROFILE (debug or release), wherever
# CARGO_TARGET_DIR puts it: a developer who sets it (relative to the repo, or absolute) must
# still be able to run the README's commands. Usage: scripts/scaffold-bin.sh [debug|release]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$root/$target"
echo "$target/${1:-debug}/scaffold"
