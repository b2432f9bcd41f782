//! What scaffold prints: `--json` reports, `--quiet`, colours, help, completions, the man page,
//! and the exit codes.

use crate::common::*;
use clap::CommandFactory;
use std::path::Path;

/// The visible subcommands (as `scaffold --help` lists them), from the clap definition, so a
/// new command is covered the day it lands. The ones this product promises must be there.
fn subcommands() -> Vec<clap::Command> {
    let mut cmd = scaffold::cli::Cli::command();
    cmd.build();
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .cloned()
        .collect();
    let names: Vec<&str> = subs.iter().map(|s| s.get_name()).collect();
    for wanted in [
        "new",
        "add-package",
        "sync",
        "upgrade",
        "remove-package",
        "completions",
    ] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    subs
}

/// A repo on `release` with `profile`, committed; the module is `example.com/game`.
fn repo(release: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    new_repo(release, &[])
}

fn root_str(root: &Path) -> String {
    root.display().to_string()
}

/// Every file under `dir` (`.git/` left out), `/`-separated and sorted.
fn files(dir: &Path) -> Vec<String> {
    file_contents(dir).into_keys().collect()
}

fn has_ansi(text: impl AsRef<[u8]>) -> bool {
    text.as_ref().windows(2).any(|w| w == b"\x1b[")
}

// ---- --json ---------------------------------------------------------------------------------

#[test]
fn json_new_reports_every_file_it_wrote() {
    let tmp = tmp();
    let dir = tmp.path().join("game");
    let out = run_in(
        tmp.path(),
        [
            "new",
            dir.to_str().unwrap(),
            "--yes",
            "--nakama",
            "3.40.0",
            "--module",
            "example.com/game",
            "--json",
        ],
    )
    .ok();
    let r = out.report();
    assert_eq!(r["command"], "new");
    assert_eq!(r["root"], root_str(&dir));
    assert_eq!(r["dry_run"], false);
    let created = strings(&r["created"]);
    assert_eq!(created, files(&dir), "created is exactly what is on disk");
    for f in [
        "Dockerfile",
        "go.mod",
        "go.sum",
        "main.go",
        "packages_gen.go",
        "profile/profile.go",
        "scaffold.toml",
    ] {
        assert!(created.iter().any(|c| c == f), "{f} in {created:?}");
    }
    for empty in ["changed", "skipped", "deleted", "warnings"] {
        assert_eq!(strings(&r[empty]), Vec::<String>::new(), "{empty}");
    }
    assert_eq!(
        out.stderr, "",
        "--json keeps stderr for errors and warnings"
    );
}

#[test]
fn json_new_dry_run_and_skipped_files() {
    let tmp = tmp();
    let dir = tmp.path().join("game");
    write(dir.join("README.md"), "mine\n");
    let out = run_in(
        tmp.path(),
        [
            "new",
            dir.to_str().unwrap(),
            "--yes",
            "--no-git",
            "--force",
            "--json",
            "--dry-run",
        ],
    )
    .ok();
    let r = out.report();
    assert_eq!(r["dry_run"], true);
    assert_eq!(strings(&r["skipped"]), ["README.md"]);
    assert_eq!(
        strings(&r["warnings"]),
        ["README.md already exists and was kept as it is"]
    );
    let created = strings(&r["created"]);
    assert!(created.iter().any(|c| c == "Dockerfile") && !created.iter().any(|c| c == "README.md"));
    assert_eq!(files(&dir), ["README.md"], "a dry run writes nothing");

    // The real run creates exactly what the dry run listed, and keeps README.md.
    let out = run_in(
        tmp.path(),
        [
            "new",
            dir.to_str().unwrap(),
            "--yes",
            "--no-git",
            "--force",
            "--json",
        ],
    )
    .ok();
    let real = out.report();
    assert_eq!(strings(&real["created"]), created);
    assert_eq!(read(dir.join("README.md")), "mine\n");
}

#[test]
fn json_add_package() {
    let (_tmp, root) = repo("3.40.0");
    let out = run_in(&root, ["add-package", "inventory", "--json"]).ok();
    let r = out.report();
    assert_eq!(r["command"], "add-package");
    assert_eq!(r["root"], root_str(&root));
    assert_eq!(r["dry_run"], false);
    let in_folder: Vec<String> = files(&root)
        .into_iter()
        .filter(|f| f.starts_with("inventory/"))
        .collect();
    assert_eq!(strings(&r["created"]), in_folder);
    assert!(in_folder.contains(&"inventory/inventory.go".to_string()));
    assert_eq!(strings(&r["changed"]), ["Dockerfile", "packages_gen.go"]);
    for empty in ["skipped", "deleted", "warnings"] {
        assert!(strings(&r[empty]).is_empty(), "{empty}");
    }
    assert_eq!(out.stderr, "");
}

#[test]
fn json_sync_then_fresh() {
    let (_tmp, root) = repo("3.40.0");
    write(
        root.join("stats/stats.go"),
        "package stats\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\n\t\"github.com/heroiclabs/nakama-common/runtime\"\n)\n\nfunc Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n\treturn nil\n}\n",
    );
    let out = run_in(&root, ["sync", "--json"]).ok();
    let r = out.report();
    assert_eq!(r["command"], "sync");
    assert_eq!(r["root"], root_str(&root));
    assert_eq!(strings(&r["changed"]), ["Dockerfile", "packages_gen.go"]);
    assert!(strings(&r["created"]).is_empty());
    assert!(read(root.join("Dockerfile")).contains("COPY stats/ stats/\n"));
    assert!(read(root.join("packages_gen.go")).contains("stats.Register("));

    let again = run_in(&root, ["sync", "--json"]).report();
    assert!(strings(&again["changed"]).is_empty());
    assert!(strings(&again["created"]).is_empty());
}

#[test]
fn json_upgrade_and_its_dry_run() {
    let (_tmp, root) = repo("3.37.1");
    let before = snapshot(&root);
    let expect = |out: Out, dry: bool| {
        let out = out.ok();
        let r = out.report();
        assert_eq!(r["command"], "upgrade");
        assert_eq!(r["root"], root_str(&root));
        assert_eq!(r["dry_run"], dry);
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
        for empty in ["created", "skipped", "deleted", "warnings"] {
            assert!(strings(&r[empty]).is_empty(), "{empty}: {:?}", r[empty]);
        }
        assert_eq!(out.stderr, "");
    };
    let out = run_in(
        &root,
        [
            "upgrade",
            "--nakama",
            "3.40.0",
            "--no-go",
            "--dry-run",
            "--json",
        ],
    );
    expect(out, true);
    assert_unchanged(&before, &snapshot(&root));
    let out = run_in(
        &root,
        ["upgrade", "--nakama", "3.40.0", "--no-go", "--json"],
    );
    expect(out, false);
    assert!(read(root.join("go.mod")).contains("nakama-common v1.47.0"));
}

#[test]
fn json_upgrade_reports_a_go_sum_it_creates() {
    let (_tmp, root) = repo("3.37.1");
    std::fs::remove_file(root.join("go.sum")).unwrap();
    commit_all(&root, "no go.sum");
    let out = run_in(
        &root,
        ["upgrade", "--nakama", "3.40.0", "--no-go", "--json"],
    )
    .ok();
    let r = out.report();
    assert_eq!(strings(&r["created"]), ["go.sum"]);
    assert_eq!(
        strings(&r["changed"]),
        ["Dockerfile", "README.md", "go.mod", "scaffold.toml"]
    );
    assert_eq!(
        read(root.join("go.sum")),
        crate_file("scaffolds/gosum/3.40.0.sum")
    );
}

#[test]
fn json_remove_package() {
    let (_tmp, root) = repo("3.40.0");
    run_in(&root, ["add-package", "inventory"]).ok();
    run_in(&root, ["add-package", "stats"]).ok();
    // --delete refuses a folder whose files no commit holds.
    commit_all(&root, "inventory and stats");

    let out = run_in(&root, ["remove-package", "stats", "--json"]).ok();
    let r = out.report();
    assert_eq!(r["command"], "remove-package");
    assert_eq!(r["root"], root_str(&root));
    assert_eq!(r["dry_run"], false);
    assert_eq!(
        strings(&r["changed"]),
        ["Dockerfile", "packages_gen.go", "scaffold.toml"]
    );
    assert!(strings(&r["created"]).is_empty() && strings(&r["deleted"]).is_empty());
    let warnings = strings(&r["warnings"]);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("stats/ stays on disk, out of the build;"));
    assert_eq!(out.stderr, "", "warnings are in the JSON, not on stderr");

    let out = run_in(
        &root,
        [
            "remove-package",
            "inventory",
            "--delete",
            "--dry-run",
            "--json",
        ],
    )
    .ok();
    let r = out.report();
    assert_eq!(r["dry_run"], true);
    assert_eq!(strings(&r["deleted"]), ["inventory/"]);
    assert_eq!(strings(&r["changed"]), ["Dockerfile", "packages_gen.go"]);
    assert!(root.join("inventory").is_dir());

    let out = run_in(&root, ["remove-package", "inventory", "--delete", "--json"]);
    let r = out.report();
    assert_eq!(r["dry_run"], false);
    assert_eq!(strings(&r["deleted"]), ["inventory/"]);
    assert!(strings(&r["warnings"]).is_empty());
    assert!(!root.join("inventory").exists());
}

#[test]
fn json_failure_is_one_error_object_on_stdout() {
    let (_tmp, root) = repo("3.40.0");
    let out = run_in(&root, ["add-package", "profile", "--json"]).code(1);
    let v = out.checked_json();
    assert_eq!(v.as_object().unwrap().len(), 1, "only the error: {v:#}");
    assert_eq!(v["error"]["kind"], "failed");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{v:#}"
    );
    assert_eq!(out.stderr, "", "--json says the error once, in the JSON");
}

/// Every command's `--json` output, successes and failures alike, is one object that follows
/// schema/scaffold.schema.json, and its `error` carries the exit code.
#[test]
fn every_command_json_follows_the_schema() {
    let (tmp, root) = repo("3.37.1");
    let here = tmp.path();
    let game = root.to_str().unwrap();
    let ejected = here.join("ejected");
    // A repo with problems: a package the plugin imports that the Dockerfile does not copy.
    let (_sick_tmp, sick_root) = repo("3.37.1");
    write(
        sick_root.join("stats/stats.go"),
        handmade_package("stats", "stats_get"),
    );
    write(
        sick_root.join("stats_import.go"),
        "package main\n\nimport _ \"example.com/game/stats\"\n",
    );
    let sick = sick_root.to_str().unwrap();
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["doctor", sick], 1),
        (vec!["doctor", "--fix", "--dry-run", sick], 1),
        (vec!["sync", "--check", "-C", sick], 1),
        (vec!["update", "--to", "nothere", "-C", game], 1),
        (vec!["remove-package", "nothere", "--delete", "-C", game], 1),
        (vec!["check-template", "nothere", "--no-go"], 1),
        (vec!["eject"], 2),
        (vec!["new", "fresh", "--yes", "--no-git"], 0),
        (vec!["new", "dry", "--yes", "--dry-run"], 0),
        (vec!["new", "fresh", "--yes"], 1),
        (vec!["new", "Bad Name", "--yes"], 1),
        (vec!["new", "asks"], 2),
        (vec!["add-package", "inventory", "-C", game], 0),
        (vec!["add-package", "wallet", "--dry-run", "-C", game], 0),
        (vec!["add-package", "--list-kinds", "-C", game], 0),
        (vec!["add-package", "--list-kinds"], 0),
        (vec!["add-package", "inventory", "-C", game], 1),
        (
            vec!["add-package", "lobby", "--kind", "nope", "-C", game],
            1,
        ),
        (vec!["sync", "-C", game], 0),
        (vec!["sync", "--check", "-C", game], 0),
        (vec!["sync", "--dry-run", "-C", game], 0),
        (vec!["sync"], 1),
        (
            vec!["remove-package", "inventory", "--dry-run", "-C", game],
            0,
        ),
        (vec!["remove-package", "nothere", "-C", game], 1),
        (vec!["upgrade", "--list"], 0),
        (
            vec!["upgrade", "--nakama", "3.40.0", "--dry-run", "-C", game],
            0,
        ),
        (vec!["upgrade", "--nakama", "9.9.9", "-C", game], 1),
        (vec!["doctor", game], 0),
        (vec!["doctor", "--fix", "--dry-run", game], 0),
        (vec!["doctor", "nothere"], 2),
        (vec!["doctor", "--allow", "D999", game], 2),
        (vec!["list"], 0),
        (vec!["releases"], 0),
        (vec!["update", "--check", "-C", game], 0),
        (vec!["eject", ejected.to_str().unwrap()], 0),
        (vec!["eject", ejected.to_str().unwrap()], 1),
        (
            vec!["check-template", ejected.to_str().unwrap(), "--no-go"],
            0,
        ),
        (vec!["dev"], 2),
        (vec!["completions", "bash"], 2),
        (vec!["man"], 2),
        (vec!["add-package", "--bogus"], 2),
        (vec!["upgrade"], 2),
    ];
    let mut commands = std::collections::BTreeSet::new();
    for (args, code) in runs {
        let out = output(
            scaffold()
                .current_dir(here)
                .env("XDG_CONFIG_HOME", here.join("config"))
                .arg("--json")
                .args(&args),
        )
        .code(code);
        let v = out.checked_json();
        assert_eq!(out.stderr, "", "{args:?}: --json keeps stderr empty");
        if let Some(c) = v["command"].as_str() {
            commands.insert(c.to_string());
            let at = v["root"].as_str().unwrap();
            assert!(Path::new(at).is_absolute(), "{args:?}: root {at}");
        }
    }
    // Every command that reports was seen reporting.
    let schema = json_schema();
    let documented: std::collections::BTreeSet<String> = schema["properties"]["command"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(commands, documented);
}

#[test]
fn json_root_is_absolute_for_a_relative_folder() {
    let tmp = tmp();
    for args in [
        &["new", "game", "--yes", "--no-git", "--dry-run", "--json"][..],
        &["new", "game", "--yes", "--no-git", "--json"][..],
    ] {
        let r = run_in(tmp.path(), args).report();
        assert_eq!(r["root"], root_str(&tmp.path().join("game")), "{args:?}");
    }
    let r = run_in(tmp.path(), ["doctor", "game", "--json"]).report();
    assert_eq!(r["root"], root_str(&tmp.path().join("game")));
}

#[test]
fn json_sync_check_reports_fresh_and_stale_with_the_diff() {
    let (_tmp, root) = repo("3.40.0");
    let out = run_in(&root, ["sync", "--check", "--json"]).ok();
    let r = out.report();
    assert_eq!(r["stale"], false);
    assert_eq!(r["diff"], "");
    assert_eq!(r["dry_run"], true);

    write(
        root.join("stats/stats.go"),
        handmade_package("stats", "stats_get"),
    );
    let out = run_in(&root, ["sync", "--check", "--json"]).code(1);
    let r = out.report();
    assert_eq!(r["stale"], true);
    let diff = r["diff"].as_str().unwrap();
    assert!(diff.contains("+COPY stats/ stats/"), "{diff}");
    assert!(diff.contains("stats.Register("), "{diff}");
    assert_eq!(strings(&r["changed"]), ["Dockerfile", "packages_gen.go"]);
    assert_eq!(r["error"]["kind"], "problems");
    assert_eq!(out.stderr, "");
    assert!(
        !read(root.join("Dockerfile")).contains("stats/"),
        "--check writes nothing"
    );
}

#[test]
fn json_lists_are_reports_too() {
    let tmp = tmp();
    let r = run_in(tmp.path(), ["upgrade", "--list", "--json"]).report();
    let releases = r["releases"].as_array().unwrap();
    assert_eq!(releases.len(), release_table().len());
    assert_eq!(releases[0]["nakama"], "3.40.0");
    let r = run_in(tmp.path(), ["add-package", "--list-kinds", "--json"]).report();
    let kinds: Vec<&str> = r["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["rpc", "hook", "http", "match"]);
    let r = output(
        scaffold()
            .current_dir(tmp.path())
            .env("XDG_CONFIG_HOME", tmp.path().join("config"))
            .args(["list", "--json"]),
    )
    .report();
    assert_eq!(r["scaffolds"][0]["name"], "builtin");
    assert_eq!(r["root"], root_str(tmp.path()));
}

// ---- a closed stdout ------------------------------------------------------------------------

/// Runs `scaffold ARGS` in `cwd` with stdout a pipe whose reading end is already closed, as
/// `| head -1` leaves it once head has its line: every write to stdout fails.
fn with_closed_stdout(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let (reader, writer) = nix::unistd::pipe().expect("a pipe");
    drop(reader);
    let mut cmd = std::process::Command::new(bin());
    cmd.current_dir(cwd)
        .args(args)
        .env("TERM", "dumb")
        .env("XDG_CONFIG_HOME", cwd.join("config"))
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(writer));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("scaffold runs");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Every command that prints to stdout ends quietly when the reader has gone: no panic, the
/// exit code the same run has with a reader (a verdict such as doctor's problems stands),
/// and nothing on stderr that the same run with a reader does not print too (its status
/// lines before the output). Each run is first made with a reader, to be sure it
/// prints there, so the closed pipe is really met, and that its output ends its last line.
#[test]
fn a_closed_stdout_ends_every_printing_command_quietly() {
    let (tmp, root) = repo("3.37.1");
    let here = tmp.path();
    let game = root.to_str().unwrap();
    // A package the plugin imports but the Dockerfile does not copy yet, so sync and doctor
    // have something to say.
    write(
        root.join("stats/stats.go"),
        handmade_package("stats", "stats_get"),
    );
    write(
        root.join("stats_import.go"),
        "package main\n\nimport _ \"example.com/game/stats\"\n",
    );
    run_in(here, ["eject", "ejected", "--quiet"]).ok();
    // Read-only runs; the ones that write are below.
    let runs: &[&[&str]] = &[
        &["upgrade", "--list"],
        &["upgrade", "--list", "--json"],
        &["upgrade", "--nakama", "3.40.0", "--dry-run", "-C", game],
        &[
            "upgrade",
            "--nakama",
            "3.40.0",
            "--dry-run",
            "--json",
            "-C",
            game,
        ],
        &["releases"],
        &["releases", "--json"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &["man"],
        &["--help"],
        &["new", "--help"],
        &["help", "sync"],
        &["--version"],
        &["new", "x", "--yes", "--dry-run"],
        &["new", "x", "--yes", "--dry-run", "--json"],
        &["--json", "doctor", game],
        &["doctor", game],
        &["doctor", "--fix", "--dry-run", game],
        &["doctor", "--fix", "--dry-run", "--json", game],
        &["list"],
        &["list", "--json"],
        &["add-package", "--list-kinds"],
        &["add-package", "--list-kinds", "--json"],
        &["add-package", "wallet", "--dry-run", "-C", game],
        &["add-package", "wallet", "--dry-run", "--json", "-C", game],
        &["add-package", "--json", "profile", "-C", game],
        &["sync", "--check", "-C", game],
        &["sync", "--check", "--json", "-C", game],
        &["sync", "--dry-run", "-C", game],
        &["sync", "--dry-run", "--json", "-C", game],
        &["remove-package", "profile", "--dry-run", "-C", game],
        &[
            "remove-package",
            "profile",
            "--dry-run",
            "--json",
            "-C",
            game,
        ],
        &["update", "--check", "--json", "-C", game],
        &["check-template", "ejected", "--no-go", "--json"],
        &["--json", "add-package", "--bogus"],
    ];
    let mut verdicts = 0;
    for args in runs {
        let mut cmd = scaffold();
        cmd.current_dir(here)
            .env("XDG_CONFIG_HOME", here.join("config"))
            .args(*args);
        if args[0] == "upgrade" {
            // The repo's build fails on purpose (stats/ is not copied), which Go would refuse
            // an upgrade for; the static rules let it print its diff.
            cmd.env("SCAFFOLD_JUDGE", "static");
        }
        let open = output(&mut cmd);
        assert!(
            !open.stdout.is_empty(),
            "{args:?} prints nothing: {open:#?}"
        );
        assert!(
            open.stdout.ends_with('\n'),
            "{args:?}: the last line has no end: {:?}",
            &open.stdout[open.stdout.len().saturating_sub(40)..]
        );
        let env: &[(&str, &str)] = if args[0] == "upgrade" {
            &[("SCAFFOLD_JUDGE", "static")]
        } else {
            &[]
        };
        let closed = with_closed_stdout(here, args, env);
        assert_eq!(closed.code, open.code, "{args:?}: {closed:#?}");
        verdicts += usize::from(open.code == 1);
        for line in closed.stderr.lines() {
            assert!(
                open.stderr.lines().any(|l| l == line),
                "{args:?}: the closed pipe added `{line}` on stderr"
            );
        }
    }
    // doctor (plain and --json) and sync --check (plain and --json) find the uncopied package.
    assert!(verdicts >= 4, "only {verdicts} runs had problems to report");
    // Runs that write: with --json they print once they are done, and still end quietly.
    for args in [
        &["new", "y", "--yes", "--no-git", "--json"][..],
        &["eject", "ejected2", "--json"],
        &["add-package", "wallet", "--json", "-C", game],
    ] {
        let out = with_closed_stdout(here, args, &[]);
        assert_eq!(out.code, 0, "{args:?}: {out:#?}");
        assert_eq!(out.stderr, "", "{args:?}");
    }
    assert!(here.join("y/scaffold.toml").is_file() && root.join("wallet").is_dir());
    // The shell asking for completions (see `completions`) is a printing command too.
    let out = with_closed_stdout(
        here,
        &["--", "scaffold", "upgrade", "--nakama", ""],
        &[("COMPLETE", "bash"), ("_CLAP_COMPLETE_INDEX", "3")],
    );
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stderr, "");
}

/// The same through a real shell pipeline, as a person types it.
#[test]
fn head_after_a_long_listing_ends_quietly() {
    let tmp = tmp();
    let script = format!(
        "'{bin}' man | head -1 >/dev/null; a=${{PIPESTATUS[0]}}; '{bin}' completions bash | head -c1 >/dev/null; b=${{PIPESTATUS[0]}}; '{bin}' upgrade --list | head -1 >/dev/null; echo $a $b ${{PIPESTATUS[0]}}",
        bin = bin().display()
    );
    let out = sh(tmp.path(), "bash", &["-c", &script], &[]);
    assert_eq!(out.stdout.trim(), "0 0 0", "{out:#?}");
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

// ---- --quiet and colours --------------------------------------------------------------------

#[test]
fn quiet_add_package_prints_nothing() {
    let (_tmp, root) = repo("3.40.0");
    let out = run_in(&root, ["add-package", "inventory", "--quiet"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "");
    assert!(
        root.join("inventory/inventory.go").is_file(),
        "and still did the work"
    );
    assert!(read(root.join("Dockerfile")).contains("COPY inventory/ inventory/"));

    // Errors are still said.
    let out = run_in(&root, ["-q", "add-package", "inventory"]).code(1);
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
}

#[test]
fn quiet_upgrade_and_remove_package_print_nothing() {
    let (_tmp, root) = repo("3.37.1");
    run_in(&root, ["add-package", "inventory"]).ok();
    commit_all(&root, "inventory");
    for args in [
        &["upgrade", "--nakama", "3.40.0", "--no-go", "--quiet"][..],
        &["remove-package", "inventory", "--delete", "--quiet"][..],
        &["sync", "--quiet"][..],
    ] {
        let out = run_in(&root, args).ok();
        assert_eq!(out.stdout, "", "{args:?}");
        assert_eq!(out.stderr, "", "{args:?}");
    }
    assert!(read(root.join("go.mod")).contains("nakama-common v1.47.0"));
    assert!(!root.join("inventory").exists());
}

#[test]
fn colours_only_when_asked_or_on_a_terminal() {
    let (_tmp, root) = repo("3.40.0");
    // Asked for: the status lines on stderr, and the diff on stdout, are coloured.
    let out = run_in(&root, ["add-package", "a", "--color", "always"]).ok();
    assert!(has_ansi(&out.stderr), "{}", out.stderr);
    let out = run_in(
        &root,
        ["add-package", "b", "--dry-run", "--color", "always"],
    )
    .ok();
    assert!(has_ansi(&out.stdout), "{}", out.stdout);
    // `--color always` wins over NO_COLOR.
    let out = output(scaffold().current_dir(&root).env("NO_COLOR", "1").args([
        "add-package",
        "c",
        "--color",
        "always",
    ]))
    .ok();
    assert!(has_ansi(&out.stderr));
    // An error line too.
    let out = run_in(&root, ["add-package", "a", "--color", "always"]).code(1);
    assert!(has_ansi(&out.stderr));

    // Piped (as here) with no choice made: plain. NO_COLOR and `never`: plain.
    let out = run_in(&root, ["add-package", "d"]).ok();
    assert!(
        !out.stderr.is_empty() && !has_ansi(&out.stderr),
        "{}",
        out.stderr
    );
    let out = output(scaffold().current_dir(&root).env("NO_COLOR", "1").args([
        "add-package",
        "e",
        "--dry-run",
    ]))
    .ok();
    assert!(!has_ansi(&out.stderr) && !has_ansi(&out.stdout));
    assert!(!out.stdout.is_empty());
    let out = run_in(&root, ["add-package", "a", "--color", "never"]).code(1);
    assert!(!has_ansi(&out.stderr));
}

/// `auto` decides per stream: stderr sent to a file gets no colour even when stdout is a
/// terminal. `script` gives the command a terminal for stdout.
#[test]
fn auto_colour_follows_each_stream() {
    let (tmp, root) = repo("3.40.0");
    let bin = assert_cmd::cargo::cargo_bin("scaffold");
    let log = tmp.path().join("stderr.log");
    let cmd = format!(
        "cd '{}' && '{}' add-package inventory 2>'{}'",
        root.display(),
        bin.display(),
        log.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success());
    let text = std::fs::read(&log).unwrap();
    assert!(!text.is_empty());
    assert!(!has_ansi(&text), "{}", String::from_utf8_lossy(&text));
}

// ---- help, completions, man page ------------------------------------------------------------

#[test]
fn every_subcommand_help_has_examples() {
    for sub in subcommands() {
        let name = sub.get_name().to_string();
        let out = output(scaffold().args([name.as_str(), "--help"])).ok();
        let help = out.stdout;
        let at = help
            .find("\nExamples:\n  scaffold ")
            .unwrap_or_else(|| panic!("`scaffold {name} --help` has no Examples section:\n{help}"));
        // The examples are of this command (or show where its output goes).
        assert!(help[at..].contains(&format!("scaffold {name}")), "{help}");
    }
    let top = output(scaffold().arg("--help")).ok();
    assert!(top.stdout.contains("\nExamples:\n"));
    assert!(top.stdout.contains("Exit codes: 0 ok, 1 failure"));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = output(scaffold().args(["completions", shell])).ok();
        let script = out.stdout;
        // A registration: the shell asks the binary itself, so every value is current.
        assert!(script.contains("COMPLETE"), "{shell}: {script}");
        assert!(
            script.contains(&bin().display().to_string()),
            "{shell} calls the binary by the path it was run as: {script}"
        );
        assert_eq!(out.stderr, "");
    }
}

fn write_completion(shell: &str, dir: &Path) -> std::path::PathBuf {
    let out = output(scaffold().args(["completions", shell])).ok();
    let path = dir.join(format!("scaffold.{shell}"));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// What bash offers for the command line `words` (the last one is being completed), with
/// the generated script loaded, run in `cwd`.
fn bash_complete(cwd: &Path, script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let probe = format!(
        "source '{}'\nCOMP_WORDS=({}); COMP_CWORD={}; COMP_TYPE=9; _clap_complete_scaffold scaffold '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = sh(cwd, "bash", &["-c", &probe], &[("TERM", "dumb")]).ok();
    // printf prints one empty line for an empty COMPREPLY.
    out.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_parses_and_completes() {
    let tmp = tmp();
    let script = write_completion("bash", tmp.path());
    sh(tmp.path(), "bash", &["-n", script.to_str().unwrap()], &[]).ok();
    let complete = |words: &[&str]| bash_complete(tmp.path(), &script, words);
    assert_eq!(complete(&["scaffold", "remove-"]), ["remove-package"]);
    assert_eq!(
        complete(&["scaffold", "upgrade", "--n"]),
        ["--nakama", "--no-go"]
    );

    // Subcommands: every visible one, and not the hidden `man`.
    let subs = complete(&["scaffold", ""]);
    for sub in subcommands() {
        assert!(subs.iter().any(|s| s == sub.get_name()), "{subs:?}");
    }
    assert!(!subs.iter().any(|s| s == "man"), "{subs:?}");
    // Not even once no visible command matches the word (clap offers hidden ones then).
    assert_eq!(complete(&["scaffold", "m"]), Vec::<String>::new());
    assert_eq!(complete(&["scaffold", "help", "m"]), Vec::<String>::new());
}

#[test]
fn bash_completes_kinds_releases_and_package_folders() {
    let (tmp, root) = repo("3.40.0");
    let script = write_completion("bash", tmp.path());
    run_in(&root, ["add-package", "inventory"]).ok();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    write(root.join("docs/notes.md"), "not Go\n");

    // --kind: the kinds, not file names.
    let kinds = bash_complete(
        &root,
        &script,
        &["scaffold", "add-package", "x", "--kind", ""],
    );
    assert_eq!(kinds, ["rpc", "hook", "http", "match"]);
    let kinds = bash_complete(
        &root,
        &script,
        &["scaffold", "add-package", "x", "--kind", "h"],
    );
    assert_eq!(kinds, ["hook", "http"]);

    // --nakama: for new and upgrade, the releases they offer (they refuse the others, such
    // as 3.38.0); for sync --adopt, which records the release deployed, the whole table.
    let offered: Vec<String> = run_in(tmp.path(), ["releases", "--json"]).report()["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["offered"] == true)
        .map(|r| r["nakama"].as_str().unwrap().to_string())
        .collect();
    let table: Vec<String> = release_table().into_iter().map(|r| r.nakama).collect();
    assert!(table.contains(&"3.38.0".to_string()) && !offered.contains(&"3.38.0".to_string()));
    let got = bash_complete(&root, &script, &["scaffold", "upgrade", "--nakama", ""]);
    assert_eq!(got, offered);
    let got = bash_complete(
        tmp.path(),
        &script,
        &["scaffold", "new", "g", "--nakama", "3.3"],
    );
    let offered_33: Vec<&String> = offered.iter().filter(|v| v.starts_with("3.3")).collect();
    assert_eq!(got.iter().collect::<Vec<_>>(), offered_33);
    let got = bash_complete(
        &root,
        &script,
        &["scaffold", "sync", "--adopt", "--nakama", ""],
    );
    assert_eq!(got, table);

    // remove-package: the package folders of the repo around the current folder.
    let got = bash_complete(&root, &script, &["scaffold", "remove-package", ""]);
    let values: Vec<&String> = got.iter().filter(|w| !w.starts_with('-')).collect();
    assert_eq!(values, ["inventory", "profile"], "{got:?}");
    let got = bash_complete(
        &root.join("inventory"),
        &script,
        &["scaffold", "remove-package", "p"],
    );
    assert_eq!(got, ["profile"]);
}

#[test]
fn zsh_completion_parses_when_zsh_is_installed() {
    let tmp = tmp();
    let script = write_completion("zsh", tmp.path());
    let text = read(tmp.path().join("scaffold.zsh"));
    assert!(
        text.starts_with("#compdef scaffold"),
        "{}",
        &text[..40.min(text.len())]
    );
    if need(
        "zsh",
        &["--version"],
        "Debian `zsh`; scripts/setup.sh installs it",
    ) {
        sh(tmp.path(), "zsh", &["-n", script.to_str().unwrap()], &[]).ok();
    }
}

/// The man page's section for one command: from its `.SH` line to the next `.SH`.
fn man_section<'a>(page: &'a str, name: &str) -> &'a str {
    let heading = format!(
        ".SH \"SCAFFOLD {}\"\n",
        name.to_uppercase().replace('-', "\\-")
    );
    let start = page
        .find(&heading)
        .unwrap_or_else(|| panic!("no section {heading:?} in the man page"));
    let rest = &page[start + heading.len()..];
    &rest[..rest.find("\n.SH ").map_or(rest.len(), |i| i + 1)]
}

#[test]
fn man_page_is_roff_and_covers_every_command() {
    let out = output(scaffold().arg("man")).ok();
    let page = out.stdout;
    assert!(
        page.starts_with(".TH ") || page.starts_with(".ie "),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(
        page.contains("\n.TH scaffold 1 "),
        "a title line for scaffold(1)"
    );
    assert_eq!(page.matches("\n.TH ").count(), 1, "one page");
    assert!(
        !page.contains("scaffold\\-new(1)"),
        "no references to per-command pages that are not installed"
    );
    for sub in subcommands() {
        let section = man_section(&page, sub.get_name());
        // Every own option and argument of the command is described in its section.
        for arg in sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set() && a.get_id() != "help")
        {
            let shown = match arg.get_long() {
                Some(long) => format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-")),
                None => arg
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map_or(arg.get_id().as_str().to_uppercase(), |v| v.to_string()),
            };
            assert!(
                section.contains(&shown),
                "{}: {shown} missing from:\n{section}",
                sub.get_name()
            );
        }
        // Its examples, unfilled so their columns survive.
        let examples = section
            .split("\n.SS Examples\n.nf\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{}: no examples:\n{section}", sub.get_name()));
        assert!(examples.contains("\n.fi\n"));
        assert!(examples.contains(&format!("scaffold {}", sub.get_name().replace('-', "\\-"))));
    }
    // The global flags are described once, at the top, not repeated per command.
    let top = &page[..page.find("\n.SH \"SCAFFOLD ").unwrap()];
    assert!(top.contains("\n\\fB\\-\\-json\\fR\n"), "{top}");
    for sub in subcommands() {
        assert!(!man_section(&page, sub.get_name()).contains("\\fB\\-\\-json\\fR"));
    }
    let upgrade = man_section(&page, "upgrade");
    assert!(upgrade.contains("\\-\\-allow\\-dirty"));
    assert!(upgrade.contains("scaffold upgrade \\-\\-nakama 3.40.0 \\-\\-dry\\-run\n"));
}

#[test]
fn man_page_renders_without_warnings() {
    let out = output(scaffold().arg("man")).ok();
    let tmp = tmp();
    std::fs::write(tmp.path().join("scaffold.1"), &out.stdout).unwrap();
    if need(
        "groff",
        &["--version"],
        "Debian `groff-base`; scripts/setup.sh installs it",
    ) {
        let res = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z", "scaffold.1"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(res.status.success());
        assert_eq!(String::from_utf8_lossy(&res.stderr), "", "groff warnings");
    }
}

// ---- exit codes -----------------------------------------------------------------------------

#[test]
fn exit_codes() {
    let tmp = tmp();
    // 0: fine.
    for args in [
        &["--version"][..],
        &["--help"][..],
        &["completions", "bash"][..],
    ] {
        run_in(tmp.path(), args).code(0);
    }
    // 1: refused or failed, with one `error:` line.
    for args in [
        &["add-package", "inventory"][..],
        &["sync", "--check"][..],
        &["upgrade", "--nakama", "3.40.0"][..],
        &["remove-package", "inventory"][..],
        &["add-package", "Not-A-Name"][..],
    ] {
        let out = run_in(tmp.path(), args).code(1);
        assert!(
            out.stderr.starts_with("error: "),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stdout, "", "{args:?}");
    }
    // 2: usage errors, before anything runs.
    for args in [
        &["add-package", "inventory", "--bogus"][..],
        &["add-package"][..],
        &["remove-package"][..],
        &["completions"][..],
        &["completions", "tcsh"][..],
        &["upgrade"][..],
        &["frobnicate"][..],
        &["--color", "rainbow", "sync"][..],
    ] {
        let out = run_in(tmp.path(), args).code(2);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(
            out.stderr.starts_with("error: "),
            "{args:?}: {}",
            out.stderr
        );
    }
    // No command at all: the help, on stderr.
    let out = run_in(tmp.path(), &[] as &[&str]).code(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("Usage: scaffold"), "{}", out.stderr);
    assert!(snapshot(tmp.path()).is_empty(), "nothing was written");
}

/// An argument that is not UTF-8 (a folder named in another encoding) is refused before any
/// command runs, with exit 2 and one line naming it, whatever command and wherever the path
/// goes; nothing is created (`new` and `eject` panicked on it, exit 101).
#[cfg(unix)]
#[test]
fn a_path_that_is_not_utf8_is_refused_by_every_command() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let tmp = tmp();
    let bad = OsString::from_vec(b"b\xffd".to_vec());
    let commands: &[&[&str]] = &[
        &["new", "--name", "game", "--yes", "--no-git", "BAD"],
        &["new", "game", "--yes", "--no-git", "--answers", "BAD"],
        &["eject", "BAD"],
        &["check-template", "BAD"],
        &["add-package", "x", "-C", "BAD"],
        &["sync", "-C", "BAD"],
        &["sync", "--adopt", "-C", "BAD"],
        &["upgrade", "--nakama", "3.40.0", "-C", "BAD"],
        &["update", "-C", "BAD"],
        &["remove-package", "x", "-C", "BAD"],
        &["doctor", "BAD"],
        &["doctor", "--dockerfile", "BAD"],
        &["dev", "-C", "BAD"],
    ];
    for args in commands {
        let args: Vec<OsString> = args
            .iter()
            .map(|a| if *a == "BAD" { bad.clone() } else { a.into() })
            .collect();
        let out = run_in(tmp.path(), &args);
        assert_eq!(out.code, 2, "{args:?}: {out:#?}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {out:#?}");
        let line = lines[0];
        assert!(line.starts_with("error: "), "{args:?}: {line}");
        assert!(
            line.contains("(`b\u{fffd}d`) is not UTF-8 text"),
            "{args:?}: {line}"
        );
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
        let json = run_in(
            tmp.path(),
            [&[OsString::from("--json")], &args[..]].concat(),
        );
        assert_eq!(json.code, 2, "{args:?}: {json:#?}");
        assert_eq!(json.checked_json()["error"]["kind"], "usage", "{args:?}");
    }
}
