//! `scaffold completions SHELL`, from the clap definition.
//!
//! Completion is clap_complete's dynamic engine: the script `completions` prints only
//! registers a function that asks the binary itself (`COMPLETE=bash scaffold -- WORDS`), so
//! values complete from what is true now ([`crate::complete`] lists them). Hidden commands
//! (`man`) are left out.

use crate::cli::Cli;
use crate::error::Result;
use clap::CommandFactory;
use clap_complete::env::{CompleteEnv, Shells};

/// The variable the registered shell function sets when it asks for completions.
const VAR: &str = "COMPLETE";

/// Answers the shell's request and exits, when this run is one (`COMPLETE` is set); returns
/// at once otherwise, before anything else is built.
pub fn answer_shell() {
    if std::env::var_os(VAR).is_none() {
        return;
    }
    let asked = CompleteEnv::with_factory(completed_command)
        .var(VAR)
        .try_complete(std::env::args_os(), std::env::current_dir().ok().as_deref());
    match asked {
        Ok(false) => {}
        Ok(true) => std::process::exit(0),
        // The only output is stdout: a shell that stopped reading is no error to show.
        Err(e) if e.kind() == clap::error::ErrorKind::Io => std::process::exit(0),
        Err(e) => e.exit(),
    }
}

/// The command line the shell completes: scaffold's, without its hidden commands. clap's
/// engine offers a hidden command once no visible one matches the word (`scaffold m<TAB>`
/// gave `man`), so they are left out of the copy it completes against.
fn completed_command() -> clap::Command {
    let full = Cli::command();
    clap::Command::new("scaffold")
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// Prints the shell's registration script: it calls this binary by the name it was run as
/// (`scaffold` from PATH, or the path given), as clap_complete itself does.
pub fn run(shell: clap_complete::Shell) -> Result<()> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer = shells
        .completer(&name)
        .ok_or_else(|| crate::error::Error::Usage(format!("no completion for {name}")))?;
    let invoked = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "scaffold".into());
    // A relative path with folders (`./target/debug/scaffold`) would break in another folder.
    let bin = if invoked.components().count() > 1 {
        crate::ui::absolute(&invoked)
    } else {
        invoked.display().to_string()
    };
    let mut script = Vec::new();
    completer.write_registration(VAR, "scaffold", "scaffold", &bin, &mut script)?;
    crate::ui::print(&String::from_utf8_lossy(&script))
}
