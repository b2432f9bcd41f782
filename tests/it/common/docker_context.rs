//! Lays out what a Dockerfile's first (builder) stage copies from the build context, without
//! Docker, so a test can run the stage's `go build` on exactly those files.
//!
//! Uses `tests/support/docker_context.py`, the project's model of Docker's rules, with python3
//! (which scripts/setup.sh needs anyway): a test never falls back to a weaker oracle.

use std::path::{Path, PathBuf};
use std::process::Command;

/// tests/support/docker_context.py.
pub fn script_path() -> PathBuf {
    super::crate_path("tests/support/docker_context.py")
}

/// Copies into `out` what the builder stage of `context/Dockerfile` copies; returns the
/// stage's final WORKDIR inside `out`.
pub fn lay_out(context: &Path, out: &Path) -> PathBuf {
    super::need("python3", &["--version"], "Debian `python3`");
    with_script(&script_path(), context, out)
}

/// Copies with `script` (tests/support/docker_context.py); returns the final WORKDIR.
pub fn with_script(script: &Path, context: &Path, out: &Path) -> PathBuf {
    let o = Command::new("python3")
        .arg(script)
        .arg(context)
        .arg(out)
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "docker_context.py failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rel = String::from_utf8(o.stdout).unwrap();
    out.join(rel.trim())
}
