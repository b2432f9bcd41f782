//! `sync --adopt`'s operation: a plugin repo made by hand becomes one scaffold maintains.
//! scaffold.toml is planned from go.mod and the Nakama release (given, or read from the
//! Dockerfile's image tags, never guessed); the block and wiring are then planned as `sync`
//! plans them.

use crate::docker::block;
use crate::error::{bail, Context, Result};
use crate::go::gomod;
use crate::repo::plan::Plan;
use crate::repo::project::{self, Answers, Record};
use crate::scaffold::Origin;
use crate::versions;
use std::path::Path;

/// For `--adopt`: the repo is the given folder; scaffold.toml is planned from go.mod and the
/// Nakama release (`--nakama`, or the Dockerfile's image tags) when the repo has none. A
/// Dockerfile that already has a block (`doctor --fix` adds one) is adopted as it is.
pub fn plan(root: &Path, nakama: Option<&str>) -> Result<Plan> {
    let mut plan = Plan::new(root);
    if root.join(project::FILE).exists() {
        project::load(root)?;
        return Ok(plan);
    }
    let module = gomod::module_of(root)?;
    let docker = crate::files::read_to_string(&root.join("Dockerfile")).with_context(|| {
        format!(
            "no Dockerfile in {}; --adopt needs the plugin's Dockerfile at the repo root",
            root.display()
        )
    })?;
    block::find(&docker).map_err(|e| crate::error::err!("Dockerfile: {e}"))?;
    let nakama = match nakama {
        Some(v) => versions::find(v)?.nakama.clone(),
        None => release_of(&docker)?,
    };
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plugin".into());
    let record = Record {
        scaffold: Origin {
            template: "adopted".into(),
            ..Origin::builtin()
        },
        project: Answers {
            name,
            module,
            nakama,
        },
        answers: Default::default(),
        packages: Default::default(),
    };
    plan.put(project::FILE, record.to_toml())?;
    Ok(plan)
}

/// The Nakama release the Dockerfile's image tags name (global ARG defaults read), or an
/// error asking for `--nakama` when they name none, several, or one outside the table:
/// `scaffold dev` and `upgrade` trust what scaffold.toml records, so it is never a guess.
fn release_of(dockerfile: &str) -> Result<String> {
    let images = crate::docker::images::from_images(dockerfile);
    let ask = "pass the release you deploy: `scaffold sync --adopt --nakama X`";
    let tags: std::collections::BTreeSet<&str> = images.iter().map(|i| i.tag.as_str()).collect();
    let why = match (images.first(), tags.len()) {
        (None, _) => {
            "the Dockerfile names no heroiclabs/nakama or nakama-pluginbuilder image".to_string()
        }
        (Some(_), n) if n > 1 => {
            let listed: Vec<String> = images
                .iter()
                .map(|i| format!("`{}` (line {})", i.written, i.line))
                .collect();
            format!("the image tags differ: {}", listed.join(", "))
        }
        (Some(i), _) if i.tag.is_empty() => format!(
            "`{}` (line {}) takes its tag from an ARG without a default",
            i.written, i.line
        ),
        (Some(i), _) if i.tag == "latest" => format!(
            "`{}` (line {}) is `latest`, which names no release",
            i.written, i.line
        ),
        (Some(i), _) => match versions::find(&i.tag) {
            Ok(r) => return Ok(r.nakama.clone()),
            Err(_) => format!(
                "Nakama {} (`{}`, line {}) is not in scaffold's release table ({})",
                i.tag,
                i.written,
                i.line,
                versions::known_list()
            ),
        },
    };
    bail!("cannot tell which Nakama release this repo is for: {why}; {ask}")
}
