//! Package kinds (issue #8): `add-package NAME --kind rpc|match|hook|http` adds exactly its
//! folder and rewires the repo, `--list-kinds` describes the four, every refusal leaves the tree
//! as it was, and one package of every kind in one repo is gofmt-clean, vets, tests and builds
//! as a plugin with the real Go toolchain.
//!
//! Self-contained: the helpers below are this file's own.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

// ---------------------------------------------------------------------------------------------
// Helpers

/// What a finished command printed, and how it exited.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }

    /// Exit 1, one `error: ` line holding every needle, nothing on stdout.
    #[track_caller]
    fn refused(self, needles: &[&str]) -> Self {
        assert_eq!(self.code, 1, "expected exit 1: {self:#?}");
        assert_eq!(self.stdout, "", "nothing on stdout: {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one error line: {self:#?}");
        assert!(lines[0].starts_with("error: "), "{self:#?}");
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}: {self:#?}");
        }
        self
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout))
    }
}

/// A repo made by `scaffold new game --yes --no-git` in a fresh temp folder (under the
/// system temp dir, never inside this git work tree), with a config dir of its own.
struct Repo {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::Builder::new()
            .prefix("scaffold-kinds-")
            .tempdir()
            .expect("a temp dir");
        let out = scaffold(
            tmp.path(),
            tmp.path(),
            &[
                "new",
                "game",
                "--yes",
                "--no-git",
                "--module",
                "example.com/game",
            ],
        );
        out.ok();
        let root = tmp.path().join("game");
        Repo { tmp, root }
    }

    fn run(&self, args: &[&str]) -> Out {
        scaffold(self.tmp.path(), &self.root, args)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    fn tree(&self) -> Tree {
        let mut out = Tree::new();
        walk(&self.root, &self.root, &mut out);
        out
    }
}

/// Runs the binary under test in `cwd` with a clean environment: no colours, no terminal, no
/// stdin, and `$XDG_CONFIG_HOME` in `home` (empty) so no user config changes the defaults.
fn scaffold(home: &Path, cwd: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scaffold"));
    for v in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "SCAFFOLD_TEST_FAIL_WRITE",
        "GIT_DIR",
        "GIT_WORK_TREE",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("TERM", "dumb")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .current_dir(cwd)
        .args(args)
        .stdin(Stdio::null());
    let o = cmd.output().expect("the scaffold binary runs");
    Out {
        code: o.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(o.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(o.stderr).expect("UTF-8 stderr"),
    }
}

/// Every file below a folder, by `/`-separated relative path, with its bytes.
type Tree = BTreeMap<String, Vec<u8>>;

fn walk(root: &Path, dir: &Path, out: &mut Tree) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy();
            out.insert(rel.replace('\\', "/"), fs::read(&path).unwrap());
        }
    }
}

/// The files `after` has and `before` lacks, and the files both have with other bytes.
fn diff(before: &Tree, after: &Tree) -> (Vec<String>, Vec<String>) {
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

#[track_caller]
fn assert_unchanged(before: &Tree, after: &Tree) {
    let (added, changed) = diff(before, after);
    assert!(
        added.is_empty() && changed.is_empty(),
        "the tree changed: added {added:?}, changed {changed:?}"
    );
}

/// The lines between the Dockerfile's `# scaffold:packages begin` and `end` markers.
fn block(dockerfile: &str) -> Vec<String> {
    let lines: Vec<&str> = dockerfile.lines().collect();
    let begin = lines
        .iter()
        .position(|l| l.starts_with("# scaffold:packages begin"))
        .expect("a begin marker");
    let end = lines
        .iter()
        .position(|l| *l == "# scaffold:packages end")
        .expect("an end marker");
    lines[begin + 1..end]
        .iter()
        .map(|l| l.to_string())
        .collect()
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
    let repo = Repo::new();
    let before = repo.tree();
    let mut argv = vec!["add-package", name, "--json"];
    argv.extend_from_slice(args);
    let out = repo.run(&argv).ok();
    let after = repo.tree();
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
    assert_eq!(block(&repo.read("Dockerfile")), want);
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
    assert_eq!(
        rpc_ids(&code),
        ["wallet_get", "wallet_add", "wallet_save", "wallet_load"]
    );
    assert!(!code.contains("wallet_echo"), "{code}");
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
    assert!(code.contains("const Path = \"/api/status\""), "{code}");
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
}

// ---------------------------------------------------------------------------------------------
// --list-kinds

const KINDS: [&str; 4] = ["rpc", "hook", "http", "match"];

#[test]
fn list_kinds_prints_one_line_per_kind_rpc_first() {
    let repo = Repo::new();
    // Inside a repo (its scaffold's kinds) and outside any (the built-in ones): the same list.
    for cwd in [repo.root.as_path(), repo.tmp.path()] {
        let out = scaffold(repo.tmp.path(), cwd, &["add-package", "--list-kinds"]).ok();
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
    let repo = Repo::new();
    let text = repo.run(&["add-package", "--list-kinds"]).ok().stdout;
    for args in [
        &["add-package", "--list-kinds", "--json"][..],
        &["--json", "add-package", "--list-kinds"][..],
    ] {
        let out = repo.run(args).ok();
        let json = out.json();
        let map = json
            .as_object()
            .expect("a JSON object: kind -> description");
        let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
        keys.sort();
        let mut want = KINDS.to_vec();
        want.sort();
        assert_eq!(keys, want);
        for (kind, description) in map {
            let description = description.as_str().expect("a string");
            assert!(
                text.lines()
                    .any(|l| l.starts_with(kind.as_str()) && l.ends_with(description)),
                "{kind}: {description} not in\n{text}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals: exit 1, one error line, nothing written

#[test]
fn unknown_kind_fails_listing_the_kinds() {
    let repo = Repo::new();
    let before = repo.tree();
    repo.run(&["add-package", "arena", "--kind", "arcade"])
        .refused(&[
            "unknown package kind `arcade`",
            "rpc, hook, http, match",
            "--list-kinds",
        ]);
    assert_unchanged(&before, &repo.tree());
}

#[test]
fn rpc_flag_refused_with_other_kinds() {
    let repo = Repo::new();
    let before = repo.tree();
    for kind in ["match", "hook", "http"] {
        repo.run(&["add-package", "extra", "--kind", kind, "--rpc", "extra_get"])
            .refused(&[
                "--rpc applies to --kind rpc",
                &format!("a {kind} package registers its own ids"),
            ]);
    }
    assert_unchanged(&before, &repo.tree());
}

#[test]
fn a_second_hook_package_is_refused() {
    let repo = Repo::new();
    repo.run(&["add-package", "welcome", "--kind", "hook", "-q"])
        .ok();
    let before = repo.tree();
    repo.run(&["add-package", "greeter", "--kind", "hook"])
        .refused(&[
            "welcome/ already calls Register",
            "Nakama keeps one such hook",
        ]);
    assert_unchanged(&before, &repo.tree());
}

#[test]
fn a_hook_registered_by_hand_in_another_case_is_refused() {
    // Nakama lower-cases realtime ids: this replaces the kind's ChannelMessageSend hook.
    let repo = Repo::new();
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
    let before = repo.tree();
    repo.run(&["add-package", "welcome", "--kind", "hook"])
        .refused(&["chat/ already calls RegisterBeforeRt(\"channelmessagesend\")"]);
    assert_unchanged(&before, &repo.tree());
}

#[test]
fn a_match_package_whose_create_id_is_taken_is_refused() {
    let repo = Repo::new();
    repo.run(&["add-package", "shop", "--rpc", "lobby_create", "-q"])
        .ok();
    let before = repo.tree();
    repo.run(&["add-package", "lobby", "--kind", "match"])
        .refused(&["RPC id `lobby_create` is already registered by shop/"]);
    assert_unchanged(&before, &repo.tree());
}

#[test]
fn an_rpc_id_a_match_package_registers_is_refused() {
    let repo = Repo::new();
    repo.run(&["add-package", "lobby", "--kind", "match", "-q"])
        .ok();
    let before = repo.tree();
    repo.run(&["add-package", "shop", "--rpc", "lobby_list"])
        .refused(&["RPC id `lobby_list` is already registered by lobby/"]);
    assert_unchanged(&before, &repo.tree());
}

#[test]
fn dry_run_of_every_kind_writes_nothing() {
    let repo = Repo::new();
    let before = repo.tree();
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
    assert_unchanged(&before, &repo.tree());
}

// ---------------------------------------------------------------------------------------------
// The Go toolchain over one package of every kind

/// Runs `go ARGS` in `dir` (no workspace, cgo on, go.mod read-only: a missing requirement or
/// go.sum line fails instead of being added) and returns its stdout.
#[track_caller]
fn go(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOWORK", "off")
        .env("CGO_ENABLED", "1")
        .env("GOFLAGS", "-mod=readonly")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run go ({e}): these tests need Go with cgo (see scripts/setup.sh)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "go {} failed in {}:\n{stdout}{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn one_package_of_every_kind_formats_vets_tests_and_builds() {
    let repo = Repo::new();
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

    let unformatted = Command::new("gofmt")
        .args(["-l", "."])
        .current_dir(&repo.root)
        .output()
        .expect("gofmt runs (it comes with Go)");
    assert!(unformatted.status.success());
    assert_eq!(
        String::from_utf8_lossy(&unformatted.stdout),
        "",
        "gofmt -l lists files"
    );
    go(&repo.root, &["vet", "./..."]);
    let tests = go(&repo.root, &["test", "-count=1", "./..."]);
    for pkg in ["api", "inventory", "lobby", "profile", "welcome"] {
        assert!(
            tests.contains(&format!("ok  \texample.com/game/{pkg}\t")),
            "{pkg} tests ran and passed:\n{tests}"
        );
    }
    go(
        &repo.root,
        &[
            "build",
            "-trimpath",
            "-buildmode=plugin",
            "-o",
            "backend.so",
            ".",
        ],
    );
    assert!(repo.root.join("backend.so").is_file());
    // The generated go.mod and go.sum were already complete: the Go commands changed nothing.
    assert_eq!(repo.read("go.mod"), go_mod);
    assert_eq!(repo.read("go.sum"), go_sum);
}
