//! A planned set of file changes: computed in memory, shown as a diff, then written all or
//! nothing under a journal (a replaced file through a temp file and a rename, a new one in
//! place): a failure rolls back what was done, a killed run is finished or undone by the next
//! command.

use crate::error::{bail, Context, Error, Result};
use crate::files::slash;
use crate::repo::confine;
use crate::repo::journal::{self, Entry, Journal, Removal, State};
use crate::scaffold::template::RenderedFile;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One file's change. `before` is `None` for a new file.
#[derive(Debug, Clone)]
pub struct Change {
    pub path: PathBuf,
    pub before: Option<Vec<u8>>,
    pub after: Vec<u8>,
    /// A new file gets the executable bit (a script from a scaffold).
    pub executable: bool,
}

/// Every change of one command run, relative to `root`.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub root: PathBuf,
    pub changes: Vec<Change>,
    /// Folders to delete whole (`remove-package --delete`), or single files (`update`, and
    /// vendor/ files `go mod vendor` no longer writes), relative to `root`.
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
        let before = match crate::files::read(&full) {
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
                executable: false,
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
            executable: false,
        });
    }

    /// Plans a rendered file known to be new, keeping its executable bit.
    pub fn create_file(&mut self, file: RenderedFile) {
        self.changes.push(Change {
            path: file.path,
            before: None,
            after: file.contents,
            executable: file.executable,
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
        let removed = self.removals.iter().map(|r| {
            // A file shows as a diff to nothing, as git shows a deletion.
            match fs::read(self.root.join(r)) {
                Ok(old) => crate::diff::file(&slash(r), &String::from_utf8_lossy(&old), "")
                    .replacen(&format!("+++ b/{}", slash(r)), "+++ /dev/null", 1),
                Err(_) => format!("deleted folder {}/\n", slash(r)),
            }
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

    /// Writes every change, or none. The journal ([`journal`]) is saved first; then every
    /// new content is staged as a temp file beside its target (and each replaced file's old
    /// contents beside it too), then everything is renamed into place. A failed rename undoes
    /// what was done; a killed run is finished or undone by the next command.
    pub fn apply(&self) -> Result<()> {
        self.check()?;
        let made_root = create_root(&self.root)?;
        let result = self.write(&made_root);
        if result.is_err() {
            for dir in made_root.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
        }
        result
    }

    /// What `apply` refuses before it writes anything, for a dry run to refuse the same.
    pub fn check(&self) -> Result<()> {
        self.refuse_removing_what_is_copied()
    }

    /// Refuses a removal that a Dockerfile line outside scaffold's block still copies
    /// (`COPY --chown=... f/ f/`, an ADD, a file the scaffold dropped but the user copies):
    /// the build would fail at that line once it is gone. The line is looked for in the
    /// Dockerfile as planned, and numbered as it is on disk, which the user edits.
    fn refuse_removing_what_is_copied(&self) -> Result<()> {
        if self.removals.is_empty() {
            return Ok(());
        }
        let dockerfile = Path::new("Dockerfile");
        let on_disk = crate::files::read_to_string(&self.root.join(dockerfile)).unwrap_or_default();
        let planned = match self.changes.iter().find(|c| c.path == dockerfile) {
            Some(c) => String::from_utf8_lossy(&c.after).into_owned(),
            None => on_disk.clone(),
        };
        for removal in &self.removals {
            let Some((line, copy)) =
                crate::docker::block::copies_outside(&planned, &slash(removal))
                    .into_iter()
                    .next()
            else {
                continue;
            };
            let line = on_disk
                .lines()
                .position(|l| l.trim() == copy)
                .map_or(line, |n| n + 1);
            bail!(
                "Dockerfile line {line} copies {} outside scaffold's block (`{copy}`); with it deleted the build would fail there. Take that line out (or change it), then run this again; nothing was changed",
                self.shown(removal)
            );
        }
        Ok(())
    }

    fn write(&self, made_root: &[PathBuf]) -> Result<()> {
        let root = &self.root;
        let mut journal = self.journal(!made_root.is_empty())?;
        for removal in &journal.removals {
            deletable(&root.join(&removal.folder))?;
        }
        journal.save(root)?;
        if let Err((e, touched)) = self.stage(&journal) {
            // Only what this run made is undone: a file that appeared at a new file's path
            // since the plan was made is someone else's.
            journal.files.truncate(touched);
            let _ = journal.save(root);
            let _ = journal.roll_back(root);
            return Err(e);
        }
        // New files are already in place: with nothing to rename, the write is done.
        let renames = journal.files.iter().any(|e| e.staged.is_some());
        if !renames && journal.removals.is_empty() {
            return journal.clean_up(root);
        }
        journal.state = State::Commit;
        journal.save(root).inspect_err(|_| {
            let _ = journal.roll_back(root);
        })?;
        if let Err(e) = self.commit(&journal) {
            journal.state = State::Rollback;
            let _ = journal.save(root);
            if let Err(undo) = journal.roll_back(root) {
                return Err(e.context(format!(
                    "and undoing it failed too ({undo}); the next scaffold command finishes the undo"
                )));
            }
            // `new` made the root: it goes too, as nothing was written in it.
            for dir in made_root.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
            return Err(e);
        }
        journal.clean_up(root)
    }

    /// The journal of this plan: where each file's new and old contents are staged, which
    /// folders are made and which moved aside. Refuses what scaffold never writes. In a root
    /// this run made (`new`), nothing exists yet, so nothing is looked up.
    fn journal(&self, made_root: bool) -> Result<Journal> {
        let root = &self.root;
        let real_root = root
            .canonicalize()
            .with_context(|| format!("cannot open {}", root.display()))?;
        let token = token();
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut files = Vec::with_capacity(self.changes.len());
        for (i, change) in self.changes.iter().enumerate() {
            // Every target stays inside the repo, through whatever links the repo holds.
            let target = if made_root {
                confine::relative(&change.path)?;
                change.path.clone()
            } else {
                confine::inside(&real_root, &change.path)?
            };
            let parent = target.parent().unwrap_or(Path::new("")).to_path_buf();
            missing_dirs(root, &parent, made_root, &mut dirs);
            let name = |suffix: &str| parent.join(format!(".scaffold-{token}-{i}{suffix}"));
            let replaced = change.before.is_some();
            files.push(Entry {
                staged: replaced.then(|| name("")),
                backup: replaced.then(|| name(".old")),
                sha256: journal::sha256(&change.after),
                len: change.after.len() as u64,
                target,
            });
        }
        let mut removals = Vec::with_capacity(self.removals.len());
        for rel in &self.removals {
            // The folder itself may be a link (it is moved aside and deleted as a link); the
            // folders above it must not lead out of the repo.
            confine::relative(rel)?;
            if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
                if confine::inside(&real_root, parent)? != parent {
                    bail!(
                        "{} is reached through a link; delete it where the link points",
                        slash(rel)
                    );
                }
            }
            removals.push(Removal {
                folder: rel.clone(),
                aside: PathBuf::from(format!(
                    ".scaffold-removing-{}-{token}",
                    slash(rel).replace('/', "-")
                )),
            });
        }
        Ok(Journal {
            root: real_root,
            command: command_line(),
            pid: std::process::id(),
            state: State::Staging,
            dirs,
            files,
            removals,
        })
    }

    /// Makes the folders, writes every new file in place and every temp file, closing each: a
    /// scaffold of 1,000 files must not hold 1,000 files open (macOS allows 256). On failure,
    /// also says how many of the journal's files this run touched, for the undo.
    fn stage(&self, journal: &Journal) -> std::result::Result<(), (Error, usize)> {
        let root = &self.root;
        for dir in &journal.dirs {
            let dir = root.join(dir);
            fs::create_dir(&dir).map_err(|e| {
                (
                    Error::from(e).context(format!("cannot create {}", dir.display())),
                    0,
                )
            })?;
        }
        for (i, (change, entry)) in self.changes.iter().zip(&journal.files).enumerate() {
            let target = root.join(&entry.target);
            step_delay();
            let written = match &entry.staged {
                None => fail_point(&change.path)
                    .and_then(|_| write_new(&target, &change.after, new_mode(change.executable))),
                Some(staged) => stage_replacement(root, entry, staged, change),
            };
            if let Err(e) = written {
                // `create_new` refused: that file is someone else's, not this run's.
                let touched = if e.kind() == std::io::ErrorKind::AlreadyExists {
                    i
                } else {
                    i + 1
                };
                let message = format!("cannot write {}; nothing was changed", target.display());
                return Err((Error::from(e).context(message), touched));
            }
        }
        Ok(())
    }

    /// The renames: every file into place, then every folder to delete aside.
    fn commit(&self, journal: &Journal) -> Result<()> {
        let root = &self.root;
        for (change, entry) in self.changes.iter().zip(&journal.files) {
            let Some(staged) = &entry.staged else {
                continue; // a new file, written in place while staging
            };
            let target = root.join(&entry.target);
            step_delay();
            let renamed =
                fail_point(&change.path).and_then(|_| fs::rename(root.join(staged), &target));
            renamed.with_context(|| {
                format!("cannot write {}; nothing was changed", target.display())
            })?;
        }
        for removal in &journal.removals {
            let folder = root.join(&removal.folder);
            step_delay();
            fs::rename(&folder, root.join(&removal.aside)).with_context(|| {
                format!("cannot remove {}; nothing was changed", folder.display())
            })?;
        }
        Ok(())
    }
}

/// A name part no other run shares: this process, and the time.
fn token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

/// `scaffold add-package inventory`, as the journal names the run.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("scaffold {}", args.join(" "))
        .trim_end()
        .to_string()
}

/// Adds `dir` and its missing parents (below `root`) to `dirs`, parents first. In a root
/// this run made, every folder is missing.
fn missing_dirs(root: &Path, dir: &Path, made_root: bool, dirs: &mut Vec<PathBuf>) {
    if dir.as_os_str().is_empty()
        || dirs.iter().any(|d| d == dir)
        || (!made_root && root.join(dir).is_dir())
    {
        return;
    }
    if let Some(parent) = dir.parent() {
        missing_dirs(root, parent, made_root, dirs);
    }
    dirs.push(dir.to_path_buf());
}

/// Creates the root and its missing parents (`new`), returning those it made.
pub fn create_root(root: &Path) -> Result<Vec<PathBuf>> {
    let mut made = Vec::new();
    let mut missing: Vec<&Path> = root
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.is_dir())
        .collect();
    missing.reverse();
    for dir in missing {
        match fs::create_dir(dir) {
            Ok(()) => made.push(dir.to_path_buf()),
            // Another run made it first (two `new`s into one folder): it is not this run's.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", dir.display()));
            }
        }
    }
    Ok(made)
}

/// Stages a replaced file: its new contents and a copy of its old ones beside it, both with
/// its mode.
fn stage_replacement(
    root: &Path,
    entry: &Entry,
    staged: &Path,
    change: &Change,
) -> std::io::Result<()> {
    let mode = mode_of(&root.join(&entry.target));
    let copies = [
        (Some(staged), Some(&change.after)),
        (entry.backup.as_deref(), change.before.as_ref()),
    ];
    for (path, bytes) in copies {
        if let (Some(path), Some(bytes)) = (path, bytes) {
            let path = root.join(path);
            write_new(&path, bytes, mode)?;
            set_mode(&path, mode)?;
        }
    }
    Ok(())
}

/// Writes a file that must not exist yet, created with `mode` (before the umask, as `cp` and
/// git create files), and closes it. Never through a link: `create_new` refuses one, and
/// `O_NOFOLLOW` says so again.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode).custom_flags(nix::libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)?.write_all(bytes)
}

/// Refuses to start deleting a folder that cannot be deleted whole (a folder without write
/// permission, an immutable file): found after the renames, it would leave the change half
/// made.
fn deletable(folder: &Path) -> Result<()> {
    // A single file (`update` deletes one) needs only its folder to be writable, checked by
    // the rename that moves it aside.
    if !folder.is_dir() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use nix::unistd::{access, AccessFlags};
        let mut stack = vec![folder.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let refuse = |path: &Path, e: nix::Error| {
                crate::error::err!(
                    "cannot delete {}: {}; nothing was changed (fix its permissions, or `chattr -i` it)",
                    path.display(),
                    std::io::Error::from(e)
                )
            };
            access(&dir, AccessFlags::W_OK | AccessFlags::X_OK).map_err(|e| refuse(&dir, e))?;
            for entry in
                fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
            {
                let entry = entry?;
                let ft = entry.file_type()?;
                if ft.is_dir() {
                    stack.push(entry.path());
                } else if !ft.is_symlink() {
                    // Only an immutable file (EPERM) resists unlinking; a read-only one does not.
                    if let Err(nix::errno::Errno::EPERM) = access(&entry.path(), AccessFlags::W_OK)
                    {
                        return Err(refuse(&entry.path(), nix::errno::Errno::EPERM));
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// Tests that kill a run part way (SIGKILL) stretch each step of the write, so the kill
/// lands inside it; release builds never read this variable.
fn step_delay() {
    if cfg!(debug_assertions) {
        if let Some(ms) = std::env::var("SCAFFOLD_TEST_STEP_DELAY_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
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

/// A new file's mode before the umask: rw-r--r--, or rwxr-xr-x when the scaffold's file was
/// executable.
fn new_mode(executable: bool) -> u32 {
    if executable {
        0o755
    } else {
        0o644
    }
}

/// The mode of a file that is replaced, which its new contents keep.
fn mode_of(target: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(target) {
            return meta.permissions().mode();
        }
    }
    #[cfg(not(unix))]
    let _ = target;
    0o644
}

/// Gives a staged file the replaced file's mode exactly (the umask narrowed it at creation).
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_appears_at_a_new_files_path_is_kept_and_the_run_undone() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let mut plan = Plan::new(root);
        plan.create("a.go", "package main // this run's\n");
        plan.create(
            "pkg/b.go",
            "package pkg // this run's, and longer than theirs\n",
        );
        // Someone writes b.go after the plan was made: shorter than ours, so it would look cut
        // off if the undo looked at it at all.
        fs::create_dir(root.join("pkg")).unwrap();
        fs::write(root.join("pkg/b.go"), "theirs\n").unwrap();
        let err = plan.apply().unwrap_err().to_string();
        assert!(
            err.contains("cannot write") && err.contains("b.go"),
            "{err}"
        );
        assert_eq!(
            fs::read_to_string(root.join("pkg/b.go")).unwrap(),
            "theirs\n"
        );
        assert!(
            !root.join("a.go").exists(),
            "this run's file was not undone"
        );
        assert!(!root.join(journal::FILE).exists());
    }

    #[test]
    fn new_files_are_written_in_place_and_replaced_ones_through_a_rename() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::write(root.join("old.txt"), "before\n").unwrap();
        let mut plan = Plan::new(root);
        plan.put("old.txt", "after\n").unwrap();
        plan.create("dir/new.txt", "new\n");
        let journal = plan.journal(false).unwrap();
        assert!(journal.files[0].staged.is_some() && journal.files[0].backup.is_some());
        assert!(journal.files[1].staged.is_none() && journal.files[1].backup.is_none());
        assert_eq!(journal.dirs, [PathBuf::from("dir")]);
        plan.apply().unwrap();
        assert_eq!(fs::read_to_string(root.join("old.txt")).unwrap(), "after\n");
        assert_eq!(
            fs::read_to_string(root.join("dir/new.txt")).unwrap(),
            "new\n"
        );
        let names: Vec<_> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "temp files or the journal left: {names:?}");
    }
}
