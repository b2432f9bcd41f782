//! The scheduled bump workflow every generated repo ships (.github/workflows/scaffold-bump.yml)
//! and its Dependabot config. The workflow passes actionlint; its steps, run as the shell
//! scripts they are against a local bare remote (a team scaffold tagged v2 after the repo was
//! made at v1, a fabricated Nakama release in a `file://` module proxy), push one branch
//! holding exactly the scaffold update and one holding exactly the lockstep upgrade.

use crate::common::team::{self, file_url, git_init, make_team_scaffold, Env};
use crate::common::{git, publish, read, tmp, write};
use std::path::Path;
use std::process::Command;

const WORKFLOW: &str = ".github/workflows/scaffold-bump.yml";

/// One step of a job: its name (or `uses:` target), its `env:` keys and its `run:` script.
#[derive(Debug)]
struct Step {
    name: String,
    env: Vec<String>,
    run: String,
}

/// The steps of `job`, read from the workflow's text (the layout the scaffold writes: jobs at
/// two spaces, steps at six, their keys at eight, script lines at ten).
fn steps(workflow: &str, job: &str) -> Vec<Step> {
    let mut lines = workflow
        .lines()
        .skip_while(|l| *l != format!("  {job}:"))
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with("   "));
    let mut steps: Vec<Step> = Vec::new();
    let mut in_env = false;
    let mut in_run = false;
    for line in lines.by_ref() {
        if let Some(rest) = line.strip_prefix("      - ") {
            let name = rest
                .trim_start_matches("name: ")
                .trim_start_matches("uses: ");
            steps.push(Step {
                name: name.to_string(),
                env: Vec::new(),
                run: String::new(),
            });
            (in_env, in_run) = (false, false);
            continue;
        }
        let Some(step) = steps.last_mut() else {
            continue;
        };
        if in_run && (line.is_empty() || line.starts_with("          ")) {
            step.run += line.get(10..).unwrap_or("");
            step.run.push('\n');
            continue;
        }
        if in_env && line.starts_with("          ") {
            step.env
                .push(line.trim().split(':').next().unwrap().to_string());
            continue;
        }
        (in_env, in_run) = (line == "        env:", line == "        run: |");
    }
    steps
}

/// Runs the `run:` script of `job`'s step `name` as GitHub does (`bash -e -o pipefail`) in
/// `dir`, with `scaffold` and a recording `gh` on PATH; returns its output, panicking when it
/// fails.
fn run_step(env: &Env, dir: &Path, job: &str, name: &str, extra: &[(&str, String)]) -> String {
    let text = read(dir.join(WORKFLOW));
    let all = steps(&text, job);
    let step = all
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no step `{name}` in job {job}: {all:#?}"));
    assert_eq!(step.env, ["GH_TOKEN", "BASE"], "{step:#?}");
    let bin = crate::common::bin();
    let stubs = env.root().join("stubs");
    let path = format!(
        "{}:{}:{}",
        stubs.display(),
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    let mut cmd = Command::new("bash");
    cmd.args([
        "--noprofile",
        "--norc",
        "-e",
        "-o",
        "pipefail",
        "-c",
        &step.run,
    ])
    .current_dir(dir)
    .env_clear()
    .env("PATH", path)
    .env("HOME", &env.home)
    .env("XDG_CONFIG_HOME", &env.xdg)
    .env("XDG_CACHE_HOME", &env.cache)
    .env("TMPDIR", &env.tmp)
    .env("NO_COLOR", "1")
    .env("GH_TOKEN", "token")
    .env("BASE", "main")
    .env("GH_LOG", env.root().join("gh.log"));
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "step `{name}` failed:\n{said}");
    said
}

/// A `gh` that records its arguments and finds no open pull request.
fn stub_gh(env: &Env) {
    let gh = env.root().join("stubs/gh");
    write(&gh, "#!/bin/sh\necho \"$*\" >> \"$GH_LOG\"\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The files `branch` changes against `main` in the bare remote.
fn changed(remote: &Path, branch: &str) -> Vec<String> {
    let out = git(remote, &["diff", "--name-only", "main", branch]);
    out.lines().map(str::to_string).collect()
}

/// A proxy with a fabricated Nakama 3.41.0 whose pins all move: nakama-common v1.48.0,
/// protobuf v1.36.12, Go 1.26.6 (at most the local Go, which `go mod tidy` runs as).
fn fabricated_release() -> tempfile::TempDir {
    let proxy = tmp();
    let p = proxy.path();
    publish(
        p,
        "github.com/heroiclabs/nakama/v3",
        "v3.41.0",
        "module github.com/heroiclabs/nakama/v3\n\ngo 1.26.6\n\nrequire (\n\tgithub.com/heroiclabs/nakama-common v1.48.0\n\tgoogle.golang.org/protobuf v1.36.12\n)\n",
        &[
            (
                "build/Dockerfile",
                "FROM golang:1.26.6-bookworm AS builder\nRUN go build .\nFROM debian:bookworm\n",
            ),
            (
                "build/pluginbuilder/Dockerfile",
                "FROM golang:1.26.6-bookworm\nWORKDIR /builder\n",
            ),
        ],
    );
    // The packages a generated repo imports; runtime needs protobuf, as the real one does.
    let pkg =
        |name: &str| format!("package {name}\n\nimport _ \"google.golang.org/protobuf/proto\"\n");
    publish(
        p,
        "github.com/heroiclabs/nakama-common",
        "v1.48.0",
        "module github.com/heroiclabs/nakama-common\n\ngo 1.26.6\n\nrequire google.golang.org/protobuf v1.36.12\n",
        &[
            ("runtime/runtime.go", &pkg("runtime")),
            ("api/api.go", &pkg("api")),
            ("rtapi/rtapi.go", &pkg("rtapi")),
        ],
    );
    publish(
        p,
        "google.golang.org/protobuf",
        "v1.36.12",
        "module google.golang.org/protobuf\n\ngo 1.21\n",
        &[("proto/proto.go", "package proto\n")],
    );
    proxy
}

#[test]
fn the_bump_workflow_passes_actionlint() {
    let env = Env::new();
    env.run(&["new", "game", "--yes", "--no-git"]).ok();
    let out = Command::new(crate::generated_ci::actionlint())
        .arg("-no-color")
        .arg(env.path(&format!("game/{WORKFLOW}")))
        .current_dir(env.path("game"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Dependabot leaves what the server pins to the workflow: exactly the modules `new` pins.
    let bot = read(env.path("game/.github/dependabot.yml"));
    let ignored: Vec<&str> = bot
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- dependency-name: "))
        .collect();
    assert_eq!(
        ignored,
        [
            "github.com/heroiclabs/nakama-common",
            "google.golang.org/protobuf"
        ]
    );
    assert!(
        !bot.contains("package-ecosystem: docker"),
        "images move with upgrade:\n{bot}"
    );
}

#[test]
fn the_bump_workflow_pushes_the_update_and_the_lockstep_upgrade() {
    // `releases --refresh` and `go mod tidy` need Go (skipped only through SCAFFOLD_TEST_SKIP).
    if !crate::common::go_required() {
        return;
    }
    let env = Env::new();
    stub_gh(&env);
    // A team scaffold at v1, a repo made from it, the repo's remote; then the team's v2.
    let team_dir = env.root().join("team");
    make_team_scaffold(&env, &team_dir);
    let team_repo = git_init(&team_dir);
    let v1 = team::commit_all(&team_repo, "v1");
    team::tag(&team_repo, "v1", v1, true);
    let from = format!("{}#v1", file_url(&team_dir));
    env.run(&["new", "game", "--yes", "--from", &from]).ok();
    let game = env.path("game");
    git(&game, &["branch", "-M", "main"]);
    let remote = env.root().join("remote.git");
    git(
        env.root(),
        &[
            "clone",
            "-q",
            "--bare",
            game.to_str().unwrap(),
            "remote.git",
        ],
    );
    let txt = team_dir.join("project/team.txt.hbs");
    write(&txt, format!("{}motto=ship it\n", read(&txt)));
    let v2 = team::commit_all(&team_repo, "v2");
    team::tag(&team_repo, "v2", v2, true);

    // The update job, in a fresh checkout of main.
    let clone = |name: &str| {
        git(env.root(), &["clone", "-q", remote.to_str().unwrap(), name]);
        env.root().join(name)
    };
    let ci = clone("ci-update");
    run_step(&env, &ci, "update", "propose scaffold update", &[]);
    assert_eq!(
        changed(&remote, "scaffold/update"),
        ["scaffold.toml", "team.txt"]
    );
    let team_txt = git(&remote, &["show", "scaffold/update:team.txt"]);
    assert!(team_txt.ends_with("motto=ship it\n"), "{team_txt}");
    let record = git(&remote, &["show", "scaffold/update:scaffold.toml"]);
    assert!(record.contains(&team::rev(&team_repo, "v2")), "{record}");

    // The upgrade job, in another fresh checkout of main, against the fabricated release.
    let proxy = fabricated_release();
    let ci = clone("ci-upgrade");
    let go_env = [
        ("GOPROXY", format!("file://{}", proxy.path().display())),
        ("GOSUMDB", "off".into()),
        ("GOTOOLCHAIN", "local".into()),
        ("GOFLAGS", "-modcacherw".into()),
        ("GOMODCACHE", env.root().join("gomod").display().to_string()),
        // The fabricated nakama-common holds no real API to compile the plugin against.
        ("SCAFFOLD_JUDGE", "static".into()),
    ];
    let said = run_step(&env, &ci, "upgrade", "propose nakama upgrade", &go_env);
    assert!(said.contains("Learned Nakama 3.41.0"), "{said}");
    let branch = "scaffold/nakama-3.41.0";
    assert_eq!(
        changed(&remote, branch),
        [
            "Dockerfile",
            "README.md",
            "go.mod",
            "go.sum",
            "scaffold.toml"
        ]
    );
    let gomod = git(&remote, &["show", &format!("{branch}:go.mod")]);
    for pin in [
        "go 1.26.6\n",
        "github.com/heroiclabs/nakama-common v1.48.0\n",
        "google.golang.org/protobuf v1.36.12 // indirect\n",
    ] {
        assert!(gomod.contains(pin), "go.mod lacks {pin:?}:\n{gomod}");
    }
    let docker = git(&remote, &["show", &format!("{branch}:Dockerfile")]);
    assert!(
        docker.contains("heroiclabs/nakama-pluginbuilder:3.41.0 AS builder"),
        "{docker}"
    );
    assert!(docker.contains("FROM heroiclabs/nakama:3.41.0"), "{docker}");
    assert!(!docker.contains("3.40.0"), "{docker}");
    let sum = git(&remote, &["show", &format!("{branch}:go.sum")]);
    assert!(
        sum.contains("github.com/heroiclabs/nakama-common v1.48.0 h1:"),
        "{sum}"
    );
    assert!(!sum.contains("nakama-common v1.47.0"), "{sum}");

    // Each branch became one pull request against main.
    let gh = read(env.root().join("gh.log"));
    for head in ["scaffold/update", branch] {
        assert!(
            gh.lines()
                .any(|l| l.starts_with(&format!("pr create --base main --head {head} "))),
            "{gh}"
        );
    }
}

/// What a dependency bot does without the config above: nakama-common bumped in go.mod, the
/// images left behind. Doctor names it and points at the lockstep move.
#[test]
fn doctor_names_a_nakama_common_bumped_without_its_images() {
    let env = Env::new();
    env.run(&["new", "game", "--yes", "--no-git", "--nakama", "3.37.1"])
        .ok();
    let game = env.path("game");
    let gomod = read(game.join("go.mod"));
    let old = "github.com/heroiclabs/nakama-common v1.44.2";
    assert!(gomod.contains(old), "{gomod}");
    write(
        game.join("go.mod"),
        gomod.replace(old, "github.com/heroiclabs/nakama-common v1.47.0"),
    );
    let out = env.run_env(&game, &["doctor"], &[("SCAFFOLD_JUDGE", "static")]);
    assert_eq!(out.code, 1, "{out:#?}");
    let line = out
        .stdout
        .lines()
        .chain(out.stderr.lines())
        .find(|l| l.contains("D003") && l.contains("go.mod"))
        .unwrap_or_else(|| panic!("no D003 on go.mod: {out:#?}"));
    assert!(
        line.contains("nakama-common was bumped alone: go.mod requires v1.47.0, but the images are Nakama 3.37.1"),
        "{line}"
    );
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains(
            "run `scaffold upgrade --nakama 3.40.0` to move the images, go line and go.sum with it"
        ),
        "{all}"
    );
}
