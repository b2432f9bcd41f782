//! doctor, `doctor --fix` and `sync --adopt` on the plugin repos people already have (issue
//! 23): a corpus of synthetic repos (`tests/fixtures/adopt/*/`), each modelled on a shape of
//! public Nakama Go plugin repos (the plugin in a subfolder beside a client with a compose file
//! at the root, per-file COPY, `-arm` tags, `latest`, tags that disagree, foreign package names,
//! hand-written COPY lines, unwired packages …) and labelled with its true problems, which a
//! real Go build of what its builder stage copies must bear out (as in [`super::doctor_corpus`]).
//!
//! Every command runs from the repo's root, as users run it. For each repo:
//! - doctor's verdict against the labels (precision and recall over the corpus);
//! - `doctor --fix` is never worse: the build that built still builds, no problem appears that
//!   was not there, and no problem it leaves is still advertised as one `--fix` makes;
//! - `sync --adopt` leaves a repo whose builder stage Go builds and whose packages are wired,
//!   or refuses and changes nothing; which of the two is labelled.
//!
//! labels.toml:
//! ```toml
//! shape = "what public repos this one is modelled on"
//! plugin = "server"        # the plugin's folder below the root (default: the root)
//! dockerfile = "deploy/x"  # the plugin's Dockerfile in that folder (default: Dockerfile)
//! go = "1.26.3"            # the builder's Go, as GOTOOLCHAIN=go<this> (default: local Go)
//! adopt = "builds"         # builds | refuses
//! [[problem]]              # as in tests/fixtures/doctor, paths relative to the plugin folder
//! id = "D011"
//! file = "profile/profile.go"
//! line = 15
//! breaks = "load"          # build | load | image
//! ```

use crate::common::{assert_same_tree, copy_tree, crate_path, scaffold, tmp, tree};
use crate::doctor_corpus::{build_stage, prefetch};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    shape: String,
    plugin: Option<String>,
    dockerfile: Option<String>,
    go: Option<String>,
    adopt: String,
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
}

/// One problem doctor reported: (id, file, line, message, fixable).
type Found = (String, String, usize, String, bool);

/// `scaffold doctor --json ROOT` (plus `extra`): its exit code and problems.
fn doctor(root: &Path, extra: &[&str]) -> (i32, Vec<Found>) {
    let out = scaffold()
        .arg("doctor")
        .args(extra)
        .arg("--json")
        .arg(root)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json {} printed no JSON ({e}): {}{}",
            root.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let problems = json["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("doctor could not run on {}: {json}", root.display()))
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or("").to_string(),
                p["file"].as_str().unwrap_or("").to_string(),
                p["line"].as_u64().unwrap_or(0) as usize,
                p["message"].as_str().unwrap_or("").to_string(),
                p["fixable"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    (code, problems)
}

/// A fresh copy of fixture `name` (labels.toml left out), with its modules fetched.
fn copy(name: &str, labels: &Labels) -> tempfile::TempDir {
    let dir = tmp();
    copy_tree(&crate_path("tests/fixtures/adopt").join(name), dir.path());
    std::fs::remove_file(dir.path().join("labels.toml")).unwrap();
    prefetch(&plugin_of(dir.path(), labels), &toolchain(labels));
    dir
}

fn plugin_of(root: &Path, labels: &Labels) -> std::path::PathBuf {
    root.join(labels.plugin.as_deref().unwrap_or("."))
}

fn toolchain(labels: &Labels) -> String {
    labels
        .go
        .as_ref()
        .map_or("local".to_string(), |v| format!("go{v}"))
}

/// Builds the builder stage of the plugin below `root` with the builder's Go.
fn build(root: &Path, labels: &Labels) -> Result<(), String> {
    build_stage(
        &plugin_of(root, labels),
        labels.dockerfile.as_deref(),
        labels.go.as_deref(),
    )
}

#[test]
fn doctor_fix_and_adopt_are_right_on_the_repos_people_have() {
    if !crate::common::go::go_required() {
        return;
    }
    let corpus = crate_path("tests/fixtures/adopt");
    let names = crate::doctor_corpus::labelled(&corpus, 15);
    let (mut labelled, mut found, mut right) = (0, 0, 0);
    let (mut adopted, mut refused, mut fixed) = (0, 0, 0);
    let mut failures = Vec::new();
    println!(
        "{:<32} {:>6} {:>5} {:>5} {:>7} {:>5} {:>8}",
        "repo", "labels", "found", "right", "go", "fixed", "adopt"
    );
    for name in &names {
        let text = std::fs::read_to_string(corpus.join(name).join("labels.toml")).unwrap();
        let labels: Labels =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/labels.toml: {e}"));
        assert!(!labels.shape.is_empty());
        assert!(
            ["builds", "refuses"].contains(&labels.adopt.as_str()),
            "{name}: adopt = {:?}",
            labels.adopt
        );
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));

        // The labels against a real build of the builder stage.
        let dir = copy(name, &labels);
        let root = dir.path();
        let built = build(root, &labels);
        let breaks = labels.problem.iter().any(|l| l.breaks == "build");
        if built.is_ok() == breaks {
            fail(format!(
                "labelled as {}, but the build {built:?}",
                if breaks {
                    "breaking the build"
                } else {
                    "building"
                }
            ));
        }

        // doctor from the root.
        let (_, before) = doctor(root, &[]);
        let mut open: Vec<&Label> = labels.problem.iter().collect();
        let mut wrong = Vec::new();
        for p in &before {
            match open
                .iter()
                .position(|l| l.id == p.0 && l.file == p.1 && l.line == p.2)
            {
                Some(i) => {
                    open.remove(i);
                }
                None => wrong.push(format!("{} {}:{} {}", p.0, p.1, p.2, p.3)),
            }
        }
        labelled += labels.problem.len();
        found += before.len();
        right += before.len() - wrong.len();
        for w in &wrong {
            println!("    false alarm: {w}");
        }
        for m in &open {
            println!("    missed: {} {}:{}", m.id, m.file, m.line);
        }

        // --fix from the root: never worse.
        let fix_dir = copy(name, &labels);
        let (_, _) = doctor(fix_dir.path(), &["--fix"]);
        let (_, after) = doctor(fix_dir.path(), &[]);
        let built_after = build(fix_dir.path(), &labels);
        if built.is_ok() && built_after.is_err() {
            fail(format!("--fix broke the build: {built_after:?}"));
        }
        let mut left: Vec<(&str, &str)> = before
            .iter()
            .map(|p| (p.0.as_str(), p.1.as_str()))
            .collect();
        for p in &after {
            match left.iter().position(|k| *k == (p.0.as_str(), p.1.as_str())) {
                Some(i) => {
                    left.swap_remove(i);
                }
                None => fail(format!("--fix added {} {}:{} {}", p.0, p.1, p.2, p.3)),
            }
            if p.4 {
                fail(format!(
                    "after --fix, {} {}:{} is still advertised as fixable: {}",
                    p.0, p.1, p.2, p.3
                ));
            }
        }
        let n_fixed = before.len().saturating_sub(after.len());
        fixed += n_fixed;

        // sync --adopt from the root: builds and wired, or nothing changed.
        let adopt_dir = copy(name, &labels);
        let root = adopt_dir.path();
        let untouched = tree(root);
        let out = scaffold()
            .args(["sync", "--adopt", "-C"])
            .arg(root)
            .output()
            .unwrap();
        let outcome = if out.status.success() {
            adopted += 1;
            if let Err(e) = build(root, &labels) {
                fail(format!("adopt exited 0, but the build fails: {e}"));
            }
            let (_, adopted_problems) = doctor(root, &[]);
            for p in adopted_problems.iter().filter(|p| p.0 == "D011") {
                fail(format!(
                    "adopt left a package unwired: {}:{} {}",
                    p.1, p.2, p.3
                ));
            }
            let df = std::fs::read_to_string(plugin_of(root, &labels).join("Dockerfile"))
                .unwrap_or_default();
            for line in df
                .lines()
                .filter(|l| l.starts_with("COPY ") && l.ends_with('/'))
            {
                if df.lines().filter(|l| *l == line).count() > 1 {
                    fail(format!("adopt copies twice: {line}"));
                }
            }
            "builds"
        } else {
            refused += 1;
            assert_same_tree(&untouched, &tree(root), &format!("{name}: a refused adopt"));
            "refuses"
        };
        if outcome != labels.adopt {
            fail(format!(
                "adopt {outcome}, labelled {}: {}",
                labels.adopt,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        println!(
            "{:<32} {:>6} {:>5} {:>5} {:>7} {:>5} {:>8}",
            name,
            labels.problem.len(),
            before.len(),
            before.len() - wrong.len(),
            if built.is_ok() { "builds" } else { "fails" },
            n_fixed,
            outcome
        );
    }
    let (precision, recall) = (
        crate::doctor_corpus::share(right, found),
        crate::doctor_corpus::share(right, labelled),
    );
    println!(
        "{} repos, {labelled} labelled problems, {found} found, {right} right: precision {:.1} %, recall {:.1} %; --fix fixed {fixed}; adopt built {adopted}, refused {refused} (changing nothing)",
        names.len(),
        precision * 100.0,
        recall * 100.0
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(precision >= 0.95, "precision {:.1} %", precision * 100.0);
    assert!(recall >= 0.95, "recall {:.1} %", recall * 100.0);
}

/// D003 quotes what the builder's Go really prints about the go line: Go before 1.21 cannot
/// parse a go line with a patch release (`invalid go version '1.23.7': must match format 1.23`,
/// not the `GOTOOLCHAIN=local` error of newer Go), and builds a newer `go 1.N` line anyway.
#[test]
fn the_go_line_message_is_the_builders_go_s_own() {
    let diagnose = |builder: &str, go: &str| {
        let dir = tmp();
        let root = dir.path();
        std::fs::write(
            root.join("go.mod"),
            format!("module example.com/g\n\ngo {go}\n\nrequire github.com/heroiclabs/nakama-common v1.47.0\n"),
        )
        .unwrap();
        std::fs::write(
            root.join("main.go"),
            "package main\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\n\t\"github.com/heroiclabs/nakama-common/runtime\"\n)\n\nfunc InitModule(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n\treturn nil\n}\n",
        )
        .unwrap();
        std::fs::write(
            root.join("Dockerfile"),
            format!("FROM {builder} AS builder\nWORKDIR /b\nCOPY . .\nRUN go build -trimpath -buildmode=plugin -o b.so .\n\nFROM heroiclabs/nakama:3.40.0\nCOPY --from=builder /b/b.so /nakama/data/modules/\n"),
        )
        .unwrap();
        let d =
            scaffold::doctor::diagnose_judged(&scaffold::doctor::Target::root(root), None).unwrap();
        let go_line: Vec<String> = d
            .findings
            .iter()
            .filter(|f| f.problem.file == "go.mod" && f.problem.line == 3)
            .map(|f| f.problem.message.clone())
            .collect();
        let notes: Vec<String> = d
            .warnings
            .iter()
            .filter(|n| n.file == "go.mod")
            .map(|n| n.message.clone())
            .collect();
        (go_line, notes)
    };
    let (old, _) = diagnose("golang:1.20.14", "1.23.7");
    assert!(
        old.iter()
            .any(|m| m.contains("invalid go version '1.23.7': must match format 1.23")),
        "{old:?}"
    );
    assert!(old.iter().all(|m| !m.contains("GOTOOLCHAIN")), "{old:?}");
    // `go 1.21` is advice to Go 1.20: it builds, so no problem, only a note.
    let (advice, notes) = diagnose("golang:1.20.14", "1.21");
    assert!(advice.is_empty(), "{advice:?}");
    assert!(
        notes.iter().any(|n| n.contains("builds it anyway")),
        "{notes:?}"
    );
    let (new, _) = diagnose("golang:1.22.0", "1.23.7");
    assert!(
        new.iter().any(|m| m.contains("GOTOOLCHAIN=local")),
        "{new:?}"
    );
}

/// From the root of a game repo whose plugin is in server/ (a web client beside it, the
/// compose file at the root building ./server), every command works on the plugin and says
/// where it is: doctor, `sync --adopt`, `add-package`, `sync --check`, `remove-package` and
/// `add-package` again to bring the package back; the plugin then builds.
#[test]
fn every_command_works_from_the_root_of_a_subfolder_plugin() {
    if !crate::common::go::go_required() {
        return;
    }
    let text = std::fs::read_to_string(crate_path(
        "tests/fixtures/adopt/subfolder-compose/labels.toml",
    ))
    .unwrap();
    let labels: Labels = toml::from_str(&text).unwrap();
    let dir = copy("subfolder-compose", &labels);
    let root = dir.path();
    let run = |args: &[&str]| crate::common::run_in(root, args);
    let doctor = run(&["doctor"]);
    assert!(
        doctor
            .stderr
            .contains("Plugin server/ (found through docker-compose.yml service `nakama`)"),
        "{}",
        doctor.stderr
    );
    assert!(doctor.stdout.contains("D011"), "{}", doctor.stdout);
    let adopt = run(&["sync", "--adopt"]).ok();
    assert!(adopt.stderr.contains("Plugin server/"), "{}", adopt.stderr);
    assert!(root.join("server/scaffold.toml").is_file());
    assert!(
        !root.join("scaffold.toml").exists(),
        "nothing is written at the root"
    );
    run(&["doctor"]).ok();
    let added = run(&["add-package", "lobby"]).ok();
    assert!(added.stderr.contains("Plugin server/"), "{}", added.stderr);
    assert!(root.join("server/lobby").is_dir());
    run(&["sync", "--check"]).ok();
    // A package taken out of the build comes back with one command, the one the warning names.
    let removed = run(&["remove-package", "lobby"]).ok();
    assert!(
        removed.stderr.contains("scaffold add-package lobby"),
        "{}",
        removed.stderr
    );
    run(&["add-package", "lobby"]).ok();
    let docker = std::fs::read_to_string(root.join("server/Dockerfile")).unwrap();
    assert!(docker.contains("COPY lobby/ lobby/"), "{docker}");
    run(&["sync", "--check"]).ok();
    run(&["doctor"]).ok();
    build(root, &labels).unwrap();
}

/// Two plugins below the root: each command lists them and asks for `-C`, changing nothing.
#[test]
fn several_plugins_are_listed_and_one_is_asked_for() {
    let dir = tmp();
    let root = dir.path();
    copy_tree(
        &crate_path("tests/fixtures/adopt/root-healthy"),
        &root.join("game-a"),
    );
    copy_tree(
        &crate_path("tests/fixtures/adopt/arm-tags"),
        &root.join("tools/game-b"),
    );
    let before = tree(root);
    for args in [&["doctor"][..], &["sync", "--adopt"], &["add-package", "x"]] {
        let out = crate::common::run_in(root, args);
        assert_ne!(out.code, 0, "{args:?}");
        assert!(
            out.stderr.contains("2 plugins")
                && out.stderr.contains("game-a/")
                && out.stderr.contains("tools/game-b/")
                && out.stderr.contains("-C"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert_same_tree(&before, &tree(root), "asking for -C");
}

/// A fix `--fix` declines (aligning the builder to a 3.38.0 server would give it Go 1.25.5,
/// older than the go line) is never advertised as one it makes: not by doctor, not after
/// `--fix`; the warning says why it was left.
#[test]
fn a_declined_fix_is_not_advertised() {
    if !crate::common::go::go_required() {
        return;
    }
    let text = std::fs::read_to_string(crate_path("tests/fixtures/adopt/root-healthy/labels.toml"))
        .unwrap();
    let labels: Labels = toml::from_str(&text).unwrap();
    let dir = copy("root-healthy", &labels);
    let root = dir.path();
    let edit = |file: &str, from: &str, to: &str| {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        std::fs::write(root.join(file), text.replace(from, to)).unwrap();
    };
    edit("go.mod", "v1.47.0", "v1.45.0");
    edit("go.mod", "go 1.26.5", "go 1.26.1");
    std::fs::write(
        root.join("go.sum"),
        std::fs::read_to_string(crate_path("scaffolds/gosum/3.38.0.sum")).unwrap(),
    )
    .unwrap();
    edit("Dockerfile", "nakama:3.40.0", "nakama:3.38.0");
    for args in [&[][..], &["--fix"]] {
        let (code, problems) = doctor(root, args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(problems.len(), 1, "{args:?}: {problems:?}");
        assert_eq!((problems[0].0.as_str(), problems[0].4), ("D003", false));
    }
    let out = crate::common::run_in(root, ["doctor"]);
    assert!(!out.stdout.contains("--fix does this"), "{}", out.stdout);
    assert!(!out.stderr.contains("fixable"), "{}", out.stderr);
    assert!(
        out.stderr.contains("--fix left the image tags alone"),
        "{}",
        out.stderr
    );
}
