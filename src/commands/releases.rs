//! `scaffold releases [--refresh]`: every known Nakama release and what scaffold can do with
//! it (whether `new` and `upgrade` offer it, whether `scaffold dev` can run it here); `--refresh`
//! has [`crate::versions::refresh`] learn newer ones from the Go module proxy.

use super::Outcome;
use crate::cli::ReleasesArgs;
use crate::ui::{Report, Ui};
use crate::versions::{self, refresh};

pub fn run(args: ReleasesArgs, ui: Ui) -> Outcome {
    if args.refresh {
        return learn(ui);
    }
    let all: Vec<&versions::Release> = versions::releases().iter().collect();
    let here = dev_here(&all);
    let rows: Vec<serde_json::Value> = all
        .iter()
        .zip(&here)
        .map(|(r, (word, _, why))| {
            let mut row = row(r);
            row["dev"] = (*word).into();
            row["dev_why"] = why.clone().into();
            row
        })
        .collect();
    let report = Report::new("releases", &crate::ui::here()).with("releases", rows);
    let mut text = format!(
        "{:<8} {:<14} {:<8} {:<10} {:<22} {}\n",
        "nakama", "nakama-common", "go", "protobuf", "scaffold dev here", "new/upgrade"
    );
    for (r, (_, cell, _)) in all.iter().zip(&here) {
        let status = match r.not_offered() {
            None => "offered".to_string(),
            Some(why) => format!("not offered: {why}"),
        };
        text.push_str(&format!(
            "{:<8} {:<14} {:<8} {:<10} {cell:<22} {status}\n",
            r.nakama, r.nakama_common, r.go, r.protobuf
        ));
    }
    ui.out(&text)?;
    Ok(Some(report))
}

/// Whether `scaffold dev` can run each release here ([`crate::dev::avail`]: its server
/// built, or its server's module served by the Go module proxy): (`yes`/`no`/`unknown`, the
/// table's cell, why when not yes).
#[cfg(unix)]
fn dev_here(releases: &[&versions::Release]) -> Vec<(&'static str, String, Option<String>)> {
    use crate::dev::avail::Here;
    crate::dev::avail::check(releases)
        .into_iter()
        .map(|h| {
            let why = match &h {
                Here::Unserved(module, why) => Some(format!(
                    "the Go module proxy does not serve {module} ({why})"
                )),
                Here::Unknown(why) => Some(why.clone()),
                Here::Built | Here::Served => None,
            };
            (h.word(), h.cell(), why)
        })
        .collect()
}

/// Go has no `-buildmode=plugin` on Windows: `scaffold dev` runs nothing there.
#[cfg(not(unix))]
fn dev_here(releases: &[&versions::Release]) -> Vec<(&'static str, String, Option<String>)> {
    let why = "Go plugins cannot be built on Windows".to_string();
    releases
        .iter()
        .map(|_| ("no", "no (Windows)".to_string(), Some(why.clone())))
        .collect()
}

/// `--refresh`: what was learned, said line by line; with `--json`, the learned rows are the
/// report's `releases` (empty when nothing newer was found).
fn learn(ui: Ui) -> Outcome {
    let learned = refresh::refresh()?;
    let mut report = Report::new("releases", &crate::ui::here());
    if learned.rows.is_empty() {
        ui.status(
            "Checked",
            "the Go module proxy: no Nakama release newer than the known ones",
        );
    }
    for (r, why) in &learned.rows {
        match why {
            None => ui.status(
                "Learned",
                &format!(
                    "Nakama {} (nakama-common {}, Go {}, protobuf {})",
                    r.nakama, r.nakama_common, r.go, r.protobuf
                ),
            ),
            Some(why) => report.warnings.push(format!(
                "learned Nakama {}, but it is not offered: {why}",
                r.nakama
            )),
        }
    }
    for w in &report.warnings {
        ui.warn(w);
    }
    if !learned.rows.is_empty() {
        ui.status("Saved", &learned.cache.display().to_string());
    }
    let rows: Vec<serde_json::Value> = learned.rows.iter().map(|(r, _)| row(r)).collect();
    Ok(Some(report.with("releases", rows)))
}

/// One release as `--json` lists it: its pins, and whether `new` and `upgrade` offer it.
fn row(r: &versions::Release) -> serde_json::Value {
    serde_json::json!({
        "nakama": r.nakama,
        "nakama_common": r.nakama_common,
        "go": r.go,
        "protobuf": r.protobuf,
        "pluginbuilder_go": r.builder_go(),
        "offered": r.not_offered().is_none(),
        "why_not": r.not_offered(),
    })
}
