//! The journal of a multi-file write, so a run killed part way never leaves a repo half
//! changed: a package folder without its wiring, a Dockerfile on a new release with go.mod on
//! the old one, a package hidden in `.scaffold-removing-X`, `.scaffold-*` files in `git status`.
//!
//! [`crate::repo::plan::Plan::apply`] writes the journal before it creates any file: every
//! folder it will make, every temp file (staged new contents, and a copy of the old contents
//! of each file it replaces), every new file it writes in place, and every folder it moves
//! aside. While the journal says `staging`, nothing of the user's has changed, and undoing
//! means deleting what was made; once it says `commit`, every file is staged, and finishing
//! means doing the remaining renames.
//!
//! A file that did not exist is written in place, not through a temp file and a rename:
//! there is nothing of the user's to protect, and `new` writes a whole repo this way at the
//! cost of `cp`. Undoing deletes it when it holds this write's bytes, or fewer bytes than
//! that (the run was killed while writing it; `create_new` guarantees nobody else made it). Both are idempotent, so a run killed while finishing or undoing is finished or
//! undone by the next. The next command, whichever it is, does this first, under the repo's
//! lock ([`crate::repo::lock`]).
//!
//! What it survives is a killed process (SIGKILL, a closed terminal, a crash), not a power
//! cut: nothing is fsynced, which would make every command slower for a case git covers.
//!
//! A journal is input like any other file in the repo, and one that came with the repo must
//! never be acted on: it would rename and delete whatever it names. So a journal is sealed
//! ([`super::seal`]) with a key only this user's scaffold has, binds the repo's real root, and
//! names only plain relative paths, each checked again ([`super::confine`]) before anything is
//! done. A journal that fails any of that is foreign: reported, never acted on.

use super::confine;
use crate::error::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The journal's name at the repo's root (a `.scaffold-` name, as every temp file has).
pub const FILE: &str = ".scaffold-journal";

/// The first word of a journal's first line, before its format and its seal.
const MAGIC: &str = "scaffold-journal";

/// The journal's format: 2 is sealed and binds the root.
const FORMAT: &str = "2";

/// Where a write is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Temp files are being written; nothing the user sees has changed.
    Staging,
    /// Every temp file is written; renames are under way.
    Commit,
    /// A rename failed; what was done is being undone.
    Rollback,
}

/// One file the write puts in place. Paths are relative to the repo's root, with any link in
/// them resolved (a link that leaves the repo is refused before the journal is made).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub target: PathBuf,
    /// The new contents, renamed onto `target` at commit; `None` for a new file written in
    /// place while staging.
    pub staged: Option<PathBuf>,
    /// The old contents of a file that is replaced (`None` for a new file).
    pub backup: Option<PathBuf>,
    /// SHA-256 of the new contents: a file holding exactly these bytes is this write's.
    pub sha256: String,
    /// The length of the new contents: a new file written in place that is shorter was cut
    /// off by a kill.
    #[serde(default)]
    pub len: u64,
}

/// A folder deleted by the write: moved aside at commit, deleted at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Removal {
    pub folder: PathBuf,
    pub aside: PathBuf,
}

/// Everything a write will do, saved before it does any of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    /// The repo's root with every link resolved: a journal acts only in the repo it was
    /// written for.
    pub root: PathBuf,
    /// The command line, for the message of the command that finishes or undoes it.
    pub command: String,
    pub pid: u32,
    pub state: State,
    /// Folders the write creates, parents first.
    pub dirs: Vec<PathBuf>,
    pub files: Vec<Entry>,
    pub removals: Vec<Removal>,
}

/// SHA-256 of some bytes, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Journal {
    /// Saves the journal at `root` atomically (a temp file renamed over it), sealed.
    pub fn save(&self, root: &Path) -> Result<()> {
        let path = root.join(FILE);
        let tmp = root.join(format!("{FILE}.tmp"));
        let body = serde_json::to_vec_pretty(self)?;
        let seal = super::seal::seal(&body).unwrap_or_else(|| "unsealed".into());
        let mut text = format!("{MAGIC} {FORMAT} {seal}\n").into_bytes();
        text.extend_from_slice(&body);
        // Whatever is at the temp name (a link the repo came with) is replaced, not written
        // through: `create_new` does not follow a link.
        remove_file(&tmp)?;
        write_new(&tmp, &text).with_context(|| format!("cannot write {}", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// The journal left at `root` by a run that did not finish, if any: this user's own, for
    /// this repo, naming only paths inside it; anything else is [`Found::Foreign`].
    pub fn load(root: &Path) -> Result<Option<Found>> {
        let path = root.join(FILE);
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if !meta.is_file() {
            return Ok(Some(Found::Foreign("it is not a regular file".into())));
        }
        let bytes =
            crate::files::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Some(match Journal::unseal(root, &bytes) {
            Ok(journal) => Found::Ours(journal),
            Err(why) => Found::Foreign(why),
        }))
    }

    /// The journal in a file's bytes, when its seal, its root and every path hold.
    fn unseal(root: &Path, bytes: &[u8]) -> std::result::Result<Journal, String> {
        let newline = bytes
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(bytes.len());
        let head = std::str::from_utf8(&bytes[..newline]).unwrap_or("");
        let body = bytes.get(newline + 1..).unwrap_or_default();
        let words: Vec<&str> = head.split(' ').collect();
        let [MAGIC, FORMAT, seal] = words[..] else {
            return Err("it is not a journal of this scaffold's format".into());
        };
        if seal == "unsealed" {
            return Err(
                "it was written where no journal key could be kept (see XDG_STATE_HOME)".into(),
            );
        }
        if !super::seal::verify(body, seal) {
            return Err("its seal is not this user's: scaffold on this machine did not write it (did it come with the repo?)".into());
        }
        let journal: Journal =
            serde_json::from_slice(body).map_err(|e| format!("it cannot be read ({e})"))?;
        let real_root = root.canonicalize().map_err(|e| e.to_string())?;
        if journal.root != real_root {
            return Err(format!(
                "it was written for {}, not this folder",
                journal.root.display()
            ));
        }
        journal.check_paths(&real_root).map_err(|e| e.to_string())?;
        Ok(journal)
    }

    /// Every path the journal names is plainly relative and, followed on disk now, still the
    /// same path inside the repo; temp names are scaffold's own.
    fn check_paths(&self, real_root: &Path) -> Result<()> {
        let same = |rel: &Path| -> Result<()> {
            if confine::inside(real_root, rel)? != rel {
                bail!("{} now goes through a link", rel.display());
            }
            Ok(())
        };
        let temp = |rel: &Path, beside: &Path, prefix: &str| -> Result<()> {
            same(rel)?;
            let name = rel.file_name().map(|n| n.to_string_lossy());
            if rel.parent() != beside.parent() || !name.is_some_and(|n| n.starts_with(prefix)) {
                bail!("{} is not a temp name of scaffold's", rel.display());
            }
            Ok(())
        };
        for d in &self.dirs {
            same(d)?;
        }
        for e in &self.files {
            same(&e.target)?;
            for t in [&e.staged, &e.backup].into_iter().flatten() {
                temp(t, &e.target, ".scaffold-")?;
            }
        }
        for r in &self.removals {
            confine::relative(&r.folder)?;
            if let Some(parent) = r.folder.parent().filter(|p| !p.as_os_str().is_empty()) {
                same(parent)?;
            }
            temp(&r.aside, Path::new("x"), ".scaffold-removing-")?;
        }
        Ok(())
    }

    /// Finishes a committed write: the remaining renames, then the clean-up. Safe to run
    /// again at any point.
    pub fn roll_forward(&self, root: &Path) -> Result<()> {
        for e in &self.files {
            let Some(staged) = &e.staged else {
                continue; // written in place while staging
            };
            let (staged, target) = (root.join(staged), root.join(&e.target));
            if !exists(&staged) {
                continue;
            }
            // A new file that someone made since is theirs: it is kept, and ours dropped.
            if e.backup.is_none() && exists(&target) {
                remove_file(&staged)?;
                continue;
            }
            fs::rename(&staged, &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        for r in &self.removals {
            let (folder, aside) = (root.join(&r.folder), root.join(&r.aside));
            if exists(&folder) && !exists(&aside) {
                fs::rename(&folder, &aside)
                    .with_context(|| format!("cannot remove {}", folder.display()))?;
            }
        }
        self.clean_up(root)
    }

    /// Deletes what a finished write leaves: the folders moved aside, the copies of old
    /// contents, the journal. A folder that cannot be deleted whole is named in the error.
    pub fn clean_up(&self, root: &Path) -> Result<()> {
        let mut failed = Vec::new();
        for r in &self.removals {
            let aside = root.join(&r.aside);
            // A folder (`remove-package --delete`) or a single file (`update`).
            let removed = match fs::symlink_metadata(&aside) {
                Ok(m) if m.is_dir() => fs::remove_dir_all(&aside),
                _ => fs::remove_file(&aside),
            };
            if let Err(e) = removed {
                if e.kind() != ErrorKind::NotFound {
                    failed.push(format!("{} ({e})", aside.display()));
                }
            }
            // A removed file's folders go with it once empty, as git leaves none behind.
            let gone = root.join(&r.folder);
            for dir in gone.ancestors().skip(1).take_while(|d| *d != root) {
                if fs::remove_dir(dir).is_err() {
                    break;
                }
            }
        }
        for e in &self.files {
            if let Some(b) = &e.backup {
                remove_file(&root.join(b))?;
            }
        }
        remove_file(&root.join(FILE))?;
        if !failed.is_empty() {
            crate::error::bail!(
                "the change is made, but deleting the old folder failed part way: delete {} yourself",
                failed.join(", ")
            );
        }
        Ok(())
    }

    /// Undoes a write at any point before it finished: temp files deleted, replaced files
    /// given their old contents back, new files and folders removed, moved folders put
    /// back. Safe to run again at any point.
    pub fn roll_back(&self, root: &Path) -> Result<()> {
        for e in self.files.iter().rev() {
            let target = root.join(&e.target);
            let Some(staged) = &e.staged else {
                if is_ours(&target, &e.sha256) || is_cut_off(&target, e.len) {
                    remove_file(&target)?;
                }
                continue;
            };
            let staged = root.join(staged);
            if exists(&staged) {
                // Never renamed: the target is as it was.
                remove_file(&staged)?;
            } else if is_ours(&target, &e.sha256) {
                match &e.backup {
                    Some(b) if exists(&root.join(b)) => fs::rename(root.join(b), &target)
                        .with_context(|| format!("cannot restore {}", target.display()))?,
                    Some(_) => {}
                    None => remove_file(&target)?,
                }
            }
            if let Some(b) = &e.backup {
                remove_file(&root.join(b))?;
            }
        }
        for r in self.removals.iter().rev() {
            let (folder, aside) = (root.join(&r.folder), root.join(&r.aside));
            if exists(&aside) && !exists(&folder) {
                fs::rename(&aside, &folder)
                    .with_context(|| format!("cannot put {} back", folder.display()))?;
            }
        }
        for dir in self.dirs.iter().rev() {
            // Only while empty: anything in it now is not this write's.
            let _ = fs::remove_dir(root.join(dir));
        }
        remove_file(&root.join(FILE))
    }
}

/// What [`recover`] did, for the command to say.
#[derive(Debug)]
pub struct Recovered {
    pub command: String,
    pub pid: u32,
    /// True when the interrupted write was finished, false when it was undone.
    pub finished: bool,
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.finished {
            "had written every file and was finished now"
        } else {
            "was undone: the repo is as it was before it"
        };
        write!(
            f,
            "`{}` (pid {}) was interrupted; it {what}",
            self.command, self.pid
        )
    }
}

/// A journal found at a repo's root.
pub enum Found {
    /// Written by this user's scaffold for this repo: it may be acted on.
    Ours(Journal),
    /// Anything else, with why: never acted on.
    Foreign(String),
}

/// Finishes or undoes the write an interrupted run left at `root`, if any. The caller holds
/// the repo's lock, so the run that wrote the journal is gone. A foreign journal is refused.
pub fn recover(root: &Path) -> Result<Option<Recovered>> {
    // A journal being saved when the run was killed is half written and was never used.
    remove_file(&root.join(format!("{FILE}.tmp")))?;
    let journal = match Journal::load(root)? {
        None => return Ok(None),
        Some(Found::Foreign(why)) => bail!("{}", foreign(root, &why)),
        Some(Found::Ours(journal)) => journal,
    };
    let finished = journal.state == State::Commit;
    let done = if finished {
        journal.roll_forward(root)
    } else {
        journal.roll_back(root)
    };
    done.with_context(|| {
        format!(
            "cannot recover from the interrupted `{}` ({FILE} in {})",
            journal.command,
            root.display()
        )
    })?;
    Ok(Some(Recovered {
        command: journal.command,
        pid: journal.pid,
        finished,
    }))
}

/// What a command that only reads says of a journal it finds, and leaves alone.
pub fn pending(root: &Path) -> Option<String> {
    match Journal::load(root) {
        Ok(None) => None,
        Ok(Some(Found::Ours(j))) => Some(format!(
            "an interrupted `{}` left {FILE} in {}; it was left alone: run `scaffold sync` to finish or undo it",
            j.command,
            root.display()
        )),
        Ok(Some(Found::Foreign(why))) => Some(foreign(root, &why)),
        Err(e) => Some(format!("{e}")),
    }
}

/// The message for a journal scaffold will not act on.
fn foreign(root: &Path, why: &str) -> String {
    format!(
        "{} holds a {FILE} that scaffold will not act on: {why}; check `git status`, restore what is wrong from git, then delete {FILE}",
        root.display()
    )
}

/// Whether a path exists, links included (a link to nothing exists).
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Whether the file at `path` holds exactly the bytes with this hash.
fn is_ours(path: &Path, sha: &str) -> bool {
    crate::files::read(path).is_ok_and(|b| sha256(&b) == sha)
}

/// Whether the file at `path` is shorter than `len`: a new file written in place whose write
/// a kill cut off (it was created with `create_new`, so it is this write's).
fn is_cut_off(path: &Path, len: u64) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() < len)
}

/// Writes a file that must not exist yet, never through a link.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, nix::libc::O_NOFOLLOW);
    options.open(path)?.write_all(bytes)
}

fn remove_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot delete {}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_place(target: &str, contents: &str) -> Entry {
        Entry {
            target: target.into(),
            staged: None,
            backup: None,
            sha256: sha256(contents.as_bytes()),
            len: contents.len() as u64,
        }
    }

    fn journal(root: &Path, files: Vec<Entry>) -> Journal {
        Journal {
            root: root.canonicalize().unwrap(),
            command: "scaffold new game".into(),
            pid: 1,
            state: State::Staging,
            dirs: vec![],
            files,
            removals: vec![],
        }
    }

    #[test]
    fn undoing_deletes_new_files_written_whole_or_cut_off_and_keeps_any_other() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let ours = "package main\n";
        fs::write(root.join("whole.go"), ours).unwrap();
        fs::write(root.join("cut.go"), &ours[..4]).unwrap();
        fs::write(root.join("empty.go"), "").unwrap();
        fs::write(root.join("other.go"), "package other, edited since\n").unwrap();
        let files = ["whole.go", "cut.go", "empty.go", "other.go", "never.go"]
            .iter()
            .map(|t| in_place(t, ours))
            .collect();
        journal(root, files).save(root).unwrap();
        let recovered = recover(root).unwrap().unwrap();
        assert!(!recovered.finished);
        for gone in ["whole.go", "cut.go", "empty.go", FILE] {
            assert!(!root.join(gone).exists(), "{gone} was left");
        }
        assert!(
            root.join("other.go").exists(),
            "a longer, different file was deleted"
        );
    }

    #[test]
    fn a_journal_this_user_did_not_seal_is_never_acted_on() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        fs::create_dir(&root).unwrap();
        fs::write(root.join("victim.go"), "package main\n").unwrap();
        let ours = journal(&root, vec![in_place("victim.go", "package main\n")]);
        // As a repo's author would plant it: the right shape, a made-up seal, and the old
        // unsealed JSON form.
        let body = serde_json::to_vec(&ours).unwrap();
        let forged = [
            format!("{MAGIC} {FORMAT} {}\n", "ab".repeat(32)).into_bytes(),
            body.clone(),
        ]
        .concat();
        for planted in [forged, body] {
            fs::write(root.join(FILE), &planted).unwrap();
            let err = recover(&root).unwrap_err().to_string();
            assert!(err.contains("will not act on"), "{err}");
            assert!(
                root.join("victim.go").exists(),
                "a foreign journal was acted on"
            );
            assert!(pending(&root).unwrap().contains("will not act on"));
        }
    }

    #[test]
    fn a_sealed_journal_naming_paths_outside_the_repo_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        fs::create_dir(&root).unwrap();
        let canary = tmp.path().join("canary");
        fs::write(&canary, "keep").unwrap();
        for target in ["../canary", "/etc/passwd", ".git/config"] {
            journal(&root, vec![in_place(target, "keep")])
                .save(&root)
                .unwrap();
            let err = recover(&root).unwrap_err().to_string();
            assert!(err.contains("will not act on"), "{target}: {err}");
            assert_eq!(fs::read_to_string(&canary).unwrap(), "keep");
        }
        // Written for another folder: refused here.
        let mut elsewhere = journal(&root, vec![]);
        elsewhere.root = tmp.path().to_path_buf();
        elsewhere.save(&root).unwrap();
        assert!(recover(&root)
            .unwrap_err()
            .to_string()
            .contains("written for"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
            ..Default::default()
        })]

        /// Whatever bytes a repo holds at `.scaffold-journal` (a header that looks right, long
        /// lines, deep JSON), loading it never panics and never yields a journal to act on.
        #[test]
        fn any_bytes_at_the_journal_path_are_foreign(
            head in proptest::prop_oneof![
                proptest::strategy::Just(format!("{MAGIC} {FORMAT} ")),
                proptest::strategy::Just(String::new()),
                "[ -~]{0,80}",
            ],
            seal in "[0-9a-f]{0,70}",
            depth in 0usize..5000,
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..2000),
        ) {
            let tmp = tempfile::tempdir().unwrap();
            let mut bytes = format!("{head}{seal}\n").into_bytes();
            bytes.extend(std::iter::repeat_n(b'[', depth));
            bytes.extend(body);
            fs::write(tmp.path().join(FILE), &bytes).unwrap();
            let found = Journal::load(tmp.path()).unwrap();
            proptest::prop_assert!(matches!(found, Some(Found::Foreign(_))));
        }
    }
}
