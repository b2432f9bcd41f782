//! The Dockerfile's managed block: the COPY lines between two marker comments that bring every
//! package folder, and every root file the plugin's build reads besides `*.go` (`//go:embed`
//! targets, cgo and assembly sources), into the builder stage.
//!
//! The block is rebuilt from the folders on disk, sorted, so running twice changes nothing.
//! The begin marker carries a short hash of the block's lines; a block whose lines no longer
//! match it was edited by hand, and we refuse rather than drop the user's lines, unless the
//! lines are exactly what we would write (a clean git merge of two added packages). Markers
//! count only on lines of their own between instructions, never inside a continued instruction
//! or a heredoc, and every byte outside the block, each line's own ending included, is kept.

use super::parse;
use crate::docker::parse::Keyword;
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
    #[error("the Dockerfile's block marker at line {0} is inside the instruction at line {1} (a continued line or a heredoc), where Docker does not see it; put it on a line of its own between instructions, then run `scaffold sync`")]
    Inside(usize, usize),
    #[error("the Dockerfile holds a merge conflict marker at line {0} (`{1}`); resolve the conflict, then run `scaffold sync`")]
    Conflict(usize, String),
}

/// The block as found in a Dockerfile (line numbers are 0-based indexes into its lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub begin: usize,
    pub end: usize,
    pub hash: Option<String>,
    pub lines: Vec<String>,
}

/// The block's COPY lines: one per top-level folder (package folders and root asset folders,
/// sorted, `/`-separated), then one line for the root files, if any.
pub fn copy_lines(folders: &[String], root_files: &[String]) -> Vec<String> {
    let mut out: Vec<String> = folders.iter().map(|f| format!("COPY {f}/ {f}/")).collect();
    if !root_files.is_empty() {
        out.push(format!("COPY {} ./", root_files.join(" ")));
    }
    out
}

/// The folders and root files a block's lines copy: the inverse of [`copy_lines`].
pub fn copied(lines: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut folders, mut files) = (Vec::new(), Vec::new());
    for l in lines {
        let words: Vec<&str> = l.split_whitespace().collect();
        match words.as_slice() {
            [copy, srcs @ .., "./"] if copy.eq_ignore_ascii_case("COPY") && !srcs.is_empty() => {
                files.extend(srcs.iter().map(|s| s.to_string()))
            }
            [copy, src, ..] if copy.eq_ignore_ascii_case("COPY") => {
                folders.push(src.trim_end_matches('/').to_string())
            }
            _ => {}
        }
    }
    (folders, files)
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

/// The text's lines, each with its own ending (`\n`, `\r\n`, or none on the last).
fn raw_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// A line without its ending (and without stray carriage returns before it).
fn bare(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
}

/// Refuses a Dockerfile that still holds git conflict markers: Docker reads `<<<<<<< HEAD` as
/// an unknown instruction, and a block between them is not what either side wrote.
pub fn check_conflicts(text: &str) -> Result<(), BlockError> {
    for (i, line) in raw_lines(text).iter().enumerate() {
        let l = bare(line);
        let marker = ["<<<<<<< ", ">>>>>>> ", "||||||| "]
            .iter()
            .any(|m| l.starts_with(m))
            || l == "======="
            || l == "<<<<<<<"
            || l == ">>>>>>>";
        if marker {
            return Err(BlockError::Conflict(i + 1, l.chars().take(40).collect()));
        }
    }
    Ok(())
}

/// For each 0-based line inside an instruction but not its first (continuations, heredoc
/// bodies), the 1-based line of that instruction.
fn inside_instruction(text: &str) -> Vec<Option<usize>> {
    let count = raw_lines(text).len();
    let mut inside = vec![None; count];
    for ins in parse::parse(text).instructions {
        for line in ins.line + 1..=ins.end_line {
            if let Some(slot) = inside.get_mut(line - 1) {
                *slot = Some(ins.line);
            }
        }
    }
    inside
}

/// Finds the block; `Ok(None)` when the Dockerfile has neither marker.
pub fn find(text: &str) -> Result<Option<Block>, BlockError> {
    check_conflicts(text)?;
    let lines: Vec<&str> = raw_lines(text).into_iter().map(bare).collect();
    let is_begin = |l: &str| l.trim_start().starts_with(BEGIN);
    let is_end = |l: &str| l.trim() == END;
    if !lines.iter().any(|l| is_begin(l) || is_end(l)) {
        return Ok(None);
    }
    let inside = inside_instruction(text);
    for (i, l) in lines.iter().enumerate() {
        if let (true, Some(ins)) = (is_begin(l) || is_end(l), inside.get(i).copied().flatten()) {
            return Err(BlockError::Inside(i + 1, ins));
        }
    }
    let begins: Vec<usize> = (0..lines.len()).filter(|&i| is_begin(lines[i])).collect();
    let ends: Vec<usize> = (0..lines.len()).filter(|&i| is_end(lines[i])).collect();
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
            let marker = lines[*b].trim_start();
            let hash = marker[BEGIN.len()..]
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

/// Rewrites the block to hold `wanted` (from [`copy_lines`]), keeping every byte outside it.
/// `force` replaces a hand-edited block; a block whose lines already equal `wanted` is never
/// refused, whatever its marker's hash says (a merge of two branches that each added a package
/// leaves exactly that), and gets its hash rewritten.
pub fn rewrite(text: &str, wanted: &[String], force: bool) -> Result<String, BlockError> {
    let block = find(text)?.ok_or(BlockError::Missing)?;
    let same = block.lines == wanted;
    if !force && !same && !untouched(&block) {
        let diff = crate::diff::lines(&block.lines, wanted);
        return Err(BlockError::Edited(block.begin + 1, block.end + 1, diff));
    }
    Ok(splice(text, block.begin, block.end + 1, wanted))
}

/// Inserts a new block into a Dockerfile that has none, in the stage that runs `go build`:
/// right before that RUN instruction, or after the stage's last COPY instruction when there is
/// no build line; hand-written copies of `folders` are folded into it ([`fold`]). `None` when
/// there is no place.
pub fn adopt(text: &str, folders: &[String], root_files: &[String]) -> Option<String> {
    let ins = parse::parse(text).instructions;
    // An empty Dockerfile (or one of comments only) has no stage to put the block in.
    if ins.is_empty() {
        return None;
    }
    let build = ins
        .iter()
        .rposition(|i| i.keyword == Keyword::Run && shell_text(i).contains("go build"));
    // The stage holding the build (or the first stage): from its FROM to the next one.
    let stage_start = ins[..build.unwrap_or(ins.len().min(1))]
        .iter()
        .rposition(|i| i.keyword == Keyword::From)
        .unwrap_or(0);
    let stage_end = ins[stage_start + 1..]
        .iter()
        .position(|i| i.keyword == Keyword::From)
        .map_or(ins.len(), |p| stage_start + 1 + p);
    let at_line = match build {
        Some(b) => ins[b].line - 1,
        None => {
            ins[stage_start..stage_end]
                .iter()
                .rev()
                .find(|i| i.keyword == Keyword::Copy)?
                .end_line
        }
    };
    let with_block = splice(text, at_line, at_line, &copy_lines(folders, root_files));
    Some(fold(&with_block, folders))
}

/// Drops the hand-written copies of `folders` that the block already makes: single-line
/// COPY instructions of the block's stage, before it with no WORKDIR in between, that put a
/// folder where the block's `COPY f/ f/` puts it (`COPY f f`, `COPY ./f /backend/f` under
/// `WORKDIR /backend`, the JSON form). Kept, each package would be copied twice, and still
/// copied after `remove-package` took it out of the block. Every other byte is kept.
pub fn fold(text: &str, folders: &[String]) -> String {
    let Ok(Some(block)) = find(text) else {
        return text.to_string();
    };
    // 1-based: the begin marker's line.
    let begin = block.begin + 1;
    let stages = super::replay::Stages::read(text);
    let Some(stage) = stages.stages.iter().rposition(|s| s.line < begin) else {
        return text.to_string();
    };
    let ins = &stages.df.instructions[stages.stages[stage].start..stages.stages[stage].end];
    let workdir_after = |line: usize| {
        ins.iter()
            .any(|i| i.keyword == Keyword::Workdir && i.line > line && i.line < begin)
    };
    // Where the block's lines put a folder: under the WORKDIR in effect there (the base
    // image's, `/go` for the pluginbuilder, when the stage sets none).
    let workdir = stages.workdir_at(stage, block.begin);
    let folded: Vec<usize> = ins
        .iter()
        .filter(|i| i.line < begin && i.line == i.end_line && !workdir_after(i.line))
        .filter(|i| copied_folder(i, &workdir).is_some_and(|f| folders.contains(&f)))
        .map(|i| i.line - 1)
        .collect();
    raw_lines(text)
        .iter()
        .enumerate()
        .filter(|(i, _)| !folded.contains(i))
        .map(|(_, l)| *l)
        .collect()
}

/// The COPY and ADD instructions outside the block that copy `path` (a folder or a file,
/// `/`-separated) or something in it from the build context, with flags or not:
/// `(line, text)`, 1-based. Once `path` is gone each fails the build, so a command that
/// deletes it refuses to leave one behind. Wildcards are not expanded.
pub fn copies_outside(text: &str, path: &str) -> Vec<(usize, String)> {
    let block = find(text).ok().flatten();
    let inside = |line: usize| {
        block
            .as_ref()
            .is_some_and(|b| line > b.begin && line <= b.end + 1)
    };
    let path = path.trim_end_matches('/');
    let names = |source: &str| {
        let s = source.trim_start_matches('/');
        let s = s.strip_prefix("./").unwrap_or(s).trim_end_matches('/');
        s == path
            || s.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let lines = raw_lines(text);
    parse::parse(text)
        .instructions
        .iter()
        .filter(|i| i.keyword.copies() && i.flag("from").is_none())
        .filter(|i| !inside(i.line))
        .filter(|i| {
            let words = copy_words(i);
            words[..words.len().saturating_sub(1)]
                .iter()
                .any(|s| names(s))
        })
        .map(|i| {
            let line = lines.get(i.line - 1).copied().unwrap_or("");
            (i.line, bare(line).trim().to_string())
        })
        .collect()
}

/// The text of a RUN in shell or exec form.
fn shell_text(i: &parse::Instruction) -> String {
    match &i.args {
        parse::Args::Shell(s) => s.clone(),
        parse::Args::Exec(v) => v.join(" "),
    }
}

/// A COPY's or ADD's sources and destination, in shell or JSON form (flags apart).
fn copy_words(i: &parse::Instruction) -> Vec<&str> {
    match &i.args {
        parse::Args::Shell(args) => args.split_whitespace().collect(),
        parse::Args::Exec(words) => words.iter().map(String::as_str).collect(),
    }
}

/// The folder a plain COPY of one source copies to the same path under `workdir`, as the
/// block's `COPY f/ f/` does: `COPY f f`, `COPY ./f/ ./f/`, `COPY f /backend/f` (under
/// `WORKDIR /backend`), `COPY ["f/", "f/"]`. Flags (`--chown`, `--from`), wildcards and
/// variables make another copy, which is left as written.
fn copied_folder(i: &parse::Instruction, workdir: &str) -> Option<String> {
    if i.keyword != Keyword::Copy || !i.flags.is_empty() || !i.heredocs.is_empty() {
        return None;
    }
    let words = copy_words(i);
    let [src, dst] = words.as_slice() else {
        return None;
    };
    let plain = |w: &str| !w.is_empty() && !w.contains(['$', '*', '?', '[', '\\']);
    if !plain(src) || !plain(dst) || src.starts_with('/') {
        return None;
    }
    let folder = super::path::clean(src);
    let into = |w: &str| super::path::join(workdir, w);
    let top = !folder.contains('/') && folder != "." && folder != "..";
    (top && into(dst) == into(&folder)).then_some(folder)
}

/// Replaces lines `from..to` (0-based) with a freshly hashed block holding `copy`. Every other
/// line is kept byte for byte; the new lines take the ending of the line they stand by (LF in
/// an LF file, CRLF in a CRLF one).
fn splice(text: &str, from: usize, to: usize, copy: &[String]) -> String {
    let lines = raw_lines(text);
    let eol = lines
        .get(from)
        .or_else(|| lines.get(from.saturating_sub(1)))
        .map_or("\n", |l| if l.ends_with("\r\n") { "\r\n" } else { "\n" });
    let mut out = String::with_capacity(text.len() + 64 * (copy.len() + 2));
    let mut block = vec![begin_line(copy)];
    block.extend(copy.iter().cloned());
    block.push(END.to_string());
    for (i, line) in lines.iter().enumerate() {
        if i == from {
            for l in &block {
                out.push_str(l);
                out.push_str(eol);
            }
        }
        if (from..to).contains(&i) {
            continue;
        }
        // The line before an inserted block needs an ending of its own.
        if i + 1 == from && !line.ends_with('\n') {
            out.push_str(line);
            out.push_str(eol);
            continue;
        }
        out.push_str(line);
    }
    if from >= lines.len() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        for l in &block {
            out.push_str(l);
            out.push_str(eol);
        }
    }
    // A file without a final newline keeps none.
    let had_final = text.is_empty() || text.ends_with('\n');
    if !had_final && out.ends_with('\n') {
        out.truncate(out.trim_end_matches(['\n', '\r']).len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "FROM b AS builder\nCOPY *.go ./\n# scaffold:packages begin\n# scaffold:packages end\nRUN go build -buildmode=plugin .\n";

    #[test]
    fn copies_outside_the_block_name_the_folder_from_the_context() {
        let text = "FROM b AS builder\nCOPY *.go ./\nCOPY --chown=1:1 inv/ inv/\nCOPY [\"./inv/a\", \"/x\"]\nADD /inv /y\nCOPY inventory/ inventory/\nCOPY --from=other inv/ inv/\n# scaffold:packages begin\nCOPY inv/ inv/\n# scaffold:packages end\nRUN go build -buildmode=plugin .\n";
        let found: Vec<usize> = copies_outside(text, "inv")
            .iter()
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(found, [3, 4, 5]);
        assert_eq!(
            copies_outside(text, "inv")[0].1,
            "COPY --chown=1:1 inv/ inv/"
        );
        assert!(copies_outside(text, "profile").is_empty());
        // A file, and a file inside a copied folder (the folder stays, so its copy does).
        assert_eq!(copies_outside(text, "inv/a").len(), 1);
        assert!(copies_outside("FROM b\nCOPY inv/ inv/\n", "inv/a.txt").is_empty());
    }

    fn lines(f: &[&str]) -> Vec<String> {
        let folders: Vec<String> = f.iter().map(|s| s.to_string()).collect();
        copy_lines(&folders, &[])
    }

    #[test]
    fn rewrite_is_idempotent_and_hashed() {
        let once = rewrite(FILE, &lines(&["a", "b"]), false).unwrap();
        assert!(once.contains("COPY a/ a/\nCOPY b/ b/\n# scaffold:packages end\n"));
        assert_eq!(rewrite(&once, &lines(&["a", "b"]), false).unwrap(), once);
        assert!(untouched(&find(&once).unwrap().unwrap()));
        let files = copy_lines(&["a".into()], &["twice.c".into(), "twice.h".into()]);
        let with_files = rewrite(FILE, &files, false).unwrap();
        assert!(with_files.contains("COPY a/ a/\nCOPY twice.c twice.h ./\n"));
    }

    #[test]
    fn refuses_hand_edits_unless_forced() {
        let once = rewrite(FILE, &lines(&["a"]), false).unwrap();
        let edited = once.replace("COPY a/ a/", "COPY a/ a/\nCOPY mine/ mine/");
        let err = rewrite(&edited, &lines(&["a"]), false).unwrap_err();
        assert!(matches!(err, BlockError::Edited(3, 6, ref d) if d.contains("-COPY mine/ mine/")));
        assert!(rewrite(&edited, &lines(&["a"]), true).is_ok());
    }

    #[test]
    fn a_merged_block_equal_to_the_wanted_lines_is_accepted() {
        // Two branches each added a package; git merged both lines under one stale hash.
        let one = rewrite(FILE, &lines(&["a"]), false).unwrap();
        let merged = one.replace("COPY a/ a/\n", "COPY a/ a/\nCOPY b/ b/\n");
        assert!(!untouched(&find(&merged).unwrap().unwrap()));
        let out = rewrite(&merged, &lines(&["a", "b"]), false).unwrap();
        assert_eq!(out, rewrite(FILE, &lines(&["a", "b"]), false).unwrap());
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
        let conflict = FILE.replace(
            "COPY *.go ./\n",
            "<<<<<<< HEAD\nCOPY *.go ./\n=======\n>>>>>>> other\n",
        );
        assert!(matches!(find(&conflict), Err(BlockError::Conflict(2, _))));
    }

    #[test]
    fn markers_inside_a_heredoc_or_continuation_are_not_the_block() {
        let heredoc =
            format!("FROM b\nRUN <<EOF\necho '\n{BEGIN}\n{END}\n'\nEOF\nRUN go build .\n");
        assert_eq!(find(&heredoc), Err(BlockError::Inside(4, 2)));
        let continued = format!("FROM b\nCOPY *.go \\\n{BEGIN}\n{END}\n  go.mod ./\n");
        assert!(matches!(find(&continued), Err(BlockError::Inside(3, 2))));
    }

    #[test]
    fn keeps_each_line_ending_and_no_final_newline() {
        let crlf = FILE.replace('\n', "\r\n");
        let out = rewrite(&crlf, &lines(&["p"]), false).unwrap();
        assert!(!out.replace("\r\n", "").contains('\n'));
        assert!(out.contains("COPY p/ p/\r\n"));
        let bare = FILE.trim_end();
        let out = rewrite(bare, &lines(&["p"]), false).unwrap();
        assert!(!out.ends_with('\n'));
        // Mixed endings outside the block stay as they were, `\r\r\n` included.
        let mixed = FILE
            .replacen("FROM b AS builder\n", "FROM b AS builder\r\n", 1)
            .replace("RUN go build", "# odd\r\r\nRUN go build");
        let out = rewrite(&mixed, &lines(&["p"]), false).unwrap();
        assert!(out.starts_with("FROM b AS builder\r\nCOPY *.go ./\n"));
        assert!(out.contains("# odd\r\r\nRUN go build"));
    }

    #[test]
    fn adopt_puts_the_block_before_the_build() {
        let seed = "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\nCOPY go.mod .\nCOPY *.go .\nRUN go build --trimpath --buildmode=plugin -o ./backend.so\nFROM heroiclabs/nakama:3.40.0\nCOPY --from=builder /x /y\n";
        let out = adopt(seed, &["profile".into()], &[]).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[3].starts_with(BEGIN));
        assert_eq!(lines[4], "COPY profile/ profile/");
        assert!(lines[6].starts_with("RUN go build"));
        assert_eq!(adopt("FROM x\n", &[], &[]), None);
        // No instruction at all: no stage to put it in (this was an index out of range).
        for empty in ["", "\n\n", "# a comment\n", "\\\n"] {
            assert_eq!(adopt(empty, &["p".into()], &[]), None, "{empty:?}");
        }
    }

    #[test]
    fn adopt_never_splits_a_continued_instruction_and_picks_the_build_stage() {
        let seed = "FROM golang AS tools\nCOPY tools/ tools/\nFROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\nCOPY *.go \\\n  go.mod \\\n  go.sum ./\nCOPY profile/ profile/\nRUN go mod download && \\\n  go build -trimpath -buildmode=plugin -o backend.so .\n";
        let out = adopt(seed, &["profile".into()], &[]).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], "COPY tools/ tools/", "stage 0 untouched");
        assert_eq!(lines[5], "  go.sum ./");
        assert!(lines[6].starts_with(BEGIN), "{out}");
        assert_eq!(lines[7], "COPY profile/ profile/");
        assert_eq!(lines[8], END);
        assert!(lines[9].starts_with("RUN go mod download"));
        // The hand-written copy was folded into the block, not kept beside it.
        assert_eq!(out.matches("COPY profile/ profile/").count(), 1);
        assert!(find(&out).unwrap().is_some());
    }

    #[test]
    fn adopt_folds_every_copy_that_puts_a_package_where_the_block_does() {
        let seed = "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\nWORKDIR /backend\nCOPY go.mod ./\nCOPY ./profile /backend/profile\nCOPY [\"inventory/\", \"inventory/\"]\nCOPY --chown=1000 stats/ stats/\nCOPY lobby/ /elsewhere/lobby/\nCOPY *.go ./\nRUN go build -buildmode=plugin .\n";
        let folders: Vec<String> = ["inventory", "lobby", "profile", "stats"]
            .map(String::from)
            .to_vec();
        let out = adopt(seed, &folders, &[]).unwrap();
        assert!(!out.contains("/backend/profile"), "{out}");
        assert!(!out.contains("[\"inventory/\""), "{out}");
        // Another owner and another destination are other copies, kept as written.
        assert!(out.contains("COPY --chown=1000 stats/ stats/\n"), "{out}");
        assert!(out.contains("COPY lobby/ /elsewhere/lobby/\n"), "{out}");
        assert_eq!(
            find(&out).unwrap().unwrap().lines,
            lines(&["inventory", "lobby", "profile", "stats"])
        );
        // Under another WORKDIR the same line lands elsewhere: not folded.
        let other = seed.replace("WORKDIR /backend", "WORKDIR /src");
        let out = adopt(&other, &folders, &[]).unwrap();
        assert!(out.contains("COPY ./profile /backend/profile\n"), "{out}");
        assert!(!out.contains("COPY [\"inventory/\""), "{out}");
    }

    #[test]
    fn never_panics_inside_a_multibyte_character() {
        let odd = "FROM b\nENV\u{200b}X=1\nRUN go build .\n";
        let _ = adopt(odd, &["p".into()], &[]);
        let _ = find(odd);
    }
}
