//! Finds the package folders actually on disk (plus any planned ones): what the Dockerfile must
//! copy and which packages the generated wiring registers.

use crate::docker::parse::Keyword;
use crate::error::{Context, Result};
use crate::go::build::ignored_name;
use crate::go::source::{self, GoFile};
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
    /// Some folder below it holds Go code (a nested package).
    pub nested: bool,
    /// Its own files the builder compiles (not tests), by name.
    pub sources: Vec<String>,
}

/// Files planned but not yet on disk, by repo-relative path; they count as present.
pub type Overlay<'a> = BTreeMap<PathBuf, &'a [u8]>;

/// What decides which files the plugin's build compiles, read from the Dockerfile as planned
/// (or on disk): the build line's `-tags` and the builder image's Go (its `go1.N` tags).
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    pub tags: Vec<String>,
    pub go_minor: Option<u64>,
}

impl BuildContext {
    /// The context of the repo at `root`; the default (no tags, any Go) without a Dockerfile or
    /// a `go build` in it.
    pub fn read(root: &Path, overlay: &Overlay) -> BuildContext {
        let text = match overlay.get(Path::new("Dockerfile")) {
            Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            None => match crate::files::read_to_string(&root.join("Dockerfile")) {
                Ok(t) => t,
                Err(_) => return BuildContext::default(),
            },
        };
        let stages = crate::docker::replay::Stages::read(&text);
        // The plugin's build: the first with -buildmode=plugin, else the first `go build`.
        let mut found: Option<(usize, Vec<String>, bool)> = None;
        for (si, st) in stages.stages.iter().enumerate() {
            for ins in &stages.df.instructions[st.start..st.end] {
                if ins.keyword != Keyword::Run {
                    continue;
                }
                for cmd in crate::docker::buildline::go_builds(ins) {
                    let goflags = cmd
                        .env
                        .iter()
                        .rev()
                        .find(|(k, _)| k == "GOFLAGS")
                        .map(|(_, v)| v.as_str());
                    let (flags, _) = crate::docker::buildline::parse_flags(&cmd.args, goflags);
                    let plugin = flags.buildmode.as_deref() == Some("plugin");
                    if found.as_ref().is_none_or(|f| plugin && !f.2) {
                        found = Some((si, flags.tags, plugin));
                    }
                }
            }
        }
        let Some((stage, tags, _)) = found else {
            return BuildContext::default();
        };
        let base = &stages.stages[stages.chain(stage)[0]].base;
        let go_minor = crate::versions::builder_go(base)
            .ok()
            .and_then(|g| crate::go::GoVersion::parse(&g))
            .map(|v| v.1);
        BuildContext { tags, go_minor }
    }

    /// Whether Go compiles this non-test file in this build.
    pub fn builds(&self, name: &str, file: &GoFile) -> bool {
        crate::go::build::builds(name, file, &self.tags, self.go_minor)
    }
}

/// Top-level folders never copied: Go ignores them, and vendor/ is `go mod vendor`'s.
pub fn skipped_folder(name: &str) -> bool {
    ignored_name(name) || name == "vendor"
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
    let build = BuildContext::read(root, overlay);
    let mut out = Vec::new();
    for folder in folders {
        if skipped_folder(&folder) || root.join(&folder).join("go.mod").exists() {
            continue;
        }
        if let Some(pkg) = inspect(root, &folder, overlay, &build)? {
            out.push(pkg);
        }
    }
    Ok(out)
}

/// Reads one top-level folder: `None` when no Go file lives anywhere below it.
fn inspect(
    root: &Path,
    folder: &str,
    overlay: &Overlay,
    build: &BuildContext,
) -> Result<Option<PackageDir>> {
    // The folder's own .go files (not tests) tell its package name, Register and RPC ids.
    let mut top: BTreeMap<String, String> = BTreeMap::new();
    let mut has_tests = false;
    let mut nested = false;
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
            let text = crate::files::read_to_string(&entry.path())
                .with_context(|| format!("reading {}", entry.path().display()))?;
            top.insert(name, text);
        } else if name.ends_with("_test.go") {
            has_tests = true;
        } else if !nested
            && !skipped_folder(&name)
            && entry.file_type()?.is_dir()
            && go_anywhere(&entry.path())?
        {
            nested = true;
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
    nested = nested
        || overlay.keys().any(|p| {
            p.starts_with(folder)
                && p.extension().is_some_and(|e| e == "go")
                && p.components().count() > 2
        });
    let counts = !top.is_empty() || has_tests || nested;
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
        nested,
        sources: Vec::new(),
    };
    for (file_name, text) in &top {
        let file = source::parse(text);
        // Only the files Go compiles on the builder say what the package is and registers.
        if !build.builds(file_name, &file) {
            continue;
        }
        pkg.sources.push(file_name.clone());
        if pkg.name.is_none() {
            pkg.name = file.package.clone();
        }
        match register_shape(&file) {
            Some(true) => pkg.registers = true,
            Some(false) => pkg.odd_register = true,
            None => {}
        }
        pkg.rpc_ids.extend(rpc_ids(&file));
        pkg.hooks.extend(hook_calls(&file));
    }
    // A folder of `package main` (a tool) is copied but cannot be imported.
    if pkg.name.as_deref() == Some("main") {
        pkg.registers = false;
    }
    Ok(Some(pkg))
}

fn is_go_source(name: &str) -> bool {
    name.ends_with(".go") && !name.ends_with("_test.go") && !ignored_name(name)
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

/// Every non-test Go file of the module that Go compiles on the builder, as planned or on disk,
/// parsed: the root and every folder below it except what Go skips (`.x`, `_x`, testdata),
/// vendor/ and nested modules. Sorted by path.
pub fn module_go_files(root: &Path, overlay: &Overlay) -> Result<Vec<(String, GoFile)>> {
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let enter = |rel: &str, name: &str, path: &Path| {
        !(ignored_name(name)
            || (rel.is_empty() && name == "vendor")
            || path.join("go.mod").exists())
    };
    walk_files(root, enter, |path, name, full| {
        if is_go_source(name) {
            let text = crate::files::read_to_string(full)
                .with_context(|| format!("reading {}", full.display()))?;
            texts.insert(path, text);
        }
        Ok(())
    })?;
    for (path, bytes) in overlay {
        let rel = crate::files::slash(path);
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let hidden = rel.split('/').any(ignored_name) || rel.starts_with("vendor/");
        if is_go_source(name) && !hidden {
            texts.insert(rel.clone(), String::from_utf8_lossy(bytes).into_owned());
        }
    }
    let build = BuildContext::read(root, overlay);
    Ok(texts
        .into_iter()
        .map(|(path, text)| (path, source::parse(&text)))
        .filter(|(path, file)| build.builds(path.rsplit('/').next().unwrap_or(path), file))
        .collect())
}

const PLUGIN_PARAMS: [&str; 5] = [
    "context.Context",
    "runtime.Logger",
    "*sql.DB",
    "runtime.NakamaModule",
    "runtime.Initializer",
];

/// Every regular file below `root` on disk, handed to `file` with its `/`-separated relative
/// path, its name and its full path; a folder is walked when `enter(parent, name, path)` says
/// so (`parent` is "" at the root). A missing root (`new`'s, before it is written) has none.
fn walk_files(
    root: &Path,
    enter: impl Fn(&str, &str, &Path) -> bool,
    mut file: impl FnMut(String, &str, &Path) -> Result<()>,
) -> Result<()> {
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let ft = entry.file_type()?;
            if ft.is_dir() {
                if enter(&rel, &name, &entry.path()) {
                    stack.push((entry.path(), path));
                }
            } else if ft.is_file() {
                file(path, &name, &entry.path())?;
            }
        }
    }
    Ok(())
}

/// Every regular file of the repo (disk and planned), `/`-separated and relative, `.git` left
/// out: what a root `//go:embed` pattern is matched against.
fn repo_files(root: &Path, overlay: &Overlay) -> Result<Vec<String>> {
    let mut found: BTreeSet<String> = overlay.keys().map(|p| crate::files::slash(p)).collect();
    let enter = |rel: &str, name: &str, _: &Path| !(rel.is_empty() && name == ".git");
    walk_files(root, enter, |path, _, _| {
        found.insert(path);
        Ok(())
    })?;
    Ok(found.into_iter().collect())
}

/// What the root package's build reads besides `*.go`, go.mod and go.sum: the top-level
/// folders and the files its `//go:embed` patterns name, and its cgo or assembly sources. The
/// Dockerfile's block copies them, since `COPY *.go ./` does not.
pub fn root_inputs(root: &Path, overlay: &Overlay) -> Result<(Vec<String>, Vec<String>)> {
    // The root's entries, on disk and planned: (name, is a folder).
    let mut entries: BTreeMap<String, bool> = BTreeMap::new();
    match fs::read_dir(root) {
        Ok(read) => {
            for entry in read {
                let entry = entry?;
                let ft = entry.file_type()?;
                // Only folders and regular files: a FIFO or a device is never read.
                if ft.is_dir() || ft.is_file() {
                    entries.insert(
                        entry.file_name().to_string_lossy().into_owned(),
                        ft.is_dir(),
                    );
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", root.display())),
    }
    for path in overlay.keys() {
        let mut comps = path.components();
        if let Some(first) = comps.next() {
            let dir = comps.next().is_some();
            entries.insert(first.as_os_str().to_string_lossy().into_owned(), dir);
        }
    }
    let build = BuildContext::read(root, overlay);
    let mut files: Vec<(String, GoFile)> = Vec::new();
    for name in entries
        .iter()
        .filter(|(n, dir)| !**dir && is_go_source(n))
        .map(|(n, _)| n)
    {
        let text = match overlay.get(Path::new(name)) {
            Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            None => crate::files::read_to_string(&root.join(name))
                .with_context(|| format!("reading {}", root.join(name).display()))?,
        };
        let file = source::parse(&text);
        if build.builds(name, &file) {
            files.push((name.clone(), file));
        }
    }
    let (mut dirs, mut out) = (BTreeSet::new(), BTreeSet::new());
    let patterns: Vec<&String> = files
        .iter()
        .flat_map(|(_, f)| &f.embeds)
        .map(|(p, _)| p)
        .collect();
    if !patterns.is_empty() {
        // What the patterns take, by Go's rule (`crate::go::build::embedded`), copied by its
        // top folder or as a root file.
        let all = repo_files(root, overlay)?;
        for pattern in patterns {
            for file in crate::go::build::embedded(pattern, &all) {
                match file.split_once('/') {
                    Some((top, _)) => dirs.insert(top.to_string()),
                    None if file != "go.mod" && file != "go.sum" => out.insert(file.clone()),
                    None => false,
                };
            }
        }
    }
    let cgo = files.iter().any(|(_, f)| f.uses_cgo());
    let names: Vec<String> = entries
        .iter()
        .filter(|(_, d)| !**d)
        .map(|(n, _)| n.clone())
        .collect();
    out.extend(crate::go::build::other_sources(&names, cgo).cloned());
    Ok((dirs.into_iter().collect(), out.into_iter().collect()))
}

/// `Some(true)` when the file declares `func Register` with the plugin's parameters and an
/// `error` result, `Some(false)` for another shape, `None` when it declares none.
pub fn register_shape(file: &GoFile) -> Option<bool> {
    let mut shapes = file
        .funcs_named("Register")
        .map(|f| f.params == PLUGIN_PARAMS && f.results == ["error"]);
    shapes.next()
}

/// The literal ids passed to `RegisterRpc("...", ...)`, lower-cased as Nakama compares them.
pub fn rpc_ids(file: &GoFile) -> Vec<String> {
    file.calls
        .iter()
        .filter(|c| c.name == "RegisterRpc")
        .filter_map(|c| c.first_string.as_ref())
        .map(|id| id.to_ascii_lowercase())
        .collect()
}

/// The before/after hook registrations in a Go file, with the realtime message name for
/// `RegisterBeforeRt("…")`/`RegisterAfterRt("…")`: Nakama keeps one hook of each.
pub fn hook_calls(file: &GoFile) -> Vec<String> {
    file.calls
        .iter()
        .filter(|c| c.name.starts_with("RegisterBefore") || c.name.starts_with("RegisterAfter"))
        .map(|c| match (&c.first_string, c.name.ends_with("Rt")) {
            (Some(id), true) => format!("{}(\"{id}\")", c.name),
            _ => c.name.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_shapes() {
        let good = "package p\n\nfunc Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n";
        assert_eq!(register_shape(&source::parse(good)), Some(true));
        let multi_line = "package p\n\nfunc Register(\n\tctx context.Context,\n\tlogger runtime.Logger,\n\tdb *sql.DB,\n\tnk runtime.NakamaModule,\n\tinitializer runtime.Initializer,\n) error {\n";
        assert_eq!(register_shape(&source::parse(multi_line)), Some(true));
        assert_eq!(
            register_shape(&source::parse(
                "package p\nfunc Register(i runtime.Initializer) error {}"
            )),
            Some(false)
        );
        assert_eq!(
            register_shape(&source::parse("package p\nfunc register() {}")),
            None
        );
        // A Register inside a comment is not declared (it used to be wired, and broke vet).
        let commented = format!("package p\n/*\n{}\n*/\n", &good["package p\n\n".len()..]);
        assert_eq!(register_shape(&source::parse(&commented)), None);
    }

    #[test]
    fn finds_hook_calls() {
        let src = "package p\nfunc f() {\ninitializer.RegisterAfterAuthenticateDevice(f)\ninitializer.RegisterBeforeRt(\"ChannelMessageSend\", g)\n// initializer.RegisterBeforeRt(\"MatchDataSend\", g)\n}\nfunc RegisterBeforeX() {}";
        assert_eq!(
            hook_calls(&source::parse(src)),
            vec![
                "RegisterAfterAuthenticateDevice",
                "RegisterBeforeRt(\"ChannelMessageSend\")"
            ]
        );
    }

    #[test]
    fn finds_rpc_ids() {
        let src = r#"package p
func f() { initializer.RegisterRpc("Profile_Get", h); initializer.RegisterRpc( "x", y); RegisterRpc(id, z) }
// initializer.RegisterRpc("old", h)
var s = `initializer.RegisterRpc("in_string", h)`"#;
        assert_eq!(rpc_ids(&source::parse(src)), vec!["profile_get", "x"]);
    }
}
