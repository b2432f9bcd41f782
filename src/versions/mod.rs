//! The release table: which nakama-common, Go and protobuf each Nakama 3.x release's plugins
//! need, which releases `new` and `upgrade` offer, and why the others are not. The table built
//! into the binary, plus the newer releases `scaffold releases --refresh` learned from the Go
//! module proxy and keeps in the user's cache folder ([`refresh`]); without that cache (or
//! offline) the built-in table alone.

pub(crate) mod refresh;

use crate::error::{err, Result};
use crate::go::GoVersion;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One Nakama release and the versions a plugin for it must be built with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Release {
    pub nakama: String,
    pub nakama_common: String,
    /// The Go the server was built with; a plugin loads only when built with it.
    pub go: String,
    pub protobuf: String,
    /// The release's own go.mod `go` line, when it is not `go`.
    #[serde(default, skip_serializing)]
    pub go_line: Option<String>,
    /// The Go of the release's pluginbuilder image, when it is not `go`.
    #[serde(default, skip_serializing)]
    pub pluginbuilder_go: Option<String>,
}

impl Release {
    /// The Go the release's pluginbuilder image has.
    pub fn builder_go(&self) -> &str {
        self.pluginbuilder_go.as_deref().unwrap_or(&self.go)
    }

    /// Why `new` and `upgrade` do not offer this release, if they do not.
    pub fn not_offered(&self) -> Option<String> {
        if self.builder_go() != self.go {
            return Some(format!(
                "its pluginbuilder image has Go {} but the server was built with Go {}, so no plugin built in it loads",
                self.builder_go(),
                self.go
            ));
        }
        if go_sum(self).is_none() {
            return Some(format!(
                "no go.sum is recorded for it (the Go module proxy does not serve all of nakama-common {}'s modules, or it predates scaffold's pinned go lines), so its first Docker build would fail at `COPY go.mod go.sum ./`",
                self.nakama_common
            ));
        }
        None
    }
}

impl Release {
    /// Every field is a version of its kind, so each goes into go.mod, the Dockerfile and
    /// file names as one word: the refreshed rows come from the user's cache and the Go module
    /// proxy, which scaffold does not trust.
    pub fn check(&self) -> std::result::Result<(), String> {
        nakama_version(&self.nakama)?;
        for (field, v) in [
            ("nakama_common", &self.nakama_common),
            ("protobuf", &self.protobuf),
        ] {
            if !module_version(v) {
                return Err(format!("{field} {v:?} is not a Go module version (v1.2.3)"));
            }
        }
        for (field, v) in [
            ("go", Some(&self.go)),
            ("go_line", self.go_line.as_ref()),
            ("pluginbuilder_go", self.pluginbuilder_go.as_ref()),
        ] {
            if let Some(v) = v.filter(|v| !go_version(v)) {
                return Err(format!("{field} {v:?} is not a Go version (1.26.5)"));
            }
        }
        Ok(())
    }
}

/// A Nakama release number as the table spells it: `3.40.0`.
fn nakama_version(v: &str) -> std::result::Result<(), String> {
    let ok = v.split('.').count() == 3
        && v.split('.')
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!("nakama {v:?} is not a release number (3.40.0)"))
    }
}

/// A Go module version: `v1.47.0`, `v1.2.3-rc.1`, `v0.0.0-20240101000000-abcdef012345`,
/// `v2.0.0+incompatible`.
fn module_version(v: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^v(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$",
        )
        .expect("the pattern compiles")
    })
    .is_match(v)
        && v.len() <= 128
}

/// A Go toolchain version: `1.26.5`, `1.22`, `1.21rc1`.
fn go_version(v: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"^[0-9]{1,4}\.[0-9]{1,4}(\.[0-9]{1,4})?((rc|beta)[0-9]{1,4})?$")
            .expect("the pattern compiles")
    })
    .is_match(v)
}

/// Checks that every line of a go.sum is `MODULE VERSION[/go.mod] h1:HASH`, the hash 32
/// bytes of base64: a recorded go.sum is written into every new repo as it is.
pub fn check_go_sum(text: &str) -> std::result::Result<(), String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"^[A-Za-z0-9._~/+-]{1,500} (v[^ /]{1,128})(/go\.mod)? h1:[A-Za-z0-9+/]{43}=$",
        )
        .expect("the pattern compiles")
    });
    if text.is_empty() {
        return Err("it is empty".into());
    }
    if !text.ends_with('\n') {
        return Err("its last line has no line break".into());
    }
    for (i, line) in text.lines().enumerate() {
        let version = re.captures(line).and_then(|c| c.get(1));
        if !version.is_some_and(|v| module_version(v.as_str())) {
            return Err(format!(
                "line {} is not a go.sum line (MODULE VERSION h1:HASH)",
                i + 1
            ));
        }
    }
    Ok(())
}

#[derive(Deserialize, Serialize, Default)]
pub struct Table {
    #[serde(default)]
    pub release: Vec<Release>,
}

/// `scaffolds/versions.toml`'s rows, compiled by `build.rs`: nakama, nakama_common, go,
/// protobuf, go_line, pluginbuilder_go.
const ROWS: &[[Option<&str>; 6]] = include!(concat!(env!("OUT_DIR"), "/versions.rs"));

/// go.sum files per release, recorded by scripts/gen-gosum.sh.
static GOSUM_DIR: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/scaffolds/gosum");

/// The table compiled into the binary, newest first (the order of `scaffolds/versions.toml`).
pub fn builtin() -> &'static [Release] {
    static PARSED: OnceLock<Vec<Release>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let text = |v: Option<&str>| v.unwrap_or_default().to_string();
        ROWS.iter()
            .map(
                |[nakama, common, go, protobuf, go_line, builder_go]| Release {
                    nakama: text(*nakama),
                    nakama_common: text(*common),
                    go: text(*go),
                    protobuf: text(*protobuf),
                    go_line: go_line.map(str::to_string),
                    pluginbuilder_go: builder_go.map(str::to_string),
                },
            )
            .collect()
    })
}

/// Every known release, newest first: the refreshed ones newer than the built-in table (from
/// the user's cache, when it is there and readable), then the built-in table.
pub fn releases() -> &'static [Release] {
    static ALL: OnceLock<Vec<Release>> = OnceLock::new();
    ALL.get_or_init(|| {
        let newest = builtin()[0].nakama.clone();
        let newer =
            |r: &Release| GoVersion::parse_exact(&r.nakama) > GoVersion::parse_exact(&newest);
        let mut all: Vec<Release> = refresh::cached().into_iter().filter(newer).collect();
        all.sort_by_key(|r| std::cmp::Reverse(GoVersion::parse_exact(&r.nakama)));
        all.extend(builtin().iter().cloned());
        all
    })
}

/// The release `scaffold new` uses when none is asked for: the newest one offered.
pub fn default_release() -> &'static Release {
    offered().next().unwrap_or(&releases()[0])
}

/// What `--nakama` takes for the newest offered release.
pub const LATEST: &str = "latest";

/// Looks a release up by its Nakama version; accepts a leading `v`.
pub fn find(version: &str) -> Result<&'static Release> {
    let wanted = version.trim().trim_start_matches('v');
    releases()
        .iter()
        .find(|r| r.nakama == wanted)
        .ok_or_else(|| err!("{}", unknown(version)))
}

/// Why `version` is not a known release, and what to do, in one line (never the whole table:
/// `scaffold releases` lists it).
fn unknown(version: &str) -> String {
    let newest = &releases()[0].nakama;
    let newer =
        GoVersion::parse_exact(version).is_some_and(|v| Some(v) > GoVersion::parse_exact(newest));
    if newer {
        format!("unknown Nakama version `{version}`: newer than the newest release scaffold knows ({newest}); run `scaffold releases --refresh` to learn it, then run this again")
    } else {
        format!("unknown Nakama version `{version}`; `scaffold releases` lists the known ones (newest {newest}; `scaffold releases --refresh` learns newer ones)")
    }
}

/// The releases `new` and `upgrade` offer: those with a recorded go.sum, so the Dockerfile's
/// `COPY go.mod go.sum ./` and the first build work before anyone runs Go.
pub fn offered() -> impl Iterator<Item = &'static Release> {
    releases().iter().filter(|r| r.not_offered().is_none())
}

/// Looks a release up for `new` or `upgrade`: known, and offered. `latest` is the newest one
/// offered (of those known: `scaffold releases --refresh` learns newer ones).
pub fn find_offered(version: &str) -> Result<&'static Release> {
    if version.trim() == LATEST {
        return Ok(default_release());
    }
    let release = find(version)?;
    if let Some(why) = release.not_offered() {
        let offered: Vec<&str> = offered().map(|r| r.nakama.as_str()).collect();
        return Err(crate::error::Error::Usage(format!(
            "Nakama {} is known but not offered: {why}; pick one of {}",
            release.nakama,
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
/// (scripts/gen-gosum.sh, or `releases --refresh` into the user's cache); `None` for releases
/// whose modules the proxy did not serve.
pub fn go_sum(release: &Release) -> Option<&'static str> {
    GOSUM_DIR
        .get_file(format!("{}.sum", release.nakama))
        .and_then(|f| f.contents_utf8())
        .or_else(|| refresh::cached_go_sum(&release.nakama))
}

/// The exact Go release of a builder image: a pluginbuilder's (from the release table) or a
/// `golang:1.26.3` tag's; `Err` says why it is not known.
pub fn builder_go(base: &str) -> Result<String, String> {
    let name = base.split('@').next().unwrap_or(base);
    let (repo, tag) = match name.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, t),
        _ => (name, "latest"),
    };
    let last = repo.rsplit('/').next().unwrap_or(repo).to_ascii_lowercase();
    if last == "nakama-pluginbuilder" {
        return find(crate::docker::images::split_tag(tag).0)
            .map(|r| r.builder_go().to_string())
            .map_err(|_| {
                format!("the builder image `{base}` names a Nakama release scaffold does not know, so its Go release is unknown")
            });
    }
    if last == "golang" {
        let version = tag.split('-').next().unwrap_or(tag);
        if crate::go::GoVersion::parse_exact(version).is_some() {
            return Ok(version.to_string());
        }
        return Err(format!(
            "the builder image `{base}` names no exact Go release (a tag like golang:1.26.3)"
        ));
    }
    Err(format!(
        "the builder image `{base}` is neither heroiclabs/nakama-pluginbuilder nor golang, so its Go release is unknown"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_images_go() {
        let pb = find("3.40.0").unwrap().builder_go().to_string();
        assert_eq!(
            builder_go("heroiclabs/nakama-pluginbuilder:3.40.0").unwrap(),
            pb
        );
        assert_eq!(
            builder_go("docker.io/heroiclabs/nakama-pluginbuilder:3.40.0@sha256:ab").unwrap(),
            pb
        );
        assert_eq!(builder_go("golang:1.26.3").unwrap(), "1.26.3");
        assert_eq!(builder_go("golang:1.26.3-bookworm").unwrap(), "1.26.3");
        assert!(builder_go("golang:1.26").is_err());
        assert!(builder_go("golang").is_err());
        assert!(builder_go("heroiclabs/nakama-pluginbuilder:9.9.9").is_err());
        assert!(builder_go("debian:bookworm").is_err());
    }

    #[test]
    fn the_compiled_table_is_the_toml_file() {
        let text = include_str!("../../scaffolds/versions.toml");
        let parsed = toml::from_str::<Table>(text).unwrap().release;
        assert_eq!(builtin(), parsed.as_slice());
        assert!(parsed.iter().any(|r| r.go_line.is_some()));
        assert!(parsed.iter().any(|r| r.pluginbuilder_go.is_some()));
    }

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
        assert_eq!(releases().last().unwrap().nakama, "3.0.0");
        assert_eq!(releases().len(), 56, "every 3.x release tag");
    }

    #[test]
    fn offers_only_releases_that_build() {
        assert!(default_release().not_offered().is_none());
        let why = find("3.38.0").unwrap().not_offered().unwrap();
        assert!(why.contains("pluginbuilder image has Go 1.25.5"), "{why}");
        assert!(find("3.36.0")
            .unwrap()
            .not_offered()
            .unwrap()
            .contains("no go.sum"));
        assert!(find("3.11.0").unwrap().not_offered().is_some());
        assert_eq!(find("3.11.0").unwrap().nakama_common, "v1.22.0");
        let offered: Vec<&str> = offered().map(|r| r.nakama.as_str()).collect();
        assert_eq!(offered[..3], ["3.40.0", "3.39.0", "3.37.1"]);
    }

    #[test]
    fn rows_and_go_sums_are_checked_as_input() {
        for r in builtin() {
            assert_eq!(r.check(), Ok(()), "{}", r.nakama);
            if let Some(sum) = go_sum(r) {
                assert_eq!(check_go_sum(sum), Ok(()), "{}", r.nakama);
            }
        }
        let good = builtin()[0].clone();
        for (field, bad) in [
            ("nakama", "3.99.0\n"),
            ("nakama", "../x"),
            ("nakama", "v3.99.0"),
            ("nakama_common", "v1.47.0\nreplace a => ./b"),
            ("nakama_common", "1.47.0"),
            ("protobuf", "v1.36.11 // x"),
            ("go", "1.26.5\ntoolchain go9"),
            ("go_line", "1.26 "),
        ] {
            let mut r = good.clone();
            match field {
                "nakama" => r.nakama = bad.into(),
                "nakama_common" => r.nakama_common = bad.into(),
                "protobuf" => r.protobuf = bad.into(),
                "go" => r.go = bad.into(),
                _ => r.go_line = Some(bad.into()),
            }
            let err = r.check().unwrap_err();
            assert!(err.starts_with(field), "{bad:?}: {err}");
        }
        let mut r = good;
        r.nakama_common = "v0.0.0-20240101000000-abcdef012345".into();
        r.protobuf = "v2.0.0+incompatible".into();
        assert_eq!(r.check(), Ok(()));
        let line = "github.com/a/b v1.0.0 h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=";
        assert_eq!(check_go_sum(&format!("{line}\n")), Ok(()));
        for bad in [
            "",
            line,
            "github.com/a/b v1.0.0 h1:short=\n",
            "github.com/a/b v1.0.0  h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=\n",
            "github.com/a/b v1.0.0 h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=\nreplace x\n",
        ] {
            assert!(check_go_sum(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn finds_with_or_without_v() {
        assert_eq!(find("v3.38.0").unwrap().nakama_common, "v1.45.0");
        let err = find("3.99.0").unwrap_err().to_string();
        assert!(err.contains("newer than the newest release scaffold knows (3.40.0); run `scaffold releases --refresh`"), "{err}");
        let err = find("2.9.0").unwrap_err().to_string();
        assert!(
            err.contains("`scaffold releases` lists the known ones"),
            "{err}"
        );
        assert!(!err.contains("3.39.0"), "no dump of the table: {err}");
        assert_eq!(find_offered("latest").unwrap(), default_release());
    }
}
