//! The Nakama image references in a Dockerfile or compose file (`heroiclabs/nakama:<tag>` and
//! `heroiclabs/nakama-pluginbuilder:<tag>`): reading their tags and moving them to a release.

/// An image reference that names a Nakama image, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub line: usize,
    pub builder: bool,
    pub tag: String,
}

const BUILDER: &str = "heroiclabs/nakama-pluginbuilder";
const SERVER: &str = "heroiclabs/nakama";

/// Splits a word into (repository, tag) when it names a Nakama image with a tag.
fn nakama_image(word: &str) -> Option<(bool, &str, usize)> {
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    let (repo, tag) = word.rsplit_once(':')?;
    let tag = tag.split('@').next().unwrap_or(tag);
    let builder = repo.ends_with(BUILDER);
    if !(builder || repo.ends_with(SERVER)) || tag.is_empty() {
        return None;
    }
    let repo_end = repo.len() + 1;
    Some((builder, tag, repo_end))
}

/// Every Nakama image reference in `text`.
pub fn find(text: &str) -> Vec<ImageRef> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for word in line.split_whitespace() {
            if let Some((builder, tag, _)) = nakama_image(word) {
                out.push(ImageRef {
                    line: i + 1,
                    builder,
                    tag: tag.to_string(),
                });
            }
        }
    }
    out
}

/// Sets the tag of every Nakama image reference to `version`, keeping everything else.
pub fn retag(text: &str, version: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            if line.trim_start().starts_with('#') {
                return line.to_string();
            }
            let mut out = line.to_string();
            for word in line.split_whitespace() {
                if let Some((_, tag, _)) = nakama_image(word) {
                    if tag != version {
                        let bare = word.trim_matches(|c| c == '"' || c == '\'');
                        let new = format!("{}{version}", &bare[..bare.len() - tag.len()]);
                        out = out.replacen(bare, &new, 1);
                    }
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_retags() {
        let text = "# heroiclabs/nakama:1.0.0 in a comment\nFROM heroiclabs/nakama-pluginbuilder:3.38.0 AS builder\nFROM registry.example/heroiclabs/nakama:3.38.0\n    image: \"heroiclabs/nakama:3.38.0\"\nFROM golang:1.26\n";
        let found = find(text);
        assert_eq!(found.len(), 3);
        assert!(found[0].builder && found[0].line == 2 && found[0].tag == "3.38.0");
        let out = retag(text, "3.40.0");
        assert_eq!(out, text.replace("3.38.0", "3.40.0"));
        assert_eq!(retag(&out, "3.40.0"), out);
    }
}
