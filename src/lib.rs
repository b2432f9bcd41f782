//! scaffold: creates and maintains Nakama Go plugin repositories.
//!
//! The binary (`main.rs`) parses flags and calls [`run`]; everything else is a plain module
//! that tests and benchmarks use directly.

pub mod answers;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod complete;
pub mod config;
pub mod dev;
pub mod diff;
pub mod docker;
pub mod doctor;
pub mod error;
pub mod files;
pub mod git;
pub mod go;
pub mod manifest;
pub mod prompts;
pub mod repo;
pub mod source;
pub mod starter;
pub mod template;
pub mod text;
pub mod ui;
pub mod versions;

use cli::{Cli, ColorChoice, Command};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> crate::error::Result<()> {
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
        Command::Dev(args) => commands::dev::run(args, ui),
        Command::Man => commands::completions::man(),
        Command::List => commands::templates::list(ui),
        Command::Releases(args) => commands::releases::run(args, ui),
        Command::Eject(args) => commands::templates::eject(args, ui),
        Command::CheckTemplate(args) => commands::templates::check(args, ui),
        Command::Completions { shell } => commands::completions::run(shell),
    }
}
