//! The README's install section says what building scaffold needs; these hold it true. The
//! build has no TLS (no OpenSSL to install: remote scaffolds are cloned with `git`), and the
//! Rust it names, also Cargo.toml's `rust-version`, is at least what every package the build
//! compiles asks for (`cargo install --locked` builds exactly Cargo.lock's versions).

use crate::common::*;

/// The README's "Install" section, up to the next heading.
fn install_section() -> String {
    let readme = crate_file("README.md");
    let start = readme
        .find("\n## Install\n")
        .expect("README has an Install section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    rest[..end].to_string()
}

#[test]
fn the_build_links_no_tls_library_and_the_readme_asks_for_none() {
    let lock = crate_file("Cargo.lock");
    for tls in [
        "openssl-sys",
        "openssl",
        "native-tls",
        "libssh2-sys",
        "rustls",
    ] {
        assert!(
            !lock.contains(&format!("name = \"{tls}\"\n")),
            "Cargo.lock has {tls}: git2 is meant to be built without TLS (default-features = false)"
        );
    }
    let install = install_section();
    for need in ["libssl", "OpenSSL headers", "openssl-dev", "pkg-config"] {
        assert!(
            !install.contains(need),
            "the install section asks for {need}:\n{install}"
        );
    }
    assert!(install.contains("C toolchain"), "{install}");
}

/// A version like `1.91` or `1.88.0` as numbers, for comparing.
fn version(text: &str) -> Vec<u64> {
    text.split('.')
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("not a version: {text}"))
        })
        .collect()
}

#[test]
fn the_rust_the_readme_names_builds_every_locked_package() {
    let install = install_section();
    let named = install
        .split_once("with Rust ")
        .and_then(|(_, rest)| rest.split_once(" or newer"))
        .map(|(v, _)| v.to_string())
        .unwrap_or_else(|| panic!("the install section names no `Rust X or newer`:\n{install}"));
    let manifest: toml::Value = toml::from_str(&crate_file("Cargo.toml")).unwrap();
    assert_eq!(
        manifest["package"]["rust-version"].as_str(),
        Some(named.as_str()),
        "Cargo.toml's rust-version and the README say the same"
    );

    // Every package a build of scaffold compiles, on any platform: its normal and build
    // dependencies, followed from scaffold through Cargo.lock.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes: std::collections::BTreeMap<&str, &serde_json::Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let mut built = std::collections::BTreeSet::new();
    let mut todo = vec![meta["resolve"]["root"].as_str().expect("a root package")];
    while let Some(id) = todo.pop() {
        if !built.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let compiled = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if compiled {
                todo.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    assert!(
        built.len() > 50,
        "the walk found the dependencies: {built:?}"
    );
    let mut asking: Vec<(Vec<u64>, String)> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| built.contains(p["id"].as_str().unwrap()))
        .filter_map(|p| {
            let v = p["rust_version"].as_str()?;
            let name = p["name"].as_str()?;
            let at = p["version"].as_str()?;
            Some((version(v), format!("{name} {at} (rust-version {v})")))
        })
        .collect();
    asking.sort();
    let (newest, who) = asking.last().expect("some packages declare a rust-version");
    let mut named_v = version(&named);
    named_v.resize(newest.len().max(named_v.len()), 0);
    assert!(
        &named_v >= newest,
        "the README and Cargo.toml say Rust {named}, but {who} needs newer: `cargo install --locked` fails on Rust {named}"
    );
}
