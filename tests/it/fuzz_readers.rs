//! Fuzzing of every reader of a file scaffold reads from a repo or a scaffold (issue 26):
//! the Dockerfile, .dockerignore, go.mod and go.work, go.sum, Go source, scaffold.toml,
//! template.toml, an answers file and the templates. Each is fed random bytes, soups of the
//! pieces that steer it into its corners, nesting 100,000 deep, and lines of up to a MiB (the
//! long run: up to the 32 MiB a file may hold), and must return, neither panicking nor
//! overflowing its stack, in bounded time.
//!
//! Each reader runs on a thread with the stack the binary's main thread has (8 MiB), so a
//! recursion the binary could not survive kills this test too. The normal suite runs a few
//! hundred cases per reader on inputs of some KiB, plus fixed cases 100,000 deep and lines of
//! 256 KiB; for a long run, raise `PROPTEST_CASES`, `FUZZ_MAX_DEPTH` (e.g. 100000) and
//! `FUZZ_MAX_BYTES` (e.g. 33554432, which the fixed lines follow too).

use proptest::prelude::*;
use scaffold::docker::{self, ignore::DockerIgnore};
use std::time::{Duration, Instant};

/// Cases per reader: `PROPTEST_CASES`, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The longest generated line: `FUZZ_MAX_BYTES`, else 16 KiB.
fn max_bytes() -> usize {
    env_or("FUZZ_MAX_BYTES", 16 * 1024)
}

/// The most openers one generated input repeats: `FUZZ_MAX_DEPTH`, else 2,000 (the fixed
/// cases go to 100,000).
fn max_depth() -> usize {
    env_or("FUZZ_MAX_DEPTH", 2_000)
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How long one reader may take on one input (debug build, a busy machine): a reader that is
/// quadratic on a MiB takes hours, one that is linear a fraction of a second.
const TIME: Duration = Duration::from_secs(60);

/// Runs `read` on a thread with an 8 MiB stack, as the binary's main thread has, and fails when
/// it takes longer than [`TIME`]. A stack overflow aborts the test process.
fn bounded<F: FnOnce() + Send>(what: &str, len: usize, read: F) {
    let start = Instant::now();
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn_scoped(s, read)
            .expect("a thread starts")
            .join()
            .unwrap_or_else(|_| panic!("{what} panicked on {len} bytes"));
    });
    let took = start.elapsed();
    if std::env::var_os("FUZZ_TRACE").is_some() {
        eprintln!("{what}: {len} bytes in {took:?}");
    }
    assert!(took < TIME, "{what} took {took:?} on {len} bytes");
}

/// Inputs for a reader: random bytes, soups of its `pieces` and of any text, one of its
/// `openers` repeated up to [`max_depth`] times (then a piece), and one piece repeated into a
/// line up to [`max_bytes`] long.
fn inputs(
    pieces: &'static [&'static str],
    openers: &'static [&'static str],
) -> BoxedStrategy<String> {
    let piece = prop::sample::select(pieces).prop_map(str::to_string);
    let soup = prop::collection::vec(
        prop_oneof![4 => piece.clone(), 1 => "\\PC{0,16}", 1 => "[ -~\t\r\n]{0,24}"],
        0..48,
    )
    .prop_map(|v| v.concat());
    let bytes = prop::collection::vec(any::<u8>(), 0..4096)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned());
    let deep = (
        prop::sample::select(openers),
        1usize..=max_depth(),
        piece.clone(),
    )
        .prop_map(|(open, n, tail)| open.repeat(n) + &tail);
    let long = (piece, 1usize..=max_bytes().max(2)).prop_map(|(p, n)| line_of(&p, n));
    prop_oneof![3 => soup, 2 => bytes, 2 => deep, 2 => long]
        .prop_filter("within the size a file may hold", |t| t.len() <= 32 << 20)
        .boxed()
}

/// One line of `piece` repeated to `n` characters.
fn line_of(piece: &str, n: usize) -> String {
    let p = match piece.replace(['\n', '\r'], " ") {
        p if p.is_empty() => "x".to_string(),
        p => p,
    };
    p.repeat(n / p.len() + 1).chars().take(n).collect()
}

// ---- the readers, one function each, called by the random cases and the fixed ones ----

const DOCKERFILE: &[&str] = &[
    "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\n",
    "FROM heroiclabs/nakama:3.40.0\n",
    "FROM builder AS b2\n",
    "FROM --platform=$X ${IMG:-golang}:${V}@sha256:0 AS x\n",
    "# escape=`\n",
    "# syntax=docker/dockerfile:1\n",
    "WORKDIR /backend\n",
    "WORKDIR ${X:-/a}/$Y\n",
    "ENV A=1 B=\"2 3\" C=${A:+x}\n",
    "ARG NAKAMA_VERSION=3.40.0\n",
    "COPY . .\n",
    "COPY *.go ./\n",
    "COPY --from=builder --chown=1:1 a b\n",
    "COPY [\"profile\", \"profile/\"]\n",
    "COPY --parents --exclude=*.md p* /x/\n",
    "RUN go build -trimpath -buildmode=plugin -o ./b.so .\n",
    "RUN cd x && CGO_ENABLED=0 go build --mod=vendor ./...\n",
    "RUN <<EOF\ngo build .\nEOF\n",
    "RUN <<-'E' cat\n\tE\n",
    "RUN [\"sh\", \"-c\", \"go build\"\n",
    "RUN a $(b $(c `d`)) \"${e:-${f:-${g}}}\" '\\'' && (cd x; go mod tidy)\n",
    " \\\n",
    "`\n",
    "# scaffold:packages begin sha=1234\n",
    "# scaffold:packages end\n",
    "\r\n",
    "\u{feff}",
    "\"'$(${[*?]\\",
];

/// Every reader of a Dockerfile's text.
fn read_dockerfile(text: &str) {
    let parsed = docker::parse::parse(text);
    for ins in &parsed.instructions {
        assert!(ins.line >= 1 && ins.end_line >= ins.line);
        let _ = ins.words('\\', &Default::default());
    }
    let _ = docker::replay::Stages::read(text);
    let _ = docker::block::find(text);
    let _ = docker::block::check_conflicts(text);
    let wanted = docker::block::copy_lines(&["profile".into()], &[]);
    let _ = docker::block::rewrite(text, &wanted, true);
    let _ = docker::block::adopt(text, &["profile".into()], &[]);
    let _ = docker::block::fold(text, &["profile".into()]);
    let _ = docker::block::copies_outside(text, "profile");
    let _ = docker::images::find(text);
    let _ = docker::images::from_images(text);
    let _ = docker::images::retag(text, "3.40.0");
    let _ = docker::images::retag_args(text, "3.40.0");
    let _ = docker::shellwords::commands(text);
    let _ = docker::shellwords::words(text, '\\', None);
}

const IGNORE: &[&str] = &[
    "profile\n",
    "!profile/a.go\n",
    "**/*.go\n",
    "a**b/[^x-]?*\n",
    "[\n",
    "/../vendor/\n",
    "*\n",
    "**/\n",
    "*?*\n",
    "[a-\\]]\n",
    "# comment\n",
];

/// Paths a .dockerignore is matched against: short, deep and as long as a path can be.
fn ignore_paths() -> Vec<String> {
    vec![
        "profile/a.go".into(),
        "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p.go".into(),
        "a".repeat(255),
        vec!["abcdefgh"; 455].join("/"),
    ]
}

fn read_dockerignore(text: &str) {
    let ignore = DockerIgnore::parse(text);
    for path in ignore_paths() {
        let _ = ignore.excluded(&path);
    }
}

const GOMOD: &[&str] = &[
    "module example.com/game\n",
    "go 1.26.5\n",
    "toolchain go1.26.5\n",
    "require github.com/heroiclabs/nakama-common v1.47.0\n",
    "require (\n\tgoogle.golang.org/protobuf v1.36.11 // indirect\n)\n",
    "replace a => ../b\n",
    "exclude x v1.0.0\n",
    "retract [v1.0.0, v1.1.0]\n",
    "use ./a\n",
    "use (\n\t./b\n)\n",
    "godebug default=go1.21\n",
    "// comment\n",
    "\"quoted path\" `raw`\n",
    "(\n",
    ")\n",
];

/// Every reader of a go.mod or go.work (the same syntax) and of a go.sum.
fn read_gomod(text: &str) {
    let _ = scaffold::go::gomod::parse(text);
    let _ =
        scaffold::go::gomod::set_require(text, "github.com/heroiclabs/nakama-common", "v1.48.0");
    let _ = scaffold::go::gomod::set_go(text, "1.26.5");
}

const GOSUM: &[&str] = &[
    "github.com/heroiclabs/nakama-common v1.47.0 h1:WjdVZ4MGmX0j/sCaLgQAUgJr7v0uA9PX5mKCDcX6CSU=\n",
    "github.com/heroiclabs/nakama-common v1.47.0/go.mod h1:GC6A2meBYNwrsDuQ7pSO2TiznSIK5+ogR5VBVZCmBSs=\n",
    "google.golang.org/protobuf v1.36.11 h1:x\n",
    "a v0.0.0-20240101000000-abcdef012345+incompatible h1:=\n",
    " \t \n",
];

fn read_gosum(text: &str) {
    let recorded = include_str!("../../scaffolds/gosum/3.40.0.sum");
    let _ = scaffold::go::gomod::add_sums(text, recorded);
    let _ = scaffold::go::gomod::add_sums(recorded, text);
    let _ = scaffold::versions::check_go_sum(text);
}

const GO: &[&str] = &[
    "package main\n",
    "import (\n\t\"fmt\"\n\t_ \"x/y\"\n)\n",
    "import . \"C\"\n",
    "//go:build linux && !cgo\n",
    "// +build linux\n",
    "//go:embed static/* a.txt\n",
    "func InitModule(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {\n",
    "\tinitializer.RegisterRpc(\"id\", fn)\n",
    "}\n",
    "func (r *T) M() {}\n",
    "/* block */",
    "`raw\nstring`",
    "\"str\\\"ing\"",
    "'\\''",
    "{",
    "(",
    "[",
    "func f(a, b int) (c []map[string]func() error) {",
];

fn read_go(text: &str) {
    let f = scaffold::go::source::parse(text);
    for imp in &f.imports {
        let _ = scaffold::go::source::local_name(imp);
    }
    let _ = f.uses_cgo();
}

const TOML: &[&str] = &[
    "[scaffold]\nversion = \"0.1.0\"\ntemplate = \"builtin:nakama-go\"\n",
    "[project]\nname = \"game\"\nmodule = \"example.com/game\"\nnakama = \"3.40.0\"\n",
    "[packages]\nexcluded = [\"a\", \"b\"]\n",
    "[answers]\nstudio = \"acme\"\nci = true\n",
    "name = \"t\"\n",
    "min_scaffold = \"0.1.0\"\n",
    "version = 2\n",
    "[[variable]]\nname = \"v\"\nprompt = \"p\"\ndefault = \"{{name}}\"\nvalidate = \"^(a|b)*$\"\n",
    "[[skip]]\npaths = [\".github\"]\nunless = \"ci\"\n",
    "a = { b = { c = 1 } }\n",
    "x = [[1], [2, [3]]]\n",
    "s = '''\nmulti\n'''\n",
    "# comment\n",
    "[",
    "{",
    "=",
    "\"\\u0000\"",
];

/// scaffold.toml: read, and edited in place as `sync` and `update` do.
fn read_scaffold_toml(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scaffold.toml"), text).unwrap();
    let _ = scaffold::repo::project::load(dir.path());
    let record: scaffold::repo::project::Record =
        toml::from_str(TOML[0..3].concat().as_str()).expect("the fixture is a record");
    let _ = scaffold::repo::project::record_text(text, &record);
    let _ = scaffold::repo::project::record_text_with_origin(text, &record);
}

/// template.toml, and an answers file (TOML and JSON).
fn read_manifest(text: &str) {
    let _ = scaffold::scaffold::manifest::parse(text, "template.toml");
    let dir = tempfile::tempdir().unwrap();
    for name in ["answers.toml", "answers.json"] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let _ = scaffold::scaffold::answers::read_file(&dir.path().join(name));
    }
}

const TEMPLATE: &[&str] = &[
    "{{name}}",
    "{{#if a}}",
    "{{else}}",
    "{{/if}}",
    "{{#each list}}",
    "{{/each}}",
    "{{#with obj}}x{{/with}}",
    "{{#*inline \"p\"}}",
    "{{/inline}}",
    "{{> p}}",
    "{{> (lookup this \"p\")}}",
    "{{#> p}}",
    "{{/p}}",
    "{{lookup this \"name\"}}",
    "{{!-- c --}}",
    "{{{{raw}}}}",
    "{{{{/raw}}}}",
    "\\{{",
    "(lookup ",
    ")",
    "\"",
    "'",
    "[",
    "]",
    "{{x [\"a\", {\"b\": [1]}]}}",
    "{{",
    "}}",
    "\n",
];

/// A template's text, rendered as a file and as a variable's default are.
fn read_template(text: &str) {
    let data = serde_json::json!({
        "name": "game", "a": true, "p": "p",
        "list": [{"name": "i1"}, {"name": "i2"}],
        "obj": {"name": "o"},
    });
    let _ = scaffold::scaffold::template::render_str(text, &data);
}

/// A reader: its name, the function, the pieces of its input and the openers it nests.
type Reader = (
    &'static str,
    fn(&str),
    &'static [&'static str],
    &'static [&'static str],
);

/// Every reader.
fn readers() -> Vec<Reader> {
    vec![
        (
            "Dockerfile",
            read_dockerfile,
            DOCKERFILE,
            &["$(", "${", "\"", "(", "[", "\\\n", "<<E\n", "RUN <<A <<B\n"],
        ),
        (
            ".dockerignore",
            read_dockerignore,
            IGNORE,
            &["**/", "*", "[", "a/", "\\", "!"],
        ),
        (
            "go.mod",
            read_gomod,
            GOMOD,
            &["(\n", "require (\n", "\"", "/*", "// ", "use (\n"],
        ),
        ("go.sum", read_gosum, GOSUM, &["a ", " ", "\n", "h1:"]),
        (
            "Go source",
            read_go,
            GO,
            &["{", "(", "[", "/*", "func(", "\"", "`", "import (\n"],
        ),
        (
            "scaffold.toml",
            read_scaffold_toml,
            TOML,
            &["[", "{a=", "[[a]]\n", "a.", "\"", "'''"],
        ),
        (
            "template.toml",
            read_manifest,
            TOML,
            &["[", "{\"a\":", "x = [", "{a="],
        ),
        (
            "template",
            read_template,
            TEMPLATE,
            &[
                "{{#if a}}",
                "(",
                "{{> p}}",
                "{{#*inline \"p\"}}",
                "[",
                "{{x {\"a\":",
                "{{{{raw}}}}",
            ],
        ),
    ]
}

/// One property per reader (proptest names the failing input).
macro_rules! fuzz {
    ($name:ident, $index:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig {
                cases: cases(256),
                ..ProptestConfig::default()
            })]
            #[test]
            fn $name(text in inputs(readers()[$index].2, readers()[$index].3)) {
                let (what, read, _, _) = readers()[$index];
                bounded(what, text.len(), || read(&text));
            }
        }
    };
}

fuzz!(fuzz_dockerfile, 0);
fuzz!(fuzz_dockerignore, 1);
fuzz!(fuzz_gomod_and_gowork, 2);
fuzz!(fuzz_gosum, 3);
fuzz!(fuzz_go_source, 4);
fuzz!(fuzz_scaffold_toml, 5);
fuzz!(fuzz_template_toml_and_answers, 6);
fuzz!(fuzz_templates, 7);

/// Every reader on its deepest and longest fixed inputs: its first opener 100,000 times (the
/// others 10,000 times, or 100,000 with `FUZZ_MAX_DEPTH` at least that), and lines of
/// 256 KiB (of `FUZZ_MAX_BYTES`, up to the 32 MiB a file may hold, in a long run).
#[test]
fn every_reader_survives_deep_and_long_inputs() {
    let line = max_bytes().clamp(256 << 10, 32 << 20);
    for (what, read, pieces, openers) in readers() {
        for (i, open) in openers.iter().enumerate() {
            let n = if i == 0 || max_depth() >= 100_000 {
                100_000
            } else {
                10_000
            };
            let text = open.repeat(n);
            bounded(what, text.len(), || read(&text));
        }
        for piece in pieces.iter().take(4) {
            let text = line_of(piece, line);
            bounded(what, text.len(), || read(&text));
        }
    }
    // Partials that include the next one: the static check walks the chain.
    for n in [300, 100_000] {
        let mut text: String = (0..n)
            .map(|i| {
                format!(
                    "{{{{#*inline \"p{i}\"}}}}{{{{> p{}}}}}{{{{/inline}}}}",
                    i + 1
                )
            })
            .collect();
        text += "{{> p0}}";
        bounded("template", text.len(), || read_template(&text));
    }
}
