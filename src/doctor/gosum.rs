//! D009: go.sum must hold the hashes of the nakama-common and protobuf go.mod requires (the
//! module's and its go.mod's), or the build stops with `missing go.sum entry`. A go.mod edited
//! by hand (or by a fix) without `go mod tidy` leaves exactly that. With vendor/ in use, D002
//! checks vendor/modules.txt instead.

use super::id;
use super::report::Problem;
use super::{Facts, Finding, Remedy};
use crate::docker::path::join;
use crate::go::gomod::Require;

/// The modules every plugin shares with Nakama.
const SHARED: [&str; 2] = [
    "github.com/heroiclabs/nakama-common",
    "google.golang.org/protobuf",
];

/// The `path version` hashes go.sum lacks: the module's own (`h1:`) and, unless `go mod
/// download` ran first (it adds those), its go.mod's.
fn lacking(sum: &str, path: &str, version: &str, downloaded: bool) -> Vec<String> {
    let has = |v: &str| {
        sum.lines().any(|l| {
            let mut w = l.split_whitespace();
            w.next() == Some(path) && w.next() == Some(v)
        })
    };
    let mut wanted = vec![version.to_string()];
    if !downloaded {
        wanted.push(format!("{version}/go.mod"));
    }
    wanted.into_iter().filter(|v| !has(v)).collect()
}

pub fn check(f: &Facts) -> Vec<Finding> {
    let Some(b) = &f.model.build else {
        return Vec::new();
    };
    let image = &f.model.image;
    // vendor/ replaces go.sum (D002); a `go mod tidy` in the Dockerfile writes it.
    if f.vendor_mode || image.tidied_by_run.is_some_and(|l| l < b.line) {
        return Vec::new();
    }
    let required: Vec<&Require> = f
        .gomod
        .requires
        .iter()
        .filter(|r| SHARED.contains(&r.path.as_str()))
        .collect();
    if required.is_empty() {
        return Vec::new();
    }
    let fixable = crate::go::tool::available();
    let remedies = || {
        if fixable {
            vec![Remedy::Tidy]
        } else {
            Vec::new()
        }
    };
    let in_image = image.files.get(&join(&f.modroot, "go.sum"));
    let Some(placed) = in_image else {
        // Not copied although it is there, or named by a COPY and missing: D001 says so.
        let named = image
            .missing
            .iter()
            .any(|m| m.source.trim_end_matches('/').ends_with("go.sum"));
        if f.modrepo.is_file("go.sum") || named {
            return Vec::new();
        }
        let Require {
            path,
            version,
            line,
        } = required[0];
        return vec![Finding::fixable(
            Problem::new(
                id::GO_SUM,
                &f.at("go.mod"),
                *line,
                format!("the module has no go.sum, so the build fails with `missing go.sum entry for module providing package {path}/…` ({path} {version})"),
                "run `go mod tidy` and commit go.sum".into(),
            ),
            remedies(),
        )];
    };
    let sum = f.repo.text(&placed.from).unwrap_or_default();
    let downloaded = image.downloaded_by_run.is_some_and(|l| l < b.line);
    let mut missing = Vec::new();
    for Require { path, version, .. } in &required {
        for v in lacking(&sum, path, version, downloaded) {
            missing.push(format!("{path} {v}"));
        }
    }
    if missing.is_empty() {
        return Vec::new();
    }
    let more = match missing.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    vec![Finding::fixable(
        Problem::new(
            id::GO_SUM,
            &placed.from,
            1,
            format!(
                "go.sum has no hash for {}{more}, which go.mod requires; the build fails with `missing go.sum entry`",
                missing[0]
            ),
            "run `go mod tidy` and commit go.sum".into(),
        ),
        remedies(),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_hashes_go_sum_lacks() {
        let sum =
            "a.com/x v1.0.0 h1:abc=\na.com/x v1.0.0/go.mod h1:def=\nb.com/y v0.1.0/go.mod h1:x=\n";
        assert!(lacking(sum, "a.com/x", "v1.0.0", false).is_empty());
        assert_eq!(lacking(sum, "b.com/y", "v0.1.0", false), vec!["v0.1.0"]);
        assert_eq!(
            lacking(sum, "a.com/x", "v1.1.0", false),
            vec!["v1.1.0", "v1.1.0/go.mod"]
        );
        assert_eq!(lacking(sum, "a.com/x", "v1.1.0", true), vec!["v1.1.0"]);
    }
}
