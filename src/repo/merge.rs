//! Three-way merges for `scaffold update`, done by libgit2 itself: each file goes through
//! `git_merge_file_from_index` (the file merge `git merge` runs, conflicts written with the
//! standard `<<<<<<<` / `=======` / `>>>>>>>` markers), and renames are found with git's own
//! similarity detection between the old and the new rendering. The blobs live in an
//! in-memory object database, so nothing is written to the user's repository or the disk.

use crate::error::Result;
use git2::{DiffFindOptions, Index, IndexEntry, IndexTime, MergeFileOptions, Oid, Repository};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A set of files by repo-relative path: one rendering of a scaffold.
pub type Files = BTreeMap<PathBuf, Vec<u8>>;

/// The result of one file's merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    Clean(Vec<u8>),
    /// The merged text with conflict markers around what both sides changed.
    Conflict(Vec<u8>),
}

/// An in-memory git object database with libgit2's merge machinery over it.
pub struct Merger {
    repo: Repository,
}

impl Merger {
    pub fn new() -> Result<Merger> {
        // A repository over an object database with only a memory backend: blobs and trees
        // are written there and vanish with it.
        let repo = Repository::from_odb(git2::Odb::new()?)?;
        repo.odb()?.add_new_mempack_backend(1)?;
        Ok(Merger { repo })
    }

    /// An index entry naming `bytes` (written as a blob) at `path`.
    fn entry(&self, path: &Path, bytes: &[u8]) -> Result<IndexEntry> {
        let id = self.repo.blob(bytes)?;
        Ok(entry(path, id, bytes.len()))
    }

    /// Merges `theirs` into `ours` from their common `base` (empty for a file both sides
    /// added). The conflict markers name the sides `yours` and `their_label`.
    pub fn merge(
        &self,
        path: &Path,
        base: &[u8],
        ours: &[u8],
        theirs: &[u8],
        their_label: &str,
    ) -> Result<Merged> {
        let mut opts = MergeFileOptions::new();
        opts.our_label("yours")
            .their_label(their_label)
            .ancestor_label("scaffold before")
            .style_standard(true);
        let result = self.repo.merge_file_from_index(
            &self.entry(path, base)?,
            &self.entry(path, ours)?,
            &self.entry(path, theirs)?,
            Some(&mut opts),
        )?;
        let content = result.content().to_vec();
        Ok(if result.is_automergeable() {
            Merged::Clean(content)
        } else {
            Merged::Conflict(content)
        })
    }

    /// The files `theirs` renamed from `base` (old path, new path), as git's rename detection
    /// (50% similar content, the default of `git diff -M`) sees the two renderings.
    pub fn renames(&self, base: &Files, theirs: &Files) -> Result<Vec<(PathBuf, PathBuf)>> {
        let old = self.tree(base)?;
        let new = self.tree(theirs)?;
        let mut diff = self.repo.diff_tree_to_tree(Some(&old), Some(&new), None)?;
        diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
        Ok(diff
            .deltas()
            .filter(|d| d.status() == git2::Delta::Renamed)
            .filter_map(|d| {
                let from = d.old_file().path()?.to_path_buf();
                let to = d.new_file().path()?.to_path_buf();
                Some((from, to))
            })
            .collect())
    }

    fn tree(&self, files: &Files) -> Result<git2::Tree<'_>> {
        let mut index = Index::new()?;
        for (path, bytes) in files {
            index.add(&self.entry(path, bytes)?)?;
        }
        let id = index.write_tree_to(&self.repo)?;
        Ok(self.repo.find_tree(id)?)
    }
}

fn entry(path: &Path, id: Oid, size: usize) -> IndexEntry {
    let zero = IndexTime::new(0, 0);
    IndexEntry {
        ctime: zero,
        mtime: zero,
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: u32::try_from(size).unwrap_or(u32::MAX),
        id,
        flags: 0,
        flags_extended: 0,
        path: crate::files::slash(path).into_bytes(),
    }
}

/// Binary as git decides it: a NUL byte in the first 8,000 bytes.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8000).any(|b| *b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(base: &str, ours: &str, theirs: &str) -> Merged {
        Merger::new()
            .unwrap()
            .merge(
                Path::new("f.txt"),
                base.as_bytes(),
                ours.as_bytes(),
                theirs.as_bytes(),
                "scaffold v2",
            )
            .unwrap()
    }

    #[test]
    fn changes_in_different_places_merge_cleanly() {
        let base = "a\nb\nc\nd\ne\nf\ng\n";
        let got = merge(base, "A\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nd\ne\nf\nG\n");
        assert_eq!(got, Merged::Clean(b"A\nb\nc\nd\ne\nf\nG\n".to_vec()));
    }

    #[test]
    fn the_same_line_changed_twice_is_a_conflict_with_standard_markers() {
        let Merged::Conflict(text) = merge("a\nb\nc\n", "a\nmine\nc\n", "a\ntheirs\nc\n") else {
            panic!("expected a conflict");
        };
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "a\n<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>> scaffold v2\nc\n"
        );
    }

    #[test]
    fn a_file_both_sides_added_merges_against_empty() {
        assert_eq!(merge("", "x\n", "x\n"), Merged::Clean(b"x\n".to_vec()));
        assert!(matches!(merge("", "x\n", "y\n"), Merged::Conflict(_)));
    }

    #[test]
    fn renames_follow_similar_content() {
        let body: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let base: Files = [
            (PathBuf::from("team.txt"), body.clone().into_bytes()),
            (PathBuf::from("gone.txt"), b"other\n".to_vec()),
        ]
        .into();
        let theirs: Files = [(
            PathBuf::from("ops/team.txt"),
            body.replace("line 3\n", "line three\n").into_bytes(),
        )]
        .into();
        let renames = Merger::new().unwrap().renames(&base, &theirs).unwrap();
        assert_eq!(
            renames,
            [(PathBuf::from("team.txt"), PathBuf::from("ops/team.txt"))]
        );
    }

    #[test]
    fn binary_is_a_nul_byte() {
        assert!(is_binary(b"\x00\xff"));
        assert!(!is_binary("ünïcode\n".as_bytes()));
    }
}
