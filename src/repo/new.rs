//! `scaffold new`'s operation: every file of a new repo planned in memory from a set of
//! resolved answers (the command resolves them from flags and prompts), and the destination
//! check that runs before anything is written.

use crate::error::{bail, Context, Result};
use crate::go::gomod::Require;
use crate::repo::plan::Plan;
use crate::repo::project::{Answers, Record};
use crate::repo::regen::{self, Mode};
use crate::scaffold::answers::template_data;
use crate::scaffold::template::{RenderedFile, Template};
use crate::scaffold::Origin;
use crate::scaffold::{manifest, starter};
use crate::versions;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every answer, resolved before anything touches the disk.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub dir: PathBuf,
    pub name: String,
    pub module: String,
    pub release: &'static versions::Release,
    pub package: Option<String>,
    pub git: bool,
    /// The scaffold to render and where it came from.
    pub template: Template,
    pub origin: Origin,
    /// Answers to the scaffold's own variables.
    pub answers: BTreeMap<String, toml::Value>,
}

impl Resolved {
    /// The answers as handlebars data: the built-in ones, then the scaffold's own.
    pub fn data(&self) -> Map<String, Value> {
        let mut data = template_data(
            &self.name,
            &self.module,
            &self.release.nakama,
            Some(self.release),
            &self.answers,
        );
        if let (Some(pkg), false) = (&self.package, self.answers.contains_key("rpc")) {
            data.insert("rpc".into(), Value::String(starter::default_rpc(pkg)));
        }
        data
    }
}

/// The starter RPC of the repo at `root` as `new` named it in the README: the first
/// `<package>_echo` a package registers; `update` renders with it, so the README's example
/// merges as `new` wrote it.
pub fn starter_rpc_in(root: &Path) -> Option<String> {
    let packages = crate::repo::packages::discover(root, &Default::default()).ok()?;
    packages
        .into_iter()
        .flat_map(|p| p.rpc_ids)
        .find(|id| id.ends_with("_echo"))
}

/// Every file of the new repo, in memory.
pub fn plan(r: &Resolved) -> Result<Plan> {
    let rel = r.release;
    let data = r.data();
    let mut plan = Plan::new(&r.dir);
    for f in project_files(&r.template, &data, &r.answers)? {
        plan.create_file(f);
    }
    if let Some(sum) = versions::go_sum(rel).filter(|_| plain_gomod(&plan)) {
        plan.create("go.sum", sum);
    }
    let record = Record {
        scaffold: Origin {
            template_version: r.template.manifest.version,
            ..r.origin.clone()
        },
        project: Answers {
            name: r.name.clone(),
            module: r.module.clone(),
            nakama: rel.nakama.clone(),
        },
        answers: r.answers.clone(),
        packages: Default::default(),
    };
    plan.create(crate::repo::project::FILE, record.to_toml());
    if let Some(pkg) = &r.package {
        let rpcs = [starter::default_rpc(pkg)];
        for f in starter::render(
            &r.template,
            "rpc",
            pkg,
            starter::Rpcs {
                ids: &rpcs,
                starter: true,
            },
            &data,
        )? {
            plan.create_file(f);
        }
    }
    // The block and the wiring come from the same code as `sync`, over the planned tree.
    regen::plan(&r.dir, &r.module, &mut plan, Mode::default())?;
    Ok(plan)
}

/// The files a scaffold's `project/` renders to for these answers, its `[[skip]]`s applied:
/// what `new` writes, and what `update` renders for the old and the new version to merge.
pub fn project_files(
    template: &Template,
    data: &Map<String, Value>,
    answers: &BTreeMap<String, toml::Value>,
) -> Result<Vec<RenderedFile>> {
    let skipped = skip_set(&template.manifest, answers)?;
    let mut files = template.render("project", data)?;
    if !skipped.is_empty() {
        files.retain(|f| !skipped.is_match(&f.path));
    }
    Ok(files)
}

/// The paths the manifest leaves out for these answers (`[[skip]]` with `if`/`unless`).
fn skip_set(
    manifest: &manifest::Manifest,
    answers: &BTreeMap<String, toml::Value>,
) -> Result<globset::GlobSet> {
    let mut set = globset::GlobSetBuilder::new();
    for skip in &manifest.skips {
        let truth = |var: &String| answers.get(var).and_then(|v| v.as_bool()).unwrap_or(false);
        let applies = skip.if_var.as_ref().is_some_and(truth)
            || skip.unless.as_ref().is_some_and(|v| !truth(v));
        if applies {
            for p in &skip.paths {
                set.add(globset::Glob::new(p).with_context(|| format!("skip pattern `{p}`"))?);
                // A folder pattern skips what is inside it too.
                set.add(globset::Glob::new(&format!(
                    "{}/**",
                    p.trim_end_matches('/')
                ))?);
            }
        }
    }
    Ok(set.build()?)
}

/// True when the planned go.mod requires only what the built-in one does, so the recorded
/// go.sum is complete for it.
fn plain_gomod(plan: &Plan) -> bool {
    let Some(change) = plan.changes.iter().find(|c| c.path == Path::new("go.mod")) else {
        return false;
    };
    let Ok(gm) = crate::go::gomod::parse(&String::from_utf8_lossy(&change.after)) else {
        return false;
    };
    gm.requires.iter().all(|Require { path: p, .. }| {
        p == "github.com/heroiclabs/nakama-common" || p == "google.golang.org/protobuf"
    })
}

/// Refuses a destination that is a file, or a non-empty folder without --force.
pub fn check_destination(dir: &Path, force: bool) -> Result<()> {
    if dir.is_file() {
        bail!(
            "{} is a file; pick a folder name that does not exist",
            dir.display()
        );
    }
    if dir.is_dir() {
        // The lock this `new` holds there is not content, and neither is `.git` alone: a fresh
        // clone of an empty repository is where `scaffold new .` is run, and no file of its
        // work tree can be overwritten.
        let non_empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .any(|e| {
                e.is_ok_and(|e| e.file_name() != crate::repo::lock::FILE && e.file_name() != ".git")
            });
        if non_empty && !force {
            bail!(
                "{} already exists and is not empty; pick a new folder, or pass --force to add the missing files (existing ones are kept)",
                dir.display()
            );
        }
    }
    Ok(())
}

/// What [`make`] did: the files written (or, for a dry run, that would be), the ones kept
/// because they existed (`--force`), and what the user should know.
pub struct Made {
    pub created: Vec<String>,
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
}

/// Plans the repo and, unless `dry_run`, writes it, keeps a team scaffold's kinds in the
/// user's cache and starts git. With `--force` an existing file is kept and said, never
/// overwritten. The caller holds the folder's lock and has checked it.
pub fn make(r: &Resolved, dry_run: bool) -> Result<Made> {
    let mut plan = plan(r)?;
    let mut skipped = Vec::new();
    plan.changes.retain(|c| {
        let exists = r.dir.join(&c.path).exists();
        if exists {
            skipped.push(crate::files::slash(&c.path));
        }
        !exists
    });
    skipped.sort();
    let mut warnings = Vec::new();
    if crate::go::names::module_is_dotless(&r.module) {
        warnings.push(format!("module path `{}` has no dot in its first element: Go then reports a package missing from the Docker build as the misleading `is not in std`; prefer `example.com/{}`", r.module, r.module));
    }
    for s in &skipped {
        warnings.push(format!("{s} already exists and was kept as it is"));
    }
    // A kept Dockerfile without the package block would make every later command refuse.
    if skipped.iter().any(|s| s == "Dockerfile") {
        let kept = crate::files::read_to_string(&r.dir.join("Dockerfile")).unwrap_or_default();
        if matches!(crate::docker::block::find(&kept), Ok(None)) {
            warnings.push(
                "the kept Dockerfile has no package block; run `scaffold sync --adopt` to add it"
                    .into(),
            );
        }
    }
    let created = plan.created();
    if !dry_run {
        plan.apply()?;
        // The kinds go to the user's cache, where `add-package` takes them from: no clone on
        // every call, and none at all once the team's repository is unreachable.
        if r.origin.template != crate::scaffold::template::BUILTIN_SOURCE {
            if let Err(e) = crate::scaffold::cache::store(&r.origin, &r.template) {
                warnings.push(format!(
                    "the scaffold's kinds could not be kept in the cache ({e}); `add-package` will fetch them again"
                ));
            }
        }
        if r.git {
            start_git(r, &mut warnings)?;
        }
    }
    Ok(Made {
        created,
        skipped,
        warnings,
    })
}

/// `git init` and a first commit, unless the folder is inside a work tree already.
fn start_git(r: &Resolved, warnings: &mut Vec<String>) -> Result<()> {
    use crate::error::Context;
    if crate::repo::git::inside_work_tree(&r.dir) {
        warnings.push(format!(
            "{} is inside a git work tree; skipped `git init`",
            r.dir.display()
        ));
        return Ok(());
    }
    crate::repo::git::init_and_commit(&r.dir, "Initial commit from scaffold new").with_context(
        || {
            format!(
                "the files were written, but `git init` failed; run `git init` in {} yourself",
                r.dir.display()
            )
        },
    )
}

/// The "Next:" lines after `new`: `cd` unless the repo is the current folder, the compose
/// command, an `add-package` example that does not name the package just made, and `go mod
/// tidy` when no go.sum is recorded for the release.
pub fn next_steps(r: &Resolved) -> String {
    let mut out = String::from("\nNext:\n");
    let here = std::env::current_dir().ok();
    let is_here = std::path::absolute(&r.dir)
        .ok()
        .zip(here)
        .is_some_and(|(d, h)| d == h)
        || r.dir
            .components()
            .all(|c| c == std::path::Component::CurDir);
    if !is_here {
        out += &format!("  cd {}\n", r.dir.display());
    }
    out += "  docker compose up --build      # Nakama on http://127.0.0.1:7350\n";
    let example = ["inventory", "stats"]
        .into_iter()
        .find(|p| r.package.as_deref() != Some(*p))
        .unwrap_or("stats");
    out += &format!(
        "  scaffold add-package {example:<11}# more code, wired and copied by the Dockerfile"
    );
    if versions::go_sum(r.release).is_none() {
        out += "\n  go mod tidy                     # writes go.sum (none is recorded for this release)";
    }
    out
}
