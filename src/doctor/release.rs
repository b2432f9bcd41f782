//! D003: nakama-common, the pluginbuilder and nakama image tags and the go line must all belong
//! to one Nakama release (the built-in table), or the plugin fails to build or to load.

use super::report::{Note, Problem};
use super::vendor::go_version;
use super::{Facts, Finding, Remedy};
use crate::docker::parse::{raw_words, Args};
use crate::versions::{self, Release};

const COMMON: &str = "github.com/heroiclabs/nakama-common";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Builder,
    Server,
    Golang,
}

/// A FROM line naming a Nakama (or golang) image.
struct Image {
    kind: Kind,
    /// The image name without tag, as written after expansion.
    name: String,
    tag: String,
    line: usize,
    /// The reference exactly as written, when it has no variables (so --fix can edit it).
    literal: Option<String>,
}

/// Splits `registry/repo:tag@digest` into (repo, tag).
fn split_ref(reference: &str) -> (String, Option<String>) {
    let no_digest = reference.split('@').next().unwrap_or("");
    let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[slash..].rfind(':') {
        Some(c) => (
            no_digest[..slash + c].to_string(),
            Some(no_digest[slash + c + 1..].to_string()),
        ),
        None => (no_digest.to_string(), None),
    }
}

fn images(f: &Facts) -> Vec<Image> {
    let mut out = Vec::new();
    for s in &f.model.docker.stages {
        if s.parent.is_some() {
            continue;
        }
        let (name, tag) = split_ref(&s.base);
        let lower = name.to_ascii_lowercase();
        let kind = if lower == "heroiclabs/nakama-pluginbuilder"
            || lower.ends_with("/heroiclabs/nakama-pluginbuilder")
        {
            Kind::Builder
        } else if lower == "heroiclabs/nakama" || lower.ends_with("/heroiclabs/nakama") {
            Kind::Server
        } else if lower == "golang" || lower.ends_with("/golang") {
            Kind::Golang
        } else {
            continue;
        };
        let ins = &f.model.docker.df.instructions[s.start];
        let raw = match &ins.args {
            Args::Shell(t) => raw_words(t, f.model.docker.df.escape).into_iter().next(),
            Args::Exec(_) => None,
        };
        out.push(Image {
            kind,
            name,
            tag: tag.unwrap_or_else(|| "latest".into()),
            line: s.line,
            literal: raw.filter(|r| *r == s.base),
        });
    }
    out
}

fn set_tag(img: &Image, to: &str) -> Option<Remedy> {
    let from = img.literal.clone()?;
    Some(Remedy::SetImage {
        line: img.line,
        to: format!("{}:{to}", img.name),
        from,
    })
}

pub fn check(f: &Facts, notes: &mut Vec<Note>) -> Vec<Finding> {
    let mut out = Vec::new();
    let imgs = images(f);
    let nakama: Vec<&Image> = imgs.iter().filter(|i| i.kind != Kind::Golang).collect();
    let mut unknown = std::collections::BTreeSet::new();
    for img in &nakama {
        if versions::find(&img.tag).is_err() && unknown.insert(img.tag.as_str()) {
            let all = versions::releases();
            let span = match (all.last(), all.first()) {
                (Some(old), Some(new)) => format!("{} to {}", old.nakama, new.nakama),
                _ => String::new(),
            };
            notes.push(Note {
                file: f.dockerfile_path.clone(),
                line: img.line,
                message: format!("Nakama `{0}` is not in scaffold's release table ({span}); doctor cannot check its nakama-common and Go: use a release in that range, or a newer scaffold if {0} came out after this one", img.tag),
            });
        }
    }
    let common = f.gomod.requires.iter().find(|(p, _, _)| p == COMMON);
    // The one release everything is aligned to: the nakama image's, else nakama-common's.
    let server = nakama.iter().find(|i| i.kind == Kind::Server);
    let target: Option<(&'static Release, String)> = server
        .and_then(|s| {
            versions::find(&s.tag)
                .ok()
                .map(|r| (r, format!("the nakama image tag (line {})", s.line)))
        })
        .or_else(|| {
            common.and_then(|(_, v, l)| {
                versions::by_common(v)
                    .map(|r| (r, format!("go.mod's nakama-common {v} (line {l})")))
            })
        });

    let tags: std::collections::BTreeSet<&str> = nakama.iter().map(|i| i.tag.as_str()).collect();
    let off: Vec<&&Image> = match &target {
        Some((r, _)) => nakama.iter().filter(|i| i.tag != r.nakama).collect(),
        None => Vec::new(),
    };
    if tags.len() > 1 || !off.is_empty() {
        let listed: Vec<String> = nakama
            .iter()
            .map(|i| format!("{}:{} (line {})", i.name, i.tag, i.line))
            .collect();
        let first = off.first().map_or(nakama[0].line, |i| i.line);
        let (message, fix, remedies) = match &target {
            Some((r, from)) => {
                let remedies: Option<Vec<Remedy>> = off.iter().map(|i| set_tag(i, &r.nakama)).collect();
                (
                    if tags.len() > 1 {
                        format!("the image tags differ: {}; a plugin loads only into the exact release it was built for (`fatal error: runtime: no plugin module data` or `plugin was built with a different version of package …`)", listed.join(", "))
                    } else {
                        format!("the image tags {} do not match Nakama {}, the release of {from}", listed.join(" and "), r.nakama)
                    },
                    format!("use Nakama {} (from {from}) for both images: `heroiclabs/nakama-pluginbuilder:{0}` and `heroiclabs/nakama:{0}`", r.nakama),
                    remedies.unwrap_or_default(),
                )
            }
            None => (
                format!("the image tags differ: {}; a plugin loads only into the exact release it was built for", listed.join(", ")),
                "use the same Nakama release in both FROM lines".to_string(),
                Vec::new(),
            ),
        };
        out.push(Finding::fixable(
            Problem::new("D003", &f.dockerfile_path, first, message, fix),
            remedies,
        ));
    }

    if let Some((r, from)) = &target {
        match common {
            None => out.push(Finding::manual(Problem::new(
                "D003",
                &f.at("go.mod"),
                1,
                format!("go.mod does not require {COMMON}; a plugin's InitModule needs it (`no required module provides package {COMMON}/runtime`)"),
                format!("add `require {COMMON} {}` and run `go mod tidy`", r.nakama_common),
            ))),
            Some((_, v, line)) if *v != r.nakama_common => out.push(Finding::fixable(
                Problem::new(
                    "D003",
                    &f.at("go.mod"),
                    *line,
                    format!("go.mod requires nakama-common {v}, but Nakama {} ({from}) is built with {}; the plugin fails to load with `plugin was built with a different version of package {COMMON}/api`", r.nakama, r.nakama_common),
                    format!("require {COMMON} {}, then run `go mod tidy` (and `go mod vendor` if you vendor)", r.nakama_common),
                ),
                // Safe only with `go mod tidy` after it (go.sum, vendor/), which needs Go.
                if crate::go::tool::available() {
                    vec![Remedy::SetRequire {
                        path: COMMON.into(),
                        to: r.nakama_common.clone(),
                    }]
                } else {
                    Vec::new()
                },
            )),
            _ => {}
        }
    }

    // The go line must not be newer than the builder's Go (GOTOOLCHAIN=local in the image).
    let builder_go: Option<(String, String, usize)> = imgs.iter().find_map(|i| match i.kind {
        Kind::Builder => versions::find(&i.tag).ok().map(|r| {
            (
                r.go.clone(),
                format!("nakama-pluginbuilder:{}", i.tag),
                i.line,
            )
        }),
        Kind::Golang => {
            let v = i.tag.split('-').next().unwrap_or("");
            (v.matches('.').count() == 2)
                .then(|| (v.to_string(), format!("golang:{}", i.tag), i.line))
        }
        Kind::Server => None,
    });
    if let (Some(go), Some((have, image, _))) = (&f.gomod.go, &builder_go) {
        if go_version(go) > go_version(have) {
            out.push(Finding::manual(Problem::new(
                "D003",
                &f.at("go.mod"),
                f.gomod.go_line,
                format!("go.mod says `go {go}` but {image} has Go {have}; the build fails with `go: go.mod requires go >= {go} (running go {have}; GOTOOLCHAIN=local)`"),
                format!("set `go {have}` in go.mod"),
            )));
        }
    }
    // A plain golang builder must be the exact Go that built the server.
    if let (Some((r, _)), Some(img)) = (&target, imgs.iter().find(|i| i.kind == Kind::Golang)) {
        if let Some((have, image, line)) = builder_go
            .as_ref()
            .filter(|(_, image, _)| image.starts_with("golang:"))
        {
            if *have != r.go {
                out.push(Finding::manual(Problem::new(
                    "D003",
                    &f.dockerfile_path,
                    *line,
                    format!("the plugin is built with {image}, but Nakama {} is built with Go {}; it fails to load with `plugin was built with a different version of package runtime`", r.nakama, r.go),
                    format!("build with `FROM heroiclabs/nakama-pluginbuilder:{}` (or `golang:{}`)", r.nakama, r.go),
                )));
            }
        } else if img.tag.matches('.').count() < 2 {
            out.push(Finding::manual(Problem::new(
                "D003",
                &f.dockerfile_path,
                img.line,
                format!("the plugin is built with {}:{}, which is not one exact Go release; Nakama {} needs Go {}", img.name, img.tag, r.nakama, r.go),
                format!("build with `FROM heroiclabs/nakama-pluginbuilder:{}`", r.nakama),
            )));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_image_references() {
        assert_eq!(
            split_ref("register.heroiclabs.com/heroiclabs/nakama:3.23.0"),
            (
                "register.heroiclabs.com/heroiclabs/nakama".into(),
                Some("3.23.0".into())
            )
        );
        assert_eq!(
            split_ref("localhost:5000/x"),
            ("localhost:5000/x".into(), None)
        );
        assert_eq!(
            split_ref("golang:1.26@sha256:ab"),
            ("golang".into(), Some("1.26".into()))
        );
    }
}
