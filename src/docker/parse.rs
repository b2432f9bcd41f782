//! A forgiving Dockerfile reader: instructions with line numbers, flags, shell or JSON
//! arguments and heredoc bodies.
//!
//! It follows BuildKit's rules for parser directives (`# escape=`), line continuations (comment
//! and blank lines inside one are dropped), heredocs (`<<EOF`, `<<-EOF`, quoted names) and the
//! JSON (exec) form. It never fails: what it cannot read becomes a warning with a line number
//! and the rest of the file is still read, because `doctor` must report on broken files, not
//! stop at the first odd line. (parse-dockerfile, the maintained crate that reads all of this,
//! stops at the first unknown instruction, so it cannot give that.)

use super::shellwords::{expand_at, words};
use super::Env;

/// Every instruction BuildKit knows; anything else is reported and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
}

impl Keyword {
    /// Every keyword, in BuildKit's order.
    pub const ALL: [Keyword; 18] = [
        Keyword::From,
        Keyword::Run,
        Keyword::Cmd,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Expose,
        Keyword::Env,
        Keyword::Add,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Volume,
        Keyword::User,
        Keyword::Workdir,
        Keyword::Arg,
        Keyword::Onbuild,
        Keyword::Stopsignal,
        Keyword::Healthcheck,
        Keyword::Shell,
    ];

    /// The keyword as Dockerfiles spell it (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::From => "FROM",
            Keyword::Run => "RUN",
            Keyword::Cmd => "CMD",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Expose => "EXPOSE",
            Keyword::Env => "ENV",
            Keyword::Add => "ADD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Volume => "VOLUME",
            Keyword::User => "USER",
            Keyword::Workdir => "WORKDIR",
            Keyword::Arg => "ARG",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Shell => "SHELL",
        }
    }

    /// The keyword a word names, in any case (`copy` is `COPY`).
    pub fn parse(word: &str) -> Option<Keyword> {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether its leading `--name[=value]` words are flags.
    fn takes_flags(self) -> bool {
        use Keyword::*;
        matches!(self, From | Run | Copy | Add | Healthcheck)
    }

    /// Whether it may carry heredocs.
    fn takes_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }

    /// Whether its arguments may be a JSON array.
    fn takes_json(self) -> bool {
        use Keyword::*;
        matches!(self, Run | Cmd | Entrypoint | Copy | Add | Shell | Volume)
    }

    /// COPY or ADD: the instructions that bring files into the image.
    pub fn copies(self) -> bool {
        matches!(self, Keyword::Copy | Keyword::Add)
    }
}

impl std::fmt::Display for Keyword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed Dockerfile. Line numbers are 1-based, as editors show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character: `\` unless a `# escape=` directive says `` ` ``.
    pub escape: char,
    /// Parser directives found at the top.
    pub directives: Vec<Directive>,
    pub instructions: Vec<Instruction>,
    pub warnings: Vec<Warning>,
}

/// A parser directive (`# syntax=…`, `# escape=…`, `# check=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower case.
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// Something the parser skipped or could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// One instruction, continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The line of the keyword.
    pub line: usize,
    /// The last line, heredoc bodies included.
    pub end_line: usize,
    pub keyword: Keyword,
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
}

/// A `--name=value` (or bare `--name`) flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// One `RUN --mount=...`: what BuildKit makes visible at `target` while that RUN runs, and
/// takes away after it. Only `bind` mounts without `from` bring in build-context files; `cache`
/// keeps a folder between builds (Go's module and build caches), never in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `bind` (the default), `cache`, `tmpfs`, `secret` or `ssh`, lower-cased.
    pub kind: String,
    /// `target=` (`dst=`, `destination=`), as written; relative to WORKDIR.
    pub target: Option<String>,
    /// `source=` (`src=`), as written: a path in the context or in `from`.
    pub source: Option<String>,
    /// `from=`: a stage or image instead of the build context.
    pub from: Option<String>,
    /// `rw` / `readwrite` on a bind mount (read-only otherwise); its writes are still dropped.
    pub rw: bool,
    /// `id=` of a cache mount (its target when absent): mounts with one id share one cache.
    pub id: Option<String>,
}

impl Mount {
    /// Reads one `--mount` value: comma-separated `key=value` fields (BuildKit's CSV form,
    /// quotes allowed around a field), a bare word meaning `word=true`; unknown fields skipped.
    pub fn read(value: &str) -> Mount {
        let mut m = Mount {
            kind: "bind".into(),
            target: None,
            source: None,
            from: None,
            rw: false,
            id: None,
        };
        for field in value.split(',') {
            let field = field.trim().trim_matches('"');
            let (key, v) = field.split_once('=').unwrap_or((field, "true"));
            let v = v.trim_matches('"').to_string();
            let yes = v.eq_ignore_ascii_case("true") || v == "1";
            match key.trim().to_ascii_lowercase().as_str() {
                "type" => m.kind = v.to_ascii_lowercase(),
                "target" | "dst" | "destination" => m.target = Some(v),
                "source" | "src" => m.source = Some(v),
                "from" => m.from = Some(v),
                "id" => m.id = Some(v),
                "rw" | "readwrite" => m.rw = yes,
                "ro" | "readonly" => m.rw = !yes,
                _ => {}
            }
        }
        m
    }

    /// Whether this mount shows build-context files (a bind mount not `from` a stage/image).
    pub fn from_context(&self) -> bool {
        self.kind == "bind" && self.from.is_none()
    }
}

/// The arguments after the keyword and flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// `["a", "b"]`: already unquoted.
    Exec(Vec<String>),
    /// Everything else, as written (continuations joined, escapes kept).
    Shell(String),
}

/// A here-document attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    pub body: String,
}

impl Instruction {
    /// The value of flag `name` (`Some("")` for a bare flag).
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// The `--mount` flags of a RUN, in order.
    pub fn mounts(&self) -> Vec<Mount> {
        self.flags
            .iter()
            .filter(|f| f.name == "mount")
            .map(|f| Mount::read(f.value.as_deref().unwrap_or("")))
            .collect()
    }

    /// The arguments as words: quotes removed, escapes applied and variables expanded from
    /// `env`, as BuildKit does for COPY, ADD, WORKDIR, ENV and ARG.
    pub fn words(&self, escape: char, env: &Env) -> Vec<String> {
        match &self.args {
            Args::Exec(v) => v.iter().map(|w| expand_only(w, env)).collect(),
            Args::Shell(s) => words(s, escape, Some(env)),
        }
    }
}

/// Parses a Dockerfile; never fails and never panics.
pub fn parse(text: &str) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut df = Dockerfile {
        escape: '\\',
        ..Dockerfile::default()
    };
    let mut i = read_directives(&lines, &mut df);
    while i < lines.len() {
        let first = lines[i].trim();
        if first.is_empty() || first.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut joined = String::new();
        // Join continuation lines; comment and blank lines inside one are dropped (BuildKit).
        while i < lines.len() {
            let line = lines[i];
            i += 1;
            if i - 1 != start {
                let t = line.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
            }
            match continued(line, df.escape) {
                Some(head) => joined.push_str(head),
                None => {
                    joined.push_str(line);
                    break;
                }
            }
        }
        let mut ins = match instruction(&joined, start + 1, df.escape) {
            Ok(ins) => ins,
            Err(message) => {
                df.warnings.push(Warning {
                    line: start + 1,
                    message,
                });
                continue;
            }
        };
        ins.end_line = i.max(start + 1);
        // Heredoc bodies follow the instruction's last line, one after the other.
        for (name, strip_tabs) in heredoc_names(&ins) {
            let mut body = String::new();
            let mut closed = false;
            while i < lines.len() {
                let line = lines[i];
                i += 1;
                let cmp = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if cmp == name {
                    closed = true;
                    break;
                }
                body.push_str(cmp);
                body.push('\n');
            }
            if !closed {
                df.warnings.push(Warning {
                    line: ins.line,
                    message: format!("heredoc `<<{name}` has no closing `{name}` line"),
                });
            }
            ins.heredocs.push(Heredoc { name, body });
            ins.end_line = i.max(ins.end_line);
        }
        df.instructions.push(ins);
    }
    df
}

/// Reads the parser directives at the top; returns the index of the first other line.
fn read_directives(lines: &[&str], df: &mut Dockerfile) -> usize {
    let mut i = 0;
    while i < lines.len() {
        let Some((name, value)) = directive(lines[i]) else {
            break;
        };
        let lower = name.to_ascii_lowercase();
        // An unknown directive is a comment, and ends the directives (BuildKit).
        if !["syntax", "escape", "check"].contains(&lower.as_str()) {
            break;
        }
        if df.directives.iter().any(|d| d.name == lower) {
            df.warnings.push(Warning {
                line: i + 1,
                message: format!("parser directive `{lower}` is given twice; the build fails"),
            });
        } else if lower == "escape" {
            match value.as_str() {
                "\\" => df.escape = '\\',
                "`" => df.escape = '`',
                _ => df.warnings.push(Warning {
                    line: i + 1,
                    message: format!("invalid escape character `{value}`: use \\ or `"),
                }),
            }
        }
        df.directives.push(Directive {
            name: lower,
            value,
            line: i + 1,
        });
        i += 1;
    }
    i
}

/// `# name=value` as a parser directive.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let name_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(i, _)| i);
    let name = &rest[..name_len];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest[name_len..].trim_start().strip_prefix('=')?.trim();
    (!value.is_empty()).then(|| (name.to_string(), value.to_string()))
}

/// The line without its continuation marker, when it ends with the escape character
/// (trailing blanks allowed).
fn continued(line: &str, escape: char) -> Option<&str> {
    line.trim_end_matches([' ', '\t']).strip_suffix(escape)
}

/// Reads one joined instruction.
fn instruction(joined: &str, line: usize, escape: char) -> Result<Instruction, String> {
    let t = joined.trim_start();
    let kw_len = t.find(char::is_whitespace).unwrap_or(t.len());
    let word = &t[..kw_len];
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(format!("cannot read `{}`; skipped", shorten(t)));
    }
    let Some(keyword) = Keyword::parse(word) else {
        return Err(format!("unknown instruction `{word}`; skipped"));
    };
    let mut rest = t[kw_len..].trim_start();
    let mut flags = Vec::new();
    if keyword.takes_flags() {
        while rest.starts_with("--") {
            let end = raw_word_end(rest, escape);
            let raw = &rest[2..end];
            let (name, value) = match raw.split_once('=') {
                Some((n, v)) => (n, Some(unquote(v, escape))),
                None => (raw, None),
            };
            flags.push(Flag {
                name: name.to_ascii_lowercase(),
                value,
            });
            rest = rest[end..].trim_start();
        }
    }
    let rest = rest.trim_end();
    let args = if keyword.takes_json() && rest.starts_with('[') {
        match serde_json::from_str::<Vec<String>>(rest) {
            Ok(v) => Args::Exec(v),
            // Not valid JSON: BuildKit runs it as a shell command, and so do we.
            Err(_) => Args::Shell(rest.to_string()),
        }
    } else {
        Args::Shell(rest.to_string())
    };
    Ok(Instruction {
        line,
        end_line: line,
        keyword,
        flags,
        args,
        heredocs: Vec::new(),
    })
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// The heredocs an instruction opens, in order: (name, strip leading tabs).
fn heredoc_names(ins: &Instruction) -> Vec<(String, bool)> {
    let Args::Shell(text) = &ins.args else {
        return Vec::new();
    };
    if !ins.keyword.takes_heredocs() {
        return Vec::new();
    }
    raw_words(text, '\\')
        .iter()
        .filter_map(|w| {
            // `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`; not `<<<` (a here-string).
            let w = w.trim_start_matches(|c: char| c.is_ascii_digit());
            let rest = w.strip_prefix("<<")?;
            let (strip, rest) = match rest.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let name = unquote(rest, '\\');
            let ok = !name.is_empty()
                && !rest.starts_with('<')
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
            ok.then_some((name, strip))
        })
        .collect()
}

/// Where the word starting at `s` ends (quotes and escapes respected).
fn raw_word_end(s: &str, escape: char) -> usize {
    let mut quote: Option<char> = None;
    let mut it = s.char_indices();
    while let Some((i, c)) = it.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                it.next();
            }
            Some(_) => {}
            None if c == escape => {
                it.next();
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => return i,
            None => {}
        }
    }
    s.len()
}

/// Words as written (quotes and escapes kept), split on unquoted blanks.
pub fn raw_words(s: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let end = raw_word_end(rest, escape);
        out.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
    }
    out
}

fn unquote(s: &str, escape: char) -> String {
    words(s, escape, None).join(" ")
}

/// JSON-form words: quotes are gone already, only variables are expanded.
fn expand_only(w: &str, env: &Env) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            i = expand_at(&chars, i, Some(env), '\\', &mut out);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The `KEY=value` pairs of an ENV or ARG instruction (ARG may omit the value). The legacy
/// `ENV KEY value with spaces` form is read when `legacy` is set.
pub fn key_values(
    ins: &Instruction,
    escape: char,
    env: &Env,
    legacy: bool,
) -> Vec<(String, Option<String>)> {
    let Args::Shell(text) = &ins.args else {
        return Vec::new();
    };
    let raw = raw_words(text, escape);
    let Some(first) = raw.first() else {
        return Vec::new();
    };
    if legacy && !first.contains('=') {
        let rest = text.trim_start()[first.len()..].trim();
        let value = words(rest, escape, Some(env)).join(" ");
        return vec![(first.clone(), Some(value))];
    }
    raw.iter()
        .map(|w| {
            let processed = words(w, escape, Some(env)).join(" ");
            // The key is never expanded; split the raw word so `A=$A:x` keeps its key.
            match w.split_once('=') {
                Some((k, _)) => {
                    let key = words(k, escape, None).join(" ");
                    let value = processed.split_once('=').map_or("", |(_, v)| v).to_string();
                    (key, Some(value))
                }
                None => (processed, None),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(df: &Dockerfile) -> Vec<(usize, &str)> {
        df.instructions
            .iter()
            .map(|i| (i.line, i.keyword.as_str()))
            .collect()
    }

    #[test]
    fn continuations_comments_and_line_numbers() {
        let df = parse("# syntax=docker/dockerfile:1\nFROM a AS b\n\nRUN echo \\\n  # note\n\n  go build \\\n   .\ncopy x y\n");
        assert_eq!(kw(&df), vec![(2, "FROM"), (4, "RUN"), (9, "COPY")]);
        assert_eq!(df.instructions[1].end_line, 8);
        assert_eq!(
            df.instructions[1].args,
            Args::Shell("echo   go build    .".into())
        );
        assert_eq!(df.directives[0].name, "syntax");
        assert!(df.warnings.is_empty());
    }

    #[test]
    fn escape_directive_and_crlf_and_bom() {
        let df = parse("\u{feff}# escape=`\r\nFROM x\r\nCOPY a `\r\n  b/ c/\r\n");
        assert_eq!(df.escape, '`');
        assert_eq!(df.instructions[1].args, Args::Shell("a   b/ c/".into()));
        assert_eq!(
            df.instructions[1].words('`', &Env::new()),
            vec!["a", "b/", "c/"]
        );
    }

    #[test]
    fn heredocs_are_bodies_not_instructions() {
        let df = parse("FROM x\nRUN <<EOF bash\nFROM nope\ngo build .\nEOF\nCOPY <<-'A' /a\n\tWORKDIR x\n\tA\nUSER me\n");
        assert_eq!(
            kw(&df),
            vec![(1, "FROM"), (2, "RUN"), (6, "COPY"), (9, "USER")]
        );
        assert_eq!(
            df.instructions[1].heredocs[0].body,
            "FROM nope\ngo build .\n"
        );
        assert_eq!(df.instructions[1].end_line, 5);
        assert_eq!(df.instructions[2].heredocs[0].name, "A");
        let open = parse("FROM x\nRUN <<EOF\necho\n");
        assert_eq!(open.warnings.len(), 1);
    }

    #[test]
    fn flags_and_json_form() {
        let df = parse("FROM --platform=$P img\nCOPY --chown=a:b --from=builder --link [\"a b\", \"/c/\"]\nRUN [\"go\", \"build\"\nCOPY --chmod=\"755\" x y\n");
        let copy = &df.instructions[1];
        assert_eq!(copy.flag("from"), Some("builder"));
        assert_eq!(copy.flag("link"), Some(""));
        assert_eq!(copy.args, Args::Exec(vec!["a b".into(), "/c/".into()]));
        assert!(matches!(df.instructions[2].args, Args::Shell(_)));
        assert_eq!(df.instructions[3].flag("chmod"), Some("755"));
        assert_eq!(df.instructions[0].flag("platform"), Some("$P"));
    }

    #[test]
    fn run_mounts() {
        let df = parse("FROM x\nRUN --mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,id=gb,sharing=locked,dst=/root/.cache/go-build \\\n    --mount=target=.,rw \\\n    --mount=type=bind,from=deps,source=/out,target=/deps \\\n    go build -trimpath .\n");
        let run = &df.instructions[1];
        let mounts = run.mounts();
        assert_eq!(mounts.len(), 4);
        assert_eq!(mounts[0].kind, "cache");
        assert_eq!(mounts[0].target.as_deref(), Some("/go/pkg/mod"));
        assert_eq!(mounts[1].target.as_deref(), Some("/root/.cache/go-build"));
        assert!(!mounts[1].from_context());
        assert_eq!(mounts[1].id.as_deref(), Some("gb"));
        assert_eq!(mounts[2].kind, "bind");
        assert_eq!(mounts[2].target.as_deref(), Some("."));
        assert_eq!(mounts[2].source, None);
        assert!(mounts[2].from_context());
        assert!(mounts[2].rw && !mounts[0].rw);
        assert!(!mounts[3].from_context());
        assert_eq!(run.args, Args::Shell("go build -trimpath .".into()));
        assert_eq!(run.end_line, 6);
    }

    #[test]
    fn unknown_and_garbage_become_warnings() {
        let df = parse("FROM x\nFOO bar\n[[[\nRUN ok\n");
        assert_eq!(kw(&df), vec![(1, "FROM"), (4, "RUN")]);
        assert_eq!(df.warnings.len(), 2);
        assert_eq!(df.warnings[0].line, 2);
        assert!(df.warnings[0].message.contains("unknown instruction `FOO`"));
    }

    #[test]
    fn words_quotes_and_variables() {
        let env: Env = [("A".to_string(), "x y".to_string())].into();
        assert_eq!(
            words(
                r#"'$A' "$A" ${A}/z ${B:-d} ${A:+p} a\ b $"#,
                '\\',
                Some(&env)
            ),
            vec!["$A", "x y", "x y/z", "d", "p", "a b", "$"]
        );
        let df = parse("FROM x\nENV K=v \"Q\"=\"a b\" L=$K\nENV OLD a b\nARG N\n");
        let env = Env::new();
        assert_eq!(
            key_values(&df.instructions[1], '\\', &env, true),
            vec![
                ("K".into(), Some("v".into())),
                ("Q".into(), Some("a b".into())),
                ("L".into(), Some(String::new()))
            ]
        );
        assert_eq!(
            key_values(&df.instructions[2], '\\', &env, true),
            vec![("OLD".into(), Some("a b".into()))]
        );
        assert_eq!(
            key_values(&df.instructions[3], '\\', &env, false),
            vec![("N".into(), None)]
        );
    }
}
