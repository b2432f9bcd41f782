//! The generated code against the real Go toolchain: gofmt, vet, test, `go mod tidy`, and the
//! plugin build on exactly the files the Dockerfile's builder stage copies, with controls that
//! must fail when a package's COPY line is missing.
//!
//! Needs `go` (and gcc, for cgo) on PATH; fails when it is missing unless SCAFFOLD_TEST_SKIP=go.

use crate::common::*;
use std::path::Path;

/// `gofmt -l .` lists nothing, `go vet ./...` and `go test ./...` pass.
#[track_caller]
fn fmt_vet_test(root: &Path) {
    assert_gofmt_clean(root);
    go_ok(root, &["vet", "./..."]);
    go_ok(root, &["test", "./..."]);
}

/// A copy of the repo whose Dockerfile lacks one line (a package's COPY line).
fn copy_without_line(root: &Path, line: &str) -> tempfile::TempDir {
    let copy = tmp();
    copy_tree(root, copy.path());
    let docker = read(copy.path().join("Dockerfile"));
    let needle = format!("{line}\n");
    assert!(docker.contains(&needle), "the Dockerfile has `{line}`");
    write(
        copy.path().join("Dockerfile"),
        docker.replacen(&needle, "", 1),
    );
    copy
}

/// A hand-written package that uses a nested package of its own.
fn write_stats(repo: &Repo) {
    repo.write(
        "stats/stats.go",
        "// Package stats was written by hand.
package stats

import (
	\"context\"
	\"database/sql\"

	\"github.com/heroiclabs/nakama-common/runtime\"

	\"example.com/game/stats/internal/calc\"
)

// Register adds the stats RPC.
func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {
	return initializer.RegisterRpc(\"stats_sum\", sum)
}

func sum(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, payload string) (string, error) {
	return calc.Describe(len(payload)), nil
}
",
    );
    repo.write(
        "stats/internal/calc/calc.go",
        "// Package calc is nested below stats.
package calc

import \"strconv\"

// Describe answers a JSON object with n.
func Describe(n int) string { return `{\"n\":` + strconv.Itoa(n) + `}` }
",
    );
    repo.write(
        "stats/internal/calc/calc_test.go",
        "package calc

import \"testing\"

func TestDescribe(t *testing.T) {
	if got := Describe(3); got != `{\"n\":3}` {
		t.Fatal(got)
	}
}
",
    );
}

#[test]
fn default_repo_vets_tests_and_builds_from_its_docker_context() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&[]);
    repo.run(&["add-package", "inventory"]).ok();
    write_stats(&repo);
    repo.run(&["sync"]).ok();
    assert_eq!(
        repo.block(),
        [
            "COPY inventory/ inventory/",
            "COPY profile/ profile/",
            "COPY stats/ stats/"
        ]
    );
    assert!(repo.read("packages_gen.go").contains("stats.Register("));

    fmt_vet_test(&repo.root);

    // The recorded go.mod and go.sum are what Go itself would write.
    let (gomod, gosum) = (repo.read("go.mod"), repo.read("go.sum"));
    go_ok(&repo.root, &["mod", "tidy"]);
    assert_eq!(repo.read("go.mod"), gomod, "go mod tidy changed go.mod");
    assert_eq!(repo.read("go.sum"), gosum, "go mod tidy changed go.sum");

    // The builder stage copies exactly enough: the plugin builds from those files alone.
    let (_out, workdir, built) = build_from_context(&repo.root);
    assert_eq!(
        built.code, 0,
        "plugin build in the Docker context: {built:#?}"
    );
    assert!(workdir.join("backend.so").is_file());
    assert!(workdir.join("stats/internal/calc/calc.go").is_file());
    assert!(
        !workdir.join("README.md").exists(),
        ".dockerignore is honoured"
    );
    assert!(!workdir.join("Dockerfile").exists(), "only what COPY names");

    // Control: without the stats COPY line the same build fails, naming the package.
    let broken = copy_without_line(&repo.root, "COPY stats/ stats/");
    let (_out, _, failed) = build_from_context(broken.path());
    assert_ne!(failed.code, 0, "built without stats/: {failed:#?}");
    // Go 1.26 says this for a dotted module path (not `does not contain package`).
    assert!(
        failed
            .stderr
            .contains("no required module provides package example.com/game/stats"),
        "{failed:#?}"
    );
}

#[test]
fn a_dotless_module_builds_and_its_missing_copy_is_not_in_std() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&["--module", "myproject"]);
    fmt_vet_test(&repo.root);
    let (_out, workdir, built) = build_from_context(&repo.root);
    assert_eq!(built.code, 0, "{built:#?}");
    assert!(workdir.join("backend.so").is_file());

    let broken = copy_without_line(&repo.root, "COPY profile/ profile/");
    let (_out, _, failed) = build_from_context(broken.path());
    assert_ne!(failed.code, 0);
    assert!(
        failed
            .stderr
            .contains("package myproject/profile is not in std"),
        "{failed:#?}"
    );
}

#[test]
fn a_repo_without_packages_compiles() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&["--no-package"]);
    fmt_vet_test(&repo.root);
    let (_out, workdir, built) = build_from_context(&repo.root);
    assert_eq!(built.code, 0, "{built:#?}");
    assert!(workdir.join("backend.so").is_file());
}

#[test]
fn packages_named_like_go_identifiers_in_the_wiring_compile() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&["--no-package", "--nakama", "3.37.1"]);
    // Names of packages_gen.go's own imports, parameters and variable.
    for name in [
        "db",
        "nk",
        "ctx",
        "logger",
        "initializer",
        "err",
        "runtime",
        "fmt",
        "context",
        "sql",
    ] {
        repo.run(&["add-package", name, "-q"]).ok();
    }
    // A folder whose package name differs from it, and a Register broken over lines.
    repo.write(
        "game-state/state.go",
        handmade_package("state", "state_get"),
    );
    repo.write(
        "multiline/multiline.go",
        "package multiline

import (
	\"context\"
	\"database/sql\"

	\"github.com/heroiclabs/nakama-common/runtime\"
)

// Register is written over several lines.
func Register(
	ctx context.Context,
	logger runtime.Logger,
	db *sql.DB,
	nk runtime.NakamaModule,
	initializer runtime.Initializer,
) error {
	return nil
}
",
    );
    repo.run(&["sync"]).ok();
    let gen = repo.read("packages_gen.go");
    assert!(gen.contains("multiline.Register("), "{gen}");
    assert!(gen.contains("state.Register("), "{gen}");
    fmt_vet_test(&repo.root);
    let (_out, _, built) = build_from_context(&repo.root);
    assert_eq!(built.code, 0, "{built:#?}");
}

#[test]
fn every_package_kind_compiles() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&[]);
    let list = repo.run(&["add-package", "--list-kinds"]).ok();
    let kinds: Vec<String> = list
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert!(kinds.contains(&"rpc".to_string()), "{list:#?}");
    for kind in &kinds {
        repo.run(&["add-package", &format!("k{kind}"), "--kind", kind, "-q"])
            .ok();
    }
    fmt_vet_test(&repo.root);
    let (_out, _, built) = build_from_context(&repo.root);
    assert_eq!(built.code, 0, "{built:#?}");
}

#[test]
fn recorded_go_sums_are_what_go_mod_tidy_writes() {
    if !go_required() {
        return;
    }
    let mut checked = Vec::new();
    // Every offered release has its go.sum recorded (that is what offered means).
    for release in scaffold::versions::offered() {
        let repo = Repo::new(&["--nakama", &release.nakama]);
        let (gomod, gosum) = (repo.read("go.mod"), repo.read("go.sum"));
        go_ok(&repo.root, &["mod", "tidy"]);
        assert_eq!(repo.read("go.mod"), gomod, "{}: go.mod", release.nakama);
        assert_eq!(repo.read("go.sum"), gosum, "{}: go.sum", release.nakama);
        checked.push(release.nakama.clone());
    }
    assert!(
        checked.contains(&"3.40.0".to_string()),
        "the default release has a recorded go.sum: {checked:?}"
    );
}

/// Every release `new` offers builds with that release's exact Go (the toolchain module from
/// the Go module proxy, as the pluginbuilder has it, `GOTOOLCHAIN=local` semantics for the go
/// line): `new` writes go.sum, and with a package of every kind added, gofmt, `go vet`, `go test`
/// and the plugin build pass.
#[test]
fn every_offered_release_builds_with_its_exact_go() {
    if !go_required() {
        return;
    }
    for release in scaffold::versions::offered() {
        let repo = Repo::new(&["--nakama", &release.nakama]);
        assert!(repo.path("go.sum").is_file(), "{}: go.sum", release.nakama);
        // Every kind's API (RegisterHttp, RegisterMatch, the hooks) is in this release's
        // nakama-common: add-package of any kind must build on any release new offers.
        for kind in ["http", "match", "hook"] {
            repo.run(&[
                "add-package",
                &format!("k{kind}"),
                "--kind",
                kind,
                "--quiet",
            ])
            .ok();
        }
        let toolchain = format!("go{}", release.go);
        let env: Vec<(&str, &str)> = GO_ENV
            .iter()
            .copied()
            .chain([("GOTOOLCHAIN", toolchain.as_str())])
            .collect();
        let version = sh(&repo.root, "go", &["env", "GOVERSION"], &env);
        assert_eq!(
            version.stdout.trim(),
            toolchain,
            "{}: {}",
            release.nakama,
            version.stderr
        );
        assert_gofmt_clean(&repo.root);
        for args in [&["vet", "./..."][..], &["test", "./..."], PLUGIN_BUILD] {
            let out = sh(&repo.root, "go", args, &env);
            assert_eq!(
                out.code, 0,
                "{} with {toolchain}: go {args:?}:\n{}",
                release.nakama, out.stderr
            );
        }
    }
}

/// The plugin load test, as Nakama does it: a host program built with the release's exact Go
/// (`-trimpath`, as the server is) that `plugin.Open`s a plugin and looks up `InitModule`.
const PLUGIN_HOST: &str = r#"package main

import (
	"fmt"
	"os"
	"plugin"
)

func main() {
	p, err := plugin.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := p.Lookup("InitModule"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("loaded")
}
"#;

/// The generated README's local plugin build (its "Build without Docker" command, run as the
/// README prints it) makes a plugin that loads into a host built with the release's Go, with
/// another Go installed. The control: the same plugin built by the installed Go (or, where
/// that is the release's, another offered release's Go) is refused by the host, the failure
/// the README's `GOTOOLCHAIN` prevents.
#[test]
fn the_readme_plugin_build_loads_into_a_host_of_the_release_go() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&[]);
    let release = scaffold::versions::default_release();
    let readme = repo.read("README.md");
    let section = readme
        .split("## Build without Docker")
        .nth(1)
        .expect("the README has a Build without Docker section");
    let command = section
        .lines()
        .find(|l| l.contains("-buildmode=plugin"))
        .expect("the section has the plugin build command");
    assert!(command.starts_with("GOTOOLCHAIN="), "{command}");
    // GOTOOLCHAIN left to the README's command; the rest as every Go command here runs.
    let env: Vec<(&str, &str)> = GO_ENV.to_vec();
    let built = sh(&repo.root, "bash", &["-c", command], &env);
    assert_eq!(built.code, 0, "{command}: {built:#?}");

    let toolchain = format!("go{}", release.go);
    fn with(go: &str) -> Vec<(&str, &str)> {
        let mut env = GO_ENV.to_vec();
        env.push(("GOTOOLCHAIN", go));
        env
    }
    let host_dir = tmp();
    let host = host_dir.path();
    write(host.join("go.mod"), "module host\n\ngo 1.21\n");
    write(host.join("main.go"), PLUGIN_HOST);
    let out = sh(
        host,
        "go",
        &["build", "-trimpath", "-o", "host", "."],
        &with(&toolchain),
    );
    assert_eq!(out.code, 0, "the host builds with {toolchain}: {out:#?}");
    let host_bin = host.join("host");
    let plugin = repo.path("backend.so");
    let plugin_arg = plugin.to_str().unwrap();
    let loaded = sh(host, host_bin.to_str().unwrap(), &[plugin_arg], &[]);
    assert_eq!(
        (loaded.code, loaded.stdout.as_str()),
        (0, "loaded\n"),
        "the README's plugin loads into a {toolchain} host: {loaded:#?}"
    );

    // The control: a plugin of another Go release is refused by the same host.
    let installed = sh(&repo.root, "go", &["env", "GOVERSION"], &with("local"));
    let other = match installed.stdout.trim() {
        v if !v.is_empty() && v != toolchain => "local".to_string(),
        _ => scaffold::versions::offered()
            .map(|r| format!("go{}", r.go))
            .find(|g| *g != toolchain)
            .expect("another offered release has another Go"),
    };
    let out = sh(&repo.root, "go", PLUGIN_BUILD, &with(&other));
    assert_eq!(out.code, 0, "the plugin builds with {other}: {out:#?}");
    let refused = sh(host, host_bin.to_str().unwrap(), &[plugin_arg], &[]);
    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused
            .stderr
            .contains("plugin was built with a different version of package"),
        "a {other} plugin is refused by a {toolchain} host: {refused:#?}"
    );
}
