//! Team-scaffold commands: `scaffold list` (the built-in scaffold and the config's aliases),
//! `scaffold eject DIR` (the built-in scaffold as a starting point), and `scaffold
//! check-template PATH` (render a scaffold with its defaults and check the result).

use super::Outcome;
use crate::cli::{CheckTemplateArgs, EjectArgs};
use crate::error::{bail, Context, Result};
use crate::repo::plan::Plan;
use crate::repo::{add_package, new};
use crate::scaffold::template::Template;
use crate::scaffold::{config, source};
use crate::ui::{Report, Ui};
use std::path::Path;
use std::process::Command;

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
    let mut plan = Plan::new(&args.dir);
    let builtin = Template::builtin();
    for (path, contents) in builtin.files {
        let executable = builtin.executable.contains(&path);
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
            "the built-in scaffold to {} ({} files); use it with `scaffold new DIR --from {}`",
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
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("check");
    let mut resolved = new::Resolved {
        dir: dir.clone(),
        name: "check".into(),
        module: "example.com/check".into(),
        release: crate::versions::default_release(),
        package: Some("profile".into()),
        git: false,
        template: fetched.template,
        origin: fetched.origin,
        answers: Default::default(),
    };
    let given = crate::scaffold::answers::Given {
        sets: crate::scaffold::answers::parse_sets(&args.sets)?,
        file: match &args.answers {
            Some(path) => crate::scaffold::answers::read_file(path)?,
            None => Default::default(),
        },
    };
    resolved.answers = crate::scaffold::answers::resolve(
        &resolved.template.manifest,
        &resolved.data(),
        &given,
        crate::scaffold::answers::Missing::TakeDefault,
    )?;
    check_kind_manifests(&resolved.template)?;
    let plan = new::plan(&resolved)?;
    plan.apply()?;
    let mut files = plan.changes.len();
    // Every kind is added as a package, as `add-package --kind` would, so that Go checks the
    // code of each kind and not only the one `new` starts with.
    for (kind, _) in crate::scaffold::starter::kinds(&resolved.template) {
        let package = probe_package(&kind);
        let (plan, _) = add_package::plan(
            &dir,
            &resolved.template,
            &resolved.data(),
            &package,
            &kind,
            &[],
            false,
        )
        .with_context(|| format!("kind `{kind}`"))?;
        plan.apply()?;
        files += plan.created().len();
    }
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
    if Command::new("go").arg("version").output().is_err() {
        bail!("Go is not on PATH, so the rendered scaffold cannot be compiled; install Go, or pass --no-go to check the templates only");
    }
    let mut checks = Vec::new();
    for step in [
        vec!["mod", "tidy"],
        vec!["vet", "./..."],
        vec!["test", "./..."],
        vec![
            "build",
            "-trimpath",
            "-buildmode=plugin",
            "-o",
            "backend.so",
            ".",
        ],
    ] {
        run_go(&dir, &step)?;
        let passed = format!("go {}", step.join(" "));
        ui.status("Passed", &passed);
        checks.push(passed);
    }
    Ok(Some(report.with("checks", checks)))
}

/// Refuses a `kinds/<kind>/` folder whose manifest.toml is missing or has no description:
/// such a kind is otherwise silently left out of `add-package --kind`.
fn check_kind_manifests(template: &Template) -> Result<()> {
    let described: Vec<String> = template.kinds().into_iter().map(|(k, _)| k).collect();
    for path in template.files.keys() {
        let mut parts = path.components();
        let (Some(first), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        let kind = kind.as_os_str().to_string_lossy();
        if first.as_os_str() == "kinds"
            && parts.next().is_some()
            && !described.iter().any(|k| *k == kind)
        {
            bail!(
                "kind `{kind}` is not usable: kinds/{kind}/manifest.toml is missing, or is not TOML with a `description = \"...\"`"
            );
        }
    }
    Ok(())
}

/// A Go package name for the probe of `kind` (kind folders may hold dashes).
fn probe_package(kind: &str) -> String {
    let clean: String = kind
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("check{clean}")
}

fn run_go(dir: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("CGO_ENABLED", "1")
        .output()
        .with_context(|| format!("cannot run go {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "go {} failed on the rendered scaffold: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
