//! The repo doctor looks at: every path below the root (read once), and file contents from
//! disk or from planned fixes, so the checks can run again on the fixed tree before anything
//! is written.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// What a path is in the repo (symlinks are not followed, as Docker sends them as links).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Link,
}

/// Walking stops here: a repo this big is not a plugin repo, and doctor must stay quick.
const MAX_ENTRIES: usize = 200_000;

#[derive(Debug, Clone)]
pub struct Repo {
    pub root: PathBuf,
    /// Every path (`/`-separated, relative), `.git` left out.
    pub entries: BTreeMap<String, Kind>,
    /// Planned contents that replace what is on disk.
    pub overlay: BTreeMap<String, Vec<u8>>,
    /// True when the walk stopped at MAX_ENTRIES.
    pub truncated: bool,
}

impl Repo {
    /// Lists the repo at `root`.
    pub fn load(root: &Path) -> Repo {
        let mut repo = Repo {
            root: root.to_path_buf(),
            entries: BTreeMap::new(),
            overlay: BTreeMap::new(),
            truncated: false,
        };
        let mut stack = vec![(root.to_path_buf(), String::new())];
        while let Some((dir, rel)) = stack.pop() {
            let Ok(read) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in read.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if rel.is_empty() && name == ".git" {
                    continue;
                }
                if repo.entries.len() >= MAX_ENTRIES {
                    repo.truncated = true;
                    return repo;
                }
                let path = if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                };
                let Ok(ft) = entry.file_type() else { continue };
                let kind = if ft.is_symlink() {
                    Kind::Link
                } else if ft.is_dir() {
                    stack.push((entry.path(), path.clone()));
                    Kind::Dir
                } else {
                    Kind::File
                };
                repo.entries.insert(path, kind);
            }
        }
        repo
    }

    /// A copy with these planned contents in place of the files on disk.
    pub fn with_overlay(&self, overlay: &BTreeMap<String, Vec<u8>>) -> Repo {
        let mut next = self.clone();
        for (k, v) in overlay {
            next.overlay.insert(k.clone(), v.clone());
            next.entries.insert(k.clone(), Kind::File);
        }
        next
    }

    /// The folder `dir` ("" for the root) as a repo of its own: its paths and planned
    /// contents, relative to it.
    pub fn sub(&self, dir: &str) -> Repo {
        if dir.is_empty() {
            return self.clone();
        }
        let prefix = format!("{dir}/");
        let strip = |k: &String| k.strip_prefix(&prefix).map(str::to_string);
        Repo {
            root: self.root.join(dir),
            entries: self
                .entries
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .filter_map(|(k, v)| strip(k).map(|k| (k, *v)))
                .collect(),
            overlay: self
                .overlay
                .iter()
                .filter_map(|(k, v)| strip(k).map(|k| (k, v.clone())))
                .collect(),
            truncated: self.truncated,
        }
    }

    pub fn is_file(&self, rel: &str) -> bool {
        self.entries.get(rel) == Some(&Kind::File)
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        rel.is_empty() || rel == "." || self.entries.get(rel) == Some(&Kind::Dir)
    }

    /// A file's bytes, planned or on disk.
    pub fn bytes(&self, rel: &str) -> Option<Vec<u8>> {
        if let Some(b) = self.overlay.get(rel) {
            return Some(b.clone());
        }
        crate::files::read(&self.root.join(rel)).ok()
    }

    /// A file's text (invalid UTF-8 replaced).
    pub fn text(&self, rel: &str) -> Option<String> {
        self.bytes(rel)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// The files directly in folder `dir` ("" for the root), by name.
    pub fn files_in(&self, dir: &str) -> Vec<String> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, kind)| **kind == Kind::File && !k[prefix.len()..].contains('/'))
            .map(|(k, _)| k[prefix.len()..].to_string())
            .collect()
    }
}

/// The parent folder of a `/`-separated path ("" at the top).
pub fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(p, _)| p)
}
