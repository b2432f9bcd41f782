//! D007: the main package must be `package main` and declare
//! `func InitModule(context.Context, runtime.Logger, *sql.DB, runtime.NakamaModule,
//! runtime.Initializer) error`; Nakama looks it up by name and type when it loads the plugin.

use super::id;
use super::report::Problem;
use super::{Facts, Finding};
use crate::go::source::{local_name, FuncDecl, GoFile};

const RUNTIME: &str = "github.com/heroiclabs/nakama-common/runtime";
const SIGNATURE: &str = "func InitModule(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error";

/// The parameter types Nakama asserts: (import path, name, pointer).
const PARAMS: [(&str, &str, bool); 5] = [
    ("context", "Context", false),
    (RUNTIME, "Logger", false),
    ("database/sql", "DB", true),
    (RUNTIME, "NakamaModule", false),
    (RUNTIME, "Initializer", false),
];

/// Whether type text `ty` (as written in `file`) is the type `want`.
fn is_type(ty: &str, file: &GoFile, want: (&str, &str, bool)) -> bool {
    let (path, name, ptr) = want;
    let (is_ptr, rest) = match ty.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, ty),
    };
    if is_ptr != ptr {
        return false;
    }
    match rest.split_once('.') {
        Some((qual, n)) => {
            n == name
                && file
                    .imports
                    .iter()
                    .any(|i| i.path == path && local_name(i) == qual)
        }
        // Unqualified: only through a dot import of the right package.
        None => {
            rest == name
                && file
                    .imports
                    .iter()
                    .any(|i| i.path == path && i.alias.as_deref() == Some("."))
        }
    }
}

/// What is wrong with a declaration, if anything.
fn mismatch(d: &FuncDecl, file: &GoFile) -> Option<String> {
    if d.params.len() != PARAMS.len() {
        return Some(format!(
            "takes {} parameters, Nakama passes 5",
            d.params.len()
        ));
    }
    for (i, (ty, want)) in d.params.iter().zip(PARAMS).enumerate() {
        if !is_type(ty, file, want) {
            let short = want.0.rsplit('/').next().unwrap_or(want.0);
            let short = if short == "sql" || short == "runtime" || short == "context" {
                short
            } else {
                want.0
            };
            return Some(format!(
                "parameter {} is `{ty}`, Nakama passes `{}{short}.{}`",
                i + 1,
                if want.2 { "*" } else { "" },
                want.1
            ));
        }
    }
    if d.results != ["error"] {
        return Some(format!(
            "returns `{}`, Nakama needs `error`",
            if d.results.is_empty() {
                "nothing".to_string()
            } else {
                d.results.join(", ")
            }
        ));
    }
    None
}

pub fn check(f: &Facts) -> Vec<Finding> {
    // Built by a script doctor cannot read: which package is the plugin is not known.
    if f.model.build.is_none() && f.model.script.is_some() {
        return Vec::new();
    }
    let dir = &f.graph.main_dir;
    let Some(pkg) = f.graph.packages.get(dir) else {
        return Vec::new();
    };
    let shown_dir = if dir.is_empty() {
        "the module root".to_string()
    } else {
        format!("{dir}/")
    };
    if pkg.files.is_empty() {
        return vec![Finding::manual(Problem::new(
            id::INIT_MODULE,
            &f.at("go.mod"),
            1,
            format!("{shown_dir} has no Go files, so there is no plugin package to build"),
            format!("add main.go with `package main` and `{SIGNATURE}`"),
        ))];
    }
    let mut out = Vec::new();
    let main_go = if dir.is_empty() {
        "main.go".to_string()
    } else {
        format!("{dir}/main.go")
    };
    let first = if pkg.files.contains(&main_go) {
        main_go
    } else {
        pkg.files[0].clone()
    };
    let parsed = |p: &String| f.graph.parsed.get(p);
    if let Some(other) = pkg
        .files
        .iter()
        .filter_map(|p| parsed(p).and_then(|g| g.package.clone()).map(|n| (p, n)))
        .find(|(_, n)| n != "main")
    {
        out.push(Finding::manual(Problem::new(
            id::INIT_MODULE,
            &f.at(other.0),
            1,
            format!("{} declares `package {}`; a plugin's main package must be `package main` (`-buildmode=plugin requires exactly one main package`)", f.at(other.0), other.1),
            "change it to `package main`, or build the plugin from the folder that holds package main".into(),
        )));
    }
    let decls: Vec<(&String, &FuncDecl)> = pkg
        .files
        .iter()
        .filter_map(|p| parsed(p).map(|g| (p, g)))
        .flat_map(|(p, g)| g.funcs_named("InitModule").map(move |d| (p, d)))
        .collect();
    match decls.first() {
        None => out.push(Finding::manual(Problem::new(
            id::INIT_MODULE,
            &f.at(&first),
            1,
            format!("the plugin's main package ({shown_dir}) declares no InitModule; Nakama fails with `Error looking up InitModule function`"),
            format!("add `{SIGNATURE} {{ return nil }}` to {}", f.at(&first)),
        ))),
        Some((file, d)) => {
            let g = &f.graph.parsed[*file];
            if let Some(why) = mismatch(d, g) {
                out.push(Finding::manual(Problem::new(
                    id::INIT_MODULE,
                    &f.at(file),
                    d.line,
                    format!("InitModule {why}; Nakama fails with `Error reading InitModule function`"),
                    format!("declare it as `{SIGNATURE}`"),
                )));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::source::parse;

    fn why(src: &str) -> Option<String> {
        let g = parse(src);
        let init = g.funcs_named("InitModule").next().cloned().unwrap();
        mismatch(&init, &g)
    }

    const IMPORTS: &str = "package main\nimport (\n\"context\"\n\"database/sql\"\nrt \"github.com/heroiclabs/nakama-common/runtime\"\n)\n";

    #[test]
    fn signature_checks_types_through_aliases() {
        let ok = format!("{IMPORTS}func InitModule(c context.Context, l rt.Logger, d *sql.DB, n rt.NakamaModule, i rt.Initializer) error {{ return nil }}");
        assert_eq!(why(&ok), None);
        let no_ptr = ok.replace("*sql.DB", "sql.DB");
        assert!(why(&no_ptr)
            .unwrap()
            .contains("parameter 3 is `sql.DB`, Nakama passes `*sql.DB`"));
        let wrong_pkg = ok.replace("l rt.Logger", "l runtime.Logger");
        assert!(why(&wrong_pkg).unwrap().contains("parameter 2"));
        let no_err = ok.replace(") error {", ") {");
        assert!(why(&no_err).unwrap().contains("returns `nothing`"));
        let four = format!("{IMPORTS}func InitModule(c context.Context) error {{}}");
        assert!(why(&four).unwrap().contains("takes 1 parameters"));
    }
}
