//! The Dockerfile's builder stage replayed without Docker: which repo files land where in the
//! image by the time `go build` runs, in which folder it runs, with which flags and variables.
//!
//! Follows Docker's COPY rules: sources are relative to the context (after .dockerignore), a
//! folder copies its contents, wildcards match within one segment, several sources need a folder
//! destination, a relative destination is relative to WORKDIR, `--from` copies nothing from the
//! context, and a stage built `FROM` an earlier stage starts with that stage's files.

use super::buildline::{self, GoFlags};
use super::repo::{Kind, Repo};
use crate::docker::ignore::{self, clean, DockerIgnore};
use crate::docker::parse::{self, Dockerfile, Instruction, Warning};
use crate::docker::shellwords;
use crate::docker::Env;
use std::collections::{BTreeMap, BTreeSet};

/// The build context: the repo's paths that .dockerignore lets through.
pub struct Context {
    pub entries: BTreeMap<String, Kind>,
}

impl Context {
    pub fn new(repo: &Repo, ignore: Option<&DockerIgnore>) -> Context {
        let mut entries = BTreeMap::new();
        for (path, kind) in &repo.entries {
            if ignore.is_some_and(|i| i.excluded(path)) {
                continue;
            }
            // A folder stays when something below it is let back in by an exception.
            let mut at = 0;
            while let Some(p) = path[at..].find('/') {
                entries
                    .entry(path[..at + p].to_string())
                    .or_insert(Kind::Dir);
                at += p + 1;
            }
            entries.insert(path.clone(), *kind);
        }
        Context { entries }
    }

    /// The context paths a cleaned source pattern names ("." is the whole context).
    fn glob(&self, pattern: &str) -> Vec<String> {
        if pattern == "." {
            return vec![".".into()];
        }
        if !ignore::has_wildcard(pattern) {
            let p = ignore::unescape(pattern);
            return if self.entries.contains_key(&p) {
                vec![p]
            } else {
                Vec::new()
            };
        }
        let depth = pattern.matches('/').count();
        self.entries
            .keys()
            .filter(|k| k.matches('/').count() == depth && ignore::path_match(pattern, k))
            .cloned()
            .collect()
    }

    fn is_dir(&self, rel: &str) -> bool {
        rel == "." || self.entries.get(rel) == Some(&Kind::Dir)
    }

    /// Every non-folder path below `dir`, with its path relative to `dir`.
    fn files_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = (&'a String, &'a str)> {
        let prefix = if dir == "." {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .filter(|(_, kind)| **kind != Kind::Dir)
            .map(move |(k, _)| (k, &k[if dir == "." { 0 } else { dir.len() + 1 }..]))
    }
}

/// Where a file in the image came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// Its context path.
    pub from: String,
    /// The COPY or ADD line.
    pub line: usize,
}

/// The builder's filesystem (as far as the context goes) and state at one instruction.
#[derive(Debug, Clone, Default)]
pub struct Image {
    pub files: BTreeMap<String, Placed>,
    pub dirs: BTreeSet<String>,
    pub workdir: String,
    pub env: Env,
    /// Where each variable was last set, and whether by ENV (which ARG cannot override).
    pub env_origin: BTreeMap<String, (usize, bool)>,
    /// A `RUN go mod vendor` before the build makes vendor/ in the image.
    pub vendored_by_run: Option<usize>,
}

impl Image {
    fn put(&mut self, path: String, from: &str, line: usize) {
        let mut p = parent_of(&path);
        while p != "/" && self.dirs.insert(p.clone()) {
            p = parent_of(&p);
        }
        self.dirs.remove(&path);
        self.files.insert(
            path,
            Placed {
                from: from.to_string(),
                line,
            },
        );
    }
}

/// An absolute image path's parent ("/" at the top).
pub fn parent_of(abs: &str) -> String {
    match abs.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((p, _)) => p.into(),
    }
}

/// Joins an image path onto a folder and cleans it; absolute `rel` replaces `base`.
pub fn join(base: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        clean(rel)
    } else {
        clean(&format!("{}/{rel}", base.trim_end_matches('/')))
    }
}

/// One stage: its FROM and the instructions up to the next FROM.
#[derive(Debug, Clone)]
pub struct StageInfo {
    pub name: Option<String>,
    /// The base image (global ARGs expanded) or an earlier stage's name.
    pub base: String,
    pub line: usize,
    /// Instruction indexes: the FROM, and the end (exclusive).
    pub start: usize,
    pub end: usize,
    /// The earlier stage this one is built on.
    pub parent: Option<usize>,
}

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
}

/// The Dockerfile read as a build: stages, the plugin's `go build`, and the builder's image at
/// that point, with and without .dockerignore.
pub struct Model {
    pub df: Dockerfile,
    pub stages: Vec<StageInfo>,
    pub global_args: Env,
    pub build: Option<GoBuild>,
    pub image: Image,
    /// The same image if .dockerignore hid nothing: tells "hidden" from "never copied".
    pub bare: Image,
    pub warnings: Vec<Warning>,
}

impl Model {
    pub fn new(text: &str, repo: &Repo, ignore: &DockerIgnore) -> Model {
        let df = parse::parse(text);
        let mut warnings = df.warnings.clone();
        let (stages, global_args) = stages(&df);
        let mut model = Model {
            df,
            stages,
            global_args,
            build: None,
            image: Image::default(),
            bare: Image::default(),
            warnings: Vec::new(),
        };
        let ctx = Context::new(repo, Some(ignore));
        let bare_ctx = Context::new(repo, None);
        let Some((stage, ins, cmd)) = model.find_build() else {
            // Without a build, still replay the first stage so COPY mistakes are reported.
            if !model.stages.is_empty() {
                model.image = model.replay(0, None, &ctx, ignore, &mut warnings);
            }
            model.warnings = warnings;
            return model;
        };
        model.image = model.replay(stage, Some(ins), &ctx, ignore, &mut warnings);
        model.bare = model.replay(stage, Some(ins), &bare_ctx, ignore, &mut Vec::new());
        // The stages the builder does not build on still fail the build on a bad COPY; their
        // `--from` copies are the normal way to take the plugin, so those notes are dropped.
        let chain = model.chain(stage);
        for s in 0..model.stages.len() {
            if !chain.contains(&s) {
                let mut other = Vec::new();
                model.replay(s, None, &ctx, ignore, &mut other);
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
        let line = model.df.instructions[ins].line;
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
        let cgo = env.get("CGO_ENABLED").map(|v| {
            (
                v.clone(),
                origin.get("CGO_ENABLED").copied().unwrap_or(line),
            )
        });
        model.build = Some(GoBuild {
            stage,
            line,
            dir,
            flags,
            packages,
            cgo,
        });
        model.warnings = warnings;
        model
    }

    /// The stage indexes `stage` is built on, itself last.
    pub fn chain(&self, stage: usize) -> Vec<usize> {
        let mut out = vec![stage];
        let mut at = stage;
        while let Some(p) = self.stages.get(at).and_then(|s| s.parent) {
            out.insert(0, p);
            at = p;
        }
        out
    }

    /// The WORKDIR in effect just after line `line` of the builder stage (before the build).
    pub fn workdir_at(&self, line: usize) -> Option<String> {
        let b = self.build.as_ref()?;
        let s = &self.stages[b.stage];
        let upto = (s.start + 1..s.end)
            .find(|&i| self.df.instructions[i].line > line)
            .unwrap_or(s.end);
        let empty = Context {
            entries: BTreeMap::new(),
        };
        let image = self.replay(
            b.stage,
            Some(upto),
            &empty,
            &DockerIgnore::default(),
            &mut Vec::new(),
        );
        Some(image.workdir)
    }

    /// The plugin's `go build`: the first with `-buildmode=plugin`, else the first of any kind.
    fn find_build(&self) -> Option<(usize, usize, buildline::GoCommand)> {
        let mut all = Vec::new();
        for (si, s) in self.stages.iter().enumerate() {
            for idx in s.start..s.end {
                let ins = &self.df.instructions[idx];
                if ins.keyword == "RUN" {
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

    /// Replays stage `stage` (and the stages it is built on) up to instruction `upto`.
    fn replay(
        &self,
        stage: usize,
        upto: Option<usize>,
        ctx: &Context,
        ignore: &DockerIgnore,
        warnings: &mut Vec<Warning>,
    ) -> Image {
        let info = &self.stages[stage];
        let mut image = match info.parent {
            Some(p) => self.replay(p, None, ctx, ignore, warnings),
            None => {
                // The golang images (and so the pluginbuilder) start in /go.
                let base = info.base.to_ascii_lowercase();
                let wd = if base.contains("golang") || base.contains("nakama-pluginbuilder") {
                    "/go"
                } else {
                    "/"
                };
                Image {
                    workdir: wd.into(),
                    ..Image::default()
                }
            }
        };
        let esc = self.df.escape;
        let end = upto.unwrap_or(info.end).min(info.end);
        for ins in &self.df.instructions[info.start + 1..end] {
            match ins.keyword.as_str() {
                "WORKDIR" => {
                    if let Some(w) = ins.words(esc, &image.env).first() {
                        image.workdir = join(&image.workdir, w);
                        image.dirs.insert(image.workdir.clone());
                    }
                }
                "ENV" => {
                    for (k, v) in parse::key_values(ins, esc, &image.env, true) {
                        image.env.insert(k.clone(), v.unwrap_or_default());
                        image.env_origin.insert(k, (ins.line, true));
                    }
                }
                "ARG" => {
                    for (k, v) in parse::key_values(ins, esc, &image.env, false) {
                        if image.env_origin.get(&k).is_some_and(|(_, by_env)| *by_env) {
                            continue;
                        }
                        let v = v
                            .or_else(|| self.global_args.get(&k).cloned())
                            .unwrap_or_default();
                        image.env.insert(k.clone(), v);
                        image.env_origin.insert(k, (ins.line, false));
                    }
                }
                "COPY" | "ADD" => copy(ins, esc, ctx, ignore, &mut image, warnings, self),
                // RUN is not replayed, except that `go mod vendor` makes vendor/ in the image.
                "RUN" => {
                    let vendors = shellwords::commands(&run_text(ins))
                        .iter()
                        .any(|c| c.windows(3).any(|w| w == ["go", "mod", "vendor"]));
                    if vendors {
                        image.vendored_by_run = Some(ins.line);
                    }
                }
                _ => {}
            }
        }
        image
    }
}

fn run_text(ins: &Instruction) -> String {
    let mut s = match &ins.args {
        parse::Args::Exec(v) => v.join(" "),
        parse::Args::Shell(t) => t.clone(),
    };
    for h in &ins.heredocs {
        s.push('\n');
        s.push_str(&h.body);
    }
    s
}

/// Splits the instructions into stages; ARGs before the first FROM are the global ARGs.
fn stages(df: &Dockerfile) -> (Vec<StageInfo>, Env) {
    let mut global = Env::new();
    let mut stages: Vec<StageInfo> = Vec::new();
    for (i, ins) in df.instructions.iter().enumerate() {
        if ins.keyword == "FROM" {
            if let Some(last) = stages.last_mut() {
                last.end = i;
            }
            let words = ins.words(df.escape, &global);
            let base = words.first().cloned().unwrap_or_default();
            let name = match words.get(1) {
                Some(a) if a.eq_ignore_ascii_case("as") => {
                    words.get(2).map(|n| n.to_ascii_lowercase())
                }
                _ => None,
            };
            let parent = stages
                .iter()
                .position(|s| s.name.as_deref() == Some(base.to_ascii_lowercase().as_str()));
            stages.push(StageInfo {
                name,
                base,
                line: ins.line,
                start: i,
                end: df.instructions.len(),
                parent,
            });
        } else if stages.is_empty() && ins.keyword == "ARG" {
            for (k, v) in parse::key_values(ins, df.escape, &global, false) {
                global.insert(k, v.unwrap_or_default());
            }
        }
    }
    (stages, global)
}

/// Replays one COPY or ADD into `image`.
fn copy(
    ins: &Instruction,
    esc: char,
    ctx: &Context,
    ignore: &DockerIgnore,
    image: &mut Image,
    warnings: &mut Vec<Warning>,
    model: &Model,
) {
    if let Some(from) = ins.flag("from") {
        let stage = from.to_ascii_lowercase();
        if model
            .stages
            .iter()
            .any(|s| s.name.as_deref() == Some(stage.as_str()))
        {
            warn(warnings, ins.line, format!("`{} --from={from}` copies from another stage; doctor does not follow what that stage copied", ins.keyword));
        }
        return;
    }
    let words = ins.words(esc, &image.env);
    if words.len() < 2 {
        if ins.heredocs.is_empty() {
            warn(
                warnings,
                ins.line,
                format!("{} needs a source and a destination", ins.keyword),
            );
        }
        return;
    }
    let (srcs, dest) = words.split_at(words.len() - 1);
    let dest = &dest[0];
    let dest_abs = join(&image.workdir, dest);
    let parents = ins.flag("parents").is_some_and(|v| v != "false");
    let excludes: Vec<DockerIgnore> = ins
        .flags
        .iter()
        .filter(|f| f.name == "exclude")
        .filter_map(|f| f.value.as_deref().map(DockerIgnore::parse))
        .collect();
    let mut matched: Vec<String> = Vec::new();
    for src in srcs {
        // Heredoc bodies and remote sources are not in the context.
        if src.starts_with("<<") || src.contains("://") || src.starts_with("git@") {
            continue;
        }
        let pattern = clean(&format!("/{src}"));
        let pattern = pattern.trim_start_matches('/');
        let pattern = if pattern.is_empty() { "." } else { pattern };
        let found = ctx.glob(pattern);
        if found.is_empty() && !ignore::has_wildcard(pattern) {
            let why = match ignore.decider(pattern) {
                Some(p) if !p.exception => format!(
                    " (.dockerignore line {} `{}` leaves it out)",
                    p.line, p.text
                ),
                _ => String::new(),
            };
            warn(warnings, ins.line, format!("{} source `{src}` is not in the build context{why}; the build fails with `not found`", ins.keyword));
        }
        matched.extend(found);
    }
    let dest_is_dir = dest.ends_with('/')
        || dest == "."
        || dest == ".."
        || dest.ends_with("/.")
        || dest.ends_with("/..")
        || srcs.len() > 1
        || matched.len() > 1
        || image.dirs.contains(&dest_abs);
    for m in matched {
        if ctx.is_dir(&m) {
            let files: Vec<(String, String)> = ctx
                .files_under(&m)
                .filter(|(full, below)| {
                    !excludes
                        .iter()
                        .any(|e| e.excluded(full) || e.excluded(below))
                })
                .map(|(full, below)| (full.clone(), below.to_string()))
                .collect();
            for (full, below) in files {
                let target = if parents { &full } else { &below };
                image.put(join(&dest_abs, target), &full, ins.line);
            }
            image.dirs.insert(dest_abs.clone());
        } else {
            if excludes.iter().any(|e| e.excluded(&m)) {
                continue;
            }
            let target = if parents {
                join(&dest_abs, &m)
            } else if dest_is_dir {
                join(&dest_abs, m.rsplit('/').next().unwrap_or(&m))
            } else {
                dest_abs.clone()
            };
            image.put(target, &m, ins.line);
        }
    }
}

fn warn(warnings: &mut Vec<Warning>, line: usize, message: String) {
    warnings.push(Warning { line, message });
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
        assert_eq!(m.warnings.len(), 2, "{:?}", m.warnings);
        assert!(m.warnings[0].message.contains(".dockerignore line 1"));
    }
}
