//! Starter code for a new package, rendered from the built-in scaffold's `kinds/<kind>/`.

use crate::names;
use crate::template::{self, RenderedFile};
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct Rpc {
    id: String,
    handler: String,
}

#[derive(Serialize)]
struct Data<'a> {
    package: &'a str,
    module: &'a str,
    rpcs: Vec<Rpc>,
}

/// The default RPC id of a package: `<name>_echo`.
pub fn default_rpc(package: &str) -> String {
    format!("{package}_echo")
}

/// The files of a new package `name` of the given kind, registering `rpc_ids`.
pub fn render(
    kind: &str,
    name: &str,
    module: &str,
    rpc_ids: &[String],
) -> Result<Vec<RenderedFile>> {
    let rpcs = rpc_ids
        .iter()
        .map(|id| Rpc {
            id: id.clone(),
            handler: names::rpc_handler_name(id),
        })
        .collect();
    template::render_builtin(
        &format!("kinds/{kind}"),
        &Data {
            package: name,
            module,
            rpcs,
        },
    )
}

/// The built-in package kinds and their one-line descriptions, from `kinds/<kind>/manifest.toml`.
pub fn kinds() -> Vec<(&'static str, String)> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        description: String,
    }
    let Some(dir) = template::BUILTIN.get_dir("kinds") else {
        return Vec::new();
    };
    let mut out: Vec<(&'static str, String)> = dir
        .dirs()
        .filter_map(|d| {
            let kind = d.path().file_name()?.to_str()?;
            let manifest = d
                .get_file(d.path().join("manifest.toml"))?
                .contents_utf8()?;
            let m: Manifest = toml::from_str(manifest).ok()?;
            Some((kind, m.description))
        })
        .collect();
    // rpc first: it is the default.
    out.sort_by_key(|(k, _)| (*k != "rpc", *k));
    out
}
