//! A repo made by scaffold: found by walking up to its `scaffold.toml`, which records how it
//! was made so later commands know the project.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE: &str = "scaffold.toml";

/// The contents of a repo's scaffold.toml.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub scaffold: Origin,
    pub project: Answers,
    /// Answers to the scaffold's own variables (team scaffolds).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answers: BTreeMap<String, toml::Value>,
    #[serde(default, skip_serializing_if = "Packages::is_empty")]
    pub packages: Packages,
}

/// Package folders the user took out of the build without deleting them
/// (`remove-package` without `--delete`): neither copied nor registered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Packages {
    #[serde(default)]
    pub excluded: Vec<String>,
}

impl Packages {
    fn is_empty(&self) -> bool {
        self.excluded.is_empty()
    }
}

/// What made the repo.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Origin {
    /// The scaffold version that wrote the repo.
    pub version: String,
    /// `builtin:nakama-go`, or where a team scaffold came from.
    pub template: String,
    /// The commit the scaffold was rendered from, so `add-package` uses the same templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The folder inside the scaffold's repository that holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
}

impl Origin {
    /// The record of the built-in scaffold, written by this version.
    pub fn builtin() -> Origin {
        Origin {
            version: env!("CARGO_PKG_VERSION").into(),
            template: crate::template::BUILTIN_SOURCE.into(),
            commit: None,
            subdir: None,
        }
    }
}

/// The answers the repo was made with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Answers {
    pub name: String,
    pub module: String,
    pub nakama: String,
}

impl Record {
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("a record always serialises");
        format!("# Written by scaffold: how this repo was made, so `scaffold add-package`, `sync` and\n# `upgrade` know it. Commit it.\n{body}")
    }
}

/// Walks up from `start` to the folder holding scaffold.toml.
pub fn find_root(start: &Path) -> Result<PathBuf> {
    let start = start
        .canonicalize()
        .with_context(|| format!("cannot open {}", start.display()))?;
    for dir in start.ancestors() {
        if dir.join(FILE).is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "not inside a scaffold repo: no {FILE} in {} or any parent; run `scaffold new` to make one, or `scaffold sync --adopt` in an existing plugin repo",
        start.display()
    )
}

/// Reads and checks a repo's scaffold.toml.
pub fn load(root: &Path) -> Result<Record> {
    let path = root.join(FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a scaffold record ({}); restore it from git, or delete it and run `scaffold sync --adopt`",
            path.display(),
            e.message().split_whitespace().collect::<Vec<_>>().join(" ")
        )
    })
}
