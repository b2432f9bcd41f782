//! The regeneration shared by `new`, `add-package` and `sync`: packages_gen.go and the
//! Dockerfile's package block, both rebuilt from the package folders (on disk plus planned).

use crate::docker::block as dockerfile;
use crate::packages::{self, Overlay, PackageDir};
use crate::plan::Plan;
use crate::text::{eol_of, restyle};
use crate::wiring;
use anyhow::{Context, Result};
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
    excluded.extend(plan.removals.iter().map(|r| crate::plan::slash(r)));
    let (pkgs, unusable): (Vec<PackageDir>, Vec<PackageDir>) = packages::discover(root, &overlay)?
        .into_iter()
        .filter(|p| !excluded.contains(&p.folder))
        .partition(|p| packages::importable_folder(&p.folder));
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

    let dockerfile = read_planned(root, &overlay, "Dockerfile")?.with_context(|| {
        format!(
            "no Dockerfile in {}; restore it from git (`git checkout -- Dockerfile`), it holds the package block scaffold maintains",
            root.display()
        )
    })?;
    let rewritten = match dockerfile::rewrite(&dockerfile, &folders, mode.force) {
        Err(dockerfile::BlockError::Missing) if mode.adopt => dockerfile::adopt(&dockerfile, &folders)
            .context("the Dockerfile has no builder stage with a COPY or `go build` line to put the package block next to; add `# scaffold:packages begin` and `# scaffold:packages end` lines where the package COPY lines belong, then run `scaffold sync`")?,
        other => other.map_err(|e| anyhow::anyhow!("Dockerfile: {e}"))?,
    };
    let generated = wiring::render(module, &pkgs);
    let existing = read_planned(root, &overlay, wiring::FILE)?;
    let generated = match &existing {
        Some(old) => restyle(&generated, eol_of(old), old),
        None => generated,
    };
    let calls = calls_register_packages(root, &overlay);
    plan.put("Dockerfile", rewritten)?;
    plan.put(wiring::FILE, generated)?;
    if !calls {
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

/// The folders scaffold.toml (as planned, or on disk) takes out of the build.
fn excluded_folders(root: &Path, overlay: &Overlay) -> Vec<String> {
    read_planned(root, overlay, crate::project::FILE)
        .ok()
        .flatten()
        .and_then(|t| toml::from_str::<crate::project::Record>(&t).ok())
        .map(|r| r.packages.excluded)
        .unwrap_or_default()
}

/// A file's text as planned, or as on disk; `None` when neither has it.
fn read_planned(root: &Path, overlay: &Overlay, rel: &str) -> Result<Option<String>> {
    if let Some(bytes) = overlay.get(Path::new(rel)) {
        return Ok(Some(String::from_utf8_lossy(bytes).into_owned()));
    }
    match fs::read_to_string(root.join(rel)) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", root.join(rel).display())),
    }
}

/// Whether a root Go file (as planned, or on disk) calls registerPackages, which main.go must
/// do for packages_gen.go to take effect.
fn calls_register_packages(root: &Path, overlay: &Overlay) -> bool {
    let mut names: Vec<String> = overlay
        .keys()
        .filter(|p| p.components().count() == 1)
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Ok(entries) = fs::read_dir(root) {
        names.extend(
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    names
        .iter()
        .filter(|n| n.ends_with(".go") && !n.ends_with("_test.go") && *n != wiring::FILE)
        .filter_map(|n| read_planned(root, overlay, n).ok().flatten())
        .any(|text| text.contains("registerPackages("))
}
