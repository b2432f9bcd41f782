//! `scaffold new`'s operation: every file of a new repo planned in memory from a set of
//! resolved answers (the command resolves them from flags and prompts), and the destination
//! check that runs before anything is written.

use crate::error::{bail, Context, Result};
use crate::repo::plan::Plan;
use crate::repo::project::{Answers, Record};
use crate::repo::regen::{self, Mode};
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
        template_data(
            &self.name,
            &self.module,
            &self.release.nakama,
            Some(self.release),
            &self.answers,
        )
    }
}

/// Handlebars data: `name`, `module`, `nakama` and the release's pins (`nakama_common`,
/// `go_version`, `protobuf`, when the release is known), then the scaffold's own answers.
/// `new` and `add-package` both render with it, so a kind renders in a repo as it did there.
pub fn template_data(
    name: &str,
    module: &str,
    nakama: &str,
    release: Option<&versions::Release>,
    answers: &BTreeMap<String, toml::Value>,
) -> Map<String, Value> {
    let mut data = Map::new();
    for (k, v) in [("name", name), ("module", module), ("nakama", nakama)] {
        data.insert(k.into(), Value::String(v.to_string()));
    }
    if let Some(rel) = release {
        for (k, v) in [
            ("nakama_common", &rel.nakama_common),
            ("go_version", &rel.go),
            ("protobuf", &rel.protobuf),
        ] {
            data.insert(k.into(), Value::String(v.clone()));
        }
    }
    for (k, v) in answers {
        data.insert(k.clone(), serde_json::to_value(v).unwrap_or(Value::Null));
    }
    data
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
        for f in starter::render(&r.template, "rpc", pkg, &rpcs, &data)? {
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
    gm.requires.iter().all(|(p, _, _)| {
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
        // The lock this `new` holds there is not content.
        let non_empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .any(|e| e.is_ok_and(|e| e.file_name() != crate::repo::lock::FILE));
        if non_empty && !force {
            bail!(
                "{} already exists and is not empty; pick a new folder, or pass --force to add the missing files (existing ones are kept)",
                dir.display()
            );
        }
    }
    Ok(())
}
