//! The plugin's import graph inside the module (which package folders `go build` compiles,
//! following imports from the main package), and check D004: an import that names a folder of
//! this repo under a path that is not the module's.

use super::id;
use super::report::{Note, Problem};
use super::{Facts, Finding};
use crate::docker::stage::Model;
use crate::docker::tree::Repo;
use crate::go::build;
use crate::go::source::{self as gosrc, GoFile};
use crate::go::GoMod;
use std::collections::{BTreeMap, VecDeque};

/// The first path elements of the standard library: a dotless import under them is std.
const STD_ROOTS: [&str; 49] = [
    "archive",
    "bufio",
    "builtin",
    "bytes",
    "cmp",
    "compress",
    "container",
    "context",
    "crypto",
    "database",
    "debug",
    "embed",
    "encoding",
    "errors",
    "expvar",
    "flag",
    "fmt",
    "go",
    "hash",
    "html",
    "image",
    "index",
    "internal",
    "io",
    "iter",
    "log",
    "maps",
    "math",
    "mime",
    "net",
    "os",
    "path",
    "plugin",
    "reflect",
    "regexp",
    "runtime",
    "slices",
    "sort",
    "strconv",
    "strings",
    "structs",
    "sync",
    "syscall",
    "testing",
    "text",
    "time",
    "unicode",
    "unique",
    "unsafe",
];

/// A package folder of the module the plugin needs.
#[derive(Debug, Clone, Default)]
pub struct Pkg {
    /// The repo paths of the .go files Go compiles for it (tests and excluded files left out).
    pub files: Vec<String>,
    /// The file and line that first imports it (`None` for the main package).
    pub by: Option<(String, usize)>,
    /// Its import path.
    pub path: String,
    /// The other files its build reads (repo paths): `//go:embed` targets, cgo and assembly
    /// sources, by the same rules as the managed block (`crate::go::build`).
    pub inputs: Vec<String>,
}

/// An import that names a repo folder under another prefix than the module path (D004).
#[derive(Debug, Clone)]
pub struct Foreign {
    pub file: String,
    pub line: usize,
    pub path: String,
    pub folder: String,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The main package's folder ("" for the repo root).
    pub main_dir: String,
    /// Needed packages by folder ("" for the root).
    pub packages: BTreeMap<String, Pkg>,
    /// Every parsed file of those packages.
    pub parsed: BTreeMap<String, GoFile>,
    pub foreign: Vec<Foreign>,
    /// Imports of this module's path for which the repo has no folder.
    pub absent: Vec<Foreign>,
    pub notes: Vec<Note>,
}

/// The folder of the main package, relative to the repo, and the files when `go build` names
/// files instead of a package.
pub fn main_package(model: &Model, modroot: &str, module: &str) -> (String, Option<Vec<String>>) {
    let Some(b) = &model.build else {
        return (String::new(), None);
    };
    let base = super::repo_path(modroot, &b.dir).unwrap_or_default();
    let at = |rel: &str| {
        let joined = crate::docker::path::clean(&format!("{base}/{rel}"));
        if joined == "." {
            String::new()
        } else {
            joined.trim_start_matches('/').to_string()
        }
    };
    let files: Vec<&String> = b.packages.iter().filter(|p| p.ends_with(".go")).collect();
    if !files.is_empty() {
        let paths: Vec<String> = files.iter().map(|f| at(f)).collect();
        let dir = crate::docker::tree::parent(&paths[0]).to_string();
        return (dir, Some(paths));
    }
    match b.packages.first().map(String::as_str) {
        None | Some(".") | Some("./...") => (at("."), None),
        Some(p) if p.starts_with("./") || p.starts_with("../") => {
            (at(p.trim_end_matches("/...")), None)
        }
        Some(p) if p == module => (String::new(), None),
        Some(p) => match p.strip_prefix(module).and_then(|r| r.strip_prefix('/')) {
            Some(rel) => (rel.to_string(), None),
            None => (at("."), None),
        },
    }
}

/// The files besides its Go files that a package's build reads: what its `//go:embed` patterns
/// match below its folder (hidden `.`/`_` names only with `all:`), and its cgo or assembly
/// sources.
fn package_inputs(
    repo: &Repo,
    dir: &str,
    files: &[String],
    parsed: &BTreeMap<String, GoFile>,
) -> Vec<String> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut out = std::collections::BTreeSet::new();
    // The package's files, relative to its folder.
    let below: Vec<String> = repo
        .entries
        .iter()
        .filter(|(p, k)| **k == crate::docker::tree::Kind::File && p.starts_with(&prefix))
        .map(|(p, _)| p[prefix.len()..].to_string())
        .collect();
    for (pattern, _) in files
        .iter()
        .filter_map(|f| parsed.get(f))
        .flat_map(|g| &g.embeds)
    {
        out.extend(
            build::embedded(pattern, &below)
                .into_iter()
                .map(|f| format!("{prefix}{f}")),
        );
    }
    let names = repo.files_in(dir);
    let cgo = files
        .iter()
        .filter_map(|f| parsed.get(f))
        .any(GoFile::uses_cgo);
    for name in build::other_sources(&names, cgo) {
        out.insert(format!("{prefix}{name}"));
    }
    out.into_iter().collect()
}

/// Whether Go treats folder `dir` as a package of this module (not vendor, testdata, `_x`,
/// `.x`, nor a nested module).
fn module_folder(repo: &Repo, dir: &str) -> bool {
    if dir.is_empty() {
        return true;
    }
    let segs: Vec<&str> = dir.split('/').collect();
    let hidden = segs.iter().any(|s| build::ignored_name(s));
    // A folder with its own go.mod (here or above, below the root) is another module.
    let nested = (1..=segs.len()).any(|n| repo.is_file(&format!("{}/go.mod", segs[..n].join("/"))));
    repo.is_dir(dir) && !hidden && segs[0] != "vendor" && !nested
}

impl Graph {
    /// Follows imports from the main package through the module's own packages.
    pub fn build(
        repo: &Repo,
        gomod: &GoMod,
        main_dir: &str,
        main_files: Option<&[String]>,
        tags: &[String],
        go_minor: Option<u64>,
    ) -> Graph {
        let mut g = Graph {
            main_dir: main_dir.to_string(),
            ..Graph::default()
        };
        let module = gomod.module.as_str();
        let mut queue: VecDeque<(String, Option<(String, usize)>)> = VecDeque::new();
        queue.push_back((main_dir.to_string(), None));
        while let Some((dir, by)) = queue.pop_front() {
            if g.packages.contains_key(&dir) {
                continue;
            }
            let files = match (dir == main_dir, main_files) {
                (true, Some(list)) => {
                    let list: Vec<String> =
                        list.iter().filter(|f| repo.is_file(f)).cloned().collect();
                    for file in &list {
                        let parsed = gosrc::parse(&repo.text(file).unwrap_or_default());
                        g.parsed.insert(file.clone(), parsed);
                    }
                    list
                }
                _ => g.package_files(repo, &dir, tags, go_minor),
            };
            let path = if dir.is_empty() {
                module.to_string()
            } else {
                format!("{module}/{dir}")
            };
            let mut next = Vec::new();
            for file in &files {
                let parsed = &g.parsed[file];
                for imp in &parsed.imports {
                    next.push((file.clone(), imp.clone()));
                }
            }
            let inputs = package_inputs(repo, &dir, &files, &g.parsed);
            g.packages.insert(
                dir.clone(),
                Pkg {
                    files,
                    by,
                    path,
                    inputs,
                },
            );
            for (file, imp) in next {
                let rel = if imp.path == module {
                    Some(String::new())
                } else {
                    imp.path
                        .strip_prefix(module)
                        .and_then(|r| r.strip_prefix('/'))
                        .map(str::to_string)
                };
                match rel {
                    Some(rel) if module_folder(repo, &rel) => {
                        queue.push_back((rel, Some((file, imp.line))));
                    }
                    // A folder of this module that does not exist (renamed or deleted):
                    // Go fails on it wherever it builds.
                    Some(rel) if !repo.is_dir(&rel) => g.absent.push(Foreign {
                        file: file.clone(),
                        line: imp.line,
                        path: imp.path.clone(),
                        folder: rel,
                    }),
                    Some(_) => {}
                    None => {
                        if let Some(folder) = foreign_folder(repo, gomod, &imp.path) {
                            g.foreign.push(Foreign {
                                file: file.clone(),
                                line: imp.line,
                                path: imp.path.clone(),
                                folder: folder.clone(),
                            });
                            // Once the import is fixed the folder must also be copied.
                            queue.push_back((folder, Some((file.clone(), imp.line))));
                        }
                    }
                }
            }
        }
        g
    }

    /// The .go files Go compiles in `dir`, parsed into `self.parsed`.
    fn package_files(
        &mut self,
        repo: &Repo,
        dir: &str,
        tags: &[String],
        go_minor: Option<u64>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for name in repo.files_in(dir) {
            if !name.ends_with(".go") {
                continue;
            }
            let rel = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            let parsed = gosrc::parse(&repo.text(&rel).unwrap_or_default());
            if build::builds(&name, &parsed, tags, go_minor) {
                self.parsed.insert(rel.clone(), parsed);
                out.push(rel);
            }
        }
        out
    }
}

/// For an import outside the module: the repo folder it names when a suffix of it is a package
/// folder here and its prefix is neither the standard library nor a required module.
fn foreign_folder(repo: &Repo, gomod: &GoMod, path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').collect();
    let first = segs.first()?;
    if path == "C" || (!first.contains('.') && STD_ROOTS.contains(first)) {
        return None;
    }
    let required = gomod
        .requires
        .iter()
        .any(|r| path == r.path || path.starts_with(&format!("{}/", r.path)));
    if required {
        return None;
    }
    (1..segs.len())
        .map(|k| segs[k..].join("/"))
        .find(|s| module_folder(repo, s) && repo.files_in(s).iter().any(|f| f.ends_with(".go")))
}

/// What Go says when an import path is not found, by the kind of path.
pub fn not_found_message(path: &str, vendor: bool) -> String {
    let dotless = !path.split('/').next().unwrap_or("").contains('.');
    if dotless {
        format!("package {path} is not in std")
    } else if vendor {
        format!(
            "cannot find module providing package {path}: import lookup disabled by -mod=vendor"
        )
    } else {
        // Go 1.26 says this for a folder of the main module that is not there, too.
        format!("no required module provides package {path}")
    }
}

/// D004: imports of this repo's folders under the wrong prefix.
pub fn check(f: &Facts) -> Vec<Finding> {
    let module = &f.gomod.module;
    f.graph
        .foreign
        .iter()
        .map(|x| {
            let right = format!("{module}/{}", x.folder);
            Finding::manual(Problem::new(
                id::IMPORT_PATH,
                &f.at(&x.file),
                x.line,
                format!(
                    "imports `{}`, which names the folder {}/, but the module is `{module}`: Go looks for it outside the module and fails with `{}`",
                    x.path,
                    x.folder,
                    not_found_message(&x.path, f.vendor_mode)
                ),
                format!("import \"{right}\" instead of \"{}\"", x.path),
            ))
        })
        .collect()
}
