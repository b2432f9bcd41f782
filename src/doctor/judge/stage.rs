//! The staged build context: the file tree the builder stage sees, written to a temp folder
//! step by step, so Go can be run where the Docker build runs it and see exactly what it
//! would see there.
//!
//! The tree is the Docker model's ([`crate::docker::replay`]): what each COPY and ADD brings
//! from the build context after `Dockerfile.dockerignore` or `.dockerignore`, with absolute
//! destinations below a temp image root. It is brought up to each RUN in turn
//! ([`Staging::advance`]), so a `RUN go mod download` sees only what was copied before it, and
//! what a RUN changed (go.sum, vendor/) stays for the next one, as in the image.
//!
//! The repo is untrusted, so nothing it holds is followed out of it: a link is copied as a link
//! (as Docker sends it), pointed at what it resolves to inside the image root, or at nothing
//! when it leaves the image (a link out of the context dangles in the image too); a link a COPY
//! names itself is followed inside the build context only, as BuildKit does.

use crate::docker::copy::Context;
use crate::docker::ignore::DockerIgnore;
use crate::docker::parse::Keyword;
use crate::docker::path::parent_of;
use crate::docker::replay::{Image, Placed, Stages};
use crate::docker::tree::{Kind, Repo};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Links resolved through more hops than this are loops (Linux's limit).
const MAX_HOPS: usize = 40;

/// One RUN of the builder stage (or a stage it is built on), where Go may be run.
#[derive(Debug, Clone)]
pub struct RunPoint {
    pub stage: usize,
    /// The RUN's instruction index in the Dockerfile.
    pub index: usize,
    pub line: usize,
}

/// A COPY the staged tree could not make as Docker would (Docker fails the build there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFailure {
    pub line: usize,
    pub source: String,
    pub why: String,
}

/// What a RUN's mounts put over the staged tree, to take away after that RUN.
pub struct Mounted {
    /// Each mount's staged target, where what the image had there was moved meanwhile, and
    /// for a cache mount where its cache is kept between RUNs.
    hidden: Vec<(PathBuf, Option<PathBuf>, Option<PathBuf>)>,
    /// The tree's files before the mounts.
    placed: BTreeMap<String, Placed>,
    /// A bind mount's source that is not in the build context (Docker fails the RUN).
    pub missing: Vec<crate::docker::replay::Missing>,
}

/// The temp image root and what has been copied into it so far.
pub struct Staging<'a> {
    repo: &'a Repo,
    stages: &'a Stages,
    ctx: Context,
    ignore: &'a DockerIgnore,
    _dir: tempfile::TempDir,
    /// The image's `/`.
    pub root: PathBuf,
    /// What is in the tree from COPY and ADD: image path -> where it came from.
    placed: BTreeMap<String, Placed>,
    /// Folders known to lie inside the root (checked once each).
    safe_dirs: BTreeSet<PathBuf>,
    /// COPY sources Docker would fail on (a link a COPY names that leads nowhere).
    pub failures: Vec<CopyFailure>,
}

impl<'a> Staging<'a> {
    /// An empty image root in a fresh temp folder. Fails when a folder above the temp folder
    /// holds a go.mod or go.work, which Go would read as if it were in the image.
    pub fn new(
        repo: &'a Repo,
        stages: &'a Stages,
        ignore: &'a DockerIgnore,
    ) -> Result<Staging<'a>, String> {
        let dir = tempfile::Builder::new()
            .prefix("scaffold-stage-")
            .tempdir()
            .map_err(|e| format!("cannot make a temp folder to stage the build in: {e}"))?;
        for above in dir.path().ancestors().skip(1) {
            for name in ["go.mod", "go.work"] {
                if above.join(name).exists() {
                    return Err(format!(
                        "{} is above the temp folder ({}), and Go would read it as part of the staged build; point TMPDIR elsewhere",
                        above.join(name).display(),
                        dir.path().display()
                    ));
                }
            }
        }
        let root = dir.path().join("img");
        fs::create_dir(&root).map_err(|e| format!("cannot stage the build: {e}"))?;
        let root = root
            .canonicalize()
            .map_err(|e| format!("cannot stage the build: {e}"))?;
        let paths = repo
            .entries
            .iter()
            .map(|(p, k)| (p.as_str(), *k == Kind::Dir));
        let ctx = Context::new(paths, Some(ignore));
        Ok(Staging {
            repo,
            stages,
            ctx,
            ignore,
            _dir: dir,
            safe_dirs: BTreeSet::from([root.clone()]),
            root,
            placed: BTreeMap::new(),
            failures: Vec::new(),
        })
    }

    /// The RUN instructions of `stage` and the stages it is built on, in build order, up to
    /// and including the instruction `last` (an index into the Dockerfile's instructions).
    pub fn run_points(stages: &Stages, stage: usize, last: usize) -> Vec<RunPoint> {
        let mut out = Vec::new();
        for s in stages.chain(stage) {
            let info = &stages.stages[s];
            let end = if s == stage {
                (last + 1).min(info.end)
            } else {
                info.end
            };
            for index in info.start + 1..end {
                let ins = &stages.df.instructions[index];
                if ins.keyword == Keyword::Run {
                    out.push(RunPoint {
                        stage: s,
                        index,
                        line: ins.line,
                    });
                }
            }
        }
        out
    }

    /// Brings the tree to what the image holds just before `point` runs, and returns that
    /// image (its WORKDIR and variables).
    pub fn advance(&mut self, point: &RunPoint) -> Image {
        let image = self.stages.replay(
            point.stage,
            Some(point.index),
            &self.ctx,
            self.ignore,
            &mut Vec::new(),
        );
        for dir in &image.dirs {
            if let Some(path) = self.inside(dir) {
                let _ = self.make_dir(&path);
            }
        }
        let mut links = Vec::new();
        for (path, placed) in &image.files {
            if self.placed.get(path) == Some(placed) {
                continue;
            }
            self.placed.insert(path.clone(), placed.clone());
            match self.repo.entries.get(&placed.from) {
                Some(Kind::Link) if placed.top => self.follow(path, placed),
                Some(Kind::Link) => links.push(path.clone()),
                _ => self.write_from(path, &placed.from),
            }
        }
        // Links last: what they point at may have come with the same COPY.
        if !links.is_empty() || self.placed.values().any(|p| self.is_link(&p.from)) {
            self.point_links(&image);
        }
        image
    }

    /// Puts the RUN's mounts over the tree for the time it runs, as BuildKit does: a bind
    /// mount of the build context shows those context files at its target, a cache mount its
    /// cache (empty at first, as in a first build, then what earlier RUNs of this build left in
    /// the cache of that id), a tmpfs mount an empty folder; what the image had there is hidden.
    /// [`Staging::unmount`] takes them away again with whatever the RUN wrote into them. A bind
    /// mount `from` another stage or image is left as the image has it (not modelled).
    pub fn mount(&mut self, point: &RunPoint, image: &Image) -> Mounted {
        let ins = &self.stages.df.instructions[point.index];
        let points = crate::docker::replay::mount_points(ins, self.stages.df.escape, image);
        let mut mounted = Mounted {
            hidden: Vec::new(),
            placed: self.placed.clone(),
            missing: Vec::new(),
        };
        // What the context bind mounts show, as the Docker model reads them.
        let mut shown = Image {
            workdir: image.workdir.clone(),
            env: image.env.clone(),
            ..Image::default()
        };
        self.stages
            .mount_context(ins, &self.ctx, self.ignore, &mut shown, &mut Vec::new());
        mounted.missing = shown.missing.clone();
        for (m, abs) in &points {
            let covers = m.from_context() || m.kind == "cache" || m.kind == "tmpfs";
            let Some(staged) = self.inside(abs).filter(|_| covers) else {
                continue;
            };
            let hide = self
                ._dir
                .path()
                .join(format!("hidden-{}", mounted.hidden.len()));
            let moved = fs::symlink_metadata(&staged).is_ok() && fs::rename(&staged, &hide).is_ok();
            self.placed
                .retain(|p, _| !crate::docker::path::within(p, abs));
            self.safe_dirs.retain(|d| !d.starts_with(&staged));
            let cache = (m.kind == "cache").then(|| {
                let id = m.id.as_deref().unwrap_or(abs);
                let name: String = id
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                self._dir.path().join(format!("cache-{name}"))
            });
            let is_dir = !m.from_context() || shown.dirs.contains(abs);
            if is_dir {
                let _ = self.make_dir(&staged);
            }
            // The cache's content from an earlier RUN, in place of the empty folder.
            if let Some(store) = cache.as_ref().filter(|s| s.is_dir()) {
                if fs::remove_dir(&staged).is_ok() && fs::rename(store, &staged).is_err() {
                    let _ = self.make_dir(&staged);
                }
            }
            mounted
                .hidden
                .push((staged.clone(), moved.then_some(hide), cache));
        }
        for (path, placed) in shown.files {
            self.write_from(&path, &placed.from);
            self.placed.insert(path, placed);
        }
        mounted
    }

    /// Takes a RUN's mounts away again: what was written under them goes, what the image
    /// had there comes back.
    pub fn unmount(&mut self, mounted: Mounted) {
        for (staged, hidden, cache) in mounted.hidden.into_iter().rev() {
            // A cache keeps what the RUN left in it, for the next RUN that mounts it.
            let kept = cache.is_some_and(|store| {
                fs::symlink_metadata(&staged).is_ok_and(|m| m.is_dir())
                    && fs::rename(&staged, store).is_ok()
            });
            match fs::symlink_metadata(&staged) {
                _ if kept => {}
                Ok(m) if m.is_dir() => {
                    let _ = fs::remove_dir_all(&staged);
                }
                Ok(_) => {
                    let _ = fs::remove_file(&staged);
                }
                Err(_) => {}
            }
            self.safe_dirs.retain(|d| !d.starts_with(&staged));
            if let Some(h) = hidden {
                let _ = fs::rename(h, &staged);
            }
        }
        self.placed = mounted.placed;
    }

    /// The staged path of image path `abs`, or `None` for a path that climbs out of it.
    pub fn inside(&self, abs: &str) -> Option<PathBuf> {
        let rel = abs.trim_start_matches('/');
        if rel.split('/').any(|c| c == "..") {
            return None;
        }
        Some(if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        })
    }

    /// The image path of a staged path (`/backend/go.mod`), or `None` outside the root.
    pub fn image_path(&self, staged: &Path) -> Option<String> {
        let rel = staged.strip_prefix(&self.root).ok()?;
        Some(format!("/{}", crate::files::slash(rel)))
    }

    /// Where an image file came from in the build context (its COPY line too).
    pub fn origin(&self, abs: &str) -> Option<&Placed> {
        self.placed.get(abs)
    }

    /// Every image file that came from the build context.
    pub fn placed(&self) -> &BTreeMap<String, Placed> {
        &self.placed
    }

    /// The repo's folder on disk.
    pub fn repo_root(&self) -> &Path {
        &self.repo.root
    }

    /// The files directly in context folder `dir` ("" for the root), by name.
    pub fn repo_files_in(&self, dir: &str) -> Vec<String> {
        self.repo.files_in(dir)
    }

    fn is_link(&self, from: &str) -> bool {
        self.repo.entries.get(from) == Some(&Kind::Link)
    }

    /// Makes a folder (and its parents) and checks it lies inside the root: a link the repo
    /// placed on the way must not lead a write out of the temp folder.
    fn make_dir(&mut self, dir: &Path) -> Result<(), String> {
        if self.safe_dirs.contains(dir) {
            return Ok(());
        }
        // A link where a folder must go is replaced by the folder, as a later COPY into it
        // would make the image's.
        let mut at = self.root.clone();
        if let Ok(rel) = dir.strip_prefix(&self.root) {
            for c in rel.components() {
                at.push(c);
                if fs::symlink_metadata(&at).is_ok_and(|m| !m.is_dir()) {
                    let _ = fs::remove_file(&at);
                }
            }
        }
        fs::create_dir_all(dir).map_err(|e| format!("cannot stage {}: {e}", dir.display()))?;
        let real = dir
            .canonicalize()
            .map_err(|e| format!("cannot stage {}: {e}", dir.display()))?;
        if !real.starts_with(&self.root) {
            return Err(format!("{} leads out of the staged image", dir.display()));
        }
        self.safe_dirs.insert(dir.to_path_buf());
        Ok(())
    }

    /// Clears the way for a new file at `target` (an older file or link there goes).
    fn clear(&mut self, target: &Path) -> bool {
        let Some(parent) = target.parent() else {
            return false;
        };
        if self.make_dir(parent).is_err() {
            return false;
        }
        match fs::symlink_metadata(target) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(target).is_ok(),
            Ok(_) => fs::remove_file(target).is_ok(),
            Err(_) => true,
        }
    }

    /// Copies context file `from` (planned contents, or the file on disk) to image path `abs`.
    fn write_from(&mut self, abs: &str, from: &str) {
        let Some(target) = self.inside(abs) else {
            return;
        };
        if !self.clear(&target) {
            return;
        }
        if let Some(bytes) = self.repo.overlay.get(from) {
            let _ = fs::write(&target, bytes);
            return;
        }
        // Only a regular file is read: never through a link, never a FIFO or a device (a
        // read would wait forever). Anything else becomes an empty file of its name.
        let source = self.repo.root.join(from);
        let regular = fs::symlink_metadata(&source).is_ok_and(|m| m.file_type().is_file());
        if self.repo.entries.get(from) == Some(&Kind::File) && regular {
            let _ = fs::copy(&source, &target);
        } else {
            let _ = fs::write(&target, b"");
        }
    }

    /// A COPY that names a link: BuildKit follows it inside the build context (a link out of
    /// the context, or to nothing, fails the COPY).
    fn follow(&mut self, abs: &str, placed: &Placed) {
        let nodes = self.context_nodes();
        let resolved = resolve(&format!("/{}", placed.from), &nodes)
            .filter(|p| matches!(nodes.get(p.as_str()), Some(Node::File | Node::Dir)));
        let Some(target) = resolved else {
            self.failures.push(CopyFailure {
                line: placed.line,
                source: placed.from.clone(),
                why: "it is a link to nothing in the build context".into(),
            });
            return;
        };
        let rel = target.trim_start_matches('/').to_string();
        if self.ctx.is_dir(&rel) {
            let files: Vec<(String, String)> = self
                .ctx
                .files_under(&rel)
                .map(|(full, below)| (full.clone(), below.to_string()))
                .collect();
            for (full, below) in files {
                self.write_from(&format!("{abs}/{below}"), &full);
            }
        } else {
            self.write_from(abs, &rel);
        }
    }

    /// The build context as a tree of nodes (`/`-rooted), for following a link inside it.
    fn context_nodes(&self) -> BTreeMap<String, Node> {
        let mut nodes = BTreeMap::from([("/".to_string(), Node::Dir)]);
        for (path, kind) in &self.repo.entries {
            if !self.ctx.contains(path) {
                continue;
            }
            let node = match kind {
                Kind::Dir => Node::Dir,
                Kind::File => Node::File,
                Kind::Link => Node::Link(self.link_target(path)),
            };
            nodes.insert(format!("/{path}"), node);
        }
        nodes
    }

    /// A repo link's target as written (read, never followed).
    fn link_target(&self, rel: &str) -> String {
        fs::read_link(self.repo.root.join(rel))
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Points every link in the tree at what it resolves to inside the image (absolute, so it
    /// never climbs out), or at a path that does not exist when it leads nowhere.
    fn point_links(&mut self, image: &Image) {
        let mut nodes: BTreeMap<String, Node> = BTreeMap::from([("/".to_string(), Node::Dir)]);
        for d in &image.dirs {
            nodes.insert(d.clone(), Node::Dir);
        }
        let links: Vec<(String, String)> = self
            .placed
            .iter()
            .filter(|(_, p)| self.is_link(&p.from) && !p.top)
            .map(|(abs, p)| (abs.clone(), p.from.clone()))
            .collect();
        for abs in self.placed.keys() {
            nodes.insert(abs.clone(), Node::File);
        }
        for (abs, from) in &links {
            nodes.insert(abs.clone(), Node::Link(self.link_target(from)));
        }
        let nowhere = self.root.join(".scaffold-dangling");
        for (abs, _) in links {
            let Some(target) = self.inside(&abs) else {
                continue;
            };
            let Node::Link(text) = &nodes[&abs] else {
                continue;
            };
            let start = if text.starts_with('/') {
                text.clone()
            } else {
                format!("{}/{text}", parent_of(&abs))
            };
            let to = resolve(&start, &nodes)
                .filter(|p| matches!(nodes.get(p.as_str()), Some(Node::File | Node::Dir)))
                .and_then(|p| self.inside(&p))
                .unwrap_or_else(|| nowhere.clone());
            if self.clear(&target) {
                #[cfg(unix)]
                let _ = std::os::unix::fs::symlink(&to, &target);
                #[cfg(not(unix))]
                let _ = to;
            }
        }
    }
}

/// A path in a tree being resolved: a folder, a file, or a link (its target as written).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Dir,
    File,
    Link(String),
}

/// Resolves an absolute path in `nodes` as the kernel would inside a chroot: `..` stops at
/// `/`, an absolute link restarts at `/`. `None` when a part is missing, not a folder, or the
/// links loop. The last part need not exist (it is returned as reached).
fn resolve(path: &str, nodes: &BTreeMap<String, Node>) -> Option<String> {
    let mut done: Vec<String> = Vec::new();
    let mut rest: std::collections::VecDeque<String> =
        path.split('/').map(str::to_string).collect();
    let mut hops = 0;
    while let Some(part) = rest.pop_front() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        done.push(part);
        let here = format!("/{}", done.join("/"));
        match nodes.get(&here) {
            Some(Node::Link(target)) => {
                hops += 1;
                if hops > MAX_HOPS {
                    return None;
                }
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                for p in target.split('/').rev() {
                    rest.push_front(p.to_string());
                }
            }
            Some(Node::Dir) => {}
            // A file, or nothing: the end of the path, or a path that leads nowhere.
            Some(Node::File) | None => {
                if rest.iter().any(|p| !p.is_empty() && p != ".") {
                    return None;
                }
            }
        }
    }
    Some(format!("/{}", done.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(list: &[(&str, Node)]) -> BTreeMap<String, Node> {
        let mut m = BTreeMap::from([("/".to_string(), Node::Dir)]);
        for (k, v) in list {
            m.insert(k.to_string(), v.clone());
        }
        m
    }

    #[test]
    fn links_resolve_inside_the_root_only() {
        let n = nodes(&[
            ("/b", Node::Dir),
            ("/b/real.go", Node::File),
            ("/b/up", Node::Link("../../../../etc/passwd".into())),
            ("/b/abs", Node::Link("/b/real.go".into())),
            ("/b/rel", Node::Link("real.go".into())),
            ("/b/loop", Node::Link("loop".into())),
            ("/b/dir", Node::Link("/".into())),
            ("/b/via", Node::Link("dir/../../b/real.go".into())),
        ]);
        assert_eq!(resolve("/b/rel", &n).as_deref(), Some("/b/real.go"));
        assert_eq!(resolve("/b/abs", &n).as_deref(), Some("/b/real.go"));
        // `..` stops at the image's `/`, and /etc is not in the image: it dangles.
        assert_eq!(resolve("/b/up", &n), None);
        let with_etc = nodes(&[
            ("/etc", Node::Dir),
            ("/b", Node::Dir),
            ("/b/up", Node::Link("../../../../etc/passwd".into())),
        ]);
        assert_eq!(resolve("/b/up", &with_etc).as_deref(), Some("/etc/passwd"));
        assert_eq!(resolve("/b/loop", &n), None);
        // `dir` is `/`: its `..` is `/` again, never the host's parent.
        assert_eq!(resolve("/b/via", &n).as_deref(), Some("/b/real.go"));
        assert_eq!(resolve("/b/real.go/x", &n), None);
    }
}
