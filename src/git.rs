//! git2: start a repository and make its first commit, as `cargo new` does.

use anyhow::{Context, Result};
use git2::{IndexAddOption, Repository, Signature};
use std::path::Path;

/// Decides, once per process and before the first git2 call, whether libgit2 may need TLS.
/// On Linux its OpenSSL backend reads the whole CA bundle (about 40 ms, most of `scaffold
/// new`), which only an https clone uses; a process that clones nothing over https points
/// OpenSSL at an empty bundle instead. Every git2 use in this crate calls this first, with
/// `tls` true only before an https clone.
pub fn prepare(tls: bool) {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        #[cfg(all(unix, not(target_os = "macos")))]
        if !tls {
            // OpenSSL reads these when libgit2 initialises, which may be after this call,
            // so they stay set for the rest of the (short-lived) process. A user's own
            // SSL_CERT_FILE is overridden too: this process makes no TLS connection.
            std::env::set_var("SSL_CERT_FILE", "/dev/null");
            std::env::set_var("SSL_CERT_DIR", "/dev/null");
        }
        let _ = tls;
    });
}

/// True when `dir` (or the nearest existing parent) is already inside a git work tree.
pub fn inside_work_tree(dir: &Path) -> bool {
    prepare(false);
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
    prepare(false);
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
    prepare(false);
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
