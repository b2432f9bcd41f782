//! Where a scaffold comes from: the built-in one, a folder, or a git repository (`file://`,
//! https or ssh, at a branch, tag or commit), cloned into a temporary folder that is removed on
//! every path.
//!
//! A repository on this machine is cloned with git2; one across the network with the `git`
//! command, which brings the user's credentials, proxies and certificates (and keeps TLS out
//! of scaffold itself: no OpenSSL to load on every start).

use crate::error::{bail, Context, Result};
use crate::scaffold::config::Config;
use crate::scaffold::template::{Template, BUILTIN_SOURCE};
use crate::scaffold::Origin;
use git2::{build::RepoBuilder, Oid, Repository};
use std::path::{Path, PathBuf};

/// A scaffold ready to render, and what to record about where it came from.
pub struct Fetched {
    pub template: Template,
    pub origin: Origin,
}

impl Fetched {
    /// The scaffold `--from` names (alias, folder or git URL), or the built-in one.
    pub fn from_flag(
        from: Option<&str>,
        subdir: Option<&str>,
        allow_insecure: bool,
        config: &crate::scaffold::config::Config,
    ) -> crate::error::Result<Fetched> {
        match from {
            Some(spec) => fetch(&parse(spec, config), subdir, allow_insecure),
            None => Ok(Fetched {
                template: Template::builtin(),
                origin: Origin::builtin(),
            }),
        }
    }
}

/// A `--from` value after alias expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Builtin,
    Folder(PathBuf),
    Git {
        url: String,
        reference: Option<String>,
    },
}

/// Parses `--from`: an alias from the config, `builtin`, a git URL (`file://`, `https://`,
/// `ssh://`, `git@`) with an optional `#ref`, or a folder (`path#ref` clones the folder's repo).
pub fn parse(spec: &str, config: &Config) -> Spec {
    // `acme#v4` is the alias `acme` at another ref than the one the config pins.
    let expanded = match (config.aliases.get(spec), spec.rsplit_once('#')) {
        (Some(target), _) => target.clone(),
        (None, Some((alias, r))) if !r.is_empty() && config.aliases.contains_key(alias) => {
            let target = &config.aliases[alias];
            let base = target.rsplit_once('#').map_or(target.as_str(), |(b, _)| b);
            format!("{base}#{r}")
        }
        _ => spec.to_string(),
    };
    if expanded == "builtin" || expanded == BUILTIN_SOURCE {
        return Spec::Builtin;
    }
    let (base, reference) = match expanded.rsplit_once('#') {
        Some((b, r)) if !r.is_empty() => (b.to_string(), Some(r.to_string())),
        _ => (expanded.clone(), None),
    };
    if is_url(&base) || reference.is_some() {
        return Spec::Git {
            url: base,
            reference,
        };
    }
    Spec::Folder(PathBuf::from(base))
}

/// Fetches a scaffold; `subdir` picks a folder inside it. Plain `http://` and `git://` are
/// refused unless `insecure`: anyone on the network path could change what is rendered.
pub fn fetch(spec: &Spec, subdir: Option<&str>, insecure: bool) -> Result<Fetched> {
    if let Some(sub) = subdir {
        check_subdir(sub)?;
    }
    let mut fetched = match spec {
        Spec::Builtin => {
            return Ok(Fetched {
                template: Template::builtin(),
                origin: Origin::builtin(),
            })
        }
        Spec::Folder(dir) => {
            let root = dir
                .canonicalize()
                .with_context(|| format!(
                    "scaffold folder {} does not exist; give a folder holding template.toml, a git URL, or an alias from `scaffold list`",
                    dir.display()
                ))?;
            let template = Template::from_dir(&join_sub(&root, subdir)?)?;
            Fetched {
                template,
                origin: folder_origin(&root, subdir),
            }
        }
        Spec::Git { url, reference } => {
            if !insecure {
                refuse_plain_text(url)?;
            }
            let tmp = tempfile::Builder::new()
                .prefix("scaffold-template-")
                .tempdir()
                .context("cannot make a temporary folder")?;
            let commit = clone(url, reference.as_deref(), tmp.path())?;
            // A local repository is recorded by its absolute path: later commands run in the
            // new repo, where a relative path means something else.
            let at = if is_url(url) {
                url.clone()
            } else {
                local_repo(url)?.display().to_string()
            };
            let shown = match reference {
                Some(r) => format!("{at}#{r}"),
                None => at,
            };
            // `url#ref:path`, as git names a file at a revision.
            let in_messages = match subdir {
                Some(sub) => format!("{shown}:{sub}/"),
                None => format!("{shown}:"),
            };
            let template = Template::from_dir_shown(&join_sub(tmp.path(), subdir)?, &in_messages)?;
            Fetched {
                template,
                origin: Origin {
                    template: shown,
                    commit: Some(commit),
                    subdir: subdir.map(str::to_string),
                    ..Origin::builtin()
                },
            }
        }
    };
    fetched.origin.kinds = Some(crate::scaffold::cache::digest(&fetched.template));
    Ok(fetched)
}

/// Refuses a URL whose transport neither encrypts nor authenticates.
fn refuse_plain_text(url: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("git://") {
        bail!(
            "{url} is not encrypted: anyone on the network path could change the scaffold, whose code you will run; use https:// (or ssh), or pass --allow-insecure if you trust every network in between"
        );
    }
    Ok(())
}

/// What a repo made from a folder records, so that later commands find the same scaffold
/// elsewhere: in a clean git work tree, its commit, and the remote that has that commit (any
/// machine can clone it) or else the work tree's path; otherwise the folder's path. The
/// kinds are kept in the user's cache as well, which is what survives the folder moving.
fn folder_origin(root: &Path, subdir: Option<&str>) -> Origin {
    let local = Origin {
        template: root.display().to_string(),
        subdir: subdir.map(str::to_string),
        ..Origin::builtin()
    };
    let Ok(repo) = Repository::discover(root) else {
        return local;
    };
    let Some(top) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return local;
    };
    // The scaffold's path inside the work tree: its subdir there.
    let inside = root
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .join(subdir.unwrap_or(""));
    let sub = Some(crate::files::slash(&inside)).filter(|s| !s.is_empty());
    // With changes, no commit holds what was rendered.
    if has_changes(&repo, sub.as_deref()) {
        return local;
    }
    let Some(head) = repo.head().ok().and_then(|h| h.peel_to_commit().ok()) else {
        return local;
    };
    let template = pushed_to(&repo, head.id(), &top).unwrap_or_else(|| top.display().to_string());
    Origin {
        template,
        commit: Some(head.id().to_string()),
        subdir: sub,
        ..Origin::builtin()
    }
}

/// The URL of a remote that has `commit` (a remote-tracking branch holds it), made absolute
/// when it is a path.
fn pushed_to(repo: &Repository, commit: Oid, top: &Path) -> Option<String> {
    let remotes = repo.remotes().ok()?;
    let mut names: Vec<&str> = remotes.iter().flatten().collect();
    // `origin` first: the one a team's clone has.
    names.sort_by_key(|n| *n != "origin");
    for name in names {
        let remote = repo.find_remote(name).ok()?;
        let Some(url) = remote.url() else { continue };
        let refs = repo
            .references_glob(&format!("refs/remotes/{name}/*"))
            .ok()?;
        let has = refs
            .flatten()
            .filter_map(|r| r.target())
            .any(|tip| tip == commit || repo.graph_descendant_of(tip, commit).unwrap_or(false));
        if has {
            return Some(if is_url(url) {
                url.to_string()
            } else {
                top.join(url).canonicalize().ok()?.display().to_string()
            });
        }
    }
    None
}

/// The scaffold a repo was made from, at the commit it recorded (not whatever is newest):
/// from the user's cache when it holds it, else fetched (and then kept there). Fetched, it
/// must hold the kinds the repo recorded.
pub fn recorded(origin: &Origin) -> Result<Template> {
    if origin.template == BUILTIN_SOURCE || origin.template == "adopted" {
        return Ok(Template::builtin());
    }
    if let Some(template) = crate::scaffold::cache::load(origin) {
        return Ok(template);
    }
    let template = fetch_recorded(origin)?;
    // The cache spares the next call the fetch; failing to write it costs only that.
    let _ = crate::scaffold::cache::store(origin, &template);
    Ok(template)
}

/// The whole scaffold a repo recorded (project files included, which the cache does not
/// keep), fetched again at its recorded commit.
pub fn fetch_recorded(origin: &Origin) -> Result<Template> {
    let base = origin
        .template
        .rsplit_once('#')
        .map(|(b, _)| b.to_string())
        .unwrap_or_else(|| origin.template.clone());
    let spec = match &origin.commit {
        Some(commit) => Spec::Git {
            url: base,
            reference: Some(commit.clone()),
        },
        None => Spec::Folder(PathBuf::from(base)),
    };
    // The URL was accepted when the repo was made; a pinned commit is checked by its hash,
    // and the kinds by theirs below.
    let fetched = fetch(&spec, origin.subdir.as_deref(), true).with_context(|| {
        format!(
            "cannot fetch this repo's scaffold {} (it is not in the cache {} either)",
            origin.template,
            crate::scaffold::cache::user_root()
                .map(|r| r.join("scaffold/scaffolds").display().to_string())
                .unwrap_or_default()
        )
    })?;
    if let (Some(want), Some(got)) = (&origin.kinds, &fetched.origin.kinds) {
        if want != got {
            bail!(
                "{} no longer holds the scaffold this repo was made from (its kinds are {got}, scaffold.toml records {want}); restore that version, or delete the `kinds` line from scaffold.toml to use it as it is now",
                origin.template
            );
        }
    }
    Ok(fetched.template)
}

fn check_subdir(sub: &str) -> Result<()> {
    let p = Path::new(sub);
    if sub.is_empty()
        || p.components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        bail!("--subdir `{sub}` must be a relative path inside the scaffold, without `..`");
    }
    Ok(())
}

/// The scaffold's folder: `root`, or `subdir` inside it. A subdir that is a link leading out
/// of the repository is refused, as any other link out of a scaffold is.
fn join_sub(root: &Path, subdir: Option<&str>) -> Result<PathBuf> {
    let Some(sub) = subdir else {
        return Ok(root.to_path_buf());
    };
    let dir = root.join(sub);
    let real = dir
        .canonicalize()
        .with_context(|| format!("the scaffold has no folder `{sub}` (--subdir)"))?;
    let root = root.canonicalize()?;
    if !real.starts_with(&root) {
        bail!(
            "--subdir `{sub}` links outside the scaffold's repository ({}); templates may only link inside themselves",
            real.display()
        );
    }
    Ok(dir)
}

/// True when the work tree has changes (under `subdir`, when given) that no commit holds.
fn has_changes(repo: &Repository, subdir: Option<&str>) -> bool {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    if let Some(sub) = subdir {
        opts.pathspec(sub);
    }
    repo.statuses(Some(&mut opts))
        .map(|s| !s.is_empty())
        .unwrap_or(true)
}

fn is_url(url: &str) -> bool {
    url.contains("://") || url.starts_with("git@")
}

/// A local repository given by path (`./team#main`), made absolute.
fn local_repo(path: &str) -> Result<PathBuf> {
    Path::new(path)
        .canonicalize()
        .with_context(|| format!("scaffold repository {path} does not exist"))
}

/// Clones `url` into `dest` and checks out `reference` (branch, tag or commit); returns the
/// commit id. Shallow over the network when the reference is a branch or tag.
fn clone(url: &str, reference: Option<&str>, dest: &Path) -> Result<String> {
    let looks_like_commit =
        reference.is_some_and(|r| r.len() >= 7 && r.chars().all(|c| c.is_ascii_hexdigit()));
    let repo = if is_remote(url) {
        clone_remote(url, reference.filter(|_| !looks_like_commit), dest)?;
        Repository::open(dest)?
    } else {
        let source = if is_url(url) {
            url.to_string()
        } else {
            // A local path with #ref: clone the folder's repository.
            local_repo(url)?.display().to_string()
        };
        RepoBuilder::new().clone(&source, dest).map_err(|e| {
            crate::error::err!(
                "cannot clone {url}: {}; check the URL (`git ls-remote {url}`)",
                e.message()
            )
        })?
    };
    let commit = match reference {
        None => repo.head()?.peel_to_commit()?,
        Some(r) => resolve(&repo, r)
            .with_context(|| format!("{url} has no branch, tag or commit `{r}`"))?,
    };
    repo.checkout_tree(
        commit.as_object(),
        Some(git2::build::CheckoutBuilder::new().force()),
    )?;
    repo.set_head_detached(commit.id())?;
    Ok(commit.id().to_string())
}

/// A repository across the network (https, http, ssh, `git@host:path`), not `file://`.
fn is_remote(url: &str) -> bool {
    is_url(url) && !url.starts_with("file://")
}

/// `git clone` of a remote repository: only `branch` (a branch or tag) at depth 1 when given,
/// else the whole history (a commit may be anywhere in it).
fn clone_remote(url: &str, branch: Option<&str>, dest: &Path) -> Result<()> {
    let run = |shallow: Option<&str>| {
        let mut cmd = std::process::Command::new("git");
        cmd.args(["clone", "--quiet", "--no-checkout"]);
        if let Some(b) = shallow {
            cmd.args(["--depth", "1", "--branch", b]);
        }
        cmd.arg("--").arg(url).arg(dest);
        cmd.stdin(std::process::Stdio::null()).output()
    };
    let out = run(branch).map_err(|e| {
        crate::error::err!(
            "cannot clone {url}: the `git` command cannot run ({e}); install git, or clone the scaffold yourself and pass its folder"
        )
    })?;
    let out = if out.status.success() || branch.is_none() {
        out
    } else {
        // Not a branch or tag of that name: the whole history, and look the ref up there.
        let _ = std::fs::remove_dir_all(dest);
        run(None)?
    };
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why.lines().last().unwrap_or("git clone failed").trim();
        bail!("cannot clone {url}: {why}; check the URL (`git ls-remote {url}`)");
    }
    Ok(())
}

/// The newest version tag of the repository at `url`, when `reference` is itself a version tag
/// there and a newer one exists: a scaffold recorded at a release tag follows the team's
/// releases, as copier's `update` does. Version tags are `v1`, `1.2`, `v1.2.3` (no
/// pre-release suffix), ordered as numbers.
pub fn newer_tag(url: &str, reference: &str) -> Result<Option<String>> {
    let Some(current) = tag_version(reference) else {
        return Ok(None);
    };
    let tags = tags(url)?;
    if !tags.iter().any(|t| t == reference) {
        return Ok(None); // a branch or commit that looks like a version: stays as it is
    }
    Ok(tags
        .into_iter()
        .filter_map(|t| tag_version(&t).map(|v| (v, t)))
        .filter(|(v, _)| *v > current)
        .max()
        .map(|(_, t)| t))
}

/// A version tag's numbers (`v1.2` is 1.2.0); `None` for any other name.
pub fn tag_version(tag: &str) -> Option<(u64, u64, u64)> {
    let digits = tag.strip_prefix('v').unwrap_or(tag);
    let mut parts = digits.split('.').map(|p| {
        (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u64>().ok())
            .flatten()
    });
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    parts.next().is_none().then_some((major, minor, patch))
}

/// The tag names of a repository: a local folder or `file://` URL read with libgit2, a remote
/// one with `git ls-remote` (the user's git, credentials and certificates, as for clones).
fn tags(url: &str) -> Result<Vec<String>> {
    if !is_remote(url) {
        let path = url.strip_prefix("file://").unwrap_or(url);
        let repo = Repository::open(local_repo(path)?)
            .with_context(|| format!("{url} is not a git repository"))?;
        let names = repo.tag_names(None)?;
        return Ok(names.iter().flatten().map(str::to_string).collect());
    }
    let out = std::process::Command::new("git")
        .args(["ls-remote", "--tags", "--refs", "--"])
        .arg(url)
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot list the tags of {url}: the `git` command cannot run"))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        bail!(
            "cannot list the tags of {url}: {}",
            why.lines().last().unwrap_or("git ls-remote failed").trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("\trefs/tags/").map(|(_, t)| t.to_string()))
        .collect())
}

fn resolve<'r>(repo: &'r Repository, reference: &str) -> Result<git2::Commit<'r>> {
    for candidate in [
        format!("refs/remotes/origin/{reference}"),
        format!("refs/tags/{reference}"),
        reference.to_string(),
    ] {
        if let Ok(obj) = repo.revparse_single(&candidate) {
            return Ok(obj.peel_to_commit()?);
        }
    }
    if let Ok(oid) = Oid::from_str(reference) {
        return Ok(repo.find_commit(oid)?);
    }
    bail!("not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_tags_order_as_numbers() {
        assert_eq!(tag_version("v1"), Some((1, 0, 0)));
        assert_eq!(tag_version("v1.10"), Some((1, 10, 0)));
        assert_eq!(tag_version("2.0.3"), Some((2, 0, 3)));
        for other in [
            "main",
            "v1.0.0-rc1",
            "v",
            "v1..2",
            "1.2.3.4",
            "release-1",
            "vx",
        ] {
            assert_eq!(tag_version(other), None, "{other}");
        }
        assert!(tag_version("v1.10").unwrap() > tag_version("v1.9").unwrap());
    }

    #[test]
    fn parses_specs() {
        let mut config = Config::default();
        config
            .aliases
            .insert("acme".into(), "https://git.example/acme#v3".into());
        assert_eq!(
            parse("acme", &config),
            Spec::Git {
                url: "https://git.example/acme".into(),
                reference: Some("v3".into())
            }
        );
        assert_eq!(parse("builtin", &config), Spec::Builtin);
        assert_eq!(parse("./team", &config), Spec::Folder("./team".into()));
        assert_eq!(
            parse("./team#main", &config),
            Spec::Git {
                url: "./team".into(),
                reference: Some("main".into())
            }
        );
        assert!(check_subdir("../x").is_err());
        // An alias at another ref than the pinned one.
        assert_eq!(
            parse("acme#v4", &config),
            Spec::Git {
                url: "https://git.example/acme".into(),
                reference: Some("v4".into())
            }
        );
    }
}
