//! The source side of COPY and ADD: the build context (the paths `.dockerignore` lets through)
//! and which of its paths a source names. A source is relative to the context root, a folder
//! stands for its contents, and a wildcard matches within one path segment (Go's
//! `filepath.Match`); an escaped wildcard is a plain character.

use super::glob::Glob;
use super::ignore::DockerIgnore;
use std::collections::BTreeMap;

/// The build context: every path Docker sends (`/`-separated, relative), and whether it is a
/// folder.
#[derive(Debug, Clone, Default)]
pub struct Context {
    entries: BTreeMap<String, bool>,
}

impl Context {
    /// The context made of `paths` (each with whether it is a folder) minus what `ignore`
    /// leaves out.
    pub fn new<'a>(
        paths: impl IntoIterator<Item = (&'a str, bool)>,
        ignore: Option<&DockerIgnore>,
    ) -> Context {
        let mut entries = BTreeMap::new();
        for (path, is_dir) in paths {
            if ignore.is_some_and(|i| i.excluded(path)) {
                continue;
            }
            // A folder stays when something below it is let back in by an exception.
            let mut at = 0;
            while let Some(p) = path[at..].find('/') {
                entries.entry(path[..at + p].to_string()).or_insert(true);
                at += p + 1;
            }
            entries.insert(path.to_string(), is_dir);
        }
        Context { entries }
    }

    /// The context paths a cleaned source pattern names ("." is the whole context).
    pub fn sources(&self, pattern: &str) -> Vec<String> {
        if pattern == "." {
            return vec![".".into()];
        }
        if !has_wildcard(pattern) {
            let p = unescape(pattern);
            return if self.entries.contains_key(&p) {
                vec![p]
            } else {
                Vec::new()
            };
        }
        let depth = pattern.matches('/').count();
        let glob = Glob::filepath(pattern);
        self.entries
            .keys()
            .filter(|k| k.matches('/').count() == depth && glob.matches(k))
            .cloned()
            .collect()
    }

    /// Whether Docker sends this path (a file, folder or link).
    pub fn contains(&self, rel: &str) -> bool {
        rel == "." || self.entries.contains_key(rel)
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        rel == "." || self.entries.get(rel) == Some(&true)
    }

    /// Every non-folder path below `dir`, with its path relative to `dir`.
    pub fn files_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = (&'a String, &'a str)> {
        let prefix = if dir == "." {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .filter(|(_, is_dir)| !**is_dir)
            .map(move |(k, _)| (k, &k[if dir == "." { 0 } else { dir.len() + 1 }..]))
    }
}

/// Whether a COPY source has a wildcard (an escaped one does not count).
pub fn has_wildcard(pattern: &str) -> bool {
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                it.next();
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// A COPY source without its escapes.
pub fn unescape(pattern: &str) -> String {
    let mut out = String::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => out.extend(it.next()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(paths: &[(&str, bool)], ignore: &str) -> Context {
        let ignore = DockerIgnore::parse(ignore);
        Context::new(paths.iter().copied(), Some(&ignore))
    }

    #[test]
    fn sources_match_within_one_segment() {
        let ctx = context(
            &[
                ("main.go", false),
                ("profile", true),
                ("profile/a.go", false),
                ("a*b", false),
            ],
            "",
        );
        assert_eq!(ctx.sources("*.go"), vec!["main.go"]);
        assert_eq!(ctx.sources("p*/*.go"), vec!["profile/a.go"]);
        assert_eq!(ctx.sources("a\\*b"), vec!["a*b"]);
        assert!(ctx.sources("nothere").is_empty());
        assert!(ctx.is_dir("profile") && !ctx.is_dir("main.go") && ctx.is_dir("."));
        let below: Vec<&str> = ctx.files_under("profile").map(|(_, b)| b).collect();
        assert_eq!(below, vec!["a.go"]);
    }

    #[test]
    fn ignored_paths_leave_the_context_and_exceptions_keep_their_folders() {
        let ctx = context(
            &[
                ("profile", true),
                ("profile/a.go", false),
                ("profile/keep.go", false),
            ],
            "profile\n!profile/keep.go\n",
        );
        assert_eq!(ctx.sources("profile/*.go"), vec!["profile/keep.go"]);
        assert!(ctx.is_dir("profile"));
    }

    #[test]
    fn wildcards_and_escapes() {
        assert!(has_wildcard("a/*.go") && !has_wildcard("a\\*"));
        assert_eq!(unescape("a\\*b"), "a*b");
    }
}
