//! One module per subcommand; each only turns its arguments into calls on the library modules.

pub(crate) mod add_package;
pub mod completions;
pub(crate) mod dev;
pub(crate) mod doctor;
mod finish;
pub(crate) mod man;
pub mod new;
pub(crate) mod releases;
pub(crate) mod remove_package;
pub(crate) mod sync;
pub(crate) mod templates;
pub(crate) mod update;
pub(crate) mod upgrade;

use crate::error::Result;

/// What a command returns: its report (for `--json`, and carrying its verdict when it
/// reported and then failed), or `None` for a command that has none.
pub type Outcome = Result<Option<Report>>;
use crate::repo::open::{self, Held, Opened};
use crate::ui::{Report, Ui};
use std::path::Path;

/// Opens the repo that holds `dir` for a command ([`crate::repo::open`]) and says how it found
/// it (an interrupted run finished, undone, or left alone).
pub fn open(dir: &Path, ui: Ui, writes: bool) -> Result<Opened> {
    let opened = open::open(dir, writes)?;
    if let Some(note) = &opened.note {
        ui.warn(note);
    }
    Ok(opened)
}

/// Locks the repo at `root` for a command that has no scaffold.toml to read (doctor, adopt,
/// new), saying how it found it.
pub fn hold(root: &Path, ui: Ui, writes: bool) -> Result<Held> {
    let locked = open::hold(root, writes)?;
    if let Some(note) = &locked.note {
        ui.warn(note);
    }
    Ok(locked.held)
}

pub use finish::{judged, Finish, Headline};
