//! The Dockerfile's managed block: the `COPY <pkg>/ <pkg>/` lines between two marker comments.
//!
//! The block is rebuilt from the package folders on disk, sorted, so running twice changes
//! nothing. The begin marker carries a short hash of the block's lines; a block whose lines no
//! longer match it was edited by hand, and we refuse rather than drop the user's lines.

use crate::text::{eol_of, restyle, to_lf};
use sha2::{Digest, Sha256};
use thiserror::Error;

pub const BEGIN: &str = "# scaffold:packages begin";
pub const END: &str = "# scaffold:packages end";
const NOTE: &str = "(generated from the package folders by `scaffold sync`; do not edit)";

/// Why the managed block cannot be rewritten; callers branch on it (doctor adds a block, the
/// other commands refuse).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BlockError {
    #[error("the Dockerfile has no `{BEGIN}` / `{END}` block; run `scaffold sync --adopt` to add it before the build line")]
    Missing,
    #[error("the Dockerfile has {0} `{BEGIN}` markers (lines {1}); keep one block, delete the others, then run `scaffold sync`")]
    Duplicate(usize, String),
    #[error("the Dockerfile's block starting at line {0} has no `{END}` line; add it after the COPY lines, then run `scaffold sync`")]
    Unterminated(usize),
    #[error("the Dockerfile has a `{END}` line ({0}) without its begin marker; restore `{BEGIN}` above the COPY lines, then run `scaffold sync`")]
    Orphan(usize),
    #[error("the Dockerfile's managed block (lines {0}-{1}) was edited by hand; move your own lines outside the markers, or run `scaffold sync --force` to replace the block:\n{2}")]
    Edited(usize, usize, String),
}

/// The block as found in a Dockerfile (line numbers are 0-based indexes into LF lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub begin: usize,
    pub end: usize,
    pub hash: Option<String>,
    pub lines: Vec<String>,
}

/// The COPY lines for these top-level package folders (already sorted, `/`-separated).
pub fn copy_lines(folders: &[String]) -> Vec<String> {
    folders.iter().map(|f| format!("COPY {f}/ {f}/")).collect()
}

/// A short, stable hash of the block's lines, ignoring line endings and trailing blanks.
pub fn hash(lines: &[String]) -> String {
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.trim_end().as_bytes());
        h.update(b"\n");
    }
    h.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn begin_line(lines: &[String]) -> String {
    format!("{BEGIN} sha={} {NOTE}", hash(lines))
}

/// Finds the block; `Ok(None)` when the Dockerfile has neither marker.
pub fn find(text: &str) -> Result<Option<Block>, BlockError> {
    let lf = to_lf(text);
    let lines: Vec<&str> = lf.lines().collect();
    let begins: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with(BEGIN))
        .collect();
    let ends: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim() == END)
        .collect();
    match (begins.as_slice(), ends.as_slice()) {
        ([], []) => Ok(None),
        ([], [e, ..]) => Err(BlockError::Orphan(e + 1)),
        ([_, _, ..], _) | ([_], [_, _, ..]) => {
            let all: Vec<usize> = if begins.len() > 1 { begins } else { ends };
            let shown: Vec<String> = all.iter().map(|i| (i + 1).to_string()).collect();
            Err(BlockError::Duplicate(all.len(), shown.join(", ")))
        }
        ([b], []) => Err(BlockError::Unterminated(b + 1)),
        ([b], [e]) if e < b => Err(BlockError::Orphan(e + 1)),
        ([b], [e]) => {
            let hash = lines[*b][lines[*b].find(BEGIN).unwrap_or(0) + BEGIN.len()..]
                .split_whitespace()
                .find_map(|t| t.strip_prefix("sha="))
                .map(str::to_string);
            let inner = lines[b + 1..*e]
                .iter()
                .map(|l| l.trim_end().to_string())
                .collect();
            Ok(Some(Block {
                begin: *b,
                end: *e,
                hash,
                lines: inner,
            }))
        }
    }
}

/// Whether the block's lines are still what scaffold wrote. A fresh template block (no hash)
/// counts as untouched only while it is empty.
pub fn untouched(block: &Block) -> bool {
    match &block.hash {
        Some(h) => *h == hash(&block.lines),
        None => block.lines.iter().all(|l| l.trim().is_empty()),
    }
}

/// Rewrites the block for these folders, keeping every byte outside it, the file's line
/// endings and its final newline. `force` replaces a hand-edited block.
pub fn rewrite(text: &str, folders: &[String], force: bool) -> Result<String, BlockError> {
    let block = find(text)?.ok_or(BlockError::Missing)?;
    let wanted = copy_lines(folders);
    if !force && !untouched(&block) {
        let diff = crate::diff::lines(&block.lines, &wanted);
        return Err(BlockError::Edited(block.begin + 1, block.end + 1, diff));
    }
    Ok(splice(text, block.begin, block.end + 1, &wanted))
}

/// Inserts a new block for a Dockerfile that has none: right before the builder stage's
/// `go build` line, or after its last COPY. Returns `None` when neither exists.
pub fn adopt(text: &str, folders: &[String]) -> Option<String> {
    let lf = to_lf(text);
    let lines: Vec<&str> = lf.lines().collect();
    let first_stage_end = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| is_instruction(l, "FROM"))
        .map(|(i, _)| i)
        .nth(1)
        .unwrap_or(lines.len());
    let stage = &lines[..first_stage_end];
    let at = stage
        .iter()
        .position(|l| is_instruction(l, "RUN") && l.contains("go build"))
        .or_else(|| {
            stage
                .iter()
                .rposition(|l| is_instruction(l, "COPY"))
                .map(|i| i + 1)
        })?;
    Some(splice(text, at, at, &copy_lines(folders)))
}

fn is_instruction(line: &str, word: &str) -> bool {
    let t = line.trim_start();
    t.len() > word.len()
        && t[..word.len()].eq_ignore_ascii_case(word)
        && t[word.len()..].starts_with(char::is_whitespace)
}

/// Replaces LF lines `from..to` with a freshly hashed block.
fn splice(text: &str, from: usize, to: usize, copy: &[String]) -> String {
    let lf = to_lf(text);
    let lines: Vec<&str> = lf.lines().collect();
    let mut out: Vec<String> = lines[..from].iter().map(|s| s.to_string()).collect();
    out.push(begin_line(copy));
    out.extend(copy.iter().cloned());
    out.push(END.to_string());
    out.extend(lines[to.min(lines.len())..].iter().map(|s| s.to_string()));
    let mut joined = out.join("\n");
    joined.push('\n');
    restyle(&joined, eol_of(text), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "FROM b AS builder\nCOPY *.go ./\n# scaffold:packages begin\n# scaffold:packages end\nRUN go build -buildmode=plugin .\n";

    fn folders(f: &[&str]) -> Vec<String> {
        f.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rewrite_is_idempotent_and_hashed() {
        let once = rewrite(FILE, &folders(&["a", "b"]), false).unwrap();
        assert!(once.contains("COPY a/ a/\nCOPY b/ b/\n# scaffold:packages end\n"));
        assert_eq!(rewrite(&once, &folders(&["a", "b"]), false).unwrap(), once);
        assert!(untouched(&find(&once).unwrap().unwrap()));
    }

    #[test]
    fn refuses_hand_edits_unless_forced() {
        let once = rewrite(FILE, &folders(&["a"]), false).unwrap();
        let edited = once.replace("COPY a/ a/", "COPY a/ a/\nCOPY mine/ mine/");
        let err = rewrite(&edited, &folders(&["a"]), false).unwrap_err();
        assert!(matches!(err, BlockError::Edited(3, 6, ref d) if d.contains("-COPY mine/ mine/")));
        assert!(rewrite(&edited, &folders(&["a"]), true).is_ok());
    }

    #[test]
    fn marker_errors() {
        assert_eq!(rewrite("FROM x\n", &[], false), Err(BlockError::Missing));
        let dup = format!("{FILE}{BEGIN}\n{END}\n");
        assert!(matches!(find(&dup), Err(BlockError::Duplicate(2, _))));
        assert_eq!(
            find(&format!("{BEGIN}\nCOPY x\n")),
            Err(BlockError::Unterminated(1))
        );
        assert_eq!(find(&format!("x\n{END}\n")), Err(BlockError::Orphan(2)));
    }

    #[test]
    fn keeps_crlf_and_no_final_newline() {
        let crlf = FILE.replace('\n', "\r\n");
        let out = rewrite(&crlf, &folders(&["p"]), false).unwrap();
        assert!(!out.replace("\r\n", "").contains('\n'));
        assert!(out.contains("COPY p/ p/\r\n"));
        let bare = FILE.trim_end();
        let out = rewrite(bare, &folders(&["p"]), false).unwrap();
        assert!(!out.ends_with('\n'));
    }

    #[test]
    fn adopt_puts_the_block_before_the_build() {
        let seed = "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\nCOPY go.mod .\nCOPY *.go .\nRUN go build --trimpath --buildmode=plugin -o ./backend.so\nFROM heroiclabs/nakama:3.40.0\nCOPY --from=builder /x /y\n";
        let out = adopt(seed, &folders(&["profile"])).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[3].starts_with(BEGIN));
        assert_eq!(lines[4], "COPY profile/ profile/");
        assert!(lines[6].starts_with("RUN go build"));
        assert_eq!(adopt("FROM x\n", &[]), None);
    }
}
