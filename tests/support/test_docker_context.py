"""Self-tests for docker_context.py (run: python3 -m pytest tests/support)."""

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import docker_context  # noqa: E402

SCRIPT = os.path.join(HERE, "docker_context.py")


def write(root, rel, text="x"):
    path = os.path.join(root, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def tree(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            out.append(rel.replace(os.sep, "/"))
        for name in dirnames:
            full = os.path.join(dirpath, name)
            if not os.listdir(full):
                out.append(os.path.relpath(full, root).replace(os.sep, "/") + "/")
    return sorted(out)


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.ctx = os.path.join(self._tmp.name, "ctx")
        self.out = os.path.join(self._tmp.name, "out")
        os.makedirs(self.ctx)

    def tearDown(self):
        self._tmp.cleanup()

    def run_tool(self, dockerfile, files=(), ignore=None):
        write(self.ctx, "Dockerfile", dockerfile)
        for rel in files:
            write(self.ctx, rel, rel)
        if ignore is not None:
            write(self.ctx, ".dockerignore", ignore)
        return subprocess.run([sys.executable, SCRIPT, self.ctx, self.out],
                              capture_output=True, text=True)

    def ok(self, dockerfile, files=(), ignore=None):
        r = self.run_tool(dockerfile, files, ignore)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()


class PluginShape(Base):
    DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder
ENV GO111MODULE=on \\
    CGO_ENABLED=1
WORKDIR /backend
COPY go.mod go.sum ./
COPY *.go ./
COPY profile/ profile/
COPY --chown=1000:1000 ["inventory", "inventory/"]
RUN go build -trimpath -buildmode=plugin -o ./backend.so .

FROM heroiclabs/nakama:3.40.0
COPY --from=builder /backend/backend.so /nakama/data/modules/
COPY local.yml /nakama/data/
"""

    def test_layout(self):
        files = ["go.mod", "go.sum", "main.go", "util.go", "README.md",
                 "profile/rpc.go", "profile/sub/x.go",
                 "inventory/rpc.go", "stats/rpc.go", "local.yml"]
        wd = self.ok(self.DOCKERFILE, files)
        self.assertEqual(wd, "backend")
        self.assertEqual(tree(self.out), [
            "backend/go.mod", "backend/go.sum", "backend/inventory/rpc.go",
            "backend/main.go", "backend/profile/rpc.go",
            "backend/profile/sub/x.go", "backend/util.go"])
        with open(os.path.join(self.out, "backend/profile/rpc.go")) as f:
            self.assertEqual(f.read(), "profile/rpc.go")

    def test_missing_literal_source_fails(self):
        r = self.run_tool(self.DOCKERFILE, ["go.mod", "main.go", "profile/a.go",
                                            "inventory/a.go"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("COPY failed: file not found in build context", r.stderr)
        self.assertIn("go.sum", r.stderr)

    def test_dockerignore_excluded_source_fails(self):
        files = ["go.mod", "go.sum", "main.go", "profile/a.go", "inventory/a.go"]
        r = self.run_tool(self.DOCKERFILE, files, ignore="inventory\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("file not found in build context", r.stderr)


class Semantics(Base):
    def test_optional_wildcard_and_workdir(self):
        wd = self.ok("FROM x\nCOPY go.mod go.sum* ./\nWORKDIR app\nWORKDIR ../srv/./b\n"
                     "COPY a.txt .\n", ["go.mod", "a.txt"])
        self.assertEqual(wd, "srv/b")
        # every WORKDIR is created, as Docker does
        self.assertEqual(tree(self.out), ["app/", "go.mod", "srv/b/a.txt"])

    def test_default_workdir_is_root(self):
        self.assertEqual(self.ok("FROM x\nCOPY a.txt b.txt\n", ["a.txt"]), ".")
        self.assertEqual(tree(self.out), ["b.txt"])

    def test_file_to_file_and_relative_dest(self):
        self.ok("FROM x\nWORKDIR /w\nCOPY a.txt renamed\nCOPY a.txt sub/\n", ["a.txt"])
        self.assertEqual(tree(self.out), ["w/renamed", "w/sub/a.txt"])

    def test_multiple_sources_need_directory_dest(self):
        r = self.run_tool("FROM x\nCOPY a b dest\n", ["a", "b"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("must be a directory and end with a /", r.stderr)
        r = self.run_tool("FROM x\nCOPY *.txt dest\n", ["a.txt", "b.txt"])
        self.assertNotEqual(r.returncode, 0)

    def test_wildcard_is_one_segment_and_dirs_copy_contents(self):
        self.ok("FROM x\nCOPY pkg* /dst/\nCOPY */*.go /go/\n",
                ["pkga/x.go", "pkgb/y.go", "deep/a/b.go", "top.go"])
        self.assertEqual(tree(self.out), [
            "dst/x.go", "dst/y.go", "go/x.go", "go/y.go"])

    def test_source_cannot_escape_context(self):
        self.ok("FROM x\nCOPY ../../a.txt /abs/\nCOPY /a.txt /b/\n", ["a.txt"])
        self.assertEqual(tree(self.out), ["abs/a.txt", "b/a.txt"])

    def test_only_first_stage_and_continuations(self):
        df = ("ARG DIR=/srv\nFROM x AS b\n# comment\nARG DIR\nCOPY \\\n"
              "  # inner comment\n\n  a.txt \\\n  ${DIR}/\n"
              "FROM y\nCOPY missing /nowhere/\n")
        self.ok(df, ["a.txt"])
        self.assertEqual(tree(self.out), ["srv/a.txt"])

    def test_env_expansion_and_json_form(self):
        self.ok('FROM x\nENV D=/data F=a.txt\nCOPY ["$F", "${D}/x y/"]\n'
                'WORKDIR $D\n', ["a.txt"])
        self.assertEqual(tree(self.out), ["data/x y/a.txt"])

    def test_add_unpacks_local_tar(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tf:
            data = b"hello"
            info = tarfile.TarInfo("inner/file.txt")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        os.makedirs(self.ctx, exist_ok=True)
        with open(os.path.join(self.ctx, "a.tar.gz"), "wb") as f:
            f.write(buf.getvalue())
        self.ok("FROM x\nADD a.tar.gz /opt/\nADD https://example.com/x /opt/\n")
        self.assertEqual(tree(self.out), ["opt/inner/file.txt"])

    def test_unsupported_flag_is_rejected(self):
        r = self.run_tool("FROM x\nCOPY --parents a/b ./\n", ["a/b"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not supported", r.stderr)

    def test_copy_from_other_stage_is_skipped(self):
        self.ok("FROM x\nCOPY --from=golang:1 /usr/local/go /go\n")
        self.assertEqual(tree(self.out), [])


class DockerIgnoreRules(Base):
    def excluded(self, patterns, path):
        return docker_context.DockerIgnore(patterns.splitlines()).excluded(path)

    def test_patterns(self):
        cases = [
            ("*.md", "README.md", True),
            ("*.md", "docs/README.md", False),
            ("**/*.md", "docs/deep/README.md", True),
            ("**/*.md", "README.md", True),
            ("/vendor", "vendor/a/b.go", True),
            ("vendor", "x/vendor/a.go", False),
            ("?.go", "a.go", True),
            ("?.go", "ab.go", False),
            ("docs/**", "docs/a/b", True),
            ("[a-c].txt", "b.txt", True),
            ("[^a-c].txt", "b.txt", False),
            ("*\n!keep.go", "keep.go", False),
            ("*\n!keep.go", "other.go", True),
            ("!keep.go\n*", "keep.go", True),
            ("profile\n!profile/keep.go", "profile/keep.go", False),
            ("profile\n!profile/keep.go", "profile/drop.go", True),
            ("# comment\n\n./build/", "build/out", True),
        ]
        for patterns, path, want in cases:
            with self.subTest(patterns=patterns, path=path):
                self.assertEqual(self.excluded(patterns, path), want)

    def test_exception_inside_excluded_directory_is_copied(self):
        self.ok("FROM x\nWORKDIR /b\nCOPY . .\n",
                ["main.go", "profile/keep.go", "profile/drop.go", "notes.md",
                 "docs/a.md"],
                ignore="profile\n!profile/keep.go\n**/*.md\nDockerfile\n.dockerignore\n")
        # docs/ itself is not excluded, only its files: Docker keeps it empty.
        self.assertEqual(tree(self.out), ["b/docs/", "b/main.go", "b/profile/keep.go"])

    def test_dockerfile_specific_ignore_wins(self):
        write(self.ctx, "Dockerfile.dockerignore", "b.txt\n")
        self.ok("FROM x\nCOPY *.txt /o/\n", ["a.txt", "b.txt"], ignore="a.txt\n")
        self.assertEqual(tree(self.out), ["o/a.txt"])


if __name__ == "__main__":
    unittest.main()


class Target(Base):
    def test_target_stage_replays_the_stages_it_is_built_from(self):
        write(self.ctx, "Dockerfile",
              "FROM golang AS deps\nWORKDIR /src\nCOPY go.mod ./\n"
              "FROM alpine AS other\nCOPY other.txt /o/\n"
              "FROM deps AS builder\nCOPY main.go ./\n")
        for rel in ("go.mod", "main.go", "other.txt"):
            write(self.ctx, rel, rel)
        r = subprocess.run([sys.executable, SCRIPT, "--target=builder", self.ctx, self.out],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "src")
        self.assertEqual(tree(self.out), ["src/go.mod", "src/main.go"])
        r = subprocess.run([sys.executable, SCRIPT, "--target=nope", self.ctx, self.out],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no stage named nope", r.stderr)
