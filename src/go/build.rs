//! The go tool's rules for which files and folders a build reads, for the plugin builder's
//! target (`GOOS=linux GOARCH=amd64 CGO_ENABLED=1`): file-name suffixes, build constraints,
//! ignored names, and import-path elements. Every part of scaffold asks these here.

use super::source::GoFile;

/// The builder's operating system and architecture (the pluginbuilder image and the server
/// image are linux/amd64 wherever scaffold builds and tests them).
pub const GOOS: &str = "linux";
pub const GOARCH: &str = "amd64";

/// Every GOOS the go tool knows: a file name ending `_<goos>` builds only there.
const KNOWN_GOOS: [&str; 17] = [
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
/// Every GOARCH the go tool knows: a file name ending `_<goarch>` builds only there.
const KNOWN_GOARCH: [&str; 21] = [
    "386", "amd64", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64",
    "mips64le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64",
    "wasm",
];

/// Folders (and files) the go tool never treats as part of a package tree: names starting with
/// `.` or `_`, and `testdata`.
pub fn ignored_name(name: &str) -> bool {
    name.starts_with(['.', '_']) || name == "testdata"
}

/// Whether Go accepts `name` as an import path element (golang.org/x/mod's rule), so it can be
/// imported and written into a Dockerfile COPY line as it is.
pub fn importable_element(name: &str) -> bool {
    !name.is_empty()
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~+".contains(c))
}

/// Files of a package folder, besides its `.go` files, that `go build` reads: with cgo (a file
/// that imports "C"), the C, C++, Objective-C, Fortran, assembly and SWIG sources and headers;
/// without it, assembly (`.s`, with the headers it may include) and `.syso` objects.
pub fn other_sources(names: &[String], cgo: bool) -> impl Iterator<Item = &String> {
    const WITH_CGO: [&str; 18] = [
        "c", "h", "cc", "cpp", "cxx", "hh", "hpp", "hxx", "m", "s", "S", "sx", "f", "F", "for",
        "f90", "swig", "swigcxx",
    ];
    let ext = |n: &str| n.rsplit_once('.').map_or("", |(_, e)| e).to_string();
    let asm = names.iter().any(|n| ext(n) == "s");
    names.iter().filter(move |n| {
        let e = ext(n);
        !ignored_name(n)
            && (e == "s"
                || e == "syso"
                || (asm && e == "h")
                || (cgo && WITH_CGO.contains(&e.as_str())))
    })
}

/// The files one `//go:embed` pattern takes from `files` (paths relative to the package's
/// folder, `/`-separated): a file the pattern names, or every file below a folder it names,
/// leaving out names starting with `.` or `_` below a named folder unless the pattern starts
/// with `all:`. Go files are never embedded. Sync and doctor both ask this.
pub fn embedded<'a>(pattern: &str, files: &'a [String]) -> Vec<&'a String> {
    let (all, pattern) = match pattern.strip_prefix("all:") {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let Ok(glob) = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
    else {
        return Vec::new();
    };
    files
        .iter()
        .filter(|rel| {
            let parts: Vec<&str> = rel.split('/').collect();
            // The file itself, or a folder above it, matches the pattern.
            let hit = (1..=parts.len()).find(|&n| glob.is_match(parts[..n].join("/")));
            hit.is_some_and(|n| {
                let hidden = parts[n..].iter().any(|p| p.starts_with(['.', '_']));
                (all || !hidden) && !rel.ends_with(".go")
            })
        })
        .collect()
}

/// Whether a tag is satisfied on the builder, with `tags` given by `-tags`, for a builder
/// of Go 1.`go_minor` (`None`: not known, so every `go1.N` counts as true, never dropping a
/// file Go might build). `go1.N` holds for Go 1.N and later only.
fn tag_on(tag: &str, tags: &[String], go_minor: Option<u64>) -> bool {
    if let Some(n) = tag.strip_prefix("go1.") {
        if let Ok(n) = n.parse::<u64>() {
            // go1.1 is the first release tag; there is no go1.0.
            return n >= 1 && go_minor.is_none_or(|m| n <= m);
        }
    }
    [GOOS, GOARCH, "unix", "cgo", "gc"].contains(&tag) || tags.iter().any(|t| t == tag)
}

/// Every GOOS and GOARCH the file-name rule knows (go/build's lists), for the test that holds
/// them against the exact Go.
pub fn known_platforms() -> (&'static [&'static str], &'static [&'static str]) {
    (&KNOWN_GOOS, &KNOWN_GOARCH)
}

/// Why the file-name rule keeps a non-test `.go` file out of the builder's build, if it does:
/// `x_windows.go`, `x_arm64.go`, `x_ios_amd64.go`.
pub fn name_excludes(name: &str) -> Option<String> {
    let stem = name.strip_suffix(".go").unwrap_or(name);
    let parts: Vec<&str> = stem.split('_').collect();
    let n = parts.len();
    if n < 2 {
        return None;
    }
    let last = parts[n - 1];
    if KNOWN_GOOS.contains(&last) && last != GOOS {
        return Some(format!(
            "Go builds files ending `_{last}.go` only for GOOS={last}"
        ));
    }
    if KNOWN_GOARCH.contains(&last) {
        if last != GOARCH {
            return Some(format!(
                "Go builds files ending `_{last}.go` only for GOARCH={last}"
            ));
        }
        let os = parts[n - 2];
        if n >= 3 && KNOWN_GOOS.contains(&os) && os != GOOS {
            return Some(format!(
                "Go builds files ending `_{os}_{last}.go` only for GOOS={os}"
            ));
        }
    }
    None
}

/// Whether Go compiles this non-test file into its package on the builder with `-tags tags`
/// and Go 1.`go_minor` (see [`tag_on`]). Constraints that cannot be read count as true, so a
/// file is never wrongly dropped.
pub fn builds(name: &str, file: &GoFile, tags: &[String], go_minor: Option<u64>) -> bool {
    if !name.ends_with(".go") || name.ends_with("_test.go") || ignored_name(name) {
        return false;
    }
    // go/build ignores files of `package documentation`.
    if file.package.as_deref() == Some("documentation") || name_excludes(name).is_some() {
        return false;
    }
    match &file.build {
        Some(expr) => Constraint::new(expr)
            .eval(&|t| tag_on(t, tags, go_minor))
            .unwrap_or(true),
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
    use crate::go::source::parse;

    #[test]
    fn build_constraints_and_file_names() {
        let f = |b: &str| GoFile {
            build: Some(b.into()),
            ..GoFile::default()
        };
        let none = GoFile::default();
        let tags = vec!["extra".to_string()];
        assert!(!builds("a.go", &f("ignore"), &[], None));
        assert!(builds("a.go", &f("linux && (amd64 || arm64)"), &[], None));
        assert!(!builds("a.go", &f("windows || !cgo"), &[], None));
        assert!(builds("a.go", &f("extra"), &tags, None));
        assert!(builds("a.go", &f("go1.21 && !purego"), &[], None));
        assert!(builds("a.go", &f("(((("), &[], None));
        assert!(!builds("a_windows.go", &none, &[], None));
        assert!(!builds("a_linux_386.go", &none, &[], None));
        assert!(!builds("a_arm64.go", &none, &[], None));
        assert!(builds("a_linux_amd64.go", &none, &[], None));
        assert!(builds("windows.go", &none, &[], None));
        assert!(!builds("iap_ios.go", &none, &[], None));
        assert!(!builds("a_test.go", &none, &[], None));
        assert!(!builds("_a.go", &none, &[], None));
        assert!(!builds(
            "doc.go",
            &parse("package documentation\n"),
            &[],
            None
        ));
        assert!(!builds(
            "old.go",
            &parse("// +build ignore\n\npackage x\n"),
            &[],
            None
        ));
        // go1.N holds from Go 1.N on: Go 1.26 builds no file tagged go1.27.
        assert!(builds("a.go", &f("go1.26"), &[], Some(26)));
        assert!(!builds("a.go", &f("go1.27"), &[], Some(26)));
        assert!(builds("a.go", &f("!go1.27"), &[], Some(26)));
        assert!(builds("a.go", &f("go1.27"), &[], None));
        assert!(!builds("a.go", &f("go1.0"), &[], Some(26)));
    }

    #[test]
    fn embeds_follow_gos_hidden_file_rule() {
        let files: Vec<String> = ["a/x.txt", "a/.h", "a/_u", "a/b/y.txt", "a/z.go", "c.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(embedded("a", &files), ["a/x.txt", "a/b/y.txt"]);
        assert_eq!(
            embedded("all:a", &files),
            ["a/x.txt", "a/.h", "a/_u", "a/b/y.txt"]
        );
        assert_eq!(embedded("*.json", &files), ["c.json"]);
        assert_eq!(
            embedded("a/.h", &files),
            ["a/.h"],
            "a named hidden file is embedded"
        );
        assert!(embedded("[", &files).is_empty());
    }

    #[test]
    fn names_the_file_name_rule() {
        assert_eq!(
            name_excludes("iap_ios.go").as_deref(),
            Some("Go builds files ending `_ios.go` only for GOOS=ios")
        );
        assert!(name_excludes("iap_android.go").is_some());
        assert_eq!(name_excludes("store_linux.go"), None);
        assert_eq!(name_excludes("plain.go"), None);
    }

    #[test]
    fn importable_elements() {
        for ok in ["stats", "game-state", "v1.2", "a_b", "x~y", "c++"] {
            assert!(importable_element(ok), "{ok}");
        }
        for bad in ["my stuff", "é", "a:b", "x.", ""] {
            assert!(!importable_element(bad), "{bad}");
        }
    }
}
