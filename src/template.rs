//! Scaffolds and the handlebars engine that renders them: the built-in one (compiled in) and
//! team scaffolds (a folder on disk), held the same way so one engine serves both.
//!
//! Only files ending in `.hbs` are rendered (the suffix is dropped); everything else is copied
//! byte for byte, so a template may hold CI YAML with `${{ }}` or Go `text/template` files.

use crate::error::{bail, Context, Result};
use crate::manifest::{self, Manifest};
use handlebars::Handlebars;
use include_dir::{include_dir, Dir, DirEntry};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The built-in scaffold, compiled into the binary.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scaffolds/nakama-go");

/// What `scaffold.toml` records for the built-in scaffold.
pub const BUILTIN_SOURCE: &str = "builtin:nakama-go";

/// The built-in scaffold's earlier versions (`<version>/template.toml` and `project/`), kept
/// so `scaffold update` can merge from the rendering a repo was made with: an old binary's
/// templates are not in a new one otherwise.
static BUILTIN_HISTORY: Dir<'static> =
    include_dir!("$CARGO_MANIFEST_DIR/scaffolds/history/nakama-go");

/// A rendered file: a repo-relative path and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// A scaffold held in memory: its manifest and every file, by path inside the scaffold.
#[derive(Debug, Clone)]
pub struct Template {
    pub manifest: Manifest,
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

/// A strict handlebars engine: an unknown variable is an error, never an empty string, and
/// nothing is HTML-escaped (we write Go, YAML and Dockerfiles, not HTML).
pub fn engine() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb
}

impl Template {
    /// The built-in scaffold.
    pub fn builtin() -> Template {
        let mut files = BTreeMap::new();
        collect_builtin(&BUILTIN, &mut files);
        let text = BUILTIN
            .get_file(manifest::FILE)
            .and_then(|f| f.contents_utf8())
            .expect("the built-in scaffold has a manifest");
        let manifest =
            manifest::parse(text, "builtin:template.toml").expect("the built-in manifest is valid");
        Template { manifest, files }
    }

    /// The built-in scaffold at one of its versions: this binary's own, or one kept in
    /// `scaffolds/history/`; `None` for a version this binary does not know.
    pub fn builtin_at(version: u32) -> Option<Template> {
        let current = Template::builtin();
        if current.manifest.version == Some(version) {
            return Some(current);
        }
        let dir = BUILTIN_HISTORY.get_dir(version.to_string())?;
        let mut files = BTreeMap::new();
        collect_builtin(dir, &mut files);
        // include_dir names entries from the history folder; the scaffold's own paths start
        // below the version.
        let files = files
            .into_iter()
            .filter_map(|(p, b)| Some((p.strip_prefix(version.to_string()).ok()?.to_path_buf(), b)))
            .collect::<BTreeMap<_, _>>();
        let text = std::str::from_utf8(files.get(Path::new(manifest::FILE))?).ok()?;
        let shown = format!("builtin:history/{version}/template.toml");
        let manifest = manifest::parse(text, &shown).ok()?;
        Some(Template { manifest, files })
    }

    /// A team scaffold from a folder. Symbolic links are followed only while they stay inside
    /// the folder: a template must not read the rest of the disk.
    pub fn from_dir(dir: &Path) -> Result<Template> {
        Self::from_dir_shown(dir, &format!("{}/", dir.display()))
    }

    /// [`Template::from_dir`], naming the manifest `{prefix}template.toml` in messages (a
    /// clone's temporary folder is gone by the time anyone reads them; its URL is not).
    pub fn from_dir_shown(dir: &Path, prefix: &str) -> Result<Template> {
        let root = dir
            .canonicalize()
            .with_context(|| format!("cannot open the scaffold folder {}", dir.display()))?;
        let manifest_path = root.join(manifest::FILE);
        let text = std::fs::read_to_string(&manifest_path).with_context(|| {
            format!(
                "{prefix}{} is missing; a scaffold folder needs one (see `scaffold eject` for an example)",
                manifest::FILE
            )
        })?;
        let manifest = manifest::parse(&text, &format!("{prefix}{}", manifest::FILE))?;
        let mut files = BTreeMap::new();
        walk(&root, &root, &mut files)?;
        Ok(Template { manifest, files })
    }

    /// The package kinds this scaffold defines, with their descriptions.
    pub fn kinds(&self) -> Vec<(String, String)> {
        #[derive(serde::Deserialize)]
        struct KindManifest {
            description: String,
        }
        let mut out: Vec<(String, String)> = self
            .files
            .iter()
            .filter_map(|(path, bytes)| {
                let mut parts = path.components();
                let first = parts.next()?.as_os_str().to_str()?;
                let kind = parts.next()?.as_os_str().to_str()?.to_string();
                let file = parts.next()?.as_os_str().to_str()?;
                if first != "kinds" || file != "manifest.toml" || parts.next().is_some() {
                    return None;
                }
                let text = std::str::from_utf8(bytes).ok()?;
                let m: KindManifest = toml::from_str(text).ok()?;
                Some((kind, m.description))
            })
            .collect();
        // rpc first: it is the default.
        out.sort_by(|a, b| (a.0 != "rpc", &a.0).cmp(&(b.0 != "rpc", &b.0)));
        out
    }

    /// Renders every file below `sub` (e.g. `project`, `kinds/rpc`), sorted by path.
    pub fn render<T: Serialize>(&self, sub: &str, data: &T) -> Result<Vec<RenderedFile>> {
        let hb = engine();
        let prefix = Path::new(sub);
        let mut out = Vec::new();
        let mut any = false;
        for (path, bytes) in &self.files {
            let Ok(rel) = path.strip_prefix(prefix) else {
                continue;
            };
            any = true;
            // Manifests describe a template; they are not part of what it generates.
            if rel == Path::new("manifest.toml") {
                continue;
            }
            let shown = crate::repo::plan::slash(path);
            let (rel, render) = match rel.to_str().and_then(|s| s.strip_suffix(".hbs")) {
                Some(stripped) => (PathBuf::from(stripped), true),
                None => (rel.to_path_buf(), false),
            };
            let path = render_path(&hb, &rel, data)
                .with_context(|| format!("template file name `{shown}`"))?;
            let contents = if render {
                let text = std::str::from_utf8(bytes)
                    .with_context(|| format!("template `{shown}` is not UTF-8"))?;
                hb.render_template(text, data)
                    .map_err(|e| crate::error::err!("template `{shown}`: {}", one_line(&e)))?
                    .into_bytes()
            } else {
                bytes.clone()
            };
            out.push(RenderedFile { path, contents });
        }
        if !any {
            bail!("the scaffold has no `{sub}` folder");
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// A handlebars error as one line: its reason and where, without the source excerpt.
fn one_line(e: &handlebars::RenderError) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("").to_string();
    match e.line_no {
        Some(line) if !first.contains("line") => format!("line {line}: {first}"),
        _ => first,
    }
}

fn collect_builtin(dir: &Dir<'static>, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect_builtin(d, out),
            DirEntry::File(f) => {
                out.insert(f.path().to_path_buf(), f.contents().to_vec());
            }
        }
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let target = path
            .canonicalize()
            .with_context(|| format!("{} is a broken link", rel.display()))?;
        if !target.starts_with(root) {
            bail!(
                "{} links outside the scaffold folder ({}); templates may only link inside themselves",
                rel.display(),
                target.display()
            );
        }
        if target.is_dir() {
            walk(root, &path, out)?;
        } else {
            let bytes =
                std::fs::read(&target).with_context(|| format!("cannot read {}", rel.display()))?;
            out.insert(rel, bytes);
        }
    }
    Ok(())
}

/// Renders the variables in a file name and refuses any result that could leave the destination.
fn render_path<T: Serialize>(hb: &Handlebars<'static>, rel: &Path, data: &T) -> Result<PathBuf> {
    let text = crate::repo::plan::slash(rel);
    let rendered = hb
        .render_template(&text, data)
        .map_err(|e| crate::error::err!("{}", one_line(&e)))?;
    let path = PathBuf::from(&rendered);
    for c in path.components() {
        match c {
            Component::Normal(_) => {}
            _ => bail!("`{rendered}` would be written outside the destination"),
        }
    }
    if rendered.contains('\\') {
        bail!("`{rendered}` would be written outside the destination");
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

    #[test]
    fn every_kept_builtin_version_parses_and_renders() {
        let current = Template::builtin().manifest.version.expect("a version");
        for v in 1..=current {
            let t = Template::builtin_at(v).unwrap_or_else(|| panic!("version {v} is kept"));
            assert_eq!(t.manifest.version, Some(v));
            assert!(t.files.contains_key(Path::new("project/Dockerfile.hbs")));
        }
        assert!(Template::builtin_at(current + 1).is_none());
    }

    #[test]
    fn builtin_kinds_rpc_first() {
        let kinds: Vec<String> = Template::builtin()
            .kinds()
            .into_iter()
            .map(|k| k.0)
            .collect();
        assert_eq!(kinds, ["rpc", "hook", "http", "match"]);
    }
}
