//! Properties of `docker::block::rewrite`: every byte outside the managed block is kept (any text
//! before and after, LF or CRLF, with or without a final newline), the block is exactly the
//! sorted COPY lines under a hash computed here from the rule, and a second rewrite changes
//! nothing.

use crate::common::{expected_begin, expected_sha};
use proptest::prelude::*;
use scaffold::docker::block::{self, BlockError, BEGIN, END};

/// A line that is not a marker: printable ASCII and any other character but CR and LF, plus
/// lines that look like Dockerfile instructions or almost like markers.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~\t]{0,40}",
        2 => "[^\r\n]{0,20}",
        1 => Just(String::new()),
        1 => Just("COPY profile/ profile/".to_string()),
        1 => Just("# scaffold:packages".to_string()),
        1 => Just("# scaffold:packages endless".to_string()),
        1 => Just("  RUN go build -trimpath -buildmode=plugin -o ./backend.so .  ".to_string()),
    ]
    .prop_filter("not a marker", |l| {
        !l.trim_start().starts_with(BEGIN) && l.trim() != END
    })
    // A continued line or a heredoc would swallow the markers (refused: see block.rs tests).
    .prop_filter("no continuation or heredoc", |l| {
        !l.trim_end().ends_with('\\') && !l.contains("<<")
    })
}

fn folders() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set("[a-z][a-z0-9_]{0,8}", 0..6).prop_map(|s| s.into_iter().collect())
}

/// The block as found in a file: an empty template block, or one scaffold wrote (hashed).
fn old_block() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        Just(vec![BEGIN.to_string(), END.to_string()]),
        folders().prop_map(|f| {
            let copy: Vec<String> = f.iter().map(|d| format!("COPY {d}/ {d}/")).collect();
            let refs: Vec<&str> = copy.iter().map(String::as_str).collect();
            let mut lines = vec![expected_begin(&refs)];
            lines.extend(copy.iter().cloned());
            lines.push(END.to_string());
            lines
        }),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    before: Vec<String>,
    block: Vec<String>,
    after: Vec<String>,
    crlf: bool,
    final_newline: bool,
    folders: Vec<String>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(line(), 0..8),
        old_block(),
        prop::collection::vec(line(), 0..8),
        any::<bool>(),
        any::<bool>(),
        folders(),
    )
        .prop_map(
            |(before, block, after, crlf, final_newline, folders)| Case {
                before,
                block,
                after,
                crlf,
                final_newline,
                folders,
            },
        )
}

impl Case {
    fn eol(&self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// The file text: every line joined by the line ending, and one more at the end or not.
    fn text(&self) -> String {
        let all: Vec<&str> = self
            .before
            .iter()
            .chain(&self.block)
            .chain(&self.after)
            .map(String::as_str)
            .collect();
        let mut t = all.join(self.eol());
        if self.final_newline {
            t.push_str(self.eol());
        }
        t
    }

    /// What the rewrite must produce, built from the parts rather than by editing the text.
    fn expected(&self) -> String {
        let eol = self.eol();
        let text = self.text();
        let prefix: String = self.before.iter().map(|l| format!("{l}{eol}")).collect();
        // Everything after the end marker line's own line ending, byte for byte.
        let block_text = self.block.join(eol);
        let end_at = prefix.len() + block_text.len();
        let (terminator, suffix) = match text[end_at..].strip_prefix(eol) {
            Some(rest) => (eol, rest),
            None => ("", &text[end_at..]),
        };
        let copy: Vec<String> = self
            .folders
            .iter()
            .map(|d| format!("COPY {d}/ {d}/"))
            .collect();
        let refs: Vec<&str> = copy.iter().map(String::as_str).collect();
        let mut block = vec![expected_begin(&refs)];
        block.extend(copy.iter().cloned());
        block.push(END.to_string());
        format!("{prefix}{}{terminator}{suffix}", block.join(eol))
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // A failure prints its minimal input; nothing is written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn rewrite_keeps_every_byte_outside_the_block(c in case()) {
        let text = c.text();
        let out = block::rewrite(&text, &block::copy_lines(&c.folders, &[]), false).expect("an untouched block");
        prop_assert_eq!(&out, &c.expected());
        // The line ending style and the final newline are the file's own.
        if c.crlf {
            prop_assert_eq!(out.matches('\n').count(), out.matches("\r\n").count());
        } else {
            prop_assert!(!out.contains('\r') || text.contains('\r'));
        }
        prop_assert_eq!(out.ends_with('\n'), text.ends_with('\n'));
    }

    #[test]
    fn rewrite_is_idempotent(c in case()) {
        let once = block::rewrite(&c.text(), &block::copy_lines(&c.folders, &[]), false).unwrap();
        let twice = block::rewrite(&once, &block::copy_lines(&c.folders, &[]), false).unwrap();
        prop_assert_eq!(&twice, &once);
        let block = block::find(&once).unwrap().unwrap();
        prop_assert!(block::untouched(&block));
        let sha = {
            let copy: Vec<String> = c.folders.iter().map(|d| format!("COPY {d}/ {d}/")).collect();
            let refs: Vec<&str> = copy.iter().map(String::as_str).collect();
            expected_sha(&refs)
        };
        prop_assert_eq!(block.hash, Some(sha));
    }

    #[test]
    fn a_hand_edit_inside_the_block_is_refused_unless_forced(
        c in case(),
        extra in "COPY [a-z]{1,8}/ [a-z]{1,8}/",
    ) {
        // Only a block scaffold wrote carries a hash; add a line inside it.
        let hashed = block::rewrite(&c.text(), &block::copy_lines(&c.folders, &[]), false).unwrap();
        let eol = c.eol();
        let end = block::find(&hashed).unwrap().unwrap().end;
        let mut lines: Vec<&str> = hashed.split(eol).collect();
        lines.insert(end, &extra);
        let edited = lines.join(eol);
        let refused = block::rewrite(&edited, &block::copy_lines(&c.folders, &[]), false);
        prop_assert!(matches!(refused, Err(BlockError::Edited(..))), "{:?}", refused);
        let forced = block::rewrite(&edited, &block::copy_lines(&c.folders, &[]), true).unwrap();
        prop_assert_eq!(forced, hashed);
    }

    #[test]
    fn text_without_markers_is_missing_its_block(
        lines in prop::collection::vec(line(), 0..10),
        crlf in any::<bool>(),
    ) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        prop_assert_eq!(block::rewrite(&text, &[], false), Err(BlockError::Missing));
    }
}
