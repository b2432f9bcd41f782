#!/usr/bin/env bash
# Builds a plugin repository's Dockerfile with a real OCI image builder (buildah), as
# `docker build REPO_DIR` would, against local stand-ins of the Nakama images (images.sh):
# the proof that the Dockerfile scaffold generates builds. Prints buildah's build log; its exit
# code is the build's. Without -t the image is removed afterwards (see the end).
#
# Usage: scripts/oci/build.sh REPO_DIR [buildah bud args...]
#   e.g. scripts/oci/build.sh ./mygame -t mygame:dev
#        scripts/oci/build.sh ./mygame --target builder     (the plugin stage only)
#
# The releases come from the Dockerfile's `FROM heroiclabs/nakama[-pluginbuilder]:X` lines
# (scaffold.toml's `nakama` when a tag is an ARG); images.sh makes those images first (only the
# pluginbuilder with --target builder). Logs of that go to stderr before the build's. A
# `FROM golang:<go>` is stood in for by the pluginbuilder of a release built with that Go.
# buildah reads `<Dockerfile>.dockerignore` before `.dockerignore`, as BuildKit does.
#
# --pull=never: nothing may come from a registry, so a FROM that is not a local image fails
# instead of reaching out. --isolation chroot: RUN steps need no OCI runtime or cgroups.
#
# Speed: SCAFFOLD_OCI_GO_CACHE (default host; see lib.sh oci_go_cache_volumes) bind-mounts Go
# module and build caches over /go/pkg/mod and /root/.cache/go-build in every RUN step
# (`buildah bud --volume`). That changes only how fast `go mod download` and `go build` are:
# what COPY takes from the build context is the same, and the caches are not in the image.
# SCAFFOLD_OCI_GO_CACHE=none builds exactly as a cache-less `docker build` does. A folder the
# Dockerfile already cache-mounts (`RUN --mount=type=cache`, as scaffold's does) is left to
# that mount, so its own cache is what is proved.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -ge 1 ] || oci_die "usage: $0 REPO_DIR [buildah bud args...]"
repo_dir="$(cd "$1" && pwd)" || oci_die "no directory $1"
shift
dockerfile="$repo_dir/Dockerfile"
[ -f "$dockerfile" ] || oci_die "no Dockerfile in $repo_dir"
oci_require_tools

# --target builder (or --target=builder): the later stages are skipped, so only the
# pluginbuilder image is needed.
target=""
prev=""
for a in "$@"; do
    case "$a" in --target=*) target="${a#--target=}" ;; esac
    [ "$prev" != --target ] || target="$a"
    prev="$a"
done

# Which stand-in images the FROM lines name: "pluginbuilder RELEASE" / "nakama RELEASE".
from_lines="$(grep -iE '^[[:space:]]*FROM[[:space:]]' "$dockerfile" || true)"
needs="$(grep -oE 'heroiclabs/nakama(-pluginbuilder)?:[^[:space:]]+' <<<"$from_lines" \
    | sed -E 's#^heroiclabs/nakama-pluginbuilder:#pluginbuilder #; s#^heroiclabs/nakama:#nakama #' | sort -u || true)"
if grep -q '\$' <<<"$needs"; then
    # FROM heroiclabs/nakama:${NAKAMA}: the release scaffold recorded for this repo.
    rel="$(sed -nE 's/^nakama[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' "$repo_dir/scaffold.toml" 2>/dev/null | head -1)"
    [ -n "$rel" ] || oci_die "the Dockerfile's image tags are ARGs and $repo_dir/scaffold.toml names no release"
    needs="$(sed -E "s/ .*/ $rel/" <<<"$needs" | sort -u)"
fi
if [ "$target" = builder ]; then
    needs="$(grep '^pluginbuilder ' <<<"$needs" || true)"
fi
# One images.sh call per release, asking for the images that release needs.
while read -r rel; do
    [ -n "$rel" ] || continue
    mapfile -t kinds < <(awk -v r="$rel" '$2 == r {print $1}' <<<"$needs")
    bash "$oci_dir/images.sh" "$rel" "${kinds[@]}" </dev/null >&2
done < <(awk '{print $2}' <<<"$needs" | sort -u)

# FROM golang:<go>[-suffix]: the pluginbuilder of a release built with that Go is laid out as
# the golang image (images.sh), so it stands in for it under that name.
while read -r golang; do
    [ -n "$golang" ] || continue
    go_version="$(sed -E 's/^golang:([0-9]+\.[0-9]+\.[0-9]+).*/\1/' <<<"$golang")"
    rel="$(python3 "$oci_helpers" release-of-go "$oci_repo/scaffolds/versions.toml" "$go_version")" \
        || oci_die "no release in scaffolds/versions.toml is built with Go $go_version, so nothing stands in for $golang"
    bash "$oci_dir/images.sh" "$rel" pluginbuilder </dev/null >&2
    buildah tag "heroiclabs/nakama-pluginbuilder:$rel" "$golang" >/dev/null
done < <(grep -oE '(^|[[:space:]/])golang:[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9._-]*' <<<"$from_lines" \
    | sed -E 's#^[[:space:]/]*##' | sort -u || true)

vols_txt="$(oci_go_cache_volumes)"
mapfile -t vols <<<"$vols_txt"
[ -n "$vols_txt" ] || vols=()
# A folder the Dockerfile cache-mounts itself (`RUN --mount=type=cache,target=/go/pkg/mod`)
# keeps its own cache: buildah would let our -v of the same folder win over it, and the build
# would not be the one `docker build` runs. buildah keeps such caches between builds (in
# $TMPDIR or /var/tmp, buildah-cache), with or without --layers.
mapfile -t own_caches < <(grep -oE -- '--mount=[^[:space:]]*' "$dockerfile" | sed 's/^--mount=//' | grep -E '(^|,)type=cache(,|$)' \
    | grep -oE '(^|,)(target|dst|destination)=[^,]*' | sed -E 's/^,?[a-z]+=//; s#/+$##' | sort -u || true)
if [ ${#own_caches[@]} -gt 0 ] && [ ${#vols[@]} -gt 0 ]; then
    kept=()
    for ((i = 0; i + 1 < ${#vols[@]}; i += 2)); do
        inside="${vols[i + 1]#*:}"
        if printf '%s\n' "${own_caches[@]}" | grep -qxF -- "$inside"; then
            oci_log "the Dockerfile cache-mounts $inside itself: not mounting ${vols[i + 1]%%:*} there"
        else
            kept+=("${vols[i]}" "${vols[i + 1]}")
        fi
    done
    vols=("${kept[@]}")
fi

bud=(buildah bud --pull=never --isolation chroot "${vols[@]}" -f "$dockerfile")
# A build given no name (-t) or --iidfile leaves an image nothing can find again, several
# hundred MB each time (test suites build many): remove it after the build, unless
# SCAFFOLD_OCI_KEEP_UNTAGGED=1. Named builds are left to the caller.
named=0
for a in "$@"; do
    case "$a" in -t | -t?* | --tag | --tag=* | --iidfile | --iidfile=*) named=1 ;; esac
done
if [ "$named" = 1 ] || [ "${SCAFFOLD_OCI_KEEP_UNTAGGED:-0}" = 1 ]; then
    exec "${bud[@]}" "$@" "$repo_dir" # the build's exit code is this script's
fi
iidfile="$(mktemp)"
trap 'rm -f "$iidfile"' EXIT
rc=0
"${bud[@]}" --iidfile "$iidfile" "$@" "$repo_dir" || rc=$?
if [ "$rc" -eq 0 ] && [ -s "$iidfile" ]; then
    buildah rmi "$(cat "$iidfile")" >/dev/null 2>&1 || true
    oci_log "removed the untagged image $(cut -c8-19 "$iidfile") (no -t given; SCAFFOLD_OCI_KEEP_UNTAGGED=1 keeps it)"
fi
exit "$rc"
