//! `docker compose watch`: the generated docker-compose.yml's `develop.watch` section, loaded
//! by compose-go, the loader Docker Compose itself uses (schema, interpolation, consistency).
//! tests/support/composecheck is a small Go program around `loader.LoadWithContext`, pinned
//! to one compose-go release by its go.mod and go.sum; it prints each service's watch rules.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// composecheck, built once per test run into a folder kept for the run.
fn composecheck() -> &'static Path {
    static BUILT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, bin) = BUILT.get_or_init(|| {
        let dir = tmp();
        let bin = dir.path().join("composecheck");
        go_ok(
            &crate_path("tests/support/composecheck"),
            &["build", "-o", bin.to_str().unwrap(), "."],
        );
        (dir, bin)
    });
    bin
}

/// What compose-go makes of `file`: the services' build contexts and watch rules (JSON), or
/// its error.
fn load(file: &Path) -> Out {
    sh(
        file.parent().unwrap(),
        composecheck().to_str().unwrap(),
        &[file.to_str().unwrap()],
        &[],
    )
}

#[test]
fn the_generated_compose_file_loads_with_compose_go_and_watches_the_build() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&[]);
    let out = load(&repo.path("docker-compose.yml")).ok();
    assert_eq!(out.stderr, "", "compose-go warned: {out:#?}");
    let services: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let nakama = &services["nakama"];
    assert_eq!(nakama["build"], ".");
    // One rule: rebuild on anything in the build context (Go files, go.mod, go.sum,
    // local.yml, the Dockerfile), except what reaches the context but not the plugin.
    // .dockerignore's paths and .git compose leaves out by itself.
    assert_eq!(
        nakama["watch"],
        serde_json::json!([{
            "path": ".",
            "action": "rebuild",
            "ignore": ["**/*_test.go", "Makefile", ".github/", "scaffold.toml", ".gitignore", ".gitattributes"],
        }])
    );
    assert_eq!(services["postgres"]["watch"], serde_json::Value::Null);
    // Nothing ignored is something the Dockerfile copies.
    let docker = repo.read("Dockerfile");
    for ignored in [
        "Makefile",
        ".github",
        "scaffold.toml",
        ".gitignore",
        ".gitattributes",
        "_test.go",
    ] {
        assert!(!docker.contains(ignored), "the Dockerfile copies {ignored}");
    }
    assert!(
        repo.read("README.md").contains("docker compose watch"),
        "the README names `docker compose watch`"
    );
}

/// The loader is strict: a misspelt action or key in the watch section is an error, so the
/// test above cannot pass on a section compose would refuse.
#[test]
fn compose_go_refuses_a_broken_watch_section() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&[]);
    let compose = repo.read("docker-compose.yml");
    for (from, to, says) in [
        (
            "action: rebuild",
            "action: rebuilt",
            "action value must be one of",
        ),
        (
            "          ignore:",
            "          ignores:",
            "'ignores' not allowed",
        ),
    ] {
        assert!(compose.contains(from));
        repo.write("docker-compose.yml", compose.replace(from, to));
        let out = load(&repo.path("docker-compose.yml")).code(1);
        assert!(out.stderr.contains(says), "{out:#?}");
    }
}
