//! `scaffold man` (hidden): the roff man page, from the same clap definition as `--help`.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_mangen::Man;

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
