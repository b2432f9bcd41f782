//! `scaffold doctor` on the shapes real plugin repos take (issue 14): each test starts from a
//! repo of `tests/fixtures/doctor/` (copied to a temp folder, its labels left out) and shows
//! one thing doctor, `--fix` or `sync --adopt` used to get wrong.

use crate::common::{copy_tree, crate_path, output, scaffold, tmp, write, Out};
use std::path::Path;
use tempfile::TempDir;

/// A copy of fixture `name` without its labels.toml.
fn fixture(name: &str) -> TempDir {
    let dir = tmp();
    copy_tree(
        &crate_path(&format!("tests/fixtures/doctor/{name}")),
        dir.path(),
    );
    let _ = std::fs::remove_file(dir.path().join("labels.toml"));
    dir
}

fn doctor(dir: &Path, args: &[&str]) -> Out {
    output(
        scaffold()
            .arg("doctor")
            .arg(dir)
            .args(args)
            .env("NO_COLOR", "1"),
    )
}

/// (id, file, line) of every problem in `doctor --json` output.
fn found(out: &Out) -> Vec<(String, String, u64)> {
    out.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["file"].as_str().unwrap().to_string(),
                p["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn problem(id: &str, file: &str, line: u64) -> (String, String, u64) {
    (id.to_string(), file.to_string(), line)
}

/// A Dockerfile at the root whose module lives in backend/ (`COPY backend/go.mod .`): doctor
/// used to stop at "no go.mod"; it finds the module from the COPY lines, and `--dockerfile`
/// takes a Dockerfile elsewhere with the context folder.
#[test]
fn module_in_a_subfolder_is_found_from_the_copy_lines() {
    let r = fixture("monorepo-backend");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(found(&out), vec![problem("D001", "Dockerfile", 14)]);
    let p = &out.json()["problems"][0];
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .starts_with("backend/profile/ is imported by backend/main.go but never copied"),
        "{p:#}"
    );
    assert_eq!(
        p["fix"],
        "add `COPY backend/profile/ profile/` before the go build"
    );

    // The same Dockerfile elsewhere, named with --dockerfile; the context stays the root.
    std::fs::create_dir(r.path().join("deploy")).unwrap();
    std::fs::rename(
        r.path().join("Dockerfile"),
        r.path().join("deploy/plugin.Dockerfile"),
    )
    .unwrap();
    let out = doctor(
        r.path(),
        &[
            "--json",
            "--dockerfile",
            r.path().join("deploy/plugin.Dockerfile").to_str().unwrap(),
        ],
    );
    assert_eq!(
        found(&out),
        vec![problem("D001", "deploy/plugin.Dockerfile", 14)]
    );
    // Without it there is no Dockerfile and no go.mod at the root: doctor says how to point it.
    let out = doctor(r.path(), &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--dockerfile PATH"), "{}", out.stderr);

    // Fixed by hand, the repo is clean.
    let text = std::fs::read_to_string(r.path().join("deploy/plugin.Dockerfile")).unwrap();
    write(
        r.path().join("deploy/plugin.Dockerfile"),
        text.replace(
            "COPY backend/*.go ./\n",
            "COPY backend/*.go ./\nCOPY backend/profile/ profile/\n",
        ),
    );
    let df = r.path().join("deploy/plugin.Dockerfile");
    let out = doctor(r.path(), &["--dockerfile", df.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// `go build … ./src/rpc/*.go`: the shell expands the glob against the staged files, so the
/// plugin's main package is src/rpc/ (D007 used to say it had no Go files) and what it imports
/// must be copied.
#[test]
fn a_file_list_build_with_a_glob_is_read_like_the_shell() {
    let r = fixture("file-list-build");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // Copy only src/rpc/: the package it imports is then missing, and InitModule is still found.
    let text = std::fs::read_to_string(r.path().join("Dockerfile")).unwrap();
    write(
        r.path().join("Dockerfile"),
        text.replace("COPY src/ src/\n", "COPY src/rpc/ src/rpc/\n"),
    );
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D001", "Dockerfile", 10)]);
    let message = out.json()["problems"][0]["message"].to_string();
    assert!(
        message.contains("src/shared/ is imported by src/rpc/rpcs.go but never copied"),
        "{message}"
    );
}

/// `RUN bash scripts/build.sh`: doctor cannot see the go build inside, so it warns and does
/// not report D005 (it used to call a build with both flags an error).
#[test]
fn a_build_in_a_script_is_a_warning_not_d005() {
    let r = fixture("script-build");
    let out = doctor(r.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "Dockerfile:12: the plugin is built by `scripts/build.sh`: doctor cannot see inside scripts/build.sh"
        ),
        "{}",
        out.stderr
    );
    for run in [
        "RUN ./scripts/build.sh",
        "RUN sh -e scripts/build.sh",
        "RUN make plugin",
    ] {
        let text = std::fs::read_to_string(r.path().join("Dockerfile")).unwrap();
        write(
            r.path().join("Dockerfile"),
            text.replace("RUN bash scripts/build.sh", run),
        );
        let out = doctor(r.path(), &["--json"]);
        assert_eq!(out.code, 0, "{run}: {}{}", out.stdout, out.stderr);
        std::fs::write(r.path().join("Dockerfile"), &text).unwrap();
    }
    // No build and no script at all is still D005.
    let text = std::fs::read_to_string(r.path().join("Dockerfile")).unwrap();
    write(
        r.path().join("Dockerfile"),
        text.replace("RUN bash scripts/build.sh", "RUN ls"),
    );
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D005", "Dockerfile", 1)]);
}

/// Runs `go ARGS` in `dir`, with the module proxy: a fresh CI machine's module cache is empty.
fn go(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("go runs");
    assert!(
        out.status.success(),
        "go {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A folder holding only a shell, so `scaffold` runs without Go on its PATH.
fn path_without_go() -> TempDir {
    let dir = tmp();
    std::os::unix::fs::symlink("/bin/sh", dir.path().join("sh")).unwrap();
    dir
}

/// go.mod moved on by hand, go.sum left behind: doctor said Healthy while the build failed
/// with `missing go.sum entry`. D009 finds it; `--fix` runs `go mod tidy` when Go is there and
/// offers nothing when it is not.
#[test]
fn a_stale_go_sum_is_found_and_tidied() {
    if !crate::common::go::go_required() {
        return;
    }
    let r = fixture("stale-gosum");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D009", "go.sum", 1)]);
    assert_eq!(out.json()["problems"][0]["fixable"], true);

    let bare = path_without_go();
    let no_go = output(
        scaffold()
            .args(["doctor", "--json"])
            .arg(r.path())
            .env("PATH", bare.path()),
    );
    assert_eq!(
        no_go.json()["problems"][0]["fixable"],
        false,
        "{}",
        no_go.stdout
    );

    let fixed = doctor(r.path(), &["--fix"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(std::fs::read_to_string(r.path().join("go.sum"))
        .unwrap()
        .contains("github.com/heroiclabs/nakama-common v1.47.0 h1:"));
}

/// The nakama-common fix used to edit go.mod only, leaving go.sum and vendor/ stale (and
/// doctor then said Healthy). Now it runs `go mod tidy` and `go mod vendor` with it, and
/// without Go it is not offered as safe.
#[test]
fn the_nakama_common_fix_brings_go_sum_and_vendor_along() {
    if !crate::common::go::go_required() {
        return;
    }
    let r = fixture("template-vendor");
    let gomod = std::fs::read_to_string(r.path().join("go.mod")).unwrap();
    write(
        r.path().join("go.mod"),
        gomod.replace("nakama-common v1.47.0", "nakama-common v1.46.0"),
    );
    write(
        r.path().join("go.sum"),
        crate::common::crate_file("scaffolds/gosum/3.39.0.sum"),
    );
    go(r.path(), &["mod", "vendor"]);
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D003", "go.mod", 5)]);
    assert_eq!(out.json()["problems"][0]["fixable"], true);

    let bare = path_without_go();
    let no_go = output(
        scaffold()
            .args(["doctor", "--fix", "--json"])
            .arg(r.path())
            .env("PATH", bare.path()),
    );
    assert_eq!(no_go.code, 1);
    assert_eq!(no_go.json()["problems"][0]["fixable"], false);
    assert!(std::fs::read_to_string(r.path().join("go.mod"))
        .unwrap()
        .contains("v1.46.0"));

    let fixed = doctor(r.path(), &["--fix"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    let modules = std::fs::read_to_string(r.path().join("vendor/modules.txt")).unwrap();
    assert!(
        modules.contains("# github.com/heroiclabs/nakama-common v1.47.0"),
        "{modules}"
    );
    assert_eq!(
        std::fs::read_to_string(r.path().join("go.sum")).unwrap(),
        crate::common::crate_file("scaffolds/gosum/3.40.0.sum")
    );
    assert_eq!(doctor(r.path(), &[]).code, 0);
}

fn sync(dir: &Path, args: &[&str]) -> Out {
    output(
        scaffold()
            .arg("sync")
            .args(args)
            .arg("-C")
            .arg(dir)
            .env("NO_COLOR", "1"),
    )
}

fn recorded_release(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("scaffold.toml")).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    value["project"]["nakama"].as_str().unwrap().to_string()
}

/// `sync --adopt` recorded 3.40.0 whenever the FROM tag was not a literal release of the
/// table. It reads the ARG default, and refuses (one line, asking for `--nakama`) when the tag
/// is `latest`, unknown, or the tags differ; it never records a guess.
#[test]
fn adopt_reads_the_arg_default_and_never_records_a_guess() {
    let r = fixture("arg-tags");
    // 3.38.0's pluginbuilder has Go 1.25.5, and nakama-common v1.45.0 needs 1.26.1: no plugin
    // builds there, so adopting is refused (Go judges it)...
    let out = sync(r.path(), &["--adopt"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("requires go >= 1.26.1"),
        "{}",
        out.stderr
    );
    assert!(!r.path().join("scaffold.toml").exists());
    // ...and with the static rules only, the release is still read from the ARG's default.
    let out = output(
        scaffold()
            .args(["sync", "--adopt"])
            .current_dir(r.path())
            .env("SCAFFOLD_JUDGE", "static"),
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("static rules"), "{}", out.stderr);
    assert_eq!(recorded_release(r.path()), "3.38.0");

    // `latest` with go.mod on 3.40.0's nakama-common: the release doctor infers, recorded,
    // and the tags pinned to it.
    let r = fixture("latest-tags");
    sync(r.path(), &["--adopt"]).ok();
    assert_eq!(recorded_release(r.path()), "3.40.0");
    let pinned = std::fs::read_to_string(r.path().join("Dockerfile")).unwrap();
    assert!(
        pinned.contains("FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder")
            && pinned.contains("FROM heroiclabs/nakama:3.40.0")
            && !pinned.contains(":latest"),
        "{pinned}"
    );
    // With a nakama-common no release of the table has, nothing tells the release: refused.
    let r = fixture("latest-tags");
    let gomod = std::fs::read_to_string(r.path().join("go.mod")).unwrap();
    write(r.path().join("go.mod"), gomod.replace("v1.47.0", "v1.99.0"));
    let out = sync(r.path(), &["--adopt"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("`heroiclabs/nakama-pluginbuilder:latest` (line 1) is `latest`, which names no release, and go.mod's nakama-common v1.99.0 (line 5) is no release's in scaffold's table; pass the release you deploy: `scaffold sync --adopt --nakama X`"),
        "{}",
        out.stderr
    );
    assert!(!r.path().join("scaffold.toml").exists());
    // Told the release, adopt records it (the tags pinned to it).
    write(r.path().join("go.mod"), &gomod);
    let out = sync(r.path(), &["--adopt", "--nakama", "3.99.0"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("unknown Nakama version `3.99.0`"));
    assert!(!r.path().join("scaffold.toml").exists());
    sync(r.path(), &["--adopt", "--nakama", "3.40.0"]).ok();
    assert_eq!(recorded_release(r.path()), "3.40.0");

    // A release outside the table, and tags that differ, are refused the same way.
    for (from, to, says) in [
        (
            "ARG NAKAMA_VERSION=3.38.0",
            "ARG NAKAMA_VERSION=2.15.0",
            "Nakama 2.15.0 (`heroiclabs/nakama-pluginbuilder:${NAKAMA_VERSION}`, line 3) is not in scaffold's release table",
        ),
        (
            "FROM heroiclabs/nakama:${NAKAMA_VERSION}",
            "FROM heroiclabs/nakama:3.40.0",
            "the image tags differ",
        ),
        (
            "ARG NAKAMA_VERSION=3.38.0",
            "ARG NAKAMA_VERSION",
            "takes its tag from an ARG without a default",
        ),
    ] {
        let r = fixture("arg-tags");
        let text = std::fs::read_to_string(r.path().join("Dockerfile")).unwrap();
        write(r.path().join("Dockerfile"), text.replace(from, to));
        let out = sync(r.path(), &["--adopt"]);
        assert_eq!(out.code, 1, "{to}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(says), "{to}: {}", out.stderr);
        assert!(!r.path().join("scaffold.toml").exists());
    }
}

/// `doctor --fix` adds a package block to a repo made by hand; `sync --adopt` then said
/// "restore scaffold.toml from git" for a file that never existed. It adopts the repo.
#[test]
fn adopt_after_doctor_fix_is_no_dead_end() {
    let r = fixture("root-go-only");
    let fixed = doctor(r.path(), &["--fix"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(std::fs::read_to_string(r.path().join("Dockerfile"))
        .unwrap()
        .contains("# scaffold:packages begin"));
    let out = sync(r.path(), &["--adopt"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(recorded_release(r.path()), "3.40.0");
    sync(r.path(), &["--check"]).ok();
    assert_eq!(doctor(r.path(), &[]).code, 0);
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(dir.join(rel)).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    write(dir.join(rel), text.replacen(from, to, 1));
}

fn messages(out: &Out) -> String {
    out.json()["problems"].to_string()
}

/// A protobuf other than the release's: the plugin builds and fails to load. Doctor did not
/// look at protobuf at all.
#[test]
fn a_protobuf_other_than_the_releases_is_found() {
    let r = fixture("protobuf-raised");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D003", "go.mod", 7)]);
    let text = messages(&out);
    assert!(text.contains("go.mod requires protobuf v1.36.11, but Nakama 3.30.0 (the nakama image tag (line 11)) is built with v1.36.6; the plugin builds but fails to load with `plugin was built with a different version of package google.golang.org/protobuf/…`"), "{text}");
    assert!(
        text.contains("require google.golang.org/protobuf v1.36.6"),
        "{text}"
    );
    // Raised by a dependency (`// indirect`): the fix names the way to find it.
    edit(
        r.path(),
        "go.mod",
        "google.golang.org/protobuf v1.36.11\n",
        "google.golang.org/protobuf v1.36.11 // indirect\n",
    );
    let text = messages(&doctor(r.path(), &["--json"]));
    assert!(
        text.contains("go mod graph | grep google.golang.org/protobuf@v1.36.11"),
        "{text}"
    );
}

/// `RUN go mod vendor` before the sources are copied vendors nothing they import; with
/// -mod=vendor the build fails. Doctor took any `go mod vendor` in a RUN as fine.
#[test]
fn go_mod_vendor_before_the_sources_is_found() {
    let r = fixture("vendor-before-sources");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D002", "Dockerfile", 8)]);
    assert!(messages(&out).contains("`RUN go mod vendor` runs before main.go (line 10) is copied, so vendor/ lacks github.com/heroiclabs/nakama-common/runtime"));
    // After the sources, it vendors what they import.
    edit(
        r.path(),
        "Dockerfile",
        "RUN go mod vendor\n\nCOPY *.go ./\n",
        "COPY *.go ./\nRUN go mod vendor\n",
    );
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

/// The go line against a builder whose tag is not in the table: doctor says what it can know
/// (a problem when the go line is certainly newer, a warning when it may be).
#[test]
fn the_go_line_against_a_builder_outside_the_table() {
    let r = fixture("golang-minor");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(
        found(&out),
        vec![
            problem("D003", "Dockerfile", 1),
            problem("D003", "go.mod", 3)
        ]
    );
    assert!(messages(&out).contains("go.mod says `go 1.27.0` but golang:1.26 is Go 1.26.x"));

    // The same minor with a patch: only a warning (the image's patch depends on the pull).
    edit(r.path(), "go.mod", "go 1.27.0", "go 1.26.5");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D003", "Dockerfile", 1)]);
    assert!(out.json()["warnings"]
        .to_string()
        .contains("golang:1.26 is whichever Go 1.26.x it was when pulled"));

    // A pluginbuilder older than the table has at most the oldest row's Go.
    let r = fixture("arg-tags");
    edit(
        r.path(),
        "Dockerfile",
        "ARG NAKAMA_VERSION=3.38.0",
        "ARG NAKAMA_VERSION=2.15.0",
    );
    let out = doctor(r.path(), &["--json"]);
    assert!(
        found(&out).contains(&problem("D003", "go.mod", 3)),
        "{}",
        out.stdout
    );
    assert!(messages(&out).contains("go.mod says `go 1.26.1` but nakama-pluginbuilder:2.15.0 has Go 1.15.6 at most (Nakama 3.0.0 is built with Go 1.15.6 and is the oldest release scaffold knows"));
    // Newer than the table: it cannot tell, and says so.
    edit(
        r.path(),
        "Dockerfile",
        "ARG NAKAMA_VERSION=2.15.0",
        "ARG NAKAMA_VERSION=3.41.0",
    );
    edit(r.path(), "go.mod", "go 1.26.1", "go 1.26.9");
    let out = doctor(r.path(), &["--json"]);
    assert!(
        !found(&out).contains(&problem("D003", "go.mod", 3)),
        "{}",
        out.stdout
    );
    assert!(out.json()["warnings"].to_string().contains(
        "doctor cannot tell whether nakama-pluginbuilder:3.41.0 has it (its Go is 1.26.5 or newer"
    ));
}

/// `FROM heroiclabs/nakam:3.40.0`: not an image Heroic Labs publishes. Doctor ignored it; it
/// is an error naming the nearest image, and --fix corrects the name.
#[test]
fn a_misspelt_heroiclabs_image_names_the_nearest() {
    let r = fixture("misspelt-image");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D003", "Dockerfile", 11)]);
    assert!(messages(&out).contains("`heroiclabs/nakam` is not an image Heroic Labs publishes (did you mean `heroiclabs/nakama`?)"));
    let fixed = doctor(r.path(), &["--fix"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(std::fs::read_to_string(r.path().join("Dockerfile"))
        .unwrap()
        .contains("\nFROM heroiclabs/nakama:3.40.0\n"));
}

/// Found by the corpus: a required module replaced by a folder of the repo (`replace … =>
/// ./rules`) that the Dockerfile never copies; Go stops with `replacement directory ./rules
/// does not exist`.
#[test]
fn a_replaced_module_folder_must_be_copied() {
    let r = fixture("replace-local-lib");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D001", "Dockerfile", 10)]);
    assert_eq!(
        out.json()["problems"][0]["fix"],
        "add `COPY rules/ rules/` before line 10"
    );
    edit(
        r.path(),
        "Dockerfile",
        "COPY *.go ./\n",
        "COPY *.go ./\nCOPY rules/ rules/\n",
    );
    assert_eq!(doctor(r.path(), &[]).code, 0);
}

/// `RUN go mod download` (no arguments) before the build adds the go.mod hashes go.sum lacks,
/// never the modules' own: D009 asks only for what the build will still miss.
#[test]
fn go_mod_download_adds_only_go_mod_hashes() {
    let r = fixture("stale-gosum");
    let sum: String = crate::common::crate_file("scaffolds/gosum/3.40.0.sum")
        .lines()
        .filter(|l| !l.contains("/go.mod "))
        .map(|l| format!("{l}\n"))
        .collect();
    write(r.path().join("go.sum"), sum);
    // The fixture's `COPY . .` after the download brings go.sum back without them: the build
    // fails (buildah: `missing go.sum entry for go.mod file`), as doctor once missed.
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D009", "go.sum", 1)]);
    edit(
        r.path(),
        "Dockerfile",
        "RUN go mod download\n\nCOPY . .\n",
        "COPY . .\nRUN go mod download\n",
    );
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.json()["judge"]["by"], "go", "{}", out.stdout);
    edit(r.path(), "Dockerfile", "RUN go mod download\n", "");
    let out = doctor(r.path(), &["--json"]);
    assert_eq!(found(&out), vec![problem("D009", "go.sum", 1)]);
    assert!(messages(&out).contains(
        "go.sum has no hash for github.com/heroiclabs/nakama-common v1.47.0/go.mod (and 1 more)"
    ));
}
