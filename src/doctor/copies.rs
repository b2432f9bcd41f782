//! D001: a package the plugin needs (or go.mod, go.sum) that the builder stage never copies
//! into the folder `go build` runs in — the seed bug: `COPY *.go .` and nothing for `profile/`.

use super::id;
use super::imports::not_found_message;
use super::report::Problem;
use super::{Facts, Finding, Remedy};
use crate::docker::block as managed;
use crate::docker::path::join;
use crate::docker::stage::GoBuild;

/// Where the missing COPY lines can go, and whether `--fix` may put them there.
pub(crate) enum Block {
    /// The managed block exists, is untouched and sits in the module root: (its 1-based line).
    Usable(usize),
    /// No block yet; `managed::adopt` adds one before the build line.
    Adoptable(usize),
    /// A person must add the line: (line to point at, why not automatic).
    Manual(usize, String),
}

pub(crate) fn block(f: &Facts, b: &GoBuild) -> Block {
    if !f.moddir.is_empty() {
        // The block copies `f/ f/` from the context root, which is not the module's folder.
        return Block::Manual(b.line, String::new());
    }
    match managed::find(&f.dockerfile) {
        Ok(Some(block)) => {
            let line = block.begin + 1;
            let stage_line = f.model.docker.stages[b.stage].line;
            if !managed::untouched(&block) {
                Block::Manual(line, format!("; the `{}` block (line {line}) was edited by hand, so --fix leaves it alone", managed::BEGIN))
            } else if line < stage_line || line > b.line {
                Block::Manual(line, format!("; the `{}` block (line {line}) is not in the builder stage before the build, so --fix leaves it alone", managed::BEGIN))
            } else if f.model.workdir_at(line).as_deref() != Some(f.modroot.as_str()) {
                Block::Manual(line, format!("; the `{}` block (line {line}) is not under WORKDIR {}, so --fix leaves it alone", managed::BEGIN, f.modroot))
            } else {
                Block::Usable(line)
            }
        }
        Ok(None) if b.stage == 0 => Block::Adoptable(b.line),
        Ok(None) => Block::Manual(b.line, String::new()),
        Err(e) => Block::Manual(b.line, format!("; --fix cannot use the package block: {e}")),
    }
}

/// The line to add for a package folder, and where.
pub(crate) fn copy_fix(f: &Facts, folder: &str, place: &Block) -> (usize, String, Vec<Remedy>) {
    let line = format!("COPY {}/ {folder}/", f.at(folder));
    match place {
        Block::Usable(l) => (
            *l,
            format!("add `{line}` to the `{}` block (line {l})", managed::BEGIN),
            vec![Remedy::CopyFolder(folder.to_string())],
        ),
        Block::Adoptable(l) => (
            *l,
            format!("add `{line}` before line {l}"),
            vec![Remedy::CopyFolder(folder.to_string())],
        ),
        Block::Manual(l, why) => (
            *l,
            format!("add `{line}` before the go build{why}"),
            Vec::new(),
        ),
    }
}

pub fn check(f: &Facts) -> Vec<Finding> {
    let mut out = missing_sources(f);
    // What the build needs is known only from its `go build` line.
    let Some(b) = &f.model.build else {
        return out;
    };
    if !module_files(f, b, &mut out) {
        return out;
    }
    replaced_folders(f, b, &mut out);
    absent_imports(f, &mut out);
    let place = block(f, b);
    out.extend(
        f.graph
            .packages
            .iter()
            .filter_map(|(dir, pkg)| package(f, b, &place, dir, pkg)),
    );
    out
}

/// COPY sources that are not in the context: the build stops at that line.
fn missing_sources(f: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    for crate::docker::replay::Missing {
        line,
        source: src,
        why,
    } in &f.model.image.missing
    {
        let restore = match src.trim_end_matches('/') {
            "go.sum" => "restore go.sum (`go mod tidy` writes it; commit it)".to_string(),
            other => format!("restore `{other}` or take it out of the COPY"),
        };
        out.push(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.dockerfile_path,
            *line,
            format!("COPY source `{src}` is not in the build context{why}; the build fails at this line with `not found`"),
            restore,
        )));
    }
    out
}

/// go.mod (and go.sum, when the build needs it) copied where go build runs; `false` when
/// go.mod is not, as nothing else can be judged then.
fn module_files(f: &Facts, b: &GoBuild, out: &mut Vec<Finding>) -> bool {
    let image = &f.model.image;
    let root = &f.modroot;
    if !image.files.contains_key(&join(root, "go.mod")) {
        out.push(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.dockerfile_path,
            b.line,
            format!("go.mod is never copied into {root}, where go build runs; the build fails with `go: go.mod file not found`"),
            format!(
                "add `COPY {} {} ./` before line {}",
                f.at("go.mod"),
                f.at("go.sum"),
                b.line
            ),
        )));
        return false;
    }
    let needs_sum = !f.vendor_mode && !f.gomod.requires.is_empty() && f.modrepo.is_file("go.sum");
    if needs_sum && !image.files.contains_key(&join(root, "go.sum")) {
        out.push(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.dockerfile_path,
            b.line,
            format!(
                "go.sum is never copied into {root}; the build fails with `missing go.sum entry`"
            ),
            format!(
                "add `COPY {} ./` next to the go.mod COPY, before line {}",
                f.at("go.sum"),
                b.line
            ),
        )));
    }

    true
}

/// A required module replaced by a folder: Go reads the folder's go.mod to build.
fn replaced_folders(f: &Facts, b: &GoBuild, out: &mut Vec<Finding>) {
    let image = &f.model.image;
    let root = &f.modroot;
    for crate::go::gomod::LocalReplace {
        path,
        dir: target,
        line,
    } in &f.gomod.local_replaces
    {
        if f.gomod.require(path).is_none() {
            continue;
        }
        let in_image = join(root, &format!("{target}/go.mod"));
        if image.files.contains_key(&in_image) {
            continue;
        }
        let ctx = crate::docker::path::clean(&f.at(target));
        let outside = ctx.starts_with("..") || target.starts_with('/');
        let fix = if outside {
            format!("{target} is outside the build context: move it into the repo (and change the replace), or build from a context that holds both")
        } else {
            let dest = target.trim_start_matches("./");
            format!("add `COPY {ctx}/ {dest}/` before line {}", b.line)
        };
        out.push(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.dockerfile_path,
            b.line,
            format!("go.mod replaces {path} with {target} (go.mod line {line}), which is never copied into {root}; the build fails with `{path}@{}: replacement directory {target} does not exist`", f.gomod.require(path).unwrap_or("")),
            fix,
        )));
    }
}

/// Imports of folders the repo does not have.
fn absent_imports(f: &Facts, out: &mut Vec<Finding>) {
    for a in &f.graph.absent {
        let fails = not_found_message(&a.path, f.vendor_mode);
        let fix = if a.file == crate::repo::wiring::FILE {
            "run `scaffold sync` (packages_gen.go still names a folder that was renamed or deleted)"
                .to_string()
        } else {
            format!("restore {}/ or fix the import", a.folder)
        };
        out.push(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.at(&a.file),
            a.line,
            format!(
                "imports `{}`, but the repo has no folder {}/; the build fails with `{fails}`",
                a.path, a.folder
            ),
            fix,
        )));
    }
}

/// One package the build compiles: a finding when some of its files (or what it embeds)
/// never reach the folder go build runs in.
fn package(
    f: &Facts,
    b: &GoBuild,
    place: &Block,
    dir: &str,
    pkg: &super::imports::Pkg,
) -> Option<Finding> {
    let image = &f.model.image;
    let root = &f.modroot;
    let ignore_file = f.ignore_file.as_deref().unwrap_or(".dockerignore");
    // Imported, but Go compiles none of its files on the builder.
    if let (true, Some((file, line))) = (pkg.files.is_empty() && !dir.is_empty(), &pkg.by) {
        return Some(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.at(file),
            *line,
            format!("{dir}/ is imported here, but build constraints or file names exclude every Go file in it on linux/amd64; the build fails with `build constraints exclude all Go files in {}`", join(root, dir)),
            format!("remove the import, or fix the `//go:build` lines or `_<os>`/`_<arch>` file names in {dir}/"),
        )));
    }
    let missing: Vec<&String> = pkg
        .files
        .iter()
        .chain(&pkg.inputs)
        .filter(|file| !image.files.contains_key(&join(root, file)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let what = if dir.is_empty() {
        format!("{} (the plugin's main package)", f.at(missing[0]))
    } else {
        format!("{}/", f.at(dir))
    };
    let by = pkg
        .by
        .as_ref()
        .map(|(file, _)| format!(" is imported by {} but", f.at(file)))
        .unwrap_or_default();
    let fails = not_found_message(&pkg.path, f.vendor_mode);

    // Hidden by .dockerignore: the file would be there without it.
    let hidden = missing
        .iter()
        .find(|file| f.model.bare.files.contains_key(&join(root, file)))
        .and_then(|file| f.ignore.decider(&f.at(file)).filter(|p| !p.exception));
    if let Some(pat) = hidden {
        let shown = if dir.is_empty() {
            f.at(missing[0])
        } else {
            format!("{}/", f.at(dir))
        };
        return Some(Finding::manual(Problem::new(
            id::NOT_COPIED,
            ignore_file,
            pat.line,
            tidy(&format!("{what}{by} is left out of the build context by `{}` (line {}), so the build never sees it", pat.text, pat.line)),
            format!("delete line {} of {ignore_file}, or add `!{shown}` below it", pat.line),
        )));
    }

    // A file the main package embeds or compiles from C, at the root or in a folder.
    let input = missing.iter().find(|m| pkg.inputs.contains(m));
    if let (true, Some(input)) = (dir.is_empty(), input) {
        let (line, fix, remedies) = match input.split_once('/') {
            Some((top, _)) => copy_fix(f, top, place),
            None => (
                b.line,
                format!("add `COPY {} ./` before line {} (in a repo made by scaffold, `scaffold sync` puts it in the block)", f.at(input), b.line),
                Vec::new(),
            ),
        };
        return Some(Finding::fixable(
            Problem::new(
                id::NOT_COPIED,
                &f.dockerfile_path,
                line,
                format!("{input} is read by the plugin's main package (`//go:embed` or cgo) but never copied into {root}; the build fails"),
                fix,
            ),
            remedies,
        ));
    }
    if dir.is_empty() {
        let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        return Some(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.dockerfile_path,
            b.line,
            format!(
                "{} (the plugin's main package) {} never copied into {root}, where go build runs",
                names.join(", "),
                if names.len() == 1 { "is" } else { "are" }
            ),
            format!("add `COPY {} ./` before line {}", f.at("*.go"), b.line),
        )));
    }

    let top = dir.split('/').next().unwrap_or(dir);
    // scaffold.toml took it out of the build: adding the COPY back would only be undone by
    // the next `scaffold sync`, so say what sync says.
    if excluded(f).iter().any(|e| e == top) {
        return Some(Finding::manual(Problem::new(
            id::NOT_COPIED,
            &f.at(crate::repo::project::FILE),
            1,
            tidy(&format!("{what}{by} is excluded from the build in scaffold.toml ([packages] excluded), so the build fails with `{fails}`")),
            format!("bring it back (`scaffold add-package {top}`), or remove the import"),
        )));
    }
    let (line, fix, remedies) = copy_fix(f, top, place);
    // Copied, but to a folder go build does not look in.
    let elsewhere = image.files.iter().find_map(|(abs, p)| {
        missing
            .iter()
            .find(|m| f.at(m) == p.from)
            .map(|m| (abs, p, m))
    });
    let message = if let Some((abs, placed, m)) = elsewhere {
        format!(
            "{what}{by} is copied to the wrong place: line {} puts {} at {abs}, not at {}, so go build (in {root}) fails with `{fails}`",
            placed.line,
            placed.from,
            join(root, m)
        )
    } else if missing.len() < pkg.files.len() {
        let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        format!(
            "{what}{by} is copied only in part: {} never reaches {root}",
            names.join(", ")
        )
    } else {
        format!("{what}{by} is never copied into {root}; the build fails with `{fails}`")
    };
    Some(Finding::fixable(
        Problem::new(
            id::NOT_COPIED,
            &f.dockerfile_path,
            line,
            tidy(&message),
            fix,
        ),
        remedies,
    ))
}

/// The folders scaffold.toml takes out of the build (none when there is no scaffold.toml).
fn excluded(f: &Facts) -> Vec<String> {
    f.modrepo
        .text(crate::repo::project::FILE)
        .and_then(|t| toml::from_str::<crate::repo::project::Record>(&t).ok())
        .map(|r| r.packages.excluded)
        .unwrap_or_default()
}

/// `profile/ is imported by main.go but is never copied` reads better without the second "is".
fn tidy(message: &str) -> String {
    message.replacen(" but is ", " but ", 1)
}
