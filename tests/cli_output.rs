//! What scaffold prints: `--json` reports, `--quiet`, colours, help, completions, the man page,
//! and the exit codes.

mod common;

use clap::CommandFactory;
use common::*;
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
fn json_failure_prints_no_partial_json() {
    let (_tmp, root) = repo("3.40.0");
    let out = run_in(&root, ["add-package", "profile", "--json"]).code(1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
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
    let subs = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = output(scaffold().args(["completions", shell])).ok();
        let script = out.stdout;
        assert!(script.len() > 1000, "{shell}: {} bytes", script.len());
        for sub in &subs {
            assert!(
                script.contains(sub.get_name()),
                "{shell} lacks {}",
                sub.get_name()
            );
        }
        assert!(
            script.contains("allow-dirty") && script.contains("delete"),
            "{shell}"
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

#[test]
fn bash_completion_parses_and_completes() {
    let tmp = tmp();
    let script = write_completion("bash", tmp.path());
    sh(tmp.path(), "bash", &["-n", script.to_str().unwrap()], &[]).ok();
    // Load it and ask for completions the way bash does.
    let probe = format!(
        "source {}\n\
         COMP_WORDS=(scaffold remove-); COMP_CWORD=1; _scaffold scaffold remove- scaffold; echo \"${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(scaffold upgrade --n); COMP_CWORD=2; _scaffold scaffold --n upgrade; echo \"${{COMPREPLY[*]}}\"\n",
        script.display()
    );
    let got = sh(tmp.path(), "bash", &["-c", &probe], &[]).ok().stdout;
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines, ["remove-package", "--nakama --no-go"], "{got}");
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
    let has_zsh = std::process::Command::new("zsh")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_zsh {
        sh(tmp.path(), "zsh", &["-n", script.to_str().unwrap()], &[]).ok();
    } else {
        eprintln!("zsh is not installed: `zsh -n` not run");
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
    let groff = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z", "scaffold.1"])
        .current_dir(tmp.path())
        .output();
    match groff {
        Ok(res) => {
            assert!(res.status.success());
            assert_eq!(String::from_utf8_lossy(&res.stderr), "", "groff warnings");
        }
        Err(_) => eprintln!("groff is not installed: rendering not checked"),
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
