//! Docker's wildcards: `*`, `?`, `[...]` and `**`, in the two flavours Docker uses. A
//! `.dockerignore` line lets `**` cross folders ([`Glob::new`]); a COPY source follows Go's
//! `filepath.Match`, where nothing crosses a `/` and `**` is no more than two `*`
//! ([`Glob::filepath`]).
//!
//! Written here rather than with globset because Docker's `**` rules differ from gitignore's
//! (`a**b` and a `**` anywhere match across folders), and a mismatch would report packages as
//! hidden (or copied) when Docker does otherwise. Matching is a memoised walk over the pattern,
//! so no pattern makes it slow, and a bad pattern matches nothing instead of failing.

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
            tokens: compile(pattern),
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
        Glob { tokens }
    }

    /// Whether the whole of `text` matches; memoised over (token, position).
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let mut memo = vec![None; (self.tokens.len() + 1) * (chars.len() + 1)];
        step(&self.tokens, &chars, 0, 0, &mut memo)
    }
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
