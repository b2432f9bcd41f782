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
