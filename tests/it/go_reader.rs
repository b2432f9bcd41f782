//! One Go reader for every command: text inside comments and strings is never taken for code.
//! Each test is a wrong answer the old substring scanners gave (issue: architecture step).

use crate::common::*;

/// A commented-out registration is not a registration: `add-package inventory` goes ahead.
#[test]
fn a_commented_rpc_registration_does_not_block_add_package() {
    let repo = Repo::new(&["--package", "profile"]);
    let path = "profile/profile.go";
    let text = repo.read(path).replacen(
        "\nfunc ",
        "\n// old: initializer.RegisterRpc(\"inventory_echo\", nil)\n\nfunc ",
        1,
    );
    repo.write(path, text);
    repo.run(&["add-package", "inventory"]).ok();
    assert!(repo.read("packages_gen.go").contains("inventory.Register("));
    // A real registration still is one.
    let text = repo.read(path).replacen(
        "// old: initializer.RegisterRpc(\"inventory_echo\", nil)",
        "func init() { var initializer interface{ RegisterRpc(string, any) error }; _ = initializer.RegisterRpc(\"shop_echo\", nil) }",
        1,
    );
    repo.write(path, text);
    repo.run(&["add-package", "shop"])
        .failed(&["RPC id `shop_echo` is already registered by profile/"]);
}

/// A string that happens to equal an import path is not an import.
#[test]
fn a_string_equal_to_an_import_path_does_not_block_remove_package() {
    let repo = Repo::new(&["--package", "profile", "--module", "example.com/g"]);
    repo.run(&["add-package", "inventory"]).ok();
    let path = "profile/profile.go";
    let text = repo.read(path) + "\nconst docURL = \"example.com/g/inventory\"\n";
    repo.write(path, text);
    repo.run(&["remove-package", "inventory"]).ok();
    assert!(!repo.read("packages_gen.go").contains("inventory"));
    // A real import still refuses, naming the line.
    let repo2 = Repo::new(&["--package", "profile", "--module", "example.com/g"]);
    repo2.run(&["add-package", "inventory"]).ok();
    let text =
        repo2
            .read(path)
            .replacen("import (", "import (\n\t_ \"example.com/g/inventory\"", 1);
    repo2.write(path, text);
    repo2
        .run(&["remove-package", "inventory"])
        .failed(&["still imported by profile/profile.go:"]);
}

/// A `func Register` inside a block comment is not declared, so it is not wired (wiring it
/// made `go vet` fail with `undefined: util.Register`).
#[test]
fn a_register_in_a_block_comment_is_not_wired() {
    let repo = Repo::new(&["--no-package"]);
    repo.write(
        "util/util.go",
        "package util\n\n/*\nfunc Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n\treturn nil\n}\n*/\n\n// Twice doubles n.\nfunc Twice(n int) int { return 2 * n }\n",
    );
    repo.run(&["sync"]).ok();
    let wiring = repo.read("packages_gen.go");
    assert!(!wiring.contains("util.Register"), "{wiring}");
    // It is still copied into the build: other packages may import it.
    assert!(repo.block().iter().any(|l| l == "COPY util/ util/"));
    if go_required() {
        go_ok(&repo.root, &["vet", "./..."]);
    }
}

// ---- The reader against Go's own `go list` ----

/// Writes `files` (path, text) into a fresh module `example.com/x` and returns it.
fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tmp();
    write(
        dir.path().join("go.mod"),
        "module example.com/x\n\ngo 1.24\n",
    );
    for (path, text) in files {
        write(dir.path().join(path), text);
    }
    dir
}

/// What Go says each of the module's packages reads on the builder (linux/amd64, cgo on):
/// folder -> every file (Go, cgo, C, headers, assembly, .syso, embedded), repo-relative.
fn go_list(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let out = sh(
        root,
        "go",
        &["list", "-deps", "-json", "."],
        &[
            ("GOOS", "linux"),
            ("GOARCH", "amd64"),
            ("CGO_ENABLED", "1"),
            ("GOFLAGS", "-mod=mod"),
        ],
    );
    assert_eq!(out.code, 0, "go list failed: {}", out.stderr);
    let root = root.canonicalize().unwrap();
    let mut map = std::collections::BTreeMap::new();
    for pkg in serde_json::Deserializer::from_str(&out.stdout).into_iter::<serde_json::Value>() {
        let pkg = pkg.unwrap();
        if !pkg["ImportPath"]
            .as_str()
            .unwrap()
            .starts_with("example.com/x")
        {
            continue;
        }
        let dir = std::path::Path::new(pkg["Dir"].as_str().unwrap());
        let rel = dir
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let mut files = Vec::new();
        for key in [
            "GoFiles",
            "CgoFiles",
            "CFiles",
            "CXXFiles",
            "HFiles",
            "SFiles",
            "SysoFiles",
            "EmbedFiles",
        ] {
            for f in pkg[key].as_array().into_iter().flatten() {
                let f = f.as_str().unwrap();
                files.push(if rel.is_empty() {
                    f.to_string()
                } else {
                    format!("{rel}/{f}")
                });
            }
        }
        files.sort();
        files.dedup();
        map.insert(rel, files);
    }
    map
}

/// What scaffold's reader says, through doctor's import graph (which uses `crate::go`).
fn ours(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<String>> {
    use scaffold::{docker::tree::Repo as Tree, doctor::imports::Graph};
    let tree = Tree::load(root);
    let gomod = scaffold::go::gomod::parse(&read(root.join("go.mod"))).unwrap();
    let graph = Graph::build(&tree, &gomod, "", None, &[], None);
    graph
        .packages
        .iter()
        .map(|(dir, pkg)| {
            let mut files: Vec<String> = pkg.files.iter().chain(&pkg.inputs).cloned().collect();
            files.sort();
            files.dedup();
            (dir.clone(), files)
        })
        .collect()
}

#[test]
fn the_reader_agrees_with_go_list_on_what_each_package_reads() {
    if !go_required() {
        return;
    }
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "file names and build constraints",
            &[
                ("main.go", "package main\n\nimport _ \"example.com/x/store\"\n"),
                ("main_linux.go", "package main\n"),
                ("main_windows.go", "package main\n"),
                ("main_arm64.go", "package main\n"),
                ("main_linux_amd64.go", "package main\n"),
                ("main_ios.go", "package main\n"),
                ("old.go", "// +build ignore\n\npackage main\n"),
                ("new.go", "//go:build !cgo\n\npackage main\n"),
                ("cgo_only.go", "//go:build cgo && linux\n\npackage main\n"),
                ("_hidden.go", "package main\n"),
                (".dot.go", "package main\n"),
                ("doc.go", "package documentation\n"),
                ("main_test.go", "package main\n"),
                ("store/store.go", "package store\n"),
                ("store/store_darwin.go", "package store\n"),
                ("store/testdata/x.go", "package x\n"),
            ],
        ),
        (
            "embeds and cgo",
            &[
                (
                    "main.go",
                    "package main\n\nimport (\n\t\"embed\"\n\n\t_ \"example.com/x/assets\"\n)\n\n//go:embed cfg.json static \"with space.txt\"\nvar files embed.FS\n\n//go:embed all:hidden\nvar h embed.FS\n\n//go:embed data/*.csv\nvar csv embed.FS\n",
                ),
                ("cfg.json", "{}\n"),
                ("static/a.txt", "a\n"),
                ("static/.secret", "s\n"),
                ("static/_under.txt", "u\n"),
                ("static/deep/b.txt", "b\n"),
                ("with space.txt", "w\n"),
                ("hidden/.env", "e\n"),
                ("hidden/_x", "x\n"),
                ("data/a.csv", "1\n"),
                ("data/b.txt", "2\n"),
                ("twice.c", "int twice(int x) { return 2 * x; }\n"),
                ("twice.h", "int twice(int x);\n"),
                ("cgo.go", "package main\n\n// #include \"twice.h\"\nimport \"C\"\n"),
                ("assets/assets.go", "package assets\n\nimport _ \"embed\"\n\n//go:embed logo.txt\nvar Logo string\n"),
                ("assets/logo.txt", "logo\n"),
                ("assets/add_amd64.s", "#include \"textflag.h\"\n"),
                ("assets/stub.go", "package assets\n\nfunc add(a, b int) int\n"),
            ],
        ),
    ];
    for (name, files) in cases {
        let dir = module(files);
        assert_eq!(ours(dir.path()), go_list(dir.path()), "{name}");
    }
}
