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

use crate::error::{bail, Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock file's name at the repo's root.
pub const FILE: &str = ".scaffold.lock";

/// How long a command waits for another to finish: scaffold's own commands take well under a
/// second, so two started together both run, one after the other.
pub const WAIT: Duration = Duration::from_secs(10);

/// The held lock; dropping it releases it (the file is deleted, then unlocked).
pub struct Lock {
    path: PathBuf,
    _handle: Handle,
}

/// The open lock file: flocked where the file system allows it.
enum Handle {
    #[cfg(unix)]
    Flocked(nix::fcntl::Flock<File>),
    Plain(File),
}

impl Handle {
    fn file(&mut self) -> &mut File {
        match self {
            #[cfg(unix)]
            Handle::Flocked(f) => f,
            Handle::Plain(f) => f,
        }
    }
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

/// Takes the lock of the repo at `root`, waiting while another command holds it.
pub fn acquire(root: &Path) -> Result<Lock> {
    let path = root.join(FILE);
    let wait = std::env::var("SCAFFOLD_LOCK_WAIT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(WAIT, Duration::from_secs_f64);
    let start = Instant::now();
    loop {
        match attempt(&path)? {
            Attempt::Got(lock) => return Ok(lock),
            Attempt::Again => {}
            Attempt::Held(pid) if start.elapsed() >= wait => {
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

/// [`acquire`] for commands that only read: a repo where no lock file can be made (a
/// read-only checkout) is read without the lock.
pub fn acquire_to_read(root: &Path) -> Result<Option<Lock>> {
    match acquire(root) {
        Ok(lock) => Ok(Some(lock)),
        Err(e) if e.is::<std::io::Error>() && !root.join(FILE).exists() => Ok(None),
        Err(e) => Err(e),
    }
}

fn attempt(path: &Path) -> Result<Attempt> {
    let cannot = || format!("cannot create the lock file {}", path.display());
    let (file, created) = match OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => (f, true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            match OpenOptions::new().read(true).write(true).open(path) {
                Ok(f) => (f, false),
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Attempt::Again),
                Err(e) => return Err(e).with_context(cannot),
            }
        }
        Err(e) => return Err(e).with_context(cannot),
    };
    let mut handle = match hold(file, created) {
        Ok(h) => h,
        Err(pid) => return Ok(Attempt::Held(pid)),
    };
    if !same_file(handle.file(), path) {
        return Ok(Attempt::Again);
    }
    // Ours now: a new file, or one a dead command left (taken over in place).
    let file = handle.file();
    file.set_len(0).with_context(cannot)?;
    file.rewind().with_context(cannot)?;
    writeln!(file, "{}", std::process::id()).with_context(cannot)?;
    Ok(Attempt::Got(Lock {
        path: path.to_path_buf(),
        _handle: handle,
    }))
}

/// Locks the open lock file, or says that a live command holds it (with its pid, once
/// written).
#[cfg(unix)]
fn hold(file: File, created: bool) -> std::result::Result<Handle, Option<u32>> {
    use nix::errno::Errno;
    use nix::fcntl::{Flock, FlockArg};
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(locked) => Ok(Handle::Flocked(locked)),
        Err((mut file, Errno::EWOULDBLOCK)) => Err(pid_in(&mut file)),
        // No flock on this file system: a live pid in the file holds it.
        Err((mut file, _)) => {
            let holder = pid_in(&mut file);
            if created || holder.is_some_and(|p| !alive(p)) {
                return Ok(Handle::Plain(file));
            }
            Err(holder)
        }
    }
}

#[cfg(not(unix))]
fn hold(mut file: File, created: bool) -> std::result::Result<Handle, Option<u32>> {
    if created {
        return Ok(Handle::Plain(file));
    }
    Err(pid_in(&mut file))
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

/// Whether the open file is still the one at `path`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}
