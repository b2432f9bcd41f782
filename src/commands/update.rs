//! `scaffold update [--to REF]`: fetch the new version of the repo's scaffold, answer its new
//! questions (flags, a terminal, or one error naming them all), then have
//! [`crate::repo::update`] plan the three-way merge and write it at once. Conflicts are
//! written inline and listed last, with exit code 1; `--check` only says whether a newer
//! version exists.

use crate::cli::UpdateArgs;
use crate::error::{bail, Error, Result};
use crate::prompts;
use crate::repo::git;
use crate::repo::project;
use crate::repo::update::{self, Version};
use crate::scaffold::{answers, config};
use crate::ui::{Report, Ui};

pub fn run(args: UpdateArgs, ui: Ui) -> super::Outcome {
    // `--check` and dry runs only read.
    let repo = super::open(&args.dir, ui, !(args.check || args.dry_run))?;
    let (root, record) = (&repo.root, &repo.record);
    let config = config::load()?;
    let target = update::fetch_target(&record.scaffold, args.to.as_deref(), &config)?;
    let newer = update::is_new(&record.scaffold, &target.origin);
    let recorded = update::label(&record.scaffold);
    if args.check {
        // --check writes nothing: its report says so, fresh or not.
        let report = Report {
            dry_run: true,
            ..Report::new("update", root)
        };
        if newer {
            return Ok(Some(report.fails(Error::Problems(format!(
                "a newer scaffold is out: {} (this repo: {recorded}); run `scaffold update`",
                target.label()
            )))));
        }
        ui.status("Fresh", &format!("on the newest scaffold ({recorded})"));
        return Ok(Some(report));
    }
    if !newer {
        ui.status("Fresh", &format!("already on {recorded}"));
        return Ok(Some(Report {
            dry_run: args.dry_run,
            ..Report::new("update", root)
        }));
    }
    if !args.allow_dirty && !args.dry_run {
        let dirty = git::dirty_under(root)?;
        if !dirty.is_empty() {
            bail!(
                "the git work tree has uncommitted changes ({}); commit or stash them, so the update's merge and any conflicts are yours to review on their own, or pass --allow-dirty",
                git::summarise(&dirty)
            );
        }
    }
    let base = update::base(&record.scaffold)?;
    let answers = answer(&args, record, &target, ui)?;
    let up = update::plan(root, record, &base, &target, &answers.0)?;
    let mut warnings = answers.1;
    warnings.extend(up.warnings);
    warnings.extend(up.conflicts.iter().map(|c| {
        format!("{}: conflict; you and the scaffold changed the same or adjacent lines, marked <<<<<<< yours ... >>>>>>> {}", c.path, target.marker())
    }));
    let finish = super::Finish {
        command: "update",
        root,
        plan: up.plan,
        warnings,
        dry_run: args.dry_run,
        headline: Some(super::Headline {
            done: "Updated",
            dry: "Would update",
            what: format!("from {recorded} to {}", target.label()),
        }),
    };
    let report = match finish.run(ui) {
        // A reader that stopped reading the diff leaves the verdict as it is.
        Err(e) if e.is_broken_pipe() => Report::new("update", root),
        other => other?,
    };
    if up.conflicts.is_empty() {
        return Ok(Some(report));
    }
    let message = update::leave_conflicts(root, &up.conflicts, args.dry_run)?;
    Ok(Some(report.fails(Error::Problems(message))))
}

/// The new version's answers: given, recorded, asked on a terminal, or (`--yes`) defaults;
/// with no terminal, one error names every question left. Also returns notes about recorded
/// answers the new version no longer asks.
fn answer(
    args: &UpdateArgs,
    record: &project::Record,
    target: &Version,
    ui: Ui,
) -> Result<(std::collections::BTreeMap<String, toml::Value>, Vec<String>)> {
    let given = answers::Given::from_flags(&args.sets, args.answers.as_deref())?;
    let (given, missing, dropped) = update::given_answers(record, &target.template, given);
    let ask = !args.yes && prompts::interactive();
    if !missing.is_empty() && !ask && !args.yes {
        let vars = &target.template.manifest.variables;
        let listed: Vec<String> = missing
            .iter()
            .filter_map(|m| vars.iter().find(|v| &v.name == m))
            .map(|v| format!("`{}` ({})", v.name, v.prompt))
            .collect();
        let sets: Vec<String> = missing.iter().map(|m| format!("--set {m}=VALUE")).collect();
        bail!(
            "{} asks {} new question{} and there is no terminal to ask: {}; pass {}, or --answers FILE, or --yes to take the defaults",
            target.label(),
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            listed.join(", "),
            sets.join(" ")
        );
    }
    if ask && !missing.is_empty() {
        ui.status("Asking", &format!("what {} asks anew", target.label()));
    }
    let how = if ask {
        answers::Missing::Ask(&prompts::variable)
    } else {
        answers::Missing::TakeDefault
    };
    let data = update::data(record, &Default::default());
    let resolved = answers::resolve(&target.template.manifest, &data, &given, how)?;
    let notes = dropped
        .into_iter()
        .map(|k| {
            format!(
                "scaffold.toml: `{k}` is no longer asked by the scaffold; its answer was dropped"
            )
        })
        .collect();
    Ok((resolved, notes))
}
