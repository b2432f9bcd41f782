//! D010: Go's own verdict on the staged builder stage ([`crate::doctor::judge`]), turned into findings
//! that point at the line to change: the Dockerfile line that should copy what Go misses, the
//! `.dockerignore` line that hides it, go.sum, vendor/, the go line.
//!
//! When Go decided, it is the judge of whether the stage builds: the static checks about the
//! build's inputs (D001, D002, D004, D009) keep their findings only when Go fails too (they
//! carry the better fix), and Go's findings that one of them already explains are not
//! repeated ([`settle`]).

use super::copies::{block, copy_fix, Block};
use super::id;
use super::report::{Note, Problem};
use super::{Facts, Finding, Remedy};
use crate::docker::path::{clean, join, parent_of};
use crate::doctor::judge::{self, golist::GoError, Depth, Failure, Judgement};
use regex::Regex;
use std::sync::LazyLock;

/// The static checks about what the build reads, which Go's verdict overrules.
pub const BUILD_CHECKS: [&str; 4] = [id::NOT_COPIED, id::VENDOR, id::IMPORT_PATH, id::GO_SUM];

/// At most this many of Go's errors become findings: the first ones say what to fix.
const MAX_FINDINGS: usize = 8;

/// Runs the judge for the facts (at the depth they ask for) and keeps the verdict in them;
/// returns Go's findings.
pub fn check(f: &Facts, notes: &mut Vec<Note>) -> Vec<Finding> {
    let judgement = match f.judging {
        None => Judgement {
            judge: judge::Judge::static_rules("asked for the static rules"),
            replay: None,
        },
        Some(depth) => judge::judge(f.repo, &f.model, &f.ignore, depth),
    };
    let _ = f.judged.set(judgement);
    let Some(judgement) = f.judged.get() else {
        return Vec::new();
    };
    let Some(r) = &judgement.replay else {
        return Vec::new();
    };
    for (line, message) in &r.notes {
        notes.push(Note {
            file: f.dockerfile_path.clone(),
            line: *line,
            message: message.clone(),
        });
    }
    r.failure
        .as_ref()
        .map(|fail| findings(f, judgement, fail))
        .unwrap_or_default()
        .into_iter()
        .map(unmark)
        .collect()
}

/// Settles Go's verdict against the static checks (see the module comment). `findings` holds
/// every check's; the static ones Go overrules become warnings.
pub fn settle(judgement: &Judgement, findings: &mut Vec<Finding>, warnings: &mut Vec<Note>) {
    let Some(green) = judgement.go_green() else {
        return;
    };
    let go = judgement.judge.go.clone().unwrap_or_default();
    if green {
        let (overruled, kept): (Vec<Finding>, Vec<Finding>) = findings
            .drain(..)
            .partition(|f| BUILD_CHECKS.contains(&f.problem.id.as_str()));
        *findings = kept;
        for o in overruled {
            warnings.push(Note {
                file: o.problem.file.clone(),
                line: o.problem.line,
                message: format!(
                    "{} (a static rule) says: {}; Go {go} builds the staged builder stage, so it is not counted",
                    o.problem.id, o.problem.message
                ),
            });
        }
        return;
    }
    let statics: Vec<Problem> = findings
        .iter()
        .filter(|f| f.problem.id != id::GO_SAYS)
        .map(|f| f.problem.clone())
        .collect();
    // A D010 is dropped only for a static finding that names the same thing, so Go's
    // failure always leaves at least one finding.
    findings.retain(|f| f.problem.id != id::GO_SAYS || !explained(f, &statics));
}

/// Whether a static finding already names what Go's finding is about.
fn explained(go: &Finding, statics: &[Problem]) -> bool {
    let Some(key) = &go.about else {
        return false;
    };
    statics
        .iter()
        .any(|s| s.file == *key || s.message.contains(key.as_str()) || s.fix.contains(key.as_str()))
}

/// Moves the `[about: KEY]` mark of a message (see [`about`]) into [`Finding::about`].
fn unmark(mut f: Finding) -> Finding {
    if let Some(start) = f.problem.message.rfind(" [about: ") {
        let key = f.problem.message[start + 9..]
            .trim_end_matches(']')
            .to_string();
        f.problem.message.truncate(start);
        f.about = Some(key);
    }
    f
}

static PATTERNS: LazyLock<Vec<(Kind, Regex)>> = LazyLock::new(|| {
    [
        (
            Kind::NoPackage,
            r"no required module provides package ([^\s;:]+)",
        ),
        (Kind::NoPackage, r"package ([^\s]+) is not in std"),
        (
            Kind::NoPackage,
            r"cannot find module providing package ([^\s:]+)",
        ),
        (Kind::Sum, r"missing go\.sum entry"),
        (Kind::Replace, r"replacement directory (\S+) does not exist"),
        (Kind::Replace, r"\(replaced by (\S+)\): reading"),
        (Kind::Work, r"cannot load module (\S+) listed in go\.work"),
        (
            Kind::Excluded,
            r"build constraints exclude all Go files in (\S+)",
        ),
        (Kind::Excluded, r"no non-test Go files in (\S+)"),
        (Kind::Embed, r"pattern (.+): no matching files found"),
        (Kind::GoLine, r"requires go >= (\S+) \(running go (\S+);"),
        (Kind::Vendoring, r"inconsistent vendoring"),
    ]
    .into_iter()
    .map(|(k, r)| (k, Regex::new(r).expect("a valid pattern")))
    .collect()
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NoPackage,
    Sum,
    Replace,
    Work,
    Excluded,
    Embed,
    GoLine,
    Vendoring,
}

/// Go's findings for a failed replay.
fn findings(f: &Facts, j: &Judgement, failure: &Failure) -> Vec<Finding> {
    let go = j.judge.go.clone().unwrap_or_default();
    let df = &f.dockerfile_path;
    match failure {
        Failure::Copy { line, source, why } => vec![Finding::manual(Problem::new(
            id::GO_SAYS,
            df,
            *line,
            about(
                format!("the build fails at this COPY: `{source}`: {why}"),
                &format!("COPY source `{source}`"),
            ),
            format!("make `{source}` a file or folder of the build context, or take it out of the COPY"),
        ))],
        Failure::Shell { line, what } => vec![Finding::manual(Problem::new(
            id::GO_SAYS,
            df,
            *line,
            format!("the build fails at line {line}: {what}"),
            "make the folder exist in the image before this line (WORKDIR or COPY)".into(),
        ))],
        Failure::Inputs { line, missing } => missing
            .iter()
            .take(MAX_FINDINGS)
            .map(|(file, pkg)| {
                let (fix_line, fix, remedies) = copy_for(f, file, *line);
                Finding::fixable(
                    Problem::new(
                        id::GO_SAYS,
                        df,
                        fix_line,
                        about(
                            format!("{file} is compiled by cgo in {pkg}, but no COPY before line {line} brings it; the build fails in the C compiler"),
                            file,
                        ),
                        fix,
                    ),
                    remedies,
                )
            })
            .collect(),
        Failure::Go {
            line,
            shown,
            cwd,
            output,
            errors,
        } => {
            let mut texts: Vec<GoError> = errors.clone();
            for l in output.lines().map(str::trim) {
                let l = l.trim_start_matches("go: ");
                let new = !l.is_empty()
                    && PATTERNS.iter().any(|(_, r)| r.is_match(l))
                    && !texts.iter().any(|t| t.text.contains(l) || l.contains(&t.text));
                if new {
                    texts.push(GoError {
                        pos: None,
                        text: l.to_string(),
                        import_stack: Vec::new(),
                    });
                }
            }
            let step = Step {
                line: *line,
                shown,
                cwd,
                go: &go,
                depth: j.judge.replayed,
            };
            let mut out: Vec<Finding> = Vec::new();
            for e in texts.iter().take(MAX_FINDINGS) {
                let found = one(f, &step, e);
                if !out.iter().any(|o| o.problem == found.problem) {
                    out.push(found);
                }
            }
            if out.is_empty() {
                let first = output
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("(no output)");
                out.push(Finding::manual(Problem::new(
                    id::GO_SAYS,
                    df,
                    *line,
                    format!("Go {go} fails at line {line} (`{shown}`) in the staged build: {first}"),
                    "fix what Go names (`scaffold doctor --build` shows its whole output)".into(),
                )));
            }
            out
        }
    }
}

/// The failing go step, for messages.
struct Step<'a> {
    line: usize,
    shown: &'a str,
    cwd: &'a str,
    go: &'a str,
    depth: Option<&'static str>,
}

impl Step<'_> {
    /// `Go 1.26.5 fails at line 17 (`go build ...`)`.
    fn fails(&self) -> String {
        let how = if self.depth == Some("list") && self.shown.starts_with("go build") {
            " as go list reads it"
        } else {
            ""
        };
        format!(
            "Go {} fails at line {} (`{}`{how})",
            self.go, self.line, self.shown
        )
    }
}

/// A message marked with what it is about, so a static finding that names the same thing
/// can stand for it.
fn about(message: String, key: &str) -> String {
    format!("{message} [about: {key}]")
}

/// The first line of Go's message.
fn first(text: &str) -> &str {
    text.lines().next().unwrap_or(text).trim()
}

/// One of Go's errors as a finding.
fn one(f: &Facts, s: &Step, e: &GoError) -> Finding {
    let df = &f.dockerfile_path;
    let said = first(&e.text);
    let (kind, caps) = PATTERNS
        .iter()
        .find_map(|(k, r)| r.captures(&e.text).map(|c| (*k, c)))
        .map_or((None, None), |(k, c)| (Some(k), Some(c)));
    let cap = |i: usize| {
        caps.as_ref()
            .and_then(|c| c.get(i))
            .map_or(String::new(), |m| m.as_str().to_string())
    };
    let at = pos_file(f, s, e);
    match kind {
        Some(Kind::NoPackage) => missing_package(f, s, &cap(1), said, at),
        Some(Kind::Sum) => {
            let sum = f.at("go.sum");
            if f.repo.is_file(&sum) && !copied(f, &sum) {
                return Finding::manual(Problem::new(
                    id::GO_SAYS,
                    df,
                    s.line,
                    about(format!("{}: `{said}`: go.sum is in the repo but no COPY before line {} brings it", s.fails(), s.line), "go.sum"),
                    format!("add `COPY {} {} ./` before line {}", f.at("go.mod"), sum, s.line),
                ));
            }
            Finding::fixable(
                Problem::new(
                    id::GO_SAYS,
                    &sum,
                    1,
                    about(format!("{}: `{said}`", s.fails()), "go.sum"),
                    "run `go mod tidy` and commit go.sum".into(),
                ),
                vec![Remedy::Tidy],
            )
        }
        Some(Kind::Vendoring) => Finding::fixable(
            Problem::new(
                id::GO_SAYS,
                &f.at("vendor/modules.txt"),
                1,
                about(format!("{}: `{said}`", s.fails()), "vendor/"),
                "run `go mod vendor` and commit vendor/".into(),
            ),
            vec![Remedy::Tidy],
        ),
        Some(Kind::Replace) | Some(Kind::Work) => {
            let target = cap(1);
            let what = if kind == Some(Kind::Work) {
                "go.work uses"
            } else {
                "go.mod replaces a module with"
            };
            local_folder(f, s, &target, said, what)
        }
        Some(Kind::Excluded) => {
            let dir = cap(1);
            let ctx = context_dir(f, s, &dir);
            let tags = f
                .model
                .build
                .as_ref()
                .map(|b| b.flags.tags.join(","))
                .unwrap_or_default();
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!(" with -tags {tags}")
            };
            let file = f
                .repo
                .files_in(&ctx)
                .into_iter()
                .find(|n| n.ends_with(".go"))
                .map(|n| crate::doctor::join_rel(&ctx, &n))
                .unwrap_or_else(|| at.clone().map_or(df.clone(), |(p, _)| p));
            Finding::manual(Problem::new(
                id::GO_SAYS,
                &file,
                1,
                about(format!("{}: `{said}`: Go {} builds none of {ctx}/'s non-test files for linux/amd64{tags}, yet the build imports it", s.fails(), s.go), &format!("{ctx}/")),
                format!("give {ctx}/ a file that builds there (check its `//go:build` lines, `go1.N` tags above Go {} and `_<os>`/`_<arch>` names), or stop importing it", s.go),
            ))
        }
        Some(Kind::Embed) => {
            let pattern = cap(1);
            let (file, line) = at.unwrap_or_else(|| (df.clone(), s.line));
            let dir = crate::docker::tree::parent(&file).to_string();
            let wanted = crate::doctor::join_rel(&dir, pattern.trim_start_matches("all:"));
            let why = match ignored(f, &wanted) {
                Some(by) => format!(": {by}"),
                None if f.repo.is_file(&wanted) || f.repo.is_dir(&wanted) => format!(
                    ": {wanted} is in the repo but no COPY before line {} brings it",
                    s.line
                ),
                None => String::new(),
            };
            Finding::manual(Problem::new(
                id::GO_SAYS,
                &file,
                line,
                about(format!("{}: `{said}`{why}", s.fails()), &wanted),
                format!("copy {wanted} into the image before line {} (in a repo made by scaffold, `scaffold sync` adds it to the block), or change the //go:embed line", s.line),
            ))
        }
        Some(Kind::GoLine) => {
            let file = if e.text.contains("go.work") {
                f.at("go.work")
            } else {
                f.at("go.mod")
            };
            let from = f
                .model
                .build
                .as_ref()
                .map(|b| f.model.docker.stages[f.model.docker.chain(b.stage)[0]].line)
                .unwrap_or(1);
            Finding::manual(Problem::new(
                id::GO_SAYS,
                &file,
                1,
                about(format!("{}: `{said}`: the builder image (Dockerfile line {from}) has Go {}, older than the go line", s.fails(), cap(2)), &format!("go {}", cap(1))),
                format!("set the go line to {} or lower, or build FROM an image with Go {} (both image tags move with `scaffold upgrade`)", cap(2), cap(1)),
            ))
        }
        None => Finding::manual(Problem::new(
            id::GO_SAYS,
            df,
            s.line,
            format!("{}: {said}", s.fails()),
            "fix what Go names (`scaffold doctor --build` shows its whole output)".into(),
        )),
    }
}

/// A package Go cannot find: a folder of the repo not copied (or hidden), an import of a
/// folder the repo lacks, a module go.mod does not require, or a package vendor/ lacks.
fn missing_package(
    f: &Facts,
    s: &Step,
    path: &str,
    said: &str,
    at: Option<(String, usize)>,
) -> Finding {
    let df = &f.dockerfile_path;
    let module = &f.gomod.module;
    let local = path == module || path.starts_with(&format!("{module}/"));
    if local {
        let rel = path
            .strip_prefix(module)
            .unwrap_or("")
            .trim_start_matches('/');
        let ctx = if rel.is_empty() {
            f.moddir.clone()
        } else {
            f.at(rel)
        };
        let key = format!("{ctx}/");
        if let Some(by) = ignored(f, &ctx) {
            let (file, line) = ignore_line(f, &ctx);
            return Finding::manual(Problem::new(
                id::GO_SAYS,
                &file,
                line,
                about(format!("{}: `{said}`: {by}", s.fails()), &key),
                format!("take that line out, or add `!{ctx}/` below it"),
            ));
        }
        if f.repo.is_dir(&ctx) && !rel.is_empty() {
            let (line, fix, remedies) = copy_for(f, &ctx, s.line);
            return Finding::fixable(
                Problem::new(
                    id::GO_SAYS,
                    df,
                    line,
                    about(format!("{}: `{said}`: {ctx}/ is in the repo but no COPY before line {} brings it into the image", s.fails(), s.line), &key),
                    fix,
                ),
                remedies,
            );
        }
        let (file, line) = at.unwrap_or_else(|| (df.clone(), s.line));
        return Finding::manual(Problem::new(
            id::GO_SAYS,
            &file,
            line,
            about(
                format!(
                    "{}: `{said}`: the repo has no folder {ctx}/ for {path}",
                    s.fails()
                ),
                &key,
            ),
            format!("create {ctx}/ or remove the import of {path}"),
        ));
    }
    let (file, line) = at.unwrap_or_else(|| (f.at("go.mod"), 1));
    if said.contains("-mod=vendor") || f.vendor_mode {
        return Finding::fixable(
            Problem::new(
                id::GO_SAYS,
                &file,
                line,
                about(
                    format!("{}: `{said}`: vendor/ lacks {path}", s.fails()),
                    path,
                ),
                "run `go mod tidy` then `go mod vendor`, and commit go.mod, go.sum and vendor/"
                    .into(),
            ),
            vec![Remedy::Tidy],
        );
    }
    Finding::fixable(
        Problem::new(
            id::GO_SAYS,
            &file,
            line,
            about(
                format!(
                    "{}: `{said}`: go.mod requires no module that provides {path}",
                    s.fails()
                ),
                path,
            ),
            format!("run `go get {path}` (or `go mod tidy`) and commit go.mod and go.sum"),
        ),
        vec![Remedy::Tidy],
    )
}

/// A local folder go.mod's replace or go.work's use names that is not in the image when
/// step `s` runs.
fn local_folder(f: &Facts, s: &Step, target: &str, said: &str, what: &str) -> Finding {
    let df = &f.dockerfile_path;
    let outside = target.starts_with('/')
        || clean(&crate::doctor::join_rel(&f.moddir, target)).starts_with("..");
    let ctx = clean(&crate::doctor::join_rel(&f.moddir, target));
    let key = format!("{ctx}/");
    if outside || !f.repo.is_dir(&ctx) {
        return Finding::manual(Problem::new(
            id::GO_SAYS,
            &f.at(if what.starts_with("go.work") {
                "go.work"
            } else {
                "go.mod"
            }),
            1,
            about(
                format!(
                    "{}: `{said}`: {what} {target}, which is not a folder of the build context",
                    s.fails()
                ),
                &key,
            ),
            format!("move {target} into the repo (and change the path), or take it out"),
        ));
    }
    if let Some(by) = ignored(f, &ctx) {
        let (file, line) = ignore_line(f, &ctx);
        return Finding::manual(Problem::new(
            id::GO_SAYS,
            &file,
            line,
            about(format!("{}: `{said}`: {by}", s.fails()), &key),
            format!("take that line out, or add `!{ctx}/` below it"),
        ));
    }
    let dest = target.trim_start_matches("./").trim_end_matches('/');
    let (line, fix, remedies) = if s.shown.starts_with("go build") {
        copy_for(f, &ctx, s.line)
    } else {
        (
            s.line,
            format!(
                "add `COPY {ctx}/ {dest}/` before line {} (`{}` needs it already)",
                s.line, s.shown
            ),
            Vec::new(),
        )
    };
    Finding::fixable(
        Problem::new(
            id::GO_SAYS,
            df,
            line,
            about(
                format!("{}: `{said}`: {what} {target}, in the repo, but no COPY before line {} brings it into {}", s.fails(), s.line, s.cwd),
                &key,
            ),
            fix,
        ),
        remedies,
    )
}

/// The COPY to add for context path `ctx` before the build line: through the block when
/// `--fix` may use it.
fn copy_for(f: &Facts, ctx: &str, line: usize) -> (usize, String, Vec<Remedy>) {
    let in_module = if f.moddir.is_empty() {
        Some(ctx.to_string())
    } else {
        ctx.strip_prefix(&format!("{}/", f.moddir))
            .map(str::to_string)
    };
    if let (Some(b), Some(rel)) = (&f.model.build, in_module) {
        if b.line == line {
            let top = rel.split('/').next().unwrap_or(&rel).to_string();
            let is_dir = f.repo.is_dir(&f.at(&top));
            if is_dir {
                let place = block(f, b);
                if !matches!(place, Block::Manual(..)) {
                    return copy_fix(f, &top, &place);
                }
            }
        }
    }
    let dest = ctx.strip_prefix(&format!("{}/", f.moddir)).unwrap_or(ctx);
    let slash = if f.repo.is_dir(ctx) { "/" } else { "" };
    (
        line,
        format!("add `COPY {ctx}{slash} {dest}{slash}` before line {line}"),
        Vec::new(),
    )
}

/// Whether context path `rel` is in the image (any COPY brought it or something below it).
fn copied(f: &Facts, rel: &str) -> bool {
    let placed = f.judged.get().and_then(|j| j.replay.as_ref());
    placed.is_some_and(|r| {
        r.placed
            .values()
            .any(|p| p.from == rel || p.from.starts_with(&format!("{rel}/")))
    })
}

/// Which ignore-file line leaves `rel` out of the build context, said in a sentence.
fn ignored(f: &Facts, rel: &str) -> Option<String> {
    let p = f.ignore.decider(rel).filter(|p| !p.exception)?;
    let file = f.ignore_file.as_deref().unwrap_or(".dockerignore");
    Some(format!(
        "{file} line {} `{}` leaves {rel} out of the build context",
        p.line, p.text
    ))
}

/// The ignore file and line that hide `rel`.
fn ignore_line(f: &Facts, rel: &str) -> (String, usize) {
    let file = f
        .ignore_file
        .clone()
        .unwrap_or_else(|| ".dockerignore".into());
    (file, f.ignore.decider(rel).map_or(1, |p| p.line))
}

/// The context folder of an image folder Go named: where the files copied into it came from,
/// else its place below the module root.
fn context_dir(f: &Facts, s: &Step, dir: &str) -> String {
    let dir = if dir.starts_with('/') {
        clean(dir)
    } else {
        join(s.cwd, dir)
    };
    if let Some(r) = f.judged.get().and_then(|j| j.replay.as_ref()) {
        if let Some(p) = r.placed.iter().find(|(abs, _)| parent_of(abs) == dir) {
            return crate::docker::tree::parent(&p.1.from).to_string();
        }
    }
    crate::doctor::repo_path(&f.modroot, &dir)
        .map(|rel| f.at(&rel))
        .unwrap_or(dir)
}

/// The context file and line of an error's `file:line:col`, when it names one.
fn pos_file(f: &Facts, s: &Step, e: &GoError) -> Option<(String, usize)> {
    let pos = e.pos.as_deref()?;
    let mut parts = pos.rsplitn(3, ':');
    let (_col, line, file) = (parts.next()?, parts.next()?, parts.next()?);
    let line: usize = line.parse().ok()?;
    let abs = if file.starts_with('/') {
        clean(file)
    } else {
        join(s.cwd, file)
    };
    if let Some(r) = f.judged.get().and_then(|j| j.replay.as_ref()) {
        if let Some(p) = r.placed.get(&abs) {
            return Some((p.from.clone(), line));
        }
    }
    crate::doctor::repo_path(&f.modroot, &abs).map(|rel| (f.at(&rel), line))
}

/// How far the judge replays for doctor without `--build`.
pub const DEFAULT_DEPTH: Depth = Depth::List;

/// How far doctor asks Go to go: through the builds with `--build`, else the listing; `None`
/// when the static rules were asked for (`SCAFFOLD_JUDGE=static`).
pub fn depth(build: bool) -> Option<Depth> {
    if super::judge::forced_static() {
        None
    } else if build {
        Some(Depth::Build)
    } else {
        Some(DEFAULT_DEPTH)
    }
}
