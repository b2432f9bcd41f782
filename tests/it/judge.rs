//! Go as the judge (src/judge): doctor's verdict with Go agrees with the staged builder stage
//! actually built, on random repos made of the shapes that broke scaffold's static rules; every
//! command still works without Go and says its verdict is the static one; and the static file
//! rules (file-name suffixes, `go1.N` tags) agree with the exact Go they stand in for.
//!
//! Needs Go on PATH (with the module proxy, or a warm module cache).

use crate::common::*;
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;

/// A folder holding only a shell, for runs without Go on PATH.
fn path_without_go() -> tempfile::TempDir {
    let dir = tmp();
    std::os::unix::fs::symlink("/bin/sh", dir.path().join("sh")).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------
// Green iff it builds

/// One random repo: which of the shapes it has, each in a breaking or a harmless form.
#[derive(Debug, Clone)]
struct Shapes {
    /// A package whose only file is tagged `go1.26` (builds) or `go1.27` (excluded).
    future: Option<u32>,
    /// `-tags prod` on the build line and a package tagged `prod` (builds) or `!prod`.
    tags: Option<bool>,
    /// A root `//go:embed`: synced (copied) or not.
    embed: Option<bool>,
    /// Root cgo sources with a header: synced or not.
    cgo: Option<bool>,
    /// A replaced local module: 0 copied before `go mod download`, 1 in a package folder
    /// (copied after it), 2 never copied.
    replace: Option<u8>,
    /// go.work copied by `COPY go.* ./`: using `.` only, or an uncopied module too.
    work: Option<bool>,
    /// A dependency of the user's, with its go.sum lines or without.
    dependency: Option<bool>,
    /// `.dockerignore` hides profile/.
    hide: bool,
}

/// A shape: absent (half the time), harmless, or (one time in ten) breaking, so about half
/// the repos build.
fn shape<T: Clone + std::fmt::Debug + 'static>(
    good: T,
    bad: T,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![5 => Just(None), 4 => Just(Some(good)), 1 => Just(Some(bad))]
}

fn shapes() -> impl Strategy<Value = Shapes> {
    (
        shape(26u32, 27),
        shape(true, false),
        shape(true, false),
        shape(true, false),
        prop_oneof![5 => Just(None), 4 => Just(Some(0u8)), 1 => (1u8..3).prop_map(Some)],
        shape(false, true),
        shape(true, false),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(future, tags, embed, cgo, replace, work, dependency, hide)| Shapes {
                future,
                tags,
                embed,
                cgo,
                replace,
                work,
                dependency,
                hide,
            },
        )
}

const UUID_SUM: &str = "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\ngithub.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n";

/// Makes the repo of `s`. The block is written by the static rules (`SCAFFOLD_JUDGE=static`),
/// which let every one of these shapes through.
fn make(s: &Shapes) -> Repo {
    let r = Repo::new(&[]);
    let stat = [("SCAFFOLD_JUDGE", "static")];
    let edit_df = |from: &str, to: &str| {
        let text = r.read("Dockerfile");
        assert!(text.contains(from), "{from}");
        r.write("Dockerfile", text.replacen(from, to, 1));
    };
    let import = |path: &str| {
        let text = r.read("profile/profile.go").replacen(
            "import (",
            &format!("import (\n\t_ \"{path}\""),
            1,
        );
        r.write("profile/profile.go", text);
    };
    if let Some(n) = s.future {
        r.write(
            "future/future.go",
            format!("//go:build go1.{n}\n\npackage future\n"),
        );
        import("example.com/game/future");
    }
    if let Some(prod) = s.tags {
        edit_df(
            "    go build -trimpath",
            "    go build -tags prod -trimpath",
        );
        let tag = if prod { "prod" } else { "!prod" };
        r.write(
            "devtools/devtools.go",
            format!("//go:build {tag}\n\npackage devtools\n"),
        );
        import("example.com/game/devtools");
    }
    if s.embed.is_some() {
        r.write("assets/cfg.json", "{}\n");
        r.write(
            "embed.go",
            "package main\n\nimport _ \"embed\"\n\n//go:embed assets/cfg.json\nvar config string\n",
        );
    }
    if s.cgo.is_some() {
        r.write("twice.h", "int twice(int x);\n");
        r.write(
            "twice.c",
            "#include \"twice.h\"\nint twice(int x) { return 2 * x; }\n",
        );
        r.write(
            "cgo.go",
            "package main\n\n// #include \"twice.h\"\nimport \"C\"\n\nfunc twice(n int) int { return int(C.twice(C.int(n))) }\n",
        );
    }
    if let Some(how) = s.replace {
        let dir = if how == 1 { "profile/lib" } else { "lib" };
        r.write(
            &format!("{dir}/go.mod"),
            "module example.com/lib\n\ngo 1.26.5\n",
        );
        r.write(&format!("{dir}/lib.go"), "package lib\n");
        r.write(
            "go.mod",
            r.read("go.mod")
                + &format!(
                    "\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./{dir}\n"
                ),
        );
        import("example.com/lib");
        if how == 0 {
            edit_df(
                "COPY go.mod go.sum ./\n",
                "COPY go.mod go.sum ./\nCOPY lib/ lib/\n",
            );
        }
    }
    if let Some(uses_more) = s.work {
        edit_df("COPY go.mod go.sum ./", "COPY go.* ./");
        let uses = if uses_more {
            "\t.\n\t./tools\n"
        } else {
            "\t.\n"
        };
        r.write("go.work", format!("go 1.26.5\n\nuse (\n{uses})\n"));
        r.write("tools/go.mod", "module example.com/tools\n\ngo 1.26.5\n");
    }
    if let Some(summed) = s.dependency {
        r.write(
            "go.mod",
            r.read("go.mod") + "\nrequire github.com/google/uuid v1.6.0\n",
        );
        if summed {
            r.write("go.sum", r.read("go.sum") + UUID_SUM);
        }
        r.write(
            "profile/ids.go",
            "package profile\n\nimport \"github.com/google/uuid\"\n\nvar newID = uuid.NewString\n",
        );
    }
    let synced = s.embed != Some(false) && s.cgo != Some(false);
    if synced {
        r.run_env(&["sync"], &stat).ok();
    } else {
        // Sync first (for the packages), then the root input it would copy comes after.
        let (embed, cgo) = (s.embed, s.cgo);
        let hide_later: Vec<(&str, &str)> = [
            (embed == Some(false)).then_some(("embed.go", "assets/cfg.json")),
            (cgo == Some(false)).then_some(("cgo.go", "twice.h")),
        ]
        .into_iter()
        .flatten()
        .collect();
        for (go, _) in &hide_later {
            std::fs::rename(r.path(go), r.path(&format!("{go}.off"))).unwrap();
        }
        r.run_env(&["sync"], &stat).ok();
        for (go, _) in &hide_later {
            std::fs::rename(r.path(&format!("{go}.off")), r.path(go)).unwrap();
        }
    }
    if s.hide {
        r.write(".dockerignore", r.read(".dockerignore") + "profile\n");
    }
    r
}

/// doctor's verdict (`--json`) at one depth: (green, who judged). The plugins `--build`
/// keeps go to the test's own cache folder.
fn verdict(r: &Repo, args: &[&str]) -> (bool, serde_json::Value, String) {
    let mut all = vec!["--json", "doctor"];
    all.extend_from_slice(args);
    let cache = r.tmp.path().join("cache");
    let out = r.run_env(&all, &[("XDG_CACHE_HOME", cache.to_str().unwrap())]);
    let json = out.json();
    let green = json["problems"].as_array().is_some_and(|p| p.is_empty());
    assert_eq!(green, out.code == 0, "{out:#?}");
    (green, json["judge"].clone(), out.stdout)
}

proptest! {
    // Each case makes a repo and builds it: kept small (20 repos, about a minute warm).
    #![proptest_config(ProptestConfig { cases: 20, ..ProptestConfig::default() })]

    #[test]
    fn doctor_with_go_is_green_iff_the_staged_stage_builds(s in shapes()) {
        let r = make(&s);
        let (listed, judge, said) = verdict(&r, &[]);
        prop_assert_eq!(&judge["by"], "go", "{}", said);
        let (built, judge, built_said) = verdict(&r, &["--build"]);
        prop_assert_eq!(&judge["replayed"], "build", "{}", built_said);
        prop_assert_eq!(listed, built, "{:?}\ndoctor: {}\ndoctor --build: {}", s, said, built_said);
        if std::env::var_os("SCAFFOLD_JUDGE_PROPS_SHOW").is_some() {
            eprintln!("{} {s:?}", if built { "green" } else { "red  " });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Without Go

/// Every command works without Go on PATH, and says its verdict is the static one.
#[test]
fn without_go_every_command_works_and_says_the_verdict_is_static() {
    let bare = path_without_go();
    let tmp = tmp();
    let run = |cwd: &Path, args: &[&str]| {
        output(
            scaffold()
                .current_dir(cwd)
                .env("PATH", bare.path())
                .env("XDG_CONFIG_HOME", tmp.path().join("config"))
                .args(args),
        )
    };
    run(tmp.path(), &["new", "game", "--yes", "--no-git"]).ok();
    let root = tmp.path().join("game");
    let said = "the Docker build was checked with scaffold's static rules only (Go is not on PATH)";
    for args in [
        &["add-package", "inventory"][..],
        &["sync"],
        &["sync", "--check"],
        &["remove-package", "inventory", "--delete", "--force"],
        &["upgrade", "--nakama", "3.40.0", "--allow-dirty"],
    ] {
        let out = run(&root, args).ok();
        assert!(out.stderr.contains(said), "{args:?}: {}", out.stderr);
        let json = run(&root, &[&["--json"][..], args].concat());
        if json.code == 0 {
            let v = json.json();
            assert_eq!(v["judge"]["by"], "static", "{args:?}: {v}");
            assert_eq!(v["judge"]["why"], "Go is not on PATH", "{args:?}: {v}");
        }
    }
    let out = run(&root, &["doctor"]).ok();
    assert!(
        out.stderr
            .contains("judged by scaffold's static rules only (Go is not on PATH)"),
        "{}",
        out.stderr
    );
    let v = run(&root, &["--json", "doctor"]).checked_json();
    assert_eq!(v["judge"]["by"], "static", "{v}");
    // Asked to build, nothing can: that is no verdict (exit 2), not a green one.
    let out = run(&root, &["doctor", "--build"]).code(2);
    assert!(
        out.stderr
            .contains("doctor --build cannot replay the builder stage: Go is not on PATH"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Go's name rules, from Go

/// The exact Go of the default release (`go` switched with GOTOOLCHAIN).
fn exact_go(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let go = scaffold::versions::default_release().go.clone();
    let mut cmd = Command::new("go");
    cmd.args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", format!("go{go}"))
        .env("GOFLAGS", "")
        .env("GOWORK", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("go runs");
    assert!(
        out.status.success(),
        "go {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// scaffold's file-name suffixes and `go1.N` tags against the exact Go: every platform
/// `go tool dist list` names is known, and for every name the rule has, Go builds the file for
/// linux/amd64 exactly when scaffold says it does.
#[test]
fn the_static_file_rules_agree_with_the_exact_go() {
    let dir = tmp();
    let (goos, goarch) = scaffold::go::build::known_platforms();
    let dist = exact_go(dir.path(), &["tool", "dist", "list"], &[]);
    for pair in dist.lines() {
        let (os, arch) = pair.split_once('/').unwrap();
        assert!(
            goos.contains(&os),
            "GOOS {os} (go tool dist list) is unknown to go::build"
        );
        assert!(
            goarch.contains(&arch),
            "GOARCH {arch} (go tool dist list) is unknown to go::build"
        );
    }
    let go = scaffold::versions::default_release().go.clone();
    let minor: u64 = go.split('.').nth(1).unwrap().parse().unwrap();
    write(
        dir.path().join("go.mod"),
        format!("module example.com/p\n\ngo {go}\n"),
    );
    let mut files: Vec<(String, String)> = vec![("p.go".into(), "package p\n".into())];
    for name in goos.iter().chain(goarch.iter()) {
        files.push((format!("f_{name}.go"), "package p\n".into()));
        files.push((format!("g_linux_{name}.go"), "package p\n".into()));
    }
    for n in 0..=minor + 3 {
        files.push((
            format!("v{n}.go"),
            format!("//go:build go1.{n}\n\npackage p\n"),
        ));
        files.push((
            format!("n{n}.go"),
            format!("//go:build !go1.{n}\n\npackage p\n"),
        ));
    }
    for (name, text) in &files {
        write(dir.path().join(name), text);
    }
    let listed = exact_go(
        dir.path(),
        &["list", "-json=GoFiles,IgnoredGoFiles", "."],
        &[("GOOS", "linux"), ("GOARCH", "amd64"), ("CGO_ENABLED", "1")],
    );
    let json: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let built = strings(&json["GoFiles"]);
    for (name, text) in &files {
        let file = scaffold::go::source::parse(text);
        let ours = scaffold::go::build::builds(name, &file, &[], Some(minor));
        let gos = built.contains(name);
        assert_eq!(
            ours, gos,
            "{name}: go::build says {ours}, Go {go} says {gos}"
        );
    }
}
