//! `scaffold upgrade --nakama V`: move a repo to another release in one reviewable step (both
//! image tags, nakama-common, protobuf, the go line, go.sum when it is ours, scaffold.toml).

use crate::cli::UpgradeArgs;
use crate::error::{bail, Result};
use crate::go::GoVersion;
use crate::repo::upgrade::{self, digest_warnings, plan, refuse_stale_vendor};
use crate::repo::{git, project};
use crate::ui::{colour_diff, Report, Ui};
use crate::versions;
use std::path::Path;

pub fn run(args: UpgradeArgs, ui: Ui) -> super::Outcome {
    if args.list {
        return list(&args.dir, ui);
    }
    let Some(wanted) = args.nakama.as_deref() else {
        bail!("say which release: `scaffold upgrade --nakama VERSION` (`--list` shows them)");
    };
    let release = versions::find_offered(wanted)?;
    let repo = super::open(&args.dir, ui, !args.dry_run)?;
    let (root, record) = (&repo.root, &repo.record);
    let from = record.project.nakama.clone();
    let older = GoVersion::parse_exact(&release.nakama) < GoVersion::parse_exact(&from);
    if older && wanted.trim() == versions::LATEST {
        // `latest` never goes back (a scheduled upgrade on a repo ahead of this table).
        let (ahead, newest) = (format!("on Nakama {from}"), &release.nakama);
        ui.status(
            "Fresh",
            &format!("{ahead}, newer than the newest offered ({newest})"),
        );
        return Ok(Some(Report::new("upgrade", root)));
    }
    if !args.allow_dirty && !args.dry_run {
        let dirty = git::dirty_under(root)?;
        if !dirty.is_empty() {
            bail!(
                "the git work tree has uncommitted changes ({}); commit or stash them so the upgrade is reviewable on its own, or pass --allow-dirty",
                git::summarise(&dirty)
            );
        }
    }
    let plan = plan(root, record, release)?;
    if plan.changed().iter().any(|f| f == "go.mod") {
        refuse_stale_vendor(root, args.no_go)?;
    }
    let mut warnings = digest_warnings(root, release);
    // Green means it builds: the upgraded repo (after the `go mod tidy` and `go mod vendor`
    // that follow the write) is judged before anything is written.
    plan.check()?;
    let judge = if args.no_go {
        crate::doctor::judge::Judge::static_rules("--no-go")
    } else {
        crate::doctor::gate::check_plan_tidied(root, &plan)?
    };
    if args.dry_run {
        // `finish` prints the diff and the would-be changes, and writes nothing.
        let finish = super::Finish {
            command: "upgrade",
            root,
            plan,
            warnings,
            dry_run: true,
            headline: None,
        };
        return finish.judged(judge, ui).map(Some);
    }
    if !ui.quiet {
        ui.out(&colour_diff(&plan.diff()))?;
    }
    let mut created = plan.created();
    let mut changed = plan.changed();
    plan.apply()?;
    if !args.no_go && !plan.is_empty() {
        // `go mod tidy` may rewrite go.mod and go.sum again; the report says so.
        let read = |f: &str| crate::files::read(&root.join(f)).ok();
        let before = [read("go.mod"), read("go.sum")];
        warnings.extend(run_go(root, release, ui)?);
        for (file, old) in ["go.mod", "go.sum"].into_iter().zip(before) {
            let listed = created.iter().chain(&changed).any(|f| f == file);
            if !listed && read(file) != old {
                if old.is_none() {
                    &mut created
                } else {
                    &mut changed
                }
                .push(file.to_string());
            }
        }
        created.sort();
        changed.sort();
    }
    if plan.is_empty() {
        ui.status("Fresh", &format!("already on Nakama {}", release.nakama));
    } else {
        ui.status(
            if older { "Downgraded" } else { "Upgraded" },
            &format!(
                "from Nakama {from} to {} (nakama-common {}, Go {})",
                release.nakama, release.nakama_common, release.go
            ),
        );
    }
    let mut report = Report {
        created,
        changed,
        warnings,
        ..Report::new("upgrade", root)
    }
    .with("judge", &judge);
    super::judged(&judge, &mut report, ui);
    for w in &report.warnings {
        ui.warn(w);
    }
    Ok(Some(report))
}

/// `go mod tidy` (and `go mod vendor` when the repo vendors), with a spinner on a terminal;
/// then what the result says about the release.
fn run_go(root: &Path, release: &versions::Release, ui: Ui) -> Result<Vec<String>> {
    if !crate::go::tool::available() {
        return Ok(vec![
            "Go is not on PATH; run `go mod tidy` yourself before building".into(),
        ]);
    }
    for step in upgrade::go_steps(root) {
        let label = format!("go {}", step.join(" "));
        let spinner = crate::ui::spinner(ui, &label);
        let ran = upgrade::run_go_step(root, &step);
        spinner.finish_and_clear();
        ran?;
        ui.status("Ran", &label);
    }
    upgrade::after_tidy(root, release)
}

/// The release table: text columns, the last marking the repo's release (`current`) and those
/// `--nakama` takes (`offered`); or the report's `releases`. The root is the repo when run in
/// one, else the current folder.
fn list(dir: &Path, ui: Ui) -> super::Outcome {
    let found = project::find_root(dir).ok();
    let current = found.as_deref().and_then(|root| project::load(root).ok());
    let current = current.map(|r| r.project.nakama);
    let text = upgrade::table_text(current.as_deref());
    ui.out(&text)?;
    let root = found.unwrap_or_else(crate::ui::here);
    Ok(Some(
        Report::new("upgrade", &root).with("releases", versions::releases()),
    ))
}
