//! `.dockerignore` as Docker reads it: `*`, `?`, `[...]`, `**`, `!` exceptions, last match wins,
//! and a pattern that matches a folder hides everything below it. The wildcards themselves are
//! [`Glob`]'s.

use super::glob::Glob;
use super::path::clean;

/// One line of a .dockerignore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// 1-based line in the file.
    pub line: usize,
    /// The line as written (trimmed), for messages.
    pub text: String,
    /// A `!` line: re-includes what it matches.
    pub exception: bool,
    glob: Glob,
}

/// Every pattern of a .dockerignore, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerIgnore {
    pub patterns: Vec<Pattern>,
}

impl DockerIgnore {
    /// Reads a .dockerignore's text; blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exception, body) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let cleaned = clean(body);
            let cleaned = cleaned.strip_prefix('/').unwrap_or(&cleaned).to_string();
            if cleaned.is_empty() {
                continue;
            }
            patterns.push(Pattern {
                line: i + 1,
                text: line.to_string(),
                exception,
                glob: Glob::new(&cleaned),
            });
        }
        DockerIgnore { patterns }
    }

    /// Whether the context path `rel` (`/`-separated, relative) is left out of the context.
    pub fn excluded(&self, rel: &str) -> bool {
        self.decider(rel).is_some_and(|p| !p.exception)
    }

    /// The last pattern that matches `rel` or one of its parent folders: the one that decides.
    pub fn decider(&self, rel: &str) -> Option<&Pattern> {
        let rel = rel.trim_matches('/');
        self.patterns
            .iter()
            .rev()
            .find(|p| p.glob.matches_or_parent(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(patterns: &str, path: &str) -> bool {
        DockerIgnore::parse(patterns).excluded(path)
    }

    #[test]
    fn docker_pattern_rules() {
        assert!(ex("*.so", "backend.so"));
        assert!(!ex("*.so", "sub/backend.so"));
        assert!(ex("**/*.so", "sub/x/backend.so"));
        assert!(ex("**/*.so", "backend.so"));
        assert!(ex("profile", "profile/profile.go"));
        assert!(ex("/profile/", "profile/profile.go"));
        assert!(ex("./profile", "profile/a.go"));
        assert!(ex("pro*", "profile/a.go"));
        assert!(!ex("pro?", "profile/a.go"));
        assert!(ex("a/**", "a/b/c.go"));
        assert!(ex("a**b", "a/x/y/b"));
        assert!(ex("[a-c]*.go", "b.go"));
        assert!(!ex("[^a-c]*.go", "b.go"));
        assert!(!ex("[abc", "[abc"));
        assert!(ex("*\n!keep.go", "other.go"));
        assert!(!ex("*\n!keep.go", "keep.go"));
        assert!(ex("!x\nx", "x"));
        assert!(!ex("# profile\n\n", "profile/a.go"));
    }

    #[test]
    fn exceptions_reach_inside_hidden_folders() {
        let di = DockerIgnore::parse("profile\n!profile/keep.go\n");
        assert!(di.excluded("profile/a.go"));
        assert!(!di.excluded("profile/keep.go"));
        assert_eq!(di.decider("profile/a.go").unwrap().line, 1);
        assert_eq!(di.decider("profile/keep.go").unwrap().line, 2);
    }
}
