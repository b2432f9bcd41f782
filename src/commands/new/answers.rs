//! `new`'s answers: each from its flag, else asked on a terminal, else its default; without a
//! terminal and without `--yes`, one usage error names every flag still missing.

use crate::cli::NewArgs;
use crate::error::{bail, Error, Result};
use crate::go::names;
use crate::repo::new::Resolved;
use crate::scaffold::template::Template;
use crate::scaffold::{answers, config, source};
use crate::{prompts, versions};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Without a terminal and without `--yes`, every answer must come as a flag: names all the
/// missing ones at once (a usage error), so one more run is enough.
fn refuse_missing(
    args: &NewArgs,
    dir_name: Option<&str>,
    template: &Template,
    given: &answers::Given,
) -> Result<()> {
    let flags = [
        (
            args.name.is_none() && dir_name.is_none(),
            "DIR (or --name NAME)",
        ),
        (args.module.is_none(), "--module PATH"),
        (args.nakama.is_none(), "--nakama VERSION"),
        (
            args.package.is_none() && !args.no_package,
            "--package NAME (or --no-package)",
        ),
        (!args.git && !args.no_git, "--git (or --no-git)"),
    ];
    let unset = |name: &String| !given.sets.contains_key(name) && !given.file.contains_key(name);
    let missing: Vec<String> = (flags.iter().filter(|(m, _)| *m))
        .map(|(_, flag)| flag.to_string())
        .chain(
            (template
                .manifest
                .variables
                .iter()
                .filter(|v| unset(&v.name)))
            .map(|v| format!("--set {}=VALUE", v.name)),
        )
        .collect();
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
    let (from, subdir) = (args.from.as_deref(), args.subdir.as_deref());
    let fetched = source::Fetched::from_flag(from, subdir, args.allow_insecure, &config)?;
    let given = answers::Given::from_flags(&args.sets, args.answers.as_deref())?;
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

    let default_module = super::default_module(&config, &dir, &name);
    let module = match &args.module {
        Some(m) => m.clone(),
        None if ask => prompts::module_path(&default_module)?,
        None => default_module,
    };
    names::check_module_path(&module)?;

    let default_nakama = config.default_release()?;
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
