//! D011: a package that nothing wires. The plugin builds and loads, but an RPC that was never
//! registered answers 404, so the plugin is broken all the same: a top-level folder declaring
//! Nakama's `Register` that no file of the build imports and calls, or an `InitModule` whose
//! package defines `registerPackages` (packages_gen.go) but never calls it.

use super::id;
use super::report::Problem;
use super::{Facts, Finding};
use crate::go::GoFile;

pub fn check(f: &Facts) -> Vec<Finding> {
    // Built by a script doctor cannot read: which package is the plugin is not known.
    if f.model.build.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let graph = &f.graph;
    let Some(main) = graph.packages.get(&graph.main_dir) else {
        return out;
    };
    let parsed = |p: &String| graph.parsed.get(p);
    let main_files: Vec<(&String, &GoFile)> = main
        .files
        .iter()
        .filter_map(|p| parsed(p).map(|g| (p, g)))
        .collect();
    let calls = |g: &GoFile, name: &str| g.calls.iter().any(|c| c.name == name);
    // registerPackages defined, wiring packages, and never called.
    let wiring = main_files
        .iter()
        .find(|(_, g)| g.funcs_named("registerPackages").next().is_some() && calls(g, "Register"));
    // Wired when InitModule's package calls registerPackages, or wires the packages itself
    // (`profile.Register(...)` outside the generated file).
    let wired_by_gen = wiring.is_some_and(|(gen, _)| {
        main_files
            .iter()
            .any(|(p, g)| calls(g, "registerPackages") || (p != gen && calls(g, "Register")))
    });
    if let (Some((gen, _)), false) = (wiring, wired_by_gen) {
        let (file, line) = main_files
            .iter()
            .find_map(|(p, g)| {
                g.funcs_named("InitModule")
                    .next()
                    .map(|d| ((*p).clone(), d.line))
            })
            .unwrap_or_else(|| ((*gen).clone(), 1));
        out.push(Finding::manual(Problem::new(
            id::UNWIRED,
            &f.at(&file),
            line,
            format!("InitModule never calls registerPackages ({gen}), so no package it wires is registered: their RPCs answer 404 and their hooks never run"),
            "add `if err := registerPackages(ctx, logger, db, nk, initializer); err != nil { return err }` to InitModule (`scaffold sync --adopt` does it when InitModule has Nakama's signature)".to_string(),
        )));
    }
    // Top-level folders declaring Nakama's Register that nothing in the build imports and calls.
    let mut folders: std::collections::BTreeMap<String, (String, usize, String)> =
        Default::default();
    for (path, _) in f.modrepo.entries.iter() {
        let Some((folder, name)) = path.split_once('/') else {
            continue;
        };
        if name.contains('/')
            || !name.ends_with(".go")
            || name.ends_with("_test.go")
            || folder.starts_with(['.', '_'])
            || matches!(folder, "vendor" | "testdata")
            || folders.contains_key(folder)
        {
            continue;
        }
        let Some(text) = f.modrepo.text(path) else {
            continue;
        };
        let file = crate::go::source::parse(&text);
        // A file the build leaves out (`//go:build ignore`, another GOOS) registers nothing.
        let tags = f
            .model
            .build
            .as_ref()
            .map(|b| b.flags.tags.clone())
            .unwrap_or_default();
        if !crate::go::build::builds(name, &file, &tags, None) {
            continue;
        }
        if crate::repo::packages::register_shape(&file) == Some(true) {
            let line = file.funcs_named("Register").next().map_or(1, |d| d.line);
            let name = file.package.clone().unwrap_or_else(|| folder.to_string());
            folders.insert(folder.to_string(), (path.clone(), line, name));
        }
    }
    // Folders scaffold.toml takes out of the build (`remove-package` kept them on disk) are
    // left out on purpose.
    let excluded: Vec<String> = f
        .modrepo
        .text(crate::repo::project::FILE)
        .and_then(|t| toml::from_str::<crate::repo::project::Record>(&t).ok())
        .map(|r| r.packages.excluded)
        .unwrap_or_default();
    for (folder, (file, line, name)) in folders {
        if excluded.contains(&folder) {
            continue;
        }
        let import = format!("{}/{folder}", f.gomod.module);
        let importers: Vec<(&String, &GoFile)> = graph
            .parsed
            .iter()
            .filter(|(p, _)| !p.starts_with(&format!("{folder}/")))
            .filter(|(_, g)| g.imports.iter().any(|i| i.path == import))
            .collect();
        if importers.is_empty() {
            out.push(Finding::manual(Problem::new(
                id::UNWIRED,
                &f.at(&file),
                line,
                format!("{folder}/ declares Nakama's Register, but nothing in the build imports it, so Go never builds it: its RPCs answer 404 and its hooks never run"),
                format!("call `{name}.Register(ctx, logger, db, nk, initializer)` from InitModule, or run `scaffold sync --adopt` to wire every package folder through packages_gen.go"),
            )));
        } else if !importers.iter().any(|(_, g)| calls(g, "Register")) {
            let (by, _) = importers[0];
            out.push(Finding::manual(Problem::new(
                id::UNWIRED,
                &f.at(&file),
                line,
                format!("{folder}/ declares Nakama's Register, and {by} imports it but nothing calls its Register: its RPCs answer 404 and its hooks never run"),
                format!("call `{name}.Register(ctx, logger, db, nk, initializer)` from InitModule"),
            )));
        }
    }
    out
}
