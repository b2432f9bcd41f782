#!/usr/bin/env python3
"""Lay out the files `docker build` would place in a Dockerfile's first stage.

Usage: docker_context.py [--file=NAME] [--target=STAGE] [--default-workdir=/path]
                         DOCKERFILE_DIR OUT_DIR

DOCKERFILE_DIR is both the build context and the directory holding `Dockerfile`
(or the file --file names, relative to it).  The first stage (everything up to
the second FROM), or with --target the stage of that name after the stages it
is built FROM, is replayed without Docker:
WORKDIR changes are tracked and every COPY / ADD that reads from the build
context is applied under OUT_DIR, honouring `.dockerignore`.  On success the
final WORKDIR is printed on stdout as a path relative to OUT_DIR ("." for /),
so a caller can `cd "$OUT_DIR/$(docker_context.py ...)"` and run the stage's
build command there.

This is an independent model of the documented Docker/BuildKit rules, written
so that tests can prove "the Dockerfile copies everything the build needs"
on machines without Docker:

* sources are relative to the context root; a leading "/" or ".." cannot
  leave it;
* a source that names a directory copies the directory's *contents*;
* wildcards (`*`, `?`, `[...]`, `\\` escape) match one path segment each;
  a wildcard that matches nothing is not an error (BuildKit), a plain path
  that is missing (or excluded by .dockerignore) is;
* a destination ending in "/" (or ".", "..") is a directory; several
  sources (or a wildcard that matched several entries) need such a
  destination; a relative destination is relative to WORKDIR;
* `.dockerignore` (or `Dockerfile.dockerignore`, which wins) supports `*`,
  `**`, `?`, `[...]`, a leading "/", `!` exceptions; the last matching line
  wins and a pattern that matches a parent directory matches its contents;
* ADD of a local tar archive (plain, gzip, bzip2, xz) unpacks it; ADD of a
  URL or git source is skipped with a warning (it is not in the context).

Anything this model does not understand (heredocs, --parents, --exclude,
unknown flags) is rejected instead of being guessed.
"""

import json
import os
import re
import shutil
import stat
import sys
import tarfile


class DockerfileError(Exception):
    pass


# --------------------------------------------------------------------------
# Dockerfile lexing
# --------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_]*)\s*=\s*(.*?)\s*$")


def read_instructions(text):
    """Return [(lineno, KEYWORD, rest)] for the Dockerfile text.

    Handles parser directives (escape=), comments, blank lines and line
    continuations (comment and blank lines inside a continuation are
    dropped, as Docker does).
    """
    lines = text.splitlines()
    escape = "\\"
    # Parser directives: only at the very top, before any other line.
    for line in lines:
        m = _DIRECTIVE.match(line.strip())
        if not m:
            break
        if m.group(1).lower() == "escape":
            if m.group(2) not in ("\\", "`"):
                raise DockerfileError("invalid escape directive %r" % m.group(2))
            escape = m.group(2)
    cont = re.compile(re.escape(escape) + r"[ \t]*$")

    out = []
    buf = None
    start = 0
    for i, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if buf is None:
            if not stripped or stripped.startswith("#"):
                continue
            start = i
            buf = ""
        else:
            if not stripped or stripped.startswith("#"):
                continue
        m = cont.search(raw)
        if m:
            buf += raw[: m.start()]
            continue
        buf += raw
        out.append((start, buf))
        buf = None
    if buf is not None and buf.strip():
        out.append((start, buf))

    result = []
    for lineno, line in out:
        line = line.strip()
        parts = line.split(None, 1)
        keyword = parts[0].upper()
        rest = parts[1] if len(parts) > 1 else ""
        result.append((lineno, keyword, rest))
    return result, escape


def target_stage(instructions, target, escape):
    """Instructions of stage `target` (by its AS name), preceded by those of the stages it is
    built FROM (a base naming an earlier stage), plus the ARGs declared before the first FROM.
    """
    global_args = []
    stages = []  # (name, base, [instructions])
    for lineno, kw, rest in instructions:
        if kw == "FROM":
            words = [w for w in split_words(rest, escape) if not w.startswith("--")]
            base = words[0].lower() if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append((name, base, []))
            continue
        if not stages:
            if kw == "ARG":
                global_args.append(rest)
                continue
            raise DockerfileError("line %d: %s before the first FROM" % (lineno, kw))
        stages[-1][2].append((lineno, kw, rest))
    names = [s[0] for s in stages]
    if target.lower() not in names:
        raise DockerfileError("no stage named %s" % target)
    chain = []
    at = names.index(target.lower())
    while True:
        chain.insert(0, stages[at][2])
        base = stages[at][1]
        earlier = [i for i in range(at) if names[i] == base]
        if not earlier:
            break
        at = earlier[-1]
    return global_args, [ins for part in chain for ins in part]


def first_stage(instructions):
    """Instructions of the first stage, plus the ARGs declared before it."""
    global_args = []
    stage = []
    seen_from = False
    for lineno, kw, rest in instructions:
        if kw == "FROM":
            if seen_from:
                break
            seen_from = True
            continue
        if not seen_from:
            if kw == "ARG":
                global_args.append(rest)
            else:
                raise DockerfileError(
                    "line %d: %s before the first FROM" % (lineno, kw))
            continue
        stage.append((lineno, kw, rest))
    if not seen_from:
        raise DockerfileError("no FROM instruction in Dockerfile")
    return global_args, stage


# --------------------------------------------------------------------------
# Variable expansion ($VAR, ${VAR}, ${VAR:-x}, ${VAR:+x}) and word splitting
# --------------------------------------------------------------------------

def expand_word(word, env, escape):
    """Expand variables and remove quotes in one word, shell-like."""
    out = []
    i = 0
    n = len(word)
    quote = None
    while i < n:
        c = word[i]
        if c == escape and quote != "'":
            if i + 1 < n:
                out.append(word[i + 1])
                i += 2
            else:
                out.append(c)
                i += 1
            continue
        if quote is None and c in "'\"":
            quote = c
            i += 1
            continue
        if quote is not None and c == quote:
            quote = None
            i += 1
            continue
        if c == "$" and quote != "'" and i + 1 < n:
            if word[i + 1] == "{":
                end = word.find("}", i + 2)
                if end < 0:
                    raise DockerfileError("missing '}' in %r" % word)
                body = word[i + 2: end]
                m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$",
                             body, re.S)
                if not m:
                    raise DockerfileError("unsupported substitution ${%s}" % body)
                name, op, alt = m.group(1), m.group(2), m.group(3)
                val = env.get(name, "")
                if op == "-":
                    val = val if val else expand_word(alt, env, escape)
                elif op == "+":
                    val = expand_word(alt, env, escape) if val else ""
                out.append(val)
                i = end + 1
                continue
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", word[i + 1:])
            if m:
                out.append(env.get(m.group(0), ""))
                i += 1 + len(m.group(0))
                continue
        out.append(c)
        i += 1
    if quote is not None:
        raise DockerfileError("unterminated quote in %r" % word)
    return "".join(out)


def split_words(s, escape):
    """Split on unquoted, unescaped whitespace (quotes kept for expand_word)."""
    words = []
    cur = []
    quote = None
    i = 0
    have = False
    while i < len(s):
        c = s[i]
        if c == escape and quote != "'" and i + 1 < len(s):
            cur.append(c)
            cur.append(s[i + 1])
            have = True
            i += 2
            continue
        if quote:
            if c == quote:
                quote = None
            cur.append(c)
        elif c in "'\"":
            quote = c
            cur.append(c)
            have = True
        elif c.isspace():
            if have:
                words.append("".join(cur))
                cur = []
                have = False
        else:
            cur.append(c)
            have = True
        i += 1
    if have:
        words.append("".join(cur))
    return words


def parse_key_values(rest, env, escape, allow_legacy):
    """ENV / ARG bodies: `K=V K2="v 2"` or legacy `K value with spaces`."""
    words = split_words(rest, escape)
    if not words:
        return []
    if allow_legacy and "=" not in words[0]:
        key = words[0]
        value = rest.strip()[len(key):].strip()
        return [(key, expand_word(value, env, escape))]
    pairs = []
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            pairs.append((k, expand_word(v, env, escape)))
        else:
            pairs.append((w, None))  # ARG without default
    return pairs


# --------------------------------------------------------------------------
# Pattern matching
# --------------------------------------------------------------------------

def _class_to_regex(pat, i):
    """Translate a `[...]` class starting at pat[i] == '['; return (re, next)."""
    j = i + 1
    parts = ["["]
    if j < len(pat) and pat[j] == "^":
        parts.append("^")
        j += 1
    first = True
    while j < len(pat):
        c = pat[j]
        if c == "]" and not first:
            parts.append("]")
            return "".join(parts), j + 1
        if c == "\\" and j + 1 < len(pat):
            parts.append(re.escape(pat[j + 1]))
            j += 2
        else:
            parts.append("\\" + c if c in "\\[]^" else c)
            j += 1
        first = False
    raise DockerfileError("syntax error in pattern %r" % pat)


def segment_regex(pat):
    """Regex for one path segment, Go filepath.Match syntax."""
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            r, i = _class_to_regex(pat, i)
            out.append(r)
        elif c == "\\" and i + 1 < len(pat):
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("^" + "".join(out) + "$", re.S)


def has_wildcard(path):
    i = 0
    while i < len(path):
        c = path[i]
        if c == "\\":
            i += 2
            continue
        if c in "*?[":
            return True
        i += 1
    return False


def unescape(path):
    return re.sub(r"\\(.)", r"\1", path)


def ignore_regex(pat):
    """Regex for a whole .dockerignore pattern (supports `**`)."""
    out = []
    i = 0
    n = len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if i + 1 < n and pat[i + 1] == "*":
                i += 2
                if i < n and pat[i] == "/":
                    i += 1
                if i >= n:
                    out.append(".*")
                else:
                    out.append("(?:.*/)?")
            else:
                out.append("[^/]*")
                i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            r, i = _class_to_regex(pat, i)
            out.append(r)
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("^" + "".join(out) + "$", re.S)


def clean_path(p):
    """Like Go's path.Clean, for slash paths; '' becomes '.'."""
    if p == "":
        return "."
    rooted = p.startswith("/")
    parts = []
    for seg in p.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(seg)
    s = "/".join(parts)
    if rooted:
        return "/" + s
    return s or "."


class DockerIgnore:
    def __init__(self, lines):
        self.patterns = []  # (exclusion, regex)
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = False
            if line.startswith("!"):
                exclusion = True
                line = line[1:].strip()
            if not line:
                continue
            line = clean_path(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
            self.patterns.append((exclusion, ignore_regex(line)))

    @classmethod
    def load(cls, context):
        for name in ("Dockerfile.dockerignore", ".dockerignore"):
            p = os.path.join(context, name)
            if os.path.isfile(p):
                with open(p, encoding="utf-8") as f:
                    return cls(f.read().splitlines())
        return cls([])

    def excluded(self, rel):
        """True when context path `rel` (slash separated) is excluded."""
        parents = rel.split("/")[:-1]
        matched = False
        for exclusion, rx in self.patterns:
            hit = bool(rx.match(rel))
            if not hit:
                for k in range(1, len(parents) + 1):
                    if rx.match("/".join(parents[:k])):
                        hit = True
                        break
            if hit:
                matched = not exclusion
        return matched


# --------------------------------------------------------------------------
# The build context as Docker sees it after .dockerignore
# --------------------------------------------------------------------------

class Context:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        ignore = DockerIgnore.load(self.root)
        self.kind = {".": "dir"}  # rel path -> "dir" | "file" | "link"
        self.children = {".": []}
        entries = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            reldir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            for d in list(dirnames):
                full = os.path.join(dirpath, d)
                rel = d if reldir == "." else reldir + "/" + d
                if os.path.islink(full):
                    dirnames.remove(d)
                    entries.append((rel, "link"))
                else:
                    entries.append((rel, "dir"))
            for f in filenames:
                full = os.path.join(dirpath, f)
                rel = f if reldir == "." else reldir + "/" + f
                entries.append((rel, "link" if os.path.islink(full) else "file"))
        kept = {}
        for rel, kind in entries:
            if not ignore.excluded(rel):
                kept[rel] = kind
        # A directory survives when it is not excluded itself or when
        # something below it is re-included by an exception.
        for rel in list(kept):
            parts = rel.split("/")
            for k in range(1, len(parts)):
                kept.setdefault("/".join(parts[:k]), "dir")
        for rel in sorted(kept):
            self.kind[rel] = kept[rel]
            self.children.setdefault(rel, [])
            parent = rel.rsplit("/", 1)[0] if "/" in rel else "."
            self.children.setdefault(parent, []).append(rel)

    def abs(self, rel):
        return self.root if rel == "." else os.path.join(self.root, *rel.split("/"))

    def resolve(self, rel, depth=0):
        """Follow a top-level symlink inside the context (COPY does)."""
        if self.kind.get(rel) != "link":
            return rel
        if depth > 40:
            raise DockerfileError("too many levels of symbolic links: %s" % rel)
        target = os.readlink(self.abs(rel))
        if target.startswith("/"):
            nxt = clean_path(target).lstrip("/") or "."
        else:
            parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
            nxt = clean_path(parent + "/" + target if parent else target)
            nxt = clean_path("/" + nxt).lstrip("/") or "."
        if nxt not in self.kind:
            raise DockerfileError("symlink %s points outside the context or to "
                                  "a missing file" % rel)
        return self.resolve(nxt, depth + 1)

    def glob(self, pattern):
        """Context paths matching a cleaned relative pattern, sorted."""
        segs = pattern.split("/")
        current = ["."]
        for seg in segs:
            nxt = []
            if has_wildcard(seg):
                rx = segment_regex(seg)
                for base in current:
                    base = self.resolve(base)
                    if self.kind.get(base) != "dir":
                        continue
                    for child in self.children.get(base, []):
                        name = child.rsplit("/", 1)[-1]
                        if rx.match(name):
                            nxt.append(child)
            else:
                name = unescape(seg)
                for base in current:
                    base = self.resolve(base)
                    cand = name if base == "." else base + "/" + name
                    if cand in self.kind:
                        nxt.append(cand)
            current = nxt
        return sorted(set(current))


# --------------------------------------------------------------------------
# Replaying COPY / ADD
# --------------------------------------------------------------------------

KNOWN_FLAGS = {"chown", "chmod", "link", "from", "checksum", "keep-git-dir",
               "unpack"}
UNSUPPORTED_FLAGS = {"parents", "exclude"}


def parse_flags(words):
    flags = {}
    i = 0
    while i < len(words) and words[i].startswith("--"):
        body = words[i][2:]
        name, _, value = body.partition("=")
        if name in UNSUPPORTED_FLAGS:
            raise DockerfileError("--%s is not supported by docker_context.py" % name)
        if name not in KNOWN_FLAGS:
            raise DockerfileError("unknown flag --%s" % name)
        flags[name] = value
        i += 1
    return flags, words[i:]


def split_copy_args(rest, escape):
    """Return (flags, [args]) for COPY/ADD, shell or JSON form."""
    rest = rest.strip()
    flag_words = []
    while rest.startswith("--"):
        m = re.match(r"--\S+", rest)
        flag_words.append(m.group(0))
        rest = rest[m.end():].lstrip()
    flags, _ = parse_flags(flag_words)
    if rest.startswith("<<"):
        raise DockerfileError("heredoc sources are not supported")
    if rest.startswith("["):
        try:
            args = json.loads(rest)
        except ValueError:
            args = None
        if isinstance(args, list) and all(isinstance(a, str) for a in args):
            return flags, args, True
    return flags, split_words(rest, escape), False


def is_remote(src):
    return bool(re.match(r"^(https?://|git@|git://|ssh://)", src)) or \
        src.endswith(".git") and "://" in src


class Stage:
    def __init__(self, context, out, default_workdir="/"):
        self.ctx = context
        self.out = os.path.abspath(out)
        self.workdir = default_workdir
        self.env = {}

    def image_path(self, p):
        """Host path under OUT_DIR for absolute image path p."""
        p = clean_path(p)
        if p == "/":
            return self.out
        return os.path.join(self.out, *p.lstrip("/").split("/"))

    def set_workdir(self, w):
        if not w.startswith("/"):
            w = self.workdir.rstrip("/") + "/" + w
        self.workdir = clean_path(w)
        os.makedirs(self.image_path(self.workdir), exist_ok=True)

    def dest_path(self, dest):
        if dest.startswith("/"):
            return dest
        return self.workdir.rstrip("/") + "/" + dest

    # -- copying -----------------------------------------------------------

    def _mkdirs(self, host):
        if os.path.lexists(host) and not os.path.isdir(host):
            os.unlink(host)
        os.makedirs(host, exist_ok=True)

    def _copy_file(self, rel, host_dest, follow):
        src = self.ctx.abs(rel)
        self._mkdirs(os.path.dirname(host_dest))
        if os.path.isdir(host_dest) and not os.path.islink(host_dest):
            raise DockerfileError("cannot overwrite directory %s with file %s"
                                  % (host_dest, rel))
        if os.path.lexists(host_dest):
            os.unlink(host_dest)
        if not follow and os.path.islink(src):
            os.symlink(os.readlink(src), host_dest)
        else:
            shutil.copy2(src, host_dest)

    def _copy_tree(self, rel, host_dest):
        self._mkdirs(host_dest)
        for child in self.ctx.children.get(rel, []):
            name = child.rsplit("/", 1)[-1]
            target = os.path.join(host_dest, name)
            kind = self.ctx.kind[child]
            if kind == "dir":
                self._copy_tree(child, target)
            else:
                self._copy_file(child, target, follow=False)
        try:
            shutil.copystat(self.ctx.abs(rel), host_dest)
            os.chmod(host_dest, os.stat(host_dest).st_mode | stat.S_IWUSR | stat.S_IXUSR)
        except OSError:
            pass

    def _unpack(self, rel, host_dest):
        self._mkdirs(host_dest)
        with tarfile.open(self.ctx.abs(rel)) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(host_dest, filter="data")
            else:
                tf.extractall(host_dest)

    def copy(self, lineno, cmd, rest, escape):
        flags, args, is_json = split_copy_args(rest, escape)
        if "from" in flags:
            return  # copies from another stage or image, not from the context
        if is_json:
            args = [expand_word_json(a, self.env) for a in args]
        else:
            args = [expand_word(a, self.env, escape) for a in args]
        if len(args) < 2:
            raise DockerfileError("line %d: %s requires at least two arguments"
                                  % (lineno, cmd))
        srcs, dest = args[:-1], args[-1]
        dest_is_dir = (dest.endswith("/") or dest in (".", "..")
                       or dest.endswith("/.") or dest.endswith("/.."))
        dest_abs = clean_path(self.dest_path(dest))
        host_dest = self.image_path(dest_abs)
        if os.path.isdir(host_dest):
            dest_is_dir = True

        plan = []  # (rel, kind, is_unpack)
        for src in srcs:
            if cmd == "ADD" and is_remote(src):
                sys.stderr.write("docker_context.py: line %d: skipping remote "
                                 "ADD source %s\n" % (lineno, src))
                continue
            pattern = clean_path("/" + src).lstrip("/") or "."
            if has_wildcard(pattern):
                matches = self.ctx.glob(pattern)
                if not matches:
                    sys.stderr.write("docker_context.py: line %d: %s matched "
                                     "nothing (allowed for wildcards)\n"
                                     % (lineno, src))
            else:
                matches = self.ctx.glob(pattern)
                if not matches:
                    raise DockerfileError(
                        "line %d: %s failed: file not found in build context "
                        "or excluded by .dockerignore: stat %s: file does not "
                        "exist" % (lineno, cmd, unescape(pattern)))
                if src.endswith("/") and self.ctx.kind[self.ctx.resolve(matches[0])] != "dir":
                    raise DockerfileError("line %d: %s failed: %s is not a "
                                          "directory" % (lineno, cmd, src))
            for m in matches:
                real = self.ctx.resolve(m)
                kind = self.ctx.kind[real]
                unpack = (cmd == "ADD" and kind == "file"
                          and flags.get("unpack", "true") != "false"
                          and _is_archive(self.ctx.abs(real)))
                plan.append((m, real, kind, unpack))

        if len(srcs) > 1 or len(plan) > 1:
            if not dest_is_dir:
                raise DockerfileError(
                    "line %d: When using %s with more than one source file, the "
                    "destination must be a directory and end with a /"
                    % (lineno, cmd))

        for orig, real, kind, unpack in plan:
            if kind == "dir":
                self._copy_tree(real, host_dest)
            elif unpack:
                self._unpack(real, host_dest)
            else:
                if dest_is_dir:
                    target = os.path.join(host_dest, orig.rsplit("/", 1)[-1])
                else:
                    target = host_dest
                self._copy_file(real, target, follow=True)

    # -- driver ------------------------------------------------------------

    def run(self, global_args, stage, escape):
        gargs = {}
        for rest in global_args:
            for k, v in parse_key_values(rest, gargs, escape, False):
                gargs[k] = v if v is not None else gargs.get(k, "")
        os.makedirs(self.image_path(self.workdir), exist_ok=True)
        for lineno, kw, rest in stage:
            try:
                if kw == "WORKDIR":
                    words = split_words(rest, escape)
                    if len(words) != 1:
                        raise DockerfileError("WORKDIR requires exactly one argument")
                    self.set_workdir(expand_word(words[0], self.env, escape))
                elif kw == "ENV":
                    for k, v in parse_key_values(rest, self.env, escape, True):
                        if v is None:
                            raise DockerfileError("ENV %s needs a value" % k)
                        self.env[k] = v
                elif kw == "ARG":
                    for k, v in parse_key_values(rest, self.env, escape, False):
                        if k in self.env:
                            continue  # ENV wins over ARG
                        self.env[k] = v if v is not None else gargs.get(k, "")
                elif kw in ("COPY", "ADD"):
                    self.copy(lineno, kw, rest, escape)
            except DockerfileError as e:
                msg = str(e)
                if not msg.startswith("line "):
                    msg = "line %d: %s" % (lineno, msg)
                raise DockerfileError(msg)
        rel = os.path.relpath(self.image_path(self.workdir), self.out)
        return rel.replace(os.sep, "/")


def expand_word_json(word, env):
    """JSON form: variables are expanded, quotes are already gone."""
    def sub(m):
        name = m.group(1) or m.group(2)
        op, alt = m.group(3), m.group(4)
        val = env.get(name, "")
        if op == "-":
            return val if val else alt
        if op == "+":
            return alt if val else ""
        return val
    return re.sub(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)"
                  r"(?::([-+])([^}]*))?\})", sub, word)


def _is_archive(path):
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def build(dockerfile_dir, out_dir, dockerfile="Dockerfile", default_workdir="/", target=None):
    with open(os.path.join(dockerfile_dir, dockerfile), encoding="utf-8") as f:
        text = f.read()
    instructions, escape = read_instructions(text)
    if target:
        global_args, stage = target_stage(instructions, target, escape)
    else:
        global_args, stage = first_stage(instructions)
    ctx = Context(dockerfile_dir)
    os.makedirs(out_dir, exist_ok=True)
    return Stage(ctx, out_dir, default_workdir).run(global_args, stage, escape)


def main(argv):
    args = list(argv[1:])
    dockerfile = "Dockerfile"
    default_workdir = "/"
    target = None
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt.startswith("--file="):
            dockerfile = opt.split("=", 1)[1]
        elif opt.startswith("--target="):
            target = opt.split("=", 1)[1]
        elif opt.startswith("--default-workdir="):
            default_workdir = clean_path(opt.split("=", 1)[1])
        else:
            sys.stderr.write("unknown option %s\n" % opt)
            return 2
    if len(args) != 2:
        sys.stderr.write("usage: docker_context.py [--file=NAME] [--target=STAGE] "
                         "[--default-workdir=/path] DOCKERFILE_DIR OUT_DIR\n")
        return 2
    try:
        print(build(args[0], args[1], dockerfile, default_workdir, target))
    except DockerfileError as e:
        sys.stderr.write("docker_context.py: %s\n" % e)
        return 1
    except OSError as e:
        sys.stderr.write("docker_context.py: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
