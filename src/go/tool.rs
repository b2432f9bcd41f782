//! The go tool's short steps, run one way: the `go` on PATH in a folder, its failure read the
//! same way everywhere ([`step`], [`Failed`]). doctor's fixes run `go mod tidy` (and
//! `go mod vendor`) through it on a scratch copy of the module, so nothing is written until
//! the whole fix is planned and checked; `upgrade`, `templates check` and `releases
//! --refresh` run their steps through it. Builds pinned to a release go through
//! [`super::toolchain`], which finds the exact Go.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// Whether `go` runs here (looked up once per process).
pub fn available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        Command::new("go")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// A go step that did not succeed: which step, and what go said.
#[derive(Debug, Clone)]
pub struct Failed {
    /// `go mod tidy`.
    pub step: String,
    /// go's own words (stderr, trimmed), or why it could not be started.
    pub said: String,
}

impl Failed {
    /// The first line of what go said: its error, without the lines that follow.
    pub fn first_line(&self) -> &str {
        self.said.lines().next().unwrap_or("").trim()
    }
}

/// The go on PATH, run in `dir`: the command every short step starts from.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("go");
    cmd.current_dir(dir);
    cmd
}

/// Runs `cmd` (from [`command`]) with `args`; its stdout, or how it failed.
pub fn step(mut cmd: Command, args: &[&str]) -> Result<Vec<u8>, Failed> {
    let label = format!("go {}", args.join(" "));
    let out = cmd.args(args).output().map_err(|e| Failed {
        step: label.clone(),
        said: format!("cannot run go: {e}"),
    })?;
    if !out.status.success() {
        return Err(Failed {
            step: label,
            said: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

/// What `go mod tidy` (and `go mod vendor`) changed in a module.
#[derive(Debug, Clone, Default)]
pub struct Tidied {
    /// New contents of go.mod, go.sum and vendor/ files, relative to the module.
    pub files: BTreeMap<String, Vec<u8>>,
    /// vendor/ files that are no longer there.
    pub deleted: Vec<String>,
}

/// Folders never copied to the scratch module: not part of what `go mod tidy` reads.
fn skipped(rel: &str) -> bool {
    rel.split('/')
        .any(|s| s == "vendor" || s == ".git" || s == "node_modules")
}

/// Runs `go mod tidy` (then `go mod vendor` when `vendor`) on a copy of the module made of
/// `files` (relative path, bytes); folders with a go.mod of their own are copied too, as a
/// `replace` may point at them. `old_vendor` lists the module's vendor/ files today. The
/// error is go's message.
pub fn tidy(
    files: &BTreeMap<String, Vec<u8>>,
    old_vendor: &BTreeMap<String, Vec<u8>>,
    vendor: bool,
) -> Result<Tidied, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a scratch folder: {e}"))?;
    for (rel, bytes) in files {
        if skipped(rel) {
            continue;
        }
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    }
    let mut steps = vec![["mod", "tidy"]];
    if vendor {
        steps.push(["mod", "vendor"]);
    }
    for args in steps {
        let mut cmd = command(dir.path());
        // The user's GOFLAGS (`-mod=vendor`) must not change what tidy does.
        cmd.env("GOFLAGS", "-mod=mod").env("GOWORK", "off");
        step(cmd, &args).map_err(|f| format!("`{}` failed: {}", f.step, f.first_line()))?;
    }
    let mut out = Tidied::default();
    for name in ["go.mod", "go.sum"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            if files.get(name) != Some(&bytes) {
                out.files.insert(name.to_string(), bytes);
            }
        }
    }
    if vendor {
        let mut new = BTreeMap::new();
        read_tree(&dir.path().join("vendor"), "vendor", &mut new);
        for (rel, bytes) in new.iter() {
            if old_vendor.get(rel) != Some(bytes) {
                out.files.insert(rel.clone(), bytes.clone());
            }
        }
        out.deleted = old_vendor
            .keys()
            .filter(|k| !new.contains_key(*k))
            .cloned()
            .collect();
    }
    Ok(out)
}

/// Every file below `dir`, keyed `prefix/relative`.
fn read_tree(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}/{name}");
        match entry.file_type() {
            Ok(t) if t.is_dir() => read_tree(&entry.path(), &rel, out),
            Ok(t) if t.is_file() => {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    out.insert(rel, bytes);
                }
            }
            _ => {}
        }
    }
}
