//! The scaffold side: what a repo is made from. The templates and their handlebars engine
//! (`template`), a scaffold's manifest (`manifest`), where a scaffold comes from and how it is
//! fetched (`source`, `origin`), the user's cache of team scaffolds (`cache`) and config file
//! (`config`), the answers to a scaffold's questions (`answers`), and the starter code of a
//! package kind (`starter`). Nothing here reads or writes a repo: `repo/` does, using this.

pub mod answers;
pub(crate) mod cache;
pub(crate) mod config;
pub mod manifest;
pub(crate) mod origin;
pub mod source;
pub(crate) mod starter;
pub mod template;

pub use origin::Origin;
