//! One module per subcommand; each only turns its arguments into calls on the library modules.

pub mod add_package;
pub mod completions;
pub mod dev;
pub mod doctor;
pub mod man;
pub mod new;
pub mod releases;
pub mod remove_package;
pub mod sync;
pub mod templates;
pub mod update;
pub mod upgrade;

use crate::error::Result;

/// What a command returns: its report (for `--json`, and carrying its verdict when it
/// reported and then failed), or `None` for a command that has none.
pub type Outcome = Result<Option<Report>>;
use crate::repo::lock::{self, Lock, ReadLock};
use crate::repo::plan::Plan;
use crate::repo::project::{self, Record};
use crate::scaffold::template::Template;
use crate::ui::{colour_diff, Report, Ui};
use std::path::{Path, PathBuf};

/// Takes the repo's lock for a command that changes it, then finishes or undoes a run that
/// was interrupted there (saying which) before the command reads anything.
pub fn lock_repo(root: &Path, ui: Ui) -> Result<Lock> {
    let lock = lock::acquire(root)?;
    recover(root, ui)?;
    Ok(lock)
}

/// For a command that only reads (doctor, `sync --check`, dry runs): waits while a writer
/// holds the repo, and writes nothing at all: no lock file, and a journal left by an
/// interrupted run is reported and left alone.
pub fn lock_to_read(root: &Path, ui: Ui) -> Result<Option<ReadLock>> {
    let lock = lock::wait_to_read(root)?;
    if let Some(pending) = crate::repo::journal::pending(root) {
        ui.warn(&pending);
    }
    Ok(lock)
}

/// A repo opened for a command: its root, its scaffold.toml, and the lock held for as long as
/// the command has it (to write, or shared to read).
pub struct Opened {
    pub root: PathBuf,
    pub record: Record,
    _lock: Held,
}

impl Opened {
    /// The scaffold the repo was made from, at the version it records.
    pub fn template(&self) -> Result<Template> {
        crate::scaffold::source::recorded(&self.record.scaffold)
    }
}

/// The one way a command opens a repo: its root found from `dir` (the folder or a parent),
/// locked (to write when `writes`, else waiting for writers and creating nothing), an
/// interrupted run finished or undone first (writers only), then scaffold.toml read.
pub fn open(dir: &Path, ui: Ui, writes: bool) -> Result<Opened> {
    let root = project::find_root(dir)?;
    let lock = hold(&root, ui, writes)?;
    let record = project::load(&root)?;
    Ok(Opened {
        root,
        record,
        _lock: lock,
    })
}

/// The repo's lock as a command holds it: to write, or shared to read.
pub enum Held {
    Write(Lock),
    Read(Option<ReadLock>),
}

/// [`lock_repo`] for a command that writes, [`lock_to_read`] for one that only reads
/// (`--check`, `--dry-run`).
pub fn hold(root: &Path, ui: Ui, writes: bool) -> Result<Held> {
    Ok(if writes {
        Held::Write(lock_repo(root, ui)?)
    } else {
        Held::Read(lock_to_read(root, ui)?)
    })
}

fn recover(root: &Path, ui: Ui) -> Result<()> {
    if let Some(done) = crate::repo::journal::recover(root)? {
        ui.warn(&done.to_string());
    }
    Ok(())
}

/// The line a command prints above its file list, e.g. `Added rpc package inventory`.
pub struct Headline {
    pub done: &'static str,
    pub dry: &'static str,
    pub what: String,
}

/// Shows or writes a plan, and reports it the way every maintaining command does.
pub fn finish(
    command: &str,
    root: &Path,
    plan: Plan,
    warnings: Vec<String>,
    dry_run: bool,
    ui: Ui,
    headline: Option<Headline>,
) -> Result<Report> {
    let mut report = Report::new(command, root);
    report.dry_run = dry_run;
    report.created = plan.created();
    report.changed = plan.changed();
    report.deleted = plan.removed();
    report.warnings = warnings;
    if dry_run {
        // A dry run says what the run would do, refusals included.
        plan.check()?;
        ui.out(&colour_diff(&plan.diff()))?;
    } else {
        plan.apply()?;
    }
    if !ui.json {
        match headline {
            _ if plan.is_empty() => ui.status("Fresh", "nothing to change"),
            Some(h) => ui.status(if dry_run { h.dry } else { h.done }, &h.what),
            None => {}
        }
        for f in &report.created {
            ui.status(if dry_run { "Would create" } else { "Created" }, f);
        }
        for f in &report.deleted {
            ui.status(if dry_run { "Would delete" } else { "Deleted" }, f);
        }
        for f in &report.changed {
            ui.status(if dry_run { "Would update" } else { "Updated" }, f);
        }
    }
    for w in &report.warnings {
        ui.warn(w);
    }
    Ok(report)
}
