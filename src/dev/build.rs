//! The exact Go of the repo's Nakama release (`GOTOOLCHAIN=go<release.go>`, fetched by the
//! go command itself) and the plugin build with it.

use super::long_step;
use super::process::{run_captured, run_checked, which};
use crate::error::{bail, Context, Result};
use crate::ui::Ui;
use crate::versions::Release;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The go command on this machine, as it is before any toolchain switch: the shared runner's
/// ([`crate::go::toolchain`]).
pub use crate::go::toolchain::GoEnv;

/// Finds `go` (on PATH, else where the official archive installs it) and the C compiler cgo
/// needs; nothing is downloaded.
pub fn probe(stop: &AtomicBool) -> Result<GoEnv> {
    let go = GoEnv::on_path()
        .or_else(|| {
            let p = PathBuf::from("/usr/local/go/bin/go");
            p.is_file().then_some(p)
        })
        .context("`go` is not on PATH; install Go 1.21 or newer from https://go.dev/dl (it fetches the exact release a plugin needs by itself)")?;
    let json = run_checked(&mut GoEnv::env_command(&go), stop, "`go env`")?;
    let env = GoEnv::parse(&go, &json).map_err(crate::error::Error::msg)?;
    check_cc(&env.cc)?;
    Ok(env)
}

/// The go command pinned to one Go release.
pub struct Toolchain {
    go: PathBuf,
    /// `go1.26.5`: the GOTOOLCHAIN value and what `go version` must report.
    pub version: String,
}

impl Toolchain {
    /// Makes sure the release's Go is there, downloading it the first time (behind a spinner).
    pub fn prepare(env: &GoEnv, release: &Release, stop: &AtomicBool, ui: Ui) -> Result<Self> {
        let version = format!("go{}", release.go);
        let this = Self {
            go: env.go.clone(),
            version: version.clone(),
        };
        let cached = env.exact(&version).is_some();
        let check = || {
            run_checked(
                this.command().args(["version"]),
                stop,
                &format!(
                    "fetching Go {} (golang.org/toolchain from {})",
                    release.go,
                    env.goproxy()
                ),
            )
            .map_err(|err| {
                err.context(format!(
                    "cannot get Go {go}; point GOPROXY at a proxy that serves golang.org/toolchain, or install Go {go} and put it first on PATH",
                    go = release.go
                ))
            })
        };
        let answer = if cached {
            check()?
        } else {
            let (answer, took) = long_step(
                ui,
                "Downloading",
                &format!("Go {} (first time only)", release.go),
                check,
            )?;
            ui.status(
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
    Ok,
    /// The compiler's own output, to show as it is.
    Failed(String),
}

/// `go build -trimpath -buildmode=plugin -o <out> .` in the repo, as the Dockerfile's builder
/// stage runs it.
pub fn plugin(tc: &Toolchain, root: &Path, out: &Path, stop: &AtomicBool) -> Result<Built> {
    let (status, text) = run_captured(
        tc.command()
            .args(["build", "-trimpath", "-buildmode=plugin", "-o"])
            .arg(out)
            .arg(".")
            .current_dir(root),
        stop,
    )?;
    Ok(if status.success() {
        Built::Ok
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

    /// A GoEnv of Go 1.20 whose `go` command is `program`, with its module cache in `modcache`.
    fn env_with(program: &str, modcache: &Path) -> GoEnv {
        GoEnv {
            go: which(program).unwrap(),
            local: "go1.20.14".into(),
            modcache: modcache.display().to_string(),
            cache: String::new(),
            platform: "linux-amd64".into(),
            cc: "gcc".into(),
            network: vec![("GOPROXY".into(), "https://proxy.example".into())],
        }
    }

    #[test]
    fn a_go_that_does_not_switch_is_refused() {
        // `echo version` answers without the release's version, as Go before 1.21 would.
        let release = crate::versions::default_release();
        let modcache = tempfile::tempdir().unwrap();
        let toolchain = format!("golang.org/toolchain@v0.0.1-go{}.linux-amd64", release.go);
        // Fetched already (its go binary is there), so no download is announced.
        let bin = modcache.path().join(toolchain).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(which("true").unwrap(), bin.join("go")).unwrap();
        let env = env_with("echo", modcache.path());
        let err = Toolchain::prepare(&env, release, &AtomicBool::new(false), Ui::default())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains(&format!("(go1.20.14) did not switch to go{}", release.go)),
            "{err}"
        );
        assert!(err.contains("install Go 1.21 or newer"), "{err}");
    }

    #[test]
    fn a_failed_go_download_says_what_to_do() {
        let release = crate::versions::default_release();
        let modcache = tempfile::tempdir().unwrap();
        let env = env_with("false", modcache.path());
        let quiet = Ui {
            quiet: true,
            json: false,
        };
        let err = Toolchain::prepare(&env, release, &AtomicBool::new(false), quiet)
            .err()
            .unwrap();
        let text = format!("{err:#}");
        assert!(
            text.contains("point GOPROXY at a proxy that serves golang.org/toolchain"),
            "{text}"
        );
        assert!(
            text.contains("golang.org/toolchain from https://proxy.example) failed"),
            "{text}"
        );
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
