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
    wire_init_module(root, &mut plan)?;
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
    let common = crate::files::read_to_string(&root.join("go.mod"))
        .ok()
        .and_then(|t| gomod::parse(&t).ok())
        .and_then(|m| {
            m.requires
                .iter()
                .find(|r| r.path == COMMON)
                .map(|r| (r.version.clone(), r.line))
        });
    let nakama = match nakama {
        Some(v) => versions::find(v)?.nakama.clone(),
        None => release_of(&docker, common.as_ref())?,
    };
    // `latest` names no release: pinned to the one adopt resolved, so the image scaffold.toml
    // records is the one Docker pulls.
    let latest = crate::docker::images::from_images(&docker)
        .iter()
        .any(|i| i.tag == "latest");
    if latest {
        plan.put("Dockerfile", pin_latest(&docker, &nakama))?;
    }
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

const COMMON: &str = "github.com/heroiclabs/nakama-common";

/// The Nakama release the Dockerfile's image tags and go.mod's nakama-common agree on (global
/// ARG defaults read; `-arm` tags are their release; `latest` takes go.mod's release), or an
/// error naming each of them and asking for `--nakama` when they disagree or name none: `scaffold
/// dev` and `upgrade` trust what scaffold.toml records, so it is never a guess.
fn release_of(dockerfile: &str, common: Option<&(String, usize)>) -> Result<String> {
    let images = crate::docker::images::from_images(dockerfile);
    let ask = "pass the release you deploy: `scaffold sync --adopt --nakama X`";
    let by_common = common.and_then(|(v, _)| versions::by_common(v));
    let said = |i: &crate::docker::images::FromImage| {
        format!(
            "the {} image `{}` (Dockerfile line {})",
            if i.builder { "builder" } else { "server" },
            i.written,
            i.line
        )
    };
    let gomod_says = || match (common, by_common) {
        (Some((v, l)), Some(r)) => {
            format!(
                "go.mod's nakama-common {v} (line {l}) is Nakama {}'s",
                r.nakama
            )
        }
        (Some((v, l)), None) => {
            format!("go.mod's nakama-common {v} (line {l}) is no release's in scaffold's table")
        }
        (None, _) => "go.mod does not require nakama-common".to_string(),
    };
    let pinned: Vec<&crate::docker::images::FromImage> = images
        .iter()
        .filter(|i| !i.tag.is_empty() && i.tag != "latest")
        .collect();
    let tags: std::collections::BTreeSet<&str> = pinned.iter().map(|i| i.tag.as_str()).collect();
    let why = if images.is_empty() {
        "the Dockerfile names no heroiclabs/nakama or nakama-pluginbuilder image".to_string()
    } else if let Some(i) = images.iter().find(|i| i.tag.is_empty()) {
        format!(
            "`{}` (line {}) takes its tag from an ARG without a default",
            i.written, i.line
        )
    } else if tags.len() > 1 {
        let listed: Vec<String> = pinned
            .iter()
            .map(|i| format!("{} names Nakama {}", said(i), i.tag))
            .collect();
        format!(
            "the image tags differ: {}, and {}",
            listed.join(", "),
            gomod_says()
        )
    } else if let Some(i) = pinned.first() {
        match versions::find(&i.tag) {
            Err(_) => format!(
                "Nakama {} (`{}`, line {}) is not in scaffold's release table ({})",
                i.tag,
                i.written,
                i.line,
                versions::known_list()
            ),
            // The tags agree; go.mod must be built against the same nakama-common.
            Ok(r) if common.is_none_or(|(v, _)| *v == r.nakama_common) => {
                return Ok(r.nakama.clone())
            }
            Ok(r) => format!(
                "{} names Nakama {} (nakama-common {}), but {}",
                said(i),
                r.nakama,
                r.nakama_common,
                gomod_says()
            ),
        }
    } else {
        // Every tag is `latest`: the release go.mod is built against, as doctor infers it.
        match by_common {
            Some(r) => return Ok(r.nakama.clone()),
            None => format!(
                "`{}` (line {}) is `latest`, which names no release, and {}",
                images[0].written,
                images[0].line,
                gomod_says()
            ),
        }
    };
    bail!("cannot tell which Nakama release this repo is for: {why}; {ask}")
}

/// The Dockerfile with its `latest` Nakama image tags set to `release` (other tags kept).
fn pin_latest(dockerfile: &str, release: &str) -> String {
    dockerfile
        .split_inclusive('\n')
        .map(|line| {
            let refs = crate::docker::images::find(line);
            if refs.iter().any(|r| r.tag == "latest") && refs.iter().all(|r| r.tag == "latest") {
                crate::docker::images::retag(line, release)
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// Makes InitModule call registerPackages when the edit is mechanical: one root file declares
/// `func InitModule(ctx context.Context, logger runtime.Logger, db *sql.DB, nk
/// runtime.NakamaModule, initializer runtime.Initializer) error {` with named parameters, and
/// no root file calls registerPackages yet. The call goes first in its body. Otherwise nothing
/// is edited, and sync's warning shows the exact line to add.
fn wire_init_module(root: &Path, plan: &mut Plan) -> Result<()> {
    let re = regex::Regex::new(
        r"(?m)^func InitModule\(\s*(\w+)\s+context\.Context,\s*(\w+)\s+runtime\.Logger,\s*(\w+)\s+\*sql\.DB,\s*(\w+)\s+runtime\.NakamaModule,\s*(\w+)\s+runtime\.Initializer,?\s*\)\s*error\s*\{[ \t]*(\r?\n)",
    )
    .expect("a valid pattern");
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".go") && !n.ends_with("_test.go"))
        .collect();
    names.sort();
    for name in &names {
        let Ok(text) = crate::files::read_to_string(&root.join(name)) else {
            continue;
        };
        // The generated file calls Register for every package: that is not InitModule's.
        if name == crate::repo::wiring::FILE {
            continue;
        }
        let parsed = crate::go::source::parse(&text);
        // Already wired, or wiring packages itself (`profile.Register(...)`): calling
        // registerPackages too would register their RPCs twice.
        if parsed
            .calls
            .iter()
            .any(|c| c.name == "registerPackages" || c.name == "Register")
        {
            return Ok(());
        }
        if let Some(c) = re.captures(&text) {
            found.push((
                name.clone(),
                text.clone(),
                c.get(0).map_or(0, |m| m.end()),
                {
                    let p: Vec<&str> = (1..=5)
                        .map(|i| c.get(i).map_or("", |m| m.as_str()))
                        .collect();
                    (
                        p.join(", "),
                        c.get(6).map_or("\n", |m| m.as_str()).to_string(),
                    )
                },
            ));
        }
    }
    let [(name, text, at, (args, eol))] = found.as_slice() else {
        return Ok(());
    };
    if args.split(", ").any(|a| a == "_") {
        return Ok(());
    }
    let call = format!(
        "\tif err := registerPackages({args}); err != nil {{{eol}\t\treturn err{eol}\t}}{eol}"
    );
    let mut edited = text.clone();
    edited.insert_str(*at, &call);
    plan.put(name, edited)?;
    Ok(())
}
