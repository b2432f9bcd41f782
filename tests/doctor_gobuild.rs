//! The proof that doctor's fix is the right one: the seed repo from the bug report, laid out
//! exactly as the Dockerfile's builder stage copies it (tests/support/docker_context.py, an
//! independent model of Docker's COPY rules), fails to build with Go's own message; after
//! `scaffold doctor --fix` the same replay builds the plugin.
//!
//! Needs go (with cgo) and python3, and the Go module proxy for `go mod vendor`;
//! `SCAFFOLD_SKIP_GO_TESTS=1` skips it on machines without them.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn run(cwd: &Path, program: &str, args: &[&str]) -> (bool, String) {
    let o = Process::new(program)
        .current_dir(cwd)
        .args(args)
        .env("CGO_ENABLED", "1")
        .env("GOFLAGS", "-buildvcs=false")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// Replays the builder stage into a fresh folder; returns the WORKDIR there.
fn lay_out(repo: &Path, out: &Path) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/docker_context.py");
    let (ok, text) = run(
        repo,
        "python3",
        &[
            script.to_str().unwrap(),
            repo.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "docker_context.py failed: {text}");
    out.join(text.lines().last().unwrap_or(".").trim())
}

/// The seed Dockerfile's build line, as written there.
const BUILD: [&str; 6] = [
    "build",
    "--trimpath",
    "--mod=vendor",
    "--buildmode=plugin",
    "-o",
    "./backend.so",
];

#[test]
fn seed_repo_builds_in_the_docker_context_only_after_fix() {
    if std::env::var_os("SCAFFOLD_SKIP_GO_TESTS").is_some_and(|v| v == "1") {
        eprintln!("skipped: SCAFFOLD_SKIP_GO_TESTS=1");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_tree(&manifest.join("tests/fixtures/doctor/seed"), &repo);
    // go.sum as `go mod tidy` writes it for Nakama 3.40.0; vendor/ made as the thread did.
    fs::copy(
        manifest.join("scaffolds/gosum/3.40.0.sum"),
        repo.join("go.sum"),
    )
    .unwrap();
    let (ok, text) = run(&repo, "go", &["mod", "vendor"]);
    assert!(ok, "go mod vendor: {text}");

    let before = lay_out(&repo, &tmp.path().join("before"));
    assert!(
        !before.join("profile").exists(),
        "the seed Dockerfile copies no profile/"
    );
    let (ok, text) = run(&before, "go", &BUILD);
    assert!(!ok, "the seed repo built without the fix");
    assert!(
        text.contains("is not in std") || text.contains("import lookup disabled by -mod=vendor"),
        "unexpected failure: {text}"
    );

    let mut doctor = Command::cargo_bin("scaffold").unwrap();
    let o = doctor
        .args(["doctor", "--fix"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "doctor --fix: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    let after = lay_out(&repo, &tmp.path().join("after"));
    assert!(after.join("profile/profile.go").is_file());
    let (ok, text) = run(&after, "go", &BUILD);
    assert!(
        ok,
        "the fixed repo does not build in its Docker context: {text}"
    );
    assert!(after.join("backend.so").is_file());
}
