//! Watching the repo: which saved files need a rebuild or a restart, debounced so one save
//! (or an editor's burst of writes) is one change.
//!
//! Built on `notify` directly rather than a debouncer crate, because the debouncers that drop
//! event kinds report the compiler *reading* the sources as changes (an endless rebuild loop).
//! Here reads are dropped by kind, and a change counts only when the file's content differs
//! from what it was (editors that rewrite a file unchanged cause no restart).

use crate::error::{Context, Result};
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// Quiet time after the last write before a change counts.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// What a changed file asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// local.yml: same plugin, restart the server with the new configuration.
    Config,
    /// Go code or go.mod/go.sum: rebuild the plugin, then restart.
    Code,
}

/// Classifies a changed path. Tests (`_test.go`) are not in the plugin, and editor lock files
/// (`.#x.go`) are not code; `.git` and the output folder never matter.
pub fn classify(root: &Path, output: &Path, path: &Path) -> Option<Change> {
    if path.starts_with(output) {
        return None;
    }
    let rel = path.strip_prefix(root).ok()?;
    // Go ignores folders starting with `.` or `_`, and `testdata`, when it builds packages.
    let mut dirs = rel.parent().into_iter().flat_map(Path::components);
    if dirs.any(|c| ignored_dir(&c.as_os_str().to_string_lossy())) {
        return None;
    }
    let name = rel.file_name()?.to_str()?;
    if name == "local.yml" && rel.parent() == Some(Path::new("")) {
        return Some(Change::Config);
    }
    if name == "go.mod" || name == "go.sum" {
        return Some(Change::Code);
    }
    let code = name.ends_with(".go")
        && !name.ends_with("_test.go")
        && !name.starts_with('.')
        && !name.starts_with('_');
    code.then_some(Change::Code)
}

fn ignored_dir(name: &str) -> bool {
    crate::go::build::ignored_name(name)
}

/// Whether an event can mean new content. Opening and reading a file (the compiler does, on
/// every build) cannot, nor can a change of permissions or times.
fn writes(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    }
}

/// A recursive watch on the repo; [`Watcher::next`] yields the strongest change among the
/// files saved since the last call, with one path to name in the message.
pub struct Watcher {
    root: PathBuf,
    output: PathBuf,
    events: Receiver<notify::Result<Event>>,
    /// Content hash of every watched file (`None`: absent), to tell real changes from noise.
    seen: HashMap<PathBuf, Option<[u8; 32]>>,
    // Dropping the watcher ends the watch, so it lives as long as the receiver.
    _watcher: RecommendedWatcher,
}

impl Watcher {
    pub fn new(root: &Path, output: &Path) -> Result<Self> {
        // Events carry canonical paths on some systems; compare like with like.
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let output = output
            .canonicalize()
            .unwrap_or_else(|_| output.to_path_buf());
        let (tx, events) = channel();
        let mut watcher = notify::recommended_watcher(tx).context("cannot watch files")?;
        watcher
            .watch(&root, RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch {}", root.display()))?;
        let mut seen = HashMap::new();
        fingerprint_tree(&root, &root, &output, &mut seen);
        Ok(Self {
            root,
            output,
            events,
            seen,
            _watcher: watcher,
        })
    }

    /// Waits up to `timeout` for a write to a watched file, then until writes stop for
    /// [`DEBOUNCE`]; returns the strongest real change among them.
    pub fn next(&mut self, timeout: Duration) -> Option<(Change, PathBuf)> {
        let mut touched: Vec<(PathBuf, Change)> = Vec::new();
        let deadline = Instant::now() + timeout;
        loop {
            let wait = if touched.is_empty() {
                deadline.saturating_duration_since(Instant::now())
            } else {
                DEBOUNCE
            };
            let Ok(event) = self.events.recv_timeout(wait) else {
                break;
            };
            // A watcher error (e.g. too many watched folders) loses events, not the session.
            let Ok(event) = event else { continue };
            if !writes(&event.kind) {
                continue;
            }
            for path in event.paths {
                if touched.iter().any(|(p, _)| *p == path) {
                    continue;
                }
                if let Some(change) = classify(&self.root, &self.output, &path) {
                    touched.push((path, change));
                }
            }
        }
        let mut best: Option<(Change, PathBuf)> = None;
        for (path, change) in touched {
            let now = fingerprint(&path);
            if self.seen.get(&path) == Some(&now) {
                continue;
            }
            self.seen.insert(path.clone(), now);
            if best.as_ref().is_none_or(|(c, _)| change > *c) {
                let rel = path.strip_prefix(&self.root).unwrap_or(&path);
                best = Some((change, rel.to_path_buf()));
            }
        }
        best
    }
}

fn fingerprint(path: &Path) -> Option<[u8; 32]> {
    std::fs::read(path).ok().map(|b| Sha256::digest(b).into())
}

/// Hashes every watched file under `dir`, skipping what Go and the watch skip.
fn fingerprint_tree(
    root: &Path,
    dir: &Path,
    output: &Path,
    seen: &mut HashMap<PathBuf, Option<[u8; 32]>>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if !ignored_dir(&entry.file_name().to_string_lossy()) && path != output {
                fingerprint_tree(root, &path, output, seen);
            }
        } else if classify(root, output, &path).is_some() {
            seen.insert(path.clone(), fingerprint(&path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange};

    fn class(p: &str) -> Option<Change> {
        classify(Path::new("/r"), Path::new("/r/.out"), Path::new(p))
    }

    #[test]
    fn code_and_config() {
        assert_eq!(class("/r/main.go"), Some(Change::Code));
        assert_eq!(class("/r/profile/profile.go"), Some(Change::Code));
        assert_eq!(class("/r/go.mod"), Some(Change::Code));
        assert_eq!(class("/r/go.sum"), Some(Change::Code));
        assert_eq!(class("/r/local.yml"), Some(Change::Config));
    }

    #[test]
    fn ignores_what_is_not_in_the_plugin() {
        for p in [
            "/r/profile/profile_test.go",
            "/r/.git/index",
            "/r/.git/x.go",
            "/r/.out/backend.so",
            "/r/profile/.#profile.go",
            "/r/profile/profile.go~",
            "/r/profile/.profile.go.swp",
            "/r/testdata/x.go",
            "/r/README.md",
            "/r/sub/local.yml",
            "/elsewhere/x.go",
        ] {
            assert_eq!(class(p), None, "{p}");
        }
    }

    #[test]
    fn reads_are_not_writes() {
        assert!(!writes(&EventKind::Access(AccessKind::Open(
            notify::event::AccessMode::Any
        ))));
        assert!(!writes(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(writes(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(writes(&EventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(writes(&EventKind::Create(CreateKind::File)));
    }

    fn next_change(w: &mut Watcher) -> Option<(Change, PathBuf)> {
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Some(got) = w.next(Duration::from_millis(500)) {
                return Some(got);
            }
        }
        None
    }

    #[test]
    fn sees_saves_and_not_reads_or_same_content() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("pkg")).unwrap();
        std::fs::write(root.join("pkg/pkg.go"), "package pkg").unwrap();
        let mut w = Watcher::new(&root, &root.join(".out")).unwrap();
        std::fs::write(root.join("README.md"), "x").unwrap();
        std::fs::read(root.join("pkg/pkg.go")).unwrap();
        std::fs::write(root.join("pkg/pkg.go"), "package pkg").unwrap();
        assert_eq!(next_change(&mut w), None, "a read and an unchanged write");
        std::fs::write(root.join("pkg/pkg.go"), "package pkg // new").unwrap();
        assert_eq!(
            next_change(&mut w),
            Some((Change::Code, PathBuf::from("pkg/pkg.go")))
        );
    }
}
