//! D006: CRLF line endings in the Dockerfile, shell scripts and YAML (a Windows checkout
//! without `.gitattributes`), and a UTF-8 BOM in those or in Go files and go.mod.

use super::id;
use super::report::{Problem, Severity};
use super::{Facts, Finding, Remedy};
use crate::docker::tree::Kind;

#[derive(Clone, Copy, PartialEq, Eq)]
enum FileType {
    /// Dockerfiles and shell scripts: CRLF and BOM both break them.
    Strict,
    /// YAML: tools mostly cope, so a warning.
    Yaml,
    /// Go sources: only a BOM matters (a warning: gc skips a leading one).
    Go,
    /// go.mod: a BOM breaks its parser.
    GoMod,
}

fn file_type(path: &str) -> Option<FileType> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if name == "Dockerfile"
        || name.starts_with("Dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".sh")
        || lower.ends_with(".bash")
    {
        Some(FileType::Strict)
    } else if lower.ends_with(".yml") || lower.ends_with(".yaml") {
        Some(FileType::Yaml)
    } else if lower.ends_with(".go") {
        Some(FileType::Go)
    } else if name == "go.mod" {
        Some(FileType::GoMod)
    } else {
        None
    }
}

/// Folders whose files are not the repo's own: dependencies and tool caches.
fn skipped(path: &str) -> bool {
    path.split('/')
        .any(|s| s == "vendor" || s == "node_modules" || s == ".git")
}

pub fn check(f: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, kind) in &f.repo.entries {
        if *kind != Kind::File || skipped(path) {
            continue;
        }
        let Some(ty) = file_type(path) else { continue };
        let Some(bytes) = f.repo.bytes(path) else {
            continue;
        };
        let bom = bytes.starts_with(b"\xEF\xBB\xBF");
        let eol_matters = matches!(ty, FileType::Strict | FileType::Yaml);
        let crlf = eol_matters
            .then(|| bytes.windows(2).position(|w| w == b"\r\n"))
            .flatten()
            .map(|at| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1);
        if !bom && crlf.is_none() {
            continue;
        }
        let mut parts = Vec::new();
        if let Some(line) = crlf {
            parts.push(format!("Windows (CRLF) line endings from line {line}"));
        }
        if bom {
            parts.push("a UTF-8 byte-order mark".to_string());
        }
        let effect = match ty {
            FileType::Strict if path.ends_with(".sh") || path.ends_with(".bash") => {
                "shells fail on them (`$'\\r': command not found`, `bad interpreter`)"
            }
            FileType::Strict => "the build can read `\\r` into file names and commands",
            FileType::Yaml => "some tools misread them",
            FileType::Go => "some Go tools reject it",
            FileType::GoMod => "go fails to parse go.mod",
        };
        let severity = match ty {
            FileType::Strict | FileType::GoMod => Severity::Error,
            FileType::Yaml | FileType::Go => Severity::Warning,
        };
        let mut fix = if crlf.is_some() {
            format!("convert {path} to LF line endings")
        } else {
            format!("save {path} without the BOM")
        };
        if crlf.is_some() && bom {
            fix.push_str(" and drop the BOM");
        }
        if crlf.is_some() {
            fix.push_str("; keep it so with `* text=auto eol=lf` in .gitattributes");
        }
        let mut problem = Problem::new(
            id::ENCODING,
            path,
            if bom { 1 } else { crlf.unwrap_or(1) },
            format!("{path} has {}; {effect}", parts.join(" and ")),
            fix,
        );
        problem.severity = severity;
        out.push(Finding::fixable(
            problem,
            vec![Remedy::Normalize {
                file: path.clone(),
                eol: eol_matters,
            }],
        ));
    }
    out
}

/// The bytes with a leading BOM removed and, when `eol`, CRLF turned into LF.
pub fn normalize(bytes: &[u8], eol: bool) -> Vec<u8> {
    // Editors that add a BOM to a file that has one leave two; strip them all.
    let mut body = bytes;
    while let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        body = rest;
    }
    if !eol {
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\r' && body.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize(b"\xEF\xBB\xBFa\r\nb\r\n", true), b"a\nb\n");
        assert_eq!(normalize(b"\xEF\xBB\xBFa\r\n", false), b"a\r\n");
        assert_eq!(normalize(b"a\rb", true), b"a\rb");
        assert_eq!(normalize(b"\xEF\xBB\xBF\xEF\xBB\xBFx", false), b"x");
    }

    #[test]
    fn types() {
        assert!(file_type("Dockerfile") == Some(FileType::Strict));
        assert!(file_type("deploy/run.sh") == Some(FileType::Strict));
        assert!(file_type("docker-compose.yml") == Some(FileType::Yaml));
        assert!(file_type("go.mod") == Some(FileType::GoMod));
        assert!(file_type("README.md").is_none());
    }
}
