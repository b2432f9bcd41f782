//! The `scaffold` binary: parse, run, and map errors to one `error:` line (or, with `--json`,
//! the `error` of the one JSON object) and an exit code.

use clap::Parser;
use scaffold::error::Error;
use scaffold::ui;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `COMPLETE=bash scaffold ...`: the shell asks for completions (see `scaffold completions`).
    scaffold::commands::completions::answer_shell();
    // Before clap, which refuses some such arguments in its own words and takes others.
    if let Err(err) = scaffold::text_arguments(std::env::args_os().skip(1)) {
        return finish(json_flag(), None, Err(err));
    }
    let cli = match scaffold::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    let json = cli.global.json;
    // A command returns its report; one that reported and then failed (doctor finding
    // problems) carries its verdict in it.
    let (report, result) = match scaffold::run(cli) {
        Ok(Some(mut report)) => {
            let verdict = report.verdict.take();
            (Some(report), verdict.map_or(Ok(()), Err))
        }
        Ok(None) => (None, Ok(())),
        Err(err) => (None, Err(err)),
    };
    finish(json, report, result)
}

/// Prints the outcome (the one JSON object, or the error line) and gives the exit code.
fn finish(json: bool, report: Option<ui::Report>, result: Result<(), Error>) -> ExitCode {
    let code = match &result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped reading (`| head -1`) is a normal end, as ripgrep has it.
        Err(err) if err.is_broken_pipe() => return ExitCode::SUCCESS,
        Err(err) => ExitCode::from(err.code()),
    };
    if json {
        // A reader that stopped reading changes nothing but the output: a verdict stands.
        let _ = ui::print(&ui::json_outcome(report, result.as_ref().err()));
        return code;
    }
    if let Err(err) = result {
        // `{:#}` prints the whole cause chain on one line, as ripgrep does.
        ui::eprint_line(&format!(
            "{} {err:#}",
            console::style("error:").red().bold().for_stderr()
        ));
    }
    code
}

/// Whether `--json` is on the command line (before any `--`), for an outcome that comes
/// before clap has read it.
fn json_flag() -> bool {
    std::env::args_os()
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

/// A command line clap refused (or `--help`, `--version`). With `--json` the refusal is the
/// JSON error object on stdout; otherwise clap prints it (it ignores a closed pipe itself).
fn clap_error(e: clap::Error) -> ExitCode {
    if !json_flag() || !e.use_stderr() {
        e.exit();
    }
    // clap's message on one line: its first paragraph, without the usage and the hint.
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let message = first.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let err = Error::Usage(format!("{message}; see `scaffold --help`"));
    let object = ui::OnlyError {
        error: Some(ui::ErrorJson::of(&err)),
    };
    let text = serde_json::to_string_pretty(&object).expect("an error always serialises");
    let _ = ui::print(&(text + "\n"));
    ExitCode::from(err.code())
}
