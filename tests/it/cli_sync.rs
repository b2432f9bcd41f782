//! `scaffold sync`: folders made or deleted by hand reach the Dockerfile block and the wiring;
//! `--check` and `--dry-run` show a diff and change nothing; what Go ignores is ignored.

use crate::common::*;
use std::fs;

#[test]
fn a_hand_made_package_is_copied_and_wired() {
    let repo = Repo::new(&[]);
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    let out = repo.run(&["sync", "--json"]).ok();
    let report = out.json();
    assert_eq!(report["command"], "sync");
    assert_eq!(report["created"], serde_json::json!([]));
    assert_eq!(
        report["changed"],
        serde_json::json!(["Dockerfile", "packages_gen.go"])
    );
    let want = ["COPY profile/ profile/", "COPY stats/ stats/"];
    assert_eq!(repo.block(), want);
    assert_eq!(begin_line(&repo.read("Dockerfile")), expected_begin(&want));
    let gen = repo.read("packages_gen.go");
    assert!(gen.contains("\t\"example.com/game/profile\"\n\t\"example.com/game/stats\"\n)"));
    assert!(gen.contains(
        "\tif err := stats.Register(ctx, logger, db, nk, initializer); err != nil {\n\t\treturn fmt.Errorf(\"stats: %w\", err)\n\t}\n"
    ));
    repo.run(&["sync", "--check"]).ok();
}

#[test]
fn an_embedded_folder_dockerignore_leaves_out_is_refused() {
    let repo = Repo::new(&[]);
    repo.write("assets/cfg.json", "{\"ok\":true}\n");
    repo.write(
        "embed.go",
        "package main\n\nimport _ \"embed\"\n\n//go:embed assets/cfg.json\nvar config string\n",
    );
    repo.write(".dockerignore", "assets\n");
    let before = repo.tree();
    let out = repo.run(&["sync"]).code(1);
    assert!(
        out.stderr.contains(
            ".dockerignore line 1 `assets` leaves assets out of the Docker build context"
        ) && out.stderr.contains("add `!assets/` below that line"),
        "{}",
        out.stderr
    );
    assert_same_tree(&before, &repo.tree(), "sync refused");
    // Let in, the folder is copied by the block.
    repo.write(".dockerignore", "\n");
    repo.run(&["sync"]).ok();
    assert!(
        repo.block().iter().any(|l| l == "COPY assets/ assets/"),
        "{:?}",
        repo.block()
    );
}

#[test]
fn a_register_split_over_lines_is_wired() {
    let repo = Repo::new(&["--no-package"]);
    repo.write(
        "stats/stats.go",
        "package stats\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\n\t\"github.com/heroiclabs/nakama-common/runtime\"\n)\n\nfunc Register(\n\tctx context.Context,\n\tlogger runtime.Logger,\n\tdb *sql.DB,\n\tnk runtime.NakamaModule,\n\tinitializer runtime.Initializer,\n) error {\n\treturn nil\n}\n",
    );
    let out = repo.run(&["sync"]).ok();
    assert!(!out.stderr.contains("warning"), "{out:#?}");
    assert!(repo.read("packages_gen.go").contains("stats.Register("));
}

#[test]
fn a_folder_without_register_is_copied_not_wired() {
    let repo = Repo::new(&[]);
    repo.write(
        "mathutil/mathutil.go",
        "package mathutil\n\n// Double doubles.\nfunc Double(n int) int { return 2 * n }\n",
    );
    // A tool folder (package main) is copied but never imported.
    repo.write("tools/gen/main.go", "package main\n\nfunc main() {}\n");
    repo.write("cmdtool/main.go", "package main\n\nfunc main() {}\n");
    let out = repo.run(&["sync"]).ok();
    assert!(!out.stderr.contains("warning"), "{out:#?}");
    assert_eq!(
        repo.block(),
        [
            "COPY cmdtool/ cmdtool/",
            "COPY mathutil/ mathutil/",
            "COPY profile/ profile/",
            "COPY tools/ tools/"
        ]
    );
    let gen = repo.read("packages_gen.go");
    assert!(!gen.contains("mathutil"));
    assert!(!gen.contains("cmdtool"));
    assert!(!gen.contains("tools"));
}

#[test]
fn an_odd_register_is_copied_with_a_warning() {
    let repo = Repo::new(&[]);
    repo.write(
        "odd/odd.go",
        "package odd\n\nimport \"github.com/heroiclabs/nakama-common/runtime\"\n\nfunc Register(initializer runtime.Initializer) error { return nil }\n",
    );
    let out = repo.run(&["sync"]).ok();
    assert!(
        out.stderr.contains(
            "warning: odd/ declares a Register that is not `func Register(ctx context.Context"
        ),
        "{out:#?}"
    );
    assert!(repo.block().contains(&"COPY odd/ odd/".to_string()));
    assert!(!repo.read("packages_gen.go").contains("odd"));
}

#[test]
fn a_package_named_unlike_its_folder_is_imported_by_path() {
    let repo = Repo::new(&["--no-package"]);
    repo.write(
        "game-state/state.go",
        handmade_package("state", "state_get"),
    );
    repo.run(&["sync"]).ok();
    assert_eq!(repo.block(), ["COPY game-state/ game-state/"]);
    let gen = repo.read("packages_gen.go");
    assert!(
        gen.contains("\tstate \"example.com/game/game-state\"\n"),
        "{gen}"
    );
    assert!(gen.contains("state.Register(ctx"));
}

#[test]
fn a_nested_package_is_covered_by_its_top_folder() {
    let repo = Repo::new(&[]);
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    repo.write(
        "stats/internal/x/x.go",
        "package x\n\n// One is one.\nconst One = 1\n",
    );
    // Only nested Go, nothing at the top of the folder.
    repo.write("deep/a/b/c.go", "package b\n");
    repo.run(&["sync"]).ok();
    assert_eq!(
        repo.block(),
        [
            "COPY deep/ deep/",
            "COPY profile/ profile/",
            "COPY stats/ stats/"
        ]
    );
    let docker = repo.read("Dockerfile");
    assert!(!docker.contains("internal"));
    assert!(!docker.contains("deep/a"));
    let gen = repo.read("packages_gen.go");
    assert!(!gen.contains("deep"));
    assert!(!gen.contains("internal"));
    assert!(gen.contains("stats.Register("));
}

#[test]
fn folders_go_ignores_are_skipped() {
    let repo = Repo::new(&[]);
    let before = repo.tree();
    repo.write(".hidden/a.go", "package hidden\n");
    repo.write("_scratch/a.go", "package scratch\n");
    repo.write("vendor/example.com/x/x.go", "package x\n");
    repo.write("testdata/fixture.go", "package fixture\n");
    repo.write("docs/notes.md", "# notes\n");
    repo.write("assets/img/logo.txt", "logo\n");
    fs::create_dir_all(repo.path("empty/inside")).unwrap();
    repo.write("hidden-only/.x/a.go", "package x\n");
    repo.write("under/_skip/a.go", "package skip\n");
    // A nested module is its own build, not a package of this one.
    repo.write("tool/go.mod", "module example.com/tool\n");
    repo.write("tool/main.go", "package main\n");
    let with_junk = repo.tree();
    assert_ne!(before, with_junk);
    let out = repo.run(&["sync", "--check"]).ok();
    assert!(
        out.stderr.contains("Checked the Dockerfile block"),
        "{out:#?}"
    );
    repo.run(&["sync"]).ok();
    assert_same_tree(&with_junk, &repo.tree(), "sync with only ignored folders");
    assert_eq!(repo.block(), ["COPY profile/ profile/"]);
}

#[test]
fn a_folder_deleted_by_hand_leaves_the_block_and_wiring() {
    let repo = Repo::new(&[]);
    repo.run(&["add-package", "inventory", "-q"]).ok();
    fs::remove_dir_all(repo.path("profile")).unwrap();
    repo.run(&["sync"]).ok();
    assert_eq!(repo.block(), ["COPY inventory/ inventory/"]);
    let gen = repo.read("packages_gen.go");
    assert!(!gen.contains("profile"));
    fs::remove_dir_all(repo.path("inventory")).unwrap();
    repo.run(&["sync"]).ok();
    assert!(repo.block().is_empty());
    assert!(begin_line(&repo.read("Dockerfile")) == expected_begin(&[]));
    let gen = repo.read("packages_gen.go");
    assert!(!gen.contains("fmt"), "no unused import left: {gen}");
    assert!(!gen.contains("example.com/game"));
}

#[test]
fn check_fails_with_a_diff_on_a_hand_made_folder_and_changes_nothing() {
    let repo = Repo::new(&[]);
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    let before = repo.tree();
    let out = repo.run(&["sync", "--check"]).code(1);
    assert_same_tree(&before, &repo.tree(), "sync --check");
    assert!(out.stderr.contains("out of date"), "{out:#?}");
    assert!(out.stderr.contains("scaffold sync"), "{out:#?}");
    for needle in [
        "--- a/Dockerfile\n+++ b/Dockerfile\n",
        "\n+COPY stats/ stats/\n",
        "--- a/packages_gen.go\n+++ b/packages_gen.go\n",
        "\n+\t\"example.com/game/stats\"\n",
    ] {
        assert!(out.stdout.contains(needle), "lacks {needle:?}: {out:#?}");
    }
    // After a sync it passes.
    repo.run(&["sync"]).ok();
    repo.run(&["sync", "--check"]).ok();
}

#[test]
fn check_passes_on_a_fresh_repo() {
    for args in [&[][..], &["--no-package"], &["--package", "inventory"]] {
        let repo = Repo::new(args);
        let out = repo.run(&["sync", "--check"]).ok();
        assert_eq!(out.stdout, "");
        let last = out.stderr.lines().last().unwrap_or_default().trim();
        assert_eq!(
            last,
            "Checked the Dockerfile block and packages_gen.go: both match the package folders"
        );
    }
}

#[test]
fn check_sees_a_stale_block_when_wiring_is_fresh() {
    let repo = Repo::new(&[]);
    let docker = repo.read("Dockerfile");
    // The block is gone from the builder (an old template's empty block).
    let (pre, _, post) = split_block(&docker);
    repo.write(
        "Dockerfile",
        format!("{pre}# scaffold:packages begin\n# scaffold:packages end\n{post}"),
    );
    let out = repo.run(&["sync", "--check"]).code(1);
    assert!(out.stdout.contains("+COPY profile/ profile/"), "{out:#?}");
    assert!(!out.stdout.contains("packages_gen.go"), "{out:#?}");
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let repo = Repo::new(&[]);
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    let before = repo.tree();
    let out = repo.run(&["sync", "--dry-run"]).ok();
    assert_same_tree(&before, &repo.tree(), "sync --dry-run");
    assert!(out.stdout.contains("\n+COPY stats/ stats/\n"), "{out:#?}");
    assert!(out.stdout.contains("+++ b/packages_gen.go"));
    assert!(out.stderr.contains("Would update"), "{out:#?}");
    // --check and --dry-run do not go together.
    repo.run(&["sync", "--check", "--dry-run"]).code(2);
}

#[test]
fn runs_from_a_sub_folder() {
    let repo = Repo::new(&[]);
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    run_in(&repo.path("stats"), ["sync"]).ok();
    assert!(repo.block().contains(&"COPY stats/ stats/".to_string()));
}

#[test]
fn a_hand_edited_block_is_refused_and_force_replaces_it() {
    let repo = Repo::new(&[]);
    let docker = repo.read("Dockerfile");
    repo.write(
        "Dockerfile",
        docker.replace(
            "COPY profile/ profile/\n",
            "COPY profile/ profile/\nCOPY x/ x/\n",
        ),
    );
    let before = repo.tree();
    let out =
        repo.run(&["sync"])
            .failed(&["was edited by hand", "-COPY x/ x/", "scaffold sync --force"]);
    assert!(
        out.stderr.contains("--- found\n+++ generated\n"),
        "{out:#?}"
    );
    assert_same_tree(&before, &repo.tree(), "refused sync");
    repo.run(&["sync", "--check"])
        .failed(&["was edited by hand"]);
    repo.run(&["sync", "--force"]).ok();
    assert_eq!(repo.block(), ["COPY profile/ profile/"]);
    repo.run(&["sync", "--check"]).ok();
}

#[test]
fn a_blank_line_or_trailing_spaces_in_the_block() {
    // Trailing spaces do not count as an edit (the hash ignores them)...
    let repo = Repo::new(&[]);
    let docker = repo.read("Dockerfile");
    repo.write(
        "Dockerfile",
        docker.replace("COPY profile/ profile/\n", "COPY profile/ profile/   \n"),
    );
    repo.run(&["sync", "--check"]).code(1);
    repo.run(&["sync"]).ok();
    assert_eq!(repo.read("Dockerfile"), docker);
    // ...a new line does.
    repo.write(
        "Dockerfile",
        docker.replace("COPY profile/ profile/\n", "COPY profile/ profile/\n\n"),
    );
    repo.run(&["sync"]).failed(&["was edited by hand"]);
}

#[test]
fn missing_markers_point_to_adopt() {
    let repo = Repo::new(&[]);
    let docker = repo.read("Dockerfile");
    let (pre, _, post) = split_block(&docker);
    repo.write("Dockerfile", format!("{pre}{post}"));
    let before = repo.tree();
    repo.run(&["sync"])
        .refused(&["no `# scaffold:packages begin`", "scaffold sync --adopt"]);
    assert_same_tree(&before, &repo.tree(), "sync without markers");
    // --adopt puts the block back before the build line.
    repo.run(&["sync", "--adopt"]).ok();
    let after = repo.read("Dockerfile");
    let (pre2, block, post2) = split_block(&after);
    // Right before the build line, the rest of the file as it was.
    assert_eq!(pre2, format!("{pre}\n"));
    assert!(post2.starts_with(BUILD_RUN), "{after}");
    assert_eq!(post2, post.trim_start_matches('\n'));
    assert!(block.contains("\nCOPY profile/ profile/\n"));
    repo.run(&["sync", "--check"]).ok();
}

/// A Dockerfile with no instruction (empty, blank or comments only) has no stage for the
/// block: `sync --adopt` says so in one line and writes nothing, and `doctor --fix` reports
/// it; neither crashes (adopting one was an index out of range, exit 101).
#[test]
fn adopt_into_a_dockerfile_with_no_instruction_is_refused() {
    let repo = Repo::new(&[]);
    for text in ["", "\n\n", "# only a comment\n"] {
        repo.write("Dockerfile", text);
        let before = repo.tree();
        repo.run(&["sync", "--adopt"])
            .refused(&["no builder stage with a COPY or `go build` line"]);
        assert_same_tree(&before, &repo.tree(), "sync --adopt");
        let out = repo.run(&["doctor", "--fix"]);
        assert_eq!(out.code, 1, "{text:?}: {out:#?}");
        assert!(!out.stderr.contains("panicked"), "{out:#?}");
        assert_eq!(repo.read("Dockerfile"), text);
    }
}

/// A repo with `profile/` and `inventory/` as a person makes it by hand: no markers, no
/// scaffold.toml, `profile/` copied early by its relative path and `inventory/` late by its
/// path in the image (or not at all, with `copy_inventory` off). packages_gen.go stays: it
/// imports both, as a hand-made plugin's own code would. Returns the Dockerfile written.
fn hand_made_copies(repo: &Repo, copy_inventory: bool) -> String {
    repo.run(&["add-package", "inventory", "--quiet"]).ok();
    let made = repo.read("Dockerfile");
    let (pre, _, post) = split_block(&made);
    let inventory = if copy_inventory {
        "COPY ./inventory /backend/inventory\n"
    } else {
        ""
    };
    let hand = format!("{pre}{inventory}{post}").replacen(
        "COPY go.mod go.sum ./\n",
        "COPY go.mod go.sum ./\nCOPY profile/ profile/\n",
        1,
    );
    assert!(hand.contains("WORKDIR /backend\n"), "{hand}");
    repo.write("Dockerfile", &hand);
    fs::remove_file(repo.path("scaffold.toml")).unwrap();
    hand
}

/// After adopting: each folder copied once, in the block; `remove-package` then takes
/// `profile/` out of the build for good.
fn each_copied_once_then_removed(repo: &Repo) {
    let want = ["COPY inventory/ inventory/", "COPY profile/ profile/"];
    assert_eq!(repo.block(), want);
    let adopted = repo.read("Dockerfile");
    for folder in ["inventory", "profile"] {
        assert_eq!(
            adopted.matches(&format!("{folder}/")).count(),
            2,
            "{adopted}"
        );
    }
    repo.run(&["sync", "--check"]).ok();
    repo.run(&["remove-package", "profile"]).ok();
    let after = repo.read("Dockerfile");
    assert_eq!(repo.block(), ["COPY inventory/ inventory/"]);
    assert!(
        !after.contains("profile"),
        "profile is still copied:\n{after}"
    );
    repo.run(&["sync", "--check"]).ok();
    repo.run(&["doctor"]).ok();
}

/// A plugin repo made by hand copies its package folders itself. `--adopt` folds those COPY
/// lines into the block (the diff shows them go), so each folder is copied once, and a later
/// `remove-package` takes the folder out of the build for good.
#[test]
fn adopt_folds_hand_written_copies_of_package_folders_into_the_block() {
    let repo = Repo::new(&[]);
    let hand = hand_made_copies(&repo, true);
    let before = repo.tree();
    let out = repo.run(&["sync", "--adopt", "--dry-run"]).ok();
    assert_same_tree(&before, &repo.tree(), "adopt --dry-run");
    for line in [
        "-COPY profile/ profile/",
        "-COPY ./inventory /backend/inventory",
        "+COPY inventory/ inventory/",
        "+COPY profile/ profile/",
    ] {
        assert!(
            out.stdout.contains(line),
            "`{line}` not in the diff:\n{}",
            out.stdout
        );
    }

    repo.run(&["sync", "--adopt"]).ok();
    // Every other line as the person wrote it; the block right before the build.
    let adopted = repo.read("Dockerfile");
    let (pre, block, post) = split_block(&adopted);
    let kept = hand
        .replace("COPY profile/ profile/\n", "")
        .replace("COPY ./inventory /backend/inventory\n", "");
    assert_eq!(format!("{pre}{post}"), kept);
    assert!(post.starts_with(BUILD_RUN), "{adopted}");
    assert!(
        block.starts_with(&expected_begin(&[
            "COPY inventory/ inventory/",
            "COPY profile/ profile/"
        ])),
        "{block}"
    );
    each_copied_once_then_removed(&repo);
}

/// The same repo missing `inventory/`'s line: `doctor --fix` adds a block with it, beside
/// the hand-written `profile/` line; adopting after it folds that line in as well.
#[test]
fn adopt_after_doctor_fix_folds_the_hand_written_copies_too() {
    let repo = Repo::new(&[]);
    hand_made_copies(&repo, false);
    repo.run(&["doctor", "--fix", "--quiet"]).ok();
    assert_eq!(repo.block(), ["COPY inventory/ inventory/"]);
    assert!(repo
        .read("Dockerfile")
        .contains("\nCOPY profile/ profile/\n"));
    let out = repo.run(&["sync", "--adopt", "--dry-run"]).ok();
    assert!(
        out.stdout.contains("-COPY profile/ profile/"),
        "{}",
        out.stdout
    );
    repo.run(&["sync", "--adopt"]).ok();
    each_copied_once_then_removed(&repo);
}

#[test]
fn sync_outside_a_repo_is_refused() {
    let tmp = tmp();
    let before = tree(tmp.path());
    run_in(tmp.path(), ["sync"]).refused(&["not inside a scaffold repo"]);
    run_in(tmp.path(), ["sync", "--check"]).refused(&["not inside a scaffold repo"]);
    assert_same_tree(&before, &tree(tmp.path()), "sync outside");
}

#[test]
fn sync_without_a_dockerfile_is_refused() {
    let repo = Repo::new(&[]);
    fs::remove_file(repo.path("Dockerfile")).unwrap();
    let before = repo.tree();
    repo.run(&["sync"])
        .refused(&["no Dockerfile in", "git checkout -- Dockerfile"]);
    assert_same_tree(&before, &repo.tree(), "sync without Dockerfile");
}

#[test]
fn sync_without_main_go_warns_that_nothing_calls_the_wiring() {
    let repo = Repo::new(&[]);
    fs::remove_file(repo.path("main.go")).unwrap();
    let out = repo.run(&["sync"]).ok();
    assert!(
        out.stderr
            .contains("warning: no Go file at the root calls registerPackages"),
        "{out:#?}"
    );
}

#[test]
fn a_folder_go_cannot_import_is_left_out_with_a_warning() {
    let repo = Repo::new(&[]);
    // `COPY my stuff/ my stuff/` would copy `my` and `stuff/` into `my`; Go refuses the path.
    repo.write("my stuff/a.go", handmade_package("stuff", "stuff_get"));
    let out = repo.run(&["sync"]).ok();
    assert!(
        out.stderr
            .contains("warning: my stuff/ holds Go code, but Go cannot import"),
        "{out:#?}"
    );
    assert_eq!(repo.block(), ["COPY profile/ profile/"]);
    assert!(!repo.read("packages_gen.go").contains("stuff"));
    let out = repo.run(&["sync", "--check"]).ok();
    assert!(
        out.stderr.contains("Checked the Dockerfile block"),
        "{out:#?}"
    );
}

/// One source of truth for removed packages: an excluded folder imported again makes `sync`
/// fail naming the importer, and `sync --check` exit 1 (the build would fail).
#[test]
fn an_excluded_folder_imported_again_fails_sync_and_check() {
    let repo = Repo::new(&["--package", "profile"]);
    repo.run(&["add-package", "inventory"]).ok();
    repo.run(&["remove-package", "inventory"]).ok();
    repo.run(&["sync", "--check"]).ok();
    let module = "example.com/game";
    let text = repo.read("profile/profile.go").replacen(
        "import (",
        &format!("import (\n\t_ \"{module}/inventory\""),
        1,
    );
    repo.write("profile/profile.go", text);
    let before = repo.contents();
    for args in [&["sync"][..], &["sync", "--check"]] {
        let out = repo.run(args);
        assert_eq!(out.code, 1, "{args:?}: {out:#?}");
        assert!(
            out.stderr.contains("inventory/ is excluded from the build")
                && out.stderr.contains("profile/profile.go:"),
            "{out:#?}"
        );
    }
    assert_eq!(repo.contents(), before, "nothing written");
}

/// A nested package with Nakama's Register that nothing imports is named in a warning (its
/// RPCs would answer 404); once its parent imports it, the warning goes.
#[test]
fn an_unimported_nested_register_package_is_named() {
    let repo = Repo::new(&["--package", "profile"]);
    let register = "func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n\treturn nil\n}\n";
    repo.write(
        "internal/store/store.go",
        format!("package store\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\n\t\"github.com/heroiclabs/nakama-common/runtime\"\n)\n\n{register}"),
    );
    let out = repo.run(&["--json", "sync"]).ok();
    let warnings = strings(&out.report()["warnings"]);
    assert!(
        warnings.iter().any(|w| w
            .starts_with("internal/store/ declares Nakama's Register, but no package imports it")),
        "{warnings:?}"
    );
    let text = repo.read("profile/profile.go").replacen(
        "import (",
        "import (\n\t_ \"example.com/game/internal/store\"",
        1,
    );
    repo.write("profile/profile.go", text);
    let out = repo.run(&["--json", "sync"]).ok();
    assert!(strings(&out.report()["warnings"]).is_empty());
}

/// A root `//go:embed` and root cgo sources are read by the build but not copied by
/// `COPY *.go ./`: sync puts them in the block, `sync --check` fails until it has, and the
/// plugin then builds from exactly what the builder stage copies.
#[test]
fn root_embeds_and_cgo_sources_are_copied_by_the_block() {
    let repo = Repo::new(&["--package", "profile"]);
    repo.write("assets/cfg.json", "{\"ok\":true}\n");
    repo.write(
        "embed.go",
        "package main\n\nimport _ \"embed\"\n\n//go:embed assets/cfg.json\nvar config string\n",
    );
    repo.write("twice.h", "int twice(int x);\n");
    repo.write(
        "twice.c",
        "#include \"twice.h\"\nint twice(int x) { return 2 * x; }\n",
    );
    repo.write(
        "cgo.go",
        "package main\n\n// #include \"twice.h\"\nimport \"C\"\n\nfunc twice(n int) int { return int(C.twice(C.int(n))) }\n",
    );
    repo.run(&["sync", "--check"]).code(1);
    repo.run(&["sync"]).ok();
    assert_eq!(
        repo.block(),
        [
            "COPY assets/ assets/",
            "COPY profile/ profile/",
            "COPY twice.c twice.h ./"
        ]
    );
    repo.run(&["sync", "--check"]).ok();
    if go_required() {
        let (_out, _workdir, built) = build_from_context(&repo.root);
        assert_eq!(built.code, 0, "{}", built.stderr);
        // Control: without the block's root lines the build fails on the embed.
        let text = repo
            .read("Dockerfile")
            .replace("COPY assets/ assets/\n", "");
        repo.write("Dockerfile", text);
        let (_out, _workdir, broken) = build_from_context(&repo.root);
        assert_ne!(broken.code, 0);
        assert!(
            broken.stderr.contains("pattern assets/cfg.json"),
            "{}",
            broken.stderr
        );
    }
}

/// Conflict markers anywhere in the Dockerfile fail `sync` and `sync --check`, naming the line.
#[test]
fn conflict_markers_in_the_dockerfile_fail_sync() {
    let repo = Repo::new(&["--package", "profile"]);
    let text = repo.read("Dockerfile").replacen(
        "COPY *.go ./\n",
        "<<<<<<< HEAD\nCOPY *.go ./\n=======\nCOPY *.go ./\n>>>>>>> feature\n",
        1,
    );
    repo.write("Dockerfile", text);
    for args in [&["sync"][..], &["sync", "--check"]] {
        let out = repo.run(args);
        assert_eq!(out.code, 1, "{out:#?}");
        assert!(
            out.stderr.contains("merge conflict marker at line"),
            "{out:#?}"
        );
    }
}

/// After `git merge` of two branches that each added a package, the block holds both lines
/// under one side's hash: that is exactly what sync writes, so it is accepted (the hash is
/// rewritten), not refused as a hand edit.
#[test]
fn a_cleanly_merged_block_is_accepted() {
    let repo = Repo::new(&["--package", "profile"]);
    let base = repo.read("Dockerfile");
    repo.run(&["add-package", "inventory"]).ok();
    let ours = repo.read("Dockerfile");
    repo.write("Dockerfile", &base);
    repo.run(&["add-package", "shop"]).ok();
    // The merge: shop's line joins inventory's side, under inventory's hash.
    let merged = ours.replace(
        "COPY profile/ profile/\n",
        "COPY profile/ profile/\nCOPY shop/ shop/\n",
    );
    repo.write("Dockerfile", &merged);
    repo.run(&["sync"]).ok();
    assert_eq!(
        repo.block(),
        [
            "COPY inventory/ inventory/",
            "COPY profile/ profile/",
            "COPY shop/ shop/"
        ]
    );
    repo.run(&["sync", "--check"]).ok();
}
