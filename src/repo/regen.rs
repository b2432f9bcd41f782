//! The regeneration shared by `new`, `add-package` and `sync`: packages_gen.go and the
//! Dockerfile's package block, both rebuilt from the package folders (on disk plus planned).

use crate::docker::block as dockerfile;
use crate::error::{bail, Context, Result};
use crate::go::GoFile;
use crate::repo::packages::{self, Overlay, PackageDir};
use crate::repo::plan::Plan;
use crate::repo::wiring;
use crate::text::{eol_of, restyle};
use std::fs;
use std::path::Path;

/// What a regeneration found, besides the planned changes.
pub struct Outcome {
    pub packages: Vec<PackageDir>,
    pub warnings: Vec<String>,
}

/// How to treat the Dockerfile's block.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// Replace a hand-edited block.
    pub force: bool,
    /// Add a block to a Dockerfile that has none.
    pub adopt: bool,
}

/// Plans packages_gen.go and the Dockerfile block for the repo at `root`, counting the files
/// already planned in `plan` as present.
pub fn plan(root: &Path, module: &str, plan: &mut Plan, mode: Mode) -> Result<Outcome> {
    let overlay: Overlay = plan
        .changes
        .iter()
        .map(|c| (c.path.clone(), c.after.as_slice()))
        .collect();
    let mut excluded = excluded_folders(root, &overlay);
    excluded.extend(plan.removals.iter().map(|r| crate::files::slash(r)));
    let (pkgs, unusable): (Vec<PackageDir>, Vec<PackageDir>) = packages::discover(root, &overlay)?
        .into_iter()
        .filter(|p| !excluded.contains(&p.folder))
        .partition(|p| crate::go::build::importable_element(&p.folder));
    let mut warnings = Vec::new();
    // `COPY my stuff/ my stuff/` would break the Docker build, and Go refuses the import path.
    for p in &unusable {
        warnings.push(format!(
            "{}/ holds Go code, but Go cannot import a folder of that name (use letters, digits and `-._~+`); it is neither copied nor wired until you rename it",
            p.folder
        ));
    }
    for p in pkgs.iter().filter(|p| p.odd_register) {
        warnings.push(format!(
            "{}/ declares a Register that is not `func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error`; packages_gen.go does not call it",
            p.folder
        ));
    }
    let folders: Vec<String> = pkgs.iter().map(|p| p.folder.clone()).collect();
    // The whole module is read only when a rule needs it: an excluded folder, or a nested
    // package (1,000 flat packages stay one pass over the top folders).
    if !excluded.is_empty() || pkgs.iter().any(|p| p.nested) {
        // packages_gen.go is rebuilt here, so its old imports do not count.
        let mut files = packages::module_go_files(root, &overlay)?;
        files.retain(|(path, _)| path != wiring::FILE);
        refuse_excluded_imports(module, &excluded, &files)?;
        warnings.extend(unwired_nested(module, &files));
    }

    let dockerfile = read_planned(root, &overlay, "Dockerfile")?.with_context(|| {
        format!(
            "no Dockerfile in {}; restore it from git (`git checkout -- Dockerfile`), it holds the package block scaffold maintains",
            root.display()
        )
    })?;
    // The root package's embeds and cgo sources go into the block beside the packages.
    let (asset_dirs, root_files) = packages::root_inputs(root, &overlay)?;
    let folders: Vec<String> = folders
        .iter()
        .cloned()
        .chain(asset_dirs)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    refuse_ignored_inputs(root, &overlay, &pkgs, &folders, &root_files)?;
    let block_for = |root_files: &[String]| -> Result<String> {
        let wanted = dockerfile::copy_lines(&folders, root_files);
        Ok(match dockerfile::rewrite(&dockerfile, &wanted, mode.force) {
            Err(dockerfile::BlockError::Missing) if mode.adopt => dockerfile::adopt(&dockerfile, &folders, root_files)
                .context("the Dockerfile has no builder stage with a COPY or `go build` line to put the package block next to; add `# scaffold:packages begin` and `# scaffold:packages end` lines where the package COPY lines belong, then run `scaffold sync`")?,
            other => other.map_err(|e| crate::error::err!("Dockerfile: {e}"))?,
        })
    };
    let mut rewritten = block_for(&root_files)?;
    // A Dockerfile that copies the root's files one by one (`COPY main.go go.mod go.sum ./`)
    // never copies packages_gen.go: the block copies it then, or calling registerPackages
    // fails the build with `undefined: registerPackages`. Decided on the block without it, so
    // every run decides the same.
    if !copies_wiring(root, &overlay, &rewritten) {
        let mut with = root_files.clone();
        with.push(wiring::FILE.to_string());
        rewritten = block_for(&with)?;
    }
    // A hand-made repo may already have a block (`doctor --fix` adds one for the folders it
    // found missing) beside its own COPY lines: adopting folds those in too.
    let rewritten = if mode.adopt {
        dockerfile::fold(&rewritten, &folders)
    } else {
        rewritten
    };
    let generated = wiring::render_in(&root_package(root, &overlay), module, &pkgs);
    let existing = read_planned(root, &overlay, wiring::FILE)?;
    let generated = match &existing {
        Some(old) => restyle(&generated, eol_of(old), old),
        None => generated,
    };
    let calls = calls_register_packages(root, &overlay);
    let wires_itself = root_calls_register(root, &overlay);
    plan.put("Dockerfile", rewritten)?;
    plan.put(wiring::FILE, generated)?;
    if !calls && wires_itself {
        // Calling registerPackages beside those calls would register each RPC twice.
        warnings.push(format!(
            "InitModule wires the packages itself (it calls their Register), so {} is not called: a package folder added later is not wired until you replace those calls with `if err := registerPackages(ctx, logger, db, nk, initializer); err != nil {{ return err }}`",
            wiring::FILE
        ));
    } else if !calls {
        warnings.push(format!(
            "no Go file at the root calls registerPackages; add `if err := registerPackages(ctx, logger, db, nk, initializer); err != nil {{ return err }}` to InitModule so {} takes effect",
            wiring::FILE
        ));
    }
    Ok(Outcome {
        packages: pkgs,
        warnings,
    })
}

/// Refuses a block whose inputs the ignore file (`Dockerfile.dockerignore`, else
/// `.dockerignore`) leaves out of the build context: a package's
/// Go file (the build fails, or an RPC is never registered), an embedded folder or a cgo
/// source. The COPY line would be written, the command would exit 0, and the Docker build
/// would fail.
fn refuse_ignored_inputs(
    root: &Path,
    overlay: &Overlay,
    pkgs: &[PackageDir],
    folders: &[String],
    root_files: &[String],
) -> Result<()> {
    // BuildKit reads `Dockerfile.dockerignore` (beside the Dockerfile) before `.dockerignore`.
    let mut found = None;
    for name in ["Dockerfile.dockerignore", ".dockerignore"] {
        if let Some(text) = read_planned(root, overlay, name)? {
            found = Some((name, text));
            break;
        }
    }
    let Some((file, text)) = found else {
        return Ok(());
    };
    let ignore = crate::docker::ignore::DockerIgnore::parse(&text);
    let sources = pkgs.iter().flat_map(|p| {
        p.sources
            .iter()
            .map(move |f| (p.folder.as_str(), format!("{}/{f}", p.folder)))
    });
    let others = folders
        .iter()
        .chain(root_files)
        .map(|f| (f.split('/').next().unwrap_or(f), f.clone()));
    for (folder, path) in sources.chain(others) {
        if let Some(p) = ignore.decider(&path).filter(|p| !p.exception) {
            bail!(
                "{file} line {} `{}` leaves {path} out of the Docker build context, so the build would fail without it; add `!{folder}/` below that line (or take the line out), then run this again; nothing was changed",
                p.line,
                p.text
            );
        }
    }
    Ok(())
}

/// Refuses a build that imports a folder scaffold.toml takes out of it: the Docker build would
/// fail with "is not in std" while `sync` stayed green, and doctor would add the COPY back.
fn refuse_excluded_imports(
    module: &str,
    excluded: &[String],
    files: &[(String, GoFile)],
) -> Result<()> {
    for folder in excluded {
        let prefix = format!("{module}/{folder}");
        let importers: Vec<String> = files
            .iter()
            .filter(|(path, _)| !path.starts_with(&format!("{folder}/")))
            .flat_map(|(path, f)| f.imports.iter().map(move |i| (path, i)))
            .filter(|(_, i)| i.path == prefix || i.path.starts_with(&format!("{prefix}/")))
            .map(|(path, i)| format!("{path}:{}", i.line))
            .collect();
        if !importers.is_empty() {
            bail!(
                "{folder}/ is excluded from the build (scaffold.toml [packages] excluded) but {} imports it, so the Docker build would fail; bring it back (`scaffold add-package {folder}`) or remove the import",
                importers.join(", ")
            );
        }
    }
    Ok(())
}

/// Nested packages (`internal/store/`) that declare Nakama's `Register` but that no file of
/// the module imports: Go never builds them, so their RPCs would answer 404. packages_gen.go
/// wires top-level folders only; a nested package is wired by the package that imports it.
fn unwired_nested(module: &str, files: &[(String, GoFile)]) -> Vec<String> {
    let mut dirs: Vec<&str> = files
        .iter()
        .filter(|(path, f)| {
            path.matches('/').count() >= 2 && packages::register_shape(f) == Some(true)
        })
        .map(|(path, _)| path.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    dirs.dedup();
    dirs.into_iter()
        .filter(|dir| {
            let path = format!("{module}/{dir}");
            !files
                .iter()
                .any(|(_, f)| f.imports.iter().any(|i| i.path == path))
        })
        .map(|dir| {
            let top = dir.split('/').next().unwrap_or(dir);
            format!(
                "{dir}/ declares Nakama's Register, but no package imports it, so Go never builds it and its RPCs would answer 404; packages_gen.go wires top-level folders only: import it from {top}/ and call its Register there, or move it to the top level"
            )
        })
        .collect()
}

/// The folders scaffold.toml (as planned, or on disk) takes out of the build.
fn excluded_folders(root: &Path, overlay: &Overlay) -> Vec<String> {
    read_planned(root, overlay, crate::repo::project::FILE)
        .ok()
        .flatten()
        .and_then(|t| toml::from_str::<crate::repo::project::Record>(&t).ok())
        .map(|r| r.packages.excluded)
        .unwrap_or_default()
}

/// A file's text as planned, or as on disk; `None` when neither has it.
fn read_planned(root: &Path, overlay: &Overlay, rel: &str) -> Result<Option<String>> {
    if let Some(bytes) = overlay.get(Path::new(rel)) {
        return Ok(Some(String::from_utf8_lossy(bytes).into_owned()));
    }
    match crate::files::read_to_string(&root.join(rel)) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", root.join(rel).display())),
    }
}

/// Whether a root Go file (as planned, or on disk) calls registerPackages, which main.go must
/// do for packages_gen.go to take effect.
fn calls_register_packages(root: &Path, overlay: &Overlay) -> bool {
    root_go_files(root, overlay)
        .iter()
        .filter_map(|n| read_planned(root, overlay, n).ok().flatten())
        .any(|text| {
            crate::go::source::parse(&text)
                .calls
                .iter()
                .any(|c| c.name == "registerPackages")
        })
}

/// The package name the root's Go files declare (`main` when none does): packages_gen.go
/// joins that package.
fn root_package(root: &Path, overlay: &Overlay) -> String {
    root_go_files(root, overlay)
        .iter()
        .filter_map(|n| read_planned(root, overlay, n).ok().flatten())
        .filter_map(|text| crate::go::source::parse(&text).package)
        .next()
        .unwrap_or_else(|| "main".to_string())
}

/// The root's Go files (on disk and planned), tests and packages_gen.go left out; sorted.
fn root_go_files(root: &Path, overlay: &Overlay) -> Vec<String> {
    let mut names: Vec<String> = overlay
        .keys()
        .filter(|p| p.components().count() == 1)
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Ok(entries) = fs::read_dir(root) {
        names.extend(
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    names.retain(|n| n.ends_with(".go") && !n.ends_with("_test.go") && n != wiring::FILE);
    names.sort();
    names.dedup();
    names
}

/// Whether the Dockerfile `text` puts packages_gen.go into the image the plugin is built in
/// (read as doctor reads the build: COPY sources, globs, WORKDIR and the ignore file).
fn copies_wiring(root: &Path, overlay: &Overlay, text: &str) -> bool {
    use crate::docker::tree::{Kind, Repo};
    let mut repo = Repo::load(root);
    for path in overlay.keys() {
        let rel = crate::files::slash(path);
        let mut at = 0;
        while let Some(p) = rel[at..].find('/') {
            repo.entries
                .entry(rel[..at + p].to_string())
                .or_insert(Kind::Dir);
            at += p + 1;
        }
        repo.entries.insert(rel, Kind::File);
    }
    repo.entries.insert(wiring::FILE.to_string(), Kind::File);
    let ignore = ["Dockerfile.dockerignore", ".dockerignore"]
        .iter()
        .find_map(|f| read_planned(root, overlay, f).ok().flatten())
        .map(|t| crate::docker::ignore::DockerIgnore::parse(&t))
        .unwrap_or_default();
    let model = crate::docker::stage::Model::new(text, &repo, &ignore);
    // No build in sight (a script builds): the block cannot tell, and adds nothing.
    model.build.is_none()
        || model
            .image
            .files
            .values()
            .any(|placed| placed.from == wiring::FILE)
}

/// Whether a root Go file calls a package's `Register` itself (`profile.Register(...)`).
fn root_calls_register(root: &Path, overlay: &Overlay) -> bool {
    root_go_files(root, overlay)
        .iter()
        .filter_map(|n| read_planned(root, overlay, n).ok().flatten())
        .any(|text| {
            crate::go::source::parse(&text)
                .calls
                .iter()
                .any(|c| c.name == "Register")
        })
}
