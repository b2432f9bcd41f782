//! `scaffold new`: resolve the answers (flags, then prompts), plan the whole repo in memory,
//! then write it at once and start git.

use crate::cli::NewArgs;
use crate::plan::Plan;
use crate::project::{Answers, Origin, Record};
use crate::regen::{self, Mode};
use crate::ui::{Report, Ui};
use crate::{git, names, prompts, starter, template, versions};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Every answer, resolved before anything touches the disk.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub dir: PathBuf,
    pub name: String,
    pub module: String,
    pub release: &'static versions::Release,
    pub package: Option<String>,
    pub git: bool,
}

#[derive(Serialize)]
struct Data<'a> {
    name: &'a str,
    module: &'a str,
    nakama: &'a str,
    nakama_common: &'a str,
    go_version: &'a str,
    protobuf: &'a str,
}

fn missing(what: &str, flag: &str) -> anyhow::Error {
    anyhow::anyhow!("no terminal to ask for the {what}: pass {flag}, or --yes to take the defaults")
}

/// Turns flags (and, on a terminal, answers) into one checked set of values.
pub fn resolve(args: &NewArgs) -> Result<Resolved> {
    let ask = !args.yes && prompts::interactive();
    let must = !args.yes && !ask;
    let dir_name = args
        .dir
        .as_ref()
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned());

    let name = match (&args.name, &dir_name) {
        (Some(n), _) => n.clone(),
        (None, d) if ask => prompts::project_name(d.as_deref())?,
        (None, Some(d)) => d.clone(),
        (None, None) => bail!("give the folder to create: `scaffold new DIR` (or --name NAME)"),
    };
    names::check_project_name(&name).map_err(anyhow::Error::msg)?;
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(&name));

    let default_module = format!("example.com/{}", name.to_ascii_lowercase());
    let module = match &args.module {
        Some(m) => m.clone(),
        None if ask => prompts::module_path(&default_module)?,
        None if must => return Err(missing("Go module path", "--module PATH")),
        None => default_module,
    };
    names::check_module_path(&module).map_err(anyhow::Error::msg)?;

    let nakama = match &args.nakama {
        Some(v) => v.clone(),
        None if ask => prompts::nakama_version()?,
        None if must => return Err(missing("Nakama version", "--nakama VERSION")),
        None => versions::default_release().nakama.clone(),
    };
    let release = versions::find(&nakama)?;

    let package = match (&args.package, args.no_package) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) if ask => prompts::first_package()?,
        (None, false) if must => {
            return Err(missing("first package", "--package NAME or --no-package"))
        }
        (None, false) => Some("profile".to_string()),
    };
    if let Some(p) = &package {
        names::check_package_name(p)?;
    }

    let git = match (args.git, args.no_git) {
        (true, _) => true,
        (_, true) => false,
        _ if ask => prompts::git_init()?,
        _ if must => return Err(missing("git choice", "--git or --no-git")),
        _ => true,
    };
    Ok(Resolved {
        dir,
        name,
        module,
        release,
        package,
        git,
    })
}

/// Every file of the new repo, in memory.
pub fn plan(r: &Resolved) -> Result<Plan> {
    let rel = r.release;
    let data = Data {
        name: &r.name,
        module: &r.module,
        nakama: &rel.nakama,
        nakama_common: &rel.nakama_common,
        go_version: &rel.go,
        protobuf: &rel.protobuf,
    };
    let mut plan = Plan::new(&r.dir);
    for f in template::render_builtin("project", &data)? {
        plan.create(f.path, f.contents);
    }
    if let Some(sum) = versions::go_sum(rel) {
        plan.create("go.sum", sum);
    }
    let record = Record {
        scaffold: Origin {
            version: env!("CARGO_PKG_VERSION").into(),
            template: "builtin:nakama-go".into(),
        },
        project: Answers {
            name: r.name.clone(),
            module: r.module.clone(),
            nakama: rel.nakama.clone(),
        },
        packages: Default::default(),
    };
    plan.create(crate::project::FILE, record.to_toml());
    if let Some(pkg) = &r.package {
        let rpcs = [starter::default_rpc(pkg)];
        for f in starter::render("rpc", pkg, &r.module, &rpcs)? {
            plan.create(f.path, f.contents);
        }
    }
    // The block and the wiring come from the same code as `sync`, over the planned tree.
    regen::plan(&r.dir, &r.module, &mut plan, Mode::default())?;
    Ok(plan)
}

pub fn run(args: NewArgs, ui: Ui) -> Result<()> {
    let r = resolve(&args)?;
    check_destination(&r.dir, args.force)?;
    let mut plan = plan(&r)?;
    let mut report = Report {
        command: "new".into(),
        root: r.dir.display().to_string(),
        dry_run: args.dry_run,
        ..Report::default()
    };
    // With --force an existing file is kept and said, never overwritten.
    let mut skipped = Vec::new();
    plan.changes.retain(|c| {
        let exists = r.dir.join(&c.path).exists();
        if exists {
            skipped.push(crate::plan::slash(&c.path));
        }
        !exists
    });
    skipped.sort();
    if names::module_is_dotless(&r.module) {
        report.warnings.push(format!("module path `{}` has no dot in its first element: Go then reports a package missing from the Docker build as the misleading `is not in std`; prefer `example.com/{}`", r.module, r.module));
    }
    for s in &skipped {
        report
            .warnings
            .push(format!("{s} already exists and was kept as it is"));
    }
    report.created = plan.created();
    report.skipped = skipped;

    if args.dry_run {
        ui.status(
            "Would create",
            &format!("{} in {}", r.name, r.dir.display()),
        );
        if !ui.json {
            for f in &report.created {
                println!("{}", Path::new(&r.dir).join(f).display());
            }
        }
    } else {
        plan.apply()?;
        if r.git {
            if git::inside_work_tree(&r.dir) {
                report.warnings.push(format!(
                    "{} is inside a git work tree; skipped `git init`",
                    r.dir.display()
                ));
            } else {
                git::init_and_commit(&r.dir, "Initial commit from scaffold new")
                    .context("the files were written, but git failed")?;
            }
        }
        ui.status(
            "Created",
            &format!(
                "{} (Nakama {}, nakama-common {}, Go {}) in {}",
                r.name,
                r.release.nakama,
                r.release.nakama_common,
                r.release.go,
                r.dir.display()
            ),
        );
    }
    for w in &report.warnings {
        ui.warn(w);
    }
    if !args.dry_run && !ui.quiet && !ui.json {
        eprintln!(
            "\nNext:\n  cd {}\n  docker compose up --build      # Nakama on http://127.0.0.1:7350\n  scaffold add-package inventory  # more code, wired and copied by the Dockerfile",
            r.dir.display()
        );
        if versions::go_sum(r.release).is_none() {
            eprintln!("  go mod tidy                     # writes go.sum (none is recorded for this release)");
        }
    }
    ui.report(&report);
    Ok(())
}

/// Refuses a destination that is a file, or a non-empty folder without --force.
fn check_destination(dir: &Path, force: bool) -> Result<()> {
    if dir.is_file() {
        bail!(
            "{} is a file; pick a folder name that does not exist",
            dir.display()
        );
    }
    if dir.is_dir() {
        let non_empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            bail!(
                "{} already exists and is not empty; pick a new folder, or pass --force to add the missing files (existing ones are kept)",
                dir.display()
            );
        }
    }
    Ok(())
}
