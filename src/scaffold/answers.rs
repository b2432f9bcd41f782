//! Answers to a scaffold's own variables: from `--set key=value`, `--answers FILE`, a prompt
//! on a terminal, or the default (which may refer to earlier answers), checked against the
//! variable's type and validation regex.

use crate::error::{bail, Context, Result};
use crate::scaffold::manifest::{Manifest, VarKind, Variable, BUILTIN_VARS};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// `rpc` in the template data when the repo has no starter RPC (`--no-package`).
pub const NO_RPC: &str = "<rpc_id>";

/// Handlebars data: `name`, `module`, `nakama` and the release's pins (`nakama_common`,
/// `go_version`, `protobuf`, when the release is known), then the scaffold's own answers.
/// `new` and `add-package` both render with it, so a kind renders in a repo as it did there.
pub fn template_data(
    name: &str,
    module: &str,
    nakama: &str,
    release: Option<&crate::versions::Release>,
    answers: &BTreeMap<String, toml::Value>,
) -> Map<String, Value> {
    let mut data = Map::new();
    // The README's example RPC, until the caller names the repo's own ([`starter_rpc_in`]).
    data.insert("rpc".into(), Value::String(NO_RPC.into()));
    for (k, v) in [("name", name), ("module", module), ("nakama", nakama)] {
        data.insert(k.into(), Value::String(v.to_string()));
    }
    if let Some(rel) = release {
        for (k, v) in [
            ("nakama_common", &rel.nakama_common),
            ("go_version", &rel.go),
            ("protobuf", &rel.protobuf),
        ] {
            data.insert(k.into(), Value::String(v.clone()));
        }
    }
    for (k, v) in answers {
        data.insert(k.clone(), serde_json::to_value(v).unwrap_or(Value::Null));
    }
    data
}

/// Where answers may come from, besides prompts.
#[derive(Debug, Default)]
pub struct Given {
    pub sets: BTreeMap<String, String>,
    pub file: BTreeMap<String, toml::Value>,
}

impl Given {
    /// The answers given on the command line: `--set key=value` pairs and `--answers FILE`.
    pub fn from_flags(sets: &[String], file: Option<&std::path::Path>) -> Result<Given> {
        Ok(Given {
            sets: parse_sets(sets)?,
            file: match file {
                Some(path) => read_file(path)?,
                None => Default::default(),
            },
        })
    }
}

/// Parses `--set key=value` pairs.
pub fn parse_sets(sets: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for s in sets {
        let Some((k, v)) = s.split_once('=') else {
            bail!("--set `{s}` is not key=value; write e.g. `--set studio=acme`");
        };
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// Reads `--answers FILE` (TOML, or JSON when the name ends in .json).
pub fn read_file(path: &Path) -> Result<BTreeMap<String, toml::Value>> {
    let text = crate::files::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let answers: BTreeMap<String, toml::Value> = if path.extension().is_some_and(|e| e == "json") {
        let v: BTreeMap<String, Value> = serde_json::from_str(&text)
            .map_err(|e| crate::error::err!("{}:{}: {e}", path.display(), e.line()))?;
        let mut out = BTreeMap::new();
        for (k, v) in v {
            // A null has no TOML form; dropping it would turn an answer into a silent default.
            let value = toml::Value::try_from(&v)
                .ok()
                .filter(|_| !v.is_null())
                .with_context(|| {
                    format!(
                        "{}: `{k}` is {v}; give a string or true/false",
                        path.display()
                    )
                })?;
            out.insert(k, value);
        }
        out
    } else {
        toml::from_str(&text).map_err(|e| {
            crate::scaffold::manifest::toml_error(&path.display().to_string(), &text, &e)
        })?
    };
    // Answers are strings or yes/no; a table or a list would be rendered as TOML text.
    for (k, v) in &answers {
        if matches!(v, toml::Value::Array(_) | toml::Value::Table(_)) {
            bail!(
                "{}: `{k}` is a {}; give a string or true/false",
                path.display(),
                v.type_str()
            );
        }
    }
    Ok(answers)
}

/// How to get an answer nobody gave.
#[derive(Clone, Copy)]
pub enum Missing<'a> {
    /// Asked with this question (the command passes its prompt in: this module asks nobody).
    Ask(&'a Ask),
    TakeDefault,
    Refuse,
}

/// How a command asks one variable's question (on a terminal: [`crate::prompts::variable`]).
pub type Ask =
    dyn Fn(&crate::scaffold::manifest::Variable, Option<&toml::Value>) -> Result<toml::Value>;

/// Resolves every variable of `manifest` in order; `base` holds the built-in answers (name,
/// module, ...) that defaults may refer to.
pub fn resolve(
    manifest: &Manifest,
    base: &Map<String, Value>,
    given: &Given,
    missing: Missing<'_>,
) -> Result<BTreeMap<String, toml::Value>> {
    let known: Vec<&str> = manifest.variables.iter().map(|v| v.name.as_str()).collect();
    for key in given.sets.keys().chain(given.file.keys()) {
        if BUILTIN_VARS.contains(&key.as_str()) {
            // Only name, module and nakama have flags; the rest follow the Nakama release.
            match key.as_str() {
                "name" | "module" | "nakama" => {
                    bail!("`{key}` is set with its own flag (--{key}), not --set")
                }
                _ => bail!("`{key}` follows the Nakama release; choose it with --nakama VERSION"),
            }
        }
        if !known.contains(&key.as_str()) {
            bail!(
                "the scaffold has no variable `{key}`; its variables: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    let mut context = base.clone();
    let mut out = BTreeMap::new();
    // Every file is rendered with every answer: together they are bounded.
    let mut total = 0usize;
    for var in &manifest.variables {
        let value = if let Some(raw) = given.sets.get(&var.name) {
            from_text(var, raw)?
        } else if let Some(v) = given.file.get(&var.name) {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            from_text(var, &text)?
        } else {
            let default = default_of(var, &context)?;
            match missing {
                Missing::Ask(ask) => ask(var, default.as_ref())?,
                Missing::TakeDefault => default.with_context(|| {
                    format!("variable `{}` has no default; pass --set {}=VALUE", var.name, var.name)
                })?,
                Missing::Refuse => {
                    return Err(crate::error::Error::Usage(format!(
                        "no terminal to ask for `{}` ({}): pass --set {}=VALUE, --answers FILE, or --yes to take the defaults",
                        var.name, var.prompt, var.name
                    )))
                }
            }
        };
        var.check(&value)?;
        total += value.as_str().map_or(0, str::len);
        if total > crate::scaffold::template::limits::ANSWERS {
            bail!(
                "the answers add up to more than {} MiB at `{}`; give shorter ones",
                crate::scaffold::template::limits::ANSWERS >> 20,
                var.name
            );
        }
        context.insert(
            var.name.clone(),
            serde_json::to_value(&value).unwrap_or(Value::Null),
        );
        out.insert(var.name.clone(), value);
    }
    Ok(out)
}

/// The default, rendered against earlier answers when it is a string, within the bounds of
/// a template file: defaults that repeat earlier ones (`b = "{{a}}{{a}}"`, `c = "{{b}}{{b}}"`)
/// would otherwise double until memory runs out.
fn default_of(var: &Variable, context: &Map<String, Value>) -> Result<Option<toml::Value>> {
    Ok(match &var.default {
        Some(toml::Value::String(s)) => {
            let rendered =
                crate::scaffold::template::render_str(s, &Value::Object(context.clone()))
                    .map_err(|e| crate::error::err!("the default of `{}`: {e}", var.name))?;
            Some(from_text(var, &rendered)?)
        }
        Some(other) => Some(other.clone()),
        None if var.kind == VarKind::Bool => Some(toml::Value::Boolean(false)),
        None if var.kind == VarKind::Choice => {
            var.choices.first().cloned().map(toml::Value::String)
        }
        None => None,
    })
}

/// Turns typed text into a value of the variable's type.
pub fn from_text(var: &Variable, raw: &str) -> Result<toml::Value> {
    Ok(match var.kind {
        VarKind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => toml::Value::Boolean(true),
            "false" | "no" | "n" | "0" => toml::Value::Boolean(false),
            _ => bail!(
                "`{}` is a yes/no answer; `{raw}` is neither (use true or false)",
                var.name
            ),
        },
        _ => toml::Value::String(raw.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        crate::scaffold::manifest::parse(
            r#"
name = "t"
[[variable]]
name = "studio"
prompt = "Studio"
default = "{{name}}-studio"
validate = "^[a-z-]+$"
validate_message = "lower case and dashes"
[[variable]]
name = "ci"
prompt = "CI?"
type = "bool"
[[variable]]
name = "region"
prompt = "Region"
type = "choice"
choices = ["eu", "us"]
"#,
            "t",
        )
        .unwrap()
    }

    fn base() -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("name".into(), Value::String("game".into()));
        m
    }

    #[test]
    fn defaults_refer_to_earlier_answers() {
        let out = resolve(
            &manifest(),
            &base(),
            &Given::default(),
            Missing::TakeDefault,
        )
        .unwrap();
        assert_eq!(out["studio"].as_str(), Some("game-studio"));
        assert_eq!(out["ci"].as_bool(), Some(false));
        assert_eq!(out["region"].as_str(), Some("eu"));
    }

    #[test]
    fn sets_are_typed_and_checked() {
        let mut given = Given {
            sets: parse_sets(&["ci=yes".into(), "region=us".into()]).unwrap(),
            ..Default::default()
        };
        let out = resolve(&manifest(), &base(), &given, Missing::TakeDefault).unwrap();
        assert_eq!(out["ci"].as_bool(), Some(true));
        given.sets.insert("studio".into(), "Bad Name".into());
        let err = resolve(&manifest(), &base(), &given, Missing::TakeDefault).unwrap_err();
        assert!(err.to_string().contains("lower case and dashes"), "{err}");
        given.sets = parse_sets(&["nope=1".into()]).unwrap();
        assert!(resolve(&manifest(), &base(), &given, Missing::TakeDefault).is_err());
        let err = resolve(&manifest(), &base(), &Given::default(), Missing::Refuse).unwrap_err();
        assert!(err.to_string().contains("--set studio=VALUE"), "{err}");
    }
}
