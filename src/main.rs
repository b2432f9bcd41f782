//! The `scaffold` binary: parse, run, and map errors to one `error:` line and an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = scaffold::cli::Cli::parse();
    match scaffold::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole cause chain on one line, as ripgrep does.
            eprintln!(
                "{} {err:#}",
                console::style("error:").red().bold().for_stderr()
            );
            ExitCode::from(err.code())
        }
    }
}
