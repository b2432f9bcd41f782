//! The exact Go of the builder image, run in the staged tree with the environment the image's
//! RUN would give it: `GOOS=linux GOARCH=amd64 CGO_ENABLED=1`, `GOTOOLCHAIN=local` (as the
//! golang images set it: a newer go line fails, it is not fetched), `GOPATH` inside the image,
//! the Dockerfile's own Go variables, and `GOWORK` as the staged tree has it.
//!
//! Only where modules come from (GOPROXY and its kin) and the caches are the user's: they
//! change how fast a build is, never what it reads. Nothing else of the user's environment
//! (GOFLAGS, go env -w settings, GOAMD64...) reaches Go.

use super::stage::Staging;
use crate::go::toolchain::GoEnv;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The user's variables every run keeps: the shell's search path (the C compiler, git), the
/// home and temp folders, TLS and HTTP proxy settings for fetching modules.
const KEPT: [&str; 16] = [
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "ALL_PROXY",
    "SSH_AUTH_SOCK",
];

/// Go variables of the image that are not passed on: the image's paths and caches (the
/// staged tree has its own), the toolchain choice, and where modules come from.
const NOT_PASSED: [&str; 16] = [
    "GOPATH",
    "GOROOT",
    "GOCACHE",
    "GOMODCACHE",
    "GOTOOLCHAIN",
    "GOENV",
    "GOBIN",
    "GOTMPDIR",
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GOINSECURE",
    "GOVCS",
    "GOAUTH",
];

/// Variables that make the go command run a program the repo names (a C compiler, flags for
/// it): `doctor --build` does not compile with them.
const RUNS_PROGRAMS: [&str; 12] = [
    "CC",
    "CXX",
    "FC",
    "AR",
    "PKG_CONFIG",
    "CGO_CFLAGS",
    "CGO_CPPFLAGS",
    "CGO_CXXFLAGS",
    "CGO_FFLAGS",
    "CGO_LDFLAGS",
    "CGO_CFLAGS_ALLOW",
    "CGO_LDFLAGS_ALLOW",
];

/// The exact Go release of the builder image.
#[derive(Debug, Clone)]
pub struct Go {
    pub env: GoEnv,
    pub bin: PathBuf,
    /// `go1.26.5`.
    pub version: String,
}

/// The go on PATH, probed once per process.
fn probed() -> &'static Result<GoEnv, String> {
    static PROBE: OnceLock<Result<GoEnv, String>> = OnceLock::new();
    PROBE.get_or_init(GoEnv::probe)
}

/// Whether a go command is on PATH (the static verdict says so when it is not).
pub fn on_path() -> bool {
    GoEnv::on_path().is_some()
}

impl Go {
    /// Go `version` (`1.26.5`), fetched by the go on PATH the first time; `Err` says why it
    /// cannot be run.
    pub fn exact(version: &str) -> Result<Go, String> {
        let env = probed().clone()?;
        let version = format!("go{version}");
        let bin = env.fetch(&version)?;
        Ok(Go { env, bin, version })
    }

    /// The release without `go` (`1.26.5`).
    pub fn release(&self) -> &str {
        self.version.trim_start_matches("go")
    }

    /// `go ARGS` in folder `cwd` of the staged tree, with the image's variables `vars` (the
    /// Dockerfile's ENV and ARG, then the command's own) applied over the image defaults.
    pub fn command(&self, staging: &Staging, cwd: &Path, vars: &[(String, String)]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(cwd).env_clear().stdin(Stdio::null());
        for k in KEPT {
            if let Some(v) = std::env::var_os(k) {
                cmd.env(k, v);
            }
        }
        for (k, v) in &self.env.network {
            cmd.env(k, v);
        }
        cmd.env("GOMODCACHE", &self.env.modcache)
            .env("GOCACHE", gocache(&self.env))
            .env("GOENV", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOTELEMETRY", "off")
            .env("GOPATH", staging.root.join("go"))
            .env("GOOS", "linux")
            .env("GOARCH", "amd64")
            .env("CGO_ENABLED", "1")
            .env("GOFLAGS", "");
        let mut gowork: Option<String> = None;
        for (k, v) in vars {
            if k == "GOWORK" {
                gowork = Some(v.clone());
            } else if passed(k) {
                cmd.env(k, v);
            }
        }
        cmd.env("GOWORK", work_file(staging, cwd, gowork.as_deref()));
        cmd
    }
}

/// Whether an image variable reaches Go: its own settings (`GO*`, `CGO_*`) that change what
/// a build reads or makes.
fn passed(k: &str) -> bool {
    (k.starts_with("GO") || k.starts_with("CGO_"))
        && !NOT_PASSED.contains(&k)
        && !RUNS_PROGRAMS.contains(&k)
}

/// The first variable among `vars` that makes Go run a program the repo names, if any.
pub fn runs_programs(vars: &[(String, String)]) -> Option<&str> {
    vars.iter()
        .find(|(k, v)| RUNS_PROGRAMS.contains(&k.as_str()) && !v.is_empty())
        .map(|(k, _)| k.as_str())
}

/// The build cache: the user's, unless it is off, then a private one for this process.
fn gocache(env: &GoEnv) -> PathBuf {
    if !env.cache.is_empty() && env.cache != "off" {
        return PathBuf::from(&env.cache);
    }
    static PRIVATE: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    PRIVATE
        .get_or_init(|| {
            tempfile::Builder::new()
                .prefix("scaffold-gocache-")
                .tempdir()
                .ok()
        })
        .as_ref()
        .map(|d| d.path().to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
}

/// GOWORK as the image has it: `off`, a path in the image (moved into the staged tree), or,
/// when unset, the go.work Go finds from `cwd` up to the image's `/` (never above it).
fn work_file(staging: &Staging, cwd: &Path, set: Option<&str>) -> String {
    match set {
        Some("off") => return "off".into(),
        Some(p) if p.starts_with('/') => {
            return staging
                .inside(p)
                .map_or_else(|| "off".into(), |p| p.display().to_string())
        }
        Some(p) if !p.is_empty() => return p.to_string(),
        _ => {}
    }
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        if !d.starts_with(&staging.root) {
            break;
        }
        let f = d.join("go.work");
        if f.is_file() {
            return f.display().to_string();
        }
        dir = d.parent();
    }
    "off".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_gos_own_settings_pass_and_programs_are_named() {
        assert!(passed("GOFLAGS") && passed("CGO_ENABLED") && passed("GOEXPERIMENT"));
        assert!(!passed("GOPROXY") && !passed("GOPATH") && !passed("CGO_LDFLAGS"));
        assert!(!passed("PATH") && !passed("CC"));
        let vars = vec![
            ("CGO_ENABLED".to_string(), "1".to_string()),
            ("CC".to_string(), "/tmp/evil".to_string()),
        ];
        assert_eq!(runs_programs(&vars), Some("CC"));
        assert_eq!(runs_programs(&vars[..1]), None);
    }
}
