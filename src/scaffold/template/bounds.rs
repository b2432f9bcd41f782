//! Bounds on rendering a scaffold's template with handlebars, which bounds nothing itself:
//! a scan of the text before handlebars parses it (its parser recurses once per nested
//! `(` and overflows the stack on a few thousand), and counters while it renders (a partial
//! can include itself through a name computed at render time, `{{> (lookup this "p")}}`,
//! which no look at the text can see).
//!
//! Rendering counts three things, per template file: how deep blocks and partials are open
//! (the stack), how many template pieces it has rendered (the time), and the bytes written
//! where [`super::Bounded`] cannot see them (a partial block's body is rendered aside first).
//! Each is counted by a helper, [`Bound`], that [`wrap`] puts around the body of every block
//! and partial of the parsed template; its name cannot be written in a template.

use super::limits;
use handlebars::template::{Template, TemplateElement as El};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError,
    Renderable,
};
use std::cell::Cell;

/// Where [`scan`] is in a template's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    /// Between tags.
    Text,
    /// In the body of a raw block (`{{{{raw}}}} ... {{{{/raw}}}}`): text until `{{{{`.
    RawBody,
    /// Inside `{{ ... }}`; `raw_start` when the tag opens a raw block.
    Tag { raw_start: bool },
    /// Inside a quoted string in a tag; `partial` reads `\` as a partial's quoted name does.
    Str { quote: u8, partial: bool },
    /// Inside a path's `[...]` part: anything but `]`.
    Key,
    /// A comment: `{{!-- ... --}}` when `long`, else `{{! ... }}`.
    Comment { long: bool },
}

/// One reading of the text so far: what is open at this point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct State {
    mode: Mode,
    /// Subexpressions open in this tag.
    parens: usize,
    /// `{` open in this tag (object literals, `{{{`).
    braces: usize,
    /// Array literals open in this tag, on the reading that `[` opened one.
    arrays: usize,
    /// Blocks open in the text.
    blocks: usize,
}

/// Readings kept at once before the scan gives up: a tag's `[` may open an array or a path
/// part, a `'` a string or a partial's name, and the scan follows each.
const READINGS: usize = 256;

/// Refuses a text whose tags nest subexpressions deeper than [`limits::SUBEXPRESSIONS`] or
/// whose blocks nest deeper than [`limits::NESTING`], or that handlebars would take too long
/// to parse ([`limits::PARSE_COST`]), before handlebars parses it.
///
/// Handlebars' grammar is followed where it decides where a tag, a string or a path part
/// ends; where the scan cannot tell two readings apart without parsing, it keeps both, so
/// the depth it finds is never below the depth handlebars would parse. Linear in the text
/// (times the few readings kept); nothing recurses.
pub fn scan(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    // A long comment needs a `--}}` after its start; where the last one is tells which.
    let last_long_end = text.rfind("--}}");
    let mut frontier: std::collections::BTreeMap<usize, Vec<State>> = Default::default();
    frontier.insert(
        0,
        vec![State {
            mode: Mode::Text,
            parens: 0,
            braces: 0,
            arrays: 0,
            blocks: 0,
        }],
    );
    let mut live = 1usize;
    let mut cost = 0u64;
    while let Some((pos, mut states)) = frontier.pop_first() {
        states.sort();
        states.dedup();
        live -= states.len().min(live);
        for s in states {
            let mut next = Vec::new();
            step(b, pos, s, last_long_end, &mut next)?;
            // handlebars counts the line and column of each piece it parses from the start
            // of the text: its parse takes the sum of where its tags are, square in the text.
            for (at, n) in &next {
                if matches!(n.mode, Mode::Tag { .. } | Mode::Comment { .. })
                    && matches!(s.mode, Mode::Text | Mode::RawBody)
                {
                    cost += 2 * *at as u64;
                }
            }
            if cost > limits::PARSE_COST {
                return Err(format!(
                    "has too many tags for its size for handlebars to parse in good time (its parser takes the sum of where each tag is, more than {} here); split it into smaller files",
                    limits::PARSE_COST
                ));
            }
            for (at, n) in next {
                let here = frontier.entry(at).or_default();
                if !here.contains(&n) {
                    here.push(n);
                    live += 1;
                }
            }
            if live > READINGS {
                return Err(format!(
                    "its tags can be read more than {READINGS} ways at once (brackets and quotes that never close?); simplify it"
                ));
            }
        }
    }
    Ok(())
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|i| i + from)
}

/// Follows one reading from `pos` to its next branch or change of mode; pushes where it
/// goes on (nothing at the end of the text).
fn step(
    b: &[u8],
    pos: usize,
    s: State,
    last_long_end: Option<usize>,
    next: &mut Vec<(usize, State)>,
) -> Result<(), String> {
    let with = |mode: Mode| State { mode, ..s };
    match s.mode {
        Mode::Text | Mode::RawBody => {
            let mut from = pos;
            loop {
                let Some(q) = find(b, from, b"{{") else {
                    return Ok(());
                };
                // `\{{` is text (with one more `{{`); two or more `\` before `{{` are text
                // and the tag is a tag.
                let slashes = b[pos..q].iter().rev().take_while(|c| **c == b'\\').count();
                if slashes == 1 {
                    from = q + 2;
                    if b[from..].starts_with(b"{{") {
                        from += 2;
                    }
                    continue;
                }
                let four = b[q..].starts_with(b"{{{{");
                if s.mode == Mode::RawBody {
                    if four {
                        // The raw block's end tag.
                        next.push((q + 2, with(Mode::Tag { raw_start: false })));
                        return Ok(());
                    }
                    from = q + 1;
                    continue;
                }
                if four {
                    let mut at = q + 4;
                    while b
                        .get(at)
                        .is_some_and(|c| *c == b'~' || c.is_ascii_whitespace())
                    {
                        at += 1;
                    }
                    let raw_start = b.get(at) != Some(&b'/');
                    next.push((q + 2, with(Mode::Tag { raw_start })));
                    return Ok(());
                }
                if b[q + 2..].starts_with(b"!") {
                    let long = b[q + 3..].starts_with(b"--") && last_long_end >= Some(q + 5);
                    next.push((q + 3, with(Mode::Comment { long })));
                    return Ok(());
                }
                // Which way the tag moves the block nesting: `{{#...}}` opens, `{{/...}}`
                // closes (spaces and `~` may come first).
                let mut at = q + 2;
                while b
                    .get(at)
                    .is_some_and(|c| *c == b'~' || c.is_ascii_whitespace())
                {
                    at += 1;
                }
                let blocks = match b.get(at) {
                    Some(b'#') => s.blocks + 1,
                    Some(b'/') => s.blocks.saturating_sub(1),
                    _ => s.blocks,
                };
                if blocks > limits::NESTING {
                    return Err(format!(
                        "blocks are nested more than {} deep",
                        limits::NESTING
                    ));
                }
                next.push((
                    q + 2,
                    State {
                        mode: Mode::Tag { raw_start: false },
                        parens: 0,
                        braces: 0,
                        arrays: 0,
                        blocks,
                    },
                ));
                return Ok(());
            }
        }
        Mode::Comment { long } => {
            let (end, len) = if long {
                (find(b, pos, b"--}}"), 4)
            } else {
                (find(b, pos, b"}}"), 2)
            };
            if let Some(e) = end {
                next.push((e + len, with(Mode::Text)));
            }
            Ok(())
        }
        Mode::Key => {
            if let Some(e) = find(b, pos, b"]") {
                next.push((e + 1, with(Mode::Tag { raw_start: false })));
            }
            Ok(())
        }
        Mode::Str { quote, partial } => {
            let mut i = pos;
            while i < b.len() {
                match b[i] {
                    b'\\' if !partial => i += 2,
                    // A quoted partial name reads `\'` as a quote and any other `\` alone.
                    b'\\' if b.get(i + 1) == Some(&quote) => i += 2,
                    c if c == quote => {
                        next.push((i + 1, with(Mode::Tag { raw_start: false })));
                        return Ok(());
                    }
                    _ => i += 1,
                }
            }
            Ok(())
        }
        Mode::Tag { raw_start } => {
            let mut s = s;
            let mut i = pos;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        next.push((
                            i + 1,
                            State {
                                mode: Mode::Str {
                                    quote: b'"',
                                    partial: false,
                                },
                                ..s
                            },
                        ));
                        return Ok(());
                    }
                    b'\'' => {
                        for partial in [false, true] {
                            next.push((
                                i + 1,
                                State {
                                    mode: Mode::Str {
                                        quote: b'\'',
                                        partial,
                                    },
                                    ..s
                                },
                            ));
                        }
                        return Ok(());
                    }
                    // A path part `[...]`, or an array whose strings may hold `]`.
                    b'[' => {
                        next.push((
                            i + 1,
                            State {
                                mode: Mode::Key,
                                ..s
                            },
                        ));
                        next.push((
                            i + 1,
                            State {
                                arrays: s.arrays + 1,
                                ..s
                            },
                        ));
                        return Ok(());
                    }
                    // Where a path part would end: the readings meet again here.
                    b']' => {
                        s.arrays = s.arrays.saturating_sub(1);
                        next.push((i + 1, s));
                        return Ok(());
                    }
                    // An array holds literals only: on this reading the text does not parse.
                    b'(' if s.arrays > 0 => return Ok(()),
                    b'(' => {
                        s.parens += 1;
                        if s.parens > limits::SUBEXPRESSIONS {
                            return Err(format!(
                                "subexpressions are nested more than {} deep",
                                limits::SUBEXPRESSIONS
                            ));
                        }
                    }
                    b')' => s.parens = s.parens.saturating_sub(1),
                    b'{' => {
                        s.braces += 1;
                        if s.braces > limits::SUBEXPRESSIONS {
                            return Err(format!(
                                "literals are nested more than {} deep",
                                limits::SUBEXPRESSIONS
                            ));
                        }
                    }
                    b'}' if s.braces > 0 => s.braces -= 1,
                    b'}' if b.get(i + 1) == Some(&b'}') => {
                        let mode = if raw_start { Mode::RawBody } else { Mode::Text };
                        next.push((
                            i + 2,
                            State {
                                mode,
                                parens: 0,
                                braces: 0,
                                arrays: 0,
                                blocks: s.blocks,
                            },
                        ));
                        return Ok(());
                    }
                    _ => {}
                }
                i += 1;
            }
            Ok(())
        }
    }
}

// ---- while rendering ----

/// What one file's rendering has used so far, on the rendering thread.
#[derive(Debug, Default, Clone, Copy)]
struct Used {
    /// Blocks and partials open now.
    depth: usize,
    /// Template pieces gone through.
    steps: u64,
    /// Partials included.
    partials: u64,
    /// Bytes of data handlebars copied to include partials (estimated), all included.
    copied: usize,
    /// Bytes partial blocks' bodies wrote.
    aside: usize,
    /// Why the render was stopped, when a bound stopped it.
    stop: Option<Stop>,
}

/// The bound a render ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Depth,
    Steps,
    Partials,
    Copied,
    Size,
}

impl Stop {
    pub fn message(self) -> String {
        match self {
            Stop::Depth => format!(
                "blocks and partials are open more than {} deep as it renders (a partial that includes itself, perhaps through a name computed with `lookup`?); a template must come to an end",
                limits::RENDER_DEPTH
            ),
            Stop::Steps => format!(
                "renders more than {} template pieces (loops inside loops that multiply?); a template must come to an end",
                limits::RENDER_STEPS
            ),
            Stop::Partials => format!(
                "includes partials more than {} times as it renders (partials that include others, perhaps through names computed with `lookup`?); include fewer",
                limits::PARTIALS
            ),
            Stop::Copied => format!(
                "its partials copy more data than scaffold allows as it renders ({} MiB for one, {} MiB for all; a partial given a long text as its context, with parameters?); give partials less",
                limits::RENDERED_FILE >> 20,
                limits::RENDERED >> 20
            ),
            Stop::Size => super::too_large(),
        }
    }
}

thread_local! {
    static USED: Cell<Used> = Cell::new(Used::default());
}

/// Starts counting a new file's rendering.
pub fn reset() {
    USED.with(|u| u.set(Used::default()));
}

/// The bound that stopped the last render, if one did.
pub fn stopped() -> Option<Stop> {
    USED.with(|u| u.get().stop)
}

/// Changes the counts; a bound passed stops the render with an error handlebars passes up
/// (and [`stopped`] tells which).
fn count(change: impl FnOnce(&mut Used)) -> Result<(), RenderError> {
    let mut used = USED.with(Cell::get);
    change(&mut used);
    let over = if used.depth > limits::RENDER_DEPTH {
        Some(Stop::Depth)
    } else if used.steps > limits::RENDER_STEPS {
        Some(Stop::Steps)
    } else if used.partials > limits::PARTIALS {
        Some(Stop::Partials)
    } else if used.copied > limits::RENDERED {
        Some(Stop::Copied)
    } else if used.aside > limits::RENDERED_FILE {
        Some(Stop::Size)
    } else {
        None
    };
    if let Some(why) = over {
        used.stop.get_or_insert(why);
    }
    USED.with(|u| u.set(used));
    match over {
        Some(why) => Err(RenderError::from(handlebars::RenderErrorReason::Other(
            why.message(),
        ))),
        None => Ok(()),
    }
}

/// What a [`Bound`] block wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapped {
    /// A block's or an inline partial's body.
    Body,
    /// A partial block's body, which handlebars renders into a string of its own first, out
    /// of [`super::Bounded`]'s sight: what it writes is counted too.
    Aside,
    /// One partial inclusion (`{{> name}}`, `{{#> name}}`): the block's parameters are the
    /// partial's own, so the data handlebars copies for it can be weighed first.
    Partial,
}

impl Wrapped {
    /// The helper's name: a space cannot be written in a helper's name in a template.
    pub fn helper(self) -> &'static str {
        match self {
            Wrapped::Body => "scaffold body",
            Wrapped::Aside => "scaffold aside",
            Wrapped::Partial => "scaffold partial",
        }
    }
}

/// The helper [`wrap`] puts around each body and partial: counts it, then renders it.
pub struct Bound(pub Wrapped);

impl HelperDef for Bound {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let Some(t) = h.template() else {
            return Ok(());
        };
        match self.0 {
            Wrapped::Body | Wrapped::Aside => count(|u| {
                u.depth += 1;
                u.steps += t.elements.len().max(1) as u64;
            })?,
            Wrapped::Partial => {
                // One copy past the file's bound counts as all of them.
                let copied = match partial_copy(h) {
                    n if n > limits::RENDERED_FILE => usize::MAX,
                    n => n,
                };
                count(|u| {
                    u.depth += 1;
                    u.steps += 1;
                    u.partials += 1;
                    u.copied = u.copied.saturating_add(copied);
                })?
            }
        }
        let result = if self.0 == Wrapped::Aside {
            t.render(r, ctx, rc, &mut Aside { inner: out })
        } else {
            t.render(r, ctx, rc, out)
        };
        USED.with(|u| {
            let mut used = u.get();
            used.depth -= 1;
            u.set(used);
        });
        result
    }
}

/// About how many bytes handlebars copies to include a partial with this context (the first
/// parameter) and these parameters: the context whole, and the parameters twice (as the
/// partial's context and as its block parameters). Given parameters, a context that is not
/// an object is made one: a text becomes an object with a key per character.
fn partial_copy(h: &Helper<'_>) -> usize {
    let limit = limits::RENDERED.saturating_add(1);
    let hash: usize = h
        .hash()
        .values()
        .map(|v| weight(v.value(), limit).saturating_mul(2))
        .fold(0, usize::saturating_add);
    let context = h.param(0).map_or(0, |p| match p.value() {
        serde_json::Value::String(s) if !h.hash().is_empty() => s.chars().count() * 128,
        serde_json::Value::Array(a) if !h.hash().is_empty() => {
            weight(p.value(), limit).saturating_add(a.len() * 64)
        }
        v => weight(v, limit),
    });
    context.saturating_add(hash)
}

/// About how many bytes a JSON value holds in memory, counted up to `limit` (walked
/// without recursion).
fn weight(v: &serde_json::Value, limit: usize) -> usize {
    use serde_json::Value as V;
    let mut total = 0usize;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        total += 32;
        match v {
            V::String(s) => total += s.len(),
            V::Array(a) => todo.extend(a),
            V::Object(m) => {
                for (k, v) in m {
                    total += k.len() + 32;
                    todo.push(v);
                }
            }
            _ => {}
        }
        if total > limit {
            break;
        }
    }
    total
}

/// Counts what a partial block's body writes, against [`limits::RENDERED_FILE`] for all
/// such bodies of the file together (a body inside another's is counted at both).
struct Aside<'a> {
    inner: &'a mut dyn Output,
}

impl Output for Aside<'_> {
    fn write(&mut self, seg: &str) -> std::io::Result<()> {
        count(|u| u.aside = u.aside.saturating_add(seg.len()))
            .map_err(|_| std::io::Error::other("rendered too much"))?;
        self.inner.write(seg)
    }
}

/// `t` with the body of every block, inline partial and partial block, every partial
/// inclusion, and `t` itself, put inside a [`Bound`] block. Recurses once per level of
/// blocks, which [`scan`] has bounded.
pub fn wrap(t: &mut Template, what: Wrapped) {
    for el in &mut t.elements {
        match el {
            El::HelperBlock(h) => {
                for body in [&mut h.template, &mut h.inverse].into_iter().flatten() {
                    wrap(body, Wrapped::Body);
                }
            }
            El::DecoratorBlock(d) => {
                if let Some(body) = &mut d.template {
                    wrap(body, Wrapped::Body);
                }
            }
            El::PartialBlock(d) => {
                if let Some(body) = &mut d.template {
                    wrap(body, Wrapped::Aside);
                }
            }
            _ => {}
        }
        if let El::PartialExpression(d) | El::PartialBlock(d) = el {
            let (params, hash) = (d.params.first().cloned(), d.hash.clone());
            let partial = std::mem::replace(el, El::Comment(String::new()));
            let mut block = prototype(Wrapped::Partial);
            if let El::HelperBlock(h) = &mut block {
                if let Some(p) = params {
                    h.params = vec![p];
                }
                h.hash = hash;
                let mut body = Template::new();
                body.elements.push(partial);
                h.template = Some(body);
            }
            *el = block;
        }
    }
    let mut block = prototype(what);
    if let El::HelperBlock(h) = &mut block {
        let mut body = Template::new();
        body.name = t.name.clone();
        body.elements = std::mem::take(&mut t.elements);
        body.mapping = std::mem::take(&mut t.mapping);
        t.mapping.extend(body.mapping.first().cloned());
        h.template = Some(body);
    }
    t.elements.push(block);
}

/// A block of the [`Bound`] helper with `this` as its parameter and an empty body.
/// handlebars' types cannot be built outside it, so one is parsed (with a stand-in name)
/// and renamed.
fn prototype(what: Wrapped) -> El {
    thread_local! {
        static PROTOTYPE: El = {
            let t = Template::compile("{{#b this}}{{/b}}").expect("a block parses");
            t.elements.into_iter().next().expect("one block")
        };
    }
    let mut el = PROTOTYPE.with(El::clone);
    if let El::HelperBlock(h) = &mut el {
        h.name = handlebars::template::Parameter::Name(what.helper().to_string());
        if what != Wrapped::Partial {
            h.params.clear();
        }
    }
    el
}

#[cfg(test)]
mod tests {
    use super::*;
    use handlebars::template::{Parameter, TemplateElement};
    use proptest::prelude::*;

    /// The deepest nesting of subexpressions in a parsed template (walked with a stack).
    fn depth(t: &Template) -> usize {
        let mut deepest = 0;
        let mut todo: Vec<(&TemplateElement, usize)> = t.elements.iter().map(|e| (e, 0)).collect();
        let mut params: Vec<(&Parameter, usize)> = Vec::new();
        loop {
            if let Some((p, d)) = params.pop() {
                if let Parameter::Subexpression(s) = p {
                    deepest = deepest.max(d + 1);
                    todo.push((&s.element, d + 1));
                }
                continue;
            }
            let Some((el, d)) = todo.pop() else {
                return deepest;
            };
            match el {
                El::Expression(h) | El::HtmlExpression(h) | El::HelperBlock(h) => {
                    params.push((&h.name, d));
                    params.extend(h.params.iter().map(|p| (p, d)));
                    params.extend(h.hash.values().map(|p| (p, d)));
                    for body in [&h.template, &h.inverse].into_iter().flatten() {
                        todo.extend(body.elements.iter().map(|e| (e, 0)));
                    }
                }
                El::DecoratorExpression(x)
                | El::DecoratorBlock(x)
                | El::PartialExpression(x)
                | El::PartialBlock(x) => {
                    params.push((&x.name, d));
                    params.extend(x.params.iter().map(|p| (p, d)));
                    params.extend(x.hash.values().map(|p| (p, d)));
                    if let Some(body) = &x.template {
                        todo.extend(body.elements.iter().map(|e| (e, 0)));
                    }
                }
                _ => {}
            }
        }
    }

    /// Text a string literal, a path part or raw text may hold: what could mislead a scan.
    fn tricky() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec![
                "a", " ", "(", ")", "[", "]", "{", "}", "}}", "{{", "'", "\"", "\\", "--}}", "x y",
                "{{{{", "\n",
            ]),
            0..6,
        )
        .prop_map(|v| v.concat())
    }

    /// A parameter: a literal, a path or a subexpression `depth` deep.
    fn param(depth: u32) -> BoxedStrategy<String> {
        let json = |s: String| serde_json::to_string(&s).unwrap();
        let leaf = prop_oneof![
            tricky().prop_map(json),
            tricky().prop_map(move |s| format!("[{}, 1]", json(s))),
            tricky().prop_map(move |s| format!("{{\"k\": {}}}", json(s))),
            tricky().prop_map(|s| format!("this.[{}]", s.replace(']', ""))),
            Just("1.5".to_string()),
            Just("name".to_string()),
        ]
        .boxed();
        if depth == 0 {
            return leaf;
        }
        (param(depth - 1), leaf)
            .prop_map(|(inner, other)| format!("(lookup {other} {inner})"))
            .boxed()
    }

    /// A template of text and tags whose subexpressions nest up to 40 deep.
    fn template() -> impl Strategy<Value = String> {
        let tag = prop_oneof![
            (0u32..40)
                .prop_flat_map(param)
                .prop_map(|p| format!("{{{{lookup this {p}}}}}")),
            (0u32..40)
                .prop_flat_map(param)
                .prop_map(|p| format!("{{{{#if {p}}}}}x{{{{else}}}}y{{{{/if}}}}")),
            (0u32..4, tricky()).prop_flat_map(|(d, s)| {
                param(d).prop_map(move |p| format!("{{{{> '{}' k={p}}}}}", s.replace('\'', "")))
            }),
            tricky().prop_map(|s| format!("{{{{!-- {} --}}}}", s.replace("--}}", ""))),
            tricky().prop_map(|s| format!(
                "{{{{{{{{raw}}}}}}}}{}{{{{{{{{/raw}}}}}}}}",
                s.replace("{{{{", "")
            )),
            tricky().prop_map(|s| format!("\\{{{{{s}")),
        ];
        proptest::collection::vec(prop_oneof![tag, tricky()], 1..6).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: fuzz_cases(256), ..ProptestConfig::default() })]

        /// The scan never finds less nesting than handlebars parses: every template it lets
        /// through nests its subexpressions at most [`limits::SUBEXPRESSIONS`] deep.
        #[test]
        fn the_scan_finds_every_deep_subexpression(text in template()) {
            let scanned = scan(&text);
            if let Ok(t) = Template::compile(&text) {
                let deep = depth(&t);
                if deep > limits::SUBEXPRESSIONS {
                    prop_assert!(scanned.is_err(), "{deep} deep passed the scan: {text:?}");
                }
            }
        }
    }

    /// Cases per property: `PROPTEST_CASES` when set (a long run), else `default`.
    fn fuzz_cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    #[test]
    fn the_scan_refuses_deep_nesting_and_passes_real_templates() {
        let deep = format!("{{{{x {}a{}}}}}", "(a ".repeat(33), ")".repeat(33));
        assert!(scan(&deep).unwrap_err().contains("nested more than 32"));
        let hidden = format!(
            "{{{{x \"}}}}\" {}a{}}}}}",
            "(a \")\" ".repeat(33),
            ")".repeat(33)
        );
        assert!(scan(&hidden).unwrap_err().contains("nested more than 32"));
        let blocks = "{{#if a}}".repeat(201);
        assert!(scan(&blocks).unwrap_err().contains("nested more than 200"));
        // Handlebars' parse is square in the text (16,000 tags took 40 s): refused first.
        let many = "{{> p}}\n".repeat(16_000);
        assert!(scan(&many)
            .unwrap_err()
            .contains("too many tags for its size"));
        assert_eq!(scan(&"{{> p}}\n".repeat(2_000)), Ok(()));
        for ok in [
            "{{name}} (((((((((((((((((((((((((((((((((((((((",
            "{{!-- (((((((((((((((((((((((((((((((((((((( --}}",
            "{{{{raw}}}}{{x ((((((((((((((((((((((((((((((((((((((((}}{{{{/raw}}}}",
            "\\{{x ((((((((((((((((((((((((((((((((((((((((",
            "{{x \"((((((((((((((((((((((((((((((((((((((((\"}}",
            "{{x [((((((((((((((((((((((((((((((((((((((((]}}",
        ] {
            assert_eq!(scan(ok), Ok(()), "{ok}");
        }
    }
}
