//! The check a command that writes the Dockerfile's block (or moves what it copies) makes
//! before it exits 0: the repo as planned, diagnosed with Go as the judge. When Go says the
//! builder stage would fail, the command refuses, naming the first problem and its fix, and
//! writes nothing; without Go the static rules answer, and the command says so.

use super::id;
use super::judged::BUILD_CHECKS;
use crate::docker::tree::{Kind, Repo};
use crate::doctor::judge::Judge;
use crate::error::{bail, Result};
use crate::repo::plan::Plan;
use std::path::Path;

/// The repo at `root` as `plan` would leave it: planned contents over the files on disk, and
/// the removed folders and files gone.
pub fn planned_repo(root: &Path, plan: &Plan) -> Repo {
    let mut repo = Repo::load(root);
    for removal in &plan.removals {
        let rel = crate::files::slash(removal);
        let below = format!("{rel}/");
        repo.entries
            .retain(|k, _| *k != rel && !k.starts_with(&below));
    }
    for change in &plan.changes {
        let rel = crate::files::slash(&change.path);
        // Its folders become part of the tree too.
        let mut at = 0;
        while let Some(p) = rel[at..].find('/') {
            repo.entries
                .entry(rel[..at + p].to_string())
                .or_insert(Kind::Dir);
            at += p + 1;
        }
        repo.overlay.insert(rel.clone(), change.after.clone());
        repo.entries.insert(rel, Kind::File);
    }
    repo
}

/// Whether the repo at `root`, with `plan` applied, builds: `Ok` with who judged (Go, or the
/// static rules and why), or a refusal naming what would fail.
pub fn check_plan(root: &Path, plan: &Plan) -> Result<Judge> {
    check_repo(planned_repo(root, plan))
}

/// [`check_plan`] for a command that runs `go mod tidy` (and `go mod vendor` in a repo that
/// vendors) once the plan is written (`upgrade`): the repo judged is the planned one after
/// those, made in a scratch copy. Without Go it is the plan as it is.
pub fn check_plan_tidied(root: &Path, plan: &Plan) -> Result<Judge> {
    let repo = planned_repo(root, plan);
    if crate::doctor::judge::forced_static() || !crate::go::tool::available() {
        return check_repo(repo);
    }
    let tidied = super::fix::tidy_module(&repo, "", &Default::default()).map_err(|e| {
        crate::error::err!("in the repo as the upgrade would leave it, {e}; nothing was changed")
    })?;
    let mut repo = repo.with_overlay(&tidied.files);
    for gone in &tidied.deleted {
        repo.entries.remove(gone);
    }
    check_repo(repo)
}

fn check_repo(repo: Repo) -> Result<Judge> {
    let depth = (!crate::doctor::judge::forced_static()).then_some(super::judged::DEFAULT_DEPTH);
    let diagnosis = match super::diagnose_repo_judged(&repo, "Dockerfile", depth) {
        Ok(d) => d,
        // A repo doctor cannot read (no go.mod) is the command's to refuse, by its own rules.
        Err(e) => {
            return Ok(Judge::static_rules(format!(
                "doctor cannot read the repo: {e}"
            )))
        }
    };
    let judge = diagnosis.judge.clone();
    let failed = diagnosis
        .replay
        .as_ref()
        .is_some_and(|r| r.failure.is_some());
    if !failed {
        return Ok(judge);
    }
    let report = diagnosis.report();
    // Go's finding first; else the static one that explains it (a build check, or D003 for
    // a go line).
    let first = report
        .problems
        .iter()
        .find(|p| p.id == id::GO_SAYS)
        .or_else(|| {
            report
                .problems
                .iter()
                .find(|p| BUILD_CHECKS.contains(&p.id.as_str()))
        })
        .or_else(|| report.problems.first());
    let go = judge.go.as_deref().unwrap_or("");
    match first {
        Some(p) => bail!(
            "the Docker build would fail (Go {go} on the staged builder stage): {}:{}: {}; fix: {}; nothing was changed",
            p.file,
            p.line,
            p.message,
            p.fix
        ),
        None => bail!(
            "the Docker build would fail (Go {go} on the staged builder stage); run `scaffold doctor` to see why; nothing was changed"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planned_repo_has_the_plan_in_it() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("old/sub")).unwrap();
        std::fs::write(tmp.path().join("old/sub/a.go"), "package sub\n").unwrap();
        std::fs::write(tmp.path().join("keep.go"), "package main\n").unwrap();
        let mut plan = Plan::new(tmp.path());
        plan.create("new/b.go", "package new\n");
        plan.removals.push("old".into());
        let repo = planned_repo(tmp.path(), &plan);
        assert!(repo.is_file("keep.go") && repo.is_file("new/b.go") && repo.is_dir("new"));
        assert!(!repo.is_dir("old") && !repo.is_file("old/sub/a.go"));
        assert_eq!(repo.text("new/b.go").unwrap(), "package new\n");
    }
}
