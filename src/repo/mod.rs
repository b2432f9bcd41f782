//! What plans and writes a repo's files: the plan (every change in memory, shown as a diff,
//! applied all-or-nothing), the package folders on disk, the generated wiring, the
//! regeneration every command shares, scaffold.toml, and the operations the commands call.

pub(crate) mod add_package;
pub(crate) mod adopt;
pub(crate) mod check_template;
pub(crate) mod confine;
pub(crate) mod git;
pub(crate) mod journal;
pub(crate) mod lock;
pub(crate) mod merge;
pub mod new;
pub(crate) mod open;
pub(crate) mod packages;
pub(crate) mod plan;
pub mod project;
pub(crate) mod regen;
pub(crate) mod remove_package;
pub(crate) mod seal;
pub(crate) mod update;
pub(crate) mod upgrade;
pub(crate) mod wiring;
