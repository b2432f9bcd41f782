//! D002: the build reads vendor/ (`-mod=vendor`, or go ≥ 1.14 with a vendor/ folder in the
//! image) but vendor/ is missing, not copied, hidden, or stale against go.mod.

use super::id;
use super::report::Problem;
use super::{Facts, Finding};
use crate::docker::path::join;
use crate::docker::stage::Model;
use crate::go::{GoMod, GoVersion};
use std::collections::BTreeMap;

/// The go line as a version (`1.21rc1` reads as 1.21.0; a bad line as 0).
pub fn go_version(v: &str) -> GoVersion {
    GoVersion::parse(v).unwrap_or_default()
}

fn has_vendor(model: &Model, modroot: &str) -> bool {
    let prefix = join(modroot, "vendor") + "/";
    model.image.vendored_by_run.is_some()
        || model
            .image
            .files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
}

/// Whether `go build` runs in vendor mode.
pub fn vendor_mode(model: &Model, modroot: &str, gomod: &GoMod) -> bool {
    let Some(b) = &model.build else {
        return false;
    };
    match b.flags.module_mode.as_deref() {
        Some("vendor") => true,
        Some(_) => false,
        None => {
            go_version(gomod.go.as_deref().unwrap_or("0")) >= GoVersion(1, 14, 0)
                && has_vendor(model, modroot)
        }
    }
}

/// One `# module version` entry of vendor/modules.txt.
struct Vendored {
    version: String,
    explicit: bool,
    line: usize,
}

fn read_modules_txt(text: &str) -> BTreeMap<String, Vendored> {
    let mut out: BTreeMap<String, Vendored> = BTreeMap::new();
    let mut last: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("## ") {
            if rest.split(';').any(|p| p.trim() == "explicit") {
                if let Some(v) = last.as_ref().and_then(|m| out.get_mut(m)) {
                    v.explicit = true;
                }
            }
        } else if let Some(rest) = line.strip_prefix("# ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            // `# path version`, `# path version => repl`; `# path => repl` replaces all versions.
            if let [path, version, ..] = words[..] {
                if version != "=>" {
                    out.insert(
                        path.to_string(),
                        Vendored {
                            version: version.to_string(),
                            explicit: false,
                            line: i + 1,
                        },
                    );
                    last = Some(path.to_string());
                    continue;
                }
            }
            last = None;
        }
    }
    out
}

pub fn check(f: &Facts) -> Vec<Finding> {
    let Some(b) = &f.model.build else {
        return Vec::new();
    };
    if !f.vendor_mode {
        // Not used by the Docker build, but go ≥ 1.14 still reads a vendor/ it finds, so a
        // stale one breaks every local `go build` and `go test`.
        let reads_vendor = go_version(f.gomod.go.as_deref().unwrap_or("0")) >= GoVersion(1, 14, 0);
        return if reads_vendor && f.modrepo.is_file("vendor/modules.txt") {
            stale(f)
        } else {
            Vec::new()
        };
    }
    let root = &f.modroot;
    let explicit = b.flags.module_mode.as_deref() == Some("vendor");
    let why = if explicit {
        format!("the build on line {} uses -mod=vendor", b.line)
    } else {
        format!(
            "go {} builds from vendor/ when it is there",
            f.gomod.go.as_deref().unwrap_or("?")
        )
    };
    let in_image = f
        .model
        .image
        .files
        .contains_key(&join(root, "vendor/modules.txt"));
    if let Some(line) = f.model.image.vendored_by_run {
        return vendored_too_early(f, line);
    }
    if !f.modrepo.is_file("vendor/modules.txt") {
        let what = if f.modrepo.is_dir("vendor") {
            "vendor/ has no modules.txt"
        } else {
            "the repo has no vendor/"
        };
        return vec![Finding::manual(Problem::new(
            id::VENDOR,
            &f.dockerfile_path,
            b.line,
            format!("{why}, but {what}; the build fails with `go: inconsistent vendoring` or `import lookup disabled by -mod=vendor`"),
            "run `go mod vendor` and commit vendor/ (or drop -mod=vendor and copy go.sum)".into(),
        ))];
    }
    if !in_image {
        let ignore_file = f.ignore_file.as_deref().unwrap_or(".dockerignore");
        let hidden = f
            .model
            .bare
            .files
            .contains_key(&join(root, "vendor/modules.txt"));
        let pat = f
            .ignore
            .decider(&f.at("vendor/modules.txt"))
            .filter(|p| !p.exception);
        return vec![match (hidden, pat) {
            (true, Some(p)) => Finding::manual(Problem::new(
                id::VENDOR,
                ignore_file,
                p.line,
                format!("{why}, but `{}` (line {}) leaves vendor/ out of the build context", p.text, p.line),
                format!("delete line {} of {ignore_file}, or add `!vendor/` below it", p.line),
            )),
            _ => Finding::manual(Problem::new(
                id::VENDOR,
                &f.dockerfile_path,
                b.line,
                format!("{why}, but vendor/ is never copied into {root}; the build fails with `cannot find module providing package …: import lookup disabled by -mod=vendor`"),
                format!("add `COPY vendor/ vendor/` before line {}", b.line),
            )),
        }];
    }
    stale(f)
}

/// `RUN go mod vendor` vendors the packages that the Go files in the image then import; a
/// package imported only by files copied after it is missing from vendor/, and the build fails.
fn vendored_too_early(f: &Facts, line: usize) -> Vec<Finding> {
    let module = &f.gomod.module;
    let present = &f.model.image.vendored_with;
    let mut covered = std::collections::BTreeSet::new();
    let mut needed: Vec<(&str, &str, usize)> = Vec::new();
    for (file, parsed) in &f.graph.parsed {
        let there = present.contains(&join(&f.modroot, file));
        for imp in &parsed.imports {
            let first = imp.path.split('/').next().unwrap_or("");
            let external = first.contains('.')
                && imp.path != *module
                && !imp.path.starts_with(&format!("{module}/"));
            if !external {
                continue;
            }
            if there {
                covered.insert(imp.path.as_str());
            } else {
                needed.push((imp.path.as_str(), file.as_str(), imp.line));
            }
        }
    }
    let Some((path, file, _)) = needed.into_iter().find(|(p, _, _)| !covered.contains(p)) else {
        return Vec::new();
    };
    let copied = f
        .model
        .image
        .files
        .get(&join(&f.modroot, file))
        .map(|p| format!(" (line {})", p.line))
        .unwrap_or_default();
    vec![Finding::manual(Problem::new(
        id::VENDOR,
        &f.dockerfile_path,
        line,
        format!("`RUN go mod vendor` runs before {}{copied} is copied, so vendor/ lacks {path}, which it imports; the build fails with `cannot find module providing package {path}: import lookup disabled by -mod=vendor`", f.at(file)),
        "copy the Go sources before `RUN go mod vendor` (or drop it and copy go.sum: the build then downloads modules)".into(),
    ))]
}

/// vendor/modules.txt against go.mod's requirements, as `go` checks them (Go 1.17+ marks
/// every requirement `## explicit`).
fn stale(f: &Facts) -> Vec<Finding> {
    let text = f.modrepo.text("vendor/modules.txt").unwrap_or_default();
    let vendored = read_modules_txt(&text);
    let mut diffs: Vec<(usize, String)> = Vec::new();
    for crate::go::gomod::Require { path, version, .. } in &f.gomod.requires {
        match vendored.get(path) {
            None => diffs.push((
                1,
                format!("go.mod requires {path} {version}, vendor/ lacks it"),
            )),
            Some(v) if v.version != *version => diffs.push((
                v.line,
                format!(
                    "go.mod requires {path} {version}, vendor/ has {}",
                    v.version
                ),
            )),
            _ => {}
        }
    }
    for (path, v) in &vendored {
        if v.explicit && f.gomod.require(path).is_none() {
            diffs.push((
                v.line,
                format!(
                    "vendor/ lists {path} {} that go.mod no longer requires",
                    v.version
                ),
            ));
        }
    }
    if diffs.is_empty() {
        return Vec::new();
    }
    diffs.sort();
    let line = diffs[0].0;
    let more = if diffs.len() > 1 {
        format!(" (and {} more)", diffs.len() - 1)
    } else {
        String::new()
    };
    vec![Finding::manual(Problem::new(
        id::VENDOR,
        &f.at("vendor/modules.txt"),
        line,
        format!(
            "vendor/ is stale: {}{more}; the build fails with `go: inconsistent vendoring`",
            diffs[0].1
        ),
        "run `go mod vendor` and commit vendor/".into(),
    ))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_modules_txt() {
        let m = read_modules_txt("# a.com/x v1.0.0\n## explicit; go 1.22\na.com/x\n# b.com/y v0.1.0\nb.com/y\n# c.com/z => ../z\n");
        assert_eq!(m["a.com/x"].version, "v1.0.0");
        assert!(m["a.com/x"].explicit);
        assert!(!m["b.com/y"].explicit);
        assert_eq!(m["b.com/y"].line, 4);
        assert!(!m.contains_key("c.com/z"));
    }

    #[test]
    fn go_versions() {
        assert_eq!(go_version("1.26.5"), GoVersion(1, 26, 5));
        assert_eq!(go_version("x"), GoVersion::default());
    }
}
