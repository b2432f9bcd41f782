#!/usr/bin/env bash
# Makes sure the Debian base image of the local stand-in Nakama images exists in buildah's
# storage (scripts/oci/images.sh calls it; it prints the image name). The official images are
# golang:<go>-bookworm + gcc, libc6-dev, git, ca-certificates (pluginbuilder) and
# debian:bookworm-slim + ca-certificates, tzdata, iproute2, tini (nakama); no registry is reachable
# here, so the same Debian release is made from the Debian mirror with debootstrap instead,
# with the union of those packages: both images then share this one layer.
#
# The mirror is the one this machine's apt already uses (read from its sources at run time,
# so no host name is kept in the repository; debootstrap's own default when apt has none).
# The root file system is cached as a tar in $SCAFFOLD_OCI_CACHE (default target/oci-cache),
# keyed like the image: a fresh machine makes it itself in about a minute.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
oci_require_tools

packages=gcc,libc6-dev,git,ca-certificates,tzdata,tini,iproute2
arch="$(dpkg --print-architecture)"
mirror="$(python3 "$oci_helpers" apt-mirror "$oci_suite")"
# The recipe: this script (it decides everything that goes into the file system), the suite,
# the mirror and the architecture. Changing any of them makes a new base.
key="$(printf '%s\n' "$(oci_sha256 "${BASH_SOURCE[0]}")" "$oci_suite" "$mirror" "$arch" | oci_sha256)"

if [ "$(oci_label "$oci_base_image")" = "$key" ]; then
    echo "$oci_base_image"
    exit 0
fi

mkdir -p "$oci_cache"
tarball="$oci_cache/rootfs-$oci_suite-${key:0:16}.tar"
work=""
ctr=""
cleanup() {
    set +e
    [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1
    [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT

if [ ! -s "$tarball" ]; then
    t0=$SECONDS
    oci_log "debootstrap --variant=minbase $oci_suite ($packages) from ${mirror:-the default mirror of debootstrap}"
    work="$(mktemp -d "$oci_cache/.rootfs.XXXXXX")"
    # Quiet unless it fails: debootstrap's progress is hundreds of lines.
    if ! debootstrap --variant=minbase --include="$packages" --arch="$arch" \
        "$oci_suite" "$work/root" ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        [ ! -f "$work/root/debootstrap/debootstrap.log" ] || tail -n 30 "$work/root/debootstrap/debootstrap.log" >&2
        oci_die "debootstrap failed"
    fi
    # What Debian's own container images leave out: downloaded packages, package lists (an
    # image runs `apt-get update` first), device nodes (the runtime makes /dev), and the
    # host's hostname and resolv.conf that debootstrap copied (the runtime provides both).
    (
        cd "$work/root"
        rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* \
            dev/* var/log/bootstrap.log etc/hostname etc/resolv.conf
        mkdir -p var/lib/apt/lists/partial
    )
    # --numeric-owner: the ids inside the image, not this host's names for them.
    tar -C "$work/root" --numeric-owner --xattrs --xattrs-include='*' -cf "$work/rootfs.tar" .
    # Only the current base is kept: older tars would only fill the cache.
    rm -f "$oci_cache"/rootfs-*.tar
    mv "$work/rootfs.tar" "$tarball"
    oci_log "root file system made in $((SECONDS - t0))s ($(du -h "$tarball" | cut -f1))"
fi

t0=$SECONDS
ctr="$(buildah from --pull=never scratch)"
mnt="$(buildah mount "$ctr")"
tar -C "$mnt" --numeric-owner --xattrs --xattrs-include='*' -xpf "$tarball"
buildah umount "$ctr" >/dev/null
buildah config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label "$oci_recipe_label=$key" \
    --label "io.scaffold.oci.packages=$packages" \
    "$ctr"
old_id="$(oci_image_id "$oci_base_image")"
buildah commit --quiet --rm "$ctr" "$oci_base_image" >/dev/null
ctr=""
# The images made from the old base still use it; images.sh drops it after replacing them.
oci_drop_replaced "$old_id"
oci_log "base image $oci_base_image committed in $((SECONDS - t0))s"
echo "$oci_base_image"
