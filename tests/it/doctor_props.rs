//! Property: doctor never panics, whatever the Dockerfile and .dockerignore say. Text is drawn
//! from Dockerfile-ish pieces (keywords, flags, quotes, escapes, heredocs, variables, globs)
//! as well as arbitrary characters, so the parser's odd corners are reached often.

use proptest::prelude::*;
use scaffold::docker::{self, ignore::DockerIgnore};
use scaffold::doctor;
use std::fs;

/// Pieces that steer random text into the parser's interesting paths.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder\n".to_string()),
        Just("FROM heroiclabs/nakama:3.39.0\n".to_string()),
        Just("FROM builder AS b2\n".to_string()),
        Just("# escape=`\n".to_string()),
        Just("# syntax=docker/dockerfile:1\n".to_string()),
        Just("WORKDIR /backend\n".to_string()),
        Just("WORKDIR ${X:-/a}/$Y\n".to_string()),
        Just("ENV CGO_ENABLED 0\n".to_string()),
        Just("ARG A=b\n".to_string()),
        Just("COPY . .\n".to_string()),
        Just("COPY *.go ./\n".to_string()),
        Just("COPY --from=builder --chown=1:1 a b\n".to_string()),
        Just("COPY [\"profile\", \"profile/\"]\n".to_string()),
        Just("COPY --parents --exclude=*.md p* /x/\n".to_string()),
        Just("ADD https://x/y.tgz /z\n".to_string()),
        Just("RUN go build -trimpath -buildmode=plugin -o ./b.so .\n".to_string()),
        Just("RUN cd x && CGO_ENABLED=0 go build --mod=vendor\n".to_string()),
        Just("RUN <<EOF\ngo build .\nEOF\n".to_string()),
        Just("RUN <<-'E' cat\n\tE\n".to_string()),
        Just("RUN [\"sh\", \"-c\", \"go build\"\n".to_string()),
        Just(" \\\n".to_string()),
        Just("`\n".to_string()),
        Just("# scaffold:packages begin sha=1234\n".to_string()),
        Just("# scaffold:packages end\n".to_string()),
        Just("\r\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\"'$(${[*?]\\".to_string()),
        "[ -~\t\n]{0,30}",
        "\\PC{0,12}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..14).prop_map(|v| v.concat())
}

fn ignore_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("profile\n".to_string()),
            Just("!profile/a.go\n".to_string()),
            Just("**/*.go\n".to_string()),
            Just("a**b/[^x-]?*\n".to_string()),
            Just("[\n".to_string()),
            Just("/../vendor/\n".to_string()),
            "[ -~\n]{0,20}",
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parser_and_ignore_matcher_never_panic(df in text(), ig in ignore_text(), path in "[a-z/.*]{0,16}") {
        let parsed = docker::parse::parse(&df);
        for ins in &parsed.instructions {
            prop_assert!(ins.line >= 1 && ins.end_line >= ins.line);
        }
        let ignore = DockerIgnore::parse(&ig);
        let _ = ignore.excluded(&path);
        let _ = ignore.decider(&path);
    }

    #[test]
    fn doctor_never_panics_on_a_repo(df in text(), ig in ignore_text()) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("go.mod"), "module example.com/g\n\ngo 1.26.5\n\nrequire github.com/heroiclabs/nakama-common v1.47.0\n").unwrap();
        fs::write(root.join("main.go"), "package main\n\nimport _ \"example.com/g/profile\"\n").unwrap();
        fs::create_dir_all(root.join("profile")).unwrap();
        fs::write(root.join("profile/a.go"), "package profile\n").unwrap();
        fs::write(root.join("Dockerfile"), &df).unwrap();
        fs::write(root.join(".dockerignore"), &ig).unwrap();
        // Doctor must run (exit 0 or 1 in the CLI), and `--fix` twice changes nothing the
        // second time.
        doctor::diagnose(root).unwrap();
        doctor::plan_fixes(root, &[]).unwrap().plan.apply().unwrap();
        let again = doctor::plan_fixes(root, &[]).unwrap();
        prop_assert!(again.plan.is_empty(), "second --fix would change:\n{}", again.plan.diff());
    }
}
