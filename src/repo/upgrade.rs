//! `scaffold upgrade`'s operation: every file change of a move to another release (both image
//! tags, a golang builder image's tag, compose images, nakama-common, protobuf, the go line,
//! go.sum while it is the recorded one, scaffold.toml), planned in memory.

use crate::docker::images;
use crate::error::{bail, Context, Result};
use crate::go::gomod;
use crate::repo::plan::Plan;
use crate::repo::project;
use crate::versions;
use std::path::Path;

/// Image references pinned by digest: `retag` drops the digest (it names the old image).
pub fn digest_warnings(root: &Path, release: &versions::Release) -> Vec<String> {
    let mut out = Vec::new();
    for file in ["Dockerfile"].iter().chain(COMPOSE_FILES.iter()) {
        let Ok(text) = crate::files::read_to_string(&root.join(file)) else {
            continue;
        };
        for line in images::dropped_digests(&text, &release.nakama) {
            out.push(format!(
                "{file}:{line}: the image's @sha256 digest pinned the old release and was dropped; pin Nakama {} again with the digest `docker buildx imagetools inspect` shows",
                release.nakama
            ));
        }
    }
    out
}

const COMPOSE_FILES: [&str; 4] = [
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
];

/// Plans every file change of the move to `release`.
/// Refuses an upgrade that Go cannot follow in a repo that vendors its modules: vendor/ must
/// be rebuilt with `go mod vendor` once go.mod's pins move, or every `go build` and `go test`
/// (the generated CI's too) fails with `inconsistent vendoring`. Go is looked for only in a
/// repo that vendors.
pub fn refuse_stale_vendor(root: &Path, no_go: bool) -> Result<()> {
    if !root.join("vendor/modules.txt").is_file() {
        return Ok(());
    }
    let fix = if no_go {
        "drop --no-go"
    } else if !crate::go::tool::available() {
        "install Go (see the README's Install)"
    } else {
        return Ok(());
    };
    bail!(
        "this repo vendors its modules (vendor/modules.txt), and vendor/ must be rebuilt with `go mod vendor` after the upgrade, which needs Go: {fix}, then run this again; nothing was changed"
    )
}

pub fn plan(root: &Path, record: &project::Record, release: &versions::Release) -> Result<Plan> {
    let mut plan = Plan::new(root);
    let docker = crate::files::read_to_string(&root.join("Dockerfile"))
        .with_context(|| format!("no Dockerfile in {}", root.display()))?;
    // Literal tags, and the defaults of the ARGs that tags come from.
    let (moved, args) =
        images::retag_args(&images::retag(&docker, &release.nakama), &release.nakama);
    if images::find(&docker).is_empty() && args.is_empty() {
        bail!("the Dockerfile names no heroiclabs/nakama or heroiclabs/nakama-pluginbuilder image with a tag (or an ARG default) to move; write `FROM heroiclabs/nakama-pluginbuilder:{}` and `FROM heroiclabs/nakama:{0}`", release.nakama);
    }
    // A builder FROM golang moves with the go line (to the Go the server is built with), or
    // it would refuse the new go line (`go.mod requires go >= ...`); one whose tag names no
    // exact release cannot be moved, and is refused by name.
    let moved = images::retag_golang(&moved, &release.go);
    if let Some(g) = images::golang_images(&moved)
        .into_iter()
        .find(|g| g.exact.as_deref() != Some(release.go.as_str()))
    {
        bail!(
            "Dockerfile line {} builds FROM `{}`, which names no exact Go release, so the upgrade cannot move it with the go line (Nakama {} is built with Go {}); write `FROM golang:{}` or `FROM heroiclabs/nakama-pluginbuilder:{}` there, then run this again; nothing was changed",
            g.line,
            g.image,
            release.nakama,
            release.go,
            release.go,
            release.nakama
        );
    }
    plan.put("Dockerfile", moved)?;
    for compose in COMPOSE_FILES {
        if let Ok(text) = crate::files::read_to_string(&root.join(compose)) {
            plan.put(compose, images::retag(&text, &release.nakama))?;
        }
    }
    let gomod_text =
        crate::files::read_to_string(&root.join("go.mod")).context("cannot read go.mod")?;
    let mut text = gomod::set_require(&gomod_text, "github.com/heroiclabs/nakama-common", &release.nakama_common)
        .context("go.mod does not require github.com/heroiclabs/nakama-common; add it (`go get github.com/heroiclabs/nakama-common@VERSION`) first")?;
    if let Some(t) = gomod::set_require(&text, "google.golang.org/protobuf", &release.protobuf) {
        text = t;
    }
    plan.put("go.mod", gomod::set_go(&text, &release.go))?;
    // go.sum is replaced while it is still the one scaffold recorded; otherwise the release's
    // recorded hashes are added to the user's, so nakama-common's and protobuf's new hashes
    // are there even with --no-go (without them the build stops at `missing go.sum entry`).
    // `go mod tidy`, run after the write unless --no-go, then trims it.
    let old_release = versions::find(&record.project.nakama).ok();
    let current_sum = crate::files::read_to_string(&root.join("go.sum")).ok();
    if let Some(new_sum) = versions::go_sum(release) {
        let ours = old_release.and_then(versions::go_sum);
        match current_sum.as_deref() {
            Some(current) if Some(current) != ours => {
                plan.put("go.sum", gomod::add_sums(current, new_sum))?
            }
            _ => plan.put("go.sum", new_sum)?,
        }
    }
    // The generated README states the release, its nakama-common and its Go.
    if let (Some(old), Ok(text)) = (old_release, std::fs::read_to_string(root.join("README.md"))) {
        let mut text = text;
        for (from, to) in [
            (&old.nakama, &release.nakama),
            (&old.nakama_common, &release.nakama_common),
            (&old.go, &release.go),
        ] {
            text = crate::text::replace_version(&text, from, to);
        }
        plan.put("README.md", text)?;
    }
    let mut updated = record.clone();
    updated.project.nakama = release.nakama.clone();
    let text = crate::files::read_to_string(&root.join(project::FILE)).unwrap_or_default();
    plan.put(project::FILE, project::record_text(&text, &updated))?;
    Ok(plan)
}

/// The go steps that follow an upgrade: `go mod tidy`, and `go mod vendor` in a repo that
/// vendors.
pub fn go_steps(root: &Path) -> Vec<Vec<&'static str>> {
    let mut steps = vec![vec!["mod", "tidy"]];
    if root.join("vendor").is_dir() {
        steps.push(vec!["mod", "vendor"]);
    }
    steps
}

/// Runs one of [`go_steps`] in the repo.
pub fn run_go_step(root: &Path, step: &[&str]) -> Result<()> {
    match crate::go::tool::step(crate::go::tool::command(root), step) {
        Ok(_) => Ok(()),
        Err(f) => bail!(
            "{} failed after the upgrade was written (review it with `git diff`): {}",
            f.step,
            f.said
        ),
    }
}

/// What go.mod says after `go mod tidy`: a go line past the pluginbuilder's Go, or a module
/// Nakama shares raised by a dependency, each a build or a load that would fail.
pub fn after_tidy(root: &Path, release: &versions::Release) -> Result<Vec<String>> {
    // A dependency may have raised a module Nakama shares; say so, the plugin would not load.
    let after = crate::go::gomod::parse(&crate::files::read_to_string(&root.join("go.mod"))?)?;
    let mut warnings = Vec::new();
    // Or raised the go line past the pluginbuilder's Go, which refuses it (GOTOOLCHAIN=local).
    if let Some(go) = &after.go {
        use crate::go::GoVersion;
        let newer = match (GoVersion::parse(go), GoVersion::parse(&release.go)) {
            (Some(got), Some(want)) => got > want,
            _ => false,
        };
        if newer {
            warnings.push(format!("after `go mod tidy`, go.mod says `go {go}`, newer than Go {} in nakama-pluginbuilder:{}; the Docker build will fail with `go.mod requires go >= {go}` until the dependency that needs it is lowered (`go mod graph` shows it) and the go line is {} again", release.go, release.nakama, release.go));
        }
    }
    for (path, want) in [
        (
            "github.com/heroiclabs/nakama-common",
            &release.nakama_common,
        ),
        ("google.golang.org/protobuf", &release.protobuf),
    ] {
        if let Some(got) = after.require(path) {
            if got != want {
                warnings.push(format!("after `go mod tidy`, go.mod requires {path} {got}, but Nakama {} is built with {want}; the plugin will not load until they match", release.nakama));
            }
        }
    }
    Ok(warnings)
}

/// `upgrade --list`'s table: a header, then a row per known release, newest first, its last
/// column marking the repo's release (`current`) and those `--nakama` takes (`offered`).
pub fn table_text(current: Option<&str>) -> String {
    let mut text = format!(
        "{:<8} {:<14} {:<8} protobuf\n",
        "nakama", "nakama-common", "go"
    );
    for r in versions::releases() {
        let mark = match (current == Some(r.nakama.as_str()), r.not_offered()) {
            (true, _) => "current",
            (false, None) => "offered",
            (false, Some(_)) => "",
        };
        let row = format!(
            "{:<8} {:<14} {:<8} {:<10} {mark}",
            r.nakama, r.nakama_common, r.go, r.protobuf
        );
        text += row.trim_end();
        text.push('\n');
    }
    text
}
