#!/usr/bin/env python3
"""Stand-in for the `scaffold` binary, for developing tests/e2e/nakama.sh only.

It writes a repo of the shape the real `scaffold new` / `add-package` produce (go.mod from
scaffolds/versions.toml, main.go with InitModule, packages_gen.go, one folder per package
with a `<pkg>_echo` RPC, two-stage Dockerfile copying each package folder) so the harness
can be exercised before the real binary builds:

  SCAFFOLD_BIN=tests/e2e/fake_scaffold.py tests/e2e/nakama.sh

Supported: `new DIR --yes --no-git --module M --nakama V`, `add-package NAME`.
It is a test fixture, not a reference for the real generator.
"""

import os
import re
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rows():
    import tomllib
    with open(os.path.join(REPO, "scaffolds", "versions.toml"), "rb") as f:
        return tomllib.load(f)["release"]


MAIN = '''package main

import (
\t"context"
\t"database/sql"

\t"github.com/heroiclabs/nakama-common/runtime"
)

func InitModule(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {
\tif err := registerPackages(ctx, logger, db, nk, initializer); err != nil {
\t\treturn err
\t}
\tlogger.Info("%(name)s module loaded")
\treturn nil
}
'''

PKG = '''package %(pkg)s

import (
\t"context"
\t"database/sql"
\t"encoding/json"

\t"github.com/heroiclabs/nakama-common/runtime"
)

func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {
\treturn initializer.RegisterRpc("%(pkg)s_echo", rpcEcho)
}

func rpcEcho(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, payload string) (string, error) {
\tvar object map[string]json.RawMessage
\tif err := json.Unmarshal([]byte(payload), &object); err != nil || object == nil {
\t\treturn "", runtime.NewError("payload must be a JSON object", 3)
\t}
\tout, err := json.Marshal(struct {
\t\tRPC  string                     `json:"rpc"`
\t\tEcho map[string]json.RawMessage `json:"echo"`
\t}{"%(pkg)s_echo", object})
\tif err != nil {
\t\treturn "", runtime.NewError("cannot encode", 13)
\t}
\treturn string(out), nil
}
'''

DOCKERFILE = '''FROM heroiclabs/nakama-pluginbuilder:%(nakama)s AS builder
ENV GO111MODULE=on
ENV CGO_ENABLED=1
WORKDIR /backend
COPY go.mod go.sum ./
RUN go mod download
COPY *.go ./
# scaffold:packages begin
# scaffold:packages end
RUN go build -trimpath -buildmode=plugin -o ./backend.so .

FROM heroiclabs/nakama:%(nakama)s
COPY --from=builder /backend/backend.so /nakama/data/modules/
COPY local.yml /nakama/data/
'''


def write(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def sync(root):
    module = re.search(r"^module\s+(\S+)", open(os.path.join(root, "go.mod")).read(), re.M).group(1)
    pkgs = sorted(d for d in os.listdir(root)
                  if os.path.isfile(os.path.join(root, d, d + ".go")))
    imports = "".join('\t"%s/%s"\n' % (module, p) for p in pkgs)
    calls = "".join("\tif err := %s.Register(ctx, logger, db, nk, initializer); err != nil {\n"
                    "\t\treturn err\n\t}\n" % p for p in pkgs)
    write(os.path.join(root, "packages_gen.go"),
          "package main\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\n"
          "\t\"github.com/heroiclabs/nakama-common/runtime\"\n\n" + imports + ")\n\n"
          "func registerPackages(ctx context.Context, logger runtime.Logger, db *sql.DB, "
          "nk runtime.NakamaModule, initializer runtime.Initializer) error {\n"
          + calls + "\treturn nil\n}\n")
    df = os.path.join(root, "Dockerfile")
    text = open(df).read()
    lines = "".join("COPY %s/ %s/\n" % (p, p) for p in pkgs)
    text = re.sub(r"(# scaffold:packages begin\n).*?(# scaffold:packages end)",
                  lambda m: m.group(1) + lines + m.group(2), text, flags=re.S)
    write(df, text)


def main(argv):
    if len(argv) > 2 and argv[1] == "new":
        root = argv[2]
        opts = dict(zip(argv[3::1], argv[4::1]))
        version = opts.get("--nakama") or rows()[0]["nakama"]
        module = opts.get("--module", "example.com/game")
        row = next(r for r in rows() if r["nakama"] == version)
        name = os.path.basename(os.path.abspath(root))
        os.makedirs(root)
        write(os.path.join(root, "go.mod"),
              "module %s\n\ngo %s\n\nrequire github.com/heroiclabs/nakama-common %s\n\n"
              "require google.golang.org/protobuf %s // indirect\n"
              % (module, row["go"], row["nakama_common"], row["protobuf"]))
        gosum = os.path.join(REPO, "scaffolds", "gosum", version + ".sum")
        if os.path.exists(gosum):
            shutil.copy(gosum, os.path.join(root, "go.sum"))
        write(os.path.join(root, "main.go"), MAIN % {"name": name})
        write(os.path.join(root, "Dockerfile"), DOCKERFILE % {"nakama": version})
        write(os.path.join(root, "local.yml"), "name: %s\n" % name)
        write(os.path.join(root, "profile", "profile.go"), PKG % {"pkg": "profile"})
        sync(root)
        return 0
    if len(argv) == 3 and argv[1] == "add-package":
        pkg = argv[2]
        write(os.path.join(pkg, pkg + ".go"), PKG % {"pkg": pkg})
        sync(".")
        return 0
    print("fake_scaffold.py: unsupported arguments %s" % argv[1:], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
