//! One module per subcommand; each only turns its arguments into calls on the library modules.

pub mod add_package;
pub mod completions;
pub mod dev;
pub mod doctor;
pub mod new;
pub mod remove_package;
pub mod sync;
pub mod templates;
pub mod upgrade;

use crate::error::Result;
use crate::repo::plan::Plan;
use crate::ui::{colour_diff, Report, Ui};
use std::path::Path;

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
) -> Result<()> {
    let mut report = Report::new(command, root);
    report.dry_run = dry_run;
    report.created = plan.created();
    report.changed = plan.changed();
    report.deleted = plan.removed();
    report.warnings = warnings;
    if dry_run {
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
    ui.report(report);
    Ok(())
}
