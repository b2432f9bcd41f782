//! The seal on a journal: proof that scaffold on this machine, for this user, wrote it. A
//! journal tells the next command which files to rename and delete, so one that came with a
//! repo (committed with `git add -f`, or in a tarball) must never be acted on.
//!
//! The seal is an HMAC-SHA-256 of the journal's bytes under a random key kept in the user's
//! state folder (`$XDG_STATE_HOME/scaffold/journal.key`, else `~/.local/state/...`), made on
//! first use with mode 0600. A repo's author cannot know it, so cannot seal a journal. Where no
//! key can be kept (a read-only home in a container), journals are written unsealed: the run
//! works as before, but an interrupted one is reported, not finished, by the next command.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The key's length in bytes.
const KEY_BYTES: usize = 32;

/// The user's state folder for scaffold ([`crate::userdirs`]).
fn state_dir() -> Option<PathBuf> {
    Some(crate::userdirs::base(crate::userdirs::Kind::State)?.join("scaffold"))
}

/// The key, read or made once per process; `None` where none can be kept.
fn key() -> Option<&'static [u8; KEY_BYTES]> {
    static KEY: OnceLock<Option<[u8; KEY_BYTES]>> = OnceLock::new();
    KEY.get_or_init(|| load_or_make().ok()).as_ref()
}

fn load_or_make() -> std::io::Result<[u8; KEY_BYTES]> {
    let dir = state_dir().ok_or_else(|| std::io::Error::other("no state folder"))?;
    let path = dir.join("journal.key");
    if let Some(key) = read_key(&path) {
        return Ok(key);
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir)?;
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
    // Written whole under a temp name, then linked into place: two first runs at once agree
    // on whichever key was linked first, and nobody reads half a key.
    let tmp = tempfile::Builder::new()
        .prefix(".journal.key")
        .tempfile_in(&dir)?;
    tmp.as_file().write_all(&key)?;
    match fs::hard_link(tmp.path(), &path) {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_key(&path).ok_or_else(|| std::io::Error::other("unreadable key"))
        }
        Err(e) => Err(e),
    }
}

/// A key file's bytes, when it is a regular file of the right length.
fn read_key(path: &std::path::Path) -> Option<[u8; KEY_BYTES]> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    crate::files::read_at_most(path, KEY_BYTES as u64)
        .ok()?
        .try_into()
        .ok()
}

/// The seal of `bytes` in hex, or `None` where no key can be kept.
pub fn seal(bytes: &[u8]) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key()?).ok()?;
    mac.update(bytes);
    Some(
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Whether `seal` is this user's seal of `bytes` (compared in constant time).
pub fn verify(bytes: &[u8], seal: &str) -> bool {
    let Some(key) = key() else {
        return false;
    };
    let Some(expected) = unhex(seal) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return false;
    };
    mac.update(bytes);
    mac.verify_slice(&expected).is_ok()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}
