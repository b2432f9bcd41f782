//! `scaffold doctor [DIR]`: report what breaks the plugin build, grouped by file or as JSON;
//! `--fix` writes the safe fixes atomically (`--dry-run` shows their diff only).

use crate::cli::DoctorArgs;
use crate::doctor::{self, report, report::Report};
use crate::error::{Error, Result};
use crate::ui::{colour_diff, Ui};

pub fn run(mut args: DoctorArgs, ui: Ui) -> super::Outcome {
    let allow = doctor::checks::allowed(&args.allow)?;
    // Run at a game repo's root, the one plugin below it (its compose service or Dockerfile).
    if args.dockerfile.is_none() {
        if let Some(p) = crate::repo::locate::at_root(&args.dir)? {
            ui.status("Plugin", &p.describe(&args.dir.canonicalize()?));
            args.dockerfile = p.dockerfile_path();
            args.dir = p.context;
        }
    }
    // Any folder may be checked, made by scaffold or not. Only `--fix` writes, so only it takes
    // the lock (and finishes an interrupted run); a check creates nothing.
    let _lock = if args.dir.is_dir() {
        Some(super::hold(&args.dir, ui, args.fix && !args.dry_run)?)
    } else {
        None
    };
    let target = doctor::Target::with_dockerfile(&args.dir, args.dockerfile.as_deref());
    if !args.fix {
        let depth = doctor::judged::depth(args.build);
        let mut r = doctor::diagnose_judged(&target, depth)?.report();
        if args.build {
            if let Some(j) = r.judge.as_ref().filter(|j| !j.is_go()) {
                // Asked to build, and nothing built it: that is no verdict at all.
                return Err(Error::CannotRun(format!(
                    "doctor --build cannot replay the builder stage: {}",
                    j.why.as_deref().unwrap_or("Go was not asked")
                )));
            }
        }
        r.allow(&allow);
        doctor::unadvertise_declined(&target, &allow, &mut r);
        let report = show(&r, json_report(&args, &r), ui)?;
        return Ok(Some(report.judged(verdict(&r, ui, &args))));
    }

    let mut outcome = doctor::plan_fixes_for(&target, &allow)?;
    // A fix that would add a problem is not applied; the report says which and why.
    for warnings in [&mut outcome.before.warnings, &mut outcome.after.warnings] {
        warnings.extend(outcome.dropped.iter().cloned());
    }
    if !outcome.plan.is_empty() {
        crate::ui::shown(ui.out(&colour_diff(&outcome.plan.diff())))?;
    }
    let planned = |report: crate::ui::Report| {
        let mut report = report;
        report.created = outcome.plan.created();
        report.changed = outcome.plan.changed();
        report
    };
    if args.dry_run {
        let fixable = outcome.after.fixed.len();
        if fixable > 0 {
            ui.status(
                "Would fix",
                &format!("{fixable} problem(s); run without --dry-run to write them"),
            );
        }
        let mut report = planned(json_report(&args, &outcome.before));
        report.dry_run = true;
        let report = show(&outcome.before, report, ui)?;
        return Ok(Some(report.judged(verdict(&outcome.before, ui, &args))));
    }
    outcome.plan.apply()?;
    let after = outcome.after;
    if !ui.json {
        for p in &after.fixed {
            ui.status(
                "Fixed",
                &format!("{}:{}: {} {}", p.file, p.line, p.id, p.message),
            );
        }
        if outcome.plan.is_empty() && outcome.dropped.is_empty() && !after.problems.is_empty() {
            ui.status(
                "Unchanged",
                "none of these problems has a safe automatic fix; make the change each `fix:` line names",
            );
        }
    }
    let report = show(&after, planned(json_report(&args, &after)), ui)?;
    Ok(Some(report.judged(verdict(&after, ui, &args))))
}

/// Prints the findings: the grouped listing on stdout and warnings on stderr; returns the
/// report for the one JSON object. A reader that stopped reading leaves the verdict to come
/// as it is ([`crate::ui::shown`]).
fn show(r: &Report, report: crate::ui::Report, ui: Ui) -> Result<crate::ui::Report> {
    for w in &r.warnings {
        ui.warn(&format!("{}:{}: {}", w.file, w.line, w.message));
    }
    crate::ui::shown(ui.out(&report::render(&r.problems)))?;
    Ok(report)
}

/// Doctor's findings in the shape every command reports: its problems and what `--fix`
/// fixed as fields of their own, its notes as `file:line: message` warnings.
fn json_report(args: &DoctorArgs, r: &Report) -> crate::ui::Report {
    let mut out = crate::ui::Report::new("doctor", &args.dir)
        .with("problems", &r.problems)
        .with("fixed", &r.fixed);
    if let Some(j) = &r.judge {
        out = out.with("judge", j);
    }
    out.warnings = r
        .warnings
        .iter()
        .map(|w| format!("{}:{}: {}", w.file, w.line, w.message))
        .collect();
    out
}

/// Exit 0 when clean; otherwise an error carrying status 1 whose message is the summary.
/// Either way the last line says who judged (Go, or the static rules and why).
fn verdict(r: &Report, ui: Ui, args: &DoctorArgs) -> Result<()> {
    let problems = &r.problems;
    let by = r
        .judge
        .as_ref()
        .map(|j| format!(" (judged by {})", j.describe()))
        .unwrap_or_default();
    if problems.is_empty() {
        ui.status(
            "Checked",
            &format!("{}: no problems found{by}", crate::ui::absolute(&args.dir)),
        );
        return Ok(());
    }
    if let Some(j) = r.judge.as_ref().filter(|j| !j.is_go()) {
        ui.warn(&format!("judged by {}", j.describe()));
    }
    let fixable = problems.iter().filter(|p| p.fixable).count();
    let hint = match (fixable, args.fix && !args.dry_run) {
        (0, _) | (_, true) => String::new(),
        (n, false) => format!(" ({n} fixable: run `scaffold doctor --fix`)"),
    };
    Err(Error::Problems(format!(
        "{} problem(s) found{hint}",
        problems.len()
    )))
}
