//! How every maintaining command ends: the plan is checked (its own refusals, then the build
//! judged: by Go when it is there), shown or written, and reported the same way.

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
) -> Result<Report> {
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
) -> Result<Report> {
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
    Ok(report)
}

/// Says who judged the build: a status line for Go, a warning for the static rules, unless
/// the user asked for them (`--no-go`): the report's `judge` says so either way.
pub fn judged(judge: &crate::doctor::judge::Judge, report: &mut Report, ui: Ui) {
    if judge.why.as_deref() == Some("--no-go") {
        return;
    }
    if judge.is_go() {
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
