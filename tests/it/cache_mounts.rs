//! Go's caches as `RUN --mount=type=cache` in the Dockerfile: what `new` writes, and a user's own
//! mount lines (cache mounts, the context bind-mounted as `docker init` writes it), read by
//! `doctor` and kept byte for byte by `sync --adopt`, `add-package`, `upgrade` and `update`,
//! which change only what they must. That these Dockerfiles build is the soundness corpus's
//! part (tests/it/soundness.rs, with buildah).

use crate::common::team::Env;
use crate::common::*;

/// A builder stage a person wrote with cache mounts of their own: an `id`, `sharing=locked`,
/// the caches on one line, `dst=` instead of `target=`. Release and packages filled in.
fn own_mounts(release: &str) -> String {
    format!(
        "FROM heroiclabs/nakama-pluginbuilder:{release} AS builder
ENV CGO_ENABLED=1
WORKDIR /backend
COPY go.mod go.sum ./
RUN --mount=type=cache,id=gomod,sharing=locked,target=/go/pkg/mod go mod download
COPY *.go ./
COPY profile/ profile/
RUN --mount=type=cache,id=gomod,sharing=locked,target=/go/pkg/mod --mount=type=cache,dst=/root/.cache/go-build \\
  go build -trimpath -buildmode=plugin -o ./backend.so .

FROM heroiclabs/nakama:{release}
COPY --from=builder /backend/backend.so /nakama/data/modules/
COPY local.yml /nakama/data/
"
    )
}

/// The Go guide's shape (`docker init`): no COPY of the sources at all, go.mod and go.sum
/// bind-mounted for the download and the whole context for the build, the plugin written
/// outside the mount.
const BIND_MOUNTED: &str = "FROM heroiclabs/nakama-pluginbuilder:3.40.0 AS builder
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=bind,source=go.sum,target=/src/go.sum \\
    --mount=type=bind,source=go.mod,target=/src/go.mod \\
    go mod download -x
RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=cache,target=/root/.cache/go-build \\
    --mount=type=bind,target=/src \\
    go build -trimpath -buildmode=plugin -o /bin/backend.so .

FROM heroiclabs/nakama:3.40.0
COPY --from=builder /bin/backend.so /nakama/data/modules/
COPY local.yml /nakama/data/
";

/// The lines of `text` that start a RUN with a mount, and the lines continuing them.
fn mount_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut continued = false;
    for line in text.lines() {
        if continued || line.starts_with("RUN --mount") {
            out.push(line);
        }
        continued = (continued || line.starts_with("RUN --mount")) && line.ends_with('\\');
    }
    out
}

#[test]
fn new_writes_cache_mounts_for_go_and_doctor_reads_its_build_behind_them() {
    let repo = Repo::new(&[]);
    let docker = repo.read("Dockerfile");
    assert_eq!(
        mount_lines(&docker),
        [
            "RUN --mount=type=cache,target=/go/pkg/mod \\",
            "    go mod download",
            "RUN --mount=type=cache,target=/go/pkg/mod \\",
            "    --mount=type=cache,target=/root/.cache/go-build \\",
            "    go build -trimpath -buildmode=plugin -o ./backend.so .",
        ]
    );
    // go.mod and go.sum are copied, and downloaded, before the sources: an edit to a package
    // keeps that layer.
    let at = |s: &str| docker.find(s).unwrap_or_else(|| panic!("{s} in {docker}"));
    assert!(at("COPY go.mod go.sum ./") < at("go mod download"));
    assert!(at("go mod download") < at("COPY *.go ./"));
    repo.run(&["doctor"]).ok();
    // The build line is read behind the mounts: a flag taken off it is found on its line.
    let build_line = docker
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("RUN --mount"))
        .nth(1)
        .map(|(i, _)| i + 1)
        .unwrap();
    repo.write("Dockerfile", docker.replace(" -trimpath", ""));
    let out = repo.run(&["doctor"]).code(1);
    assert!(
        out.stdout.contains(&format!(
            "Dockerfile:{build_line}: D005 the go build on line {build_line} lacks -trimpath"
        )),
        "{out:#?}"
    );
}

#[test]
fn a_users_own_cache_mounts_pass_doctor_and_survive_add_package_and_upgrade() {
    let (_tmp, root) = new_repo("3.37.1", &[]);
    let mine = own_mounts("3.37.1");
    write(root.join("Dockerfile"), &mine);
    // No block yet: adopt puts it before the build and leaves every other line as written.
    run_in(&root, ["sync", "--adopt", "--nakama", "3.37.1"]).ok();
    let adopted = read(root.join("Dockerfile"));
    let (pre, block, post) = split_block(&adopted);
    assert!(block.contains("\nCOPY profile/ profile/\n"), "{adopted}");
    assert!(
        post.starts_with("RUN --mount=type=cache,id=gomod"),
        "{adopted}"
    );
    assert_eq!(
        format!("{pre}{post}"),
        mine.replace("COPY profile/ profile/\n", ""),
        "adopt changed a line outside its block"
    );
    run_in(&root, ["doctor"]).ok();
    commit_all(&root, "adopted");

    run_in(&root, ["add-package", "inventory"]).ok();
    let added = read(root.join("Dockerfile"));
    assert_eq!(mount_lines(&added), mount_lines(&mine));
    run_in(&root, ["doctor"]).ok();
    commit_all(&root, "inventory");

    // upgrade moves the two tags and nothing else.
    run_in(&root, ["upgrade", "--nakama", "3.40.0", "--no-go"]).ok();
    let upgraded = read(root.join("Dockerfile"));
    assert_eq!(upgraded, added.replace(":3.37.1", ":3.40.0"));
    run_in(&root, ["doctor"]).ok();
}

#[test]
fn the_context_bind_mounted_into_the_build_is_what_go_build_sees() {
    let repo = Repo::new(&[]);
    repo.write("Dockerfile", BIND_MOUNTED);
    // Nothing is copied, yet go.mod, go.sum and every package are there for go build: for
    // the static rules, and for Go replaying the stage with the mounts in place.
    repo.run(&["doctor"]).ok();
    if go_required() {
        let report = repo.run(&["doctor", "--json"]).ok().json();
        assert_eq!(report["judge"]["by"], "go", "{report}");
    }
    // .dockerignore still decides what the mount holds.
    let ignore = repo.read(".dockerignore");
    repo.write(".dockerignore", format!("{ignore}profile\n"));
    let out = repo.run(&["doctor"]).code(1);
    assert!(out.stdout.contains("D001"), "{out:#?}");
    repo.write(".dockerignore", ignore);
    // The plugin written into the read-only mount fails the build; into a rw one, it is gone
    // after the RUN.
    for (from, to, says) in [
        (
            "-o /bin/backend.so",
            "-o ./backend.so",
            "a read-only bind mount",
        ),
        (
            "--mount=type=bind,target=/src \\",
            "--mount=type=bind,target=/src,rw \\",
            "",
        ),
    ] {
        let mut text = BIND_MOUNTED.replace(from, to);
        if says.is_empty() {
            text = text.replace("-o /bin/backend.so", "-o backend.so");
        }
        repo.write("Dockerfile", &text);
        let out = repo.run(&["doctor"]).code(1);
        let says = if says.is_empty() {
            "is gone after the RUN"
        } else {
            says
        };
        assert!(
            out.stdout
                .contains("Dockerfile:7: D005 the go build on line 7 writes")
                && out.stdout.contains(says),
            "{out:#?}"
        );
    }
    // A cache mount over the folder the plugin is written to: gone too.
    repo.write(
        "Dockerfile",
        BIND_MOUNTED
            .replace("-o /bin/backend.so", "-o /out/backend.so")
            .replace(
                "--mount=type=bind,target=/src \\",
                "--mount=type=bind,target=/src \\\n    --mount=type=cache,target=/out \\",
            ),
    );
    let out = repo.run(&["doctor"]).code(1);
    assert!(
        out.stdout
            .contains("into /out, a mount (`--mount=type=cache`)"),
        "{out:#?}"
    );
}

/// A repo made by version 2 of the built-in scaffold (plain RUN lines), as that release recorded
/// it, with an edit of the user's in its Dockerfile.
fn version_2_repo(env: &Env, with: impl Fn(&str) -> String) -> std::path::PathBuf {
    let v2 = crate_path("scaffolds/history/nakama-go/2");
    env.run(&[
        "new",
        "game",
        "--yes",
        "--git",
        "--from",
        v2.to_str().unwrap(),
    ])
    .ok();
    let game = env.path("game");
    let record = read(game.join("scaffold.toml"));
    let scaffold_table = record.split("\n[project]").next().unwrap();
    let as_built_in = "# Written by scaffold: how this repo was made, so `scaffold add-package`, `sync` and\n# `upgrade` know it. Commit it.\n[scaffold]\nversion = \"0.1.0\"\ntemplate = \"builtin:nakama-go\"\ntemplate_version = 2\n";
    write(
        game.join("scaffold.toml"),
        record.replace(scaffold_table, as_built_in),
    );
    let docker = read(game.join("Dockerfile"));
    assert!(!docker.contains("--mount"), "version 2 has no mounts");
    write(game.join("Dockerfile"), with(&docker));
    git::commit_all(&game, "made by version 2, edited");
    game
}

#[test]
fn update_from_version_2_merges_the_cache_mounts_with_the_users_edits() {
    let env = Env::new();
    let game = version_2_repo(&env, |d| {
        d.replace(
            "ENV CGO_ENABLED=1\n",
            "ENV CGO_ENABLED=1\nENV GOFLAGS=-mod=mod\n",
        )
    });
    env.run_in(&game, &["update"]).ok();
    let merged = read(game.join("Dockerfile"));
    env.run(&["new", "fresh", "--yes", "--no-git", "--name", "game"])
        .ok();
    let fresh = read(env.path("fresh").join("Dockerfile"));
    assert_eq!(
        merged,
        fresh.replace(
            "ENV CGO_ENABLED=1\n",
            "ENV CGO_ENABLED=1\nENV GOFLAGS=-mod=mod\n"
        )
    );
    assert!(read(game.join("scaffold.toml")).contains("template_version = 3"));
    env.run_in(&game, &["doctor"]).ok();
}

#[test]
fn update_keeps_the_users_own_cache_mounts_or_stops_at_a_conflict() {
    // The same mounts the template now writes: both sides made one change, nothing to ask.
    let env = Env::new();
    let fresh_build = |d: &str| {
        d.replace(
            "RUN go mod download\n",
            "RUN --mount=type=cache,target=/go/pkg/mod \\\n    go mod download\n",
        )
        .replace("RUN go build -trimpath", &format!("{BUILD_RUN} -trimpath"))
    };
    let game = version_2_repo(&env, fresh_build);
    env.run_in(&game, &["update"]).ok();
    env.run(&["new", "fresh", "--yes", "--no-git", "--name", "game"])
        .ok();
    let fresh = read(env.path("fresh").join("Dockerfile"));
    let mine = read(game.join("Dockerfile"));
    assert_eq!(mount_lines(&mine), mount_lines(&fresh));

    // Mounts of its own on the build line: the template's are not stacked on them; the
    // update stops with both versions marked, and the user's lines are in it as written.
    let env = Env::new();
    let own = "RUN --mount=type=cache,id=gobuild,target=/root/.cache/go-build go build -trimpath";
    let game = version_2_repo(&env, |d| d.replace("RUN go build -trimpath", own));
    let out = env.run_in(&game, &["update"]).code(1);
    assert!(
        out.stderr
            .contains("the update left conflicts in 1 file: Dockerfile;"),
        "{out:#?}"
    );
    let merged = read(game.join("Dockerfile"));
    assert!(
        merged.contains("<<<<<<<") && merged.contains(own),
        "{merged}"
    );
    assert_eq!(merged.matches("go build").count(), 2, "{merged}");
}

/// What a RUN writes under a cache mount stays in the cache, not in the image: a `go mod
/// vendor` into a cache mount over vendor/ leaves the next RUN's `-mod=vendor` build without
/// vendor/ (Go, replaying the stage with the mounts, says so), while a later RUN that mounts
/// the same cache sees it.
#[test]
fn a_cache_mount_keeps_what_a_run_writes_out_of_the_image() {
    if !go_required() {
        return;
    }
    let repo = Repo::new(&[]);
    let docker = repo.read("Dockerfile");
    // Without the cache over vendor/ on the build: no vendor/ there.
    let text = docker.replacen(
        BUILD_RUN,
        &format!(
            "RUN --mount=type=cache,target=/backend/vendor go mod vendor\n{BUILD_RUN} -mod=vendor"
        ),
        1,
    );
    repo.write("Dockerfile", &text);
    let out = repo.run(&["doctor"]).code(1);
    assert!(out.stdout.contains("vendor"), "{out:#?}");
    // With the same cache mounted on the build too, vendor/ is there.
    let text = docker.replacen(
        BUILD_RUN,
        "RUN --mount=type=cache,target=/backend/vendor go mod vendor\nRUN --mount=type=cache,target=/backend/vendor \\\n    go build -mod=vendor",
        1,
    );
    repo.write("Dockerfile", &text);
    repo.run(&["doctor"]).ok();
}
