# Shared by the scripts in scripts/oci/ (sourced, not run): where things live, the container
# tools' configuration, and small helpers. Sourcing it changes no state on the machine.
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this

oci_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
oci_repo="$(cd "$oci_dir/../.." && pwd)"
oci_helpers="$oci_dir/helpers.py"

# Our configuration for buildah and podman lives next to these scripts and is selected through
# the tools' own environment variables, so /etc/containers stays as the packages installed it
# and a developer's other containers are not affected. Exported: podman/buildah children
# (conmon, the build's RUN steps) read them too. A caller may point them elsewhere.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$oci_dir/containers.conf}"
export CONTAINERS_STORAGE_CONF="${CONTAINERS_STORAGE_CONF:-$oci_dir/storage.conf}"

# Cache for what is slow to make and can be made again from nothing: debootstrap's root file
# system (a tar). Images themselves live in buildah's storage (storage.conf).
oci_cache="${SCAFFOLD_OCI_CACHE:-$oci_repo/target/oci-cache}"

# The Debian release of the official images (golang:<v>-bookworm, debian:bookworm-slim).
oci_suite="${SCAFFOLD_OCI_SUITE:-bookworm}"

# Name of our base image. buildah files a name without a registry under "localhost/", which is
# its namespace for images that exist only in local storage.
oci_base_image="scaffold-oci/debian:$oci_suite"

# Label holding the hash of the recipe an image was made from (see images.sh).
oci_recipe_label="io.scaffold.oci.recipe"

oci_log() { echo "oci: $*" >&2; }
oci_die() { echo "oci: error: $*" >&2; exit 1; }

# The tools these scripts drive; setup.sh installs them.
oci_require_tools() {
    local t missing=()
    for t in buildah podman runc debootstrap python3 flock; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    [ ${#missing[@]} -eq 0 ] || oci_die "missing ${missing[*]}: run scripts/oci/setup.sh first"
    # buildah with overlay storage and chroot isolation needs root (no user namespaces here).
    [ "$(id -u)" -eq 0 ] || oci_die "run as root (buildah with overlay storage and --isolation chroot)"
}

# oci_label IMAGE: the recipe label of IMAGE, empty when the image or the label is missing.
oci_label() {
    buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$oci_recipe_label\"}}" "$1" 2>/dev/null || true
}

# oci_sha256 [FILE...]: hex SHA-256 of stdin (no FILE) or of the files' contents in order.
oci_sha256() { cat "$@" | sha256sum | cut -d' ' -f1; }

# oci_go: the host's go command (needed to fetch the release's toolchain from the module proxy).
oci_go() {
    if command -v go >/dev/null 2>&1; then command -v go
    elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
    else oci_die "go is required on the host (it fetches the release's Go from the module proxy)"
    fi
}

# oci_go_cache_volumes: `-v HOST:CONTAINER` arguments (one word a line) that mount Go
# caches over the image's (GOMODCACHE /go/pkg/mod, GOCACHE /root/.cache/go-build) in RUN
# steps, per SCAFFOLD_OCI_GO_CACHE:
#   host (default)  this machine's own caches (`go env GOMODCACHE GOCACHE`): modules already
#                   downloaded and packages already compiled by the same Go are reused
#   DIR             DIR/mod and DIR/build, kept apart from the host's
#   none            nothing mounted: every build downloads and compiles from nothing
# Only caches are mounted: what a build copies from its context is untouched, and neither
# cache ends up in an image (bind mounts are not committed). Go verifies modules against
# go.sum whichever way they arrive.
oci_go_cache_volumes() {
    local mode="${SCAFFOLD_OCI_GO_CACHE:-host}" mod build go_cmd
    case "$mode" in
    none) return 0 ;;
    host) go_cmd="$(oci_go)" && mod="$("$go_cmd" env GOMODCACHE)" && build="$("$go_cmd" env GOCACHE)" ;;
    /*) mod="$mode/mod" build="$mode/build" ;;
    *) oci_die "SCAFFOLD_OCI_GO_CACHE must be host, none or an absolute path (got '$mode')" ;;
    esac
    mkdir -p "$mod"
    printf '%s\n' -v "$mod:/go/pkg/mod"
    # GOCACHE=off means "no build cache" on the host; then mount none.
    [ "$build" = off ] || { mkdir -p "$build"; printf '%s\n' -v "$build:/root/.cache/go-build"; }
}

# oci_image_id IMAGE: the full ID of IMAGE, empty when there is none.
oci_image_id() { buildah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true; }

# oci_drop_replaced OLD_ID: after a commit moved a tag to a new image, remove the image that
# had it, if nothing names it any more (it would otherwise stay as a nameless <none> image of
# several hundred MB). An image still used by a container is kept (rmi refuses).
oci_drop_replaced() {
    [ -n "$1" ] || return 0
    local names
    names="$(buildah inspect --type image --format '{{.FromImage}}' "$1" 2>/dev/null)" || return 0
    [ -n "$names" ] || buildah rmi "$1" >/dev/null 2>&1 || true
}
