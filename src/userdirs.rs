//! The user's folders scaffold keeps its own things in, by one rule: the XDG base directories
//! (an absolute `$XDG_CACHE_HOME`, `$XDG_CONFIG_HOME` or `$XDG_STATE_HOME`; a relative one is
//! ignored, as the specification says), else their defaults under `$HOME` (the cache in
//! `~/Library/Caches` on macOS, as its tools expect). Each caller adds `scaffold/...`.

use crate::error::{Context, Result};
use std::path::PathBuf;

/// Which of the user's folders.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Team scaffolds, learned releases, Nakama builds for `dev`: safe to delete.
    Cache,
    /// config.toml: the user's aliases and defaults.
    Config,
    /// The journal key: scaffold's own, never shared.
    State,
}

impl Kind {
    fn variable(self) -> &'static str {
        match self {
            Kind::Cache => "XDG_CACHE_HOME",
            Kind::Config => "XDG_CONFIG_HOME",
            Kind::State => "XDG_STATE_HOME",
        }
    }

    /// The default below `$HOME`.
    fn under_home(self) -> &'static str {
        match self {
            Kind::Cache if cfg!(target_os = "macos") => "Library/Caches",
            Kind::Cache => ".cache",
            Kind::Config => ".config",
            Kind::State => ".local/state",
        }
    }
}

/// The folder of that kind, or `None` when neither its variable nor `HOME` names one.
pub fn base(kind: Kind) -> Option<PathBuf> {
    let set = std::env::var_os(kind.variable())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    set.or_else(|| {
        let home = PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?);
        Some(home.join(kind.under_home()))
    })
}

/// [`base`], or an error saying which variable to set.
pub fn required(kind: Kind) -> Result<PathBuf> {
    base(kind).with_context(|| {
        format!(
            "HOME is not set, so there is no {kind:?} folder; set {}",
            kind.variable()
        )
    })
}
