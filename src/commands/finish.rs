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

/// What a maintaining command hands over at its end: its plan, shown or written and reported
/// the way every maintaining command does.
pub struct Finish<'a> {
    /// The command's name in the report (`add-package`).
    pub command: &'static str,
    pub root: &'a Path,
    pub plan: Plan,
    pub warnings: Vec<String>,
    pub dry_run: bool,
    pub headline: Option<Headline>,
}

impl Finish<'_> {
    /// Checks the plan (its own refusals, which name the line), then judges the repo as
    /// planned (by Go when it is there: green means it builds), then shows or writes it.
    pub fn run(self, ui: Ui) -> Result<Report> {
        self.plan.check()?;
        let judge = crate::doctor::gate::check_plan(self.root, &self.plan)?;
        self.judged(judge, ui)
    }

    /// [`Finish::run`] with the build already judged (a command that judges the repo as it
    /// will be after steps of its own, as `upgrade` after `go mod tidy`).
    pub fn judged(self, judge: crate::doctor::judge::Judge, ui: Ui) -> Result<Report> {
        let Finish {
            command,
            root,
            plan,
            warnings,
            dry_run,
            headline,
        } = self;
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
                _ if plan.is_empty() => {
                    ui.status("Fresh", "the repo already matches; nothing to change")
                }
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
}

/// Says who judged the build: a status line for Go, or for the static rules the user asked
/// for (`--no-go`, `SCAFFOLD_JUDGE=static`); a warning for the static rules when Go could not
/// be asked. The report's `judge` says which either way.
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
