//! Starter code for a new package, rendered from the scaffold's `kinds/<kind>/` (or the
//! built-in one's), and kept inside the package's folder.

use crate::error::{bail, Result};
use crate::go::names;
use crate::scaffold::template::{RenderedFile, Template};
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Serialize)]
struct Rpc {
    id: String,
    handler: String,
}

/// The default RPC id of a package: `<name>_echo`.
pub fn default_rpc(package: &str) -> String {
    format!("{package}_echo")
}

/// What a new package registers: the RPC ids, and whether they are the kind's starter set
/// (`starter`: no `--rpc` given, so the rpc kind adds its save/load pair too; `--rpc` replaces
/// the starter RPCs with the ones asked for).
pub struct Rpcs<'a> {
    pub ids: &'a [String],
    pub starter: bool,
}

/// The files of a new package `name` of the given kind, registering `rpcs`. The kind comes
/// from the repo's scaffold, or from the built-in one when that scaffold does not define it.
/// `answers` (the repo's recorded answers) are visible to the templates too.
pub fn render(
    template: &Template,
    kind: &str,
    name: &str,
    rpcs: Rpcs,
    answers: &Map<String, Value>,
) -> Result<Vec<RenderedFile>> {
    let (rpc_ids, starter) = (rpcs.ids, rpcs.starter);
    let rpcs: Vec<Rpc> = rpc_ids
        .iter()
        .map(|id| Rpc {
            id: id.clone(),
            handler: names::rpc_handler_name(id),
        })
        .collect();
    let mut data = answers.clone();
    data.insert("package".into(), Value::String(name.into()));
    data.insert("rpcs".into(), serde_json::to_value(&rpcs)?);
    data.insert("starter".into(), Value::Bool(starter));
    let sub = format!("kinds/{kind}");
    let files = if template.kinds().iter().any(|(k, _)| k == kind) {
        template.render(&sub, &data)?
    } else {
        Template::builtin().render(&sub, &data)?
    };
    // A kind adds a package: a file anywhere else (main.go, the Dockerfile) would replace
    // the user's own.
    for f in &files {
        let mut parts = f.path.components();
        let first = parts.next().map(|c| c.as_os_str());
        if first != Some(std::ffi::OsStr::new(name)) || parts.next().is_none() {
            bail!(
                "kind `{kind}` would write `{}`, outside the package folder `{name}/`; a kind may only write inside it (see kinds/{kind}/ in the scaffold)",
                crate::files::slash(&f.path)
            );
        }
    }
    Ok(files)
}

/// The package kinds of a scaffold, with the built-in ones it does not override.
pub fn kinds(template: &Template) -> Vec<(String, String)> {
    let mut all = template.kinds();
    for (k, d) in Template::builtin().kinds() {
        if !all.iter().any(|(have, _)| *have == k) {
            all.push((k, d));
        }
    }
    all
}
