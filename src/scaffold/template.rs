//! Scaffolds and the handlebars engine that renders them: the built-in one (compiled in) and
//! team scaffolds (a folder on disk), held the same way so one engine serves both.
//!
//! Only files ending in `.hbs` are rendered (the suffix is dropped); everything else is copied
//! byte for byte, so a template may hold CI YAML with `${{ }}` or Go `text/template` files.

use crate::error::{bail, Context, Result};
use crate::scaffold::manifest::{self, Manifest};
use handlebars::Handlebars;
use include_dir::{include_dir, Dir, DirEntry};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

mod bounds;

/// The built-in scaffold, compiled into the binary.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scaffolds/nakama-go");

/// What `scaffold.toml` records for the built-in scaffold.
pub const BUILTIN_SOURCE: &str = "builtin:nakama-go";

/// The built-in scaffold's earlier versions (`<version>/template.toml` and `project/`), kept
/// so `scaffold update` can merge from the rendering a repo was made with: an old binary's
/// templates are not in a new one otherwise.
static BUILTIN_HISTORY: Dir<'static> =
    include_dir!("$CARGO_MANIFEST_DIR/scaffolds/history/nakama-go");

/// A rendered file: a repo-relative path and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    pub executable: bool,
}

/// A scaffold held in memory: its manifest and every file, by path inside the scaffold. The
/// built-in scaffold's files are borrowed from the binary, not copied at every start.
#[derive(Debug, Clone)]
pub struct Template {
    pub manifest: Manifest,
    pub files: BTreeMap<PathBuf, Cow<'static, [u8]>>,
    /// The files with an executable bit (scripts), which the rendered files keep.
    pub executable: BTreeSet<PathBuf>,
}

/// What a scaffold may hold and render. A scaffold is someone else's input: without these a
/// link that fans out makes the walk exponential, and a partial that includes itself aborts
/// the process (handlebars bounds neither).
pub mod limits {
    /// Files in one scaffold.
    pub const FILES: usize = 10_000;
    /// Files and folders the walk may visit, each path through a link counted again.
    pub const ENTRIES: usize = 30_000;
    /// Folder levels below the scaffold's root.
    pub const DEPTH: usize = 32;
    /// Bytes of all a scaffold's files together.
    pub const BYTES: u64 = 256 * 1024 * 1024;
    /// Bytes one rendered file may hold, and all rendered files together.
    pub const RENDERED_FILE: usize = 32 * 1024 * 1024;
    pub const RENDERED: usize = 256 * 1024 * 1024;
    /// Partial expansions one template may make (partials including partials), counted in
    /// its text before it renders and again as it renders (names computed with `lookup`).
    pub const PARTIALS: u64 = 10_000;
    /// Bytes of answers, all together: every file is rendered with all of them, and
    /// handlebars copies them (block parameters, partials' contexts).
    pub const ANSWERS: usize = 1024 * 1024;
    /// Blocks nested in blocks in one template.
    pub const NESTING: usize = 200;
    /// Subexpressions nested in one tag (`(a (b (c ...)))`), and literals in literals.
    pub const SUBEXPRESSIONS: usize = 32;
    /// What handlebars' parser may cost on one text: it finds each piece's line and column by
    /// reading the text from its start, so the sum of where the pieces are (2^27: some 2,000
    /// tags in 64 KiB; the substitution renderer needs no parse).
    pub const PARSE_COST: u64 = 1 << 27;
    /// Blocks and partials open at once while a template renders: a partial can include
    /// itself through a name computed as it renders, which no static check sees.
    pub const RENDER_DEPTH: usize = 256;
    /// Template pieces one file's rendering may go through (each pass through a block's or
    /// a partial's body counts its pieces): loops in loops and partials that fan out end.
    pub const RENDER_STEPS: u64 = 1_000_000;
    /// The stack of the thread that renders: far more than [`RENDER_DEPTH`] levels use.
    pub const STACK: usize = 64 * 1024 * 1024;
}

/// A strict handlebars engine: an unknown variable is an error, never an empty string, and
/// nothing is HTML-escaped (we write Go, YAML and Dockerfiles, not HTML).
pub fn engine() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    for what in [
        bounds::Wrapped::Body,
        bounds::Wrapped::Aside,
        bounds::Wrapped::Partial,
    ] {
        hb.register_helper(what.helper(), Box::new(bounds::Bound(what)));
    }
    hb
}

/// Runs `f` on a thread of its own with a stack of [`limits::STACK`]: rendering recurses
/// (once per open block or partial, bounded by [`limits::RENDER_DEPTH`]), and the stack of
/// the thread that called may be small.
fn on_render_stack<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R> {
    std::thread::scope(|s| {
        let thread = std::thread::Builder::new()
            .name("render".into())
            .stack_size(limits::STACK)
            .spawn_scoped(s, f)
            .context("cannot start a thread to render templates")?;
        match thread.join() {
            Ok(r) => Ok(r),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// One template text rendered against `data`, within every bound a scaffold's file has:
/// for text that is not a file's, such as a variable's default. The error is one line.
pub fn render_str(text: &str, data: &serde_json::Value) -> Result<String> {
    let ctx = handlebars::Context::wraps(data)?;
    on_render_stack(|| render_text(&engine(), text, &ctx))?.map_err(crate::error::Error::msg)
}

impl Template {
    /// The built-in scaffold.
    pub fn builtin() -> Template {
        let mut files = BTreeMap::new();
        collect_builtin(&BUILTIN, &mut files);
        // include_dir keeps no modes: the built-in scaffold holds no scripts.
        let text = BUILTIN
            .get_file(manifest::FILE)
            .and_then(|f| f.contents_utf8())
            .expect("the built-in scaffold has a manifest");
        let manifest =
            manifest::parse(text, "builtin:template.toml").expect("the built-in manifest is valid");
        Template {
            manifest,
            files,
            executable: BTreeSet::new(),
        }
    }

    /// The built-in scaffold at one of its versions: this binary's own, or one kept in
    /// `scaffolds/history/`; `None` for a version this binary does not know.
    pub fn builtin_at(version: u32) -> Option<Template> {
        let current = Template::builtin();
        if current.manifest.version == Some(version) {
            return Some(current);
        }
        let dir = BUILTIN_HISTORY.get_dir(version.to_string())?;
        let mut files = BTreeMap::new();
        collect_builtin(dir, &mut files);
        // include_dir names entries from the history folder; the scaffold's own paths start
        // below the version.
        let files = files
            .into_iter()
            .filter_map(|(p, b)| Some((p.strip_prefix(version.to_string()).ok()?.to_path_buf(), b)))
            .collect::<BTreeMap<_, _>>();
        let text = std::str::from_utf8(files.get(Path::new(manifest::FILE))?).ok()?;
        let shown = format!("builtin:history/{version}/template.toml");
        let manifest = manifest::parse(text, &shown).ok()?;
        Some(Template {
            manifest,
            files,
            executable: BTreeSet::new(),
        })
    }

    /// A team scaffold from a folder. Symbolic links are followed only while they stay inside
    /// the folder: a template must not read the rest of the disk.
    pub fn from_dir(dir: &Path) -> Result<Template> {
        Self::from_dir_shown(dir, &format!("{}/", dir.display()))
    }

    /// [`Template::from_dir`], naming the manifest `{prefix}template.toml` in messages (a
    /// clone's temporary folder is gone by the time anyone reads them; its URL is not).
    pub fn from_dir_shown(dir: &Path, prefix: &str) -> Result<Template> {
        let root = dir
            .canonicalize()
            .with_context(|| format!("cannot open the scaffold folder {}", dir.display()))?;
        let manifest_path = root.join(manifest::FILE);
        let text = crate::files::read_to_string(&manifest_path).with_context(|| {
            format!(
                "{prefix}{} is missing; a scaffold folder needs one (see `scaffold eject` for an example)",
                manifest::FILE
            )
        })?;
        let manifest = manifest::parse(&text, &format!("{prefix}{}", manifest::FILE))?;
        let mut walk = Walk {
            root: &root,
            files: BTreeMap::new(),
            executable: BTreeSet::new(),
            entries: 0,
            bytes: 0,
        };
        walk.dir(&root, 0)?;
        Ok(Template {
            manifest,
            files: walk.files,
            executable: walk.executable,
        })
    }

    /// The package kinds this scaffold defines, with their descriptions.
    pub fn kinds(&self) -> Vec<(String, String)> {
        #[derive(serde::Deserialize)]
        struct KindManifest {
            description: String,
        }
        let mut out: Vec<(String, String)> = self
            .files
            .iter()
            .filter_map(|(path, bytes)| {
                let mut parts = path.components();
                let first = parts.next()?.as_os_str().to_str()?;
                let kind = parts.next()?.as_os_str().to_str()?.to_string();
                let file = parts.next()?.as_os_str().to_str()?;
                if first != "kinds" || file != "manifest.toml" || parts.next().is_some() {
                    return None;
                }
                let text = std::str::from_utf8(bytes).ok()?;
                let m: KindManifest = toml::from_str(text).ok()?;
                Some((kind, m.description))
            })
            .collect();
        // rpc first: it is the default.
        out.sort_by(|a, b| (a.0 != "rpc", &a.0).cmp(&(b.0 != "rpc", &b.0)));
        out
    }

    /// Renders every file below `sub` (e.g. `project`, `kinds/rpc`), sorted by path.
    pub fn render<T: Serialize>(&self, sub: &str, data: &T) -> Result<Vec<RenderedFile>> {
        let ctx = handlebars::Context::wraps(data)?;
        on_render_stack(|| self.render_on_this_thread(sub, &ctx))?
    }

    fn render_on_this_thread(
        &self,
        sub: &str,
        ctx: &handlebars::Context,
    ) -> Result<Vec<RenderedFile>> {
        let hb = engine();
        let prefix = Path::new(sub);
        let mut out = Vec::new();
        let mut any = false;
        let mut total = 0usize;
        for (path, bytes) in &self.files {
            let Ok(rel) = path.strip_prefix(prefix) else {
                continue;
            };
            any = true;
            // Manifests describe a template; they are not part of what it generates.
            if rel == Path::new("manifest.toml") {
                continue;
            }
            let shown = crate::files::slash(path);
            let (rel, render) = match rel.to_str().and_then(|s| s.strip_suffix(".hbs")) {
                Some(stripped) => (PathBuf::from(stripped), true),
                None => (rel.to_path_buf(), false),
            };
            let target = render_path(&hb, &rel, ctx)
                .with_context(|| format!("template file name `{shown}`"))?;
            let contents = if render {
                let text = std::str::from_utf8(bytes)
                    .with_context(|| format!("template `{shown}` is not UTF-8"))?;
                render_text(&hb, text, ctx)
                    .map_err(|e| crate::error::err!("template `{shown}`: {e}"))?
                    .into_bytes()
            } else {
                bytes.to_vec()
            };
            total += contents.len();
            if total > limits::RENDERED {
                bail!(
                    "the scaffold renders to more than {} MiB; a template that big is a mistake or an attack",
                    limits::RENDERED >> 20
                );
            }
            out.push(RenderedFile {
                path: target,
                contents,
                executable: self.executable.contains(path),
            });
        }
        if !any {
            bail!("the scaffold has no `{sub}` folder");
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// Renders one template's text, within the partial, depth, time and size bounds (on a
/// thread with a stack of [`limits::STACK`]). The shapes a scaffold's templates mostly have
/// (variables, `each` over a list) are rendered by [`substitute`], exactly as handlebars
/// renders them but without its parser, which was a quarter of the time `new` spent in
/// scaffold's own code. Anything else goes to handlebars.
fn render_text(
    hb: &Handlebars<'static>,
    text: &str,
    ctx: &handlebars::Context,
) -> std::result::Result<String, String> {
    use handlebars::Renderable;
    if let Some(out) = substitute(text, ctx.data()) {
        return out;
    }
    // handlebars' parser recurses once per nested `(` and cannot be stopped: the text is
    // scanned first.
    bounds::scan(text)?;
    let mut tpl = handlebars::template::Template::compile(text).map_err(|e| {
        let at = e.pos().map(|(l, c)| format!("line {l}, column {c}: "));
        format!("{}{}", at.unwrap_or_default(), e.reason())
    })?;
    partials::check(&tpl)?;
    bounds::wrap(&mut tpl, bounds::Wrapped::Body);
    bounds::reset();
    let mut out = Bounded::default();
    let mut rc = handlebars::RenderContext::new(None);
    match tpl.render(hb, ctx, &mut rc, &mut out) {
        Ok(()) => Ok(out.text),
        Err(_) if out.over => Err(too_large()),
        Err(e) => Err(bounds::stopped().map_or_else(|| one_line(&e), |stop| stop.message())),
    }
}

fn too_large() -> String {
    format!(
        "renders to more than {} MiB; a template that big is a mistake or an attack",
        limits::RENDERED_FILE >> 20
    )
}

/// The names handlebars reads as something other than a variable: its own helpers (scaffold
/// registers none; `{{len}}` calls the helper), `else`, and the literals. [`substitute`]
/// leaves them to handlebars.
const NOT_VARIABLES: &[&str] = &[
    "if",
    "unless",
    "each",
    "with",
    "lookup",
    "raw",
    "log",
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "and",
    "or",
    "not",
    "len",
    "else",
    "this",
    "true",
    "false",
    "null",
    "undefined",
];

/// `text` rendered as handlebars renders it without escaping, when its only expressions are
/// `{{name}}` (or `{{this.name}}`) of string values and `{{#each list}}...{{/each}}` blocks,
/// not nested, over lists of objects; `None` as soon as anything else appears (another block
/// or helper, a path, a comment, an escape, a triple brace, `~`, spaces inside the braces, a
/// missing or non-string value), so that handlebars renders it, or reports it, as always.
/// Output past [`limits::RENDERED_FILE`] is refused as it grows, not once it is built.
fn substitute(text: &str, data: &serde_json::Value) -> Option<std::result::Result<String, String>> {
    let mut tokens = tokens(text)?;
    trim_standalone(&mut tokens);
    let mut out = Bounded {
        text: String::with_capacity(text.len().min(limits::RENDERED_FILE) + 64),
        over: false,
    };
    let mut i = 0;
    while i < tokens.len() {
        let fits = match tokens[i] {
            Token::Text(t) => out.push(t),
            Token::Var(name) => out.push(lookup(data, name)?),
            Token::Each(list) => {
                let len = tokens[i..].iter().position(|t| matches!(t, Token::End))?;
                let body = &tokens[i + 1..i + len];
                let mut fits = true;
                for item in data.get(list)?.as_array()? {
                    item.as_object()?;
                    for t in body {
                        fits &= match *t {
                            Token::Text(t) => out.push(t),
                            Token::Var(name) => out.push(lookup(item, name)?),
                            _ => return None,
                        };
                    }
                    if !fits {
                        break;
                    }
                }
                i += len;
                fits
            }
            Token::If(name) => {
                let len = tokens[i..].iter().position(|t| matches!(t, Token::EndIf))?;
                let body = &tokens[i + 1..i + len];
                let split = body.iter().position(|t| matches!(t, Token::Else));
                let (yes, no) = match split {
                    Some(at) => (&body[..at], &body[at + 1..]),
                    None => (body, &[][..]),
                };
                // Only a bool is read here; handlebars decides any other value's truth.
                let branch = if data.get(name)?.as_bool()? { yes } else { no };
                let mut fits = true;
                for t in branch {
                    fits &= match *t {
                        Token::Text(t) => out.push(t),
                        Token::Var(name) => out.push(lookup(data, name)?),
                        _ => return None,
                    };
                }
                i += len;
                fits
            }
            Token::End | Token::Else | Token::EndIf => return None,
        };
        if !fits {
            return Some(Err(too_large()));
        }
        i += 1;
    }
    Some(Ok(out.text))
}

/// A piece of a template [`substitute`] renders.
#[derive(Debug, Clone, Copy)]
enum Token<'a> {
    Text(&'a str),
    Var(&'a str),
    Each(&'a str),
    End,
    /// `{{#if bool}}`, its `{{else}}` and `{{/if}}`.
    If(&'a str),
    Else,
    EndIf,
}

/// The template's pieces, or `None` for anything [`substitute`] leaves to handlebars.
fn tokens(text: &str) -> Option<Vec<Token<'_>>> {
    if text.contains("\\{{") {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push(Token::Text(&rest[..open]));
        let inner = &rest[open + 2..];
        let close = inner.find("}}")?;
        let tag = &inner[..close];
        rest = &inner[close + 2..];
        if rest.starts_with('}') {
            return None;
        }
        out.push(match tag {
            "/each" => Token::End,
            "/if" => Token::EndIf,
            "else" => Token::Else,
            _ => match (tag.strip_prefix("#each "), tag.strip_prefix("#if ")) {
                (Some(list), _) => Token::Each(variable(list)?),
                (_, Some(cond)) => Token::If(variable(cond)?),
                _ => Token::Var(variable(tag.strip_prefix("this.").unwrap_or(tag))?),
            },
        });
    }
    out.push(Token::Text(rest));
    // Blocks open and close in turn, never nested; `else` only once inside an `if`.
    #[derive(PartialEq)]
    enum Open {
        None,
        Each,
        If,
        IfElse,
    }
    let mut open = Open::None;
    for t in &out {
        open = match (t, open) {
            (Token::Each(_), Open::None) => Open::Each,
            (Token::If(_), Open::None) => Open::If,
            (Token::Else, Open::If) => Open::IfElse,
            (Token::End, Open::Each) | (Token::EndIf, Open::If | Open::IfElse) => Open::None,
            (Token::Text(_) | Token::Var(_), o) => o,
            _ => return None,
        };
    }
    (open == Open::None).then_some(out)
}

/// `name` when it is a plain variable name handlebars reads as a variable.
fn variable(name: &str) -> Option<&str> {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (plain && !NOT_VARIABLES.contains(&name)).then_some(name)
}

fn lookup<'a>(data: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    data.get(name)?.as_str()
}

/// Handlebars' standalone rule: a block tag alone on its line (only spaces or tabs beside it)
/// takes its line's indentation and line break with it. Which tags stand alone is decided on
/// the text as written, before any trimming.
fn trim_standalone<'a>(tokens: &mut [Token<'a>]) {
    fn text<'a>(t: &Token<'a>) -> &'a str {
        match *t {
            Token::Text(t) => t,
            _ => "",
        }
    }
    let blank = |s: &str| s.chars().all(|c| c == ' ' || c == '\t');
    let alone: Vec<bool> = (0..tokens.len())
        .map(|i| {
            if matches!(tokens[i], Token::Text(_) | Token::Var(_)) {
                return false;
            }
            // Tokens alternate, so text is always beside a tag.
            let (before, after) = (text(&tokens[i - 1]), text(&tokens[i + 1]));
            let indent = &before[before.rfind('\n').map_or(0, |n| n + 1)..];
            let starts_line = before.contains('\n') || i == 1;
            let line_rest = after.find('\n').map_or(after, |n| &after[..n]);
            let line_rest = line_rest.strip_suffix('\r').unwrap_or(line_rest);
            // At the end of the text, handlebars keeps what follows the tag (unlike its spec).
            let ends_line = after.contains('\n') || (i + 2 == tokens.len() && after.is_empty());
            starts_line && blank(indent) && ends_line && blank(line_rest)
        })
        .collect();
    for i in (0..tokens.len()).step_by(2) {
        let t = text(&tokens[i]);
        let start = match i.checked_sub(1) {
            Some(tag) if alone[tag] => t.find('\n').map_or(t.len(), |n| n + 1),
            _ => 0,
        };
        let end = match alone.get(i + 1) {
            Some(true) => t.rfind('\n').map_or(0, |n| n + 1),
            _ => t.len(),
        };
        tokens[i] = Token::Text(if start <= end { &t[start..end] } else { "" });
    }
}

/// Rendered text that refuses to grow past [`limits::RENDERED_FILE`].
#[derive(Default)]
struct Bounded {
    text: String,
    over: bool,
}

impl Bounded {
    /// Appends `seg`, or refuses (false) when the text would pass the bound.
    fn push(&mut self, seg: &str) -> bool {
        if self.over || self.text.len() + seg.len() > limits::RENDERED_FILE {
            self.over = true;
            return false;
        }
        self.text.push_str(seg);
        true
    }
}

impl handlebars::Output for Bounded {
    fn write(&mut self, seg: &str) -> std::io::Result<()> {
        if !self.push(seg) {
            return Err(std::io::Error::other("rendered file too large"));
        }
        Ok(())
    }
}

/// A handlebars error as one line: where (the caller names the file) and its reason, without
/// the source excerpt or handlebars' "Unnamed template".
fn one_line(e: &handlebars::RenderError) -> String {
    let reason = match e.reason() {
        handlebars::RenderErrorReason::MissingVariable(Some(v)) => {
            format!(
                "unknown variable `{v}` (templates are strict: every variable must have a value)"
            )
        }
        other => other.to_string(),
    };
    let reason = reason.lines().next().unwrap_or("");
    match (e.line_no, e.column_no) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: {reason}"),
        (Some(l), None) => format!("line {l}: {reason}"),
        _ => reason.to_string(),
    }
}

fn collect_builtin(dir: &Dir<'static>, out: &mut BTreeMap<PathBuf, Cow<'static, [u8]>>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect_builtin(d, out),
            DirEntry::File(f) => {
                out.insert(f.path().to_path_buf(), Cow::Borrowed(f.contents()));
            }
        }
    }
}

/// A folder scaffold being read, with what it has cost so far.
struct Walk<'a> {
    root: &'a Path,
    files: BTreeMap<PathBuf, Cow<'static, [u8]>>,
    executable: BTreeSet<PathBuf>,
    entries: usize,
    bytes: u64,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path, depth: usize) -> Result<()> {
        let shown = |p: &Path| p.strip_prefix(self.root).unwrap_or(p).display().to_string();
        if depth > limits::DEPTH {
            bail!(
                "{} is more than {} folders deep (a link to a folder above it?); a scaffold must be a finite tree",
                shown(dir),
                limits::DEPTH
            );
        }
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            if name == ".git" {
                continue;
            }
            self.entries += 1;
            if self.entries > limits::ENTRIES {
                bail!(
                    "the scaffold holds more than {} files and folders (each path through a link counts; links that fan out?); keep a scaffold small and its links few",
                    limits::ENTRIES
                );
            }
            let path = entry.path();
            let rel = path.strip_prefix(self.root).unwrap_or(&path).to_path_buf();
            let target = path
                .canonicalize()
                .with_context(|| format!("{} is a broken link", rel.display()))?;
            if !target.starts_with(self.root) {
                bail!(
                    "{} links outside the scaffold folder ({}); templates may only link inside themselves",
                    rel.display(),
                    target.display()
                );
            }
            let meta = std::fs::metadata(&target)
                .with_context(|| format!("cannot read {}", rel.display()))?;
            if meta.is_dir() {
                self.dir(&path, depth + 1)?;
                continue;
            }
            if self.files.len() >= limits::FILES {
                bail!(
                    "the scaffold holds more than {} files; keep a scaffold to what a repo starts with",
                    limits::FILES
                );
            }
            self.bytes += meta.len();
            if self.bytes > limits::BYTES {
                bail!(
                    "the scaffold's files hold more than {} MiB; keep large assets out of it",
                    limits::BYTES >> 20
                );
            }
            // Only regular files are read: a FIFO would hang the read, a device never end.
            let bytes = crate::files::read(&target)
                .with_context(|| format!("cannot read {}", rel.display()))?;
            if executable(&meta) {
                self.executable.insert(rel.clone());
            }
            self.files.insert(rel, Cow::Owned(bytes));
        }
        Ok(())
    }
}

#[cfg(unix)]
fn executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_: &std::fs::Metadata) -> bool {
    false
}

/// Renders the variables in a file name and refuses any result that could leave the
/// destination or write into git's folder.
fn render_path(hb: &Handlebars<'static>, rel: &Path, ctx: &handlebars::Context) -> Result<PathBuf> {
    let text = crate::files::slash(rel);
    let rendered = render_text(hb, &text, ctx).map_err(|e| crate::error::err!("{e}"))?;
    if rendered.is_empty() {
        bail!("`{text}` renders to an empty name");
    }
    let path = PathBuf::from(&rendered);
    for c in path.components() {
        match c {
            Component::Normal(_) => {}
            _ => bail!("`{rendered}` would be written outside the destination"),
        }
    }
    if rendered.contains('\\') {
        bail!("`{rendered}` would be written outside the destination");
    }
    // `.git/config` can name a command git runs (core.fsmonitor): the rendered name counts,
    // not the template's, as `{{#if x}}.git{{/if}}` shows.
    if crate::files::names_git_dir(&path) {
        bail!("`{rendered}` would be written into `.git`, git's own folder; a scaffold may not write there");
    }
    Ok(path)
}

/// Partials, checked before a template renders: handlebars expands `{{> name}}` without any
/// bound, so a partial that includes itself overflows the stack (the process aborts) and
/// partials that include others many times build output without end. Partial names are
/// static in handlebars, and a scaffold registers none, so every partial a template can
/// include is an inline one (`{{#*inline "name"}}`) of the same text: the whole graph is here.
mod partials {
    use super::limits;
    use handlebars::template::{Parameter, Template, TemplateElement as El};
    use std::collections::BTreeMap;

    type Result<T> = std::result::Result<T, String>;

    /// Refuses cycles, more than [`limits::PARTIALS`] expansions, and blocks nested deeper
    /// than [`limits::NESTING`].
    pub fn check(t: &Template) -> Result<()> {
        let mut defs: BTreeMap<&str, Vec<&Template>> = BTreeMap::new();
        definitions(t, &mut defs, 0)?;
        if defs.is_empty() {
            return Ok(());
        }
        let mut memo = BTreeMap::new();
        let mut path = Vec::new();
        let n = expansions(&includes(t), &defs, &mut memo, &mut path)?;
        if n > limits::PARTIALS {
            return Err(format!(
                "its partials would be included more than {} times; include fewer",
                limits::PARTIALS
            ));
        }
        Ok(())
    }

    fn inline_name(d: &handlebars::template::DecoratorTemplate) -> Option<&str> {
        if d.name.as_name() != Some("inline") {
            return None;
        }
        match d.params.first()? {
            Parameter::Literal(serde_json::Value::String(s)) => Some(s),
            other => other.as_name(),
        }
    }

    /// Every inline partial defined anywhere in `t`, by name (a name defined twice keeps
    /// both bodies: counting both can only over-count).
    fn definitions<'a>(
        t: &'a Template,
        defs: &mut BTreeMap<&'a str, Vec<&'a Template>>,
        depth: usize,
    ) -> Result<()> {
        if depth > limits::NESTING {
            return Err(format!(
                "blocks are nested more than {} deep",
                limits::NESTING
            ));
        }
        for el in &t.elements {
            let bodies: Vec<&Template> = match el {
                El::HelperBlock(h) => [&h.template, &h.inverse].into_iter().flatten().collect(),
                El::DecoratorBlock(d) | El::PartialBlock(d) => {
                    if let (Some(name), Some(body)) = (inline_name(d), &d.template) {
                        defs.entry(name).or_default().push(body);
                    }
                    d.template.iter().collect()
                }
                _ => Vec::new(),
            };
            for body in bodies {
                definitions(body, defs, depth + 1)?;
            }
        }
        Ok(())
    }

    /// The partials a body includes itself, once per `{{> name}}`; an inline definition
    /// inside it is a body of its own.
    fn includes(t: &Template) -> Vec<&str> {
        let mut out = Vec::new();
        for el in &t.elements {
            match el {
                El::PartialExpression(d) => out.extend(d.name.as_name()),
                El::PartialBlock(d) => {
                    out.extend(d.name.as_name());
                    out.extend(d.template.iter().flat_map(includes));
                }
                El::HelperBlock(h) => {
                    for body in [&h.template, &h.inverse].into_iter().flatten() {
                        out.extend(includes(body));
                    }
                }
                El::DecoratorBlock(d) if inline_name(d).is_none() => {
                    out.extend(d.template.iter().flat_map(includes));
                }
                _ => {}
            }
        }
        out
    }

    /// How many partial expansions rendering these includes makes (saturating past the
    /// bound); a cycle is an error naming it.
    fn expansions<'a>(
        names: &[&'a str],
        defs: &BTreeMap<&'a str, Vec<&'a Template>>,
        memo: &mut BTreeMap<&'a str, u64>,
        path: &mut Vec<&'a str>,
    ) -> Result<u64> {
        let mut total: u64 = 0;
        for &name in names {
            let Some(bodies) = defs.get(name) else {
                // Not defined: rendering stops with "partial not found".
                total = total.saturating_add(1);
                continue;
            };
            if let Some(at) = path.iter().position(|p| *p == name) {
                let mut cycle: Vec<&str> = path[at..].to_vec();
                cycle.push(name);
                return Err(format!(
                    "partial `{name}` includes itself ({}); a partial may not include itself, directly or through others",
                    cycle.join(" -> ")
                ));
            }
            let own = match memo.get(name) {
                Some(n) => *n,
                None => {
                    path.push(name);
                    let mut n: u64 = 0;
                    for body in bodies {
                        n = n.saturating_add(expansions(&includes(body), defs, memo, path)?);
                    }
                    path.pop();
                    memo.insert(name, n);
                    n
                }
            };
            total = total.saturating_add(1).saturating_add(own);
            if total > limits::PARTIALS {
                return Ok(total);
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_mode_refuses_unknown_variables() {
        let err = engine()
            .render_template("{{nope}}", &json!({}))
            .unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    fn path(name: &str, data: serde_json::Value) -> Result<PathBuf> {
        let ctx = handlebars::Context::wraps(data).unwrap();
        render_path(&engine(), Path::new(name), &ctx)
    }

    #[test]
    fn paths_cannot_escape() {
        assert!(path("{{package}}/x.go", json!({"package": "../evil"})).is_err());
        let ok = path("{{package}}/x.go", json!({"package": "p"}));
        assert_eq!(ok.unwrap(), PathBuf::from("p/x.go"));
    }

    #[test]
    fn rendered_paths_cannot_enter_git() {
        for name in [
            "{{#if true}}.git{{/if}}/config",
            ".git",
            "p/.GIT/hooks/x",
            "{{dot}}git/config",
            ".git./config",
            "git~1/config",
            ".g\u{200c}it/config",
        ] {
            let err = path(name, json!({"dot": "."})).unwrap_err().to_string();
            assert!(err.contains("`.git`"), "{name}: {err}");
        }
        assert!(path(".gitignore", json!({})).is_ok());
        assert!(path("p/.github/ci.yml", json!({})).is_ok());
    }

    #[test]
    fn partials_that_include_themselves_or_explode_are_refused() {
        let render = |text: &str| render_str(text, &json!({})).map_err(|e| e.to_string());
        let err = render("{{#*inline \"a\"}}{{> a}}{{/inline}}{{> a}}").unwrap_err();
        assert!(err.contains("includes itself (a -> a)"), "{err}");
        let err = render(
            "{{#*inline \"a\"}}{{> b}}{{/inline}}{{#*inline \"b\"}}{{#if x}}{{else}}{{> a}}{{/if}}{{/inline}}{{> a}}",
        )
        .unwrap_err();
        assert!(err.contains("includes itself (a -> b -> a)"), "{err}");
        // Ten levels of ten: 10^10 expansions, refused before rendering any.
        let mut text = String::from("{{#*inline \"p0\"}}x{{/inline}}");
        for i in 1..=10 {
            text += &format!(
                "{{{{#*inline \"p{i}\"}}}}{}{{{{/inline}}}}",
                format!("{{{{> p{}}}}}", i - 1).repeat(10)
            );
        }
        text += "{{> p10}}";
        let err = render(&text).unwrap_err();
        assert!(err.contains("more than 10000 times"), "{err}");
        // Fine: a partial used a few times.
        assert_eq!(
            render("{{#*inline \"a\"}}x{{/inline}}{{> a}}{{> a}}").unwrap(),
            "xx"
        );
        // Output past the bound is refused, not built.
        let big = format!(
            "{{{{#*inline \"a\"}}}}{}{{{{/inline}}}}{}",
            "x".repeat(1 << 20),
            "{{> a}}".repeat(40)
        );
        assert!(render(&big).unwrap_err().contains("more than 32 MiB"));
        let deep = "{{#if true}}".repeat(300) + &"{{/if}}".repeat(300);
        assert!(render(&deep).unwrap_err().contains("nested more than"));
    }

    #[test]
    fn nothing_is_html_escaped() {
        let out = engine()
            .render_template("{{v}}", &json!({"v": "<a & \"b\">"}))
            .unwrap();
        assert_eq!(out, "<a & \"b\">");
    }

    #[test]
    fn every_kept_builtin_version_parses_and_renders() {
        let current = Template::builtin().manifest.version.expect("a version");
        for v in 1..=current {
            let t = Template::builtin_at(v).unwrap_or_else(|| panic!("version {v} is kept"));
            assert_eq!(t.manifest.version, Some(v));
            assert!(t.files.contains_key(Path::new("project/Dockerfile.hbs")));
        }
        assert!(Template::builtin_at(current + 1).is_none());
    }

    /// Substitution gives exactly what handlebars gives, for every template of the built-in
    /// scaffold (this version and the kept ones), and leaves every other shape to handlebars.
    #[test]
    fn substitution_renders_as_handlebars_does() {
        let hb = engine();
        let release = crate::versions::default_release();
        let mut answers = BTreeMap::new();
        answers.insert(
            "true".to_string(),
            toml::Value::from("a variable named true"),
        );
        let mut data = crate::scaffold::answers::template_data(
            "game",
            "example.com/game",
            &release.nakama,
            Some(release),
            &answers,
        );
        data.insert("package".into(), json!("inventory"));
        data.insert(
            "rpcs".into(),
            json!([{"id": "inventory_echo", "handler": "Echo"}]),
        );
        let mut custom = data.clone();
        data.insert("starter".into(), json!(true));
        custom.insert("starter".into(), json!(false));
        let (data, custom) = (json!(data), json!(custom));
        let current = Template::builtin().manifest.version.unwrap();
        let (mut substituted, mut left) = (0, 0);
        for t in (1..=current).filter_map(Template::builtin_at) {
            for (path, bytes) in &t.files {
                let text = std::str::from_utf8(bytes).unwrap();
                if path.extension() != Some("hbs".as_ref()) {
                    continue;
                }
                for data in [&data, &custom] {
                    match substitute(text, data) {
                        Some(out) => {
                            let out = out.unwrap();
                            substituted += 1;
                            let want = hb.render_template(text, data).unwrap();
                            assert_eq!(out, want, "{}", path.display());
                        }
                        None => left += 1,
                    }
                }
            }
        }
        // Every built-in template takes the fast path: `new` never starts handlebars' parser.
        assert!(
            substituted >= 20 && left == 0,
            "{substituted} substituted, {left} left"
        );
        for text in [
            "{{#if name}}x{{/if}}",
            "{{ name }}",
            "{{{name}}}",
            "{{name}}}",
            "\\{{name}}",
            "{{missing}}",
            "{{nakama_common.x}}",
            "{{lookup name}}",
            "{{len}}",
            "{{true}}",
            "{{!-- c --}}",
            "{{~name}}",
            "{{name",
            "{{#each rpcs}}{{#each rpcs}}{{/each}}{{/each}}",
            "{{#each rpcs}}{{else}}{{/each}}",
            "{{#each rpcs}}{{@index}}{{/each}}",
            "{{#each name}}x{{/each}}",
            "{{#each rpcs}}{{name}}{{/each}}",
            "{{#each rpcs}}x",
            "{{/each}}",
        ] {
            assert_eq!(substitute(text, &data), None, "{text}");
        }
        assert_eq!(
            substitute("a {{name}}/{{module}} b", &data),
            Some(Ok("a game/example.com/game b".to_string()))
        );
    }

    /// A template of blocks, partials and text, balanced, with standalone lines and `~`.
    fn balanced() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop::sample::select(vec![
            "x",
            " ",
            "\n",
            "  ",
            "\r\n",
            "{{name}}",
            "{{@index}}",
            "{{> p}}",
            "  {{> p}}\n",
            "{{> @partial-block}}",
            "{{~name~}}",
            "{{this.name}}",
            "{{> p name=\"h\"}}",
        ])
        .prop_map(str::to_string);
        leaf.prop_recursive(4, 24, 4, |inner| {
            let body = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
            (
                prop::sample::select(vec![
                    ("{{#if a}}", "{{/if}}"),
                    ("{{#unless b}}", "{{/unless}}"),
                    ("{{#each list}}", "{{/each}}"),
                    ("{{#with obj}}", "{{/with}}"),
                    ("{{#*inline \"p\"}}", "{{/inline}}"),
                    ("{{#> p}}", "{{/p}}"),
                    ("{{#> missing}}", "{{/missing}}"),
                ]),
                body.clone(),
                proptest::option::of(body),
                prop::sample::select(vec!["", "\n", "  ", "\n  "]),
            )
                .prop_map(|((open, close), body, other, ws)| {
                    let other = match other {
                        Some(o) if !open.contains('>') && !open.contains('*') => {
                            format!("{ws}{{{{else}}}}{ws}{o}")
                        }
                        _ => String::new(),
                    };
                    format!("{ws}{open}{ws}{body}{other}{ws}{close}{ws}")
                })
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
            ..Default::default()
        })]

        /// The bounds put around every block and partial change nothing a template renders:
        /// text, whitespace, standalone lines and indentation come out as handlebars alone
        /// gives them, and so do its errors.
        #[test]
        fn bounded_rendering_renders_as_handlebars_does(text in balanced()) {
            let data = json!({
                "a": true, "b": false, "name": "n",
                "list": [{"name": "i1"}, {"name": "i2"}],
                "obj": {"name": "o"},
            });
            let ours = render_str(&text, &data).map_err(|e| e.to_string());
            // Our own checks refuse what handlebars would loop on: nothing to compare.
            if let Err(e) = &ours {
                if e.contains("includes itself") || e.contains("more than") {
                    return Ok(());
                }
            }
            let plain = engine().render_template(&text, &data);
            proptest::prop_assert_eq!(ours.is_ok(), plain.is_ok(), "{:?}: {:?} / {:?}", text, ours, plain);
            if let (Ok(ours), Ok(plain)) = (ours, plain) {
                proptest::prop_assert_eq!(ours, plain, "{:?}", text);
            }
        }
    }

    proptest::proptest! {
        /// Random texts of the pieces substitution knows (and some it must refuse) render as
        /// handlebars renders them, standalone lines and line endings included.
        #[test]
        fn substitution_agrees_with_handlebars_on_any_mix(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "x", " ", "\t", "\n", "\r\n", "{{name}}", "{{this.name}}", "{{#each rpcs}}",
                    "{{/each}}", "{{this.id}}", "{{id}}", "{{#each none}}", "{{else}}", "}", "{",
                    "{{#if yes}}", "{{#if no}}", "{{/if}}", "{{#if name}}",
                ]),
                0..24,
            )
        ) {
            let text: String = pieces.concat();
            let data = json!({
                "name": "game",
                "none": [],
                "rpcs": [{"id": "a_echo", "name": "n1"}, {"id": "b_echo", "name": "n2"}],
                "yes": true,
                "no": false,
            });
            if let Some(Ok(out)) = substitute(&text, &data) {
                let want = engine().render_template(&text, &data);
                proptest::prop_assert_eq!(Some(out), want.ok(), "{:?}", text);
            }
        }
    }

    /// A render error names the template's line and column and what is wrong, never
    /// handlebars' "Unnamed template" (the caller adds the file's path).
    #[test]
    fn render_errors_say_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("template.toml"), "name = \"t\"\n").unwrap();
        std::fs::create_dir_all(p.join("project")).unwrap();
        std::fs::write(
            p.join("project/a.txt.hbs"),
            "ok\n{{#if name}}{{nope}}{{/if}}\n",
        )
        .unwrap();
        let t = Template::from_dir(p).unwrap();
        let err = t
            .render("project", &json!({"name": "x"}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "template `project/a.txt.hbs`: line 2, column 13: unknown variable `nope` (templates are strict: every variable must have a value)"
        );
        std::fs::write(p.join("project/a.txt.hbs"), "ok\n{{#if name}}\n{{/each}}\n").unwrap();
        let t = Template::from_dir(p).unwrap();
        let err = t
            .render("project", &json!({"name": "x"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("template `project/a.txt.hbs`: line 3, column 1: "),
            "{err}"
        );
        assert!(!err.contains("Unnamed"), "{err}");
    }

    #[test]
    fn builtin_kinds_rpc_first() {
        let kinds: Vec<String> = Template::builtin()
            .kinds()
            .into_iter()
            .map(|k| k.0)
            .collect();
        assert_eq!(kinds, ["rpc", "hook", "http", "match"]);
    }
}
