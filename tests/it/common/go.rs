//! The real Go toolchain: every Go command the tests run, with one environment, and the
//! plugin build (also on exactly the files the Dockerfile's builder stage copies).

use super::{docker_context, sh, tmp, Out};
use std::path::{Path, PathBuf};

/// The environment every Go command runs with: GOFLAGS replaced (so no inherited `-mod=mod`
/// can add what go.mod and go.sum lack; Go's default for a module without vendor/ is
/// readonly, as in the pluginbuilder image), no workspace, cgo on for plugins.
pub const GO_ENV: &[(&str, &str)] = &[
    ("GOFLAGS", "-buildvcs=false"),
    ("GOWORK", "off"),
    ("CGO_ENABLED", "1"),
];

/// The plugin build of the generated Dockerfile: `go build -trimpath -buildmode=plugin -o
/// backend.so .`.
pub const PLUGIN_BUILD: &[&str] = &[
    "build",
    "-trimpath",
    "-buildmode=plugin",
    "-o",
    "backend.so",
    ".",
];

/// The Go toolchain, which these tests need (the CI machine has it). Failing loudly rather than
/// skipping keeps a missing Go from turning the Go checks into tests that cannot fail.
#[track_caller]
pub fn require_go() {
    let found = std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`go` is not on PATH: these tests build the plugin with the real toolchain (install Go, see scripts/setup.sh)"
    );
}

/// False only when `SCAFFOLD_TEST_SKIP` names `go`; panics when go is missing otherwise.
#[track_caller]
pub fn go_required() -> bool {
    if super::skip("go") {
        return false;
    }
    require_go();
    true
}

/// `go ARGS` in `dir`, with [`GO_ENV`].
pub fn go(dir: &Path, args: &[&str]) -> Out {
    sh(dir, "go", args, GO_ENV)
}

/// `go ARGS` in `dir`, which must succeed.
#[track_caller]
pub fn go_ok(dir: &Path, args: &[&str]) -> Out {
    let out = go(dir, args);
    assert_eq!(
        out.code,
        0,
        "go {args:?} in {} failed: {out:#?}",
        dir.display()
    );
    out
}

/// `gofmt -l .` in `dir` lists nothing.
#[track_caller]
pub fn assert_gofmt_clean(dir: &Path) {
    let fmt = sh(dir, "gofmt", &["-l", "."], &[]).ok();
    assert_eq!(fmt.stdout, "", "files gofmt would change");
}

/// Builds the plugin in `dir`, which must succeed and write backend.so.
#[track_caller]
pub fn build_plugin(dir: &Path) {
    require_go();
    let out = go(dir, PLUGIN_BUILD);
    assert!(
        out.code == 0,
        "the plugin does not build in {}:\n{}",
        dir.display(),
        out.stderr
    );
    assert!(dir.join("backend.so").is_file());
}

/// Lays out what the builder stage copies from `context` into a fresh folder and runs the
/// plugin build in its WORKDIR: (the folder, the WORKDIR, the build's output).
pub fn build_from_context(context: &Path) -> (tempfile::TempDir, PathBuf, Out) {
    let out_dir = tmp();
    let workdir = docker_context::lay_out(context, out_dir.path());
    let result = go(&workdir, PLUGIN_BUILD);
    (out_dir, workdir, result)
}
