//! `scaffold dev` end to end on a real Nakama and PostgreSQL: start, RPC over HTTP, edit and
//! see the restart, break the build and see the old server keep answering, Ctrl-C and nothing
//! left behind; then a second start from the cache, on a terminal and on the ports `--port`
//! names, whose example call answers, and whose terminal is closed (SIGHUP) with nothing left
//! behind either.
//!
//! Needs Go (1.21+), gcc, PostgreSQL server binaries and the Go module proxy. The Nakama build
//! and Go's build cache live in `target/dev-cache` (XDG_CACHE_HOME), so a fresh clone builds
//! from scratch once (minutes) and later runs take seconds. `SCAFFOLD_TEST_SKIP=dev` skips.
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
    /// `scaffold dev`, or `script` holding the terminal it runs on.
    child: Child,
    /// On a terminal: scaffold's own pid (the child of `script`).
    on_terminal: Option<u32>,
    lines: Arc<Mutex<Vec<String>>>,
    started: Instant,
}

fn dev_cache() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dev-cache")
}

impl Dev {
    fn start(repo: &Path) -> Dev {
        let child = Command::new(env!("CARGO_BIN_EXE_scaffold"))
            .arg("dev")
            .current_dir(repo)
            .env("XDG_CACHE_HOME", dev_cache())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("scaffold dev starts");
        Dev::read(child, None)
    }

    /// `scaffold dev ARGS` on a pseudo-terminal of its own (util-linux `script`), as a person
    /// runs it: stdin, stdout and stderr are the terminal, and it leads the terminal's session.
    fn start_on_terminal(repo: &Path, args: &[&str]) -> Dev {
        let line = format!(
            "exec '{}' dev {}",
            env!("CARGO_BIN_EXE_scaffold"),
            args.join(" ")
        );
        let child = Command::new("script")
            .args(["-qfec", &line, "/dev/null"])
            .current_dir(repo)
            .env("XDG_CACHE_HOME", dev_cache())
            .env("NO_COLOR", "1")
            .env("SHELL", "/bin/sh")
            // Kept open: script ends when its input does.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script (util-linux) starts");
        let holder = child.id();
        let start = Instant::now();
        let inner = loop {
            if let Some(pid) = children_of(holder).first() {
                break *pid;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "script started no child"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Dev::read(child, Some(inner))
    }

    fn read(mut child: Child, on_terminal: Option<u32>) -> Dev {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in streams {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    // A terminal ends lines with CR LF.
                    let line = line.trim_end_matches('\r').to_string();
                    // Shown with `cargo test -- --nocapture`, and in a failure's output.
                    eprintln!("  dev| {line}");
                    lines.lock().unwrap().push(line);
                }
            });
        }
        Dev {
            child,
            on_terminal,
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

    /// Sends SIGINT to scaffold (our own unreaped child, or the one on the terminal).
    fn ctrl_c(&self) {
        let pid = self.on_terminal.unwrap_or(self.child.id());
        if self.on_terminal.is_none() || alive(pid) {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGINT);
        }
    }

    /// Closes the terminal, as a person closing its window does: the program holding it
    /// (`script`) is gone, so the kernel hangs the terminal up and sends SIGHUP; then the
    /// shell's SIGHUP to its jobs, a second one. Returns once scaffold has exited.
    fn close_terminal(&mut self) {
        let inner = self.on_terminal.expect("started on a terminal");
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(100));
        let _ = kill(Pid::from_raw(inner as i32), Signal::SIGHUP);
        let start = Instant::now();
        while alive(inner) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "scaffold dev did not stop within 60s of the terminal closing"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
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
        if let Some(inner) = self.on_terminal {
            self.ctrl_c();
            for _ in 0..300 {
                if !alive(inner) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
            return;
        }
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

/// The pids whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit(')')
                        .next()
                        .and_then(|r| r.split_whitespace().nth(1))
                        .and_then(|p| p.parse::<u32>().ok())
                })
                == Some(parent)
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

/// What a session printed that must be gone after it stops.
struct Started {
    session: PathBuf,
    pids: Vec<u32>,
    ports: Vec<u32>,
}

fn started(dev: &Dev) -> Started {
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
    let pids = pids(&text);
    assert!(pids.len() >= 2, "dev prints the pids it starts:\n{text}");
    Started {
        session,
        pids,
        ports: vec![api, api - 1, console, console - 3, postgres],
    }
}

/// Every process the session printed is gone, nothing still runs from its folder, the folder
/// is removed, and the ports are free again.
fn check_nothing_left(s: &Started, how: &str) {
    for pid in &s.pids {
        assert!(!alive(*pid), "pid {pid} still runs after {how}");
    }
    let left = processes_mentioning(&s.session.to_string_lossy());
    assert!(left.is_empty(), "left running after {how}: {left:?}");
    assert!(
        !s.session.exists(),
        "{} not removed after {how}",
        s.session.display()
    );
    for port in &s.ports {
        assert!(port_free(*port), "port {port} still taken after {how}");
    }
}

/// Stops the session with Ctrl-C, then checks nothing is left.
fn stop_and_check(dev: &mut Dev) {
    let before = started(dev);
    let status = dev.interrupt();
    assert!(
        status.success(),
        "Ctrl-C is a clean stop: {status}\n{}",
        dev.text()
    );
    let after = dev.text();
    assert!(after.contains("Stopped PostgreSQL"), "{after}");
    check_nothing_left(&before, "Ctrl-C");
}

/// Four consecutive free ports; returns the third, for `--port`.
fn free_port_block() -> u32 {
    for _ in 0..200 {
        let base = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port() as u32;
        if base + 4 < 65535 && (base..base + 4).all(port_free) {
            return base + 2;
        }
    }
    panic!("no four consecutive free ports");
}

#[test]
fn dev_runs_rebuilds_keeps_the_old_server_on_errors_and_cleans_up() {
    if crate::common::skip("dev") {
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

    // Second start: Nakama comes from the cache; on a terminal, on the ports --port names.
    std::fs::write(&code, &original).unwrap();
    let port = free_port_block();
    let port_flag = format!("--port {port}");
    let mut dev = Dev::start_on_terminal(&repo, &[&port_flag]);
    dev.wait_for("Ready (cached)", Duration::from_secs(600), |l| {
        l.iter().any(|l| l.contains("Ready "))
    });
    let cached = dev.started.elapsed();
    assert!(dev.count("Cached Nakama") == 1, "{}", dev.text());
    // --port P: the API on P and the console on P+1 (gRPC on P-1, console gRPC on P-2).
    assert_eq!(dev.number_after("API http://127.0.0.1:"), port);
    assert_eq!(dev.number_after("console http://127.0.0.1:"), port + 1);
    assert_eq!(echo(port), (200, ECHO.to_string()));
    // The ready line is followed by a call to paste, and it answers.
    let text = dev.text();
    let call = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Try "))
        .unwrap_or_else(|| panic!("no example call after Ready:\n{text}"));
    assert_eq!(
        call,
        format!("curl -d '{{}}' 'http://127.0.0.1:{port}/v2/rpc/profile_echo?http_key=defaulthttpkey&unwrap'")
    );
    let answer = Command::new("sh")
        .args(["-c", &format!("{call} -s -S --max-time 10")])
        .output()
        .expect("sh runs");
    assert!(answer.status.success(), "{answer:?}");
    assert_eq!(
        String::from_utf8_lossy(&answer.stdout),
        r#"{"rpc":"profile_echo","echo":{}}"#
    );
    // Closing the terminal (SIGHUP, twice) stops everything and removes the session folder,
    // as Ctrl-C does, though nothing can be printed any more.
    let before = started(&dev);
    dev.close_terminal();
    check_nothing_left(&before, "closing the terminal");

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

/// Every path below `dir` (folders too), relative, sorted.
fn everything_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn ctrl_c_during_the_first_server_build_leaves_nothing_in_the_temp_folder() {
    if crate::common::skip("dev") {
        return;
    }
    // A cache of its own, so Nakama is built (and Go's build cache starts empty: the build is
    // long enough to interrupt), and a temp folder of its own to look into afterwards.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("game");
    let made = Command::new(env!("CARGO_BIN_EXE_scaffold"))
        .args(["new", "--yes", "--no-git"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let temp = tmp.path().join("tmp");
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&temp).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_scaffold"))
        .arg("dev")
        .current_dir(&repo)
        .env("XDG_CACHE_HOME", &cache)
        .env("TMPDIR", &temp)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("scaffold dev starts");
    let mut dev = Dev::read(child, None);
    dev.wait_for("the server build", Duration::from_secs(600), |l| {
        l.iter().any(|l| l.contains("Building Nakama"))
    });
    // Go's work folder exists (the compiler runs) before the Ctrl-C.
    let start = Instant::now();
    while !everything_under(&temp).iter().any(|p| {
        p.rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with("go-build"))
    }) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no Go work folder under {} while the server builds: {:?}\n{}",
            temp.display(),
            everything_under(&temp),
            dev.text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    let status = dev.interrupt();
    assert!(
        status.success(),
        "Ctrl-C is a clean stop: {status}\n{}",
        dev.text()
    );
    assert!(dev.text().contains("Interrupted"), "{}", dev.text());
    assert_eq!(
        everything_under(&temp),
        Vec::<String>::new(),
        "left in the temp folder after Ctrl-C"
    );
    // No half-built server in the cache either.
    let built = cache.join("scaffold/nakama");
    let left: Vec<String> = everything_under(&built);
    assert!(left.is_empty(), "left in {}: {left:?}", built.display());
    // Go writes its module cache read-only; let the temp dir go.
    let _ = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(tmp.path())
        .status();
}

/// A Go module proxy in a folder (`GOPROXY=file://...`) serving one module version made of
/// `files` (path in the module, text); its go.mod is the file named `go.mod`.
fn file_proxy(root: &Path, module: &str, version: &str, files: &[(&str, &str)]) -> String {
    let at = root.join(module).join("@v");
    std::fs::create_dir_all(&at).unwrap();
    std::fs::write(at.join("list"), format!("{version}\n")).unwrap();
    std::fs::write(
        at.join(format!("{version}.info")),
        format!("{{\"Version\":\"{version}\",\"Time\":\"2026-01-01T00:00:00Z\"}}"),
    )
    .unwrap();
    let go_mod = files.iter().find(|(p, _)| *p == "go.mod").unwrap().1;
    std::fs::write(at.join(format!("{version}.mod")), go_mod).unwrap();
    // A module zip: every file under `MODULE@VERSION/`.
    let zip = at.join(format!("{version}.zip"));
    let listing: Vec<String> = files
        .iter()
        .map(|(p, text)| format!("{module}@{version}/{p}\0{text}"))
        .collect();
    let made = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\nfor entry in sys.stdin.read().split('\\x01'):\n    name, text = entry.split('\\0', 1)\n    z.writestr(name, text)\nz.close()",
        ])
        .arg(&zip)
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(listing.join("\u{1}").as_bytes())?;
            child.wait()
        })
        .expect("python3 writes the module zip");
    assert!(made.success());
    format!("file://{}", root.display())
}

/// A repo made by `new`, and `scaffold ARGS` in it with only `proxy` to fetch modules from (an
/// empty module cache and scaffold cache of its own).
fn with_proxy(tmp: &Path, proxy: &str, args: &[&str]) -> std::process::Output {
    let repo = tmp.join("game");
    if !repo.exists() {
        let made = Command::new(env!("CARGO_BIN_EXE_scaffold"))
            .args(["new", "--yes", "--no-git"])
            .arg(&repo)
            .output()
            .unwrap();
        assert!(made.status.success(), "{made:?}");
    }
    Command::new(env!("CARGO_BIN_EXE_scaffold"))
        .args(args)
        .current_dir(&repo)
        .env("XDG_CACHE_HOME", tmp.join("cache"))
        .env("GOMODCACHE", tmp.join("modcache"))
        .env("GOPROXY", proxy)
        .env("GOSUMDB", "off")
        .env("GOFLAGS", "")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A stand-in for Nakama 3.40.0's module whose go.mod requires a module the proxy lacks.
fn server_needing_a_missing_module(tmp: &Path) -> String {
    file_proxy(
        &tmp.join("proxy"),
        "github.com/heroiclabs/nakama/v3",
        "v3.40.0",
        &[
            (
                "go.mod",
                "module github.com/heroiclabs/nakama/v3\n\ngo 1.21\n\nrequire example.com/gone v1.0.0\n",
            ),
            ("main.go", "package main\n\nfunc main() {}\n"),
        ],
    )
}

#[test]
fn dev_names_the_module_its_server_needs_that_the_proxy_does_not_serve() {
    if crate::common::skip("dev") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let proxy = server_needing_a_missing_module(tmp.path());
    let out = with_proxy(tmp.path(), &proxy, &["dev"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("error: cannot run Nakama 3.40.0 here: the Go module proxy ({proxy}) does not serve example.com/gone@v1.0.0 (")),
        "{err}"
    );
    assert!(err.contains("`scaffold releases` shows them"), "{err}");
    // Said before the Go download and the server build, and nothing was started.
    for later in ["Downloading Go", "Building Nakama", "Session "] {
        assert!(!err.contains(later), "`{later}` before the refusal: {err}");
    }
    let _ = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(tmp.path())
        .status();
}

#[test]
fn releases_says_which_releases_dev_can_run_here() {
    if crate::common::skip("go") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let proxy = server_needing_a_missing_module(tmp.path());
    let out = with_proxy(tmp.path(), &proxy, &["releases", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = report["releases"].as_array().unwrap();
    let of = |v: &str| rows.iter().find(|r| r["nakama"] == v).unwrap();
    // The proxy serves 3.40.0's server module, and no other release's.
    assert_eq!(of("3.40.0")["dev"], "yes");
    assert_eq!(of("3.40.0")["dev_why"], serde_json::Value::Null);
    assert_eq!(of("3.39.0")["dev"], "no");
    let why = of("3.39.0")["dev_why"].as_str().unwrap();
    assert!(
        why.starts_with(
            "the Go module proxy does not serve github.com/heroiclabs/nakama/v3@v3.39.0 ("
        ),
        "{why}"
    );
    assert!(rows
        .iter()
        .all(|r| r["dev"] == "no" || r["nakama"] == "3.40.0"));
    let table = with_proxy(tmp.path(), &proxy, &["releases"]);
    let text = String::from_utf8_lossy(&table.stdout);
    let line = |v: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{v} ")))
            .unwrap()
            .to_string()
    };
    assert!(
        text.lines().next().unwrap().contains("scaffold dev here"),
        "{text}"
    );
    assert!(line("3.40.0").contains(" yes "), "{text}");
    assert!(line("3.39.0").contains(" no ("), "{text}");
    let _ = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(tmp.path())
        .status();
}
