//! `scaffold completions SHELL`: the completion script, from the same clap definition.

use crate::cli::Cli;
use clap::CommandFactory;

pub fn run(shell: clap_complete::Shell) {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "scaffold",
        &mut std::io::stdout(),
    );
}
