//! A scaffold's manifest, `template.toml`: its name, the variables it asks for, the files it
//! skips by condition, and the `scaffold` version it needs. The built-in scaffold has one too.

use crate::error::{bail, Context, Result};
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
    /// The template's own version, recorded in scaffold.toml by `new`: the built-in scaffold
    /// counts its releases with it, so `update` knows which one a repo was rendered from.
    #[serde(default)]
    pub version: Option<u32>,
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

impl Variable {
    /// Checks a value against the variable's choices and validation regex.
    pub fn check(&self, value: &toml::Value) -> Result<()> {
        if let (VarKind::Choice, toml::Value::String(s)) = (self.kind, value) {
            if !self.choices.contains(s) {
                bail!(
                    "`{s}` is not a choice of `{}`; choose one of: {}",
                    self.name,
                    self.choices.join(", ")
                );
            }
        }
        if let (Some(re), toml::Value::String(s)) = (&self.validate, value) {
            let re = regex::Regex::new(re)?;
            if !re.is_match(s) {
                bail!(
                    "`{s}` is not a valid `{}`: {}",
                    self.name,
                    self.validate_message
                        .clone()
                        .unwrap_or_else(|| format!("it must match {}", re.as_str()))
                );
            }
        }
        Ok(())
    }
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

/// Names the engine gives a package kind's templates (`scaffold add-package`).
const KIND_VARS: [&str; 3] = ["package", "rpcs", "starter"];

/// A TOML parse error as one `file:line: message` line (toml's messages may span lines).
pub fn toml_error(shown_path: &str, text: &str, err: &toml::de::Error) -> crate::error::Error {
    // Count newlines before the span: `lines()` would miss a span at the start of a line.
    let line = err
        .span()
        .map(|s| {
            let before = &text.as_bytes()[..s.start.min(text.len())];
            before.iter().filter(|b| **b == b'\n').count() + 1
        })
        .unwrap_or(1);
    let message: Vec<&str> = err
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    crate::error::err!("{shown_path}:{line}: {}", message.join("; "))
}

/// The built-in scaffold's template.toml as `eject` writes it for a team: named `name`, with
/// the notes for scaffold's own maintainers (how its built-in versions are kept) replaced by
/// how a team releases its scaffold.
pub fn ejected(text: &str, name: &str) -> String {
    let mut out = format!(
        "# {name}: a Nakama Go plugin scaffold, ejected from scaffold's built-in nakama-go; yours to change.\n"
    );
    let mut maintainer = false;
    let text = text.replace(
        "# The built-in scaffold: a Nakama Go plugin repo. Files",
        "# Files",
    );
    for line in text.lines() {
        if line.starts_with("# In scaffold's own repo") {
            maintainer = true;
            out.push_str("# Raise it when project/ changes. In git, tag each release (v1, v2, ...): `scaffold update`\n# takes a repo made at a tag to the newest tag, and `scaffold update --check` says when one is out.\n");
            continue;
        }
        if maintainer && line.starts_with('#') {
            continue;
        }
        maintainer = false;
        if line.starts_with("name = ") {
            out.push_str(&format!("name = {}\n", toml::Value::String(name.into())));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Parses a manifest; errors name the file and line.
pub fn parse(text: &str, shown_path: &str) -> Result<Manifest> {
    // `min_scaffold` is checked before the strict parse: a manifest written for a newer
    // scaffold may use fields this one does not know, and "update scaffold" is the useful
    // message then, not "unknown field".
    if let Ok(loose) = toml::from_str::<toml::Table>(text) {
        if let Some(toml::Value::String(min)) = loose.get("min_scaffold") {
            check_min(min, shown_path)?;
        }
    }
    let m: Manifest = toml::from_str(text).map_err(|e| toml_error(shown_path, text, &e))?;
    let mut seen = std::collections::BTreeSet::new();
    for v in &m.variables {
        if BUILTIN_VARS.contains(&v.name.as_str()) || KIND_VARS.contains(&v.name.as_str()) {
            bail!(
                "{shown_path}: variable `{}` is provided by scaffold itself; rename it",
                v.name
            );
        }
        if !seen.insert(v.name.as_str()) {
            bail!(
                "{shown_path}: variable `{}` is defined twice; keep one `[[variable]]` of that name",
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
                crate::error::err!(
                    "{shown_path}: variable `{}` has an invalid `validate` regex: {e}",
                    v.name
                )
            })?;
        }
    }
    // A skip whose condition names no yes/no variable would silently never apply.
    for skip in &m.skips {
        let conditions: Vec<&String> = skip.if_var.iter().chain(&skip.unless).collect();
        if conditions.is_empty() {
            bail!(
                "{shown_path}: a [[skip]] of {:?} has no `if` or `unless`; name the yes/no variable it depends on",
                skip.paths
            );
        }
        for name in conditions {
            match m.variables.iter().find(|v| &v.name == name) {
                Some(v) if v.kind == VarKind::Bool => {}
                Some(_) => bail!(
                    "{shown_path}: a [[skip]] depends on `{name}`, which is not a yes/no variable (type = \"bool\")"
                ),
                None => bail!(
                    "{shown_path}: a [[skip]] depends on `{name}`, which is not a variable of this scaffold"
                ),
            }
        }
    }
    if let Some(min) = &m.min_scaffold {
        check_min(min, shown_path)?;
    }
    Ok(m)
}

/// Refuses a scaffold that needs a newer `scaffold` than this one.
fn check_min(min: &str, shown_path: &str) -> Result<()> {
    use crate::go::GoVersion;
    let need = GoVersion::parse(min).with_context(|| {
        format!(
            "{shown_path}: `min_scaffold` = \"{min}\" is not a version number such as \"0.1.0\""
        )
    })?;
    let have = GoVersion::parse(env!("CARGO_PKG_VERSION")).unwrap_or_default();
    if need > have {
        bail!(
            "this scaffold needs scaffold {min} or newer (this is {}); update scaffold (`cargo install scaffold`)",
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(())
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
    fn error_at_the_start_of_a_line_names_that_line() {
        let err = parse("name = \"x\"\nfoo = 1\n", "t")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t:2:"), "{err}");
    }

    #[test]
    fn min_scaffold_wins_over_unknown_fields() {
        let err = parse(
            "name = \"x\"\nmin_scaffold = \"99.0.0\"\n[hooks]\npost = \"x\"\n",
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("needs scaffold 99.0.0"), "{err}");
    }

    #[test]
    fn skips_must_name_a_bool_variable() {
        let head = "name = \"x\"\n[[variable]]\nname = \"ci\"\nprompt = \"CI?\"\ntype = \"bool\"\n[[variable]]\nname = \"studio\"\nprompt = \"s\"\n";
        assert!(parse(
            &format!("{head}[[skip]]\npaths = [\".github\"]\nunless = \"ci\"\n"),
            "t"
        )
        .is_ok());
        for (cond, says) in [
            ("unless = \"cii\"", "not a variable"),
            ("if = \"studio\"", "not a yes/no variable"),
            ("", "has no `if` or `unless`"),
        ] {
            let err = parse(&format!("{head}[[skip]]\npaths = [\"a\"]\n{cond}\n"), "t")
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{cond}: {err}");
        }
    }

    #[test]
    fn refuses_a_variable_defined_twice() {
        let v = "[[variable]]\nname = \"a\"\nprompt = \"a\"\n";
        let err = parse(&format!("name = \"x\"\n{v}{v}"), "t").unwrap_err();
        assert!(err.to_string().contains("defined twice"), "{err}");
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
