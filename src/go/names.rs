//! Validation of the names users type: Go package names, module paths, project names, RPC ids.
//! Each error says what to type instead.

use thiserror::Error;

/// Why a Go package name was refused; callers show it, tests match on it.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum NameError {
    #[error("package name is empty; give a lower-case Go identifier such as `inventory`")]
    Empty,
    #[error("`{0}` has upper case; Go package names are lower case: use `{1}`")]
    UpperCase(String, String),
    #[error("`{0}` is a path, not a package name; give one folder name such as `{1}` (nested folders are made by hand and covered by their top folder)")]
    Path(String, String),
    #[error("`{0}` is not a Go identifier: use lower-case letters, digits and `_`, starting with a letter")]
    NotIdentifier(String),
    #[error("`{0}` is a Go keyword and cannot name a package; try `{0}s` or `my{0}`")]
    Keyword(String),
    #[error("`{0}` is a predeclared Go identifier; a package of that name shadows it. Try `{0}s` or `my{0}`")]
    Predeclared(String),
    #[error("`{0}` is reserved by Go ({1}); pick another name")]
    Reserved(String, &'static str),
    #[error("`{0}` would never be compiled: {1}, so `{0}/{0}.go` is left out of the linux/amd64 plugin build; try `{2}`")]
    ExcludedByFileName(String, String, String),
}

const KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

const PREDECLARED: &[&str] = &[
    "any",
    "append",
    "bool",
    "byte",
    "cap",
    "clear",
    "close",
    "comparable",
    "complex",
    "complex128",
    "complex64",
    "copy",
    "delete",
    "error",
    "false",
    "float32",
    "float64",
    "imag",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "iota",
    "len",
    "make",
    "max",
    "min",
    "new",
    "nil",
    "panic",
    "print",
    "println",
    "real",
    "recover",
    "rune",
    "string",
    "true",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "uintptr",
];

/// Checks a name for `add-package`: a lower-case Go identifier that Go and this tool can use as
/// both a folder and a package name.
pub fn check_package_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.contains(['/', '\\']) || name.contains("..") {
        let last = name
            .rsplit(['/', '\\'])
            .find(|s| !s.is_empty() && *s != "..")
            .unwrap_or("mypackage");
        return Err(NameError::Path(name.into(), suggest_package(last)));
    }
    let is_ident = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_ident && name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(NameError::UpperCase(name.into(), suggest_package(name)));
    }
    if !is_ident {
        return Err(NameError::NotIdentifier(name.into()));
    }
    if KEYWORDS.contains(&name) {
        return Err(NameError::Keyword(name.into()));
    }
    if PREDECLARED.contains(&name) {
        return Err(NameError::Predeclared(name.into()));
    }
    let reserved = match name {
        "main" => Some("the plugin itself is package main"),
        "vendor" => Some("`go mod vendor` owns vendor/"),
        "internal" => Some("internal/ restricts who may import it"),
        "testdata" => Some("the go tool ignores testdata/"),
        "init" => Some("Go cannot import a package named init: init must be a func"),
        "documentation" => Some("the go tool ignores files of `package documentation`"),
        _ if name.ends_with("_test") => Some("`_test` packages are external test packages"),
        _ => None,
    };
    if let Some(why) = reserved {
        return Err(NameError::Reserved(name.into(), why));
    }
    // `iap_ios` names its file `iap_ios.go`, which Go builds only for GOOS=ios.
    if let Some(why) = super::build::name_excludes(&format!("{name}.go")) {
        return Err(NameError::ExcludedByFileName(
            name.into(),
            why,
            name.replace('_', ""),
        ));
    }
    Ok(())
}

/// A name to suggest instead of `name` that [`check_package_name`] accepts: `Main` must not
/// suggest the reserved `main`.
fn suggest_package(name: &str) -> String {
    let lower = name.to_lowercase();
    [lower.clone(), format!("my{lower}")]
        .into_iter()
        .find(|s| check_package_name(s).is_ok())
        .unwrap_or_else(|| "mypackage".into())
}

/// Checks a Go module path the way `go mod init` does (golang.org/x/mod's import-path rules).
pub fn check_module_path(path: &str) -> crate::error::Result<()> {
    let hint = "a module path looks like `example.com/mygame` or `github.com/you/mygame`";
    if path.is_empty() {
        return Err(crate::error::err!("module path is empty; {hint}"));
    }
    // `https://github.com/you/game` is a URL; Go's module path is what follows the scheme.
    if let Some((scheme, rest)) = path.split_once("://") {
        return Err(crate::error::err!(
            "module path `{path}` starts with the URL scheme `{scheme}://`; drop the scheme: `{}`",
            rest.trim_end_matches('/').trim_end_matches(".git")
        ));
    }
    if path.starts_with('/') || path.ends_with('/') || path.contains("//") {
        return Err(crate::error::err!(
            "module path `{path}` has a leading, trailing or double `/`; {hint}"
        ));
    }
    for elem in path.split('/') {
        // Go reads any path with a `vendor` element as a vendored package: the plugin's own
        // packages would then fail with "must be imported as" or "use of vendored package".
        if elem == "vendor" {
            return Err(crate::error::err!(
                "module path `{path}` has a `vendor` element, which makes Go treat its packages as vendored copies; {hint}"
            ));
        }
        if elem == "." || elem == ".." {
            return Err(crate::error::err!(
                "module path `{path}` has a `{elem}` element; {hint}"
            ));
        }
        if let Some(bad) = elem
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~".contains(*c)))
        {
            return Err(crate::error::err!(
                "module path `{path}` has `{bad}`, which Go does not allow; {hint}"
            ));
        }
        if elem.starts_with('.') || elem.ends_with('.') {
            return Err(crate::error::err!(
                "module path `{path}` has an element starting or ending with `.`; {hint}"
            ));
        }
        let stem = elem.split('.').next().unwrap_or(elem).to_ascii_uppercase();
        let windows = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
            || ((stem.starts_with("COM") || stem.starts_with("LPT"))
                && stem.len() == 4
                && stem.as_bytes()[3].is_ascii_digit());
        if windows {
            return Err(crate::error::err!(
                "module path `{path}` has `{elem}`, a reserved file name on Windows; {hint}"
            ));
        }
    }
    let first = path.split('/').next().unwrap_or(path);
    if first.contains('.') && first.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(crate::error::err!(
            "module path `{path}` has upper case in its domain `{first}`; {hint}"
        ));
    }
    Ok(())
}

/// True when the first element has no dot: Go then reports a missing package folder as the
/// misleading `package x is not in std`, so we warn.
pub fn module_is_dotless(path: &str) -> bool {
    !path.split('/').next().unwrap_or(path).contains('.')
}

/// Checks a project name: it names the folder, the Nakama node (`name:` in local.yml) and logs.
pub fn check_project_name(name: &str) -> crate::error::Result<()> {
    let ok = name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(crate::error::err!(
            "project name `{name}` is not usable; use letters, digits, `-` and `_` (at most 64), starting with a letter or digit, e.g. `--name mygame`"
        ))
    }
}

/// Checks an RPC id. Nakama matches ids case-insensitively, so we keep them lower case.
pub fn check_rpc_id(id: &str) -> crate::error::Result<()> {
    let ok = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(crate::error::err!(
            "RPC id `{id}` is not usable; use lower-case letters, digits and `_`, starting with a letter (e.g. `--rpc {}`)",
            suggest_rpc(id)
        ))
    }
}

fn suggest_rpc(id: &str) -> String {
    let s: String = id
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
        s
    } else {
        format!("rpc_{s}")
    }
}

/// The exported Go handler name for an RPC id: `profile_get` → `RpcProfileGet`.
pub fn rpc_handler_name(id: &str) -> String {
    let mut out = String::from("Rpc");
    for part in id.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(check_package_name("profile"), Ok(()));
        assert_eq!(check_package_name("game_state2"), Ok(()));
        assert_eq!(
            check_package_name("Profile"),
            Err(NameError::UpperCase("Profile".into(), "profile".into()))
        );
        // The suggestion itself must pass: `main` and `type` are refused.
        assert_eq!(
            check_package_name("Main"),
            Err(NameError::UpperCase("Main".into(), "mymain".into()))
        );
        assert_eq!(
            check_package_name("../Type"),
            Err(NameError::Path("../Type".into(), "mytype".into()))
        );
        assert!(matches!(
            check_package_name("type"),
            Err(NameError::Keyword(_))
        ));
        assert!(matches!(
            check_package_name("string"),
            Err(NameError::Predeclared(_))
        ));
        for excluded in [
            "iap_ios",
            "shop_android",
            "pay_windows",
            "web_js",
            "fast_arm64",
        ] {
            assert!(
                matches!(
                    check_package_name(excluded),
                    Err(NameError::ExcludedByFileName(..))
                ),
                "{excluded}"
            );
        }
        assert_eq!(check_package_name("store_linux"), Ok(()));
        for r in [
            "main",
            "vendor",
            "internal",
            "testdata",
            "x_test",
            "init",
            "documentation",
        ] {
            assert!(
                matches!(check_package_name(r), Err(NameError::Reserved(..))),
                "{r}"
            );
        }
        for p in ["a/b", "../x", "a\\b", ".."] {
            assert!(
                matches!(check_package_name(p), Err(NameError::Path(..))),
                "{p}"
            );
        }
        for bad in ["my pkg", "9lives", "_x", "a-b", "é"] {
            assert!(
                matches!(check_package_name(bad), Err(NameError::NotIdentifier(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn module_paths() {
        for vendored in ["example.com/vendor", "example.com/vendor/game", "vendor"] {
            assert!(check_module_path(vendored).is_err(), "{vendored}");
        }
        for (url, want) in [
            (
                "https://github.com/you/game",
                "drop the scheme: `github.com/you/game`",
            ),
            (
                "http://example.com/game.git",
                "drop the scheme: `example.com/game`",
            ),
        ] {
            let err = check_module_path(url).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        for ok in [
            "example.com/game",
            "github.com/Me/My_Game",
            "mygame",
            "a.b/c~d/e-f",
        ] {
            assert!(check_module_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/abs",
            "x/",
            "a//b",
            "a/../b",
            "a b",
            "ex.com/.hidden",
            "EXAMPLE.com/x",
            "x/con",
            "a:b",
        ] {
            assert!(check_module_path(bad).is_err(), "{bad}");
        }
        assert!(module_is_dotless("myproject"));
        assert!(!module_is_dotless("example.com/x"));
    }

    #[test]
    fn rpc_ids_and_handlers() {
        assert!(check_rpc_id("profile_echo").is_ok());
        let err = check_rpc_id("Profile-Get").unwrap_err();
        assert!(err.to_string().contains("--rpc profile_get"), "{err}");
        assert_eq!(rpc_handler_name("profile_get_2"), "RpcProfileGet2");
    }
}
