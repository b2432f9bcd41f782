//! The exact Go of the repo's Nakama release (`GOTOOLCHAIN=go<release.go>`, fetched by the
//! go command itself) and the plugin build with it.

use super::long_step;
use super::process::{run_captured, run_checked, which};
use crate::error::{bail, Context, Result};
use crate::go::toolchain;
use crate::ui::Ui;
use crate::versions::Release;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The go command on this machine ([`crate::go::toolchain::GoEnv`], the one runner's view of
/// it), with the run's temp folder: every go command (and the C compiler cgo runs) writes its
/// temp files there, never in the system's, so a run stopped at any moment leaves nothing
/// behind when the folder goes.
pub struct GoEnv {
    pub go: toolchain::GoEnv,
    pub tmp: PathBuf,
}

impl GoEnv {
    /// Finds `go` (on PATH, or where the official archive installs it: `dev` cannot work
    /// without Go) and the C compiler cgo needs; nothing is downloaded. Go's temp files are
    /// to go to `tmp`.
    pub fn probe(stop: &AtomicBool, tmp: &Path) -> Result<Self> {
        let go = toolchain::GoEnv::on_path()
            .or_else(|| {
                let p = PathBuf::from("/usr/local/go/bin/go");
                toolchain::is_executable(&p).then_some(p)
            })
            .context("`go` is not on PATH; install Go 1.21 or newer from https://go.dev/dl (it fetches the exact release a plugin needs by itself)")?;
        let json = run_checked(&mut toolchain::GoEnv::env_command(&go), stop, "`go env`")?;
        let go = toolchain::GoEnv::parse(&go, &json).map_err(crate::error::Error::msg)?;
        check_cc(&go.cc)?;
        Ok(Self {
            go,
            tmp: tmp.to_path_buf(),
        })
    }

    /// GOPROXY as `go env` has it, for messages about fetching.
    pub fn goproxy(&self) -> &str {
        self.go.goproxy()
    }
}

impl GoEnv {
    /// The installed go (no toolchain switch), its temp files in the run's folder.
    pub fn local_command(&self) -> Command {
        let mut cmd = Command::new(&self.go.go);
        cmd.env("GOTOOLCHAIN", "local");
        temps_in(&mut cmd, &self.tmp);
        cmd
    }
}

/// Points a command's temp files at `tmp`: Go's work folders (GOTMPDIR; a server build's is
/// 130-180 MB) and everything else that asks the system for one (TMPDIR: gcc under cgo, Go's
/// os.TempDir).
pub fn temps_in(cmd: &mut Command, tmp: &Path) {
    cmd.env("GOTMPDIR", tmp).env("TMPDIR", tmp);
}

/// The go command pinned to one Go release.
pub struct Toolchain {
    go: PathBuf,
    tmp: PathBuf,
    /// `go1.26.5`: the GOTOOLCHAIN value and what `go version` must report.
    pub version: String,
}

impl Toolchain {
    /// Makes sure the release's Go is there, downloading it the first time (behind a spinner).
    pub fn prepare(env: &GoEnv, release: &Release, stop: &AtomicBool, ui: Ui) -> Result<Self> {
        let version = format!("go{}", release.go);
        let this = Self {
            go: env.go.go.clone(),
            tmp: env.tmp.clone(),
            version: version.clone(),
        };
        let cached = env.go.exact(&version).is_some();
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
                env.go.local,
                answer.trim()
            );
        }
        Ok(this)
    }

    /// `go` with this release pinned and cgo on (plugins and Nakama both need it), its temp
    /// files in the run's folder.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.go);
        cmd.env("GOTOOLCHAIN", &self.version)
            .env("CGO_ENABLED", "1");
        temps_in(&mut cmd, &self.tmp);
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
            go: toolchain::GoEnv {
                go: which(program).unwrap(),
                local: "go1.20.14".into(),
                modcache: modcache.display().to_string(),
                cache: String::new(),
                platform: "linux-amd64".into(),
                cc: "gcc".into(),
                network: vec![("GOPROXY".into(), "https://proxy.example".into())],
            },
            tmp: std::env::temp_dir(),
        }
    }

    #[test]
    fn a_go_that_does_not_switch_is_refused() {
        // `echo version` answers without the release's version, as Go before 1.21 would.
        let release = crate::versions::default_release();
        let modcache = tempfile::tempdir().unwrap();
        let toolchain = format!("golang.org/toolchain@v0.0.1-go{}.linux-amd64", release.go);
        std::fs::create_dir_all(modcache.path().join(toolchain)).unwrap();
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
