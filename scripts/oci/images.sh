#!/usr/bin/env bash
# Makes the two images a scaffold-generated Dockerfile starts FROM exist in buildah's local
# storage, for one Nakama release, without any container registry (none is reachable here):
#
#   heroiclabs/nakama-pluginbuilder:RELEASE   Debian base + the release's exact Go, laid out
#                                             as the official image (golang:<go>-bookworm)
#   heroiclabs/nakama:RELEASE                 Debian base + that Nakama server built from
#                                             source with the same Go, at /nakama/nakama
#
# Usage: scripts/oci/images.sh RELEASE [pluginbuilder] [nakama]   (default: both)
#
# Names: buildah files a name without a registry under "localhost/" (local-only images), and
# resolves the Dockerfile's short name `heroiclabs/nakama:RELEASE` to that local image when
# building with --pull=never; so no registry host name is needed anywhere.
#
# The release's Go version comes from scaffolds/versions.toml (column `go`). Each image carries
# a label with the hash of its recipe (this script, lib.sh, the release row, the base image,
# the Go settings passed in, the CA bundle); a matching label means it is reused as it is.
#
# Env: SCAFFOLD_OCI_GO_CACHE=host (default) | none | DIR: Go module and build caches mounted
#      into the server build (see lib.sh oci_go_cache_volumes); SCAFFOLD_OCI_CACHE: cache dir.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -ge 1 ] || oci_die "usage: $0 RELEASE [pluginbuilder] [nakama]"
release="$1"; shift
want_nk=0
[ $# -gt 0 ] || set -- pluginbuilder nakama
for w in "$@"; do
    case "$w" in
    pluginbuilder) ;; # always made: the server is built in it
    nakama) want_nk=1 ;;
    *) oci_die "unknown image '$w' (pluginbuilder or nakama)" ;;
    esac
done
oci_require_tools
read -r nakama go_version nakama_common _ < <(python3 "$oci_helpers" release "$oci_repo/scaffolds/versions.toml" "$release") \
    || oci_die "no row for Nakama $release in scaffolds/versions.toml"
pb_image="heroiclabs/nakama-pluginbuilder:$nakama"
nk_image="heroiclabs/nakama:$nakama"
host_go="$(oci_go)"
goarch="$("$host_go" env GOHOSTARCH)"

mkdir -p "$oci_cache"
# One images.sh at a time on this storage: two concurrent test runs would otherwise both
# build and commit the same tags.
exec 9>"$oci_cache/images.lock"
flock 9

old_base_id="$(oci_image_id "$oci_base_image")"
base="$(bash "$oci_dir/base.sh")"
base_id="$(buildah inspect --type image --format '{{.FromImageID}}' "$base")"

# The host's Go module settings, passed into the pluginbuilder only when set (in the
# environment or with `go env -w`), so `go mod download` in a RUN step reaches the same proxy
# with the same private-module rules as this machine. The official image sets none.
go_keys=(GOPROXY GOSUMDB GONOSUMDB GONOPROXY GOPRIVATE GOINSECURE GOFLAGS GOAUTH GOVCS)
if changed="$(GOTOOLCHAIN=local "$host_go" env -changed -json "${go_keys[@]}" 2>/dev/null)"; then
    mapfile -t go_env < <(python3 -c 'import json, sys
for k, v in sorted(json.loads(sys.argv[1] or "{}").items()):
    print(f"{k}={v}")' "$changed")
else # a go before 1.23 has no `env -changed`: the environment only
    go_env=()
    for k in "${go_keys[@]}"; do [ -z "${!k:-}" ] || go_env+=("$k=${!k}"); done
fi
# This machine's CA bundle, so TLS to the module proxy works inside RUN as it does here
# (a corporate TLS proxy's CA included).
ca_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
[ -s "$ca_bundle" ] || oci_die "no CA bundle at $ca_bundle (install ca-certificates or set SSL_CERT_FILE)"

key="$( {
    oci_sha256 "${BASH_SOURCE[0]}" "$oci_dir/lib.sh"
    echo "$nakama $go_version $nakama_common $goarch $base_id"
    printf '%s\n' "${go_env[@]}"
    oci_sha256 "$ca_bundle"
} | oci_sha256)"

need_pb=0 need_nk=0
# The server is built in the pluginbuilder, so a new pluginbuilder means a new server too.
[ "$(oci_label "$pb_image")" = "$key" ] || need_pb=1
if [ "$want_nk" -eq 1 ] && { [ "$need_pb" -eq 1 ] || [ "$(oci_label "$nk_image")" != "$key" ]; }; then
    need_nk=1
fi
if [ "$need_pb" -eq 0 ] && [ "$need_nk" -eq 0 ]; then
    oci_log "up to date: $pb_image$([ "$want_nk" -eq 0 ] || echo ", $nk_image") (recipe ${key:0:12})"
    exit 0
fi

work="$(mktemp -d "$oci_cache/.images.XXXXXX")"
ctrs=()
cleanup() {
    set +e
    local c
    for c in "${ctrs[@]}"; do buildah rm "$c" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------
if [ "$need_pb" -eq 1 ]; then
    t0=$SECONDS
    # The release's exact Go: the go command fetches it from the module proxy as the module
    # golang.org/toolchain (the tree of the official release archive) into the module cache.
    # Run outside any module so no go.mod or go.work steers it.
    (cd / && GOTOOLCHAIN="go$go_version" GOWORK=off "$host_go" version) >/dev/null \
        || oci_die "could not fetch Go $go_version through the module proxy (GOTOOLCHAIN=go$go_version go version)"
    goroot="$("$host_go" env GOMODCACHE)/golang.org/toolchain@v0.0.1-go$go_version.linux-$goarch"
    if [ ! -d "$goroot" ] && [ "$(GOTOOLCHAIN=local "$host_go" env GOVERSION)" = "go$go_version" ]; then
        # The host's own Go is that release, so the go command downloaded nothing: use it.
        goroot="$(GOTOOLCHAIN=local "$host_go" env GOROOT)"
    fi
    # Not `go mod download golang.org/toolchain@...`: only the toolchain switch restores the
    # executable bits that a module zip cannot carry.
    [ "$(GOTOOLCHAIN=local "$goroot/bin/go" env GOVERSION 2>/dev/null)" = "go$go_version" ] \
        || oci_die "$goroot does not hold Go $go_version"

    ctr="$(buildah from --pull=never "$base")"; ctrs+=("$ctr")
    mnt="$(buildah mount "$ctr")"
    mkdir -p "$mnt/usr/local/go"
    cp -a "$goroot/." "$mnt/usr/local/go/"
    # The module cache keeps files read-only; a Go installed from the release archive is not.
    chmod -R u+w "$mnt/usr/local/go"
    # As the golang image: GOPATH=/go with world-writable src and bin.
    mkdir -p "$mnt/go/src" "$mnt/go/bin" "$mnt/builder"
    chmod -R 1777 "$mnt/go"
    cp "$ca_bundle" "$mnt/etc/ssl/certs/ca-certificates.crt"
    buildah umount "$ctr" >/dev/null
    env_args=()
    for kv in "${go_env[@]}"; do env_args+=(--env "$kv"); done
    # ENV as golang:<go>-bookworm (PATH, GOLANG_VERSION, GOTOOLCHAIN=local, GOPATH) plus the
    # pluginbuilder's own (build/pluginbuilder/Dockerfile of the release: GOOS, GOARCH,
    # CGO_ENABLED, DEBIAN_FRONTEND, WORKDIR /builder, ENTRYPOINT go).
    buildah config \
        --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --env GOLANG_VERSION="$go_version" --env GOTOOLCHAIN=local --env GOPATH=/go \
        --env GOOS=linux --env GOARCH="$goarch" --env CGO_ENABLED=1 --env DEBIAN_FRONTEND=noninteractive \
        "${env_args[@]}" \
        --workingdir /builder --entrypoint '["go"]' --cmd '' \
        --label version="$nakama" --label variant=nakama-pluginbuilder \
        --label description="Local stand-in for heroiclabs/nakama-pluginbuilder:$nakama (scaffold scripts/oci)" \
        --label "$oci_recipe_label=$key" \
        "$ctr"
    old_id="$(oci_image_id "$pb_image")"
    buildah commit --quiet "$ctr" "$pb_image" >/dev/null
    oci_drop_replaced "$old_id"
    oci_log "made $pb_image: Go $go_version in $((SECONDS - t0))s"
fi

# ---------------------------------------------------------------------------------------
if [ "$need_nk" -eq 1 ]; then
    t0=$SECONDS
    # The server is built inside the pluginbuilder just made: the very Go, gcc and glibc the
    # plugin is built with (a plugin loads only into a server built by the same Go), and the
    # same Debian release the server image runs, so the binary runs there. The Go caches are
    # mounted from the host (SCAFFOLD_OCI_GO_CACHE) so a rebuild is a link, not 5 minutes.
    vols_txt="$(oci_go_cache_volumes)"
    mapfile -t vols <<<"$vols_txt"
    [ -n "$vols_txt" ] || vols=()
    ctr="$(buildah from --pull=never "$pb_image")"; ctrs+=("$ctr")
    # `go install module@version` needs the proxy's version list, which some proxies refuse:
    # download that exact version and build it as the main module (no replace directives).
    buildah run --isolation chroot "${vols[@]}" "$ctr" -- \
        go mod download -json "github.com/heroiclabs/nakama/v3@v$nakama" >"$work/mod.json" 2>"$work/mod.err" || true
    read -r src commit < <(python3 "$oci_helpers" mod-dir <"$work/mod.json" 2>>"$work/mod.err") \
        || { cat "$work/mod.err" >&2; oci_die "go mod download github.com/heroiclabs/nakama/v3@v$nakama failed"; }
    # As the release's build/Dockerfile: -trimpath, stripped, version and commit in main. It
    # adds -mod=vendor with its git checkout's vendor/; a module zip has no vendor/, and
    # go.sum pins the same versions.
    if ! buildah run --isolation chroot "${vols[@]}" -v "$work:/out" --workingdir "$src" "$ctr" -- \
        go build -trimpath -ldflags "-s -w -X main.version=$nakama -X main.commitID=$commit" -o /out/nakama . \
        >"$work/build.log" 2>&1; then
        tail -n 40 "$work/build.log" >&2
        oci_die "building Nakama $nakama failed"
    fi
    version="$("$work/nakama" --version 2>/dev/null | tail -1 || true)"
    [[ "$version" == "$nakama+"* ]] || oci_die "the built server says '$version', expected $nakama+<commit>"
    oci_log "built Nakama $version with Go $go_version in $((SECONDS - t0))s"

    ctr="$(buildah from --pull=never "$base")"; ctrs+=("$ctr")
    mnt="$(buildah mount "$ctr")"
    install -d "$mnt/nakama/data/modules"
    install -m 0755 "$work/nakama" "$mnt/nakama/nakama"
    buildah umount "$ctr" >/dev/null
    # As the official image (build/Dockerfile of the release): WORKDIR /nakama/, tini as PID 1
    # in front of the server, the three ports, no CMD (compose files pass the server's flags).
    # Its HEALTHCHECK is left out: OCI image configs have no such field (Docker format only).
    buildah config --env DEBIAN_FRONTEND=noninteractive \
        --workingdir /nakama/ --entrypoint '["tini", "--", "/nakama/nakama"]' --cmd '' \
        --port 7349 --port 7350 --port 7351 \
        --label version="$nakama" --label variant=nakama \
        --label description="Local stand-in for heroiclabs/nakama:$nakama built from source with Go $go_version (scaffold scripts/oci)" \
        --label "$oci_recipe_label=$key" \
        "$ctr"
    old_id="$(oci_image_id "$nk_image")"
    buildah commit --quiet "$ctr" "$nk_image" >/dev/null
    oci_drop_replaced "$old_id"
    oci_log "made $nk_image in $((SECONDS - t0))s"
fi

# A base replaced by base.sh could not go while the old images above still used it.
[ "$old_base_id" = "$base_id" ] || oci_drop_replaced "$old_base_id"
