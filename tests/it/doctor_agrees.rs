//! doctor and sync agree on the cases where a green answer used to hide a failing build: a
//! root `//go:embed` or cgo source not copied, an excluded package imported again, conflict
//! markers, a package whose files build constraints all exclude. Each on a repo made by
//! `scaffold new`, checked with doctor's `--json` report.

use crate::common::*;

fn problems(repo: &Repo) -> (i32, Vec<serde_json::Value>) {
    let out = repo.run(&["--json", "doctor"]);
    let json = out.json();
    let list = json["problems"].as_array().cloned().unwrap_or_default();
    (out.code, list)
}

fn has(list: &[serde_json::Value], id: &str, needle: &str) -> bool {
    list.iter()
        .any(|p| p["id"] == id && p["message"].as_str().is_some_and(|m| m.contains(needle)))
}

#[test]
fn a_root_embed_that_is_not_copied_is_a_problem_until_sync() {
    let repo = Repo::new(&["--package", "profile"]);
    repo.write("assets/cfg.json", "{}\n");
    repo.write(
        "embed.go",
        "package main\n\nimport _ \"embed\"\n\n//go:embed assets/cfg.json\nvar config string\n",
    );
    let (code, list) = problems(&repo);
    assert_eq!(code, 1, "{list:?}");
    assert!(
        has(
            &list,
            "D001",
            "assets/cfg.json is read by the plugin's main package"
        ),
        "{list:?}"
    );
    repo.run(&["sync"]).ok();
    let (code, list) = problems(&repo);
    assert_eq!(code, 0, "{list:?}");
}

#[test]
fn root_cgo_sources_that_are_not_copied_are_a_problem() {
    let repo = Repo::new(&["--package", "profile"]);
    repo.write("twice.c", "int twice(int x) { return 2 * x; }\n");
    repo.write(
        "cgo.go",
        "package main\n\n// int twice(int x);\nimport \"C\"\n\nfunc twice(n int) int { return int(C.twice(C.int(n))) }\n",
    );
    let (code, list) = problems(&repo);
    assert_eq!(code, 1);
    assert!(
        has(
            &list,
            "D001",
            "twice.c is read by the plugin's main package"
        ),
        "{list:?}"
    );
    repo.run(&["sync"]).ok();
    assert_eq!(problems(&repo).0, 0);
}

#[test]
fn an_excluded_package_imported_again_is_not_fixed_by_adding_it_back() {
    let repo = Repo::new(&["--package", "profile"]);
    repo.run(&["add-package", "inventory"]).ok();
    repo.run(&["remove-package", "inventory"]).ok();
    let text = repo.read("profile/profile.go").replacen(
        "import (",
        "import (\n\t_ \"example.com/game/inventory\"",
        1,
    );
    repo.write("profile/profile.go", text);
    let (code, list) = problems(&repo);
    assert_eq!(code, 1);
    let p = list
        .iter()
        .find(|p| p["id"] == "D001")
        .expect("a D001 problem");
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .contains("excluded from the build in scaffold.toml"),
        "{p}"
    );
    assert_eq!(p["fixable"], false);
    let before = repo.contents();
    repo.run(&["doctor", "--fix"]).code(1);
    assert_eq!(
        repo.contents(),
        before,
        "--fix does not add the COPY line back"
    );
}

#[test]
fn conflict_markers_are_a_problem() {
    let repo = Repo::new(&["--package", "profile"]);
    let text = repo.read("Dockerfile").replacen(
        "COPY *.go ./\n",
        "<<<<<<< HEAD\nCOPY *.go ./\n=======\nCOPY *.go ./\n>>>>>>> feature\n",
        1,
    );
    repo.write("Dockerfile", text);
    let (code, list) = problems(&repo);
    assert_eq!(code, 1);
    assert!(has(&list, "D008", "merge conflict marker"), "{list:?}");
}

#[test]
fn a_package_whose_files_are_all_excluded_is_not_wired() {
    let repo = Repo::new(&["--package", "profile"]);
    repo.run(&["add-package", "legacy"]).ok();
    let text = format!("//go:build ignore\n\n{}", repo.read("legacy/legacy.go"));
    repo.write("legacy/legacy.go", text);
    repo.run(&["sync"]).ok();
    assert!(!repo.read("packages_gen.go").contains("legacy"));
    assert_eq!(
        problems(&repo).0,
        0,
        "nothing imports it: the build is fine"
    );
    if go_required() {
        go_ok(&repo.root, &["vet", "."]);
    }
}

#[test]
fn an_imported_package_whose_files_are_all_excluded_is_a_problem() {
    let repo = Repo::new(&["--package", "profile"]);
    repo.run(&["add-package", "legacy"]).ok();
    let text = format!("//go:build ignore\n\n{}", repo.read("legacy/legacy.go"));
    repo.write("legacy/legacy.go", text);
    let text = repo.read("profile/profile.go").replacen(
        "import (",
        "import (\n\t_ \"example.com/game/legacy\"",
        1,
    );
    repo.write("profile/profile.go", text);
    let (code, list) = problems(&repo);
    assert_eq!(code, 1);
    assert!(
        has(&list, "D001", "build constraints exclude all Go files"),
        "{list:?}"
    );
    if go_required() {
        let out = go(&repo.root, &["build", "-o", "/dev/null", "./profile"]);
        assert!(
            out.stderr
                .contains("build constraints exclude all Go files"),
            "{}",
            out.stderr
        );
    }
}

/// doctor knows every 3.x release, not only the ones `new` offers: an old repo pairing the
/// 3.11.0 images with another release's nakama-common is named; the right pairing is quiet.
#[test]
fn an_old_release_is_checked_against_its_own_nakama_common() {
    let dir = tmp();
    let root = dir.path();
    let dockerfile = "FROM heroiclabs/nakama-pluginbuilder:3.11.0 AS builder\nENV CGO_ENABLED=1\nWORKDIR /backend\nCOPY go.mod ./\nCOPY *.go ./\nRUN go build -trimpath -buildmode=plugin -o ./backend.so .\n\nFROM heroiclabs/nakama:3.11.0\nCOPY --from=builder /backend/backend.so /nakama/data/modules/\n";
    let main = "package main\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\n\t\"github.com/heroiclabs/nakama-common/runtime\"\n)\n\nfunc InitModule(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n\treturn nil\n}\n";
    write(root.join("Dockerfile"), dockerfile);
    write(root.join("main.go"), main);
    let gomod = |common: &str| {
        format!("module example.com/old\n\ngo 1.14\n\nrequire github.com/heroiclabs/nakama-common {common}\n")
    };
    write(root.join("go.mod"), gomod("v1.36.0"));
    let out = run_in(root, ["--json", "doctor"]);
    assert_eq!(out.code, 1, "{out:#?}");
    let list = out.json()["problems"].as_array().cloned().unwrap();
    assert!(
        has(
            &list,
            "D003",
            "go.mod requires v1.36.0, but the images are Nakama 3.11.0"
        ) && has(&list, "D003", "built with v1.22.0"),
        "{list:?}"
    );
    write(root.join("go.mod"), gomod("v1.22.0"));
    let out = run_in(root, ["--json", "doctor"]);
    let list = out.json()["problems"].as_array().cloned().unwrap();
    assert!(!list.iter().any(|p| p["id"] == "D003"), "{list:?}");
}
