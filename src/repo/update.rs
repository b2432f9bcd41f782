//! `scaffold update`'s operation: take a newer version of the scaffold a repo was made from.
//! The recorded version (base) and the new one (theirs) are both rendered with the recorded
//! answers, exactly as `new` renders, and theirs is merged into the work tree three ways, file
//! by file, with libgit2's file merge ([`crate::repo::merge`]). Everything is one [`Plan`]:
//! clean merges, files written with conflict markers, files added and removed, scaffold.toml,
//! and the regenerated Dockerfile block and packages_gen.go, applied all at once or not at all.
//!
//! Per file: what the user never changed takes the new version; what the scaffold never
//! changed stays the user's; both changed: merged, and conflicts are written inline with the
//! standard markers. A file the new version adds is created, or merged against an empty base
//! when the user already has one. A file it deletes is removed only while the user's copy is
//! still the old rendering, and kept with a note otherwise. A rename is followed when git's
//! rename detection pairs the old and new paths (the user's changes move with the file).
//! Binary files are never merged: a changed one is replaced only while the user's copy is the
//! old rendering; otherwise the user's copy wins, with a note. scaffold.toml, packages_gen.go
//! and the Dockerfile's package block are never merged: the block is taken from the user's
//! Dockerfile on every side before the merge, and both are regenerated from the folders after.
//!
//! Where the base comes from: a team scaffold's recorded commit, fetched again. The built-in
//! scaffold has no commits a user can fetch, and an old binary's templates are not in a new
//! one, so each release of the built-in template carries a `version` (recorded in
//! scaffold.toml as `template_version`) and the binary keeps every earlier version's
//! `project/` in `scaffolds/history/`: a repo made by any earlier scaffold updates to this
//! binary's built-in template. `--to FOLDER` names any other scaffold as the new version (a
//! fork of the built-in one, or its next version before it is released), with the repo's
//! recorded rendering as the base.

use crate::docker::block;
use crate::error::{bail, Context, Result};
use crate::files::slash;
use crate::repo::merge::{is_binary, Files, Merged, Merger};
use crate::repo::new::{project_files, starter_rpc_in};
use crate::repo::plan::Plan;
use crate::repo::project::{self, Record};
use crate::repo::regen::{self, Mode};
use crate::repo::wiring;
use crate::scaffold::answers::template_data;
use crate::scaffold::answers::Given;
use crate::scaffold::config::Config;
use crate::scaffold::source::{self, Spec};
use crate::scaffold::template::{Template, BUILTIN_SOURCE};
use crate::scaffold::Origin;
use crate::{go, versions};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A version of a scaffold, ready to render, with what scaffold.toml records for it.
pub struct Version {
    pub template: Template,
    pub origin: Origin,
}

impl Version {
    /// How messages name this version: `the built-in scaffold, version 2`, `URL#main at 1a2b3c4`.
    pub fn label(&self) -> String {
        label(&self.origin)
    }

    /// How conflict markers name it: `scaffold v2`, `scaffold 1a2b3c4`.
    pub fn marker(&self) -> String {
        match (&self.origin.commit, self.origin.template_version) {
            (Some(c), _) => format!("scaffold {}", short(c)),
            (None, Some(v)) => format!("scaffold v{v}"),
            (None, None) => "scaffold".into(),
        }
    }
}

/// How messages name the version an origin records.
pub fn label(origin: &Origin) -> String {
    if origin.template == BUILTIN_SOURCE {
        return format!("the built-in scaffold, version {}", builtin_version(origin));
    }
    let at = match &origin.subdir {
        Some(sub) => format!("{}:{sub}", origin.template),
        None => origin.template.clone(),
    };
    match &origin.commit {
        Some(c) => format!("{at} at {}", short(c)),
        None => at,
    }
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// The built-in template version a record names; repos made before versions were recorded
/// were made from version 1.
fn builtin_version(origin: &Origin) -> u32 {
    origin.template_version.unwrap_or(1)
}

/// The version the repo was rendered from: the base of the merge.
pub fn base(origin: &Origin) -> Result<Version> {
    let template = if origin.template == "adopted" {
        bail!("this repo was adopted (`scaffold sync --adopt`), not made from a scaffold, so there is no rendering to merge a newer one into; copy what you want from `scaffold eject`")
    } else if origin.template == BUILTIN_SOURCE {
        let v = builtin_version(origin);
        let current = Template::builtin().manifest.version.unwrap_or(1);
        match Template::builtin_at(v) {
            Some(t) => t,
            None if v > current => bail!(
                "this repo was made from version {v} of the built-in scaffold, newer than this scaffold's ({current}); install a newer scaffold"
            ),
            None => bail!("version {v} of the built-in scaffold is not kept in this scaffold; update from a scaffold release that has it"),
        }
    } else if origin.commit.is_none() {
        bail!(
            "scaffold.toml records no commit of {}: the scaffold was a folder outside git, or had uncommitted changes, when this repo was made, so the version to merge from is unknown; keep the scaffold in git, and set `commit` in scaffold.toml to the commit the repo was made from",
            origin.template
        )
    } else {
        // The whole scaffold: the cache keeps only what `add-package` renders.
        source::fetch_recorded(origin)?
    };
    Ok(Version {
        template,
        origin: origin.clone(),
    })
}

/// Where the new version comes from. No `--to`: the recorded branch's newest commit (a tag or
/// commit stays where it is), the folder as it is now, or this binary's built-in scaffold.
/// `--to REF`: a branch, tag or commit of the recorded repository; or any scaffold `--from`
/// takes (`builtin`, a folder, a git URL with `#ref`, an alias).
pub fn target_spec(origin: &Origin, to: Option<&str>, config: &Config) -> Result<Spec> {
    let builtin = origin.template == BUILTIN_SOURCE || origin.template == "adopted";
    let Some(to) = to else {
        if builtin {
            return Ok(Spec::Builtin);
        }
        // A scaffold recorded at a release tag follows the newest release tag; one at a
        // branch, the branch's head; one at a commit stays (`--to` pins any other).
        let spec = source::parse(&origin.template, &Config::default());
        if let Spec::Git {
            url,
            reference: Some(r),
        } = &spec
        {
            if let Some(newer) = source::newer_tag(url, r)? {
                return Ok(Spec::Git {
                    url: url.clone(),
                    reference: Some(newer),
                });
            }
        }
        return Ok(spec);
    };
    let explicit = to == "builtin"
        || to == BUILTIN_SOURCE
        || to.contains("://")
        || to.contains('#')
        || to.starts_with("git@")
        || to.starts_with('/')
        || to.starts_with('.')
        || to.starts_with('~')
        || config.aliases.contains_key(to);
    if explicit || (builtin && Path::new(to).is_dir()) {
        return Ok(source::parse(to, config));
    }
    if builtin {
        bail!("the built-in scaffold has no branches or tags; give --to a folder or git URL holding the scaffold to move to, or `builtin`");
    }
    // A ref of the repository the repo was made from.
    let url = origin
        .template
        .rsplit_once('#')
        .map_or(origin.template.as_str(), |(u, _)| u);
    Ok(Spec::Git {
        url: url.to_string(),
        reference: Some(to.to_string()),
    })
}

/// Fetches the new version; the recorded subdir holds when it is the same repository.
pub fn fetch_target(origin: &Origin, to: Option<&str>, config: &Config) -> Result<Version> {
    let spec = target_spec(origin, to, config)?;
    let same_repo = match &spec {
        Spec::Builtin => false,
        Spec::Folder(p) => same_place(&p.display().to_string(), &origin.template),
        Spec::Git { url, .. } => same_place(url, &origin.template),
    };
    let subdir = origin.subdir.as_deref().filter(|_| same_repo);
    let fetched = source::fetch(&spec, subdir, false)?;
    Ok(Version {
        origin: Origin {
            template_version: fetched.template.manifest.version,
            ..fetched.origin
        },
        template: fetched.template,
    })
}

fn same_place(url: &str, recorded: &str) -> bool {
    let recorded = recorded.rsplit_once('#').map_or(recorded, |(u, _)| u);
    let canon = |p: &str| {
        Path::new(p)
            .canonicalize()
            .map_or_else(|_| p.to_string(), |c| c.display().to_string())
    };
    url == recorded || canon(url) == canon(recorded)
}

/// Whether `target` is another version than the one recorded: another commit, another built-in
/// version, another scaffold. A folder outside git is compared by its template's `version`,
/// and counts as new when it has none.
pub fn is_new(recorded: &Origin, target: &Origin) -> bool {
    let place = |o: &Origin| {
        let t = o
            .template
            .rsplit_once('#')
            .map_or(o.template.as_str(), |(u, _)| u);
        (t.to_string(), o.subdir.clone())
    };
    if place(recorded) != place(target) {
        return true;
    }
    if target.template == BUILTIN_SOURCE {
        return builtin_version(recorded) != builtin_version(target);
    }
    // A commit names a version; without one (a folder outside git) the template's own
    // `version` does, if it has one.
    match (&recorded.commit, &target.commit) {
        (Some(a), Some(b)) => a != b,
        _ => match (recorded.template_version, target.template_version) {
            (Some(a), Some(b)) => a != b,
            _ => true,
        },
    }
}

/// The answers the new version's questions already have: `--set` and `--answers` first, then
/// the recorded ones for the variables it still asks. Returns them as one [`Given`], the
/// variables still without an answer, and the recorded answers the new version no longer asks.
pub fn given_answers(
    record: &Record,
    target: &Template,
    mut given: Given,
) -> (Given, Vec<String>, Vec<String>) {
    let asks = |k: &str| target.manifest.variables.iter().any(|v| v.name == k);
    let mut dropped = Vec::new();
    for (k, v) in &record.answers {
        if !asks(k) {
            dropped.push(k.clone());
        } else if !given.sets.contains_key(k) && !given.file.contains_key(k) {
            given.file.insert(k.clone(), v.clone());
        }
    }
    let missing = target
        .manifest
        .variables
        .iter()
        .filter(|v| !given.sets.contains_key(&v.name) && !given.file.contains_key(&v.name))
        .map(|v| v.name.clone())
        .collect();
    (given, missing, dropped)
}

/// The base of the template data: the recorded project answers and the release's pins.
pub fn data(
    record: &Record,
    answers: &BTreeMap<String, toml::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let p = &record.project;
    let release = versions::find(&p.nakama).ok();
    template_data(&p.name, &p.module, &p.nakama, release, answers)
}

/// What an update plans: every change, the files left with conflict markers, and notes.
pub struct Update {
    pub plan: Plan,
    pub conflicts: Vec<Conflict>,
    pub warnings: Vec<String>,
}

/// A file the merge left with conflict markers, with its three sides, so git can be told
/// (index stages 1, 2 and 3) and `git commit` refuses it until it is resolved.
pub struct Conflict {
    pub path: String,
    pub base: Vec<u8>,
    pub ours: Vec<u8>,
    pub theirs: Vec<u8>,
}

/// Tells git of the conflicts an applied update left (unless `dry_run`), and returns the
/// message that names them and says how to finish.
pub fn leave_conflicts(root: &Path, conflicts: &[Conflict], dry_run: bool) -> Result<String> {
    let names: Vec<&str> = conflicts.iter().map(|c| c.path.as_str()).collect();
    let plural = if names.len() == 1 { "" } else { "s" };
    let count = format!("{} file{plural}: {}", names.len(), names.join(", "));
    if dry_run {
        return Ok(format!(
            "the update would leave conflicts in {count}; run it without --dry-run, then resolve them"
        ));
    }
    // git is told, as `git merge` tells it: the files stay unmerged until resolved and added.
    let sides: Vec<_> = (conflicts.iter())
        .map(|c| crate::repo::git::Unmerged {
            path: &c.path,
            base: &c.base,
            ours: &c.ours,
            theirs: &c.theirs,
        })
        .collect();
    let how = match crate::repo::git::record_conflicts(root, &sides)? {
        true => "git lists them as unmerged (both modified) and refuses to commit them: fix the <<<<<<< ======= >>>>>>> markers, `git add` each file, then `git commit`",
        false => "resolve the <<<<<<< ======= >>>>>>> markers, then commit",
    };
    Ok(format!(
        "the update left conflicts in {count}; {how} (scaffold.toml records the new version already)"
    ))
}

/// Files scaffold regenerates rather than renders: never merged.
fn managed(path: &Path) -> bool {
    path == Path::new(project::FILE) || path == Path::new(wiring::FILE)
}

/// A version's project files for these answers, without the regenerated ones.
fn render(
    root: &Path,
    version: &Version,
    record: &Record,
    answers: &BTreeMap<String, toml::Value>,
) -> Result<Files> {
    let mut data = data(record, answers);
    if let (Some(rpc), false) = (starter_rpc_in(root), answers.contains_key("rpc")) {
        data.insert("rpc".into(), rpc.into());
    }
    let files = project_files(&version.template, &data, answers)
        .with_context(|| format!("cannot render {}", version.label()))?;
    Ok(files
        .into_iter()
        .filter(|f| !managed(&f.path))
        .map(|f| (f.path, f.contents))
        .collect())
}

/// Plans the whole update of the repo at `root` from `base` to `target`, with the new
/// version's `answers` (the recorded ones, plus any new questions answered).
pub fn plan(
    root: &Path,
    record: &Record,
    base: &Version,
    target: &Version,
    answers: &BTreeMap<String, toml::Value>,
) -> Result<Update> {
    let sides = Sides {
        root,
        old: render(root, base, record, &record.answers)?,
        new: render(root, target, record, answers)?,
        merger: Merger::new()?,
        marker: target.marker(),
    };
    let mut up = Update {
        plan: Plan::new(root),
        conflicts: Vec::new(),
        warnings: Vec::new(),
    };
    let done = sides.follow_renames(&mut up)?;
    let paths: BTreeSet<&PathBuf> = sides.old.keys().chain(sides.new.keys()).collect();
    for path in paths.into_iter().filter(|p| !done.contains(p)) {
        sides.merge_file(&mut up, path)?;
    }

    // scaffold.toml: the new version and the answers.
    let mut updated = record.clone();
    updated.scaffold = target.origin.clone();
    updated.answers = answers.clone();
    let text = std::fs::read_to_string(root.join(project::FILE)).unwrap_or_default();
    up.plan.put(
        project::FILE,
        project::record_text_with_origin(&text, &updated),
    )?;
    up.regenerate(root)?;
    if up
        .plan
        .changes
        .iter()
        .any(|c| c.path == Path::new("go.mod"))
    {
        up.warnings
            .push("go.mod changed: run `go mod tidy` and commit go.sum with it".into());
    }
    up.conflicts.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(up)
}

/// The two renderings merged into the work tree at `root`.
struct Sides<'a> {
    root: &'a Path,
    old: Files,
    new: Files,
    merger: Merger,
    /// How conflict markers name the new version.
    marker: String,
}

impl Sides<'_> {
    /// Merges each renamed file into its new path (the user's changes move with it); returns
    /// the paths handled. A rename is not followed when the user deleted the file or already
    /// has one at the new path: each path is then handled on its own.
    fn follow_renames(&self, up: &mut Update) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for (from, to) in self.merger.renames(&self.old, &self.new)? {
            let Some(ours) = read_ours(self.root, &from)? else {
                continue;
            };
            if self.root.join(&to).exists() {
                continue;
            }
            let (b, t) = (like(&self.old[&from], &ours), like(&self.new[&to], &ours));
            if ours == b {
                up.plan.put(&to, t)?;
            } else if is_binary(&ours) || is_binary(&t) {
                up.warnings.push(format!(
                    "{}: binary and changed by you; kept (the scaffold moved it to {} with new contents, which were not merged)",
                    slash(&from),
                    slash(&to)
                ));
                done.extend([from, to]);
                continue;
            } else {
                let merged = self.merger.merge(&to, &b, &ours, &t, &self.marker)?;
                up.take(&to, merged, [b, ours, t])?;
                up.warnings.push(format!(
                    "{}: the scaffold renamed it to {}; your changes moved with it",
                    slash(&from),
                    slash(&to)
                ));
            }
            up.plan.removals.push(from.clone());
            done.extend([from, to]);
        }
        Ok(done)
    }

    /// One path of either rendering, against the user's copy.
    fn merge_file(&self, up: &mut Update, path: &PathBuf) -> Result<()> {
        let (old, new) = (self.old.get(path), self.new.get(path));
        let Some(ours) = read_ours_or_note(self.root, path, &mut up.warnings)? else {
            // No file of the user's: deleted, or a folder stands there.
            if self.root.join(path).exists() {
                return Ok(());
            }
            match (old, new) {
                (Some(b), Some(t)) if b != t => up.warnings.push(format!(
                    "{}: the scaffold changed it, but you deleted it; not restored",
                    slash(path)
                )),
                (None, Some(t)) => up.plan.put(path, t.clone())?,
                _ => {}
            }
            return Ok(());
        };
        // Both renderings in the user's line endings, and with the user's package block.
        let docker = path == Path::new("Dockerfile");
        let side = |bytes: &Vec<u8>| {
            let bytes = like(bytes, &ours);
            match docker {
                true => with_block_of(&bytes, &ours),
                false => bytes,
            }
        };
        let note = |what: &str| format!("{}: {what}", slash(path));
        match (old.map(&side), new.map(&side)) {
            (None, Some(t)) if t == ours => {}
            (None, Some(t)) if is_binary(&t) || is_binary(&ours) => up.warnings.push(note(
                "the scaffold adds it, and yours is different and binary; kept yours",
            )),
            (None, Some(t)) => {
                let merged = self.merger.merge(path, b"", &ours, &t, &self.marker)?;
                up.take(path, merged, [Vec::new(), ours, t])?;
            }
            (Some(b), None) if b == ours => up.plan.removals.push(path.clone()),
            (Some(_), None) => up.warnings.push(note(
                "the scaffold deleted it, but you changed it; kept (delete it yourself if you no longer need it)",
            )),
            (Some(b), Some(t)) if b == t || t == ours => {}
            (Some(b), Some(t)) if b == ours => up.plan.put(path, t)?,
            (Some(_), Some(t)) if is_binary(&ours) || is_binary(&t) => up.warnings.push(note(
                "binary, and changed both by you and by the scaffold; kept yours (binary files are never merged)",
            )),
            (Some(b), Some(t)) => {
                let merged = self.merger.merge(path, &b, &ours, &t, &self.marker)?;
                up.take(path, merged, [b, ours, t])?;
            }
            (None, None) => {}
        }
        Ok(())
    }
}

impl Update {
    /// Plans a merge's result, noting a conflict with its three sides (base, ours, theirs).
    fn take(
        &mut self,
        path: &Path,
        merged: Merged,
        [base, ours, theirs]: [Vec<u8>; 3],
    ) -> Result<()> {
        let bytes = match merged {
            Merged::Clean(b) => b,
            Merged::Conflict(b) => {
                self.conflicts.push(Conflict {
                    path: slash(path),
                    base,
                    ours,
                    theirs,
                });
                b
            }
        };
        self.plan.put(path, bytes)
    }

    /// The Dockerfile's block and packages_gen.go, rebuilt from the folders over the planned
    /// tree. A Dockerfile left with conflicts cannot be read for its block: then only
    /// packages_gen.go is rebuilt, and the user runs `scaffold sync` after resolving them.
    fn regenerate(&mut self, root: &Path) -> Result<()> {
        let module = go::gomod::module_of(root)?;
        if !self.conflicts.iter().any(|c| c.path == "Dockerfile") {
            let outcome = regen::plan(root, &module, &mut self.plan, Mode::default())?;
            self.warnings.extend(outcome.warnings);
            return Ok(());
        }
        let mut side = self.plan.clone();
        side.changes.retain(|c| c.path != Path::new("Dockerfile"));
        regen::plan(root, &module, &mut side, Mode::default())?;
        if let Some(gen) = side
            .changes
            .into_iter()
            .find(|c| c.path == Path::new(wiring::FILE))
        {
            self.plan.put(gen.path, gen.after)?;
        }
        self.warnings.push(
            "Dockerfile: resolve its conflicts, then run `scaffold sync` to rebuild its package block"
                .into(),
        );
        Ok(())
    }
}

/// The user's copy of a file; `None` when there is none.
fn read_ours(root: &Path, path: &Path) -> Result<Option<Vec<u8>>> {
    let full = root.join(path);
    if !full.is_file() {
        return Ok(None);
    }
    std::fs::read(&full)
        .map(Some)
        .with_context(|| format!("cannot read {}", full.display()))
}

/// [`read_ours`], noting a folder where the scaffold has a file.
fn read_ours_or_note(
    root: &Path,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Option<Vec<u8>>> {
    if root.join(path).is_dir() {
        warnings.push(format!(
            "{}: a folder in your repo, a file in the scaffold; kept yours",
            slash(path)
        ));
    }
    read_ours(root, path)
}

/// A rendered file in the line endings of the user's copy (CRLF on a Windows checkout), so
/// the merge sees only real changes.
fn like(rendered: &[u8], ours: &[u8]) -> Vec<u8> {
    let crlf = |b: &[u8]| b.windows(2).any(|w| w == b"\r\n");
    let (Ok(text), Ok(o)) = (std::str::from_utf8(rendered), std::str::from_utf8(ours)) else {
        return rendered.to_vec();
    };
    if crate::text::eol_of(o) == "\r\n" && !crlf(rendered) {
        return text.replace('\n', "\r\n").into_bytes();
    }
    rendered.to_vec()
}

/// A rendered Dockerfile with its package block replaced by the user's: the block is
/// regenerated after the merge, so neither side's version of it may conflict.
fn with_block_of(rendered: &[u8], ours: &[u8]) -> Vec<u8> {
    let (Ok(r), Ok(o)) = (std::str::from_utf8(rendered), std::str::from_utf8(ours)) else {
        return rendered.to_vec();
    };
    let (Ok(Some(rb)), Ok(Some(ob))) = (block::find(r), block::find(o)) else {
        return rendered.to_vec();
    };
    let rl: Vec<&str> = r.split_inclusive('\n').collect();
    let ol: Vec<&str> = o.split_inclusive('\n').collect();
    let mut out = String::with_capacity(r.len() + o.len());
    out.extend(rl[..rb.begin].iter().copied());
    out.extend(ol[ob.begin..=ob.end].iter().copied());
    out.extend(rl[rb.end + 1..].iter().copied());
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_comes_from_the_users_dockerfile() {
        let rendered = "FROM a\n# scaffold:packages begin\n# scaffold:packages end\nRUN b\n";
        let ours = "FROM x\nCOPY y\n# scaffold:packages begin sha=1\nCOPY p/ p/\n# scaffold:packages end\nRUN b\n";
        assert_eq!(
            String::from_utf8(with_block_of(rendered.as_bytes(), ours.as_bytes())).unwrap(),
            "FROM a\n# scaffold:packages begin sha=1\nCOPY p/ p/\n# scaffold:packages end\nRUN b\n"
        );
    }

    #[test]
    fn renders_take_the_users_line_endings() {
        assert_eq!(like(b"a\nb\n", b"x\r\ny\r\n"), b"a\r\nb\r\n");
        assert_eq!(like(b"a\nb\n", b"x\ny\n"), b"a\nb\n");
    }

    #[test]
    fn a_bare_ref_names_the_recorded_repository() {
        let origin = Origin {
            template: "file:///srv/acme.git#main".into(),
            commit: Some("abc".into()),
            ..Origin::builtin()
        };
        let config = Config::default();
        assert_eq!(
            target_spec(&origin, Some("v2"), &config).unwrap(),
            Spec::Git {
                url: "file:///srv/acme.git".into(),
                reference: Some("v2".into())
            }
        );
        assert_eq!(
            target_spec(&origin, None, &config).unwrap(),
            Spec::Git {
                url: "file:///srv/acme.git".into(),
                reference: Some("main".into())
            }
        );
        assert_eq!(
            target_spec(&Origin::builtin(), None, &config).unwrap(),
            Spec::Builtin
        );
        assert!(target_spec(&Origin::builtin(), Some("v2"), &config).is_err());
    }

    #[test]
    fn newness_is_another_commit_or_built_in_version() {
        let at = |c: &str| Origin {
            template: "file:///a#main".into(),
            commit: Some(c.into()),
            ..Origin::builtin()
        };
        assert!(!is_new(&at("1"), &at("1")));
        assert!(is_new(&at("1"), &at("2")));
        let v = |n| Origin {
            template_version: n,
            ..Origin::builtin()
        };
        assert!(!is_new(&v(None), &v(Some(1))));
        assert!(is_new(&v(Some(1)), &v(Some(2))));
        assert!(is_new(&v(Some(2)), &at("1")));
    }
}
