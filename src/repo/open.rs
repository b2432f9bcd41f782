//! Opening a repo for a command, the one way every command does it: its root found from the
//! folder given (or a parent), the repo's lock held (to write, or shared to read), an
//! interrupted run finished or undone first (writers only: a command that only reads creates
//! no lock file and leaves a journal alone, reporting it), then scaffold.toml read.

use crate::error::Result;
use crate::repo::journal;
use crate::repo::lock::{self, Lock, ReadLock};
use crate::repo::project::{self, Record};
use crate::scaffold::template::Template;
use std::path::{Path, PathBuf};

/// The repo's lock as a command holds it: to write, or shared to read.
pub enum Held {
    Write(Lock),
    Read(Option<ReadLock>),
}

/// A held lock, and what the command should say about how it found the repo (an interrupted
/// run finished, undone, or left alone).
pub struct Locked {
    pub held: Held,
    pub note: Option<String>,
}

/// Locks the repo at `root`: to write (after finishing or undoing an interrupted run), or,
/// when `writes` is false, shared, waiting for a writer and creating nothing.
pub fn hold(root: &Path, writes: bool) -> Result<Locked> {
    if writes {
        let lock = lock::acquire(root)?;
        let note = journal::recover(root)?.map(|done| done.to_string());
        return Ok(Locked {
            held: Held::Write(lock),
            note,
        });
    }
    Ok(Locked {
        held: Held::Read(lock::wait_to_read(root)?),
        note: journal::pending(root),
    })
}

/// A repo opened for a command: its root, its scaffold.toml, and the lock held for as long as
/// the command keeps this value.
pub struct Opened {
    pub root: PathBuf,
    pub record: Record,
    pub note: Option<String>,
    /// Where the plugin was found when the command was run above it ([`crate::repo::locate`]).
    pub located: Option<String>,
    _lock: Held,
}

impl Opened {
    /// The scaffold the repo was made from, at the version it records.
    pub fn template(&self) -> Result<Template> {
        crate::scaffold::source::recorded(&self.record.scaffold)
    }
}

/// Opens the repo that holds `dir` ([`hold`], then scaffold.toml); run above a plugin (a
/// game repo's root), the one plugin below it ([`crate::repo::locate::resolve`]).
pub fn open(dir: &Path, writes: bool) -> Result<Opened> {
    let (dir, located) = crate::repo::locate::resolve(dir)?;
    let root = project::find_root(&dir)?;
    let locked = hold(&root, writes)?;
    let record = project::load(&root)?;
    Ok(Opened {
        root,
        record,
        note: locked.note,
        located,
        _lock: locked.held,
    })
}
