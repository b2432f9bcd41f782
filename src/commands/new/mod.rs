//! `scaffold new`: resolve the answers (flags, then prompts), have [`crate::repo::new`] plan
//! the whole repo in memory, then write it at once and start git.

mod answers;

use crate::cli::NewArgs;
use crate::repo::new::{self, check_destination, Resolved};
use crate::ui::{Report, Ui};

pub fn run(args: NewArgs, ui: Ui) -> crate::commands::Outcome {
    let r = answers::resolve(&args)?;
    if args.dry_run {
        check_destination(&r.dir, args.force)?;
        return write(&r, &args, ui);
    }
    // The folder is made and locked first, and checked and filled under the lock: two `new`s
    // into one folder run one after the other (the second finds it full), and a `new` killed
    // part way is undone by the next before it looks.
    check_destination(&r.dir, true)?; // a file there is refused before any folder is made
    let made = crate::repo::plan::create_root(&r.dir)?;
    let done = crate::commands::hold(&r.dir, ui, true).and_then(|lock| {
        check_destination(&r.dir, args.force)?;
        let report = write(&r, &args, ui)?;
        drop(lock);
        Ok(report)
    });
    // Folders this run made go again when it failed (the lock, if it was taken, is gone with
    // it; one another run holds stays, and keeps its folder).
    if done.is_err() {
        for dir in made.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
    done
}

/// Plans the repo, then writes it (or lists it for a dry run) and reports.
fn write(r: &Resolved, args: &NewArgs, ui: Ui) -> crate::commands::Outcome {
    let made = new::make(r, args.dry_run)?;
    let mut report = Report::new("new", &r.dir);
    report.dry_run = args.dry_run;
    report.created = made.created;
    report.skipped = made.skipped;
    report.warnings = made.warnings;
    if args.dry_run {
        ui.status(
            "Would create",
            &format!("{} in {}", r.name, r.dir.display()),
        );
        let listing: String = report
            .created
            .iter()
            .map(|f| format!("{}\n", r.dir.join(f).display()))
            .collect();
        ui.out(&listing)?;
    } else {
        ui.status(
            "Created",
            &format!(
                "{} (Nakama {}, nakama-common {}, Go {}) in {}",
                r.name,
                r.release.nakama,
                r.release.nakama_common,
                r.release.go,
                r.dir.display()
            ),
        );
    }
    for w in &report.warnings {
        ui.warn(w);
    }
    if !args.dry_run && !ui.quiet && !ui.json {
        crate::ui::eprint_line(&new::next_steps(r));
    }
    Ok(Some(report))
}

/// The module path `new` proposes: inside a clone, the one its `origin` remote names (plus the
/// folder below the clone's root); else the config's `module_prefix` (or example.com) and the
/// project's name.
fn default_module(
    config: &crate::scaffold::config::Config,
    dir: &std::path::Path,
    name: &str,
) -> String {
    crate::repo::git::module_from_remote(dir).unwrap_or_else(|| {
        let prefix = config.module_prefix.as_deref().unwrap_or("example.com");
        format!(
            "{}/{}",
            prefix.trim_end_matches('/'),
            name.to_ascii_lowercase()
        )
    })
}
