//! What the user sees: plain or coloured lines, `--quiet`, and one JSON object for `--json`.

use console::style;
use serde::Serialize;

/// How a command reports; built once from the global flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ui {
    pub quiet: bool,
    pub json: bool,
}

/// The machine-readable summary of a command (`--json`).
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub command: String,
    pub root: String,
    pub dry_run: bool,
    pub created: Vec<String>,
    pub changed: Vec<String>,
    pub skipped: Vec<String>,
    /// Folders deleted (`remove-package --delete`).
    pub deleted: Vec<String>,
    pub warnings: Vec<String>,
}

impl Ui {
    /// A progress or result line (stderr keeps stdout clean for diffs and JSON).
    pub fn status(&self, verb: &str, what: &str) {
        if !self.quiet && !self.json {
            eprintln!("{:>12} {what}", style(verb).green().bold().for_stderr());
        }
    }

    pub fn warn(&self, msg: &str) {
        if !self.json {
            eprintln!("{} {msg}", style("warning:").yellow().bold().for_stderr());
        }
    }

    /// Output the user asked for (a diff, a list): shown even with `--quiet`.
    pub fn out(&self, text: &str) {
        if !self.json {
            print!("{text}");
        }
    }

    pub fn report(&self, report: &Report) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(report).expect("a report always serialises")
            );
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
