//! Team-scaffold commands: `scaffold list` (the built-in scaffold and the config's aliases),
//! `scaffold eject DIR` (the built-in scaffold as a starting point), and `scaffold
//! check-template PATH` (render a scaffold with its defaults and check the result).

use super::Outcome;
use crate::cli::{CheckTemplateArgs, EjectArgs};
use crate::error::bail;
use crate::repo::check_template;
use crate::repo::plan::Plan;
use crate::scaffold::template::Template;
use crate::scaffold::{config, manifest, source};
use crate::ui::{Report, Ui};
use std::path::Path;

/// The scaffolds `new --from` can use: text lines, or the report's `scaffolds` (name, source,
/// description of the built-in one) and `config` (the config file's path).
pub fn list(ui: Ui) -> Outcome {
    let config = config::load()?;
    let builtin = Template::builtin();
    let mut text = format!(
        "builtin   {} — {}\n",
        builtin.manifest.name, builtin.manifest.description
    );
    let mut scaffolds = vec![serde_json::json!({
        "name": "builtin",
        "source": "builtin",
        "template": builtin.manifest.name,
        "description": builtin.manifest.description,
    })];
    for (alias, target) in &config.aliases {
        text += &format!("{alias:<9} {target}\n");
        scaffolds.push(serde_json::json!({"name": alias, "source": target}));
    }
    ui.out(&text)?;
    if config.aliases.is_empty() && !ui.quiet && !ui.json {
        if let Some(p) = config::path() {
            crate::ui::eprint_line(&format!(
                "(no team scaffolds: add `[aliases]` with `acme = \"https://…/acme-scaffold#v3\"` to {})",
                p.display()
            ));
        }
    }
    Ok(Some(
        Report::new("list", &crate::ui::here())
            .with("scaffolds", scaffolds)
            .with("config", config::path()),
    ))
}

/// Writes the built-in scaffold into DIR, byte for byte.
pub fn eject(args: EjectArgs, ui: Ui) -> Outcome {
    if args.dir.is_file() {
        bail!(
            "{} is a file; pick a new folder for the scaffold",
            args.dir.display()
        );
    }
    if args.dir.exists() && std::fs::read_dir(&args.dir)?.next().is_some() {
        bail!(
            "{} already exists and is not empty; pick a new folder for the scaffold",
            args.dir.display()
        );
    }
    let name = match &args.name {
        Some(n) => n.clone(),
        None => crate::ui::absolute(&args.dir)
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string(),
    };
    if crate::go::names::check_project_name(&name).is_err() {
        bail!("scaffold name `{name}` is not usable: use letters, digits, `-` and `_`, starting with a letter or digit; pass --name NAME");
    }
    let mut plan = Plan::new(&args.dir);
    let builtin = Template::builtin();
    for (path, mut contents) in builtin.files {
        let executable = builtin.executable.contains(&path);
        // The team's own scaffold: its name, and none of scaffold's maintainer notes.
        if path == std::path::Path::new("template.toml") {
            let text = String::from_utf8_lossy(&contents);
            contents = manifest::ejected(&text, &name).into_bytes().into();
        }
        plan.create_file(crate::scaffold::template::RenderedFile {
            path,
            contents: contents.into_owned(),
            executable,
        });
    }
    plan.apply()?;
    let report = Report {
        created: plan.created(),
        ..Report::new("eject", &args.dir)
    };
    ui.status(
        "Ejected",
        &format!(
            "the built-in scaffold as `{name}` to {} ({} files); use it with `scaffold new DIR --from {}`",
            args.dir.display(),
            plan.changes.len(),
            args.dir.display()
        ),
    );
    Ok(Some(report))
}

/// Renders a scaffold with its defaults into a temp folder and checks the result the way a
/// team's CI would: every template renders in strict mode; with Go, the repo vets, tests and
/// builds as a plugin.
pub fn check(args: CheckTemplateArgs, ui: Ui) -> Outcome {
    let config = config::load()?;
    let fetched = source::fetch(
        &source::parse(&args.path, &config),
        args.subdir.as_deref(),
        args.allow_insecure,
    )?;
    let given = crate::scaffold::answers::Given::from_flags(&args.sets, args.answers.as_deref())?;
    let rendered = check_template::render(fetched.template, fetched.origin, &given)?;
    let files = rendered.files;
    ui.status(
        "Rendered",
        &format!("{files} files with the defaults, one package of each kind"),
    );
    // The scaffold's own folder when it is one, else the current folder.
    let root = Some(Path::new(&args.path))
        .filter(|p| p.is_dir())
        .map_or_else(crate::ui::here, Path::to_path_buf);
    let report = Report::new("check-template", &root).with("rendered", files);
    if args.no_go {
        let skipped = "--no-go: skipped go vet, go test and the plugin build";
        ui.warn(skipped);
        return Ok(Some(Report {
            warnings: vec![skipped.into()],
            ..report.with("checks", Vec::<String>::new())
        }));
    }
    // A template check in CI must not pass without compiling anything.
    if !crate::go::tool::available() {
        bail!("Go is not on PATH, so the rendered scaffold cannot be compiled; install Go, or pass --no-go to check the templates only");
    }
    let mut checks = Vec::new();
    for step in check_template::GO_STEPS {
        check_template::run_go(&rendered.dir, step)?;
        let passed = format!("go {}", step.join(" "));
        ui.status("Passed", &passed);
        checks.push(passed);
    }
    Ok(Some(report.with("checks", checks)))
}
