//! Unified diffs for `--dry-run`, `sync --check` and refusals.

use similar::TextDiff;

/// A unified diff of a file's old and new text, with `a/` and `b/` headers like git's.
pub fn file(path: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &if old.is_empty() {
                "/dev/null".to_string()
            } else {
                format!("a/{path}")
            },
            &format!("b/{path}"),
        )
        .to_string()
}

/// A diff of two line lists (found vs wanted), for messages about a managed block.
pub fn lines(found: &[String], wanted: &[String]) -> String {
    let a = found.join("\n") + "\n";
    let b = wanted.join("\n") + "\n";
    TextDiff::from_lines(&a, &b)
        .unified_diff()
        .header("found", "generated")
        .to_string()
}
