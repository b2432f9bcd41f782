//! The Nakama image references in a Dockerfile or compose file (`heroiclabs/nakama:<tag>` and
//! `heroiclabs/nakama-pluginbuilder:<tag>`): reading their tags and moving them to a release.

use std::ops::Range;

/// The suffixes Heroic Labs has put after a release in an image tag for another build of the
/// same release: `-arm`, the arm64 images (`heroiclabs/nakama:3.22.0-arm`), published while
/// arm64 was built from Dockerfiles of its own (build/Dockerfile.arm64 and
/// build/pluginbuilder/Dockerfile.arm64 in heroiclabs/nakama, May 2023 to January 2025; the
/// images have been multi-platform under the plain tag since).
pub const TAG_SUFFIXES: [&str; 1] = ["-arm"];

/// An image tag split into the release it names and the suffix Heroic Labs published it
/// with: `3.22.0-arm` is (`3.22.0`, `-arm`); any other tag is itself with no suffix.
pub fn split_tag(tag: &str) -> (&str, &str) {
    for suffix in TAG_SUFFIXES {
        if let Some(release) = tag.strip_suffix(suffix) {
            if crate::go::GoVersion::parse_exact(release).is_some() {
                return (release, &tag[release.len()..]);
            }
        }
    }
    (tag, "")
}

/// An image reference that names a Nakama image, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub line: usize,
    pub builder: bool,
    pub tag: String,
}

const NAME: &str = "heroiclabs/nakama";
const BUILDER_SUFFIX: &str = "-pluginbuilder";

/// One reference inside a line: where its tag is, and its `@sha256:...` digest if pinned.
struct Found {
    builder: bool,
    tag: Range<usize>,
    digest: Option<Range<usize>>,
}

/// Characters of a repository path component (`[a-z0-9]` joined by `.`, `_`, `-`).
fn name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-')
}

/// The Nakama image references of one line. A reference must start a path component
/// (`acme-heroiclabs/nakama` is another image), and its tag is Docker's tag grammar
/// (`[\w][\w.-]{0,127}`), so text around it (`${IMAGE:-heroiclabs/nakama:3.38.0}`) stays put and
/// a tag from a variable (`:${NAKAMA_VERSION}`) is not one.
fn scan(line: &str) -> Vec<Found> {
    let bytes = line.as_bytes();
    if line.trim_start().starts_with('#') {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (at, _) in line.match_indices(NAME) {
        let starts_component = match at {
            0 => true,
            // `${VAR:-heroiclabs/nakama:...}`: the `-` belongs to the shell default, not a name.
            _ if bytes[at - 1] == b'-' => at >= 2 && bytes[at - 2] == b':',
            _ => !name_char(bytes[at - 1]),
        };
        if !starts_component {
            continue;
        }
        let mut i = at + NAME.len();
        let builder = line[i..].starts_with(BUILDER_SUFFIX);
        if builder {
            i += BUILDER_SUFFIX.len();
        }
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        let start = i + 1;
        let len = bytes[start..]
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
            .count();
        if len == 0 || len > 128 || matches!(bytes[start], b'.' | b'-') {
            continue;
        }
        let end = start + len;
        let digest = (bytes.get(end) == Some(&b'@')).then(|| {
            let n = bytes[end + 1..]
                .iter()
                .take_while(|&&c| {
                    c.is_ascii_alphanumeric() || matches!(c, b':' | b'+' | b'.' | b'_' | b'-')
                })
                .count();
            end..end + 1 + n
        });
        out.push(Found {
            builder,
            tag: start..end,
            digest,
        });
    }
    out
}

/// Every Nakama image reference in `text`.
pub fn find(text: &str) -> Vec<ImageRef> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for f in scan(line) {
            out.push(ImageRef {
                line: i + 1,
                builder: f.builder,
                tag: line[f.tag].to_string(),
            });
        }
    }
    out
}

/// The images Heroic Labs publishes for Go plugins, without a registry or tag.
pub const PUBLISHED: [&str; 2] = ["nakama", "nakama-pluginbuilder"];

/// For an image `heroiclabs/<name>` that Heroic Labs does not publish but that is a few typing
/// mistakes away from one that it does (`nakam`, `nakama-plugin-builder`): that one.
pub fn misspelt(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let repo = lower
        .strip_prefix("heroiclabs/")
        .or_else(|| lower.rsplit_once("/heroiclabs/").map(|(_, r)| r))?;
    if PUBLISHED.contains(&repo) {
        return None;
    }
    PUBLISHED
        .iter()
        .map(|p| (distance(repo, p), *p))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, p)| p)
}

/// Levenshtein distance (edits of one character).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// A stage's Nakama base image as Docker resolves it (global `ARG` defaults expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromImage {
    pub line: usize,
    pub builder: bool,
    /// The tag as Docker would read it: `latest` when none is given, empty when it comes from
    /// an ARG without a default.
    pub tag: String,
    /// The FROM line's image reference as written (`heroiclabs/nakama:${NAKAMA_VERSION}`).
    pub written: String,
}

/// The FROM lines of `text` that name a Nakama image, with their tags resolved from the
/// global ARGs as Docker does.
pub fn from_images(text: &str) -> Vec<FromImage> {
    let stages = super::replay::Stages::read(text);
    let mut out = Vec::new();
    for s in stages.stages.iter().filter(|s| s.parent.is_none()) {
        let no_digest = s.base.split('@').next().unwrap_or("");
        let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match no_digest[slash..].rfind(':') {
            Some(c) => (&no_digest[..slash + c], &no_digest[slash + c + 1..]),
            None => (no_digest, "latest"),
        };
        let lower = name.to_ascii_lowercase();
        let builder = lower == format!("{NAME}{BUILDER_SUFFIX}")
            || lower.ends_with(&format!("/{NAME}{BUILDER_SUFFIX}"));
        let server = lower == NAME || lower.ends_with(&format!("/{NAME}"));
        if !builder && !server {
            continue;
        }
        let ins = &stages.df.instructions[s.start];
        let written = match &ins.args {
            super::parse::Args::Shell(t) => super::parse::raw_words(t, stages.df.escape)
                .into_iter()
                .find(|w| !w.starts_with("--"))
                .unwrap_or_default(),
            super::parse::Args::Exec(v) => v.join(" "),
        };
        out.push(FromImage {
            line: s.line,
            builder,
            // The release: `3.22.0-arm` is an arm64 build of 3.22.0.
            tag: split_tag(tag).0.to_string(),
            written,
        });
    }
    out
}

/// A stage built FROM the golang image (`golang:1.26.3`, `docker.io/library/golang:...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GolangImage {
    pub line: usize,
    /// The image reference as Docker reads it (global ARG defaults expanded).
    pub image: String,
    /// The Go release its tag names exactly (`1.26.3` of `1.26.3-bookworm`); `None` for a
    /// tag that floats (`1.26`, `latest`, `alpine`).
    pub exact: Option<String>,
}

/// The stages of `text` built FROM a golang image.
pub fn golang_images(text: &str) -> Vec<GolangImage> {
    let stages = super::replay::Stages::read(text);
    stages
        .stages
        .iter()
        .filter(|s| s.parent.is_none())
        .filter_map(|s| {
            let no_digest = s.base.split('@').next().unwrap_or("");
            let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
            let (name, tag) = match no_digest[slash..].rfind(':') {
                Some(c) => (&no_digest[..slash + c], &no_digest[slash + c + 1..]),
                None => (no_digest, "latest"),
            };
            let last = name.rsplit('/').next().unwrap_or(name);
            if !last.eq_ignore_ascii_case("golang") {
                return None;
            }
            let version = tag.split('-').next().unwrap_or(tag);
            let exact = crate::go::GoVersion::parse_exact(version)
                .is_some()
                .then(|| version.to_string());
            Some(GolangImage {
                line: s.line,
                image: s.base.clone(),
                exact,
            })
        })
        .collect()
}

/// Sets the Go release of every golang image tag that names one exactly (`golang:1.26.3`,
/// `golang:1.26.3-bookworm`) to `go`, keeping its suffix and every other byte; a digest that
/// pinned the old release is dropped.
pub fn retag_golang(text: &str, go: &str) -> String {
    let re = regex::Regex::new(
        r"(?i)(^|[\s/=])(golang:)([0-9]+\.[0-9]+\.[0-9]+)((?:-[A-Za-z0-9._]+)?)(@sha256:[0-9a-f]+)?",
    )
    .expect("a valid pattern");
    text.split_inclusive('\n')
        .map(|line| {
            let t = line.trim_start();
            let is_from = t.len() > 5 && t[..5].eq_ignore_ascii_case("FROM ");
            if !is_from {
                return line.to_string();
            }
            re.replace_all(line, |c: &regex::Captures| {
                format!("{}{}{go}{}", &c[1], &c[2], &c[4])
            })
            .into_owned()
        })
        .collect()
}

/// The 1-based lines where `retag(text, version)` drops a digest (`:3.38.0@sha256:...`): it
/// names the old image, and Docker would keep pulling that one whatever the tag says.
pub fn dropped_digests(text: &str, version: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            scan(line)
                .iter()
                .any(|f| f.digest.is_some() && split_tag(&line[f.tag.clone()]).0 != version)
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Sets the tag of every Nakama image reference to `version` (dropping a digest that pinned
/// another tag), keeping every other byte.
pub fn retag(text: &str, version: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let mut out = line.to_string();
            // Back to front, so earlier ranges stay valid.
            for f in scan(line).iter().rev() {
                // `3.22.0-arm` moves to `3.40.0-arm`: the same build of another release.
                let (release, suffix) = split_tag(&line[f.tag.clone()]);
                if release != version {
                    let end = f.digest.as_ref().map_or(f.tag.end, |d| d.end);
                    out.replace_range(f.tag.start..end, &format!("{version}{suffix}"));
                }
            }
            out
        })
        .collect()
}

/// The variables a Nakama image tag comes from (`FROM heroiclabs/nakama:${NAKAMA_VERSION}`).
fn tag_variables(text: &str) -> Vec<String> {
    let re =
        regex::Regex::new(r"heroiclabs/nakama(?:-pluginbuilder)?:\$\{?([A-Za-z_][A-Za-z0-9_]*)")
            .expect("a valid pattern");
    let mut vars: Vec<String> = re.captures_iter(text).map(|c| c[1].to_string()).collect();
    vars.sort();
    vars.dedup();
    vars
}

/// Sets the default of every `ARG` a Nakama image tag comes from to `version`, keeping every
/// other byte; returns the text and the 1-based lines changed.
pub fn retag_args(text: &str, version: &str) -> (String, Vec<usize>) {
    let vars = tag_variables(text);
    let mut changed = Vec::new();
    let out = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| {
            let t = line.trim_start();
            // `get`: the line's fourth byte may be inside a character (this panicked).
            let is_arg = t.len() > 4 && t.get(..4).is_some_and(|k| k.eq_ignore_ascii_case("ARG "));
            let Some((name, value)) = t
                .get(4..)
                .filter(|_| is_arg)
                .and_then(|r| r.trim_start().split_once('='))
            else {
                return line.to_string();
            };
            let old = value.trim_end().trim_matches(['"', '\'']);
            if !vars.iter().any(|v| v == name.trim()) || old.is_empty() || old == version {
                return line.to_string();
            }
            changed.push(i + 1);
            let at = line.len() - value.len();
            let rest = &line[at..];
            format!("{}{}", &line[..at], rest.replacen(old, version, 1))
        })
        .collect();
    (out, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golang_builders_are_found_and_moved_with_their_suffix() {
        let text = "ARG GO=1.26\nFROM golang:1.26.3-bookworm@sha256:ab AS builder\nRUN go version # golang:1.26.3\nFROM docker.io/library/golang:${GO} AS tools\nFROM heroiclabs/nakama:3.40.0\n";
        let found = golang_images(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].exact.as_deref(), Some("1.26.3"));
        assert_eq!((found[1].line, found[1].exact.as_deref()), (4, None));
        let moved = retag_golang(text, "1.26.5");
        assert!(
            moved.contains("FROM golang:1.26.5-bookworm AS builder\n"),
            "{moved}"
        );
        assert!(
            moved.contains("RUN go version # golang:1.26.3\n"),
            "{moved}"
        );
        assert!(moved.contains("golang:${GO} AS tools"), "{moved}");
    }

    #[test]
    fn a_line_whose_fourth_byte_is_inside_a_character() {
        let text = "ARé=1\nAR\u{1F600}\nFROM heroiclabs/nakama:3.37.1\n";
        assert_eq!(retag_args(text, "3.40.0"), (text.to_string(), vec![]));
    }

    #[test]
    fn moves_the_args_image_tags_come_from() {
        let text = "ARG NAKAMA_VERSION=3.37.1\nARG OTHER=3.37.1\nFROM heroiclabs/nakama-pluginbuilder:${NAKAMA_VERSION} AS builder\nFROM heroiclabs/nakama:$NAKAMA_VERSION\n";
        let (out, lines) = retag_args(text, "3.40.0");
        assert_eq!(lines, [1]);
        assert_eq!(out, text.replacen("=3.37.1", "=3.40.0", 1));
        let quoted = "arg V=\"3.37.1\"\r\nFROM heroiclabs/nakama:${V}\r\n";
        assert_eq!(
            retag_args(quoted, "3.40.0").0,
            quoted.replace("3.37.1", "3.40.0")
        );
        assert!(retag_args("FROM x\n", "3.40.0").1.is_empty());
    }

    /// `-arm` tags are Heroic Labs' arm64 builds of a release: moving the release keeps the
    /// suffix, and one already on the release is left alone.
    #[test]
    fn arm_tags_keep_their_suffix() {
        let text = "FROM heroiclabs/nakama-pluginbuilder:3.22.0-arm AS b\nFROM heroiclabs/nakama:3.22.0-arm\n";
        assert_eq!(
            retag(text, "3.40.0"),
            "FROM heroiclabs/nakama-pluginbuilder:3.40.0-arm AS b\nFROM heroiclabs/nakama:3.40.0-arm\n"
        );
        assert_eq!(retag(text, "3.22.0"), text);
        let found = from_images(text);
        assert!(found.iter().all(|i| i.tag == "3.22.0"), "{found:?}");
    }

    #[test]
    fn finds_and_retags() {
        let text = "# heroiclabs/nakama:1.0.0 in a comment\nFROM heroiclabs/nakama-pluginbuilder:3.38.0 AS builder\nFROM registry.example/heroiclabs/nakama:3.38.0\n    image: \"heroiclabs/nakama:3.38.0\"\nFROM golang:1.26\n";
        let found = find(text);
        assert_eq!(found.len(), 3);
        assert!(found[0].builder && found[0].line == 2 && found[0].tag == "3.38.0");
        let out = retag(text, "3.40.0");
        assert_eq!(
            out,
            text.replace("nakama-pluginbuilder:3.38.0", "nakama-pluginbuilder:3.40.0")
                .replace("nakama:3.38.0", "nakama:3.40.0")
        );
        assert!(out.starts_with("# heroiclabs/nakama:1.0.0"));
        assert_eq!(retag(&out, "3.40.0"), out);
    }

    #[test]
    fn keeps_text_around_the_tag() {
        let compose = "    image: ${NAKAMA_IMAGE:-heroiclabs/nakama:3.38.0}\n";
        assert_eq!(
            retag(compose, "3.40.0"),
            "    image: ${NAKAMA_IMAGE:-heroiclabs/nakama:3.40.0}\n"
        );
        let list =
            "image: [\"heroiclabs/nakama:3.38.0\",\"heroiclabs/nakama-pluginbuilder:3.38.0\"]\r\n";
        assert_eq!(retag(list, "3.40.0"), list.replace("3.38.0", "3.40.0"));
    }

    #[test]
    fn leaves_other_images_and_variable_tags() {
        let text = "FROM acme-heroiclabs/nakama:3.38.0\nFROM myheroiclabs/nakama:3.38.0\nFROM heroiclabs/nakama-common:1\nARG V=3.38.0\nFROM heroiclabs/nakama:${V}\nFROM heroiclabs/nakama\n";
        assert!(find(text).is_empty());
        assert_eq!(retag(text, "3.40.0"), text);
    }

    #[test]
    fn misspelt_names_get_the_nearest_published_image() {
        assert_eq!(misspelt("heroiclabs/nakam"), Some("nakama"));
        assert_eq!(
            misspelt("registry.heroiclabs.com/heroiclabs/nakama-plugin-builder"),
            Some("nakama-pluginbuilder")
        );
        assert_eq!(misspelt("heroiclabs/nakama"), None);
        assert_eq!(misspelt("heroiclabs/nakama-prerelease"), None);
        assert_eq!(misspelt("acme/nakam"), None);
    }

    #[test]
    fn from_images_read_arg_defaults() {
        let text = "ARG NAKAMA_VERSION=3.38.0\nARG BARE\nFROM heroiclabs/nakama-pluginbuilder:${NAKAMA_VERSION} AS builder\nFROM builder AS again\nFROM golang:1.26\nFROM heroiclabs/nakama:$BARE\nFROM registry.heroiclabs.com/heroiclabs/nakama\n";
        let found = from_images(text);
        let tags: Vec<(usize, bool, &str)> = found
            .iter()
            .map(|f| (f.line, f.builder, f.tag.as_str()))
            .collect();
        assert_eq!(
            tags,
            vec![(3, true, "3.38.0"), (6, false, ""), (7, false, "latest")]
        );
        assert_eq!(
            found[0].written,
            "heroiclabs/nakama-pluginbuilder:${NAKAMA_VERSION}"
        );
    }

    #[test]
    fn drops_a_digest_that_pinned_the_old_tag() {
        let text = "FROM heroiclabs/nakama:3.38.0@sha256:0123abcd AS x\nFROM heroiclabs/nakama-pluginbuilder:3.38.0\n";
        assert_eq!(find(text).len(), 2);
        assert_eq!(dropped_digests(text, "3.40.0"), vec![1]);
        let moved = retag(text, "3.40.0");
        assert_eq!(
            moved,
            "FROM heroiclabs/nakama:3.40.0 AS x\nFROM heroiclabs/nakama-pluginbuilder:3.40.0\n"
        );
        // A digest already on the wanted tag stays.
        assert_eq!(retag(text, "3.38.0"), text);
        assert!(dropped_digests(text, "3.38.0").is_empty());
    }
}
