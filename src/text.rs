//! Line-ending and final-newline handling, and in-place word edits, so edits keep a file's
//! existing style.

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

/// Replaces every occurrence of the version `old` that stands alone (no digit, letter or `.`
/// right before or after it: `3.37.1` in `Nakama 3.37.1,`, not in `13.37.10`).
pub fn replace_version(text: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        return text.to_string();
    }
    let part = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(old) {
        out.push_str(&rest[..i]);
        let before = out.chars().last();
        let tail = &rest[i + old.len()..];
        let mut next = tail.chars();
        let after = next.next();
        // A `.` that ends a sentence is not part of the version.
        let after_part = part(after) && (after != Some('.') || part(next.next()));
        out.push_str(if part(before) || after_part { old } else { new });
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Replaces the first whole-word occurrence of `old` in a line: a word starts at the line's
/// start or after a blank, and ends at the line's end, a blank or a `//` comment
/// (`v1.45.0//indirect` is legal go.mod). The line is returned as it is when `old` is not there.
pub fn replace_word(line: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        return line.to_string();
    }
    let mut start = 0;
    while let Some(i) = line[start..].find(old) {
        let at = start + i;
        let before_ok = at == 0 || line.as_bytes()[at - 1].is_ascii_whitespace();
        let end = at + old.len();
        let after_ok = end == line.len()
            || line.as_bytes()[end].is_ascii_whitespace()
            || line[end..].starts_with("//");
        if before_ok && after_ok {
            return format!("{}{}{}", &line[..at], new, &line[end..]);
        }
        start = end;
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_standalone_versions_only() {
        let t = "Nakama 3.37.1, (Go 1.25.5). Not 13.37.10 or 3.37.1.2; end 3.37.1.\n";
        assert_eq!(
            replace_version(t, "3.37.1", "3.40.0"),
            "Nakama 3.40.0, (Go 1.25.5). Not 13.37.10 or 3.37.1.2; end 3.40.0.\n"
        );
    }

    #[test]
    fn keeps_crlf_and_missing_final_newline() {
        let original = "a\r\nb";
        let edited = "a\nx\nb\n";
        assert_eq!(restyle(edited, eol_of(original), original), "a\r\nx\r\nb");
        assert_eq!(restyle(edited, eol_of("a\n"), "a\n"), edited);
    }

    #[test]
    fn replaces_whole_words_only() {
        assert_eq!(
            replace_word("FROM a:3.4 AS b", "a:3.4", "a:3.5"),
            "FROM a:3.5 AS b"
        );
        assert_eq!(
            replace_word("x v1.4.0 v1.4.0", "v1.4.0", "v1.5.0"),
            "x v1.5.0 v1.4.0"
        );
        assert_eq!(replace_word("xv1 v1", "v1", "v2"), "xv1 v2");
        assert_eq!(replace_word("a v1//c", "v1", "v2"), "a v2//c");
        assert_eq!(replace_word("a b", "", "x"), "a b");
    }
}
