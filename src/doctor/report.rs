//! What doctor found: problems (with a stable id, a place and the exact fix), warnings, and
//! what `--fix` changed; printed grouped by file, or as one JSON object.

use console::style;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The build or the plugin load fails.
    Error,
    /// Likely to cause trouble, but builds can pass.
    Warning,
}

/// One problem, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub id: String,
    pub severity: Severity,
    /// Repo-relative, `/`-separated.
    pub file: String,
    /// 1-based; the line to change or the line the fix goes next to.
    pub line: usize,
    pub message: String,
    pub fix: String,
    /// `--fix` can apply the fix safely.
    pub fixable: bool,
}

impl Problem {
    /// A problem of check `id`, an error until the runner applies its row's severity.
    pub fn new(id: &str, file: &str, line: usize, message: String, fix: String) -> Problem {
        Problem {
            id: id.to_string(),
            severity: Severity::Error,
            file: file.to_string(),
            line: line.max(1),
            message,
            fix,
            fixable: false,
        }
    }

    pub fn fixable(mut self, yes: bool) -> Problem {
        self.fixable = yes;
        self
    }

    /// What stays the same when a fix moves lines around: used to tell what `--fix` fixed.
    pub fn key(&self) -> (String, String, String) {
        (self.id.clone(), self.file.clone(), self.message.clone())
    }
}

/// Something doctor could not read or check; never changes the exit status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The whole result (`--json` prints exactly this).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Note>,
    pub fixed: Vec<Problem>,
    /// Who gave the verdict (Go, or the static rules and why).
    pub judge: Option<crate::doctor::judge::Judge>,
}

impl Report {
    /// Sorts problems and warnings by file, line and id, so output is stable.
    pub fn sort(&mut self) {
        let by = |p: &Problem| (p.file.clone(), p.line, p.id.clone(), p.message.clone());
        self.problems.sort_by_key(by);
        self.problems.dedup();
        self.fixed.sort_by_key(by);
        self.warnings
            .sort_by_key(|w| (w.file.clone(), w.line, w.message.clone()));
        self.warnings.dedup();
    }

    /// Drops the problems whose ids are allowed.
    pub fn allow(&mut self, ids: &[String]) {
        self.problems.retain(|p| !ids.contains(&p.id));
    }
}

/// The human listing: `file:line: ID message` then the fix, a blank line between files.
pub fn render(problems: &[Problem]) -> String {
    let mut out = String::new();
    let mut last_file: Option<&str> = None;
    for p in problems {
        if last_file.is_some_and(|f| f != p.file) {
            out.push('\n');
        }
        last_file = Some(&p.file);
        let id = match p.severity {
            Severity::Error => style(&p.id).red().bold(),
            Severity::Warning => style(&p.id).yellow().bold(),
        };
        let kind = match p.severity {
            Severity::Error => String::new(),
            Severity::Warning => format!("{} ", style("(warning)").yellow()),
        };
        out.push_str(&format!(
            "{}: {id} {kind}{}\n",
            style(format!("{}:{}", p.file, p.line)).bold(),
            p.message
        ));
        let auto = if p.fixable {
            format!(" {}", style("(scaffold doctor --fix does this)").dim())
        } else {
            String::new()
        };
        out.push_str(&format!("    {} {}{auto}\n", style("fix:").green(), p.fix));
    }
    out
}
