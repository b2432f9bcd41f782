//! The user's cache of team scaffolds (`$XDG_CACHE_HOME/scaffold/scaffolds/`): the
//! manifest and kinds of each scaffold a repo was made from, at the commit it recorded, so
//! `add-package` neither clones the team's repository on every call nor needs it reachable,
//! and a repo made from a local folder still works after the folder moves.
//!
//! An entry is named by the SHA-256 of what it holds ([`digest`]), which scaffold.toml
//! records as `kinds`, and is checked against it when read. Repos made before that record
//! have no digest: theirs is named by the hash of the URL, commit and subdir they record.

use crate::error::{Context, Result};
use crate::scaffold::template::Template;
use crate::scaffold::Origin;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// The user's cache folder ([`crate::userdirs`]).
pub fn user_root() -> Result<PathBuf> {
    crate::userdirs::required(crate::userdirs::Kind::Cache)
}

/// Whether a scaffold file is kept in the cache: what `add-package` renders from.
fn kept(path: &Path) -> bool {
    path == Path::new(crate::scaffold::manifest::FILE) || path.starts_with("kinds")
}

/// `sha256:<hex>` of a scaffold's manifest and kinds: every path, executable bit and byte.
pub fn digest(template: &Template) -> String {
    let mut h = Sha256::new();
    for (path, bytes) in template.files.iter().filter(|(p, _)| kept(p)) {
        let exec = template.executable.contains(path);
        h.update(crate::files::slash(path).as_bytes());
        h.update([0, u8::from(exec)]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    format!("sha256:{}", hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cache entry of a recorded scaffold, when it can have one: by digest, else (older
/// records) by git URL, commit and subdir. A folder without either is read where it is.
fn key(origin: &Origin) -> Option<String> {
    if let Some(d) = origin
        .kinds
        .as_deref()
        .and_then(|d| d.strip_prefix("sha256:"))
    {
        if d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(d.to_ascii_lowercase());
        }
    }
    let commit = origin.commit.as_deref()?;
    let id = format!(
        "{}\n{commit}\n{}",
        origin.template,
        origin.subdir.as_deref().unwrap_or("")
    );
    Some(format!("git-{}", hex(&Sha256::digest(id.as_bytes()))))
}

fn folder() -> Result<PathBuf> {
    Ok(user_root()?.join("scaffold").join("scaffolds"))
}

/// The cached manifest and kinds of a recorded scaffold, if the cache holds them intact.
pub fn load(origin: &Origin) -> Option<Template> {
    let dir = folder().ok()?.join(key(origin)?);
    if !dir.is_dir() {
        return None;
    }
    let template = Template::from_dir(&dir).ok()?;
    match &origin.kinds {
        // An entry whose bytes changed is not used (and is written afresh).
        Some(want) if digest(&template) != *want => None,
        _ => Some(template),
    }
}

/// Keeps a scaffold's manifest and kinds for a recorded origin. Written to a temp folder
/// and renamed into place, so a reader never sees half an entry.
pub fn store(origin: &Origin, template: &Template) -> Result<()> {
    let Some(key) = key(origin) else {
        return Ok(());
    };
    let base = folder()?;
    let dest = base.join(&key);
    if load(origin).is_some() {
        return Ok(());
    }
    fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempdir_in(&base)
        .with_context(|| format!("cannot write in {}", base.display()))?;
    for (path, bytes) in template.files.iter().filter(|(p, _)| kept(p)) {
        let file = tmp.path().join(path);
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&file, bytes).with_context(|| format!("cannot write {}", file.display()))?;
        #[cfg(unix)]
        if template.executable.contains(path) {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&file, fs::Permissions::from_mode(0o755))?;
        }
    }
    // An entry that is there but damaged is replaced; one another run just wrote is kept.
    if dest.exists() {
        let _ = fs::remove_dir_all(&dest);
    }
    // Once renamed, the temp folder is the entry: TempDir finds nothing left to delete.
    match fs::rename(tmp.path(), &dest) {
        Ok(()) => Ok(()),
        Err(_) if dest.is_dir() => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", dest.display())),
    }
}
