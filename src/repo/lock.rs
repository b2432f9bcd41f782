//! The repo's lock, so two scaffold commands never change one repo at once: each plans from
//! what it read, so the second to write would drop the first one's COPY line and wiring.
//!
//! The lock is the file `.scaffold.lock` at the repo's root, created atomically (`O_EXCL`)
//! and holding the pid of the command that holds it. On Unix the holder also keeps an
//! advisory `flock` on it, which the kernel drops when the process dies however it dies: a
//! lock file whose `flock` is free was left by a dead run and is taken over (a pid alone can
//! be reused). Where the file system has no `flock`, the pid's liveness decides. A command
//! that finds the lock held waits a little ([`WAIT`], or `SCAFFOLD_LOCK_WAIT` seconds), then
//! stops with the holder's pid.
//!
//! The lock file is the repo's like any other file: it is never opened through a link (a
//! committed `.scaffold.lock -> ~/.bashrc` would be truncated to a pid), and a lock that cannot
//! be taken (a link, a folder) fails at once. Commands that only read create no lock file:
//! they wait, with a shared `flock`, only for a writer that holds one ([`wait_to_read`]).

use crate::error::{bail, Context, Result};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock file's name at the repo's root.
pub const FILE: &str = ".scaffold.lock";

/// How long a command waits for another to finish: scaffold's own commands take well under a
/// second, so two started together both run, one after the other.
pub const WAIT: Duration = Duration::from_secs(10);

/// The held lock; dropping it releases it (the file is deleted, then closed, which unlocks
/// it). The file is locked with std's `File::try_lock` (`flock` on Unix) where the file system
/// allows it.
pub struct Lock {
    path: PathBuf,
    _file: File,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Deleted while still locked: a waiting command that opened this file sees, once it
        // gets the lock, that it is no longer the one at the path, and starts again.
        let _ = fs::remove_file(&self.path);
    }
}

enum Attempt {
    Got(Lock),
    /// Held by a live command (its pid, once it has written it).
    Held(Option<u32>),
    /// The file changed under us (released, or taken over): look again.
    Again,
}

/// How long to wait for a held lock: [`WAIT`], or `SCAFFOLD_LOCK_WAIT` seconds.
fn wait() -> Duration {
    std::env::var("SCAFFOLD_LOCK_WAIT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
        .map_or(WAIT, Duration::from_secs_f64)
}

/// Takes the lock of the repo at `root`, waiting while another command holds it.
pub fn acquire(root: &Path) -> Result<Lock> {
    let path = root.join(FILE);
    let wait = wait();
    let start = Instant::now();
    loop {
        let outcome = attempt(&path)?;
        let late = start.elapsed() >= wait;
        match outcome {
            Attempt::Got(lock) => return Ok(lock),
            // The file keeps changing under us: bounded like a held lock.
            Attempt::Again if late => bail!(
                "cannot take the lock {}: it keeps changing; remove it if no scaffold is running",
                path.display()
            ),
            Attempt::Again => {}
            Attempt::Held(pid) if late => {
                let pid = pid.map_or("unknown".to_string(), |p| p.to_string());
                bail!(
                    "another scaffold is running in {} (pid {pid}); wait or remove {} if it is stale",
                    root.display(),
                    path.display()
                );
            }
            Attempt::Held(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// A shared hold on a writer's lock file, for a command that only reads; dropping it lets the
/// next writer in.
pub struct ReadLock {
    _file: File,
}

/// For a command that only reads: waits while a writer holds the repo's lock, then holds it
/// shared, so no writer starts while it reads. Creates nothing: with no lock file (or one that
/// is not a plain file) there is no writer to wait for.
pub fn wait_to_read(root: &Path) -> Result<Option<ReadLock>> {
    let path = root.join(FILE);
    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let Ok(file) = open_existing(&path, false) else {
        return Ok(None);
    };
    shared(file, &path, wait())
}

fn shared(file: File, path: &Path, wait: Duration) -> Result<Option<ReadLock>> {
    let start = Instant::now();
    loop {
        match file.try_lock_shared() {
            Ok(()) => return Ok(Some(ReadLock { _file: file })),
            Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                let mut file = file;
                let pid = pid_in(&mut file).map_or("unknown".to_string(), |p| p.to_string());
                bail!(
                    "another scaffold is changing this repo (pid {pid}); wait or remove {} if it is stale",
                    path.display()
                )
            }
            // No locks on this file system: read without it.
            Err(TryLockError::Error(_)) => return Ok(None),
        }
    }
}

/// Opens an existing lock file, never through a link.
fn open_existing(path: &Path, write: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(write);
    no_follow(&mut options);
    options.open(path)
}

/// Opening refuses a link at the last part of the path (`O_NOFOLLOW`), and does not block on a
/// FIFO.
fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        options,
        nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK,
    );
    #[cfg(not(unix))]
    let _ = options;
}

fn attempt(path: &Path) -> Result<Attempt> {
    let cannot = || format!("cannot create the lock file {}", path.display());
    let mut create = OpenOptions::new();
    create.read(true).write(true).create_new(true);
    no_follow(&mut create);
    let (file, created) = match create.open(path) {
        Ok(f) => (f, true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => match open_existing(path, true) {
            Ok(f) => (f, false),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Attempt::Again),
            Err(_) if !fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) => bail!(
                "{} is not a plain file (a link, a folder or a device came with the repo?); scaffold never writes through it: delete it, then run this again",
                path.display()
            ),
            Err(e) => return Err(e).with_context(cannot),
        },
        Err(e) => return Err(e).with_context(cannot),
    };
    // A FIFO or device opened without blocking is still no lock file.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        bail!(
            "{} is not a plain file; delete it, then run this again",
            path.display()
        );
    }
    let mut file = match hold(file, created) {
        Ok(f) => f,
        Err(pid) => return Ok(Attempt::Held(pid)),
    };
    if !same_file(&file, path) {
        return Ok(Attempt::Again);
    }
    // Ours now: a new file, or one a dead command left (taken over in place).
    file.set_len(0).with_context(cannot)?;
    file.rewind().with_context(cannot)?;
    writeln!(file, "{}", std::process::id()).with_context(cannot)?;
    Ok(Attempt::Got(Lock {
        path: path.to_path_buf(),
        _file: file,
    }))
}

/// Locks the open lock file, or says that a live command holds it (with its pid, once
/// written).
fn hold(mut file: File, created: bool) -> std::result::Result<File, Option<u32>> {
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(pid_in(&mut file)),
        // No locks on this file system: a live pid in the file holds it.
        Err(TryLockError::Error(_)) => {
            let holder = pid_in(&mut file);
            if created || holder.is_some_and(|p| !alive(p)) {
                return Ok(file);
            }
            Err(holder)
        }
    }
}

/// The pid a lock file holds, once its holder has written it.
fn pid_in(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    use nix::errno::Errno;
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// Where a pid cannot be asked about, it is taken as alive: the lock is left to its holder.
#[cfg(not(unix))]
fn alive(_: u32) -> bool {
    true
}

/// Whether the open file is still the one at `path`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}
