#!/usr/bin/env bash
# Installs what scaffold's OCI proof needs (tests/e2e/oci.sh): buildah to build the generated
# Dockerfile, podman + runc to run the image, debootstrap to make the Debian base of the local
# stand-in images, PostgreSQL for the image to run against; then checks that the configuration
# in scripts/oci/ works on this machine.
# Debian/Ubuntu only (apt-get); run as root. Idempotent: installs only what is missing.
#
# Configuration is not written to /etc: scripts/oci/containers.conf and storage.conf are
# selected per command through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF (scripts/oci/lib.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" -eq 0 ] || oci_die "run as root: it installs packages, and buildah with overlay storage needs root"
command -v apt-get >/dev/null 2>&1 || oci_die "apt-get not found: install buildah, podman, runc, debootstrap by hand"

# package -> a file it installs (dpkg -s would also accept half-removed packages).
declare -A wants=(
    [buildah]=/usr/bin/buildah
    [podman]=/usr/bin/podman
    [runc]=/usr/sbin/runc
    [debootstrap]=/usr/sbin/debootstrap
    # newuidmap/newgidmap: podman and buildah look for them even as root.
    [uidmap]=/usr/bin/newuidmap
    # The Debian archive key debootstrap checks the mirror's Release file with.
    [debian-archive-keyring]=/usr/share/keyrings/debian-archive-keyring.gpg
    [ca-certificates]=/etc/ssl/certs/ca-certificates.crt
    [python3]=/usr/bin/python3
    # flock: images.sh serialises concurrent runs on the same storage.
    [util-linux]=/usr/bin/flock
)
missing=()
for pkg in "${!wants[@]}"; do
    [ -e "${wants[$pkg]}" ] || missing+=("$pkg")
done
# tests/e2e/oci.sh runs the built image against a throw-away PostgreSQL server (any version).
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    oci_log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Only refresh the package lists when apt has none (a fresh container image).
    if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
        apt-get update -qq
    fi
    # --no-install-recommends: podman would otherwise pull in crun (which fails here; see
    # containers.conf), slirp4netns, catatonit and more that the proof never uses.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    oci_log "buildah, podman, runc, debootstrap already installed"
fi

# Smoke test of the configuration: the storage driver must be overlay (vfs copies every layer
# in full and makes builds minutes slower) and podman must see runc with cgroupfs.
driver="$(buildah info --format '{{index .store "GraphDriverName"}}' 2>/dev/null || true)"
[ "$driver" = overlay ] || oci_die "buildah storage driver is '${driver:-unknown}', expected overlay (CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF)"
runtime="$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || true)"
[ "$runtime" = runc ] || oci_die "podman runtime is '${runtime:-unknown}', expected runc (CONTAINERS_CONF=$CONTAINERS_CONF)"
oci_log "ok: buildah $(buildah --version | awk '{print $3}'), podman $(podman --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'), storage $driver"
oci_log "next: scripts/oci/images.sh RELEASE, scripts/oci/build.sh REPO_DIR, tests/e2e/oci.sh"
