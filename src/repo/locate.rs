//! Finding the plugin from a repo's root: users run tools where they cloned, and many game
//! repos keep the Nakama plugin in a subfolder (`server/`, `backend/`) beside a client, with a
//! docker-compose.yml at the root whose `build:` names that folder. A folder that holds go.mod,
//! a Dockerfile or scaffold.toml is the plugin itself; otherwise the plugin is found through the
//! compose file's `build.context`/`dockerfile`, or through the Dockerfiles whose builder stage
//! runs `go build -buildmode=plugin`. One found: the command works on it and says where.
//! Several: the command lists them and asks for `-C DIR`.

use crate::docker::{buildline, parse};
use crate::error::{bail, Result};
use std::path::{Path, PathBuf};

/// The compose file names Docker Compose reads, in its order of preference.
const COMPOSE: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// Folders never searched for a plugin's Dockerfile: dependencies and tool caches.
const SKIP: [&str; 5] = ["node_modules", "vendor", "target", "Library", "Temp"];

/// A plugin found below the folder a command was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plugin {
    /// The build context: the folder the plugin's Dockerfile builds from.
    pub context: PathBuf,
    /// The Dockerfile, relative to the context.
    pub dockerfile: String,
    /// How it was found, for the status line (`docker-compose.yml service nakama`).
    pub how: String,
}

impl Plugin {
    /// `server/` (`how`): the one line a command prints about where it works.
    pub fn describe(&self, from: &Path) -> String {
        let rel = self
            .context
            .strip_prefix(from)
            .map(crate::files::slash)
            .unwrap_or_else(|_| self.context.display().to_string());
        let df = if self.dockerfile == "Dockerfile" {
            String::new()
        } else {
            format!(" with {}", self.dockerfile)
        };
        format!("{rel}/{df} (found through {})", self.how)
    }

    /// The Dockerfile to name as `--dockerfile` when it is not the context's `Dockerfile`.
    pub fn dockerfile_path(&self) -> Option<PathBuf> {
        (self.dockerfile != "Dockerfile").then(|| self.context.join(&self.dockerfile))
    }
}

/// The one plugin below `dir` when `dir` is a game repo's root rather than a plugin (see
/// [`one_below`]); `None` when `dir` is a plugin itself or not a folder.
pub fn at_root(dir: &Path) -> Result<Option<Plugin>> {
    if !dir.is_dir() || is_plugin_dir(dir) {
        return Ok(None);
    }
    one_below(dir)
}

/// Whether `dir` is itself a plugin repo (or a scaffold repo): the command works there.
pub fn is_plugin_dir(dir: &Path) -> bool {
    ["go.mod", "Dockerfile", crate::repo::project::FILE]
        .iter()
        .any(|f| dir.join(f).is_file())
}

/// The plugins below `dir` (which is not one itself): through its compose file first, then
/// through the Dockerfiles (two folders deep) whose builder runs a plugin build. Each context
/// once; only contexts inside `dir`.
pub fn plugins_below(dir: &Path) -> Vec<Plugin> {
    let Ok(root) = dir.canonicalize() else {
        return Vec::new();
    };
    let mut out: Vec<Plugin> = Vec::new();
    let push = |p: Plugin, out: &mut Vec<Plugin>| {
        if p.context.starts_with(&root)
            && p.context != root
            && !out.iter().any(|o| o.context == p.context)
        {
            out.push(p);
        }
    };
    for (file, context, dockerfile, service) in compose_builds(&root) {
        let Ok(context) = root.join(&context).canonicalize() else {
            continue;
        };
        let df = context.join(&dockerfile);
        let plugin = builds_plugin(&df) || context.join("go.mod").is_file() && df.is_file();
        if plugin {
            push(
                Plugin {
                    context,
                    dockerfile,
                    how: format!("{file} service `{service}`"),
                },
                &mut out,
            );
        }
    }
    // A Dockerfile a compose service names is that service's, not a plugin of its own.
    let named: Vec<PathBuf> = out
        .iter()
        .filter_map(|p| p.context.join(&p.dockerfile).canonicalize().ok())
        .collect();
    for df in dockerfiles(&root, 2) {
        if named.contains(&df) || !builds_plugin(&df) {
            continue;
        }
        let Some(context) = df.parent().map(Path::to_path_buf) else {
            continue;
        };
        let name = df
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel = df
            .strip_prefix(&root)
            .map(crate::files::slash)
            .unwrap_or_default();
        push(
            Plugin {
                context,
                dockerfile: name,
                how: format!("{rel}, whose builder runs `go build -buildmode=plugin`"),
            },
            &mut out,
        );
    }
    out
}

/// The one plugin below `dir`; an error listing them when there are several, `None` when
/// there is none.
pub fn one_below(dir: &Path) -> Result<Option<Plugin>> {
    let found = plugins_below(dir);
    if found.len() > 1 {
        let listed: Vec<String> = found.iter().map(|p| p.describe(dir)).collect();
        let first = found[0]
            .context
            .strip_prefix(dir.canonicalize().unwrap_or_default())
            .map(crate::files::slash)
            .unwrap_or_default();
        bail!(
            "{} holds {} plugins: {}; say which with `-C DIR` (`scaffold doctor DIR`), e.g. `-C {first}`",
            dir.display(),
            found.len(),
            listed.join("; ")
        );
    }
    Ok(found.into_iter().next())
}

/// The folder a command that maintains a repo works in: `dir` when it is a plugin or inside a
/// scaffold repo, else the one plugin below it (and the line saying where).
pub fn resolve(dir: &Path) -> Result<(PathBuf, Option<String>)> {
    if is_plugin_dir(dir) || crate::repo::project::find_root(dir).is_ok() {
        return Ok((dir.to_path_buf(), None));
    }
    match one_below(dir)? {
        Some(p) => {
            let line = p.describe(&dir.canonicalize().unwrap_or_else(|_| dir.into()));
            Ok((p.context, Some(line)))
        }
        None => Ok((dir.to_path_buf(), None)),
    }
}

/// Whether the Dockerfile at `path` runs `go build -buildmode=plugin` in any RUN.
pub fn builds_plugin(path: &Path) -> bool {
    let Ok(text) = crate::files::read_to_string(path) else {
        return false;
    };
    let df = parse::parse(&text);
    df.instructions
        .iter()
        .filter(|i| i.keyword == parse::Keyword::Run)
        .flat_map(buildline::go_builds)
        .any(|b| buildline::parse_flags(&b.args, None).0.buildmode.as_deref() == Some("plugin"))
}

/// The `build:` of each compose service: (compose file, context, dockerfile, service), the
/// context relative to the compose file's folder and the dockerfile to the context.
fn compose_builds(root: &Path) -> Vec<(String, String, String, String)> {
    use yaml_rust2::{Yaml, YamlLoader};
    let mut out = Vec::new();
    for name in COMPOSE {
        let Ok(text) = crate::files::read_to_string(&root.join(name)) else {
            continue;
        };
        // A file too large for a compose file is not read (it is untrusted input).
        if text.len() > 1 << 20 {
            continue;
        }
        let Ok(docs) = YamlLoader::load_from_str(&text) else {
            continue;
        };
        for doc in &docs {
            let Some(services) = doc["services"].as_hash() else {
                continue;
            };
            for (service, def) in services {
                let service = service.as_str().unwrap_or("?").to_string();
                let (context, dockerfile) = match &def["build"] {
                    Yaml::String(c) => (c.clone(), "Dockerfile".to_string()),
                    b @ Yaml::Hash(_) => (
                        b["context"].as_str().unwrap_or(".").to_string(),
                        b["dockerfile"].as_str().unwrap_or("Dockerfile").to_string(),
                    ),
                    _ => continue,
                };
                out.push((name.to_string(), context, dockerfile, service));
            }
        }
    }
    out
}

/// Dockerfiles (`Dockerfile`, `Dockerfile.x`, `x.Dockerfile`) in the folders below `root`,
/// `depth` levels deep, hidden folders and dependency folders skipped; sorted.
fn dockerfiles(root: &Path, depth: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut level = vec![root.to_path_buf()];
    for _ in 0..depth {
        let mut next = Vec::new();
        for dir in &level {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name().to_string_lossy().into_owned();
                let Ok(kind) = e.file_type() else { continue };
                if kind.is_dir() && !name.starts_with('.') && !SKIP.contains(&name.as_str()) {
                    next.push(e.path());
                }
            }
        }
        for dir in &next {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    !n.ends_with(".dockerignore")
                        && (n == "Dockerfile"
                            || n.starts_with("Dockerfile.")
                            || n.ends_with(".Dockerfile"))
                })
                .map(|e| e.path())
                .collect();
            files.sort();
            out.extend(files);
        }
        level = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLUGIN_DF: &str = "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\nWORKDIR /b\nCOPY . .\nRUN go build -trimpath -buildmode=plugin -o backend.so .\n";

    #[test]
    fn finds_the_service_a_compose_file_builds() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        std::fs::create_dir_all(r.join("server")).unwrap();
        std::fs::create_dir_all(r.join("client")).unwrap();
        std::fs::write(r.join("server/Dockerfile"), PLUGIN_DF).unwrap();
        std::fs::write(r.join("server/go.mod"), "module x\n").unwrap();
        std::fs::write(
            r.join("client/Dockerfile"),
            "FROM node:20\nRUN npm run build\n",
        )
        .unwrap();
        std::fs::write(
            r.join("docker-compose.yml"),
            "services:\n  web:\n    build: ./client\n  nakama:\n    build:\n      context: ./server\n      dockerfile: Dockerfile\n",
        )
        .unwrap();
        let found = plugins_below(r);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].context.ends_with("server"));
        assert!(
            found[0].how.contains("service `nakama`"),
            "{}",
            found[0].how
        );
        let (dir, line) = resolve(r).unwrap();
        assert!(dir.ends_with("server") && line.unwrap().starts_with("server/"));
    }

    #[test]
    fn several_plugins_are_listed_and_one_is_asked_for() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        for d in ["a", "tools/b"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
            std::fs::write(r.join(d).join("Dockerfile"), PLUGIN_DF).unwrap();
        }
        let e = one_below(r).unwrap_err().to_string();
        assert!(e.contains("2 plugins") && e.contains("a/") && e.contains("tools/b/"));
        assert!(e.contains("-C"), "{e}");
    }

    #[test]
    fn a_plugin_folder_is_itself() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("go.mod"), "module x\n").unwrap();
        assert_eq!(
            resolve(tmp.path()).unwrap(),
            (tmp.path().to_path_buf(), None)
        );
    }
}
