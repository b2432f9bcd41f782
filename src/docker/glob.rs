//! Docker's wildcards: `*`, `?`, `[...]` and `**`, in the two flavours Docker uses. A
//! `.dockerignore` line lets `**` cross folders ([`Glob::new`]); a COPY source follows Go's
//! `filepath.Match`, where nothing crosses a `/` and `**` is no more than two `*`
//! ([`Glob::filepath`]).
//!
//! Written here rather than with globset because Docker's `**` rules differ from gitignore's
//! (`a**b` and a `**` anywhere match across folders), and a mismatch would report packages as
//! hidden (or copied) when Docker does otherwise. A bad pattern matches nothing instead of
//! failing.
//!
//! Patterns come from the repo (a .dockerignore line, a COPY source may be megabytes long), so
//! matching neither recurses nor keeps a table of pattern × text: the pattern is run as a set
//! of states over the text, one character at a time, in time pattern × text and memory
//! pattern. Runs of `*` and `**` are first reduced to at most two tokens that match the same,
//! and a pattern needing more characters than the text has is not run at all.

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
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

impl Glob {
    /// A `.dockerignore` pattern (already cleaned): `**` crosses folders.
    pub fn new(pattern: &str) -> Glob {
        Glob {
            tokens: reduce(compile(pattern)),
        }
    }

    /// A COPY source, as Go's `filepath.Match` reads it: every wildcard stays within one path
    /// segment.
    pub fn filepath(pattern: &str) -> Glob {
        let tokens = compile(pattern)
            .into_iter()
            .map(|t| match t {
                Token::Folders | Token::Rest => Token::Star,
                t => t,
            })
            .collect();
        Glob {
            tokens: reduce(tokens),
        }
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        self.run(text, false)
    }

    /// Whether `text` or one of its parent folders (`a` and `a/b` of `a/b/c`) matches: one
    /// pass over the text, as a parent is a prefix of it.
    pub fn matches_or_parent(&self, text: &str) -> bool {
        self.run(text, true)
    }

    /// The characters a text needs at least to match: one per token that takes one.
    fn needs(&self) -> usize {
        self.tokens
            .iter()
            .filter(|t| matches!(t, Token::Char(_) | Token::One | Token::Class(..)))
            .count()
    }

    /// Runs the pattern over `text`: `now[i]` is whether token `i` is where a match could be
    /// after the characters read so far (`now[n]`: the pattern is done); `within[i]` whether it
    /// is inside the folders of a `**/` at token `i`.
    fn run(&self, text: &str, parents: bool) -> bool {
        let t = &self.tokens;
        let n = t.len();
        if self.needs() > text.chars().count() {
            return false;
        }
        let mut now = vec![false; n + 1];
        let mut within = vec![false; n + 1];
        let mut next = vec![false; n + 1];
        let mut next_within = vec![false; n + 1];
        now[0] = true;
        // Where states may be set: in `now` and `within`, and in the buffers `next` and
        // `next_within` hold from the step before (cleared before they are written again).
        let mut range = (0, 0);
        let mut rest = close(t, &mut now, &mut within, &mut range);
        if parents && text.starts_with('/') && (now[n] || rest) {
            return true;
        }
        let mut old = range;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if rest {
                return true;
            }
            next[old.0..=old.1].fill(false);
            next_within[old.0..=old.1].fill(false);
            let (lo, hi) = range;
            let mut set = (usize::MAX, 0);
            let mut mark = |v: &mut Vec<bool>, i: usize| {
                v[i] = true;
                set = (set.0.min(i), set.1.max(i));
            };
            for i in lo..(hi + 1).min(n) {
                if within[i] {
                    mark(&mut next_within, i);
                    if c == '/' {
                        mark(&mut next, i + 1);
                    }
                }
                if !now[i] {
                    continue;
                }
                match &t[i] {
                    Token::Char(x) if *x == c => mark(&mut next, i + 1),
                    Token::One if c != '/' => mark(&mut next, i + 1),
                    Token::Class(neg, ranges)
                        if c != '/'
                            && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *neg =>
                    {
                        mark(&mut next, i + 1)
                    }
                    Token::Star if c != '/' => mark(&mut next, i),
                    _ => {}
                }
            }
            if set.0 == usize::MAX {
                return false;
            }
            std::mem::swap(&mut now, &mut next);
            std::mem::swap(&mut within, &mut next_within);
            old = range;
            range = set;
            rest = close(t, &mut now, &mut within, &mut range);
            if parents && chars.peek() == Some(&'/') && (now[n] || rest) {
                return true;
            }
        }
        now[n] || rest
    }
}

/// Adds what the states reach without reading a character: past a `*` or a `**/` (which
/// may match nothing), and into a `**/`'s folders; widens `range` to what is set. Tokens only
/// lead forward, so one pass in order reaches everything. True when a final `**` is reached:
/// the rest of any text matches.
fn close(t: &[Token], now: &mut [bool], within: &mut [bool], range: &mut (usize, usize)) -> bool {
    let mut rest = false;
    let mut i = range.0;
    while i <= range.1 && i < t.len() {
        if now[i] {
            match t[i] {
                Token::Star => now[i + 1] = true,
                Token::Folders => {
                    now[i + 1] = true;
                    within[i] = true;
                }
                Token::Rest => rest = true,
                _ => {}
            }
            if matches!(t[i], Token::Star | Token::Folders) {
                range.1 = range.1.max(i + 1);
            }
        }
        i += 1;
    }
    rest
}

/// The tokens with every run of `*` and `**/` made at most two tokens matching the same
/// texts: `*` (S) and `**/` (F) both match nothing, S·S is S, F·F is F, and an F with an S
/// anywhere after it in the run matches any text at all (the folders, then the last name),
/// as F·S does; else the run is S's then F's, which is S·F. Without this a pattern of a
/// million `*/**/` would cost a million states per character.
fn reduce(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut run: Option<(bool, bool, bool)> = None; // (has S, has F, S after an F)
    let flush = |out: &mut Vec<Token>, run: &mut Option<(bool, bool, bool)>| match run.take() {
        Some((_, _, true)) => out.extend([Token::Folders, Token::Star]),
        Some((s, f, false)) => {
            if s {
                out.push(Token::Star);
            }
            if f {
                out.push(Token::Folders);
            }
        }
        None => {}
    };
    for t in tokens {
        match t {
            Token::Star => {
                let (_, f, after) = run.unwrap_or_default();
                run = Some((true, f, after || f));
            }
            Token::Folders => {
                let (s, _, after) = run.unwrap_or_default();
                run = Some((s, true, after));
            }
            t => {
                flush(&mut out, &mut run);
                out.push(t);
            }
        }
    }
    flush(&mut out, &mut run);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The matcher this module had before, kept as the reference: a memoised recursive walk,
    /// right but deep and square in memory (a long pattern overflowed the stack).
    fn reference(pattern: &Glob, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let mut memo = vec![None; (pattern.tokens.len() + 1) * (chars.len() + 1)];
        step(&pattern.tokens, &chars, 0, 0, &mut memo)
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

    fn unreduced(pattern: &str, filepath: bool) -> Glob {
        let tokens = compile(pattern);
        let tokens = if filepath {
            tokens
                .into_iter()
                .map(|t| match t {
                    Token::Folders | Token::Rest => Token::Star,
                    t => t,
                })
                .collect()
        } else {
            tokens
        };
        Glob { tokens }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
            ..ProptestConfig::default()
        })]

        /// The run over states (with runs of wildcards reduced) matches exactly what the
        /// reference walk matches, text and parents alike, in both flavours.
        #[test]
        fn the_state_run_matches_as_the_walk_did(
            pattern in "([ab/?*]|\\*|\\[[ab]\\]|\\*\\*/?){0,12}",
            text in "[ab/]{0,10}",
            filepath in any::<bool>(),
        ) {
            let old = unreduced(&pattern, filepath);
            let new = if filepath { Glob::filepath(&pattern) } else { Glob::new(&pattern) };
            prop_assert_eq!(new.matches(&text), reference(&old, &text), "{:?} on {:?}", pattern, text);
            let parents = text
                .char_indices()
                .filter(|(_, c)| *c == '/')
                .any(|(i, _)| reference(&old, &text[..i]));
            prop_assert_eq!(
                new.matches_or_parent(&text),
                reference(&old, &text) || parents,
                "{:?} on {:?} or a parent", pattern, text
            );
        }
    }

    #[test]
    fn long_patterns_and_long_paths_take_no_stack_and_little_time() {
        let path = vec!["abcdefgh"; 455].join("/");
        let start = std::time::Instant::now();
        for pattern in [
            "**/".repeat(100_000),
            "*/**/".repeat(100_000),
            "*".repeat(100_001),
            "?".repeat(100_000),
            "a*".repeat(100_000),
            format!("{}x", "**/*".repeat(50_000)),
        ] {
            let _ = Glob::new(&pattern).matches_or_parent(&path);
            let _ = Glob::filepath(&pattern).matches(&path);
        }
        assert!(Glob::new(&"**/".repeat(100_000)).matches(&path));
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn double_star_crosses_folders_only_in_ignore_patterns() {
        assert!(Glob::new("a/**").matches("a/b/c.go"));
        assert!(Glob::new("a**b").matches("a/x/y/b"));
        assert!(Glob::new("**/*.so").matches("backend.so"));
        assert!(Glob::filepath("**").matches("x"));
        assert!(!Glob::filepath("**").matches("x/y"));
        assert!(!Glob::filepath("*.go").matches("a/main.go"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(Glob::new("[a-c]*.go").matches("b.go"));
        assert!(!Glob::new("[^a-c]*.go").matches("b.go"));
        assert!(!Glob::new("[abc").matches("[abc"));
        assert!(Glob::new("a\\*").matches("a*"));
        assert!(!Glob::new("a\\*").matches("ab"));
    }
}
