//! `scaffold add-package`: the files it adds, the Dockerfile block and wiring it rebuilds, and
//! every refusal leaving the repo byte-for-byte as it was.

use crate::common::*;
use std::fs;

/// Asserts `add-package ARGS` fails with every needle on stderr and changes nothing.
#[track_caller]
fn refused_unchanged(repo: &Repo, args: &[&str], needles: &[&str]) -> Out {
    let before = repo.tree();
    let out = repo.run(args).failed(needles);
    assert_same_tree(&before, &repo.tree(), &format!("{args:?}"));
    out
}

#[test]
fn adds_one_package_and_changes_only_what_it_must() {
    let repo = Repo::new(&[]);
    let before = repo.tree();
    let docker_before = repo.read("Dockerfile");
    let out = repo.run(&["add-package", "inventory"]).ok();
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("inventory"), "{out:#?}");
    let after = repo.tree();

    // Exactly: a new folder with two files, and the Dockerfile and wiring rewritten.
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(
        added,
        [
            "inventory",
            "inventory/inventory.go",
            "inventory/inventory_test.go"
        ]
    );
    let changed: Vec<&String> = before
        .keys()
        .filter(|k| after.get(*k) != before.get(*k))
        .collect();
    assert_eq!(changed, ["Dockerfile", "packages_gen.go"]);

    // The block lists both folders, sorted, under a fresh hash; nothing else moved.
    let docker = repo.read("Dockerfile");
    assert_eq!(
        repo.block(),
        ["COPY inventory/ inventory/", "COPY profile/ profile/"]
    );
    assert_eq!(
        begin_line(&docker),
        expected_begin(&["COPY inventory/ inventory/", "COPY profile/ profile/"])
    );
    let (pre, _, post) = split_block(&docker);
    let (pre0, _, post0) = split_block(&docker_before);
    assert_eq!((pre, post), (pre0, post0));

    let gen = repo.read("packages_gen.go");
    assert!(gen.contains("\t\"example.com/game/inventory\"\n\t\"example.com/game/profile\"\n"));
    let inv = gen.find("inventory.Register(").unwrap();
    let prof = gen.find("profile.Register(").unwrap();
    assert!(inv < prof, "calls in folder order");

    let code = repo.read("inventory/inventory.go");
    assert!(code.contains("\npackage inventory\n"));
    assert!(code.contains("initializer.RegisterRpc(\"inventory_echo\", RpcInventoryEcho)"));
    assert!(code.contains("func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {"));
    let test = repo.read("inventory/inventory_test.go");
    assert!(test.starts_with("package inventory\n"));
    assert!(test.contains("func TestRpcInventoryEcho(t *testing.T)"));
}

#[test]
fn a_package_dockerignore_leaves_out_is_refused_until_it_is_let_in() {
    let repo = Repo::new(&[]);
    // A whitelist .dockerignore, as many teams write one: everything out, then what ships.
    repo.write(
        ".dockerignore",
        "*\n!go.mod\n!go.sum\n!*.go\n!profile\n!local.yml\n",
    );
    refused_unchanged(
        &repo,
        &["add-package", "inventory"],
        &[".dockerignore line 1 `*` leaves inventory/inventory.go out of the Docker build context", "add `!inventory/` below that line", "nothing was changed"],
    );
    // sync says the same of a package folder made by hand.
    repo.write("stats/stats.go", "package stats\n");
    let out = repo.run(&["sync"]).code(1);
    assert!(
        out.stderr.contains("leaves stats/stats.go out"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(repo.path("stats")).unwrap();
    // Let in, the package is added and the repo is healthy.
    repo.write(
        ".dockerignore",
        "*\n!go.mod\n!go.sum\n!*.go\n!profile\n!local.yml\n!inventory/\n",
    );
    repo.run(&["add-package", "inventory"]).ok();
    repo.run(&["doctor"]).ok();
}

#[test]
fn json_lists_created_and_changed_files() {
    let repo = Repo::new(&[]);
    let out = repo.run(&["add-package", "inventory", "--json"]).ok();
    assert_eq!(out.stderr, "");
    let report = out.json();
    assert_eq!(report["command"], "add-package");
    assert_eq!(
        report["created"],
        serde_json::json!(["inventory/inventory.go", "inventory/inventory_test.go"])
    );
    assert_eq!(
        report["changed"],
        serde_json::json!(["Dockerfile", "packages_gen.go"])
    );
    assert_eq!(report["skipped"], serde_json::json!([]));
    assert_eq!(report["warnings"], serde_json::json!([]));
}

#[test]
fn three_in_a_row_stay_sorted() {
    let repo = Repo::new(&[]);
    for name in ["wallet", "chat", "zeta"] {
        repo.run(&["add-package", name, "-q"]).ok();
    }
    let want = [
        "COPY chat/ chat/",
        "COPY profile/ profile/",
        "COPY wallet/ wallet/",
        "COPY zeta/ zeta/",
    ];
    assert_eq!(repo.block(), want);
    assert_eq!(begin_line(&repo.read("Dockerfile")), expected_begin(&want));
    let gen = repo.read("packages_gen.go");
    assert!(gen.contains(
        "\t\"example.com/game/chat\"\n\t\"example.com/game/profile\"\n\t\"example.com/game/wallet\"\n\t\"example.com/game/zeta\"\n)"
    ));
    let order: Vec<usize> = ["chat.", "profile.", "wallet.", "zeta."]
        .iter()
        .map(|p| gen.find(&format!("{p}Register(")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{gen}");
    // Nothing is stale afterwards.
    repo.run(&["sync", "--check"]).ok();
}

#[test]
fn runs_from_a_sub_folder_and_with_dash_c() {
    let repo = Repo::new(&[]);
    fs::create_dir_all(repo.path("profile/deep/er")).unwrap();
    run_in(&repo.path("profile/deep/er"), ["add-package", "inventory"]).ok();
    assert!(repo.path("inventory/inventory.go").is_file());
    assert!(!repo.path("profile/deep/er/inventory").exists());
    assert!(!repo.path("profile/inventory").exists());

    let elsewhere = tmp();
    let dir = repo.root.to_str().unwrap();
    run_in(elsewhere.path(), ["add-package", "wallet", "-C", dir]).ok();
    assert!(repo.path("wallet/wallet.go").is_file());
    assert!(fs::read_dir(elsewhere.path()).unwrap().next().is_none());
    assert_eq!(
        repo.block(),
        [
            "COPY inventory/ inventory/",
            "COPY profile/ profile/",
            "COPY wallet/ wallet/"
        ]
    );
}

#[test]
fn rpc_flag_is_repeatable() {
    let repo = Repo::new(&[]);
    repo.run(&[
        "add-package",
        "wallet",
        "--rpc",
        "wallet_get",
        "--rpc",
        "wallet_add",
    ])
    .ok();
    let code = repo.read("wallet/wallet.go");
    assert!(code.contains("initializer.RegisterRpc(\"wallet_get\", RpcWalletGet)"));
    assert!(code.contains("initializer.RegisterRpc(\"wallet_add\", RpcWalletAdd)"));
    assert!(code.contains("func RpcWalletGet("));
    assert!(code.contains("func RpcWalletAdd("));
    assert!(
        !code.contains("wallet_echo"),
        "--rpc replaces the default id"
    );
    let test = repo.read("wallet/wallet_test.go");
    assert!(test.contains("func TestRpcWalletGet("));
    assert!(test.contains("func TestRpcWalletAdd("));
}

#[test]
fn refuses_bad_rpc_ids() {
    let repo = Repo::new(&[]);
    refused_unchanged(
        &repo,
        &["add-package", "wallet", "--rpc", "Wallet-Get"],
        &["RPC id `Wallet-Get` is not usable", "--rpc wallet_get"],
    );
    refused_unchanged(
        &repo,
        &["add-package", "wallet", "--rpc", "a_b", "--rpc", "a_b"],
        &["are the same id"],
    );
}

#[test]
fn refuses_an_rpc_id_registered_by_another_package() {
    let repo = Repo::new(&[]);
    refused_unchanged(
        &repo,
        &["add-package", "wallet", "--rpc", "profile_echo"],
        &[
            "RPC id `profile_echo` is already registered by profile/",
            "--rpc ID",
        ],
    );
    // A hand-made package's ids count too.
    repo.write("stats/stats.go", handmade_package("stats", "stats_hello"));
    refused_unchanged(
        &repo,
        &[
            "add-package",
            "wallet",
            "--rpc",
            "wallet_get",
            "--rpc",
            "stats_hello",
        ],
        &["`stats_hello` is already registered by stats/"],
    );
}

#[test]
fn refuses_invalid_names_and_changes_nothing() {
    let repo = Repo::new(&[]);
    let cases: &[(&str, &[&str])] = &[
        ("Profile", &["`Profile` has upper case", "use `profile`"]),
        ("type", &["`type` is a Go keyword"]),
        ("string", &["`string` is a predeclared Go identifier"]),
        ("main", &["`main` is reserved by Go"]),
        ("vendor", &["`vendor` is reserved by Go"]),
        ("internal", &["`internal` is reserved by Go"]),
        ("testdata", &["`testdata` is reserved by Go"]),
        ("x_test", &["`x_test` is reserved by Go"]),
        ("a/b", &["`a/b` is a path, not a package name", "`b`"]),
        ("..", &["`..` is a path, not a package name"]),
        ("a\\b", &["`a\\b` is a path, not a package name"]),
        ("my pkg", &["`my pkg` is not a Go identifier"]),
        ("9lives", &["`9lives` is not a Go identifier"]),
        ("é", &["`é` is not a Go identifier"]),
        ("", &["package name is empty"]),
    ];
    for (name, needles) in cases {
        let out = refused_unchanged(&repo, &["add-package", name], needles);
        assert_eq!(out.stderr.lines().count(), 1, "one line: {out:#?}");
    }
}

#[test]
fn refuses_an_existing_folder_or_file() {
    let repo = Repo::new(&[]);
    refused_unchanged(
        &repo,
        &["add-package", "profile"],
        &["profile already exists", "scaffold sync"],
    );
    repo.write("notes", "a file, not a folder\n");
    refused_unchanged(&repo, &["add-package", "notes"], &["notes already exists"]);
    fs::create_dir(repo.path("empty")).unwrap();
    refused_unchanged(&repo, &["add-package", "empty"], &["empty already exists"]);
}

#[test]
fn refuses_outside_a_scaffold_repo() {
    let tmp = tmp();
    write(tmp.path().join("go.mod"), "module example.com/x\n");
    let before = tree(tmp.path());
    run_in(tmp.path(), ["add-package", "inventory"]).refused(&[
        "not inside a scaffold repo",
        "scaffold new",
        "scaffold sync --adopt",
    ]);
    assert_same_tree(&before, &tree(tmp.path()), "outside a repo");
}

#[test]
fn refuses_a_broken_scaffold_toml() {
    for (bytes, needle) in [
        (&b"this is = not [ toml"[..], "is not a scaffold record"),
        (&b""[..], "is not a scaffold record"),
        (
            &b"[project]\nname = \"x\"\n"[..],
            "is not a scaffold record",
        ),
        (&b"\xff\xfe not utf-8"[..], "cannot read"),
    ] {
        let repo = Repo::new(&[]);
        repo.write("scaffold.toml", bytes);
        refused_unchanged(
            &repo,
            &["add-package", "inventory"],
            &[needle, "scaffold.toml"],
        );
        // sync refuses it the same way.
        refused_unchanged(&repo, &["sync"], &[needle]);
    }
}

#[test]
fn refuses_when_a_required_file_is_missing() {
    for file in ["Dockerfile", "main.go", "go.mod"] {
        let repo = Repo::new(&[]);
        fs::remove_file(repo.path(file)).unwrap();
        refused_unchanged(
            &repo,
            &["add-package", "inventory"],
            &[&format!("no {file} in"), &format!("git checkout -- {file}")],
        );
    }
}

/// The repo's Dockerfile with its block's marker lines changed by `f`.
fn with_dockerfile(f: impl Fn(&str) -> String) -> Repo {
    let repo = Repo::new(&[]);
    let text = repo.read("Dockerfile");
    repo.write("Dockerfile", f(&text));
    repo
}

#[test]
fn refuses_broken_block_markers() {
    let begin_of = |t: &str| begin_line(t);
    type Edit = Box<dyn Fn(&str) -> String>;
    let cases: Vec<(Edit, &[&str])> = vec![
        (
            Box::new(move |t: &str| {
                t.replace(&format!("{}\n", begin_of(t)), "")
                    .replace("# scaffold:packages end\n", "")
            }),
            &["no `# scaffold:packages begin`", "scaffold sync --adopt"],
        ),
        (
            Box::new(|t: &str| format!("{t}# scaffold:packages begin\n# scaffold:packages end\n")),
            &["2 `# scaffold:packages begin` markers", "keep one block"],
        ),
        (
            Box::new(|t: &str| t.replace("# scaffold:packages end\n", "")),
            &["has no `# scaffold:packages end` line"],
        ),
        (
            Box::new(move |t: &str| t.replace(&format!("{}\n", begin_of(t)), "")),
            &["without its begin marker"],
        ),
        (
            Box::new(|t: &str| {
                t.replace(
                    "# scaffold:packages end\n",
                    "# scaffold:packages end\n# scaffold:packages end\n",
                )
            }),
            &["2 `# scaffold:packages begin` markers"],
        ),
    ];
    for (edit, needles) in cases {
        let repo = with_dockerfile(&*edit);
        refused_unchanged(&repo, &["add-package", "inventory"], needles);
        refused_unchanged(&repo, &["sync"], needles);
        refused_unchanged(&repo, &["sync", "--check"], needles);
    }
}

#[test]
fn refuses_a_hand_edited_block_with_a_diff_and_force_replaces_it() {
    let repo = with_dockerfile(|t| {
        t.replace(
            "COPY profile/ profile/\n",
            "COPY profile/ profile/\nCOPY mine/ mine/\n",
        )
    });
    let out = refused_unchanged(
        &repo,
        &["add-package", "inventory"],
        &[
            "the Dockerfile's managed block (lines 18-21) was edited by hand",
            "scaffold sync --force",
            "-COPY mine/ mine/",
            "+COPY inventory/ inventory/",
        ],
    );
    assert!(out.stderr.lines().count() > 3, "the diff follows: {out:#?}");

    let out = repo.run(&["add-package", "inventory", "--force"]).ok();
    assert!(out.stderr.contains("Updated Dockerfile"), "{out:#?}");
    let want = ["COPY inventory/ inventory/", "COPY profile/ profile/"];
    assert_eq!(repo.block(), want);
    assert_eq!(begin_line(&repo.read("Dockerfile")), expected_begin(&want));
    repo.run(&["sync", "--check"]).ok();
}

#[test]
fn a_crlf_dockerfile_keeps_crlf_everywhere() {
    let repo = with_dockerfile(|t| t.replace('\n', "\r\n"));
    let before = repo.read("Dockerfile");
    repo.run(&["add-package", "inventory"]).ok();
    let after = repo.read("Dockerfile");
    assert_eq!(after.matches('\n').count(), after.matches("\r\n").count());
    assert!(after.ends_with("\r\n"));
    assert!(after.contains(
        "\r\nCOPY inventory/ inventory/\r\nCOPY profile/ profile/\r\n# scaffold:packages end\r\n"
    ));
    let (pre, _, post) = split_block(&after);
    let (pre0, _, post0) = split_block(&before);
    assert_eq!((pre, post), (pre0, post0));
    let want = ["COPY inventory/ inventory/", "COPY profile/ profile/"];
    assert_eq!(begin_line(&after), expected_begin(&want));
    // Stable: nothing to do afterwards, and a second package keeps CRLF too.
    repo.run(&["sync", "--check"]).ok();
    repo.run(&["add-package", "wallet"]).ok();
    let again = repo.read("Dockerfile");
    assert_eq!(again.matches('\n').count(), again.matches("\r\n").count());
}

#[test]
fn a_crlf_packages_gen_keeps_crlf() {
    let repo = Repo::new(&[]);
    let gen = repo.read("packages_gen.go").replace('\n', "\r\n");
    repo.write("packages_gen.go", &gen);
    repo.run(&["add-package", "inventory"]).ok();
    let after = repo.read("packages_gen.go");
    assert_eq!(after.matches('\n').count(), after.matches("\r\n").count());
    assert!(after.contains("\t\"example.com/game/inventory\"\r\n"));
    repo.run(&["sync", "--check"]).ok();
}

#[test]
fn a_dockerfile_without_a_final_newline_keeps_it_that_way() {
    let repo = with_dockerfile(|t| t.trim_end_matches('\n').to_string());
    let before = repo.read("Dockerfile");
    repo.run(&["add-package", "inventory"]).ok();
    let after = repo.read("Dockerfile");
    assert!(!after.ends_with('\n'));
    assert!(after.ends_with("COPY local.yml /nakama/data/"));
    let (pre, _, post) = split_block(&after);
    let (pre0, _, post0) = split_block(&before);
    assert_eq!((pre, post), (pre0, post0));
    repo.run(&["sync", "--check"]).ok();

    // Also when the block is the very end of the file.
    let repo = with_dockerfile(|t| {
        let (pre, block, post) = split_block(t);
        format!("{pre}{post}{}", block.trim_end_matches('\n'))
    });
    // The block now sits in the server stage, so the builder copies no package and the build
    // fails (Go refuses it); the static rules still show the bytes are kept.
    repo.run_env(
        &["add-package", "inventory"],
        &[("SCAFFOLD_JUDGE", "static")],
    )
    .ok();
    let after = repo.read("Dockerfile");
    assert!(after.ends_with("COPY profile/ profile/\n# scaffold:packages end"));
}

#[test]
fn user_lines_around_the_block_are_kept() {
    let repo = with_dockerfile(|t| {
        let (pre, block, post) = split_block(t);
        format!(
            "{pre}# my own note, above\nCOPY extra.txt ./\n{block}RUN echo below  \n\t# indented, below\n{post}"
        )
    });
    // What the user's COPY names is there, or the build (and so the command) fails.
    repo.write("extra.txt", "extra\n");
    let before = repo.read("Dockerfile");
    repo.run(&["add-package", "inventory"]).ok();
    let after = repo.read("Dockerfile");
    let (pre, _, post) = split_block(&after);
    let (pre0, _, post0) = split_block(&before);
    assert_eq!((pre, post), (pre0, post0));
    assert!(pre.ends_with("# my own note, above\nCOPY extra.txt ./\n"));
    assert!(post.starts_with("RUN echo below  \n\t# indented, below\n"));
}

#[test]
fn then_sync_twice_changes_nothing() {
    let repo = Repo::new(&[]);
    repo.run(&["add-package", "inventory"]).ok();
    let after_add = repo.tree();
    let out = repo.run(&["sync"]).ok();
    assert!(out.stderr.contains("nothing to change"), "{out:#?}");
    assert_same_tree(&after_add, &repo.tree(), "first sync");
    repo.run(&["sync"]).ok();
    assert_same_tree(&after_add, &repo.tree(), "second sync");
    let out = repo.run(&["sync", "--check"]).ok();
    assert_eq!(out.stdout, "");
    let out = repo.run(&["sync", "--json"]).ok();
    assert_eq!(out.json()["changed"], serde_json::json!([]));
    assert_eq!(out.json()["created"], serde_json::json!([]));
}

#[test]
fn dry_run_prints_a_unified_diff_and_writes_nothing() {
    let repo = Repo::new(&[]);
    let before = repo.tree();
    let out = repo.run(&["add-package", "inventory", "--dry-run"]).ok();
    assert_same_tree(&before, &repo.tree(), "add-package --dry-run");
    let diff = &out.stdout;
    for needle in [
        "--- /dev/null\n+++ b/inventory/inventory.go\n",
        "--- /dev/null\n+++ b/inventory/inventory_test.go\n",
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ ",
        "\n+COPY inventory/ inventory/\n",
        "\n COPY profile/ profile/\n",
        "--- a/packages_gen.go\n+++ b/packages_gen.go\n",
        "\n+\t\"example.com/game/inventory\"\n",
    ] {
        assert!(diff.contains(needle), "diff lacks {needle:?}:\n{diff}");
    }
    // The old and new begin markers both show, with their hashes.
    assert!(diff.contains(&format!(
        "\n-{}\n",
        expected_begin(&["COPY profile/ profile/"])
    )));
    assert!(diff.contains(&format!(
        "\n+{}\n",
        expected_begin(&["COPY inventory/ inventory/", "COPY profile/ profile/"])
    )));
    assert!(out.stderr.contains("Would create"), "{out:#?}");
    // Applying for real gives what the diff promised.
    repo.run(&["add-package", "inventory"]).ok();
    assert_eq!(
        repo.block(),
        ["COPY inventory/ inventory/", "COPY profile/ profile/"]
    );
}

/// `--rpc` replaces the rpc kind's starter RPCs, so ids and handlers that the starter's
/// save/load pair would have taken (`shop_save`, `save` → `RpcSave`) are the user's to use.
#[test]
fn rpc_ids_replace_the_starter_rpcs() {
    let repo = Repo::new(&[]);
    repo.run(&["add-package", "shop", "--rpc", "shop_save"])
        .ok();
    let code = repo.read("shop/shop.go");
    assert_eq!(code.matches("RegisterRpc(").count(), 1, "{code}");
    assert!(
        code.contains("RegisterRpc(\"shop_save\", RpcShopSave)"),
        "{code}"
    );
    repo.run(&["add-package", "wallet", "--rpc", "save", "--rpc", "load"])
        .ok();
    let code = repo.read("wallet/wallet.go");
    assert!(
        code.contains("func RpcSave(") && code.contains("func RpcLoad("),
        "{code}"
    );
    assert_eq!(code.matches("func RpcSave(").count(), 1, "{code}");
    // Without --rpc, the starter set: echo, save and load.
    repo.run(&["add-package", "bag"]).ok();
    let code = repo.read("bag/bag.go");
    for id in ["bag_echo", "bag_save", "bag_load"] {
        assert!(
            code.contains(&format!("RegisterRpc(\"{id}\"")),
            "{id}: {code}"
        );
    }
}

/// Names Go would leave out of the build, or refuse to import, are refused up front with the
/// reason, and nothing is written.
#[test]
fn names_go_would_exclude_or_refuse_are_refused() {
    let repo = Repo::new(&[]);
    let before = repo.contents();
    for (name, why) in [
        ("iap_ios", "only for GOOS=ios"),
        ("shop_android", "only for GOOS=android"),
        ("fast_arm64", "only for GOARCH=arm64"),
        ("init", "Go cannot import a package named init"),
        ("documentation", "ignores files of `package documentation`"),
    ] {
        repo.run(&["add-package", name]).refused(&[why]);
        assert_eq!(repo.contents(), before, "{name}: nothing written");
    }
}
