//! Every doctor check in one table: its id, what it finds, how serious its problems are, and the
//! function that runs it. `scaffold doctor --help`, `--allow`, the report's severities and the
//! README's doctor table all come from here, so a new check is its file (and `mod` line) plus
//! one row.

use super::id;
use super::report::{Note, Severity};
use super::{
    copies, encoding, gosum, imports, initmodule, judged, markers, plugin_build, release, vendor,
};
use super::{Facts, Finding};

/// Every check's id and summary, read from the table in [`super::checks`].
pub const CHECKS: [(&str, &str); ALL.len()] = {
    let mut out = [("", ""); ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = (ALL[i].id, ALL[i].summary);
        i += 1;
    }
    out
};

/// One check.
pub struct Check {
    /// The stable id problems carry and `--allow` takes.
    pub id: &'static str,
    /// One line for `scaffold doctor --help`.
    pub summary: &'static str,
    /// The README's doctor table cell (markdown): what it finds, in more detail.
    pub finds: &'static str,
    /// The severity of its problems, unless the check lowers one (D006 only warns about YAML and
    /// Go files).
    pub severity: Severity,
    /// Runs the check on the gathered facts; notes are things it could not check.
    pub run: fn(&Facts, &mut Vec<Note>) -> Vec<Finding>,
}

/// The checks, in the order they run (the report sorts what they find).
pub const ALL: &[Check] = &[
    Check {
        id: id::NOT_COPIED,
        summary: "a package (or go.mod/go.sum) the plugin needs is not copied by the builder stage",
        finds: "a package the plugin imports (directly or through other packages) that the Dockerfile's builder stage never copies: `COPY . .`, globs, `WORKDIR`, `--from`/`--chown`, and `.dockerignore` (with `!` exceptions) are understood",
        severity: Severity::Error,
        run: |f, _| copies::check(f),
    },
    Check {
        id: id::VENDOR,
        summary: "the build uses vendor/ but it is missing, not copied or stale",
        finds: "`-mod=vendor` with `vendor/` missing, not copied, or stale against go.mod",
        severity: Severity::Error,
        run: |f, _| vendor::check(f),
    },
    Check {
        id: id::RELEASE,
        summary: "nakama-common, the image tags and the go line disagree with the Nakama release",
        finds: "nakama-common, the two image tags and the go line disagreeing with one Nakama release",
        severity: Severity::Error,
        run: release::check,
    },
    Check {
        id: id::IMPORT_PATH,
        summary: "an import names a folder of this repo under a path that is not the module's",
        finds: "imports of a folder of this repo under a path that is not the module's (`is not in std`)",
        severity: Severity::Error,
        run: |f, _| imports::check(f),
    },
    Check {
        id: id::BUILD_LINE,
        summary: "the go build lacks -buildmode=plugin or -trimpath, has cgo off, or writes under a mount",
        finds: "a build line without `-buildmode=plugin` or `-trimpath`, `CGO_ENABLED=0`, or writing the plugin under one of its `RUN --mount`s (read-only, or gone after the RUN)",
        severity: Severity::Error,
        run: |f, _| plugin_build::check(f),
    },
    Check {
        id: id::ENCODING,
        summary: "CRLF line endings or a UTF-8 BOM where they break builds",
        finds: "CRLF line endings in the Dockerfile, shell scripts or YAML; a UTF-8 BOM",
        severity: Severity::Error,
        run: |f, _| encoding::check(f),
    },
    Check {
        id: id::INIT_MODULE,
        summary: "the root package has no InitModule with Nakama's signature",
        finds: "no `InitModule` with Nakama's signature in the root package",
        severity: Severity::Error,
        run: |f, _| initmodule::check(f),
    },
    Check {
        id: id::MARKERS,
        summary: "the Dockerfile holds merge conflict markers, or block markers Docker does not see",
        finds: "git conflict markers in the Dockerfile; the managed block's markers inside a continued line or a heredoc, doubled or unterminated",
        severity: Severity::Error,
        run: |f, _| markers::check(f),
    },
    Check {
        id: id::GO_SUM,
        summary: "go.sum lacks the hashes of the nakama-common or protobuf go.mod requires",
        finds: "go.sum missing, or without the hashes of the nakama-common and protobuf versions go.mod requires (`missing go.sum entry`); `--fix` runs `go mod tidy` when Go is installed",
        severity: Severity::Error,
        run: |f, _| gosum::check(f),
    },
    Check {
        id: id::GO_SAYS,
        summary: "Go (the builder image's exact release) fails on the staged builder stage",
        finds: "what Go itself says when the builder stage is replayed in a temp folder holding exactly what the Dockerfile copies (`.dockerignore` and `Dockerfile.dockerignore` applied), with the builder image's Go: `go mod download` and the other module steps run where they stand, the build listed (`go list -e -deps`), or built with `--build`; without Go the static checks give the verdict and the report says so",
        severity: Severity::Error,
        run: judged::check,
    },
];

/// The check with this id.
pub fn find(id: &str) -> Option<&'static Check> {
    ALL.iter().find(|c| c.id == id)
}

/// The checks as `scaffold doctor --help` lists them: `  D001 summary`, one a line.
pub fn help() -> String {
    let lines: Vec<String> = ALL
        .iter()
        .map(|c| format!("  {} {}", c.id, c.summary))
        .collect();
    format!(
        "Checks (each id can be allowed with --allow):\n{}",
        lines.join("\n")
    )
}

/// The README's doctor table, header included, one line each.
pub fn readme_table() -> Vec<String> {
    let mut out = vec!["| id | finds |".to_string(), "|---|---|".to_string()];
    out.extend(ALL.iter().map(|c| format!("| {} | {} |", c.id, c.finds)));
    out
}

/// The ids `--allow` names, upper-cased; an id no check has is a usage error naming them all.
pub fn allowed(ids: &[String]) -> crate::error::Result<Vec<String>> {
    let mut allow = Vec::new();
    for id in ids {
        let id = id.trim().to_ascii_uppercase();
        if find(&id).is_none() {
            let known: Vec<&str> = ALL.iter().map(|c| c.id).collect();
            return Err(crate::error::Error::Usage(format!(
                "--allow {id}: no such check; the checks are {}",
                known.join(", ")
            )));
        }
        allow.push(id);
    }
    Ok(allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_in_order() {
        let ids: Vec<&str> = ALL.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    /// README.md's doctor table is this table: a new or changed row fails here until the README
    /// says the same (the message prints the table to paste).
    #[test]
    fn readme_doctor_table_matches() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md is readable");
        let wanted = readme_table();
        let found: Vec<&str> = readme
            .lines()
            .skip_while(|l| *l != wanted[0])
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert_eq!(
            found,
            wanted,
            "README.md's doctor table differs from doctor::checks::ALL; it should read:\n{}",
            wanted.join("\n")
        );
    }
}
