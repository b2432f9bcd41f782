//! Which Nakama releases `scaffold dev` can run on this machine: a release's server is built
//! from its module (`github.com/heroiclabs/nakama/v3`) and the modules its go.mod requires, all
//! from the Go module proxy (GOPROXY), so a release is runnable here when its server is
//! already built and cached, or when the proxy serves every one of those modules. Asked with
//! `go list -m -e -json MODULE@VERSION...` (the modules' .info and .mod files only, no
//! source), so `scaffold releases` can say it for every release in a second, and `dev` can
//! refuse a release before its Go download and server build, naming the module it cannot get.

use super::process::which;
use crate::error::{Context, Result};
use crate::versions::Release;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The server's module.
pub const MODULE: &str = "github.com/heroiclabs/nakama/v3";

/// How long the proxy may take to answer for every release together.
const PATIENCE: Duration = Duration::from_secs(30);

/// Whether `dev` can run a release here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Here {
    /// Its server is built and cached: no module is fetched.
    Built,
    /// The proxy serves the server's module and every module it requires.
    Served,
    /// A module the server needs that the proxy does not serve: (`module@version`, why).
    Unserved(String, String),
    /// Not known: Go is missing, or the proxy did not answer.
    Unknown(String),
}

impl Here {
    /// `yes`, `no` or `unknown`, for `--json`.
    pub fn word(&self) -> &'static str {
        match self {
            Here::Built | Here::Served => "yes",
            Here::Unserved(..) => "no",
            Here::Unknown(_) => "unknown",
        }
    }

    /// One cell of `scaffold releases`.
    pub fn cell(&self) -> String {
        match self {
            Here::Built => "yes (built)".into(),
            Here::Served => "yes".into(),
            // The status (`403 Forbidden`); the proxy's own words are in `--json`.
            Here::Unserved(_, why) => format!("no ({})", why.split(": ").next().unwrap_or(why)),
            Here::Unknown(_) => "unknown".into(),
        }
    }
}

/// Where `dev` keeps the server of `release` once built.
pub fn cached_binary(release: &Release) -> Result<PathBuf> {
    Ok(crate::scaffold::cache::user_root()?
        .join("scaffold/nakama")
        .join(format!("{}-go{}", release.nakama, release.go))
        .join("nakama"))
}

/// For each release, whether `dev` can run it here: its server built, or its server's module
/// served by the proxy (asked in a few `go list` runs side by side: the proxy answers one
/// module at a time). Whether every module that server requires is served too is asked by
/// `dev` itself, for its one release ([`unserved_requirement`]).
pub fn check(releases: &[&Release]) -> Vec<Here> {
    let mut out: Vec<Option<Here>> = releases
        .iter()
        .map(|r| {
            cached_binary(r)
                .ok()
                .filter(|b| super::process::is_executable(b))
                .map(|_| Here::Built)
        })
        .collect();
    let specs: Vec<String> = releases
        .iter()
        .zip(&out)
        .filter(|(_, h)| h.is_none())
        .map(|(r, _)| format!("{MODULE}@v{}", r.nakama))
        .collect();
    let answers = match installed_go() {
        Some(go) => ask_side_by_side(&go, &specs, None),
        None => Err(crate::error::err!(
            "no `go` on PATH to ask the module proxy"
        )),
    };
    for (r, h) in releases.iter().zip(out.iter_mut()) {
        if h.is_some() {
            continue;
        }
        let spec = format!("{MODULE}@v{}", r.nakama);
        *h = Some(match &answers {
            Err(why) => Here::Unknown(format!("{why:#}")),
            Ok(answers) => match answers.get(&spec) {
                Some(Answer::Served) => Here::Served,
                Some(Answer::Unserved(why)) => Here::Unserved(spec, why.clone()),
                None => Here::Unknown(format!("go list said nothing of {spec}")),
            },
        });
    }
    out.into_iter().flatten().collect()
}

/// The first module a go.mod requires that the proxy does not serve: (`module@version`, why).
/// `dir` is the run's temp folder.
pub fn unserved_requirement(
    go: &Path,
    dir: &Path,
    go_mod: &str,
) -> Result<Option<(String, String)>> {
    let specs: Vec<String> = crate::go::gomod::parse(go_mod)?
        .requires
        .into_iter()
        .map(|r| format!("{}@{}", r.path, r.version))
        .collect();
    if specs.is_empty() {
        return Ok(None);
    }
    let answers = ask_side_by_side(go, &specs, Some(dir))?;
    Ok(specs.into_iter().find_map(|s| match answers.get(&s) {
        Some(Answer::Unserved(why)) => Some((s, why.clone())),
        _ => None,
    }))
}

/// The installed go command.
fn installed_go() -> Option<PathBuf> {
    which("go").or_else(|| {
        let p = PathBuf::from("/usr/local/go/bin/go");
        p.is_file().then_some(p)
    })
}

/// [`go_list`] over `specs` in up to 8 runs at once, their temp folders in `tmp` (else TMPDIR).
fn ask_side_by_side(
    go: &Path,
    specs: &[String],
    tmp: Option<&Path>,
) -> Result<BTreeMap<String, Answer>> {
    if specs.is_empty() {
        return Ok(BTreeMap::new());
    }
    let per = specs.len().div_ceil(8);
    let runs: Vec<_> = specs
        .chunks(per)
        .map(|chunk| {
            let (go, chunk) = (go.to_path_buf(), chunk.to_vec());
            let tmp = tmp.map(Path::to_path_buf);
            std::thread::spawn(move || go_list(&go, &chunk, tmp.as_deref()))
        })
        .collect();
    let mut all = BTreeMap::new();
    for run in runs {
        let answers = run
            .join()
            .map_err(|_| crate::error::err!("a go list run panicked"))??;
        all.extend(answers);
    }
    Ok(all)
}

/// What `go list -m -e -json` said of one `module@version`.
enum Answer {
    Served,
    Unserved(String),
}

/// `go list -m -e -json SPEC...` outside any module, with the installed go (no toolchain
/// switch, nothing inherited from GOFLAGS or a workspace), in a temp folder of its own made in
/// `tmp` (`dev`'s run folder), else in TMPDIR.
fn go_list(go: &Path, specs: &[String], tmp: Option<&Path>) -> Result<BTreeMap<String, Answer>> {
    let dir = match tmp {
        Some(t) => tempfile::tempdir_in(t),
        None => tempfile::tempdir(),
    }
    .context("cannot create a temp folder")?;
    let mut child = Command::new(go)
        .args(["list", "-m", "-e", "-json"])
        .args(specs)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
        .env("GOTMPDIR", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run go list")?;
    // Read while it runs (a full pipe would stop it), and give up after PATIENCE.
    let mut stdout = child.stdout.take().context("go list has a stdout")?;
    let mut stderr = child.stderr.take().context("go list has a stderr")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            crate::error::bail!(
                "the Go module proxy did not answer within {}s",
                PATIENCE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = reader.join().unwrap_or_default();
    let errors = err_reader.join().unwrap_or_default();
    let mut out = BTreeMap::new();
    for value in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
        let Ok(v) = value else { break };
        let (Some(path), Some(version)) = (v["Path"].as_str(), v["Version"].as_str()) else {
            continue;
        };
        let answer = match v.pointer("/Error/Err").and_then(|e| e.as_str()) {
            Some(err) => Answer::Unserved(why(err)),
            None => Answer::Served,
        };
        out.insert(format!("{path}@{version}"), answer);
    }
    if out.is_empty() && !status.success() {
        crate::error::bail!("go list failed: {}", first_line(errors.trim()));
    }
    Ok(out)
}

/// Why the proxy did not serve a module, shortly: `go list`'s error is `MODULE@V: reading
/// URL: 403 Forbidden` and the proxy's `server response:` on the next line; the status and
/// the proxy's words are what matter.
fn why(err: &str) -> String {
    let mut lines = err.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let status = first.rsplit(": ").next().unwrap_or(first);
    match lines.find_map(|l| l.strip_prefix("server response:")) {
        Some(said) => format!("{status}: {}", said.trim()),
        None => status.to_string(),
    }
}

/// The first line of a text.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_the_status_and_the_proxys_words() {
        assert_eq!(
            why("m@v1: reading https://p/m/@v/v1.info: 403 Forbidden\n\tserver response: This module version is not available."),
            "403 Forbidden: This module version is not available."
        );
        assert_eq!(
            why("m@v1: module lookup disabled by GOPROXY=off"),
            "module lookup disabled by GOPROXY=off"
        );
    }

    #[test]
    fn cells_say_yes_no_or_unknown() {
        assert_eq!(Here::Built.word(), "yes");
        assert_eq!(
            Here::Unserved("m@v1".into(), "403 Forbidden: not available".into()).cell(),
            "no (403 Forbidden)"
        );
        assert_eq!(Here::Unknown("offline".into()).word(), "unknown");
    }
}
