//! The user's config file, `$XDG_CONFIG_HOME/scaffold/config.toml`: scaffold aliases for
//! onboarding (`scaffold new mygame --from acme`) and personal defaults.

use crate::error::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `acme = "https://git.example.com/acme/scaffold#v3"`
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Module paths default to `<module_prefix>/<name>` instead of `example.com/<name>`.
    #[serde(default)]
    pub module_prefix: Option<String>,
    /// The Nakama release `new` defaults to instead of the newest.
    #[serde(default)]
    pub nakama: Option<String>,
}

/// Where the config file lives: `$XDG_CONFIG_HOME/scaffold/config.toml`, else
/// `~/.config/scaffold/config.toml`.
pub fn path() -> Option<PathBuf> {
    let base = crate::userdirs::base(crate::userdirs::Kind::Config)?;
    Some(base.join("scaffold").join("config.toml"))
}

/// Reads the config; a missing file is an empty config, a broken one an error naming it.
pub fn load() -> Result<Config> {
    let Some(path) = path() else {
        return Ok(Config::default());
    };
    let text = match crate::files::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    toml::from_str(&text)
        .map_err(|e| crate::scaffold::manifest::toml_error(&path.display().to_string(), &text, &e))
}

impl Config {
    /// The release `new` offers first: the config's `nakama`, else the newest offered.
    pub fn default_release(&self) -> Result<&'static crate::versions::Release> {
        match &self.nakama {
            Some(v) => crate::versions::find_offered(v)
                .with_context(|| format!("`nakama` in {}", path().unwrap_or_default().display())),
            None => Ok(crate::versions::default_release()),
        }
    }
}
