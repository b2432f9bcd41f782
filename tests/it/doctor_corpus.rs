//! Doctor against the truth: a corpus of synthetic plugin repos (`tests/fixtures/doctor/*/`),
//! each modelled on the shape of public Nakama Go plugin repos and labelled in `labels.toml`
//! with its true problems (check id, file, line). The test runs doctor over every repo, prints
//! each one's result and the corpus's precision and recall, and holds both at 95 % or more.
//!
//! The labels are themselves checked by a real build: what the Dockerfile's builder stage
//! copies is laid out by `tests/support/docker_context.py` (the project's independent model of
//! Docker's COPY rules) and built with Go, offline (`-trimpath -buildmode=plugin`, or the
//! fixture's own build line). A repo labelled with a problem that `breaks = "build"` must fail
//! that build; any other repo must build (`load` problems build and fail in Nakama, `image`
//! ones fail in Docker outside the Go build). With `SCAFFOLD_CORPUS_OCI=1` (or the path of a
//! `scripts/oci/build.sh`) and buildah installed, the repos on the 3.40.0 images are also
//! built for real, whole (so a missing image fails too).
//!
//! labels.toml:
//! ```toml
//! shape = "what public repos this one is modelled on"
//! setup = ["go mod vendor"]   # run in the copy first (vendor/ is never committed here)
//! dockerfile = "deploy/x.Dockerfile"  # doctor --dockerfile (default: Dockerfile)
//! target = "builder"          # the builder stage, when it is not the first
//! build = "go build ..."      # the build run in its WORKDIR (default: the plugin build)
//! go = "1.26.5"               # the builder's Go, as GOTOOLCHAIN=go<this> (default: local Go)
//! [[problem]]
//! id = "D001"
//! file = "Dockerfile"
//! line = 12
//! breaks = "build"            # build | load | image
//! says = "profile/"           # optional: a part of the message, to tell two apart
//! ```

use crate::common::{copy_tree, crate_path, tmp};
use scaffold::doctor::{self, report::Problem, Target};
use serde::Deserialize;
use std::path::Path;
use std::process::Command;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    shape: String,
    #[serde(default)]
    setup: Vec<String>,
    dockerfile: Option<String>,
    target: Option<String>,
    build: Option<String>,
    go: Option<String>,
    #[serde(default)]
    problem: Vec<Label>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Label {
    id: String,
    file: String,
    line: usize,
    breaks: String,
    says: Option<String>,
}

impl Label {
    fn matches(&self, p: &Problem) -> bool {
        p.id == self.id
            && p.file == self.file
            && p.line == self.line
            && self.says.as_ref().is_none_or(|s| p.message.contains(s))
    }
}

const PLUGIN_BUILD: &str = "go build -trimpath -buildmode=plugin -o backend.so .";

/// `sh -c script` in `dir`, offline, with the Go settings of the builder image.
fn sh(dir: &Path, script: &str, toolchain: &str) -> Result<(), String> {
    let out = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .envs(crate::common::go::GO_ENV.iter().copied())
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", toolchain)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err.lines().take(3).collect::<Vec<_>>().join(" | "))
    }
}

/// Fetches, online, what the offline build may need: the fixture's required modules and its Go
/// toolchain. A fresh CI machine starts with an empty module cache; the build itself stays
/// offline, so it can only use what the builder stage copied plus the cache, as in the image.
/// Failures are left for the build to report (some fixtures are broken on purpose).
pub(crate) fn prefetch(root: &Path, toolchain: &str) {
    for dir in [root.to_path_buf(), root.join("backend")] {
        let Ok(gomod) = std::fs::read(dir.join("go.mod")) else {
            continue;
        };
        // A scratch copy of go.mod (and go.sum): downloading must not change the fixture.
        let scratch = tmp();
        std::fs::write(scratch.path().join("go.mod"), gomod).unwrap();
        if let Ok(sum) = std::fs::read(dir.join("go.sum")) {
            std::fs::write(scratch.path().join("go.sum"), sum).unwrap();
        }
        let _ = Command::new("go")
            .args(["mod", "download"])
            .current_dir(scratch.path())
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", toolchain)
            .output();
    }
}

/// Lays out what the builder stage copies and builds it: `Err` with why it fails.
fn go_build(root: &Path, labels: &Labels) -> Result<(), String> {
    let out = tmp();
    let mut cmd = Command::new("python3");
    cmd.arg(crate::common::docker_context::script_path())
        .arg(format!(
            "--file={}",
            labels.dockerfile.as_deref().unwrap_or("Dockerfile")
        ))
        // The golang images, and so the pluginbuilder, start in /go.
        .arg("--default-workdir=/go");
    if let Some(t) = &labels.target {
        cmd.arg(format!("--target={t}"));
    }
    let laid = cmd
        .arg(root)
        .arg(out.path())
        .output()
        .expect("python3 runs");
    if !laid.status.success() {
        return Err(format!(
            "the builder stage stops at a COPY: {}",
            String::from_utf8_lossy(&laid.stderr).trim()
        ));
    }
    let workdir = out
        .path()
        .join(String::from_utf8_lossy(&laid.stdout).trim());
    let toolchain = labels
        .go
        .as_ref()
        .map_or("local".to_string(), |v| format!("go{v}"));
    sh(
        &workdir,
        labels.build.as_deref().unwrap_or(PLUGIN_BUILD),
        &toolchain,
    )
}

/// [`go_build`] for another corpus: the plugin at `root`, built with its `dockerfile` (default
/// `Dockerfile`) and the builder's Go `go` (default: local Go).
pub(crate) fn build_stage(
    root: &Path,
    dockerfile: Option<&str>,
    go: Option<&str>,
) -> Result<(), String> {
    let labels = Labels {
        shape: String::new(),
        setup: Vec::new(),
        dockerfile: dockerfile.map(str::to_string),
        target: None,
        build: None,
        go: go.map(str::to_string),
        problem: Vec::new(),
    };
    go_build(root, &labels)
}

/// The real builder, when asked for and there: `Some(built)`.
fn oci_build(root: &Path, labels: &Labels) -> Option<bool> {
    // `1`: the repo's own scripts/oci/build.sh; a path: that build.sh.
    let asked = std::env::var("SCAFFOLD_CORPUS_OCI").ok()?;
    let script = match asked.as_str() {
        "1" => crate_path("scripts/oci/build.sh"),
        path => std::path::PathBuf::from(path),
    };
    let buildah = Command::new("buildah")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !buildah || !script.is_file() || labels.dockerfile.is_some() {
        return None;
    }
    // Only the release whose stand-in images exist: every FROM a 3.40.0 heroiclabs image.
    let text = std::fs::read_to_string(root.join("Dockerfile")).ok()?;
    let stock = text
        .lines()
        .filter(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM "))
        .all(|l| l.contains("heroiclabs/") && l.contains(":3.40.0") || !l.contains(':'));
    if !stock {
        return None;
    }
    let out = Command::new("bash").arg(script).arg(root).output().ok()?;
    Some(out.status.success())
}

struct Row {
    name: String,
    labels: usize,
    found: usize,
    right: usize,
    wrong: Vec<String>,
    missed: Vec<String>,
    build: String,
    /// buildah's verdict, when it ran.
    oci: Option<bool>,
}

/// `part` of `whole` as a fraction; 1 when there is nothing to be right about.
pub(crate) fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The repos of a corpus folder (each with its labels.toml), sorted; at least `min` of them.
pub(crate) fn labelled(corpus: &std::path::Path, min: usize) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("labels.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= min,
        "the corpus has {} repos; it needs at least {min}",
        names.len()
    );
    names
}

#[test]
fn doctor_is_right_on_the_corpus() {
    if !crate::common::go::go_required() {
        return;
    }
    let corpus = crate_path("tests/fixtures/doctor");
    let names = labelled(&corpus, 20);
    let mut rows = Vec::new();
    let mut unsound = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(corpus.join(name).join("labels.toml")).unwrap();
        let labels: Labels =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/labels.toml: {e}"));
        assert!(!labels.shape.is_empty());
        let dir = tmp();
        copy_tree(&corpus.join(name), dir.path());
        std::fs::remove_file(dir.path().join("labels.toml")).unwrap();
        let toolchain = labels
            .go
            .as_ref()
            .map_or("local".to_string(), |v| format!("go{v}"));
        prefetch(dir.path(), &toolchain);
        for step in &labels.setup {
            let mut env = Command::new("sh");
            env.args(["-c", step])
                .current_dir(dir.path())
                .env("GOFLAGS", "-mod=mod")
                .env("GOPROXY", "off");
            let out = env.output().unwrap();
            assert!(out.status.success(), "{name}: setup `{step}` failed");
        }

        let df = labels.dockerfile.as_ref().map(|d| dir.path().join(d));
        let target = Target::with_dockerfile(dir.path(), df.as_deref());
        let problems = doctor::diagnose_target(&target)
            .unwrap_or_else(|e| panic!("{name}: doctor could not run: {e}"))
            .report()
            .problems;
        let mut open: Vec<&Label> = labels.problem.iter().collect();
        let mut wrong = Vec::new();
        for p in &problems {
            match open.iter().position(|l| l.matches(p)) {
                Some(i) => {
                    open.remove(i);
                }
                None => wrong.push(format!("{} {}:{} {}", p.id, p.file, p.line, p.message)),
            }
        }
        let missed: Vec<String> = open
            .iter()
            .map(|l| format!("{} {}:{}", l.id, l.file, l.line))
            .collect();

        // The labels against the build.
        let breaks = labels.problem.iter().any(|l| l.breaks == "build");
        let built = go_build(dir.path(), &labels);
        let build = match (&built, breaks) {
            (Ok(()), false) => "builds".to_string(),
            (Err(_), true) => "fails".to_string(),
            (Ok(()), true) => {
                unsound.push(format!(
                    "{name}: labelled as breaking the build, but it builds"
                ));
                "BUILDS".to_string()
            }
            (Err(e), false) => {
                unsound.push(format!("{name}: labelled as building, but: {e}"));
                "FAILS".to_string()
            }
        };
        for l in &labels.problem {
            assert!(
                ["build", "load", "image"].contains(&l.breaks.as_str()),
                "{name}: breaks = {:?}",
                l.breaks
            );
        }
        let oci = oci_build(dir.path(), &labels);
        if let Some(ok) = oci {
            let fails = labels
                .problem
                .iter()
                .any(|l| l.breaks == "build" || l.breaks == "image");
            if ok == fails {
                unsound.push(format!(
                    "{name}: buildah {} it, the labels say otherwise",
                    if ok { "builds" } else { "fails on" }
                ));
            }
        }
        rows.push(Row {
            name: name.clone(),
            labels: labels.problem.len(),
            found: problems.len(),
            right: problems.len() - wrong.len(),
            wrong,
            missed,
            build,
            oci,
        });
    }

    println!(
        "{:<24} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7}",
        "repo", "labels", "found", "right", "missed", "go", "buildah"
    );
    for r in &rows {
        let oci = match r.oci {
            None => "-",
            Some(true) => "builds",
            Some(false) => "fails",
        };
        println!(
            "{:<24} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7}",
            r.name,
            r.labels,
            r.found,
            r.right,
            r.missed.len(),
            r.build,
            oci
        );
        for w in &r.wrong {
            println!("    false alarm: {w}");
        }
        for m in &r.missed {
            println!("    missed: {m}");
        }
    }
    let found: usize = rows.iter().map(|r| r.found).sum();
    let right: usize = rows.iter().map(|r| r.right).sum();
    let labelled: usize = rows.iter().map(|r| r.labels).sum();
    let (precision, recall) = (share(right, found), share(right, labelled));
    println!(
        "{} repos, {labelled} labelled problems, {found} found, {right} right: precision {:.1} %, recall {:.1} %",
        rows.len(),
        precision * 100.0,
        recall * 100.0
    );
    assert!(
        unsound.is_empty(),
        "labels the build disproves:\n{}",
        unsound.join("\n")
    );
    assert!(
        precision >= 0.95,
        "precision {:.1} % < 95 %",
        precision * 100.0
    );
    assert!(recall >= 0.95, "recall {:.1} % < 95 %", recall * 100.0);
}
