#!/usr/bin/env bash
# Checks every [[release]] row of scaffolds/versions.toml against the go.mod that the Go
# module proxy serves for that Nakama release:
#   nakama_common == the go.mod's `github.com/heroiclabs/nakama-common` require
#   go_line       == the go.mod's `go` line (`go_line`, or `go` when the row has none)
#   protobuf      == the go.mod's `google.golang.org/protobuf` require
#
# When the proxy refuses a Nakama version (some mirrors only serve a subset), a row from
# 3.25.0 on is checked against the row's nakama-common go.mod instead (from 3.25.0 its `go`
# line and protobuf require match the release's) and reported as `partial`; an older row is
# then `unverified` (its nakama-common pinned other versions);
# the nakama -> nakama-common mapping of that row is then unproven. When the proxy serves
# neither, the row is `unverified` and counted in neither total. Only a refusal by the
# proxy (403/404/410) is tolerated this way; any other error is a failure. Set
# VERSIONS_REQUIRE_FULL=1 to count partial and unverified rows as failures.
#
# Output: one line per row (`ok ...`, `partial ...`, `unverified ...`, `MISMATCH ...`),
# then exactly `N ok, P partial, U unverified, M failed`. Exit 1 when M > 0, or when the
# first row (the default release of `scaffold new`) is not `ok`: the default must be proven
# whole.
#
# Usage: tests/e2e/versions.sh [path/to/versions.toml]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
table="${1:-$repo/scaffolds/versions.toml}"
go_bin="${GO:-go}"
if ! command -v "$go_bin" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    go_bin=/usr/local/go/bin/go
fi

[ -f "$table" ] || { echo "versions.sh: $table not found" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/scaffold-versions.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Rows as TAB-separated "nakama common go protobuf", in file order.
rows="$(python3 - "$table" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
try:
    import tomllib
    rows = tomllib.loads(text).get("release", [])
except ImportError:  # python < 3.11: the table is simple enough to read by hand
    rows, cur = [], None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line == "[[release]]":
            cur = {}
            rows.append(cur)
        elif cur is not None and "=" in line:
            k, v = line.split("=", 1)
            cur[k.strip()] = v.strip().strip('"')
if not rows:
    sys.exit("no [[release]] rows in " + path)
for r in rows:
    missing = [k for k in ("nakama", "nakama_common", "go", "protobuf") if not r.get(k)]
    if missing:
        sys.exit("row %r lacks %s" % (r, ", ".join(missing)))
    r.setdefault("go_line", r["go"])
    print("\t".join(str(r[k]) for k in ("nakama", "nakama_common", "go_line", "protobuf")))
PY
)"

# go_mod MODULE VERSION: prints the path of the proxy's go.mod for it, or fails with the
# reason on stderr. The .mod file is fetched by itself from the first GOPROXY entry (the Go
# proxy protocol: <proxy>/<module>/@v/<version>.mod): some versions have their .mod served
# but not their .info, which `go list -m` reads first. Without an http(s) proxy, or without
# curl, `go list -m -json` is asked instead.
go_mod() {
    local proxy file code
    proxy="$(cd "$work" && "$go_bin" env GOPROXY | cut -d, -f1 | cut -d'|' -f1)"
    if [[ "$proxy" == http* ]] && command -v curl >/dev/null 2>&1; then
        file="$work/$(printf '%s@%s' "$1" "$2" | tr '/' '_').mod"
        code="$(curl -sS -o "$file" -w '%{http_code}' "$proxy/$1/@v/$2.mod")" || {
            echo "cannot reach the module proxy for $1@$2" >&2
            return 1
        }
        case "$code" in
        200) echo "$file"; return 0 ;;
        403) echo "$1@$2: 403 Forbidden" >&2; return 1 ;;
        404) echo "$1@$2: 404 Not Found" >&2; return 1 ;;
        410) echo "$1@$2: 410 Gone" >&2; return 1 ;;
        *) echo "$1@$2: HTTP $code from the module proxy" >&2; return 1 ;;
        esac
    fi
    go_list_mod "$1" "$2"
}

go_list_mod() {
    local out
    out="$(cd "$work" && GOWORK=off GOFLAGS=-mod=mod "$go_bin" list -m -json "$1@$2")" || return 1
    printf '%s' "$out" | python3 -c '
import json, sys
m = json.load(sys.stdin)
if m.get("GoMod"):
    print(m["GoMod"])
else:
    sys.stderr.write("go list -m: no go.mod served for %s@%s (404 Not Found)\n" % (m.get("Path"), m.get("Version")))
    sys.exit(1)'
}

# unavailable FILE: the go command's error says the proxy refused the version (a partial
# mirror), as opposed to a network or tooling failure.
unavailable() {
    grep -qE '403 Forbidden|404 Not Found|410 Gone|not available|unknown revision|invalid version' "$1"
}

# mod_facts GOMOD: prints "go common protobuf" ("-" when absent).
mod_facts() {
    python3 - "$1" <<'PY'
import re, sys
go = common = pb = "-"
block = False
for raw in open(sys.argv[1], encoding="utf-8"):
    line = raw.split("//", 1)[0].strip()
    if not line:
        continue
    if block:
        if line == ")":
            block = False
            continue
        parts = line.split()
    elif line.startswith("require ("):
        block = True
        continue
    elif line.startswith("require "):
        parts = line.split()[1:]
    else:
        m = re.match(r"^go\s+(\S+)$", line)
        if m:
            go = m.group(1)
        continue
    if len(parts) >= 2:
        if parts[0] == "github.com/heroiclabs/nakama-common":
            common = parts[1]
        elif parts[0] == "google.golang.org/protobuf":
            pb = parts[1]
print(go, common, pb)
PY
}

join() { local out="$1"; shift; for d in "$@"; do out="$out; $d"; done; printf '%s' "$out"; }

passed=0
failed=0
first_status="not ok"
row_no=0
partial=0
unverified=0
strict="${VERSIONS_REQUIRE_FULL:-0}"
while IFS=$'\t' read -r nakama common gover protobuf; do
    # Before 3.25.0, nakama-common's go.mod did not pin the release's go line and protobuf.
    modern=0
    [ "$(printf '%s\n3.25.0\n' "$nakama" | sort -V | head -n1)" != 3.25.0 ] || modern=1
    [ -n "$nakama" ] || continue
    row_no=$((row_no + 1))
    want="nakama-common $common, go $gover, protobuf $protobuf"
    if gomod="$(go_mod github.com/heroiclabs/nakama/v3 "v$nakama" 2>"$work/err")"; then
        read -r got_go got_common got_pb < <(mod_facts "$gomod")
        diffs=()
        [ "$got_common" = "$common" ] || diffs+=("nakama-common: table $common, go.mod $got_common")
        [ "$got_go" = "$gover" ] || diffs+=("go: table $gover, go.mod $got_go")
        [ "$got_pb" = "$protobuf" ] || diffs+=("protobuf: table $protobuf, go.mod $got_pb")
        if [ ${#diffs[@]} -eq 0 ]; then
            echo "ok $nakama $want"
            passed=$((passed + 1))
            [ "$row_no" -ne 1 ] || first_status=ok
        else
            echo "MISMATCH $nakama ($(join "${diffs[@]}"))"
            failed=$((failed + 1))
        fi
        continue
    fi
    why="$(grep -m1 -oE '403 Forbidden|404 Not Found|410 Gone' "$work/err" || echo error)"
    if ! unavailable "$work/err"; then
        echo "MISMATCH $nakama (cannot read nakama v$nakama go.mod: $(head -c 300 "$work/err" | tr '\n' ' '))"
        failed=$((failed + 1))
        continue
    fi
    if [ "$modern" = 0 ]; then
        if [ "$strict" = 1 ]; then
            echo "MISMATCH $nakama (nakama v$nakama go.mod not served by the module proxy: $why; VERSIONS_REQUIRE_FULL=1)"
            failed=$((failed + 1))
        else
            echo "unverified $nakama $want (nakama v$nakama go.mod not served: $why; before 3.25.0 nakama-common's go.mod does not carry the release's go line and protobuf)"
            unverified=$((unverified + 1))
        fi
        continue
    fi
    if gomod="$(go_mod github.com/heroiclabs/nakama-common "$common" 2>"$work/err2")"; then
        read -r got_go _ got_pb < <(mod_facts "$gomod")
        diffs=()
        [ "$got_go" = "$gover" ] || diffs+=("go: table $gover, nakama-common $common go.mod $got_go")
        [ "$got_pb" = "$protobuf" ] || diffs+=("protobuf: table $protobuf, nakama-common $common go.mod $got_pb")
        if [ ${#diffs[@]} -ne 0 ]; then
            echo "MISMATCH $nakama ($(join "${diffs[@]}"))"
            failed=$((failed + 1))
        elif [ "$strict" = 1 ]; then
            echo "MISMATCH $nakama (nakama v$nakama go.mod not served by the module proxy: $why; VERSIONS_REQUIRE_FULL=1)"
            failed=$((failed + 1))
        else
            echo "partial $nakama $want (nakama v$nakama go.mod not served by the module proxy: $why; go and protobuf checked against nakama-common $common only)"
            partial=$((partial + 1))
        fi
    elif unavailable "$work/err2" && [ "$strict" != 1 ]; then
        echo "unverified $nakama $want (the module proxy serves neither nakama v$nakama nor nakama-common $common: $why)"
        unverified=$((unverified + 1))
    else
        echo "MISMATCH $nakama (cannot read nakama-common $common go.mod: $(head -c 300 "$work/err2" | tr '\n' ' '))"
        failed=$((failed + 1))
    fi
done <<<"$rows"

default="$(head -n1 <<<"$rows" | cut -f1)"
if [ "$first_status" != ok ]; then
    echo "MISMATCH $default is the default release of \`scaffold new\` but is $first_status, not ok: the default must be proven against its own go.mod"
    failed=$((failed + 1))
fi
if [ "$partial" -gt 0 ] || [ "$unverified" -gt 0 ]; then
    echo "(partial: Nakama's go.mod not served, go and protobuf checked against nakama-common's; unverified: neither served; VERSIONS_REQUIRE_FULL=1 fails both)"
fi
echo "$passed ok, $partial partial, $unverified unverified, $failed failed"
[ "$failed" -eq 0 ]
