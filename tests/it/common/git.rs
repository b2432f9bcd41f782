//! The git CLI, as a user runs it in a generated repo.

use super::sh;
use std::path::Path;

/// An identity for the commits the tests make, whatever the machine's git config says.
const IDENTITY: &[(&str, &str)] = &[
    ("GIT_AUTHOR_NAME", "test"),
    ("GIT_AUTHOR_EMAIL", "test@example.com"),
    ("GIT_COMMITTER_NAME", "test"),
    ("GIT_COMMITTER_EMAIL", "test@example.com"),
];

/// `git ARGS` in `dir`, panicking with its output when it fails; returns stdout.
#[track_caller]
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = sh(dir, "git", args, IDENTITY);
    assert_eq!(
        out.code,
        0,
        "git {args:?} failed in {}: {out:#?}",
        dir.display()
    );
    out.stdout
}

/// `git add -A && git commit`: a clean tree for `upgrade`'s dirty check.
pub fn commit_all(root: &Path, message: &str) {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", message]);
}

/// `git status --porcelain` (empty when clean).
pub fn git_status(root: &Path) -> String {
    git(root, &["status", "--porcelain"])
}
