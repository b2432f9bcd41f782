//! `scaffold dev`: the local loop. Builds the plugin with the exact Go of the repo's Nakama
//! release, runs that Nakama on PostgreSQL, and rebuilds and restarts on every save.
//!
//! `session` drives it; the other modules each own one piece (toolchain and plugin build, the
//! server, the database, the watch, the log format, child processes).

pub(crate) mod logs;

#[cfg(unix)]
pub(crate) mod avail;
#[cfg(unix)]
mod build;
#[cfg(unix)]
mod nakama;
#[cfg(unix)]
mod postgres;
#[cfg(unix)]
mod process;
#[cfg(unix)]
mod session;
#[cfg(unix)]
mod watch;

use crate::ui::Ui;
use std::path::PathBuf;

/// What `scaffold dev` was asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where to look for the repo (its root is found by walking up).
    pub dir: PathBuf,
    /// The API port (gRPC below it, the console above it, the console's gRPC two below);
    /// free ports when absent.
    pub port: Option<u16>,
    /// An existing PostgreSQL (Nakama's `--database.address` form) instead of a throw-away one.
    pub database_address: Option<String>,
    /// Keep the session folder (database, logs, plugin) when stopping.
    pub keep_data: bool,
    /// Passed to Nakama after everything scaffold sets.
    pub nakama_args: Vec<String>,
}

#[cfg(unix)]
pub fn run(opts: Options, ui: Ui) -> crate::error::Result<()> {
    session::run(opts, ui)
}

/// Go's `-buildmode=plugin` does not exist on Windows, so there is no native loop to run.
#[cfg(not(unix))]
pub fn run(_opts: Options, _ui: Ui) -> crate::error::Result<()> {
    crate::ui::eprint_line(
        "Go plugins cannot be built on Windows (Go has no -buildmode=plugin there), so `scaffold dev`
cannot run Nakama with your plugin natively. Run the same stack in Docker from the repo folder:

  docker compose up --build        build the plugin in the pluginbuilder image, start PostgreSQL and Nakama
  docker compose up --build -d     the same, in the background
  docker compose logs -f nakama    follow the server log
  docker compose down              stop (add -v to delete the database)

After changing code, run `docker compose up --build` again. Or run `scaffold dev` inside WSL 2.",
    );
    crate::error::bail!("`scaffold dev` needs Linux or macOS; use Docker Compose (above) or WSL 2")
}

/// Runs a long step: a spinner with the step and elapsed time on a terminal, a plain line
/// first otherwise. Returns what the step made and how long it took.
#[cfg(unix)]
pub(crate) fn long_step<T>(
    ui: Ui,
    verb: &str,
    what: &str,
    f: impl FnOnce() -> crate::error::Result<T>,
) -> crate::error::Result<(T, std::time::Duration)> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        ui.status(verb, what);
    }
    let bar = crate::ui::spinner(ui, &format!("{verb} {what}"));
    let start = std::time::Instant::now();
    let result = f();
    bar.finish_and_clear();
    result.map(|v| (v, start.elapsed()))
}
