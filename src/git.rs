//! git2: start a repository and make its first commit, as `cargo new` does, and read a work
//! tree's state. Built without TLS: nothing here talks to the network (remote scaffolds are
//! cloned with the `git` command, see `source.rs`), so no OpenSSL is linked or loaded.

use crate::error::{Context, Result};
use git2::{IndexAddOption, Repository, Signature};
use std::path::Path;

/// True when `dir` (or the nearest existing parent) is already inside a git work tree.
pub fn inside_work_tree(dir: &Path) -> bool {
    let probe = dir
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("."));
    Repository::discover(probe)
        .map(|r| !r.is_bare())
        .unwrap_or(false)
}

/// `git init` in `dir`, then one commit of the whole tree. Works without a configured identity.
pub fn init_and_commit(dir: &Path, message: &str) -> Result<()> {
    let repo =
        Repository::init(dir).with_context(|| format!("git init in {} failed", dir.display()))?;
    let mut index = repo.index()?;
    index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = repo
        .signature()
        .or_else(|_| Signature::now("scaffold", "scaffold@localhost"))?;
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &[])
        .context("the first git commit failed")?;
    Ok(())
}

/// The changed or untracked files below `dir` (ignored ones excluded), as paths from the
/// work tree's top; `None` when `dir` is not in a git work tree.
pub fn unsaved_under(dir: &Path) -> Result<Option<Vec<String>>> {
    let repo = match Repository::discover(dir) {
        Ok(r) if !r.is_bare() => r,
        _ => return Ok(None),
    };
    let top = repo
        .workdir()
        .and_then(|w| w.canonicalize().ok())
        .context("the git repository has no work tree")?;
    let inside = dir.canonicalize()?;
    let rel = inside.strip_prefix(&top).unwrap_or(&inside);
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .pathspec(rel);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(Some(
        statuses
            .iter()
            .filter(|s| s.status() != git2::Status::CURRENT)
            .filter_map(|s| s.path().map(str::to_string))
            .collect(),
    ))
}

/// The uncommitted files inside the repo at `root` (paths from the work tree's top), for the
/// commands that refuse a dirty tree. The plugin is often one folder of a bigger work tree (a
/// game's client beside it): changes out there do not count, nor does scaffold's own lock.
pub fn dirty_under(root: &Path) -> Result<Vec<String>> {
    let lock = format!("/{}", crate::repo::lock::FILE);
    Ok(unsaved_under(root)?
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f != crate::repo::lock::FILE && !f.ends_with(&lock))
        .collect())
}

/// The first three of a list of files and how many more, for a one-line message.
pub fn summarise(files: &[String]) -> String {
    let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
    if files.len() > 3 {
        format!("{} and {} more", shown.join(", "), files.len() - 3)
    } else {
        shown.join(", ")
    }
}
