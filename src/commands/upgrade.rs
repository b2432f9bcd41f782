//! `scaffold upgrade --nakama V`: move a repo to another release in one reviewable step (both
//! image tags, nakama-common, protobuf, the go line, go.sum when it is ours, scaffold.toml).

use crate::cli::UpgradeArgs;
use crate::error::{bail, Context, Result};
use crate::go::gomod;
use crate::repo::project;
use crate::repo::upgrade::{digest_warnings, plan, refuse_stale_vendor};
use crate::ui::{colour_diff, Report, Ui};
use crate::{git, versions};
use std::path::Path;
use std::process::Command;

pub fn run(args: UpgradeArgs, ui: Ui) -> Result<()> {
    if args.list {
        return list(&args.dir, ui);
    }
    let Some(wanted) = args.nakama.as_deref() else {
        bail!("say which release: `scaffold upgrade --nakama VERSION` (`--list` shows them)");
    };
    let release = versions::find_offered(wanted)?;
    let root = project::find_root(&args.dir)?;
    let _lock = if args.dry_run {
        super::lock_to_read(&root, ui)?
    } else {
        Some(super::lock_repo(&root, ui)?)
    };
    let record = project::load(&root)?;
    if !args.allow_dirty && !args.dry_run {
        let dirty = git::dirty_under(&root)?;
        if !dirty.is_empty() {
            bail!(
                "the git work tree has uncommitted changes ({}); commit or stash them so the upgrade is reviewable on its own, or pass --allow-dirty",
                git::summarise(&dirty)
            );
        }
    }
    let plan = plan(&root, &record, release)?;
    if plan.changed().iter().any(|f| f == "go.mod") {
        refuse_stale_vendor(&root, args.no_go)?;
    }
    let mut warnings = digest_warnings(&root, release);
    // Green means it builds: the upgraded repo (after the `go mod tidy` and `go mod vendor`
    // that follow the write) is judged before anything is written.
    plan.check()?;
    let judge = if args.no_go {
        crate::doctor::judge::Judge::static_rules("--no-go")
    } else {
        crate::doctor::gate::check_plan_tidied(&root, &plan)?
    };
    if args.dry_run {
        // `finish` prints the diff and the would-be changes, and writes nothing.
        return super::finish_judged("upgrade", &root, plan, warnings, true, ui, None, judge);
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
        warnings.extend(run_go(&root, release, ui)?);
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
            "Upgraded",
            &format!(
                "to Nakama {} (nakama-common {}, Go {})",
                release.nakama, release.nakama_common, release.go
            ),
        );
    }
    let mut report = Report {
        created,
        changed,
        warnings,
        ..Report::new("upgrade", &root)
    }
    .with("judge", &judge);
    super::judged(&judge, &mut report, ui);
    for w in &report.warnings {
        ui.warn(w);
    }
    ui.report(report);
    Ok(())
}

/// `go mod tidy` (and `go mod vendor` when the repo vendors), with a spinner on a terminal.
fn run_go(root: &Path, release: &versions::Release, ui: Ui) -> Result<Vec<String>> {
    if Command::new("go").arg("version").output().is_err() {
        return Ok(vec![
            "Go is not on PATH; run `go mod tidy` yourself before building".into(),
        ]);
    }
    let mut steps = vec![vec!["mod", "tidy"]];
    if root.join("vendor").is_dir() {
        steps.push(vec!["mod", "vendor"]);
    }
    for step in steps {
        let label = format!("go {}", step.join(" "));
        let spinner = crate::ui::spinner(ui, &label);
        let out = Command::new("go")
            .args(&step)
            .current_dir(root)
            .output()
            .with_context(|| format!("cannot run {label}"))?;
        spinner.finish_and_clear();
        if !out.status.success() {
            bail!(
                "{label} failed after the upgrade was written (review it with `git diff`): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        ui.status("Ran", &label);
    }
    // A dependency may have raised a module Nakama shares; say so, the plugin would not load.
    let after = gomod::parse(&crate::files::read_to_string(&root.join("go.mod"))?)?;
    let mut warnings = Vec::new();
    // Or raised the go line past the pluginbuilder's Go, which refuses it (GOTOOLCHAIN=local).
    if let Some(go) = &after.go {
        use crate::go::GoVersion;
        let newer = match (GoVersion::parse(go), GoVersion::parse(&release.go)) {
            (Some(got), Some(want)) => got > want,
            _ => false,
        };
        if newer {
            warnings.push(format!("after `go mod tidy`, go.mod says `go {go}`, newer than Go {} in nakama-pluginbuilder:{}; the Docker build will fail with `go.mod requires go >= {go}` until the dependency that needs it is lowered (`go mod graph` shows it) and the go line is {} again", release.go, release.nakama, release.go));
        }
    }
    for (path, want) in [
        (
            "github.com/heroiclabs/nakama-common",
            &release.nakama_common,
        ),
        ("google.golang.org/protobuf", &release.protobuf),
    ] {
        if let Some(got) = after.require(path) {
            if got != want {
                warnings.push(format!("after `go mod tidy`, go.mod requires {path} {got}, but Nakama {} is built with {want}; the plugin will not load until they match", release.nakama));
            }
        }
    }
    Ok(warnings)
}

/// The release table: text columns, or the report's `releases`. The root is the repo when
/// run in one, else the current folder.
fn list(dir: &Path, ui: Ui) -> Result<()> {
    let mut text = format!(
        "{:<8} {:<14} {:<8} protobuf\n",
        "nakama", "nakama-common", "go"
    );
    for r in versions::releases() {
        text += &format!(
            "{:<8} {:<14} {:<8} {}\n",
            r.nakama, r.nakama_common, r.go, r.protobuf
        );
    }
    ui.out(&text)?;
    let root = project::find_root(dir).unwrap_or_else(|_| crate::ui::here());
    ui.report(Report::new("upgrade", &root).with("releases", versions::releases()));
    Ok(())
}
