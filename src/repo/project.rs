//! A repo made by scaffold: found by walking up to its `scaffold.toml`, which records how it
//! was made so later commands know the project.

use crate::error::{bail, Context, Result};
use crate::scaffold::Origin;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE: &str = "scaffold.toml";

/// The contents of a repo's scaffold.toml.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub scaffold: Origin,
    pub project: Answers,
    /// Answers to the scaffold's own variables (team scaffolds).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answers: BTreeMap<String, toml::Value>,
    #[serde(default, skip_serializing_if = "Packages::is_empty")]
    pub packages: Packages,
}

/// Package folders the user took out of the build without deleting them
/// (`remove-package` without `--delete`): neither copied nor registered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Packages {
    #[serde(default)]
    pub excluded: Vec<String>,
}

impl Packages {
    fn is_empty(&self) -> bool {
        self.excluded.is_empty()
    }
}

/// The answers the repo was made with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Answers {
    pub name: String,
    pub module: String,
    pub nakama: String,
}

impl Record {
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("a record always serialises");
        format!("# Written by scaffold: how this repo was made, so `scaffold add-package`, `sync` and\n# `upgrade` know it. Commit it.\n{body}")
    }
}

/// Walks up from `start` to the folder holding scaffold.toml.
pub fn find_root(start: &Path) -> Result<PathBuf> {
    let start = start
        .canonicalize()
        .with_context(|| format!("cannot open {}", start.display()))?;
    for dir in start.ancestors() {
        if dir.join(FILE).is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "not inside a scaffold repo: no {FILE} in {} or any parent; run `scaffold new` to make one, or `scaffold sync --adopt` in an existing plugin repo",
        start.display()
    )
}

/// Reads and checks a repo's scaffold.toml.
pub fn load(root: &Path) -> Result<Record> {
    let path = root.join(FILE);
    let text = crate::files::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        crate::error::err!(
            "{} is not a scaffold record ({}); restore it from git, or delete it and run `scaffold sync --adopt`",
            path.display(),
            e.message().split_whitespace().collect::<Vec<_>>().join(" ")
        )
    })
}

/// scaffold.toml's text once the record becomes `updated`, edited in place (toml_edit) so the
/// user's comments and layout stay. Written afresh when the text does not parse, or when the
/// edit would not read back as `updated`.
pub fn record_text(text: &str, updated: &Record) -> String {
    edit_record(text, updated)
        .filter(|edited| toml::from_str::<Record>(edited).ok().as_ref() == Some(updated))
        .unwrap_or_else(|| updated.to_toml())
}

fn edit_record(text: &str, updated: &Record) -> Option<String> {
    use toml_edit::{Array, DocumentMut, Item, Table, Value};
    let mut doc: DocumentMut = text.parse().ok()?;
    let project = doc.get_mut("project")?.as_table_mut()?;
    for (key, new) in [
        ("name", &updated.project.name),
        ("module", &updated.project.module),
        ("nakama", &updated.project.nakama),
    ] {
        let value = project.get_mut(key)?.as_value_mut()?;
        if value.as_str() != Some(new.as_str()) {
            replace_value(value, Value::from(new.as_str()));
        }
    }
    let excluded = &updated.packages.excluded;
    match (doc.get_mut("packages"), excluded.is_empty()) {
        (Some(table), true) => {
            let table = table.as_table_mut()?;
            table.remove("excluded");
            if table.is_empty() {
                doc.remove("packages");
            }
        }
        (Some(table), false) => {
            let array: Array = excluded.iter().map(String::as_str).collect();
            let table = table.as_table_mut()?;
            match table.get_mut("excluded").and_then(Item::as_value_mut) {
                Some(value) => replace_value(value, Value::Array(array)),
                None => table["excluded"] = toml_edit::value(array),
            }
        }
        (None, true) => {}
        (None, false) => {
            let mut table = Table::new();
            table["excluded"] =
                toml_edit::value(excluded.iter().map(String::as_str).collect::<Array>());
            table.decor_mut().set_prefix("\n");
            doc["packages"] = Item::Table(table);
        }
    }
    Some(doc.to_string())
}

/// [`record_text`] for a record whose origin and answers changed too (`update`): `[scaffold]`
/// and `[answers]` are edited in place first, so the user's comments elsewhere stay.
pub fn record_text_with_origin(text: &str, updated: &Record) -> String {
    let edited = edit_origin(text, updated).unwrap_or_else(|| text.to_string());
    record_text(&edited, updated)
}

fn edit_origin(text: &str, updated: &Record) -> Option<String> {
    use toml_edit::{DocumentMut, Item, Table};
    let mut doc: DocumentMut = text.parse().ok()?;
    // The wanted tables, as toml writes them; each key is then set or removed in place.
    let fresh: DocumentMut = updated.to_toml().parse().ok()?;
    for name in ["scaffold", "answers"] {
        let want = fresh.get(name).and_then(Item::as_table);
        match (doc.get_mut(name).and_then(Item::as_table_mut), want) {
            (Some(have), Some(want)) => {
                let gone: Vec<String> = have
                    .iter()
                    .map(|(k, _)| k.to_string())
                    .filter(|k| !want.contains_key(k))
                    .collect();
                for k in gone {
                    have.remove(&k);
                }
                for (k, v) in want.iter() {
                    let new = v.as_value()?.clone();
                    match have.get_mut(k).and_then(Item::as_value_mut) {
                        Some(old) if old.to_string().trim() == new.to_string().trim() => {}
                        Some(old) => replace_value(old, new),
                        None => have[k] = Item::Value(new),
                    }
                }
            }
            (Some(_), None) => {
                doc.remove(name);
            }
            (None, Some(want)) => {
                let mut table = Table::new();
                for (k, v) in want.iter() {
                    table[k] = v.clone();
                }
                table.decor_mut().set_prefix("\n");
                doc[name] = Item::Table(table);
            }
            (None, None) => {}
        }
    }
    Some(doc.to_string())
}

/// Replaces a value, keeping the spacing and any comment after it.
fn replace_value(value: &mut toml_edit::Value, new: toml_edit::Value) {
    let decor = value.decor().clone();
    *value = new;
    *value.decor_mut() = decor;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            scaffold: Origin::builtin(),
            project: Answers {
                name: "g".into(),
                module: "example.com/g".into(),
                nakama: "3.38.0".into(),
            },
            answers: BTreeMap::new(),
            packages: Packages::default(),
        }
    }

    #[test]
    fn edits_in_place_and_round_trips_the_packages_table() {
        let text = format!(
            "# mine\n{}# end\n",
            record()
                .to_toml()
                .replace("nakama = \"3.38.0\"", "nakama = \"3.38.0\" # ours")
        );
        let mut moved = record();
        moved.project.nakama = "3.40.0".into();
        let edited = record_text(&text, &moved);
        assert_eq!(
            edited,
            text.replace("\"3.38.0\" # ours", "\"3.40.0\" # ours")
        );

        moved.packages.excluded = vec!["stats".into()];
        let excluded = record_text(&edited, &moved);
        assert!(
            excluded.ends_with("\n[packages]\nexcluded = [\"stats\"]\n# end\n"),
            "{excluded}"
        );
        moved.packages.excluded.clear();
        assert_eq!(record_text(&excluded, &moved), edited);
    }

    #[test]
    fn a_new_origin_and_answers_are_edited_in_place() {
        let text = format!("{}# end\n", record().to_toml())
            .replace("[project]", "# made by hand\n[project]");
        let mut updated = record();
        updated.scaffold.template = "/srv/acme".into();
        updated.scaffold.commit = Some("abc".into());
        updated.scaffold.template_version = Some(3);
        updated.answers.insert("studio".into(), "acme".into());
        let edited = record_text_with_origin(&text, &updated);
        assert!(edited.contains("# made by hand\n[project]"), "{edited}");
        assert!(
            edited.contains("\n\n[answers]\nstudio = \"acme\"\n"),
            "{edited}"
        );
        assert!(edited.ends_with("# end\n"), "{edited}");
        assert_eq!(toml::from_str::<Record>(&edited).unwrap(), updated);
        // And back: the answers table goes, the commit too.
        let back = record_text_with_origin(&edited, &record());
        assert_eq!(toml::from_str::<Record>(&back).unwrap(), record());
        assert!(back.contains("# made by hand"), "{back}");
    }

    #[test]
    fn unparsable_text_is_written_afresh() {
        assert_eq!(record_text("not = [toml", &record()), record().to_toml());
    }

    const FRESH: &str = "# Written by scaffold\n[scaffold]\nversion = \"0.1.0\"\ntemplate = \"builtin:nakama-go\"\n\n[project]\nname = \"g\"\nmodule = \"example.com/g\"\nnakama = \"3.40.0\"\n";

    fn with(text: &str, excluded: &[&str]) -> String {
        let mut record: Record = toml::from_str(text).unwrap();
        record.packages.excluded = excluded.iter().map(|s| s.to_string()).collect();
        record_text(text, &record)
    }

    #[test]
    fn edits_the_exclusions_in_place() {
        let one = with(FRESH, &["inventory"]);
        assert_eq!(
            one,
            format!("{FRESH}\n[packages]\nexcluded = [\"inventory\"]\n")
        );
        let commented = one
            .replace("excluded = [", "# out for now\nexcluded = [")
            .replace("\"]\n", "\"] # see [notes]\n")
            + "# end\n";
        let two = with(&commented, &["inventory", "stats"]);
        assert_eq!(
            two,
            commented.replace("[\"inventory\"]", "[\"inventory\", \"stats\"]")
        );
        // Back to none: the table goes when nothing else is in it, with the comment that
        // stood on the removed line.
        assert_eq!(with(&one, &[]), FRESH);
        assert_eq!(with(&commented, &[]), format!("{FRESH}# end\n"));
    }

    #[test]
    fn writes_afresh_what_it_cannot_edit() {
        let multi = format!("{FRESH}\n[packages]\nexcluded = [\n  \"a\",\n]\n");
        let out = with(&multi, &["a", "b"]);
        let record: Record = toml::from_str(&out).unwrap();
        assert_eq!(record.packages.excluded, ["a", "b"]);
    }
}
