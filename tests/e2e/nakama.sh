#!/usr/bin/env bash
# Real-server proof: a repo made by `scaffold new` + `add-package` builds as its Dockerfile's
# builder stage builds it, passes `nakama check`, loads into a real Nakama on PostgreSQL, and
# answers every RPC it registers over HTTP; the same repo built against the previous
# release's nakama-common is refused by `nakama check`.
#
# Env:
#   SCAFFOLD_BIN         scaffold binary (default <repo>/target/debug/scaffold)
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
SCAFFOLD_BIN="${SCAFFOLD_BIN:-$repo/target/debug/scaffold}"
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
        echo "FAILED at step: $current_step (exit $rc)"
        [ -z "$failed_cmd" ] || echo "failed command: $failed_cmd"
        if [ -n "$current_log" ] && [ -s "$current_log" ]; then
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
step "generate the repo (scaffold new + add-package inventory, stats)"
game="$tmp/game"
run "$SCAFFOLD_BIN" new "$game" --yes --no-git --module example.com/game --nakama "$default_nakama"
cd "$game"
run "$SCAFFOLD_BIN" add-package inventory
run "$SCAFFOLD_BIN" add-package stats
cp go.mod "$tmp/go.mod.generated"; cp go.sum "$tmp/go.sum.generated" 2>/dev/null || : >"$tmp/go.sum.generated"
run "$go_bin" mod tidy
check "generated go.mod and go.sum are already tidy" \
    bash -c 'diff -u "$1/go.mod.generated" go.mod && diff -u "$1/go.sum.generated" go.sum' _ "$tmp"
for f in go.mod go.sum main.go Dockerfile profile inventory stats; do
    [ -e "$f" ] || { echo "generated repo lacks $f" >>"$current_log"; exit 1; }
done
mapfile -t rpc_ids < <(grep -rhoE --include='*.go' 'RegisterRpc\("[^"]+"' . | sed -E 's/.*\("//; s/"$//' | sort -u)
module_line="$(grep -rhoE --include='*.go' 'logger\.Info\("[^"]* module loaded"\)' . | head -1 | sed -E 's/^logger\.Info\("//; s/"\)$//')"
echo "  RPCs registered in the code: ${rpc_ids[*]:-none}"
echo "  module log line: ${module_line:-none}"
[ ${#rpc_ids[@]} -gt 0 ] || { echo "no RegisterRpc(\"...\") in the generated Go files" >>"$current_log"; exit 1; }

# ---------------------------------------------------------------------------------------
step "build backend.so as the Dockerfile builder stage does"
ctx="$tmp/ctx"
workdir="$("$py" "$repo/tests/support/docker_context.py" "$game" "$ctx" 2>>"$current_log")"
build_dir="$ctx/$workdir"
echo "  builder WORKDIR: /${workdir#.}"
builder_run="$(awk 'toupper($1)=="FROM"{n++} n==1 && toupper($1)=="RUN" && /go build/' "$game/Dockerfile")"
check "Dockerfile builder runs go build -trimpath -buildmode=plugin" \
    grep -qE 'go build .*-trimpath.*-buildmode=plugin|go build .*-buildmode=plugin.*-trimpath' <<<"$builder_run"
(cd "$build_dir" && "$go_bin" build -trimpath -buildmode=plugin -o backend.so .) >>"$current_log" 2>&1
pass "plugin builds from the Docker build context alone"
for pkg in profile inventory stats; do
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
    *)
        fail "no contract known for RPC $id: teach tests/e2e/nakama.sh its kind"
        ;;
    esac
done
answer="$("$py" "$helpers" post "$api/${rpc_ids[0]}?http_key=wrongkey" '"{}"')"
echo "${rpc_ids[0]} wrong key -> $answer" >>"$current_log"
check "wrong http_key is refused (401)" test "${answer%%$'\t'*}" = 401
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
