//! Go is the judge: whether the builder stage builds is asked of Go itself, run where the
//! Docker build runs it, on exactly the files the build would have ([`stage`]), with the exact
//! Go release of the builder image ([`run`]), step by step ([`replay`]). scaffold's own rules
//! (`doctor`'s checks, the block's refusals) stay as the instant path and as the answer when Go
//! cannot be asked; every verdict says which of the two gave it ([`Judge`]).

pub(crate) mod golist;
pub mod replay;
pub(crate) mod run;
pub(crate) mod stage;

use crate::docker::ignore::DockerIgnore;
use crate::docker::stage::Model;
use crate::docker::tree::Repo;
pub use replay::{Depth, Failure, Replay};
use serde::Serialize;

/// Who gave a verdict: Go (which release, how far the stage was replayed) or scaffold's static
/// rules (and why Go was not asked). `--json` carries it as `judge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judge {
    /// `go` or `static`.
    pub by: &'static str,
    /// The Go release asked (`1.26.5`), when Go decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go: Option<String>,
    /// How far the builder stage was replayed when Go decided: `list` (module steps run,
    /// builds listed) or `build` (built).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed: Option<&'static str>,
    /// Why Go was not asked, when the static rules decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

impl Judge {
    pub fn is_go(&self) -> bool {
        self.by == "go"
    }

    pub fn static_rules(why: impl Into<String>) -> Judge {
        Judge {
            by: "static",
            go: None,
            replayed: None,
            why: Some(why.into()),
        }
    }

    /// One line for people: `Go 1.26.5 (the staged build, listed)` or `scaffold's static rules
    /// (Go is not on PATH)`.
    pub fn describe(&self) -> String {
        match (&self.go, self.replayed) {
            (Some(go), Some("build")) => format!("Go {go}, which built the staged builder stage"),
            (Some(go), _) => format!("Go {go}, run on the staged builder stage"),
            _ => format!(
                "scaffold's static rules only ({})",
                self.why.as_deref().unwrap_or("Go was not asked")
            ),
        }
    }
}

/// A verdict: who gave it, and Go's replay when Go did.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub judge: Judge,
    pub replay: Option<Replay>,
}

impl Judgement {
    fn static_rules(why: impl Into<String>) -> Judgement {
        Judgement {
            judge: Judge::static_rules(why),
            replay: None,
        }
    }

    /// Whether Go decided, and the stage built (or listed) without failing.
    pub fn go_green(&self) -> Option<bool> {
        self.replay.as_ref().map(|r| r.failure.is_none())
    }
}

/// Variables that turn the judge off (`SCAFFOLD_JUDGE=static`): for a machine where running
/// Go is not wanted; the verdict then says it is the static one.
pub fn forced_static() -> bool {
    std::env::var("SCAFFOLD_JUDGE").is_ok_and(|v| v == "static")
}

/// Asks Go, at `depth`, whether the builder stage of `model` builds from `repo` (the build
/// context) as Docker would send it through `ignore`. Falls back to the static rules, saying
/// why, when Go cannot be asked or the stage cannot be replayed faithfully.
pub fn judge(repo: &Repo, model: &Model, ignore: &DockerIgnore, depth: Depth) -> Judgement {
    if forced_static() {
        return Judgement::static_rules("SCAFFOLD_JUDGE=static");
    }
    if !run::on_path() {
        return Judgement::static_rules("Go is not on PATH");
    }
    let Some(build) = &model.build else {
        return Judgement::static_rules("the Dockerfile has no `go build` to replay");
    };
    let chain = model.docker.chain(build.stage);
    let base = &model.docker.stages[chain[0]].base;
    let version = match crate::versions::builder_go(base) {
        Ok(v) => v,
        Err(why) => return Judgement::static_rules(why),
    };
    let go = match run::Go::exact(&version) {
        Ok(go) => go,
        Err(why) => return Judgement::static_rules(why),
    };
    let mut staging = match stage::Staging::new(repo, &model.docker, ignore) {
        Ok(s) => s,
        Err(why) => return Judgement::static_rules(why),
    };
    match replay::replay(model, &mut staging, &go, depth) {
        Ok(r) => {
            if let Some(why) = unreachable(&r) {
                return Judgement::static_rules(why);
            }
            Judgement {
                judge: Judge {
                    by: "go",
                    go: Some(go.release().to_string()),
                    replayed: Some(match depth {
                        Depth::List => "list",
                        Depth::Build => "build",
                    }),
                    why: None,
                },
                replay: Some(r),
            }
        }
        Err(why) => Judgement::static_rules(why),
    }
}

/// A failure that is the network's, not the repo's: Go could not fetch a module, so it did
/// not decide.
fn unreachable(r: &Replay) -> Option<String> {
    let Some(Failure::Go { output, errors, .. }) = &r.failure else {
        return None;
    };
    const SIGNS: [&str; 7] = [
        "dial tcp",
        "no such host",
        "connection refused",
        "i/o timeout",
        "TLS handshake timeout",
        "GOPROXY=off",
        "module lookup disabled",
    ];
    let texts = std::iter::once(output.as_str()).chain(errors.iter().map(|e| e.text.as_str()));
    for t in texts {
        if let Some(line) = t.lines().find(|l| SIGNS.iter().any(|s| l.contains(s))) {
            return Some(format!(
                "Go could not fetch a module, so it could not decide: {}",
                line.trim()
            ));
        }
    }
    None
}
