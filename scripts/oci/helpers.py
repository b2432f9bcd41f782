#!/usr/bin/env python3
"""Parsing helpers for scripts/oci/*.sh (stdlib only; Python 3.11+ for tomllib).

  helpers.py release VERSIONS_TOML [NAKAMA]
        print "NAKAMA GO NAKAMA_COMMON PROTOBUF" for that release of scaffolds/versions.toml
        (the first row, scaffold's default, without NAKAMA); exit 1 when it is not in the table
  helpers.py release-of-go VERSIONS_TOML GO
        print the newest release of scaffolds/versions.toml whose Go is GO (its pluginbuilder
        stands in for golang:GO); exit 1 when none is
  helpers.py apt-mirror SUITE
        print the URI of the first apt source of this machine that serves SUITE (one-line
        sources.list or deb822 *.sources); print nothing when there is none
  helpers.py mod-dir
        read `go mod download -json` on stdin, print "DIR COMMIT7" (COMMIT7 "unknown" when the
        proxy gave no origin); exit 1 with the go command's error when it failed
"""

import glob
import json
import sys
import tomllib


def release(path, want=None):
    with open(path, "rb") as f:
        rows = tomllib.load(f).get("release", [])
    for row in rows:
        if want is None or row["nakama"] == want:
            print(row["nakama"], row["go"], row["nakama_common"], row["protobuf"])
            return 0
    known = ", ".join(r["nakama"] for r in rows)
    print(f"Nakama {want} is not in {path} (known: {known})", file=sys.stderr)
    return 1


def release_of_go(path, go):
    with open(path, "rb") as f:
        rows = tomllib.load(f).get("release", [])
    for row in rows:
        if row["go"] == go:
            print(row["nakama"])
            return 0
    print(f"no release of {path} is built with Go {go}", file=sys.stderr)
    return 1


def one_line_sources(text, suite):
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # [arch=amd64 signed-by=...] options
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2 and words[1] == suite:
            yield words[0]


def deb822_sources(text, suite):
    for stanza in text.split("\n\n"):
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:  # continuation line
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        if suite in fields.get("suites", "").split():
            yield from fields.get("uris", "").split()[:1]


def apt_mirror(suite):
    files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    files += sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        parse = deb822_sources if path.endswith(".sources") else one_line_sources
        for uri in parse(text, suite):
            print(uri)
            return 0
    return 0


def mod_dir():
    info = json.load(sys.stdin)
    if info.get("Error") or not info.get("Dir"):
        print(info.get("Error") or "go mod download gave no Dir", file=sys.stderr)
        return 1
    print(info["Dir"], ((info.get("Origin") or {}).get("Hash") or "unknown")[:7])
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "release":
        return release(argv[1], argv[2] if len(argv) > 2 else None)
    if len(argv) == 3 and argv[0] == "release-of-go":
        return release_of_go(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "apt-mirror":
        return apt_mirror(argv[1])
    if argv == ["mod-dir"]:
        return mod_dir()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
