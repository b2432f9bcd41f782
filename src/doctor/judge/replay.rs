//! The builder stage replayed in the staged tree: each RUN up to the plugin's `go build`, its
//! go commands run where the Dockerfile runs them, with the exact Go.
//!
//! Two depths: [`Depth::List`] (doctor, sync and the commands that write the block) runs the
//! module steps as written (`go mod download`, `go mod vendor`, ...) and asks `go list` what
//! each `go build` would compile; [`Depth::Build`] (`doctor --build`) runs the builds too. A
//! command that runs the repo's own code (`go test`, `go run`, `go generate`) or a program it
//! names is never run; it is noted instead.

use super::golist::{self, GoError, Package};
use super::run::{self, Go};
use super::stage::{RunPoint, Staging};
use crate::docker::buildline::{self, GoFlags, ShellCommand};
use crate::docker::path::join;
use crate::docker::replay::Missing;
use crate::docker::replay::Placed;
use crate::docker::stage::Model;
use std::collections::BTreeMap;
use std::path::Path;

/// How far the replay goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Module steps run, builds listed (`go list -e -deps -json`).
    List,
    /// Everything run, the plugin built.
    Build,
}

/// Where and why the replayed stage failed.
#[derive(Debug, Clone)]
pub enum Failure {
    /// A COPY Docker fails on.
    Copy {
        line: usize,
        source: String,
        why: String,
    },
    /// A shell step the replay cannot take as Docker would (`cd` to a missing folder).
    Shell { line: usize, what: String },
    /// A go command failed.
    Go {
        line: usize,
        /// `go mod download`, as written.
        shown: String,
        /// The image folder it ran in.
        cwd: String,
        /// Go's output, staged paths turned into image paths.
        output: String,
        /// The errors of a `go list`, when the step was one.
        errors: Vec<GoError>,
    },
    /// The build compiles cgo sources no COPY brings: (context path, import path).
    Inputs {
        line: usize,
        missing: Vec<(String, String)>,
    },
}

impl Failure {
    pub fn line(&self) -> usize {
        match self {
            Failure::Copy { line, .. }
            | Failure::Shell { line, .. }
            | Failure::Go { line, .. }
            | Failure::Inputs { line, .. } => *line,
        }
    }
}

/// What the replay found.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    pub failure: Option<Failure>,
    /// (Dockerfile line, note) for what was not replayed.
    pub notes: Vec<(usize, String)>,
    /// The go commands run.
    pub steps: Vec<String>,
    /// What the image held at the end: image path -> its source in the context.
    pub placed: BTreeMap<String, Placed>,
    /// The packages the plugin's build compiles (from `go list`), image paths in `dir`.
    pub packages: Vec<Package>,
}

/// Commands that change no file Go reads: not worth a note.
const INERT: [&str; 14] = [
    "echo", "printf", "true", "ls", "cat", "pwd", "set", "which", "sleep", "test", "[", "mkdir",
    "cd", "export",
];

/// Replays the builder stage of `model` in `staging` with `go`, up to and including the
/// plugin's `go build`. `Err` when the replay cannot be made faithfully (a build flag that
/// runs a program of the repo's choosing); the caller then falls back to the static verdict.
pub fn replay(
    model: &Model,
    staging: &mut Staging,
    go: &Go,
    depth: Depth,
) -> Result<Replay, String> {
    let Some(build) = &model.build else {
        return Err("the Dockerfile has no `go build` to replay".into());
    };
    let docker = &model.docker;
    let stage = &docker.stages[build.stage];
    let build_index = (stage.start..stage.end)
        .find(|&i| docker.df.instructions[i].line == build.line)
        .ok_or("the build line is not in its stage")?;
    let mut out = Replay::default();
    for point in Staging::run_points(docker, build.stage, build_index) {
        let image = staging.advance(&point);
        if let Some(f) = staging.failures.first() {
            out.failure = Some(Failure::Copy {
                line: f.line,
                source: f.source.clone(),
                why: f.why.clone(),
            });
            break;
        }
        if let Some(m) = image.missing.first() {
            out.failure = Some(copy_failure(m, "it is not in the build context"));
            break;
        }
        let is_build = point.index == build_index;
        let ins = &docker.df.instructions[point.index];
        let vars: Vec<(String, String)> = image
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // The RUN's own mounts, for the time it runs (the build's stay: its packages' origins
        // are read after it).
        let mounted = staging.mount(&point, &image);
        if let Some(m) = mounted.missing.first() {
            out.failure = Some(copy_failure(
                m,
                "its bind mount's source is not in the build context",
            ));
            break;
        }
        let mut failed = false;
        for cmd in buildline::shell_commands(ins) {
            let mut cwd = image.workdir.clone();
            for c in &cmd.cd {
                cwd = join(&cwd, if c == "~" { "/root" } else { c });
            }
            let Some(args) = cmd.go_args() else {
                note_other(&cmd, &point, &mut out);
                continue;
            };
            let mut all_vars = vars.clone();
            all_vars.extend(cmd.env.iter().cloned());
            let step = Step {
                point: &point,
                cwd,
                vars: all_vars,
                args,
                plugin: is_build && build_command(&cmd, build),
            };
            if let Some(f) = run_go(&step, model, staging, go, depth, &mut out)? {
                out.failure = Some(f);
                failed = true;
                break;
            }
        }
        if failed {
            break;
        }
        if !is_build {
            staging.unmount(mounted);
        }
    }
    out.placed = staging.placed().clone();
    Ok(out)
}

/// Whether a command of the build's RUN is the plugin's `go build` itself.
fn build_command(cmd: &ShellCommand, build: &crate::docker::stage::GoBuild) -> bool {
    let Some(args) = cmd.go_args() else {
        return false;
    };
    args.first().map(String::as_str) == Some("build") && {
        let goflags = cmd
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == "GOFLAGS")
            .map(|(_, v)| v.as_str());
        buildline::parse_flags(&args[1..], goflags).0.buildmode == build.flags.buildmode
    }
}

/// A non-go command: noted unless it changes nothing Go reads.
fn note_other(cmd: &ShellCommand, point: &RunPoint, out: &mut Replay) {
    let Some(name) = cmd.words.first() else {
        return;
    };
    let base = name.rsplit('/').next().unwrap_or(name);
    if INERT.contains(&base) {
        return;
    }
    out.notes.push((
        point.line,
        format!(
            "`{}` is not replayed (only go commands are); the verdict assumes it changes no file the build reads",
            shorten(&cmd.words.join(" "))
        ),
    ));
}

/// One go command to replay.
struct Step<'a> {
    point: &'a RunPoint,
    /// The image folder it runs in.
    cwd: String,
    /// The image's variables, then the command's own.
    vars: Vec<(String, String)>,
    /// The words after `go`.
    args: &'a [String],
    /// Whether it is the plugin's build.
    plugin: bool,
}

/// Runs one go command as the depth says; `Some` when it fails.
fn run_go(
    step: &Step,
    model: &Model,
    staging: &Staging,
    go: &Go,
    depth: Depth,
    out: &mut Replay,
) -> Result<Option<Failure>, String> {
    let line = step.point.line;
    let words: Vec<&str> = step.args.iter().map(String::as_str).collect();
    let shown = shorten(&format!("go {}", step.args.join(" ")));
    let Some(cwd) = staging.inside(&step.cwd).filter(|p| p.is_dir()) else {
        return Ok(Some(Failure::Shell {
            line,
            what: format!("`{shown}` runs in {}, which is not in the image", step.cwd),
        }));
    };
    let not_replayed = |why: &str| (line, format!("`{shown}` is not replayed: {why}"));
    let args: Vec<String> = match words.as_slice() {
        ["version", ..] | ["help", ..] => return Ok(None),
        ["env", rest @ ..] if !rest.contains(&"-w") && !rest.contains(&"-u") => return Ok(None),
        ["mod", "download" | "verify" | "vendor" | "tidy" | "graph" | "why" | "edit", ..]
        | ["get", ..]
        | ["work", ..]
        | ["list", ..] => step.args.to_vec(),
        ["build", rest @ ..] => {
            let goflags = goflags_of(&step.vars);
            let (flags, mut packages) = buildline::parse_flags(
                &rest.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                goflags.as_deref(),
            );
            if step.plugin {
                if let Some(b) = &model.build {
                    packages = b.packages.clone();
                }
            }
            let cwd_image = match &flags.chdir {
                Some(c) => join(&step.cwd, c),
                None => step.cwd.clone(),
            };
            let Some(cwd) = staging.inside(&cwd_image).filter(|p| p.is_dir()) else {
                return Ok(Some(Failure::Shell {
                    line,
                    what: format!("`{shown}` runs in {cwd_image}, which is not in the image"),
                }));
            };
            return match depth {
                Depth::List => Ok(list(
                    step, &flags, &packages, &cwd, &cwd_image, staging, go, out,
                )),
                Depth::Build => {
                    if let Some(v) = run::runs_programs(&step.vars) {
                        return Err(format!("line {line} sets {v}, so the build would run a program the repo names; doctor --build does not"));
                    }
                    let argv = build_args(rest, staging, goflags.as_deref())
                        .map_err(|f| format!("line {line}'s `go build` has {f}, which runs or reads what the repo names outside the build; doctor --build does not replay it"))?;
                    let argv: Vec<String> =
                        std::iter::once("build".to_string()).chain(argv).collect();
                    let kept = step
                        .plugin
                        .then(|| Kept::before(&argv, &cwd, staging, step.point.line))
                        .flatten();
                    let failed = run(step, &argv, &cwd, &cwd_image, &shown, staging, go, out);
                    if let (None, Some(k)) = (&failed, kept) {
                        k.after();
                    }
                    Ok(failed)
                }
            };
        }
        ["install", ..] => {
            out.notes
                .push(not_replayed("it builds a tool, not the plugin"));
            return Ok(None);
        }
        _ => {
            out.notes.push(not_replayed(
                "doctor runs no command that runs the repo's code or changes Go's settings",
            ));
            return Ok(None);
        }
    };
    Ok(run(step, &args, &cwd, &step.cwd, &shown, staging, go, out))
}

/// GOFLAGS as the command sees it.
fn goflags_of(vars: &[(String, String)]) -> Option<String> {
    vars.iter()
        .rev()
        .find(|(k, _)| k == "GOFLAGS")
        .map(|(_, v)| v.clone())
}

/// Runs `go ARGS` in the staged tree; `Some` when it fails.
#[allow(clippy::too_many_arguments)]
fn run(
    step: &Step,
    args: &[String],
    cwd: &Path,
    cwd_image: &str,
    shown: &str,
    staging: &Staging,
    go: &Go,
    out: &mut Replay,
) -> Option<Failure> {
    out.steps.push(shown.to_string());
    let result = go.command(staging, cwd, &step.vars).args(args).output();
    let (ok, text) = match result {
        Ok(o) => (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stderr),
                String::from_utf8_lossy(&o.stdout)
            ),
        ),
        Err(e) => (false, format!("cannot run {}: {e}", go.bin.display())),
    };
    if ok {
        return None;
    }
    Some(Failure::Go {
        line: step.point.line,
        shown: shown.to_string(),
        cwd: cwd_image.to_string(),
        output: unstage(&text, staging),
        errors: Vec::new(),
    })
}

/// `go list -e -deps -json` of what a `go build` compiles, with its `-mod`, `-tags` and
/// `-modfile`; `Some` when Go reports an error the build would stop on.
#[allow(clippy::too_many_arguments)]
fn list(
    step: &Step,
    flags: &GoFlags,
    packages: &[String],
    cwd: &Path,
    cwd_image: &str,
    staging: &Staging,
    go: &Go,
    out: &mut Replay,
) -> Option<Failure> {
    let mut args = vec![
        "list".to_string(),
        "-e".into(),
        "-deps".into(),
        format!("-json={}", golist::FIELDS),
    ];
    if let Some(m) = &flags.module_mode {
        args.push(format!("-mod={m}"));
    }
    if !flags.tags.is_empty() {
        args.push(format!("-tags={}", flags.tags.join(",")));
    }
    if let Some(f) = modfile(step.args) {
        args.push(format!("-modfile={f}"));
    }
    args.extend(packages.iter().cloned());
    let shown = shorten(&format!("go {}", step.args.join(" ")));
    out.steps.push(format!("go list (for `{shown}`)"));
    let result = go.command(staging, cwd, &step.vars).args(&args).output();
    let o = match result {
        Ok(o) => o,
        Err(e) => {
            return Some(Failure::Go {
                line: step.point.line,
                shown,
                cwd: cwd_image.into(),
                output: format!("cannot run {}: {e}", go.bin.display()),
                errors: Vec::new(),
            })
        }
    };
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let listed = golist::parse(&stdout).unwrap_or_default();
    let errors: Vec<GoError> = golist::errors(&listed)
        .into_iter()
        .map(|mut e| {
            e.text = unstage(&e.text, staging);
            e.pos = e.pos.map(|p| unstage(&p, staging));
            e
        })
        .collect();
    if !o.status.success() || !errors.is_empty() {
        return Some(Failure::Go {
            line: step.point.line,
            shown,
            cwd: cwd_image.into(),
            output: unstage(&stderr, staging),
            errors,
        });
    }
    let mut listed = listed;
    for p in &mut listed {
        if let Some(dir) = staging.image_path(Path::new(&p.dir)) {
            p.dir = dir;
        }
    }
    if step.plugin {
        let missing = cgo_inputs_missing(&listed, staging);
        out.packages = listed;
        if !missing.is_empty() {
            return Some(Failure::Inputs {
                line: step.point.line,
                missing,
            });
        }
    }
    None
}

/// `-modfile` of a build's words, if given.
fn modfile(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.trim_start_matches('-');
        if let Some(v) = a.strip_prefix("modfile=") {
            return Some(v.to_string());
        }
        if a == "modfile" {
            return it.next().cloned();
        }
    }
    None
}

/// The cgo sources of the plugin's packages that the repo holds beside them but no COPY
/// brought: `go list` does not read C files, and the compiler fails on a missing one.
/// A source the build context lacks, as the replay's failure: why, from the replay's own
/// words (without their brackets) or `otherwise`.
fn copy_failure(m: &Missing, otherwise: &str) -> Failure {
    let why = m.why.trim().trim_start_matches('(').trim_end_matches(')');
    Failure::Copy {
        line: m.line,
        source: m.source.clone(),
        why: if why.is_empty() { otherwise } else { why }.into(),
    }
}

fn cgo_inputs_missing(listed: &[Package], staging: &Staging) -> Vec<(String, String)> {
    let mut missing = Vec::new();
    for p in listed.iter().filter(|p| !p.cgo_files.is_empty()) {
        // The context folder the package came from: where its copied files came from.
        let Some(from_dir) = staging
            .placed()
            .iter()
            .find(|(abs, _)| crate::docker::path::parent_of(abs) == p.dir)
            .map(|(_, placed)| crate::docker::tree::parent(&placed.from).to_string())
        else {
            continue;
        };
        let names = staging.repo_files_in(&from_dir);
        let wanted: Vec<&String> = crate::go::build::other_sources(&names, true).collect();
        for name in wanted {
            let abs = format!("{}/{name}", p.dir);
            if staging.origin(&abs).is_none() {
                missing.push((
                    crate::doctor::join_rel(&from_dir, name),
                    p.import_path.clone(),
                ));
            }
        }
    }
    missing
}

/// `go build`'s words for the replay: its flags kept, paths in the image moved into the
/// staged tree; `Err` names a flag that runs or reads what the repo names outside the build.
fn build_args(
    args: &[&str],
    staging: &Staging,
    goflags: Option<&str>,
) -> Result<Vec<String>, String> {
    const REFUSED: [&str; 6] = [
        "toolexec",
        "exec",
        "overlay",
        "pkgdir",
        "gccgoflags",
        "compiler",
    ];
    const PATHS: [&str; 4] = ["o", "modfile", "C", "pgo"];
    let check = |name: &str, value: Option<&str>| -> Result<(), String> {
        if REFUSED.contains(&name) && !(name == "compiler" && value == Some("gc")) {
            return Err(format!("-{name}"));
        }
        if name == "ldflags" && value.is_some_and(|v| v.contains("-extld")) {
            return Err("-ldflags with -extld".into());
        }
        Ok(())
    };
    for w in goflags.unwrap_or("").split_whitespace() {
        let body = w.trim_start_matches('-');
        let (n, v) = body
            .split_once('=')
            .map_or((body, None), |(n, v)| (n, Some(v)));
        check(n, v)?;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if a == "--" || !a.starts_with('-') {
            out.extend(args[i..].iter().map(|s| s.to_string()));
            break;
        }
        let body = a.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let takes_value = buildline::takes_value(name);
        let value = if takes_value && inline.is_none() {
            i += 1;
            args.get(i).map(|s| s.to_string())
        } else {
            inline
        };
        check(name, value.as_deref())?;
        let value = match value {
            Some(v) if PATHS.contains(&name) && v.starts_with('/') => Some(
                staging
                    .inside(&v)
                    .ok_or_else(|| format!("-{name}={v}"))?
                    .display()
                    .to_string(),
            ),
            other => other,
        };
        out.push(match value {
            Some(v) => format!("-{name}={v}"),
            None => format!("-{name}"),
        });
        i += 1;
    }
    Ok(out)
}

/// The plugin a previous `doctor --build` of the same repo and build line made, kept in the
/// user's cache and linked into the staged tree before the build: Go then skips the link when
/// the plugin is up to date with what it compiles (its build ID says so), as it does for
/// `go build` run twice in place. Only Go's own up-to-date check decides; a stale plugin is
/// relinked and replaces the kept one.
struct Kept {
    target: std::path::PathBuf,
    kept: std::path::PathBuf,
}

impl Kept {
    fn before(argv: &[String], cwd: &Path, staging: &Staging, line: usize) -> Option<Kept> {
        use sha2::{Digest, Sha256};
        let out = argv.iter().find_map(|a| a.strip_prefix("-o="))?;
        if out.ends_with('/') {
            return None;
        }
        let target = cwd.join(out);
        let root = staging.repo_root().canonicalize().ok()?;
        let mut h = Sha256::new();
        h.update(root.to_string_lossy().as_bytes());
        h.update(format!("\0{line}\0{}", argv.join("\0")).as_bytes());
        let key: String = h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let dir = crate::userdirs::required(crate::userdirs::Kind::Cache)
            .ok()?
            .join("scaffold/builds")
            .join(key);
        let kept = dir.join("plugin.so");
        if kept.is_file() && !target.exists() {
            // A hard link when it can be (a go that wrote in place would only put the newer
            // plugin of the same build line in the cache, which `after` does anyway).
            let _ = link_or_copy(&kept, &target);
        }
        Some(Kept { target, kept })
    }

    /// Keeps the plugin just built for the next run.
    fn after(self) {
        let Some(dir) = self.kept.parent() else {
            return;
        };
        if !self.target.is_file() || std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let fresh = dir.join(format!("plugin.so.{}", std::process::id()));
        if link_or_copy(&self.target, &fresh).is_ok() {
            let _ = std::fs::rename(&fresh, &self.kept);
        }
        // A rename onto a link of the same file leaves both names: the spare one goes.
        let _ = std::fs::remove_file(&fresh);
        if let Some(all) = dir.parent() {
            prune(all, KEPT_BUILDS);
        }
    }
}

/// How many repos' plugins are kept (each is the size of a plugin, tens of MB).
const KEPT_BUILDS: usize = 8;

/// Removes all but the `keep` most recently used entries of `dir`.
fn prune(dir: &Path, keep: usize) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, std::path::PathBuf)> = read
        .flatten()
        .filter_map(|e| {
            let used = e
                .path()
                .join("plugin.so")
                .metadata()
                .ok()?
                .modified()
                .ok()?;
            Some((used, e.path()))
        })
        .collect();
    if entries.len() <= keep {
        return;
    }
    entries.sort();
    for (_, old) in &entries[..entries.len() - keep] {
        let _ = std::fs::remove_dir_all(old);
    }
}

/// A hard link, or a copy across file systems.
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(|_| ()))
}

/// Go's output with the staged tree's paths as the image's (`/backend/go.mod`).
pub fn unstage(text: &str, staging: &Staging) -> String {
    text.replace(&format!("{}/", staging.root.display()), "/")
        .replace(&staging.root.display().to_string(), "/")
}

/// A command as shown in a message: at most 100 characters.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 100 {
        return text.to_string();
    }
    let cut: String = text.chars().take(97).collect();
    format!("{cut}...")
}
