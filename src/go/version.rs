//! One version number type for Go releases (`1.26.5`, `1.21rc1`, a go.mod `go 1.22` line) and
//! the release table's semantic versions (`3.40.0`, `v1.47.0`).

use std::fmt;

/// `major.minor.patch`; missing parts are 0, and a pre-release suffix (`rc1`) is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoVersion(pub u64, pub u64, pub u64);

impl GoVersion {
    /// Reads `1.26.5`, `v1.47.0`, `1.21rc1` or `1.22`; `None` when the text starts with no
    /// number at all.
    pub fn parse(text: &str) -> Option<GoVersion> {
        let text = text.trim().trim_start_matches('v').trim_start_matches("go");
        if !text.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let mut nums = text.split('.').map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        });
        Some(GoVersion(
            nums.next().unwrap_or(0),
            nums.next().unwrap_or(0),
            nums.next().unwrap_or(0),
        ))
    }

    /// Reads a strict `major.minor.patch` (an optional leading `v`), as the release table holds.
    pub fn parse_exact(text: &str) -> Option<GoVersion> {
        let text = text.trim().trim_start_matches('v');
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        Some(GoVersion(
            parts[0].parse().ok()?,
            parts[1].parse().ok()?,
            parts[2].parse().ok()?,
        ))
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_go_and_the_table_write() {
        assert_eq!(GoVersion::parse("1.26.5"), Some(GoVersion(1, 26, 5)));
        assert_eq!(GoVersion::parse("1.21rc1"), Some(GoVersion(1, 21, 0)));
        assert_eq!(GoVersion::parse("go1.22"), Some(GoVersion(1, 22, 0)));
        assert_eq!(GoVersion::parse("v1.47.0"), Some(GoVersion(1, 47, 0)));
        assert_eq!(GoVersion::parse("x"), None);
        assert!(GoVersion::parse("1.14").unwrap() >= GoVersion(1, 14, 0));
        assert_eq!(GoVersion::parse_exact("3.40.0"), Some(GoVersion(3, 40, 0)));
        assert_eq!(GoVersion::parse_exact("3.40"), None);
        assert_eq!(GoVersion::parse_exact("3.x.0"), None);
    }
}
