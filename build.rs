//! Compiles `scaffolds/versions.toml` into Rust (`$OUT_DIR/versions.rs`), so the release table
//! is read once at build time instead of parsed at every start (a TOML parse was a tenth of
//! `scaffold new`'s own time). The TOML file stays the one place the table lives; a key this
//! script does not know fails the build, so nothing in it is silently dropped.

use std::fmt::Write;

/// The columns of a row, and whether each must be there.
const COLUMNS: &[(&str, bool)] = &[
    ("nakama", true),
    ("nakama_common", true),
    ("go", true),
    ("protobuf", true),
    ("go_line", false),
    ("pluginbuilder_go", false),
];

fn main() {
    let path = "scaffolds/versions.toml";
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).expect("scaffolds/versions.toml is readable");
    let table: toml::Table = text.parse().expect("scaffolds/versions.toml is valid TOML");
    let rows = table
        .get("release")
        .and_then(|r| r.as_array())
        .expect("scaffolds/versions.toml has [[release]] rows");
    let mut out = String::from("&[\n");
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_table().expect("each [[release]] is a table");
        if let Some(key) = row.keys().find(|k| !COLUMNS.iter().any(|(c, _)| c == k)) {
            panic!("scaffolds/versions.toml row {i}: unknown key `{key}`");
        }
        out.push_str("    [");
        for (column, required) in COLUMNS {
            match row.get(*column).map(|v| v.as_str()) {
                Some(Some(v)) => write!(out, "Some({v:?}), ").unwrap(),
                Some(None) => panic!("scaffolds/versions.toml row {i}: `{column}` is not a string"),
                None if *required => {
                    panic!("scaffolds/versions.toml row {i}: `{column}` is missing")
                }
                None => out.push_str("None, "),
            }
        }
        out.push_str("],\n");
    }
    out.push(']');
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("versions.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
