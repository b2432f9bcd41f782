//! Reads go.mod: the module path, the go directive and the requirements.

use anyhow::{bail, Result};

/// The parts of a go.mod file this tool reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    pub module: String,
    pub go: Option<String>,
    /// (module path, version, 1-based line)
    pub requires: Vec<(String, String, usize)>,
}

impl GoMod {
    /// The required version of `path`, if any.
    pub fn require(&self, path: &str) -> Option<&str> {
        self.requires
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, v, _)| v.as_str())
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '`')
}

/// Parses the directives scaffold needs; unknown directives are ignored, as Go ignores none of
/// them but we need only these.
pub fn parse(text: &str) -> Result<GoMod> {
    let mut gm = GoMod::default();
    let mut in_require = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if in_require {
            if line == ")" {
                in_require = false;
            } else if let [p, v, ..] = line.split_whitespace().collect::<Vec<_>>()[..] {
                gm.requires.push((unquote(p).into(), v.into(), i + 1));
            }
            continue;
        }
        let mut words = line.split_whitespace();
        match words.next() {
            Some("module") => gm.module = unquote(words.next().unwrap_or("")).to_string(),
            Some("go") => gm.go = words.next().map(str::to_string),
            Some("require") => match (words.next(), words.next()) {
                (Some("("), _) => in_require = true,
                (Some(p), Some(v)) => gm.requires.push((unquote(p).into(), v.into(), i + 1)),
                _ => {}
            },
            _ => {}
        }
    }
    if gm.module.is_empty() {
        bail!("go.mod has no `module` line");
    }
    Ok(gm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_and_single_requires() {
        let gm = parse("module \"example.com/g\" // x\n\ngo 1.26.5\n\nrequire github.com/heroiclabs/nakama-common v1.47.0\n\nrequire (\n\tgoogle.golang.org/protobuf v1.36.11 // indirect\n)\n").unwrap();
        assert_eq!(gm.module, "example.com/g");
        assert_eq!(gm.go.as_deref(), Some("1.26.5"));
        assert_eq!(
            gm.require("github.com/heroiclabs/nakama-common"),
            Some("v1.47.0")
        );
        assert_eq!(
            gm.requires[1],
            ("google.golang.org/protobuf".into(), "v1.36.11".into(), 8)
        );
        assert!(parse("go 1.22\n").is_err());
    }
}
