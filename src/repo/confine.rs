//! The one rule for every path scaffold writes, renames or deletes in a repo: it stays inside
//! the repo. A repo is untrusted input (a clone, a fork's pull request in CI), and a committed
//! link (`packages_gen.go -> ~/.bashrc`, `profile -> /etc`) would otherwise turn a write inside
//! it into one outside. A link that stays inside the repo is written through (a linked
//! Dockerfile stays a link); one that leaves it, or points at nothing, is refused with its name.
//!
//! Written here rather than taken from a crate: `cap-std` would give an `openat` walk, but
//! every writer here already names its files relative to one root, and the checks below are the
//! whole of what that walk would add for them.

use crate::error::{bail, Result};
use crate::files::slash;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// Refuses a path that is not plainly relative (absolute, `..`, `.`, a drive) or that goes
/// through git's own folder: what a journal or a plan may name.
pub fn relative(rel: &Path) -> Result<()> {
    let plain =
        rel.components().count() > 0 && rel.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain {
        bail!(
            "`{}` is not a path inside the repo (absolute, or with `..`); scaffold writes only inside it",
            rel.display()
        );
    }
    if crate::files::names_git_dir(rel) {
        bail!(
            "{} is inside `.git`, git's own folder; scaffold never writes there",
            slash(rel)
        );
    }
    Ok(())
}

/// Where `rel` really is, relative to `real_root` (the repo's root with every link resolved):
/// each part of it that is a link is followed, and must stay inside the root. Parts that do not
/// exist yet are kept as named. A link to nothing is refused, as writing through it would
/// create a file wherever it points.
pub fn inside(real_root: &Path, rel: &Path) -> Result<PathBuf> {
    relative(rel)?;
    let mut at = PathBuf::new();
    let mut parts = rel.components();
    while let Some(part) = parts.next() {
        at.push(part);
        let full = real_root.join(&at);
        let meta = match fs::symlink_metadata(&full) {
            Ok(m) => m,
            // Nothing more of the path exists: the rest is made by the write, inside `at`.
            Err(_) => {
                at.extend(parts);
                break;
            }
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        let Ok(real) = full.canonicalize() else {
            bail!(
                "{} is a link to something that does not exist; point it at a file inside the repo, or replace it with a file",
                slash(&at)
            );
        };
        match real.strip_prefix(real_root) {
            Ok(within) => at = within.to_path_buf(),
            Err(_) => bail!(
                "{} is a link that leaves the repo (to {}); scaffold writes only inside the repo: replace the link with a file or a folder",
                slash(&at),
                real.display()
            ),
        }
    }
    if crate::files::names_git_dir(&at) {
        bail!(
            "{} links into `.git` ({}); scaffold never writes there",
            slash(rel),
            slash(&at)
        );
    }
    Ok(at)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_inside_are_followed_and_links_out_refused_in_any_part() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(root.join("real")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        let root = root.canonicalize().unwrap();
        symlink("real", root.join("alias")).unwrap();
        symlink(&outside, root.join("out")).unwrap();
        symlink("../outside", root.join("up")).unwrap();
        symlink("missing", root.join("dangling")).unwrap();
        symlink(".git", root.join("g")).unwrap();
        fs::create_dir(root.join(".git")).unwrap();
        assert_eq!(
            inside(&root, Path::new("alias/x.go")).unwrap(),
            Path::new("real/x.go")
        );
        assert_eq!(
            inside(&root, Path::new("new/dir/x.go")).unwrap(),
            Path::new("new/dir/x.go")
        );
        for bad in ["out/x.go", "up/x.go", "out", "dangling", "g/config"] {
            assert!(inside(&root, Path::new(bad)).is_err(), "{bad} was accepted");
        }
        for bad in ["/etc/passwd", "../x", "a/../../x", "./x", ""] {
            assert!(relative(Path::new(bad)).is_err(), "{bad} was accepted");
        }
    }
}
