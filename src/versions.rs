//! The built-in release table: which nakama-common, Go and protobuf each Nakama release needs.

use crate::error::{err, Result};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One Nakama release and the versions a plugin for it must be built with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Release {
    pub nakama: String,
    pub nakama_common: String,
    pub go: String,
    pub protobuf: String,
}

#[derive(Deserialize)]
struct Table {
    release: Vec<Release>,
}

const TABLE: &str = include_str!("../scaffolds/versions.toml");

/// go.sum files per release, recorded by scripts/gen-gosum.sh.
static GOSUM_DIR: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/scaffolds/gosum");

/// Every known release, newest first (the order of `scaffolds/versions.toml`).
pub fn releases() -> &'static [Release] {
    static PARSED: OnceLock<Vec<Release>> = OnceLock::new();
    PARSED.get_or_init(|| {
        // The table is compiled in and covered by tests, so a parse failure is a build defect.
        toml::from_str::<Table>(TABLE)
            .expect("scaffolds/versions.toml is valid")
            .release
    })
}

/// The release `scaffold new` uses when none is asked for: the newest.
pub fn default_release() -> &'static Release {
    &releases()[0]
}

/// Looks a release up by its Nakama version; accepts a leading `v`.
pub fn find(version: &str) -> Result<&'static Release> {
    let wanted = version.trim().trim_start_matches('v');
    releases()
        .iter()
        .find(|r| r.nakama == wanted)
        .ok_or_else(|| {
            err!(
                "unknown Nakama version `{version}`; known versions: {}",
                known_list()
            )
        })
}

/// The releases `new` and `upgrade` offer: those with a recorded go.sum, so the Dockerfile's
/// `COPY go.mod go.sum ./` and the first build work before anyone runs Go.
pub fn offered() -> impl Iterator<Item = &'static Release> {
    releases().iter().filter(|r| go_sum(r).is_some())
}

/// Looks a release up for `new` or `upgrade`: known, and offered.
pub fn find_offered(version: &str) -> Result<&'static Release> {
    let release = find(version)?;
    if go_sum(release).is_none() {
        let offered: Vec<&str> = offered().map(|r| r.nakama.as_str()).collect();
        return Err(crate::error::Error::Usage(format!(
            "Nakama {} is known but not offered: the Go module proxy does not serve all of its modules (nakama-common {}), so no go.sum is recorded and its first Docker build would fail; pick one of {}",
            release.nakama,
            release.nakama_common,
            offered.join(", ")
        )));
    }
    Ok(release)
}

/// The release whose nakama-common is `common`, newest first, if any.
pub fn by_common(common: &str) -> Option<&'static Release> {
    releases().iter().find(|r| r.nakama_common == common)
}

/// The known versions as one comma-separated line, for error messages.
pub fn known_list() -> String {
    releases()
        .iter()
        .map(|r| r.nakama.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The go.sum a fresh repo of this release gets from `go mod tidy`, when it was recorded
/// (scripts/gen-gosum.sh); `None` for releases whose modules the proxy did not serve.
pub fn go_sum(release: &Release) -> Option<&'static str> {
    GOSUM_DIR
        .get_file(format!("{}.sum", release.nakama))
        .and_then(|f| f.contents_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_newest_first_and_complete() {
        let versions: Vec<_> = releases()
            .iter()
            .map(|r| crate::go::GoVersion::parse_exact(&r.nakama).unwrap())
            .collect();
        let mut sorted = versions.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(versions, sorted);
        assert_eq!(default_release().nakama, "3.40.0");
        assert_eq!(releases().last().unwrap().nakama, "3.25.0");
    }

    #[test]
    fn finds_with_or_without_v() {
        assert_eq!(find("v3.38.0").unwrap().nakama_common, "v1.45.0");
        let err = find("3.99.0").unwrap_err().to_string();
        assert!(err.contains("known versions: 3.40.0"), "{err}");
    }
}
