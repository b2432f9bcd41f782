//! Helpers for the tests of living with a generated repo (`upgrade`, `remove-package`, machine
//! output): run the binary, make repos in temp folders, snapshot trees, build the plugin.
#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// `scaffold` with an environment that cannot leak into the assertions: no NO_COLOR, and a
/// git identity for anything that commits.
pub fn scaffold() -> Command {
    let mut cmd = Command::cargo_bin("scaffold").expect("the scaffold binary is built");
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("SCAFFOLD_TEST_FAIL_WRITE")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com");
    cmd
}

/// `scaffold ARGS` run in `dir`.
pub fn scaffold_in(dir: &Path, args: &[&str]) -> Output {
    scaffold()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("scaffold runs")
}

/// A temp folder under /tmp (never inside the work tree of this crate).
pub fn temp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("scaffold-lifecycle-")
        .tempdir_in("/tmp")
        .expect("a temp folder")
}

/// A repo made by `scaffold new DIR --yes --nakama VERSION EXTRA...` (git on: one commit).
/// Returns the temp folder (keep it alive) and the repo's canonical root.
pub fn new_repo(nakama: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = temp();
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
    let out = scaffold_in(tmp.path(), &args);
    ok(&out);
    let root = root.canonicalize().unwrap();
    (tmp, root)
}

/// Panics with both streams unless the command exited 0.
pub fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "expected success, got {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

/// Asserts the exit code, showing both streams when it differs.
pub fn code(out: &Output, want: i32) {
    assert_eq!(
        out.status.code(),
        Some(want),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a program, panicking with its output when it fails; returns stdout.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed in {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git add -A && git commit`: a clean tree for `upgrade`'s dirty check.
pub fn commit_all(root: &Path, message: &str) {
    run(root, "git", &["add", "-A"]);
    run(root, "git", &["commit", "-q", "-m", message]);
}

/// `git status --porcelain` (empty when clean).
pub fn git_status(root: &Path) -> String {
    run(root, "git", &["status", "--porcelain"])
}

/// Every file (bytes) and folder under `root`, `.git/` left out, keyed by `/`-separated path;
/// folders end in `/`. Comparing two snapshots proves a tree unchanged byte for byte.
pub fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if rel == ".git" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            out.insert(format!("{rel}/"), Vec::new());
            walk(root, &path, out);
        } else {
            out.insert(rel, fs::read(&path).unwrap());
        }
    }
}

/// The paths whose presence or bytes differ between two snapshots, sorted.
pub fn changed_paths(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// Asserts two snapshots are equal, naming the paths that differ.
pub fn assert_same_tree(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) {
    let diff = changed_paths(before, after);
    assert!(diff.is_empty(), "the tree changed: {diff:?}");
}

pub fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// This crate's own files (the release table, the recorded go.sum files).
pub fn crate_file(rel: &str) -> String {
    read(Path::new(env!("CARGO_MANIFEST_DIR")), rel)
}

/// One row of scaffolds/versions.toml, read independently of the binary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Row {
    pub nakama: String,
    pub nakama_common: String,
    pub go: String,
    pub protobuf: String,
}

pub fn release_table() -> Vec<Row> {
    #[derive(serde::Deserialize)]
    struct Table {
        release: Vec<Row>,
    }
    let table: Table = toml::from_str(&crate_file("scaffolds/versions.toml")).unwrap();
    assert!(table.release.len() >= 20, "the release table is complete");
    table.release
}

pub fn row(nakama: &str) -> Row {
    release_table()
        .into_iter()
        .find(|r| r.nakama == nakama)
        .unwrap_or_else(|| panic!("{nakama} is in the table"))
}

/// The Go toolchain, which these tests need (the CI machine has it). Failing loudly rather than
/// skipping keeps a missing Go from turning the Go checks into tests that cannot fail.
pub fn require_go() {
    let found = std::process::Command::new("go")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "Go is not on PATH: these tests build the plugin with the real toolchain (install Go, see scripts/setup.sh)"
    );
}

/// `CGO_ENABLED=1 go build -trimpath -buildmode=plugin -o backend.so .` in `dir`.
pub fn build_plugin(dir: &Path) {
    require_go();
    let out = std::process::Command::new("go")
        .args([
            "build",
            "-trimpath",
            "-buildmode=plugin",
            "-o",
            "backend.so",
            ".",
        ])
        .current_dir(dir)
        .env("CGO_ENABLED", "1")
        .output()
        .expect("go runs");
    assert!(
        out.status.success(),
        "the plugin does not build in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("backend.so").is_file());
}

/// Lays out in `out` exactly what the Dockerfile's builder stage copies, and returns the
/// folder its build runs in (its last WORKDIR). Uses tests/support/docker_context.py when it
/// is there; otherwise replays the simple COPY lines this tool writes.
pub fn docker_context(repo: &Path, out: &Path) -> PathBuf {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/docker_context.py");
    if helper.is_file() {
        let res = std::process::Command::new("python3")
            .arg(&helper)
            .arg(repo)
            .arg(out)
            .output()
            .expect("python3 runs");
        assert!(
            res.status.success(),
            "docker_context.py failed:\n{}",
            String::from_utf8_lossy(&res.stderr)
        );
        let workdir = String::from_utf8_lossy(&res.stdout).trim().to_string();
        return out.join(workdir);
    }
    simple_context(repo, out)
}

/// The fallback: WORKDIR and `COPY SRC... DEST` (no flags) of the first stage, where a source
/// is a file, a folder (its contents are copied) or `*.ext`.
fn simple_context(repo: &Path, out: &Path) -> PathBuf {
    let text = read(repo, "Dockerfile");
    let mut workdir = PathBuf::from("/");
    let mut stages = 0;
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        let Some(op) = words.next() else { continue };
        match op.to_ascii_uppercase().as_str() {
            "FROM" => {
                stages += 1;
                if stages > 1 {
                    break;
                }
            }
            "WORKDIR" => workdir = workdir.join(words.next().unwrap()),
            "COPY" => {
                let args: Vec<&str> = words.collect();
                assert!(!args[0].starts_with("--"), "unsupported COPY: {line}");
                let (dest, srcs) = args.split_last().unwrap();
                let dest = workdir.join(dest);
                let dest = out.join(dest.strip_prefix("/").unwrap());
                fs::create_dir_all(&dest).unwrap();
                for src in srcs {
                    if let Some(ext) = src.strip_prefix('*') {
                        for e in fs::read_dir(repo).unwrap() {
                            let e = e.unwrap();
                            let name = e.file_name().to_string_lossy().into_owned();
                            if e.file_type().unwrap().is_file() && name.ends_with(ext) {
                                fs::copy(e.path(), dest.join(&name)).unwrap();
                            }
                        }
                    } else if repo.join(src).is_dir() {
                        copy_dir(&repo.join(src), &dest);
                    } else {
                        let name = Path::new(src).file_name().unwrap();
                        fs::copy(repo.join(src), dest.join(name)).unwrap();
                    }
                }
            }
            _ => {}
        }
    }
    out.join(workdir.strip_prefix("/").unwrap())
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Parses stdout as exactly one JSON value (trailing text makes this fail).
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

/// Asserts a command report (`--json`) has exactly the documented fields, and returns them.
pub fn report(out: &Output) -> serde_json::Map<String, serde_json::Value> {
    let v = json(out);
    let obj = v.as_object().expect("a JSON object").clone();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["changed", "command", "created", "deleted", "dry_run", "root", "skipped", "warnings"],
        "the report's fields"
    );
    obj
}

/// A JSON array of strings as a Vec.
pub fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is not an array"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}
