//! A Dockerfile's stages replayed without Docker: which context paths land where in a stage's
//! image by a given instruction, and the WORKDIR and variables in effect there.
//!
//! Follows Docker's COPY rules: sources are relative to the context (after .dockerignore), a
//! folder copies its contents, wildcards match within one segment, several sources need a folder
//! destination, a relative destination is relative to WORKDIR, `--from` copies nothing from the
//! context, and a stage built `FROM` an earlier stage starts with that stage's files. RUN is not
//! replayed, except that a `go mod vendor` in it is noted.

use super::copy::{has_wildcard, Context};
use super::ignore::DockerIgnore;
use super::parse::{self, Args, Dockerfile, Instruction, Warning};
use super::path::{clean, join, parent_of, within};
use super::{shellwords, Env};
use crate::docker::parse::Keyword;
use std::collections::{BTreeMap, BTreeSet};

/// Where a file in the image came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// Its context path.
    pub from: String,
    /// The COPY or ADD line.
    pub line: usize,
    /// Named by the COPY source itself (not found in a folder it copies): Docker follows a
    /// link named so, and copies a link found in a folder as a link.
    pub top: bool,
}

/// A stage's filesystem (as far as the context goes) and state at one instruction.
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
    /// The files in the image when that `go mod vendor` ran: it vendors only what they import.
    pub vendored_with: BTreeSet<String>,
    /// A `RUN go mod tidy` (or `go get`) before the build writes go.sum in the image (unless
    /// a later COPY brings go.sum again).
    pub tidied_by_run: Option<usize>,
    /// A `RUN go mod download` (no arguments) adds go.sum's go.mod hashes, not the modules'
    /// (unless a later COPY brings go.sum again).
    pub downloaded_by_run: Option<usize>,
    /// COPY/ADD sources (no wildcard) that are not in the build context, which Docker fails
    /// on.
    pub missing: Vec<Missing>,
}

/// A COPY or ADD source the build context lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Missing {
    /// The instruction's line.
    pub line: usize,
    /// The source as written.
    pub source: String,
    /// Why, when something says (e.g. the .dockerignore line that leaves it out); or empty.
    pub why: String,
}

impl Image {
    fn put(&mut self, path: String, from: &str, line: usize, top: bool) {
        // A go.sum copied after `go mod download` or `go mod tidy` replaces the one they
        // wrote: what they added is gone again.
        if path.ends_with("/go.sum") {
            self.downloaded_by_run = None;
            self.tidied_by_run = None;
        }
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
                top,
            },
        );
    }
}

/// One stage: its FROM and the instructions up to the next FROM.
#[derive(Debug, Clone)]
pub struct Stage {
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

/// A Dockerfile read as a multi-stage build: its stages and global ARGs, ready to replay.
#[derive(Debug, Clone)]
pub struct Stages {
    pub df: Dockerfile,
    pub stages: Vec<Stage>,
    /// The ARGs before the first FROM.
    pub global_args: Env,
}

impl Stages {
    /// Parses `text` and splits it into stages; never fails (see [`parse::parse`]).
    pub fn read(text: &str) -> Stages {
        let df = parse::parse(text);
        let (stages, global_args) = split(&df);
        Stages {
            df,
            stages,
            global_args,
        }
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

    /// The WORKDIR in effect in `stage` just after line `line`.
    pub fn workdir_at(&self, stage: usize, line: usize) -> String {
        let s = &self.stages[stage];
        let upto = (s.start + 1..s.end)
            .find(|&i| self.df.instructions[i].line > line)
            .unwrap_or(s.end);
        let none = Context::default();
        let image = self.replay(
            stage,
            Some(upto),
            &none,
            &DockerIgnore::default(),
            &mut Vec::new(),
        );
        image.workdir
    }

    /// Replays stage `stage` (and the stages it is built on) up to instruction `upto`
    /// (exclusive; the stage's end when `None`). COPY mistakes Docker would fail on are added to
    /// `warnings`; `ignore` only explains a missing source.
    pub fn replay(
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
            match ins.keyword {
                Keyword::Workdir => {
                    if let Some(w) = ins.words(esc, &image.env).first() {
                        image.workdir = join(&image.workdir, w);
                        image.dirs.insert(image.workdir.clone());
                    }
                }
                Keyword::Env => {
                    for (k, v) in parse::key_values(ins, esc, &image.env, true) {
                        image.env.insert(k.clone(), v.unwrap_or_default());
                        image.env_origin.insert(k, (ins.line, true));
                    }
                }
                Keyword::Arg => {
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
                Keyword::Copy | Keyword::Add => self.copy(ins, ctx, ignore, &mut image, warnings),
                // RUN is not replayed, except that `go mod vendor` makes vendor/ in the image,
                // and tidy or download write go.sum: unless a mount covers what they write
                // (a cache or bind mount there takes it away after the RUN).
                Keyword::Run => {
                    let mounted = mount_targets(ins, esc, &image);
                    let kept = |rel: &str| {
                        let abs = join(&image.workdir, rel);
                        !mounted.iter().any(|m| within(&abs, m))
                    };
                    let (vendor_kept, sum_kept) = (kept("vendor"), kept("go.sum"));
                    let commands = shellwords::commands(&run_text(ins));
                    let runs = |sub: &[&str]| {
                        commands.iter().any(|c| {
                            c.windows(sub.len() + 1)
                                .any(|w| w[0] == "go" && w[1..] == *sub)
                        })
                    };
                    if runs(&["mod", "vendor"]) && vendor_kept {
                        image.vendored_by_run = Some(ins.line);
                        image.vendored_with = image.files.keys().cloned().collect();
                    }
                    if (runs(&["mod", "tidy"]) || runs(&["get"])) && sum_kept {
                        image.tidied_by_run = Some(ins.line);
                    }
                    let bare_download = commands.iter().any(|c| {
                        c.windows(3).any(|w| w == ["go", "mod", "download"])
                            && c.iter()
                                .skip_while(|w| *w != "download")
                                .skip(1)
                                .all(|w| w.starts_with('-'))
                    });
                    if bare_download && sum_kept {
                        image.downloaded_by_run = Some(ins.line);
                    }
                }
                _ => {}
            }
        }
        image
    }

    /// What a RUN's bind mounts of the build context show it, added to `image` (the image
    /// before that RUN): each mount's source (the whole context by default) at its target,
    /// hiding what the image had there. Only that RUN sees them; doctor reads the plugin's
    /// `go build` through this, as in `RUN --mount=type=bind,target=. go build ...`. A missing
    /// source fails the build as a COPY's does.
    pub fn mount_context(
        &self,
        ins: &Instruction,
        ctx: &Context,
        ignore: &DockerIgnore,
        image: &mut Image,
        warnings: &mut Vec<Warning>,
    ) {
        let esc = self.df.escape;
        for m in ins.mounts().iter().filter(|m| m.from_context()) {
            let Some(target) = m.target.as_deref().map(|t| expand(t, esc, &image.env)) else {
                warn(
                    warnings,
                    ins.line,
                    "a RUN --mount has no target; the build fails".into(),
                );
                continue;
            };
            let target = join(&image.workdir, &target);
            let source = m
                .source
                .as_deref()
                .map_or_else(|| ".".to_string(), |s| expand(s, esc, &image.env));
            let source = clean(&format!("/{source}"));
            let source = match source.trim_start_matches('/') {
                "" => ".".to_string(),
                s => s.to_string(),
            };
            if ctx.is_dir(&source) {
                image.files.retain(|path, _| !within(path, &target));
                image.dirs.retain(|d| !within(d, &target) || *d == target);
                image.dirs.insert(target.clone());
                let files: Vec<(String, String)> = ctx
                    .files_under(&source)
                    .map(|(full, below)| (full.clone(), below.to_string()))
                    .collect();
                for (full, below) in files {
                    image.put(join(&target, &below), &full, ins.line, false);
                }
            } else if ctx.sources(&source).contains(&source) {
                image.put(target, &source, ins.line, true);
            } else {
                let why = match ignore.decider(&source) {
                    Some(p) if !p.exception => format!(
                        " (.dockerignore line {} `{}` leaves it out)",
                        p.line, p.text
                    ),
                    _ => String::new(),
                };
                image.missing.push(Missing {
                    line: ins.line,
                    source,
                    why,
                });
            }
        }
    }

    /// Replays one COPY or ADD into `image`.
    fn copy(
        &self,
        ins: &Instruction,
        ctx: &Context,
        ignore: &DockerIgnore,
        image: &mut Image,
        warnings: &mut Vec<Warning>,
    ) {
        if let Some(from) = ins.flag("from") {
            let stage = from.to_ascii_lowercase();
            if self
                .stages
                .iter()
                .any(|s| s.name.as_deref() == Some(stage.as_str()))
            {
                warn(warnings, ins.line, format!("`{} --from={from}` copies from another stage; doctor does not follow what that stage copied", ins.keyword));
            }
            return;
        }
        let words = ins.words(self.df.escape, &image.env);
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
            let found = ctx.sources(pattern);
            if found.is_empty() && !has_wildcard(pattern) {
                let why = match ignore.decider(pattern) {
                    Some(p) if !p.exception => format!(
                        " (.dockerignore line {} `{}` leaves it out)",
                        p.line, p.text
                    ),
                    _ => String::new(),
                };
                if why.is_empty() {
                    image.missing.push(Missing {
                        line: ins.line,
                        source: src.clone(),
                        why,
                    });
                } else {
                    // Left out by .dockerignore: the package and vendor checks name the line
                    // of .dockerignore for what Go needs; anything else stays a warning.
                    warn(warnings, ins.line, format!("{} source `{src}` is not in the build context{why}; the build fails with `not found`", ins.keyword));
                }
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
                    image.put(join(&dest_abs, target), &full, ins.line, false);
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
                image.put(target, &m, ins.line, true);
            }
        }
    }
}

/// The absolute targets of a RUN's mounts (any kind): what the RUN writes there is gone after it.
fn mount_targets(ins: &Instruction, esc: char, image: &Image) -> Vec<String> {
    mount_points(ins, esc, image)
        .into_iter()
        .map(|(_, t)| t)
        .collect()
}

/// A RUN's `--mount`s that have a target, each with its target made absolute (variables
/// expanded, relative to WORKDIR).
pub fn mount_points(ins: &Instruction, esc: char, image: &Image) -> Vec<(parse::Mount, String)> {
    ins.mounts()
        .into_iter()
        .filter_map(|m| {
            let abs = join(
                &image.workdir,
                &expand(m.target.as_deref()?, esc, &image.env),
            );
            Some((m, abs))
        })
        .collect()
}

/// A mount field's value with the stage's variables expanded, quotes removed.
fn expand(value: &str, esc: char, env: &Env) -> String {
    shellwords::words(value, esc, Some(env)).join(" ")
}

/// A RUN's script: its shell text or exec words, then its heredoc bodies.
fn run_text(ins: &Instruction) -> String {
    let mut s = match &ins.args {
        Args::Exec(v) => v.join(" "),
        Args::Shell(t) => t.clone(),
    };
    for h in &ins.heredocs {
        s.push('\n');
        s.push_str(&h.body);
    }
    s
}

/// Splits the instructions into stages; ARGs before the first FROM are the global ARGs.
fn split(df: &Dockerfile) -> (Vec<Stage>, Env) {
    let mut global = Env::new();
    let mut stages: Vec<Stage> = Vec::new();
    for (i, ins) in df.instructions.iter().enumerate() {
        if ins.keyword == Keyword::From {
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
            stages.push(Stage {
                name,
                base,
                line: ins.line,
                start: i,
                end: df.instructions.len(),
                parent,
            });
        } else if stages.is_empty() && ins.keyword == Keyword::Arg {
            for (k, v) in parse::key_values(ins, df.escape, &global, false) {
                global.insert(k, v.unwrap_or_default());
            }
        }
    }
    (stages, global)
}

fn warn(warnings: &mut Vec<Warning>, line: usize, message: String) {
    warnings.push(Warning { line, message });
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATHS: [(&str, bool); 6] = [
        ("go.mod", false),
        ("main.go", false),
        ("profile", true),
        ("profile/profile.go", false),
        ("profile/sub", true),
        ("profile/sub/x.go", false),
    ];

    fn replay(text: &str, ignore: &str) -> (Stages, Image, Vec<Warning>) {
        let stages = Stages::read(text);
        let ignore = DockerIgnore::parse(ignore);
        let ctx = Context::new(PATHS.iter().copied(), Some(&ignore));
        let mut warnings = Vec::new();
        let last = stages.stages.len() - 1;
        let image = stages.replay(last, None, &ctx, &ignore, &mut warnings);
        (stages, image, warnings)
    }

    fn files(image: &Image) -> Vec<&str> {
        image.files.keys().map(String::as_str).collect()
    }

    #[test]
    fn stages_build_on_each_other_and_global_args_need_declaring() {
        let (stages, image, warnings) = replay(
            "ARG DIR=/src\nFROM golang AS base\nWORKDIR $DIR\nARG DIR\nWORKDIR $DIR\nCOPY go.mod .\nFROM base AS builder\nCOPY *.go ./\n",
            "",
        );
        assert_eq!(stages.chain(1), vec![0, 1]);
        assert_eq!(stages.global_args["DIR"], "/src");
        assert_eq!(files(&image), vec!["/src/go.mod", "/src/main.go"]);
        // A global ARG is empty in a stage until the stage declares it again.
        assert_eq!(stages.workdir_at(0, 3), "/go");
        assert_eq!(stages.workdir_at(0, 5), "/src");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn folders_copy_their_contents_and_ignored_sources_are_explained() {
        let (_, image, warnings) = replay(
            "FROM x\nCOPY profile/ /p/\nCOPY --exclude=*.go profile/sub /q/\nCOPY main.go /m\nCOPY go.mod /gone/\n",
            "go.mod",
        );
        assert_eq!(files(&image), vec!["/m", "/p/profile.go", "/p/sub/x.go"]);
        assert_eq!(image.files["/m"].line, 4);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0]
            .message
            .contains(".dockerignore line 1 `go.mod`"));
    }

    #[test]
    fn go_mod_vendor_in_a_run_is_noted() {
        let (_, image, _) = replay("FROM x\nRUN <<EOF\ngo mod vendor\nEOF\n", "");
        assert_eq!(image.vendored_by_run, Some(2));
        // Unless a mount takes vendor/ (or go.sum) away again after the RUN.
        let (_, image, _) = replay(
            "FROM x\nWORKDIR /b\nRUN --mount=type=cache,target=/b/vendor go mod vendor\nRUN --mount=type=bind,target=. go mod tidy\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n",
            "",
        );
        assert_eq!(image.vendored_by_run, None);
        assert_eq!(image.tidied_by_run, None);
        assert_eq!(image.downloaded_by_run, Some(5));
    }

    #[test]
    fn bind_mounts_show_context_files_to_their_run_only() {
        let text = "FROM x\nWORKDIR /src\nCOPY profile/ old/\nRUN --mount=type=cache,target=/go/pkg/mod \\\n  --mount=type=bind,source=go.mod,target=go.mod \\\n  --mount=type=bind,source=profile,target=/p \\\n  --mount=type=bind,target=old \\\n  --mount=type=bind,source=gone,target=/g \\\n  --mount=type=bind,from=deps,target=/d \\\n  go build .\n";
        let (stages, mut image, _) = replay(text, "");
        let ignore = DockerIgnore::parse("");
        let ctx = Context::new(PATHS.iter().copied(), Some(&ignore));
        let run = &stages.df.instructions[3];
        let mut warnings = Vec::new();
        stages.mount_context(run, &ctx, &ignore, &mut image, &mut warnings);
        assert_eq!(
            files(&image),
            vec![
                "/p/profile.go",
                "/p/sub/x.go",
                "/src/go.mod",
                "/src/old/go.mod",
                "/src/old/main.go",
                "/src/old/profile/profile.go",
                "/src/old/profile/sub/x.go",
            ]
        );
        assert_eq!(image.files["/src/go.mod"].line, 4);
        assert_eq!(
            image.missing,
            vec![Missing {
                line: 4,
                source: "gone".into(),
                why: String::new()
            }]
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
