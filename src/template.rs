//! The embedded scaffolds and the handlebars engine that renders them.
//!
//! Only files ending in `.hbs` are rendered (the suffix is dropped); everything else is copied
//! byte for byte, so a template may hold text that merely looks like handlebars.

use anyhow::{bail, Context, Result};
use handlebars::Handlebars;
use include_dir::{include_dir, Dir, DirEntry};
use serde::Serialize;
use std::path::{Component, Path, PathBuf};

/// The built-in scaffold, compiled into the binary.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scaffolds/nakama-go");

/// go.sum files per release, recorded by scripts/gen-gosum.sh.
pub static GOSUM_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scaffolds/gosum");

/// A rendered file: a repo-relative path and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// A strict handlebars engine: an unknown variable is an error, never an empty string, and
/// nothing is HTML-escaped (we write Go, YAML and Dockerfiles, not HTML).
pub fn engine() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb
}

/// Renders every file below `sub` of the built-in scaffold (e.g. `project`, `kinds/rpc`).
pub fn render_builtin<T: Serialize>(sub: &str, data: &T) -> Result<Vec<RenderedFile>> {
    let dir = BUILTIN
        .get_dir(sub)
        .with_context(|| format!("the built-in scaffold has no `{sub}` folder"))?;
    let hb = engine();
    let mut out = Vec::new();
    collect(dir, Path::new(sub), &hb, data, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn collect<T: Serialize>(
    dir: &Dir<'static>,
    root: &Path,
    hb: &Handlebars<'static>,
    data: &T,
    out: &mut Vec<RenderedFile>,
) -> Result<()> {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect(d, root, hb, data, out)?,
            DirEntry::File(f) => {
                let rel = f.path().strip_prefix(root).unwrap_or(f.path());
                // Manifests describe a template; they are not part of what it generates.
                if rel == Path::new("manifest.toml") {
                    continue;
                }
                let shown = f.path().display().to_string();
                let (rel, render) = match rel.to_str().and_then(|s| s.strip_suffix(".hbs")) {
                    Some(stripped) => (PathBuf::from(stripped), true),
                    None => (rel.to_path_buf(), false),
                };
                let path = render_path(hb, &rel, data)
                    .with_context(|| format!("template file name `{shown}`"))?;
                let contents = if render {
                    let text = f
                        .contents_utf8()
                        .with_context(|| format!("template `{shown}` is not UTF-8"))?;
                    hb.render_template(text, data)
                        .with_context(|| format!("rendering template `{shown}`"))?
                        .into_bytes()
                } else {
                    f.contents().to_vec()
                };
                out.push(RenderedFile { path, contents });
            }
        }
    }
    Ok(())
}

/// Renders the variables in a file name and refuses any result that could leave the destination.
fn render_path<T: Serialize>(hb: &Handlebars<'static>, rel: &Path, data: &T) -> Result<PathBuf> {
    let text = rel.to_string_lossy().replace('\\', "/");
    let rendered = hb.render_template(&text, data)?;
    let path = PathBuf::from(&rendered);
    for c in path.components() {
        match c {
            Component::Normal(_) => {}
            _ => bail!("`{rendered}` would be written outside the destination"),
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_mode_refuses_unknown_variables() {
        let err = engine()
            .render_template("{{nope}}", &json!({}))
            .unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn paths_cannot_escape() {
        let hb = engine();
        let data = json!({"package": "../evil"});
        assert!(render_path(&hb, Path::new("{{package}}/x.go"), &data).is_err());
        let ok = render_path(&hb, Path::new("{{package}}/x.go"), &json!({"package": "p"}));
        assert_eq!(ok.unwrap(), PathBuf::from("p/x.go"));
    }

    #[test]
    fn nothing_is_html_escaped() {
        let out = engine()
            .render_template("{{v}}", &json!({"v": "<a & \"b\">"}))
            .unwrap();
        assert_eq!(out, "<a & \"b\">");
    }
}
