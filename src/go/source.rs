//! The one Go source reader: the package clause, imports, build constraints, `//go:embed`
//! patterns, top-level function signatures and calls with their first string argument.
//!
//! Written by hand because no maintained Rust crate parses Go; it is a small lexer that knows
//! comments, interpreted and raw strings and runes, so text inside a comment or a string never
//! counts as code. It never fails or panics on text that is not Go: what it cannot read is
//! simply absent from the result.

/// What scaffold needs from one Go file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoFile {
    pub package: Option<String>,
    /// The 1-based line of the package clause (0 when there is none).
    pub package_line: usize,
    pub imports: Vec<Import>,
    /// The build constraint before the package clause: `//go:build`, or the `// +build` lines
    /// (older Go) translated to the same syntax.
    pub build: Option<String>,
    /// Every top-level function declaration (methods are not listed).
    pub funcs: Vec<FuncDecl>,
    /// Every call `name(...)` or `x.name(...)` inside a function body.
    pub calls: Vec<Call>,
    /// The patterns of every `//go:embed` directive, with its line.
    pub embeds: Vec<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub path: String,
    /// `Some("_")`, `Some(".")` or a name; `None` when the package name is used.
    pub alias: Option<String>,
    pub line: usize,
}

/// A top-level function declaration's name, parameter and result types as written (`*sql.DB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncDecl {
    pub name: String,
    pub line: usize,
    pub params: Vec<String>,
    pub results: Vec<String>,
}

/// A call: the called name (the last selector: `RegisterRpc` in `initializer.RegisterRpc`) and
/// its first argument when that is a string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub first_string: Option<String>,
    pub line: usize,
}

impl GoFile {
    /// The top-level functions called `name`.
    pub fn funcs_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FuncDecl> + 'a {
        self.funcs.iter().filter(move |f| f.name == name)
    }

    /// Whether the file uses cgo (`import "C"`).
    pub fn uses_cgo(&self) -> bool {
        self.imports.iter().any(|i| i.path == "C")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(u8),
}

/// What the lexer returns besides tokens: comment lines that carry directives.
#[derive(Default)]
struct Directives {
    /// `//go:build` expressions, with their lines.
    build: Vec<(String, usize)>,
    /// `// +build` lines, with their lines.
    plus_build: Vec<(String, usize)>,
    /// `//go:embed` argument text, with its line.
    embed: Vec<(String, usize)>,
}

/// Tokens with their lines (comments dropped), and the directive comments.
fn lex(src: &str) -> (Vec<(Tok, usize)>, Directives) {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut dirs = Directives::default();
    let mut line = 1;
    let mut i = 0;
    let text = |from: usize, to: usize| String::from_utf8_lossy(&b[from..to]).into_owned();
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p);
            let comment = text(i + 2, end);
            let comment = comment.trim_end_matches('\r');
            if let Some(expr) = comment.strip_prefix("go:build") {
                if expr.starts_with(char::is_whitespace) {
                    dirs.build.push((expr.trim().to_string(), line));
                }
            } else if let Some(args) = comment.strip_prefix("go:embed") {
                if args.starts_with(char::is_whitespace) {
                    dirs.embed.push((args.trim().to_string(), line));
                }
            } else if let Some(expr) = comment.trim_start().strip_prefix("+build") {
                if expr.starts_with(char::is_whitespace) {
                    dirs.plus_build.push((expr.trim().to_string(), line));
                }
            }
            i = end;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
        } else if c == b'"' || c == b'\'' {
            let start = line;
            let mut s = Vec::new();
            i += 1;
            while i < b.len() && b[i] != c && b[i] != b'\n' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    s.push(b[i + 1]);
                    i += 2;
                } else {
                    s.push(b[i]);
                    i += 1;
                }
            }
            i += 1;
            let tok = if c == b'"' {
                Tok::Str(String::from_utf8_lossy(&s).into_owned())
            } else {
                Tok::Punct(b'\'')
            };
            toks.push((tok, start));
        } else if c == b'`' {
            let start = line;
            let from = i + 1;
            i += 1;
            while i < b.len() && b[i] != b'`' {
                if b[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
            toks.push((Tok::Str(text(from, i.min(b.len()))), start));
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            // Bytes of multi-byte characters count as identifier bytes: Go identifiers may be
            // Unicode letters, and nothing here splits inside a character.
            let len = b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
                .count();
            let word = text(i, i + len);
            // A byte-order mark is not an identifier.
            let word = word.trim_start_matches('\u{feff}');
            if !word.is_empty() {
                toks.push((Tok::Ident(word.to_string()), line));
            }
            i += len;
        } else {
            toks.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    (toks, dirs)
}

/// Reads a Go file. Only constraints before the package clause count, as in Go.
pub fn parse(src: &str) -> GoFile {
    let (toks, dirs) = lex(src);
    let mut f = GoFile::default();
    let ident = |t: &Tok, w: &str| matches!(t, Tok::Ident(s) if s == w);
    let Some(pkg_at) = toks.iter().position(|(t, _)| ident(t, "package")) else {
        return f;
    };
    let pkg_line = toks[pkg_at].1;
    f.package_line = pkg_line;
    f.build = dirs
        .build
        .into_iter()
        .find(|(_, l)| *l < pkg_line)
        .map(|(e, _)| e)
        .or_else(|| plus_build(&dirs.plus_build, pkg_line));
    if let Some((Tok::Ident(name), _)) = toks.get(pkg_at + 1) {
        f.package = Some(name.clone());
    }
    let mut i = pkg_at + 2;
    while let Some((Tok::Punct(b';'), _)) = toks.get(i) {
        i += 1;
    }
    // Imports come right after the package clause.
    while let Some((t, _)) = toks.get(i) {
        if !ident(t, "import") {
            break;
        }
        i += 1;
        if let Some((Tok::Punct(b'('), _)) = toks.get(i) {
            i += 1;
            while i < toks.len() && toks[i].0 != Tok::Punct(b')') {
                i = import_spec(&toks, i, &mut f.imports);
            }
            i += 1;
        } else if i < toks.len() {
            i = import_spec(&toks, i, &mut f.imports);
        }
        while let Some((Tok::Punct(b';'), _)) = toks.get(i) {
            i += 1;
        }
    }
    let body = &toks[i.min(toks.len())..];
    f.funcs = funcs(body);
    f.calls = calls(body);
    f.embeds = dirs
        .embed
        .iter()
        .flat_map(|(args, line)| embed_patterns(args).into_iter().map(|p| (p, *line)))
        .collect();
    f
}

/// `// +build` lines before the package clause as one `//go:build` expression: the words of a
/// line are OR-ed, the comma-joined parts of a word AND-ed, and the lines AND-ed.
fn plus_build(lines: &[(String, usize)], pkg_line: usize) -> Option<String> {
    let exprs: Vec<String> = lines
        .iter()
        .filter(|(_, l)| *l < pkg_line)
        .map(|(text, _)| {
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| format!("({})", w.split(',').collect::<Vec<_>>().join(" && ")))
                .collect();
            format!("({})", words.join(" || "))
        })
        .collect();
    (!exprs.is_empty()).then(|| exprs.join(" && "))
}

/// The patterns of one `//go:embed` line: space-separated, each possibly quoted.
fn embed_patterns(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = args.trim();
    while !rest.is_empty() {
        let (word, tail) = match rest.as_bytes()[0] {
            q @ (b'"' | b'`') => {
                let body = &rest[1..];
                let end = body.find(q as char).unwrap_or(body.len());
                (&body[..end], body.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        if !word.is_empty() {
            out.push(word.to_string());
        }
        rest = tail.trim_start();
    }
    out
}

/// Reads one `[alias] "path"` spec at `i`; returns the index after it.
fn import_spec(toks: &[(Tok, usize)], i: usize, out: &mut Vec<Import>) -> usize {
    let import = |path: &String, alias: Option<String>| Import {
        path: path.clone(),
        alias,
        line: toks[i].1,
    };
    match (&toks[i].0, toks.get(i + 1).map(|t| &t.0)) {
        (Tok::Str(path), _) => {
            out.push(import(path, None));
            i + 1
        }
        (Tok::Ident(a), Some(Tok::Str(path))) => {
            out.push(import(path, Some(a.clone())));
            i + 2
        }
        (Tok::Punct(b'.'), Some(Tok::Str(path))) => {
            out.push(import(path, Some(".".into())));
            i + 2
        }
        _ => i + 1,
    }
}

/// Top-level `func NAME(...) ...` declarations (methods and nested literals are skipped).
fn funcs(toks: &[(Tok, usize)]) -> Vec<FuncDecl> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for i in 0..toks.len() {
        match &toks[i].0 {
            Tok::Punct(b'{') => depth += 1,
            Tok::Punct(b'}') => depth = depth.saturating_sub(1),
            Tok::Ident(kw) if kw == "func" && depth == 0 => {
                let Some((Tok::Ident(name), _)) = toks.get(i + 1) else {
                    continue;
                };
                // Type parameters (`func F[T any](...)`) come before the parameters.
                let mut open = i + 2;
                if let Some((Tok::Punct(b'['), _)) = toks.get(open) {
                    open = group(toks, open).1;
                }
                if let Some((Tok::Punct(b'('), _)) = toks.get(open) {
                    let (params, after) = group(toks, open);
                    out.push(FuncDecl {
                        name: name.clone(),
                        line: toks[i].1,
                        params: param_types(&params),
                        results: results(toks, after),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Calls inside braces: an identifier followed by `(` that is not a declared function name.
fn calls(toks: &[(Tok, usize)]) -> Vec<Call> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for i in 0..toks.len() {
        match &toks[i].0 {
            Tok::Punct(b'{') => depth += 1,
            Tok::Punct(b'}') => depth = depth.saturating_sub(1),
            Tok::Ident(name) if depth > 0 => {
                if toks.get(i + 1).map(|t| &t.0) != Some(&Tok::Punct(b'(')) {
                    continue;
                }
                let declared = i > 0 && matches!(&toks[i - 1].0, Tok::Ident(k) if k == "func");
                // `func(` of a literal, `if (`, `switch (`, `return (`: keywords, not calls.
                let keyword = ["func", "if", "for", "switch", "return", "select", "range"]
                    .contains(&name.as_str());
                if declared || keyword {
                    continue;
                }
                let first_string = match (toks.get(i + 2), toks.get(i + 3)) {
                    (Some((Tok::Str(s), _)), Some((Tok::Punct(b',' | b')'), _))) => Some(s.clone()),
                    _ => None,
                };
                out.push(Call {
                    name: name.clone(),
                    first_string,
                    line: toks[i].1,
                });
            }
            _ => {}
        }
    }
    out
}

/// The comma-separated parts inside the bracket at `open`; returns them and the index after
/// the closing bracket.
fn group(toks: &[(Tok, usize)], open: usize) -> (Vec<Vec<Tok>>, usize) {
    let mut parts = vec![Vec::new()];
    let mut depth = 0usize;
    let mut i = open;
    while i < toks.len() {
        let t = &toks[i].0;
        match t {
            Tok::Punct(b'(' | b'[' | b'{') => {
                depth += 1;
                if depth == 1 {
                    i += 1;
                    continue;
                }
            }
            Tok::Punct(b')' | b']' | b'}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (parts.into_iter().filter(|p| !p.is_empty()).collect(), i + 1);
                }
            }
            Tok::Punct(b',') if depth == 1 => {
                parts.push(Vec::new());
                i += 1;
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(t.clone());
        }
        i += 1;
    }
    (parts.into_iter().filter(|p| !p.is_empty()).collect(), i)
}

fn text(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| match t {
            Tok::Ident(s) => s.clone(),
            Tok::Str(s) => format!("{s:?}"),
            Tok::Punct(c) => (*c as char).to_string(),
        })
        .collect()
}

/// Parameter types, one per parameter: `a, b int` gives `int, int`.
fn param_types(parts: &[Vec<Tok>]) -> Vec<String> {
    // A part is named when it starts with an identifier that is not a package qualifier.
    let named = |p: &Vec<Tok>| {
        matches!(p.first(), Some(Tok::Ident(_))) && p.len() > 1 && p[1] != Tok::Punct(b'.')
    };
    if !parts.iter().any(named) {
        return parts.iter().map(|p| text(p)).collect();
    }
    let mut out = Vec::new();
    let mut pending = 0;
    for p in parts {
        if p.len() == 1 {
            pending += 1;
            continue;
        }
        let ty = text(&p[1..]);
        out.extend(std::iter::repeat_n(ty, pending + 1));
        pending = 0;
    }
    out
}

/// The result types after a parameter list at `i`: `error`, `(error)`, `(err error)`.
fn results(toks: &[(Tok, usize)], i: usize) -> Vec<String> {
    match toks.get(i).map(|t| &t.0) {
        Some(Tok::Punct(b'(')) => param_types(&group(toks, i).0),
        Some(Tok::Punct(b'{')) | None => Vec::new(),
        Some(_) => {
            let end = toks[i..]
                .iter()
                .position(|(t, _)| *t == Tok::Punct(b'{') || *t == Tok::Ident("func".into()))
                .map_or(toks.len(), |p| i + p);
            let ty: Vec<Tok> = toks[i..end].iter().map(|(t, _)| t.clone()).collect();
            vec![text(&ty)]
        }
    }
}

/// The name a file uses for an imported package: its alias, or the last path element
/// (skipping a `/vN` major-version suffix).
pub fn local_name(imp: &Import) -> String {
    if let Some(a) = &imp.alias {
        return a.clone();
    }
    let mut parts = imp.path.rsplit('/');
    let last = parts.next().unwrap_or("");
    let is_major =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    if is_major {
        parts.next().unwrap_or(last).to_string()
    } else {
        last.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = r#"//go:build !windows

// Package main, "not an import".
package main

import (
	"context"
	sqlx "database/sql" // "fake/import"
	. "fmt"
	_ "embed"
	/* "also/fake" */ "github.com/heroiclabs/nakama-common/runtime"
	"myproject/profile"
)

import "strings"

var s = `
import "nope"
`

//go:embed assets/cfg.json "with space/*.txt"
var cfg string

func (m *M) InitModule() {}

func InitModule(ctx context.Context, logger runtime.Logger, db *sqlx.DB,
	nk runtime.NakamaModule, initializer runtime.Initializer) (err error) {
	f := func(a, b int) {}
	// initializer.RegisterRpc("commented", f)
	/* initializer.RegisterRpc("blocked", f) */
	initializer.RegisterRpc("Real_Id", f)
	initializer.RegisterBeforeRt("ChannelMessageSend", g)
	x := fmt.Sprintf("RegisterRpc(\"in_string\", f)")
	return registerPackages(ctx, logger, db, nk, initializer)
}
"#;

    #[test]
    fn reads_imports_and_init_module() {
        let f = parse(MAIN);
        assert_eq!(f.package.as_deref(), Some("main"));
        assert_eq!(f.package_line, 4);
        assert_eq!(f.build.as_deref(), Some("!windows"));
        let paths: Vec<(&str, usize)> = f
            .imports
            .iter()
            .map(|i| (i.path.as_str(), i.line))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("context", 7),
                ("database/sql", 8),
                ("fmt", 9),
                ("embed", 10),
                ("github.com/heroiclabs/nakama-common/runtime", 11),
                ("myproject/profile", 12),
                ("strings", 15)
            ]
        );
        assert_eq!(local_name(&f.imports[1]), "sqlx");
        let inits: Vec<_> = f.funcs_named("InitModule").collect();
        assert_eq!(inits.len(), 1);
        let d = inits[0];
        assert_eq!(d.line, 26);
        assert_eq!(
            d.params,
            vec![
                "context.Context",
                "runtime.Logger",
                "*sqlx.DB",
                "runtime.NakamaModule",
                "runtime.Initializer"
            ]
        );
        assert_eq!(d.results, vec!["error"]);
        assert_eq!(
            f.embeds,
            vec![
                ("assets/cfg.json".to_string(), 21),
                ("with space/*.txt".to_string(), 21)
            ]
        );
        assert!(!f.uses_cgo());
    }

    #[test]
    fn calls_outside_comments_and_strings() {
        let f = parse(MAIN);
        let calls: Vec<(&str, Option<&str>)> = f
            .calls
            .iter()
            .map(|c| (c.name.as_str(), c.first_string.as_deref()))
            .collect();
        assert_eq!(
            calls,
            vec![
                ("RegisterRpc", Some("Real_Id")),
                ("RegisterBeforeRt", Some("ChannelMessageSend")),
                ("Sprintf", Some("RegisterRpc(\"in_string\", f)")),
                ("registerPackages", None),
            ]
        );
    }

    #[test]
    fn funcs_in_comments_do_not_count() {
        let f = parse("package util\n\n/*\nfunc Register(ctx context.Context) error { return nil }\n*/\n\nfunc helper[T any](x T) T { return x }\n");
        let names: Vec<&str> = f.funcs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["helper"]);
        assert_eq!(f.funcs[0].params, vec!["T"]);
    }

    #[test]
    fn grouped_params_and_plain_results() {
        let f = parse("package main\nfunc InitModule(a, b context.Context) error { return nil }\n");
        assert_eq!(f.funcs[0].params, vec!["context.Context"; 2]);
        assert_eq!(f.funcs[0].results, vec!["error"]);
        let f = parse("package main\nfunc InitModule(context.Context, *sql.DB) {}\n");
        assert_eq!(f.funcs[0].params, vec!["context.Context", "*sql.DB"]);
        assert!(f.funcs[0].results.is_empty());
        // A declaration without a body (assembly) does not swallow the next one.
        let f = parse("package main\nfunc add(a, b int) int\nfunc sub(a int) int { return a }\n");
        assert_eq!(f.funcs.len(), 2);
        assert_eq!(f.funcs[0].results, vec!["int"]);
    }

    #[test]
    fn old_build_lines_and_cgo() {
        let f =
            parse("// +build linux,cgo darwin\n// +build !purego\n\npackage x\n\nimport \"C\"\n");
        assert_eq!(
            f.build.as_deref(),
            Some("((linux && cgo) || (darwin)) && ((!purego))")
        );
        assert!(f.uses_cgo());
        // Lines after the package clause are ordinary comments.
        let f = parse("package x\n//go:build ignore\n");
        assert_eq!(f.build, None);
    }

    #[test]
    fn never_panics_on_odd_text() {
        for s in [
            "",
            "package",
            "\"",
            "`",
            "/*",
            "package x; import (",
            "func",
            "func (",
            "\u{feff}package p",
            "package é\nfunc Ω(a é) {}",
            "package p\nfunc F[",
        ] {
            let _ = parse(s);
        }
        assert_eq!(parse("\u{feff}package p").package.as_deref(), Some("p"));
    }

    #[test]
    fn local_names() {
        let imp = |p: &str| Import {
            path: p.into(),
            alias: None,
            line: 1,
        };
        assert_eq!(local_name(&imp("github.com/x/nakama/v3")), "nakama");
        assert_eq!(local_name(&imp("context")), "context");
    }
}
