//! One Go reader for every command: text inside comments and strings is never taken for code.
//! Each test is a wrong answer the old substring scanners gave (issue: architecture step).

mod common;

use common::*;

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
