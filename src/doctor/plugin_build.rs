//! D005: the plugin's `go build` must have `-buildmode=plugin` (`--buildmode=plugin` too, as the
//! official template writes it) and `-trimpath`, and must run with cgo on.

use super::report::Problem;
use super::{Facts, Finding};

const BUILD_LINE: &str = "RUN go build -trimpath -buildmode=plugin -o ./backend.so .";

pub fn check(f: &Facts) -> Vec<Finding> {
    let Some(b) = &f.model.build else {
        // A build script doctor cannot read is a warning (the model's), not a problem.
        if f.model.script.is_some() {
            return Vec::new();
        }
        let line = f.model.docker.stages.first().map_or(1, |s| s.line);
        return vec![Finding::manual(Problem::new(
            "D005",
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
            "D005",
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
            "D005",
            &f.dockerfile_path,
            b.line,
            format!("the go build on line {} lacks -trimpath; the plugin fails to load with `plugin was built with a different version of package internal/goarch`", b.line),
            format!("add -trimpath: `{BUILD_LINE}`"),
        )));
    }
    if let Some((value, line)) = &b.cgo {
        if value.trim() == "0" {
            out.push(Finding::manual(Problem::new(
                "D005",
                &f.dockerfile_path,
                *line,
                format!("CGO_ENABLED=0 (line {line}) reaches the go build on line {}; it fails with `-buildmode=plugin requires external (cgo) linking, but cgo is not enabled`", b.line),
                format!("set CGO_ENABLED=1 on line {line} (`ENV CGO_ENABLED=1`), or remove it"),
            )));
        }
    }
    out
}
