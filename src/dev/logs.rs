//! Nakama's JSON log lines made readable: `12:46:09 INFO  msg key=value`, coloured by level.

use console::style;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// A JSON object's fields in the order Nakama wrote them (serde_json's map would sort them,
/// and `msg` before its details reads better).
struct Fields(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    fields.push(pair);
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(V)
    }
}

/// How bad a line is; decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Level::Debug,
            "warn" | "warning" => Level::Warn,
            "error" | "dpanic" | "panic" | "fatal" => Level::Error,
            _ => Level::Info,
        }
    }
}

/// One server log line for the terminal. Lines that are not Nakama JSON (a Go panic's stack,
/// say) pass through unchanged. `colour` is decided once by the caller (terminal, NO_COLOR).
pub fn format_line(line: &str, colour: bool) -> String {
    let trimmed = line.trim_end();
    let Ok(Fields(fields)) = serde_json::from_str::<Fields>(trimmed) else {
        return trimmed.to_string();
    };
    let text = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            })
    };
    let Some(msg) = text("msg") else {
        return trimmed.to_string();
    };
    let level_name = text("level").unwrap_or("info");
    let level = Level::parse(level_name);
    // Only the time of day: the date is noise in a dev loop.
    let time = text("ts")
        .and_then(|ts| ts.split_once('T'))
        .map(|(_, t)| t.get(..8).unwrap_or(t))
        .unwrap_or("");
    let details: Vec<String> = fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "level" | "ts" | "caller" | "msg"))
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect();
    let tag = format!("{:<5}", level_name.to_ascii_uppercase());
    let tag = match level {
        Level::Debug => style(tag).dim(),
        Level::Info => style(tag).green(),
        Level::Warn => style(tag).yellow().bold(),
        Level::Error => style(tag).red().bold(),
    }
    .force_styling(colour);
    let msg = match level {
        Level::Debug => style(msg).dim(),
        Level::Error => style(msg).red(),
        _ => style(msg),
    }
    .force_styling(colour);
    let mut out = format!("{} {tag} {msg}", style(time).dim().force_styling(colour));
    if !details.is_empty() {
        out.push(' ');
        out.push_str(
            &style(details.join(" "))
                .dim()
                .force_styling(colour)
                .to_string(),
        );
    }
    out
}

/// A field value as `key=value` shows it: bare words bare, everything else as JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s)
            if !s.is_empty() && !s.contains(char::is_whitespace) && !s.contains('"') =>
        {
            s.clone()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_nakama_json_in_field_order() {
        let line = r#"{"level":"info","ts":"2025-11-25T12:46:09.123Z","caller":"server/runtime.go:12","msg":"Found runtime modules","count":1,"modules":["backend.so"]}"#;
        assert_eq!(
            format_line(line, false),
            r#"12:46:09 INFO  Found runtime modules count=1 modules=["backend.so"]"#
        );
    }

    #[test]
    fn quotes_strings_with_spaces() {
        let line =
            r#"{"level":"warn","ts":"2025-11-25T12:46:09Z","msg":"slow","path":"/a b","id":"x1"}"#;
        assert_eq!(
            format_line(line, false),
            r#"12:46:09 WARN  slow path="/a b" id=x1"#
        );
    }

    #[test]
    fn colours_only_when_asked() {
        let line = r#"{"level":"error","ts":"2025-11-25T12:46:09Z","msg":"boom"}"#;
        assert!(!format_line(line, false).contains('\u{1b}'));
        let coloured = format_line(line, true);
        assert!(coloured.contains("\u{1b}[31m"), "{coloured:?}");
    }

    #[test]
    fn passes_other_lines_through() {
        assert_eq!(format_line("panic: oops\n", false), "panic: oops");
        assert_eq!(format_line("[1,2]", false), "[1,2]");
        assert_eq!(format_line(r#"{"a":1}"#, false), r#"{"a":1}"#);
    }
}
