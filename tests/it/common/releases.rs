//! scaffolds/versions.toml, read independently of the binary.

use super::{crate_file, write};

/// One row of scaffolds/versions.toml.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Row {
    pub nakama: String,
    pub nakama_common: String,
    pub go: String,
    pub protobuf: String,
}

pub fn release_table() -> Vec<Row> {
    #[derive(serde::Deserialize)]
    struct Table {
        release: Vec<Row>,
    }
    let table: Table = toml::from_str(&crate_file("scaffolds/versions.toml")).unwrap();
    assert!(table.release.len() >= 20, "the release table is complete");
    table.release
}

pub fn row(nakama: &str) -> Row {
    release_table()
        .into_iter()
        .find(|r| r.nakama == nakama)
        .unwrap_or_else(|| panic!("{nakama} is in the table"))
}

/// Writes a module version into a file-system proxy (the Go proxy protocol: .info, .mod, .zip
/// under `<module>/@v/`), with `files` (path, text) in its zip.
pub fn publish(
    proxy: &std::path::Path,
    module: &str,
    version: &str,
    gomod: &str,
    files: &[(&str, &str)],
) {
    let dir = proxy.join(module).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    write(
        dir.join(format!("{version}.info")),
        format!("{{\"Version\":\"{version}\",\"Time\":\"2026-12-01T00:00:00Z\"}}\n"),
    );
    write(dir.join(format!("{version}.mod")), gomod);
    let mut all: Vec<(String, String)> = vec![("go.mod".into(), gomod.into())];
    all.extend(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    let spec = serde_json::to_string(&all).unwrap();
    let zip = dir.join(format!("{version}.zip"));
    let script = "import json, sys, zipfile\nprefix, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])\nwith zipfile.ZipFile(out, 'w') as z:\n    for path, text in spec:\n        z.writestr(prefix + '/' + path, text)\n";
    let ok = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            &format!("{module}@{version}"),
            zip.to_str().unwrap(),
            &spec,
        ])
        .status()
        .expect("python3 runs");
    assert!(ok.success());
}
