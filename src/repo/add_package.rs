//! `scaffold add-package`'s operation: a package's starter files planned with the same
//! regeneration as `sync` over the planned tree, every clash refused before anything is
//! written.

use crate::error::{bail, Result};
use crate::go::{gomod, names, source as gosrc};
use crate::repo::packages;
use crate::repo::plan::Plan;
use crate::repo::regen::{self, Mode};
use crate::scaffold::starter;
use crate::scaffold::template::Template;
use serde_json::{Map, Value};
use std::path::Path;

/// The package asked for.
#[derive(Debug, Clone, Copy)]
pub struct NewPackage<'a> {
    /// The folder and Go package name.
    pub name: &'a str,
    /// The kind of the template to start it from (`rpc`).
    pub kind: &'a str,
    /// `--rpc` ids.
    pub rpcs: &'a [String],
    /// Replace a hand-edited Dockerfile block.
    pub force: bool,
}

/// A planned package: its files and the regeneration, and what to warn about.
pub struct Planned {
    pub plan: Plan,
    pub warnings: Vec<String>,
}

/// Plans a new package and the regeneration, refusing anything that would clash.
pub fn plan(
    root: &Path,
    template: &Template,
    answers: &Map<String, Value>,
    asked: NewPackage<'_>,
) -> Result<Planned> {
    let NewPackage {
        name,
        kind,
        rpcs,
        force,
    } = asked;
    let folder = root.join(name);
    if folder.is_dir() {
        if let Some(back) = bring_back(root, name, force)? {
            return Ok(back);
        }
    }
    if folder.exists() {
        bail!(
            "{} already exists; pick another name, or run `scaffold sync` to wire a folder you made by hand",
            folder.display()
        );
    }
    for required in ["main.go", "Dockerfile", "go.mod"] {
        if !root.join(required).is_file() {
            bail!(
                "no {required} in {}; restore it from git (`git checkout -- {required}`) before adding packages",
                root.display()
            );
        }
    }
    let module = gomod::module_of(root)?;

    let ids: Vec<String> = match (kind, rpcs.is_empty()) {
        ("rpc", true) => vec![starter::default_rpc(name)],
        _ => rpcs.to_vec(),
    };
    let mut handlers = std::collections::BTreeMap::new();
    for id in &ids {
        names::check_rpc_id(id)?;
        if let Some(other) = handlers.insert(names::rpc_handler_name(id), id) {
            bail!("RPC ids `{other}` and `{id}` are the same id; give each RPC a distinct id");
        }
    }
    let mut answers = answers.clone();
    answers.insert("module".into(), Value::String(module.clone()));
    let asked = starter::Rpcs {
        ids: &ids,
        starter: rpcs.is_empty(),
    };
    let files = starter::render(template, kind, name, asked, &answers)?;
    // The kind's Go files (tests aside), read once.
    let new_code: Vec<gosrc::GoFile> = files
        .iter()
        .filter(|f| {
            let p = f.path.to_string_lossy();
            p.ends_with(".go") && !p.ends_with("_test.go")
        })
        .map(|f| gosrc::parse(&String::from_utf8_lossy(&f.contents)))
        .collect();
    let new_ids: Vec<String> = new_code.iter().flat_map(packages::rpc_ids).collect();
    let new_hooks: Vec<String> = new_code.iter().flat_map(packages::hook_calls).collect();
    // The kind's own code may use an id or a handler already (`--rpc save` next to the rpc
    // kind's RpcSave): a second registration silently replaces the first, a second func
    // does not compile.
    let mut seen = std::collections::BTreeSet::new();
    if let Some(id) = new_ids.iter().find(|id| !seen.insert(id.to_string())) {
        bail!("RPC id `{id}` would be registered twice: the {kind} package registers it itself; pick another with --rpc ID");
    }
    let mut funcs = std::collections::BTreeSet::new();
    if let Some(func) = new_code
        .iter()
        .flat_map(|f| &f.funcs)
        .map(|f| f.name.clone())
        .find(|f| !funcs.insert(f.clone()))
    {
        let by = ids.iter().find(|id| names::rpc_handler_name(id) == func);
        match by {
            Some(id) => bail!("RPC id `{id}` needs the handler `{func}`, which the {kind} package declares itself; pick another with --rpc ID"),
            None => bail!("the {kind} package would declare `{func}` twice; check the template"),
        }
    }
    let mut plan = Plan::new(root);
    for f in files {
        plan.create_file(f);
    }
    let regenerated = regen::plan(
        root,
        &module,
        &mut plan,
        Mode {
            force,
            adopt: false,
        },
    );
    // Nakama refuses a second registration of an RPC id, and keeps one hook per API: catch
    // both now rather than at load time. The regeneration already read every package folder;
    // only when it failed are they read again, so this refusal still comes first.
    let existing: Vec<packages::PackageDir> = match &regenerated {
        Ok(outcome) => outcome
            .packages
            .iter()
            .filter(|p| p.folder != name)
            .cloned()
            .collect(),
        Err(_) => packages::discover(root, &Default::default())?,
    };
    for pkg in &existing {
        if let Some(id) = new_ids.iter().find(|id| pkg.rpc_ids.contains(id)) {
            bail!(
                "RPC id `{id}` is already registered by {}/; pick another with --rpc ID",
                pkg.folder
            );
        }
        // Nakama lower-cases realtime message ids (`RegisterBeforeRt("channelmessagesend")`
        // is the hook `RegisterBeforeRt("ChannelMessageSend")` replaces without a word).
        if let Some(hook) = pkg
            .hooks
            .iter()
            .find(|have| new_hooks.iter().any(|h| h.eq_ignore_ascii_case(have)))
        {
            bail!(
                "{}/ already calls {hook}; Nakama keeps one such hook, so extend that package instead",
                pkg.folder
            );
        }
    }

    let outcome = regenerated?;
    Ok(Planned {
        plan,
        warnings: outcome.warnings,
    })
}

/// `add-package NAME` on a folder scaffold.toml excludes (`remove-package` kept it on disk):
/// it comes back into the build as it is: out of `excluded`, then copied and wired again.
/// `None` when the folder is not excluded.
fn bring_back(root: &Path, name: &str, force: bool) -> Result<Option<Planned>> {
    let mut record = crate::repo::project::load(root)?;
    if !record.packages.excluded.iter().any(|e| e == name) {
        return Ok(None);
    }
    record.packages.excluded.retain(|e| e != name);
    let module = gomod::module_of(root)?;
    let mut plan = Plan::new(root);
    let path = root.join(crate::repo::project::FILE);
    let text = crate::files::read_to_string(&path).unwrap_or_default();
    plan.put(
        crate::repo::project::FILE,
        crate::repo::project::record_text(&text, &record),
    )?;
    let outcome = regen::plan(
        root,
        &module,
        &mut plan,
        Mode {
            force,
            adopt: false,
        },
    )?;
    Ok(Some(Planned {
        plan,
        warnings: outcome.warnings,
    }))
}
