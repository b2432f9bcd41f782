//! A repo is untrusted input (a clone, a fork's pull request in CI): whatever it holds (a
//! planted journal, links that leave it, a linked or odd lock file), nothing outside it
//! changes, and the commands that only read write nothing at all. Each case keeps a canary
//! folder beside the repo and compares it byte for byte after the command.

use crate::common::*;
use proptest::prelude::*;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A folder beside the repo that no command may change: files, a folder, a script.
fn canary(repo: &Repo) -> PathBuf {
    let out = repo.tmp.path().join("outside");
    if !out.exists() {
        fs::create_dir_all(out.join("dir/deeper")).unwrap();
        fs::write(out.join("bashrc"), "echo hello\n").unwrap();
        fs::write(out.join("dir/file.go"), "package outside\n").unwrap();
        fs::write(out.join("dir/deeper/keep"), "keep\n").unwrap();
    }
    out
}

/// The journal an attacker commits: the shape an older scaffold wrote, naming paths outside.
fn planted_journal(outside: &Path, state: &str) -> String {
    let out = outside.display();
    format!(
        r#"{{"command":"scaffold sync","pid":1,"state":"{state}","dirs":["{out}/dir/deeper"],
        "files":[{{"target":"{out}/bashrc","staged":"scaffold.toml","backup":null,"sha256":"00","len":0}},
                 {{"target":"../outside/dir/file.go","staged":null,"backup":null,"sha256":"00","len":99}}],
        "removals":[{{"folder":"{out}/dir","aside":"../outside/gone"}}]}}"#
    )
}

/// The commands that only read, which must leave the repo byte for byte as it was.
const READ_ONLY: &[&[&str]] = &[
    &["doctor"],
    &["sync", "--check"],
    &["sync", "--dry-run"],
    &["add-package", "inv", "--dry-run"],
    &["remove-package", "profile", "--dry-run"],
    &["upgrade", "--nakama", "3.39.0", "--dry-run", "--no-go"],
    &["update", "--check"],
    &["doctor", "--fix", "--dry-run"],
];

/// Commands that never look at the repo: they must leave it alone all the same.
const ELSEWHERE: &[&[&str]] = &[&["list"], &["releases"]];

#[test]
fn a_planted_journal_is_never_acted_on_and_read_only_commands_leave_it_alone() {
    for state in ["commit", "staging", "rollback"] {
        let repo = Repo::new(&[]);
        let outside = canary(&repo);
        repo.write(".scaffold-journal", planted_journal(&outside, state));
        let before_out = tree(&outside);
        let before = tree(&repo.root);
        for args in READ_ONLY {
            let out = repo.run(args);
            assert!(
                out.stderr.contains("will not act on"),
                "{args:?} did not report the journal: {}",
                out.stderr
            );
            assert_same_tree(&before, &tree(&repo.root), &format!("{args:?} in the repo"));
            assert_same_tree(&before_out, &tree(&outside), &format!("{args:?} outside"));
        }
        for args in ELSEWHERE {
            repo.run(args).ok();
            assert_same_tree(&before, &tree(&repo.root), &format!("{args:?} in the repo"));
        }
        // A command that writes refuses to start, and changes nothing either.
        for args in [
            &["sync"][..],
            &["add-package", "inv"],
            &["doctor", "--fix"],
            &["remove-package", "profile"],
            &["update"],
            &["upgrade", "--nakama", "3.39.0", "--no-go", "--allow-dirty"],
        ] {
            repo.run(args)
                .fails_with(&["will not act on", "delete .scaffold-journal"]);
            assert_same_tree(&before_out, &tree(&outside), &format!("{args:?} outside"));
            assert!(repo.path("scaffold.toml").exists(), "{args:?}");
            assert!(
                !repo.path(".scaffold.lock").exists(),
                "{args:?} left its lock"
            );
        }
    }
}

#[test]
fn links_that_leave_the_repo_are_never_written_through() {
    // Each repo file a command writes, linked to a file outside; the command that writes it.
    let cases: &[(&str, &[&str])] = &[
        ("packages_gen.go", &["add-package", "inv"]),
        ("scaffold.toml", &["remove-package", "profile"]),
        ("Dockerfile", &["add-package", "inv"]),
        (
            "go.mod",
            &["upgrade", "--nakama", "3.39.0", "--no-go", "--allow-dirty"],
        ),
        (
            "go.sum",
            &["upgrade", "--nakama", "3.39.0", "--no-go", "--allow-dirty"],
        ),
    ];
    for (file, args) in cases {
        let repo = Repo::new(&[]);
        let outside = canary(&repo);
        let victim = outside.join(format!("victim-{}", file.replace('.', "-")));
        fs::copy(repo.path(file), &victim).unwrap();
        fs::remove_file(repo.path(file)).unwrap();
        symlink(&victim, repo.path(file)).unwrap();
        let before = tree(&outside);
        repo.run(args)
            .fails_with(&[file, "link that leaves the repo"]);
        assert_same_tree(
            &before,
            &tree(&outside),
            &format!("{args:?} through {file}"),
        );
    }
    // A folder of the repo linked outside: a new package would be written there.
    let repo = Repo::new(&[]);
    let outside = canary(&repo);
    symlink(outside.join("dir"), repo.path("inv")).unwrap();
    let before = tree(&outside);
    let out = repo.run(&["add-package", "inv"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert_same_tree(&before, &tree(&outside), "add-package into a linked folder");
}

#[test]
fn a_link_that_stays_inside_the_repo_is_written_through() {
    let repo = Repo::new(&[]);
    fs::create_dir(repo.path("build")).unwrap();
    fs::rename(repo.path("Dockerfile"), repo.path("build/Dockerfile")).unwrap();
    symlink("build/Dockerfile", repo.path("Dockerfile")).unwrap();
    repo.run(&["add-package", "inv"]).ok();
    assert!(fs::symlink_metadata(repo.path("Dockerfile"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(repo.read("build/Dockerfile").contains("COPY inv/ inv/"));
}

#[test]
fn an_odd_lock_file_is_never_written_through_and_fails_in_bounded_time() {
    let repo = Repo::new(&[]);
    let outside = canary(&repo);
    let before = tree(&outside);
    for (what, make) in [
        ("a link outside", 0),
        ("a dangling link", 1),
        ("a folder", 2),
    ] {
        let lock = repo.path(".scaffold.lock");
        let _ = fs::remove_file(&lock);
        let _ = fs::remove_dir(&lock);
        match make {
            0 => symlink(outside.join("bashrc"), &lock).unwrap(),
            1 => symlink(outside.join("nothing-here"), &lock).unwrap(),
            _ => fs::create_dir(&lock).unwrap(),
        }
        // Read-only: runs, writes nothing.
        let start = Instant::now();
        repo.run(&["doctor"]).ok();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what}: doctor hung"
        );
        // A writer refuses at once, naming the lock.
        let start = Instant::now();
        repo.run(&["sync"])
            .fails_with(&[".scaffold.lock", "not a plain file"]);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what}: sync hung"
        );
        assert_same_tree(&before, &tree(&outside), what);
        assert!(!outside.join("nothing-here").exists(), "{what}");
    }
}

#[test]
fn update_takes_the_repo_lock() {
    let repo = Repo::new(&[]);
    // Held as a live scaffold holds it: a flock on the file, with a pid in it.
    let lock = repo.path(".scaffold.lock");
    fs::write(&lock, "1\n").unwrap();
    let held = nix::fcntl::Flock::lock(
        fs::File::open(&lock).unwrap(),
        nix::fcntl::FlockArg::LockExclusiveNonblock,
    )
    .unwrap();
    let out = repo.run_env(&["update"], &[("SCAFFOLD_LOCK_WAIT", "0.3")]);
    out.fails_with(&["another scaffold is running"]);
    // A read-only check waits for a writer too, and creates nothing.
    let out = repo.run_env(&["update", "--check"], &[("SCAFFOLD_LOCK_WAIT", "0.3")]);
    out.fails_with(&["another scaffold is changing this repo"]);
    drop(held);
    repo.run(&["update", "--check"]).ok();
}

#[test]
fn ten_news_into_one_folder_make_one_whole_repo() {
    let tmp = tmp();
    let children: Vec<_> = (0..10)
        .map(|_| {
            std::process::Command::new(bin())
                .current_dir(tmp.path())
                .args(["new", "game", "--yes", "--no-git", "--quiet"])
                .env("SCAFFOLD_TEST_STEP_DELAY_MS", "2")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            ok += 1;
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("not empty") || err.contains("another scaffold"),
                "{err}"
            );
        }
    }
    assert_eq!(ok, 1, "exactly one `new` fills the folder");
    let root = tmp.path().join("game");
    let fresh = Repo::new(&[]);
    assert_eq!(
        files(&tree(&root)),
        files(&tree(&fresh.root)),
        "the folder holds one whole repo, nothing more"
    );
}

#[test]
fn a_new_stopped_before_its_journal_is_retried_in_the_same_folder() {
    let tmp = tmp();
    let dir = tmp.path().join("game");
    fs::create_dir(&dir).unwrap();
    // What a kill (or a full disk) while saving the first journal leaves.
    fs::write(dir.join(".scaffold-journal.tmp"), "{\"comm").unwrap();
    run_in(tmp.path(), ["new", "game", "--yes", "--no-git"]).ok();
    assert!(dir.join("scaffold.toml").is_file());
    assert!(!dir.join(".scaffold-journal.tmp").exists());
    assert!(!dir.join(".scaffold.lock").exists());
}

#[test]
fn delete_compares_contents_with_head_not_git_status() {
    let (_tmp, root) = new_repo("3.40.0", &[]);
    run_in(&root, ["add-package", "inventory"]).ok();
    commit_all(&root, "inventory");
    for flag in ["--assume-unchanged", "--skip-worktree"] {
        let file = root.join("inventory/inventory.go");
        let original = fs::read(&file).unwrap();
        write(&file, read(&file) + "// my edit, hidden from git status\n");
        git(&root, &["update-index", flag, "inventory/inventory.go"]);
        assert_eq!(git_status(&root).trim(), "", "{flag} hides the edit");
        run_in(&root, ["remove-package", "inventory", "--delete"])
            .fails_with(&["inventory/ holds work no commit has", "inventory.go"]);
        assert!(file.exists());
        fs::write(&file, original).unwrap();
        git(
            &root,
            &[
                "update-index",
                &flag.replace("--", "--no-"),
                "inventory/inventory.go",
            ],
        );
    }
    run_in(&root, ["remove-package", "inventory", "--delete"]).ok();
    assert!(!root.join("inventory").exists());
}

// ---- the property: random links, journals and locks; random commands ----

/// Something planted in a repo.
#[derive(Debug, Clone)]
enum Plant {
    /// A repo path (file or folder) replaced by a link to a place outside.
    LinkOut {
        path: &'static str,
        to: &'static str,
    },
    /// A repo path replaced by a link that stays inside.
    LinkIn {
        path: &'static str,
        to: &'static str,
    },
    /// A journal naming outside paths, in one of its states.
    Journal(&'static str),
    /// A lock file: a link outside, or a leftover plain file.
    Lock(bool),
    /// A half-saved journal at the temp name, linked outside.
    JournalTmpLink,
}

const REPO_PATHS: &[&str] = &[
    "Dockerfile",
    "packages_gen.go",
    "scaffold.toml",
    "go.mod",
    "go.sum",
    "main.go",
    "profile",
    "profile/profile.go",
    "inv",
    ".dockerignore",
];
const OUTSIDE: &[&str] = &["bashrc", "dir", "dir/file.go", "dir/deeper", "missing"];
const INSIDE: &[&str] = &["main.go", "profile", "Dockerfile", "nothing"];

const COMMANDS: &[&[&str]] = &[
    &["sync"],
    &["sync", "--check"],
    &["add-package", "inv"],
    &["add-package", "stats", "--kind", "match"],
    &["remove-package", "profile"],
    &["remove-package", "profile", "--delete", "--force"],
    &["doctor"],
    &["doctor", "--fix"],
    &["upgrade", "--nakama", "3.39.0", "--no-go", "--allow-dirty"],
    &["update", "--allow-dirty"],
    &["sync", "--adopt"],
];

fn plant() -> impl Strategy<Value = Plant> {
    prop_oneof![
        (
            prop::sample::select(REPO_PATHS),
            prop::sample::select(OUTSIDE)
        )
            .prop_map(|(path, to)| Plant::LinkOut { path, to }),
        (
            prop::sample::select(REPO_PATHS),
            prop::sample::select(INSIDE)
        )
            .prop_map(|(path, to)| Plant::LinkIn { path, to }),
        prop::sample::select(&["staging", "commit", "rollback"][..]).prop_map(Plant::Journal),
        any::<bool>().prop_map(Plant::Lock),
        Just(Plant::JournalTmpLink),
    ]
}

fn apply(repo: &Repo, outside: &Path, plant: &Plant) {
    let replace = |rel: &str, target: &Path| {
        let path = repo.path(rel);
        if let Some(parent) = path.parent() {
            if fs::symlink_metadata(parent).is_err() {
                return; // a parent already replaced by a link: nothing to plant here
            }
        }
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&path).unwrap(),
            Ok(_) => fs::remove_file(&path).unwrap(),
            Err(_) => {}
        }
        let _ = symlink(target, &path);
    };
    match plant {
        Plant::LinkOut { path, to } => replace(path, &outside.join(to)),
        Plant::LinkIn { path, to } if path != to => replace(path, Path::new(to)),
        Plant::LinkIn { .. } => {}
        Plant::Journal(state) => {
            let _ = fs::write(
                repo.path(".scaffold-journal"),
                planted_journal(outside, state),
            );
        }
        Plant::Lock(true) => replace(".scaffold.lock", &outside.join("bashrc")),
        Plant::Lock(false) => {
            let _ = fs::write(repo.path(".scaffold.lock"), "1\n");
        }
        Plant::JournalTmpLink => replace(".scaffold-journal.tmp", &outside.join("bashrc")),
    }
}

fn cases() -> u32 {
    std::env::var("SCAFFOLD_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn nothing_outside_the_repo_ever_changes(
        plants in prop::collection::vec(plant(), 1..5),
        commands in prop::collection::vec(prop::sample::select(COMMANDS), 1..5),
    ) {
        let repo = Repo::new(&[]);
        let outside = canary(&repo);
        for p in &plants {
            apply(&repo, &outside, p);
        }
        let before = tree(&outside);
        for args in &commands {
            let out = repo.run_env(args, &[("SCAFFOLD_LOCK_WAIT", "0.2")]);
            prop_assert!(out.code == 0 || out.code == 1 || out.code == 2, "{args:?}: {out:?}");
            prop_assert!(!out.stderr.contains("panicked"), "{args:?}: {out:?}");
            let after = tree(&outside);
            prop_assert!(before == after, "{args:?} after {plants:?} changed the outside: {:?}",
                changed(&before, &after));
        }
    }
}

fn changed(a: &Tree, b: &Tree) -> Vec<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}
