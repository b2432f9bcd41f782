//! Lays out what a Dockerfile's first (builder) stage copies from the build context, without
//! Docker, so a test can run the stage's `go build` on exactly those files.
//!
//! Uses `tests/support/docker_context.py` (the project's full model of Docker's rules) when it
//! and python3 are there; otherwise a small model of the shape scaffold writes: WORKDIR, COPY
//! of files, `*` wildcards and folders, and a `.dockerignore` of plain and `*` patterns.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// tests/support/docker_context.py.
pub fn script_path() -> PathBuf {
    super::crate_path("tests/support/docker_context.py")
}

/// The project's helper script, when it and python3 are there.
pub fn script() -> Option<PathBuf> {
    let p = script_path();
    let python = Command::new("python3").arg("--version").output();
    (p.is_file() && python.is_ok_and(|o| o.status.success())).then_some(p)
}

/// Copies into `out` what the builder stage of `context/Dockerfile` copies; returns the
/// stage's final WORKDIR inside `out`.
pub fn lay_out(context: &Path, out: &Path) -> PathBuf {
    match script() {
        Some(s) => with_script(&s, context, out),
        None => rust_model(context, out),
    }
}

/// Copies with `script` (tests/support/docker_context.py); returns the final WORKDIR.
pub fn with_script(script: &Path, context: &Path, out: &Path) -> PathBuf {
    let o = Command::new("python3")
        .arg(script)
        .arg(context)
        .arg(out)
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "docker_context.py failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rel = String::from_utf8(o.stdout).unwrap();
    out.join(rel.trim())
}

/// The small model (see the module comment).
pub fn rust_model(context: &Path, out: &Path) -> PathBuf {
    let text = fs::read_to_string(context.join("Dockerfile")).expect("a Dockerfile");
    let ignore = Ignore::load(context);
    let mut workdir = String::from("/");
    let mut seen_from = false;
    for line in logical_lines(&text) {
        let mut words = line.split_whitespace();
        let Some(kw) = words.next() else { continue };
        let args: Vec<&str> = words.collect();
        match kw.to_ascii_uppercase().as_str() {
            "FROM" if seen_from => break,
            "FROM" => seen_from = true,
            "WORKDIR" => workdir = absolute(&workdir, args[0]),
            "COPY" | "ADD" => {
                if args.iter().any(|a| a.starts_with("--from")) {
                    continue;
                }
                let args: Vec<&str> = args.into_iter().filter(|a| !a.starts_with("--")).collect();
                let (dest, srcs) = args.split_last().expect("COPY has a destination");
                let dest_abs = absolute(&workdir, dest);
                let into_dir = dest.ends_with('/') || *dest == "." || srcs.len() > 1;
                let host_dest = out.join(dest_abs.trim_start_matches('/'));
                for src in srcs {
                    let found = glob(context, src.trim_start_matches('/'), &ignore);
                    assert!(
                        !found.is_empty() || src.contains(['*', '?']),
                        "COPY {src}: not in the build context (or excluded by .dockerignore)"
                    );
                    for rel in found {
                        let from = context.join(&rel);
                        if from.is_dir() {
                            copy_dir(context, &rel, &host_dest, &ignore);
                        } else if into_dir {
                            let name = Path::new(&rel).file_name().unwrap();
                            copy_file(&from, &host_dest.join(name));
                        } else {
                            copy_file(&from, &host_dest);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let wd = out.join(workdir.trim_start_matches('/'));
    fs::create_dir_all(&wd).unwrap();
    wd
}

/// Instructions with `\` continuations joined; comments and blank lines dropped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for raw in text.lines() {
        let t = raw.trim();
        if t.starts_with('#') || (t.is_empty() && buf.is_empty()) {
            continue;
        }
        match t.strip_suffix('\\') {
            Some(head) => buf.push_str(head),
            None => {
                buf.push_str(t);
                out.push(std::mem::take(&mut buf));
            }
        }
    }
    out
}

fn absolute(workdir: &str, p: &str) -> String {
    let joined = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{}/{p}", workdir.trim_end_matches('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

fn copy_file(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::copy(from, to).unwrap();
}

fn copy_dir(context: &Path, rel: &str, to: &Path, ignore: &Ignore) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(context.join(rel)).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() || rel == "." {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if ignore.excluded(&child) {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(context, &child, &to.join(&name), ignore);
        } else {
            copy_file(&e.path(), &to.join(&name));
        }
    }
}

/// Context paths (relative, `/`-separated) matching a COPY source.
fn glob(context: &Path, pattern: &str, ignore: &Ignore) -> Vec<String> {
    let mut current = vec![String::new()];
    for seg in pattern.split('/').filter(|s| !s.is_empty() && *s != ".") {
        let mut next = Vec::new();
        for base in &current {
            let Ok(entries) = fs::read_dir(context.join(base)) else {
                continue;
            };
            for e in entries {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                if wildcard(seg, &name) {
                    let rel = if base.is_empty() {
                        name
                    } else {
                        format!("{base}/{name}")
                    };
                    if !ignore.excluded(&rel) {
                        next.push(rel);
                    }
                }
            }
        }
        current = next;
    }
    current.sort();
    current.retain(|r| !r.is_empty());
    current
}

/// `*` and `?` within one path segment.
fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((b'?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// `.dockerignore` with plain and `*`/`?` patterns; a pattern that matches a parent folder
/// excludes what is inside it.
struct Ignore(Vec<Vec<String>>);

impl Ignore {
    fn load(context: &Path) -> Ignore {
        let text = fs::read_to_string(context.join(".dockerignore")).unwrap_or_default();
        let mut pats = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            assert!(
                !line.starts_with('!') && !line.contains("**"),
                "the small Docker model does not handle `{line}` in .dockerignore"
            );
            pats.push(
                line.trim_start_matches('/')
                    .split('/')
                    .map(str::to_string)
                    .collect(),
            );
        }
        Ignore(pats)
    }

    fn excluded(&self, rel: &str) -> bool {
        let segs: Vec<&str> = rel.split('/').collect();
        self.0.iter().any(|pat| {
            pat.len() <= segs.len() && pat.iter().zip(&segs).all(|(p, s)| wildcard(p, s))
        })
    }
}
