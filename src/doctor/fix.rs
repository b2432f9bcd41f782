//! `--fix`: turns the safe remedies into new file contents, in memory. Per file the order is
//! fixed (line endings and BOM first, then image tags or the nakama-common line, then the
//! package block) so the edits never fight, and running it on its own output changes nothing.

use super::encoding::normalize;
use super::{Finding, Remedy};
use crate::docker;
use crate::docker::tree::Repo;
use crate::go::gomod;
use crate::text::replace_word;
use std::collections::{BTreeMap, BTreeSet};

/// What the remedies change: new contents per file (unchanged files left out).
#[derive(Debug, Clone, Default)]
pub struct Planned {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Files to delete (vendor/ files `go mod vendor` no longer writes).
    pub deleted: Vec<String>,
    /// Why a remedy could not be planned (`go mod tidy` failed): its fix is left out.
    pub failed: Vec<String>,
}

/// What a remedy changes, as `--fix` names it when it keeps or drops a fix.
pub fn label(r: &Remedy) -> String {
    match r {
        Remedy::CopyFolder(_) => "the package COPY lines".into(),
        Remedy::SetImage { .. } => "the image tags".into(),
        Remedy::SetRequire { path, .. } => format!("{path} in go.mod"),
        Remedy::SetGo { .. } => "the go line".into(),
        Remedy::Tidy => "go.sum (`go mod tidy`)".into(),
        Remedy::Normalize { file, .. } => format!("the line endings of {file}"),
    }
}

/// Where the files the remedies edit are, in the context.
#[derive(Debug, Clone)]
pub struct Paths {
    pub dockerfile: String,
    /// The module's folder ("" for the context root).
    pub moddir: String,
}

/// The planned contents of every file the remedies of `findings` change.
pub fn plan(repo: &Repo, paths: &Paths, findings: &[Finding]) -> Planned {
    let gomod_path = super::join_rel(&paths.moddir, "go.mod");
    let remedies: Vec<&Remedy> = findings.iter().flat_map(|f| &f.remedies).collect();
    let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let current = |out: &BTreeMap<String, Vec<u8>>, file: &str| {
        out.get(file).cloned().or_else(|| repo.bytes(file))
    };
    for r in &remedies {
        if let Remedy::Normalize { file, eol } = r {
            if let Some(b) = current(&out, file) {
                out.insert(file.clone(), normalize(&b, *eol));
            }
        }
    }
    // Text edits need valid UTF-8; a file that is not is left for a person.
    let text_of = |out: &BTreeMap<String, Vec<u8>>, file: &str| {
        current(out, file).and_then(|b| String::from_utf8(b).ok())
    };
    if let Some(mut text) = text_of(&out, &paths.dockerfile) {
        let before = text.clone();
        for r in &remedies {
            if let Remedy::SetImage { line, from, to } = r {
                text = edit_line(&text, *line, |l| replace_word(l, from, to));
            }
        }
        let folders: BTreeSet<String> = remedies
            .iter()
            .filter_map(|r| match r {
                Remedy::CopyFolder(f) => Some(f.clone()),
                _ => None,
            })
            .collect();
        if !folders.is_empty() {
            if let Some(next) = add_folders(&text, &folders) {
                text = next;
            }
        }
        if text != before {
            out.insert(paths.dockerfile.clone(), text.into_bytes());
        }
    }
    if let Some(mut text) = text_of(&out, &gomod_path) {
        let before = text.clone();
        for r in &remedies {
            match r {
                Remedy::SetRequire { path, to } => {
                    text = gomod::set_require(&text, path, to).unwrap_or(text);
                }
                Remedy::SetGo { to } => text = gomod::set_go(&text, to),
                _ => {}
            }
        }
        if text != before {
            out.insert(gomod_path.clone(), text.into_bytes());
        }
    }
    let mut planned = Planned::default();
    let tidy = remedies
        .iter()
        .any(|r| matches!(r, Remedy::SetRequire { .. } | Remedy::Tidy));
    if tidy {
        match tidy_module(repo, &paths.moddir, &out) {
            Ok(t) => {
                for (rel, bytes) in t.files {
                    out.insert(super::join_rel(&paths.moddir, &rel), bytes);
                }
                planned.deleted = t
                    .deleted
                    .iter()
                    .map(|rel| super::join_rel(&paths.moddir, rel))
                    .collect();
            }
            Err(e) => planned.failed.push(e),
        }
    }
    // Drop files whose planned bytes equal what is on disk (a no-op normalisation).
    out.retain(|file, bytes| repo.bytes(file).as_deref() != Some(bytes.as_slice()));
    planned.files = out;
    planned
}

/// `go mod tidy` (and `go mod vendor` when vendor/modules.txt is there) on the module at
/// `moddir` with the planned contents in `out`; the files it changes, module-relative.
pub(crate) fn tidy_module(
    repo: &Repo,
    moddir: &str,
    out: &BTreeMap<String, Vec<u8>>,
) -> Result<crate::go::tool::Tidied, String> {
    let planned = repo.with_overlay(out);
    let module = planned.sub(moddir);
    let mut files = BTreeMap::new();
    let mut old_vendor = BTreeMap::new();
    for (rel, kind) in &module.entries {
        if *kind != crate::docker::tree::Kind::File {
            continue;
        }
        let Some(bytes) = module.bytes(rel) else {
            continue;
        };
        if rel.starts_with("vendor/") {
            old_vendor.insert(rel.clone(), bytes);
        } else {
            files.insert(rel.clone(), bytes);
        }
    }
    let vendor = module.is_file("vendor/modules.txt");
    crate::go::tool::tidy(&files, &old_vendor, vendor)
}

/// The block's folders plus `add`, rewritten in place, or a new block when there is none.
fn add_folders(text: &str, add: &BTreeSet<String>) -> Option<String> {
    let block = docker::block::find(text).ok()?;
    let (have, files) = block
        .as_ref()
        .map(|b| docker::block::copied(&b.lines))
        .unwrap_or_default();
    let folders: BTreeSet<String> = add.iter().cloned().chain(have).collect();
    let folders: Vec<String> = folders.into_iter().collect();
    match block {
        Some(_) => {
            let wanted = docker::block::copy_lines(&folders, &files);
            docker::block::rewrite(text, &wanted, false).ok()
        }
        None => docker::block::adopt(text, &folders, &files),
    }
}

/// Applies `f` to 1-based line `line` (without its line ending), keeping everything else.
fn edit_line(text: &str, line: usize, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, chunk) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let body = chunk.trim_end_matches(['\n', '\r']);
            out.push_str(&f(body));
            out.push_str(&chunk[body.len()..]);
        } else {
            out.push_str(chunk);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_one_line_keeping_endings() {
        let t = "a x\r\nb x\r\nc";
        assert_eq!(edit_line(t, 2, |l| l.replace('x', "y")), "a x\r\nb y\r\nc");
        assert_eq!(edit_line(t, 3, |l| format!("{l}!")), "a x\r\nb x\r\nc!");
        assert_eq!(edit_line(t, 9, |_| String::new()), t);
    }

    #[test]
    fn adds_folders_to_block_or_adopts() {
        let seed = "FROM b AS builder\nCOPY *.go .\nRUN go build -buildmode=plugin\n";
        let add: BTreeSet<String> = ["profile".to_string()].into();
        let once = add_folders(seed, &add).unwrap();
        assert!(once.contains("COPY profile/ profile/\n# scaffold:packages end\nRUN go build"));
        let more: BTreeSet<String> = ["inventory".to_string()].into();
        let twice = add_folders(&once, &more).unwrap();
        assert!(twice.contains("COPY inventory/ inventory/\nCOPY profile/ profile/\n"));
    }
}
