//! The values the shell completes, read from what is true now: the releases `new` and
//! `upgrade` offer for their `--nakama` (the whole table for `sync --adopt`), the scaffold's
//! kinds for `--kind`, the repo's package folders for `remove-package`. `cli.rs` names these
//! functions on its arguments; `scaffold completions` prints the script that asks for them.

use clap_complete::engine::CompletionCandidate;

/// `new --nakama` and `upgrade --nakama`: the releases they offer (the others are refused),
/// newest first, with their pins.
pub fn offered_releases() -> Vec<CompletionCandidate> {
    candidates(crate::versions::offered())
}

/// `sync --adopt --nakama`: every release of the table, which records the one deployed.
pub fn releases() -> Vec<CompletionCandidate> {
    candidates(crate::versions::releases().iter())
}

fn candidates<'a>(
    releases: impl Iterator<Item = &'a crate::versions::Release>,
) -> Vec<CompletionCandidate> {
    releases
        .map(|r| {
            CompletionCandidate::new(&r.nakama).help(Some(
                format!("nakama-common {}, Go {}", r.nakama_common, r.go).into(),
            ))
        })
        .collect()
}

/// `--kind`: the kinds of the repo's own scaffold: built in, read from its folder, or, for a
/// scaffold at a git commit, from the user's cache, where `new` kept them (a repository is
/// never fetched to complete a word); else the built-in ones.
pub fn kinds() -> Vec<CompletionCandidate> {
    use crate::repo::project;
    let template = project::find_root(std::path::Path::new("."))
        .and_then(|root| project::load(&root))
        .ok()
        .and_then(|record| match record.scaffold.commit {
            Some(_) => crate::scaffold::cache::load(&record.scaffold),
            None => crate::scaffold::source::recorded(&record.scaffold).ok(),
        })
        .unwrap_or_else(crate::scaffold::template::Template::builtin);
    crate::scaffold::starter::kinds(&template)
        .into_iter()
        .map(|(kind, description)| CompletionCandidate::new(kind).help(Some(description.into())))
        .collect()
}

/// `remove-package NAME`: the package folders of the repo around the current folder that are
/// in the build (an excluded one is out already: only `--delete` takes it, and it is named in
/// scaffold.toml).
pub fn packages() -> Vec<CompletionCandidate> {
    let Ok(root) = crate::repo::project::find_root(std::path::Path::new(".")) else {
        return Vec::new();
    };
    let excluded = crate::repo::project::load(&root)
        .map(|r| r.packages.excluded)
        .unwrap_or_default();
    crate::repo::packages::discover(&root, &Default::default())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| !excluded.contains(&p.folder))
        .map(|p| CompletionCandidate::new(p.folder))
        .collect()
}
