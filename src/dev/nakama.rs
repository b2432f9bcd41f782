//! The Nakama server: built once per release with the release's Go and cached, migrated, run
//! on free ports with the plugin, and watched until healthy.

use super::build::{human, GoEnv, Toolchain};
use super::logs::format_line;
use super::long_step;
use super::process::{detach, is_executable, run_captured, run_checked, tail, Interrupted, Proc};
use crate::error::{bail, err, Context, Result};
use crate::ui::Ui;
use crate::versions::Release;
use nix::sys::signal::Signal;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use super::avail::{cached_binary, MODULE};

/// The user's cache folder (see [`crate::scaffold::cache::user_root`]).
#[cfg(test)]
fn cache_root() -> Result<PathBuf> {
    crate::scaffold::cache::user_root()
}

/// Refuses a release whose server needs a module the proxy does not serve, naming it: after
/// the source is fetched (its go.mod lists them), before the Go download and the build, not
/// minutes into the build. A proxy that cannot be asked is left to the build to report.
pub fn check_requirements(env: &GoEnv, release: &Release, src: &Source) -> Result<()> {
    let go_mod = crate::files::read_to_string(&src.dir.join("go.mod"))
        .with_context(|| format!("no go.mod in {}", src.dir.display()))?;
    let Ok(Some((module, why))) = super::avail::unserved_requirement(&env.go.go, &env.tmp, &go_mod)
    else {
        return Ok(());
    };
    bail!(
        "cannot run Nakama {} here: the Go module proxy ({}) does not serve {module} ({why}), which its server needs\nPoint GOPROXY at a proxy that serves it, or move the repo to a release `scaffold dev` can run here with `scaffold upgrade --nakama VERSION` (`scaffold releases` shows them)",
        release.nakama,
        env.goproxy()
    )
}

/// Nakama's source as the module proxy serves it.
pub struct Source {
    dir: PathBuf,
    commit: String,
}

/// Downloads the release's source with the installed go (no toolchain switch), so a release
/// the proxy does not serve fails before the Go download and the build.
pub fn fetch_source(env: &GoEnv, release: &Release, stop: &AtomicBool) -> Result<Source> {
    let spec = format!("{MODULE}@v{}", release.nakama);
    // Outside any module, so the user's go.mod or go.work plays no part.
    let (_, json) = run_captured(
        env.local_command()
            .args(["mod", "download", "-json", &spec])
            .env("GOWORK", "off")
            .current_dir(&env.tmp),
        stop,
    )?;
    let unserved = |why: &str| {
        err!(
            "cannot fetch Nakama {} ({spec}) from the Go module proxy ({}): {why}\nIf the proxy does not serve that release, point GOPROXY at one that does, or move the repo to a release it serves with `scaffold upgrade --nakama VERSION` (`scaffold releases` shows which `scaffold dev` can run here)",
            release.nakama,
            env.goproxy()
        )
    };
    let info: serde_json::Value =
        serde_json::from_str(&json).map_err(|_| unserved(&tail(&json, 20)))?;
    let Some(dir) = info.get("Dir").and_then(|d| d.as_str()) else {
        return Err(unserved(
            info.get("Error")
                .and_then(|e| e.as_str())
                .unwrap_or("no source folder in the answer"),
        ));
    };
    let commit = info
        .pointer("/Origin/Hash")
        .and_then(|h| h.as_str())
        .map(|h| h[..h.len().min(7)].to_string())
        .unwrap_or_else(|| "unknown".into());
    Ok(Source {
        dir: PathBuf::from(dir),
        commit,
    })
}

/// Builds the server from `src` with `tc` into `binary`'s folder (minutes, once per release).
pub fn build_server(
    tc: &Toolchain,
    release: &Release,
    src: &Source,
    binary: &Path,
    stop: &AtomicBool,
    ui: Ui,
) -> Result<()> {
    let dir = binary.parent().context("the cache path has a folder")?;
    let parent = dir.parent().context("the cache path has a parent")?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let label = format!(
        "Nakama {} with Go {} (first time only; a few minutes)",
        release.nakama, release.go
    );
    let (_, took) = long_step(ui, "Building", &label, || {
        let tmp = tempfile::Builder::new()
            .prefix(".building-")
            .tempdir_in(parent)
            .context("cannot create a build folder in the cache")?;
        // `go install MODULE@vX` would first ask the proxy for the module's version list (to
        // report deprecation), which some proxies refuse; building the downloaded module as
        // the main module is the same build (Nakama's go.mod has no replace lines). The -X
        // flags are those of Nakama's release build, so its log shows `3.40.0+<commit>`.
        let ldflags = format!(
            "-X main.version={} -X main.commitID={}",
            release.nakama, src.commit
        );
        run_checked(
            tc.command()
                .args(["install", "-trimpath", "-ldflags", &ldflags, "."])
                .env("GOBIN", tmp.path())
                .env("GOWORK", "off")
                .current_dir(&src.dir),
            stop,
            &format!("building Nakama {} with {}", release.nakama, tc.version),
        )?;
        let built = tmp.keep();
        // Renaming a finished folder into place means a half-built server is never cached.
        if let Err(err) = std::fs::rename(&built, dir) {
            let _ = std::fs::remove_dir_all(&built);
            // Another `scaffold dev` may have finished the same build first.
            if !is_executable(binary) {
                return Err(err)
                    .with_context(|| format!("cannot move the build to {}", dir.display()));
            }
        }
        Ok(())
    })?;
    ui.status(
        "Built",
        &format!(
            "Nakama {} with Go {} in {} (cached in {})",
            release.nakama,
            release.go,
            human(took),
            dir.display()
        ),
    );
    Ok(())
}

/// `nakama migrate up`: creates the database if needed and brings its schema to this release.
pub fn migrate(binary: &Path, address: &str, stop: &AtomicBool) -> Result<()> {
    run_checked(
        Command::new(binary).args(["migrate", "up", "--database.address", address]),
        stop,
        "`nakama migrate up`",
    )?;
    Ok(())
}

/// The four ports a Nakama node listens on, in Nakama's own layout (7348 to 7351 by
/// default): `api`, its gRPC at `api - 1` (Nakama has no flag for it), the console at
/// `api + 1`, and the console's gRPC at `console - 3` = `api - 2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    pub api: u16,
    pub console: u16,
}

impl Ports {
    /// `--port P` takes P-2 to P+1 (the console on P+1); without it, four consecutive free
    /// ports in the same layout.
    pub fn choose(api: Option<u16>) -> Result<Self> {
        let api = match api {
            Some(p) => {
                let usable = p > 2 && p < u16::MAX && (p - 2..=p + 1).all(free);
                if !usable {
                    bail!(
                        "ports {}-{} are not all free (--port {p} takes the API on {p}, gRPC on {}, the console on {} and its gRPC on {}); pick another --port, or leave it out to use free ones",
                        p.saturating_sub(2),
                        p.saturating_add(1),
                        p.saturating_sub(1),
                        p.saturating_add(1),
                        p.saturating_sub(2)
                    );
                }
                p
            }
            None => free_block(4, &[])? + 2,
        };
        Ok(Self {
            api,
            console: api + 1,
        })
    }

    #[cfg(test)]
    fn all(&self) -> [u16; 4] {
        [self.api - 1, self.api, self.console - 3, self.console]
    }
}

/// A call to paste into a shell once the server is ready: the first RPC the plugin registers
/// (its id as written in a `RegisterRpc("...")` of a package the wiring calls), over HTTP with
/// the server's http key and `unwrap` (the body is the payload itself); the health check when
/// no RPC id is known.
pub fn example_call(root: &Path, api: u16, extra: &[String]) -> String {
    let excluded = crate::repo::project::load(root)
        .map(|r| r.packages.excluded)
        .unwrap_or_default();
    let ids: Vec<String> = crate::repo::packages::discover(root, &Default::default())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.registers && !excluded.contains(&p.folder))
        .flat_map(|p| p.rpc_ids)
        .collect();
    match reading_rpc(&ids) {
        Some(id) => format!(
            "curl -d '{{}}' 'http://127.0.0.1:{api}/v2/rpc/{id}?http_key={}&unwrap'",
            http_key(root, extra)
        ),
        None => format!("curl http://127.0.0.1:{api}/healthcheck"),
    }
}

/// The RPC a "try" line may suggest: one that only reads, so pasting it changes nothing (an
/// echo first, then a get/list/read/status one); never one that creates, saves or needs a
/// signed-in player (`_load`: the http_key carries no user).
fn reading_rpc(ids: &[String]) -> Option<&str> {
    let reads = |id: &str| {
        id.split('_')
            .any(|w| matches!(w, "get" | "list" | "read" | "status" | "show" | "find"))
    };
    let ids = || ids.iter().map(String::as_str);
    ids()
        .find(|id| id.ends_with("_echo") || *id == "echo")
        .or_else(|| ids().find(|id| reads(id)))
}

/// The server's `runtime.http_key`: a `--runtime.http_key` passed after `--` wins, then the
/// repo's local.yml, then Nakama's default.
fn http_key(root: &Path, extra: &[String]) -> String {
    let mut args = extra.iter();
    while let Some(a) = args.next() {
        if let Some(v) = a.strip_prefix("--runtime.http_key=") {
            return v.to_string();
        }
        if a == "--runtime.http_key" {
            if let Some(v) = args.next() {
                return v.clone();
            }
        }
    }
    std::fs::read_to_string(root.join("local.yml"))
        .ok()
        .and_then(|text| yaml_http_key(&text))
        .unwrap_or_else(|| "defaulthttpkey".into())
}

/// `http_key` under the top-level `runtime:` of a YAML config, read line by line (no YAML
/// library for one scalar): plain, quoted, or followed by a comment.
fn yaml_http_key(text: &str) -> Option<String> {
    let mut in_runtime = false;
    for line in text.lines() {
        let indented = line.starts_with([' ', '\t']);
        let body = line.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if !indented {
            in_runtime = body.trim_end_matches(':') == "runtime" && body.ends_with(':');
            continue;
        }
        if let Some(value) = body.strip_prefix("http_key:").filter(|_| in_runtime) {
            let value = match value.trim() {
                v if v.starts_with(['"', '\'']) => v[1..].split(&v[..1]).next().unwrap_or(""),
                v => v.split(" #").next().unwrap_or(v).trim(),
            };
            return Some(value.to_string()).filter(|v| !v.is_empty());
        }
    }
    None
}

fn free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// The first port of `n` consecutive free ones, none of them in `taken`.
fn free_block(n: u16, taken: &[u16]) -> Result<u16> {
    for _ in 0..200 {
        let base = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        if base.checked_add(n).is_some() && (base..base + n).all(|p| !taken.contains(&p) && free(p))
        {
            return Ok(base);
        }
    }
    bail!("no {n} consecutive free ports on 127.0.0.1")
}

/// A free port for PostgreSQL.
pub fn free_port() -> Result<u16> {
    free_block(1, &[])
}

/// A running Nakama and the threads that print its log.
pub struct Server {
    pub proc: Proc,
    readers: Vec<JoinHandle<()>>,
}

/// What to start Nakama with.
pub struct Launch<'a> {
    pub binary: &'a Path,
    pub root: &'a Path,
    pub address: &'a str,
    pub modules: &'a Path,
    pub data: &'a Path,
    /// The run's temp folder (TMPDIR of the server).
    pub tmp: &'a Path,
    pub ports: Ports,
    pub extra: &'a [String],
    /// Every raw log line is appended here too.
    pub log: Arc<Mutex<std::fs::File>>,
    pub colour: bool,
}

impl Server {
    pub fn start(l: &Launch) -> Result<Self> {
        let mut cmd = Command::new(l.binary);
        // local.yml first, so the flags below (ports, database, modules) win over it.
        let config = l.root.join("local.yml");
        if config.is_file() {
            cmd.arg("--config").arg(&config);
        }
        cmd.arg("--data_dir")
            .arg(l.data)
            .args(["--database.address", l.address])
            .arg("--runtime.path")
            .arg(l.modules)
            .args(["--socket.address", "127.0.0.1"])
            .args(["--socket.port", &l.ports.api.to_string()])
            .args(["--console.address", "127.0.0.1"])
            .args(["--console.port", &l.ports.console.to_string()])
            .args(l.extra)
            .current_dir(l.root)
            .env("TMPDIR", l.tmp)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        detach(&mut cmd, Signal::SIGTERM);
        let mut proc = Proc::spawn("nakama", &mut cmd, Signal::SIGTERM)?;
        let child = proc.child_mut();
        let out = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        let err = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        let readers = [out, err]
            .into_iter()
            .flatten()
            .map(|stream| {
                let log = Arc::clone(&l.log);
                let colour = l.colour;
                std::thread::spawn(move || print_log(stream, &log, colour))
            })
            .collect();
        Ok(Self { proc, readers })
    }

    /// Polls `/healthcheck` until it answers 200, the server exits, or `limit` passes.
    pub fn wait_healthy(
        &mut self,
        port: u16,
        stop: &AtomicBool,
        limit: Duration,
    ) -> Result<Health> {
        let start = Instant::now();
        loop {
            if stop.load(Ordering::SeqCst) {
                return Err(Interrupted.into());
            }
            if let Some(status) = self.proc.exited() {
                return Ok(Health::Exited(status));
            }
            if healthcheck(port) {
                return Ok(Health::Ready);
            }
            if start.elapsed() > limit {
                return Ok(Health::Slow);
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Stops the server and waits until its last log line is printed.
    pub fn stop(mut self) {
        self.proc.stop(Duration::from_secs(10));
        self.join();
    }

    /// After it exited on its own: let the readers finish printing.
    pub fn join(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

/// How a start ended.
pub enum Health {
    Ready,
    Exited(ExitStatus),
    Slow,
}

fn print_log(stream: Box<dyn Read + Send>, log: &Mutex<std::fs::File>, colour: bool) {
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { break };
        if let Ok(mut file) = log.lock() {
            let _ = writeln!(file, "{line}");
        }
        // Not println!: a closed stdout (`scaffold dev | head`) must not kill this reader,
        // or the server would block on a full pipe.
        let _ = writeln!(std::io::stdout().lock(), "{}", format_line(&line, colour));
    }
}

/// One `GET /healthcheck` over plain HTTP/1.0 (no client library for one request).
fn healthcheck(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /healthcheck HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).is_ok()
        && status.split_whitespace().nth(1) == Some("200")
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_try_line_suggests_an_rpc_that_reads() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let all = ids(&["lobby_create", "lobby_list", "profile_echo", "profile_save"]);
        assert_eq!(reading_rpc(&all), Some("profile_echo"));
        assert_eq!(
            reading_rpc(&ids(&["lobby_create", "lobby_list"])),
            Some("lobby_list")
        );
        assert_eq!(reading_rpc(&ids(&["wallet_add", "wallet_load"])), None);
    }

    use super::*;

    #[test]
    fn ports_are_distinct_and_free() {
        let ports = Ports::choose(None).unwrap();
        let all = ports.all();
        for (i, p) in all.iter().enumerate() {
            assert!(free(*p), "{p} not free");
            assert!(!all[i + 1..].contains(p), "{all:?}");
        }
    }

    #[test]
    fn busy_port_is_refused() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let p = taken.local_addr().unwrap().port();
        // The port itself, or the console's one above it, taken.
        for asked in [p, p - 1] {
            let err = Ports::choose(Some(asked)).unwrap_err().to_string();
            assert!(err.contains(&format!("--port {asked} takes")), "{err}");
        }
    }

    #[test]
    fn port_moves_the_console_too() {
        let base = free_block(4, &[]).unwrap();
        let ports = Ports::choose(Some(base + 2)).unwrap();
        assert_eq!(ports.all(), [base + 1, base + 2, base, base + 3]);
        assert_eq!(ports.console, ports.api + 1);
    }

    #[test]
    fn http_key_from_flags_then_local_yml() {
        let yml = "name: g\nruntime:\n  # comment\n  http_key: \"s3cret\" # why\nconsole:\n  http_key: no\n";
        assert_eq!(yaml_http_key(yml).as_deref(), Some("s3cret"));
        assert_eq!(
            yaml_http_key("runtime:\n  http_key: plain # c\n").as_deref(),
            Some("plain")
        );
        assert_eq!(yaml_http_key("console:\n  http_key: x\n"), None);
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("local.yml"), yml).unwrap();
        assert_eq!(http_key(tmp.path(), &[]), "s3cret");
        let flags = ["--runtime.http_key".to_string(), "k2".to_string()];
        assert_eq!(http_key(tmp.path(), &flags), "k2");
        assert_eq!(
            http_key(tmp.path(), &["--runtime.http_key=k3".to_string()]),
            "k3"
        );
        assert_eq!(http_key(&tmp.path().join("none"), &[]), "defaulthttpkey");
    }

    #[test]
    fn healthcheck_reads_the_status_line() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            for answer in ["HTTP/1.0 200 OK\r\n\r\n{}", "HTTP/1.0 503 No\r\n\r\n"] {
                let (mut s, _) = listener.accept().unwrap();
                let mut req = [0u8; 256];
                let _ = s.read(&mut req);
                s.write_all(answer.as_bytes()).unwrap();
            }
        });
        assert!(healthcheck(port));
        assert!(!healthcheck(port));
        server.join().unwrap();
    }

    #[test]
    fn cache_follows_xdg() {
        // Only checks the shape; the variable is not changed (tests run in parallel).
        let root = cache_root().unwrap();
        assert!(root.is_absolute());
    }
}
