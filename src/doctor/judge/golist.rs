//! `go list -e -deps -json` read: the packages a build compiles, the files Go takes from each,
//! and Go's own errors, as it reports them.
//!
//! `go list -e` reports some failures the build hits only in part: a package whose non-test
//! files build constraints all exclude is listed without an error when it has a test file, yet
//! `go build` fails on it. Those are added here in `go build`'s words.

use serde::Deserialize;

/// The fields asked for (`-json=...`): Go resolves embeds only when `EmbedFiles` is asked.
pub const FIELDS: &str = "ImportPath,Dir,Name,Standard,GoFiles,CgoFiles,IgnoredGoFiles,CFiles,CXXFiles,HFiles,SFiles,SysoFiles,EmbedFiles,CgoCFLAGS,Error,DepsErrors,Module";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Package {
    pub import_path: String,
    pub dir: String,
    pub name: String,
    pub standard: bool,
    pub go_files: Vec<String>,
    pub cgo_files: Vec<String>,
    pub ignored_go_files: Vec<String>,
    pub c_files: Vec<String>,
    #[serde(rename = "CXXFiles")]
    pub cxx_files: Vec<String>,
    pub h_files: Vec<String>,
    pub s_files: Vec<String>,
    pub syso_files: Vec<String>,
    pub embed_files: Vec<String>,
    #[serde(rename = "CgoCFLAGS")]
    pub cgo_cflags: Vec<String>,
    pub error: Option<PackageError>,
    pub deps_errors: Vec<PackageError>,
    pub module: Option<Module>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Module {
    pub path: String,
    pub main: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PackageError {
    pub import_stack: Vec<String>,
    /// `file:line:col`, relative to the folder go ran in when below it.
    pub pos: String,
    pub err: String,
}

/// One error Go reports (or that `go build` would), once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoError {
    /// `file:line:col` as Go wrote it, when it names a place.
    pub pos: Option<String>,
    pub text: String,
    /// The packages that lead to it, the root first.
    pub import_stack: Vec<String>,
}

/// The packages of go list's output (a stream of JSON objects); `None` when it is not that.
pub fn parse(stdout: &str) -> Option<Vec<Package>> {
    serde_json::Deserializer::from_str(stdout)
        .into_iter::<Package>()
        .collect::<Result<Vec<_>, _>>()
        .ok()
}

/// Every error the listed packages carry, each once, plus the packages `go build` refuses
/// that `go list -e` passes (no non-test Go file for the target).
pub fn errors(packages: &[Package]) -> Vec<GoError> {
    let mut out: Vec<GoError> = Vec::new();
    let mut add = |e: &PackageError| {
        let err = GoError {
            pos: (!e.pos.is_empty()).then(|| e.pos.clone()),
            text: e.err.trim().to_string(),
            import_stack: e.import_stack.clone(),
        };
        if !out.iter().any(|o| o.text == err.text && o.pos == err.pos) {
            out.push(err);
        }
    };
    for p in packages {
        if let Some(e) = &p.error {
            add(e);
        }
        for e in &p.deps_errors {
            add(e);
        }
    }
    for p in packages {
        let listed_with_error = p.error.is_some();
        if p.standard || listed_with_error || !p.go_files.is_empty() || !p.cgo_files.is_empty() {
            continue;
        }
        let text = if p.ignored_go_files.is_empty() {
            format!("no non-test Go files in {}", p.dir)
        } else {
            format!("build constraints exclude all Go files in {}", p.dir)
        };
        add(&PackageError {
            import_stack: vec![p.import_path.clone()],
            pos: String::new(),
            err: text,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_once_and_test_only_packages_fail_as_go_build_says() {
        let out = r#"{"ImportPath":"example.com/g/p","Dir":"/b/p","IgnoredGoFiles":["p.go"]}
{"ImportPath":"example.com/g","Dir":"/b","GoFiles":["main.go"],
 "DepsErrors":[{"ImportStack":["example.com/g"],"Pos":"main.go:3:2","Err":"no required module provides package example.com/g/q"}],
 "Error":{"ImportStack":["example.com/g"],"Pos":"main.go:3:2","Err":"no required module provides package example.com/g/q"}}
{"ImportPath":"fmt","Standard":true}"#;
        let pkgs = parse(out).unwrap();
        assert_eq!(pkgs.len(), 3);
        let errs = errors(&pkgs);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].pos.as_deref(), Some("main.go:3:2"));
        assert_eq!(
            errs[1].text,
            "build constraints exclude all Go files in /b/p"
        );
        assert!(parse("not json").is_none());
    }
}
