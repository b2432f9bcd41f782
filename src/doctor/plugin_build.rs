//! D005: the plugin's `go build` must have `-buildmode=plugin` (`--buildmode=plugin` too, as the
//! official template writes it) and `-trimpath`, must run with cgo on, and must write the plugin
//! where it stays (not under one of its RUN's mounts).

use super::id;
use super::report::Problem;
use super::{Facts, Finding};
use crate::docker::path::{join, within};

const BUILD_LINE: &str = "RUN go build -trimpath -buildmode=plugin -o ./backend.so .";

pub fn check(f: &Facts) -> Vec<Finding> {
    let Some(b) = &f.model.build else {
        // A build script doctor cannot read is a warning (the model's), not a problem.
        if f.model.script.is_some() {
            return Vec::new();
        }
        let line = f.model.docker.stages.first().map_or(1, |s| s.line);
        return vec![Finding::manual(Problem::new(
            id::BUILD_LINE,
            &f.dockerfile_path,
            line,
            "the Dockerfile has no RUN with `go build`, so doctor cannot tell how the plugin is built (a build script it cannot read, or no build at all)".into(),
            format!("build the plugin in the builder stage: `{BUILD_LINE}`"),
        ))];
    };
    let mut out = Vec::new();
    match b.flags.buildmode.as_deref() {
        Some("plugin") => {}
        other => out.push(Finding::manual(Problem::new(
            id::BUILD_LINE,
            &f.dockerfile_path,
            b.line,
            match other {
                Some(m) => format!("the go build on line {} uses -buildmode={m}; Nakama loads only -buildmode=plugin modules (`Error looking up InitModule function` or no .so at all)", b.line),
                None => format!("the go build on line {} lacks -buildmode=plugin; what it builds is not a plugin Nakama can load", b.line),
            },
            format!("add -buildmode=plugin: `{BUILD_LINE}`"),
        ))),
    }
    if b.flags.trimpath != Some(true) {
        out.push(Finding::manual(Problem::new(
            id::BUILD_LINE,
            &f.dockerfile_path,
            b.line,
            format!("the go build on line {} lacks -trimpath; the plugin fails to load with `plugin was built with a different version of package internal/goarch`", b.line),
            format!("add -trimpath: `{BUILD_LINE}`"),
        )));
    }
    // The plugin written under one of the RUN's mounts: a bind mount is read-only, and what is
    // written to any mount is gone after the RUN, so the later COPY of backend.so finds nothing.
    let written = join(&b.dir, b.flags.output.as_deref().unwrap_or("plugin.so"));
    if let Some((m, target)) = b.mounts.iter().rev().find(|(_, t)| within(&written, t)) {
        let shown = b.flags.output.as_deref().unwrap_or("the plugin");
        let (what, fails) = if m.kind == "bind" && !m.rw {
            (
                "a read-only bind mount",
                "the build fails with `read-only file system`",
            )
        } else {
            (
                "a mount",
                "what is written there is gone after the RUN, so the image has no plugin to copy",
            )
        };
        out.push(Finding::manual(Problem::new(
            id::BUILD_LINE,
            &f.dockerfile_path,
            b.line,
            format!("the go build on line {} writes {shown} into {target}, {what} (`--mount=type={}`); {fails}", b.line, m.kind),
            "write the plugin outside the mounts, e.g. `-o /backend.so`, and copy it from there: `COPY --from=builder /backend.so /nakama/data/modules/`".into(),
        )));
    }
    if let Some((value, line)) = &b.cgo {
        if value.trim() == "0" {
            out.push(Finding::manual(Problem::new(
                id::BUILD_LINE,
                &f.dockerfile_path,
                *line,
                format!("CGO_ENABLED=0 (line {line}) reaches the go build on line {}; it fails with `-buildmode=plugin requires external (cgo) linking, but cgo is not enabled`", b.line),
                format!("set CGO_ENABLED=1 on line {line} (`ENV CGO_ENABLED=1`), or remove it"),
            )));
        }
    }
    out
}
