#!/usr/bin/env bash
# Real-server proof: a repo made by `scaffold new` + `add-package` (rpc packages, and one
# package of every other kind: match, hook, http) builds as its Dockerfile's builder stage
# builds it, passes `nakama check`, loads into a real Nakama on PostgreSQL, answers every RPC
# it registers over HTTP, and each kind does its job in that server: the match RPCs create and
# list a running match, the hook gives a new device account its storage object once and
# refuses a malformed chat message on the realtime socket, the HTTP endpoint answers. The same
# repo built against the previous release's nakama-common is refused by `nakama check`.
#
# Env:
#   SCAFFOLD_BIN         scaffold binary (default: the debug one cargo builds, scripts/scaffold-bin.sh)
#   SCAFFOLD_E2E_CACHE   cache for the Nakama server build (default <repo>/target/e2e-cache)
#   GO                   go command (default: go on PATH, else /usr/local/go/bin/go)
#   SCAFFOLD_E2E_KEEP=1  keep the temp dir (repo, build context, logs) and print its path
#   SCAFFOLD_E2E_TOOLCHAIN=release
#                        build server and plugin with the default release's Go (go line of
#                        versions.toml, downloaded by the go command) instead of the local Go
# Needs python3, Go with cgo (gcc) and PostgreSQL server binaries; as root it installs
# `postgresql` and `gcc` with apt-get when they are missing.
#
# Prints `==> step` before each step and `N passed, M failed` last. On a failure it prints the
# failing step's log tail and keeps the logs in $SCAFFOLD_E2E_CACHE/last-failure/.
set -Eeuo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo/tests/e2e"
helpers="$here/e2e_helpers.py"
SCAFFOLD_BIN="${SCAFFOLD_BIN:-$(bash "$repo/scripts/scaffold-bin.sh" debug)}"
cache="${SCAFFOLD_E2E_CACHE:-$repo/target/e2e-cache}"
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=1
go_bin="${GO:-go}"
if ! command -v "$go_bin" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    go_bin=/usr/local/go/bin/go
fi

started=$SECONDS
passed=0
failed=0
current_step="setup"
current_log=""
tmp=""
nakama_pid=""
nk_tmp=""
pg_ctl=""
pg_data=""
pg_user=""
finished=0
step_no=0
step_started=$SECONDS

as_pg() { # run a command as the PostgreSQL OS user (postgres refuses to run as root)
    if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

cleanup() {
    local rc=$?
    set +e
    [ "$step_no" -eq 0 ] || echo "  ($((SECONDS - step_started))s)"
    [ -z "$nk_tmp" ] || rm -rf "$nk_tmp"
    if [ -n "$nakama_pid" ] && kill -0 "$nakama_pid" 2>/dev/null; then
        kill "$nakama_pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$nakama_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$nakama_pid" 2>/dev/null
        wait "$nakama_pid" 2>/dev/null
    fi
    if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
        local pg_pid
        pg_pid="$(head -1 "$pg_data/postmaster.pid")"
        as_pg "$pg_ctl" -D "$pg_data" -m fast -w -t 20 stop >/dev/null 2>&1 \
            || { [ -n "$pg_pid" ] && kill -9 "$pg_pid" 2>/dev/null; }
    fi
    if [ "$finished" != 1 ] && [ "$rc" -eq 0 ]; then rc=1; fi
    [ "$rc" -ne 0 ] || rm -rf "$cache/last-failure"
    if [ "$rc" -ne 0 ]; then
        if [ "$finished" = 1 ]; then
            # Every step ran: the FAIL lines above say what went wrong.
            echo "FAILED: $failed check(s) (see FAIL above)"
        else
            echo "FAILED at step: $current_step (exit $rc)"
            [ -z "$failed_cmd" ] || echo "failed command: $failed_cmd"
        fi
        if [ "$finished" != 1 ] && [ -n "$current_log" ] && [ -s "$current_log" ]; then
            echo "---- last lines of $(basename "$current_log") ----"
            tail -n 40 "$current_log"
            echo "----"
        fi
        if [ -n "$tmp" ] && [ -d "$tmp/logs" ]; then
            rm -rf "$cache/last-failure" && mkdir -p "$cache/last-failure" \
                && cp -r "$tmp/logs/." "$cache/last-failure/" \
                && echo "logs kept in $cache/last-failure/"
        fi
        [ "$finished" = 1 ] || failed=$((failed + 1))
    fi
    if [ -n "$tmp" ]; then
        if [ "${SCAFFOLD_E2E_KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
    fi
    echo "e2e time: $((SECONDS - started))s"
    echo "$passed passed, $failed failed"
    exit "$rc"
}
failed_cmd=""
trap '[ -n "$failed_cmd" ] || failed_cmd=$BASH_COMMAND' ERR
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() {
    [ "$step_no" -eq 0 ] || echo "  ($((SECONDS - step_started))s)"
    step_started=$SECONDS
    current_step="$1"
    failed_cmd=""
    step_no=$((step_no + 1))
    current_log="$tmp/logs/$(printf '%02d' "$step_no")-$(echo "$1" | tr -cs 'A-Za-z0-9' '-' | sed 's/-*$//').log"
    : >"$current_log"
    echo "==> $1"
}

pass() { passed=$((passed + 1)); echo "  ok: $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL: $1"; [ $# -lt 2 ] || echo "$2" | sed 's/^/    /'; }
# check DESC CMD...: an assertion; the command's output goes to the step log.
check() {
    local desc="$1"; shift
    if "$@" >>"$current_log" 2>&1; then pass "$desc"; else fail "$desc" "$(tail -n 5 "$current_log")"; fi
}
# run CMD...: a step action; any failure aborts the run (the trap prints the log tail).
run() { "$@" >>"$current_log" 2>&1 || { local rc=$?; failed_cmd="$*"; return "$rc"; }; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/scaffold-e2e.XXXXXX")"
chmod 755 "$tmp" # the PostgreSQL user must reach its data dir below it
mkdir -p "$tmp/logs" "$cache"

# ---------------------------------------------------------------------------------------
step "prerequisites (python3, go, gcc, postgresql)"
command -v python3 >/dev/null || { echo "python3 is required" | tee -a "$current_log"; exit 1; }
# The interpreter itself, not a version-manager shim: the RPC step starts it ~50 times.
py="$(python3 -c 'import sys; print(sys.executable)')"
command -v "$go_bin" >/dev/null || { echo "go is required (GO=$go_bin)" | tee -a "$current_log"; exit 1; }
find_pg_bin() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
    if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
    command -v pg_ctl >/dev/null 2>&1 && dirname "$(command -v pg_ctl)"
}
pg_bin="$(find_pg_bin || true)"
missing=()
[ -n "$pg_bin" ] || missing+=(postgresql)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            echo "missing ${missing[*]}, and not root (no passwordless sudo): install them first" | tee -a "$current_log"
            exit 1
        fi
    fi
    command -v apt-get >/dev/null 2>&1 || { echo "missing ${missing[*]} and no apt-get" | tee -a "$current_log"; exit 1; }
    echo "  installing ${missing[*]} with apt-get"
    run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    pg_bin="$(find_pg_bin)"
    [ -n "$pg_bin" ] || { echo "postgresql installed but pg_ctl not found" | tee -a "$current_log"; exit 1; }
fi
pg_ctl="$pg_bin/pg_ctl"
echo "  go: $("$go_bin" env GOVERSION), postgres: $("$pg_bin/postgres" --version), gcc: $(gcc -dumpversion)"
[ -x "$SCAFFOLD_BIN" ] || { echo "SCAFFOLD_BIN $SCAFFOLD_BIN is not executable (cargo build first)" | tee -a "$current_log"; exit 1; }

# Default release = first row of scaffolds/versions.toml; previous = second row.
read -r default_nakama default_go prev_common < <(python3 - "$repo/scaffolds/versions.toml" <<'PY'
import sys, tomllib
rows = tomllib.load(open(sys.argv[1], "rb"))["release"]
print(rows[0]["nakama"], rows[0]["go"], rows[1]["nakama_common"] if len(rows) > 1 else "-")
PY
)
echo "  default release: Nakama $default_nakama (Go $default_go); previous nakama-common: $prev_common"
if [ "${SCAFFOLD_E2E_TOOLCHAIN:-local}" = release ]; then
    # Build server and plugin with the release's own Go (the go command fetches it from the
    # module proxy as golang.org/toolchain), as the pluginbuilder image does.
    export GOTOOLCHAIN="go$default_go"
    run "$go_bin" version
    echo "  toolchain: $("$go_bin" env GOVERSION) (SCAFFOLD_E2E_TOOLCHAIN=release)"
fi

# ---------------------------------------------------------------------------------------
step "start PostgreSQL on a free port"
pg_port="$("$py" "$helpers" port)"
pg_pass="e2e-$RANDOM$RANDOM"
pg_user=""
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then
        pg_user=postgres
    else
        id scaffold-e2e >/dev/null 2>&1 || run useradd --system --no-create-home --shell /usr/sbin/nologin scaffold-e2e
        pg_user=scaffold-e2e
    fi
fi
mkdir -p "$tmp/pg" "$tmp/pg/sock"
pg_data="$tmp/pg/data"
printf '%s\n' "$pg_pass" >"$tmp/pg/pwfile"
[ -z "$pg_user" ] || chown -R "$pg_user" "$tmp/pg"
run as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --pwfile="$tmp/pg/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync
rm -f "$tmp/pg/pwfile"
run as_pg "$pg_ctl" -D "$pg_data" -l "$tmp/pg/postgres.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $pg_port -k $tmp/pg/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
run env PGPASSWORD="$pg_pass" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres nakama
db_address="postgres:$pg_pass@127.0.0.1:$pg_port/nakama?sslmode=disable"
echo "  postgres on 127.0.0.1:$pg_port, database nakama, password auth"

# ---------------------------------------------------------------------------------------
step "build or reuse Nakama $default_nakama"
nk_dir="$cache/nakama-$default_nakama"
nakama="$nk_dir/bin/nakama"
go_version="$("$go_bin" env GOVERSION)"
built_with() { "$go_bin" version "$1" 2>/dev/null | awk '{print $2}'; }
# The cached binary is reused only when it reports this release and was built by this Go.
if [ -x "$nakama" ] && [ "$(built_with "$nakama")" = "$go_version" ] \
    && "$nakama" --version 2>/dev/null | grep -q "^$default_nakama+"; then
    echo "  cached: $nakama ($("$nakama" --version 2>/dev/null | tail -1), $go_version)"
else
    t0=$SECONDS
    # `go install github.com/heroiclabs/nakama/v3@vX` needs the module's version list (for its
    # deprecation check), which some module proxy mirrors refuse; building the downloaded
    # module as the main module is the same build (its go.mod has no replace directives).
    # -X main.version/commitID as Nakama's own release build sets them (its log shows them).
    read -r nk_src nk_commit < <("$go_bin" mod download -json "github.com/heroiclabs/nakama/v3@v$default_nakama" \
        | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m.get("Dir") or sys.exit(m.get("Error")), (m.get("Origin") or {}).get("Hash", "unknown")[:7])')
    nk_tmp="$(mktemp -d "$cache/.nakama-build.XXXXXX")" # removed by cleanup if the build fails
    (cd "$nk_src" && GOBIN="$nk_tmp/bin" "$go_bin" install -trimpath \
        -ldflags "-X main.version=$default_nakama -X main.commitID=$nk_commit" .) >>"$current_log" 2>&1
    rm -rf "$nk_dir" && mv "$nk_tmp" "$nk_dir" && chmod 755 "$nk_dir"
    nk_tmp=""
    echo "  built $nakama ($default_nakama+$nk_commit) with $go_version in $((SECONDS - t0))s"
fi

# ---------------------------------------------------------------------------------------
# One package of each kind besides rpc (the starter profile, inventory and stats are rpc).
match_pkg=lobby hook_pkg=welcome http_pkg=api
step "generate the repo (scaffold new + add-package inventory, stats; $match_pkg, $hook_pkg, $http_pkg kinds)"
game="$tmp/game"
run "$SCAFFOLD_BIN" new "$game" --yes --no-git --module example.com/game --nakama "$default_nakama"
cd "$game"
run "$SCAFFOLD_BIN" add-package inventory
run "$SCAFFOLD_BIN" add-package stats
run "$SCAFFOLD_BIN" add-package "$match_pkg" --kind match
run "$SCAFFOLD_BIN" add-package "$hook_pkg" --kind hook
run "$SCAFFOLD_BIN" add-package "$http_pkg" --kind http
cp go.mod "$tmp/go.mod.generated"; cp go.sum "$tmp/go.sum.generated" 2>/dev/null || : >"$tmp/go.sum.generated"
run "$go_bin" mod tidy
check "generated go.mod and go.sum are already tidy" \
    bash -c 'diff -u "$1/go.mod.generated" go.mod && diff -u "$1/go.sum.generated" go.sum' _ "$tmp"
all_pkgs=(profile inventory stats "$match_pkg" "$hook_pkg" "$http_pkg")
for f in go.mod go.sum main.go Dockerfile "${all_pkgs[@]}"; do
    [ -e "$f" ] || { echo "generated repo lacks $f" >>"$current_log"; exit 1; }
done
mapfile -t rpc_ids < <(grep -rhoE --include='*.go' 'RegisterRpc\("[^"]+"' . | sed -E 's/.*\("//; s/"$//' | sort -u)
module_line="$(grep -rhoE --include='*.go' 'logger\.Info\("[^"]* module loaded"\)' . | head -1 | sed -E 's/^logger\.Info\("//; s/"\)$//')"
# What the other kinds register, read from their code as the server will see it.
count_calls() { { grep -rhoE --include='*.go' --exclude='*_test.go' "$1" . || true; } | wc -l | tr -d ' '; }
match_calls="$(count_calls 'RegisterMatch\(')"
hook_calls="$(count_calls 'Register(Before|After)[A-Za-z]*\(')"
http_path="$(sed -nE 's/^const Path = "([^"]+)"$/\1/p' "$http_pkg/$http_pkg.go")"
echo "  RPCs registered in the code: ${rpc_ids[*]:-none}"
echo "  match handlers: $match_calls, hooks: $hook_calls, HTTP path: ${http_path:-none}"
echo "  module log line: ${module_line:-none}"
[ ${#rpc_ids[@]} -gt 0 ] || { echo "no RegisterRpc(\"...\") in the generated Go files" >>"$current_log"; exit 1; }

# ---------------------------------------------------------------------------------------
step "build backend.so as the Dockerfile builder stage does"
ctx="$tmp/ctx"
workdir="$("$py" "$repo/tests/support/docker_context.py" "$game" "$ctx" 2>>"$current_log")"
build_dir="$ctx/$workdir"
echo "  builder WORKDIR: /${workdir#.}"
# Continued lines joined first: the build RUN carries its cache mounts on lines of their own.
builder_run="$(awk '/\\$/ {sub(/\\$/, ""); line = line $0; next} {print line $0; line = ""}' "$game/Dockerfile" \
    | awk 'toupper($1)=="FROM"{n++} n==1 && toupper($1)=="RUN" && /go build/')"
check "Dockerfile builder runs go build -trimpath -buildmode=plugin" \
    grep -qE 'go build .*-trimpath.*-buildmode=plugin|go build .*-buildmode=plugin.*-trimpath' <<<"$builder_run"
(cd "$build_dir" && "$go_bin" build -trimpath -buildmode=plugin -o backend.so .) >>"$current_log" 2>&1
pass "plugin builds from the Docker build context alone"
for pkg in "${all_pkgs[@]}"; do
    check "build context holds $pkg/ (the Dockerfile copies it)" test -f "$build_dir/$pkg/$pkg.go"
done
# Negative control for the harness itself: the same Dockerfile without the stats COPY line
# must fail to build, as `docker build` would.
mkdir -p "$tmp/nocopy"
cp -r "$game/." "$tmp/nocopy/game"
sed -i -E '/^COPY[[:space:]].*stats\/?[[:space:]]/d' "$tmp/nocopy/game/Dockerfile"
nocopy_wd="$("$py" "$repo/tests/support/docker_context.py" "$tmp/nocopy/game" "$tmp/nocopy/ctx" 2>>"$current_log")"
if (cd "$tmp/nocopy/ctx/$nocopy_wd" && "$go_bin" build -trimpath -buildmode=plugin -o backend.so .) >"$tmp/logs/nocopy-build.log" 2>&1; then
    fail "build without the stats COPY line fails"
else
    pass "build without the stats COPY line fails: $(grep -m1 -oE '[a-z][^:]*package example\.com/game/stats[^;]*' "$tmp/logs/nocopy-build.log" || head -1 "$tmp/logs/nocopy-build.log" | sed 's/^ *//')"
    check "its error names example.com/game/stats" grep -qF 'example.com/game/stats' "$tmp/logs/nocopy-build.log"
fi
mkdir -p "$tmp/modules"
cp "$build_dir/backend.so" "$tmp/modules/backend.so"

# ---------------------------------------------------------------------------------------
step "nakama check"
if "$nakama" check --runtime.path "$tmp/modules" >>"$current_log" 2>&1; then
    pass "nakama check --runtime.path loads backend.so (exit 0)"
    check "nakama check prints nothing" test ! -s "$current_log"
else
    fail "nakama check --runtime.path loads backend.so (exit 0)" "$(tail -n 5 "$current_log")"
fi

# ---------------------------------------------------------------------------------------
step "nakama migrate up"
run "$nakama" migrate up --database.address "$db_address"
pass "nakama migrate up"

# ---------------------------------------------------------------------------------------
step "start Nakama with the plugin"
# socket.port P serves HTTP, P-1 gRPC; console.port C serves HTTP, C-3 gRPC.
base="$("$py" "$helpers" block 6)"
grpc_port=$base http_port=$((base + 1)) console_grpc_port=$((base + 2)) console_port=$((base + 5))
nakama_log="$tmp/logs/nakama-server.log"
"$nakama" --name e2e --data_dir "$tmp/nakama-data" \
    --database.address "$db_address" --runtime.path "$tmp/modules" \
    --socket.address 127.0.0.1 --socket.port "$http_port" \
    --console.address 127.0.0.1 --console.port "$console_port" \
    --logger.level INFO >"$nakama_log" 2>&1 &
nakama_pid=$!
echo "  pid $nakama_pid; HTTP $http_port, gRPC $grpc_port, console $console_port/$console_grpc_port; log $nakama_log"
current_log="$nakama_log"
"$py" "$helpers" wait "http://127.0.0.1:$http_port/healthcheck" 60 "$nakama_pid" 2>>"$nakama_log"
pass "server healthy (GET /healthcheck 200)"

# ---------------------------------------------------------------------------------------
step "server log"
check "log: Found runtime modules, count 1, backend.so" \
    grep -qE '"msg":"Found runtime modules","count":1,"modules":\["backend.so"\]' "$nakama_log"
check "log: Go runtime modules loaded" grep -qF '"msg":"Go runtime modules loaded"' "$nakama_log"
if [ -n "$module_line" ]; then
    check "log: $module_line" grep -qF "\"msg\":\"$module_line\"" "$nakama_log"
else
    fail "main.go logs \"<name> module loaded\""
fi
registered="$(grep -cF '"msg":"Registered Go runtime RPC function invocation"' "$nakama_log" || true)"
if [ "$registered" -eq "${#rpc_ids[@]}" ]; then
    pass "log: $registered Go RPCs registered (= RegisterRpc calls in the code)"
else
    fail "log: $registered Go RPCs registered, code has ${#rpc_ids[@]}"
fi
for id in "${rpc_ids[@]}"; do
    check "log: Registered Go runtime RPC $id" \
        grep -qF "\"msg\":\"Registered Go runtime RPC function invocation\",\"id\":\"$id\"" "$nakama_log"
done
# The match kind registers its handler under the package name; Nakama lists Go match handlers
# once the runtime is up. The hook kind's hooks and the http kind's route have their own lines.
registered="$(grep -cF '"msg":"Registered Go runtime Match creation function invocation"' "$nakama_log" || true)"
if [ "$registered" -eq "$match_calls" ]; then
    pass "log: $registered Go match handlers registered (= RegisterMatch calls in the code)"
else
    fail "log: $registered Go match handlers registered, code has $match_calls"
fi
check "log: Registered Go runtime Match creation function $match_pkg" \
    grep -qF "\"msg\":\"Registered Go runtime Match creation function invocation\",\"name\":\"$match_pkg\"" "$nakama_log"
registered="$(grep -cE '"msg":"Registered Go runtime (Before|After) function invocation"' "$nakama_log" || true)"
if [ "$registered" -eq "$hook_calls" ]; then
    pass "log: $registered Go hooks registered (= RegisterBefore/RegisterAfter calls in the code)"
else
    fail "log: $registered Go hooks registered, code has $hook_calls"
fi
check "log: Registered Go runtime After function authenticatedevice" \
    grep -qF '"msg":"Registered Go runtime After function invocation","id":"authenticatedevice"' "$nakama_log"
# Nakama 3.40.0 logs the stored, lower-cased id and trims "*rtapi.Envelope_" (capital E) from
# it, which does not match: the realtime prefix stays in this line.
check "log: Registered Go runtime Before function *rtapi.envelope_channelmessagesend" \
    grep -qF '"msg":"Registered Go runtime Before function invocation","id":"*rtapi.envelope_channelmessagesend"' "$nakama_log"
check "log: Registered custom HTTP handler ${http_path:-?}" \
    grep -qF "\"msg\":\"Registered custom HTTP handler\",\"path_pattern\":\"$http_path\"" "$nakama_log"
check "log: Node version $default_nakama, runtime $go_version" \
    grep -qE "\"msg\":\"Node\",\"name\":\"e2e\",\"version\":\"${default_nakama//./\\.}\\+[^\"]*\",\"runtime\":\"$go_version\"" "$nakama_log"
check "log: Startup done" grep -qF '"msg":"Startup done"' "$nakama_log"

# ---------------------------------------------------------------------------------------
step "call every RPC over HTTP"
current_log="$tmp/logs/rpc.log"
api="http://127.0.0.1:$http_port/v2/rpc"
# call ID BODY [TOKEN]: POST the RPC (http_key when no session TOKEN); sets status and body.
call() {
    local url="$api/$1" answer
    [ $# -gt 2 ] || url="$url?http_key=defaulthttpkey"
    answer="$("$py" "$helpers" post "$url" "$2" "${3:-}")"
    status="${answer%%$'\t'*}" body="${answer#*$'\t'}"
    echo "$1 $2 ${3:+(session)} -> $status $body" >>"$current_log"
}
# expect DESC STATUS [HELPER ARGS...]: assert the last call's status, then a payload check.
expect() {
    local desc="$1" want="$2"; shift 2
    if [ "$status" = "$want" ] && { [ $# -eq 0 ] || "$py" "$helpers" "$1" "$body" "${@:2}" 2>>"$current_log"; }; then
        pass "$desc"
    else
        fail "$desc" "HTTP $status $body"
    fi
}
not_object="payload must be a JSON object"
token="$("$py" "$helpers" auth "http://127.0.0.1:$http_port" 2>>"$current_log")"
[ -n "$token" ] && pass "device account signed in (session token)" || fail "device account signs in"
# Each RPC id is checked against the contract of its kind, chosen by its suffix; an id with
# no known contract fails, so a new starter RPC must be taught here.
for id in "${rpc_ids[@]}"; do
    case "$id" in
    *_echo)
        call "$id" '"{\"n\":1}"'
        expect "$id answers {\"rpc\":\"$id\",\"echo\":{\"n\":1}}" 200 rpc-ok "$id" '{"n":1}'
        call "$id" '"[1,2]"'
        expect "$id refuses [1,2]: 400 \"$not_object\"" 400 rpc-error "$not_object"
        ;;
    *_save)
        pkg="${id%_save}"
        if [[ " ${rpc_ids[*]} " != *" ${pkg}_load "* ]]; then fail "$id has no ${pkg}_load"; continue; fi
        call "$id" '"{\"n\":1}"'
        expect "$id with the http_key (no user) is refused: 401" 401
        call "${pkg}_load" '""' "$token"
        expect "${pkg}_load before any save: 404 \"nothing saved yet\"" 404 rpc-error "nothing saved yet"
        call "$id" '"{\"n\":1,\"s\":\"x\"}"' "$token"
        expect "$id stores {\"n\":1,\"s\":\"x\"} and answers a version" 200 rpc-field version
        call "${pkg}_load" '""' "$token"
        expect "${pkg}_load answers what was saved" 200 rpc-json '{"n":1,"s":"x"}'
        call "$id" '"[1,2]"' "$token"
        expect "$id refuses [1,2]: 400 \"$not_object\"" 400 rpc-error "$not_object"
        ;;
    *_load)
        [[ " ${rpc_ids[*]} " == *" ${id%_load}_save "* ]] || fail "$id has no ${id%_load}_save"
        ;; # checked with its _save
    *_create) # the match kind: create a match, then find it in the listing
        pkg="${id%_create}"
        if [[ " ${rpc_ids[*]} " != *" ${pkg}_list "* ]]; then fail "$id has no ${pkg}_list"; continue; fi
        call "${pkg}_list" '"{}"'
        expect "${pkg}_list before any match: {\"match_ids\":[]}" 200 rpc-json '{"match_ids":[]}'
        call "$id" '"{}"'
        expect "$id answers {\"match_id\":\"...\"}" 200 rpc-field match_id
        match_id="$("$py" "$helpers" rpc-get "$body" match_id 2>>"$current_log" || true)"
        if [ -n "$match_id" ]; then
            answer="$("$py" "$helpers" poll-list "$api/${pkg}_list?http_key=defaulthttpkey" match_ids "$match_id" 5)"
            status="${answer%%$'\t'*}" body="${answer#*$'\t'}"
            echo "${pkg}_list (polled) -> $status $body" >>"$current_log"
            expect "${pkg}_list answers {\"match_ids\":[...]} holding $match_id" 200 rpc-list match_ids "$match_id"
            check "log: Match started ($match_id)" \
                grep -qE "\"msg\":\"Match started\".*\"mid\":\"${match_id%%.*}\"" "$nakama_log"
        fi
        ;;
    *_list)
        [[ " ${rpc_ids[*]} " == *" ${id%_list}_create "* ]] || fail "$id has no ${id%_list}_create"
        ;; # checked with its _create
    *)
        fail "no contract known for RPC $id: teach tests/e2e/nakama.sh its kind"
        ;;
    esac
done
answer="$("$py" "$helpers" post "$api/${rpc_ids[0]}?http_key=wrongkey" '"{}"')"
echo "${rpc_ids[0]} wrong key -> $answer" >>"$current_log"
check "wrong http_key is refused (401)" test "${answer%%$'\t'*}" = 401

# ---------------------------------------------------------------------------------------
step "hook kind: device sign-in gives the player one $hook_pkg object"
base_url="http://127.0.0.1:$http_port"
device="e2e-hook-$RANDOM$RANDOM"
initial='{"coins":100,"level":1}' progress='{"coins":42,"level":3}'
# read_initial TOKEN: the signed-in player's $hook_pkg/initial object; sets status and body.
read_initial() {
    local answer
    answer="$("$py" "$helpers" storage-read "$base_url" "$1" "$hook_pkg" initial)"
    status="${answer%%$'\t'*}" body="${answer#*$'\t'}"
    echo "read $hook_pkg/initial -> $status $body" >>"$current_log"
}
# object_version VALUE: the version of the object just read when it holds VALUE, else empty.
object_version() {
    [ "$status" = 200 ] || return 0
    "$py" "$helpers" storage-object "$body" "$hook_pkg" initial "$user_id" "$1" 1 0 2>>"$current_log" || true
}
token="$("$py" "$helpers" auth "$base_url" "$device" 2>>"$current_log" || true)"
if [ -z "$token" ]; then
    fail "device $device signs in (POST /v2/account/authenticate/device?create=true)"
else
    pass "device $device signs in (POST /v2/account/authenticate/device?create=true)"
    user_id="$("$py" "$helpers" uid "$token")"
    read_initial "$token"
    version="$(object_version "$initial")"
    if [ -n "$version" ]; then
        pass "the after-hook wrote $hook_pkg/initial = $initial (read 1, write 0), version $version"
    else
        fail "the after-hook wrote $hook_pkg/initial = $initial (read 1, write 0)" "HTTP $status $body"
    fi
    answer="$("$py" "$helpers" fetch GET "$base_url/v2/storage/$hook_pkg?user_id=$user_id" "" "$token")"
    echo "list $hook_pkg -> $answer" >>"$current_log"
    body="${answer#*$'\t'}" body="${body#*$'\t'}"
    check "GET /v2/storage/$hook_pkg?user_id=... lists exactly that object" \
        "$py" "$helpers" storage-object "$body" "$hook_pkg" initial "$user_id" "$initial" 1 0
    # Server-write-only: the player's own write is refused and changes nothing.
    answer="$("$py" "$helpers" fetch PUT "$base_url/v2/storage" \
        "{\"objects\":[{\"collection\":\"$hook_pkg\",\"key\":\"initial\",\"value\":\"{\\\"coins\\\":999999}\"}]}" "$token")"
    echo "player write $hook_pkg/initial -> $answer" >>"$current_log"
    read_initial "$token"
    if [ "${answer%%$'\t'*}" = 400 ] && [ -n "$version" ] && [ "$(object_version "$initial")" = "$version" ]; then
        pass "the player cannot overwrite it (permission_write 0): HTTP 400, object unchanged"
    else
        fail "the player cannot overwrite it (permission_write 0)" "write: $answer; read: HTTP $status $body"
    fi
    # The game moves the player on (as server code would write it; here straight in the
    # database). Rewriting the same initial value would leave its version as it was, so only
    # a changed object tells "written once" from "written at every sign-in".
    moved="$(env PGPASSWORD="$pg_pass" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d nakama \
        -v ON_ERROR_STOP=1 -qAt -c "UPDATE storage SET value = '$progress', version = 'e2e-progress'
            WHERE collection = '$hook_pkg' AND key = 'initial' AND user_id = '$user_id' RETURNING version" \
        2>>"$current_log" || true)"
    check "the game moves the player on: $progress (SQL UPDATE)" test "$moved" = e2e-progress
    token2="$("$py" "$helpers" auth "$base_url" "$device" 2>>"$current_log" || true)"
    check "the same device signs in again" test -n "$token2"
    read_initial "${token2:-$token}"
    if [ "$(object_version "$progress")" = e2e-progress ]; then
        pass "the second sign-in keeps it: $progress, version e2e-progress (the hook did not reset it)"
    else
        fail "the second sign-in keeps $progress" "HTTP $status $body"
    fi
fi

# ---------------------------------------------------------------------------------------
step "hook kind: chat messages through the before-hook on the realtime socket"
ws_url="ws://127.0.0.1:$http_port/ws"
# chat CONTENT: send CONTENT as a chat message in room "e2e"; sets envelope.
chat() {
    envelope="$("$py" "$helpers" ws-chat "$ws_url" "$token" "$1" 2>>"$current_log" || true)"
    echo "chat ${1:0:60}$([ ${#1} -le 60 ] || echo "... (${#1} bytes)") -> ${envelope:-no answer}" >>"$current_log"
}
if [ -z "$token" ]; then
    fail "realtime checks need the session of the hook step"
else
    chat '{"text":"hello"}'
    check "a JSON-object chat message passes (channel_message_ack)" "$py" "$helpers" rt-ack "$envelope"
    chat 'not json'
    check "a chat message that is not a JSON object is refused: \"message content must be a JSON object\"" \
        "$py" "$helpers" rt-error "$envelope" "message content must be a JSON object"
    chat "{\"text\":\"$(head -c 3000 /dev/zero | tr '\0' x)\"}"
    check "a chat message over 2048 bytes (under the socket limit) is refused: \"message too large\"" \
        "$py" "$helpers" rt-error "$envelope" "message too large"
fi

# ---------------------------------------------------------------------------------------
step "http kind: GET ${http_path:-/?}"
check "the $http_pkg package serves /$http_pkg (const Path)" test "$http_path" = "/$http_pkg"
answer="$("$py" "$helpers" fetch GET "$base_url$http_path")"
echo "GET $http_path -> $answer" >>"$current_log"
status="${answer%%$'\t'*}" rest="${answer#*$'\t'}"
ctype="${rest%%$'\t'*}" body="${rest#*$'\t'}"
if [ "$status" = 200 ] && "$py" "$helpers" json-eq "$body" "{\"package\":\"$http_pkg\",\"status\":\"ok\"}" 2>>"$current_log"; then
    pass "GET $http_path answers 200 {\"package\":\"$http_pkg\",\"status\":\"ok\"}"
else
    fail "GET $http_path answers 200 {\"package\":\"$http_pkg\",\"status\":\"ok\"}" "HTTP $status $body"
fi
check "its Content-Type is application/json" test "$ctype" = application/json
answer="$("$py" "$helpers" fetch POST "$base_url$http_path" '{}')"
echo "POST $http_path -> $answer" >>"$current_log"
check "POST $http_path is not served by the GET handler (HTTP ${answer%%$'\t'*})" test "${answer%%$'\t'*}" != 200

# ---------------------------------------------------------------------------------------
step "server log after every call"
if grep -E '"level":"(error|fatal|panic|dpanic)"' "$nakama_log" >>"$current_log"; then
    fail "server log has error-level lines" "$(grep -m3 -E '"level":"(error|fatal|panic|dpanic)"' "$nakama_log")"
else
    pass "server log has no error-level lines"
fi

# ---------------------------------------------------------------------------------------
step "stop Nakama"
kill "$nakama_pid"
for _ in $(seq 1 100); do kill -0 "$nakama_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$nakama_pid" 2>/dev/null; then kill -9 "$nakama_pid"; fi
wait "$nakama_pid" 2>/dev/null || true
nakama_pid=""

# ---------------------------------------------------------------------------------------
if [ "$prev_common" != "-" ]; then
    step "negative control: same plugin on nakama-common $prev_common"
    prev="$tmp/prev"
    cp -r "$build_dir" "$prev"
    rm -f "$prev/backend.so"
    (cd "$prev" && "$go_bin" get "github.com/heroiclabs/nakama-common@$prev_common" \
        && "$go_bin" mod tidy \
        && "$go_bin" build -trimpath -buildmode=plugin -o backend.so .) >>"$current_log" 2>&1
    mkdir -p "$tmp/modules-prev" && cp "$prev/backend.so" "$tmp/modules-prev/"
    if "$nakama" check --runtime.path "$tmp/modules-prev" >"$tmp/logs/check-prev.log" 2>&1; then
        cat "$tmp/logs/check-prev.log" >>"$current_log"
        fail "nakama check refuses a plugin built on nakama-common $prev_common"
    else
        cat "$tmp/logs/check-prev.log" >>"$current_log"
        pass "nakama check exits non-zero for nakama-common $prev_common"
        check "nakama check says \"different version of package\"" \
            grep -qF 'different version of package' "$tmp/logs/check-prev.log"
    fi
fi

finished=1
[ "$failed" -eq 0 ]
