//! The one integration test binary: every CLI, safety, Go and buildah test of scaffold as a
//! module of it, so the test build links once (as just and cargo-generate do) and `common`
//! is compiled once. `cargo test --test it MODULE::` runs one module.

mod common;

mod adopt_corpus;
mod block_property;
mod cache_mounts;
mod cli_add_package;
mod cli_kinds;
mod cli_new;
mod cli_output;
mod cli_remove_package;
mod cli_sync;
mod cli_update;
mod cli_upgrade;
mod compose_watch;
mod dev;
mod docs;
mod doctor;
mod doctor_agrees;
mod doctor_corpus;
mod doctor_gobuild;
mod doctor_props;
mod doctor_shapes;
mod fuzz_readers;
mod generated_ci;
mod go_checks;
mod go_reader;
mod install;
mod interactive;
mod judge;
mod releases;
mod rollback;
mod safety_repo;
mod safety_scaffolds;
mod scaffold_bump;
mod soundness;
mod team_scaffolds;
mod untrusted_repo;
