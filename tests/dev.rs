//! `scaffold dev` end to end on a real Nakama and PostgreSQL: start, RPC over HTTP, edit and
//! see the restart, break the build and see the old server keep answering, Ctrl-C and nothing
//! left behind; then a second start from the cache.
//!
//! Needs Go (1.21+), gcc, PostgreSQL server binaries and the Go module proxy. The Nakama build
//! and Go's build cache live in `target/dev-cache` (XDG_CACHE_HOME), so a fresh clone builds
//! from scratch once (minutes) and later runs take seconds. `SCAFFOLD_SKIP_DEV_TEST=1` skips.
#![cfg(unix)]

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ECHO: &str = r#"{"payload":"{\"rpc\":\"profile_echo\",\"echo\":{\"n\":1}}"}"#;
const ECHOED: &str = r#"{"payload":"{\"rpc\":\"profile_echo\",\"echoed\":{\"n\":1}}"}"#;

/// A running `scaffold dev` and every line it printed (stdout and stderr, in arrival order).
struct Dev {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    started: Instant,
}

impl Dev {
    fn start(repo: &Path) -> Dev {
        let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dev-cache");
        let mut child = Command::new(env!("CARGO_BIN_EXE_scaffold"))
            .arg("dev")
            .current_dir(repo)
            .env("XDG_CACHE_HOME", &cache)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("scaffold dev starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in streams {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    // Shown with `cargo test -- --nocapture`, and in a failure's output.
                    eprintln!("  dev| {line}");
                    lines.lock().unwrap().push(line);
                }
            });
        }
        Dev {
            child,
            lines,
            started: Instant::now(),
        }
    }

    fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Waits until `pred` holds for the output so far; fails with the output otherwise.
    fn wait_for(&mut self, what: &str, limit: Duration, pred: impl Fn(&[String]) -> bool) {
        let start = Instant::now();
        loop {
            if pred(&self.lines.lock().unwrap()) {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(200)); // let the readers finish
                panic!(
                    "scaffold dev exited ({status}) before: {what}\n{}",
                    self.text()
                );
            }
            assert!(
                start.elapsed() < limit,
                "timed out after {limit:?} waiting for: {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn count(&self, needle: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// The number after `prefix` in the first line holding it.
    fn number_after(&self, prefix: &str) -> u32 {
        let text = self.text();
        let at = text
            .find(prefix)
            .unwrap_or_else(|| panic!("no `{prefix}` in:\n{text}"));
        text[at + prefix.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    }

    /// Sends SIGINT to our own unreaped child.
    fn ctrl_c(&self) {
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGINT);
    }

    /// Ctrl-C, as a terminal sends it, and the exit.
    fn interrupt(&mut self) -> std::process::ExitStatus {
        self.ctrl_c();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "scaffold dev did not stop within 60s of SIGINT"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        // A failed assertion must not leave the session running.
        if self.child.try_wait().ok().flatten().is_none() {
            self.ctrl_c();
            for _ in 0..300 {
                if self.child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.child.kill();
        }
    }
}

/// `POST /v2/rpc/<id>?http_key=defaulthttpkey` with a JSON-string body: (status, body).
fn rpc(port: u32, id: &str, body: &str) -> (u32, String) {
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port as u16)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /v2/rpc/{id}?http_key=defaulthttpkey HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap();
    (status, body.to_string())
}

fn echo(port: u32) -> (u32, String) {
    rpc(port, "profile_echo", r#""{\"n\":1}""#)
}

fn pids(text: &str) -> Vec<u32> {
    text.match_indices("pid ")
        .filter_map(|(at, m)| {
            let digits: String = text[at + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

/// Processes whose command line mentions `needle` (the session folder is in every command
/// line dev starts: PostgreSQL's -D, Nakama's --runtime.path).
fn processes_mentioning(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            cmd.contains(needle)
                .then(|| format!("{}: {cmd}", e.file_name().to_string_lossy()))
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    // A zombie has exited; only its table entry is left.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next())
                != Some("Z")
        })
        .unwrap_or(false)
}

fn port_free(port: u32) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port as u16)).is_ok()
}

/// Stops the session, then checks every process it printed is gone, nothing still runs from
/// its folder, the folder is removed, and the ports are free again.
fn stop_and_check(dev: &mut Dev) {
    let text = dev.text();
    let session = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Session "))
        .and_then(|l| l.split(" (").next())
        .map(PathBuf::from)
        .expect("dev prints its session folder");
    let api = dev.number_after("API http://127.0.0.1:");
    let console = dev.number_after("console http://127.0.0.1:");
    let postgres = dev.number_after(" on 127.0.0.1:");
    let started = pids(&text);
    assert!(started.len() >= 2, "dev prints the pids it starts:\n{text}");

    let status = dev.interrupt();
    assert!(
        status.success(),
        "Ctrl-C is a clean stop: {status}\n{}",
        dev.text()
    );
    let after = dev.text();
    assert!(after.contains("Stopped PostgreSQL"), "{after}");
    for pid in started {
        assert!(!alive(pid), "pid {pid} still runs after Ctrl-C");
    }
    let left = processes_mentioning(&session.to_string_lossy());
    assert!(left.is_empty(), "left running: {left:?}");
    assert!(!session.exists(), "{} not removed", session.display());
    for port in [api, api - 1, console, console - 3, postgres] {
        assert!(port_free(port), "port {port} still taken");
    }
}

#[test]
fn dev_runs_rebuilds_keeps_the_old_server_on_errors_and_cleans_up() {
    if std::env::var_os("SCAFFOLD_SKIP_DEV_TEST").is_some_and(|v| v == "1") {
        eprintln!("skipped: SCAFFOLD_SKIP_DEV_TEST=1");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("game");
    let made = Command::new(env!("CARGO_BIN_EXE_scaffold"))
        .args(["new", "--yes", "--no-git"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let code = repo.join("profile/profile.go");
    let original = std::fs::read_to_string(&code).unwrap();
    assert!(original.contains(r#"`json:"echo"`"#));

    // First start: builds Nakama (cold cache) or takes it from target/dev-cache.
    let mut dev = Dev::start(&repo);
    dev.wait_for("Ready", Duration::from_secs(45 * 60), |l| {
        l.iter().any(|l| l.contains("Ready "))
    });
    let first = dev.started.elapsed();
    let cold = dev.count("Built Nakama") > 0;
    let api = dev.number_after("API http://127.0.0.1:");
    assert_eq!(echo(api), (200, ECHO.to_string()));
    let log = dev.text();
    for line in [
        "INFO  Found runtime modules count=1 modules=[\"backend.so\"]",
        "INFO  game module loaded",
        "INFO  Startup done",
    ] {
        assert!(log.contains(line), "server log lacks `{line}`");
    }

    // An edit: rebuilt, restarted, and the RPC answers the new code.
    std::fs::write(
        &code,
        original.replace(r#"`json:"echo"`"#, r#"`json:"echoed"`"#),
    )
    .unwrap();
    dev.wait_for("the restart after an edit", Duration::from_secs(300), |l| {
        l.iter().filter(|l| l.contains("Ready ")).count() >= 2
    });
    assert_eq!(echo(api), (200, ECHOED.to_string()));

    // A syntax error: the compiler's message, and the running server is left alone.
    let broken = std::fs::read_to_string(&code).unwrap() + "\nfunc broken( {\n";
    std::fs::write(&code, broken).unwrap();
    dev.wait_for("the compiler error", Duration::from_secs(300), |l| {
        l.iter()
            .any(|l| l.contains("profile/profile.go:") && l.contains("syntax error"))
    });
    let out = dev.text();
    assert!(
        out.contains("the plugin does not build; Nakama keeps running the previous build"),
        "{out}"
    );
    assert_eq!(dev.count("Ready "), 2, "no restart after a failed build");
    assert_eq!(echo(api), (200, ECHOED.to_string()));
    stop_and_check(&mut dev);
    drop(dev);

    // Second start: Nakama comes from the cache.
    std::fs::write(&code, &original).unwrap();
    let mut dev = Dev::start(&repo);
    dev.wait_for("Ready (cached)", Duration::from_secs(600), |l| {
        l.iter().any(|l| l.contains("Ready "))
    });
    let cached = dev.started.elapsed();
    assert!(dev.count("Cached Nakama") == 1, "{}", dev.text());
    let api = dev.number_after("API http://127.0.0.1:");
    assert_eq!(echo(api), (200, ECHO.to_string()));
    stop_and_check(&mut dev);

    eprintln!(
        "scaffold dev timings: first start {:.1}s ({}), cached start {:.1}s",
        first.as_secs_f64(),
        if cold {
            "cold: Nakama built"
        } else {
            "Nakama from target/dev-cache"
        },
        cached.as_secs_f64()
    );
}

#[test]
fn dev_says_when_nakama_cannot_be_fetched() {
    // An empty module cache and no proxy: the source fetch fails at once, before any Go
    // download or build, and the message names the release and what to do.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("game");
    let made = Command::new(env!("CARGO_BIN_EXE_scaffold"))
        .args(["new", "--yes", "--no-git"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_scaffold"))
        .arg("dev")
        .current_dir(&repo)
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .env("GOMODCACHE", tmp.path().join("modcache"))
        .env("GOPROXY", "off")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: cannot fetch Nakama 3.40.0 (github.com/heroiclabs/nakama/v3@v3.40.0) from the Go module proxy (off)"),
        "{err}"
    );
    assert!(err.contains("point GOPROXY at one that does"), "{err}");
    assert!(!err.contains("Session "), "nothing is started: {err}");
    // Go writes its module cache read-only; let the temp dir go.
    let _ = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(tmp.path())
        .status();
}
