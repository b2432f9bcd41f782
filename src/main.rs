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
            // A command that sets its own status (doctor: 2 when it could not run) says so.
            ExitCode::from(err.downcast_ref::<scaffold::Exit>().map_or(1, |e| e.code))
        }
    }
}
