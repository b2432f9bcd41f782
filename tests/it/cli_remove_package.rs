//! `scaffold remove-package`: a package leaves the build (and the disk with `--delete`), the
//! repo stays in sync and still builds; refusals leave the tree untouched.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A repo with `profile`, then `inventory` added and committed. Returns the tree as it was
/// before `add-package inventory` too: taking inventory out must restore its generated files.
fn repo_with_inventory() -> (tempfile::TempDir, PathBuf, BTreeMap<String, Vec<u8>>) {
    let (tmp, root) = new_repo("3.40.0", &[]);
    let before_add = snapshot(&root);
    run_in(&root, ["add-package", "inventory"]).ok();
    assert!(read(root.join("Dockerfile")).contains("COPY inventory/ inventory/\n"));
    commit_all(&root, "inventory");
    (tmp, root, before_add)
}

fn excluded(root: &Path) -> Vec<String> {
    let record: toml::Value = toml::from_str(&read(root.join("scaffold.toml"))).unwrap();
    record
        .get("packages")
        .and_then(|p| p.get("excluded"))
        .and_then(|e| e.as_array())
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn file(snap: &BTreeMap<String, Vec<u8>>, rel: &str) -> String {
    String::from_utf8(snap[rel].clone()).unwrap()
}

#[test]
fn keeps_the_folder_out_of_the_build() {
    let (_tmp, root, before_add) = repo_with_inventory();
    let before = snapshot(&root);
    let out = run_in(&root, ["remove-package", "inventory"]).ok();
    let after = snapshot(&root);
    assert_eq!(
        changed_paths(&before, &after),
        ["Dockerfile", "packages_gen.go", "scaffold.toml"]
    );
    // The folder stays, byte for byte.
    for f in ["inventory/inventory.go", "inventory/inventory_test.go"] {
        assert_eq!(before[f], after[f], "{f}");
    }
    assert_eq!(excluded(&root), ["inventory"]);
    // The Dockerfile block and the wiring are what they were before inventory existed.
    assert_eq!(
        read(root.join("Dockerfile")),
        file(&before_add, "Dockerfile")
    );
    assert_eq!(
        read(root.join("packages_gen.go")),
        file(&before_add, "packages_gen.go")
    );
    assert!(!read(root.join("packages_gen.go")).contains("inventory"));
    assert!(read(root.join("Dockerfile")).contains("COPY profile/ profile/\n"));
    // scaffold.toml gains only the exclusion.
    assert_eq!(
        read(root.join("scaffold.toml")),
        file(&before_add, "scaffold.toml") + "\n[packages]\nexcluded = [\"inventory\"]\n"
    );
    let err = out.stderr;
    assert!(err.contains("Updated Dockerfile"), "{err}");
    assert!(
        err.contains("warning: inventory/ stays on disk, out of the build"),
        "{err}"
    );

    // `sync` agrees: the excluded folder is not put back.
    run_in(&root, ["sync", "--check"]).ok();
    run_in(&root, ["sync"]).ok();
    assert_eq!(
        changed_paths(&after, &snapshot(&root)),
        Vec::<String>::new()
    );
    // A second run changes nothing.
    run_in(&root, ["remove-package", "inventory"]).ok();
    assert_unchanged(&after, &snapshot(&root));
    build_plugin(&root);
}

#[test]
fn delete_removes_the_folder_and_the_exclusion() {
    let (_tmp, root, before_add) = repo_with_inventory();
    run_in(&root, ["remove-package", "inventory"]).ok();
    assert_eq!(excluded(&root), ["inventory"]);
    let out = run_in(&root, ["remove-package", "inventory", "--delete"]).ok();
    assert!(!root.join("inventory").exists());
    // Back to the tree before `add-package inventory`, scaffold.toml included.
    assert_unchanged(&before_add, &snapshot(&root));
    assert!(out.stderr.contains("Deleted inventory/"), "{}", out.stderr);
    run_in(&root, ["sync", "--check"]).ok();
    build_plugin(&root);
}

#[test]
fn delete_in_one_step() {
    let (_tmp, root, before_add) = repo_with_inventory();
    let out = run_in(&root, ["remove-package", "./inventory/", "--delete"]).ok();
    assert_unchanged(&before_add, &snapshot(&root));
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    // No leftovers from the all-or-nothing write.
    assert!(std::fs::read_dir(&root).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".scaffold-")));
    run_in(&root, ["sync", "--check"]).ok();
}

#[test]
fn delete_is_refused_while_a_hand_written_line_still_copies_the_folder() {
    let (_tmp, root, _) = repo_with_inventory();
    // What the ADD below names is there: the build works until the folder goes.
    write(root.join("inventory/data.json"), "{}\n");
    let docker = read(root.join("Dockerfile"));
    // Lines the block does not own, which `sync --adopt` leaves as written (flags, ADD).
    for line in [
        "COPY --chown=1000:1000 inventory/ inventory/",
        "ADD ./inventory/data.json /backend/data.json",
    ] {
        let edited = docker.replace(BUILD_RUN, &format!("{line}\n{BUILD_RUN}"));
        write(root.join("Dockerfile"), &edited);
        let at = edited.lines().position(|l| l == line).unwrap() + 1;
        commit_all(&root, "hand-written copy");
        let before = snapshot(&root);
        let out = run_in(&root, ["remove-package", "inventory", "--delete"]).code(1);
        assert!(
            out.stderr.contains(&format!(
                "Dockerfile line {at} copies inventory/ outside scaffold's block (`{line}`)"
            )),
            "{}",
            out.stderr
        );
        assert_unchanged(&before, &snapshot(&root));
    }
    // Taken out of the build without deleting, the folder is still there to copy.
    run_in(&root, ["remove-package", "inventory"]).ok();
    // The line gone, the deletion goes ahead, and the repo builds as doctor sees it.
    write(
        root.join("Dockerfile"),
        docker.replace("COPY inventory/ inventory/\n", ""),
    );
    commit_all(&root, "line removed");
    run_in(&root, ["remove-package", "inventory", "--delete"]).ok();
    assert!(!root.join("inventory").exists());
    run_in(&root, ["doctor"]).ok();
}

#[test]
fn refused_while_another_package_imports_it() {
    let (_tmp, root, _) = repo_with_inventory();
    run_in(&root, ["add-package", "stats"]).ok();
    // Line 4 imports inventory; a comment and a look-alike path do not count.
    write(
        root.join("stats/use.go"),
        "package stats\n\nimport (\n\t\"example.com/game/inventory\"\n\t// \"example.com/game/inventory\"\n\t_ \"example.com/game/inventory2\"\n)\n\nvar _ = inventory.Register\n",
    );
    write(
        root.join("main_extra.go"),
        "package main\n\nimport _ \"example.com/game/inventory/items\"\n",
    );
    commit_all(&root, "stats uses inventory");
    let before = snapshot(&root);
    for extra in [&[][..], &["--delete"][..]] {
        let mut args = vec!["remove-package", "inventory"];
        args.extend_from_slice(extra);
        let out = run_in(&root, &args).code(1);
        assert_unchanged(&before, &snapshot(&root));
        let err = out.stderr;
        assert!(
            err.contains("inventory/ is still imported by main_extra.go:3, stats/use.go:4;"),
            "{err}"
        );
        assert_eq!(out.stdout, "");
    }
    // Its own files importing each other do not block it.
    std::fs::remove_file(root.join("stats/use.go")).unwrap();
    std::fs::remove_file(root.join("main_extra.go")).unwrap();
    write(
        root.join("inventory/items/items.go"),
        "package items\n\nimport _ \"example.com/game/inventory\"\n",
    );
    // Committed: --delete refuses work no commit holds.
    commit_all(&root, "items");
    run_in(&root, ["remove-package", "inventory", "--delete"]).ok();
    assert!(!root.join("inventory").exists());
    build_plugin(&root);
}

#[test]
fn unknown_or_non_package_folders_are_refused() {
    let (_tmp, root, _) = repo_with_inventory();
    write(root.join("docs/guide.md"), "# guide\n");
    write(root.join("tools/go.mod"), "module example.com/tools\n");
    write(root.join("tools/main.go"), "package main\n");
    let before = snapshot(&root);
    for (name, message) in [
        ("nosuch", "its package folders: inventory, profile"),
        ("docs", "docs/ is not a package folder of this module"),
        ("tools", "tools/ is not a package folder of this module"),
        (".git", "is not a top-level package folder"),
        ("..", "is not a top-level package folder"),
        ("inventory/items", "is not a top-level package folder"),
    ] {
        let out = run_in(&root, ["remove-package", name]).code(1);
        assert!(out.stderr.contains(message), "{name}: {}", out.stderr);
        assert_unchanged(&before, &snapshot(&root));
    }
}

#[test]
fn dry_run_writes_nothing() {
    let (_tmp, root, _) = repo_with_inventory();
    let before = snapshot(&root);
    let out = run_in(&root, ["remove-package", "inventory", "--dry-run"]).ok();
    assert_unchanged(&before, &snapshot(&root));
    let diff = out.stdout;
    assert!(diff.contains("\n-COPY inventory/ inventory/\n"), "{diff}");
    assert!(diff.contains("+excluded = [\"inventory\"]\n"), "{diff}");
    assert!(out.stderr.contains("Would update scaffold.toml"));

    let out = run_in(
        &root,
        ["remove-package", "inventory", "--dry-run", "--delete"],
    )
    .ok();
    assert_unchanged(&before, &snapshot(&root));
    assert!(
        out.stdout.starts_with("deleted folder inventory/\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("scaffold.toml"));
    assert!(out.stderr.contains("Would delete inventory/"));
}

#[test]
fn outside_a_scaffold_repo_is_refused() {
    let tmp = tmp();
    write(
        tmp.path().join("inventory/inventory.go"),
        "package inventory\n",
    );
    let before = snapshot(tmp.path());
    let out = run_in(tmp.path(), ["remove-package", "inventory", "--delete"]).code(1);
    assert!(out.stderr.contains("not inside a scaffold repo"));
    assert_unchanged(&before, &snapshot(tmp.path()));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["remove-package"][..],
        &["remove-package", "inventory", "--purge"][..],
    ] {
        output(scaffold().args(args)).code(2);
    }
}

#[test]
fn the_warning_s_way_back_works() {
    let (_tmp, root, _) = repo_with_inventory();
    let before = snapshot(&root);
    let removed = run_in(&root, ["remove-package", "inventory"]).ok();
    // The warning names the one command that brings it back.
    assert!(
        removed.stderr.contains("scaffold add-package inventory"),
        "{}",
        removed.stderr
    );
    let dry = run_in(&root, ["add-package", "inventory", "--dry-run"]).ok();
    assert!(
        dry.stdout.contains("+COPY inventory/ inventory/"),
        "{}",
        dry.stdout
    );
    run_in(&root, ["add-package", "inventory"]).ok();
    assert_unchanged(&before, &snapshot(&root));
    run_in(&root, ["sync", "--check"]).ok();
}

#[test]
fn removing_the_last_package_leaves_a_plugin_that_builds() {
    let (_tmp, root) = new_repo("3.40.0", &[]);
    run_in(&root, ["remove-package", "profile", "--delete"]).ok();
    assert!(!root.join("profile").exists());
    let docker = read(root.join("Dockerfile"));
    assert!(!docker.contains("COPY profile/"), "{docker}");
    assert!(!read(root.join("packages_gen.go")).contains("profile"));
    run_in(&root, ["sync", "--check"]).ok();
    build_plugin(&root);
    // And a package added afterwards is wired again.
    run_in(&root, ["add-package", "inventory"]).ok();
    build_plugin(&root);
}
