#!/usr/bin/env bash
# The release artefacts scripts/dist.sh made, used as a user without Rust and a generated repo's
# CI use them:
#   - the wheel is manylinux, pip installs it into a fresh venv, and the `scaffold` it gives
#     prints Cargo.toml's version and runs `new --yes`;
#   - the archive and the wheel match their .sha256 files, and the archive's binary runs;
#   - the generated ci.yml's steps that read scaffold.toml's version and install scaffold, run
#     as the shell scripts GitHub runs, with pip pointed at dist/ (pip's own PIP_NO_INDEX and
#     PIP_FIND_LINKS, which the step leaves alone), give a working scaffold that passes
#     `sync --check` and `doctor` on the repo, and a second run takes the cached install; with no
#     wheel to be had, the step warns, exits 0 and the scaffold steps are skipped.
#
# Env: SCAFFOLD_DIST  the folder scripts/dist.sh wrote (default dist/)
# Needs python3 with venv, objdump (binutils). Prints `ok:` / `FAIL:` per check and `N passed, M failed` last.
set -Eeuo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dist="${SCAFFOLD_DIST:-$repo/dist}"
started=$SECONDS
passed=0 failed=0 finished=0
tmp=""

pass() { passed=$((passed + 1)); echo "  ok: $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL: $1"; [ $# -lt 2 ] || sed 's/^/    /' <<<"$2"; }
abort() { fail "$@"; exit 1; }
cleanup() {
    local rc=$?
    set +e
    [ -z "$tmp" ] || rm -rf "$tmp"
    [ "$finished" = 1 ] || [ "$rc" -ne 0 ] || rc=1
    [ "$failed" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
    [ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || fail "stopped before the end (exit $rc)"
    echo "dist e2e time: $((SECONDS - started))s"
    echo "$passed passed, $failed failed"
    exit "$rc"
}
trap cleanup EXIT
tmp="$(mktemp -d "${TMPDIR:-/tmp}/scaffold-dist.XXXXXX")"

version="$(sed -nE '0,/^version = "([^"]+)"/s//\1/p' "$repo/Cargo.toml")"
target=x86_64-unknown-linux-gnu
archive="$dist/nakama-scaffold-$version-$target.tar.gz"

echo "==> the artefacts in $dist"
mapfile -t wheels < <(find "$dist" -maxdepth 1 -name "nakama_scaffold-$version-*manylinux*_x86_64*.whl")
[ "${#wheels[@]}" -eq 1 ] || abort "one manylinux x86_64 wheel of $version in $dist (run scripts/dist.sh)" "$(ls "$dist" 2>&1)"
wheel="${wheels[0]}"
pass "wheel $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
[ -f "$archive" ] || abort "archive $archive"
for f in "$wheel" "$archive"; do
    if (cd "$dist" && sha256sum -c "$(basename "$f").sha256" >/dev/null 2>&1); then
        pass "sha256sum -c $(basename "$f").sha256"
    else
        fail "sha256sum -c $(basename "$f").sha256"
    fi
done

echo "==> pip install the wheel into a fresh venv"
python3 -m venv "$tmp/venv" || abort "python3 -m venv"
if "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel" >"$tmp/pip.log" 2>&1; then
    pass "pip install $(basename "$wheel")"
else
    abort "pip install $(basename "$wheel")" "$(cat "$tmp/pip.log")"
fi
said="$("$tmp/venv/bin/scaffold" --version 2>&1)" || true
if [ "$said" = "scaffold $version" ]; then pass "scaffold --version: $said"; else fail "scaffold --version says scaffold $version" "$said"; fi
if (cd "$tmp" && "$tmp/venv/bin/scaffold" new mygame --yes >"$tmp/new.log" 2>&1) &&
    [ -f "$tmp/mygame/scaffold.toml" ] && [ -f "$tmp/mygame/.github/workflows/ci.yml" ]; then
    pass "scaffold new mygame --yes from the wheel"
else
    abort "scaffold new mygame --yes from the wheel" "$(cat "$tmp/new.log")"
fi
game="$tmp/mygame"

echo "==> the archive"
mkdir -p "$tmp/archive"
tar -C "$tmp/archive" -xzf "$archive"
unpacked="$tmp/archive/nakama-scaffold-$version-$target"
said="$("$unpacked/scaffold" --version 2>&1)" || true
if [ "$said" = "scaffold $version" ]; then pass "the archive's scaffold --version: $said"; else fail "the archive's scaffold runs" "$said"; fi
# Portable: the binary asks for no glibc newer than manylinux2014's 2.17.
newest="$(objdump -T "$unpacked/scaffold" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -n 1)"
if [ -n "$newest" ] && [ "$(printf '%s\n' "$newest" GLIBC_2.17 | sort -V | tail -n 1)" = GLIBC_2.17 ]; then
    pass "the archive's binary needs glibc $newest at most (manylinux2014)"
else
    fail "the archive's binary needs glibc 2.17 at most" "${newest:-no GLIBC symbols found}"
fi
for f in README.md CHANGELOG.md Dockerfile; do
    if [ -f "$unpacked/$f" ]; then pass "the archive holds $f"; else fail "the archive holds $f"; fi
done

echo "==> the generated CI installs scaffold from the wheel (its steps run as GitHub runs them)"
# step NAME: the `run: |` block of the step named NAME in the repo's ci.yml.
step() {
    python3 - "$game/.github/workflows/ci.yml" "$1" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
start = lines.index(f"      - name: {sys.argv[2]}")
run = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "run: |")
out = []
for line in lines[run + 1:]:
    if line.strip() and not line.startswith(" " * 10):
        break
    out.append(line[10:])
print("\n".join(out).rstrip())
EOF
}
step "scaffold version" >"$tmp/version.sh"
step "install scaffold" >"$tmp/install.sh"
grep -q 'pip install' "$tmp/install.sh" || abort "the install step is found" "$(cat "$tmp/install.sh")"
# run_step SCRIPT HOME FIND_LINKS: as GitHub runs a `run:` (bash -e -o pipefail), in the repo,
# with its output and path files; pip reads only FIND_LINKS (PIP_NO_INDEX).
run_step() {
    : >"$tmp/output" && : >"$tmp/path"
    (cd "$game" && env -i PATH="$PATH" HOME="$2" SCAFFOLD_VERSION="${ci_version:-}" \
        GITHUB_OUTPUT="$tmp/output" GITHUB_PATH="$tmp/path" PIP_NO_INDEX=1 PIP_FIND_LINKS="$3" \
        bash --noprofile --norc -eo pipefail "$1")
}
run_step "$tmp/version.sh" "$tmp/home" "" >"$tmp/step.log" 2>&1 || abort "the version step" "$(cat "$tmp/step.log")"
ci_version="$(sed -n 's/^version=//p' "$tmp/output")"
if [ "$ci_version" = "$version" ]; then pass "the version step reads scaffold.toml: $ci_version"; else fail "the version step reads $version" "$(cat "$tmp/output")"; fi

mkdir -p "$tmp/home" "$tmp/nothing" "$tmp/home2"
if run_step "$tmp/install.sh" "$tmp/home" "$dist" >"$tmp/step.log" 2>&1 && grep -qx 'installed=true' "$tmp/output"; then
    pass "the install step installs nakama-scaffold==$ci_version from the wheel"
else
    abort "the install step installs the wheel" "$(cat "$tmp/step.log" "$tmp/output")"
fi
bin_dir="$(cat "$tmp/path")"
for check in "sync --check" doctor; do
    # shellcheck disable=SC2086 # the check's words
    if (cd "$game" && PATH="$bin_dir:$PATH" scaffold $check >"$tmp/check.log" 2>&1); then
        pass "scaffold $check with the installed scaffold ($bin_dir/scaffold)"
    else
        fail "scaffold $check with the installed scaffold" "$(cat "$tmp/check.log")"
    fi
done
# The next run finds it installed (restored from the Actions cache): no pip, no wheel needed.
if run_step "$tmp/install.sh" "$tmp/home" "$tmp/nothing" >"$tmp/step.log" 2>&1 &&
    grep -qx 'installed=true' "$tmp/output" && ! grep -q . "$tmp/step.log"; then
    pass "a second run takes the installed scaffold, without pip"
else
    fail "a second run takes the installed scaffold" "$(cat "$tmp/step.log" "$tmp/output")"
fi
# No wheel to be had (a release not on PyPI, no network): a warning, exit 0, no scaffold steps.
if run_step "$tmp/install.sh" "$tmp/home2" "$tmp/nothing" >"$tmp/step.log" 2>&1 &&
    grep -qx 'installed=false' "$tmp/output" && [ ! -s "$tmp/path" ] &&
    grep -q "^::warning title=scaffold checks skipped::could not install scaffold $version" "$tmp/step.log"; then
    pass "without the wheel: a warning, exit 0, installed=false"
else
    fail "without the wheel: a warning, exit 0, installed=false" "$(cat "$tmp/step.log" "$tmp/output")"
fi
finished=1
