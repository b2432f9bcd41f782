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

/// The Go module path a repo at `dir` would have inside the git work tree around it: the
/// `origin` remote's host and path (`github.com/owner/repo` from `git@github.com:owner/repo.git`
/// or `https://github.com/owner/repo`), plus `dir`'s folder below the work tree's root. `None`
/// outside a clone, or without an origin `new` can read.
pub fn module_from_remote(dir: &Path) -> Option<String> {
    let dir = std::env::current_dir().ok()?.join(dir);
    let probe = dir.ancestors().find(|p| p.exists())?;
    let repo = Repository::discover(probe).ok()?;
    let top = repo.workdir()?.canonicalize().ok()?;
    let existing = probe.canonicalize().ok()?;
    let below = dir.strip_prefix(probe).ok()?;
    let rel = existing.join(below);
    let rel = rel.strip_prefix(&top).ok()?;
    let url = repo.find_remote("origin").ok()?.url()?.to_string();
    let mut module = module_of_url(&url)?;
    for part in rel.components() {
        module.push('/');
        module.push_str(&part.as_os_str().to_string_lossy());
    }
    Some(module)
}

/// `host/owner/repo` of a git remote URL (https, ssh, or scp-like `git@host:owner/repo.git`).
fn module_of_url(url: &str) -> Option<String> {
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.to_string(),
        // scp-like: user@host:path
        None => url.replacen(':', "/", 1),
    };
    let rest = rest.rsplit_once('@').map_or(rest.as_str(), |(_, r)| r);
    let (host, path) = rest.split_once('/')?;
    let host = host.split(':').next()?;
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let ok = |s: &str| !s.is_empty() && s.contains('.') && !s.starts_with('.');
    (ok(host) && !path.is_empty() && path.split('/').all(|p| !p.is_empty() && p != ".."))
        .then(|| format!("{}/{path}", host.to_ascii_lowercase()))
}

/// `git init` in `dir`, then one commit of the whole tree. Works without a configured identity.
pub fn init_and_commit(dir: &Path, message: &str) -> Result<()> {
    let repo =
        Repository::init(dir).with_context(|| format!("git init in {} failed", dir.display()))?;
    let mut index = repo.index()?;
    // scaffold's own files (the lock `new` holds while it runs) are never committed.
    let mut skip_own = |path: &Path, _: &[u8]| -> i32 {
        i32::from(path.to_string_lossy().starts_with(".scaffold"))
    };
    index.add_all(["*"], IndexAddOption::DEFAULT, Some(&mut skip_own))?;
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

/// The files below `dir` that HEAD does not hold as they are now (new, or with other
/// contents), ignored ones excluded, as paths from the work tree's top; `None` when `dir` is
/// not in a git work tree. Contents are compared with HEAD's blobs, not taken from
/// `git status`: a file marked `--assume-unchanged` or `--skip-worktree` is edited work that
/// status hides. A CRLF checkout of an LF blob is the same file.
pub fn not_in_head(dir: &Path) -> Result<Option<Vec<String>>> {
    let repo = match Repository::discover(dir) {
        Ok(r) if !r.is_bare() => r,
        _ => return Ok(None),
    };
    let top = repo
        .workdir()
        .and_then(|w| w.canonicalize().ok())
        .context("the git repository has no work tree")?;
    let inside = dir.canonicalize()?;
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut found = Vec::new();
    let mut stack = vec![inside];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let path = entry.path();
            let rel = path.strip_prefix(&top).unwrap_or(&path).to_path_buf();
            let kind = entry.file_type()?;
            if repo.is_path_ignored(&rel).unwrap_or(false) {
                continue;
            }
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            let now = if kind.is_symlink() {
                std::fs::read_link(&path).map(|t| t.as_os_str().as_encoded_bytes().to_vec())
            } else {
                crate::files::read(&path)
            };
            let committed = head
                .as_ref()
                .and_then(|t| t.get_path(&rel).ok())
                .and_then(|e| repo.find_blob(e.id()).ok());
            let same = match (now, committed) {
                (Ok(now), Some(blob)) => {
                    now == blob.content() || without_cr(&now) == blob.content()
                }
                _ => false,
            };
            if !same {
                found.push(crate::files::slash(&rel));
            }
        }
    }
    found.sort();
    Ok(Some(found))
}

/// Text with every CRLF made LF, as git's `eol=lf` stores it.
fn without_cr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, b) in bytes.iter().enumerate() {
        if !(*b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(*b);
        }
    }
    out
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

/// One file's three sides, for [`record_conflicts`]; `path` is relative to the repo's root.
pub struct Unmerged<'a> {
    pub path: &'a str,
    pub base: &'a [u8],
    pub ours: &'a [u8],
    pub theirs: &'a [u8],
}

/// Records files an update left with conflict markers as unmerged in git's index (stage 1 the
/// base, 2 yours, 3 the scaffold's), as `git merge` does: `git status` lists them as "both
/// modified" and `git commit` refuses until each is resolved and added. An empty base is a
/// file both sides added. Returns false when `root` is not in a git work tree.
pub fn record_conflicts(root: &Path, files: &[Unmerged]) -> Result<bool> {
    let repo = match Repository::discover(root) {
        Ok(r) if !r.is_bare() => r,
        _ => return Ok(false),
    };
    let top = repo
        .workdir()
        .and_then(|w| w.canonicalize().ok())
        .context("the git repository has no work tree")?;
    let inside = root.canonicalize()?;
    let prefix = inside.strip_prefix(&top).unwrap_or(Path::new(""));
    let mut index = repo.index()?;
    for Unmerged {
        path,
        base,
        ours,
        theirs,
    } in files
    {
        let rel = crate::files::slash(&prefix.join(path));
        let mode = index
            .get_path(Path::new(&rel), 0)
            .map_or(0o100644, |e| e.mode);
        // A conflict is the path at stages 1, 2 and 3 (the stage is in bits 12-13 of the
        // flags) and not at stage 0.
        let entry = |bytes: &[u8], stage: u16| -> Result<git2::IndexEntry> {
            Ok(git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode,
                uid: 0,
                gid: 0,
                file_size: bytes.len() as u32,
                id: repo.blob(bytes)?,
                flags: (stage << 12) | (rel.len().min(0xfff) as u16),
                flags_extended: 0,
                path: rel.as_bytes().to_vec(),
            })
        };
        index.remove(Path::new(&rel), 0)?;
        if !base.is_empty() {
            index.add(&entry(base, 1)?)?;
        }
        index.add(&entry(ours, 2)?)?;
        index.add(&entry(theirs, 3)?)?;
    }
    index.write()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::module_of_url;

    #[test]
    fn module_paths_from_remote_urls() {
        for (url, want) in [
            (
                "git@github.com:Acme/space-game.git",
                Some("github.com/Acme/space-game"),
            ),
            ("https://github.com/acme/game", Some("github.com/acme/game")),
            (
                "https://user@GitHub.com/acme/game.git/",
                Some("github.com/acme/game"),
            ),
            (
                "ssh://git@github.com:22/acme/game.git",
                Some("github.com/acme/game"),
            ),
            ("file:///tmp/game", None),
            ("/srv/git/game.git", None),
        ] {
            assert_eq!(module_of_url(url).as_deref(), want, "{url}");
        }
    }
}
