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
use std::path::{Path, PathBuf};

pub fn run(args: SyncArgs, ui: Ui) -> Result<()> {
    let (root, mut plan) = if args.adopt {
        adopt_root(&args.dir)?
    } else {
        let root = project::find_root(&args.dir)?;
        project::load(&root)?;
        let plan = Plan::new(&root);
        (root, plan)
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
        let mut report = Report::new("sync", &root)
            .with("stale", stale)
            .with("diff", &diff);
        report.dry_run = true;
        report.created = plan.created();
        report.changed = plan.changed();
        report.warnings = outcome.warnings;
        for w in &report.warnings {
            ui.warn(w);
        }
        ui.report(report);
        if !stale {
            ui.status(
                "Fresh",
                "the Dockerfile block and packages_gen.go match the folders",
            );
            return Ok(());
        }
        ui.out(&colour_diff(&diff))?;
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
/// Dockerfile's image tags when the repo has none.
fn adopt_root(dir: &Path) -> Result<(PathBuf, Plan)> {
    let root = dir
        .canonicalize()
        .with_context(|| format!("cannot open {}", dir.display()))?;
    let mut plan = Plan::new(&root);
    if root.join(project::FILE).exists() {
        project::load(&root)?;
        return Ok((root, plan));
    }
    let module = gomod::module_of(&root)?;
    let docker = std::fs::read_to_string(root.join("Dockerfile")).with_context(|| {
        format!(
            "no Dockerfile in {}; --adopt needs the plugin's Dockerfile at the repo root",
            root.display()
        )
    })?;
    let nakama = image_tag(&docker)
        .filter(|v| versions::find(v).is_ok())
        .unwrap_or_else(|| versions::default_release().nakama.clone());
    if block::find(&docker)
        .map_err(|e| crate::error::err!("Dockerfile: {e}"))?
        .is_some()
    {
        bail!("the Dockerfile already has a package block but there is no scaffold.toml; restore scaffold.toml from git");
    }
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
    Ok((root, plan))
}

/// The Nakama version of the first `heroiclabs/nakama-pluginbuilder` or `heroiclabs/nakama` tag.
pub fn image_tag(dockerfile: &str) -> Option<String> {
    dockerfile.lines().find_map(|l| {
        let l = l.trim();
        let rest = l.get(..5).filter(|p| p.eq_ignore_ascii_case("FROM "))?;
        let _ = rest;
        let image = l[5..].split_whitespace().find(|w| !w.starts_with("--"))?;
        let (repo, tag) = image.split_once(':')?;
        (repo.ends_with("heroiclabs/nakama-pluginbuilder") || repo.ends_with("heroiclabs/nakama"))
            .then(|| tag.to_string())
    })
}
