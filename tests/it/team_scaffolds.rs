//! Team scaffolds (issue #7): scaffolds from a folder or a git repository (`file://` at a
//! branch, tag or commit, `--subdir`), their variables and skip rules, package kinds taken
//! from the recorded commit, answers from flags and files, the config's aliases and defaults,
//! `list`, `eject` and `check-template`, and every bad input refused cleanly.
//!
//! Every test runs the real binary in its own sandbox (HOME, XDG_CONFIG_HOME and TMPDIR are
//! temp folders), builds its scaffold repositories with git2 and never touches the network
//! except for `check-template`'s Go module downloads.

use crate::common::team::*;
use crate::common::{file_contents, read, require_go, write};
use std::fs;
use std::path::Path;

// ---- generating from a team scaffold ----

#[test]
fn folder_scaffold_renders_variables_and_copies_other_files_verbatim() {
    let env = Env::new();
    let team = env.path("acme-scaffold");
    make_team_scaffold(&env, &team);

    env.run(&new_args(
        "game",
        &[
            "--from",
            "acme-scaffold",
            "--set",
            "studio=acme-games",
            "--set",
            "ci=true",
            "--set",
            "region=eu",
        ],
    ))
    .ok();
    let game = env.path("game");
    let files = file_contents(&game);

    // .hbs files are rendered, a variable in a file name is too, and the suffix is dropped.
    assert_eq!(
        read(game.join("acme-games.md")),
        "# acme-games\n\nServer acme-games-eu in eu.\n"
    );
    assert_eq!(
        read(game.join("team.txt")),
        "studio=acme-games\nregion=eu\nserver=acme-games-eu\nci=on\nproject=game module=example.com/game\n"
    );
    // Everything else is copied byte for byte: GitHub's ${{ }}, Go templates, binary bytes.
    assert_eq!(files[".github/workflows/ci.yml"], CI_YML.as_bytes());
    assert_eq!(files["templates/greeting.tmpl"], GREETING_TMPL.as_bytes());
    assert_eq!(files["assets/blob.bin"], BLOB);
    assert!(
        files
            .keys()
            .all(|p| !p.contains("{{") && !p.ends_with(".hbs")),
        "{:?}",
        files.keys()
    );

    // The repo is the built-in one plus exactly the team's files.
    env.run(&new_args("plain", &["--name", "game"])).ok();
    let mut expected: Vec<String> = file_contents(&env.path("plain")).into_keys().collect();
    expected.extend(team_files("acme-games"));
    expected.sort();
    // The team's workflow replaces the built-in one at the same path.
    expected.dedup();
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), expected);

    // The record names the folder (absolute), no commit (not a git repo), and every answer.
    let rec = record(&game);
    assert_eq!(origin(&rec, "template"), Some(canonical(&team).as_str()));
    assert_eq!(origin(&rec, "commit"), None);
    assert_eq!(origin(&rec, "subdir"), None);
    let want: toml::Table = toml::from_str(
        "studio = \"acme-games\"\nci = true\nregion = \"eu\"\nserver = \"acme-games-eu\"\n",
    )
    .unwrap();
    assert_eq!(answers(&rec), want);
}

#[test]
fn skip_rule_leaves_files_out_when_its_condition_holds() {
    let env = Env::new();
    let team = env.path("acme");
    make_team_scaffold(&env, &team);
    env.run(&new_args("noci", &["--from", "acme", "--set", "ci=no"]))
        .ok();
    let files = file_contents(&env.path("noci"));
    assert!(!files.keys().any(|p| p.starts_with(".github")), "{files:?}");
    assert_eq!(
        read(env.path("noci/team.txt")).lines().nth(3),
        Some("ci=off")
    );
    assert_eq!(
        answers(&record(&env.path("noci")))["ci"].as_bool(),
        Some(false)
    );

    // The default (ci = true) keeps them.
    env.run(&new_args("withci", &["--from", "acme"])).ok();
    assert!(env.path("withci/.github/workflows/ci.yml").is_file());
}

#[test]
fn folder_that_is_a_git_repo_records_its_head_unless_it_has_changes() {
    let env = Env::new();
    let team = env.path("acme");
    make_team_scaffold(&env, &team);
    let repo = git_init(&team);
    let head = commit_all(&repo, "acme scaffold").to_string();

    env.run(&new_args("clean", &["--from", "acme"])).ok();
    let rec = record(&env.path("clean"));
    assert_eq!(origin(&rec, "template"), Some(canonical(&team).as_str()));
    assert_eq!(origin(&rec, "commit"), Some(head.as_str()));

    // An uncommitted change is in no commit: recording HEAD would be a lie.
    write(team.join("project/team.txt.hbs"), "changed {{studio}}\n");
    env.run(&new_args("dirty", &["--from", "acme"])).ok();
    assert_eq!(read(env.path("dirty/team.txt")), "changed dirty-studio\n");
    assert_eq!(origin(&record(&env.path("dirty")), "commit"), None);
}

/// A repository with the scaffold in `scaffolds/acme`: v1 (tagged `v1` annotated and `v1-light`
/// lightweight, branch `stable`), then v2 on `main`.
struct Monorepo {
    dir: std::path::PathBuf,
    repo: git2::Repository,
    v1: String,
    v2: String,
}

fn monorepo(env: &Env) -> Monorepo {
    let dir = env.path("monorepo");
    make_team_scaffold(env, &dir.join("scaffolds/acme"));
    write(dir.join("README.md"), "acme's scaffolds\n");
    let repo = git_init(&dir);
    let v1 = commit_all(&repo, "acme scaffold v1");
    tag(&repo, "v1", v1, true);
    tag(&repo, "v1-light", v1, false);
    branch(&repo, "stable", v1);
    let txt = dir.join("scaffolds/acme/project/team.txt.hbs");
    write(&txt, format!("{}release=2\n", read(&txt)));
    let v2 = commit_all(&repo, "acme scaffold v2");
    Monorepo {
        v1: v1.to_string(),
        v2: v2.to_string(),
        dir,
        repo,
    }
}

#[test]
fn git_url_at_branch_tag_and_commit_with_subdir_records_the_resolved_commit() {
    let env = Env::new();
    let m = monorepo(&env);
    let url = file_url(&m.dir);
    let short = &m.v1[..10];
    let cases: Vec<(Option<&str>, &str, bool)> = vec![
        (Some("v1"), "refs/tags/v1", false),
        (Some("v1-light"), "refs/tags/v1-light", false),
        (Some("stable"), "refs/heads/stable", false),
        (Some("main"), "refs/heads/main", true),
        (Some(m.v1.as_str()), m.v1.as_str(), false),
        (Some(short), m.v1.as_str(), false),
        (None, "HEAD", true),
    ];
    let mut trees = Vec::new();
    for (i, (reference, git_ref, is_v2)) in cases.into_iter().enumerate() {
        let from = match reference {
            Some(r) => format!("{url}#{r}"),
            None => url.clone(),
        };
        let dest = format!("p{i}");
        env.run(&new_args(
            &dest,
            &[
                "--from",
                &from,
                "--subdir",
                "scaffolds/acme",
                "--set",
                "studio=acme",
                "--name",
                "game",
            ],
        ))
        .ok();
        let project = env.path(&dest);
        let expected = rev(&m.repo, git_ref);
        assert_eq!(&expected, if is_v2 { &m.v2 } else { &m.v1 }, "{from}");
        let rec = record(&project);
        assert_eq!(origin(&rec, "template"), Some(from.as_str()));
        assert_eq!(origin(&rec, "commit"), Some(expected.as_str()), "{from}");
        assert_eq!(origin(&rec, "subdir"), Some("scaffolds/acme"));
        assert_eq!(answers(&rec)["studio"].as_str(), Some("acme"));
        assert_eq!(answers(&rec)["server"].as_str(), Some("acme-us"));
        // The files are those of that commit.
        let txt = read(project.join("team.txt"));
        assert_eq!(txt.contains("release=2"), is_v2, "{from}: {txt}");
        assert!(project.join("acme.md").is_file());
        // The repository's own README is not part of the scaffold.
        assert!(!read(project.join("README.md")).contains("acme's scaffolds"));
        let mut files = file_contents(&project);
        files.remove("scaffold.toml");
        trees.push((from, is_v2, files));
    }
    // Every ref of one commit gives the same tree; v1 and v2 differ in team.txt only.
    let (_, _, first) = &trees[0];
    for (from, is_v2, files) in &trees {
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            first.keys().collect::<Vec<_>>(),
            "{from}"
        );
        for (path, bytes) in files {
            let same = path != "team.txt" || !is_v2;
            assert_eq!(bytes == &first[path], same, "{from}: {path}");
        }
    }
    env.assert_no_temp_leftovers();
}

#[test]
fn folder_with_subdir_and_local_path_at_a_ref() {
    let env = Env::new();
    let m = monorepo(&env);

    env.run(&new_args(
        "byfolder",
        &["--from", "monorepo", "--subdir", "scaffolds/acme"],
    ))
    .ok();
    let rec = record(&env.path("byfolder"));
    assert_eq!(origin(&rec, "template"), Some(canonical(&m.dir).as_str()));
    assert_eq!(origin(&rec, "commit"), Some(m.v2.as_str()));
    assert_eq!(origin(&rec, "subdir"), Some("scaffolds/acme"));

    // Changes outside the subdir do not matter; changes inside it do.
    write(m.dir.join("README.md"), "edited\n");
    env.run(&new_args(
        "outside",
        &["--from", "monorepo", "--subdir", "scaffolds/acme"],
    ))
    .ok();
    let rec = record(&env.path("outside"));
    assert_eq!(origin(&rec, "commit"), Some(m.v2.as_str()));
    write(m.dir.join("scaffolds/acme/project/new.txt"), "new\n");
    env.run(&new_args(
        "inside",
        &["--from", "monorepo", "--subdir", "scaffolds/acme"],
    ))
    .ok();
    assert_eq!(origin(&record(&env.path("inside")), "commit"), None);
    fs::remove_file(m.dir.join("scaffolds/acme/project/new.txt")).unwrap();

    // `path#ref` clones the folder's repository; the path is recorded absolute so that later
    // commands, run inside the new repo, find it.
    env.run(&new_args(
        "bypath",
        &["--from", "monorepo#v1", "--subdir", "scaffolds/acme"],
    ))
    .ok();
    let project = env.path("bypath");
    let rec = record(&project);
    let want = format!("{}#v1", canonical(&m.dir));
    assert_eq!(origin(&rec, "template"), Some(want.as_str()));
    assert_eq!(origin(&rec, "commit"), Some(m.v1.as_str()));
    assert!(!read(project.join("team.txt")).contains("release=2"));
    env.run_in(&project, &["add-package", "board", "--kind", "leaderboard"])
        .ok();
    assert!(read(project.join("board/board.go")).contains("const Release = \"v1\""));
}

// ---- package kinds from the recorded commit ----

#[test]
fn add_package_uses_the_kind_at_the_recorded_commit() {
    let env = Env::new();
    let team = env.path("acme");
    make_team_scaffold(&env, &team);
    let repo = git_init(&team);
    let v1 = commit_all(&repo, "v1");
    tag(&repo, "v1", v1, true);
    let url = file_url(&team);

    let from = format!("{url}#v1");
    env.run(&new_args(
        "game",
        &["--from", &from, "--set", "studio=acme", "--no-package"],
    ))
    .ok();
    let game = env.path("game");

    // The team ships v2 of its kind and moves main; the repo stays on what it recorded.
    write(
        team.join("kinds/leaderboard/{{package}}/{{package}}.go.hbs"),
        leaderboard_go("v2"),
    );
    let v2 = commit_all(&repo, "v2");
    assert_eq!(rev(&repo, "main"), v2.to_string());

    env.run_in(&game, &["add-package", "board", "--kind", "leaderboard"])
        .ok();
    let code = read(game.join("board/board.go"));
    assert!(code.contains("const Release = \"v1\""), "{code}");
    // The recorded answers and the release's pins reach the kind's templates.
    assert!(code.contains("package board\n"), "{code}");
    assert!(
        code.contains("leaderboard for acme, built for Go 1.26.5\n// and nakama-common v1.47.0."),
        "{code}"
    );
    assert!(read(game.join("packages_gen.go")).contains("board.Register("));
    assert!(read(game.join("Dockerfile")).contains("board/"));

    // A repo made from main gets v2: the kind did change, so the v1 above is the record's.
    env.run(&new_args(
        "fresh",
        &["--from", &url, "--set", "studio=acme", "--no-package"],
    ))
    .ok();
    let fresh = env.path("fresh");
    env.run_in(&fresh, &["add-package", "board", "--kind", "leaderboard"])
        .ok();
    assert!(read(fresh.join("board/board.go")).contains("const Release = \"v2\""));
    env.assert_no_temp_leftovers();
}

#[test]
fn kinds_the_team_does_not_define_fall_back_to_the_builtin_ones() {
    let env = Env::new();
    let team = env.path("acme");
    make_team_scaffold(&env, &team);
    let repo = git_init(&team);
    commit_all(&repo, "v1");
    let url = format!("{}#main", file_url(&team));
    env.run(&new_args("game", &["--from", &url, "--no-package"]))
        .ok();
    env.run(&new_args("plain", &["--name", "game", "--no-package"]))
        .ok();
    let (game, plain) = (env.path("game"), env.path("plain"));
    for dir in [&game, &plain] {
        env.run_in(dir, &["add-package", "lobby", "--kind", "match"])
            .ok();
    }
    let ours = file_contents(&game.join("lobby"));
    assert!(!ours.is_empty());
    assert_eq!(ours, file_contents(&plain.join("lobby")));

    // --list-kinds shows the team's kind and the built-in ones.
    let list = env
        .run_in(&game, &["add-package", "--list-kinds"])
        .ok()
        .stdout;
    for kind in ["leaderboard", "rpc", "match", "hook", "http"] {
        assert!(list.contains(kind), "{kind} missing from {list}");
    }
    assert!(list.contains("acme leaderboard: ranks players by score"));

    // An unknown kind is refused with the known ones, and nothing is written.
    let before = file_contents(&game);
    env.run_in(&game, &["add-package", "stats", "--kind", "ladder"])
        .fails_with(&[
            "unknown package kind `ladder`",
            "leaderboard",
            "rpc",
            "match",
            "hook",
            "http",
        ]);
    assert_eq!(file_contents(&game), before);
}

// ---- answers ----

#[test]
fn answers_from_toml_and_json_files() {
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    write(
        env.path("answers.toml"),
        "studio = \"tomlco\"\nci = false\nregion = \"ap\"\nserver = \"play.tomlco.example\"\n",
    );
    write(
        env.path("answers.json"),
        r#"{"studio": "jsonco", "ci": true, "region": "eu", "server": "play.jsonco.example"}"#,
    );
    for (file, studio, ci, region) in [
        ("answers.toml", "tomlco", false, "ap"),
        ("answers.json", "jsonco", true, "eu"),
    ] {
        let dest = file.replace('.', "-");
        env.run(&new_args(&dest, &["--from", "acme", "--answers", file]))
            .ok();
        let project = env.path(&dest);
        let a = answers(&record(&project));
        assert_eq!(a["studio"].as_str(), Some(studio));
        assert_eq!(a["ci"].as_bool(), Some(ci));
        assert_eq!(a["region"].as_str(), Some(region));
        let server = format!("play.{studio}.example");
        assert_eq!(a["server"].as_str(), Some(server.as_str()));
        assert!(read(project.join(format!("{studio}.md"))).contains(&server));
        assert_eq!(project.join(".github").exists(), ci);
    }

    // --set wins over the file.
    env.run(&new_args(
        "mixed",
        &[
            "--from",
            "acme",
            "--answers",
            "answers.toml",
            "--set",
            "region=us",
        ],
    ))
    .ok();
    let a = answers(&record(&env.path("mixed")));
    assert_eq!(
        (a["studio"].as_str(), a["region"].as_str()),
        (Some("tomlco"), Some("us"))
    );

    // A broken answers file names itself and the line; a null is not an answer.
    write(env.path("bad.toml"), "studio = \"x\"\nregion = eu\n");
    env.run(&new_args(
        "bad",
        &["--from", "acme", "--answers", "bad.toml"],
    ))
    .fails_with(&["bad.toml:2:"]);
    write(env.path("null.json"), r#"{"studio": null}"#);
    env.run(&new_args(
        "bad",
        &["--from", "acme", "--answers", "null.json"],
    ))
    .fails_with(&["null.json", "`studio`"]);
    assert!(!env.path("bad").exists());
}

#[test]
fn missing_answers_without_a_terminal_or_yes_are_named_at_once() {
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    let base = [
        "new",
        "game",
        "--from",
        "acme",
        "--no-git",
        "--module",
        "example.com/game",
        "--nakama",
        "3.40.0",
        "--no-package",
    ];
    let mut args = base.to_vec();
    args.extend(["--set", "ci=true", "--set", "region=eu"]);
    // Both unanswered variables in one usage error (exit 2), none of the answered ones.
    let out = env.run(&args).code(2);
    assert_eq!(
        out.stderr,
        "error: no terminal to ask the questions: pass --set studio=VALUE, --set server=VALUE, or --yes to take the defaults\n"
    );
    assert!(!env.path("game").exists());

    // Answering every variable needs no terminal.
    args.extend(["--set", "studio=acme", "--set", "server=acme.example"]);
    env.run(&args).ok();
    assert_eq!(
        answers(&record(&env.path("game")))["server"].as_str(),
        Some("acme.example")
    );
}

#[test]
fn invalid_answers_are_refused_with_the_reason() {
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    let cases: &[(&str, &[&str])] = &[
        (
            "studio=Acme Games",
            &[
                "`Acme Games` is not a valid `studio`",
                "use lower-case letters, digits and dashes, starting with a letter",
            ],
        ),
        ("ci=maybe", &["`ci` is a yes/no answer", "maybe"]),
        (
            "region=mars",
            &["`mars` is not a choice of `region`", "eu, us, ap"],
        ),
        (
            "stuido=acme",
            &["no variable `stuido`", "studio, ci, region, server"],
        ),
        ("module=example.com/x", &["--module"]),
        ("go_version=1.22", &["--nakama"]),
        ("studio", &["not key=value"]),
    ];
    for (set, parts) in cases {
        env.run(&new_args("game", &["--from", "acme", "--set", set]))
            .fails_with(parts);
        assert!(!env.path("game").exists(), "{set}");
    }
    // A default that fails validation is refused too (here `{{name}}-studio` with an
    // upper-case project name).
    env.run(&new_args("Game", &["--from", "acme"]))
        .fails_with(&["`Game-studio` is not a valid `studio`"]);
    assert!(!env.path("Game").exists());
}

#[test]
fn bool_answers_accept_yes_no_forms() {
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    for (i, (text, value)) in [
        ("true", true),
        ("yes", true),
        ("Y", true),
        ("1", true),
        ("false", false),
        ("no", false),
        ("0", false),
    ]
    .into_iter()
    .enumerate()
    {
        let dest = format!("g{i}");
        env.run(&new_args(
            &dest,
            &["--from", "acme", "--set", &format!("ci={text}")],
        ))
        .ok();
        let project = env.path(&dest);
        assert_eq!(
            answers(&record(&project))["ci"].as_bool(),
            Some(value),
            "{text}"
        );
        assert_eq!(project.join(".github").exists(), value, "{text}");
    }
}

#[test]
fn defaults_refer_to_earlier_answers() {
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    for (dest, sets, studio, server) in [
        ("game", vec![], "game-studio", "game-studio-us"),
        ("g2", vec!["studio=foo"], "foo", "foo-us"),
        ("g3", vec!["region=ap"], "g3-studio", "g3-studio-ap"),
        (
            "g4",
            vec!["--name=arena"],
            "arena-studio",
            "arena-studio-us",
        ),
    ] {
        let mut extra = vec!["--from", "acme"];
        for s in &sets {
            if s.starts_with("--") {
                extra.push(*s);
            } else {
                extra.extend(["--set", s]);
            }
        }
        env.run(&new_args(dest, &extra)).ok();
        let a = answers(&record(&env.path(dest)));
        assert_eq!(a["studio"].as_str(), Some(studio), "{dest}");
        assert_eq!(a["server"].as_str(), Some(server), "{dest}");
        assert!(env.path(dest).join(format!("{studio}.md")).is_file());
    }

    // A default may only refer to answers given before it.
    let team = env.path("acme");
    let manifest = team.join("template.toml");
    write(
        &manifest,
        read(&manifest).replace("default = \"{{name}}-studio\"", "default = \"{{server}}\""),
    );
    env.run(&new_args("late", &["--from", "acme"]))
        .fails_with(&["default of `studio`", "server"]);
    assert!(!env.path("late").exists());
}

// ---- the config file ----

#[test]
fn config_aliases_module_prefix_and_nakama() {
    let env = Env::new();
    // Not named `acme`: `acme#main` must resolve through the alias, not as a folder.
    let team = env.path("acme-scaffold");
    make_team_scaffold(&env, &team);
    let repo = git_init(&team);
    let v1 = commit_all(&repo, "v1");
    tag(&repo, "v1", v1, false);
    let v1 = v1.to_string();
    write(team.join("project/team.txt.hbs"), "v2 {{studio}}\n");
    let v2 = commit_all(&repo, "v2").to_string();
    let url = file_url(&team);
    env.write_config(&format!(
        "module_prefix = \"github.com/acme\"\nnakama = \"3.37.1\"\n\n[aliases]\nacme = \"{url}#v1\"\nacme-edge = \"{url}\"\n"
    ));

    env.run(&new_args("game", &["--from", "acme"])).ok();
    let game = env.path("game");
    let rec = record(&game);
    let pinned = format!("{url}#v1");
    assert_eq!(origin(&rec, "template"), Some(pinned.as_str()));
    assert_eq!(origin(&rec, "commit"), Some(v1.as_str()));
    assert_eq!(
        rec["project"]["module"].as_str(),
        Some("github.com/acme/game")
    );
    assert_eq!(rec["project"]["nakama"].as_str(), Some("3.37.1"));
    let gomod = read(game.join("go.mod"));
    assert!(
        gomod.starts_with("module github.com/acme/game\n"),
        "{gomod}"
    );
    assert!(
        gomod.contains("github.com/heroiclabs/nakama-common v1.44.2"),
        "{gomod}"
    );
    assert!(read(game.join("Dockerfile")).contains("3.37.1"));
    assert!(read(game.join("team.txt")).starts_with("studio="));

    // `alias#ref` takes the alias at another ref; a flag beats the config's defaults.
    env.run(&new_args(
        "edge",
        &[
            "--from",
            "acme#main",
            "--module",
            "example.org/edge",
            "--nakama",
            "3.40.0",
        ],
    ))
    .ok();
    let rec = record(&env.path("edge"));
    assert_eq!(origin(&rec, "commit"), Some(v2.as_str()));
    assert_eq!(rec["project"]["module"].as_str(), Some("example.org/edge"));
    assert_eq!(rec["project"]["nakama"].as_str(), Some("3.40.0"));
    assert_eq!(read(env.path("edge/team.txt")), "v2 edge-studio\n");

    env.run(&new_args("edge2", &["--from", "acme-edge"])).ok();
    assert_eq!(
        origin(&record(&env.path("edge2")), "commit"),
        Some(v2.as_str())
    );
    env.assert_no_temp_leftovers();
}

#[test]
fn list_shows_builtin_and_aliases() {
    let env = Env::new();
    // Without a config: the built-in scaffold, and a hint where aliases go.
    let out = env.run(&["list"]).ok();
    assert!(out.stdout.starts_with("builtin "), "{out:?}");
    assert!(out.stdout.contains("nakama-go"));
    assert!(out.stderr.contains("[aliases]"), "{out:?}");

    let config = env.write_config(
        "[aliases]\nacme = \"file:///srv/git/acme.git#v3\"\nbeta = \"https://git.example.com/beta.git\"\n",
    );
    let out = env.run(&["list"]).ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out:?}");
    assert!(lines[0].starts_with("builtin ") && lines[0].contains("nakama-go"));
    assert!(lines[1].starts_with("acme ") && lines[1].ends_with("file:///srv/git/acme.git#v3"));
    assert!(
        lines[2].starts_with("beta ") && lines[2].ends_with("https://git.example.com/beta.git")
    );

    let out = env.run(&["list", "--json"]).ok();
    let v = serde_json::Value::Object(out.report());
    assert_eq!(v["command"], "list");
    assert_eq!(
        v["scaffolds"],
        serde_json::json!([
            {"name": "builtin", "source": "builtin", "template": "nakama-go",
             "description": v["scaffolds"][0]["description"]},
            {"name": "acme", "source": "file:///srv/git/acme.git#v3"},
            {"name": "beta", "source": "https://git.example.com/beta.git"},
        ])
    );
    assert_eq!(v["config"], config.display().to_string());

    // A broken config names its file and line.
    env.write_config("nakama = \"3.37.1\"\nmodule_prefx = \"y\"\n[aliases]\n");
    env.run(&["list"])
        .fails_with(&[&format!("{}:2:", config.display()), "module_prefx"]);
}

// ---- bad input: one error line, exit 1, nothing left behind ----

/// Runs `new bad ...extra` and checks the refusal: one `error:` line holding `parts`, exit 1,
/// no `bad` folder, no clone left in TMPDIR.
#[track_caller]
fn refused(env: &Env, extra: &[&str], parts: &[&str]) -> String {
    let line = env.run(&new_args("bad", extra)).fails_with(parts);
    assert!(!env.path("bad").exists(), "bad/ was left behind");
    env.assert_no_temp_leftovers();
    line
}

/// The team scaffold as a git repo at `name`, with `change` applied before the commit.
fn team_repo(env: &Env, name: &str, change: impl FnOnce(&Path)) -> String {
    let dir = env.path(name);
    make_team_scaffold(env, &dir);
    change(&dir);
    let repo = git_init(&dir);
    commit_all(&repo, "scaffold");
    format!("{}#main", file_url(&dir))
}

#[test]
fn unknown_variable_in_a_template_is_refused() {
    let env = Env::new();
    let broken = |dir: &Path| write(dir.join("project/oops.txt.hbs"), "hello {{studoi}}\n");
    let url = team_repo(&env, "acme", broken);
    refused(&env, &["--from", &url], &["oops.txt.hbs", "studoi"]);
    refused(&env, &["--from", "acme"], &["oops.txt.hbs", "studoi"]);
    // In a kind's template it is found when the kind is used.
    let url = team_repo(&env, "acme2", |dir| {
        write(dir.join("kinds/rpc/{{package}}/extra.go.hbs"), "{{nope}}\n")
    });
    refused(&env, &["--from", &url], &["extra.go.hbs", "nope"]);
}

#[test]
fn manifest_that_does_not_parse_names_file_and_line() {
    let env = Env::new();
    let broken = |dir: &Path| {
        let m = dir.join("template.toml");
        write(
            &m,
            format!("{}\n[[variable]]\nname = \"x\"\nprompt = 3\n", read(&m)),
        );
    };
    let url = team_repo(&env, "acme", broken);
    let lines = read(env.path("acme/template.toml")).lines().count();
    // A clone is named by its URL, not by the temporary folder it was cloned into.
    let at = format!("{url}:template.toml:{lines}:");
    let line = refused(&env, &["--from", &url], &[&at]);
    assert!(!line.contains("scaffold-template-"), "{line}");
    let shown = format!(
        "{}:{lines}:",
        env.path("acme/template.toml")
            .canonicalize()
            .unwrap()
            .display()
    );
    refused(&env, &["--from", "acme"], &[&shown]);

    // In a --subdir, the path inside the repository.
    let mono = env.path("mono");
    make_team_scaffold(&env, &mono.join("sub/acme"));
    broken(&mono.join("sub/acme"));
    commit_all(&git_init(&mono), "mono");
    let url = format!("{}#main", file_url(&mono));
    let at = format!("{url}:sub/acme/template.toml:{lines}:");
    refused(&env, &["--from", &url, "--subdir", "sub/acme"], &[&at]);

    // An unknown key at the start of a line: that line, not the one before.
    let url = team_repo(&env, "acme2", |dir| {
        let m = dir.join("template.toml");
        write(&m, format!("{}colour = \"red\"\n", read(&m)));
    });
    let lines = read(env.path("acme2/template.toml")).lines().count();
    refused(
        &env,
        &["--from", &url],
        &[&format!("template.toml:{lines}:"), "unknown field `colour`"],
    );
}

#[test]
fn repositories_and_refs_that_do_not_exist_are_refused() {
    let env = Env::new();
    let missing = format!("file://{}/nowhere.git", env.root().display());
    refused(
        &env,
        &["--from", &missing],
        &["cannot clone", "nowhere.git"],
    );
    let url = team_repo(&env, "acme", |_| {});
    let base = url.trim_end_matches("#main");
    refused(
        &env,
        &["--from", &format!("{base}#v9")],
        &["has no branch, tag or commit `v9`"],
    );
    refused(
        &env,
        &[
            "--from",
            &format!("{base}#0123456789abcdef0123456789abcdef01234567"),
        ],
        &["has no branch, tag or commit"],
    );
    refused(&env, &["--from", "no-such-folder"], &["no-such-folder"]);
    refused(
        &env,
        &["--from", &url, "--subdir", "scaffolds/acme"],
        &["scaffolds/acme"],
    );
}

#[test]
fn file_names_that_render_outside_the_destination_are_refused() {
    let env = Env::new();
    let url = team_repo(&env, "acme", |dir| {
        let m = dir.join("template.toml");
        write(
            &m,
            format!(
                "{}\n[[variable]]\nname = \"evil\"\nprompt = \"Folder\"\ndefault = \"docs\"\n",
                read(&m)
            ),
        );
        write(dir.join("project/{{evil}}/x.txt"), "escaped\n");
        write(dir.join("project/{{evil}}.md.hbs"), "escaped {{evil}}\n");
    });
    // The defaults render fine.
    env.run(&new_args("ok", &["--from", &url])).ok();
    assert_eq!(read(env.path("ok/docs/x.txt")), "escaped\n");
    assert!(env.path("ok/docs.md").is_file());

    for value in ["../x", "..", "a/../../x", "/tmp/scaffold-escape"] {
        refused(
            &env,
            &["--from", &url, "--set", &format!("evil={value}")],
            &["would be written outside the destination"],
        );
    }
    assert!(!env.path("x").exists());
    assert!(!env.work.join("../x").exists());
    assert!(!Path::new("/tmp/scaffold-escape").exists());
}

#[test]
fn symlinks_out_of_the_scaffold_are_refused() {
    let env = Env::new();
    let secret = env.root().join("secret.txt");
    write(&secret, "not for templates\n");
    // An absolute link and a relative one, from a folder and from a clone.
    let url = team_repo(&env, "abs", |dir| {
        std::os::unix::fs::symlink(&secret, dir.join("project/secret.txt")).unwrap()
    });
    refused(&env, &["--from", &url], &["secret.txt", "links outside"]);
    refused(&env, &["--from", "abs"], &["secret.txt", "links outside"]);
    let url = team_repo(&env, "rel", |dir| {
        std::os::unix::fs::symlink("../../../secret.txt", dir.join("project/secret.txt")).unwrap()
    });
    refused(&env, &["--from", &url], &["links outside"]);
    refused(&env, &["--from", "rel"], &["links outside"]);

    // A link inside the scaffold is followed.
    let url = team_repo(&env, "inside", |dir| {
        std::os::unix::fs::symlink("team.txt.hbs", dir.join("project/copy.txt.hbs")).unwrap()
    });
    env.run(&new_args("ok", &["--from", &url])).ok();
    assert_eq!(read(env.path("ok/copy.txt")), read(env.path("ok/team.txt")));

    // A --subdir that is itself a link out of the repository.
    let other = env.root().join("elsewhere");
    make_team_scaffold(&env, &other);
    let url = team_repo(&env, "linked", |dir| {
        std::os::unix::fs::symlink(&other, dir.join("scaffold")).unwrap()
    });
    refused(
        &env,
        &["--from", &url, "--subdir", "scaffold"],
        &["links outside"],
    );
    refused(
        &env,
        &["--from", "linked", "--subdir", "scaffold"],
        &["links outside"],
    );
}

#[test]
fn a_scaffold_needing_a_newer_scaffold_is_refused() {
    let env = Env::new();
    let url = team_repo(&env, "acme", |dir| {
        let m = dir.join("template.toml");
        let text = read(&m).replace("min_scaffold = \"0.1.0\"", "min_scaffold = \"99.0.0\"");
        // A newer scaffold's manifest may hold fields this one does not know.
        write(&m, format!("{text}\n[hooks]\npost_new = \"make setup\"\n"));
    });
    refused(
        &env,
        &["--from", &url],
        &["needs scaffold 99.0.0", "update scaffold"],
    );
    refused(&env, &["--from", "acme"], &["needs scaffold 99.0.0"]);
}

#[test]
fn subdir_must_stay_inside_the_scaffold() {
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    for sub in ["../acme", "/etc", "a/../../b"] {
        refused(&env, &["--from", "acme", "--subdir", sub], &["--subdir"]);
    }
}

/// A repository across the network is cloned with the `git` command (the user's credentials
/// and certificates), shallow at a branch or tag, whole for a commit. Here "across the
/// network" is ssh to a stand-in that runs git's server side on this machine.
#[test]
fn remote_repositories_are_cloned_with_the_git_command() {
    let env = Env::new();
    let m = monorepo(&env);
    let ssh = env.root().join("fake-ssh");
    write(
        &ssh,
        "#!/bin/sh\n# ssh HOST COMMAND: run COMMAND here.\nshift\nexec sh -c \"$*\"\n",
    );
    crate::common::sh(env.root(), "chmod", &["+x", ssh.to_str().unwrap()], &[]).ok();
    let url = format!("ssh://localhost{}", m.dir.display());
    let short = &m.v1[..10];
    for (reference, expected) in [
        ("v1", &m.v1),
        ("stable", &m.v1),
        ("main", &m.v2),
        (short, &m.v1),
    ] {
        let from = format!("{url}#{reference}");
        let dest = format!("p-{reference}");
        let args = new_args(
            &dest,
            &[
                "--from",
                &from,
                "--subdir",
                "scaffolds/acme",
                "--set",
                "studio=acme",
            ],
        );
        env.run_env(
            &env.work,
            &args,
            &[("GIT_SSH_COMMAND", ssh.to_str().unwrap())],
        )
        .ok();
        let rec = record(&env.path(&dest));
        assert_eq!(origin(&rec, "commit"), Some(expected.as_str()), "{from}");
        let txt = read(env.path(&dest).join("team.txt"));
        assert_eq!(txt.contains("release=2"), expected == &m.v2, "{from}");
    }
    env.assert_no_temp_leftovers();
}

#[test]
fn https_urls_are_cloned_and_refused_with_git_s_reason() {
    let env = Env::new();
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("https://127.0.0.1:{port}/x.git");
    let line = refused(&env, &["--from", &url], &["cannot clone", &url]);
    let lower = line.to_lowercase();
    assert!(!lower.contains("unsupported"), "{line}");
    assert!(
        lower.contains("connect") || lower.contains("refused"),
        "{line}"
    );
}

// ---- eject ----

#[test]
fn eject_then_new_from_it_matches_the_builtin() {
    let env = Env::new();
    let ej = env.path("ej");
    eject(&env, &ej);
    // The ejected scaffold is the compiled-in one, byte for byte, except its manifest: the
    // team's, named after the folder (or --name), without scaffold's maintainer notes.
    let (mut ejected, mut builtin) = (file_contents(&ej), file_contents(&builtin_source()));
    let manifest = String::from_utf8(ejected.remove("template.toml").unwrap()).unwrap();
    let original = String::from_utf8(builtin.remove("template.toml").unwrap()).unwrap();
    assert_eq!(ejected, builtin);
    assert!(manifest.contains("\nname = \"ej\"\n"), "{manifest}");
    for gone in [
        "nakama-go\"",
        "In scaffold's own repo",
        "scaffolds/history",
        "The built-in scaffold:",
    ] {
        assert!(!manifest.contains(gone), "`{gone}` in:\n{manifest}");
    }
    let fields = |t: &str| {
        let mut v: toml::Table = t.parse().unwrap();
        v.remove("name");
        v
    };
    assert_eq!(fields(&manifest), fields(&original));
    env.run(&["eject", "named", "--name", "acme-games"]).ok();
    assert!(read(env.path("named/template.toml")).contains("\nname = \"acme-games\"\n"));
    env.run(&["eject", "bad", "--name", "acme games"])
        .fails_with(&["scaffold name `acme games` is not usable", "--name NAME"]);
    assert!(!env.path("bad").exists());

    let common = [
        "--name",
        "game",
        "--module",
        "example.com/game",
        "--nakama",
        "3.37.1",
        "--package",
        "inventory",
    ];
    env.run(&new_args("builtin", &common)).ok();
    let mut args = common.to_vec();
    args.extend(["--from", "ej"]);
    env.run(&new_args("ejected", &args)).ok();
    let (mut a, mut b) = (
        file_contents(&env.path("builtin")),
        file_contents(&env.path("ejected")),
    );
    let (ra, rb) = (
        String::from_utf8(a.remove("scaffold.toml").unwrap()).unwrap(),
        String::from_utf8(b.remove("scaffold.toml").unwrap()).unwrap(),
    );
    assert_eq!(a, b);
    // A team scaffold's record also names its kinds' copy in the cache.
    let rb = rb
        .lines()
        .filter(|l| !l.starts_with("kinds = \"sha256:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    let differ: Vec<(&str, &str)> = ra.lines().zip(rb.lines()).filter(|(x, y)| x != y).collect();
    let want_b = format!("template = \"{}\"", canonical(&ej));
    assert_eq!(
        differ,
        [("template = \"builtin:nakama-go\"", want_b.as_str())]
    );
    assert_eq!(ra.lines().count(), rb.lines().count());
}

#[test]
fn eject_refuses_a_non_empty_folder_or_a_file() {
    let env = Env::new();
    let dir = env.path("taken");
    write(dir.join("keep.txt"), "mine\n");
    env.run(&["eject", "taken"])
        .fails_with(&["taken", "not empty"]);
    assert_eq!(file_contents(&dir).len(), 1);
    assert_eq!(read(dir.join("keep.txt")), "mine\n");

    write(env.path("file"), "x");
    env.run(&["eject", "file"])
        .fails_with(&["file", "is a file"]);

    // An empty folder is fine.
    fs::create_dir(env.path("empty")).unwrap();
    env.run(&["eject", "empty"]).ok();
    assert!(env.path("empty/template.toml").is_file());
}

// ---- check-template ----

#[test]
fn check_template_renders_the_defaults_and_every_kind() {
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    let out = env.run(&["check-template", "acme", "--no-go"]).ok();
    assert!(out.stderr.contains("Rendered"), "{out:?}");

    // A git URL with --subdir, render only.
    let m = monorepo(&env);
    let url = format!("{}#v1", file_url(&m.dir));
    env.run(&[
        "check-template",
        &url,
        "--subdir",
        "scaffolds/acme",
        "--no-go",
    ])
    .ok();
    env.assert_no_temp_leftovers();

    // An unknown variable in the project or in any kind fails the check.
    write(env.path("acme/project/oops.txt.hbs"), "{{studoi}}\n");
    env.run(&["check-template", "acme", "--no-go"])
        .fails_with(&["oops.txt.hbs", "studoi"]);
    fs::remove_file(env.path("acme/project/oops.txt.hbs")).unwrap();
    write(
        env.path("acme/kinds/leaderboard/{{package}}/extra.go.hbs"),
        "{{scroe}}\n",
    );
    env.run(&["check-template", "acme", "--no-go"])
        .fails_with(&["kind `leaderboard`", "scroe"]);
    fs::remove_file(env.path("acme/kinds/leaderboard/{{package}}/extra.go.hbs")).unwrap();

    // A kind without a usable manifest would silently vanish from add-package.
    fs::remove_file(env.path("acme/kinds/leaderboard/manifest.toml")).unwrap();
    env.run(&["check-template", "acme", "--no-go"])
        .fails_with(&["kind `leaderboard`", "manifest.toml"]);
}

#[test]
fn check_template_takes_answers_for_variables_without_defaults() {
    let env = Env::new();
    eject(&env, &env.path("ej"));
    let manifest = env.path("ej/template.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    write(
        &manifest,
        format!("{text}\n[[variable]]\nname = \"studio\"\nprompt = \"Studio\"\n"),
    );
    write(env.path("ej/project/STUDIO.md.hbs"), "{{studio}}\n");
    env.run(&["check-template", "ej", "--no-go"])
        .fails_with(&["--set studio=VALUE"]);
    env.run(&["check-template", "ej", "--no-go", "--set", "studio=acme"])
        .ok();
    write(env.path("answers.toml"), "studio = \"acme\"\n");
    let answers = env.path("answers.toml");
    env.run(&[
        "check-template",
        "ej",
        "--no-go",
        "--answers",
        answers.to_str().unwrap(),
    ])
    .ok();
}

/// With an empty module cache, as on a fresh CI runner: its `go mod tidy` reaches the module
/// proxy and the checksum database over TLS with the user's environment.
#[test]
fn check_template_with_go_passes_on_the_ejected_scaffold() {
    require_go();
    let env = Env::new();
    eject(&env, &env.path("ej"));
    let modules = env.root().join("gomod");
    let out = env
        .run_env(
            &env.path("."),
            &["check-template", "ej"],
            &[
                ("GOMODCACHE", modules.to_str().unwrap()),
                ("GOFLAGS", "-modcacherw"),
            ],
        )
        .ok();
    assert!(
        modules
            .join("cache/download/github.com/heroiclabs/nakama-common")
            .is_dir(),
        "nakama-common was downloaded into the empty module cache"
    );
    for step in [
        "go mod tidy",
        "go vet ./...",
        "go test ./...",
        "go build -trimpath -buildmode=plugin",
    ] {
        assert!(out.stderr.contains(step), "{step} not run: {out:?}");
    }
}

#[test]
fn check_template_with_go_fails_on_a_kind_that_does_not_compile() {
    require_go();
    let env = Env::new();
    make_team_scaffold(&env, &env.path("acme"));
    // It renders; only Go can tell it is wrong. No `new` ever uses this kind.
    write(
        env.path("acme/kinds/leaderboard/{{package}}/{{package}}.go.hbs"),
        leaderboard_go("v1") + "\nvar Score int = Release\n",
    );
    let out = env.run(&["check-template", "acme"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.lines().any(|l| l.starts_with("error: go vet")),
        "{out:?}"
    );
    assert!(out.stderr.contains("checkleaderboard"), "{out:?}");
    assert!(out.stderr.contains("cannot use Release"), "{out:?}");
}
