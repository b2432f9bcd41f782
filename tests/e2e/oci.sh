#!/usr/bin/env bash
# OCI proof: the Dockerfile `scaffold new` + `add-package` generate builds with a real image
# builder (buildah, as `docker build` would) against local stand-ins of the two Nakama images
# (scripts/oci/images.sh), and the image it makes runs: `nakama migrate up` and the server in
# that image (podman) load the plugin and answer a generated RPC over HTTP. The control: the
# same repo without one package's COPY line must fail to build, naming that package.
#
# Env:
#   SCAFFOLD_BIN           scaffold binary (default: the debug one cargo builds, scripts/scaffold-bin.sh)
#   SCAFFOLD_OCI_GO_CACHE  host (default) | none | DIR: Go caches mounted into RUN steps
#                          (scripts/oci/lib.sh); none = a build exactly as a cache-less docker
#   SCAFFOLD_OCI_KEEP=1    keep the temp dir (repo, logs) and print its path
# Needs root, buildah, podman, runc, debootstrap, PostgreSQL, python3 3.11+, go:
# scripts/oci/setup.sh installs them.
#
# Prints `ok:` / `FAIL:` per check and `N passed, M failed` last; exits non-zero on any
# failure. Each step's time is printed after it (the first build of the images is the slow one).
set -Eeuo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
helpers="$repo/tests/e2e/oci_helpers.py"
oci="$repo/scripts/oci"
SCAFFOLD_BIN="${SCAFFOLD_BIN:-$(bash "$repo/scripts/scaffold-bin.sh" debug)}"
# shellcheck source-path=SCRIPTDIR/../../scripts/oci source=lib.sh
. "$oci/lib.sh" # CONTAINERS_CONF / CONTAINERS_STORAGE_CONF for podman and buildah below

started=$SECONDS
passed=0 failed=0 finished=0
tmp="" pg_ctl="" pg_data="" pg_user="" tag="" nk_ctr="" step_no=0 step_started=$SECONDS
run_id="$$-$RANDOM"
py=python3

pass() { passed=$((passed + 1)); echo "  ok: $1"; }
indent() { local l; while IFS= read -r l; do echo "    $l"; done; }
fail() { failed=$((failed + 1)); echo "  FAIL: $1"; [ $# -lt 2 ] || indent <<<"$2"; }
step() {
    [ "$step_no" -eq 0 ] || echo "  ($((SECONDS - step_started))s)"
    step_no=$((step_no + 1)) step_started=$SECONDS
    echo "==> $1"
}
# abort MESSAGE [LOG]: a step that later steps need failed; count it, show the log's tail, stop.
abort() {
    fail "$1"
    if [ $# -gt 1 ] && [ -s "$2" ]; then echo "    ---- last lines of $2 ----"; tail -n 30 "$2" | indent; fi
    exit 1
}
as_pg() { if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi; }

# Podman 4.3 here: the cleanup that conmon should run when a container exits does not happen
# (the container stays "stopped", not "exited"), so `podman wait`/`podman run` without -d sit
# in a 20 s timeout. Instead: run detached and poll the state, which is exact and immediate.
# ctr_wait NAME SECS: wait until container NAME is no longer running; print its exit code.
ctr_wait() {
    local i status
    for ((i = 0; i < $2 * 5; i++)); do
        status="$(podman inspect --format '{{.State.Status}}' "$1" 2>/dev/null || echo gone)"
        case "$status" in created | configured | running) sleep 0.2 ;; *) break ;; esac
    done
    podman inspect --format '{{.State.ExitCode}}' "$1" 2>/dev/null || echo 255
}
ctr_rm() { podman rm --force --time 5 "$1" >/dev/null 2>&1 || true; }

cleanup() {
    local rc=$?
    set +e
    [ "$step_no" -eq 0 ] || echo "  ($((SECONDS - step_started))s)"
    [ -z "$nk_ctr" ] || ctr_rm "$nk_ctr"
    ctr_rm "oci-e2e-migrate-$run_id"
    if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
        as_pg "$pg_ctl" -D "$pg_data" -m fast -w -t 20 stop >/dev/null 2>&1 \
            || kill -9 "$(head -1 "$pg_data/postmaster.pid")" 2>/dev/null
    fi
    # The built image goes; the stand-in base images stay (images.sh reuses them).
    [ -z "$tag" ] || buildah rmi "$tag" >/dev/null 2>&1
    if [ -n "$tmp" ]; then
        if [ "${SCAFFOLD_OCI_KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
    fi
    [ "$finished" = 1 ] || [ "$rc" -ne 0 ] || rc=1
    [ "$failed" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
    [ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || fail "stopped before the end (exit $rc)"
    echo "oci e2e time: $((SECONDS - started))s"
    echo "$passed passed, $failed failed"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp="$(mktemp -d "${TMPDIR:-/tmp}/scaffold-oci.XXXXXX")"
chmod 755 "$tmp" # the PostgreSQL user must reach its data dir below it
mkdir -p "$tmp/logs"

# ---------------------------------------------------------------------------------------
step "prerequisites"
missing=()
for t in buildah podman runc debootstrap python3 go; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
pg_bin="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)" # the newest installed
[ -x "$pg_bin/pg_ctl" ] || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] || abort "missing ${missing[*]}: run scripts/oci/setup.sh (as root) first"
[ "$(id -u)" -eq 0 ] || abort "must run as root (buildah with overlay storage, podman)"
[ -x "$SCAFFOLD_BIN" ] || abort "SCAFFOLD_BIN $SCAFFOLD_BIN is not executable (cargo build first)"
pg_ctl="$pg_bin/pg_ctl"
read -r release go_version _ < <("$py" "$oci/helpers.py" release "$repo/scaffolds/versions.toml") \
    || abort "cannot read the default release from scaffolds/versions.toml"
pass "tools found: buildah $(buildah --version | awk '{print $3}'), podman $(podman --version | awk '{print $3}'), $("$pg_bin/postgres" --version)"
echo "  default release: Nakama $release, Go $go_version"

# ---------------------------------------------------------------------------------------
step "stand-in images heroiclabs/nakama-pluginbuilder:$release and heroiclabs/nakama:$release"
if bash "$oci/images.sh" "$release" >"$tmp/logs/images.log" 2>&1; then
    sed 's/^/  /' "$tmp/logs/images.log"
    pass "images.sh $release"
else
    abort "images.sh $release" "$tmp/logs/images.log"
fi

# ---------------------------------------------------------------------------------------
step "generate the repo (scaffold new --yes, add-package inventory, add-package lobby --kind match)"
game="$tmp/game"
{
    "$SCAFFOLD_BIN" new "$game" --yes --no-git --name ocigame \
        && (cd "$game" && "$SCAFFOLD_BIN" add-package inventory && "$SCAFFOLD_BIN" add-package lobby --kind match)
} >"$tmp/logs/scaffold.log" 2>&1 || abort "scaffold new / add-package" "$tmp/logs/scaffold.log"
module="$(sed -nE 's/^module[[:space:]]+([^[:space:]]+).*/\1/p' "$game/go.mod")"
froms="$(grep -E '^FROM ' "$game/Dockerfile" | tr '\n' ' ')"
echo "  module $module; $froms"
if [[ "$froms" == *"heroiclabs/nakama-pluginbuilder:$release "*"heroiclabs/nakama:$release "* ]]; then
    pass "the Dockerfile builds FROM the default release's two images"
else
    fail "the Dockerfile builds FROM the default release's two images" "$froms"
fi
copy_line="COPY inventory/ inventory/"
if grep -qxF "$copy_line" "$game/Dockerfile"; then pass "the Dockerfile has '$copy_line'"; else
    fail "the Dockerfile has '$copy_line'"; fi
# Go's caches as BuildKit cache mounts on both RUN lines (build.sh leaves those folders to them).
mounts="$(grep -cE -- '--mount=type=cache,target=/go/pkg/mod( |$)' "$game/Dockerfile" || true)"
if [ "$mounts" = 2 ] && grep -qE -- '--mount=type=cache,target=/root/.cache/go-build( |$)' "$game/Dockerfile"; then
    pass "the Dockerfile cache-mounts /go/pkg/mod (download and build) and /root/.cache/go-build"
else
    fail "the Dockerfile cache-mounts /go/pkg/mod (download and build) and /root/.cache/go-build" "$(grep -E '^RUN|--mount' "$game/Dockerfile")"
fi
module_line="$(sed -nE 's/^[[:space:]]*logger\.Info\("([^"]* module loaded)"\).*/\1/p' "$game/main.go" | head -1)"

# ---------------------------------------------------------------------------------------
step "buildah bud --pull=never: the generated Dockerfile builds"
tag="localhost/scaffold-oci-e2e/ocigame:$run_id"
if bash "$oci/build.sh" "$game" -t "$tag" >"$tmp/logs/build.log" 2>&1; then
    grep -E '^\[[0-9]+/[0-9]+\] STEP|^STEP' "$tmp/logs/build.log" | sed 's/^/  /'
    pass "the image builds ($tag)"
    if [ "${SCAFFOLD_OCI_GO_CACHE:-host}" = none ]; then
        pass "the build used the Dockerfile's own cache mounts (SCAFFOLD_OCI_GO_CACHE=none: nothing else mounted)"
    elif [ "$(grep -c 'cache-mounts .* itself' "$tmp/logs/build.log")" = 2 ]; then
        pass "the build used the Dockerfile's own cache mounts (no host cache mounted over them)"
    else
        fail "the build used the Dockerfile's own cache mounts" "$(grep '^oci:' "$tmp/logs/build.log")"
    fi
else
    tag="" # nothing to remove
    abort "the generated Dockerfile builds" "$tmp/logs/build.log"
fi

# ---------------------------------------------------------------------------------------
step "control: without '$copy_line' the build fails and names the package"
ctl="$tmp/control"
cp -r "$game" "$ctl"
# Only that line goes; the managed block's markers (with their checksum) stay as they are, as
# when someone deletes the line by hand.
grep -vxF "$copy_line" "$game/Dockerfile" >"$ctl/Dockerfile" || true
removed=$(($(wc -l <"$game/Dockerfile") - $(wc -l <"$ctl/Dockerfile")))
if [ "$removed" -eq 1 ] && diff <(grep 'scaffold:packages' "$game/Dockerfile") <(grep 'scaffold:packages' "$ctl/Dockerfile") >/dev/null; then
    pass "control Dockerfile: exactly that line removed, block markers unchanged"
else
    fail "control Dockerfile: exactly that line removed, block markers unchanged" "$(diff "$game/Dockerfile" "$ctl/Dockerfile")"
fi
# What go build says for an import of a folder that is not there: a module path with a dot in
# its first element is looked up as a module; one without is taken for the standard library.
if [[ "${module%%/*}" == *.* ]]; then
    want="no required module provides package $module/inventory"
else
    want="package $module/inventory is not in std"
fi
if bash "$oci/build.sh" "$ctl" --target builder >"$tmp/logs/control.log" 2>&1; then
    fail "the build without '$copy_line' fails" "$(tail -n 5 "$tmp/logs/control.log")"
else
    pass "the build without '$copy_line' fails (exit non-zero)"
    said="$(grep -m1 -F "$want" "$tmp/logs/control.log" || true)"
    if [ -n "$said" ]; then
        pass "its log names the package: ${said#"${said%%[![:space:]]*}"}"
    else
        fail "its log says '$want'" "$(grep -iE 'error|package' "$tmp/logs/control.log" | tail -n 5)"
    fi
    if grep -qE 'STEP [0-9]+/[0-9]+: RUN( +--mount=[^ ]+)* +go build' "$tmp/logs/control.log"; then
        pass "it failed at the RUN go build step (not before)"
    else
        fail "it failed at the RUN go build step (not before)" "$(tail -n 5 "$tmp/logs/control.log")"
    fi
fi

# ---------------------------------------------------------------------------------------
step "start a throw-away PostgreSQL"
pg_port="$("$py" "$helpers" port)"
pg_pass="oci-$RANDOM$RANDOM"
if id postgres >/dev/null 2>&1; then pg_user=postgres; else
    id scaffold-e2e >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin scaffold-e2e
    pg_user=scaffold-e2e
fi # initdb and postgres refuse to run as root
mkdir -p "$tmp/pg/sock"
pg_data="$tmp/pg/data"
printf '%s\n' "$pg_pass" >"$tmp/pg/pwfile"
chown -R "$pg_user" "$tmp/pg"
{
    as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --pwfile="$tmp/pg/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync \
        && as_pg "$pg_ctl" -D "$pg_data" -l "$tmp/pg/postgres.log" -w -t 60 start \
            -o "-h 127.0.0.1 -p $pg_port -k $tmp/pg/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        && PGPASSWORD="$pg_pass" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres nakama
} >"$tmp/logs/postgres.log" 2>&1 || abort "PostgreSQL starts" "$tmp/logs/postgres.log"
rm -f "$tmp/pg/pwfile"
db="postgres:$pg_pass@127.0.0.1:$pg_port/nakama?sslmode=disable"
pass "PostgreSQL on 127.0.0.1:$pg_port"

# ---------------------------------------------------------------------------------------
step "podman run the built image: nakama migrate up"
# --network host: the server reaches PostgreSQL on 127.0.0.1 and the test reaches the server,
# without container networking (not needed for the proof).
podman_run=(podman run --detach --runtime runc --network host)
migrate="oci-e2e-migrate-$run_id"
"${podman_run[@]}" --name "$migrate" "$tag" migrate up --database.address "$db" >/dev/null 2>"$tmp/logs/migrate.log" \
    || abort "podman run $tag migrate up" "$tmp/logs/migrate.log"
code="$(ctr_wait "$migrate" 120)"
podman logs "$migrate" >>"$tmp/logs/migrate.log" 2>&1 || true
ctr_rm "$migrate"
[ "$code" = 0 ] || abort "migrate up in the image exits 0 (exit $code)" "$tmp/logs/migrate.log"
pass "migrate up in the image exits 0"

# ---------------------------------------------------------------------------------------
step "podman run the built image: the server with the plugin"
base_port="$("$py" "$helpers" block 6)"
http_port=$((base_port + 1)) console_port=$((base_port + 5)) # gRPC: base_port and +2
nk_ctr="oci-e2e-nakama-$run_id"
# The image's own entrypoint (tini -- /nakama/nakama) and config, as the generated
# docker-compose.yml starts it; only the addresses differ.
"${podman_run[@]}" --name "$nk_ctr" "$tag" \
    --config /nakama/data/local.yml --name oci-e2e --database.address "$db" \
    --socket.address 127.0.0.1 --socket.port "$http_port" \
    --console.address 127.0.0.1 --console.port "$console_port" >/dev/null 2>"$tmp/logs/nakama.log" \
    || abort "podman run $tag (server)" "$tmp/logs/nakama.log"
healthy=0
for _ in $(seq 1 300); do
    answer="$("$py" "$helpers" get "http://127.0.0.1:$http_port/healthcheck")"
    if [ "${answer%%$'\t'*}" = 200 ]; then healthy=1; break; fi
    [ "$(podman inspect --format '{{.State.Status}}' "$nk_ctr" 2>/dev/null)" = running ] || break
    sleep 0.2
done
podman logs "$nk_ctr" >"$tmp/logs/nakama.log" 2>&1 || true
[ "$healthy" = 1 ] || abort "server becomes healthy (GET /healthcheck 200)" "$tmp/logs/nakama.log"
pass "server healthy (GET /healthcheck 200) on port $http_port"

# ---------------------------------------------------------------------------------------
step "the plugin answers and the log shows it loaded"
api="http://127.0.0.1:$http_port/v2/rpc"
answer="$("$py" "$helpers" post "$api/inventory_echo?http_key=defaulthttpkey&unwrap" '{"n":1}')"
status="${answer%%$'\t'*}" body="${answer#*$'\t'}"
want_body='{"rpc":"inventory_echo","echo":{"n":1}}'
if [ "$status" = 200 ] && "$py" "$helpers" json-eq "$body" "$want_body"; then
    pass "POST /v2/rpc/inventory_echo?http_key=...&unwrap {\"n\":1} -> 200 $body"
else
    fail "POST /v2/rpc/inventory_echo?...&unwrap answers 200 $want_body" "HTTP $status $body"
fi
answer="$("$py" "$helpers" post "$api/lobby_create?http_key=defaulthttpkey&unwrap" '{}')"
status="${answer%%$'\t'*}" body="${answer#*$'\t'}"
if [ "$status" = 200 ] && match_id="$("$py" "$helpers" json-get "$body" match_id)"; then
    pass "POST /v2/rpc/lobby_create (match kind) -> 200, match $match_id"
else
    fail "POST /v2/rpc/lobby_create answers 200 {\"match_id\":...}" "HTTP $status $body"
fi
podman logs "$nk_ctr" >"$tmp/logs/nakama.log" 2>&1 || true
log="$tmp/logs/nakama.log"
# check_log DESC ERE: the server log has a line matching ERE.
check_log() { if grep -qE "$2" "$log"; then pass "log: $1"; else fail "log: $1" "$(grep -m3 -iE 'error|fatal' "$log")"; fi; }
check_log "Found runtime modules, count 1, backend.so" '"msg":"Found runtime modules","count":1,"modules":\["backend.so"\]'
check_log "Go runtime modules loaded" '"msg":"Go runtime modules loaded"'
if [ -n "$module_line" ]; then
    check_log "$module_line (main.go)" "\"msg\":\"$module_line\""
else
    fail "main.go logs \"<name> module loaded\""
fi
check_log "Registered Go runtime RPC inventory_echo" '"msg":"Registered Go runtime RPC function invocation","id":"inventory_echo"'
check_log "Node $release with runtime go$go_version (the stand-in's Go)" \
    "\"msg\":\"Node\",\"name\":\"oci-e2e\",\"version\":\"${release//./\\.}\\+[^\"]*\",\"runtime\":\"go${go_version//./\\.}\""
if grep -qE '"level":"(error|fatal|panic|dpanic)"' "$log"; then
    fail "server log has no error-level lines" "$(grep -m3 -E '"level":"(error|fatal|panic|dpanic)"' "$log")"
else
    pass "server log has no error-level lines"
fi

finished=1
