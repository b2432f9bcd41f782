//! A write that fails part way leaves the repo exactly as it was: debug builds fail one
//! file's rename on `SCAFFOLD_TEST_FAIL_WRITE=<path>` after the others were renamed, and where
//! the file system allows it an immutable file (`chattr +i`) makes a real rename fail.

use crate::common::*;
use std::path::{Path, PathBuf};

const FAIL: &str = "SCAFFOLD_TEST_FAIL_WRITE";

#[track_caller]
fn fails_unchanged(repo: &Repo, args: &[&str], target: &str) {
    let before = repo.tree();
    repo.run_env(args, &[(FAIL, target)]).failed(&[
        &format!("cannot write {}", repo.path(target).display()),
        "nothing was changed",
        "injected failure",
    ]);
    assert_same_tree(
        &before,
        &repo.tree(),
        &format!("{args:?} failing at {target}"),
    );
}

#[test]
fn add_package_rolls_back_at_any_file() {
    let repo = Repo::new(&[]);
    // The package files, the Dockerfile, then the wiring are renamed in that order: failing
    // at each one undoes every rename before it (new files removed, old bytes put back, the
    // new folder removed).
    for target in [
        "inventory/inventory.go",
        "inventory/inventory_test.go",
        "Dockerfile",
        "packages_gen.go",
    ] {
        fails_unchanged(&repo, &["add-package", "inventory"], target);
    }
    // A path the plan does not touch changes nothing: the command succeeds.
    repo.run_env(&["add-package", "inventory"], &[(FAIL, "go.mod")])
        .ok();
    assert!(repo.path("inventory/inventory.go").is_file());
}

#[test]
fn remove_package_delete_puts_the_folder_back() {
    let repo = Repo::new(&[]);
    repo.run(&["add-package", "inventory"]).ok();
    // The folder is moved aside first; a failed write must bring it back, with every file.
    // (--force: the repo is not in git, which --delete otherwise refuses.)
    for target in ["Dockerfile", "packages_gen.go"] {
        let args = ["remove-package", "inventory", "--delete", "--force"];
        fails_unchanged(&repo, &args, target);
    }
    repo.run(&["remove-package", "inventory", "--delete", "--force"])
        .ok();
    assert!(!repo.path("inventory").exists());
}

#[test]
fn sync_rolls_back() {
    let repo = Repo::new(&[]);
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    for target in ["Dockerfile", "packages_gen.go"] {
        fails_unchanged(&repo, &["sync"], target);
    }
    repo.run(&["sync", "--check"]).code(1);
}

#[test]
fn sync_force_rolls_back_a_replaced_block() {
    let repo = Repo::new(&[]);
    let docker = repo.read("Dockerfile");
    repo.write(
        "Dockerfile",
        docker.replace("COPY profile/ profile/\n", "COPY mine/ mine/\n"),
    );
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    fails_unchanged(&repo, &["sync", "--force"], "packages_gen.go");
}

#[test]
fn new_rolls_back_to_no_folder_at_all() {
    let tmp = tmp();
    let before = tree(tmp.path());
    for target in [
        "packages_gen.go",
        "Dockerfile",
        "profile/profile.go",
        "main.go",
    ] {
        let mut cmd = scaffold();
        cmd.current_dir(tmp.path())
            .args(["new", "deep/er/game", "--name", "game", "--yes"])
            .env(FAIL, target);
        output(&mut cmd).failed(&["nothing was changed", "injected failure"]);
        // Not even the folders it made, and no git repository.
        assert!(!tmp.path().join("deep").exists(), "failing at {target}");
        assert_same_tree(&before, &tree(tmp.path()), target);
    }
}

#[test]
fn new_force_rolls_back_inside_an_existing_folder() {
    let tmp = tmp();
    write(tmp.path().join("game/README.md"), "mine\n");
    write(tmp.path().join("game/profile/notes.txt"), "mine too\n");
    let before = tree(tmp.path());
    let mut cmd = scaffold();
    cmd.current_dir(tmp.path())
        .args(["new", "game", "--yes", "--no-git", "--force"])
        .env(FAIL, "packages_gen.go");
    output(&mut cmd).failed(&["nothing was changed"]);
    assert_same_tree(&before, &tree(tmp.path()), "new --force");
}

/// Clears the immutable flag again, even when the test fails, so the temp dir can go.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_real_rename_failure_rolls_back_too() {
    let repo = Repo::new(&[]);
    let before = repo.tree();
    let Some(_guard) = Immutable::set(&repo.path("packages_gen.go")) else {
        // Root ignores permissions, so only an immutable file makes a rename fail; not every
        // file system (or container) supports it.
        eprintln!("chattr +i is not available here; the injected failure tests cover rollback");
        return;
    };
    let out = repo.run(&["add-package", "inventory"]).failed(&[
        "cannot write",
        "packages_gen.go",
        "nothing was changed",
    ]);
    assert!(
        out.stderr.contains("Operation not permitted") || out.stderr.contains("os error 1"),
        "{out:#?}"
    );
    assert_same_tree(&before, &repo.tree(), "immutable packages_gen.go");
}
