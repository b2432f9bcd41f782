//! The questions `scaffold new` asks on a terminal (dialoguer). Only called when stdin and
//! stderr are terminals; every question also has a flag.

use crate::error::Result;
use crate::go::names;
use crate::versions;
use dialoguer::theme::{ColorfulTheme, Theme};
use dialoguer::{Confirm, Input, Select};
use std::fmt;

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

/// Shows the cursor and says what happened, then ends the program the way Ctrl-C does.
fn die_of_ctrl_c() -> ! {
    let term = console::Term::stderr();
    let _ = term.show_cursor();
    // On a line of its own: the prompt's line may hold typed text.
    let _ = term.write_line("\nerror: interrupted by Ctrl-C; run the command again to start over");
    #[cfg(unix)]
    let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGINT);
    std::process::exit(130)
}

/// dialoguer's colourful theme, with every prompt and error folded to the terminal's width.
/// dialoguer erases a prompt by counting the line breaks it wrote: a line the terminal wrapped
/// by itself is not counted, and was left on the screen when the prompt was asked again or
/// answered. Breaks written here are counted.
struct Fitted {
    inner: ColorfulTheme,
    width: usize,
}

fn theme() -> Fitted {
    let (_, cols) = console::Term::stderr().size();
    Fitted {
        inner: ColorfulTheme::default(),
        width: usize::from(cols).max(20),
    }
}

impl Fitted {
    /// A prompt folded to leave room for the answer shown beside it (at most half the line).
    fn fold_beside(&self, prompt: &str, answer: &str) -> String {
        let room = MARKS + console::measure_text_width(answer);
        self.fold(prompt, room.min(self.width / 2))
    }

    /// `text` broken at spaces into lines of at most `width - room` columns (a longer word
    /// is cut), `room` being what the theme writes beside it on the same line.
    fn fold(&self, text: &str, room: usize) -> String {
        let max = self.width.saturating_sub(room).max(10);
        let mut out = String::new();
        let mut line = 0;
        for word in text.split(' ') {
            let mut word = word.to_string();
            let w = console::measure_text_width(&word);
            if line > 0 && line + 1 + w > max {
                out.push('\n');
                line = 0;
            } else if line > 0 {
                out.push(' ');
                line += 1;
            }
            while console::measure_text_width(&word) > max - line {
                let cut: String = word.chars().take(max - line).collect();
                word = word[cut.len()..].to_string();
                out.push_str(&cut);
                out.push('\n');
                line = 0;
            }
            line += console::measure_text_width(&word);
            out.push_str(&word);
        }
        out
    }
}

/// Room for the theme's marks beside a prompt (`? `, ` › `, `✔ `, ` · `).
const MARKS: usize = 6;

/// The columns a typed answer (a module path, a name) should find left on the prompt's line.
const ANSWER_ROOM: usize = 32;

impl Theme for Fitted {
    fn format_error(&self, f: &mut dyn fmt::Write, err: &str) -> fmt::Result {
        self.inner.format_error(f, &self.fold(err, 3))
    }

    fn format_input_prompt(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        default: Option<&str>,
    ) -> fmt::Result {
        let room = MARKS + default.map_or(0, |d| console::measure_text_width(d) + 3);
        let prompt = self.fold(prompt, room.min(self.width / 2));
        let mut text = String::new();
        self.inner
            .format_input_prompt(&mut text, &prompt, default)?;
        // The answer is typed after the prompt: where less than a short answer's room is
        // left, it goes on a line of its own, so that it does not wrap either.
        let last = text.rsplit('\n').next().unwrap_or_default();
        if console::measure_text_width(last) + ANSWER_ROOM > self.width {
            text.push('\n');
        }
        f.write_str(&text)
    }

    fn format_input_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> fmt::Result {
        let prompt = self.fold_beside(prompt, sel);
        self.inner.format_input_prompt_selection(f, &prompt, sel)
    }

    fn format_confirm_prompt(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        default: Option<bool>,
    ) -> fmt::Result {
        self.inner
            .format_confirm_prompt(f, &self.fold(prompt, MARKS + 8), default)
    }

    fn format_confirm_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        selection: Option<bool>,
    ) -> fmt::Result {
        self.inner
            .format_confirm_prompt_selection(f, &self.fold(prompt, MARKS + 4), selection)
    }

    fn format_select_prompt(&self, f: &mut dyn fmt::Write, prompt: &str) -> fmt::Result {
        self.inner
            .format_select_prompt(f, &self.fold(prompt, MARKS))
    }

    fn format_select_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> fmt::Result {
        let prompt = self.fold_beside(prompt, sel);
        self.inner.format_select_prompt_selection(f, &prompt, sel)
    }

    fn format_select_prompt_item(
        &self,
        f: &mut dyn fmt::Write,
        text: &str,
        active: bool,
    ) -> fmt::Result {
        self.inner.format_select_prompt_item(f, text, active)
    }
}

/// An empty answer to a question without a default: said, not silently asked again.
fn not_empty(s: &str) -> std::result::Result<(), String> {
    match s.trim().is_empty() {
        true => Err("type an answer: this question has no default to take".into()),
        false => Ok(()),
    }
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
    let theme = theme();
    let mut input = Input::<String>::with_theme(&theme)
        .with_prompt("Project name")
        .allow_empty(true)
        .validate_with(|s: &String| {
            not_empty(s)?;
            names::check_project_name(s).map_err(|e| e.to_string())
        });
    if let Some(d) = default {
        input = input.default(d.to_string());
    }
    answer(input.interact_text())
}

pub fn module_path(default: &str) -> Result<String> {
    answer(
        Input::<String>::with_theme(&theme())
            .with_prompt("Go module path")
            .default(default.to_string())
            .validate_with(|s: &String| names::check_module_path(s))
            .interact_text(),
    )
}

/// Offers the releases `new` can make, newest first, with `default` selected.
pub fn nakama_version(default: &str) -> Result<String> {
    let offered: Vec<&versions::Release> = versions::offered().collect();
    let theme = theme();
    let full = |r: &versions::Release| {
        format!(
            "{}  (nakama-common {}, Go {})",
            r.nakama, r.nakama_common, r.go
        )
    };
    // dialoguer erases a list by its lines: an item the terminal wraps would stay on screen.
    let fits = offered.iter().all(|r| full(r).len() + 4 <= theme.width);
    let items: Vec<String> = offered
        .iter()
        .map(|r| match fits {
            true => full(r),
            false => format!("{} · {} · Go {}", r.nakama, r.nakama_common, r.go),
        })
        .collect();
    let i = Select::with_theme(&theme)
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
    let theme = theme();
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
        Confirm::with_theme(&theme())
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
    let theme = theme();
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
                .allow_empty(true)
                .validate_with(|s: &String| {
                    not_empty(s)?;
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
