# Recipes people use; each is a thin wrapper so the README's commands also work without just.

# Build, then make a demo repo with every default
default: setup

# Install what a fresh machine lacks, build, and run `scaffold new --yes` into a temp folder
setup:
    bash scripts/setup.sh

# Every test: cargo tests (with the Go checks), helper tests, version truth, real-Nakama e2e
test:
    bash scripts/test.sh

# Only the Rust tests (fast; the buildah soundness corpus is left to `just test`)
unit:
    SCAFFOLD_TEST_SKIP=oci cargo test --all-targets

# Formatting and clippy, as CI holds them
lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings
    ! grep -rnE 'dbg!|todo!\(|unimplemented!' src

# The generated Dockerfile built with buildah and its image run (stand-in images cached)
oci:
    cargo build --quiet
    SCAFFOLD_BIN="$(bash scripts/scaffold-bin.sh debug)" bash tests/e2e/oci.sh

# The real-server proof alone
e2e:
    cargo build --quiet
    SCAFFOLD_BIN="$(bash scripts/scaffold-bin.sh debug)" bash tests/e2e/nakama.sh

# The release artefacts into dist/ (the wheel, the archive, checksums) and their tests
dist:
    bash scripts/dist.sh
    bash tests/e2e/dist.sh

# The version table against every release's go.mod (Go module proxy)
versions:
    bash tests/e2e/versions.sh

# Benchmarks: rendering, `new`, and `add-package` at 10..1000 packages
bench:
    cargo bench

# The Docker loop: first build and rebuild after a one-line edit, with and without Go's cache mounts (buildah, root)
bench-docker rounds="2":
    cargo build --quiet
    SCAFFOLD_BIN="$(bash scripts/scaffold-bin.sh debug)" bash benches/docker_rebuild.sh {{rounds}}

# The `scaffold dev` loop: a saved one-line change until the RPC answers it, against its floor
bench-dev rounds="10":
    cargo build --quiet
    SCAFFOLD_BIN="$(bash scripts/scaffold-bin.sh debug)" python3 benches/dev_latency.py {{rounds}}

# Regenerate the recorded go.sum files after changing scaffolds/versions.toml
gosum:
    bash scripts/gen-gosum.sh

# What CI runs
ci: lint test

fmt:
    cargo fmt

# The man page, from the same clap definition as --help
man:
    mkdir -p target
    cargo run --quiet -- man > target/scaffold.1
    @echo "wrote target/scaffold.1 (man ./target/scaffold.1)"

# Shell completions into target/completions/
completions:
    mkdir -p target/completions
    for s in bash zsh fish powershell elvish; do cargo run --quiet -- completions $s > target/completions/scaffold.$s; done
