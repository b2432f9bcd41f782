//! Just enough of a Go reader for doctor: the package clause, the imports (with aliases and
//! lines), `//go:build` constraints and the parameter types of `func InitModule`.
//!
//! A small lexer that knows comments, strings and runes, so an import path inside a comment or
//! a string never counts; nothing here fails or panics on text that is not Go.

/// What doctor needs from one Go file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoFile {
    pub package: Option<String>,
    pub imports: Vec<Import>,
    /// The `//go:build` expression, if any.
    pub build: Option<String>,
    /// Every top-level `func InitModule` (not methods).
    pub init_modules: Vec<FuncDecl>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub path: String,
    /// `Some("_")`, `Some(".")` or a name; `None` when the package name is used.
    pub alias: Option<String>,
    pub line: usize,
}

/// A function declaration's parameter and result types, as written (`*sql.DB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncDecl {
    pub line: usize,
    pub params: Vec<String>,
    pub results: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Tokens with their lines, and the `//go:build` expressions with theirs.
type Lexed = (Vec<(Tok, usize)>, Vec<(String, usize)>);

/// Tokens with their lines; comments dropped. `//go:build` lines are returned apart.
fn lex(src: &str) -> Lexed {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut build = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() || c == '\u{feff}' {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p);
            let text: String = chars[i + 2..end].iter().collect();
            if let Some(expr) = text.strip_prefix("go:build") {
                if expr.starts_with(char::is_whitespace) {
                    build.push((expr.trim().to_string(), line));
                }
            }
            i = end;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let start = line;
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c && chars[i] != '\n' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    s.push(chars[i + 1]);
                    i += 2;
                } else {
                    s.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            toks.push((
                if c == '"' {
                    Tok::Str(s)
                } else {
                    Tok::Punct('\'')
                },
                start,
            ));
        } else if c == '`' {
            let start = line;
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '`' {
                if chars[i] == '\n' {
                    line += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            toks.push((Tok::Str(s), start));
        } else if c.is_alphanumeric() || c == '_' {
            let len = chars[i..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .count();
            toks.push((Tok::Ident(chars[i..i + len].iter().collect()), line));
            i += len;
        } else {
            toks.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    (toks, build)
}

/// Reads a Go file. Only `//go:build` lines before the package clause count, as in Go.
pub fn parse(src: &str) -> GoFile {
    let (toks, builds) = lex(src);
    let mut f = GoFile::default();
    let pkg_at = toks
        .iter()
        .position(|(t, _)| *t == Tok::Ident("package".into()));
    let Some(pkg_at) = pkg_at else {
        return f;
    };
    let pkg_line = toks[pkg_at].1;
    f.build = builds
        .into_iter()
        .find(|(_, l)| *l < pkg_line)
        .map(|(e, _)| e);
    if let Some((Tok::Ident(name), _)) = toks.get(pkg_at + 1) {
        f.package = Some(name.clone());
    }
    let mut i = pkg_at + 2;
    while let Some((Tok::Punct(';'), _)) = toks.get(i) {
        i += 1;
    }
    // Imports come right after the package clause.
    while let Some((Tok::Ident(kw), _)) = toks.get(i) {
        if kw != "import" {
            break;
        }
        i += 1;
        if let Some((Tok::Punct('('), _)) = toks.get(i) {
            i += 1;
            while i < toks.len() && toks[i].0 != Tok::Punct(')') {
                i = import_spec(&toks, i, &mut f.imports);
            }
            i += 1;
        } else {
            i = import_spec(&toks, i, &mut f.imports);
        }
        while let Some((Tok::Punct(';'), _)) = toks.get(i) {
            i += 1;
        }
    }
    f.init_modules = funcs(&toks[i.min(toks.len())..], "InitModule");
    f
}

/// Reads one `[alias] "path"` spec at `i`; returns the index after it.
fn import_spec(toks: &[(Tok, usize)], i: usize, out: &mut Vec<Import>) -> usize {
    match (&toks[i].0, toks.get(i + 1).map(|t| &t.0)) {
        (Tok::Str(path), _) => {
            out.push(Import {
                path: path.clone(),
                alias: None,
                line: toks[i].1,
            });
            i + 1
        }
        (Tok::Ident(a), Some(Tok::Str(path))) => {
            out.push(Import {
                path: path.clone(),
                alias: Some(a.clone()),
                line: toks[i].1,
            });
            i + 2
        }
        (Tok::Punct('.'), Some(Tok::Str(path))) => {
            out.push(Import {
                path: path.clone(),
                alias: Some(".".into()),
                line: toks[i].1,
            });
            i + 2
        }
        _ => i + 1,
    }
}

/// Top-level `func NAME(...) ...` declarations (methods and nested literals are skipped).
fn funcs(toks: &[(Tok, usize)], name: &str) -> Vec<FuncDecl> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Ident(kw) if kw == "func" && depth == 0 => {
                if let (Some((Tok::Ident(n), _)), Some((Tok::Punct('('), _))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    if n == name {
                        let (params, after) = group(toks, i + 2);
                        let results = results(toks, after);
                        out.push(FuncDecl {
                            line: toks[i].1,
                            params: param_types(&params),
                            results,
                        });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The comma-separated parts inside the parenthesis at `open`; returns them and the index after
/// the closing parenthesis.
fn group(toks: &[(Tok, usize)], open: usize) -> (Vec<Vec<Tok>>, usize) {
    let mut parts = vec![Vec::new()];
    let mut depth = 0usize;
    let mut i = open;
    while i < toks.len() {
        let t = &toks[i].0;
        match t {
            Tok::Punct('(') | Tok::Punct('[') | Tok::Punct('{') => {
                depth += 1;
                if depth == 1 {
                    i += 1;
                    continue;
                }
            }
            Tok::Punct(')') | Tok::Punct(']') | Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (parts.into_iter().filter(|p| !p.is_empty()).collect(), i + 1);
                }
            }
            Tok::Punct(',') if depth == 1 => {
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
            Tok::Punct(c) => c.to_string(),
        })
        .collect()
}

/// Parameter types, one per parameter: `a, b int` gives `int, int`.
fn param_types(parts: &[Vec<Tok>]) -> Vec<String> {
    // A part is named when it starts with an identifier that is not a package qualifier.
    let named = |p: &Vec<Tok>| {
        matches!(p.first(), Some(Tok::Ident(_))) && p.len() > 1 && p[1] != Tok::Punct('.')
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
        out.extend(std::iter::repeat(ty).take(pending + 1));
        pending = 0;
    }
    out
}

/// The result types after a parameter list at `i`: `error`, `(error)`, `(err error)`.
fn results(toks: &[(Tok, usize)], i: usize) -> Vec<String> {
    match toks.get(i).map(|t| &t.0) {
        Some(Tok::Punct('(')) => param_types(&group(toks, i).0),
        Some(Tok::Punct('{')) | None => Vec::new(),
        Some(_) => {
            let end = toks[i..]
                .iter()
                .position(|(t, _)| *t == Tok::Punct('{'))
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

const GOOS: [&str; 17] = [
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];
const GOARCH: [&str; 21] = [
    "386", "amd64", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64",
    "mips64le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64",
    "wasm",
];

/// Whether Go builds this file on the plugin builder (linux, cgo, amd64 or arm64) with `tags`.
/// Constraints doctor cannot read count as true, so a file is never wrongly dropped.
pub fn builds(name: &str, file: &GoFile, tags: &[String]) -> bool {
    let stem = name.trim_end_matches(".go");
    let parts: Vec<&str> = stem.split('_').collect();
    let n = parts.len();
    let on = |tag: &str| {
        ["linux", "unix", "cgo", "gc", "amd64", "arm64"].contains(&tag)
            || (tag.starts_with("go1.") && tag[4..].chars().all(|c| c.is_ascii_digit()))
            || tags.iter().any(|t| t == tag)
    };
    if n >= 2 {
        let last = parts[n - 1];
        if GOOS.contains(&last) && !on(last) {
            return false;
        }
        if GOARCH.contains(&last) {
            if !on(last) {
                return false;
            }
            if n >= 3 && GOOS.contains(&parts[n - 2]) && !on(parts[n - 2]) {
                return false;
            }
        }
    }
    match &file.build {
        Some(expr) => Constraint::new(expr).eval(&on).unwrap_or(true),
        None => true,
    }
}

/// A `//go:build` expression evaluator: `!`, `&&`, `||`, parentheses and tags.
struct Constraint {
    toks: Vec<String>,
    at: usize,
}

impl Constraint {
    fn new(expr: &str) -> Self {
        let mut toks = Vec::new();
        let chars: Vec<char> = expr.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if (c == '&' || c == '|') && chars.get(i + 1) == Some(&c) {
                toks.push(format!("{c}{c}"));
                i += 2;
            } else if "!()".contains(c) {
                toks.push(c.to_string());
                i += 1;
            } else {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '.')
                    .count()
                    .max(1);
                toks.push(chars[i..i + len].iter().collect());
                i += len;
            }
        }
        Constraint { toks, at: 0 }
    }

    fn eval(&mut self, on: &dyn Fn(&str) -> bool) -> Option<bool> {
        let v = self.or(on, 0)?;
        (self.at == self.toks.len()).then_some(v)
    }

    fn next(&mut self) -> Option<String> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }

    fn or(&mut self, on: &dyn Fn(&str) -> bool, depth: usize) -> Option<bool> {
        let mut v = self.and(on, depth)?;
        while self.peek() == Some("||") {
            self.at += 1;
            v |= self.and(on, depth)?;
        }
        Some(v)
    }

    fn and(&mut self, on: &dyn Fn(&str) -> bool, depth: usize) -> Option<bool> {
        let mut v = self.unary(on, depth)?;
        while self.peek() == Some("&&") {
            self.at += 1;
            v &= self.unary(on, depth)?;
        }
        Some(v)
    }

    fn unary(&mut self, on: &dyn Fn(&str) -> bool, depth: usize) -> Option<bool> {
        // Deep nesting is not Go; refuse it rather than recurse without bound.
        if depth > 64 {
            return None;
        }
        match self.next()?.as_str() {
            "!" => self.unary(on, depth + 1).map(|v| !v),
            "(" => {
                let v = self.or(on, depth + 1)?;
                (self.next()? == ")").then_some(v)
            }
            tag if tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.') =>
            {
                Some(on(tag))
            }
            _ => None,
        }
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

func (m *M) InitModule() {}

func InitModule(ctx context.Context, logger runtime.Logger, db *sqlx.DB,
	nk runtime.NakamaModule, initializer runtime.Initializer) (err error) {
	f := func(a, b int) {}
	return nil
}
"#;

    #[test]
    fn reads_imports_and_init_module() {
        let f = parse(MAIN);
        assert_eq!(f.package.as_deref(), Some("main"));
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
        assert_eq!(f.init_modules.len(), 1);
        let d = &f.init_modules[0];
        assert_eq!(d.line, 23);
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
    }

    #[test]
    fn grouped_params_and_plain_results() {
        let f = parse("package main\nfunc InitModule(a, b context.Context) error { return nil }\n");
        assert_eq!(f.init_modules[0].params, vec!["context.Context"; 2]);
        assert_eq!(f.init_modules[0].results, vec!["error"]);
        let f = parse("package main\nfunc InitModule(context.Context, *sql.DB) {}\n");
        assert_eq!(f.init_modules[0].params, vec!["context.Context", "*sql.DB"]);
        assert!(f.init_modules[0].results.is_empty());
    }

    #[test]
    fn build_constraints_and_file_names() {
        let f = |b: &str| GoFile {
            build: Some(b.into()),
            ..GoFile::default()
        };
        let none = GoFile::default();
        let tags = vec!["extra".to_string()];
        assert!(!builds("a.go", &f("ignore"), &[]));
        assert!(builds("a.go", &f("linux && (amd64 || arm64)"), &[]));
        assert!(!builds("a.go", &f("windows || !cgo"), &[]));
        assert!(builds("a.go", &f("extra"), &tags));
        assert!(builds("a.go", &f("go1.21 && !purego"), &[]));
        assert!(builds("a.go", &f("(((("), &[]));
        assert!(!builds("a_windows.go", &none, &[]));
        assert!(!builds("a_linux_386.go", &none, &[]));
        assert!(builds("a_linux_arm64.go", &none, &[]));
        assert!(builds("windows.go", &none, &[]));
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
