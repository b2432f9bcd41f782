//! Byte-for-byte pictures of a folder tree, to compare before and after a command.
//!
//! [`tree`] reads everything (modes, folders, links, `.git` too); [`snapshot`] and
//! [`file_contents`] keep only paths and bytes, `.git` left out, for comparisons where modes
//! do not matter or folders would be in the way.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// One entry of a folder tree, as compared byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir { mode: u32 },
    File { mode: u32, bytes: Vec<u8> },
    Link { target: PathBuf },
}

/// Every entry below a folder, by `/`-separated relative path.
pub type Tree = BTreeMap<String, Node>;

/// Reads every file, folder and link below `root` (including hidden ones).
pub fn tree(root: &Path) -> Tree {
    let mut out = Tree::new();
    walk(root, root, false, &mut out);
    out
}

/// Reads the tree below `root` into `out`; `skip_git`: never enters `.git`.
fn walk(root: &Path, dir: &Path, skip_git: bool, out: &mut Tree) {
    use std::os::unix::fs::PermissionsExt;
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if skip_git && e.file_name() == ".git" {
            continue;
        }
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let meta = fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() {
            out.insert(
                rel,
                Node::Link {
                    target: fs::read_link(&path).unwrap(),
                },
            );
        } else if meta.is_dir() {
            out.insert(rel, Node::Dir { mode });
            walk(root, &path, skip_git, out);
        } else {
            out.insert(
                rel,
                Node::File {
                    mode,
                    bytes: fs::read(&path).unwrap(),
                },
            );
        }
    }
}

/// The files (not folders) of a tree, sorted.
pub fn files(t: &Tree) -> Vec<String> {
    t.iter()
        .filter(|(_, n)| matches!(n, Node::File { .. }))
        .map(|(p, _)| p.clone())
        .collect()
}

/// Panics with the list of differences when two trees differ in any byte, mode or entry.
#[track_caller]
pub fn assert_same_tree(before: &Tree, after: &Tree, what: &str) {
    let mut diffs = Vec::new();
    for (p, n) in before {
        match after.get(p) {
            None => diffs.push(format!("removed: {p}")),
            Some(m) if m != n => diffs.push(format!("changed: {p}{}", describe(n, m))),
            _ => {}
        }
    }
    for p in after.keys().filter(|p| !before.contains_key(*p)) {
        diffs.push(format!("added: {p}"));
    }
    assert!(
        diffs.is_empty(),
        "{what}: the tree changed:\n  {}",
        diffs.join("\n  ")
    );
}

fn describe(a: &Node, b: &Node) -> String {
    match (a, b) {
        (Node::File { bytes: x, mode: mx }, Node::File { bytes: y, mode: my }) => {
            if mx != my {
                format!(" (mode {mx:o} -> {my:o})")
            } else {
                format!(
                    "\n--- before\n{}\n--- after\n{}",
                    String::from_utf8_lossy(x),
                    String::from_utf8_lossy(y)
                )
            }
        }
        _ => format!(" ({a:?} -> {b:?})"),
    }
}

/// Paths and bytes, without modes: `/`-separated relative path -> bytes.
pub type Contents = BTreeMap<String, Vec<u8>>;

/// Every file (bytes) and folder (`path/`, no bytes) below `root`, `.git` left out. Comparing
/// two proves a tree unchanged byte for byte.
pub fn snapshot(root: &Path) -> Contents {
    contents(root, true)
}

/// Every file below `root` with its bytes; folders and `.git` left out.
pub fn file_contents(root: &Path) -> Contents {
    contents(root, false)
}

/// [`tree`] without `.git`, its files as bytes (a link as the bytes it leads to) and, when
/// `folders` is set, its folders as `path/`.
fn contents(root: &Path, folders: bool) -> Contents {
    let mut all = Tree::new();
    walk(root, root, true, &mut all);
    all.into_iter()
        .filter_map(|(rel, node)| match node {
            Node::Dir { .. } => folders.then(|| (format!("{rel}/"), Vec::new())),
            Node::File { bytes, .. } => Some((rel, bytes)),
            Node::Link { .. } => {
                let bytes = fs::read(root.join(&rel)).unwrap();
                Some((rel, bytes))
            }
        })
        .collect()
}

/// The paths whose presence or bytes differ between two snapshots, sorted.
pub fn changed_paths(a: &Contents, b: &Contents) -> Vec<String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// Asserts two snapshots are equal, naming the paths that differ.
#[track_caller]
pub fn assert_unchanged(before: &Contents, after: &Contents) {
    let diff = changed_paths(before, after);
    assert!(diff.is_empty(), "the tree changed: {diff:?}");
}
