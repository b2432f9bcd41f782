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
use crate::repo::open::{self, Held, Opened};
use crate::repo::plan::Plan;
use crate::ui::{colour_diff, Report, Ui};
use std::path::Path;

/// Opens the repo that holds `dir` for a command ([`crate::repo::open`]) and says how it found
/// it (an interrupted run finished, undone, or left alone).
pub fn open(dir: &Path, ui: Ui, writes: bool) -> Result<Opened> {
    let opened = open::open(dir, writes)?;
    if let Some(note) = &opened.note {
        ui.warn(note);
    }
    Ok(opened)
}

/// Locks the repo at `root` for a command that has no scaffold.toml to read (doctor, adopt,
/// new), saying how it found it.
pub fn hold(root: &Path, ui: Ui, writes: bool) -> Result<Held> {
    let locked = open::hold(root, writes)?;
    if let Some(note) = &locked.note {
        ui.warn(note);
    }
    Ok(locked.held)
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
