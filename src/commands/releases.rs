//! `scaffold releases [--refresh]`: every known Nakama release and what scaffold can do with
//! it; `--refresh` has [`crate::versions::refresh`] learn newer ones from the Go module proxy.

use super::Outcome;
use crate::cli::ReleasesArgs;
use crate::ui::{Report, Ui};
use crate::versions::{self, refresh};

pub fn run(args: ReleasesArgs, ui: Ui) -> Outcome {
    if args.refresh {
        return learn(ui);
    }
    let rows: Vec<serde_json::Value> = versions::releases().iter().map(row).collect();
    let report = Report::new("releases", &crate::ui::here()).with("releases", rows);
    let mut text = format!(
        "{:<8} {:<14} {:<8} {:<10} {}\n",
        "nakama", "nakama-common", "go", "protobuf", "new/upgrade"
    );
    for r in versions::releases() {
        let status = match r.not_offered() {
            None => "offered".to_string(),
            Some(why) => format!("not offered: {why}"),
        };
        text.push_str(&format!(
            "{:<8} {:<14} {:<8} {:<10} {status}\n",
            r.nakama, r.nakama_common, r.go, r.protobuf
        ));
    }
    ui.out(&text)?;
    Ok(Some(report))
}

/// `--refresh`: what was learned, said line by line; with `--json`, the learned rows are the
/// report's `releases` (empty when nothing newer was found).
fn learn(ui: Ui) -> Outcome {
    let learned = refresh::refresh()?;
    let mut report = Report::new("releases", &crate::ui::here());
    if learned.rows.is_empty() {
        ui.status(
            "Fresh",
            "the Go module proxy has no Nakama release newer than the known ones",
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
