//! `.dockerignore` as Docker reads it: `*`, `?`, `[...]`, `**`, `!` exceptions, last match wins,
//! and a pattern that matches a folder hides everything below it.
//!
//! Written here rather than with globset because Docker's `**` rules differ from gitignore's
//! (`a**b` and a `**` anywhere match across folders), and a mismatch would report packages as
//! hidden (or copied) when Docker does otherwise. Matching is a memoised walk over the pattern,
//! so no pattern makes it slow, and a bad pattern matches nothing instead of failing.

/// One line of a .dockerignore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// 1-based line in the file.
    pub line: usize,
    /// The line as written (trimmed), for messages.
    pub text: String,
    /// A `!` line: re-includes what it matches.
    pub exception: bool,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**/` or `**` inside a pattern: any number of folders, including none.
    Folders,
    /// `**` at the end: anything.
    Rest,
    /// `[...]`: (negated, ranges).
    Class(bool, Vec<(char, char)>),
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
                tokens: compile(&cleaned),
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
        let mut parents = Vec::new();
        for (i, c) in rel.char_indices() {
            if c == '/' {
                parents.push(&rel[..i]);
            }
        }
        self.patterns.iter().rev().find(|p| {
            matches(&p.tokens, rel) || parents.iter().any(|parent| matches(&p.tokens, parent))
        })
    }
}

/// Like Go's `path.Clean` for slash paths.
pub fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// Go's `filepath.Match` for a COPY source: `*`, `?` and `[...]` stay within one path segment,
/// and `**` is no more than two `*`.
pub fn path_match(pattern: &str, path: &str) -> bool {
    let tokens: Vec<Token> = compile(pattern)
        .into_iter()
        .map(|t| match t {
            Token::Folders | Token::Rest => Token::Star,
            t => t,
        })
        .collect();
    matches(&tokens, path)
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

fn compile(pat: &str) -> Vec<Token> {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                out.push(if i >= chars.len() {
                    Token::Rest
                } else {
                    Token::Folders
                });
            }
            '*' => {
                out.push(Token::Star);
                i += 1;
            }
            '?' => {
                out.push(Token::One);
                i += 1;
            }
            '[' => match class(&chars, i) {
                Some((tok, next)) => {
                    out.push(tok);
                    i = next;
                }
                // An unclosed class is a syntax error in Go; it then matches nothing.
                None => return vec![Token::Class(false, Vec::new())],
            },
            '\\' if i + 1 < chars.len() => {
                out.push(Token::Char(chars[i + 1]));
                i += 2;
            }
            c => {
                out.push(Token::Char(c));
                i += 1;
            }
        }
    }
    out
}

/// Reads `[...]` at `chars[at]`; returns the token and the index after `]`.
fn class(chars: &[char], at: usize) -> Option<(Token, usize)> {
    let mut i = at + 1;
    let negated = matches!(chars.get(i), Some('^') | Some('!'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while i < chars.len() {
        let mut c = chars[i];
        if c == ']' && !first {
            return Some((Token::Class(negated, ranges), i + 1));
        }
        first = false;
        if c == '\\' {
            i += 1;
            c = *chars.get(i)?;
        }
        let mut hi = c;
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&n| n != ']') {
            hi = chars[i + 2];
            if hi == '\\' {
                hi = *chars.get(i + 3)?;
                i += 1;
            }
            i += 2;
        }
        ranges.push((c, hi));
        i += 1;
    }
    None
}

/// Whether the whole of `text` matches the tokens; memoised over (token, position).
fn matches(tokens: &[Token], text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut memo = vec![None; (tokens.len() + 1) * (chars.len() + 1)];
    step(tokens, &chars, 0, 0, &mut memo)
}

fn step(t: &[Token], s: &[char], ti: usize, si: usize, memo: &mut Vec<Option<bool>>) -> bool {
    let key = ti * (s.len() + 1) + si;
    if let Some(known) = memo[key] {
        return known;
    }
    let result = match t.get(ti) {
        None => si == s.len(),
        Some(Token::Char(c)) => s.get(si) == Some(c) && step(t, s, ti + 1, si + 1, memo),
        Some(Token::One) => {
            s.get(si).is_some_and(|&c| c != '/') && step(t, s, ti + 1, si + 1, memo)
        }
        Some(Token::Class(neg, ranges)) => {
            s.get(si).is_some_and(|&c| {
                c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *neg
            }) && step(t, s, ti + 1, si + 1, memo)
        }
        Some(Token::Star) => {
            step(t, s, ti + 1, si, memo)
                || (s.get(si).is_some_and(|&c| c != '/') && step(t, s, ti, si + 1, memo))
        }
        Some(Token::Rest) => true,
        // `(.*/)?`: nothing, or any text ending in `/`.
        Some(Token::Folders) => {
            step(t, s, ti + 1, si, memo)
                || (si..s.len()).any(|j| s[j] == '/' && step(t, s, ti + 1, j + 1, memo))
        }
    };
    memo[key] = Some(result);
    result
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

    #[test]
    fn copy_source_globs() {
        assert!(path_match("*.go", "main.go"));
        assert!(!path_match("*.go", "a/main.go"));
        assert!(path_match("p*/*.go", "profile/a.go"));
        assert!(path_match("**", "x"));
        assert!(!path_match("**", "x/y"));
        assert!(has_wildcard("a/*.go") && !has_wildcard("a\\*"));
        assert_eq!(unescape("a\\*b"), "a*b");
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean(""), ".");
    }
}
