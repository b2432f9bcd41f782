//! `scaffold completions SHELL` and the man page, both from the clap definition.
//!
//! Completion is clap_complete's dynamic engine: the script `completions` prints only
//! registers a function that asks the binary itself (`COMPLETE=bash scaffold -- WORDS`), so
//! values complete from what is true now ([`crate::complete`] lists them). Hidden commands
//! (`man`) are left out.

use crate::cli::Cli;
use crate::error::Result;
use clap::CommandFactory;
use clap_complete::env::{CompleteEnv, Shells};
use clap_mangen::Man;

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

/// The roff man page (`just man` writes it to target/scaffold.1).
///
/// One self-contained page: clap_mangen's own page lists the subcommands as `scaffold-new(1)`
/// and so on, pages nobody installs, so each command gets a section here instead, with its
/// synopsis, options and examples.
pub fn man() -> crate::error::Result<()> {
    let mut cmd = Cli::command();
    // Sets every subcommand's bin name (`scaffold upgrade`) for its synopsis.
    cmd.build();
    let page = Man::new(cmd.clone());
    let mut out = String::new();
    out += &piece(|w| page.render_title(w))?;
    out += &piece(|w| page.render_name_section(w))?;
    out += &piece(|w| page.render_synopsis_section(w))?;
    out += &piece(|w| page.render_description_section(w))?;
    out += &piece(|w| page.render_options_section(w))?;
    // The global flags are described once, above; `--help` goes without saying.
    let globals: Vec<clap::Id> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().clone())
        .collect();
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("scaffold {}", sub.get_name()).to_uppercase();
        out += &format!(".SH \"{}\"\n", name.replace('-', "\\-"));
        let sub = sub.clone().mut_args(|a| {
            let own = !globals.contains(a.get_id()) && a.get_id() != "help";
            a.hide(!own)
        });
        let man = Man::new(sub.clone());
        out += &body(&piece(|w| man.render_synopsis_section(w))?);
        out += ".PP\n";
        out += &body(&piece(|w| man.render_description_section(w))?);
        let options = body(&piece(|w| man.render_options_section(w))?);
        if !options.is_empty() {
            out += &format!(".SS Options\n{options}");
        }
        if sub.get_after_help().is_some() {
            out += &examples(".SS", &piece(|w| man.render_extra_section(w))?);
        }
    }
    if cmd.get_after_help().is_some() {
        out += &examples(".SH", &piece(|w| page.render_extra_section(w))?);
    }
    out += &piece(|w| page.render_version_section(w))?;
    // The apostrophe preamble once, at the top, as a single render would write it.
    crate::ui::print(&format!("{PREAMBLE}{out}"))
}

/// roff's definition of `\*(Aq`, which every clap_mangen render starts with.
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// One rendered section, without the preamble.
fn piece(
    render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> crate::error::Result<String> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    let text = String::from_utf8(buf)?;
    Ok(text.strip_prefix(PREAMBLE).unwrap_or(&text).to_string())
}

/// A section's lines without its `.SH` heading (the command's section holds them).
fn body(section: &str) -> String {
    section
        .lines()
        .filter(|l| !l.starts_with(".SH "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The after-help text (examples, aligned in columns) under an `Examples` heading, unfilled so
/// the columns survive.
fn examples(heading: &str, extra: &str) -> String {
    let lines: Vec<&str> = extra.lines().filter(|l| !l.starts_with(".SH ")).collect();
    let lines = match lines.first() {
        Some(&"Examples:") => &lines[1..],
        _ => &lines[..],
    };
    let title = if heading == ".SH" {
        "EXAMPLES"
    } else {
        "Examples"
    };
    let mut out = format!("{heading} {title}\n.nf\n");
    for l in lines {
        out += l;
        out.push('\n');
    }
    out + ".fi\n"
}
