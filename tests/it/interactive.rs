//! `scaffold new DIR` and `scaffold update` on a real pseudo-terminal (rexpect): every question
//! is answered with the keys a person would press, and the generated files must carry the
//! answers. Also bash completing scaffold's words on a terminal, set up as the README says.

use crate::common::*;
use rexpect::session::{spawn_command, PtySession};
use std::process::Command;
use std::time::Duration;

const DOWN: &str = "\x1b[B";
const BACKSPACE: &str = "\x7f";
const ENTER: &str = "\r";

/// Starts `scaffold ARGS` on a fresh pseudo-terminal of 40x120. The terminal starts in raw
/// mode without echo so that keys typed while the program redraws are passed through as they
/// are, never turned into line edits by the kernel (a person types slower than we do).
fn spawn(cwd: &std::path::Path, args: &[&str]) -> PtySession {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty rows 40 cols 120 raw -echo && exec \"$0\" \"$@\"")
        .arg(bin())
        .args(args)
        .current_dir(cwd)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("SCAFFOLD_TEST_FAIL_WRITE");
    spawn_command(cmd, Some(30_000)).expect("a pseudo-terminal")
}

/// Sends keys one at a time, with a pause, as typing does.
fn keys(p: &mut PtySession, keys: &[&str]) {
    for k in keys {
        p.send(k).unwrap();
        p.flush().unwrap();
        std::thread::sleep(Duration::from_millis(40));
    }
}

fn chars(text: &str) -> Vec<String> {
    text.chars().map(String::from).collect()
}

fn type_text(p: &mut PtySession, text: &str) {
    let cs = chars(text);
    let refs: Vec<&str> = cs.iter().map(String::as_str).collect();
    keys(p, &refs);
}

/// Waits for the process to end and returns its exit code.
fn exit_code(p: &mut PtySession) -> i32 {
    use rexpect::process::wait::WaitStatus;
    let _ = p.exp_eof();
    match p.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("scaffold did not exit normally: {other:?}"),
    }
}

#[test]
fn every_question_answered_on_a_terminal() {
    let tmp = tmp();
    let mut p = spawn(tmp.path(), &["new", "firstdir"]);

    // Project name: the folder's name is the default; type something, erase it with
    // backspaces, and type the name we want.
    p.exp_string("Project name").unwrap();
    p.exp_string("firstdir").unwrap();
    type_text(&mut p, "oops");
    keys(&mut p, &[BACKSPACE; 4]);
    type_text(&mut p, "spacegame");
    keys(&mut p, &[ENTER]);

    // Module path: an invalid one first; the prompt says why and asks again.
    p.exp_string("Go module path").unwrap();
    p.exp_string("example.com/spacegame").unwrap();
    type_text(&mut p, "a b");
    keys(&mut p, &[ENTER]);
    p.exp_string("module path `a b` has ` `, which Go does not allow")
        .unwrap();
    p.exp_string("Go module path").unwrap();
    type_text(&mut p, "github.com/acme/spacegame");
    keys(&mut p, &[ENTER]);

    // Nakama version: move the selection from 3.40.0 down to 3.37.1.
    p.exp_string("Nakama version").unwrap();
    p.exp_string("3.37.1  (nakama-common v1.44.2, Go 1.25.5)")
        .unwrap();
    keys(&mut p, &[DOWN, DOWN, ENTER]);

    // First package: yes, named inventory.
    p.exp_string("Add a first package?").unwrap();
    keys(&mut p, &["y"]);
    p.exp_string("Package name").unwrap();
    type_text(&mut p, "inventory");
    keys(&mut p, &[ENTER]);

    // No git.
    p.exp_string("Start a git repository?").unwrap();
    keys(&mut p, &["n"]);

    // The status word is coloured on a terminal; the text after it is plain.
    p.exp_string("Created").unwrap();
    p.exp_string(" spacegame (Nakama 3.37.1, nakama-common v1.44.2, Go 1.25.5) in firstdir")
        .unwrap();
    assert_eq!(exit_code(&mut p), 0);

    let root = tmp.path().join("firstdir");
    let record: toml::Value = toml::from_str(&read(root.join("scaffold.toml"))).unwrap();
    assert_eq!(record["project"]["name"].as_str(), Some("spacegame"));
    assert_eq!(
        record["project"]["module"].as_str(),
        Some("github.com/acme/spacegame")
    );
    assert_eq!(record["project"]["nakama"].as_str(), Some("3.37.1"));
    let gomod = read(root.join("go.mod"));
    assert!(gomod.starts_with("module github.com/acme/spacegame\n\ngo 1.25.5\n"));
    assert!(gomod.contains("github.com/heroiclabs/nakama-common v1.44.2\n"));
    let docker = read(root.join("Dockerfile"));
    assert!(docker.contains("FROM heroiclabs/nakama-pluginbuilder:3.37.1 AS builder\n"));
    assert!(docker.contains("FROM heroiclabs/nakama:3.37.1\n"));
    assert_eq!(block_lines(&docker), ["COPY inventory/ inventory/"]);
    assert!(root.join("inventory/inventory.go").is_file());
    assert!(!root.join("profile").exists());
    assert!(read(root.join("packages_gen.go")).contains("\"github.com/acme/spacegame/inventory\""));
    assert!(read(root.join("local.yml")).contains("\nname: spacegame\n"));
    assert!(!root.join(".git").exists(), "git was declined");
}

#[test]
fn enter_takes_every_default_and_no_package_is_possible() {
    let tmp = tmp();
    let mut p = spawn(tmp.path(), &["new", "plain"]);
    p.exp_string("Project name").unwrap();
    keys(&mut p, &[ENTER]);
    p.exp_string("Go module path").unwrap();
    keys(&mut p, &[ENTER]);
    p.exp_string("Nakama version").unwrap();
    keys(&mut p, &[ENTER]);
    p.exp_string("Add a first package?").unwrap();
    keys(&mut p, &["n"]);
    p.exp_string("Start a git repository?").unwrap();
    keys(&mut p, &["n"]);
    p.exp_string("Created").unwrap();
    p.exp_string(" plain (Nakama 3.40.0").unwrap();
    assert_eq!(exit_code(&mut p), 0);

    let root = tmp.path().join("plain");
    assert!(read(root.join("go.mod")).starts_with("module example.com/plain\n\ngo 1.26.5\n"));
    assert!(block_lines(&read(root.join("Dockerfile"))).is_empty());
    assert!(!root.join("profile").exists());
}

#[test]
fn flags_given_are_not_asked() {
    let tmp = tmp();
    let mut p = spawn(
        tmp.path(),
        &[
            "new",
            "flagged",
            "--module",
            "example.com/flagged",
            "--nakama",
            "3.39.0",
            "--no-package",
        ],
    );
    // Only the project name and git are left to ask.
    p.exp_string("Project name").unwrap();
    keys(&mut p, &[ENTER]);
    p.exp_string("Start a git repository?").unwrap();
    keys(&mut p, &["n"]);
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains("Go module path"), "{rest}");
    assert!(!rest.contains("Nakama version"), "{rest}");
    assert!(rest.contains(" flagged (Nakama 3.39.0"), "{rest}");
    assert!(tmp.path().join("flagged/scaffold.toml").is_file());
}

#[test]
fn update_asks_the_new_versions_questions() {
    let repo = Repo::new(&[]);
    // The next version of the built-in scaffold asks one more question.
    let next = repo.tmp.path().join("next");
    repo.run_in(repo.tmp.path(), &["eject", next.to_str().unwrap()])
        .ok();
    let manifest = next.join("template.toml");
    let text = read(&manifest).replace("version = 3", "version = 4")
        + "\n[[variable]]\nname = \"tier\"\nprompt = \"Support tier\"\ndefault = \"bronze\"\n";
    write(&manifest, text);
    write(next.join("project/tier.txt.hbs"), "{{tier}}\n");

    let mut p = spawn(&repo.root, &["update", "--to", next.to_str().unwrap()]);
    p.exp_string("Support tier").unwrap();
    p.exp_string("bronze").unwrap();
    type_text(&mut p, "gold");
    keys(&mut p, &[ENTER]);
    p.exp_string("Updated").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(repo.read("tier.txt"), "gold\n");
    let record: toml::Value = toml::from_str(&repo.read("scaffold.toml")).unwrap();
    assert_eq!(record["answers"]["tier"].as_str(), Some("gold"));
}

/// The terminal's cursor is shown at the end of what scaffold wrote: the last "hide cursor"
/// escape (`ESC [?25l`) is followed by a "show cursor" (`ESC [?25h`).
fn cursor_shown_at_the_end(screen: &str) -> bool {
    match screen.rfind("\x1b[?25l") {
        Some(hidden) => screen[hidden..].contains("\x1b[?25h"),
        None => true,
    }
}

/// Ctrl-C at a select or a confirm prompt ends scaffold the way Ctrl-C does (by SIGINT),
/// writes nothing, and gives the cursor back.
#[test]
fn ctrl_c_at_a_select_or_confirm_prompt_shows_the_cursor_again() {
    use rexpect::process::wait::WaitStatus;
    for (args, prompt) in [
        (&["new", "sel"][..], "Nakama version"),
        (
            &["new", "conf", "--nakama", "3.40.0"][..],
            "Add a first package?",
        ),
        (
            &["new", "git", "--nakama", "3.40.0", "--no-package"][..],
            "Start a git repository?",
        ),
    ] {
        let tmp = tmp();
        let mut p = spawn(tmp.path(), args);
        // The project name and the module path take their defaults.
        let mut screen = p.exp_string("Project name").unwrap();
        keys(&mut p, &[ENTER]);
        screen += &p.exp_string("Go module path").unwrap();
        keys(&mut p, &[ENTER]);
        screen += &p.exp_string(prompt).unwrap();
        // Let the prompt finish drawing before the key, as a person would.
        std::thread::sleep(Duration::from_millis(200));
        keys(&mut p, &["\x03"]);
        screen += &p.exp_eof().unwrap();
        assert!(
            screen.contains("\x1b[?25l"),
            "{args:?}: the prompt hides the cursor: {screen:?}"
        );
        assert!(
            cursor_shown_at_the_end(&screen),
            "{args:?}: the cursor is left hidden: {screen:?}"
        );
        match p.process.wait().unwrap() {
            WaitStatus::Signaled(_, sig, _) => assert_eq!(sig as i32, 2, "{args:?}: SIGINT"),
            other => panic!("{args:?}: Ctrl-C ends scaffold by SIGINT, got {other:?}"),
        }
        assert!(
            !tmp.path().join(args[1]).exists(),
            "{args:?}: nothing written"
        );
    }
}

// ---- shell completion, as the README sets it up ---------------------------------------------

/// bash-completion's loader, which finds the README's completion file by the command's name.
const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// An interactive bash on a fresh pseudo-terminal, as a person has it after the README's
/// install: `scaffold` on PATH, `scaffold completions bash` written to
/// ~/.local/share/bash-completion/completions/scaffold (by that command itself), and
/// bash-completion loaded, as Debian's profile does. Readline lists without asking or paging.
fn bash_with_completion(repo: &Repo) -> PtySession {
    assert!(
        std::path::Path::new(BASH_COMPLETION).is_file(),
        "{BASH_COMPLETION} is missing: install bash-completion (scripts/setup.sh does)"
    );
    let home = repo.tmp.path().join("home");
    let bin_dir = home.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::os::unix::fs::symlink(bin(), bin_dir.join("scaffold")).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [
        ("HOME", home.to_str().unwrap()),
        ("PATH", path.as_str()),
        ("INPUTRC", "/dev/null"),
    ];
    // The README's install lines, as they are written there (the folder does not exist yet).
    let readme = crate_file("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("scaffold completions bash > "))
        .expect("the README installs bash completion");
    assert!(lines[at - 1].starts_with("mkdir -p "), "{}", lines[at - 1]);
    let install = format!("set -e\n{}\n{}\n", lines[at - 1], lines[at]);
    sh(&home, "bash", &["-c", &install], &env).ok();
    write(
        home.join(".bashrc"),
        format!(
            ". {BASH_COMPLETION}\nbind 'set completion-query-items 0'\nbind 'set page-completions off'\nbind 'set bell-style none'\nPS1='ready> '\nunset HISTFILE\n"
        ),
    );
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--rcfile"])
        .arg(home.join(".bashrc"))
        .arg("-i")
        .current_dir(&repo.root)
        .env("TERM", "dumb")
        .env("XDG_CONFIG_HOME", repo.tmp.path().join("config"))
        .env_remove("XDG_DATA_HOME")
        .env_remove("BASH_COMPLETION_USER_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut p = spawn_command(cmd, Some(30_000)).expect("a pseudo-terminal");
    p.exp_string("ready> ").unwrap();
    p
}

/// Types `line`, presses TAB twice (bash lists the candidates), then clears the line and
/// returns what the terminal showed.
fn listed(p: &mut PtySession, line: &str) -> String {
    type_text(p, line);
    keys(p, &["\t"]);
    std::thread::sleep(Duration::from_millis(300));
    keys(p, &["\t"]);
    std::thread::sleep(Duration::from_millis(300));
    // Ctrl-U clears the line; the echo's output (not its typed text) ends the capture.
    keys(p, &["\x15"]);
    type_text(p, "echo listed''-end\r");
    p.exp_string("listed-end").unwrap()
}

/// `--kind <TAB>`, `--nakama <TAB>` and `remove-package <TAB>` complete values, not file
/// names, and the hidden `man` is never completed, through bash's own readline.
#[test]
fn bash_completes_values_on_a_terminal_as_the_readme_sets_it_up() {
    let repo = Repo::new(&["--nakama", "3.37.1"]);
    repo.run(&["add-package", "inventory", "--quiet"]).ok();
    repo.run(&["add-package", "shop", "--quiet"]).ok();
    // An excluded package is out of the build already: remove-package does not offer it.
    repo.run(&["remove-package", "shop", "--quiet"]).ok();
    let mut p = bash_with_completion(&repo);

    let kinds = listed(&mut p, "scaffold add-package lobby --kind ");
    for kind in ["rpc", "hook", "http", "match"] {
        assert!(kinds.contains(kind), "--kind lists {kind}: {kinds:?}");
    }
    assert!(!kinds.contains("go.mod"), "file names: {kinds:?}");

    let folders = listed(&mut p, "scaffold remove-package ");
    for folder in ["inventory", "profile"] {
        assert!(folders.contains(folder), "{folder}: {folders:?}");
    }
    assert!(!folders.contains("Dockerfile"), "file names: {folders:?}");
    assert!(!folders.contains("shop"), "excluded: {folders:?}");

    // 3.40.0 is the only offered release starting 3.4 (3.4.0 is in the table, not offered):
    // one TAB completes it, and the upgrade runs with it.
    type_text(&mut p, "scaffold upgrade --dry-run --nakama 3.4");
    keys(&mut p, &["\t"]);
    std::thread::sleep(Duration::from_millis(300));
    keys(&mut p, &[ENTER]);
    p.exp_string("nakama-pluginbuilder:3.40.0").unwrap();
    p.exp_string("ready> ").unwrap();

    // `m` matches no visible command; TAB leaves it, so Enter runs `scaffold m`, not `man`.
    type_text(&mut p, "scaffold m");
    keys(&mut p, &["\t"]);
    std::thread::sleep(Duration::from_millis(300));
    keys(&mut p, &[ENTER]);
    // (Colours may sit inside the quotes: the word is not matched, `man` would print roff.)
    p.exp_string("unrecognized subcommand").unwrap();
    p.exp_string("ready> ").unwrap();
    p.send_line("exit").unwrap();
    p.exp_eof().unwrap();
}

// ---- what the prompts leave on the screen ---------------------------------------------------

/// `scaffold ARGS` on a pseudo-terminal `cols` columns wide; keys pass as they are (raw), and
/// output line breaks return to the first column, as on a terminal between two key reads.
fn spawn_cols(cwd: &std::path::Path, cols: u16, args: &[&str]) -> PtySession {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "stty rows 40 cols {cols} raw -echo opost onlcr && exec \"$0\" \"$@\""
        ))
        .arg(bin())
        .args(args)
        .current_dir(cwd)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    spawn_command(cmd, Some(30_000)).expect("a pseudo-terminal")
}

/// The screen a terminal `cols` wide shows after `raw`: text wraps at the last column, and the
/// escapes the prompts use move the cursor and erase (cursor up/down/column, erase line and
/// below); colours and cursor visibility are ignored.
fn screen(raw: &str, cols: usize) -> Vec<String> {
    // rexpect hands over the bytes one char each: decode them as the terminal does, UTF-8.
    let bytes: Vec<u8> = raw.chars().map(|c| c as u32 as u8).collect();
    let raw = String::from_utf8_lossy(&bytes);
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let (mut r, mut c) = (0usize, 0usize);
    let mut it = raw.chars().peekable();
    while let Some(ch) = it.next() {
        while rows.len() <= r {
            rows.push(Vec::new());
        }
        match ch {
            '\r' => c = 0,
            '\n' => r += 1,
            '\x1b' if it.peek() == Some(&'[') => {
                it.next();
                let mut params = String::new();
                let mut fin = ' ';
                for p in it.by_ref() {
                    if p.is_ascii_alphabetic() {
                        fin = p;
                        break;
                    }
                    params.push(p);
                }
                let n: usize = params.trim_start_matches('?').parse().unwrap_or(0);
                match fin {
                    'A' => r = r.saturating_sub(n.max(1)),
                    'B' => r += n.max(1),
                    'C' => c += n.max(1),
                    'D' => c = c.saturating_sub(n.max(1)),
                    'G' => c = n.max(1) - 1,
                    'K' if n == 2 => rows[r].clear(),
                    'K' => rows[r].truncate(c),
                    'J' => {
                        rows[r].truncate(c);
                        rows.truncate(r + 1);
                    }
                    _ => {}
                }
            }
            ch if !ch.is_control() => {
                if c >= cols {
                    (r, c) = (r + 1, 0);
                    while rows.len() <= r {
                        rows.push(Vec::new());
                    }
                }
                let row = &mut rows[r];
                while row.len() < c {
                    row.push(' ');
                }
                if c < row.len() {
                    row[c] = ch;
                } else {
                    row.push(ch);
                }
                c += 1;
            }
            _ => {}
        }
    }
    rows.into_iter()
        .map(|l| l.into_iter().collect::<String>().trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Waits for `needle`, adding what came before it and itself to `shown`.
fn seen(p: &mut PtySession, shown: &mut String, needle: &str) {
    *shown += &p.exp_string(needle).unwrap();
    *shown += needle;
}

/// On a narrow terminal, a refusal that wraps, a prompt whose default leaves no room and a
/// list of releases wider than the screen are erased when the question is asked again and
/// answered: the screen keeps one answer per question, and nothing of the refusal.
#[test]
fn a_prompt_that_wraps_leaves_no_residue() {
    let tmp = tmp();
    let mut p = spawn_cols(tmp.path(), 40, &["new", "game"]);
    // Everything the terminal was sent, for the screen at the end.
    let mut shown = String::new();
    seen(&mut p, &mut shown, "Project name");
    keys(&mut p, &[ENTER]);
    seen(&mut p, &mut shown, "Go module path");
    type_text(&mut p, "a b");
    keys(&mut p, &[ENTER]);
    seen(&mut p, &mut shown, "does not allow");
    seen(&mut p, &mut shown, "Go module path");
    type_text(&mut p, "github.com/acme/space-game-server");
    keys(&mut p, &[ENTER]);
    seen(&mut p, &mut shown, "Nakama version");
    keys(&mut p, &[ENTER]);
    seen(&mut p, &mut shown, "Add a first package?");
    keys(&mut p, &["n"]);
    seen(&mut p, &mut shown, "Start a git repository?");
    keys(&mut p, &["n"]);
    shown += &p.exp_eof().unwrap();
    let lines = screen(&shown, 40);
    let text = lines.join("\n");
    for gone in ["a b", "allow", "mygame", "(example.com/game)"] {
        assert!(
            !text.contains(gone),
            "`{gone}` is left on the screen:\n{text}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("✔ Go module path · github.com/acme/space")),
        "{text}"
    );
    let gomod = read(tmp.path().join("game/go.mod"));
    assert!(
        gomod.starts_with("module github.com/acme/space-game-server\n"),
        "{gomod}"
    );
}

/// Enter on a question without a default says why it asks again; Ctrl-C says it stopped,
/// exits non-zero and leaves nothing behind.
#[test]
fn an_empty_answer_is_explained_and_ctrl_c_says_it_stopped() {
    let tmp = tmp();
    let mut p = spawn(tmp.path(), &["new"]);
    p.exp_string("Project name").unwrap();
    keys(&mut p, &[ENTER]);
    p.exp_string("type an answer: this question has no default to take")
        .unwrap();
    p.exp_string("Project name").unwrap();
    type_text(&mut p, "game");
    keys(&mut p, &[ENTER]);
    p.exp_string("Go module path").unwrap();
    keys(&mut p, &["\x03"]);
    p.exp_string("error: interrupted by Ctrl-C; run the command again to start over")
        .unwrap();
    use rexpect::process::wait::WaitStatus;
    let _ = p.exp_eof();
    match p.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_ne!(code, 0),
        WaitStatus::Signaled(_, sig, _) => assert_eq!(sig, nix::sys::signal::Signal::SIGINT),
        other => panic!("{other:?}"),
    }
    assert!(!tmp.path().join("game").exists());
}
