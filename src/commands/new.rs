//! `scaffold new`: resolve the answers (flags, then prompts), have [`crate::repo::new`] plan
//! the whole repo in memory, then write it at once and start git.

use crate::cli::NewArgs;
use crate::error::{bail, Context, Error, Result};
use crate::go::names;
use crate::repo::git;
use crate::repo::new::{check_destination, plan, Resolved};
use crate::scaffold::template::Template;
use crate::scaffold::Origin;
use crate::scaffold::{answers, config, source};
use crate::ui::{Report, Ui};
use crate::{prompts, versions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Without a terminal and without `--yes`, every answer must come as a flag: names all the
/// missing ones at once (a usage error), so one more run is enough.
fn refuse_missing(
    args: &NewArgs,
    dir_name: Option<&str>,
    template: &Template,
    given: &answers::Given,
) -> Result<()> {
    let mut missing: Vec<String> = Vec::new();
    if args.name.is_none() && dir_name.is_none() {
        missing.push("DIR (or --name NAME)".into());
    }
    if args.module.is_none() {
        missing.push("--module PATH".into());
    }
    if args.nakama.is_none() {
        missing.push("--nakama VERSION".into());
    }
    if args.package.is_none() && !args.no_package {
        missing.push("--package NAME (or --no-package)".into());
    }
    if !args.git && !args.no_git {
        missing.push("--git (or --no-git)".into());
    }
    for var in &template.manifest.variables {
        if !given.sets.contains_key(&var.name) && !given.file.contains_key(&var.name) {
            missing.push(format!("--set {}=VALUE", var.name));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "no terminal to ask the questions: pass {}, or --yes to take the defaults",
        missing.join(", ")
    )))
}

/// Turns flags (and, on a terminal, answers) into one checked set of values. The scaffold is
/// fetched first, so a bad `--from` fails before anyone types an answer.
pub fn resolve(args: &NewArgs) -> Result<Resolved> {
    let config = config::load()?;
    let fetched = match &args.from {
        Some(spec) => source::fetch(
            &source::parse(spec, &config),
            args.subdir.as_deref(),
            args.allow_insecure,
        )?,
        None => source::Fetched {
            template: Template::builtin(),
            origin: Origin::builtin(),
        },
    };
    let given = answers::Given {
        sets: answers::parse_sets(&args.sets)?,
        file: match &args.answers {
            Some(path) => answers::read_file(path)?,
            None => Default::default(),
        },
    };
    let ask = !args.yes && prompts::interactive();
    if ask {
        prompts::restore_cursor_on_interrupt();
    }
    let must = !args.yes && !ask;
    // `scaffold new .` names the project after the current folder.
    let dir_name = args
        .dir
        .as_ref()
        .and_then(|d| {
            d.file_name()
                .map(PathBuf::from)
                .or_else(|| d.canonicalize().ok())
        })
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    if must {
        refuse_missing(args, dir_name.as_deref(), &fetched.template, &given)?;
    }

    let name = match (&args.name, &dir_name) {
        (Some(n), _) => n.clone(),
        (None, d) if ask => prompts::project_name(d.as_deref())?,
        (None, Some(d)) => d.clone(),
        (None, None) => bail!("give the folder to create: `scaffold new DIR` (or --name NAME)"),
    };
    names::check_project_name(&name)?;
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(&name));

    let prefix = config.module_prefix.as_deref().unwrap_or("example.com");
    let default_module = format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        name.to_ascii_lowercase()
    );
    let module = match &args.module {
        Some(m) => m.clone(),
        None if ask => prompts::module_path(&default_module)?,
        None => default_module,
    };
    names::check_module_path(&module)?;

    let default_nakama = match &config.nakama {
        Some(v) => versions::find_offered(v).with_context(|| {
            format!(
                "`nakama` in {}",
                config::path().unwrap_or_default().display()
            )
        })?,
        None => versions::default_release(),
    };
    let nakama = match &args.nakama {
        Some(v) => v.clone(),
        None if ask => prompts::nakama_version(&default_nakama.nakama)?,
        None => default_nakama.nakama.clone(),
    };
    let release = versions::find_offered(&nakama)?;

    let package = match (&args.package, args.no_package) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) if ask => prompts::first_package()?,
        (None, false) => Some("profile".to_string()),
    };
    if let Some(p) = &package {
        names::check_package_name(p)?;
    }

    let git = match (args.git, args.no_git) {
        (true, _) => true,
        (_, true) => false,
        _ if ask => prompts::git_init()?,
        _ => true,
    };
    let mut resolved = Resolved {
        dir,
        name,
        module,
        release,
        package,
        git,
        template: fetched.template,
        origin: fetched.origin,
        answers: BTreeMap::new(),
    };
    let how = if ask {
        answers::Missing::Ask(&prompts::variable)
    } else if must {
        answers::Missing::Refuse
    } else {
        answers::Missing::TakeDefault
    };
    resolved.answers =
        answers::resolve(&resolved.template.manifest, &resolved.data(), &given, how)?;
    Ok(resolved)
}

pub fn run(args: NewArgs, ui: Ui) -> super::Outcome {
    let r = resolve(&args)?;
    if args.dry_run {
        check_destination(&r.dir, args.force)?;
        return write(&r, &args, ui);
    }
    // The folder is made and locked first, and checked and filled under the lock: two `new`s
    // into one folder run one after the other (the second finds it full), and a `new` killed
    // part way is undone by the next before it looks.
    check_destination(&r.dir, true)?; // a file there is refused before any folder is made
    let made = crate::repo::plan::create_root(&r.dir)?;
    let done = super::lock_repo(&r.dir, ui).and_then(|lock| {
        check_destination(&r.dir, args.force)?;
        let report = write(&r, &args, ui)?;
        drop(lock);
        Ok(report)
    });
    if done.is_err() {
        let _ = std::fs::remove_file(r.dir.join(crate::repo::lock::FILE));
        for dir in made.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
    done
}

/// Plans the repo, then writes it (or lists it for a dry run) and reports.
fn write(r: &Resolved, args: &NewArgs, ui: Ui) -> super::Outcome {
    let mut plan = plan(r)?;
    let mut report = Report::new("new", &r.dir);
    report.dry_run = args.dry_run;
    // With --force an existing file is kept and said, never overwritten.
    let mut skipped = Vec::new();
    plan.changes.retain(|c| {
        let exists = r.dir.join(&c.path).exists();
        if exists {
            skipped.push(crate::files::slash(&c.path));
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
    // A kept Dockerfile without the package block would make every later command refuse.
    if skipped.iter().any(|s| s == "Dockerfile") {
        let kept = crate::files::read_to_string(&r.dir.join("Dockerfile")).unwrap_or_default();
        if matches!(crate::docker::block::find(&kept), Ok(None)) {
            report.warnings.push(
                "the kept Dockerfile has no package block; run `scaffold sync --adopt` to add it"
                    .into(),
            );
        }
    }
    report.created = plan.created();
    report.skipped = skipped;

    if args.dry_run {
        ui.status(
            "Would create",
            &format!("{} in {}", r.name, r.dir.display()),
        );
        let listing: String = report
            .created
            .iter()
            .map(|f| format!("{}\n", Path::new(&r.dir).join(f).display()))
            .collect();
        ui.out(&listing)?;
    } else {
        plan.apply()?;
        // The kinds go to the user's cache, where `add-package` takes them from: no clone on
        // every call, and none at all once the team's repository is unreachable.
        if r.origin.template != crate::scaffold::template::BUILTIN_SOURCE {
            if let Err(e) = crate::scaffold::cache::store(&r.origin, &r.template) {
                report.warnings.push(format!(
                    "the scaffold's kinds could not be kept in the cache ({e}); `add-package` will fetch them again"
                ));
            }
        }
        if r.git {
            if git::inside_work_tree(&r.dir) {
                report.warnings.push(format!(
                    "{} is inside a git work tree; skipped `git init`",
                    r.dir.display()
                ));
            } else {
                git::init_and_commit(&r.dir, "Initial commit from scaffold new").with_context(
                    || {
                        format!(
                            "the files were written, but `git init` failed; run `git init` in {} yourself",
                            r.dir.display()
                        )
                    },
                )?;
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
        crate::ui::eprint_line(&next_steps(r));
    }
    Ok(Some(report))
}

/// The "Next:" lines after `new`: `cd` unless the repo is the current folder, the compose
/// command, an `add-package` example that does not name the package just made, and `go mod
/// tidy` when no go.sum is recorded for the release.
fn next_steps(r: &Resolved) -> String {
    let mut out = String::from("\nNext:\n");
    let here = std::env::current_dir().ok();
    let is_here = std::path::absolute(&r.dir)
        .ok()
        .zip(here)
        .is_some_and(|(d, h)| d == h)
        || r.dir
            .components()
            .all(|c| c == std::path::Component::CurDir);
    if !is_here {
        out += &format!("  cd {}\n", r.dir.display());
    }
    out += "  docker compose up --build      # Nakama on http://127.0.0.1:7350\n";
    let example = ["inventory", "stats"]
        .into_iter()
        .find(|p| r.package.as_deref() != Some(*p))
        .unwrap_or("stats");
    out += &format!(
        "  scaffold add-package {example:<11}# more code, wired and copied by the Dockerfile"
    );
    if versions::go_sum(r.release).is_none() {
        out += "\n  go mod tidy                     # writes go.sum (none is recorded for this release)";
    }
    out
}
