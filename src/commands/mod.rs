//! One module per subcommand; each only turns its arguments into calls on the library modules.

pub mod add_package;
pub mod completions;
pub mod dev;
pub mod doctor;
pub mod new;
pub mod releases;
pub mod remove_package;
pub mod sync;
pub mod templates;
pub mod update;
pub mod upgrade;

use crate::error::Result;
use crate::repo::lock::{self, Lock};
use crate::repo::plan::Plan;
use crate::ui::{colour_diff, Report, Ui};
use std::path::Path;

/// Takes the repo's lock for a command that changes it, then finishes or undoes a run that
/// was interrupted there (saying which) before the command reads anything.
pub fn lock_repo(root: &Path, ui: Ui) -> Result<Lock> {
    let lock = lock::acquire(root)?;
    recover(root, ui)?;
    Ok(lock)
}

/// [`lock_repo`] for a command that only reads: a repo where no lock can be made (read-only)
/// is read as it is.
pub fn lock_to_read(root: &Path, ui: Ui) -> Result<Option<Lock>> {
    let lock = lock::acquire_to_read(root)?;
    if lock.is_some() {
        recover(root, ui)?;
    }
    Ok(lock)
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
) -> Result<()> {
    // The plan's own refusals first (they name the line), then green means it builds: the
    // repo as planned is judged (by Go when it is there).
    plan.check()?;
    let judge = crate::doctor::gate::check_plan(root, &plan)?;
    finish_judged(command, root, plan, warnings, dry_run, ui, headline, judge)
}

/// [`finish`] with the build already judged (a command that judges the repo as it will be
/// after steps of its own, as `upgrade` after `go mod tidy`).
#[allow(clippy::too_many_arguments)]
pub fn finish_judged(
    command: &str,
    root: &Path,
    plan: Plan,
    warnings: Vec<String>,
    dry_run: bool,
    ui: Ui,
    headline: Option<Headline>,
    judge: crate::doctor::judge::Judge,
) -> Result<()> {
    let mut report = Report::new(command, root).with("judge", &judge);
    report.dry_run = dry_run;
    report.created = plan.created();
    report.changed = plan.changed();
    report.deleted = plan.removed();
    report.warnings = warnings;
    if dry_run {
        // A dry run says what the run would do, refusals included (checked above).
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
    judged(&judge, &mut report, ui);
    for w in &report.warnings {
        ui.warn(w);
    }
    ui.report(report);
    Ok(())
}

/// Says who judged the build: a status line for Go (or the static rules the user asked for:
/// `--no-go`, `SCAFFOLD_JUDGE=static`), a warning for the static rules when Go could not be
/// asked.
pub fn judged(judge: &crate::doctor::judge::Judge, report: &mut Report, ui: Ui) {
    let asked = matches!(
        judge.why.as_deref(),
        Some("--no-go" | "SCAFFOLD_JUDGE=static")
    );
    if judge.is_go() || asked {
        ui.status(
            "Checked",
            &format!("the Docker build with {}", judge.describe()),
        );
    } else {
        report.warnings.push(format!(
            "the Docker build was checked with {}",
            judge.describe()
        ));
    }
}
