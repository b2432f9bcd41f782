//! Reading the files of a repo or a scaffold without trusting them: only regular files are
//! opened (a committed link to `/dev/zero`, or a FIFO, would make a plain read hang or never
//! end), and no read returns more than a bound. Also the path rules every writer shares: how
//! a path is spelt in messages and Dockerfiles, and which paths are git's own.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// The most any one file scaffold reads may hold: far above any Dockerfile, go.mod, Go file or
/// scaffold template, far below what would exhaust memory.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// A file's bytes (links followed), refused unless it is a regular file of at most
/// [`MAX_FILE_BYTES`]. A missing file is `NotFound`, as with `fs::read`.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    read_at_most(path, MAX_FILE_BYTES)
}

/// [`read`], as text (invalid UTF-8 is an `InvalidData` error, as with `fs::read_to_string`).
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not UTF-8 text", path.display()),
        )
    })
}

/// A regular file's bytes, at most `limit` of them.
pub fn read_at_most(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    // The type is checked before opening: opening a FIFO blocks until a writer comes, and
    // opening some devices does something. Checked again on the open file, as the path may
    // have changed in between.
    regular(&fs::metadata(path)?, path)?;
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    regular(&meta, path)?;
    if meta.len() > limit {
        return Err(too_big(path, limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(path, limit));
    }
    Ok(bytes)
}

/// Whether a path goes through git's own folder: a part named `.git` in any case, or one
/// that a file system takes for it (`.git.` and `.git ` on Windows, `git~1` as its short
/// name, `.g\u{200c}it` on HFS+, which ignores some code points). Scaffold never writes there:
/// `.git/config` and `.git/hooks` run commands.
pub fn names_git_dir(path: &Path) -> bool {
    path.components().any(|c| {
        let part: String = c
            .as_os_str()
            .to_string_lossy()
            .chars()
            .filter(|c| !ignorable(*c))
            .collect();
        let part = part.trim_end_matches(['.', ' ']);
        part.eq_ignore_ascii_case(".git") || part.eq_ignore_ascii_case("git~1")
    })
}

/// Code points HFS+ leaves out when it compares names.
fn ignorable(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

fn regular(meta: &fs::Metadata, path: &Path) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let what = if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file (a device, FIFO or socket)"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {what}; scaffold reads only regular files",
            path.display()
        ),
    ))
}

fn too_big(path: &Path, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} is larger than {} MiB, more than scaffold reads from one file",
            path.display(),
            limit / (1024 * 1024)
        ),
    )
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_fifos_and_folders_and_bounds_the_size() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read(&link).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let fifo = dir.path().join("pipe");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert!(read(&fifo).is_err());
        assert!(read(dir.path()).unwrap_err().to_string().contains("folder"));
        let big = dir.path().join("big");
        fs::write(&big, vec![b'x'; 100]).unwrap();
        assert_eq!(read_at_most(&big, 100).unwrap().len(), 100);
        assert!(read_at_most(&big, 99).is_err());
        assert_eq!(
            read(&dir.path().join("none")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}

/// A path with `/` separators on every OS, for messages and Dockerfiles.
pub fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
