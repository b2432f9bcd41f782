//! One `scaffold dev` run: prepare the toolchain and server, start the database and Nakama,
//! rebuild and restart on every save, and on Ctrl-C stop everything it started.

use super::build::{self, human, Built, Toolchain};
use super::nakama::{self, Health, Launch, Ports, Server};
use super::postgres::{self, Postgres};
use super::process::{self, is_executable, is_root, random_hex, Interrupted};
use super::watch::{Change, Watcher};
use super::{long_step, Options};
use crate::error::{Context, Result};
use crate::repo::project;
use crate::ui::Ui;
use crate::versions;
use console::style;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a starting server may take to answer /healthcheck before we say so.
const HEALTHY_WITHIN: Duration = Duration::from_secs(90);

pub fn run(opts: Options, ui: Ui) -> Result<()> {
    let started = Instant::now();
    let root = project::find_root(&opts.dir)?;
    let record = project::load(&root)?;
    let release = versions::find(&record.project.nakama)?;
    // Everything that can be wrong with the machine is checked before the long steps.
    let database = match opts.database_address {
        None => Database::Local(postgres::Bin::find()?),
        Some(address) => Database::External(address),
    };
    let ports = Ports::choose(opts.port)?;
    let stop = process::stop_flag()?;
    ui.status(
        "Project",
        &format!(
            "{} (Nakama {}, Go {}) in {}",
            record.project.name,
            release.nakama,
            release.go,
            root.display()
        ),
    );
    let result = (|| -> Result<()> {
        let env = build::probe(&stop)?;
        let binary = nakama::cached_binary(release)?;
        // Fetch first: a release the proxy lacks fails before the Go download and the build.
        let source = if is_executable(&binary) {
            None
        } else {
            let label = format!("Nakama {} source", release.nakama);
            Some(
                long_step(ui, "Fetching", &label, || {
                    nakama::fetch_source(&env, release, &stop)
                })?
                .0,
            )
        };
        let tc = Toolchain::prepare(&env, release, &stop, ui)?;
        match source {
            Some(src) => nakama::build_server(&tc, release, &src, &binary, &stop, ui)?,
            None => ui.status(
                "Cached",
                &format!(
                    "Nakama {} built with Go {} ({})",
                    release.nakama,
                    release.go,
                    binary.display()
                ),
            ),
        }
        let mut session = Session::create(ui, &record.project.name, opts.keep_data)?;
        let ctx = Ctx {
            root: &root,
            tc: &tc,
            binary: &binary,
            ports,
            extra: &opts.nakama_args,
            stop: &stop,
            started,
        };
        // Dropping the session (here, or on an error) stops what it started.
        session.run(&ctx, &database)
    })();
    match result {
        // Ctrl-C during a step is a normal way to end; the session has cleaned up.
        Err(err) if err.is::<Interrupted>() => {
            ui.status("Interrupted", "everything it started is stopped");
            Ok(())
        }
        other => other,
    }
}

/// Where Nakama keeps its data.
enum Database {
    /// A throw-away PostgreSQL from these binaries, in the session folder.
    Local(postgres::Bin),
    /// `--database-address`: a server the user runs.
    External(String),
}

/// What every step of a session reads.
struct Ctx<'a> {
    root: &'a Path,
    tc: &'a Toolchain,
    binary: &'a Path,
    ports: Ports,
    extra: &'a [String],
    stop: &'a AtomicBool,
    started: Instant,
}

/// What a session started, so it can stop exactly that when dropped.
struct Session {
    ui: Ui,
    /// The session folder: database, plugin, logs. Outside the repo, so the watch and git
    /// never see it.
    dir: PathBuf,
    keep: bool,
    postgres: Option<Postgres>,
    server: Option<Server>,
    log: Arc<Mutex<std::fs::File>>,
    ready_once: bool,
}

impl Session {
    fn create(ui: Ui, name: &str, keep: bool) -> Result<Self> {
        let safe: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let dir = std::env::temp_dir().join(format!("scaffold-dev-{safe}-{}", random_hex(4)?));
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // As root, PostgreSQL runs as another user that must reach its folder inside.
        let mode = if is_root() { 0o755 } else { 0o700 };
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode))?;
        for sub in ["modules", "build", "nakama"] {
            std::fs::create_dir(dir.join(sub))?;
        }
        let log = std::fs::File::create(dir.join("nakama.log"))?;
        ui.status(
            "Session",
            &format!(
                "{} ({} on exit)",
                dir.display(),
                if keep {
                    "kept"
                } else {
                    "removed; --keep-data keeps it"
                }
            ),
        );
        Ok(Self {
            ui,
            dir,
            keep,
            postgres: None,
            server: None,
            log: Arc::new(Mutex::new(log)),
            ready_once: false,
        })
    }

    fn staged(&self) -> PathBuf {
        self.dir.join("build/backend.so")
    }

    fn installed(&self) -> PathBuf {
        self.dir.join("modules/backend.so")
    }

    fn run(&mut self, c: &Ctx, database: &Database) -> Result<()> {
        // Watch before the first build, so a save during it is not missed.
        let mut watcher = Watcher::new(c.root, &self.dir)?;
        let first_ok = self.build(c, "plugin")?;
        let address = match database {
            Database::Local(bin) => {
                let pg = Postgres::start(bin, &self.dir.join("postgres"), c.stop)?;
                self.ui.status(
                    "Started",
                    &format!(
                        "{} on 127.0.0.1:{} (pid {})",
                        bin.version(),
                        pg.port,
                        pg.proc.pid()
                    ),
                );
                let address = pg.address.clone();
                self.postgres = Some(pg);
                address
            }
            Database::External(address) => {
                self.ui.status(
                    "Database",
                    &format!("{} (--database-address)", without_password(address)),
                );
                address.clone()
            }
        };
        nakama::migrate(c.binary, &address, c.stop).map_err(|err| match database {
            Database::External(address) => err.context(format!(
                "cannot prepare the database at {}; check that it runs and that --database-address is right",
                without_password(address)
            )),
            Database::Local(_) => err,
        })?;
        self.ui
            .status("Migrated", "the nakama database (nakama migrate up)");
        if first_ok {
            self.install()?;
            self.start_server(c, &address)?;
        }
        self.ui.status(
            "Watching",
            &format!(
                "{} for .go, go.mod, go.sum and local.yml changes; Ctrl-C stops everything",
                c.root.display()
            ),
        );
        while !c.stop.load(Ordering::SeqCst) {
            if let Some(server) = self.server.as_mut() {
                if let Some(status) = server.proc.exited() {
                    server.join();
                    self.server = None;
                    self.ui.warn(&format!(
                        "nakama exited ({status}); save a file to rebuild and start it again"
                    ));
                }
            }
            let Some((change, path)) = watcher.next(Duration::from_millis(200)) else {
                continue;
            };
            match change {
                Change::Code => {
                    if self.build(c, &format!("plugin ({} changed)", path.display()))? {
                        self.restart(c, &address)?;
                    }
                }
                Change::Config if self.installed().is_file() => {
                    self.ui.status("Changed", "local.yml; restarting Nakama");
                    self.restart(c, &address)?;
                }
                Change::Config => {}
            }
        }
        Ok(())
    }

    /// Builds into the staging folder; on failure prints the compiler's output and keeps
    /// whatever runs.
    fn build(&mut self, c: &Ctx, what: &str) -> Result<bool> {
        let out = self.staged();
        let (built, took) = long_step(self.ui, "Building", what, || {
            build::plugin(c.tc, c.root, &out, c.stop)
        })?;
        match built {
            Built::Ok => {
                self.ui.status(
                    "Built",
                    &format!("backend.so with {} in {}", c.tc.version, human(took)),
                );
                Ok(true)
            }
            Built::Failed(text) => {
                let keep = if self.server.is_some() {
                    "; Nakama keeps running the previous build"
                } else {
                    ""
                };
                // Never println!: after the terminal is closed, a failed write must not stop
                // the clean-up.
                crate::ui::eprint_line(&format!(
                    "{} the plugin does not build{keep}; fix it and save:",
                    style("error:").red().bold().for_stderr()
                ));
                crate::ui::eprint_line(text.trim_end());
                Ok(false)
            }
        }
    }

    /// Moves the staged plugin into the runtime folder. A rename, never a copy over the file:
    /// a running server maps the old one, and overwriting it in place would crash it.
    fn install(&self) -> Result<()> {
        std::fs::rename(self.staged(), self.installed()).context("cannot install backend.so")
    }

    /// Go plugins cannot be unloaded, so a new plugin means a new server process.
    fn restart(&mut self, c: &Ctx, address: &str) -> Result<()> {
        if let Some(old) = self.server.take() {
            let pid = old.proc.pid();
            old.stop();
            self.ui.status("Stopped", &format!("nakama (pid {pid})"));
        }
        if self.staged().is_file() {
            self.install()?;
        }
        self.start_server(c, address)
    }

    fn start_server(&mut self, c: &Ctx, address: &str) -> Result<()> {
        let begun = Instant::now();
        let server = Server::start(&Launch {
            binary: c.binary,
            root: c.root,
            address,
            modules: &self.dir.join("modules"),
            data: &self.dir.join("nakama"),
            ports: c.ports,
            extra: c.extra,
            log: Arc::clone(&self.log),
            colour: console::colors_enabled(),
        })?;
        let pid = server.proc.pid();
        self.ui.status("Started", &format!("nakama (pid {pid})"));
        let server = self.server.insert(server);
        match server.wait_healthy(c.ports.api, c.stop, HEALTHY_WITHIN)? {
            Health::Ready => {
                let since = if self.ready_once {
                    format!("restarted in {}", human(begun.elapsed()))
                } else {
                    format!("{} after `scaffold dev` began", human(c.started.elapsed()))
                };
                self.ready_once = true;
                // Shown under --quiet too: the URLs are what `scaffold dev` is run for.
                let loud = Ui {
                    quiet: false,
                    ..self.ui
                };
                loud.status(
                    "Ready",
                    &format!(
                        "API http://127.0.0.1:{}  console http://127.0.0.1:{}  (nakama pid {pid}, {since})",
                        c.ports.api, c.ports.console
                    ),
                );
                loud.status("Try", &nakama::example_call(c.root, c.ports.api, c.extra));
            }
            Health::Exited(status) => {
                server.join();
                self.server = None;
                self.ui.warn(&format!(
                    "nakama exited while starting ({status}); its log is above. Fix the code and save to try again"
                ));
            }
            Health::Slow => self.ui.warn(&format!(
                "nakama (pid {pid}) does not answer /healthcheck after {}s; its log is above. It keeps running: save a file to restart it, or Ctrl-C to stop",
                HEALTHY_WITHIN.as_secs()
            )),
        }
        Ok(())
    }
}

impl Drop for Session {
    /// Stops Nakama, then PostgreSQL (each by pid), and removes the session folder unless
    /// it is to be kept.
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let pid = server.proc.pid();
            server.stop();
            self.ui.status("Stopped", &format!("nakama (pid {pid})"));
        }
        if let Some(mut pg) = self.postgres.take() {
            let pid = pg.proc.pid();
            pg.proc.stop(Duration::from_secs(20));
            self.ui
                .status("Stopped", &format!("PostgreSQL (pid {pid})"));
        }
        if self.keep {
            self.ui.status(
                "Kept",
                &format!("{} (database, plugin, logs)", self.dir.display()),
            );
        } else if let Err(err) = std::fs::remove_dir_all(&self.dir) {
            self.ui
                .warn(&format!("cannot remove {}: {err}", self.dir.display()));
        } else {
            self.ui.status("Removed", &self.dir.display().to_string());
        }
    }
}

/// `user:secret@host/db` as `user@host/db`, for printing.
fn without_password(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((creds, rest)) => {
            let user = creds.split(':').next().unwrap_or(creds);
            format!("{user}@{rest}")
        }
        None => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_printed_without_passwords() {
        assert_eq!(
            without_password("postgres:s3cr:et@127.0.0.1:5432/nakama?sslmode=disable"),
            "postgres@127.0.0.1:5432/nakama?sslmode=disable"
        );
        assert_eq!(
            without_password("db.local:5432/nakama"),
            "db.local:5432/nakama"
        );
    }
}
