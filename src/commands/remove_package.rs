//! `scaffold remove-package NAME`: take a package out of the wiring and the Dockerfile block;
//! delete its folder only with `--delete`. Refused while other code still imports it.

use crate::cli::RemovePackageArgs;
use crate::plan::Plan;
use crate::regen::{self, Mode};
use crate::ui::Ui;
use crate::{gomod, packages, project};
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

pub fn run(args: RemovePackageArgs, ui: Ui) -> Result<()> {
    let root = project::find_root(&args.dir)?;
    let mut record = project::load(&root)?;
    // Shell completion offers `inventory/` and `./inventory/`; both name the folder.
    let name = args.name.trim_start_matches("./").trim_end_matches('/');
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        bail!(
            "`{}` is not a top-level package folder; give its name, e.g. `inventory`",
            args.name
        );
    }
    if !root.join(name).is_dir() {
        bail!("there is no package folder {name}/ in {}", root.display());
    }
    // Only a folder the build would copy can be taken out of it: not docs/, vendor/ or a
    // nested module.
    let packages = packages::discover(&root, &Default::default())?;
    if !packages.iter().any(|p| p.folder == name) {
        bail!(
            "{name}/ is not a package folder of this module (no Go code, a nested module, or a folder Go skips); nothing to remove"
        );
    }
    let module =
        gomod::parse(&fs::read_to_string(root.join("go.mod")).context("cannot read go.mod")?)?
            .module;
    let importers = importers_of(&root, &module, name)?;
    if !importers.is_empty() {
        bail!(
            "{name}/ is still imported by {}; remove those imports first",
            importers.join(", ")
        );
    }
    let mut plan = Plan::new(&root);
    if args.delete {
        plan.removals.push(PathBuf::from(name));
        record.packages.excluded.retain(|e| e != name);
    } else if !record.packages.excluded.iter().any(|e| e == name) {
        record.packages.excluded.push(name.to_string());
        record.packages.excluded.sort();
    }
    let text = fs::read_to_string(root.join(project::FILE)).unwrap_or_default();
    plan.put(project::FILE, record_text(&text, &record))?;
    let outcome = regen::plan(
        &root,
        &module,
        &mut plan,
        Mode {
            force: args.force,
            adopt: false,
        },
    )?;
    let mut warnings = outcome.warnings;
    if !args.delete {
        warnings.push(format!(
            "{name}/ stays on disk, out of the build; delete it with `scaffold remove-package {name} --delete`, or bring it back by removing it from `excluded` in scaffold.toml and running `scaffold sync`"
        ));
    }
    super::add_package::finish(
        "remove-package",
        &root,
        plan,
        warnings,
        args.dry_run,
        ui,
        &format!("package {name}"),
    )
}

/// scaffold.toml with only `[packages] excluded` edited in place, so the user's comments and
/// layout stay; the whole record written afresh when that edit does not give `updated`.
fn record_text(text: &str, updated: &project::Record) -> String {
    let list = &updated.packages.excluded;
    let quoted: Vec<String> = list.iter().map(|e| format!("{e:?}")).collect();
    let array = format!("[{}]", quoted.join(", "));
    let mut table = String::new();
    let mut header = None;
    let mut found = false;
    let mut lines: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(inner) = t.strip_prefix('[') {
            table = inner.split(']').next().unwrap_or("").trim().to_string();
            if table == "packages" {
                header = Some(lines.len());
            }
        }
        let is_key = t.split('=').next().map(str::trim) == Some("excluded");
        if table == "packages" && is_key && !found {
            found = true;
            if list.is_empty() {
                continue;
            }
            // A one-line array: `excluded = [...]`, maybe with a comment after it.
            if let Some(open) = line.find('[') {
                if let Some(close) = line[open..].find(']').map(|i| open + i) {
                    lines.push(format!("{}{array}{}", &line[..open], &line[close + 1..]));
                    continue;
                }
            }
        }
        lines.push(line.to_string());
    }
    if !found && !list.is_empty() {
        if header.is_none() {
            if lines.last().is_some_and(|l| !l.ends_with('\n')) {
                lines.push("\n".into());
            }
            lines.push("\n[packages]\n".into());
        }
        let at = header.map_or(lines.len(), |h| h + 1);
        lines.insert(at, format!("excluded = {array}\n"));
    }
    // A [packages] table left empty goes; at the end of the file, with the blank line before it.
    if let (Some(h), true) = (header, list.is_empty()) {
        let end = (h + 1..lines.len())
            .find(|&i| lines[i].trim().starts_with('['))
            .unwrap_or(lines.len());
        if lines[h + 1..end].iter().all(|l| l.trim().is_empty()) {
            let at_end = end == lines.len();
            lines.drain(h..end);
            if at_end && h > 0 && lines[h - 1].trim().is_empty() {
                lines.remove(h - 1);
            }
        }
    }
    let edited = lines.concat();
    match toml::from_str::<project::Record>(&edited) {
        Ok(r) if r == *updated => edited,
        _ => updated.to_toml(),
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
            } else if file_name.ends_with(".go") && rel != Path::new(crate::wiring::FILE) {
                let text = fs::read_to_string(&path)?;
                for (i, line) in text.lines().enumerate() {
                    let quoted = line.split('"').nth(1).unwrap_or("");
                    let imports = quoted == prefix || quoted.starts_with(&format!("{prefix}/"));
                    if imports && !line.trim_start().starts_with("//") {
                        found.push(format!("{}:{}", crate::plan::slash(rel), i + 1));
                    }
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRESH: &str = "# Written by scaffold\n[scaffold]\nversion = \"0.1.0\"\ntemplate = \"builtin:nakama-go\"\n\n[project]\nname = \"g\"\nmodule = \"example.com/g\"\nnakama = \"3.40.0\"\n";

    fn with(text: &str, excluded: &[&str]) -> String {
        let mut record: project::Record = toml::from_str(text).unwrap();
        record.packages.excluded = excluded.iter().map(|s| s.to_string()).collect();
        record_text(text, &record)
    }

    #[test]
    fn edits_the_exclusions_in_place() {
        let one = with(FRESH, &["inventory"]);
        assert_eq!(
            one,
            format!("{FRESH}\n[packages]\nexcluded = [\"inventory\"]\n")
        );
        let commented = one
            .replace("excluded = [", "# out for now\nexcluded = [")
            .replace("\"]\n", "\"] # see [notes]\n")
            + "# end\n";
        let two = with(&commented, &["inventory", "stats"]);
        assert_eq!(
            two,
            commented.replace("[\"inventory\"]", "[\"inventory\", \"stats\"]")
        );
        // Back to none: the table goes when nothing else is in it.
        assert_eq!(with(&one, &[]), FRESH);
        assert_eq!(
            with(&commented, &[]),
            commented.replace("excluded = [\"inventory\"] # see [notes]\n", "")
        );
    }

    #[test]
    fn writes_afresh_what_it_cannot_edit() {
        let multi = format!("{FRESH}\n[packages]\nexcluded = [\n  \"a\",\n]\n");
        let out = with(&multi, &["a", "b"]);
        let record: project::Record = toml::from_str(&out).unwrap();
        assert_eq!(record.packages.excluded, ["a", "b"]);
    }
}
