//! Finds the package folders actually on disk (plus any planned ones): what the Dockerfile must
//! copy and which packages the generated wiring registers.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A top-level folder of the module holding Go code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageDir {
    /// The folder name, which is also its import path below the module.
    pub folder: String,
    /// The package name its top-level files declare (`None` when only nested folders hold Go).
    pub name: Option<String>,
    /// Declares `Register` with the plugin's signature, so the wiring calls it.
    pub registers: bool,
    /// Declares a `Register` of another shape, which the wiring cannot call.
    pub odd_register: bool,
    /// RPC ids passed to `RegisterRpc("...")` in its top-level files.
    pub rpc_ids: Vec<String>,
    /// Hook registrations (`RegisterAfterAuthenticateDevice`, `RegisterBeforeRt("…")`, ...).
    pub hooks: Vec<String>,
}

/// Files planned but not yet on disk, by repo-relative path; they count as present.
pub type Overlay<'a> = BTreeMap<PathBuf, &'a [u8]>;

/// Top-level folders never copied: Go and this tool ignore them.
pub fn skipped_folder(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_') || name == "vendor" || name == "testdata"
}

/// Whether Go accepts the folder name as an import path element (golang.org/x/mod's rule), so
/// it can be imported and written into a Dockerfile COPY line as it is.
pub fn importable_folder(name: &str) -> bool {
    !name.is_empty()
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~+".contains(c))
}

/// Every top-level package folder of the repo at `root`, sorted by folder name.
pub fn discover(root: &Path, overlay: &Overlay) -> Result<Vec<PackageDir>> {
    let mut folders = BTreeSet::new();
    let entries = match fs::read_dir(root) {
        Ok(e) => e.collect::<Vec<_>>(),
        // `new` plans a repo whose folder does not exist yet: only the overlay counts.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", root.display())),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            if let Some(name) = entry.file_name().to_str() {
                folders.insert(name.to_string());
            }
        }
    }
    for path in overlay.keys() {
        if let Some(std::path::Component::Normal(first)) = path.components().next() {
            if path.components().count() > 1 {
                folders.insert(first.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    for folder in folders {
        if skipped_folder(&folder) || root.join(&folder).join("go.mod").exists() {
            continue;
        }
        if let Some(pkg) = inspect(root, &folder, overlay)? {
            out.push(pkg);
        }
    }
    Ok(out)
}

/// Reads one top-level folder: `None` when no Go file lives anywhere below it.
fn inspect(root: &Path, folder: &str, overlay: &Overlay) -> Result<Option<PackageDir>> {
    // The folder's own .go files (not tests) tell its package name, Register and RPC ids.
    let mut top: BTreeMap<String, String> = BTreeMap::new();
    let mut has_tests = false;
    let dir = root.join(folder);
    // One pass over the folder: 1,000 packages make this the hot loop of add-package.
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e.collect::<std::io::Result<Vec<_>>>()?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in &entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_go_source(&name) && entry.file_type()?.is_file() {
            let text = fs::read_to_string(entry.path())
                .with_context(|| format!("reading {}", entry.path().display()))?;
            top.insert(name, text);
        } else if name.ends_with("_test.go") {
            has_tests = true;
        }
    }
    for (path, bytes) in overlay {
        let mut comps = path.components();
        let first = comps.next().map(|c| c.as_os_str().to_string_lossy());
        let rest: PathBuf = comps.collect();
        if first.as_deref() == Some(folder) && rest.components().count() == 1 {
            let name = rest.to_string_lossy().into_owned();
            if is_go_source(&name) {
                top.insert(name, String::from_utf8_lossy(bytes).into_owned());
            }
        }
    }
    // Sub-folders matter only when the folder itself holds no Go.
    let counts = !top.is_empty()
        || has_tests
        || overlay.keys().any(|p| {
            p.starts_with(folder)
                && p.extension().is_some_and(|e| e == "go")
                && p.components().count() > 2
        })
        || has_go_below(&dir)?;
    if !counts {
        return Ok(None);
    }
    let mut pkg = PackageDir {
        folder: folder.to_string(),
        name: None,
        registers: false,
        odd_register: false,
        rpc_ids: Vec::new(),
        hooks: Vec::new(),
    };
    for text in top.values() {
        if pkg.name.is_none() {
            pkg.name = package_clause(text);
        }
        match register_shape(text) {
            Some(true) => pkg.registers = true,
            Some(false) => pkg.odd_register = true,
            None => {}
        }
        pkg.rpc_ids.extend(rpc_ids(text));
        pkg.hooks.extend(hook_calls(text));
    }
    // A folder of `package main` (a tool) is copied but cannot be imported.
    if pkg.name.as_deref() == Some("main") {
        pkg.registers = false;
    }
    Ok(Some(pkg))
}

fn is_go_source(name: &str) -> bool {
    name.ends_with(".go") && !name.ends_with("_test.go") && !name.starts_with(['.', '_'])
}

/// Whether any sub-folder (not the folder itself) holds a .go file, skipping what Go skips.
fn has_go_below(dir: &Path) -> Result<bool> {
    if !dir.is_dir() {
        return Ok(false);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() && !skipped_folder(&name) && go_anywhere(&entry.path())? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn go_anywhere(dir: &Path) -> Result<bool> {
    if dir.join("go.mod").exists() {
        return Ok(false);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ft = entry.file_type()?;
        if ft.is_file() && name.ends_with(".go") {
            return Ok(true);
        }
        if ft.is_dir() && !skipped_folder(&name) && go_anywhere(&entry.path())? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The name in a Go file's `package` clause, skipping comments before it.
pub fn package_clause(text: &str) -> Option<String> {
    let mut in_block = false;
    for line in text.lines() {
        let mut l = line.trim();
        if in_block {
            match l.find("*/") {
                Some(i) => {
                    in_block = false;
                    l = l[i + 2..].trim();
                }
                None => continue,
            }
        }
        if l.starts_with("/*") {
            match l.find("*/") {
                Some(i) => l = l[i + 2..].trim(),
                None => {
                    in_block = true;
                    continue;
                }
            }
        }
        if l.is_empty() || l.starts_with("//") {
            continue;
        }
        return l
            .strip_prefix("package")
            .filter(|r| r.starts_with(char::is_whitespace))
            .and_then(|r| r.split_whitespace().next())
            .map(|s| s.trim_end_matches(';').to_string());
    }
    None
}

const PLUGIN_PARAMS: [&str; 5] = [
    "context.Context",
    "runtime.Logger",
    "*sql.DB",
    "runtime.NakamaModule",
    "runtime.Initializer",
];

/// `Some(true)` when the file declares `func Register` with the plugin's parameters and an
/// `error` result, `Some(false)` for another shape, `None` when it declares none.
pub fn register_shape(text: &str) -> Option<bool> {
    let at = text
        .find("\nfunc Register(")
        .map(|i| i + 1)
        .or_else(|| text.starts_with("func Register(").then_some(0))?;
    let rest = &text[at + "func Register(".len()..];
    let close = rest.find(')')?;
    // A signature broken over lines ends with a comma (gofmt keeps it): no empty parameter.
    let params: Vec<String> = rest[..close]
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.split_whitespace().last().unwrap_or("").to_string())
        .collect();
    let result = rest[close + 1..].trim_start();
    Some(params == PLUGIN_PARAMS && result.starts_with("error"))
}

/// The literal ids passed to `RegisterRpc("...", ...)`.
pub fn rpc_ids(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("RegisterRpc(") {
        rest = &rest[i + "RegisterRpc(".len()..];
        let t = rest.trim_start();
        if let Some(body) = t.strip_prefix('"') {
            if let Some(end) = body.find('"') {
                out.push(body[..end].to_ascii_lowercase());
            }
        }
    }
    out
}

/// The before/after hook registrations in a Go text, with the realtime message name for
/// `RegisterBeforeRt("…")`/`RegisterAfterRt("…")`: Nakama keeps one hook of each.
pub fn hook_calls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["RegisterBefore", "RegisterAfter"] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let tail = &rest[i..];
            let name_len = tail
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(tail.len());
            let name = &tail[..name_len];
            rest = &tail[name_len..];
            if !rest.starts_with('(') {
                continue;
            }
            let arg = rest[1..].trim_start();
            let id = arg
                .strip_prefix('"')
                .and_then(|a| a.split('"').next())
                .filter(|_| name.ends_with("Rt"));
            out.push(match id {
                Some(id) => format!("{name}(\"{id}\")"),
                None => name.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_clause_past_comments() {
        let src = "// Copyright\n/* block\n comment */\n\npackage stats // the stats\n";
        assert_eq!(package_clause(src).as_deref(), Some("stats"));
        assert_eq!(package_clause("packagex y"), None);
    }

    #[test]
    fn register_shapes() {
        let good = "package p\n\nfunc Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n";
        assert_eq!(register_shape(good), Some(true));
        let multi_line = "package p\n\nfunc Register(\n\tctx context.Context,\n\tlogger runtime.Logger,\n\tdb *sql.DB,\n\tnk runtime.NakamaModule,\n\tinitializer runtime.Initializer,\n) error {\n";
        assert_eq!(register_shape(multi_line), Some(true));
        assert_eq!(
            register_shape("package p\nfunc Register(i runtime.Initializer) error {}"),
            Some(false)
        );
        assert_eq!(register_shape("package p\nfunc register() {}"), None);
    }

    #[test]
    fn finds_hook_calls() {
        let src = "initializer.RegisterAfterAuthenticateDevice(f)\ninitializer.RegisterBeforeRt(\"ChannelMessageSend\", g)\nfunc RegisterBeforeX";
        assert_eq!(
            hook_calls(src),
            vec![
                "RegisterBeforeRt(\"ChannelMessageSend\")",
                "RegisterAfterAuthenticateDevice"
            ]
        );
    }

    #[test]
    fn importable_folder_names() {
        for ok in ["stats", "game-state", "v1.2", "a_b", "x~y", "c++"] {
            assert!(importable_folder(ok), "{ok}");
        }
        for bad in ["my stuff", "é", "a:b", "x.", ""] {
            assert!(!importable_folder(bad), "{bad}");
        }
    }

    #[test]
    fn finds_rpc_ids() {
        let src = r#"initializer.RegisterRpc("Profile_Get", h); initializer.RegisterRpc( "x", y); RegisterRpc(id, z)"#;
        assert_eq!(rpc_ids(src), vec!["profile_get", "x"]);
    }
}
