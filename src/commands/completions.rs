//! `scaffold completions SHELL` and the man page: both generated from the clap definition.

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

/// The roff man page (`just man` writes it to target/scaffold.1).
pub fn man() -> anyhow::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
    Ok(())
}
