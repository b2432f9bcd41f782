//! Line-ending and final-newline handling, so edits keep a file's existing style.

/// The line ending a file already uses: CRLF when its first line ends in CRLF.
pub fn eol_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Rewrites LF-only text to use `eol`, and to end (or not) with a newline like `like` does.
pub fn restyle(lf_text: &str, eol: &str, like: &str) -> String {
    let mut out = if eol == "\n" {
        lf_text.to_string()
    } else {
        lf_text.replace('\n', eol)
    };
    let had_final = like.is_empty() || like.ends_with('\n');
    if !had_final {
        while out.ends_with('\n') {
            out.pop();
            if out.ends_with('\r') {
                out.pop();
            }
        }
    }
    out
}

/// The text with CRLF turned into LF, for parsing and comparing.
pub fn to_lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_crlf_and_missing_final_newline() {
        let original = "a\r\nb";
        let edited = "a\nx\nb\n";
        assert_eq!(restyle(edited, eol_of(original), original), "a\r\nx\r\nb");
        assert_eq!(restyle(edited, eol_of("a\n"), "a\n"), edited);
    }
}
