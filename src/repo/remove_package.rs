//! `scaffold remove-package`'s operation: take a package out of the wiring and the Dockerfile
//! block (listed as excluded in scaffold.toml), or delete its folder; refused while other code
//! still imports it, and a deletion refused while the folder holds uncommitted work.

use crate::error::{bail, Result};
use crate::go::{gomod, source};
use crate::repo::plan::Plan;
use crate::repo::regen::{self, Mode};
use crate::repo::{packages, project};
use std::fs;
use std::path::{Path, PathBuf};

/// Plans removing package folder `name` from the repo at `root`; updates `record` to match.
pub fn plan(
    root: &Path,
    record: &mut project::Record,
    name: &str,
    delete: bool,
    force: bool,
) -> Result<(Plan, Vec<String>)> {
    let packages = packages::discover(root, &Default::default())?;
    if !root.join(name).is_dir() {
        let known: Vec<&str> = packages.iter().map(|p| p.folder.as_str()).collect();
        bail!(
            "there is no package folder {name}/ in {}; its package folders: {}",
            root.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    // Only a folder the build would copy can be taken out of it: not docs/, vendor/ or a
    // nested module.
    if !packages.iter().any(|p| p.folder == name) {
        bail!(
            "{name}/ is not a package folder of this module (no Go code, a nested module, or a folder Go skips); nothing to remove"
        );
    }
    let module = gomod::module_of(root)?;
    let importers = importers_of(root, &module, name)?;
    if !importers.is_empty() {
        bail!(
            "{name}/ is still imported by {}; remove those imports first",
            importers.join(", ")
        );
    }
    if delete && !force {
        refuse_unsaved_work(root, name)?;
    }
    let mut plan = Plan::new(root);
    if delete {
        plan.removals.push(PathBuf::from(name));
        record.packages.excluded.retain(|e| e != name);
    } else if !record.packages.excluded.iter().any(|e| e == name) {
        record.packages.excluded.push(name.to_string());
        record.packages.excluded.sort();
    }
    let text = crate::files::read_to_string(&root.join(project::FILE)).unwrap_or_default();
    plan.put(project::FILE, project::record_text(&text, record))?;
    let outcome = regen::plan(
        root,
        &module,
        &mut plan,
        Mode {
            force,
            adopt: false,
        },
    )?;
    let mut warnings = outcome.warnings;
    if !delete {
        warnings.push(format!(
            "{name}/ stays on disk, out of the build; delete it with `scaffold remove-package {name} --delete`, or bring it back with `scaffold add-package {name}`"
        ));
    }
    Ok((plan, warnings))
}

/// Refuses to delete a folder that holds work no commit has: nothing would bring it back.
fn refuse_unsaved_work(root: &Path, name: &str) -> Result<()> {
    match crate::repo::git::not_in_head(&root.join(name))? {
        None => bail!(
            "{name}/ is not in a git repository, so nothing could bring its files back once deleted; commit it, or pass --force to delete it anyway"
        ),
        Some(files) if !files.is_empty() => {
            let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
            let more = match files.len() {
                n if n > 3 => format!(" and {} more", n - 3),
                _ => String::new(),
            };
            bail!(
                "{name}/ holds work no commit has ({}{more}); commit or stash it first, or pass --force to delete it anyway",
                shown.join(", ")
            )
        }
        Some(_) => Ok(()),
    }
}

/// The Go files outside `name/` that import it (or a package below it), as `path:line`.
fn importers_of(root: &Path, module: &str, name: &str) -> Result<Vec<String>> {
    let prefix = format!("{module}/{name}");
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let rel = path.strip_prefix(root).unwrap_or(&path);
            if entry.file_type()?.is_dir() {
                let top = dir == root;
                if !(packages::skipped_folder(&file_name) || (top && file_name == name)) {
                    stack.push(path);
                }
            } else if file_name.ends_with(".go")
                && rel != Path::new(crate::repo::wiring::FILE)
                // A link to a device or a FIFO is no Go file, and reading it would hang.
                && fs::metadata(&path).is_ok_and(|m| m.is_file())
            {
                let text = crate::files::read_to_string(&path)?;
                for import in source::parse(&text).imports {
                    let p = &import.path;
                    if *p == prefix || p.starts_with(&format!("{prefix}/")) {
                        found.push(format!("{}:{}", crate::files::slash(rel), import.line));
                    }
                }
            }
        }
    }
    found.sort();
    Ok(found)
}
