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

pub fn project_name(default: Option<&str>) -> Result<String> {
    let theme = ColorfulTheme::default();
    let mut input = Input::<String>::with_theme(&theme)
        .with_prompt("Project name")
        .validate_with(|s: &String| names::check_project_name(s));
    if let Some(d) = default {
        input = input.default(d.to_string());
    }
    Ok(input.interact_text()?)
}

pub fn module_path(default: &str) -> Result<String> {
    Ok(Input::<String>::with_theme(&ColorfulTheme::default())
        .with_prompt("Go module path")
        .default(default.to_string())
        .validate_with(|s: &String| names::check_module_path(s))
        .interact_text()?)
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
        .interact()?;
    Ok(offered[i].nakama.clone())
}

/// Asks whether to add a first package, then its name; `None` for no package.
pub fn first_package() -> Result<Option<String>> {
    let theme = ColorfulTheme::default();
    if !Confirm::with_theme(&theme)
        .with_prompt("Add a first package?")
        .default(true)
        .interact()?
    {
        return Ok(None);
    }
    let name = Input::<String>::with_theme(&theme)
        .with_prompt("Package name")
        .default("profile".into())
        .validate_with(|s: &String| names::check_package_name(s).map_err(|e| e.to_string()))
        .interact_text()?;
    Ok(Some(name))
}

pub fn git_init() -> Result<bool> {
    Ok(Confirm::with_theme(&ColorfulTheme::default())
        .with_prompt("Start a git repository?")
        .default(true)
        .interact()?)
}

/// Asks for one of a scaffold's own variables.
pub fn variable(
    var: &crate::manifest::Variable,
    default: Option<&toml::Value>,
) -> Result<toml::Value> {
    use crate::manifest::VarKind;
    let theme = ColorfulTheme::default();
    Ok(match var.kind {
        VarKind::Bool => toml::Value::Boolean(
            Confirm::with_theme(&theme)
                .with_prompt(&var.prompt)
                .default(default.and_then(|d| d.as_bool()).unwrap_or(false))
                .interact()?,
        ),
        VarKind::Choice => {
            let at = default
                .and_then(|d| d.as_str())
                .and_then(|d| var.choices.iter().position(|c| c == d))
                .unwrap_or(0);
            let i = Select::with_theme(&theme)
                .with_prompt(&var.prompt)
                .items(&var.choices)
                .default(at)
                .interact()?;
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
            toml::Value::String(input.interact_text()?)
        }
    })
}
