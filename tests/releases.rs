//! `upgrade` keeps every stated fact true: image tags that come from an `ARG` move with the
//! literal ones, and the generated README's release, nakama-common and Go move too.

mod common;

use common::*;

#[test]
fn upgrade_moves_arg_defined_tags_and_the_readme_facts() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let docker = read(root.join("Dockerfile"))
        .replace(
            "FROM heroiclabs/nakama-pluginbuilder:3.37.1 AS builder",
            "ARG NAKAMA_VERSION=3.37.1\nFROM heroiclabs/nakama-pluginbuilder:${NAKAMA_VERSION} AS builder",
        )
        .replace(
            "FROM heroiclabs/nakama:3.37.1",
            "FROM heroiclabs/nakama:${NAKAMA_VERSION}",
        );
    write(root.join("Dockerfile"), &docker);
    let readme = read(root.join("README.md"));
    assert!(readme.contains("Nakama 3.37.1") && readme.contains("nakama-common v1.44.2"));
    commit_all(&root, "ARG tags");
    run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    assert_eq!(
        read(root.join("Dockerfile")),
        docker.replace("ARG NAKAMA_VERSION=3.37.1", "ARG NAKAMA_VERSION=3.40.0")
    );
    let readme = read(root.join("README.md"));
    for (old, new) in [
        ("3.37.1", "3.40.0"),
        ("v1.44.2", "v1.47.0"),
        ("1.25.5", "1.26.5"),
    ] {
        assert!(!readme.contains(old), "README still says {old}:\n{readme}");
        assert!(readme.contains(new), "README lacks {new}");
    }
}
