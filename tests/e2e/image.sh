#!/usr/bin/env bash
# The container image of scaffold itself (docker/Dockerfile), as a user without Rust makes and
# runs it: the Linux release archive (scripts/dist.sh) unpacked, `docker build` in that folder
# (here buildah: --isolation chroot, --pull=never), then
# `docker run --rm -v "$PWD:/work" -u UID:GID IMAGE new mygame --yes` (here podman with runc):
# the repo is written into the mounted folder, and every file and folder belongs to that uid.
#
# The image starts FROM debian:bookworm-slim; no registry is reachable here, so that name is
# given to the Debian bookworm base scripts/oci/base.sh makes with debootstrap.
#
# Env: SCAFFOLD_DIST  the folder scripts/dist.sh wrote (default dist/)
# Needs root, buildah, podman, runc, debootstrap (scripts/oci/setup.sh). Prints `ok:` / `FAIL:`
# per check and `N passed, M failed` last; exits non-zero on any failure.
set -Eeuo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR/../../scripts/oci source=lib.sh
. "$repo/scripts/oci/lib.sh" # CONTAINERS_CONF / CONTAINERS_STORAGE_CONF for buildah and podman

dist="${SCAFFOLD_DIST:-$repo/dist}"
started=$SECONDS
passed=0 failed=0 finished=0
tmp="" tag="" ctr=""
run_id="$$-$RANDOM"
uid=4321 gid=4322 # not root, not this machine's users: no passwd entry in the image either

pass() { passed=$((passed + 1)); echo "  ok: $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL: $1"; [ $# -lt 2 ] || sed 's/^/    /' <<<"$2"; }
abort() { fail "$@"; exit 1; }

# podman 4.3 here: an attached `podman run` waits out a 20 s timeout after the container exits
# (see scripts/oci/README.md); run detached and poll the state instead.
# ctr_run NAME ARGS...: runs the image detached; prints its exit code when it has stopped.
ctr_run() {
    local name="$1" i status
    shift
    podman run -d --runtime runc --name "$name" "$@" >/dev/null || { echo 255; return; }
    for ((i = 0; i < 300; i++)); do
        status="$(podman inspect --format '{{.State.Status}}' "$name" 2>/dev/null || echo gone)"
        case "$status" in created | configured | running) sleep 0.2 ;; *) break ;; esac
    done
    podman inspect --format '{{.State.ExitCode}}' "$name" 2>/dev/null || echo 255
}
ctr_rm() { podman rm --force --time 5 "$1" >/dev/null 2>&1 || true; }

cleanup() {
    local rc=$?
    set +e
    [ -z "$ctr" ] || ctr_rm "$ctr"
    [ -z "$tag" ] || buildah rmi "$tag" >/dev/null 2>&1
    [ -z "$tmp" ] || rm -rf "$tmp"
    [ "$finished" = 1 ] || [ "$rc" -ne 0 ] || rc=1
    [ "$failed" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
    [ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || fail "stopped before the end (exit $rc)"
    echo "image e2e time: $((SECONDS - started))s"
    echo "$passed passed, $failed failed"
    exit "$rc"
}
trap cleanup EXIT

echo "==> prerequisites"
oci_require_tools
version="$(sed -nE '0,/^version = "([^"]+)"/s//\1/p' "$repo/Cargo.toml")"
archive="$dist/nakama-scaffold-$version-x86_64-unknown-linux-gnu.tar.gz"
[ -f "$archive" ] || abort "no $archive: run scripts/dist.sh first"
pass "archive $(basename "$archive")"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/scaffold-image.XXXXXX")"
chmod 755 "$tmp"

echo "==> the base debian:bookworm-slim (scripts/oci/base.sh: debootstrap, no registry)"
mkdir -p "$oci_cache"
base="$(flock "$oci_cache/images.lock" bash "$oci_dir/base.sh")" || abort "scripts/oci/base.sh"
buildah tag "$base" debian:bookworm-slim || abort "buildah tag $base debian:bookworm-slim"
pass "debian:bookworm-slim is $base"

echo "==> docker build in the unpacked archive (buildah bud --isolation chroot --pull=never)"
tar -C "$tmp" -xzf "$archive"
context="$tmp/nakama-scaffold-$version-x86_64-unknown-linux-gnu"
if cmp -s "$context/Dockerfile" "$repo/docker/Dockerfile"; then
    pass "the archive carries docker/Dockerfile as Dockerfile"
else
    fail "the archive carries docker/Dockerfile as Dockerfile"
fi
tag="localhost/scaffold-e2e/scaffold:$run_id"
if buildah bud --isolation chroot --pull=never -t "$tag" "$context" >"$tmp/build.log" 2>&1; then
    pass "the image builds ($tag)"
else
    tag=""
    abort "the image builds" "$(tail -n 20 "$tmp/build.log")"
fi

echo "==> docker run -u $uid:$gid -v \$PWD:/work IMAGE new mygame --yes"
work="$tmp/work"
mkdir -p "$work"
chown "$uid:$gid" "$work" # the caller's own folder, as \$PWD is
ctr="scaffold-image-e2e-$run_id"
code="$(ctr_run "$ctr" --user "$uid:$gid" -v "$work:/work" "$tag" --version)"
said="$(podman logs "$ctr" 2>&1)"
ctr_rm "$ctr"
if [ "$code" = 0 ] && [ "$said" = "scaffold $version" ]; then
    pass "scaffold --version in the image: $said"
else
    fail "scaffold --version in the image (exit $code)" "$said"
fi
code="$(ctr_run "$ctr" --user "$uid:$gid" -v "$work:/work" "$tag" new mygame --yes)"
said="$(podman logs "$ctr" 2>&1)"
ctr_rm "$ctr"
if [ "$code" = 0 ] && [ -f "$work/mygame/scaffold.toml" ] && [ -f "$work/mygame/Dockerfile" ]; then
    pass "new mygame --yes wrote the repo into the mounted folder"
else
    abort "new mygame --yes in the image (exit $code)" "$said"
fi
code="$(ctr_run "$ctr" --user "$uid:$gid" -v "$work:/work" -w /work/mygame "$tag" add-package inventory --kind match)"
said="$(podman logs "$ctr" 2>&1)"
ctr_rm "$ctr"
if [ "$code" = 0 ] && [ -f "$work/mygame/inventory/inventory.go" ]; then
    pass "add-package inventory in the repo, as the same uid"
else
    fail "add-package inventory in the image (exit $code)" "$said"
fi
ctr=""
count="$(find "$work/mygame" | wc -l)"
others="$(find "$work/mygame" \( ! -uid "$uid" -o ! -gid "$gid" \) -printf '%u:%g %p\n')"
if [ -z "$others" ] && [ "$count" -gt 10 ]; then
    pass "all $count files and folders belong to $uid:$gid"
else
    fail "every file belongs to $uid:$gid" "$others"
fi
if "$context/scaffold" doctor "$work/mygame" >"$tmp/doctor.log" 2>&1; then
    pass "the repo the image wrote is clean for scaffold doctor"
else
    fail "scaffold doctor on the repo the image wrote" "$(cat "$tmp/doctor.log")"
fi
finished=1
