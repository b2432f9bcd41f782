//! A planned set of file changes: computed in memory, shown as a diff, then written all or
//! nothing (each file through a temp file and a rename; a failure rolls back what was done).

use crate::error::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One file's change. `before` is `None` for a new file.
#[derive(Debug, Clone)]
pub struct Change {
    pub path: PathBuf,
    pub before: Option<Vec<u8>>,
    pub after: Vec<u8>,
}

/// Every change of one command run, relative to `root`.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub root: PathBuf,
    pub changes: Vec<Change>,
    /// Folders to delete whole (`remove-package --delete`), or files (vendor/ files `go mod
    /// vendor` no longer writes), relative to `root`.
    pub removals: Vec<PathBuf>,
}

impl Plan {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Plan {
            root: root.into(),
            changes: Vec::new(),
            removals: Vec::new(),
        }
    }

    /// Plans `contents` at `path`, reading what is there now; an unchanged file is left out.
    pub fn put(&mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Result<()> {
        let path = path.into();
        let full = self.root.join(&path);
        let before = match fs::read(&full) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", full.display())),
        };
        let after = contents.into();
        if before.as_deref() != Some(after.as_slice()) {
            self.changes.retain(|c| c.path != path);
            self.changes.push(Change {
                path,
                before,
                after,
            });
        }
        Ok(())
    }

    /// Plans a file known to be new (no disk read: `new` checks the destination first).
    pub fn create(&mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.changes.push(Change {
            path: path.into(),
            before: None,
            after: contents.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.removals.is_empty()
    }

    /// The folders (`/`-separated with a trailing `/`) and files this plan deletes.
    pub fn removed(&self) -> Vec<String> {
        self.removals.iter().map(|p| self.shown(p)).collect()
    }

    /// A removal as shown: a folder with a trailing `/`.
    fn shown(&self, rel: &Path) -> String {
        if self.root.join(rel).is_file() {
            slash(rel)
        } else {
            format!("{}/", slash(rel))
        }
    }

    pub fn created(&self) -> Vec<String> {
        self.list(|c| c.before.is_none())
    }

    pub fn changed(&self) -> Vec<String> {
        self.list(|c| c.before.is_some())
    }

    fn list(&self, keep: impl Fn(&Change) -> bool) -> Vec<String> {
        let mut v: Vec<String> = self
            .changes
            .iter()
            .filter(|c| keep(c))
            .map(|c| slash(&c.path))
            .collect();
        v.sort();
        v
    }

    /// A unified diff of every change, files in path order.
    pub fn diff(&self) -> String {
        let mut changes: Vec<&Change> = self.changes.iter().collect();
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        let removed = self.removals.iter().map(|r| match self.shown(r) {
            folder if folder.ends_with('/') => format!("deleted folder {folder}\n"),
            file => format!("deleted {file}\n"),
        });
        removed
            .chain(changes.iter().map(|c| {
                let old = c
                    .before
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                crate::diff::file(&slash(&c.path), &old, &String::from_utf8_lossy(&c.after))
            }))
            .collect()
    }

    /// Writes every change, or none: all files are staged as temp files first, then renamed;
    /// if a rename fails, the files already renamed get their old contents back.
    pub fn apply(&self) -> Result<()> {
        // Folders to delete are first moved aside (a rename, undone on failure) and only
        // deleted once every file is in place.
        let mut aside: Vec<(PathBuf, PathBuf)> = Vec::new();
        for rel in &self.removals {
            let from = self.root.join(rel);
            let to = self.root.join(format!(
                ".scaffold-removing-{}",
                slash(rel).replace('/', "-")
            ));
            if let Err(e) = fs::rename(&from, &to) {
                for (from, to) in aside.iter().rev() {
                    let _ = fs::rename(to, from);
                }
                return Err(e).with_context(|| {
                    format!("cannot remove {}; nothing was changed", from.display())
                });
            }
            aside.push((from, to));
        }
        let mut made_dirs: Vec<PathBuf> = Vec::new();
        let result = self.stage_and_commit(&mut made_dirs);
        if result.is_err() {
            for dir in made_dirs.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
            for (from, to) in aside.iter().rev() {
                let _ = fs::rename(to, from);
            }
            return result;
        }
        for (_, to) in &aside {
            let removed = if to.is_dir() {
                fs::remove_dir_all(to)
            } else {
                fs::remove_file(to)
            };
            removed.with_context(|| format!("cannot delete {}", to.display()))?;
        }
        Ok(())
    }

    fn stage_and_commit(&self, made_dirs: &mut Vec<PathBuf>) -> Result<()> {
        let mut staged = Vec::with_capacity(self.changes.len());
        for change in &self.changes {
            let full = self.root.join(&change.path);
            let parent = full.parent().unwrap_or(&self.root).to_path_buf();
            create_dirs(&parent, made_dirs)?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".scaffold-")
                .tempfile_in(&parent)
                .with_context(|| format!("cannot write in {}", parent.display()))?;
            tmp.write_all(&change.after)
                .with_context(|| format!("cannot write {}", full.display()))?;
            set_mode(tmp.as_file(), &full)?;
            staged.push((tmp, full, change));
        }
        let mut done: Vec<(PathBuf, &Change)> = Vec::new();
        for (tmp, full, change) in staged {
            let renamed = fail_point(&change.path)
                .and_then(|_| tmp.persist(&full).map(|_| ()).map_err(|e| e.error));
            if let Err(e) = renamed {
                for (path, old) in done.iter().rev() {
                    // Best effort: put back what was there before this run.
                    let _ = match &old.before {
                        Some(bytes) => fs::write(path, bytes),
                        None => fs::remove_file(path),
                    };
                }
                return Err(e).with_context(|| {
                    format!("cannot write {}; nothing was changed", full.display())
                });
            }
            done.push((full, change));
        }
        Ok(())
    }
}

/// Tests prove the rollback by naming a file whose rename must fail. Root ignores permissions,
/// so no read-only file can stand in for it; release builds never read this variable.
fn fail_point(path: &Path) -> std::io::Result<()> {
    if cfg!(debug_assertions) {
        if let Ok(target) = std::env::var("SCAFFOLD_TEST_FAIL_WRITE") {
            if slash(path) == target {
                return Err(std::io::Error::other("injected failure"));
            }
        }
    }
    Ok(())
}

fn create_dirs(dir: &Path, made: &mut Vec<PathBuf>) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent, made)?;
    }
    fs::create_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    made.push(dir.to_path_buf());
    Ok(())
}

/// New files get 0644 (temp files start at 0600); replaced files keep their mode.
fn set_mode(file: &fs::File, target: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(target)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        file.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, target);
    Ok(())
}

/// A path with `/` separators on every OS, for messages and Dockerfiles.
pub fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
