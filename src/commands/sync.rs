//! `scaffold sync`: rebuild packages_gen.go and the Dockerfile block from the folders on disk;
//! `--check` for CI, `--adopt` for plugin repos made by hand.

use crate::cli::SyncArgs;
use crate::docker::block;
use crate::error::{bail, Context, Error, Result};
use crate::go::gomod;
use crate::repo::plan::Plan;
use crate::repo::project::{self, Answers, Origin, Record};
use crate::repo::regen::{self, Mode};
use crate::ui::{colour_diff, Ui};
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
        adopt_plan(&root)?
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
        if plan.is_empty() {
            ui.status(
                "Fresh",
                "the Dockerfile block and packages_gen.go match the folders",
            );
            return Ok(());
        }
        ui.out(&colour_diff(&plan.diff()));
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
fn adopt_plan(root: &Path) -> Result<Plan> {
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
    Ok(plan)
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
