//! Helpers shared by the CLI tests: run the real binary, make repos in temp folders, and take
//! byte-for-byte pictures of a folder tree to compare before and after a command.
//!
//! Every test crate compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

pub mod docker_context;

/// The binary under test, built by cargo for the integration tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_scaffold"))
}

/// Variables that would change what the binary prints or writes; every run clears them.
const NOISY_ENV: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "SCAFFOLD_TEST_FAIL_WRITE",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_CEILING_DIRECTORIES",
];

/// `scaffold` with a clean environment, no stdin and no terminal (so it never prompts).
pub fn scaffold() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(bin());
    for v in NOISY_ENV {
        cmd.env_remove(v);
    }
    cmd.env("TERM", "dumb");
    cmd.write_stdin("");
    cmd
}

/// What a finished command printed, and how it exited.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success, got {self:#?}");
        self
    }

    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "expected exit {code}, got {self:#?}");
        self
    }

    /// Asserts exit 1 with exactly one `error:` line on stderr that contains every `needle`,
    /// and nothing on stdout.
    #[track_caller]
    pub fn refused(self, needles: &[&str]) -> Self {
        assert_eq!(self.code, 1, "expected exit 1, got {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one error line, got {self:#?}");
        assert!(
            lines[0].starts_with("error: "),
            "expected `error: ...`, got {self:#?}"
        );
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}: {self:#?}");
        }
        assert_eq!(self.stdout, "", "nothing on stdout: {self:#?}");
        self
    }

    /// Asserts exit 1 with stderr starting with `error:` and holding every needle (the message
    /// may span lines, e.g. with a diff).
    #[track_caller]
    pub fn failed(self, needles: &[&str]) -> Self {
        assert_eq!(self.code, 1, "expected exit 1, got {self:#?}");
        assert!(self.stderr.starts_with("error: "), "{self:#?}");
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}: {self:#?}");
        }
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout))
    }
}

/// Runs `scaffold ARGS` in `cwd`.
pub fn run_in<I, S>(cwd: &Path, args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = scaffold();
    cmd.current_dir(cwd).args(args);
    output(&mut cmd)
}

/// Runs a prepared command and captures its output.
pub fn output(cmd: &mut assert_cmd::Command) -> Out {
    let o = cmd.output().expect("the scaffold binary runs");
    Out {
        code: o.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
    }
}

/// A fresh temp folder outside any git work tree (so `new` may start git in it).
pub fn tmp() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("scaffold-test-")
        .tempdir()
        .expect("a temp dir");
    assert!(
        git2::Repository::discover(dir.path()).is_err(),
        "the temp folder {} is inside a git work tree (TMPDIR?); `new` would skip git there",
        dir.path().display()
    );
    dir
}

/// A repo made by `scaffold new NAME --yes --no-git ARGS` inside a fresh temp folder.
pub struct Repo {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl Repo {
    pub fn new(args: &[&str]) -> Repo {
        Repo::named("game", args)
    }

    pub fn named(name: &str, args: &[&str]) -> Repo {
        let tmp = tmp();
        let mut all = vec!["new", name, "--yes", "--no-git", "--quiet"];
        all.extend_from_slice(args);
        run_in(tmp.path(), &all).ok();
        let root = tmp.path().join(name);
        assert!(root.join("scaffold.toml").is_file());
        Repo { _tmp: tmp, root }
    }

    /// Runs `scaffold ARGS` at the repo's root.
    pub fn run(&self, args: &[&str]) -> Out {
        run_in(&self.root, args)
    }

    /// Runs `scaffold ARGS` at the root with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut cmd = scaffold();
        cmd.current_dir(&self.root).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        output(&mut cmd)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        read(&self.root.join(rel))
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        write(&self.root.join(rel), text)
    }

    pub fn tree(&self) -> Tree {
        tree(&self.root)
    }

    /// The COPY lines inside the Dockerfile's managed block.
    pub fn block(&self) -> Vec<String> {
        block_lines(&self.read("Dockerfile"))
    }
}

pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Writes a file, making its folders.
pub fn write(path: &Path, text: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// One entry of a folder tree, as compared byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir { mode: u32 },
    File { mode: u32, bytes: Vec<u8> },
    Link { target: PathBuf },
}

/// Every entry below a folder, by `/`-separated relative path.
pub type Tree = BTreeMap<String, Node>;

/// Reads every file, folder and link below `root` (including hidden ones).
pub fn tree(root: &Path) -> Tree {
    let mut out = Tree::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Tree) {
    use std::os::unix::fs::PermissionsExt;
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let meta = fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() {
            out.insert(
                rel,
                Node::Link {
                    target: fs::read_link(&path).unwrap(),
                },
            );
        } else if meta.is_dir() {
            out.insert(rel, Node::Dir { mode });
            walk(root, &path, out);
        } else {
            out.insert(
                rel,
                Node::File {
                    mode,
                    bytes: fs::read(&path).unwrap(),
                },
            );
        }
    }
}

/// The files (not folders) of a tree, sorted.
pub fn files(t: &Tree) -> Vec<String> {
    t.iter()
        .filter(|(_, n)| matches!(n, Node::File { .. }))
        .map(|(p, _)| p.clone())
        .collect()
}

/// Panics with the list of differences when two trees differ in any byte, mode or entry.
#[track_caller]
pub fn assert_same_tree(before: &Tree, after: &Tree, what: &str) {
    let mut diffs = Vec::new();
    for (p, n) in before {
        match after.get(p) {
            None => diffs.push(format!("removed: {p}")),
            Some(m) if m != n => diffs.push(format!("changed: {p}{}", describe(n, m))),
            _ => {}
        }
    }
    for p in after.keys().filter(|p| !before.contains_key(*p)) {
        diffs.push(format!("added: {p}"));
    }
    assert!(
        diffs.is_empty(),
        "{what}: the tree changed:\n  {}",
        diffs.join("\n  ")
    );
}

fn describe(a: &Node, b: &Node) -> String {
    match (a, b) {
        (Node::File { bytes: x, mode: mx }, Node::File { bytes: y, mode: my }) => {
            if mx != my {
                format!(" (mode {mx:o} -> {my:o})")
            } else {
                format!(
                    "\n--- before\n{}\n--- after\n{}",
                    String::from_utf8_lossy(x),
                    String::from_utf8_lossy(y)
                )
            }
        }
        _ => format!(" ({a:?} -> {b:?})"),
    }
}

/// The lines strictly between the block markers (LF or CRLF), without line endings.
pub fn block_lines(dockerfile: &str) -> Vec<String> {
    let lines: Vec<&str> = dockerfile.lines().collect();
    let begin = lines
        .iter()
        .position(|l| l.starts_with("# scaffold:packages begin"))
        .expect("a begin marker");
    let end = lines
        .iter()
        .position(|l| l.trim_end() == "# scaffold:packages end")
        .expect("an end marker");
    lines[begin + 1..end]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// The begin marker line of a Dockerfile.
pub fn begin_line(dockerfile: &str) -> String {
    dockerfile
        .lines()
        .find(|l| l.starts_with("# scaffold:packages begin"))
        .expect("a begin marker")
        .to_string()
}

/// The hash the begin marker must carry for these block lines, computed here from the rule
/// (first 4 bytes of SHA-256 over each line plus `\n`), not with the product's code.
pub fn expected_sha(lines: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    h.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The begin marker line scaffold writes for these block lines.
pub fn expected_begin(lines: &[&str]) -> String {
    format!(
        "# scaffold:packages begin sha={} (generated from the package folders by `scaffold sync`; do not edit)",
        expected_sha(lines)
    )
}

/// A hand-written package with the plugin's `Register` signature and one RPC.
pub fn handmade_package(name: &str, rpc: &str) -> String {
    format!(
        r#"// Package {name} was written by hand.
package {name}

import (
	"context"
	"database/sql"

	"github.com/heroiclabs/nakama-common/runtime"
)

// Register adds the {name} RPCs.
func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {{
	return initializer.RegisterRpc("{rpc}", hello)
}}

func hello(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, payload string) (string, error) {{
	return "{{}}", nil
}}
"#
    )
}

/// Runs a plain program (git, go, ...) and returns its output; panics when it cannot start.
pub fn sh(cwd: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = StdCommand::new(program);
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Copies a folder tree (files, folders, links) into `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ft.is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Splits a Dockerfile into the bytes before the begin marker line, the block (marker lines
/// included, with the end line's terminator), and the bytes after it.
pub fn split_block(text: &str) -> (&str, &str, &str) {
    let begin = text
        .find("# scaffold:packages begin")
        .expect("a begin marker");
    let begin = text[..begin].rfind('\n').map_or(0, |i| i + 1);
    let end = begin
        + text[begin..]
            .find("# scaffold:packages end")
            .expect("an end marker");
    let end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    (&text[..begin], &text[begin..end], &text[end..])
}
