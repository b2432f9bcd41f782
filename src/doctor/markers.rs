//! D008: a Dockerfile that does not say what it seems to: git conflict markers left by a merge
//! (Docker stops at `<<<<<<< HEAD`), or the managed block's markers where Docker does not see
//! them (inside a continued line or a heredoc) or broken (doubled, unterminated).

use super::id;
use super::report::Problem;
use super::{Facts, Finding};
use crate::docker::block::{self, BlockError};

pub fn check(f: &Facts) -> Vec<Finding> {
    let Err(e) = block::find(&f.dockerfile) else {
        return Vec::new();
    };
    let (line, fix) = match &e {
        BlockError::Conflict(line, _) => (
            *line,
            "resolve the merge conflict (keep the lines both sides need), then run `scaffold sync` if the repo has scaffold.toml".to_string(),
        ),
        BlockError::Inside(line, _) => (
            *line,
            "put the marker on a line of its own between instructions".to_string(),
        ),
        BlockError::Unterminated(line) | BlockError::Orphan(line) => (
            *line,
            format!("keep one `{}` / `{}` pair around the package COPY lines", block::BEGIN, block::END),
        ),
        BlockError::Duplicate(_, lines) => (
            lines.split(", ").next().and_then(|l| l.parse().ok()).unwrap_or(1),
            "keep one block and delete the others".to_string(),
        ),
        BlockError::Missing | BlockError::Edited(..) => return Vec::new(),
    };
    vec![Finding::manual(Problem::new(
        id::MARKERS,
        &f.dockerfile_path,
        line,
        e.to_string(),
        fix,
    ))]
}
