//! `scaffold doctor`: reads any Go plugin repo (made by scaffold or not) and names each thing
//! that breaks its Docker build or its load into Nakama, with the file, the line and the fix.
//!
//! The checks (one table, `checks.rs`) work on facts gathered once (go.mod, the Dockerfile
//! replayed as a build, the import graph); `--fix` turns the safe remedies into planned file
//! contents, runs every check again on the planned tree, and keeps a fix only when the whole
//! diagnosis after it is no worse.

pub mod checks;
pub(crate) mod copies;
pub(crate) mod encoding;
pub(crate) mod fix;
pub(crate) mod gate;
pub(crate) mod gosum;
pub(crate) mod id;
pub mod imports;
pub(crate) mod initmodule;
pub(crate) mod judge;
pub(crate) mod judged;
pub(crate) mod markers;
pub(crate) mod plugin_build;
pub(crate) mod release;
pub mod report;
pub(crate) mod unwired;
pub(crate) mod vendor;

use crate::docker::ignore::DockerIgnore;
use crate::docker::path::{join, parent_of};
use crate::docker::stage::Model;
use crate::docker::tree::{self as repo, Repo};
use crate::error::Result;
use crate::go::gomod::{self, GoMod};
use imports::Graph;
use report::{Note, Problem, Report};
use std::path::{Path, PathBuf};

/// A safe, mechanical fix `--fix` may apply for a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Add `COPY <folder>/ <folder>/` to the Dockerfile's managed block (adding the block if
    /// there is none).
    CopyFolder(String),
    /// On Dockerfile line `line`, replace the image reference `from` with `to`.
    SetImage {
        line: usize,
        from: String,
        to: String,
    },
    /// Require `path` at version `to` in go.mod (`gomod::set_require`), then `go mod tidy`
    /// (and `go mod vendor` when the module vendors) so go.sum and vendor/ follow.
    SetRequire { path: String, to: String },
    /// Set go.mod's go line to `to`: moving nakama-common to an older release moves the go
    /// line down with it (no newer than that release's builder Go), so the release moves as
    /// one step.
    SetGo { to: String },
    /// `go mod tidy` (and `go mod vendor` when the module vendors): go.sum lacks entries.
    Tidy,
    /// Strip a UTF-8 BOM, and turn CRLF into LF when `eol` is set.
    Normalize { file: String, eol: bool },
}

/// Everything the checks read, gathered once per run.
pub struct Facts<'a> {
    /// The build context.
    pub repo: &'a Repo,
    /// The Go module's folder, as a repo of its own (the context itself when go.mod is at its
    /// root): the Go checks read it and name its files through [`Facts::at`].
    pub modrepo: Repo,
    /// The module's folder in the context ("" for its root).
    pub moddir: String,
    /// The Dockerfile, relative to the context (or absolute when outside it).
    pub dockerfile_path: String,
    pub gomod: GoMod,
    pub dockerfile: String,
    pub model: Model,
    pub ignore: DockerIgnore,
    /// The ignore file in use (`Dockerfile.dockerignore` wins over `.dockerignore`).
    pub ignore_file: Option<String>,
    pub graph: Graph,
    /// The image folder holding go.mod when go build runs (its WORKDIR when go.mod is absent).
    pub modroot: String,
    /// Whether `go build` reads vendor/ (flag, GOFLAGS, or go ≥ 1.14 with vendor/ present).
    pub vendor_mode: bool,
    /// How far Go is asked ([`judged`]); `None` for the static rules only.
    pub judging: Option<crate::doctor::judge::Depth>,
    /// Go's verdict (or why the static rules gave it), set by D010.
    pub judged: std::cell::OnceCell<crate::doctor::judge::Judgement>,
}

impl Facts<'_> {
    /// The context path of a module file (`main.go` is `backend/main.go` when the module lives
    /// in backend/).
    pub fn at(&self, module_rel: &str) -> String {
        join_rel(&self.moddir, module_rel)
    }
}

/// A problem plus the remedies that fix it (empty when it needs a person).
#[derive(Debug, Clone)]
pub struct Finding {
    pub problem: Problem,
    pub remedies: Vec<Remedy>,
    /// What Go's finding (D010) is about (`profile/`, `go.sum`), so a static finding that
    /// names the same thing can stand for it.
    pub about: Option<String>,
}

impl Finding {
    pub fn manual(problem: Problem) -> Finding {
        Finding {
            problem: problem.fixable(false),
            remedies: Vec::new(),
            about: None,
        }
    }

    pub fn fixable(problem: Problem, remedies: Vec<Remedy>) -> Finding {
        let yes = !remedies.is_empty();
        Finding {
            problem: problem.fixable(yes),
            remedies,
            about: None,
        }
    }

    /// Marks what the finding is about (see [`Finding::about`]).
    pub fn about(mut self, key: &str) -> Finding {
        self.about = Some(key.to_string());
        self
    }
}

/// The result of one pass over a repo.
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    pub warnings: Vec<Note>,
    /// The Dockerfile checked (relative to the context, or absolute).
    pub dockerfile: String,
    /// The module's folder in the context ("" for the context root).
    pub moddir: String,
    /// Who gave the verdict: Go (and how far it replayed the stage) or the static rules.
    pub judge: crate::doctor::judge::Judge,
    /// Go's replay, when Go decided.
    pub replay: Option<crate::doctor::judge::Replay>,
}

impl Diagnosis {
    pub fn report(&self) -> Report {
        let mut r = Report {
            problems: self.findings.iter().map(|f| f.problem.clone()).collect(),
            warnings: self.warnings.clone(),
            fixed: Vec::new(),
            judge: Some(self.judge.clone()),
        };
        r.sort();
        r
    }
}

fn cannot_run(message: String) -> crate::error::Error {
    crate::error::Error::CannotRun(message)
}

/// Where doctor looks: the build context, and the Dockerfile in it (`Dockerfile` unless
/// `--dockerfile` names another; a path outside the context is kept as given).
#[derive(Debug, Clone)]
pub struct Target {
    pub context: PathBuf,
    pub dockerfile: String,
}

impl Target {
    /// The context `root` with its `Dockerfile`.
    pub fn root(root: &Path) -> Target {
        Target {
            context: root.to_path_buf(),
            dockerfile: "Dockerfile".into(),
        }
    }

    /// The context `root` and the Dockerfile at `dockerfile` (as given on the command line:
    /// relative to the current folder), named relative to the context when it is inside it.
    pub fn with_dockerfile(root: &Path, dockerfile: Option<&Path>) -> Target {
        let Some(df) = dockerfile else {
            return Target::root(root);
        };
        let inside = match (df.canonicalize(), root.canonicalize()) {
            (Ok(d), Ok(r)) => d.strip_prefix(&r).ok().map(crate::files::slash),
            _ => None,
        };
        Target {
            context: root.to_path_buf(),
            dockerfile: inside.unwrap_or_else(|| {
                std::path::absolute(df)
                    .unwrap_or_else(|_| df.to_path_buf())
                    .to_string_lossy()
                    .into_owned()
            }),
        }
    }
}

/// Checks the repo at `root`. Errors (no go.mod, no Dockerfile) mean doctor could not run and
/// carry exit status 2.
pub fn diagnose(root: &Path) -> Result<Diagnosis> {
    diagnose_target(&Target::root(root))
}

/// Checks the build context and Dockerfile of `target`, asking Go as far as `judging` says
/// (`None`: the static rules only).
pub fn diagnose_judged(
    target: &Target,
    judging: Option<crate::doctor::judge::Depth>,
) -> Result<Diagnosis> {
    let root = &target.context;
    if !root.is_dir() {
        return Err(cannot_run(format!(
            "{} is not a folder; give the plugin repo's folder: `scaffold doctor DIR`",
            root.display()
        )));
    }
    diagnose_repo_judged(&Repo::load(root), &target.dockerfile, judging)
}

/// Checks the build context and Dockerfile of `target`.
pub fn diagnose_target(target: &Target) -> Result<Diagnosis> {
    let root = &target.context;
    if !root.is_dir() {
        return Err(cannot_run(format!(
            "{} is not a folder; give the plugin repo's folder: `scaffold doctor DIR`",
            root.display()
        )));
    }
    diagnose_repo(&Repo::load(root), &target.dockerfile)
}

/// The error for a context without a go.mod doctor can find, naming a parent folder that has
/// one.
fn no_gomod(repo: &Repo) -> crate::error::Error {
    let hint = repo
        .root
        .canonicalize()
        .ok()
        .and_then(|r| {
            r.ancestors()
                .skip(1)
                .find(|a| a.join("go.mod").is_file())
                .map(|a| a.to_path_buf())
        })
        .map(|a| {
            format!(
                " (there is one in {}: run `scaffold doctor {}`)",
                a.display(),
                a.display()
            )
        })
        .unwrap_or_default();
    cannot_run(format!(
        "no go.mod in {}{hint}; doctor checks a Go plugin repo: its root holds go.mod and the Dockerfile (or give the build context and `--dockerfile PATH`, and the Dockerfile's COPY of go.mod names the module's folder)",
        repo.root.display()
    ))
}

/// The module's folder in the context: where the go.mod in the build folder was copied from;
/// else the context root when it holds go.mod; else the folder with a go.mod that the most
/// copied files come from.
fn module_dir(repo: &Repo, model: &Model, modroot: &str) -> Option<String> {
    let is_mod = |d: &str| repo.is_file(&join_rel(d, "go.mod"));
    if let Some(placed) = model.image.files.get(&join(modroot, "go.mod")) {
        let dir = repo::parent(&placed.from).to_string();
        if is_mod(&dir) {
            return Some(dir);
        }
    }
    if is_mod("") {
        return Some(String::new());
    }
    let mut count: std::collections::BTreeMap<String, usize> = Default::default();
    for placed in model.image.files.values() {
        let mut dir = repo::parent(&placed.from);
        while !dir.is_empty() {
            if is_mod(dir) {
                *count.entry(dir.to_string()).or_default() += 1;
                break;
            }
            dir = repo::parent(dir);
        }
    }
    count
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(dir, _)| dir)
}

/// `dir/rel`, or `rel` when `dir` is the root ("").
pub fn join_rel(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// Checks an already listed repo (possibly with planned contents in its overlay), built with
/// the Dockerfile at `dockerfile_path` (relative to the context, or absolute). Go is asked
/// when it is on PATH ([`judged::DEFAULT_DEPTH`]).
pub fn diagnose_repo(repo: &Repo, dockerfile_path: &str) -> Result<Diagnosis> {
    diagnose_repo_judged(repo, dockerfile_path, Some(judged::DEFAULT_DEPTH))
}

/// [`diagnose_repo`], asking Go as far as `judging` says (`None`: the static rules only).
pub fn diagnose_repo_judged(
    repo: &Repo,
    dockerfile_path: &str,
    judging: Option<crate::doctor::judge::Depth>,
) -> Result<Diagnosis> {
    let Some(dockerfile) = repo.text(dockerfile_path) else {
        if !repo.is_file("go.mod") {
            return Err(no_gomod(repo));
        }
        return Err(cannot_run(format!(
            "no {dockerfile_path} in {}; doctor checks the Docker build of a Nakama plugin (`scaffold new` writes one; `--dockerfile PATH` names another)",
            repo.root.display()
        )));
    };
    // Docker reads `<Dockerfile>.dockerignore` beside the Dockerfile first, then the context's.
    let ignore_file = [
        format!("{dockerfile_path}.dockerignore"),
        ".dockerignore".into(),
    ]
    .into_iter()
    .find(|f| repo.is_file(f));
    let ignore = ignore_file
        .as_deref()
        .and_then(|f| repo.text(f))
        .map(|t| DockerIgnore::parse(&t))
        .unwrap_or_default();
    let model = Model::new(&dockerfile, repo, &ignore);
    let mut warnings: Vec<Note> = model
        .warnings
        .iter()
        .map(|w| Note {
            file: dockerfile_path.into(),
            line: w.line,
            message: w.message.clone(),
        })
        .collect();
    if repo.truncated {
        warnings.push(Note {
            file: ".".into(),
            line: 1,
            message: "the repo has too many files; doctor read only the first 200000".into(),
        });
    }
    let modroot = module_root(&model);
    let moddir = module_dir(repo, &model, &modroot).ok_or_else(|| no_gomod(repo))?;
    let modrepo = repo.sub(&moddir);
    let gomod_text = modrepo.text("go.mod").unwrap_or_default();
    // gomod's error already names the file and the line to add.
    let gomod =
        gomod::parse(&gomod_text.replace('\u{feff}', "")).map_err(|e| cannot_run(e.to_string()))?;
    let modroot = module_root(&model);
    let (main_dir, main_files) = imports::main_package(&model, &modroot, &gomod.module);
    let tags = model
        .build
        .as_ref()
        .map(|b| b.flags.tags.clone())
        .unwrap_or_default();
    // The builder image's Go decides which `go1.N` tags hold.
    let go_minor = model.build.as_ref().and_then(|b| {
        let base = &model.docker.stages[model.docker.chain(b.stage)[0]].base;
        let go = crate::versions::builder_go(base).ok()?;
        crate::go::GoVersion::parse(&go).map(|v| v.1)
    });
    let graph = Graph::build(
        &modrepo,
        &gomod,
        &main_dir,
        main_files.as_deref(),
        &tags,
        go_minor,
    );
    warnings.extend(graph.notes.iter().cloned());
    let vendor_mode = vendor::vendor_mode(&model, &modroot, &gomod);
    let mut facts = Facts {
        repo,
        modrepo,
        moddir: moddir.clone(),
        dockerfile_path: dockerfile_path.to_string(),
        gomod,
        dockerfile,
        model,
        ignore,
        ignore_file,
        graph,
        modroot,
        vendor_mode,
        judging,
        judged: std::cell::OnceCell::new(),
    };
    let mut findings = Vec::new();
    for check in checks::ALL {
        // A problem is no more severe than its row (`Warning` orders after `Error`); a check
        // may lower one itself.
        findings.extend((check.run)(&facts, &mut warnings).into_iter().map(|mut f| {
            f.problem.severity = f.problem.severity.max(check.severity);
            f
        }));
    }
    let judgement = facts
        .judged
        .take()
        .unwrap_or_else(|| crate::doctor::judge::Judgement {
            judge: crate::doctor::judge::Judge::static_rules("Go was not asked"),
            replay: None,
        });
    judged::settle(&judgement, &mut findings, &mut warnings);
    Ok(Diagnosis {
        findings,
        warnings,
        dockerfile: dockerfile_path.to_string(),
        moddir,
        judge: judgement.judge,
        replay: judgement.replay,
    })
}

/// Where go.mod sits in the image when go build runs: the build folder or the nearest parent
/// holding a copied go.mod; the build folder when none is copied.
fn module_root(model: &Model) -> String {
    let Some(b) = &model.build else {
        return "/".into();
    };
    let mut dir = b.dir.clone();
    loop {
        if model.image.files.contains_key(&join(&dir, "go.mod")) {
            return dir;
        }
        if dir == "/" {
            return b.dir.clone();
        }
        dir = parent_of(&dir);
    }
}

/// The repo path of image path `abs` below `modroot`, if it is below it.
pub fn repo_path(modroot: &str, abs: &str) -> Option<String> {
    if modroot == "/" {
        return Some(abs.trim_start_matches('/').to_string());
    }
    abs.strip_prefix(modroot)
        .and_then(|r| r.strip_prefix('/'))
        .map(str::to_string)
}

/// The outcome of `--fix`: the problems before, those left after the planned fixes, the plan
/// itself (not yet written), and the fixes left out because they would have made the repo worse.
pub struct FixOutcome {
    pub before: Report,
    pub after: Report,
    pub plan: crate::repo::plan::Plan,
    /// One note per fix not applied: what it was and the problem it would have added.
    pub dropped: Vec<Note>,
}

/// A message without its digits: line numbers shift when a fix adds lines, so "still there"
/// compares problems without them.
fn stable_key(p: &Problem) -> (String, String, String) {
    let (id, file, message) = p.key();
    (
        id,
        file,
        message.chars().filter(|c| !c.is_ascii_digit()).collect(),
    )
}

/// The problems of `after` that `before` does not have (as many times as it has them).
fn new_problems<'a>(before: &[Problem], after: &'a [Problem]) -> Vec<&'a Problem> {
    let mut left: Vec<_> = before.iter().map(stable_key).collect();
    after
        .iter()
        .filter(|p| {
            let key = stable_key(p);
            match left.iter().position(|k| *k == key) {
                Some(i) => {
                    left.swap_remove(i);
                    false
                }
                None => true,
            }
        })
        .collect()
}

/// One fix `--fix` keeps or drops as a whole: the findings whose remedies edit the same thing.
struct Unit {
    label: String,
    findings: Vec<Finding>,
}

/// The findings with remedies, grouped by what their remedies change.
fn units(findings: &[Finding]) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    for f in findings {
        let Some(first) = f.remedies.first() else {
            continue;
        };
        let label = fix::label(first);
        match out.iter_mut().find(|u| u.label == label) {
            Some(u) => u.findings.push(f.clone()),
            None => out.push(Unit {
                label,
                findings: vec![f.clone()],
            }),
        }
    }
    out
}

/// Plans the safe fixes for the problems not in `allow`, and keeps a fix only when the whole
/// diagnosis after it is no worse: no problem appears that was not there before (a fix that
/// would add one is dropped, and `dropped` says which and why).
pub fn plan_fixes(root: &Path, allow: &[String]) -> Result<FixOutcome> {
    plan_fixes_for(&Target::root(root), allow)
}

/// A fix `--fix` would decline (it would add a problem) is not advertised as one it makes:
/// when `r` has fixable problems, the fixes are planned (nothing written), the declined ones
/// are marked not fixable, and the warnings say why.
pub fn unadvertise_declined(target: &Target, allow: &[String], r: &mut Report) {
    if !r.problems.iter().any(|p| p.fixable) {
        return;
    }
    let Ok(planned) = plan_fixes_for(target, allow) else {
        return;
    };
    let declined: Vec<_> = planned
        .before
        .problems
        .iter()
        .filter(|p| !p.fixable)
        .map(|p| p.key())
        .collect();
    for p in r
        .problems
        .iter_mut()
        .filter(|p| declined.contains(&p.key()))
    {
        p.fixable = false;
    }
    r.warnings.extend(planned.dropped);
}

/// [`plan_fixes`] for a context and Dockerfile.
pub fn plan_fixes_for(target: &Target, allow: &[String]) -> Result<FixOutcome> {
    let root = &target.context;
    let repo = Repo::load(root);
    let df = target.dockerfile.as_str();
    let mut before = diagnose_repo(&repo, df)?;
    let paths = fix::Paths {
        dockerfile: before.dockerfile.clone(),
        moddir: before.moddir.clone(),
    };
    before.findings.retain(|f| !allow.contains(&f.problem.id));
    let mut before_report = before.report();
    before_report.allow(allow);
    let check = |findings: &[Finding]| -> Result<(fix::Planned, Report)> {
        let planned = fix::plan(&repo, &paths, findings);
        let mut after = diagnose_repo(&repo.with_overlay(&planned.files), df)?.report();
        after.allow(allow);
        Ok((planned, after))
    };
    let all: Vec<Finding> = before
        .findings
        .iter()
        .filter(|f| !f.remedies.is_empty())
        .cloned()
        .collect();
    let (mut planned, mut after_report) = check(&all)?;
    let mut dropped = Vec::new();
    let worse = |p: &fix::Planned, a: &Report| {
        !p.failed.is_empty() || !new_problems(&before_report.problems, &a.problems).is_empty()
    };
    if worse(&planned, &after_report) {
        // Some fix makes things worse: add them one at a time, keeping each that does not.
        let mut kept: Vec<Finding> = Vec::new();
        (planned, after_report) = check(&kept)?;
        for unit in units(&all) {
            let mut next = kept.clone();
            next.extend(unit.findings.iter().cloned());
            let (p, a) = check(&next)?;
            let why = match (
                p.failed.first(),
                new_problems(&before_report.problems, &a.problems).first(),
            ) {
                (Some(failed), _) => failed.clone(),
                (None, Some(w)) => {
                    format!("it would add {} {}:{}: {}", w.id, w.file, w.line, w.message)
                }
                (None, None) => {
                    kept = next;
                    (planned, after_report) = (p, a);
                    continue;
                }
            };
            let at = &unit.findings[0].problem;
            dropped.push(Note {
                file: at.file.clone(),
                line: at.line,
                message: format!("--fix left {} alone: {why}", unit.label),
            });
        }
    }
    let left: Vec<_> = after_report.problems.iter().map(stable_key).collect();
    after_report.fixed = before_report
        .problems
        .iter()
        .filter(|p| !left.contains(&stable_key(p)))
        .cloned()
        .collect();
    // A problem the kept fixes leave is not one `--fix` makes (its fix was declined, and a
    // warning says why): it is not advertised as fixable, before or after.
    for p in before_report
        .problems
        .iter_mut()
        .chain(after_report.problems.iter_mut())
        .filter(|p| p.fixable && left.contains(&stable_key(p)))
    {
        p.fixable = false;
    }
    let mut plan = crate::repo::plan::Plan::new(root);
    for (file, bytes) in planned.files {
        plan.put(file, bytes)?;
    }
    plan.removals
        .extend(planned.deleted.iter().map(PathBuf::from));
    Ok(FixOutcome {
        before: before_report,
        after: after_report,
        plan,
        dropped,
    })
}
