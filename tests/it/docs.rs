//! The releases the documentation shows in use are ones scaffold offers: every Nakama release
//! in a fenced block (commands, config, example output) and in a code span a reader would run or
//! write (a command, a config line, an image tag) of README.md, CONTRIBUTING.md, CHANGELOG.md
//! and docs/, and anywhere in `--help` of every command. A refused release (3.38.0: its
//! pluginbuilder's Go is not its server's) copied from the docs would fail. Prose, and an error
//! quoted to explain one, may still name a refused release to say why it is refused.

use crate::common::*;
use std::collections::BTreeSet;

/// `3.40.0`-shaped words in `text` (a Nakama 3.x release: three numbers, the first 3).
fn releases_in(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(?:^|[^0-9.v])(3\.[0-9]+\.[0-9]+)(?:$|[^0-9.])").unwrap();
    let mut found = Vec::new();
    // Overlapping matches (`3.39.0, 3.40.0`): search again from each match's release.
    let mut at = 0;
    while let Some(c) = re.captures_at(text, at) {
        let m = c.get(1).unwrap();
        found.push(m.as_str().to_string());
        at = m.end();
    }
    found
}

/// What a reader would copy from a Markdown file: fenced code blocks and inline code spans.
fn code_in(markdown: &str) -> Vec<String> {
    let mut code = Vec::new();
    let mut fence: Option<String> = None;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            match fence.take() {
                Some(block) => code.push(block),
                None => fence = Some(String::new()),
            }
            continue;
        }
        match &mut fence {
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => code.extend(
                line.split('`')
                    .skip(1)
                    .step_by(2)
                    .filter(|s| is_used(s))
                    .map(str::to_string),
            ),
        }
    }
    code
}

/// An inline code span a reader would run or write (a command, a config line, an image tag),
/// not a message quoted to explain one: `error: Nakama 3.38.0 is known but not offered`.
fn is_used(span: &str) -> bool {
    ["scaffold ", "--nakama", "nakama =", "nakama:"]
        .iter()
        .any(|w| span.contains(w))
}

fn documents() -> Vec<(String, String)> {
    let mut docs = vec![
        ("README.md".to_string(), crate_file("README.md")),
        ("CONTRIBUTING.md".to_string(), crate_file("CONTRIBUTING.md")),
        ("CHANGELOG.md".to_string(), crate_file("CHANGELOG.md")),
    ];
    let mut names: Vec<_> = std::fs::read_dir(crate_path("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    for name in names {
        let rel = format!("docs/{name}");
        docs.push((rel.clone(), crate_file(&rel)));
    }
    docs
}

fn offered() -> BTreeSet<String> {
    scaffold::versions::offered()
        .map(|r| r.nakama.clone())
        .collect()
}

#[test]
fn the_docs_use_only_offered_releases() {
    let offered = offered();
    let mut wrong = Vec::new();
    let mut seen = 0;
    for (name, text) in documents() {
        for code in code_in(&text) {
            for release in releases_in(&code) {
                seen += 1;
                if !offered.contains(&release) {
                    wrong.push(format!("{name}: {release} in `{}`", code.trim()));
                }
            }
        }
    }
    assert!(seen > 0, "the docs show a release somewhere");
    assert!(
        wrong.is_empty(),
        "releases scaffold does not offer (see `scaffold releases`):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_help_example_uses_an_offered_release() {
    let offered = offered();
    let top = scaffold().arg("--help").output().unwrap();
    let top = String::from_utf8(top.stdout).unwrap();
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 12, "{commands:?}");
    let mut wrong = Vec::new();
    let mut seen = 0;
    for command in commands.iter().map(String::as_str).chain(["man", ""]) {
        let args: Vec<&str> = [command, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let out = scaffold().args(&args).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        for release in releases_in(&help) {
            seen += 1;
            if !offered.contains(&release) {
                wrong.push(format!("scaffold {command} --help: {release}"));
            }
        }
    }
    assert!(seen > 0, "the examples name releases");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The test reads what it should: a refused release in a code span or block is caught, prose
/// and quoted errors are not, and neighbours in a list are all found.
#[test]
fn the_reader_finds_releases_where_a_reader_would_copy_them() {
    let md = "Prose about 3.38.0 is fine.\n\n```sh\nscaffold new x --nakama 3.38.0\n```\n\nOr `nakama = \"3.36.0\"` and `error: Nakama 3.38.0 is known but not offered`.\n";
    let found: Vec<String> = code_in(md).iter().flat_map(|c| releases_in(c)).collect();
    assert_eq!(found, ["3.38.0", "3.36.0"]);
    assert_eq!(
        releases_in("3.39.0, 3.40.0 v1.36.11 go1.26.5 13.38.0"),
        ["3.39.0", "3.40.0"]
    );
    assert!(!offered().contains("3.38.0"), "3.38.0 is refused");
}
