//! Child processes of `scaffold dev`: spawned in their own process group, stopped by pid
//! (a signal, a grace period, then SIGKILL), and one-shot commands that Ctrl-C interrupts.

use crate::error::{err, Context, Result};
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::{geteuid, Pid, User};
use std::io::{Read, Seek};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Ctrl-C (or SIGTERM/SIGHUP) was pressed while a step ran; the caller stops cleanly.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// Set by SIGINT, SIGTERM and SIGHUP; every wait loop polls it instead of dying in the handler,
/// so the session can stop what it started before exiting.
pub fn stop_flag() -> Result<Arc<AtomicBool>> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // A second Ctrl-C while stopping exits at once (Linux children then get their death
        // signal); it must be registered before the flag, or the flag would already be set.
        // Not for SIGHUP: a closed terminal sends it more than once (the kernel, then the
        // shell to its jobs), and nobody is there to ask for haste; the clean-up must finish.
        if sig != SIGHUP {
            signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&flag))
                .context("cannot install the Ctrl-C handler")?;
        }
        signal_hook::flag::register(sig, Arc::clone(&flag))
            .context("cannot install the Ctrl-C handler")?;
    }
    Ok(flag)
}

/// Prepares `cmd` to run as our child: no stdin, its own process group (so the terminal's
/// Ctrl-C reaches only us and we stop children in order), and on Linux a signal when we die
/// without cleaning up (e.g. SIGKILL), so no server outlives `scaffold dev`.
pub fn detach(cmd: &mut Command, death_signal: Signal) {
    cmd.stdin(Stdio::null()).process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: `pre_exec` is unsafe because its closure runs between fork and exec; this one
    // makes one async-signal-safe call (prctl, no allocation) that touches only the child. std
    // runs it after setuid, so the setting survives the switch to the PostgreSQL user. The
    // death signal follows the spawning thread, and every child is spawned from the main thread.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(death_signal).map_err(std::io::Error::from)
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = death_signal;
}

/// A long-running child (PostgreSQL, Nakama) that is stopped by pid when dropped.
pub struct Proc {
    child: Child,
    status: Option<ExitStatus>,
    stop_signal: Signal,
}

impl Proc {
    /// Spawns `cmd` (already [`detach`]ed); `stop_signal` asks it to shut down cleanly.
    pub fn spawn(name: &'static str, cmd: &mut Command, stop_signal: Signal) -> Result<Self> {
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {name} ({})", program(cmd)))?;
        Ok(Self {
            child,
            status: None,
            stop_signal,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The exit status once it has exited on its own (reaps it).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Sends the stop signal, waits up to `grace`, then SIGKILL. Signals go to the pid only
    /// while the child is unreaped, so a recycled pid is never hit.
    pub fn stop(&mut self, grace: Duration) -> ExitStatus {
        if let Some(status) = self.exited() {
            return status;
        }
        signal(self.pid(), self.stop_signal);
        let status = match wait_until(&mut self.child, grace) {
            Some(status) => status,
            None => {
                signal(self.pid(), Signal::SIGKILL);
                self.child.wait().unwrap_or_else(|_| killed_status())
            }
        };
        self.status = Some(status);
        status
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(10));
    }
}

/// Runs a one-shot command to completion with stdout and stderr captured together (in the
/// order written), stopping it when `stop` is set. The command's whole process group is
/// signalled, because `go build` runs the compiler and linker as its own children.
pub fn run_captured(cmd: &mut Command, stop: &AtomicBool) -> Result<(ExitStatus, String)> {
    let mut out = tempfile::tempfile().context("cannot create a temp file")?;
    cmd.stdout(out.try_clone()?).stderr(out.try_clone()?);
    detach(cmd, Signal::SIGKILL);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", program(cmd)))?;
    let pgid = child.id();
    let status = loop {
        if let Some(status) = wait_until(&mut child, Duration::from_millis(100)) {
            break status;
        }
        if stop.load(Ordering::SeqCst) {
            signal_group(pgid, Signal::SIGTERM);
            if wait_until(&mut child, Duration::from_secs(3)).is_none() {
                signal_group(pgid, Signal::SIGKILL);
                let _ = child.wait();
            }
            return Err(Interrupted.into());
        }
    };
    let mut text = String::new();
    out.rewind()?;
    out.read_to_string(&mut text)
        .context("cannot read a command's output")?;
    Ok((status, text))
}

/// `run_captured`, failing with the command's last lines when it exits non-zero.
pub fn run_checked(cmd: &mut Command, stop: &AtomicBool, what: &str) -> Result<String> {
    let (status, text) = run_captured(cmd, stop)?;
    if !status.success() {
        return Err(err!("{what} failed ({status}):\n{}", tail(&text, 40)));
    }
    Ok(text)
}

/// The last `n` lines of `text`, for error messages.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Polls until the child exits or `limit` passes.
fn wait_until(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(25)),
            // An error means it is gone or not ours: nothing left to wait for.
            Ok(None) => return None,
            Err(_) => return Some(killed_status()),
        }
    }
}

/// Signals our unreaped child `pid`; an error means it is gone already, which is what we want.
fn signal(pid: u32, sig: Signal) {
    let _ = kill(Pid::from_raw(pid as i32), sig);
}

/// Signals the process group our child `pgid` leads (`kill(-pgid, sig)`).
fn signal_group(pgid: u32, sig: Signal) {
    let _ = killpg(Pid::from_raw(pgid as i32), sig);
}

fn killed_status() -> ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    ExitStatus::from_raw(Signal::SIGKILL as i32)
}

fn program(cmd: &Command) -> String {
    cmd.get_program().to_string_lossy().into_owned()
}

/// True when we run as root (PostgreSQL then needs another user).
pub fn is_root() -> bool {
    geteuid().is_root()
}

/// A local user's uid and gid, if the user exists.
pub fn user_ids(name: &str) -> Option<(u32, u32)> {
    let user = User::from_name(name).ok().flatten()?;
    Some((user.uid.as_raw(), user.gid.as_raw()))
}

/// The first `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Random hex for passwords and folder names (the kernel's generator; no extra crate).
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context("cannot read /dev/urandom")?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_both_streams_in_order() {
        let stop = AtomicBool::new(false);
        let (status, text) = run_captured(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            &stop,
        )
        .unwrap();
        assert_eq!(status.code(), Some(3));
        assert_eq!(text, "out\nerr\n");
    }

    #[test]
    fn a_failed_command_reports_its_last_lines() {
        let stop = AtomicBool::new(false);
        let err = run_checked(
            Command::new("sh").args(["-c", "for i in $(seq 50); do echo l$i; done; exit 2"]),
            &stop,
            "`counting`",
        )
        .unwrap_err()
        .to_string();
        let last: Vec<String> = (11..=50).map(|i| format!("l{i}")).collect();
        assert_eq!(
            err,
            format!("`counting` failed (exit status: 2):\n{}", last.join("\n"))
        );
    }

    #[test]
    fn stop_flag_interrupts_a_running_command() {
        let stop = AtomicBool::new(true);
        let started = Instant::now();
        let err = run_captured(Command::new("sleep").arg("30"), &stop).unwrap_err();
        assert!(err.is::<Interrupted>());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn stop_escalates_to_sigkill() {
        // A shell that ignores SIGTERM must still be gone after the grace period.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "trap '' TERM; while :; do sleep 0.1; done"]);
        detach(&mut cmd, Signal::SIGKILL);
        let mut proc = Proc::spawn("sh", &mut cmd, Signal::SIGTERM).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let status = proc.stop(Duration::from_millis(300));
        assert!(!status.success());
        assert!(proc.exited().is_some());
    }

    #[test]
    fn looks_up_root() {
        assert_eq!(user_ids("root"), Some((0, 0)));
        assert_eq!(user_ids("no-such-user-scaffold"), None);
    }
}
