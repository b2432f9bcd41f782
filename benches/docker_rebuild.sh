#!/usr/bin/env bash
# Benchmark (not a test): the Docker loop of a generated repo, built with buildah with layers on
# (as `docker compose up --build` builds), the Dockerfile with Go's cache mounts (this
# scaffold's) against the one before them (version 2 of the built-in scaffold, plain RUN lines):
#
#   first    the image from nothing (`--no-cache`: no layer reused; the cache mounts empty)
#   rebuild  the same image after a one-line edit of one package (profile/profile.go)
#
# The two Dockerfiles take turns in each round (plain first in odd rounds, mounts first in even
# ones), so a machine whose speed drifts during the run still gives a fair pair. Prints each
# build's wall time and the ratios; the figures in docs/speed.md come from here.
#
# Usage (root, after scripts/oci/setup.sh): bash benches/docker_rebuild.sh [ROUNDS]   (default 1)
# Env: SCAFFOLD_BIN (default: the debug build, scripts/scaffold-bin.sh).
#
# Nothing outside its temp folder changes: host Go caches are not mounted
# (SCAFFOLD_OCI_GO_CACHE=none), buildah's cache mounts live under the temp folder (TMPDIR), and
# every image the run made (final and intermediate layers) is removed at the end, by ID.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-1}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [ROUNDS]" >&2; exit 2; }
bin="${SCAFFOLD_BIN:-$(bash "$root/scripts/scaffold-bin.sh" debug)}"
[ -x "$bin" ] || { echo "no scaffold binary at $bin (cargo build first)" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR/../scripts/oci source=../scripts/oci/lib.sh
. "$root/scripts/oci/lib.sh"
oci_require_tools

work="$(mktemp -d "${TMPDIR:-/tmp}/scaffold-rebuild-bench.XXXXXX")"
before="$work/images-before"
buildah images -a -q --no-trunc | sort -u >"$before"
cleanup() {
    # The images this run made: its own tags and the nameless layers --layers kept; an image
    # someone else named meanwhile stays, and rmi without -f leaves one a container uses.
    # Children go before parents, so a few passes.
    local pass ids
    # Our tags first (the two finals can be one image with both names: rmi by ID refuses that).
    for pass in plain mounts; do buildah rmi "localhost/scaffold-bench/$pass:latest" >/dev/null 2>&1 || true; done
    for pass in 1 2 3 4 5 6; do
        ids="$(buildah images -a --json 2>/dev/null | python3 -c '
import json, sys
before = [b.removeprefix("sha256:") for b in open(sys.argv[1]).read().split()]
for image in json.load(sys.stdin) or []:
    names = image.get("names") or []
    ours = all(n.startswith("localhost/scaffold-bench/") for n in names)
    if ours and not any(b.startswith(image["id"]) for b in before):
        print(image["id"])' "$before")" || ids=""
        [ -n "$ids" ] || break
        # shellcheck disable=SC2086 # one ID a word
        buildah rmi $ids >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
export TMPDIR="$work/tmp" SCAFFOLD_OCI_GO_CACHE=none
mkdir -p "$TMPDIR"

# The two repos: the same answers, rendered by this scaffold and by its version 2.
"$bin" new "$work/mounts" --yes --no-git --quiet --name game >/dev/null
"$bin" new "$work/plain" --yes --no-git --quiet --name game \
    --from "$root/scaffolds/history/nakama-go/2" >/dev/null
grep -q -- '--mount=type=cache' "$work/mounts/Dockerfile" || oci_die "the current Dockerfile has no cache mounts"
! grep -q -- '--mount' "$work/plain/Dockerfile" || oci_die "version 2's Dockerfile has mounts"
bash "$root/scripts/oci/images.sh" "$(sed -nE 's/^nakama = "(.*)"/\1/p' "$work/mounts/scaffold.toml")" >/dev/null 2>&1

# build VARIANT [buildah args]: the image's wall time in seconds (3 decimals).
build() {
    local dir="$work/$1" start end
    shift
    start="$(date +%s.%N)"
    bash "$root/scripts/oci/build.sh" "$dir" --layers "$@" -t "localhost/scaffold-bench/$(basename "$dir"):latest" \
        >>"$work/$(basename "$dir").log" 2>&1 || { tail -20 "$work/$(basename "$dir").log" >&2; oci_die "build of $dir failed"; }
    end="$(date +%s.%N)"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}

# edit VARIANT N: the one-line edit, a new string each time so the layer is never reused.
edit() {
    sed -i -E "s/return echo\(\"profile_echo[^\"]*\", payload\)/return echo(\"profile_echo_$2\", payload)/" \
        "$work/$1/profile/profile.go"
    grep -q "profile_echo_$2" "$work/$1/profile/profile.go" || oci_die "the edit of $1 did not apply"
}

printf '%-6s %-7s %9s %9s %8s\n' round variant first rebuild ratio
declare -A first rebuild
for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then order=(plain mounts); else order=(mounts plain); fi
    for v in "${order[@]}"; do
        # Cold: no layer of an earlier build, and (for mounts) empty cache mounts.
        rm -rf "$TMPDIR/buildah-cache"
        first[$v]="$(build "$v" --no-cache)"
        edit "$v" "$r"
        rebuild[$v]="$(build "$v")"
        printf '%-6s %-7s %8ss %8ss %8s\n' "$r" "$v" "${first[$v]}" "${rebuild[$v]}" \
            "$(awk -v a="${rebuild[$v]}" -v b="${first[$v]}" 'BEGIN { printf "%.2f", a / b }')"
    done
    printf '%-6s rebuild with mounts / rebuild without: %s; first build with / without: %s\n' "$r" \
        "$(awk -v a="${rebuild[mounts]}" -v b="${rebuild[plain]}" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v a="${first[mounts]}" -v b="${first[plain]}" 'BEGIN { printf "%.2f", a / b }')"
done
