//! `scaffold upgrade`: every pin moves together, the diff is shown, refusals leave the tree
//! untouched, and the upgraded repo builds its plugin against the new nakama-common.

use crate::common::*;
use std::path::Path;

/// The go.mod `scaffold new` writes for a release (the template, filled in by hand here).
fn go_mod(release: &Row) -> String {
    format!(
        "module example.com/game\n\ngo {}\n\nrequire github.com/heroiclabs/nakama-common {}\n\nrequire google.golang.org/protobuf {} // indirect\n",
        release.go, release.nakama_common, release.protobuf
    )
}

/// A compose file naming the server image two ways, besides the template's `build: .`.
const COMPOSE_EXTRA: &str = "  nakama-prebuilt:\n    image: \"heroiclabs/nakama:3.30.0\"\n  nakama-env:\n    image: ${NAKAMA_IMAGE:-heroiclabs/nakama:3.30.0}\n";

#[test]
fn moves_every_pin_and_prints_the_diff() {
    let (_tmp, root) = new_repo("3.30.0", &[]);
    let old = row("3.30.0");
    let new = row("3.40.0");
    assert_eq!(
        read(root.join("go.mod")),
        go_mod(&old),
        "the repo starts on 3.30.0"
    );
    let compose = read(root.join("docker-compose.yml"))
        .replace("\nvolumes:\n", &format!("{COMPOSE_EXTRA}\nvolumes:\n"));
    assert!(compose.contains("nakama-env"));
    write(root.join("docker-compose.yml"), &compose);
    commit_all(&root, "compose images");
    let dockerfile = read(root.join("Dockerfile"));
    let record = read(root.join("scaffold.toml"));
    let before = snapshot(&root);

    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();

    // Both image tags, and only them, move in the Dockerfile.
    assert_eq!(
        read(root.join("Dockerfile")),
        dockerfile
            .replace(
                "FROM heroiclabs/nakama-pluginbuilder:3.30.0 AS builder",
                "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder"
            )
            .replace(
                "FROM heroiclabs/nakama:3.30.0\n",
                "FROM heroiclabs/nakama:3.40.0\n"
            )
    );
    assert!(!read(root.join("Dockerfile")).contains("3.30.0"));
    // Every Nakama image in compose moves; the text around it stays.
    assert_eq!(
        read(root.join("docker-compose.yml")),
        compose.replace("heroiclabs/nakama:3.30.0", "heroiclabs/nakama:3.40.0")
    );
    assert!(read(root.join("docker-compose.yml"))
        .contains("image: ${NAKAMA_IMAGE:-heroiclabs/nakama:3.40.0}\n"));
    // nakama-common, protobuf and the go line, from the table.
    assert_ne!(old.protobuf, new.protobuf, "this case moves protobuf too");
    assert_eq!(read(root.join("go.mod")), go_mod(&new));
    // go.sum was still the recorded one, so it is replaced by the new release's.
    assert_eq!(
        read(root.join("go.sum")),
        crate_file("scaffolds/gosum/3.40.0.sum")
    );
    assert_eq!(
        read(root.join("scaffold.toml")),
        record.replace("nakama = \"3.30.0\"", "nakama = \"3.40.0\"")
    );
    assert_eq!(
        changed_paths(&before, &snapshot(&root)),
        [
            "Dockerfile",
            "README.md",
            "docker-compose.yml",
            "go.mod",
            "go.sum",
            "scaffold.toml"
        ]
    );

    // The diff is on stdout, one section per file.
    let diff = out.stdout;
    for line in [
        "--- a/Dockerfile",
        "+++ b/Dockerfile",
        "-FROM heroiclabs/nakama-pluginbuilder:3.30.0 AS builder",
        "+FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder",
        "-FROM heroiclabs/nakama:3.30.0",
        "+FROM heroiclabs/nakama:3.40.0",
        "+    image: \"heroiclabs/nakama:3.40.0\"",
        "-go 1.24.5",
        "+go 1.26.5",
        "-require github.com/heroiclabs/nakama-common v1.40.0",
        "+require github.com/heroiclabs/nakama-common v1.47.0",
        "-require google.golang.org/protobuf v1.36.6 // indirect",
        "+require google.golang.org/protobuf v1.36.11 // indirect",
        "--- a/go.sum",
        "-nakama = \"3.30.0\"",
        "+nakama = \"3.40.0\"",
    ] {
        assert!(
            diff.lines().any(|l| l == line),
            "the diff lacks `{line}`:\n{diff}"
        );
    }
    assert_eq!(diff.matches("--- a/Dockerfile").count(), 1);
    assert!(out
        .stderr
        .contains("Upgraded from Nakama 3.30.0 to 3.40.0 (nakama-common v1.47.0, Go 1.26.5)"));
}

#[test]
fn moves_down_to_the_oldest_release_too() {
    let (_tmp, root) = new_repo("3.40.0", &[]);
    run_in(&root, ["upgrade", "--nakama", "v3.25.0", "--no-go"]).ok();
    assert_eq!(read(root.join("go.mod")), go_mod(&row("3.25.0")));
    assert_eq!(
        read(root.join("go.sum")),
        crate_file("scaffolds/gosum/3.25.0.sum")
    );
    let docker = read(root.join("Dockerfile"));
    assert!(docker.contains("FROM heroiclabs/nakama-pluginbuilder:3.25.0 AS builder\n"));
    assert!(docker.contains("FROM heroiclabs/nakama:3.25.0\n"));
}

#[test]
fn dry_run_prints_the_diff_once_and_writes_nothing() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let before = snapshot(&root);
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--dry-run"]).ok();
    assert_unchanged(&before, &snapshot(&root));
    let diff = out.stdout;
    assert!(diff.contains("+FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\n"));
    assert!(diff.contains("+require github.com/heroiclabs/nakama-common v1.47.0\n"));
    for header in [
        "--- a/Dockerfile",
        "--- a/go.mod",
        "--- a/go.sum",
        "--- a/scaffold.toml",
    ] {
        assert_eq!(diff.matches(header).count(), 1, "{header} once in:\n{diff}");
    }
    assert!(out.stderr.contains("Would update go.mod"));
    assert_eq!(git_status(&root), "");
}

#[test]
fn dry_run_on_a_dirty_tree_still_only_shows() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    write(root.join("notes.txt"), "mine\n");
    let before = snapshot(&root);
    run_in(&root, ["upgrade", "--nakama", "3.40.0", "--dry-run"]).ok();
    assert_unchanged(&before, &snapshot(&root));
}

#[test]
fn unknown_version_is_refused_with_the_known_ones() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let before = snapshot(&root);
    let out = run_in(&root, ["upgrade", "--nakama", "3.99.0"]).code(1);
    assert_unchanged(&before, &snapshot(&root));
    // Newer than any known release: one line pointing at `releases --refresh`, no table dump.
    assert_eq!(
        out.stderr,
        "error: unknown Nakama version `3.99.0`: newer than the newest release scaffold knows (3.40.0); run `scaffold releases --refresh` to learn it, then run this again\n"
    );
    assert_eq!(out.stdout, "");
    let out = run_in(&root, ["upgrade", "--nakama", "2.1.0"]).code(1);
    assert_eq!(
        out.stderr,
        "error: unknown Nakama version `2.1.0`; `scaffold releases` lists the known ones (newest 3.40.0; `scaffold releases --refresh` learns newer ones)\n"
    );
    assert_unchanged(&before, &snapshot(&root));
}

/// `--nakama latest` is the newest release offered, and the line says so; going back to an
/// older release says Downgraded.
#[test]
fn latest_upgrades_to_the_newest_and_an_older_release_is_a_downgrade() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let out = run_in(&root, ["upgrade", "--nakama", "latest", "--no-go"]).ok();
    assert!(
        out.stderr
            .contains("Upgraded from Nakama 3.37.1 to 3.40.0 (nakama-common v1.47.0, Go 1.26.5)"),
        "{out:#?}"
    );
    commit_all(&root, "3.40.0");
    let out = run_in(&root, ["upgrade", "--nakama", "3.37.1", "--no-go"]).ok();
    assert!(
        out.stderr
            .contains("Downgraded from Nakama 3.40.0 to 3.37.1"),
        "{out:#?}"
    );
}

#[test]
fn dirty_tree_is_refused_unless_allowed() {
    // A modified tracked file, then an untracked one: each is enough to refuse.
    for (file, edit) in [("README.md", true), ("notes.txt", false)] {
        let (_tmp, root) = new_repo("3.37.1", &[]);
        if edit {
            let text = read(root.join(file)) + "\nmine\n";
            write(root.join(file), &text);
        } else {
            write(root.join(file), "mine\n");
        }
        let before = snapshot(&root);
        let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).code(1);
        assert_unchanged(&before, &snapshot(&root));
        let err = out.stderr;
        assert!(
            err.contains("uncommitted changes") && err.contains(file),
            "{err}"
        );
        assert!(err.contains("--allow-dirty"), "{err}");

        run_in(
            &root,
            ["upgrade", "--nakama", "3.40.0", "--no-go", "--allow-dirty"],
        )
        .ok();
        assert!(read(root.join("Dockerfile")).contains("nakama-pluginbuilder:3.40.0"));
        assert_eq!(read(root.join("go.mod")), go_mod(&row("3.40.0")));
        // The user's own change is kept (in README.md, the release facts move with it).
        let kept = String::from_utf8(before[file].clone()).unwrap();
        let kept = if file == "README.md" {
            let r = (row("3.37.1"), row("3.40.0"));
            kept.replace(&r.0.nakama, &r.1.nakama)
                .replace(&r.0.nakama_common, &r.1.nakama_common)
                .replace(&r.0.go, &r.1.go)
        } else {
            kept
        };
        assert_eq!(read(root.join(file)), kept);
        assert!(read(root.join(file)).ends_with("mine\n") || file != "README.md");
    }
}

#[test]
fn outside_a_scaffold_repo_is_refused() {
    let tmp = tmp();
    let out = run_in(tmp.path(), ["upgrade", "--nakama", "3.40.0"]).code(1);
    assert!(
        out.stderr.contains("not inside a scaffold repo"),
        "{}",
        out.stderr
    );
    assert!(snapshot(tmp.path()).is_empty());

    // A plugin repo without scaffold.toml is not one either, and is left as it is.
    let (_t, root) = new_repo("3.37.1", &["--no-git"]);
    std::fs::remove_file(root.join("scaffold.toml")).unwrap();
    let before = snapshot(&root);
    let out = run_in(
        tmp.path(),
        [
            "upgrade",
            "--nakama",
            "3.40.0",
            "-C",
            root.to_str().unwrap(),
        ],
    )
    .code(1);
    assert!(out.stderr.contains("no scaffold.toml"), "{}", out.stderr);
    assert_unchanged(&before, &snapshot(&root));
}

#[test]
fn go_mod_without_nakama_common_is_refused() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let text = read(root.join("go.mod"))
        .replace("require github.com/heroiclabs/nakama-common v1.44.2\n", "");
    assert!(!text.contains("nakama-common"));
    write(root.join("go.mod"), &text);
    commit_all(&root, "no nakama-common");
    let before = snapshot(&root);
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).code(1);
    assert_unchanged(&before, &snapshot(&root));
    let err = out.stderr;
    assert!(
        err.contains("go.mod does not require github.com/heroiclabs/nakama-common"),
        "{err}"
    );
}

#[test]
fn a_dockerfile_without_nakama_images_is_refused() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let text = read(root.join("Dockerfile"))
        .replace("heroiclabs/nakama-pluginbuilder:3.37.1", "golang:1.26")
        .replace("heroiclabs/nakama:3.37.1", "debian:12");
    write(root.join("Dockerfile"), &text);
    commit_all(&root, "other images");
    let before = snapshot(&root);
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).code(1);
    assert_unchanged(&before, &snapshot(&root));
    assert!(
        out.stderr.contains("names no heroiclabs/nakama"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_digest_pinning_the_old_image_is_dropped_with_a_warning() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let digest = "@sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let text = read(root.join("Dockerfile")).replace(
        "FROM heroiclabs/nakama:3.37.1\n",
        &format!("FROM heroiclabs/nakama:3.37.1{digest}\n"),
    );
    write(root.join("Dockerfile"), &text);
    let line = text
        .lines()
        .position(|l| l.contains(digest))
        .expect("the digest line")
        + 1;
    commit_all(&root, "digest");
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    let docker = read(root.join("Dockerfile"));
    assert!(
        docker.contains("FROM heroiclabs/nakama:3.40.0\n"),
        "{docker}"
    );
    assert!(!docker.contains("sha256"));
    let err = out.stderr;
    assert!(
        err.contains(&format!(
            "warning: Dockerfile:{line}: the image's @sha256 digest"
        )),
        "{err}"
    );
}

#[test]
fn a_second_upgrade_to_the_same_release_changes_nothing() {
    require_go();
    let (_tmp, root) = new_repo("3.37.1", &[]);
    run_in(&root, ["upgrade", "--nakama", "3.40.0"]).ok();
    commit_all(&root, "upgrade");
    let before = snapshot(&root);
    for extra in [&[][..], &["--no-go"][..]] {
        let mut args = vec!["upgrade", "--nakama", "3.40.0"];
        args.extend_from_slice(extra);
        let out = run_in(&root, &args).ok();
        assert_eq!(out.stdout, "", "no diff the second time");
        assert!(
            out.stderr.contains("already on Nakama 3.40.0"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("go mod tidy"));
        assert_unchanged(&before, &snapshot(&root));
        assert_eq!(git_status(&root), "");
    }
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--json"]);
    let r = out.report();
    assert!(strings(&r["changed"]).is_empty() && strings(&r["created"]).is_empty());
}

/// A go.sum that is no longer the recorded one: an extra line `go mod tidy` drops.
const STRAY_SUM: &str =
    "example.com/stray v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

/// A dependency of the user's own, with its real hashes (go.sum keeps them).
const UUID_SUM: &str = "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\ngithub.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n";

#[test]
fn no_go_adds_the_releases_hashes_to_a_go_sum_that_is_the_users() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    // The user's own dependency, used by a package: go.sum is theirs now, not the recorded one.
    let go_mod_text = read(root.join("go.mod")) + "\nrequire github.com/google/uuid v1.6.0\n";
    write(root.join("go.mod"), &go_mod_text);
    write(
        root.join("go.sum"),
        read(root.join("go.sum")) + UUID_SUM + STRAY_SUM,
    );
    write(
        root.join("profile/id.go"),
        "package profile\n\nimport \"github.com/google/uuid\"\n\nvar newID = uuid.NewString\n",
    );
    commit_all(&root, "a dependency of our own");
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    assert!(!out.stderr.contains("go mod"), "{}", out.stderr);
    let sum = read(root.join("go.sum"));
    // Theirs kept, the release's added: without nakama-common v1.47.0's hashes the Docker
    // build stopped at `missing go.sum entry` while upgrade exited 0.
    for line in UUID_SUM.lines().chain(STRAY_SUM.lines()) {
        assert!(sum.contains(line), "{line} dropped:\n{sum}");
    }
    for hash in [
        "nakama-common v1.47.0 h1:",
        "nakama-common v1.47.0/go.mod h1:",
    ] {
        assert!(sum.contains(hash), "no {hash}:\n{sum}");
    }
    run_in(&root, ["doctor"]).ok();
    if go_required() {
        // What the builder does: download what go.mod needs, then build without touching go.sum.
        go_ok(&root, &["mod", "download"]);
        go_ok(
            &root,
            &[
                "build",
                "-mod=readonly",
                "-buildmode=plugin",
                "-o",
                "/dev/null",
                ".",
            ],
        );
    }
}

#[test]
fn without_no_go_go_mod_tidy_brings_go_sum_up_to_date() {
    require_go();
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let sum = read(root.join("go.sum")) + STRAY_SUM;
    write(root.join("go.sum"), &sum);
    commit_all(&root, "stray sum");
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0", "--json"]).ok();
    let tidied = read(root.join("go.sum"));
    assert!(!tidied.contains("example.com/stray"), "tidy ran:\n{tidied}");
    assert!(tidied.contains("github.com/heroiclabs/nakama-common v1.47.0 h1:"));
    assert!(!tidied.contains("nakama-common v1.44.2"));
    assert_eq!(read(root.join("go.mod")), go_mod(&row("3.40.0")));
    // The report names go.sum, which only `go mod tidy` changed.
    let r = out.report();
    assert_eq!(r["command"], "upgrade");
    assert_eq!(
        strings(&r["changed"]),
        [
            "Dockerfile",
            "README.md",
            "go.mod",
            "go.sum",
            "scaffold.toml"
        ]
    );
    assert!(strings(&r["warnings"]).is_empty(), "{:?}", r["warnings"]);
    assert!(
        out.stderr.is_empty(),
        "--json keeps stderr quiet: {}",
        out.stderr
    );
    let go_list = go_ok(
        &root,
        &["list", "-m", "github.com/heroiclabs/nakama-common"],
    )
    .stdout;
    assert_eq!(
        go_list.trim(),
        "github.com/heroiclabs/nakama-common v1.47.0"
    );
}

#[test]
fn a_vendoring_repo_is_revendored() {
    require_go();
    let (_tmp, root) = new_repo("3.37.1", &[]);
    go_ok(&root, &["mod", "vendor"]);
    assert!(read(root.join("vendor/modules.txt")).contains("nakama-common v1.44.2"));
    commit_all(&root, "vendor");
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0"]).ok();
    assert!(out.stderr.contains("Ran go mod vendor"), "{}", out.stderr);
    let modules = read(root.join("vendor/modules.txt"));
    assert!(
        modules.contains("# github.com/heroiclabs/nakama-common v1.47.0"),
        "{modules}"
    );
    build_plugin(&root);
}

#[test]
fn a_vendoring_repo_is_refused_when_go_cannot_revendor_it() {
    require_go();
    let (_tmp, root) = new_repo("3.37.1", &[]);
    go_ok(&root, &["mod", "vendor"]);
    commit_all(&root, "vendor");
    let before = snapshot(&root);
    // --no-go, dry run or not, and no go on PATH: vendor/ would be left on nakama-common
    // v1.44.2 while go.mod says v1.47.0 (`inconsistent vendoring` in every go build).
    let no_go_on_path = tmp();
    for (args, path, fix) in [
        (
            &["upgrade", "--nakama", "3.40.0", "--no-go"][..],
            None,
            "drop --no-go",
        ),
        (
            &["upgrade", "--nakama", "3.40.0", "--no-go", "--dry-run"],
            None,
            "drop --no-go",
        ),
        (
            &["upgrade", "--nakama", "3.40.0", "--allow-dirty"],
            Some(no_go_on_path.path()),
            "install Go",
        ),
    ] {
        let mut cmd = scaffold();
        cmd.current_dir(&root).args(args);
        if let Some(p) = path {
            cmd.env("PATH", p);
        }
        let out = output(&mut cmd);
        assert_eq!(out.code, 1, "{args:?}: {out:#?}");
        assert!(
            out.stderr.contains("this repo vendors its modules") && out.stderr.contains(fix),
            "{args:?}: {}",
            out.stderr
        );
        assert_unchanged(&before, &snapshot(&root));
    }
    // The same release again changes no pin: nothing to revendor, nothing refused.
    run_in(&root, ["upgrade", "--nakama", "3.37.1", "--no-go"]).ok();
}

#[test]
fn list_prints_every_release() {
    let tmp = tmp();
    // No repo needed.
    let out = run_in(tmp.path(), ["upgrade", "--list"]).ok();
    let text = out.stdout;
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let table = release_table();
    assert_eq!(rows.len(), table.len(), "{text}");
    for (got, want) in rows.iter().zip(&table) {
        assert_eq!(
            got[..4],
            [
                want.nakama.as_str(),
                want.nakama_common.as_str(),
                want.go.as_str(),
                want.protobuf.as_str()
            ]
        );
    }
    assert!(text.starts_with("nakama"), "a header line first:\n{text}");
    assert!(snapshot(tmp.path()).is_empty());
    // The releases `--nakama` takes are marked; those it refuses are not.
    let mark = |rows: &[Vec<&str>], v: &str| {
        let row = rows.iter().find(|r| r[0] == v).unwrap();
        row.get(4).map(|m| m.to_string()).unwrap_or_default()
    };
    assert_eq!(mark(&rows, "3.40.0"), "offered", "{text}");
    assert_eq!(mark(&rows, "3.37.1"), "offered", "{text}");
    assert_eq!(mark(&rows, "3.0.0"), "", "{text}");

    // In a repo, its own release is marked current.
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let text = run_in(&root, ["upgrade", "--list"]).ok().stdout;
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(mark(&rows, "3.37.1"), "current", "{text}");
    assert_eq!(mark(&rows, "3.40.0"), "offered", "{text}");
}

#[test]
fn list_json_reports_the_releases() {
    let out = output(scaffold().args(["upgrade", "--list", "--json"])).ok();
    let report = out.report();
    assert_eq!(report["command"], "upgrade");
    let arr = report["releases"].as_array().expect("releases: an array");
    let table = release_table();
    assert_eq!(arr.len(), table.len());
    for (got, want) in arr.iter().zip(&table) {
        let obj = got.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["go", "nakama", "nakama_common", "protobuf"]);
        assert_eq!(obj["nakama"], want.nakama.as_str());
        assert_eq!(obj["nakama_common"], want.nakama_common.as_str());
        assert_eq!(obj["go"], want.go.as_str());
        assert_eq!(obj["protobuf"], want.protobuf.as_str());
    }
    assert_eq!(arr[0]["nakama"], "3.40.0");
    assert_eq!(arr[0]["nakama_common"], "v1.47.0");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["upgrade"][..],
        &["upgrade", "--nakama"][..],
        &["upgrade", "--list", "--bogus"][..],
    ] {
        let out = output(scaffold().args(args)).code(2);
        assert_eq!(out.stdout, "");
    }
}

/// The whole path a user takes: make a repo on 3.37.1, add a package, commit, upgrade to
/// 3.40.0; then what the Dockerfile's builder stage copies builds the plugin, against
/// nakama-common v1.47.0.
#[test]
fn the_upgraded_repo_builds_in_its_docker_context() {
    require_go();
    let (tmp, root) = new_repo("3.37.1", &[]);
    run_in(&root, ["add-package", "inventory"]).ok();
    commit_all(&root, "inventory");
    let out = run_in(&root, ["upgrade", "--nakama", "3.40.0"]).ok();
    assert!(out.stderr.contains("Ran go mod tidy"), "{}", out.stderr);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    run_in(&root, ["sync", "--check"]).ok();

    let context = tmp.path().join("context");
    let workdir = docker_context::lay_out(&root, &context);
    assert!(workdir.join("inventory/inventory.go").is_file());
    assert!(workdir.join("go.sum").is_file());
    assert!(
        !workdir.join("scaffold.toml").exists(),
        "only what COPY copies"
    );
    build_plugin(&workdir);
    let listed = go_ok(
        &workdir,
        &["list", "-m", "github.com/heroiclabs/nakama-common"],
    )
    .stdout;
    assert_eq!(listed.trim(), "github.com/heroiclabs/nakama-common v1.47.0");
    let go_line = read(workdir.join("go.mod"));
    assert!(go_line.contains("\ngo 1.26.5\n"), "{go_line}");
    assert!(Path::new(&workdir.join("backend.so")).is_file());
}

/// After `go mod tidy`, a dependency that raised protobuf or the go line past the release's
/// is named: the plugin would not load, or the pluginbuilder would refuse the go line.
#[test]
fn a_dependency_that_raises_shared_pins_is_warned_about() {
    require_go();
    let (_tmp, root) = new_repo("3.40.0", &[]);
    write(
        root.join("dep/go.mod"),
        "module example.com/dep\n\ngo 1.25.0\n\nrequire google.golang.org/protobuf v1.36.11\n",
    );
    write(root.join("dep/dep.go"), "package dep\n");
    write(
        root.join("dep_use.go"),
        "package main\n\nimport _ \"example.com/dep\"\n",
    );
    let text = read(root.join("go.mod"))
        + "\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ./dep\n";
    write(root.join("go.mod"), &text);
    // The replaced folder is copied before `go mod download`, which needs it.
    let docker = read(root.join("Dockerfile")).replace(
        "COPY go.mod go.sum ./\n",
        "COPY go.mod go.sum ./\nCOPY dep/ dep/\n",
    );
    write(root.join("Dockerfile"), docker);
    commit_all(&root, "a local dependency");
    let target = row("3.30.0");
    // The dependency's `go 1.25.0` raises the go line past 3.30.0's Go 1.24.5: that build
    // fails (it once exited 0 with a warning), so the upgrade is refused, naming the go line.
    let before = read(root.join("go.mod"));
    let out = run_in(&root, ["upgrade", "--nakama", "3.30.0"]).code(1);
    assert!(
        out.stderr
            .contains("requires go >= 1.25.0 (running go 1.24.5"),
        "{}",
        out.stderr
    );
    assert_eq!(read(root.join("go.mod")), before);
    // A dependency on Go 1.24 raises protobuf only: that builds, and is warned about (the
    // plugin would not load).
    write(
        root.join("dep/go.mod"),
        "module example.com/dep\n\ngo 1.24.0\n\nrequire google.golang.org/protobuf v1.36.11\n",
    );
    commit_all(&root, "a dependency on Go 1.24");
    let out = run_in(&root, ["upgrade", "--nakama", "3.30.0"]).ok();
    let after = read(root.join("go.mod"));
    assert!(
        after.contains("\ngo 1.24.5\n"),
        "tidy raised the go line:\n{after}"
    );
    assert!(
        after.contains("google.golang.org/protobuf v1.36.11"),
        "{after}"
    );
    let err = out.stderr;
    assert!(
        err.contains(&format!(
            "warning: after `go mod tidy`, go.mod requires google.golang.org/protobuf v1.36.11, but Nakama 3.30.0 is built with {}",
            target.protobuf
        )),
        "{err}"
    );
    assert!(!err.contains("newer than Go"), "{err}");
}

#[test]
fn scaffold_toml_keeps_the_user_s_comments() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let record = read(root.join("scaffold.toml")).replace(
        "nakama = \"3.37.1\"\n",
        "# Bumped by hand in March; see ADR-7.\nnakama = \"3.37.1\" # the server we run\n",
    ) + "# end of file\n";
    write(root.join("scaffold.toml"), &record);
    commit_all(&root, "comments");
    run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    assert_eq!(
        read(root.join("scaffold.toml")),
        record.replace("nakama = \"3.37.1\"", "nakama = \"3.40.0\"")
    );
    // A record the in-place edit cannot handle is written afresh, still right.
    let (_t, root) = new_repo("3.37.1", &[]);
    let odd = read(root.join("scaffold.toml")).replace("nakama = \"3.37.1\"", "nakama = '3.37.1'");
    write(root.join("scaffold.toml"), &odd);
    commit_all(&root, "literal string");
    run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    assert!(read(root.join("scaffold.toml")).contains("\nnakama = \"3.40.0\"\n"));
}

/// A folder holding only a fake `go` that logs its arguments to `go.log` beside it, and fails
/// `mod tidy` when `fail` is set.
fn fake_go(dir: &Path, fail: bool) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = bin.join("go.log");
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\nif [ \"$1\" = version ]; then echo 'go version go1.26.5 linux/amd64'; exit 0; fi\n{}\n",
        log.display(),
        if fail { "echo \"boom: $*\" >&2; exit 1" } else { "exit 0" }
    );
    let go = bin.join("go");
    std::fs::write(&go, script).unwrap();
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn no_go_never_runs_go_and_go_runs_otherwise() {
    let (tmp, root) = new_repo("3.37.1", &[]);
    let bin = fake_go(tmp.path(), false);
    output(
        scaffold()
            .current_dir(&root)
            .env("PATH", &bin)
            .args(["upgrade", "--nakama", "3.39.0", "--no-go"]),
    )
    .ok();
    assert!(!bin.join("go.log").exists(), "--no-go ran go");
    commit_all(&root, "3.39.0");
    let out = output(
        scaffold()
            .current_dir(&root)
            .env("PATH", &bin)
            .args(["upgrade", "--nakama", "3.40.0"]),
    )
    .ok();
    // go mod tidy on a scratch copy, and go asked to judge the result (this fake one cannot
    // say which release it is, so the static rules judge), then go mod tidy in the repo.
    let log = read(tmp.path().join("fakebin/go.log"));
    assert!(
        log.starts_with("version\nmod tidy\nenv -json GOVERSION "),
        "{log}"
    );
    // `go version` is asked once a run: the tidy in the repo follows without it.
    assert!(log.ends_with("\nmod tidy\n"), "{log}");
    assert_eq!(log.matches("mod tidy").count(), 2, "{log}");
    assert!(out.stderr.contains("Ran go mod tidy"));
    assert!(out.stderr.contains("static rules only"), "{}", out.stderr);
}

/// `go mod tidy` is run on a scratch copy of the upgraded repo before anything is written
/// (the build is judged after it), so a failing one refuses the upgrade.
#[test]
fn a_failing_go_mod_tidy_refuses_the_upgrade_before_the_write() {
    let (tmp, root) = new_repo("3.37.1", &[]);
    let bin = fake_go(tmp.path(), true);
    let before = read(root.join("go.mod"));
    let out = output(
        scaffold()
            .current_dir(&root)
            .env("PATH", &bin)
            .args(["upgrade", "--nakama", "3.40.0"]),
    )
    .code(1);
    let err = out.stderr;
    assert!(
        err.contains("error: in the repo as the upgrade would leave it, `go mod tidy` failed: boom: mod tidy; nothing was changed"),
        "{err}"
    );
    assert_eq!(read(root.join("go.mod")), before);
}

#[test]
fn without_go_on_path_the_upgrade_says_what_to_run() {
    let (tmp, root) = new_repo("3.37.1", &[]);
    let empty = tmp.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let out = output(
        scaffold()
            .current_dir(&root)
            .env("PATH", &empty)
            .args(["upgrade", "--nakama", "3.40.0"]),
    )
    .ok();
    assert!(
        out.stderr
            .contains("warning: Go is not on PATH; run `go mod tidy` yourself before building"),
        "{}",
        out.stderr
    );
    assert_eq!(read(root.join("go.mod")), go_mod(&row("3.40.0")));
}

#[test]
fn only_changes_inside_the_plugin_repo_make_it_dirty() {
    // The plugin is the `server/` folder of a bigger work tree, beside a game client.
    let tmp = tmp();
    let mono = tmp.path().join("mono");
    write(mono.join("client/game.txt"), "v1\n");
    git(&mono, &["init", "-q"]);
    let server = mono.join("server");
    let out = run_in(
        &mono,
        [
            "new",
            "server",
            "--yes",
            "--nakama",
            "3.37.1",
            "--module",
            "example.com/game",
        ],
    )
    .ok();
    assert!(
        out.stderr.contains("inside a git work tree"),
        "{}",
        out.stderr
    );
    commit_all(&mono, "client and server");

    write(mono.join("client/game.txt"), "v2\n");
    write(mono.join("client/new.txt"), "new\n");
    run_in(&server, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    assert_eq!(read(server.join("go.mod")), go_mod(&row("3.40.0")));
    commit_all(&mono, "upgrade");

    write(server.join("notes.txt"), "mine\n");
    let before = snapshot(&mono);
    let out = run_in(&server, ["upgrade", "--nakama", "3.39.0", "--no-go"]).code(1);
    assert!(out.stderr.contains("server/notes.txt"), "{}", out.stderr);
    assert_unchanged(&before, &snapshot(&mono));
}

/// Child processes get the user's environment: `go mod tidy` must reach the module proxy and
/// the checksum database over TLS with an empty module cache (a fresh CI machine), and with a
/// user's own `SSL_CERT_FILE`, which scaffold must pass on untouched.
#[test]
fn go_mod_tidy_downloads_into_an_empty_module_cache() {
    require_go();
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let cache = tmp();
    let bundle = ["/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("a system CA bundle (ca-certificates)");
    let mut cmd = scaffold();
    cmd.current_dir(&root)
        .args(["upgrade", "--nakama", "3.40.0", "--json"])
        .env("GOMODCACHE", cache.path())
        .env("GOFLAGS", "-modcacherw")
        .env("SSL_CERT_FILE", bundle);
    let out = output(&mut cmd);
    assert_eq!(
        out.code, 0,
        "upgrade failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    assert!(!out.stdout.contains("x509"), "{}", out.stdout);
    assert!(read(root.join("go.sum")).contains("github.com/heroiclabs/nakama-common v1.47.0 h1:"));
    assert!(
        cache
            .path()
            .join("cache/download/github.com/heroiclabs/nakama-common/@v/v1.47.0.zip")
            .exists(),
        "the module was downloaded into the empty cache"
    );
}

/// `latest` never goes back: a repo made for a release this machine learned (here from a
/// releases cache) stays put where the table does not know it, and the line says why.
#[test]
fn latest_never_downgrades_a_repo_ahead_of_the_table() {
    let tmp = tmp();
    let cache = tmp.path().join("cache");
    let dir = cache.join("scaffold/releases");
    write(
        dir.join("releases.toml"),
        "[[release]]\nnakama = \"3.41.0\"\nnakama_common = \"v1.47.0\"\ngo = \"1.26.5\"\nprotobuf = \"v1.36.11\"\n",
    );
    write(
        dir.join("3.41.0.sum"),
        read(crate_path("scaffolds/gosum/3.40.0.sum")),
    );
    let mut cmd = scaffold();
    cmd.current_dir(tmp.path())
        .env("XDG_CACHE_HOME", &cache)
        .args(["new", "game", "--yes", "--nakama", "3.41.0"]);
    output(&mut cmd).ok();
    let root = tmp.path().join("game");
    let before = snapshot(&root);
    // Without that cache, the newest offered release is 3.40.0.
    let out = run_in(&root, ["upgrade", "--nakama", "latest", "--no-go"]).ok();
    assert!(
        out.stderr
            .contains("Fresh on Nakama 3.41.0, newer than the newest offered (3.40.0)"),
        "{out:#?}"
    );
    assert_unchanged(&before, &snapshot(&root));
}
