//! A scaffold's manifest, `template.toml`: its name, the variables it asks for, the files it
//! skips by condition, and the `scaffold` version it needs. The built-in scaffold has one too.

use anyhow::{bail, Result};
use serde::Deserialize;

pub const FILE: &str = "template.toml";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The oldest `scaffold` that can render this template.
    #[serde(default)]
    pub min_scaffold: Option<String>,
    #[serde(default, rename = "variable")]
    pub variables: Vec<Variable>,
    #[serde(default, rename = "skip")]
    pub skips: Vec<Skip>,
}

/// A question the template asks, on top of the ones every scaffold asks (name, module, Nakama).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub name: String,
    pub prompt: String,
    #[serde(default, rename = "type")]
    pub kind: VarKind,
    /// A default; for strings it may refer to earlier answers (`{{name}}-server`).
    #[serde(default)]
    pub default: Option<toml::Value>,
    #[serde(default)]
    pub choices: Vec<String>,
    /// A regex the answer must match, and what to say when it does not.
    #[serde(default)]
    pub validate: Option<String>,
    #[serde(default)]
    pub validate_message: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VarKind {
    #[default]
    String,
    Bool,
    Choice,
}

/// Files left out when a condition holds: `if = "var"` (a true bool) or `unless = "var"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skip {
    pub paths: Vec<String>,
    #[serde(default, rename = "if")]
    pub if_var: Option<String>,
    #[serde(default)]
    pub unless: Option<String>,
}

/// The names every scaffold gets from the engine; a manifest may not redefine them.
pub const BUILTIN_VARS: [&str; 6] = [
    "name",
    "module",
    "nakama",
    "nakama_common",
    "go_version",
    "protobuf",
];

/// Parses a manifest; errors name the file and line.
pub fn parse(text: &str, shown_path: &str) -> Result<Manifest> {
    let m: Manifest = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
            .unwrap_or(1);
        anyhow::anyhow!("{shown_path}:{line}: {}", e.message())
    })?;
    for v in &m.variables {
        if BUILTIN_VARS.contains(&v.name.as_str()) {
            bail!(
                "{shown_path}: variable `{}` is provided by scaffold itself; rename it",
                v.name
            );
        }
        if v.kind == VarKind::Choice && v.choices.is_empty() {
            bail!(
                "{shown_path}: choice variable `{}` lists no `choices`",
                v.name
            );
        }
        if let Some(re) = &v.validate {
            regex::Regex::new(re).map_err(|e| {
                anyhow::anyhow!(
                    "{shown_path}: variable `{}` has an invalid `validate` regex: {e}",
                    v.name
                )
            })?;
        }
    }
    if let Some(min) = &m.min_scaffold {
        let need = crate::versions::parse_semver(min)?;
        let have = crate::versions::parse_semver(env!("CARGO_PKG_VERSION"))?;
        if need > have {
            bail!(
                "this scaffold needs scaffold {min} or newer (this is {}); update scaffold (`cargo install scaffold`)",
                env!("CARGO_PKG_VERSION")
            );
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_file_and_line() {
        let err = parse(
            "name = \"x\"\n\n[[variable]]\nname = 3\n",
            "t/template.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("t/template.toml:4:"), "{err}");
        let err = parse("name = \"x\"\nmin_scaffold = \"99.0.0\"\n", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs scaffold 99.0.0"), "{err}");
    }

    #[test]
    fn refuses_redefining_builtin_vars() {
        let err = parse(
            "name = \"x\"\n[[variable]]\nname = \"module\"\nprompt = \"m\"\n",
            "t",
        )
        .unwrap_err();
        assert!(err.to_string().contains("provided by scaffold"));
    }
}
