//! `scaffold add-package NAME`: checks the arguments and the kind, then has
//! [`crate::repo::add_package`] plan the package; `--list-kinds` lists the kinds.

use crate::cli::AddPackageArgs;
use crate::error::bail;
use crate::go::names;
use crate::repo::add_package::{plan, NewPackage};
use crate::repo::project;
use crate::scaffold::starter;
use crate::scaffold::template::Template;
use crate::ui::{Report, Ui};
use serde_json::{Map, Value};
use std::path::Path;

pub fn run(args: AddPackageArgs, ui: Ui) -> super::Outcome {
    if args.list_kinds {
        // Inside a repo, its own scaffold's kinds; elsewhere the built-in ones.
        let (root, template) = match project::find_root(&args.dir) {
            Ok(_) => {
                let repo = super::open(&args.dir, ui, false)?;
                let template = repo.template()?;
                (repo.root.clone(), template)
            }
            Err(_) => (crate::ui::here(), Template::builtin()),
        };
        return list_kinds(&root, &template, ui);
    }
    let name = args.name.as_deref().unwrap_or_default();
    names::check_package_name(name)?;
    if args.kind != "rpc" && !args.rpcs.is_empty() {
        bail!(
            "--rpc applies to --kind rpc; a {} package registers its own ids (see `scaffold add-package --list-kinds`)",
            args.kind
        );
    }
    let repo = super::open(&args.dir, ui, !args.dry_run)?;
    let (root, record) = (&repo.root, &repo.record);
    let template = repo.template()?;
    let kinds = starter::kinds(&template);
    if !kinds.iter().any(|(k, _)| *k == args.kind) {
        let known: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
        bail!(
            "unknown package kind `{}`; known kinds: {} (see `scaffold add-package --list-kinds`)",
            args.kind,
            known.join(", ")
        );
    }
    let answers = record_data(record);
    let asked = NewPackage {
        name,
        kind: &args.kind,
        rpcs: &args.rpcs,
        force: args.force,
    };
    let planned = plan(root, &template, &answers, asked)?;
    super::Finish {
        command: "add-package",
        root,
        plan: planned.plan,
        warnings: planned.warnings,
        dry_run: args.dry_run,
        headline: Some(super::Headline {
            done: "Added",
            dry: "Would add",
            what: format!("{} package {name}", args.kind),
        }),
    }
    .run(ui)
    .map(Some)
}

/// The repo's recorded answers as template data, for team kinds that use them: what `new`
/// gave the templates (the release's pins only when the recorded release is known).
fn record_data(record: &project::Record) -> Map<String, Value> {
    let p = &record.project;
    let release = crate::versions::find(&p.nakama).ok();
    crate::scaffold::answers::template_data(&p.name, &p.module, &p.nakama, release, &record.answers)
}

fn list_kinds(root: &Path, template: &Template, ui: Ui) -> super::Outcome {
    let kinds = starter::kinds(template);
    let text: String = kinds
        .iter()
        .map(|(kind, description)| format!("{kind:<6} {description}\n"))
        .collect();
    ui.out(&text)?;
    let kinds: Vec<Value> = kinds
        .into_iter()
        .map(|(name, description)| serde_json::json!({"name": name, "description": description}))
        .collect();
    Ok(Some(Report::new("add-package", root).with("kinds", kinds)))
}
