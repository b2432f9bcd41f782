//! Slash paths as Docker cleans and joins them (Go's `path` package): `.dockerignore` patterns,
//! COPY sources, and absolute paths inside the image.

/// Like Go's `path.Clean` for slash paths.
pub fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// An absolute image path's parent ("/" at the top).
pub fn parent_of(abs: &str) -> String {
    match abs.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((p, _)) => p.into(),
    }
}

/// Joins an image path onto a folder and cleans it; absolute `rel` replaces `base`.
pub fn join(base: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        clean(rel)
    } else {
        clean(&format!("{}/{rel}", base.trim_end_matches('/')))
    }
}

/// Whether absolute image path `path` is `dir` or inside it.
pub fn within(path: &str, dir: &str) -> bool {
    dir == "/"
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_paths() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean(""), ".");
    }

    #[test]
    fn image_paths() {
        assert_eq!(join("/go", "src/../app"), "/go/app");
        assert_eq!(join("/go/", "/backend"), "/backend");
        assert!(within("/b/x.so", "/b") && within("/b", "/b") && within("/b", "/"));
        assert!(!within("/bb/x.so", "/b"));
        assert_eq!(parent_of("/backend/go.mod"), "/backend");
        assert_eq!(parent_of("/backend"), "/");
    }
}
