//! The questions `scaffold new` asks on a terminal (dialoguer). Only called when stdin and
//! stderr are terminals; every question also has a flag.

use crate::error::Result;
use crate::go::names;
use crate::versions;
use dialoguer::{theme::ColorfulTheme, Confirm, Input, Select};

/// True when we may ask: both the keyboard and the screen are a terminal.
pub fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Makes Ctrl-C show the cursor again before it ends the program. dialoguer hides the cursor
/// while a select or confirm prompt waits for a key, and a Ctrl-C there (console raises
/// SIGINT for it) would otherwise end the program with the user's terminal cursor still
/// hidden. Ctrl-C keeps its meaning: the program then dies of SIGINT, as it would have.
/// Called once, before the first question.
pub fn restore_cursor_on_interrupt() {
    #[cfg(unix)]
    {
        use signal_hook::consts::SIGINT;
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT]) else {
            return;
        };
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                die_of_ctrl_c();
            }
        });
    }
}

/// Shows the cursor, then ends the program the way Ctrl-C does.
fn die_of_ctrl_c() -> ! {
    let _ = console::Term::stderr().show_cursor();
    #[cfg(unix)]
    let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGINT);
    std::process::exit(130)
}

/// A prompt's answer; Ctrl-C (which dialoguer returns as an interrupted read once the handler
/// above has caught the signal) ends the program with the cursor shown.
fn answer<T>(r: std::result::Result<T, dialoguer::Error>) -> Result<T> {
    match r {
        Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
            die_of_ctrl_c()
        }
        other => Ok(other?),
    }
}

pub fn project_name(default: Option<&str>) -> Result<String> {
    let theme = ColorfulTheme::default();
    let mut input = Input::<String>::with_theme(&theme)
        .with_prompt("Project name")
        .validate_with(|s: &String| names::check_project_name(s));
    if let Some(d) = default {
        input = input.default(d.to_string());
    }
    answer(input.interact_text())
}

pub fn module_path(default: &str) -> Result<String> {
    answer(
        Input::<String>::with_theme(&ColorfulTheme::default())
            .with_prompt("Go module path")
            .default(default.to_string())
            .validate_with(|s: &String| names::check_module_path(s))
            .interact_text(),
    )
}

/// Offers the releases `new` can make, newest first, with `default` selected.
pub fn nakama_version(default: &str) -> Result<String> {
    let offered: Vec<&versions::Release> = versions::offered().collect();
    let items: Vec<String> = offered
        .iter()
        .map(|r| {
            format!(
                "{}  (nakama-common {}, Go {})",
                r.nakama, r.nakama_common, r.go
            )
        })
        .collect();
    let i = Select::with_theme(&ColorfulTheme::default())
        .with_prompt("Nakama version")
        .items(&items)
        .default(
            offered
                .iter()
                .position(|r| r.nakama == default)
                .unwrap_or(0),
        )
        .interact();
    Ok(offered[answer(i)?].nakama.clone())
}

/// Asks whether to add a first package, then its name; `None` for no package.
pub fn first_package() -> Result<Option<String>> {
    let theme = ColorfulTheme::default();
    if !answer(
        Confirm::with_theme(&theme)
            .with_prompt("Add a first package?")
            .default(true)
            .interact(),
    )? {
        return Ok(None);
    }
    let name = answer(
        Input::<String>::with_theme(&theme)
            .with_prompt("Package name")
            .default("profile".into())
            .validate_with(|s: &String| names::check_package_name(s).map_err(|e| e.to_string()))
            .interact_text(),
    )?;
    Ok(Some(name))
}

pub fn git_init() -> Result<bool> {
    answer(
        Confirm::with_theme(&ColorfulTheme::default())
            .with_prompt("Start a git repository?")
            .default(true)
            .interact(),
    )
}

/// Asks for one of a scaffold's own variables.
pub fn variable(
    var: &crate::scaffold::manifest::Variable,
    default: Option<&toml::Value>,
) -> Result<toml::Value> {
    use crate::scaffold::manifest::VarKind;
    let theme = ColorfulTheme::default();
    Ok(match var.kind {
        VarKind::Bool => toml::Value::Boolean(answer(
            Confirm::with_theme(&theme)
                .with_prompt(&var.prompt)
                .default(default.and_then(|d| d.as_bool()).unwrap_or(false))
                .interact(),
        )?),
        VarKind::Choice => {
            let at = default
                .and_then(|d| d.as_str())
                .and_then(|d| var.choices.iter().position(|c| c == d))
                .unwrap_or(0);
            let i = Select::with_theme(&theme)
                .with_prompt(&var.prompt)
                .items(&var.choices)
                .default(at)
                .interact();
            let i = answer(i)?;
            toml::Value::String(var.choices[i].clone())
        }
        VarKind::String => {
            let mut input = Input::<String>::with_theme(&theme)
                .with_prompt(&var.prompt)
                .validate_with(|s: &String| {
                    var.check(&toml::Value::String(s.clone()))
                        .map_err(|e| e.to_string())
                });
            if let Some(d) = default.and_then(|d| d.as_str()) {
                input = input.default(d.to_string());
            }
            toml::Value::String(answer(input.interact_text())?)
        }
    })
}
