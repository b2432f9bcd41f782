//! Package kinds (issue #8): `add-package NAME --kind rpc|match|hook|http` adds exactly its
//! folder and rewires the repo, `--list-kinds` describes the four, every refusal leaves the tree
//! as it was, and one package of every kind in one repo is gofmt-clean, vets, tests and builds
//! as a plugin with the real Go toolchain.

use crate::common::*;
use std::fs;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A repo made by `scaffold new game --yes --no-git --module example.com/game` in a fresh
/// temp folder, with a config dir of its own.
fn game() -> Repo {
    Repo::new(&["--module", "example.com/game"])
}

/// The files `after` has and `before` lacks, and the files both have with other bytes.
fn diff(before: &Contents, after: &Contents) -> (Vec<String>, Vec<String>) {
    let added = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect();
    let changed = after
        .iter()
        .filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v))
        .map(|(k, _)| k.clone())
        .collect();
    let removed: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    assert!(removed.is_empty(), "files removed: {removed:?}");
    (added, changed)
}

/// The literal ids of `RegisterRpc("...")` calls, in order.
fn rpc_ids(code: &str) -> Vec<String> {
    code.split("RegisterRpc(\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

const REGISTER: &str = "func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {";

/// Adds `NAME` with `args` (e.g. `--kind match`) to a fresh repo and checks what every kind
/// shares: exactly `NAME/NAME.go` and `NAME/NAME_test.go` created, only the Dockerfile and
/// packages_gen.go changed (and the `--json` report says so), `Register` declared with the
/// plugin's signature, the wiring importing and calling it, the block copying the folder.
/// Returns the repo and the package's Go source.
fn add(name: &str, args: &[&str]) -> (Repo, String) {
    let repo = game();
    let before = repo.contents();
    let mut argv = vec!["add-package", name, "--json"];
    argv.extend_from_slice(args);
    let out = repo.run(&argv).ok();
    let after = repo.contents();
    let (added, changed) = diff(&before, &after);
    let go = format!("{name}/{name}.go");
    let test = format!("{name}/{name}_test.go");
    assert_eq!(added, [go.clone(), test.clone()], "files added");
    assert_eq!(changed, ["Dockerfile", "packages_gen.go"], "files changed");
    let report = out.json();
    assert_eq!(report["command"], "add-package");
    assert_eq!(report["created"], serde_json::json!([go, test]));
    assert_eq!(
        report["changed"],
        serde_json::json!(["Dockerfile", "packages_gen.go"])
    );
    assert_eq!(report["warnings"], serde_json::json!([]));

    let code = repo.read(&go);
    assert!(
        code.starts_with(&format!("// Package {name} ")),
        "doc comment:\n{code}"
    );
    assert!(code.contains(&format!("\npackage {name}\n")), "{code}");
    assert!(
        code.contains(REGISTER),
        "Register with the plugin's signature:\n{code}"
    );
    assert!(repo.read(&test).starts_with(&format!("package {name}\n")));

    let wiring = repo.read("packages_gen.go");
    assert!(
        wiring.contains(&format!("\t\"example.com/game/{name}\"\n")),
        "import:\n{wiring}"
    );
    assert!(
        wiring.contains(&format!(
            "\tif err := {name}.Register(ctx, logger, db, nk, initializer); err != nil {{\n\t\treturn fmt.Errorf(\"{name}: %w\", err)\n\t}}\n"
        )),
        "call:\n{wiring}"
    );
    let mut want = vec![
        format!("COPY {name}/ {name}/"),
        "COPY profile/ profile/".to_string(),
    ];
    want.sort();
    assert_eq!(repo.block(), want);
    (repo, code)
}

// ---------------------------------------------------------------------------------------------
// Each kind's tree and content

#[test]
fn rpc_is_the_default_kind() {
    let (repo, code) = add("inventory", &[]);
    assert_eq!(
        rpc_ids(&code),
        ["inventory_echo", "inventory_save", "inventory_load"]
    );
    assert!(
        code.contains("func RpcInventoryEcho(ctx context.Context"),
        "{code}"
    );
    assert!(code.contains("Collection = \"inventory\""), "{code}");
    assert!(!code.contains("RegisterMatch") && !code.contains("RegisterHttp"));
    // `--kind rpc` writes the same bytes.
    let (explicit, same) = add("inventory", &["--kind", "rpc"]);
    assert_eq!(code, same);
    assert_eq!(
        repo.read("inventory/inventory_test.go"),
        explicit.read("inventory/inventory_test.go")
    );
}

#[test]
fn rpc_kind_with_rpc_ids() {
    let (repo, code) = add(
        "wallet",
        &[
            "--kind",
            "rpc",
            "--rpc",
            "wallet_get",
            "--rpc",
            "wallet_add",
        ],
    );
    // `--rpc` replaces the starter RPCs: no echo, no save/load pair.
    assert_eq!(rpc_ids(&code), ["wallet_get", "wallet_add"]);
    assert!(!code.contains("wallet_echo"), "{code}");
    assert!(
        !code.contains("RpcSave") && !code.contains("Collection"),
        "{code}"
    );
    let test = repo.read("wallet/wallet_test.go");
    assert!(
        test.contains("func TestRpcWalletGet(t *testing.T)"),
        "{test}"
    );
    assert!(
        test.contains("func TestRpcWalletAdd(t *testing.T)"),
        "{test}"
    );
}

#[test]
fn match_kind() {
    let (repo, code) = add("lobby", &["--kind", "match"]);
    assert_eq!(rpc_ids(&code), ["lobby_create", "lobby_list"]);
    assert!(code.contains("const Module = \"lobby\""), "{code}");
    assert!(
        code.contains("initializer.RegisterMatch(Module, "),
        "{code}"
    );
    assert!(code.contains("nk.MatchCreate(ctx, Module, "), "{code}");
    assert!(
        code.contains("nk.MatchList(ctx, 100, true, Module, "),
        "{code}"
    );
    for method in [
        "MatchInit",
        "MatchJoinAttempt",
        "MatchJoin",
        "MatchLeave",
        "MatchLoop",
        "MatchTerminate",
        "MatchSignal",
    ] {
        assert!(
            code.contains(&format!("func (m *Match) {method}(")),
            "{method}"
        );
    }
    let test = repo.read("lobby/lobby_test.go");
    assert!(
        test.contains("var _ runtime.Match = (*Match)(nil)"),
        "{test}"
    );
}

#[test]
fn hook_kind() {
    let (repo, code) = add("welcome", &["--kind", "hook"]);
    assert!(rpc_ids(&code).is_empty(), "a hook package registers no RPC");
    assert!(
        code.contains("initializer.RegisterAfterAuthenticateDevice(AfterAuthenticateDevice)"),
        "{code}"
    );
    assert!(
        code.contains(
            "initializer.RegisterBeforeRt(\"ChannelMessageSend\", BeforeChannelMessageSend)"
        ),
        "{code}"
    );
    assert!(code.contains("Collection = \"welcome\""), "{code}");
    assert!(code.contains("Key        = \"initial\""), "{code}");
    assert!(
        code.contains("InitialValue = `{\"coins\":100,\"level\":1}`"),
        "{code}"
    );
    // Written once: version "*" only creates, so a second sign-in keeps the object.
    assert!(code.contains("Version:         \"*\","), "{code}");
    assert!(code.contains("PermissionWrite: 0,"), "{code}");
    let test = repo.read("welcome/welcome_test.go");
    assert!(
        test.contains("func TestCheckContent(t *testing.T)"),
        "{test}"
    );
}

#[test]
fn http_kind() {
    let (repo, code) = add("api", &["--kind", "http"]);
    assert!(
        rpc_ids(&code).is_empty(),
        "an http package registers no RPC"
    );
    assert!(code.contains("const Path = \"/api\""), "{code}");
    assert!(
        code.contains("initializer.RegisterHttp(Path, Status, http.MethodGet)"),
        "{code}"
    );
    assert!(
        code.contains("map[string]string{\"package\": \"api\", \"status\": \"ok\"}"),
        "{code}"
    );
    let test = repo.read("api/api_test.go");
    assert!(
        test.contains("`{\"package\":\"api\",\"status\":\"ok\"}`"),
        "{test}"
    );
    // A package named status answers on /status, not /status/status.
    let (_, code) = add("status", &["--kind", "http"]);
    assert!(code.contains("const Path = \"/status\""), "{code}");
}

// ---------------------------------------------------------------------------------------------
// --list-kinds

const KINDS: [&str; 4] = ["rpc", "hook", "http", "match"];

#[test]
fn list_kinds_prints_one_line_per_kind_rpc_first() {
    let repo = game();
    // Inside a repo (its scaffold's kinds) and outside any (the built-in ones): the same list.
    for cwd in [repo.root.as_path(), repo.tmp.path()] {
        let out = repo.run_in(cwd, &["add-package", "--list-kinds"]).ok();
        assert_eq!(out.stderr, "");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 4, "{}", out.stdout);
        for (line, kind) in lines.iter().zip(KINDS) {
            let (name, description) = line.split_once(' ').expect("kind then description");
            assert_eq!(name, kind);
            assert!(!description.trim().is_empty(), "{line}");
        }
        assert!(lines[0].contains("(default)"), "{}", lines[0]);
        assert!(lines[3].contains("<name>_create") && lines[3].contains("<name>_list"));
    }
}

#[test]
fn list_kinds_json_is_valid_and_matches_the_text() {
    let repo = game();
    let text = repo.run(&["add-package", "--list-kinds"]).ok().stdout;
    for args in [
        &["add-package", "--list-kinds", "--json"][..],
        &["--json", "add-package", "--list-kinds"][..],
    ] {
        let out = repo.run(args).ok();
        let report = out.report();
        assert_eq!(report["command"], "add-package");
        let kinds = report["kinds"]
            .as_array()
            .expect("kinds: [{name, description}]");
        let mut keys: Vec<&str> = kinds.iter().map(|k| k["name"].as_str().unwrap()).collect();
        keys.sort();
        let mut want = KINDS.to_vec();
        want.sort();
        assert_eq!(keys, want);
        for k in kinds {
            let kind = k["name"].as_str().unwrap();
            let description = k["description"].as_str().expect("a string");
            assert!(
                text.lines()
                    .any(|l| l.starts_with(kind) && l.ends_with(description)),
                "{kind}: {description} not in\n{text}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals: exit 1, one error line, nothing written

#[test]
fn unknown_kind_fails_listing_the_kinds() {
    let repo = game();
    let before = repo.contents();
    repo.run(&["add-package", "arena", "--kind", "arcade"])
        .refused(&[
            "unknown package kind `arcade`",
            "rpc, hook, http, match",
            "--list-kinds",
        ]);
    assert_unchanged(&before, &repo.contents());
}

#[test]
fn rpc_flag_refused_with_other_kinds() {
    let repo = game();
    let before = repo.contents();
    for kind in ["match", "hook", "http"] {
        repo.run(&["add-package", "extra", "--kind", kind, "--rpc", "extra_get"])
            .refused(&[
                "--rpc applies to --kind rpc",
                &format!("a {kind} package registers its own ids"),
            ]);
    }
    assert_unchanged(&before, &repo.contents());
}

#[test]
fn a_second_hook_package_is_refused() {
    let repo = game();
    repo.run(&["add-package", "welcome", "--kind", "hook", "-q"])
        .ok();
    let before = repo.contents();
    repo.run(&["add-package", "greeter", "--kind", "hook"])
        .refused(&[
            "welcome/ already calls Register",
            "Nakama keeps one such hook",
        ]);
    assert_unchanged(&before, &repo.contents());
}

#[test]
fn a_hook_registered_by_hand_in_another_case_is_refused() {
    // Nakama lower-cases realtime ids: this replaces the kind's ChannelMessageSend hook.
    let repo = game();
    fs::create_dir(repo.root.join("chat")).unwrap();
    fs::write(
        repo.root.join("chat/chat.go"),
        "package chat

import (
\t\"context\"
\t\"database/sql\"

\t\"github.com/heroiclabs/nakama-common/rtapi\"
\t\"github.com/heroiclabs/nakama-common/runtime\"
)

func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {
\treturn initializer.RegisterBeforeRt(\"channelmessagesend\", func(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, in *rtapi.Envelope) (*rtapi.Envelope, error) {
\t\treturn in, nil
\t})
}
",
    )
    .unwrap();
    repo.run(&["sync", "-q"]).ok();
    let before = repo.contents();
    repo.run(&["add-package", "welcome", "--kind", "hook"])
        .refused(&["chat/ already calls RegisterBeforeRt(\"channelmessagesend\")"]);
    assert_unchanged(&before, &repo.contents());
}

#[test]
fn a_match_package_whose_create_id_is_taken_is_refused() {
    let repo = game();
    repo.run(&["add-package", "shop", "--rpc", "lobby_create", "-q"])
        .ok();
    let before = repo.contents();
    repo.run(&["add-package", "lobby", "--kind", "match"])
        .refused(&["RPC id `lobby_create` is already registered by shop/"]);
    assert_unchanged(&before, &repo.contents());
}

#[test]
fn an_rpc_id_a_match_package_registers_is_refused() {
    let repo = game();
    repo.run(&["add-package", "lobby", "--kind", "match", "-q"])
        .ok();
    let before = repo.contents();
    repo.run(&["add-package", "shop", "--rpc", "lobby_list"])
        .refused(&["RPC id `lobby_list` is already registered by lobby/"]);
    assert_unchanged(&before, &repo.contents());
}

#[test]
fn dry_run_of_every_kind_writes_nothing() {
    let repo = game();
    let before = repo.contents();
    for (name, kind) in [
        ("inv", "rpc"),
        ("lobby", "match"),
        ("welcome", "hook"),
        ("api", "http"),
    ] {
        let out = repo
            .run(&["add-package", name, "--kind", kind, "--dry-run"])
            .ok();
        assert!(
            out.stdout.contains(&format!("+++ b/{name}/{name}.go")),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains(&format!("+COPY {name}/ {name}/")));
    }
    assert_unchanged(&before, &repo.contents());
}

// ---------------------------------------------------------------------------------------------
// The Go toolchain over one package of every kind

#[test]
fn one_package_of_every_kind_formats_vets_tests_and_builds() {
    let repo = game();
    for args in [
        &[
            "add-package",
            "inventory",
            "--rpc",
            "inventory_get",
            "--rpc",
            "inventory_add",
        ][..],
        &["add-package", "lobby", "--kind", "match"][..],
        &["add-package", "welcome", "--kind", "hook"][..],
        &["add-package", "api", "--kind", "http"][..],
    ] {
        let mut argv = args.to_vec();
        argv.push("-q");
        repo.run(&argv).ok();
    }
    let go_mod = repo.read("go.mod");
    let go_sum = repo.read("go.sum");

    assert_gofmt_clean(&repo.root);
    go_ok(&repo.root, &["vet", "./..."]);
    let tests = go_ok(&repo.root, &["test", "-count=1", "./..."]).stdout;
    for pkg in ["api", "inventory", "lobby", "profile", "welcome"] {
        assert!(
            tests.contains(&format!("ok  \texample.com/game/{pkg}\t")),
            "{pkg} tests ran and passed:\n{tests}"
        );
    }
    go_ok(&repo.root, PLUGIN_BUILD);
    assert!(repo.root.join("backend.so").is_file());
    // The generated go.mod and go.sum were already complete: the Go commands changed nothing.
    assert_eq!(repo.read("go.mod"), go_mod);
    assert_eq!(repo.read("go.sum"), go_sum);
}
