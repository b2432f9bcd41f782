#!/usr/bin/env bash
# Regenerates scaffolds/gosum/<nakama>.sum: the go.sum that `go mod tidy` writes for a fresh
# scaffold repo of each release, so `scaffold new` ships a real go.sum and the Docker build works
# before the user ever runs Go. Needs Go and the module proxy; tests/e2e/gosum.sh checks the files.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/scaffolds/gosum}"
mkdir -p "$out"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
python3 - "$root/scaffolds/versions.toml" <<'PY' > "$work/rows"
import sys, tomllib
for r in tomllib.load(open(sys.argv[1], "rb"))["release"]:
    print(r["nakama"], r["nakama_common"], r["go"], r["protobuf"])
PY
while read -r nakama common gover proto; do
  d="$work/$nakama"; mkdir -p "$d"
  printf 'module example.com/game\n\ngo %s\n\nrequire github.com/heroiclabs/nakama-common %s\n\nrequire google.golang.org/protobuf %s // indirect\n' "$gover" "$common" "$proto" > "$d/go.mod"
  printf 'package main\n\nimport _ "github.com/heroiclabs/nakama-common/runtime"\n' > "$d/main.go"
  # The proxy reachable here serves only some nakama-common versions; a row it refuses gets no
  # go.sum, and `scaffold new` then tells the user to run `go mod tidy` instead.
  if (cd "$d" && GOFLAGS=-mod=mod go mod tidy >"$d/log" 2>&1); then
    cp "$d/go.sum" "$out/$nakama.sum"
    echo "wrote $out/$nakama.sum"
  else
    echo "skipped $nakama: $(grep -m1 -o 'nakama-common@[^:]*: .*' "$d/log" || tail -1 "$d/log")"
  fi
done < "$work/rows"
