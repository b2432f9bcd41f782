//! `scaffold sync`: rebuild packages_gen.go and the Dockerfile block from the folders on disk;
//! `--check` for CI, `--adopt` for plugin repos made by hand.

use crate::cli::SyncArgs;
use crate::docker::block;
use crate::error::{bail, Context, Error, Result};
use crate::go::gomod;
use crate::repo::plan::Plan;
use crate::repo::project::{self, Answers, Origin, Record};
use crate::repo::regen::{self, Mode};
use crate::ui::{colour_diff, Report, Ui};
use crate::versions;
use std::path::Path;

pub fn run(args: SyncArgs, ui: Ui) -> Result<()> {
    let root = if args.adopt {
        args.dir
            .canonicalize()
            .with_context(|| format!("cannot open {}", args.dir.display()))?
    } else {
        project::find_root(&args.dir)?
    };
    let _lock = if args.check || args.dry_run {
        super::lock_to_read(&root, ui)?
    } else {
        Some(super::lock_repo(&root, ui)?)
    };
    let mut plan = if args.adopt {
        adopt_plan(&root, args.nakama.as_deref())?
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
        ui.report(report);
        if !stale {
            judged?;
            ui.status(
                "Fresh",
                "the Dockerfile block and packages_gen.go match the folders",
            );
            return Ok(());
        }
        crate::ui::shown(ui.out(&colour_diff(&diff)))?;
        // Exit 1, after the diff on stdout.
        return Err(Error::Problems(
            "out of date: run `scaffold sync` and commit the result".into(),
        ));
    }
    super::finish(
        "sync",
        &root,
        plan,
        outcome.warnings,
        args.dry_run,
        ui,
        None,
    )
}

/// For `--adopt`: the repo is the given folder; scaffold.toml is planned from go.mod and the
/// Nakama release (`--nakama`, or the Dockerfile's image tags) when the repo has none. A
/// Dockerfile that already has a block (`doctor --fix` adds one) is adopted as it is.
fn adopt_plan(root: &Path, nakama: Option<&str>) -> Result<Plan> {
    let mut plan = Plan::new(root);
    if root.join(project::FILE).exists() {
        project::load(root)?;
        return Ok(plan);
    }
    let module = gomod::module_of(root)?;
    let docker = crate::files::read_to_string(&root.join("Dockerfile")).with_context(|| {
        format!(
            "no Dockerfile in {}; --adopt needs the plugin's Dockerfile at the repo root",
            root.display()
        )
    })?;
    block::find(&docker).map_err(|e| crate::error::err!("Dockerfile: {e}"))?;
    let nakama = match nakama {
        Some(v) => versions::find(v)?.nakama.clone(),
        None => release_of(&docker)?,
    };
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plugin".into());
    let record = Record {
        scaffold: Origin {
            template: "adopted".into(),
            ..Origin::builtin()
        },
        project: Answers {
            name,
            module,
            nakama,
        },
        answers: Default::default(),
        packages: Default::default(),
    };
    plan.put(project::FILE, record.to_toml())?;
    Ok(plan)
}

/// The Nakama release the Dockerfile's image tags name (global ARG defaults read), or an
/// error asking for `--nakama` when they name none, several, or one outside the table:
/// `scaffold dev` and `upgrade` trust what scaffold.toml records, so it is never a guess.
fn release_of(dockerfile: &str) -> Result<String> {
    let images = crate::docker::images::from_images(dockerfile);
    let ask = "pass the release you deploy: `scaffold sync --adopt --nakama X`";
    let tags: std::collections::BTreeSet<&str> = images.iter().map(|i| i.tag.as_str()).collect();
    let why = match (images.first(), tags.len()) {
        (None, _) => {
            "the Dockerfile names no heroiclabs/nakama or nakama-pluginbuilder image".to_string()
        }
        (Some(_), n) if n > 1 => {
            let listed: Vec<String> = images
                .iter()
                .map(|i| format!("`{}` (line {})", i.written, i.line))
                .collect();
            format!("the image tags differ: {}", listed.join(", "))
        }
        (Some(i), _) if i.tag.is_empty() => format!(
            "`{}` (line {}) takes its tag from an ARG without a default",
            i.written, i.line
        ),
        (Some(i), _) if i.tag == "latest" => format!(
            "`{}` (line {}) is `latest`, which names no release",
            i.written, i.line
        ),
        (Some(i), _) => match versions::find(&i.tag) {
            Ok(r) => return Ok(r.nakama.clone()),
            Err(_) => format!(
                "Nakama {} (`{}`, line {}) is not in scaffold's release table ({})",
                i.tag,
                i.written,
                i.line,
                versions::known_list()
            ),
        },
    };
    bail!("cannot tell which Nakama release this repo is for: {why}; {ask}")
}
