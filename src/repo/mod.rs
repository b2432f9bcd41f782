//! What plans and writes a repo's files: the plan (every change in memory, shown as a diff,
//! applied all-or-nothing), the package folders on disk, the generated wiring, the
//! regeneration every command shares, scaffold.toml, and the operations the commands call.

pub mod add_package;
pub mod adopt;
pub mod check_template;
pub mod confine;
pub mod git;
pub mod journal;
pub mod locate;
pub mod lock;
pub mod merge;
pub mod new;
pub mod open;
pub mod packages;
pub mod plan;
pub mod project;
pub mod regen;
pub mod remove_package;
pub mod seal;
pub mod update;
pub mod upgrade;
pub mod wiring;
