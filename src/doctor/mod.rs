//! `scaffold doctor`: reads any Go plugin repo (made by scaffold or not) and names each thing
//! that breaks its Docker build or its load into Nakama, with the file, the line and the fix.
//!
//! The checks (one table, `checks.rs`) work on facts gathered once (go.mod, the Dockerfile
//! replayed as a build, the import graph); `--fix` turns the safe remedies into planned file
//! contents, runs every check again on the planned tree, and keeps a fix only when the whole
//! diagnosis after it is no worse.

pub mod buildline;
pub mod checks;
pub mod copies;
pub mod encoding;
pub mod fix;
pub mod imports;
pub mod initmodule;
pub mod markers;
pub mod plugin_build;
pub mod release;
pub mod repo;
pub mod report;
pub mod stage;
pub mod vendor;

use crate::docker::ignore::DockerIgnore;
use crate::docker::path::{join, parent_of};
use crate::error::Result;
use crate::go::gomod::{self, GoMod};
use imports::Graph;
use repo::Repo;
use report::{Note, Problem, Report};
use stage::Model;
use std::path::Path;

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
    /// Require `path` at version `to` in go.mod (`gomod::set_require`).
    SetRequire { path: String, to: String },
    /// Strip a UTF-8 BOM, and turn CRLF into LF when `eol` is set.
    Normalize { file: String, eol: bool },
}

/// Everything the checks read, gathered once per run.
pub struct Facts<'a> {
    pub repo: &'a Repo,
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
}

/// A problem plus the remedies that fix it (empty when it needs a person).
#[derive(Debug, Clone)]
pub struct Finding {
    pub problem: Problem,
    pub remedies: Vec<Remedy>,
}

impl Finding {
    pub fn manual(problem: Problem) -> Finding {
        Finding {
            problem: problem.fixable(false),
            remedies: Vec::new(),
        }
    }

    pub fn fixable(problem: Problem, remedies: Vec<Remedy>) -> Finding {
        let yes = !remedies.is_empty();
        Finding {
            problem: problem.fixable(yes),
            remedies,
        }
    }
}

/// The result of one pass over a repo.
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    pub warnings: Vec<Note>,
}

impl Diagnosis {
    pub fn report(&self) -> Report {
        let mut r = Report {
            problems: self.findings.iter().map(|f| f.problem.clone()).collect(),
            warnings: self.warnings.clone(),
            fixed: Vec::new(),
        };
        r.sort();
        r
    }
}

fn cannot_run(message: String) -> crate::error::Error {
    crate::error::Error::CannotRun(message)
}

/// Checks the repo at `root`. Errors (no go.mod, no Dockerfile) mean doctor could not run and
/// carry exit status 2.
pub fn diagnose(root: &Path) -> Result<Diagnosis> {
    if !root.is_dir() {
        return Err(cannot_run(format!(
            "{} is not a folder; give the plugin repo's folder: `scaffold doctor DIR`",
            root.display()
        )));
    }
    diagnose_repo(&Repo::load(root))
}

/// Checks an already listed repo (possibly with planned contents in its overlay).
pub fn diagnose_repo(repo: &Repo) -> Result<Diagnosis> {
    let Some(gomod_text) = repo.text("go.mod") else {
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
        return Err(cannot_run(format!(
            "no go.mod in {}{hint}; doctor checks a Go plugin repo: its root holds go.mod and the Dockerfile",
            repo.root.display()
        )));
    };
    // gomod's error already names the file and the line to add.
    let gomod =
        gomod::parse(&gomod_text.replace('\u{feff}', "")).map_err(|e| cannot_run(e.to_string()))?;
    let Some(dockerfile) = repo.text("Dockerfile") else {
        return Err(cannot_run(format!(
            "no Dockerfile in {}; doctor checks the Docker build of a Nakama plugin (`scaffold new` writes one)",
            repo.root.display()
        )));
    };
    let ignore_file = ["Dockerfile.dockerignore", ".dockerignore"]
        .into_iter()
        .find(|f| repo.is_file(f))
        .map(str::to_string);
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
            file: "Dockerfile".into(),
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
    let (main_dir, main_files) = imports::main_package(&model, &modroot, &gomod.module);
    let tags = model
        .build
        .as_ref()
        .map(|b| b.flags.tags.clone())
        .unwrap_or_default();
    let graph = Graph::build(repo, &gomod, &main_dir, main_files.as_deref(), &tags);
    warnings.extend(graph.notes.iter().cloned());
    let vendor_mode = vendor::vendor_mode(&model, &modroot, &gomod);
    let facts = Facts {
        repo,
        gomod,
        dockerfile,
        model,
        ignore,
        ignore_file,
        graph,
        modroot,
        vendor_mode,
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
    Ok(Diagnosis { findings, warnings })
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

/// Whether `id` names a check (`D001`…).
pub fn known_id(id: &str) -> bool {
    checks::find(id).is_some()
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
    let repo = Repo::load(root);
    let mut before = diagnose_repo(&repo)?;
    before.findings.retain(|f| !allow.contains(&f.problem.id));
    let mut before_report = before.report();
    before_report.allow(allow);
    let check = |findings: &[Finding]| -> Result<(fix::Planned, Report)> {
        let planned = fix::plan(&repo, findings);
        let mut after = diagnose_repo(&repo.with_overlay(&planned.files))?.report();
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
    if !new_problems(&before_report.problems, &after_report.problems).is_empty() {
        // Some fix makes things worse: add them one at a time, keeping each that does not.
        let mut kept: Vec<Finding> = Vec::new();
        (planned, after_report) = check(&kept)?;
        for unit in units(&all) {
            let mut next = kept.clone();
            next.extend(unit.findings.iter().cloned());
            let (p, a) = check(&next)?;
            match new_problems(&before_report.problems, &a.problems).first() {
                None => {
                    kept = next;
                    (planned, after_report) = (p, a);
                }
                Some(worse) => {
                    let at = &unit.findings[0].problem;
                    dropped.push(Note {
                        file: at.file.clone(),
                        line: at.line,
                        message: format!(
                            "--fix left {} alone: it would add {} {}:{}: {}",
                            unit.label, worse.id, worse.file, worse.line, worse.message
                        ),
                    });
                }
            }
        }
    }
    let left: Vec<_> = after_report.problems.iter().map(stable_key).collect();
    after_report.fixed = before_report
        .problems
        .iter()
        .filter(|p| !left.contains(&stable_key(p)))
        .cloned()
        .collect();
    let mut plan = crate::repo::plan::Plan::new(root);
    for (file, bytes) in planned.files {
        plan.put(file, bytes)?;
    }
    Ok(FixOutcome {
        before: before_report,
        after: after_report,
        plan,
        dropped,
    })
}
