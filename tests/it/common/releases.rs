//! scaffolds/versions.toml, read independently of the binary.

use super::crate_file;

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
