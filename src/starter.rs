//! Starter code for a new package, rendered from the built-in scaffold's `kinds/<kind>/`.

use crate::error::Result;
use crate::go::names;
use crate::template::{RenderedFile, Template};
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

/// The files of a new package `name` of the given kind, registering `rpc_ids`. The kind comes
/// from the repo's scaffold, or from the built-in one when that scaffold does not define it.
/// `answers` (the repo's recorded answers) are visible to the templates too.
pub fn render(
    template: &Template,
    kind: &str,
    name: &str,
    rpc_ids: &[String],
    answers: &Map<String, Value>,
) -> Result<Vec<RenderedFile>> {
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
    let sub = format!("kinds/{kind}");
    if template.kinds().iter().any(|(k, _)| k == kind) {
        template.render(&sub, &data)
    } else {
        Template::builtin().render(&sub, &data)
    }
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
