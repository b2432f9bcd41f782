//! Reads go.mod: the module path, the go directive and the requirements; edits its
//! requirements and go line; and adds hashes to go.sum.

use crate::error::{bail, Context, Result};
use crate::text::replace_word;
use std::path::Path;

/// The parts of a go.mod file this tool reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    pub module: String,
    pub go: Option<String>,
    /// The 1-based line of the `go` directive (0 when there is none).
    pub go_line: usize,
    pub requires: Vec<Require>,
    /// `replace` directives to a folder (`=> ./rules`).
    pub local_replaces: Vec<LocalReplace>,
}

/// One `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    /// 1-based.
    pub line: usize,
}

/// A `replace` by a folder: `path [version] => ./folder`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalReplace {
    /// The module path replaced.
    pub path: String,
    /// The folder as written (`./rules`, `../lib`).
    pub dir: String,
    /// 1-based.
    pub line: usize,
}

impl GoMod {
    /// The required version of `path`, if any.
    pub fn require(&self, path: &str) -> Option<&str> {
        self.requires
            .iter()
            .find(|r| r.path == path)
            .map(|r| r.version.as_str())
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '`')
}

/// The module path of the repo at `root`, from its go.mod.
pub fn module_of(root: &Path) -> Result<String> {
    let text = crate::files::read_to_string(&root.join("go.mod")).with_context(|| {
        format!(
            "no readable go.mod in {}; a Go plugin repo needs one (`go mod init MODULE`, or restore it from git)",
            root.display()
        )
    })?;
    Ok(parse(&text)?.module)
}

/// Records `path [version] => ./folder` (a replacement by a folder, not a module version).
fn local_replace(gm: &mut GoMod, spec: &str, line: usize) {
    let Some((from, to)) = spec.split_once("=>") else {
        return;
    };
    let to: Vec<&str> = to.split_whitespace().collect();
    let (Some(path), [target]) = (from.split_whitespace().next(), to.as_slice()) else {
        return;
    };
    let target = unquote(target);
    if target.starts_with("./") || target.starts_with("../") || target.starts_with('/') {
        gm.local_replaces.push(LocalReplace {
            path: unquote(path).to_string(),
            dir: target.to_string(),
            line,
        });
    }
}

/// Parses the directives scaffold needs; unknown directives are ignored, as Go ignores none of
/// them but we need only these.
pub fn parse(text: &str) -> Result<GoMod> {
    let mut gm = GoMod::default();
    let mut in_require = false;
    // `module (` … `)` is valid go.mod, if rare: the path is the block's one line.
    let mut in_module = false;
    let mut in_replace = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if in_module {
            if line == ")" {
                in_module = false;
            } else if gm.module.is_empty() {
                gm.module = unquote(line.split_whitespace().next().unwrap_or("")).to_string();
            }
            continue;
        }
        if in_replace {
            if line == ")" {
                in_replace = false;
            } else {
                local_replace(&mut gm, line, i + 1);
            }
            continue;
        }
        if in_require {
            if line == ")" {
                in_require = false;
            } else if let [p, v, ..] = line.split_whitespace().collect::<Vec<_>>()[..] {
                gm.requires.push(Require {
                    path: unquote(p).into(),
                    version: v.into(),
                    line: i + 1,
                });
            }
            continue;
        }
        let mut words = line.split_whitespace();
        match words.next() {
            Some("module") => match words.next() {
                Some("(") => in_module = true,
                word => gm.module = unquote(word.unwrap_or("")).to_string(),
            },
            Some("go") => {
                gm.go = words.next().map(str::to_string);
                gm.go_line = i + 1;
            }
            Some("require") => match (words.next(), words.next()) {
                (Some("("), _) => in_require = true,
                (Some(p), Some(v)) => gm.requires.push(Require {
                    path: unquote(p).into(),
                    version: v.into(),
                    line: i + 1,
                }),
                _ => {}
            },
            Some("replace") => {
                let rest = line["replace".len()..].trim();
                if rest == "(" {
                    in_replace = true;
                } else {
                    local_replace(&mut gm, rest, i + 1);
                }
            }
            _ => {}
        }
    }
    if gm.module.is_empty() {
        bail!(
            "go.mod has no `module` line; add one such as `module example.com/mygame` at its top"
        );
    }
    Ok(gm)
}

/// `current` go.sum with every line of `recorded` it lacks, sorted by module path as Go
/// writes it, in `current`'s line endings. go.sum may hold more hashes than a build needs,
/// never fewer: the union builds wherever either side did, and `go mod tidy` trims it.
pub fn add_sums(current: &str, recorded: &str) -> String {
    let eol = crate::text::eol_of(current);
    let mut lines: Vec<&str> = current.lines().filter(|l| !l.trim().is_empty()).collect();
    for line in recorded.lines().filter(|l| !l.trim().is_empty()) {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    // Stable: within one module the order already there is kept.
    lines.sort_by_key(|l| l.split_whitespace().next().unwrap_or(""));
    let mut out = lines.join(eol);
    out.push_str(eol);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_sums_keeps_the_users_lines_and_endings_and_adds_the_missing_ones() {
        let current = "b.io/x v1.0.0 h1:B=\r\na.io/y v2.0.0 h1:A2=\r\na.io/y v1.0.0 h1:A1=\r\n";
        let recorded = "a.io/y v2.0.0 h1:A2=\nc.io/z v1.0.0 h1:C=\n";
        assert_eq!(
            add_sums(current, recorded),
            "a.io/y v2.0.0 h1:A2=\r\na.io/y v1.0.0 h1:A1=\r\nb.io/x v1.0.0 h1:B=\r\nc.io/z v1.0.0 h1:C=\r\n"
        );
        assert_eq!(add_sums("", recorded), recorded);
    }

    #[test]
    fn parses_blocks_and_single_requires() {
        let gm = parse("module \"example.com/g\" // x\n\ngo 1.26.5\n\nrequire github.com/heroiclabs/nakama-common v1.47.0\n\nrequire (\n\tgoogle.golang.org/protobuf v1.36.11 // indirect\n)\n").unwrap();
        assert_eq!(gm.module, "example.com/g");
        assert_eq!((gm.go.as_deref(), gm.go_line), (Some("1.26.5"), 3));
        assert_eq!(
            gm.require("github.com/heroiclabs/nakama-common"),
            Some("v1.47.0")
        );
        assert_eq!(
            gm.requires[1],
            Require {
                path: "google.golang.org/protobuf".into(),
                version: "v1.36.11".into(),
                line: 8
            }
        );
        assert!(parse("go 1.22\n").is_err());
        // The block form of the module directive.
        let block = parse("module (\n\t\"example.com/g\" // the game\n)\n\ngo 1.26.5\n").unwrap();
        assert_eq!(block.module, "example.com/g");
        assert_eq!(block.go_line, 5);
        let gm = parse("module m\nreplace a.com/x => ./x\nreplace (\n\tb.com/y v1.0.0 => ../y\n\tc.com/z => c.com/z v1.2.0\n)\n").unwrap();
        assert_eq!(
            gm.local_replaces,
            vec![
                LocalReplace {
                    path: "a.com/x".into(),
                    dir: "./x".into(),
                    line: 2
                },
                LocalReplace {
                    path: "b.com/y".into(),
                    dir: "../y".into(),
                    line: 4
                }
            ]
        );
        assert_eq!(parse("module gopher\n").unwrap().go_line, 0);
    }
}

/// Sets the version of a required module in go.mod text, in place (single-line or block form),
/// keeping comments, layout and line endings. Returns `None` when `path` is not required.
pub fn set_require(text: &str, path: &str, version: &str) -> Option<String> {
    let mut in_block = false;
    let mut found = false;
    let out: Vec<String> = text
        .split_inclusive('\n')
        .map(|raw| {
            let code = raw.split("//").next().unwrap_or("").trim();
            let words: Vec<&str> = code.split_whitespace().collect();
            let target = if in_block {
                if code == ")" {
                    in_block = false;
                }
                words.first().map(|w| unquote(w)) == Some(path) && words.len() >= 2
            } else if words.first() == Some(&"require") {
                if words.get(1) == Some(&"(") {
                    in_block = true;
                    false
                } else {
                    words.get(1).map(|w| unquote(w)) == Some(path) && words.len() >= 3
                }
            } else {
                false
            };
            if !target {
                return raw.to_string();
            }
            found = true;
            let old = if in_block || !code.starts_with("require") {
                words[1]
            } else {
                words[2]
            };
            replace_word(raw, old, version)
        })
        .collect();
    found.then(|| out.concat())
}

/// Sets the `go` directive's version, keeping the rest of the text as it is. A go.mod without
/// one gets it after the `module` line: left out, Go would write its own version there, which
/// the pluginbuilder (`GOTOOLCHAIN=local`) refuses when it is newer than its Go.
pub fn set_go(text: &str, version: &str) -> String {
    let mut found = false;
    let out: String = text
        .split_inclusive('\n')
        .map(|raw| {
            let code = raw.split("//").next().unwrap_or("");
            match code.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["go", old] => {
                    found = true;
                    replace_word(raw, old, version)
                }
                _ => raw.to_string(),
            }
        })
        .collect();
    if found {
        return out;
    }
    let eol = crate::text::eol_of(text);
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let words = |l: &str| -> Vec<String> {
        let code = l.split("//").next().unwrap_or("");
        code.split_whitespace().map(str::to_string).collect()
    };
    let Some(mut at) = lines
        .iter()
        .position(|l| words(l).first().map(String::as_str) == Some("module"))
    else {
        return out;
    };
    // After the whole `module ( … )` block, not inside it.
    if words(lines[at]).get(1).map(String::as_str) == Some("(") {
        match lines[at..].iter().position(|l| words(l) == [")"]) {
            Some(end) => at += end,
            None => return out,
        }
    }
    // A module line without a final newline needs one before the new directive.
    let fixed;
    if !lines[at].ends_with('\n') {
        fixed = format!("{}{eol}", lines[at]);
        lines[at] = &fixed;
    }
    let directive = format!("{eol}go {version}{eol}");
    lines.insert(at + 1, &directive);
    lines.concat()
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    #[test]
    fn edits_requires_and_go_line_in_place() {
        let text = "module m\r\n\r\ngo 1.24.5\r\n\r\nrequire github.com/heroiclabs/nakama-common v1.38.0\r\n\r\nrequire (\r\n\tgoogle.golang.org/protobuf v1.36.6 // indirect\r\n)\r\n";
        let a = set_require(text, "github.com/heroiclabs/nakama-common", "v1.47.0").unwrap();
        let b = set_require(&a, "google.golang.org/protobuf", "v1.36.11").unwrap();
        let c = set_go(&b, "1.26.5");
        assert_eq!(
            c,
            text.replace("v1.38.0", "v1.47.0")
                .replace("v1.36.6", "v1.36.11")
                .replace("1.24.5", "1.26.5")
        );
        assert!(set_require(text, "example.com/none", "v1").is_none());
    }

    #[test]
    fn edits_a_version_glued_to_its_comment() {
        let text =
            "module m\n\nrequire (\n\tgithub.com/heroiclabs/nakama-common v1.45.0//indirect\n)\n";
        let out = set_require(text, "github.com/heroiclabs/nakama-common", "v1.47.0").unwrap();
        assert_eq!(out, text.replace("v1.45.0", "v1.47.0"));
    }

    #[test]
    fn adds_a_missing_go_line_after_module() {
        assert_eq!(
            set_go("module m // x\n\nrequire a v1\n", "1.26.5"),
            "module m // x\n\ngo 1.26.5\n\nrequire a v1\n"
        );
        assert_eq!(set_go("module m", "1.26.5"), "module m\n\ngo 1.26.5\n");
        assert_eq!(
            set_go("module (\n\tm\n)\n\nrequire a v1\n", "1.26.5"),
            "module (\n\tm\n)\n\ngo 1.26.5\n\nrequire a v1\n"
        );
        assert_eq!(
            set_go("module m\r\n", "1.26.5"),
            "module m\r\n\r\ngo 1.26.5\r\n"
        );
        // A `go` line with a trailing comment is edited, not duplicated.
        let text = "module m\n\ngo 1.24.5 // pinned\n";
        assert_eq!(set_go(text, "1.26.5"), "module m\n\ngo 1.26.5 // pinned\n");
    }
}
