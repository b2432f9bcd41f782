//! `scaffold sync`: rebuild packages_gen.go and the Dockerfile block from the folders on disk;
//! `--check` for CI, `--adopt` for plugin repos made by hand.

use crate::cli::SyncArgs;
use crate::error::{Context, Error};
use crate::go::gomod;
use crate::repo::plan::Plan;
use crate::repo::project;
use crate::repo::regen::{self, Mode};
use crate::ui::{colour_diff, Report, Ui};

pub fn run(args: SyncArgs, ui: Ui) -> super::Outcome {
    // Run at a game repo's root, the one plugin below it.
    let (dir, located) = crate::repo::locate::resolve(&args.dir)?;
    if let Some(at) = &located {
        ui.status("Plugin", at);
    }
    let root = if args.adopt {
        dir.canonicalize()
            .with_context(|| format!("cannot open {}", dir.display()))?
    } else {
        project::find_root(&dir)?
    };
    let _lock = super::hold(&root, ui, !(args.check || args.dry_run))?;
    let mut plan = if args.adopt {
        crate::repo::adopt::plan(&root, args.nakama.as_deref())?
    } else {
        project::load(&root)?;
        Plan::new(&root)
    };
    let module = gomod::module_of(&root)?;
    let outcome = regen::plan(
        &root,
        &module,
        &mut plan,
        Mode {
            force: args.force,
            adopt: args.adopt,
        },
    )?;
    if args.check {
        let stale = !plan.is_empty();
        let diff = plan.diff();
        // Fresh is not enough: the build the block feeds must build (Go judges when here).
        let judged = crate::doctor::gate::check_plan(&root, &plan);
        let mut report = Report::new("sync", &root)
            .with("stale", stale)
            .with("diff", &diff);
        report.dry_run = true;
        report.created = plan.created();
        report.changed = plan.changed();
        report.warnings = outcome.warnings;
        if let Ok(judge) = &judged {
            report = report.with("judge", judge);
            super::judged(judge, &mut report, ui);
        }
        for w in &report.warnings {
            ui.warn(w);
        }
        if !stale {
            judged?;
            ui.status(
                "Checked",
                "the Dockerfile block and packages_gen.go: both match the package folders",
            );
            return Ok(Some(report));
        }
        crate::ui::shown(ui.out(&colour_diff(&diff)))?;
        // Exit 1, after the diff on stdout.
        return Ok(Some(report.fails(Error::Problems(
            "out of date: run `scaffold sync` and commit the result".into(),
        ))));
    }
    super::Finish {
        command: "sync",
        root: &root,
        plan,
        warnings: outcome.warnings,
        dry_run: args.dry_run,
        headline: None,
    }
    .run(ui)
    .map(Some)
}
