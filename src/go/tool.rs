//! The go tool itself, for the one thing doctor's fixes need it for: `go mod tidy` (and
//! `go mod vendor`) after go.mod changes, run on a scratch copy of the module so nothing is
//! written until the whole fix is planned and checked.

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
    for step in steps {
        let out = Command::new("go")
            .args(step)
            .current_dir(dir.path())
            // The user's GOFLAGS (`-mod=vendor`) must not change what tidy does.
            .env("GOFLAGS", "-mod=mod")
            .env("GOWORK", "off")
            .output()
            .map_err(|e| format!("cannot run go: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().next().unwrap_or("").trim();
            return Err(format!("`go {}` failed: {first}", step.join(" ")));
        }
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
