//! The one go runner: the `go` command on PATH, what it says about itself (`go env`), and the
//! exact Go release a plugin is built with, as the go command fetches it
//! (`GOTOOLCHAIN=go1.26.5` puts `golang.org/toolchain@v0.0.1-go1.26.5.<os>-<arch>` in the
//! module cache). `scaffold dev` builds with it; doctor and the commands that write the
//! Dockerfile's block ask it whether the staged build works ([`crate::doctor::judge`]).
//!
//! Go is looked for on PATH only: a machine without it gets scaffold's static rules, and says
//! so, rather than a Go found somewhere the user did not put it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The variables read from `go env`: the local release, the caches, the platform, the C
/// compiler, and where modules come from.
pub const ENV_VARS: [&str; 13] = [
    "GOVERSION",
    "GOMODCACHE",
    "GOCACHE",
    "GOHOSTOS",
    "GOHOSTARCH",
    "CC",
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GOINSECURE",
    "GOVCS",
];

/// Where modules come from: passed on to every run as the user has them, since they change
/// where a module is fetched, never what a build reads.
const NETWORK: [&str; 7] = [
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GOINSECURE",
    "GOVCS",
];

/// The go command on this machine, as it is before any toolchain switch.
#[derive(Debug, Clone)]
pub struct GoEnv {
    pub go: PathBuf,
    /// Its own release, `go1.26.8`.
    pub local: String,
    pub modcache: String,
    pub cache: String,
    /// `linux-amd64`: the host, for the toolchain module's name.
    pub platform: String,
    pub cc: String,
    /// GOPROXY and the other settings of where modules come from, as `go env` has them.
    pub network: Vec<(String, String)>,
}

impl GoEnv {
    /// The `go` on PATH, if any.
    pub fn on_path() -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("go"))
            .find(|p| is_executable(p))
    }

    /// `go env -json` of [`ENV_VARS`], asked without switching toolchains.
    pub fn env_command(go: &Path) -> Command {
        let mut cmd = Command::new(go);
        cmd.arg("env")
            .arg("-json")
            .args(ENV_VARS)
            .env("GOTOOLCHAIN", "local");
        cmd
    }

    /// Reads what [`GoEnv::env_command`] printed; the error says what was wrong with it.
    pub fn parse(go: &Path, json: &str) -> Result<GoEnv, String> {
        let map: std::collections::BTreeMap<String, String> = serde_json::from_str(json.trim())
            .map_err(|_| format!("unexpected `go env` output: {}", first_line(json)))?;
        let get = |k: &str| map.get(k).cloned().unwrap_or_default();
        if !get("GOVERSION").starts_with("go") {
            return Err(format!(
                "`go env` names no Go release: {}",
                first_line(json)
            ));
        }
        Ok(GoEnv {
            go: go.to_path_buf(),
            local: get("GOVERSION"),
            modcache: get("GOMODCACHE"),
            cache: get("GOCACHE"),
            platform: format!("{}-{}", get("GOHOSTOS"), get("GOHOSTARCH")),
            cc: get("CC"),
            network: NETWORK
                .iter()
                .filter(|k| !get(k).is_empty())
                .map(|k| (k.to_string(), get(k)))
                .collect(),
        })
    }

    /// The go on PATH and its settings; `Err` says why Go cannot be asked.
    pub fn probe() -> Result<GoEnv, String> {
        let go = Self::on_path().ok_or("Go is not on PATH")?;
        let out = Self::env_command(&go)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", go.display()))?;
        if !out.status.success() {
            return Err(format!(
                "`go env` failed: {}",
                first_line(&String::from_utf8_lossy(&out.stderr))
            ));
        }
        Self::parse(&go, &String::from_utf8_lossy(&out.stdout))
    }

    /// GOPROXY as `go env` has it, for messages about fetching.
    pub fn goproxy(&self) -> &str {
        self.network
            .iter()
            .find(|(k, _)| k == "GOPROXY")
            .map_or("the default proxy", |(_, v)| v.as_str())
    }

    /// Where the go command keeps release `version` (`go1.26.5`) once fetched.
    pub fn toolchain_dir(&self, version: &str) -> PathBuf {
        Path::new(&self.modcache).join(format!(
            "golang.org/toolchain@v0.0.1-{version}.{}",
            self.platform
        ))
    }

    /// The go binary of release `version` when it is here already: this go itself, or the
    /// fetched toolchain's.
    pub fn exact(&self, version: &str) -> Option<PathBuf> {
        if self.local == version {
            return Some(self.go.clone());
        }
        let bin = self.toolchain_dir(version).join("bin/go");
        is_executable(&bin).then_some(bin)
    }

    /// `go version` switched to `version`: the go command fetches the release the first
    /// time (Go 1.21 and newer).
    pub fn fetch_command(&self, version: &str) -> Command {
        let mut cmd = Command::new(&self.go);
        cmd.arg("version").env("GOTOOLCHAIN", version);
        cmd
    }

    /// The go binary of `version`, fetched if needed; `Err` says why it is not there.
    pub fn fetch(&self, version: &str) -> Result<PathBuf, String> {
        if let Some(bin) = self.exact(version) {
            return Ok(bin);
        }
        let out = self
            .fetch_command(version)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.go.display()))?;
        if !out.status.success() {
            return Err(format!(
                "cannot fetch Go {} (golang.org/toolchain from {}): {}",
                version.trim_start_matches("go"),
                self.goproxy(),
                first_line(&String::from_utf8_lossy(&out.stderr))
            ));
        }
        self.exact(version).ok_or_else(|| {
            format!(
                "the go command on PATH ({}) did not fetch {version}; install Go 1.21 or newer",
                self.local
            )
        })
    }
}

fn first_line(text: &str) -> &str {
    text.trim().lines().next().unwrap_or("")
}

pub fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_env_is_read_and_the_toolchain_is_found_in_the_module_cache() {
        let cache = tempfile::tempdir().unwrap();
        let json = serde_json::json!({
            "GOVERSION": "go1.26.8", "GOMODCACHE": cache.path(), "GOCACHE": "/c",
            "GOHOSTOS": "linux", "GOHOSTARCH": "amd64", "CC": "gcc",
            "GOPROXY": "https://proxy.example", "GOSUMDB": "", "GONOSUMDB": "",
            "GOPRIVATE": "", "GONOPROXY": "", "GOINSECURE": "", "GOVCS": ""
        })
        .to_string();
        let env = GoEnv::parse(Path::new("/usr/bin/go"), &json).unwrap();
        assert_eq!(env.platform, "linux-amd64");
        assert_eq!(env.goproxy(), "https://proxy.example");
        assert_eq!(env.network.len(), 1, "empty settings are not passed on");
        assert_eq!(env.exact("go1.26.8"), Some(PathBuf::from("/usr/bin/go")));
        assert_eq!(env.exact("go1.26.5"), None);
        let bin = env.toolchain_dir("go1.26.5").join("bin/go");
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::write(&bin, "").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert_eq!(env.exact("go1.26.5"), Some(bin));
        assert!(GoEnv::parse(Path::new("go"), "nonsense").is_err());
        assert!(GoEnv::parse(Path::new("go"), "{}").is_err());
    }
}
