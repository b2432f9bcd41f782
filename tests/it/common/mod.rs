//! Helpers shared by the integration tests: run the real binary, make repos in temp folders,
//! read and write their files, and take byte-for-byte pictures of a folder tree (`tree`) to
//! compare before and after a command. The Go toolchain (`go`), the builder stage's files
//! (`docker_context`), git and the release table have modules of their own; `team` is the
//! sandbox and fixture of the team-scaffold tests.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

pub mod docker_context;
pub mod git;
pub mod go;
pub mod releases;
pub mod team;
pub mod tree;

pub use {git::*, go::*, releases::*, tree::*};

/// Whether the one documented skip variable asks to skip the tests that need `what`:
/// `SCAFFOLD_TEST_SKIP=go,oci` (comma-separated: `go`, `oci`, `dev`, `zsh`, `chattr`; see
/// CONTRIBUTING.md). Without it, a test whose tool is missing fails: nothing passes silently.
/// `scripts/test.sh` prints what was skipped in its summary.
pub fn skip(what: &str) -> bool {
    let asked = std::env::var("SCAFFOLD_TEST_SKIP").unwrap_or_default();
    let skipped = asked.split(',').any(|w| w.trim() == what);
    if skipped {
        eprintln!("SCAFFOLD_TEST_SKIP={asked}: skipping what needs {what}");
    }
    skipped
}

/// Whether `tool ARGS` runs here.
pub fn runs(tool: &str, args: &[&str]) -> bool {
    StdCommand::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// True when the tests that need `tool` should run: false only when [`skip`] asks; a missing
/// tool otherwise fails the test, naming how to install it.
#[track_caller]
pub fn need(tool: &str, probe: &[&str], install: &str) -> bool {
    if skip(tool) {
        return false;
    }
    assert!(
        runs(tool, probe),
        "`{tool}` is not installed ({install}); or skip these tests with SCAFFOLD_TEST_SKIP={tool}"
    );
    true
}

/// The binary under test, built by cargo for the integration tests; `SCAFFOLD_TEST_BIN`
/// names another build (to see a test fail on the binary before a fix).
pub fn bin() -> PathBuf {
    std::env::var_os("SCAFFOLD_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_scaffold")))
}

/// Variables that would change what the binary prints or writes; every run clears them.
const NOISY_ENV: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "SCAFFOLD_TEST_FAIL_WRITE",
    "SCAFFOLD_TEST_STEP_DELAY_MS",
    "SCAFFOLD_LOCK_WAIT",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_CONFIG_GLOBAL",
];

/// `scaffold` with a clean environment, no stdin and no terminal (so it never prompts).
pub fn scaffold() -> assert_cmd::Command {
    clean_command(bin())
}

/// `program` with the environment [`scaffold`] gives the binary: for a wrapper (`sh -c
/// 'ulimit ...; exec scaffold'`) that runs it.
pub fn clean_command(program: impl AsRef<OsStr>) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(program);
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
        self.error_line();
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

    /// Asserts exit 1 with exactly one `error:` line on stderr, and returns that line.
    #[track_caller]
    pub fn error_line(&self) -> String {
        assert_eq!(self.code, 1, "expected exit 1, got {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one error line, got {self:#?}");
        assert!(
            lines[0].starts_with("error: "),
            "expected `error: ...`, got {self:#?}"
        );
        lines[0].to_string()
    }

    /// Asserts a one-line error that contains every one of `parts`, and returns the line.
    #[track_caller]
    pub fn fails_with(&self, parts: &[&str]) -> String {
        let line = self.error_line();
        for p in parts {
            assert!(line.contains(p), "`{p}` missing from: {line}");
        }
        line
    }

    /// Parses stdout as exactly one JSON value (trailing text makes this fail).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// Asserts stdout is one JSON object that follows schema/scaffold.schema.json, that its
    /// `error` agrees with the exit code, and returns it.
    #[track_caller]
    pub fn checked_json(&self) -> serde_json::Value {
        let v = self.json();
        assert_follows_schema(&v);
        match v.get("error") {
            Some(e) => assert_eq!(e["code"], self.code, "the error's code is the exit code"),
            None => assert_eq!(
                self.code, 0,
                "exit {} without an `error`: {self:#?}",
                self.code
            ),
        }
        v
    }

    /// Asserts a command report (`--json`) follows the schema and has the fields every
    /// command has, and returns it.
    #[track_caller]
    pub fn report(&self) -> serde_json::Map<String, serde_json::Value> {
        let obj = self
            .checked_json()
            .as_object()
            .expect("a JSON object")
            .clone();
        for key in [
            "command", "root", "dry_run", "created", "changed", "skipped", "deleted", "warnings",
        ] {
            assert!(obj.contains_key(key), "the report lacks {key}: {obj:#?}");
        }
        obj
    }
}

/// The schema every `--json` output follows (schema/scaffold.schema.json).
pub fn json_schema() -> serde_json::Value {
    serde_json::from_str(&crate_file("schema/scaffold.schema.json")).expect("the schema is JSON")
}

/// Asserts `value` follows schema/scaffold.schema.json, listing every violation.
#[track_caller]
pub fn assert_follows_schema(value: &serde_json::Value) {
    let validator = jsonschema::validator_for(&json_schema()).expect("the schema is valid");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "does not follow schema/scaffold.schema.json:\n{}\n{value:#}",
        errors.join("\n")
    );
}

/// A JSON array of strings as a Vec.
pub fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is not an array"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
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

/// A repo made by `scaffold new NAME --yes --no-git ARGS` inside a fresh temp folder. Every
/// command it runs sees `$XDG_CONFIG_HOME` in that folder (empty), so no user config changes
/// the defaults.
pub struct Repo {
    pub tmp: tempfile::TempDir,
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
        let root = tmp.path().join(name);
        let repo = Repo { tmp, root };
        repo.run_in(repo.tmp.path(), &all).ok();
        assert!(repo.root.join("scaffold.toml").is_file());
        repo
    }

    /// `scaffold` in `cwd` with the repo's environment.
    pub fn command(&self, cwd: &Path) -> assert_cmd::Command {
        let mut cmd = scaffold();
        cmd.current_dir(cwd)
            .env("XDG_CONFIG_HOME", self.tmp.path().join("config"));
        cmd
    }

    /// Runs `scaffold ARGS` at the repo's root.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_in(&self.root, args)
    }

    /// Runs `scaffold ARGS` in `cwd` (inside the repo or not).
    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Out {
        output(self.command(cwd).args(args))
    }

    /// Runs `scaffold ARGS` at the root with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut cmd = self.command(&self.root);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        output(&mut cmd)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        read(self.root.join(rel))
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        write(self.root.join(rel), text)
    }

    /// Every entry below the root, modes included.
    pub fn tree(&self) -> Tree {
        tree(&self.root)
    }

    /// Every file below the root with its bytes.
    pub fn contents(&self) -> Contents {
        file_contents(&self.root)
    }

    /// The COPY lines inside the Dockerfile's managed block.
    pub fn block(&self) -> Vec<String> {
        block_lines(&self.read("Dockerfile"))
    }
}

/// A repo made by `scaffold new DIR --yes --nakama VERSION --module example.com/game EXTRA...`
/// with git on (one commit). Returns the temp folder (keep it alive) and the repo's canonical
/// root.
pub fn new_repo(nakama: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tmp();
    let root = tmp.path().join("game");
    let mut args = vec![
        "new",
        root.to_str().unwrap(),
        "--yes",
        "--nakama",
        nakama,
        "--module",
        "example.com/game",
    ];
    args.extend_from_slice(extra);
    run_in(tmp.path(), &args).ok();
    let root = root.canonicalize().unwrap();
    (tmp, root)
}

/// A file's text.
#[track_caller]
pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Writes a file, making its folders.
pub fn write(path: impl AsRef<Path>, text: impl AsRef<[u8]>) {
    let path = path.as_ref();
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// This crate's own files (the release table, the recorded go.sum files, fixtures).
pub fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The text of one of this crate's own files.
pub fn crate_file(rel: &str) -> String {
    read(crate_path(rel))
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

/// How the generated Dockerfile's build RUN begins: Go's module and build caches mounted
/// (BuildKit cache mounts), then `go build`. Tests that insert a line before the build, or
/// check that something ends right before it, look for this.
pub const BUILD_RUN: &str = "RUN --mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,target=/root/.cache/go-build \\\n    go build";

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
