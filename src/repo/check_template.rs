//! `check-template`'s operation: a scaffold rendered with its defaults into a temp folder, with
//! one package of every kind added as `add-package --kind` would, and the go steps a team's CI
//! runs on the result (tidy, vet, test, the plugin build).

use crate::error::{bail, Context, Result};
use crate::repo::{add_package, new};
use crate::scaffold::answers::{self, Given};
use crate::scaffold::template::Template;
use crate::scaffold::Origin;
use std::path::{Path, PathBuf};

/// The go steps run on the rendered repo, in order.
pub const GO_STEPS: [&[&str]; 4] = [
    &["mod", "tidy"],
    &["vet", "./..."],
    &["test", "./..."],
    &[
        "build",
        "-trimpath",
        "-buildmode=plugin",
        "-o",
        "backend.so",
        ".",
    ],
];

/// A rendered scaffold: the repo's folder (deleted with this value) and how many files it has.
pub struct Rendered {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub files: usize,
}

/// Renders `template` with its defaults (and the `given` answers) into a temp folder, then
/// adds a package of every kind.
pub fn render(template: Template, origin: Origin, given: &Given) -> Result<Rendered> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("check");
    let mut resolved = new::Resolved {
        dir: dir.clone(),
        name: "check".into(),
        module: "example.com/check".into(),
        release: crate::versions::default_release(),
        package: Some("profile".into()),
        git: false,
        template,
        origin,
        answers: Default::default(),
    };
    resolved.answers = answers::resolve(
        &resolved.template.manifest,
        &resolved.data(),
        given,
        answers::Missing::TakeDefault,
    )?;
    check_kind_manifests(&resolved.template)?;
    let plan = new::plan(&resolved)?;
    plan.apply()?;
    let mut files = plan.changes.len();
    // Every kind is added as a package, so that Go checks the code of each kind and not only
    // the one `new` starts with.
    for (kind, _) in crate::scaffold::starter::kinds(&resolved.template) {
        let package = probe_package(&kind);
        let asked = add_package::NewPackage {
            name: &package,
            kind: &kind,
            rpcs: &[],
            force: false,
        };
        let planned = add_package::plan(&dir, &resolved.template, &resolved.data(), asked)
            .with_context(|| format!("kind `{kind}`"))?;
        planned.plan.apply()?;
        files += planned.plan.created().len();
    }
    // The rpc kind again with `--rpc`: its code without the starter RPCs must build too.
    let package = probe_package("rpc_ids");
    let ids = [format!("{package}_get")];
    let asked = add_package::NewPackage {
        name: &package,
        kind: "rpc",
        rpcs: &ids,
        force: false,
    };
    let planned = add_package::plan(&dir, &resolved.template, &resolved.data(), asked)
        .context("kind `rpc` with --rpc")?;
    planned.plan.apply()?;
    files += planned.plan.created().len();
    Ok(Rendered {
        _tmp: tmp,
        dir,
        files,
    })
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

/// One go step in the rendered repo, with cgo on (the plugin build needs it).
pub fn run_go(dir: &Path, args: &[&str]) -> Result<()> {
    let mut cmd = crate::go::tool::command(dir);
    cmd.env("CGO_ENABLED", "1");
    match crate::go::tool::step(cmd, args) {
        Ok(_) => Ok(()),
        Err(f) => bail!("{} failed on the rendered scaffold: {}", f.step, f.said),
    }
}
