//! Where a repo's scaffold came from, as scaffold.toml records it: the built-in scaffold at a
//! version, or a team scaffold's source, commit, folder and kinds digest. The scaffold side
//! reads it to fetch the same templates again; the repo side stores it.

use serde::{Deserialize, Serialize};

/// What made the repo.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Origin {
    /// The scaffold version that wrote the repo.
    pub version: String,
    /// `builtin:nakama-go`, or where a team scaffold came from.
    pub template: String,
    /// The `version` of the scaffold's template.toml the repo was rendered from (the built-in
    /// scaffold's release); a built-in repo without it was made from version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<u32>,
    /// The commit the scaffold was rendered from, so `add-package` uses the same templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The folder inside the scaffold's repository that holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
    /// `sha256:…` of the scaffold's manifest and kinds: names its copy in the user's cache
    /// ([`super::cache`]), so `add-package` needs neither the network nor the folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<String>,
}

impl Origin {
    /// The record of the built-in scaffold, written by this version.
    pub fn builtin() -> Origin {
        Origin {
            version: env!("CARGO_PKG_VERSION").into(),
            template: super::template::BUILTIN_SOURCE.into(),
            template_version: None,
            commit: None,
            subdir: None,
            kinds: None,
        }
    }
}
