//! The doctor checks' stable ids, named for what they find: code says `id::NOT_COPIED`, users
//! and `--allow` say `D001`. Apart from the check table (`checks.rs`) so that each check and
//! the table can name them without importing each other.

/// D001: a package the plugin needs is not copied.
pub const NOT_COPIED: &str = "D001";
/// D002: vendor/ missing, not copied or stale.
pub const VENDOR: &str = "D002";
/// D003: a disagreement with the Nakama release.
pub const RELEASE: &str = "D003";
/// D004: an import under a path that is not the module's.
pub const IMPORT_PATH: &str = "D004";
/// D005: the go build line itself.
pub const BUILD_LINE: &str = "D005";
/// D006: line endings and BOMs.
pub const ENCODING: &str = "D006";
/// D007: InitModule.
pub const INIT_MODULE: &str = "D007";
/// D008: conflict and block markers.
pub const MARKERS: &str = "D008";
/// D009: go.sum.
pub const GO_SUM: &str = "D009";
/// D010: what Go says when it replays the builder stage.
pub const GO_SAYS: &str = "D010";
