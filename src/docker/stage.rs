//! The plugin's build as doctor sees it: the Dockerfile's stages replayed
//! ([`crate::docker::replay`]) up to the plugin's `go build`, which folder it runs in, with which
//! flags and variables, and which repo files are in the image by then (or bind-mounted from the
//! context into that RUN: `RUN --mount=type=bind,target=. go build`).

use super::tree::{Kind, Repo};
use crate::docker::buildline::{self, GoFlags};
use crate::docker::copy::{has_wildcard, Context};
use crate::docker::glob::Glob;
use crate::docker::ignore::DockerIgnore;
use crate::docker::parse::Keyword;
use crate::docker::parse::{Mount, Warning};
use crate::docker::path::join;
use crate::docker::replay::{Image, Stages};
use crate::docker::shellwords::words;
use std::collections::BTreeMap;

/// The `go build` the plugin comes from.
#[derive(Debug, Clone)]
pub struct GoBuild {
    pub stage: usize,
    /// Its RUN instruction's line.
    pub line: usize,
    /// The absolute folder `go` runs in (WORKDIR, `cd`, `-C`).
    pub dir: String,
    pub flags: GoFlags,
    pub packages: Vec<String>,
    /// CGO_ENABLED as the command sees it: (value, line it was set on).
    pub cgo: Option<(String, usize)>,
    /// The RUN's `--mount`s, each with its target made absolute: what is written under one is
    /// gone after the RUN (and a bind mount is read-only unless `rw`).
    pub mounts: Vec<(Mount, String)>,
}

/// The Dockerfile read as a build: stages, the plugin's `go build`, and the builder's image at
/// that point, with and without .dockerignore.
pub struct Model {
    pub docker: Stages,
    pub build: Option<GoBuild>,
    pub image: Image,
    /// The same image if .dockerignore hid nothing: tells "hidden" from "never copied".
    pub bare: Image,
    pub warnings: Vec<Warning>,
    /// When no `go build` is in sight but a RUN hands the build to a script: (its line, the
    /// script), which doctor cannot see inside.
    pub script: Option<(usize, String)>,
}

impl Model {
    pub fn new(text: &str, repo: &Repo, ignore: &DockerIgnore) -> Model {
        let docker = Stages::read(text);
        let mut warnings = docker.df.warnings.clone();
        let mut model = Model {
            docker,
            build: None,
            image: Image::default(),
            bare: Image::default(),
            warnings: Vec::new(),
            script: None,
        };
        let paths = || {
            repo.entries
                .iter()
                .map(|(path, kind)| (path.as_str(), *kind == Kind::Dir))
        };
        let ctx = Context::new(paths(), Some(ignore));
        let bare_ctx = Context::new(paths(), None);
        let docker = &model.docker;
        let Some((stage, ins, cmd)) = model.find_build() else {
            // Without a build, still replay the first stage so COPY mistakes are reported.
            if !docker.stages.is_empty() {
                model.image = docker.replay(0, None, &ctx, ignore, &mut warnings);
            }
            model.script = docker
                .df
                .instructions
                .iter()
                .filter(|i| i.keyword == Keyword::Run)
                .find_map(|i| buildline::script_run(i).map(|s| (i.line, s)));
            if let Some((line, script)) = &model.script {
                warnings.push(Warning {
                    line: *line,
                    message: format!("the plugin is built by `{script}`: doctor cannot see inside {script}, so it does not check the go build's flags (-buildmode=plugin, -trimpath, CGO_ENABLED) nor which packages it compiles"),
                });
            }
            model.warnings = warnings;
            return model;
        };
        model.image = docker.replay(stage, Some(ins), &ctx, ignore, &mut warnings);
        model.bare = docker.replay(stage, Some(ins), &bare_ctx, ignore, &mut Vec::new());
        // What the build's own RUN bind-mounts from the context is there for go build too.
        let run = &docker.df.instructions[ins];
        docker.mount_context(run, &ctx, ignore, &mut model.image, &mut warnings);
        docker.mount_context(run, &bare_ctx, ignore, &mut model.bare, &mut Vec::new());
        // The stages the builder does not build on still fail the build on a bad COPY; their
        // `--from` copies are the normal way to take the plugin, so those notes are dropped.
        let chain = docker.chain(stage);
        for s in 0..docker.stages.len() {
            if !chain.contains(&s) {
                let mut other = Vec::new();
                docker.replay(s, None, &ctx, ignore, &mut other);
                warnings.extend(other.into_iter().filter(|w| !w.message.contains("--from=")));
            }
        }
        let image = &model.image;
        let mut env = image.env.clone();
        let mut origin: BTreeMap<String, usize> = image
            .env_origin
            .iter()
            .map(|(k, (l, _))| (k.clone(), *l))
            .collect();
        let line = model.docker.df.instructions[ins].line;
        for (k, v) in &cmd.env {
            env.insert(k.clone(), v.clone());
            origin.insert(k.clone(), line);
        }
        let (flags, packages) =
            buildline::parse_flags(&cmd.args, env.get("GOFLAGS").map(String::as_str));
        let mut dir = image.workdir.clone();
        for c in &cmd.cd {
            dir = join(&dir, c);
        }
        if let Some(c) = &flags.chdir {
            dir = join(&dir, c);
        }
        let packages = expand_globs(packages, &dir, image);
        let cgo = env.get("CGO_ENABLED").map(|v| {
            (
                v.clone(),
                origin.get("CGO_ENABLED").copied().unwrap_or(line),
            )
        });
        let mounts = run
            .mounts()
            .into_iter()
            .filter_map(|m| {
                let target = m.target.as_deref()?;
                let target = words(target, model.docker.df.escape, Some(&env)).join(" ");
                let abs = join(&image.workdir, &target);
                Some((m, abs))
            })
            .collect();
        model.build = Some(GoBuild {
            stage,
            line,
            dir,
            flags,
            packages,
            cgo,
            mounts,
        });
        model.warnings = warnings;
        model
    }

    /// The WORKDIR in effect just after line `line` of the builder stage (before the build).
    pub fn workdir_at(&self, line: usize) -> Option<String> {
        let b = self.build.as_ref()?;
        Some(self.docker.workdir_at(b.stage, line))
    }

    /// The plugin's `go build`: the first with `-buildmode=plugin`, else the first of any kind.
    fn find_build(&self) -> Option<(usize, usize, buildline::GoCommand)> {
        let mut all = Vec::new();
        for (si, s) in self.docker.stages.iter().enumerate() {
            for idx in s.start..s.end {
                let ins = &self.docker.df.instructions[idx];
                if ins.keyword == Keyword::Run {
                    for cmd in buildline::go_builds(ins) {
                        all.push((si, idx, cmd));
                    }
                }
            }
        }
        let plugin = all.iter().position(|(_, _, c)| {
            let goflags = c
                .env
                .iter()
                .rev()
                .find(|(k, _)| k == "GOFLAGS")
                .map(|(_, v)| v.as_str());
            buildline::parse_flags(&c.args, goflags)
                .0
                .buildmode
                .as_deref()
                == Some("plugin")
        });
        match plugin {
            Some(i) => Some(all.swap_remove(i)),
            None => all.into_iter().next(),
        }
    }
}

/// The shell expands wildcards in the build line (`go build ./src/rpc/*.go`) before go sees
/// them: against what the image holds in the folder the command runs in, sorted, `*` never
/// crossing a `/` nor matching a leading `.`; a pattern that matches nothing stays as written.
fn expand_globs(words: Vec<String>, dir: &str, image: &Image) -> Vec<String> {
    let mut out = Vec::new();
    for word in words {
        if !has_wildcard(&word) || word.starts_with('/') {
            out.push(word);
            continue;
        }
        let pattern = word.trim_start_matches("./");
        let glob = Glob::filepath(pattern);
        let pat_segs: Vec<&str> = pattern.split('/').collect();
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        let mut hits: Vec<String> = image
            .files
            .keys()
            .chain(image.dirs.iter())
            .filter_map(|abs| abs.strip_prefix(&prefix))
            .filter(|rel| glob.matches(rel))
            .filter(|rel| {
                rel.split('/')
                    .zip(&pat_segs)
                    .all(|(seg, pat)| !seg.starts_with('.') || pat.starts_with('.'))
            })
            .map(|rel| {
                if word.starts_with("./") {
                    format!("./{rel}")
                } else {
                    rel.to_string()
                }
            })
            .collect();
        hits.sort();
        if hits.is_empty() {
            out.push(word);
        } else {
            out.extend(hits);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[&str]) -> Repo {
        let mut r = Repo::load(std::path::Path::new("/nonexistent-doctor-test"));
        for f in files {
            let mut at = 0;
            while let Some(p) = f[at..].find('/') {
                r.entries.insert(f[..at + p].to_string(), Kind::Dir);
                at += p + 1;
            }
            r.entries.insert(f.to_string(), Kind::File);
        }
        r
    }

    fn model(df: &str, files: &[&str], ignore: &str) -> Model {
        Model::new(df, &repo(files), &DockerIgnore::parse(ignore))
    }

    const FILES: [&str; 6] = [
        "go.mod",
        "main.go",
        "profile/profile.go",
        "profile/sub/x.go",
        "vendor/modules.txt",
        "README.md",
    ];

    #[test]
    fn seed_copies_only_root_go_files() {
        let m = model(
            "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\nENV CGO_ENABLED 1\nWORKDIR /backend\nCOPY go.mod .\nCOPY *.go .\nCOPY vendor/ vendor/\nRUN go build --trimpath --mod=vendor --buildmode=plugin -o ./backend.so\nFROM heroiclabs/nakama:3.40.0\nCOPY --from=builder /backend/backend.so /nakama/data/modules\n",
            &FILES,
            "",
        );
        let files: Vec<&str> = m.image.files.keys().map(String::as_str).collect();
        assert_eq!(
            files,
            vec![
                "/backend/go.mod",
                "/backend/main.go",
                "/backend/vendor/modules.txt"
            ]
        );
        let b = m.build.unwrap();
        assert_eq!((b.dir.as_str(), b.line), ("/backend", 7));
        assert_eq!(b.flags.module_mode.as_deref(), Some("vendor"));
        assert_eq!(b.cgo, Some(("1".into(), 2)));
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn copy_forms() {
        let m = model(
            "ARG DIR=/src\nFROM golang AS base\nWORKDIR $DIR\nCOPY [\"go.mod\", \"./\"]\nFROM base AS builder\nCOPY --chown=1:1 profile ./profile\nCOPY profile/sub main.go nested/\nCOPY --parents profile/sub/x.go /p/\nCOPY --from=base /x /y\nRUN cd profile && CGO_ENABLED=0 go build -buildmode=plugin\n",
            &FILES,
            "",
        );
        let files: Vec<&str> = m.image.files.keys().map(String::as_str).collect();
        assert!(files.contains(&"/go/go.mod"), "{files:?}");
        assert!(files.contains(&"/go/profile/sub/x.go"));
        assert!(files.contains(&"/go/nested/x.go"));
        assert!(files.contains(&"/go/nested/main.go"));
        assert!(files.contains(&"/p/profile/sub/x.go"));
        let b = m.build.unwrap();
        assert_eq!(b.dir, "/go/profile");
        assert_eq!(b.cgo, Some(("0".into(), 10)));
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
    }

    #[test]
    fn dockerignore_hides_and_exceptions_return() {
        let df = "FROM x\nWORKDIR /b\nCOPY . .\nRUN go build -buildmode=plugin\n";
        let m = model(df, &FILES, "profile\n!profile/sub\n");
        assert!(!m.image.files.contains_key("/b/profile/profile.go"));
        assert!(m.image.files.contains_key("/b/profile/sub/x.go"));
        assert!(m.bare.files.contains_key("/b/profile/profile.go"));
        let m = model(
            "FROM x\nCOPY profile/ /b/\nCOPY nothere /b/\nRUN go build\n",
            &FILES,
            "profile",
        );
        // Hidden by .dockerignore: a warning; not in the context at all: a missing source.
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
        assert!(m.warnings[0].message.contains(".dockerignore line 1"));
        assert_eq!(m.image.missing.len(), 1, "{:?}", m.image.missing);
        assert_eq!(m.image.missing[0].source, "nothere");
    }

    #[test]
    fn build_line_globs_expand_against_the_image() {
        let files = [
            "go.mod",
            "src/rpc/a.go",
            "src/rpc/b.go",
            "src/rpc/.x.go",
            "src/t/c.go",
        ];
        let m = model(
            "FROM x\nWORKDIR /app\nCOPY . .\nRUN go build -buildmode=plugin ./src/rpc/*.go src/*/c.go ./none/*.go\n",
            &files,
            "",
        );
        assert_eq!(
            m.build.unwrap().packages,
            vec![
                "./src/rpc/a.go",
                "./src/rpc/b.go",
                "src/t/c.go",
                "./none/*.go"
            ]
        );
    }
}
