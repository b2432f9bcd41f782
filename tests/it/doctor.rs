//! `scaffold doctor`: one fixture repo per check, with and without the problem (built in temp
//! folders here; CRLF and BOM files are made at test time so git cannot normalise them), the
//! seed repo from the bug report, the CLI surface (grouped output, `--json`, exit codes,
//! `--allow`, `--fix`, `--dry-run`), and repos made by `scaffold new` + `add-package` + `sync`.

use crate::common::{
    copy_tree, crate_file, crate_path, output, read, run_in, scaffold, tmp, write, Out,
};
use scaffold::doctor::{self, report::Report, report::Severity};
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const GO_MOD: &str = "module example.com/game

go 1.26.5

require github.com/heroiclabs/nakama-common v1.47.0

require google.golang.org/protobuf v1.36.11 // indirect
";

const MAIN_GO: &str = r#"package main

import (
	"context"
	"database/sql"

	"github.com/heroiclabs/nakama-common/runtime"

	"example.com/game/profile"
)

func InitModule(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {
	return profile.Register(initializer)
}
"#;

const PROFILE_GO: &str = r#"package profile

import "github.com/heroiclabs/nakama-common/runtime"

// Register adds the profile RPCs.
func Register(initializer runtime.Initializer) error { return nil }
"#;

/// Line numbers matter: tests name them (the build is line 12).
const DOCKERFILE: &str = "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder

ENV CGO_ENABLED=1
WORKDIR /backend

COPY go.mod go.sum ./
RUN go mod download

COPY *.go ./
COPY profile/ profile/

RUN go build -trimpath -buildmode=plugin -o ./backend.so .

FROM heroiclabs/nakama:3.40.0
COPY --from=builder /backend/backend.so /nakama/data/modules/
";

const VENDOR_TXT: &str = "# github.com/heroiclabs/nakama-common v1.47.0
## explicit; go 1.25
github.com/heroiclabs/nakama-common/runtime
# google.golang.org/protobuf v1.36.11
## explicit; go 1.22
google.golang.org/protobuf/proto
";

struct Repo {
    dir: TempDir,
}

impl Repo {
    /// A plugin repo with no problem at all.
    fn healthy() -> Repo {
        let r = Repo { dir: tmp() };
        r.write("go.mod", GO_MOD);
        r.write("go.sum", crate_file("scaffolds/gosum/3.40.0.sum"));
        r.write("main.go", MAIN_GO);
        r.write("profile/profile.go", PROFILE_GO);
        r.write(
            "profile/profile_test.go",
            "package profile\n\nimport \"example.com/game/testonly\"\n",
        );
        r.write("Dockerfile", DOCKERFILE);
        r.write(".dockerignore", ".git\n*.so\n");
        r
    }

    /// The repo from the bug report (tests/fixtures/doctor/seed).
    fn seed() -> Repo {
        let r = Repo { dir: tmp() };
        copy_tree(&crate_path("tests/fixtures/doctor/seed"), r.path());
        r
    }

    /// Without the test file's import of a package that does not exist, so `go mod tidy` (run
    /// by the nakama-common fix) has nothing to look up.
    fn tidy_ready(&self) {
        self.write("profile/profile_test.go", "package profile\n");
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        write(self.path().join(rel), contents);
    }

    fn read(&self, rel: &str) -> String {
        read(self.path().join(rel))
    }

    /// Replaces `from` (which must be there) in a file.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no `{from}`:\n{text}");
        self.write(rel, text.replacen(from, to, 1));
    }

    /// The static checks' report: these fixtures test each rule's own finding (Go's verdict
    /// on them is tested in tests/judge.rs).
    fn report(&self) -> Report {
        doctor::diagnose_judged(&doctor::Target::root(self.path()), None)
            .unwrap()
            .report()
    }

    /// (id, file, line) of every problem.
    fn found(&self) -> Vec<(String, String, usize)> {
        self.report()
            .problems
            .into_iter()
            .map(|p| (p.id, p.file, p.line))
            .collect()
    }

    /// `scaffold doctor` with the static rules only (see [`Repo::report`]).
    fn doctor(&self, args: &[&str]) -> Out {
        output(
            scaffold()
                .arg("doctor")
                .arg(self.path())
                .args(args)
                .env("NO_COLOR", "1")
                .env("SCAFFOLD_JUDGE", "static"),
        )
    }
}

fn one(id: &str, file: &str, line: usize) -> Vec<(String, String, usize)> {
    vec![(id.to_string(), file.to_string(), line)]
}

fn message(r: &Repo, id: &str) -> String {
    let rep = r.report();
    let p = rep
        .problems
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", rep.problems));
    format!("{} | fix: {}", p.message, p.fix)
}

// ---------------------------------------------------------------------------------------------
// The healthy baseline and the seed repo

#[test]
fn healthy_repo_has_no_problems_and_no_warnings() {
    let r = Repo::healthy();
    let rep = r.report();
    assert!(rep.problems.is_empty(), "{:#?}", rep.problems);
    assert!(rep.warnings.is_empty(), "{:#?}", rep.warnings);
    let out = r.doctor(&[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // One sentence: what was checked, what was found.
    assert!(
        out.stderr.contains(&format!(
            "Checked {}: no problems found (judged by ",
            r.path().display()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn seed_repo_names_profile_and_the_copy_line() {
    let r = Repo::seed();
    r.write("vendor/modules.txt", VENDOR_TXT);
    assert_eq!(r.found(), one("D001", "Dockerfile", 12));
    let m = message(&r, "D001");
    assert!(
        m.contains("profile/ is imported by main.go but never copied into /backend"),
        "{m}"
    );
    assert!(m.contains("package myproject/profile is not in std"), "{m}");
    assert!(m.contains("fix: add `COPY profile/ profile/`"), "{m}");

    let out = r.doctor(&[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .starts_with("Dockerfile:12: D001 profile/ is imported by main.go but never copied"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("    fix: add `COPY profile/ profile/` before line 12"));
    assert!(
        out.stderr.contains("error: 1 problem(s) found (1 fixable"),
        "{}",
        out.stderr
    );
}

#[test]
fn seed_repo_fix_adds_the_block_and_is_idempotent() {
    let r = Repo::seed();
    r.write("vendor/modules.txt", VENDOR_TXT);
    let before = r.read("Dockerfile");

    let dry = r.doctor(&["--fix", "--dry-run"]);
    assert_eq!(dry.code, 1);
    assert!(
        dry.stdout.contains("+COPY profile/ profile/"),
        "{}",
        dry.stdout
    );
    assert_eq!(r.read("Dockerfile"), before, "--dry-run wrote");

    let fixed = r.doctor(&["--fix"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(fixed.stdout.contains("+# scaffold:packages begin sha="));
    assert!(
        fixed.stderr.contains("Fixed Dockerfile:12: D001"),
        "{}",
        fixed.stderr
    );
    let after = r.read("Dockerfile");
    let lines: Vec<&str> = after.lines().collect();
    let build = lines
        .iter()
        .position(|l| l.starts_with("RUN go build"))
        .unwrap();
    assert_eq!(lines[build - 2], "COPY profile/ profile/");
    assert_eq!(lines[build - 1], "# scaffold:packages end");
    assert!(r.report().problems.is_empty());

    let again = r.doctor(&["--fix"]);
    assert_eq!(again.code, 0);
    assert!(
        again.stdout.is_empty(),
        "second --fix printed a diff: {}",
        again.stdout
    );
    assert_eq!(r.read("Dockerfile"), after);
}

#[test]
fn seed_repo_without_vendor_also_names_vendor() {
    let r = Repo::seed();
    let found = r.found();
    assert!(
        found.contains(&("D002".into(), "Dockerfile".into(), 12)),
        "{found:?}"
    );
    assert!(message(&r, "D002").contains("uses -mod=vendor, but the repo has no vendor/"));
    // `COPY vendor/ vendor/` without a vendor/ folder stops the build at that line.
    assert!(
        found.contains(&("D001".into(), "Dockerfile".into(), 10)),
        "{found:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// D001: packages not copied

#[test]
fn d001_follows_imports_through_the_module() {
    let r = Repo::healthy();
    r.write(
        "profile/profile.go",
        "package profile\n\nimport (\n\t\"example.com/game/util/strs\"\n\t_ \"example.com/game/profile/store\"\n)\n\nvar _ = strs.X\n",
    );
    r.write("profile/store/store.go", "package store\n");
    r.write("util/strs/strs.go", "package strs\n\nconst X = 1\n");
    r.write("unused/unused.go", "package unused\n");
    let rep = r.report();
    assert_eq!(rep.problems.len(), 1, "{:#?}", rep.problems);
    let p = &rep.problems[0];
    assert_eq!((p.id.as_str(), p.line), ("D001", 12));
    assert!(
        p.message
            .starts_with("util/strs/ is imported by profile/profile.go but never copied"),
        "{}",
        p.message
    );
    assert!(p
        .message
        .contains("no required module provides package example.com/game/util/strs"));
    assert_eq!(p.fix, "add `COPY util/ util/` before line 12");
    assert!(p.fixable);
}

#[test]
fn d001_understands_copy_forms() {
    let clean = [
        "COPY . .",
        "COPY profile ./profile",
        "COPY profile/ ./profile/",
        "COPY --chown=1000:1000 --link profile/ profile/",
        "COPY [\"profile\", \"profile/\"]",
        "COPY pro* profile/",
        "COPY profile/*.go profile/",
        "ADD profile /backend/profile",
        "COPY main.go ./\nCOPY go.sum profile/ ./x/\nCOPY profile/ profile/",
    ];
    for c in clean {
        let r = Repo::healthy();
        r.edit("Dockerfile", "COPY profile/ profile/", c);
        assert!(r.found().is_empty(), "`{c}`: {:#?}", r.report().problems);
    }
    let broken = [
        ("COPY profile/ main.go ./", "line 10 puts profile/profile.go at /backend/profile.go, not at /backend/profile/profile.go"),
        ("COPY --from=builder /backend/profile profile/", "never copied"),
        ("COPY profile /profile", "but copied to the wrong place: line 10 puts profile/profile.go at /profile/profile.go, not at /backend/profile/profile.go"),
        ("COPY profile/ profile/\nWORKDIR /other\nCOPY go.mod go.sum *.go ./", "puts profile/profile.go at /backend/profile/profile.go, not at /other/profile/profile.go, so go build (in /other) fails"),
    ];
    for (c, want) in broken {
        let r = Repo::healthy();
        r.edit("Dockerfile", "COPY profile/ profile/", c);
        let m = message(&r, "D001");
        assert!(m.contains(want), "`{c}`: {m}");
    }
}

#[test]
fn d001_only_counts_the_files_go_compiles() {
    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "COPY profile/ profile/",
        "COPY profile/profile.go profile/",
    );
    r.write("profile/profile_windows.go", "package profile\n");
    r.write("profile/gen.go", "//go:build ignore\n\npackage main\n");
    assert!(r.found().is_empty(), "{:#?}", r.report().problems);
    r.write("profile/extra.go", "package profile\n");
    let m = message(&r, "D001");
    assert!(m.contains("profile/ is imported by main.go but copied only in part: profile/extra.go never reaches /backend"), "{m}");
}

#[test]
fn d001_dockerignore_hides_a_package_and_exceptions_bring_it_back() {
    let r = Repo::healthy();
    r.write(".dockerignore", ".git\n*.so\n# packages\nprofile\n");
    assert_eq!(r.found(), one("D001", ".dockerignore", 4));
    let m = message(&r, "D001");
    assert!(
        m.contains("left out of the build context by `profile` (line 4)"),
        "{m}"
    );
    assert!(
        m.contains("fix: delete line 4 of .dockerignore, or add `!profile/` below it"),
        "{m}"
    );
    assert!(!r.report().problems[0].fixable);

    r.write(
        ".dockerignore",
        ".git\n*.so\n**/*.go\n!main.go\n!profile/*.go\n",
    );
    assert!(r.found().is_empty(), "{:#?}", r.report().problems);
    r.write("Dockerfile.dockerignore", "profile/**\n");
    assert_eq!(r.found(), one("D001", "Dockerfile.dockerignore", 1));
}

#[test]
fn d001_go_mod_and_go_sum_must_be_copied() {
    let r = Repo::healthy();
    r.edit("Dockerfile", "COPY go.mod go.sum ./", "COPY go.sum ./");
    assert!(message(&r, "D001").contains("go.mod is never copied into /backend"));
    let r = Repo::healthy();
    r.edit("Dockerfile", "COPY go.mod go.sum ./", "COPY go.mod ./");
    assert!(message(&r, "D001").contains("go.sum is never copied"));
    let r = Repo::healthy();
    r.edit("Dockerfile", "COPY *.go ./", "COPY go.mod ./go.mod.copy");
    assert!(message(&r, "D001")
        .contains("main.go (the plugin's main package) is never copied into /backend"));
}

#[test]
fn d001_fix_rewrites_an_existing_block_but_not_a_hand_edited_one() {
    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "COPY profile/ profile/",
        "# scaffold:packages begin\n# scaffold:packages end",
    );
    assert!(r.report().problems[0].fixable);
    assert_eq!(r.doctor(&["--fix"]).code, 0);
    assert!(r
        .read("Dockerfile")
        .contains("COPY profile/ profile/\n# scaffold:packages end\n"));

    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "COPY profile/ profile/",
        "# scaffold:packages begin sha=00000000\nCOPY mine/ mine/\n# scaffold:packages end",
    );
    let p = &r.report().problems[0];
    assert!(!p.fixable);
    assert!(p.fix.contains("was edited by hand"), "{}", p.fix);
    let before = r.read("Dockerfile");
    assert_eq!(r.doctor(&["--fix"]).code, 1);
    assert_eq!(r.read("Dockerfile"), before);
}

// ---------------------------------------------------------------------------------------------
// D002: vendor

fn vendored(flag: &str) -> Repo {
    let r = Repo::healthy();
    r.edit("Dockerfile", "-trimpath", &format!("-trimpath {flag}"));
    r.edit(
        "Dockerfile",
        "COPY profile/ profile/",
        "COPY profile/ profile/\nCOPY vendor/ vendor/",
    );
    r.write("vendor/modules.txt", VENDOR_TXT);
    r
}

#[test]
fn d002_vendor_missing_hidden_not_copied_or_stale() {
    let r = vendored("-mod=vendor");
    assert!(r.found().is_empty(), "{:#?}", r.report().problems);

    let stale = vendored("--mod=vendor");
    stale.write(
        "vendor/modules.txt",
        VENDOR_TXT.replace("v1.47.0", "v1.46.0"),
    );
    assert_eq!(stale.found(), one("D002", "vendor/modules.txt", 1));
    assert!(message(&stale, "D002").contains(
        "go.mod requires github.com/heroiclabs/nakama-common v1.47.0, vendor/ has v1.46.0"
    ));
    stale.write(
        "vendor/modules.txt",
        format!("{VENDOR_TXT}# example.com/gone v1.0.0\n## explicit\n"),
    );
    assert!(
        message(&stale, "D002").contains("example.com/gone v1.0.0 that go.mod no longer requires")
    );

    let hidden = vendored("-mod vendor");
    hidden.write(".dockerignore", "vendor/\n");
    assert_eq!(hidden.found(), one("D002", ".dockerignore", 1));

    let not_copied = vendored("-mod=vendor");
    not_copied.edit("Dockerfile", "COPY vendor/ vendor/\n", "");
    assert_eq!(not_copied.found(), one("D002", "Dockerfile", 12));
    assert!(message(&not_copied, "D002").contains("add `COPY vendor/ vendor/` before line 12"));

    let missing = vendored("-mod=vendor");
    fs::remove_dir_all(missing.path().join("vendor")).unwrap();
    assert!(message(&missing, "D002").contains("the repo has no vendor/"));
}

#[test]
fn d002_vendor_is_the_default_from_go_1_14_unless_mod_says_otherwise() {
    // `COPY . .` takes vendor/ along; go 1.26 then builds from it, so staleness matters.
    let r = Repo::healthy();
    r.edit("Dockerfile", "COPY profile/ profile/", "COPY . .");
    r.write(
        "vendor/modules.txt",
        VENDOR_TXT.replace("v1.36.11", "v1.36.6"),
    );
    assert_eq!(r.found(), one("D002", "vendor/modules.txt", 4));
    r.edit("Dockerfile", "-trimpath", "-trimpath -mod=mod");
    // The Docker build ignores vendor/ now, but local go commands still read it.
    assert_eq!(r.found(), one("D002", "vendor/modules.txt", 4));
    r.write("vendor/modules.txt", VENDOR_TXT);
    assert!(r.found().is_empty());
    // With the go line before 1.14 vendor/ is not used by default.
    let old = Repo::healthy();
    old.edit("Dockerfile", "COPY profile/ profile/", "COPY . .");
    old.write("vendor/modules.txt", "# stale v0.0.0\n## explicit\n");
    old.edit("go.mod", "go 1.26.5", "go 1.13");
    assert!(old.found().iter().all(|(id, _, _)| id != "D002"));
    // A RUN go mod vendor in the builder makes vendor/ itself.
    let made = vendored("-mod=vendor");
    fs::remove_dir_all(made.path().join("vendor")).unwrap();
    made.edit("Dockerfile", "COPY vendor/ vendor/", "RUN go mod vendor");
    assert!(made.found().is_empty(), "{:#?}", made.report().problems);
}

// ---------------------------------------------------------------------------------------------
// D003: one Nakama release

#[test]
fn d003_nakama_common_must_match_the_image_release() {
    let r = Repo::healthy();
    r.edit("go.mod", "nakama-common v1.47.0", "nakama-common v1.46.0");
    r.write("go.sum", crate_file("scaffolds/gosum/3.39.0.sum"));
    r.tidy_ready();
    assert_eq!(r.found(), one("D003", "go.mod", 5));
    let m = message(&r, "D003");
    assert!(m.contains("requires nakama-common v1.46.0, but Nakama 3.40.0 (the nakama image tag (line 14)) is built with v1.47.0"), "{m}");
    assert!(r.report().problems[0].fixable);
    let out = r.doctor(&["--fix"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(r
        .read("go.mod")
        .contains("require github.com/heroiclabs/nakama-common v1.47.0\n"));
    // `go mod tidy` ran with it, so go.sum follows (issue 14: it used to be left stale).
    assert_eq!(r.read("go.sum"), crate_file("scaffolds/gosum/3.40.0.sum"));
    assert_eq!(r.doctor(&[]).code, 0);
}

#[test]
fn d003_fix_edits_nakama_common_in_a_require_block() {
    // The block form, with a comment glued to the version (legal go.mod): --fix edits it in
    // place like `scaffold upgrade` does, keeping the comment and the other requirements, then
    // `go mod tidy` writes go.mod in Go's own format.
    let r = Repo::healthy();
    r.edit(
        "go.mod",
        "require github.com/heroiclabs/nakama-common v1.47.0\n",
        "require (\n\tgithub.com/heroiclabs/nakama-common v1.46.0//pinned\n)\n",
    );
    r.write("go.sum", crate_file("scaffolds/gosum/3.39.0.sum"));
    r.tidy_ready();
    assert_eq!(r.found(), one("D003", "go.mod", 6));
    let out = r.doctor(&["--fix"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        r.read("go.mod"),
        GO_MOD.replace(
            "require github.com/heroiclabs/nakama-common v1.47.0\n",
            "require github.com/heroiclabs/nakama-common v1.47.0 //pinned\n"
        )
    );
}

#[test]
fn d003_image_tags_are_aligned_to_the_nakama_image() {
    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "nakama-pluginbuilder:3.40.0",
        "nakama-pluginbuilder:3.39.0",
    );
    // 3.39.0's builder also has an older Go than the go line: both go once the tags agree.
    assert_eq!(
        r.found(),
        vec![
            ("D003".into(), "Dockerfile".into(), 1),
            ("D003".into(), "go.mod".into(), 3)
        ]
    );
    assert!(r.report().problems[1]
        .message
        .contains("nakama-pluginbuilder:3.39.0 has Go 1.26.3"));
    assert!(message(&r, "D003").contains("the image tags differ: heroiclabs/nakama-pluginbuilder:3.39.0 (line 1), heroiclabs/nakama:3.40.0 (line 14)"));
    assert_eq!(r.doctor(&["--fix"]).code, 0);
    assert!(r
        .read("Dockerfile")
        .starts_with("FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\n"));

    // Aligned to the nakama image's release (3.37.1), the builder has Go 1.25.5, older than
    // the go line: --fix moves the release as one step (nakama-common, the go line, go.sum
    // and the tags), so nothing is left half way.
    let r = Repo::healthy();
    r.edit("Dockerfile", "nakama:3.40.0", "nakama:3.37.1");
    r.edit("go.mod", "v1.47.0", "v1.46.0");
    r.write("go.sum", crate_file("scaffolds/gosum/3.39.0.sum"));
    r.tidy_ready();
    let out = r.doctor(&["--fix", "--json"]);
    let json = out.json();
    assert_eq!(out.code, 0, "{json:#}");
    assert!(json["problems"].as_array().unwrap().is_empty(), "{json:#}");
    assert!(r.read("Dockerfile").contains("nakama-pluginbuilder:3.37.1"));
    let gomod = r.read("go.mod");
    assert!(gomod.contains("nakama-common v1.44.2"), "{gomod}");
    assert!(gomod.contains("\ngo 1.25.5\n"), "{gomod}");
    assert_eq!(r.doctor(&[]).code, 0);
}

#[test]
fn d003_go_line_unknown_tags_and_variables() {
    let r = Repo::healthy();
    r.edit("go.mod", "go 1.26.5", "go 1.26.8");
    assert_eq!(r.found(), one("D003", "go.mod", 3));
    assert!(!r.report().problems[0].fixable);
    let out = r.doctor(&["--fix"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("has a safe automatic fix; make the change each `fix:` line names"),
        "{}",
        out.stderr
    );

    // A tag from an ARG cannot be edited safely: reported, not fixed.
    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "FROM heroiclabs/nakama-pluginbuilder:3.40.0",
        "ARG NAKAMA=3.39.0\nFROM heroiclabs/nakama-pluginbuilder:${NAKAMA}",
    );
    let rep = r.report();
    let tags = rep
        .problems
        .iter()
        .find(|p| p.file == "Dockerfile")
        .unwrap();
    assert!(
        tags.message.contains("the image tags differ"),
        "{}",
        tags.message
    );
    assert!(!tags.fixable);

    // A release the table does not know is a warning; nakama-common then decides.
    let r = Repo::healthy();
    r.edit("Dockerfile", "pluginbuilder:3.40.0", "pluginbuilder:9.9.9");
    r.edit("Dockerfile", "nakama:3.40.0", "nakama:9.9.9");
    let rep = r.report();
    assert!(rep.warnings.iter().any(|w| w
        .message
        .contains("Nakama `9.9.9` is not in scaffold's release table")));
    assert!(message(&r, "D003")
        .contains("do not match Nakama 3.40.0, the release of go.mod's nakama-common v1.47.0"));
}

// ---------------------------------------------------------------------------------------------
// D004: imports under the wrong prefix

#[test]
fn d004_import_of_a_repo_folder_under_another_prefix() {
    let r = Repo::healthy();
    r.edit(
        "main.go",
        "\"example.com/game/profile\"",
        "\"game/profile\"",
    );
    let found = r.found();
    assert!(
        found.contains(&("D004".into(), "main.go".into(), 9)),
        "{found:?}"
    );
    let m = message(&r, "D004");
    assert!(m.contains("imports `game/profile`, which names the folder profile/, but the module is `example.com/game`"), "{m}");
    assert!(m.contains("package game/profile is not in std"), "{m}");
    assert!(
        m.contains("fix: import \"example.com/game/profile\" instead of \"game/profile\""),
        "{m}"
    );

    let r = Repo::healthy();
    r.edit(
        "main.go",
        "\"example.com/game/profile\"",
        "\"github.com/someone/oldname/profile\"",
    );
    assert!(message(&r, "D004")
        .contains("no required module provides package github.com/someone/oldname/profile"));
}

#[test]
fn d004_ignores_std_and_required_modules_that_share_a_folder_name() {
    let r = Repo::healthy();
    r.write("runtime/runtime.go", "package runtime\n");
    r.write("json/json.go", "package json\n");
    r.edit(
        "main.go",
        "\"database/sql\"",
        "\"database/sql\"\n\t\"encoding/json\"",
    );
    r.edit("Dockerfile", "COPY profile/ profile/", "COPY . .");
    assert!(r.found().is_empty(), "{:#?}", r.report().problems);
}

// ---------------------------------------------------------------------------------------------
// D005: the build line

#[test]
fn d005_build_flags_and_cgo() {
    for ok in [
        "RUN go build --trimpath --buildmode=plugin -o ./backend.so",
        "RUN go build -trimpath -buildmode plugin -o ./backend.so .",
        "RUN CGO_ENABLED=1 go build -trimpath=true -buildmode=plugin .",
        "ENV GOFLAGS=\"-trimpath -buildmode=plugin\"\nRUN go build .",
        "RUN [\"go\", \"build\", \"-trimpath\", \"-buildmode=plugin\", \".\"]",
        "RUN <<EOF\nset -e\ngo build -trimpath -buildmode=plugin .\nEOF",
    ] {
        let r = Repo::healthy();
        r.edit(
            "Dockerfile",
            "RUN go build -trimpath -buildmode=plugin -o ./backend.so .",
            ok,
        );
        assert!(r.found().is_empty(), "`{ok}`: {:#?}", r.report().problems);
    }
    let r = Repo::healthy();
    r.edit("Dockerfile", " -buildmode=plugin", "");
    assert_eq!(r.found(), one("D005", "Dockerfile", 12));
    assert!(message(&r, "D005").contains("lacks -buildmode=plugin"));

    let r = Repo::healthy();
    r.edit("Dockerfile", "-trimpath ", "");
    assert!(message(&r, "D005").contains("lacks -trimpath"));

    let r = Repo::healthy();
    r.edit("Dockerfile", "ENV CGO_ENABLED=1", "ENV CGO_ENABLED 0");
    assert_eq!(r.found(), one("D005", "Dockerfile", 3));
    assert!(message(&r, "D005").contains("cgo is not enabled"));
    r.edit("Dockerfile", "RUN go build", "RUN CGO_ENABLED=1 go build");
    assert!(r.found().is_empty());

    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "RUN go build",
        "RUN export CGO_ENABLED=0 && go build",
    );
    assert_eq!(r.found(), one("D005", "Dockerfile", 12));

    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "RUN go build -trimpath -buildmode=plugin -o ./backend.so .",
        "RUN ./build.sh",
    );
    // A build script doctor cannot read is a warning (issue 14), never D005.
    let rep = r.report();
    assert!(rep.problems.is_empty(), "{:#?}", rep.problems);
    assert!(rep.warnings[0]
        .message
        .contains("cannot see inside ./build.sh"));
    r.edit("Dockerfile", "RUN ./build.sh", "RUN true");
    assert!(message(&r, "D005").contains("has no RUN with `go build`"));
}

// ---------------------------------------------------------------------------------------------
// D006: line endings and BOMs (made here, so git never normalises them)

#[test]
fn d006_crlf_and_bom_are_found_and_fixed() {
    let r = Repo::healthy();
    r.write("Dockerfile", DOCKERFILE.replace('\n', "\r\n"));
    r.write("scripts/run.sh", "#!/bin/sh\r\necho hi\r\n");
    r.write("docker-compose.yml", "services:\n  x:\r\n    image: y\n");
    r.write("go.mod", format!("\u{feff}{GO_MOD}"));
    r.write("main.go", format!("\u{feff}{MAIN_GO}"));
    r.write("README.md", "crlf is fine here\r\n");
    let rep = r.report();
    let found: Vec<(&str, usize, Severity)> = rep
        .problems
        .iter()
        .map(|p| (p.file.as_str(), p.line, p.severity))
        .collect();
    assert_eq!(
        found,
        vec![
            ("Dockerfile", 1, Severity::Error),
            ("docker-compose.yml", 2, Severity::Warning),
            ("go.mod", 1, Severity::Error),
            ("main.go", 1, Severity::Warning),
            ("scripts/run.sh", 1, Severity::Error),
        ],
        "{:#?}",
        rep.problems
    );
    assert!(rep.problems.iter().all(|p| p.id == "D006" && p.fixable));

    let out = r.doctor(&["--fix"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(r.read("Dockerfile"), DOCKERFILE);
    assert_eq!(r.read("go.mod"), GO_MOD);
    assert_eq!(r.read("main.go"), MAIN_GO);
    assert_eq!(r.read("scripts/run.sh"), "#!/bin/sh\necho hi\n");
    assert_eq!(r.read("README.md"), "crlf is fine here\r\n");
    let again = r.doctor(&["--fix"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
}

#[test]
fn d006_crlf_dockerfile_and_a_missing_package_are_fixed_together() {
    let r = Repo::seed();
    r.write("vendor/modules.txt", VENDOR_TXT);
    r.write("Dockerfile", r.read("Dockerfile").replace('\n', "\r\n"));
    assert_eq!(r.found().len(), 2);
    assert_eq!(r.doctor(&["--fix"]).code, 0);
    let text = r.read("Dockerfile");
    assert!(!text.contains('\r'));
    assert!(text.contains("COPY profile/ profile/\n"));
}

// ---------------------------------------------------------------------------------------------
// D007: InitModule

#[test]
fn d007_init_module_signature() {
    let r = Repo::healthy();
    r.edit("main.go", "func InitModule(", "func initModule(");
    assert_eq!(r.found(), one("D007", "main.go", 1));
    assert!(message(&r, "D007").contains("Error looking up InitModule function"));

    let r = Repo::healthy();
    r.edit("main.go", "db *sql.DB", "db sql.DB");
    assert_eq!(r.found(), one("D007", "main.go", 12));
    assert!(message(&r, "D007").contains("parameter 3 is `sql.DB`, Nakama passes `*sql.DB`"));

    let r = Repo::healthy();
    r.edit("main.go", ") error {", ") {");
    assert!(message(&r, "D007").contains("returns `nothing`"));

    let r = Repo::healthy();
    r.edit("main.go", "package main", "package game");
    assert!(message(&r, "D007").contains("declares `package game`"));

    // Names and aliases are free; the types are what Nakama checks.
    let r = Repo::healthy();
    r.edit(
        "main.go",
        "\"github.com/heroiclabs/nakama-common/runtime\"",
        "nk \"github.com/heroiclabs/nakama-common/runtime\"",
    );
    r.edit(
        "main.go",
        "ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer",
        "_ context.Context, l nk.Logger, d *sql.DB, m nk.NakamaModule, i nk.Initializer",
    );
    r.edit(
        "main.go",
        "profile.Register(initializer)",
        "profile.Register(i)",
    );
    assert!(r.found().is_empty(), "{:#?}", r.report().problems);
}

// ---------------------------------------------------------------------------------------------
// The command line

#[test]
fn json_report_has_the_documented_shape() {
    let r = Repo::seed();
    r.write("vendor/modules.txt", VENDOR_TXT);
    r.write("Dockerfile", r.read("Dockerfile") + "FOO bar\n");
    let out = r.doctor(&["--json"]);
    assert_eq!(out.code, 1);
    // The report every command makes (schema/scaffold.schema.json), with doctor's own fields
    // and the error that the exit code 1 stands for.
    let json = serde_json::Value::Object(out.report());
    assert_eq!(json["command"], "doctor");
    assert_eq!(json["root"], r.path().display().to_string());
    assert_eq!(json["error"]["kind"], "problems");
    assert!(json["fixed"].as_array().unwrap().is_empty());
    let p = &json["problems"][0];
    let pkeys: Vec<&String> = p.as_object().unwrap().keys().collect();
    assert_eq!(
        pkeys,
        ["file", "fix", "fixable", "id", "line", "message", "severity"]
    );
    assert_eq!(p["id"], "D001");
    assert_eq!(p["severity"], "error");
    assert_eq!(p["line"], 12);
    assert_eq!(p["fixable"], true);
    assert!(json["warnings"].as_array().unwrap().iter().any(|w| w
        .as_str()
        .unwrap()
        .starts_with("Dockerfile:17: unknown instruction `FOO`")));

    let fixed = r.doctor(&["--fix", "--json"]);
    assert_eq!(fixed.code, 0);
    let json = serde_json::Value::Object(fixed.report());
    assert_eq!(json["changed"], serde_json::json!(["Dockerfile"]));
    assert_eq!(json["problems"].as_array().unwrap().len(), 0);
    assert_eq!(json["fixed"][0]["id"], "D001");
}

#[test]
fn exit_codes_and_allow() {
    let r = Repo::healthy();
    r.edit("go.mod", "v1.47.0", "v1.46.0");
    r.write("go.sum", crate_file("scaffolds/gosum/3.39.0.sum"));
    r.tidy_ready();
    assert_eq!(r.doctor(&[]).code, 1);
    assert_eq!(r.doctor(&["--allow", "D003"]).code, 0);
    assert_eq!(r.doctor(&["--allow", "d003", "--allow", "D001"]).code, 0);
    // An allowed problem is not fixed either.
    assert_eq!(r.doctor(&["--fix", "--allow", "D003"]).code, 0);
    assert!(r.read("go.mod").contains("v1.46.0"));
    let bad = r.doctor(&["--allow", "D999"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("--allow D999: no such check"),
        "{}",
        bad.stderr
    );

    let empty = tmp();
    let o = output(scaffold().arg("doctor").arg(empty.path()));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no go.mod in"));

    let r = Repo::healthy();
    fs::remove_file(r.path().join("Dockerfile")).unwrap();
    let out = r.doctor(&[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no Dockerfile in"), "{}", out.stderr);

    let missing = r.path().join("nope");
    let o = output(scaffold().arg("doctor").arg(&missing));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("is not a folder"), "{}", o.stderr);
    assert_eq!(output(scaffold().args(["doctor", "--dry-run"])).code, 2);
}

#[test]
fn go_mod_without_module_or_in_a_parent_folder_stops_doctor() {
    let r = Repo::healthy();
    r.edit("go.mod", "module example.com/game\n", "");
    let out = r.doctor(&[]);
    assert_eq!(out.code, 2);
    // One instruction, not the parser's and then doctor's own again.
    assert!(
        out.stderr.contains(
            "go.mod has no `module` line; add one such as `module example.com/mygame` at its top"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("as its first line"), "{}", out.stderr);

    // Pointed at a folder inside the repo, doctor names the repo root to run it on.
    let r = Repo::healthy();
    let out = output(
        scaffold()
            .arg("doctor")
            .arg(r.path().join("profile"))
            .env("NO_COLOR", "1"),
    );
    assert_eq!(out.code, 2);
    let root = r.path().canonicalize().unwrap();
    assert!(
        out.stderr
            .contains(&format!("run `scaffold doctor {}`", root.display())),
        "{}",
        out.stderr
    );
}

#[test]
fn output_is_grouped_by_file_and_plain_without_a_terminal() {
    let r = Repo::seed();
    r.write("vendor/modules.txt", VENDOR_TXT);
    r.edit("go.mod", "nakama-common v1.47.0", "nakama-common v1.46.0");
    r.write("deploy.sh", "echo\r\n");
    let out = r.doctor(&[]);
    assert!(!out.stdout.contains('\u{1b}'), "colour without a terminal");
    let heads: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| l.split(": ").next().unwrap())
        .collect();
    // The vendored nakama-common no longer matches go.mod either.
    assert_eq!(
        heads,
        [
            "Dockerfile:12",
            "deploy.sh:1",
            "go.mod:6",
            "vendor/modules.txt:1"
        ]
    );
    assert_eq!(
        out.stdout.matches("\n\n").count(),
        3,
        "a blank line between files:\n{}",
        out.stdout
    );
}

#[test]
fn parser_trouble_is_a_warning_never_a_crash() {
    let r = Repo::healthy();
    r.edit(
        "Dockerfile",
        "WORKDIR /backend",
        "WORKDIR /backend\nFOO bar\n[[[ junk\nRUN <<EOF\necho\n",
    );
    let out = r.doctor(&["--json"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let warnings = out.json()["warnings"].to_string();
    assert!(warnings.contains("unknown instruction `FOO`"), "{warnings}");
    assert!(
        warnings.contains("heredoc `<<EOF` has no closing"),
        "{warnings}"
    );
}

// ---------------------------------------------------------------------------------------------
// Repos made by scaffold are always clean

#[test]
fn repos_made_by_scaffold_are_clean_for_every_release() {
    let tmp = tmp();
    for release in scaffold::versions::offered() {
        let v = release.nakama.as_str();
        for (name, module) in [("dotted", None), ("dotless", Some("plain"))] {
            let dir: PathBuf = tmp.path().join(format!("{name}-{}", v.replace('.', "_")));
            let mut args = vec![
                "new",
                dir.to_str().unwrap(),
                "--yes",
                "--no-git",
                "--nakama",
                v,
            ];
            if let Some(m) = module {
                args.extend(["--module", m]);
            }
            run_in(tmp.path(), &args).ok();
            let report = |what: &str| {
                let rep = doctor::diagnose(&dir).unwrap().report();
                assert!(
                    rep.problems.is_empty(),
                    "{v} {name} after {what}: {:#?}",
                    rep.problems
                );
                assert!(
                    rep.warnings.is_empty() || versions_without_sum(v),
                    "{v} {name} after {what}: {:#?}",
                    rep.warnings
                );
            };
            report("new");
            run_in(&dir, ["add-package", "inventory"]).ok();
            run_in(&dir, ["add-package", "wallet", "--rpc", "wallet_get"]).ok();
            for kind in ["hook", "http", "match"] {
                run_in(&dir, ["add-package", &format!("k{kind}"), "--kind", kind]).ok();
            }
            report("add-package");
            fs::create_dir_all(dir.join("stats/internal")).unwrap();
            let module_path = module.map_or(
                format!("example.com/{name}-{}", v.replace('.', "_")),
                str::to_string,
            );
            fs::write(
                dir.join("stats/stats.go"),
                format!("package stats\n\nimport _ \"{module_path}/stats/internal\"\n"),
            )
            .unwrap();
            fs::write(dir.join("stats/internal/x.go"), "package internal\n").unwrap();
            run_in(&dir, ["sync"]).ok();
            report("sync");
            if v == scaffold::versions::default_release().nakama {
                let o = output(scaffold().arg("doctor").arg(&dir));
                assert_eq!(o.code, 0, "{}", o.stdout);
            }
        }
    }
}

/// Releases whose go.sum scaffold did not record: `new` writes none, so the template's
/// `COPY go.mod go.sum ./` names a missing file (a warning until `go mod tidy` runs).
fn versions_without_sum(v: &str) -> bool {
    scaffold::versions::find(v).is_ok_and(|r| scaffold::versions::go_sum(r).is_none())
}

#[test]
fn help_lists_every_check() {
    let help = output(scaffold().args(["doctor", "--help"])).stdout;
    for (id, what) in doctor::checks::CHECKS {
        assert!(
            help.contains(&format!("{id} {what}")),
            "{id} missing from --help:\n{help}"
        );
    }
}
