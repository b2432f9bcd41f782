//! A team scaffold is someone else's input (issue 18): it cannot write into `.git` or outside
//! a package's folder, its partials, size and links are bounded, a plain-text URL needs
//! `--allow-insecure`; and what it holds survives: executable bits, more files than the
//! open-file limit, and a repo that still adds packages after the scaffold's folder moved or
//! its repository became unreachable.

use crate::common::team::*;
use crate::common::{read, write};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// `new bad --from DIR` is refused with every part, leaving no `bad` folder.
#[track_caller]
fn refused_from(env: &Env, from: &str, parts: &[&str]) -> String {
    let line = env
        .run(&new_args("bad", &["--from", from, "--no-package"]))
        .fails_with(parts);
    assert!(!env.path("bad").exists(), "bad/ was left behind");
    line
}

// ---- what a scaffold cannot write ----

const FSMONITOR: &str = "[core]\n\tfsmonitor = \"touch /tmp/scaffold-pwned\"\n";

#[test]
fn a_scaffold_never_writes_into_git_at_new_or_add_package() {
    let env = Env::new();
    for (name, file) in [
        ("cond", "project/{{#if true}}.git{{/if}}/config"),
        ("hbs", "project/.git.hbs"),
        ("upper", "project/sub/.GIT/config"),
        ("dotted", "project/{{name}}/.git./config"),
    ] {
        let dir = env.path(name);
        make_team_scaffold(&env, &dir);
        write(dir.join(file), FSMONITOR);
        refused_from(&env, name, &["`.git`", "git's own folder"]);
    }

    // In a kind, at add-package: the repo's own .git stays as it was.
    let dir = env.path("kind");
    make_team_scaffold(&env, &dir);
    write(
        dir.join("kinds/evil/manifest.toml"),
        "description = \"evil\"\n",
    );
    write(
        dir.join("kinds/evil/{{package}}/{{package}}.go.hbs"),
        "package {{package}}\n",
    );
    write(
        dir.join("kinds/evil/{{package}}/{{#if true}}.git{{/if}}/config"),
        FSMONITOR,
    );
    env.run(&new_args("game", &["--from", "kind", "--no-package"]))
        .ok();
    let game = env.path("game");
    git2::Repository::init(&game).unwrap();
    let config = read(game.join(".git/config"));
    env.run_in(&game, &["add-package", "x", "--kind", "evil"])
        .fails_with(&["x/.git/config", "`.git`"]);
    assert_eq!(read(game.join(".git/config")), config);
    assert!(!game.join("x").exists());
}

#[test]
fn a_kind_writes_only_inside_its_package_folder() {
    let env = Env::new();
    let dir = env.path("acme");
    make_team_scaffold(&env, &dir);
    write(
        dir.join("kinds/evil/manifest.toml"),
        "description = \"evil\"\n",
    );
    write(
        dir.join("kinds/evil/{{package}}/{{package}}.go.hbs"),
        "package {{package}}\n",
    );
    write(
        dir.join("kinds/evil/main.go.hbs"),
        "package main // replaced\n",
    );
    env.run(&new_args("game", &["--from", "acme", "--no-package"]))
        .ok();
    let game = env.path("game");
    let before = crate::common::file_contents(&game);
    env.run_in(&game, &["add-package", "x", "--kind", "evil"])
        .fails_with(&[
            "kind `evil` would write `main.go`",
            "outside the package folder `x/`",
        ]);
    assert_eq!(
        crate::common::file_contents(&game),
        before,
        "main.go and all kept"
    );
}

// ---- bounds ----

/// Runs a command that must end within 60 s (a walk or render without bound would not).
#[track_caller]
fn bounded(env: &Env, from: &str, parts: &[&str]) {
    let start = Instant::now();
    let out = env.run(&new_args("bad", &["--from", from, "--no-package"]));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    // Exit 1 with one line, not an abort (exit 134) or a stack overflow.
    out.fails_with(parts);
    assert!(!env.path("bad").exists());
}

#[test]
fn partials_that_include_themselves_or_explode_stop_with_a_clear_error() {
    let env = Env::new();
    let cases = [
        (
            "self",
            "{{#*inline \"README.md\"}}{{> README.md}}{{/inline}}{{> README.md}}".to_string(),
            "includes itself (README.md -> README.md)",
        ),
        (
            "plain",
            "{{> README.md}}".to_string(),
            "Partial not found README.md",
        ),
        (
            "pair",
            "{{#*inline \"a\"}}{{> b}}{{/inline}}{{#*inline \"b\"}}{{> a}}{{/inline}}{{> a}}"
                .to_string(),
            "includes itself (a -> b -> a)",
        ),
        ("wide", exploding_partials(), "more than 10000 times"),
        (
            "big",
            format!(
                "{{{{#*inline \"a\"}}}}{}{{{{/inline}}}}{}",
                "x".repeat(1 << 20),
                "{{> a}}".repeat(40)
            ),
            "renders to more than 32 MiB",
        ),
    ];
    for (name, text, part) in cases {
        let dir = env.path(name);
        make_team_scaffold(&env, &dir);
        write(dir.join("project/README.md.hbs"), text);
        bounded(&env, name, &["README.md.hbs", part]);
    }
}

/// Address space a render runs in, in KiB (2 GB): far above what a bounded render needs.
const MEMORY_CAP_KIB: u64 = 2_000_000;

/// Templates that recurse, loop or grow without end, each stopped by a bound as it renders
/// (not after): exit 1 with one line naming the file, under a 2 GB memory cap and in 120 s
/// (not a stack overflow or memory exhausted, exit 134, or a hang, exit 124).
#[test]
fn renders_stop_at_their_bounds_as_they_run() {
    let env = Env::new();
    // A 512 KiB answer, given in a file (an argument cannot be that long).
    let answers = env.path("answers.toml");
    write(&answers, format!("server = \"{}\"\n", "y".repeat(1 << 19)));
    let answers = answers.to_str().unwrap().to_string();
    let long = ["--answers", answers.as_str()];
    // Four loops over the ten answers, each writing the long one: 5 GB.
    let loops = |body: &str| format!("{}{body}{}", each_root(4), "{{/each}}".repeat(4));
    let cases = [
        (
            "dynamic",
            "{{#*inline \"p\"}}{{> (lookup this \"pname\")}}{{/inline}}{{> p pname=\"p\"}}"
                .to_string(),
            "open more than 256 deep",
            &[][..],
        ),
        (
            "fanout",
            dynamic_fanout(),
            "includes partials more than 10000 times",
            &[],
        ),
        (
            "loops",
            format!("{}x{}", each_root(12), "{{/each}}".repeat(12)),
            "more than 1000000 template pieces",
            &[],
        ),
        (
            "parens",
            format!(
                "{{{{lookup {}this{} \"x\"}}}}",
                "(lookup ".repeat(2000),
                " \"x\")".repeat(2000)
            ),
            "subexpressions are nested more than 32 deep",
            &[],
        ),
        // The substitution renderer's shape: variables only.
        (
            "plain",
            "{{server}}".repeat(6000),
            "renders to more than 32 MiB",
            &long,
        ),
        (
            "each",
            loops("{{../../../../server}}"),
            "renders to more than 32 MiB",
            &long,
        ),
        // A partial block's body is rendered into a string of its own first.
        (
            "aside",
            format!(
                "{{{{#*inline \"p\"}}}}x{{{{/inline}}}}{{{{#> p}}}}{}{{{{/p}}}}",
                loops("{{../../../../server}}")
            ),
            "renders to more than 32 MiB",
            &long,
        ),
        // A partial given parameters makes a text context an object of its characters, and
        // each partial below copies it again.
        (
            "context",
            context_chain(),
            "partials copy more data than scaffold allows",
            &long,
        ),
    ];
    for (name, text, part, extra) in cases {
        let dir = env.path(name);
        make_team_scaffold(&env, &dir);
        write(dir.join("project/README.md.hbs"), text);
        let mut args = new_args("bad", &["--from", name, "--no-package"]);
        args.extend_from_slice(extra);
        let out = env.run_capped(MEMORY_CAP_KIB, 120, &args);
        assert_eq!(out.code, 1, "{name}: {out:#?}");
        out.fails_with(&["README.md.hbs", part]);
        assert!(!env.path("bad").exists(), "{name}");
    }
}

/// `n` loops, one in another, each over the answers (the template's root).
fn each_root(n: usize) -> String {
    (0..n)
        .map(|k| format!("{{{{#each {}this}}}}", "../".repeat(k)))
        .collect()
}

/// Forty partials, each including the one below with its whole context and a parameter, the
/// first given the long answer: 40 copies of 512 Ki characters, each a key of its own.
fn context_chain() -> String {
    let mut text = String::from("{{#*inline \"p0\"}}x{{/inline}}");
    for i in 1..=40 {
        text += &format!(
            "{{{{#*inline \"p{i}\"}}}}{{{{> p{} this a=1}}}}{{{{/inline}}}}",
            i - 1
        );
    }
    text + "{{> p40 server a=1}}"
}

/// Thirty partials, each including the one below twice through a name computed as it renders
/// (which the static count of partials cannot see): 2^30 inclusions, none deeper than 30.
fn dynamic_fanout() -> String {
    let mut text = String::from("{{#*inline \"p0\"}}{{/inline}}");
    let mut names = String::new();
    for i in 1..=30 {
        let below = format!("{{{{> (lookup this \"n{}\")}}}}", i - 1);
        text += &format!("{{{{#*inline \"p{i}\"}}}}{below}{below}{{{{/inline}}}}");
        names += &format!(" n{}=\"p{}\"", i - 1, i - 1);
    }
    text + &format!("{{{{> p30{names}}}}}")
}

/// Variable defaults that double the one before (`b = "{{a}}{{a}}"`): stopped at the bound
/// of all answers, not when memory runs out.
#[test]
fn defaults_that_double_stop_at_the_bound() {
    let env = Env::new();
    let dir = env.path("doubling");
    make_team_scaffold(&env, &dir);
    let mut manifest = read(dir.join("template.toml"));
    manifest += &format!(
        "[[variable]]\nname = \"v0\"\nprompt = \"v0\"\ndefault = \"{}\"\n",
        "x".repeat(1024)
    );
    for i in 1..40 {
        manifest += &format!(
            "[[variable]]\nname = \"v{i}\"\nprompt = \"v{i}\"\ndefault = \"{{{{v{p}}}}}{{{{v{p}}}}}\"\n",
            p = i - 1
        );
    }
    write(dir.join("template.toml"), manifest);
    env.run_capped(
        MEMORY_CAP_KIB,
        120,
        &new_args("bad", &["--from", "doubling", "--no-package"]),
    )
    .fails_with(&["answers add up to more than 1 MiB at `v10`"]);
    assert!(!env.path("bad").exists());
}

/// Twelve levels of partials, each including the one below ten times: 10^12 expansions.
fn exploding_partials() -> String {
    let mut text = String::from("{{#*inline \"p0\"}}x{{/inline}}");
    for i in 1..=12 {
        let body = format!("{{{{> p{}}}}}", i - 1).repeat(10);
        text += &format!("{{{{#*inline \"p{i}\"}}}}{body}{{{{/inline}}}}");
    }
    text + "{{> p12}}"
}

#[test]
fn links_that_fan_out_and_too_many_files_stop_the_walk() {
    let env = Env::new();
    let dir = env.path("fan");
    make_team_scaffold(&env, &dir);
    // d0 has two links to d1, d1 two to d2, ...: 2^16 paths through 16 levels.
    let fan = dir.join("project/fan");
    for i in 0..16 {
        let level = fan.join(format!("d{i}"));
        fs::create_dir_all(&level).unwrap();
        for link in ["a", "b"] {
            std::os::unix::fs::symlink(format!("../d{}", i + 1), level.join(link)).unwrap();
        }
    }
    fs::create_dir_all(fan.join("d16")).unwrap();
    bounded(&env, "fan", &["more than 30000 files and folders"]);

    // A link to a folder above it: a loop, stopped by depth.
    let dir = env.path("loop");
    make_team_scaffold(&env, &dir);
    std::os::unix::fs::symlink("..", dir.join("project/up")).unwrap();
    bounded(&env, "loop", &["folders deep"]);

    let dir = env.path("many");
    make_team_scaffold(&env, &dir);
    for i in 0..10_001 {
        write(dir.join(format!("project/many/{}/{i}.txt", i / 1000)), "x");
    }
    bounded(&env, "many", &["more than 10000 files"]);
}

// ---- where a scaffold comes from ----

#[test]
fn plain_text_urls_need_allow_insecure() {
    let env = Env::new();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for url in [
        format!("http://127.0.0.1:{port}/acme.git"),
        format!("HTTP://127.0.0.1:{port}/acme.git#v1"),
        format!("git://127.0.0.1:{port}/acme.git"),
    ] {
        let line = env
            .run(&new_args("bad", &["--from", &url]))
            .fails_with(&["is not encrypted", "--allow-insecure"]);
        assert!(!line.contains("cannot clone"), "{line}");
        // Allowed, it is fetched (and here fails to connect).
        env.run(&new_args("bad", &["--from", &url, "--allow-insecure"]))
            .fails_with(&["cannot clone"]);
        env.run(&["check-template", url.as_str(), "--no-go"])
            .fails_with(&["--allow-insecure"]);
    }
    env.assert_no_temp_leftovers();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn executable_bits_in_a_scaffold_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let dir = env.path("acme");
    make_team_scaffold(&env, &dir);
    let exec = |rel: &str, text: &str| {
        let p = dir.join(rel);
        write(&p, text);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    };
    exec("project/scripts/run.sh", "#!/bin/sh\necho run\n");
    exec(
        "project/scripts/{{name}}.sh.hbs",
        "#!/bin/sh\necho {{name}}\n",
    );
    exec("kinds/leaderboard/{{package}}/gen.sh", "#!/bin/sh\n");
    // From the folder, and from a clone of it (git keeps the mode).
    let url = format!("{}#main", file_url(&dir));
    commit_all(&git_init(&dir), "scripts");
    for (name, from) in [("byfolder", "acme"), ("byurl", url.as_str())] {
        env.run(&new_args(name, &["--from", from, "--no-package"]))
            .ok();
        let game = env.path(name);
        assert_eq!(mode(&game.join("scripts/run.sh")), 0o755, "{name}");
        assert_eq!(
            mode(&game.join(format!("scripts/{name}.sh"))),
            0o755,
            "{name}"
        );
        assert_eq!(mode(&game.join("team.txt")), 0o644, "{name}");
        env.run_in(&game, &["add-package", "board", "--kind", "leaderboard"])
            .ok();
        assert_eq!(mode(&game.join("board/gen.sh")), 0o755, "{name}");
        assert_eq!(mode(&game.join("board/board.go")), 0o644, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_scaffold_of_1500_files_renders_under_256_open_files() {
    let env = Env::new();
    let dir = env.path("big");
    make_team_scaffold(&env, &dir);
    for i in 0..1500 {
        write(
            dir.join(format!("project/assets/{}/{i}.txt", i / 100)),
            format!("{i}\n"),
        );
    }
    // macOS's default limit: the write must not hold a file open per file.
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" \"$@\"")
        .arg(crate::common::bin())
        .args(new_args("game", &["--from", "big"]))
        .current_dir(&env.work)
        .env("HOME", &env.home)
        .env("XDG_CONFIG_HOME", &env.xdg)
        .env("XDG_CACHE_HOME", &env.cache)
        .env("TMPDIR", &env.tmp)
        .env("TERM", "dumb")
        .stdin(std::process::Stdio::null());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(read(env.path("game/assets/14/1499.txt")), "1499\n");
}

// ---- a repo's scaffold travels ----

#[test]
fn add_package_works_offline_without_cloning_the_team_repository() {
    let env = Env::new();
    let team = env.path("acme");
    make_team_scaffold(&env, &team);
    let repo = git_init(&team);
    tag(&repo, "v1", commit_all(&repo, "v1"), true);
    let from = format!("{}#v1", file_url(&team));
    env.run(&new_args("game", &["--from", &from, "--no-package"]))
        .ok();
    let game = env.path("game");

    // The team's repository is gone (the network is down, the server moved): the recorded
    // commit's kinds are in the user's cache.
    drop(repo);
    fs::remove_dir_all(&team).unwrap();
    env.run_in(&game, &["add-package", "board", "--kind", "leaderboard"])
        .ok();
    assert!(read(game.join("board/board.go")).contains("const Release = \"v1\""));
    // The record names the cached copy by its content.
    assert!(origin(&record(&game), "kinds").is_some_and(|k| k.starts_with("sha256:")));
    let list = env
        .run_in(&game, &["add-package", "--list-kinds"])
        .ok()
        .stdout;
    assert!(list.contains("leaderboard"), "{list}");
    env.assert_no_temp_leftovers();
}

/// A team scaffold in a git repository on this machine, given as its folder (recorded by
/// path and commit) or as `folder#ref` (cloned): once the repository is gone, both repos still
/// add packages from the recorded commit's kinds, which `new` kept in the user's cache.
#[test]
fn a_repo_made_from_a_local_git_repository_adds_packages_after_it_is_gone() {
    let env = Env::new();
    let team = env.path("acme");
    make_team_scaffold(&env, &team);
    let repo = git_init(&team);
    let v1 = commit_all(&repo, "v1");
    tag(&repo, "v1", v1, false);
    env.run(&new_args("by-folder", &["--from", "acme", "--no-package"]))
        .ok();
    env.run(&new_args("by-ref", &["--from", "acme#v1", "--no-package"]))
        .ok();
    for game in ["by-folder", "by-ref"] {
        assert_eq!(
            origin(&record(&env.path(game)), "commit"),
            Some(v1.to_string().as_str())
        );
    }

    drop(repo);
    fs::remove_dir_all(&team).unwrap();
    for game in ["by-folder", "by-ref"] {
        let game = env.path(game);
        // `--kind <TAB>` offers the team's kinds too, from the cache.
        let words = ["--", "scaffold", "add-package", "board", "--kind", ""];
        let asked = [("COMPLETE", "bash"), ("_CLAP_COMPLETE_INDEX", "4")];
        let offered = env.run_env(&game, &words, &asked).ok().stdout;
        assert!(
            offered.lines().any(|k| k == "leaderboard") && offered.lines().any(|k| k == "rpc"),
            "{offered}"
        );
        env.run_in(&game, &["add-package", "board", "--kind", "leaderboard"])
            .ok();
        assert!(read(game.join("board/board.go")).contains("const Release = \"v1\""));
    }
    env.assert_no_temp_leftovers();
}

#[test]
fn a_repo_made_from_a_folder_adds_packages_after_the_folder_moves() {
    let env = Env::new();
    let team = env.path("acme");
    make_team_scaffold(&env, &team);
    env.run(&new_args("game", &["--from", "acme", "--no-package"]))
        .ok();
    let game = env.path("game");
    fs::rename(&team, env.root().join("moved")).unwrap();
    env.run_in(&game, &["add-package", "board", "--kind", "leaderboard"])
        .ok();
    assert!(read(game.join("board/board.go")).contains("const Release = \"v1\""));

    // On a machine without the cache and without the folder, the error says where it looked.
    fs::remove_dir_all(&env.cache).unwrap();
    env.run_in(&game, &["add-package", "other", "--kind", "leaderboard"])
        .fails_with(&["cannot fetch this repo's scaffold", "not in the cache"]);
}

#[test]
fn a_folder_whose_commit_is_pushed_records_the_remote() {
    let env = Env::new();
    let upstream = env.root().join("upstream");
    make_team_scaffold(&env, &upstream);
    let up = git_init(&upstream);
    let v1 = commit_all(&up, "v1").to_string();
    // The team member's clone, inside which the scaffold is a subfolder's worth of files.
    let clone = env.path("acme");
    git2::Repository::clone(&file_url(&upstream), &clone).unwrap();
    env.run(&new_args("game", &["--from", "acme", "--no-package"]))
        .ok();
    let game = env.path("game");
    let rec = record(&game);
    assert_eq!(origin(&rec, "template"), Some(file_url(&upstream).as_str()));
    assert_eq!(origin(&rec, "commit"), Some(v1.as_str()));

    // Another machine: no cache, no clone; the remote has the commit.
    fs::remove_dir_all(&env.cache).unwrap();
    fs::remove_dir_all(&clone).unwrap();
    env.run_in(&game, &["add-package", "board", "--kind", "leaderboard"])
        .ok();
    assert!(read(game.join("board/board.go")).contains("const Release = \"v1\""));

    // A commit not pushed anywhere is recorded with the clone's path.
    git2::Repository::clone(&file_url(&upstream), &clone).unwrap();
    let local = git2::Repository::open(&clone).unwrap();
    write(clone.join("team.txt.extra"), "local\n");
    let unpushed = commit_all(&local, "local only").to_string();
    env.run(&new_args("game2", &["--from", "acme", "--no-package"]))
        .ok();
    let rec = record(&env.path("game2"));
    assert_eq!(origin(&rec, "template"), Some(canonical(&clone).as_str()));
    assert_eq!(origin(&rec, "commit"), Some(unpushed.as_str()));
}
