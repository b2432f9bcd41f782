//! `upgrade` keeps every stated fact true: image tags that come from an `ARG` move with the
//! literal ones, and the generated README's release, nakama-common and Go move too.

use crate::common::*;

#[test]
fn upgrade_moves_arg_defined_tags_and_the_readme_facts() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let docker = read(root.join("Dockerfile"))
        .replace(
            "FROM heroiclabs/nakama-pluginbuilder:3.37.1 AS builder",
            "ARG NAKAMA_VERSION=3.37.1\nFROM heroiclabs/nakama-pluginbuilder:${NAKAMA_VERSION} AS builder",
        )
        .replace(
            "FROM heroiclabs/nakama:3.37.1",
            "FROM heroiclabs/nakama:${NAKAMA_VERSION}",
        );
    write(root.join("Dockerfile"), &docker);
    let readme = read(root.join("README.md"));
    assert!(readme.contains("Nakama 3.37.1") && readme.contains("nakama-common v1.44.2"));
    commit_all(&root, "ARG tags");
    run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    assert_eq!(
        read(root.join("Dockerfile")),
        docker.replace("ARG NAKAMA_VERSION=3.37.1", "ARG NAKAMA_VERSION=3.40.0")
    );
    let readme = read(root.join("README.md"));
    for (old, new) in [
        ("3.37.1", "3.40.0"),
        ("v1.44.2", "v1.47.0"),
        ("1.25.5", "1.26.5"),
    ] {
        assert!(!readme.contains(old), "README still says {old}:\n{readme}");
        assert!(readme.contains(new), "README lacks {new}");
    }
}

// ---- `releases --refresh` against a local file-system module proxy ----

/// A proxy holding a fabricated Nakama 3.41.0 (nakama-common v1.48.0, Go 1.26.5) and the
/// modules its go.sum needs.
fn fabricated_proxy(nakama_gomod: &str) -> tempfile::TempDir {
    let proxy = tmp();
    let p = proxy.path();
    publish(
        p,
        "github.com/heroiclabs/nakama/v3",
        "v3.41.0",
        nakama_gomod,
        &[
            (
                "build/Dockerfile",
                "FROM golang:1.26.5-bookworm AS builder\nRUN go build .\nFROM debian:bookworm\n",
            ),
            (
                "build/pluginbuilder/Dockerfile",
                "FROM golang:1.26.5-bookworm\nWORKDIR /builder\n",
            ),
        ],
    );
    publish(
        p,
        "github.com/heroiclabs/nakama-common",
        "v1.48.0",
        "module github.com/heroiclabs/nakama-common\n\ngo 1.26.5\n\nrequire google.golang.org/protobuf v1.36.11\n",
        &[("runtime/runtime.go", "package runtime\n\n// Initializer is fabricated for the test.\ntype Initializer interface{}\n")],
    );
    publish(
        p,
        "google.golang.org/protobuf",
        "v1.36.11",
        "module google.golang.org/protobuf\n\ngo 1.21\n",
        &[("proto/proto.go", "package proto\n")],
    );
    proxy
}

const NAKAMA_3_41_GOMOD: &str = "module github.com/heroiclabs/nakama/v3\n\ngo 1.26.5\n\nrequire (\n\tgithub.com/heroiclabs/nakama-common v1.48.0\n\tgoogle.golang.org/protobuf v1.36.11\n)\n";

/// `scaffold` with the Go environment pointed at `proxy` (checksum database off for the
/// fabricated modules, a module cache and a user cache of its own).
fn with_proxy(cmd: &mut assert_cmd::Command, proxy: &str, home: &std::path::Path) {
    cmd.env("GOPROXY", proxy)
        .env("GOSUMDB", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOMODCACHE", home.join("gomod"))
        .env("GOFLAGS", "-modcacherw")
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"));
}

#[test]
fn refresh_learns_a_new_release_that_new_then_uses() {
    require_go();
    let proxy = fabricated_proxy(NAKAMA_3_41_GOMOD);
    let home = tmp();
    let url = format!("file://{}", proxy.path().display());
    let mut cmd = scaffold();
    with_proxy(&mut cmd, &url, home.path());
    let out = output(cmd.args(["releases", "--refresh"]));
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        out.stderr.contains(
            "Learned Nakama 3.41.0 (nakama-common v1.48.0, Go 1.26.5, protobuf v1.36.11)"
        ),
        "{out:#?}"
    );
    let cached = read(home.path().join("cache/scaffold/releases/releases.toml"));
    assert!(cached.contains("nakama = \"3.41.0\""), "{cached}");
    let sum = read(home.path().join("cache/scaffold/releases/3.41.0.sum"));
    assert!(
        sum.contains("github.com/heroiclabs/nakama-common v1.48.0 h1:"),
        "{sum}"
    );

    // Every command now knows it; `new` uses it, with its go.sum.
    let mut cmd = scaffold();
    with_proxy(&mut cmd, &url, home.path());
    let listed = output(cmd.args(["releases"])).ok().stdout;
    assert!(
        listed.lines().nth(1).unwrap().starts_with("3.41.0"),
        "{listed}"
    );
    let mut cmd = scaffold();
    with_proxy(&mut cmd, &url, home.path());
    output(
        cmd.current_dir(home.path())
            .args(["new", "game", "--yes", "--no-git", "--nakama", "3.41.0"]),
    )
    .ok();
    let game = home.path().join("game");
    assert_eq!(read(game.join("go.sum")), sum);
    assert!(read(game.join("go.mod")).contains("nakama-common v1.48.0"));
    assert!(read(game.join("Dockerfile")).contains("nakama-pluginbuilder:3.41.0 AS builder"));

    // A second refresh finds nothing newer.
    let mut cmd = scaffold();
    with_proxy(&mut cmd, &url, home.path());
    let out = output(cmd.args(["releases", "--refresh"])).ok();
    assert!(
        out.stderr
            .contains("Checked the Go module proxy: no Nakama release newer than the known ones"),
        "{out:#?}"
    );
    let mut cmd = scaffold();
    with_proxy(&mut cmd, &url, home.path());
    let r = output(cmd.args(["--json", "releases", "--refresh"])).report();
    assert_eq!(r["releases"], serde_json::json!([]));

    // With --json, a refresh reports the rows it learned (here on a machine that knew none).
    let other = tmp();
    let mut cmd = scaffold();
    with_proxy(&mut cmd, &url, other.path());
    let out = output(cmd.args(["--json", "releases", "--refresh"]));
    assert_eq!(out.stderr, "");
    let r = out.report();
    assert_eq!(r["command"], "releases");
    let learned = r["releases"].as_array().unwrap();
    assert_eq!(learned.len(), 1, "{r:#?}");
    assert_eq!(learned[0]["nakama"], "3.41.0");
    assert_eq!(learned[0]["offered"], true);
}

#[test]
fn a_malformed_or_unreachable_proxy_leaves_the_cache_unchanged() {
    require_go();
    let home = tmp();
    let cache = home.path().join("cache/scaffold/releases");
    write(cache.join("releases.toml"), "# kept\n");
    let malformed = fabricated_proxy("module github.com/heroiclabs/nakama/v3\n\ngo 1.26.5\n");
    for (proxy, says) in [
        (
            format!("file://{}", malformed.path().display()),
            "malformed: its go.mod requires no nakama-common",
        ),
        ("http://127.0.0.1:9".to_string(), "did not answer"),
    ] {
        let mut cmd = scaffold();
        with_proxy(&mut cmd, &proxy, home.path());
        let out = output(cmd.args(["releases", "--refresh"]));
        assert_eq!(out.code, 1, "{out:#?}");
        let mut cmd = scaffold();
        with_proxy(&mut cmd, &proxy, home.path());
        let json = output(cmd.args(["--json", "releases", "--refresh"])).checked_json();
        assert_eq!(json["error"]["code"], 1, "{json:#}");
        assert!(
            out.stderr.contains(says) && out.stderr.contains("cached release table is unchanged"),
            "{out:#?}"
        );
        assert_eq!(read(cache.join("releases.toml")), "# kept\n");
    }
}

#[test]
fn releases_lists_every_row_with_why_it_is_not_offered() {
    let out = output(scaffold().args(["--json", "releases"])).ok();
    let json = out.json();
    assert_follows_schema(&json);
    let rows = json["releases"].as_array().unwrap();
    assert_eq!(rows.len(), release_table().len());
    let row = |v: &str| rows.iter().find(|r| r["nakama"] == v).unwrap().clone();
    assert_eq!(row("3.40.0")["offered"], true);
    assert_eq!(row("3.38.0")["offered"], false);
    assert_eq!(row("3.38.0")["pluginbuilder_go"], "1.25.5");
    assert!(row("3.36.0")["why_not"]
        .as_str()
        .unwrap()
        .contains("no go.sum"));
    let text = output(scaffold().args(["releases"])).ok().stdout;
    assert!(text
        .lines()
        .any(|l| l.starts_with("3.0.0") && l.contains("not offered")));
}

// ---- the releases cache is input like any other ----

/// A cached row for Nakama 3.99.0 with these nakama-common and Go versions.
fn cached_row(nakama: &str, common: &str, go: &str) -> String {
    format!(
        "[[release]]\nnakama = {nakama:?}\nnakama_common = {common:?}\ngo = {go:?}\nprotobuf = \"v1.36.11\"\n"
    )
}

/// `new game` with the user's cache at `cache`; ended after 60 s (a FIFO read would hang).
fn new_with_cache(cache: &std::path::Path, work: &std::path::Path) -> Out {
    let mut cmd = scaffold();
    cmd.current_dir(work)
        .env("XDG_CACHE_HOME", cache)
        .env("XDG_CONFIG_HOME", cache.join("config"))
        .args(["new", "game", "--yes", "--no-git", "--no-package"])
        .timeout(std::time::Duration::from_secs(60));
    output(&mut cmd)
}

/// A crafted cache (a version with a line break, a path for a version, a go.sum with a bad
/// hash or an extra line, a FIFO for a file) is read as input: each bad row or file is
/// dropped with a warning naming it, and `new` makes the repo from the built-in table.
#[cfg(unix)]
#[test]
fn a_crafted_releases_cache_is_dropped_row_by_row_with_a_warning() {
    let good_sum = read(crate_path("scaffolds/gosum/3.40.0.sum"));
    let fifo = "FIFO";
    let cases: [(&str, String, String, &str); 6] = [
        (
            "newline",
            cached_row(
                "3.99.0",
                "v1.47.0\nreplace github.com/heroiclabs/nakama-common => ./evil",
                "1.26.5",
            ),
            good_sum.clone(),
            "nakama_common",
        ),
        (
            "path",
            cached_row("../../../../tmp/x", "v1.47.0", "1.26.5"),
            good_sum.clone(),
            "nakama",
        ),
        (
            "go",
            cached_row("3.99.0", "v1.47.0", "1.26.5\nreplace x => ./y"),
            good_sum.clone(),
            "go",
        ),
        (
            "hash",
            cached_row("3.99.0", "v1.47.0", "1.26.5"),
            format!("{good_sum}github.com/evil/x v1.0.0 h1:not-base64\n"),
            "3.99.0.sum",
        ),
        (
            "fifo-table",
            fifo.to_string(),
            good_sum.clone(),
            "releases.toml",
        ),
        (
            "fifo-sum",
            cached_row("3.99.0", "v1.47.0", "1.26.5"),
            fifo.to_string(),
            "3.99.0.sum",
        ),
    ];
    for (name, table, sum, names) in cases {
        let home = tmp();
        let cache = home.path().join("cache");
        let dir = cache.join("scaffold/releases");
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in [("releases.toml", &table), ("3.99.0.sum", &sum)] {
            if text == fifo {
                nix::unistd::mkfifo(&dir.join(file), nix::sys::stat::Mode::S_IRWXU).unwrap();
            } else {
                write(dir.join(file), text);
            }
        }
        let out = new_with_cache(&cache, home.path());
        assert_eq!(out.code, 0, "{name}: {out:#?}");
        let warning = out
            .stderr
            .lines()
            .find(|l| l.starts_with("warning: the releases cache"))
            .unwrap_or_else(|| panic!("{name}: no warning: {out:#?}"));
        assert!(warning.contains(names), "{name}: {warning}");
        let gomod = read(home.path().join("game/go.mod"));
        assert!(!gomod.contains("replace"), "{name}: {gomod}");
        assert!(gomod.contains("nakama-common v1.47.0\n"), "{name}: {gomod}");
        assert_eq!(read(home.path().join("game/go.sum")), good_sum, "{name}");
        assert!(
            read(home.path().join("game/scaffold.toml")).contains("nakama = \"3.40.0\""),
            "{name}"
        );
    }
}
