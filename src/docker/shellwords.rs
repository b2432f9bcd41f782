//! The one shell-word splitter (quotes, escapes), in the two dialects a Dockerfile holds:
//!
//! - BuildKit's, for a Dockerfile's arguments ([`words`]): the escape character is `\` or the
//!   one a `# escape=` directive names, and `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}` are
//!   expanded from ARG and ENV values (not inside single quotes).
//! - a POSIX shell's, for the scripts a RUN executes ([`commands`]): `\` escapes, `#` starts a
//!   comment, `\` + newline joins lines, and `&&`, `||`, `;`, `|`, `&`, parentheses and newlines
//!   end a command (`2>&1` and `&>file` are redirections, not separators).
//!
//! Good enough to read paths and find a `go build` and what precedes it; not a shell.

use super::Env;

/// Which rules [`split`] follows.
#[derive(Clone, Copy)]
enum Dialect<'a> {
    /// BuildKit's lexer: `escape` is the escape character; variables are expanded when `env`
    /// is given.
    Docker { escape: char, env: Option<&'a Env> },
    /// The shell's: comments, line joins and command separators.
    Shell,
}

/// Splits `s` into words the way BuildKit's shell lexer does: quotes removed, the escape
/// character applied and, when `env` is given, `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}`
/// expanded (not inside single quotes). Unknown variables expand to nothing, as in Docker.
pub fn words(s: &str, escape: char, env: Option<&Env>) -> Vec<String> {
    split(s, Dialect::Docker { escape, env })
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Splits a shell script into simple commands of unquoted words, cutting at `&&`, `||`, `;`,
/// `|`, `&`, parentheses and newlines. Good enough to find a `go build` and what precedes it;
/// not a shell.
pub fn commands(script: &str) -> Vec<Vec<String>> {
    split(script, Dialect::Shell)
}

/// The lexer both dialects share: the commands of `s`, each a list of words (the Docker
/// dialect has no separators, so it gives one command at most).
fn split(s: &str, dialect: Dialect) -> Vec<Vec<String>> {
    let (escape, env, shell) = match dialect {
        Dialect::Docker { escape, env } => (escape, env, false),
        Dialect::Shell => ('\\', None, true),
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cmd: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut i = 0;
    let end_word = |cmd: &mut Vec<String>, cur: &mut String, have: &mut bool| {
        if *have {
            cmd.push(std::mem::take(cur));
            *have = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            // The shell joins a line ending in `\` to the next.
            c if c == escape && shell && chars.get(i + 1) == Some(&'\n') => i += 2,
            c if c == escape => {
                match chars.get(i + 1) {
                    Some(&n) => cur.push(n),
                    // A trailing escape: BuildKit keeps it, the shell drops it.
                    None if !shell => cur.push(c),
                    None => {}
                }
                have = true;
                i += 2;
            }
            '\'' => {
                have = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    cur.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                have = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    let d = chars[i];
                    // Inside double quotes the escape only escapes `"`, `$` and itself (and, in
                    // the shell, a backquote); before anything else it is a plain character.
                    let escapes =
                        |n: char| n == '"' || n == '$' || n == escape || (shell && n == '`');
                    if d == escape && chars.get(i + 1).is_some_and(|&n| escapes(n)) {
                        cur.push(chars[i + 1]);
                        i += 2;
                    } else if d == '$' && env.is_some() {
                        i = expand_at(&chars, i, env, escape, &mut cur);
                    } else {
                        cur.push(d);
                        i += 1;
                    }
                }
                i += 1;
            }
            '#' if shell && !have => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            // `2>&1` and `&>file` are redirections, not command separators.
            '&' if shell && (cur.ends_with(['>', '<']) || chars.get(i + 1) == Some(&'>')) => {
                cur.push(c);
                have = true;
                i += 1;
            }
            '\n' | ';' | '&' | '|' | '(' | ')' if shell => {
                end_word(&mut cmd, &mut cur, &mut have);
                if !cmd.is_empty() {
                    out.push(std::mem::take(&mut cmd));
                }
                i += 1;
            }
            c if c.is_whitespace() => {
                end_word(&mut cmd, &mut cur, &mut have);
                i += 1;
            }
            '$' if env.is_some() => {
                let before = cur.len();
                i = expand_at(&chars, i, env, escape, &mut cur);
                have = have || cur.len() > before;
            }
            c => {
                cur.push(c);
                have = true;
                i += 1;
            }
        }
    }
    end_word(&mut cmd, &mut cur, &mut have);
    if !cmd.is_empty() {
        out.push(cmd);
    }
    out
}

/// Expands the variable reference at `chars[i] == '$'` into `out`; returns the next index.
pub(crate) fn expand_at(
    chars: &[char],
    i: usize,
    env: Option<&Env>,
    escape: char,
    out: &mut String,
) -> usize {
    let empty = Env::new();
    let env = env.unwrap_or(&empty);
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    match chars.get(i + 1) {
        Some('{') => {
            let Some(close) = chars[i + 2..].iter().position(|&c| c == '}') else {
                out.push('$');
                return i + 1;
            };
            let body: String = chars[i + 2..i + 2 + close].iter().collect();
            let name_len = body.find(|c: char| !is_name(c)).unwrap_or(body.len());
            let (name, op) = body.split_at(name_len);
            let value = env.get(name).cloned().unwrap_or_default();
            let pick = |word: &str| words(word, escape, Some(env)).join(" ");
            let expanded = if let Some(w) = op.strip_prefix(":-") {
                if value.is_empty() {
                    pick(w)
                } else {
                    value
                }
            } else if let Some(w) = op.strip_prefix(":+") {
                if value.is_empty() {
                    String::new()
                } else {
                    pick(w)
                }
            } else if let Some(w) = op.strip_prefix('-') {
                if env.contains_key(name) {
                    value
                } else {
                    pick(w)
                }
            } else if let Some(w) = op.strip_prefix('+') {
                if env.contains_key(name) {
                    pick(w)
                } else {
                    String::new()
                }
            } else {
                value
            };
            out.push_str(&expanded);
            i + 3 + close
        }
        Some(&c) if is_name(c) && !c.is_ascii_digit() => {
            let len = chars[i + 1..].iter().take_while(|&&c| is_name(c)).count();
            let name: String = chars[i + 1..i + 1 + len].iter().collect();
            out.push_str(env.get(&name).map(String::as_str).unwrap_or(""));
            i + 1 + len
        }
        _ => {
            out.push('$');
            i + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands() {
        let c = commands(
            "cd x && CGO_ENABLED=0 go build -o a.so . 2>&1 | tee log; echo 'a && b' # c && d\nls",
        );
        assert_eq!(c[0], vec!["cd", "x"]);
        assert_eq!(
            c[1],
            vec!["CGO_ENABLED=0", "go", "build", "-o", "a.so", ".", "2>&1"]
        );
        assert_eq!(c[2], vec!["tee", "log"]);
        assert_eq!(c[3], vec!["echo", "a && b"]);
        assert_eq!(c[4], vec!["ls"]);
    }
}
