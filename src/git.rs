//! git2: start a repository and make its first commit, as `cargo new` does.

use anyhow::{Context, Result};
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

/// The changed or untracked files of the work tree holding `dir` (ignored files excluded);
/// `None` when `dir` is not in a git work tree.
pub fn dirty_files(dir: &Path) -> Result<Option<Vec<String>>> {
    let repo = match Repository::discover(dir) {
        Ok(r) if !r.is_bare() => r,
        _ => return Ok(None),
    };
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(Some(
        statuses
            .iter()
            .filter(|s| s.status() != git2::Status::CURRENT)
            .filter_map(|s| s.path().map(str::to_string))
            .collect(),
    ))
}
