//! `scaffold releases --refresh`: learns Nakama releases newer than the built-in table from the
//! Go module proxy, so a new Nakama release needs no new scaffold binary.
//!
//! The proxy refuses version lists, so the next versions are probed one exact version at a
//! time (the next patch, the next minor) with the go command itself (`go mod download -json`),
//! which speaks the proxy protocol for every GOPROXY form (`https://`, `file://`) and checks
//! the checksum database as the user has it set. For each release found: its go.mod gives
//! nakama-common, protobuf and the go line; its module's `build/Dockerfile` and
//! `build/pluginbuilder/Dockerfile` give the Go of the server and of the pluginbuilder image.
//! Its go.sum is recorded by resolving a fresh module with Go (`go mod tidy`), as
//! scripts/gen-gosum.sh does for the built-in table. Rows and go.sum files are kept in
//! `$XDG_CACHE_HOME/scaffold/releases/`, written only when everything was learned; a proxy
//! that is unreachable or serves something malformed leaves the cache as it was.

use super::{builtin, Release};
use crate::docker::parse::Keyword;
use crate::error::{bail, Context, Error, Result};
use crate::go::{gomod, GoVersion};
use std::path::{Path, PathBuf};
use std::process::Command;

const NAKAMA: &str = "github.com/heroiclabs/nakama/v3";
const COMMON: &str = "github.com/heroiclabs/nakama-common";
const PROTOBUF: &str = "google.golang.org/protobuf";
/// At most this many new releases per refresh: a proxy answering every probe is broken.
const MAX_NEW: usize = 50;

/// `$XDG_CACHE_HOME/scaffold/releases/`.
fn dir() -> Result<PathBuf> {
    Ok(crate::userdirs::required(crate::userdirs::Kind::Cache)?.join("scaffold/releases"))
}

/// The refreshed rows in the user's cache; none when there is no readable cache.
///
/// The cache is input like a repo is: anyone who can write the user's cache folder (or a
/// tool that fills it) can craft it, and its versions end up in go.mod. It is read only as a
/// regular file of bounded size (a FIFO would hang every command), and each row is checked
/// ([`Release::check`]); a row that fails is dropped with a warning, the others kept.
pub fn cached() -> Vec<Release> {
    let Ok(path) = dir().map(|d| d.join("releases.toml")) else {
        return Vec::new();
    };
    let text = match crate::files::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            warn(&format!(" left out: {e}"));
            return Vec::new();
        }
    };
    let rows = match toml::from_str::<toml::Table>(&text) {
        Ok(mut t) => match t.remove("release") {
            Some(toml::Value::Array(rows)) => rows,
            None => Vec::new(),
            Some(_) => {
                warn(&format!(
                    " {} left out: `release` is not a list of rows",
                    path.display()
                ));
                return Vec::new();
            }
        },
        Err(e) => {
            let why = e.message().lines().next().unwrap_or("not TOML");
            warn(&format!(" {} left out: {why}", path.display()));
            return Vec::new();
        }
    };
    rows.into_iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let checked = row
                .try_into::<Release>()
                .map_err(|e| e.message().lines().next().unwrap_or("").to_string())
                .and_then(|r| r.check().map(|()| r));
            checked
                .map_err(|why| {
                    warn(&format!(
                        " {}: row {} left out: {why}",
                        path.display(),
                        i + 1
                    ))
                })
                .ok()
        })
        .collect()
}

/// A refreshed release's recorded go.sum, when it is there and every line of it is a go.sum
/// line ([`super::check_go_sum`]); a malformed one is dropped with a warning (the release is
/// then not offered, as without a go.sum).
pub fn cached_go_sum(nakama: &str) -> Option<&'static str> {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    // Read once per release and process (and warned about once); the program is short-lived.
    static READ: Mutex<BTreeMap<String, Option<&'static str>>> = Mutex::new(BTreeMap::new());
    let mut read = READ.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(sum) = read.get(nakama) {
        return *sum;
    }
    let sum = read_go_sum(nakama).map(|text| &*Box::leak(text.into_boxed_str()));
    read.insert(nakama.to_string(), sum);
    sum
}

fn read_go_sum(nakama: &str) -> Option<String> {
    // The name is a checked release number: no path can be spelt with it.
    super::nakama_version(nakama).ok()?;
    let path = dir().ok()?.join(format!("{nakama}.sum"));
    let checked = match crate::files::read_to_string(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => Err(format!(" left out: {e}")),
        Ok(text) => super::check_go_sum(&text)
            .map(|()| text)
            .map_err(|why| format!(" {} left out: {why}", path.display())),
    };
    checked.map_err(|why| warn(&why)).ok()
}

/// One warning line about the cache (`what` goes on from "the releases cache"), saying how
/// to mend it.
fn warn(what: &str) {
    crate::ui::eprint_line(&format!(
        "warning: the releases cache{what}; run `scaffold releases --refresh` to learn the releases again"
    ));
}

/// What one refresh learned.
pub struct Learned {
    /// New rows, newest first, each with why it is not offered (when it is not).
    pub rows: Vec<(Release, Option<String>)>,
    /// Where the cache lives.
    pub cache: PathBuf,
}

/// Asks the proxy for releases newer than every known one, records them, and returns them.
pub fn refresh() -> Result<Learned> {
    let work = tempfile::tempdir()?;
    let go = Go::new(work.path())?;
    let mut known: Vec<Release> = cached();
    let newest = known
        .iter()
        .chain(builtin())
        .filter_map(|r| GoVersion::parse_exact(&r.nakama))
        .max()
        .context("the release table is empty")?;
    let mut learned = Vec::new();
    let mut at = newest;
    'probe: while learned.len() < MAX_NEW {
        let next = [
            GoVersion(at.0, at.1, at.2 + 1),
            GoVersion(at.0, at.1 + 1, 0),
            GoVersion(at.0 + 1, 0, 0),
        ];
        for v in next {
            if let Some(release) = go.release(&v.to_string())? {
                at = v;
                learned.push(release);
                continue 'probe;
            }
        }
        break;
    }
    let cache = dir()?;
    let mut sums = Vec::new();
    let mut rows = Vec::new();
    for r in &learned {
        let sum = go.tidy_sum(r);
        let why = match &sum {
            Ok(_) => None,
            Err(e) => Some(format!("no go.sum could be recorded: {e}")),
        };
        if let Ok(sum) = sum {
            sums.push((r.nakama.clone(), sum));
        }
        let row = r.clone();
        let why = why.or_else(|| {
            (row.builder_go() != row.go).then(|| {
                format!(
                    "its pluginbuilder image has Go {} but the server was built with Go {}",
                    row.builder_go(),
                    row.go
                )
            })
        });
        rows.push((row, why));
    }
    // Write only now: everything above either succeeded or returned an error.
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("cannot create the cache folder {}", cache.display()))?;
    for (nakama, sum) in &sums {
        write_atomic(&cache.join(format!("{nakama}.sum")), sum)?;
    }
    known.retain(|k| !learned.iter().any(|l| l.nakama == k.nakama));
    known.extend(learned.iter().cloned());
    known.sort_by_key(|r| std::cmp::Reverse(GoVersion::parse_exact(&r.nakama)));
    let out = TableOut {
        release: known.iter().map(Row::from).collect(),
    };
    let text = format!(
        "# Nakama releases learned by `scaffold releases --refresh` from the Go module proxy.\n{}",
        toml::to_string(&out)?
    );
    write_atomic(&cache.join("releases.toml"), &text)?;
    rows.reverse();
    Ok(Learned { rows, cache })
}

/// The cached table as written: every field, unlike the public serialisation of a release.
#[derive(serde::Serialize)]
struct TableOut<'a> {
    release: Vec<Row<'a>>,
}

#[derive(serde::Serialize)]
struct Row<'a> {
    nakama: &'a str,
    nakama_common: &'a str,
    go: &'a str,
    protobuf: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    go_line: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pluginbuilder_go: Option<&'a str>,
}

impl<'a> From<&'a Release> for Row<'a> {
    fn from(r: &'a Release) -> Row<'a> {
        Row {
            nakama: &r.nakama,
            nakama_common: &r.nakama_common,
            go: &r.go,
            protobuf: &r.protobuf,
            go_line: r.go_line.as_deref(),
            pluginbuilder_go: r.pluginbuilder_go.as_deref(),
        }
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The go command, run in a scratch module folder.
struct Go {
    work: PathBuf,
}

impl Go {
    fn new(work: &Path) -> Result<Go> {
        if !crate::go::tool::available() {
            bail!("`scaffold releases --refresh` asks the Go module proxy with the go command, which is not on PATH; install Go (https://go.dev/dl/) and run it again");
        }
        Ok(Go {
            work: work.to_path_buf(),
        })
    }

    fn command(&self, dir: &Path) -> Command {
        let mut cmd = crate::go::tool::command(dir);
        cmd.env("GO111MODULE", "on")
            .env("GOWORK", "off")
            .env("GOFLAGS", "-mod=mod");
        cmd
    }

    /// `go mod download -json MODULE@VERSION`: `Ok(None)` when the proxy does not have it.
    fn download(&self, module: &str, version: &str) -> Result<Option<serde_json::Value>> {
        let out = self
            .command(&self.work)
            .args(["mod", "download", "-json", &format!("{module}@{version}")])
            .output()
            .context("cannot run `go mod download`")?;
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let error = json["Error"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&out.stderr).trim().to_string());
        if out.status.success() && json["Error"].is_null() {
            return Ok(Some(json));
        }
        let missing = [
            "404",
            "410",
            "not found",
            "unknown revision",
            "invalid version",
            // A proxy that refuses the version (some mirrors serve a subset).
            "403",
            // A file:// proxy without that version.
            "no such file or directory",
        ]
        .iter()
        .any(|m| error.contains(m));
        if missing {
            return Ok(None);
        }
        Err(Error::msg(format!(
            "the Go module proxy did not answer for {module}@{version}: {}; the cached release table is unchanged (check GOPROXY and the network)",
            error.lines().next().unwrap_or("no answer")
        )))
    }

    /// The release `version` of Nakama, read from the proxy; `None` when there is none.
    fn release(&self, version: &str) -> Result<Option<Release>> {
        let Some(info) = self.download(NAKAMA, &format!("v{version}"))? else {
            return Ok(None);
        };
        let malformed = |what: &str| {
            Error::msg(format!(
                "the Go module proxy's {NAKAMA}@v{version} is malformed: {what}; the cached release table is unchanged"
            ))
        };
        let gomod_path = info["GoMod"]
            .as_str()
            .ok_or_else(|| malformed("no go.mod"))?;
        let dir = info["Dir"]
            .as_str()
            .ok_or_else(|| malformed("no module folder"))?;
        let text = std::fs::read_to_string(gomod_path).map_err(|_| malformed("no go.mod"))?;
        let m = gomod::parse(&text).map_err(|e| malformed(&e.to_string()))?;
        let common = m
            .require(COMMON)
            .ok_or_else(|| malformed("its go.mod requires no nakama-common"))?;
        let protobuf = m
            .require(PROTOBUF)
            .ok_or_else(|| malformed("its go.mod requires no protobuf"))?;
        let go_line =
            m.go.clone()
                .ok_or_else(|| malformed("its go.mod has no go line"))?;
        let server_go = golang_tag(&Path::new(dir).join("build/Dockerfile"))
            .ok_or_else(|| malformed("build/Dockerfile names no golang image"))?;
        let builder_go = golang_tag(&Path::new(dir).join("build/pluginbuilder/Dockerfile"))
            .ok_or_else(|| malformed("build/pluginbuilder/Dockerfile names no golang image"))?;
        let release = Release {
            nakama: version.to_string(),
            nakama_common: common.to_string(),
            go_line: (go_line != server_go).then_some(go_line),
            pluginbuilder_go: (builder_go != server_go).then_some(builder_go),
            go: server_go,
            protobuf: protobuf.to_string(),
        };
        // The proxy is input too: what it serves becomes go.mod lines.
        release.check().map_err(|why| malformed(&why))?;
        Ok(Some(release))
    }

    /// The go.sum `go mod tidy` writes for a fresh repo of `release` (as scripts/gen-gosum.sh).
    fn tidy_sum(&self, release: &Release) -> Result<String> {
        let dir = self.work.join(format!("probe-{}", release.nakama));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join("go.mod"),
            format!(
                "module example.com/game\n\ngo {}\n\nrequire {COMMON} {}\n\nrequire {PROTOBUF} {} // indirect\n",
                release.go, release.nakama_common, release.protobuf
            ),
        )?;
        std::fs::write(
            dir.join("main.go"),
            format!("package main\n\nimport _ \"{COMMON}/runtime\"\n"),
        )?;
        let out = self
            .command(&dir)
            .args(["mod", "tidy"])
            .output()
            .context("cannot run `go mod tidy`")?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            bail!(
                "`go mod tidy` failed: {}",
                err.lines().last().unwrap_or("").trim()
            );
        }
        let sum = std::fs::read_to_string(dir.join("go.sum")).unwrap_or_default();
        super::check_go_sum(&sum).map_err(Error::msg)?;
        Ok(sum)
    }
}

/// The Go version of the first `FROM golang:X` in a Dockerfile (`golang:1.26.5-bookworm` gives
/// `1.26.5`).
fn golang_tag(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let docker = crate::docker::parse::parse(&text);
    docker
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::From)
        .find_map(|i| {
            let crate::docker::parse::Args::Shell(args) = &i.args else {
                return None;
            };
            let image = args.split_whitespace().next()?;
            let tag = image
                .strip_prefix("golang:")
                .or_else(|| image.rsplit_once("/golang:").map(|(_, t)| t))?;
            let v = tag.split('-').next()?;
            GoVersion::parse_exact(v).map(|_| v.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_golang_tag() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Dockerfile");
        std::fs::write(
            &p,
            "ARG X=1\nFROM golang:1.27.1-bookworm AS builder\nFROM debian\n",
        )
        .unwrap();
        assert_eq!(golang_tag(&p).as_deref(), Some("1.27.1"));
        std::fs::write(&p, "FROM docker.io/library/golang:1.26.5 AS b\n").unwrap();
        assert_eq!(golang_tag(&p).as_deref(), Some("1.26.5"));
        std::fs::write(&p, "FROM golang:latest\n").unwrap();
        assert_eq!(golang_tag(&p), None);
    }
}
