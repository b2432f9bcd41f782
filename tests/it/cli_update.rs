//! `scaffold update`: a repo made from a team scaffold (a real git repository, by `file://`)
//! or from the built-in one takes the scaffold's next version by a three-way merge. Each test
//! makes the scaffold's v1, a repo from it with git, the user's commits, then the scaffold's
//! v2, and runs the real binary.

use crate::common::team::{self, file_url, git_init, make_team_scaffold, rev, Env};
use crate::common::*;
use git2::Repository;
use std::fs;
use std::path::{Path, PathBuf};

/// A team scaffold in git at v1, and a repo `game` made from its `main` branch with git on.
struct Setup {
    env: Env,
    scaffold: PathBuf,
    repo: Repository,
    game: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let env = Env::new();
        let scaffold = env.root().join("acme-scaffold");
        make_team_scaffold(&env, &scaffold);
        let repo = git_init(&scaffold);
        team::commit_all(&repo, "v1");
        let from = format!("{}#main", file_url(&scaffold));
        env.run(&["new", "game", "--from", &from, "--yes", "--git"])
            .ok();
        let game = env.path("game");
        Setup {
            env,
            scaffold,
            repo,
            game,
        }
    }

    /// A file of the scaffold's `project/`.
    fn template(&self, rel: &str) -> PathBuf {
        self.scaffold.join("project").join(rel)
    }

    /// Edits a template file of the scaffold (`old` must be in it).
    fn edit_template(&self, rel: &str, old: &str, new: &str) {
        edit(&self.template(rel), old, new);
    }

    /// Commits the scaffold's work tree as its next version on `main`.
    fn release(&self, message: &str) -> String {
        team::commit_all(&self.repo, message).to_string()
    }

    /// The user edits a file of the repo (`old` must be in it).
    fn edit_repo(&self, rel: &str, old: &str, new: &str) {
        edit(&self.game.join(rel), old, new);
    }

    /// The user commits their work.
    fn commit(&self, message: &str) {
        git::commit_all(&self.game, message);
    }

    fn update(&self, args: &[&str]) -> Out {
        let mut all = vec!["update"];
        all.extend_from_slice(args);
        self.env.run_in(&self.game, &all)
    }

    fn read(&self, rel: &str) -> String {
        read(self.game.join(rel))
    }

    fn record(&self) -> toml::Table {
        team::record(&self.game)
    }
}

#[track_caller]
fn edit(path: &Path, old: &str, new: &str) {
    let text = read(path);
    assert!(text.contains(old), "{} lacks {old:?}", path.display());
    write(path, text.replacen(old, new, 1));
}

/// The README's last line in the built-in template (and so in the team's).
const README_END: &str = "use the Docker images for anything you ship.";

#[test]
fn a_clean_update_equals_a_fresh_repo_of_the_new_version() {
    let s = Setup::new();
    s.edit_template(
        "README.md.hbs",
        README_END,
        "use the Docker images for anything you ship.\n\nAsk #acme-backend for help.",
    );
    write(s.template("docs/ops.md.hbs"), "# Operating {{name}}\n");
    let v2 = s.release("v2");

    let out = s.update(&[]).ok();
    assert!(out.stderr.contains("Updated from"), "{out:#?}");
    assert!(out.stderr.contains("Created docs/ops.md"), "{out:#?}");
    assert!(out.stderr.contains("Updated README.md"), "{out:#?}");
    assert_eq!(team::origin(&s.record(), "commit"), Some(v2.as_str()));
    s.env.assert_no_temp_leftovers();

    // `new` from v2 with the same answers writes the same files.
    let from = format!("{}#main", file_url(&s.scaffold));
    s.env
        .run(&[
            "new", "fresh", "--from", &from, "--yes", "--no-git", "--name", "game",
        ])
        .ok();
    let mut fresh = file_contents(&s.env.path("fresh"));
    let mut updated = file_contents(&s.game);
    let fresh_record = fresh.remove("scaffold.toml").unwrap();
    updated.remove("scaffold.toml");
    assert_eq!(changed_paths(&updated, &fresh), Vec::<String>::new());
    let fresh_record: toml::Table =
        toml::from_str(std::str::from_utf8(&fresh_record).unwrap()).unwrap();
    assert_eq!(s.record(), fresh_record);
    // Nothing newer now.
    s.update(&["--check"]).ok();
}

#[test]
fn edits_in_different_places_of_one_file_are_both_kept() {
    let s = Setup::new();
    s.edit_repo("README.md", "# game\n", "# game: the acme arena server\n");
    s.commit("my title");
    s.edit_template(
        "README.md.hbs",
        README_END,
        "use the Docker images for anything you ship (see docs/ship.md).",
    );
    s.release("v2");

    s.update(&[]).ok();
    let readme = s.read("README.md");
    assert!(
        readme.starts_with("# game: the acme arena server\n"),
        "{readme}"
    );
    assert!(readme.contains("(see docs/ship.md)."), "{readme}");
    assert!(!readme.contains("<<<<<<<"), "{readme}");
}

#[test]
fn the_same_line_changed_on_both_sides_is_a_conflict_with_markers() {
    let s = Setup::new();
    s.edit_repo("README.md", "# game\n", "# Game server\n");
    s.commit("my title");
    s.edit_template("README.md.hbs", "# {{name}}\n", "# {{name}} ({{studio}})\n");
    write(s.template("docs/ops.md.hbs"), "# Operating {{name}}\n");
    let v2 = s.release("v2");

    let out = s.update(&[]).code(1);
    let last = out.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: the update left conflicts in 1 file: README.md;"),
        "{out:#?}"
    );
    let short = &v2[..7];
    assert!(
        s.read("README.md").starts_with(&format!(
            "<<<<<<< yours\n# Game server\n=======\n# game (game-studio)\n>>>>>>> scaffold {short}\n\nA [Nakama]"
        )),
        "{}",
        s.read("README.md")
    );
    // Everything else is applied, and the record names v2: the markers are the only thing left.
    assert_eq!(s.read("docs/ops.md"), "# Operating game\n");
    assert_eq!(team::origin(&s.record(), "commit"), Some(v2.as_str()));
    assert!(out.stderr.contains("README.md: conflict"), "{out:#?}");
}

#[test]
fn a_file_the_template_adds_is_created_or_merged_against_empty() {
    let s = Setup::new();
    // The user already has an .editorconfig: it shares all but one line with the scaffold's.
    write(
        s.game.join(".editorconfig"),
        "root = true\n\n[*]\nindent_style = space\n\n[Makefile]\nindent_style = tab\n",
    );
    s.commit("my editorconfig");
    write(
        s.template(".editorconfig"),
        "root = true\n\n[*]\nindent_style = tab\n\n[Makefile]\nindent_style = tab\n",
    );
    write(
        s.template("docs/ops.md.hbs"),
        "# Operating {{name}} for {{studio}}\n",
    );
    s.release("v2");

    let out = s.update(&["--json"]).code(1);
    let report = out.report();
    assert_eq!(strings(&report["created"]), ["docs/ops.md"]);
    assert_eq!(s.read("docs/ops.md"), "# Operating game for game-studio\n");
    // Merged against an empty base: the markers hold only the line that differs.
    assert_eq!(
        s.read(".editorconfig"),
        "root = true\n\n[*]\n<<<<<<< yours\nindent_style = space\n=======\nindent_style = tab\n>>>>>>> "
            .to_string()
            + &format!("scaffold {}\n\n[Makefile]\nindent_style = tab\n", &rev(&s.repo, "main")[..7])
    );
}

#[test]
fn a_file_the_template_deletes_is_removed_unless_the_user_changed_it() {
    let s = Setup::new();
    s.edit_repo("team.txt", "region=us", "region=us-west");
    s.commit("my region");
    fs::remove_file(s.template("team.txt.hbs")).unwrap();
    fs::remove_file(s.template("templates/greeting.tmpl")).unwrap();
    s.release("v2");

    let out = s.update(&["--json"]).ok();
    let report = out.report();
    assert_eq!(strings(&report["deleted"]), ["templates/greeting.tmpl"]);
    assert!(
        !s.game.join("templates").exists(),
        "the emptied folder goes too"
    );
    assert!(s.read("team.txt").contains("region=us-west"));
    let warnings = strings(&report["warnings"]);
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("team.txt: the scaffold deleted it, but you changed it; kept")),
        "{warnings:?}"
    );
}

#[test]
fn a_dropped_file_the_users_dockerfile_copies_is_refused_not_deleted() {
    let s = Setup::new();
    // The user ships the team's greeting in the image, with a line of their own.
    let docker = s.read("Dockerfile");
    let line = "COPY --chown=1000:1000 templates/greeting.tmpl /nakama/data/greeting.tmpl";
    let edited = docker.replacen(
        "COPY local.yml /nakama/data/",
        &format!("COPY local.yml /nakama/data/\n{line}"),
        1,
    );
    assert_ne!(edited, docker);
    write(s.game.join("Dockerfile"), &edited);
    s.commit("ship the greeting");
    fs::remove_file(s.template("templates/greeting.tmpl")).unwrap();
    s.release("v2");

    let at = edited.lines().position(|l| l == line).unwrap() + 1;
    let want = format!(
        "Dockerfile line {at} copies templates/greeting.tmpl outside scaffold's block (`{line}`)"
    );
    // The dry run refuses as the run does, and neither touches the repo.
    let before = snapshot(&s.game);
    for args in [&["--dry-run"][..], &[]] {
        let out = s.update(args).code(1);
        assert!(out.stderr.contains(&want), "{args:?}: {}", out.stderr);
        assert_unchanged(&before, &snapshot(&s.game));
    }
    // The line gone, the update deletes the file, and the image still builds as doctor sees it.
    write(s.game.join("Dockerfile"), &docker);
    s.commit("greeting no longer shipped");
    s.update(&[]).ok();
    assert!(!s.game.join("templates/greeting.tmpl").exists());
}

#[test]
fn check_exits_1_while_a_newer_version_exists_and_0_after_the_update() {
    let s = Setup::new();
    s.update(&["--check"]).ok();
    s.edit_template(
        "README.md.hbs",
        README_END,
        "use the Docker images for anything you ship!",
    );
    s.release("v2");

    let out = s.update(&["--check"]).code(1);
    assert!(out.stderr.contains("a newer scaffold is out"), "{out:#?}");
    assert!(out.stderr.contains("run `scaffold update`"), "{out:#?}");
    assert_eq!(git::git_status(&s.game), "", "--check writes nothing");

    s.update(&[]).ok();
    s.commit("update");
    let out = s.update(&["--check"]).ok();
    assert!(out.stderr.contains("Fresh"), "{out:#?}");
}

#[test]
fn a_failed_render_leaves_the_tree_untouched() {
    let s = Setup::new();
    s.edit_template("README.md.hbs", README_END, "{{nope}}");
    write(s.template("docs/ops.md.hbs"), "# Operating {{name}}\n");
    s.release("v2 (broken)");
    let before = snapshot(&s.game);

    let out = s.update(&[]);
    out.fails_with(&["cannot render", "README.md.hbs", "nope"]);
    assert_unchanged(&before, &snapshot(&s.game));
    assert_eq!(git::git_status(&s.game), "");
    s.env.assert_no_temp_leftovers();
}

#[test]
fn a_failed_write_puts_back_every_file_removed_or_changed() {
    let s = Setup::new();
    s.edit_template(
        "README.md.hbs",
        README_END,
        "use the Docker images for anything you ship!",
    );
    fs::remove_file(s.template("templates/greeting.tmpl")).unwrap();
    s.release("v2");
    let before = snapshot(&s.game);

    let mut cmd = scaffold();
    cmd.args(["update"])
        .current_dir(&s.game)
        .env("HOME", &s.env.home)
        .env("XDG_CONFIG_HOME", &s.env.xdg)
        .env("TMPDIR", &s.env.tmp)
        .env("SCAFFOLD_TEST_FAIL_WRITE", "scaffold.toml");
    let out = output(&mut cmd);
    out.fails_with(&["cannot write", "scaffold.toml", "nothing was changed"]);
    assert_unchanged(&before, &snapshot(&s.game));
}

#[test]
fn a_rename_is_followed_with_the_users_changes() {
    let s = Setup::new();
    s.edit_repo("team.txt", "region=us", "region=us-west");
    s.commit("my region");
    let text = read(s.template("team.txt.hbs"));
    fs::remove_file(s.template("team.txt.hbs")).unwrap();
    write(s.template("ops/team.txt.hbs"), text + "owner=ops\n");
    s.release("v2");

    let out = s.update(&[]).ok();
    assert!(!s.game.join("team.txt").exists());
    let moved = s.read("ops/team.txt");
    assert!(moved.contains("region=us-west\n"), "{moved}");
    assert!(moved.ends_with("owner=ops\n"), "{moved}");
    assert!(
        out.stderr
            .contains("team.txt: the scaffold renamed it to ops/team.txt"),
        "{out:#?}"
    );
}

#[test]
fn binary_files_are_never_merged() {
    let s = Setup::new();
    write(s.game.join("assets/blob.bin"), b"\x00mine\n");
    s.commit("my blob");
    write(s.template("assets/blob.bin"), b"\x00theirs\n");
    s.release("v2");

    let out = s.update(&[]).ok();
    assert_eq!(
        fs::read(s.game.join("assets/blob.bin")).unwrap(),
        b"\x00mine\n"
    );
    assert!(out.stderr.contains("assets/blob.bin: binary"), "{out:#?}");
}

#[test]
fn new_questions_without_a_terminal_are_one_error_then_answered_and_recorded() {
    let s = Setup::new();
    let manifest = s.scaffold.join("template.toml");
    let mut text = read(&manifest);
    text.push_str("\n[[variable]]\nname = \"tier\"\nprompt = \"Support tier\"\n\n[[variable]]\nname = \"shard\"\nprompt = \"Shard name\"\ndefault = \"{{studio}}-1\"\n");
    write(&manifest, text);
    write(s.template("tier.txt.hbs"), "{{tier}} on {{shard}}\n");
    s.release("v2: two questions");
    let before = snapshot(&s.game);

    let out = s.update(&[]);
    let line = out.fails_with(&[
        "2 new questions",
        "`tier` (Support tier)",
        "`shard` (Shard name)",
        "--set tier=VALUE --set shard=VALUE",
    ]);
    assert!(line.contains("no terminal"), "{line}");
    assert_unchanged(&before, &snapshot(&s.game));

    s.update(&["--set", "tier=gold", "--set", "shard=eu-1"])
        .ok();
    assert_eq!(s.read("tier.txt"), "gold on eu-1\n");
    let answers = team::answers(&s.record());
    assert_eq!(answers["tier"].as_str(), Some("gold"));
    assert_eq!(answers["shard"].as_str(), Some("eu-1"));
    // The questions of v1 kept their recorded answers.
    assert_eq!(answers["studio"].as_str(), Some("game-studio"));
}

#[test]
fn a_dirty_tree_is_refused_unless_allowed() {
    let s = Setup::new();
    s.edit_template(
        "README.md.hbs",
        README_END,
        "use the Docker images for anything you ship!",
    );
    s.release("v2");
    s.edit_repo("main.go", "module loaded", "module up");
    let before = snapshot(&s.game);

    s.update(&[])
        .fails_with(&["uncommitted changes (main.go)", "--allow-dirty"]);
    assert_unchanged(&before, &snapshot(&s.game));
    s.update(&["--allow-dirty"]).ok();
    assert!(s.read("main.go").contains("module up"));
    assert!(s.read("README.md").contains("anything you ship!"));
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let s = Setup::new();
    s.edit_template(
        "README.md.hbs",
        README_END,
        "use the Docker images for anything you ship!",
    );
    s.release("v2");
    let before = snapshot(&s.game);

    let out = s.update(&["--dry-run"]).ok();
    assert!(
        out.stdout.contains("--- a/README.md\n+++ b/README.md\n"),
        "{out:#?}"
    );
    assert!(
        out.stdout.contains(
            "\n+`make plugin` runs the same; use the Docker images for anything you ship!\n"
        ),
        "{out:#?}"
    );
    assert!(out.stderr.contains("Would update README.md"), "{out:#?}");
    assert_unchanged(&before, &snapshot(&s.game));
}

#[test]
fn the_package_block_and_wiring_are_regenerated_not_merged() {
    let s = Setup::new();
    s.env.run_in(&s.game, &["add-package", "inventory"]).ok();
    s.commit("inventory");
    // The scaffold changes the lines around the block, which the user's block changed too.
    s.edit_template(
        "Dockerfile.hbs",
        &format!("COPY *.go ./\n# scaffold:packages begin\n# scaffold:packages end\n\n{BUILD_RUN}"),
        &format!("COPY *.go ./\n# One COPY line per package folder, kept by scaffold:\n# scaffold:packages begin\n# scaffold:packages end\n# The plugin:\n{BUILD_RUN}"),
    );
    s.release("v2");

    s.update(&[]).ok();
    let docker = s.read("Dockerfile");
    assert!(
        docker.contains(
            "# One COPY line per package folder, kept by scaffold:\n# scaffold:packages begin sha="
        ),
        "{docker}"
    );
    assert!(docker.contains(&format!("COPY inventory/ inventory/\nCOPY profile/ profile/\n# scaffold:packages end\n# The plugin:\n{BUILD_RUN}")), "{docker}");
    s.env.run_in(&s.game, &["sync", "--check"]).ok();
    assert!(s.read("packages_gen.go").contains("inventory.Register"));
}

// ---- the built-in scaffold ----

/// The next version of the built-in scaffold, as a folder: this binary's built-in scaffold
/// (ejected) with its `version` raised and a release's worth of changes: a README section, a
/// changed comment in main.go, a new Makefile target and a new file. It stands for what the
/// next scaffold release will carry as its built-in template.
fn next_builtin(env: &Env, dir: &Path) -> u32 {
    team::eject(env, dir);
    let manifest = dir.join("template.toml");
    let text = read(&manifest);
    let version: u32 = text
        .lines()
        .find_map(|l| l.strip_prefix("version = "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the built-in template.toml has a version");
    write(
        &manifest,
        text.replace(
            &format!("version = {version}"),
            &format!("version = {}", version + 1),
        ),
    );
    let project = dir.join("project");
    edit(
        &project.join("README.md.hbs"),
        "## Add code\n",
        "## Ask for help\n\nThe platform team answers in #nakama.\n\n## Add code\n",
    );
    edit(&project.join("main.go.hbs"), "// InitModule is called once by Nakama when it loads backend.so.", "// InitModule is called once by Nakama when it loads backend.so, before any client connects.");
    let makefile = read(project.join("Makefile"));
    write(
        project.join("Makefile"),
        makefile + "\nvet: ## go vet alone\n\tgo vet ./...\n",
    );
    write(
        project.join(".editorconfig"),
        "root = true\n\n[Makefile]\nindent_style = tab\n",
    );
    version + 1
}

#[test]
fn a_repo_of_this_built_in_version_takes_the_next_versions_changes() {
    let env = Env::new();
    env.run(&["new", "game", "--yes", "--git"]).ok();
    let game = env.path("game");
    edit(
        &game.join("main.go"),
        "\tlogger.Info(\"game module loaded\")",
        "\tlogger.Info(\"game module loaded, arena on\")",
    );
    edit(
        &game.join("README.md"),
        "# game\n",
        "# game\n\nThe arena server.\n",
    );
    git::commit_all(&game, "mine");
    let next = env.root().join("nakama-go-next");
    let version = next_builtin(&env, &next);
    let to = next.to_str().unwrap();

    let run = |args: &[&str]| env.run_in(&game, args);
    run(&["update", "--check", "--to", to]).code(1);
    let out = run(&["update", "--to", to]).ok();
    assert!(
        out.stderr
            .contains("from the built-in scaffold, version 3 to"),
        "{out:#?}"
    );

    let main = read(game.join("main.go"));
    assert!(main.contains("before any client connects."), "{main}");
    assert!(main.contains("game module loaded, arena on"), "{main}");
    let readme = read(game.join("README.md"));
    assert!(
        readme.starts_with("# game\n\nThe arena server.\n"),
        "{readme}"
    );
    assert!(readme.contains("## Ask for help\n"), "{readme}");
    assert!(read(game.join("Makefile")).ends_with("vet: ## go vet alone\n\tgo vet ./...\n"));
    assert!(game.join(".editorconfig").is_file());
    let record = team::record(&game);
    assert_eq!(
        team::origin(&record, "template"),
        Some(team::canonical(&next).as_str())
    );
    assert_eq!(
        record["scaffold"]["template_version"].as_integer(),
        Some(version.into())
    );
    run(&["sync", "--check"]).ok();
    run(&["doctor"]).ok();
    git::commit_all(&game, "update");
    run(&["update", "--check"]).ok();
}

#[test]
fn a_repo_made_before_template_versions_takes_the_ci_and_makefile() {
    let env = Env::new();
    // Version 1 rendered as scaffold 0.1.0 did, then recorded as that binary recorded it.
    let v1 = crate_path("scaffolds/history/nakama-go/1");
    env.run(&[
        "new",
        "game",
        "--yes",
        "--git",
        "--from",
        v1.to_str().unwrap(),
    ])
    .ok();
    let game = env.path("game");
    let record = read(game.join("scaffold.toml"));
    let scaffold_table = record.split("\n[project]").next().unwrap();
    let old = record.replace(scaffold_table, "# Written by scaffold\n[scaffold]\nversion = \"0.1.0\"\ntemplate = \"builtin:nakama-go\"\n");
    write(game.join("scaffold.toml"), old);
    assert!(!game.join("Makefile").exists() && !game.join(".github").exists());
    git::commit_all(&game, "as 0.1.0 made it");

    let run = |args: &[&str]| env.run_in(&game, args);
    let out = run(&["update", "--check"]).code(1);
    assert!(
        out.stderr.contains(
            "the built-in scaffold, version 3 (this repo: the built-in scaffold, version 1)"
        ),
        "{out:#?}"
    );
    let out = run(&["update", "--json"]).ok();
    let report = out.report();
    assert_eq!(
        strings(&report["created"]),
        [
            ".github/dependabot.yml",
            ".github/workflows/ci.yml",
            ".github/workflows/scaffold-bump.yml",
            "Makefile"
        ]
    );

    // Now it is what this version's `new` writes.
    env.run(&["new", "fresh", "--yes", "--no-git", "--name", "game"])
        .ok();
    assert_eq!(
        changed_paths(&file_contents(&game), &file_contents(&env.path("fresh"))),
        ["scaffold.toml"]
    );
    assert_eq!(team::record(&game), team::record(&env.path("fresh")));
}

#[test]
fn a_version_2_repo_takes_the_ci_that_installs_the_wheel() {
    let env = Env::new();
    // Version 2 rendered as it shipped, then recorded as its binary recorded it.
    let v2 = crate_path("scaffolds/history/nakama-go/2");
    env.run(&[
        "new",
        "game",
        "--yes",
        "--git",
        "--from",
        v2.to_str().unwrap(),
    ])
    .ok();
    let game = env.path("game");
    let record = read(game.join("scaffold.toml"));
    let scaffold_table = record.split("\n[project]").next().unwrap();
    let old = record.replace(scaffold_table, "# Written by scaffold\n[scaffold]\nversion = \"0.1.0\"\ntemplate = \"builtin:nakama-go\"\ntemplate_version = 2\n");
    write(game.join("scaffold.toml"), old);
    assert!(read(game.join(".github/workflows/ci.yml")).contains("cargo install"));
    git::commit_all(&game, "as version 2 made it");

    let run = |args: &[&str]| env.run_in(&game, args);
    let out = run(&["update", "--json"]).ok();
    let report = out.report();
    assert_eq!(
        strings(&report["changed"]),
        [
            ".github/workflows/ci.yml",
            ".gitignore",
            "Dockerfile",
            "Makefile",
            "README.md",
            "docker-compose.yml",
            "scaffold.toml"
        ]
    );
    let ci = read(game.join(".github/workflows/ci.yml"));
    assert!(
        !ci.contains("cargo install") && !ci.contains("vars."),
        "{ci}"
    );
    env.run(&["new", "fresh", "--yes", "--no-git", "--name", "game"])
        .ok();
    assert_eq!(
        changed_paths(&file_contents(&game), &file_contents(&env.path("fresh"))),
        ["scaffold.toml"]
    );
}

#[test]
fn an_adopted_repo_has_nothing_to_update_from() {
    let repo = Repo::new(&[]);
    let record = repo
        .read("scaffold.toml")
        .replace("builtin:nakama-go", "adopted");
    repo.write("scaffold.toml", record);
    repo.run(&["update", "--to", "builtin"])
        .fails_with(&["adopted", "no rendering to merge"]);
}

// ---- the built-in template's versions ----

/// The digest of each released version of the built-in scaffold's `project/`. `update` takes
/// a repo's recorded version as its merge base, so a version's files must never change once a
/// scaffold with them is out: a change to `scaffolds/nakama-go/project/` means copying the old
/// `project/` and template.toml to `scaffolds/history/nakama-go/<version>/`, raising `version`
/// in scaffolds/nakama-go/template.toml, and adding the new version's digest here (a version
/// no release has carried yet may take a new digest instead).
const VERSIONS: &[(u32, &str)] = &[
    (1, "8b5214cbd49c8a25"),
    (2, "e90ca1b98cb4c321"),
    (3, "2933ba646ca009cb"),
];

/// A short SHA-256 over a `project/` folder's paths and bytes.
fn project_digest(dir: &Path) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (path, bytes) in file_contents(dir) {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(&bytes);
        h.update([0]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn every_built_in_version_keeps_its_files() {
    let manifest = crate_file("scaffolds/nakama-go/template.toml");
    let current: u32 = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = "))
        .and_then(|v| v.trim().parse().ok())
        .expect("a version in the built-in template.toml");
    for &(version, digest) in VERSIONS {
        let dir = match version == current {
            true => crate_path("scaffolds/nakama-go/project"),
            false => crate_path(&format!("scaffolds/history/nakama-go/{version}/project")),
        };
        assert!(
            dir.is_dir(),
            "version {version} is not kept: {}",
            dir.display()
        );
        let got = project_digest(&dir);
        let fix = match version == current {
            true => format!("repos made from it merge from it, so a released version stays as it is: copy the old project/ and template.toml to scaffolds/history/nakama-go/{version}/ (from git), raise `version` in scaffolds/nakama-go/template.toml, and add the new version's digest to VERSIONS in tests/it/cli_update.rs; a version no release has carried may take the new digest {got} instead"),
            false => "a kept version must stay as it was released; restore it from git".to_string(),
        };
        assert_eq!(
            got,
            digest,
            "version {version} of the built-in scaffold ({}) changed: {fix}",
            dir.display()
        );
    }
    assert_eq!(
        VERSIONS.last().map(|v| v.0),
        Some(current),
        "VERSIONS ends with the current version"
    );
}

/// A repo made from a team scaffold at release tag v1 follows the team's releases: `--check`
/// names the newest tag (exit 1), `update` takes it, and a conflict is unmerged in git's index
/// (`git commit` refuses it) until it is resolved and added.
#[test]
fn a_repo_made_at_a_release_tag_follows_the_newest_tag_and_conflicts_are_unmerged_in_git() {
    let env = Env::new();
    let scaffold = env.root().join("acme-scaffold");
    make_team_scaffold(&env, &scaffold);
    let repo = git_init(&scaffold);
    let v1 = team::commit_all(&repo, "v1");
    team::tag(&repo, "v1", v1, true);
    let from = format!("{}#v1", file_url(&scaffold));
    env.run(&["new", "game", "--from", &from, "--yes", "--git"])
        .ok();
    let game = env.path("game");
    edit(&game.join("README.md"), "# game\n", "# Game server\n");
    git::commit_all(&game, "my title");

    // v2 and v3 are released; a branch that merely looks newer is not a release.
    let readme = scaffold.join("project/README.md.hbs");
    edit(&readme, "# {{name}}\n", "# {{name}} v2\n");
    let v2 = team::commit_all(&repo, "v2");
    team::tag(&repo, "v2", v2, false);
    edit(&readme, "# {{name}} v2\n", "# {{name}} ({{studio}})\n");
    let v3 = team::commit_all(&repo, "v3");
    team::tag(&repo, "v3", v3, true);
    team::tag(&repo, "v3.0.1-rc1", v3, false);
    team::branch(&repo, "v9", v3);

    let check = env.run_in(&game, &["update", "--check"]).code(1);
    assert!(check.stderr.contains("#v3"), "{check:#?}");
    let out = env.run_in(&game, &["update"]).code(1);
    assert!(
        out.stderr.contains("conflicts in 1 file: README.md")
            && out.stderr.contains("git lists them as unmerged"),
        "{out:#?}"
    );
    let record = team::record(&game);
    assert!(team::origin(&record, "template").unwrap().ends_with("#v3"));
    assert_eq!(
        team::origin(&record, "commit"),
        Some(v3.to_string().as_str())
    );
    // git sees the conflict as a merge leaves it: unmerged, both modified, no commit.
    assert!(
        git(&game, &["status", "--porcelain"]).contains("UU README.md"),
        "{}",
        git(&game, &["status", "--porcelain"])
    );
    let stages = git(&game, &["ls-files", "--stage", "README.md"]);
    assert_eq!(stages.lines().count(), 3, "{stages}");
    // As after `git merge`: `git commit` refuses while a file is unmerged (`git commit -a`
    // would add it as it is, as it does after a merge too).
    let refused = std::process::Command::new("git")
        .args(["commit", "-qm", "with markers"])
        .current_dir(&game)
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "git committed the conflict markers"
    );
    // Resolved and added, it commits; then the repo is on the newest release.
    write(game.join("README.md"), "# Game server (game-studio)\n");
    git(&game, &["add", "README.md"]);
    git(&game, &["commit", "-qm", "update to v3"]);
    env.run_in(&game, &["update", "--check"]).ok();
}
