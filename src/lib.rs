//! scaffold: creates and maintains Nakama Go plugin repositories.
//!
//! The binary (`main.rs`) parses flags and calls [`run`]; everything else is a plain module
//! that tests and benchmarks use directly.

pub mod cli;
pub mod commands;
pub(crate) mod complete;
pub(crate) mod dev;
pub(crate) mod diff;
pub mod docker;
pub mod doctor;
pub mod error;
pub(crate) mod files;
pub mod go;
pub(crate) mod prompts;
pub mod repo;
pub mod scaffold;
pub(crate) mod text;
pub mod ui;
pub(crate) mod userdirs;
pub mod versions;

use cli::{Cli, ColorChoice, Command};

/// Refuses a command line with an argument that is not UTF-8 (a folder named in another
/// encoding), before anything runs: every name scaffold is given ends up in text (scaffold.toml,
/// go.mod, the Dockerfile, the journal, messages), which has no way to spell it.
pub fn text_arguments(args: impl IntoIterator<Item = std::ffi::OsString>) -> error::Result<()> {
    for (i, arg) in args.into_iter().enumerate() {
        if arg.to_str().is_none() {
            return Err(error::Error::Usage(format!(
                "argument {} (`{}`) is not UTF-8 text; scaffold takes folder and file names in UTF-8, as it writes them into scaffold.toml, go.mod and the Dockerfile: rename it",
                i + 1,
                arg.to_string_lossy()
            )));
        }
    }
    Ok(())
}

/// Runs a parsed command line; returns the command's report (`None` for `dev`,
/// `completions` and `man`, which have none).
pub fn run(cli: Cli) -> commands::Outcome {
    let colours = match cli.global.color {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
            Some(false)
        }
        ColorChoice::Auto => None,
    };
    if let Some(on) = colours {
        console::set_colors_enabled(on);
        console::set_colors_enabled_stderr(on);
    }
    let ui = ui::Ui {
        quiet: cli.global.quiet,
        json: cli.global.json,
    };
    // These print a script, a page or a live log: there is no report to make of them.
    if ui.json {
        let name = match &cli.command {
            Command::Dev(_) => Some("dev"),
            Command::Completions { .. } => Some("completions"),
            Command::Man => Some("man"),
            _ => None,
        };
        if let Some(name) = name {
            return Err(error::Error::Usage(format!(
                "`scaffold {name}` has no --json output; run it without --json"
            )));
        }
    }
    match cli.command {
        Command::New(args) => commands::new::run(args, ui),
        Command::AddPackage(args) => commands::add_package::run(args, ui),
        Command::Sync(args) => commands::sync::run(args, ui),
        Command::Doctor(args) => commands::doctor::run(args, ui),
        Command::Upgrade(args) => commands::upgrade::run(args, ui),
        Command::Update(args) => commands::update::run(args, ui),
        Command::RemovePackage(args) => commands::remove_package::run(args, ui),
        Command::Dev(args) => commands::dev::run(args, ui).map(|()| None),
        Command::Man => commands::man::man().map(|()| None),
        Command::List => commands::templates::list(ui),
        Command::Releases(args) => commands::releases::run(args, ui),
        Command::Eject(args) => commands::templates::eject(args, ui),
        Command::CheckTemplate(args) => commands::templates::check(args, ui),
        Command::Completions { shell } => commands::completions::run(shell).map(|()| None),
    }
}
