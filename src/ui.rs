//! What the user sees: status lines and warnings on stderr, asked-for output on stdout,
//! `--quiet`, and the one JSON object of `--json` (its schema: `schema/scaffold.schema.json`).
//!
//! Every byte for stdout goes through [`print`], so a reader that stops early (`| head -1`)
//! turns into an error that `main` ends quietly on, as ripgrep does. Lines for stderr never
//! fail a command: when nobody can read them (a closed terminal), they are dropped, so the
//! clean-up after them still runs.

use crate::error::{Error, Result};
use console::style;
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;

/// How a command reports; built once from the global flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ui {
    pub quiet: bool,
    pub json: bool,
}

/// The machine-readable summary of a command (`--json`): the fields every command has, and
/// the command's own (`details`, each named in the schema).
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub command: String,
    /// Absolute: the folder the command acted on, or the current folder when it acted on none.
    pub root: String,
    pub dry_run: bool,
    pub created: Vec<String>,
    pub changed: Vec<String>,
    pub skipped: Vec<String>,
    /// Folders deleted (`remove-package --delete`).
    pub deleted: Vec<String>,
    pub warnings: Vec<String>,
    #[serde(flatten)]
    pub details: Map<String, Value>,
    /// Set by `main` when the command then failed (`doctor` and `sync --check` report
    /// problems, then exit 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorJson>,
    /// The command's verdict when it reported and then failed (problems found, conflicts
    /// left): `main` prints it and exits with its code.
    #[serde(skip)]
    pub verdict: Option<Error>,
}

impl Report {
    /// An empty report of `command` run on `root` (made absolute here).
    pub fn new(command: &str, root: &Path) -> Report {
        Report {
            command: command.into(),
            root: absolute(root),
            ..Report::default()
        }
    }

    /// This report, with the command failing after it (`doctor` finding problems).
    pub fn fails(mut self, verdict: Error) -> Report {
        self.verdict = Some(verdict);
        self
    }

    /// This report, failing when `verdict` is an error.
    pub fn judged(self, verdict: Result<()>) -> Report {
        match verdict {
            Ok(()) => self,
            Err(e) => self.fails(e),
        }
    }

    /// Adds one of the command's own fields.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Report {
        self.details.insert(
            key.into(),
            serde_json::to_value(value).expect("report fields always serialise"),
        );
        self
    }
}

/// `path` as an absolute path (not resolving links; it may not exist yet, as in a dry run).
pub fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The current folder, for commands that act on no folder.
pub fn here() -> std::path::PathBuf {
    std::env::current_dir().unwrap_or_else(|_| ".".into())
}

impl Ui {
    /// A progress or result line (stderr keeps stdout clean for diffs and JSON).
    pub fn status(&self, verb: &str, what: &str) {
        if !self.quiet && !self.json {
            eprint_line(&format!(
                "{:>12} {what}",
                style(verb).green().bold().for_stderr()
            ));
        }
    }

    pub fn warn(&self, msg: &str) {
        if !self.json {
            eprint_line(&format!(
                "{} {msg}",
                style("warning:").yellow().bold().for_stderr()
            ));
        }
    }

    /// Output the user asked for (a diff, a list): shown even with `--quiet`; with `--json`
    /// the report carries it instead.
    pub fn out(&self, text: &str) -> Result<()> {
        if self.json {
            return Ok(());
        }
        print(text)
    }
}

/// Writes `text` to stdout and flushes it; a closed pipe comes back as an error
/// ([`Error::is_broken_pipe`]) instead of a panic.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Output a closed pipe cut short counts as shown: a command with a verdict (`doctor`,
/// `sync --check`, `update`) still ends with it, so `scaffold doctor | head` under
/// `set -o pipefail` fails on a broken repo instead of passing it.
pub fn shown(printed: Result<()>) -> Result<()> {
    match printed {
        Err(e) if e.is_broken_pipe() => Ok(()),
        other => other,
    }
}

/// One line on stderr; dropped when stderr cannot be written (a closed terminal).
pub fn eprint_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// The one `--json` object of a run: the command's report, and `error` (kind, message, exit
/// code) when the command failed. A command that failed before reporting gives
/// `{"error": ...}`.
pub fn json_outcome(report: Option<Report>, error: Option<&Error>) -> String {
    let error = error.map(ErrorJson::of);
    let text = match report {
        Some(r) => serde_json::to_string_pretty(&Report { error, ..r }),
        None => serde_json::to_string_pretty(&OnlyError { error }),
    };
    text.expect("a report always serialises") + "\n"
}

/// The object of a command that failed before it had anything to report.
#[derive(Serialize)]
pub struct OnlyError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorJson>,
}

/// The `error` member: what kind (`Error::kind`), the one-line message, the exit code.
#[derive(Debug, Serialize)]
pub struct ErrorJson {
    pub kind: &'static str,
    pub message: String,
    pub code: u8,
}

impl ErrorJson {
    pub fn of(e: &Error) -> ErrorJson {
        ErrorJson {
            kind: e.kind(),
            message: e.to_string(),
            code: e.code(),
        }
    }
}

/// Colours a unified diff when stdout is a terminal (console turns styles off otherwise).
pub fn colour_diff(diff: &str) -> String {
    diff.lines()
        .map(|l| {
            let s = if l.starts_with("+++") || l.starts_with("---") {
                style(l).bold().to_string()
            } else if l.starts_with('+') {
                style(l).green().to_string()
            } else if l.starts_with('-') {
                style(l).red().to_string()
            } else if l.starts_with("@@") {
                style(l).cyan().to_string()
            } else {
                l.to_string()
            };
            s + "\n"
        })
        .collect()
}

/// A spinner with the step's name and elapsed time on a terminal; nothing otherwise (the
/// caller prints a plain line when the step ends).
pub fn spinner(ui: Ui, label: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if ui.quiet || ui.json || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .expect("a valid template"),
    );
    bar.set_message(label.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}
