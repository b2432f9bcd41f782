//! A throw-away PostgreSQL for one `scaffold dev` session: found on the machine, initialised in
//! the session folder, run as an unprivileged user when we are root, stopped by pid.

use super::nakama::free_port;
use super::process::{
    detach, is_executable, is_root, random_hex, run_checked, tail, user_ids, which, Interrupted,
    Proc,
};
use crate::error::{bail, Context, Result};
use nix::sys::signal::Signal;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a starting server may take before we give up.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// The server binaries (initdb and postgres) in one folder.
pub struct Bin {
    dir: PathBuf,
}

impl Bin {
    /// Distribution folders first (Debian keeps the server off PATH), newest major first,
    /// then PATH.
    pub fn find() -> Result<Self> {
        let mut candidates = Vec::new();
        for (parent, prefix, suffix) in [
            ("/usr/lib/postgresql", "", "bin"),
            ("/usr", "pgsql-", "bin"),
            ("/opt/homebrew/opt", "postgresql", "bin"),
            ("/usr/local/opt", "postgresql", "bin"),
        ] {
            let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(parent)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let rest = name.strip_prefix(prefix)?;
                    // `16`, `pgsql-16`, `postgresql@16`, `postgresql`
                    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
                    Some((digits.parse().unwrap_or(0), e.path().join(suffix)))
                })
                .collect();
            found.sort_by_key(|f| std::cmp::Reverse(f.0));
            candidates.extend(found.into_iter().map(|(_, p)| p));
        }
        candidates.extend(which("initdb").and_then(|p| p.parent().map(Path::to_path_buf)));
        candidates
            .into_iter()
            .find(|d| is_executable(&d.join("initdb")) && is_executable(&d.join("postgres")))
            .map(|dir| Self { dir })
            .context(
                "PostgreSQL is not installed (no initdb and postgres in /usr/lib/postgresql/*/bin or on PATH); \
install it (`sudo apt-get install postgresql` on Debian/Ubuntu, `brew install postgresql` on macOS), \
or use a running server: `scaffold dev --database-address 'postgres:PASSWORD@HOST:5432/nakama?sslmode=disable'`",
            )
    }

    fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `PostgreSQL 16.4`, for the status line.
    pub fn version(&self) -> String {
        Command::new(self.tool("postgres"))
            .arg("--version")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            // `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`
            .and_then(|s| {
                let mut words = s.split_whitespace().skip_while(|w| *w != "(PostgreSQL)");
                words.nth(1).map(|v| format!("PostgreSQL {v}"))
            })
            .unwrap_or_else(|| "PostgreSQL".into())
    }
}

/// The OS user PostgreSQL runs as: ourselves, or (as root, which it refuses) `postgres`,
/// which the distribution packages create, else `nobody`.
fn run_as() -> Result<Option<(u32, u32)>> {
    if !is_root() {
        return Ok(None);
    }
    ["postgres", "nobody"]
        .iter()
        .find_map(|u| user_ids(u))
        .map(Some)
        .context("running as root, and PostgreSQL refuses to; there is no `postgres` or `nobody` user to run it as (create one, or run scaffold as yourself)")
}

/// A running throw-away server.
pub struct Postgres {
    pub proc: Proc,
    pub port: u16,
    /// For Nakama's `--database.address`.
    pub address: String,
}

impl Postgres {
    /// Initialises a cluster in `dir` (created here) and starts it on a free port of
    /// 127.0.0.1 with a random password.
    pub fn start(bin: &Bin, dir: &Path, stop: &AtomicBool) -> Result<Self> {
        let user = run_as()?;
        let data = dir.join("data");
        let sock = dir.join("sock");
        std::fs::create_dir_all(&sock)
            .with_context(|| format!("cannot create {}", sock.display()))?;
        let password = random_hex(16)?;
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n"))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        std::fs::set_permissions(&pwfile, std::fs::Permissions::from_mode(0o600))?;
        if let Some((uid, gid)) = user {
            for p in [dir, &sock, &pwfile] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).with_context(|| {
                    format!("cannot hand {} to the PostgreSQL user", p.display())
                })?;
            }
        }
        let as_user = |cmd: &mut Command| {
            if let Some((uid, gid)) = user {
                // std drops supplementary groups too when it switches user.
                cmd.uid(uid).gid(gid);
            }
            cmd.current_dir(dir);
        };
        let mut initdb = Command::new(bin.tool("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["-E", "UTF8", "--no-locale", "--no-sync"]);
        as_user(&mut initdb);
        let result = run_checked(&mut initdb, stop, "initdb");
        let _ = std::fs::remove_file(&pwfile);
        result?;

        let port = free_port()?;
        let log_path = dir.join("postgres.log");
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("cannot create {}", log_path.display()))?;
        let mut cmd = Command::new(bin.tool("postgres"));
        cmd.arg("-D")
            .arg(&data)
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .arg("-k")
            .arg(&sock)
            // Durability is pointless for throw-away data and slows every migration.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"])
            .stdout(log.try_clone()?)
            .stderr(log);
        as_user(&mut cmd);
        // SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, stop cleanly.
        detach(&mut cmd, Signal::SIGINT);
        let mut proc = Proc::spawn("postgres", &mut cmd, Signal::SIGINT)?;
        wait_ready(&mut proc, &data, &log_path, stop)?;
        Ok(Self {
            proc,
            port,
            address: format!("postgres:{password}@127.0.0.1:{port}/nakama?sslmode=disable"),
        })
    }
}

/// Where to turn when the throw-away server does not start.
const USE_YOUR_OWN: &str = "or use a PostgreSQL you run: `scaffold dev --database-address 'postgres:PASSWORD@HOST:5432/nakama?sslmode=disable'`";

/// Ready when postmaster.pid's status line says so (what `pg_ctl -w` waits for). The log is
/// quoted on failure: it lives in the session folder, which is removed on the way out.
fn wait_ready(proc: &mut Proc, data: &Path, log: &Path, stop: &AtomicBool) -> Result<()> {
    let log_tail = || tail(&std::fs::read_to_string(log).unwrap_or_default(), 20);
    let start = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            return Err(Interrupted.into());
        }
        if let Some(status) = proc.exited() {
            bail!(
                "PostgreSQL exited while starting ({status}); fix what its log (below) says, {USE_YOUR_OWN}\n{}",
                log_tail()
            );
        }
        let pidfile = std::fs::read_to_string(data.join("postmaster.pid")).unwrap_or_default();
        if pidfile.lines().nth(7).map(str::trim) == Some("ready") {
            return Ok(());
        }
        if start.elapsed() > READY_WITHIN {
            bail!(
                "PostgreSQL did not get ready in {}s; see its log (below), {USE_YOUR_OWN}\n{}",
                READY_WITHIN.as_secs(),
                log_tail()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_dies_starting_is_reported_with_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("postgres.log");
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "echo 'FATAL:  data directory has wrong ownership' >&2; exit 1",
        ])
        .stderr(std::fs::File::create(&log).unwrap());
        detach(&mut cmd, Signal::SIGKILL);
        let mut proc = Proc::spawn("sh", &mut cmd, Signal::SIGINT).unwrap();
        let err = wait_ready(&mut proc, dir.path(), &log, &AtomicBool::new(false))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("PostgreSQL exited while starting (exit status: 1)"),
            "{err}"
        );
        assert!(err.contains("--database-address"), "{err}");
        assert!(
            err.ends_with("\nFATAL:  data directory has wrong ownership"),
            "{err}"
        );
    }
}
