//! D003: nakama-common, the pluginbuilder and nakama image tags and the go line must all belong
//! to one Nakama release (the built-in table), or the plugin fails to build or to load.

use super::id;
use super::report::{Note, Problem};
use super::vendor::go_version;
use super::{Facts, Finding, Remedy};
use crate::docker::images;
use crate::docker::parse::{raw_words, Args};
use crate::go::gomod::Require;
use crate::go::GoVersion;
use crate::versions::{self, Release};

const COMMON: &str = "github.com/heroiclabs/nakama-common";
const PROTOBUF: &str = "google.golang.org/protobuf";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Builder,
    Server,
    Golang,
    /// `heroiclabs/<a name Heroic Labs does not publish>`, close to one it does.
    Misspelt,
}

/// A FROM line naming a Nakama (or golang) image.
struct Image {
    kind: Kind,
    /// The image name without tag, as written after expansion.
    name: String,
    /// The release the tag names (`3.22.0` of `3.22.0-arm`).
    tag: String,
    /// The suffix the tag was published with (`-arm`), kept when --fix moves the tag.
    suffix: String,
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
        } else if images::misspelt(&name).is_some() {
            Kind::Misspelt
        } else {
            continue;
        };
        let ins = &f.model.docker.df.instructions[s.start];
        let raw = match &ins.args {
            Args::Shell(t) => raw_words(t, f.model.docker.df.escape).into_iter().next(),
            Args::Exec(_) => None,
        };
        let tag = tag.unwrap_or_else(|| "latest".into());
        // A golang tag's suffix (`-bookworm`) is read where the Go release is.
        let (release, suffix) = match kind {
            Kind::Builder | Kind::Server => images::split_tag(&tag),
            _ => (tag.as_str(), ""),
        };
        let (tag, suffix) = (release.to_string(), suffix.to_string());
        out.push(Image {
            kind,
            name,
            tag,
            suffix,
            line: s.line,
            literal: raw.filter(|r| *r == s.base),
        });
    }
    out
}

/// A nakama-common newer than the images' release (a dependency bot bumped go.mod alone): the
/// message names that, and the fix is the lockstep move, not the go.mod line.
fn bumped_alone(v: &str, r: &Release, from: &str) -> Option<(String, String)> {
    if go_version(v) <= go_version(&r.nakama_common) {
        return None;
    }
    let upgrade = match versions::by_common(v) {
        Some(newer) => format!("scaffold upgrade --nakama {}", newer.nakama),
        None => "scaffold releases --refresh` then `scaffold upgrade --nakama latest".to_string(),
    };
    Some((
        format!("nakama-common was bumped alone: go.mod requires {v}, but the images are Nakama {} ({from}), built with {}; the plugin fails to load with `plugin was built with a different version of package {COMMON}/api`", r.nakama, r.nakama_common),
        format!("run `{upgrade}` to move the images, go line and go.sum with it (or require {COMMON} {} again and run `go mod tidy`)", r.nakama_common),
    ))
}

fn set_tag(img: &Image, to: &str) -> Option<Remedy> {
    let from = img.literal.clone()?;
    Some(Remedy::SetImage {
        line: img.line,
        to: format!("{}:{to}{}", img.name, img.suffix),
        from,
    })
}

pub fn check(f: &Facts, notes: &mut Vec<Note>) -> Vec<Finding> {
    let mut out = Vec::new();
    let imgs = images(f);
    misspelt(f, &imgs, &mut out);
    let nakama: Vec<&Image> = imgs
        .iter()
        .filter(|i| matches!(i.kind, Kind::Builder | Kind::Server))
        .collect();
    unchecked_tags(f, &nakama, notes);
    let common = f.gomod.requires.iter().find(|r| r.path == COMMON);
    let target = target(&nakama, common);
    tags_disagree(f, &nakama, target.as_ref(), &mut out);
    if let Some((r, from)) = &target {
        modules(f, common, r, from, &mut out);
    }
    go_of_builder(f, &imgs, target.as_ref(), &mut out, notes);
    out
}

/// An image name Heroic Labs does not publish (`nakama-plugin-builder`): its fix.
fn misspelt(f: &Facts, imgs: &[Image], out: &mut Vec<Finding>) {
    for img in imgs.iter().filter(|i| i.kind == Kind::Misspelt) {
        let right = images::misspelt(&img.name).unwrap_or("nakama");
        let prefix = &img.name[..img.name.len() - img.name.rsplit('/').next().unwrap_or("").len()];
        let fixed = format!("{prefix}{right}");
        let remedies = img
            .literal
            .clone()
            .map(|from| {
                vec![Remedy::SetImage {
                    line: img.line,
                    to: from.replacen(&img.name, &fixed, 1),
                    from,
                }]
            })
            .unwrap_or_default();
        out.push(Finding::fixable(
            Problem::new(
                id::RELEASE,
                &f.dockerfile_path,
                img.line,
                format!("`{}` is not an image Heroic Labs publishes (did you mean `{fixed}`?); the build fails pulling it (`pull access denied` or `not found`)", img.name),
                format!("write `{fixed}:{}`", img.tag),
            ),
            remedies,
        ));
    }
}

/// Tags doctor cannot check against the table (`latest`, a release it does not know): notes.
fn unchecked_tags(f: &Facts, nakama: &[&Image], notes: &mut Vec<Note>) {
    let mut unknown = std::collections::BTreeSet::new();
    for img in nakama {
        if img.tag == "latest" && unknown.insert(img.tag.as_str()) {
            notes.push(Note {
                file: f.dockerfile_path.clone(),
                line: img.line,
                message: format!("`{}:latest` names no release: it moves with every Nakama release, so doctor cannot check its nakama-common and Go; pin a release (`scaffold upgrade --list` shows them)", img.name),
            });
        } else if versions::find(&img.tag).is_err() && unknown.insert(img.tag.as_str()) {
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
}

/// The one release everything is aligned to: the nakama image's, else nakama-common's, with
/// where it was read.
fn target(nakama: &[&Image], common: Option<&Require>) -> Option<(&'static Release, String)> {
    nakama
        .iter()
        .find(|i| i.kind == Kind::Server)
        .and_then(|s| {
            versions::find(&s.tag)
                .ok()
                .map(|r| (r, format!("the nakama image tag (line {})", s.line)))
        })
        .or_else(|| {
            common.and_then(
                |Require {
                     version: v,
                     line: l,
                     ..
                 }| {
                    versions::by_common(v)
                        .map(|r| (r, format!("go.mod's nakama-common {v} (line {l})")))
                },
            )
        })
}

/// The two image tags disagreeing with each other or with the target release.
fn tags_disagree(
    f: &Facts,
    nakama: &[&Image],
    target: Option<&(&'static Release, String)>,
    out: &mut Vec<Finding>,
) {
    let tags: std::collections::BTreeSet<&str> = nakama.iter().map(|i| i.tag.as_str()).collect();
    let off: Vec<&&Image> = match target {
        Some((r, _)) => nakama.iter().filter(|i| i.tag != r.nakama).collect(),
        None => Vec::new(),
    };
    if tags.len() > 1 || !off.is_empty() {
        let listed: Vec<String> = nakama
            .iter()
            .map(|i| format!("{}:{}{} (line {})", i.name, i.tag, i.suffix, i.line))
            .collect();
        let first = off.first().map_or(nakama[0].line, |i| i.line);
        let (message, fix, remedies) = match target {
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
            Problem::new(id::RELEASE, &f.dockerfile_path, first, message, fix),
            remedies,
        ));
    }
}

/// go.mod's nakama-common (then its protobuf) against the target release `r` (read from
/// `from`).
fn modules(f: &Facts, common: Option<&Require>, r: &Release, from: &str, out: &mut Vec<Finding>) {
    match common {
        None => out.push(Finding::manual(Problem::new(
            id::RELEASE,
            &f.at("go.mod"),
            1,
            format!("go.mod does not require {COMMON}; a plugin's InitModule needs it (`no required module provides package {COMMON}/runtime`)"),
            format!("add `require {COMMON} {}` and run `go mod tidy`", r.nakama_common),
        ))),
        Some(Require { version: v, line, .. }) if *v != r.nakama_common => out.push(Finding::fixable(
            {
                let (message, fix) = bumped_alone(v, r, from).unwrap_or_else(|| (
                    format!("go.mod requires nakama-common {v}, but Nakama {} ({from}) is built with {}; the plugin fails to load with `plugin was built with a different version of package {COMMON}/api`", r.nakama, r.nakama_common),
                    format!("require {COMMON} {}, then run `go mod tidy` (and `go mod vendor` if you vendor)", r.nakama_common),
                ));
                Problem::new(id::RELEASE, &f.at("go.mod"), *line, message, fix)
            },
            // Safe only with `go mod tidy` after it (go.sum, vendor/), which needs Go.
            if crate::go::tool::available() {
                let mut moves = vec![Remedy::SetRequire {
                    path: COMMON.into(),
                    to: r.nakama_common.clone(),
                }];
                // The whole release in one step: a go line newer than the release's
                // builder Go comes down to the release's own go line.
                let builder = go_version(r.builder_go());
                let line = r.go_line.clone().unwrap_or_else(|| r.go.clone());
                if f.gomod.go.as_deref().is_some_and(|g| go_version(g) > builder)
                    && go_version(&line) <= builder
                {
                    moves.push(Remedy::SetGo { to: line });
                }
                moves
            } else {
                Vec::new()
            },
        )),
        _ => {}
    }
    protobuf(f, common, r, from, out);
}

/// go.mod's protobuf against the release's, checked once nakama-common agrees (tidying a new
/// nakama-common moves protobuf too).
fn protobuf(f: &Facts, common: Option<&Require>, r: &Release, from: &str, out: &mut Vec<Finding>) {
    let common_ok = common.is_none_or(|c| c.version == r.nakama_common);
    if let (
        true,
        Some(Require {
            version: v, line, ..
        }),
    ) = (
        common_ok,
        f.gomod.requires.iter().find(|r| r.path == PROTOBUF),
    ) {
        if *v != r.protobuf {
            let newer = go_version(v) > go_version(&r.protobuf);
            // `// indirect`: a dependency raised it; otherwise the module asked for it.
            let indirect = f
                .modrepo
                .text("go.mod")
                .and_then(|t| t.lines().nth(line - 1).map(|l| l.contains("// indirect")))
                .unwrap_or(false);
            let (effect, fix) = if newer {
                (
                    format!("the plugin builds but fails to load with `plugin was built with a different version of package {PROTOBUF}/…`"),
                    if indirect {
                        format!("find the dependency that raised it (`go mod graph | grep {PROTOBUF}@{v}`) and use a version of it that needs at most {}, or build for a Nakama release made with protobuf {v}", r.protobuf)
                    } else {
                        format!("require {PROTOBUF} {} (`go get {PROTOBUF}@{}`, then `go mod tidy`), or build for a Nakama release made with protobuf {v}", r.protobuf, r.protobuf)
                    },
                )
            } else {
                (
                    format!("nakama-common {} needs {}, so the build fails with `go: updates to go.mod needed`", r.nakama_common, r.protobuf),
                    format!("require {PROTOBUF} {}, then run `go mod tidy`", r.protobuf),
                )
            };
            out.push(Finding::manual(Problem::new(
                id::RELEASE,
                &f.at("go.mod"),
                *line,
                format!("go.mod requires protobuf {v}, but Nakama {} ({from}) is built with {}; {effect}", r.nakama, r.protobuf),
                fix,
            )));
        }
    }
}

/// The builder's Go: the go line not newer than it, and a plain golang builder exactly the
/// Go that built the server.
fn go_of_builder(
    f: &Facts,
    imgs: &[Image],
    target: Option<&(&'static Release, String)>,
    out: &mut Vec<Finding>,
    notes: &mut Vec<Note>,
) {
    // The go line must not be newer than the builder's Go (GOTOOLCHAIN=local in the image).
    let builder = builder_image(f, imgs);
    let known = builder.and_then(|i| builder_go(i).map(|g| (i, g)));
    if let (Some(go), Some((img, known))) = (&f.gomod.go, &known) {
        go_line(f, go, img, known, out, notes);
    }
    let builder_go: Option<(String, String, usize)> = known.as_ref().and_then(|(i, g)| match g {
        Known::Exact(v) if i.kind == Kind::Golang => {
            Some((v.to_string(), format!("golang:{}", i.tag), i.line))
        }
        _ => None,
    });
    // A plain golang builder must be the exact Go that built the server.
    if let (Some((r, _)), Some(img)) = (target, builder.filter(|i| i.kind == Kind::Golang)) {
        if let Some((have, image, line)) = builder_go
            .as_ref()
            .filter(|(_, image, _)| image.starts_with("golang:"))
        {
            if *have != r.go {
                out.push(Finding::manual(Problem::new(
                    id::RELEASE,
                    &f.dockerfile_path,
                    *line,
                    format!("the plugin is built with {image}, but Nakama {} is built with Go {}; it fails to load with `plugin was built with a different version of package runtime`", r.nakama, r.go),
                    format!("build with `FROM heroiclabs/nakama-pluginbuilder:{}` (or `golang:{}`)", r.nakama, r.go),
                )));
            }
        } else if img.tag.matches('.').count() < 2 {
            out.push(Finding::manual(Problem::new(
                id::RELEASE,
                &f.dockerfile_path,
                img.line,
                format!("the plugin is built with {}:{}, which is not one exact Go release; Nakama {} needs Go {}", img.name, img.tag, r.nakama, r.go),
                format!("build with `FROM heroiclabs/nakama-pluginbuilder:{}`", r.nakama),
            )));
        }
    }
}

/// What doctor knows of the Go in the image the plugin is built in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Known {
    /// Exactly this Go (a release of the table, or `golang:1.26.5`).
    Exact(GoVersion),
    /// This Go or older: a pluginbuilder older than every release of the table (Nakama's Go
    /// only moves forward).
    AtMost(GoVersion, String),
    /// This Go or newer: a pluginbuilder newer than the table, or `latest`.
    AtLeast(GoVersion),
    /// Some patch of Go `major.minor` (`golang:1.26`).
    Minor(u64, u64),
}

/// The FROM image of the stages the plugin's `go build` runs in (the first builder-like image
/// when there is no build line).
fn builder_image<'a>(f: &Facts, imgs: &'a [Image]) -> Option<&'a Image> {
    let builders = || {
        imgs.iter()
            .filter(|i| matches!(i.kind, Kind::Builder | Kind::Golang))
    };
    match &f.model.build {
        Some(b) => {
            let root = f.model.docker.chain(b.stage)[0];
            let line = f.model.docker.stages[root].line;
            builders().find(|i| i.line == line)
        }
        None => builders().next(),
    }
}

fn builder_go(img: &Image) -> Option<Known> {
    match img.kind {
        Kind::Builder => {
            if let Ok(r) = versions::find(&img.tag) {
                return GoVersion::parse(r.builder_go()).map(Known::Exact);
            }
            let all = versions::releases();
            let (newest, oldest) = (all.first()?, all.last()?);
            let newest_go = GoVersion::parse(&newest.go)?;
            if img.tag == "latest" {
                return Some(Known::AtLeast(newest_go));
            }
            let tag = GoVersion::parse_exact(&img.tag)?;
            if tag < GoVersion::parse_exact(&oldest.nakama)? {
                let go = GoVersion::parse(&oldest.go)?;
                Some(Known::AtMost(go, format!("Nakama {} is built with Go {} and is the oldest release scaffold knows; Nakama's Go only moves forward", oldest.nakama, oldest.go)))
            } else if tag > GoVersion::parse_exact(&newest.nakama)? {
                Some(Known::AtLeast(newest_go))
            } else {
                None
            }
        }
        Kind::Golang => {
            let v = img.tag.split('-').next().unwrap_or("");
            let parts: Vec<&str> = v.split('.').collect();
            let num = |p: &str| p.parse::<u64>().ok();
            match parts.as_slice() {
                [_, _, _] => GoVersion::parse_exact(v).map(Known::Exact),
                [a, b] => Some(Known::Minor(num(a)?, num(b)?)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The go line against the builder's Go: a problem when it is certainly newer, a note when it
/// may be.
fn go_line(
    f: &Facts,
    go: &str,
    img: &Image,
    known: &Known,
    out: &mut Vec<Finding>,
    notes: &mut Vec<Note>,
) {
    let want = go_version(go);
    let image = format!(
        "{}:{}",
        img.name.rsplit('/').next().unwrap_or(&img.name),
        img.tag
    );
    let fails = |have: &str| {
        format!("the build fails with `go: go.mod requires go >= {go} (running go {have}; GOTOOLCHAIN=local)`")
    };
    let problem = |message: String, fix: String| {
        Finding::manual(Problem::new(
            id::RELEASE,
            &f.at("go.mod"),
            f.gomod.go_line,
            message,
            fix,
        ))
    };
    // Before Go 1.21 the go line was advice: a newer `go 1.N` builds (and only a compile error
    // notes it), and a go line with a patch release does not parse at all.
    let before_121 = |minor: u64| want.0 == 1 && minor < 21;
    let patched = go.matches('.').count() >= 2;
    match known {
        Known::Exact(have) if before_121(have.1) && patched => out.push(problem(
            format!("go.mod says `go {go}` but {image} has Go {have}, which reads only `go 1.N` lines; the build fails with `go: errors parsing go.mod: go.mod:{}: invalid go version '{go}': must match format 1.23`", f.gomod.go_line),
            format!("set `go {}.{}` in go.mod", have.0, have.1),
        )),
        Known::Minor(a, b) if before_121(*b) && patched => out.push(problem(
            format!("go.mod says `go {go}` but {image} is Go {a}.{b}.x, which reads only `go 1.N` lines; the build fails with `go: errors parsing go.mod: go.mod:{}: invalid go version '{go}': must match format 1.23`", f.gomod.go_line),
            format!("set `go {a}.{b}` in go.mod"),
        )),
        Known::Exact(have) if before_121(have.1) && want > *have => notes.push(Note {
            file: f.at("go.mod"),
            line: f.gomod.go_line,
            message: format!("go.mod says `go {go}` but {image} has Go {have}, which builds it anyway (before Go 1.21 the go line was advice); code that needs Go {go} fails to compile there with `note: module requires Go {go}`"),
        }),
        Known::Minor(a, b) if before_121(*b) && (want.0, want.1) > (*a, *b) => notes.push(Note {
            file: f.at("go.mod"),
            line: f.gomod.go_line,
            message: format!("go.mod says `go {go}` but {image} is Go {a}.{b}.x, which builds it anyway (before Go 1.21 the go line was advice); code that needs Go {go} fails to compile there with `note: module requires Go {go}`"),
        }),
        Known::Exact(have) if want > *have => out.push(problem(
            format!("go.mod says `go {go}` but {image} has Go {have}; {}", fails(&have.to_string())),
            format!("set `go {have}` in go.mod"),
        )),
        Known::AtMost(have, why) if want > *have => out.push(problem(
            format!("go.mod says `go {go}` but {image} has Go {have} at most ({why}); {}", fails("…")),
            format!("set the go line to the Go of Nakama {} (at most `go {have}`), or build for a release scaffold knows (`scaffold upgrade --list`)", img.tag),
        )),
        Known::Minor(a, b) if (want.0, want.1) > (*a, *b) => out.push(problem(
            format!("go.mod says `go {go}` but {image} is Go {a}.{b}.x; {}", fails(&format!("{a}.{b}.x"))),
            format!("lower the go line to a Go {a}.{b} release, or build with a Go {}.{} image", want.0, want.1),
        )),
        Known::Minor(a, b) if (want.0, want.1) == (*a, *b) && want.2 > 0 => notes.push(Note {
            file: f.at("go.mod"),
            line: f.gomod.go_line,
            message: format!("go.mod says `go {go}`; {image} is whichever Go {a}.{b}.x it was when pulled, and the build fails if that is older than {go}: pin `golang:{go}`"),
        }),
        Known::AtLeast(have) if want > *have => notes.push(Note {
            file: f.at("go.mod"),
            line: f.gomod.go_line,
            message: format!("go.mod says `go {go}`; doctor cannot tell whether {image} has it (its Go is {have} or newer, as it is newer than every release scaffold knows); the build fails if it is older"),
        }),
        _ => {}
    }
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
