//! The proof that doctor's fix is the right one: the seed repo from the bug report, laid out
//! exactly as the Dockerfile's builder stage copies it (tests/support/docker_context.py, an
//! independent model of Docker's COPY rules), fails to build with Go's own message; after
//! `scaffold doctor --fix` the same replay builds the plugin.
//!
//! Needs go (with cgo) and python3, and the Go module proxy for `go mod vendor`;
//! `SCAFFOLD_TEST_SKIP=go` skips it on machines without them.

use crate::common::{copy_tree, crate_path, docker_context, go, go_ok, output, scaffold};
use std::fs;
use std::path::{Path, PathBuf};

/// Replays the builder stage into a fresh folder with tests/support/docker_context.py (never
/// the small fallback model); returns the WORKDIR there.
fn lay_out(repo: &Path, out: &Path) -> PathBuf {
    docker_context::with_script(&docker_context::script_path(), repo, out)
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
    if !crate::common::go_required() {
        return;
    }
    let tmp = crate::common::tmp();
    let repo = tmp.path().join("repo");
    copy_tree(&crate_path("tests/fixtures/doctor/seed"), &repo);
    // go.sum as `go mod tidy` writes it for Nakama 3.40.0; vendor/ made as the thread did.
    fs::copy(
        crate_path("scaffolds/gosum/3.40.0.sum"),
        repo.join("go.sum"),
    )
    .unwrap();
    go_ok(&repo, &["mod", "vendor"]);

    let before = lay_out(&repo, &tmp.path().join("before"));
    assert!(
        !before.join("profile").exists(),
        "the seed Dockerfile copies no profile/"
    );
    let built = go(&before, &BUILD);
    let text = format!("{}{}", built.stdout, built.stderr);
    assert!(built.code != 0, "the seed repo built without the fix");
    assert!(
        text.contains("is not in std") || text.contains("import lookup disabled by -mod=vendor"),
        "unexpected failure: {text}"
    );

    output(scaffold().args(["doctor", "--fix"]).arg(&repo)).ok();

    let after = lay_out(&repo, &tmp.path().join("after"));
    assert!(after.join("profile/profile.go").is_file());
    let built = go(&after, &BUILD);
    assert!(
        built.code == 0,
        "the fixed repo does not build in its Docker context: {}{}",
        built.stdout,
        built.stderr
    );
    assert!(after.join("backend.so").is_file());
}
