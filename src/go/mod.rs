//! Everything scaffold knows about Go, in one place: the source reader, the go tool's rules for
//! which files and folders a build reads, go.mod, name rules and version numbers, and the go
//! tool run for doctor's fixes (`tool`), and the one go runner that finds the exact Go release
//! (`toolchain`). Every command and doctor read Go through this folder;
//! nothing else scans Go text.

pub mod build;
pub mod gomod;
pub(crate) mod names;
pub mod source;
pub(crate) mod tool;
pub(crate) mod toolchain;
pub(crate) mod version;

pub use gomod::GoMod;
pub use source::GoFile;
pub use version::GoVersion;
