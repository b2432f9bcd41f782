//! `scaffold remove-package`: a package leaves the build (and the disk with `--delete`), the
//! repo stays in sync and still builds; refusals leave the tree untouched.

mod common_lifecycle;

use common_lifecycle::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A repo with `profile`, then `inventory` added and committed. Returns the tree as it was
/// before `add-package inventory` too: taking inventory out must restore its generated files.
fn repo_with_inventory() -> (tempfile::TempDir, PathBuf, BTreeMap<String, Vec<u8>>) {
    let (tmp, root) = new_repo("3.40.0", &[]);
    let before_add = snapshot(&root);
    ok(&scaffold_in(&root, &["add-package", "inventory"]));
    assert!(read(&root, "Dockerfile").contains("COPY inventory/ inventory/\n"));
    commit_all(&root, "inventory");
    (tmp, root, before_add)
}

fn excluded(root: &Path) -> Vec<String> {
    let record: toml::Value = toml::from_str(&read(root, "scaffold.toml")).unwrap();
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
    let out = scaffold_in(&root, &["remove-package", "inventory"]);
    ok(&out);
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
    assert_eq!(read(&root, "Dockerfile"), file(&before_add, "Dockerfile"));
    assert_eq!(
        read(&root, "packages_gen.go"),
        file(&before_add, "packages_gen.go")
    );
    assert!(!read(&root, "packages_gen.go").contains("inventory"));
    assert!(read(&root, "Dockerfile").contains("COPY profile/ profile/\n"));
    // scaffold.toml gains only the exclusion.
    assert_eq!(
        read(&root, "scaffold.toml"),
        file(&before_add, "scaffold.toml") + "\n[packages]\nexcluded = [\"inventory\"]\n"
    );
    let err = stderr(&out);
    assert!(err.contains("Updated Dockerfile"), "{err}");
    assert!(
        err.contains("warning: inventory/ stays on disk, out of the build"),
        "{err}"
    );

    // `sync` agrees: the excluded folder is not put back.
    let check = scaffold_in(&root, &["sync", "--check"]);
    ok(&check);
    ok(&scaffold_in(&root, &["sync"]));
    assert_eq!(
        changed_paths(&after, &snapshot(&root)),
        Vec::<String>::new()
    );
    // A second run changes nothing.
    ok(&scaffold_in(&root, &["remove-package", "inventory"]));
    assert_same_tree(&after, &snapshot(&root));
    build_plugin(&root);
}

#[test]
fn delete_removes_the_folder_and_the_exclusion() {
    let (_tmp, root, before_add) = repo_with_inventory();
    ok(&scaffold_in(&root, &["remove-package", "inventory"]));
    assert_eq!(excluded(&root), ["inventory"]);
    let out = scaffold_in(&root, &["remove-package", "inventory", "--delete"]);
    ok(&out);
    assert!(!root.join("inventory").exists());
    // Back to the tree before `add-package inventory`, scaffold.toml included.
    assert_same_tree(&before_add, &snapshot(&root));
    assert!(
        stderr(&out).contains("Deleted inventory/"),
        "{}",
        stderr(&out)
    );
    ok(&scaffold_in(&root, &["sync", "--check"]));
    build_plugin(&root);
}

#[test]
fn delete_in_one_step() {
    let (_tmp, root, before_add) = repo_with_inventory();
    let out = scaffold_in(&root, &["remove-package", "./inventory/", "--delete"]);
    ok(&out);
    assert_same_tree(&before_add, &snapshot(&root));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    // No leftovers from the all-or-nothing write.
    assert!(std::fs::read_dir(&root).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".scaffold-")));
    ok(&scaffold_in(&root, &["sync", "--check"]));
}

#[test]
fn refused_while_another_package_imports_it() {
    let (_tmp, root, _) = repo_with_inventory();
    ok(&scaffold_in(&root, &["add-package", "stats"]));
    // Line 4 imports inventory; a comment and a look-alike path do not count.
    write(
        &root,
        "stats/use.go",
        "package stats\n\nimport (\n\t\"example.com/game/inventory\"\n\t// \"example.com/game/inventory\"\n\t_ \"example.com/game/inventory2\"\n)\n\nvar _ = inventory.Register\n",
    );
    write(
        &root,
        "main_extra.go",
        "package main\n\nimport _ \"example.com/game/inventory/items\"\n",
    );
    commit_all(&root, "stats uses inventory");
    let before = snapshot(&root);
    for extra in [&[][..], &["--delete"][..]] {
        let mut args = vec!["remove-package", "inventory"];
        args.extend_from_slice(extra);
        let out = scaffold_in(&root, &args);
        code(&out, 1);
        assert_same_tree(&before, &snapshot(&root));
        let err = stderr(&out);
        assert!(
            err.contains("inventory/ is still imported by main_extra.go:3, stats/use.go:4;"),
            "{err}"
        );
        assert_eq!(stdout(&out), "");
    }
    // Its own files importing each other do not block it.
    std::fs::remove_file(root.join("stats/use.go")).unwrap();
    std::fs::remove_file(root.join("main_extra.go")).unwrap();
    write(
        &root,
        "inventory/items/items.go",
        "package items\n\nimport _ \"example.com/game/inventory\"\n",
    );
    ok(&scaffold_in(
        &root,
        &["remove-package", "inventory", "--delete"],
    ));
    assert!(!root.join("inventory").exists());
    build_plugin(&root);
}

#[test]
fn unknown_or_non_package_folders_are_refused() {
    let (_tmp, root, _) = repo_with_inventory();
    write(&root, "docs/guide.md", "# guide\n");
    write(&root, "tools/go.mod", "module example.com/tools\n");
    write(&root, "tools/main.go", "package main\n");
    let before = snapshot(&root);
    for (name, message) in [
        ("nosuch", "there is no package folder nosuch/"),
        ("docs", "docs/ is not a package folder of this module"),
        ("tools", "tools/ is not a package folder of this module"),
        (".git", "is not a top-level package folder"),
        ("..", "is not a top-level package folder"),
        ("inventory/items", "is not a top-level package folder"),
    ] {
        let out = scaffold_in(&root, &["remove-package", name]);
        code(&out, 1);
        assert!(stderr(&out).contains(message), "{name}: {}", stderr(&out));
        assert_same_tree(&before, &snapshot(&root));
    }
}

#[test]
fn dry_run_writes_nothing() {
    let (_tmp, root, _) = repo_with_inventory();
    let before = snapshot(&root);
    let out = scaffold_in(&root, &["remove-package", "inventory", "--dry-run"]);
    ok(&out);
    assert_same_tree(&before, &snapshot(&root));
    let diff = stdout(&out);
    assert!(diff.contains("\n-COPY inventory/ inventory/\n"), "{diff}");
    assert!(diff.contains("+excluded = [\"inventory\"]\n"), "{diff}");
    assert!(stderr(&out).contains("Would update scaffold.toml"));

    let out = scaffold_in(
        &root,
        &["remove-package", "inventory", "--dry-run", "--delete"],
    );
    ok(&out);
    assert_same_tree(&before, &snapshot(&root));
    assert!(
        stdout(&out).starts_with("deleted folder inventory/\n"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("scaffold.toml"));
    assert!(stderr(&out).contains("Would delete inventory/"));
}

#[test]
fn outside_a_scaffold_repo_is_refused() {
    let tmp = temp();
    write(tmp.path(), "inventory/inventory.go", "package inventory\n");
    let before = snapshot(tmp.path());
    let out = scaffold_in(tmp.path(), &["remove-package", "inventory", "--delete"]);
    code(&out, 1);
    assert!(stderr(&out).contains("not inside a scaffold repo"));
    assert_same_tree(&before, &snapshot(tmp.path()));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["remove-package"][..],
        &["remove-package", "inventory", "--purge"][..],
    ] {
        let out = scaffold().args(args).output().unwrap();
        code(&out, 2);
    }
}

#[test]
fn the_warning_s_way_back_works() {
    let (_tmp, root, _) = repo_with_inventory();
    let before = snapshot(&root);
    ok(&scaffold_in(&root, &["remove-package", "inventory"]));
    // "bring it back by removing it from `excluded` in scaffold.toml and running `scaffold sync`"
    let record =
        read(&root, "scaffold.toml").replace("\n[packages]\nexcluded = [\"inventory\"]\n", "");
    write(&root, "scaffold.toml", &record);
    let check = scaffold_in(&root, &["sync", "--check"]);
    code(&check, 1);
    assert!(
        stdout(&check).contains("+COPY inventory/ inventory/"),
        "{}",
        stdout(&check)
    );
    ok(&scaffold_in(&root, &["sync"]));
    assert_same_tree(&before, &snapshot(&root));
}

#[test]
fn removing_the_last_package_leaves_a_plugin_that_builds() {
    let (_tmp, root) = new_repo("3.40.0", &[]);
    let out = scaffold_in(&root, &["remove-package", "profile", "--delete"]);
    ok(&out);
    assert!(!root.join("profile").exists());
    let docker = read(&root, "Dockerfile");
    assert!(!docker.contains("COPY profile/"), "{docker}");
    assert!(!read(&root, "packages_gen.go").contains("profile"));
    ok(&scaffold_in(&root, &["sync", "--check"]));
    build_plugin(&root);
    // And a package added afterwards is wired again.
    ok(&scaffold_in(&root, &["add-package", "inventory"]));
    build_plugin(&root);
}
