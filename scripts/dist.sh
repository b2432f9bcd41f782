#!/usr/bin/env bash
# Builds scaffold's release artefacts for one target into dist/ (gitignored):
#
#   nakama_scaffold-VERSION-py3-none-PLATFORM.whl   the binary in a Python wheel (maturin,
#                                                    `bindings = "bin"`): `pipx install` / `uvx`
#   nakama-scaffold-VERSION-TARGET.tar.gz            the binary with README and CHANGELOG in one
#                                                    folder (on Linux also the image's Dockerfile)
#   FILE.sha256                                      `sha256sum -c` checks each of them
#
# Linux builds link with zig (PyPI's ziglang) against glibc 2.17, so the wheel is manylinux2014
# and the same binary goes into the archive: both run on any Linux of the last decade, not only
# on the machine that built them. The release workflow (.github/workflows/release.yml) runs this
# on each platform; here only the host's target can be built.
#
# Usage: scripts/dist.sh [TARGET]      (default: the host's, e.g. x86_64-unknown-linux-gnu)
# Needs: Rust, maturin and (on Linux) ziglang: `python3 -m pip install -r scripts/dist-requirements.txt`
# (scripts/setup.sh --deps installs them). SCAFFOLD_DIST=DIR writes elsewhere than dist/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
started=$SECONDS

target="${1:-$(rustc -vV | sed -n 's/^host: //p')}"
version="$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)"
out="${SCAFFOLD_DIST:-$root/dist}"
[ -n "$target" ] && [ -n "$version" ] || { echo "error: cannot read the target or Cargo.toml's version" >&2; exit 1; }
python3 -m maturin --version >/dev/null 2>&1 ||
    { echo "error: maturin is not installed: python3 -m pip install -r scripts/dist-requirements.txt" >&2; exit 1; }

# sha256 FILE: writes FILE.sha256 in the format `sha256sum -c` (and `shasum -a 256 -c`) reads.
sha256() {
    local dir name
    dir="$(dirname "$1")" name="$(basename "$1")"
    if command -v sha256sum >/dev/null; then
        (cd "$dir" && sha256sum "$name" >"$name.sha256")
    else # macOS
        (cd "$dir" && shasum -a 256 "$name" >"$name.sha256")
    fi
}

mkdir -p "$out"
name="nakama-scaffold-$version-$target"
rm -rf "${out:?}/$name" "$out/$name.tar.gz"*

echo "==> the wheel (maturin, $target)"
zig=()
case "$target" in
*-linux-*)
    python3 -m ziglang version >/dev/null 2>&1 ||
        { echo "error: ziglang is not installed: python3 -m pip install -r scripts/dist-requirements.txt" >&2; exit 1; }
    # manylinux2014: glibc 2.17, checked by maturin against the symbols the binary uses.
    zig=(--zig --compatibility manylinux2014)
    ;;
esac
python3 -m maturin build --release --locked "${zig[@]}" --target "$target" --out "$out"
# The wheel this run made: the newest one for this version.
wheel="$(ls -t "$out"/nakama_scaffold-"$version"-*.whl | head -n 1)"
sha256 "$wheel"

echo "==> the archive $name.tar.gz"
# The binary in the archive is the wheel's own (maturin stripped it): one build, two packages.
mkdir -p "$out/$name"
python3 - "$wheel" "$out/$name/scaffold" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    [member] = [n for n in wheel.namelist() if n.endswith(".data/scripts/scaffold")]
    with wheel.open(member) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
EOF
chmod 755 "$out/$name/scaffold"
cp README.md CHANGELOG.md "$out/$name/"
# A Linux archive is also the build context of scaffold's image: `docker build -t scaffold .`.
case "$target" in *-linux-*) cp docker/Dockerfile "$out/$name/Dockerfile" ;; esac
tar -C "$out" -czf "$out/$name.tar.gz" "$name"
rm -rf "${out:?}/$name"
sha256 "$out/$name.tar.gz"

echo "==> made in $((SECONDS - started))s:"
for f in "$wheel" "$out/$name.tar.gz"; do
    echo "  $(du -h "$f" | cut -f1)  ${f#"$root"/}"
done
