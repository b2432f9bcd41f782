//! The exact Go of the repo's Nakama release (`GOTOOLCHAIN=go<release.go>`, fetched by the
//! go command itself) and the plugin build with it.

use super::process::{run_captured, run_checked, which};
use super::Step;
use crate::versions::Release;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// The go command on this machine, as it is before any toolchain switch.
pub struct GoEnv {
    pub go: PathBuf,
    local: String,
    modcache: String,
    platform: String,
    /// Where modules come from, for the message when a release cannot be fetched.
    pub goproxy: String,
}

impl GoEnv {
    /// Finds `go` and the C compiler cgo needs; nothing is downloaded.
    pub fn probe(stop: &AtomicBool) -> Result<Self> {
        let go = which("go")
            .or_else(|| {
                let p = PathBuf::from("/usr/local/go/bin/go");
                p.is_file().then_some(p)
            })
            .context("`go` is not on PATH; install Go 1.21 or newer from https://go.dev/dl (it fetches the exact release a plugin needs by itself)")?;
        let vars = ["GOVERSION", "GOMODCACHE", "GOOS", "GOARCH", "CC", "GOPROXY"];
        // GOTOOLCHAIN=local: the installed go answers without switching or downloading.
        let env = run_checked(
            Command::new(&go)
                .arg("env")
                .args(vars)
                .env("GOTOOLCHAIN", "local"),
            stop,
            "`go env`",
        )?;
        let lines: Vec<&str> = env.lines().collect();
        let [local, modcache, goos, goarch, cc, goproxy] = lines[..] else {
            bail!("unexpected `go env` output:\n{env}");
        };
        check_cc(cc)?;
        Ok(Self {
            go,
            local: local.to_string(),
            modcache: modcache.to_string(),
            platform: format!("{goos}-{goarch}"),
            goproxy: goproxy.to_string(),
        })
    }
}

/// The go command pinned to one Go release.
pub struct Toolchain {
    go: PathBuf,
    /// `go1.26.5`: the GOTOOLCHAIN value and what `go version` must report.
    pub version: String,
}

impl Toolchain {
    /// Makes sure the release's Go is there, downloading it the first time (behind a spinner).
    pub fn prepare(env: &GoEnv, release: &Release, stop: &AtomicBool, step: &Step) -> Result<Self> {
        let version = format!("go{}", release.go);
        let this = Self {
            go: env.go.clone(),
            version: version.clone(),
        };
        let cached = env.local == version
            || Path::new(&env.modcache)
                .join(format!(
                    "golang.org/toolchain@v0.0.1-{version}.{}",
                    env.platform
                ))
                .is_dir();
        let check = || {
            run_checked(
                this.command().args(["version"]),
                stop,
                &format!(
                    "fetching Go {} (golang.org/toolchain from {})",
                    release.go, env.goproxy
                ),
            )
        };
        let answer = if cached {
            check()?
        } else {
            let (answer, took) = step.long(
                "Downloading",
                &format!("Go {} (first time only)", release.go),
                check,
            )?;
            step.done(
                "Downloaded",
                &format!("Go {} in {}", release.go, human(took)),
            );
            answer
        };
        // Go before 1.21 ignores GOTOOLCHAIN and would build with itself: refuse that.
        if !answer.split_whitespace().any(|w| w == version) {
            bail!(
                "the go command on PATH ({}) did not switch to {version}: `go version` said `{}`; install Go 1.21 or newer, and do not set GOTOOLCHAIN=local",
                env.local,
                answer.trim()
            );
        }
        Ok(this)
    }

    /// `go` with this release pinned and cgo on (plugins and Nakama both need it).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.go);
        cmd.env("GOTOOLCHAIN", &self.version)
            .env("CGO_ENABLED", "1");
        cmd
    }
}

/// cgo calls the C compiler `go env CC` names; without it every plugin build fails late.
fn check_cc(cc: &str) -> Result<()> {
    let program = cc.split_whitespace().next().unwrap_or("gcc");
    let found = if program.contains('/') {
        Path::new(program).is_file()
    } else {
        which(program).is_some()
    };
    if !found {
        bail!(
            "cgo needs a C compiler and `{program}` is not installed: `sudo apt-get install gcc` (Debian/Ubuntu), `xcode-select --install` (macOS)"
        );
    }
    Ok(())
}

/// How a plugin build ended.
pub enum Built {
    Ok(Duration),
    /// The compiler's own output, to show as it is.
    Failed(String),
}

/// `go build -trimpath -buildmode=plugin -o <out> .` in the repo, as the Dockerfile's builder
/// stage runs it.
pub fn plugin(tc: &Toolchain, root: &Path, out: &Path, stop: &AtomicBool) -> Result<Built> {
    let start = Instant::now();
    let (status, text) = run_captured(
        tc.command()
            .args(["build", "-trimpath", "-buildmode=plugin", "-o"])
            .arg(out)
            .arg(".")
            .current_dir(root),
        stop,
    )?;
    Ok(if status.success() {
        Built::Ok(start.elapsed())
    } else {
        Built::Failed(text)
    })
}

/// `4.2s`, `3m07s`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_millis(4230)), "4.2s");
        assert_eq!(human(Duration::from_secs(187)), "3m07s");
    }

    #[test]
    fn missing_compiler_says_how_to_install() {
        let err = check_cc("no-such-cc-scaffold -m64")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`no-such-cc-scaffold`"), "{err}");
        assert!(err.contains("apt-get install gcc"), "{err}");
        check_cc("sh").unwrap();
    }
}
