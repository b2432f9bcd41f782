//! Finds the `go build` in a RUN instruction and reads its flags, the folder it runs in and the
//! environment it sees (`cd dir &&`, `export X=y`, `CGO_ENABLED=0 go build`, `env X=y go ...`).

use super::parse::{Args, Instruction};
use super::shellwords::commands;

/// The flags of a `go build` that decide whether a plugin builds and loads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoFlags {
    pub buildmode: Option<String>,
    pub trimpath: Option<bool>,
    /// `-mod=vendor|mod|readonly`.
    pub module_mode: Option<String>,
    pub tags: Vec<String>,
    /// `-C dir`.
    pub chdir: Option<String>,
    /// `-o file` (or folder): where the plugin is written.
    pub output: Option<String>,
}

/// One `go build` command found in a RUN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoCommand {
    /// The words after `build`.
    pub args: Vec<String>,
    /// `cd` targets before it in the same script, in order.
    pub cd: Vec<String>,
    /// Variables set for it: `export`s before it, then its own `X=y` prefix (in that order).
    pub env: Vec<(String, String)>,
}

/// Flags of `go build` that take a value (`-o out` as well as `-o=out`).
const VALUE_FLAGS: [&str; 19] = [
    "o",
    "p",
    "mod",
    "modfile",
    "buildmode",
    "tags",
    "ldflags",
    "gcflags",
    "asmflags",
    "gccgoflags",
    "installsuffix",
    "pkgdir",
    "overlay",
    "pgo",
    "toolexec",
    "compiler",
    "C",
    "coverpkg",
    "covermode",
];

/// Whether `go build`'s flag `name` takes a value (`-o out`).
pub fn takes_value(name: &str) -> bool {
    VALUE_FLAGS.contains(&name)
}

/// The scripts a RUN executes: its shell text and heredoc bodies, or its exec-form command.
fn scripts(ins: &Instruction) -> Vec<Vec<Vec<String>>> {
    match &ins.args {
        Args::Exec(v) => {
            let shell = v
                .first()
                .is_some_and(|w| w.ends_with("sh") && v.get(1).is_some_and(|f| f == "-c"));
            if shell {
                vec![commands(v.get(2).map_or("", String::as_str))]
            } else {
                vec![vec![v.clone()]]
            }
        }
        Args::Shell(text) => {
            let mut all = vec![commands(text)];
            all.extend(ins.heredocs.iter().map(|h| commands(&h.body)));
            all
        }
    }
}

fn is_assignment(w: &str) -> Option<(String, String)> {
    let (k, v) = w.split_once('=')?;
    let ok = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| (k.to_string(), v.to_string()))
}

/// One simple command of a RUN's scripts, with the `cd`s before it in the same script and the
/// variables set for it (`export`s before it, then its own `X=y` prefix, in that order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    /// The command and its arguments (after `env` and the assignments).
    pub words: Vec<String>,
    pub cd: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl ShellCommand {
    /// The arguments after `go`, when this runs the go command.
    pub fn go_args(&self) -> Option<&[String]> {
        let cmd = self.words.first()?;
        (cmd == "go" || cmd.ends_with("/go")).then(|| &self.words[1..])
    }
}

/// Every simple command in a RUN instruction, in order (`cd` and `export` included).
pub fn shell_commands(ins: &Instruction) -> Vec<ShellCommand> {
    let mut found = Vec::new();
    for script in scripts(ins) {
        let mut cd = Vec::new();
        let mut exported: Vec<(String, String)> = Vec::new();
        for words in script {
            let mut w = words.as_slice();
            let mut env = exported.clone();
            // `env A=b cmd`, `A=b cmd`, and `sudo`-less plain commands.
            loop {
                match w.first().map(String::as_str) {
                    Some("env") => w = &w[1..],
                    Some(first) => match is_assignment(first) {
                        Some(kv) => {
                            env.push(kv);
                            w = &w[1..];
                        }
                        None => break,
                    },
                    None => break,
                }
            }
            let Some(cmd) = w.first() else {
                // Plain assignments set shell variables; treat them like exports.
                exported = env;
                continue;
            };
            match cmd.as_str() {
                "cd" => cd.push(w.get(1).cloned().unwrap_or_else(|| "~".into())),
                "export" => exported.extend(w[1..].iter().filter_map(|a| is_assignment(a))),
                _ => {}
            }
            found.push(ShellCommand {
                words: w.to_vec(),
                cd: cd.clone(),
                env,
            });
        }
    }
    found
}

/// Every `go build` in a RUN instruction.
pub fn go_builds(ins: &Instruction) -> Vec<GoCommand> {
    shell_commands(ins)
        .into_iter()
        .filter_map(|c| {
            let args = c.go_args()?;
            (args.first().map(String::as_str) == Some("build")).then(|| GoCommand {
                args: args[1..].to_vec(),
                cd: c.cd.clone(),
                env: c.env.clone(),
            })
        })
        .collect()
}

/// The script a RUN hands the build to, when it runs one doctor cannot read as a build:
/// `bash build.sh`, `sh -e scripts/build.sh`, `./build.sh`, `make plugin` (the Makefile).
pub fn script_run(ins: &Instruction) -> Option<String> {
    for script in scripts(ins) {
        for words in script {
            let mut w = words.as_slice();
            while w
                .first()
                .is_some_and(|x| is_assignment(x).is_some() || x == "env")
            {
                w = &w[1..];
            }
            let Some(cmd) = w.first() else { continue };
            let name = cmd.rsplit('/').next().unwrap_or(cmd);
            let found = match name {
                "bash" | "sh" | "dash" | "zsh" => {
                    w[1..].iter().find(|a| !a.starts_with('-')).cloned()
                }
                "make" => Some("Makefile".to_string()),
                _ if cmd.starts_with("./") || cmd.ends_with(".sh") => Some(cmd.clone()),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
    }
    None
}

/// Reads `go build`'s flags (GOFLAGS first, the command line overriding it) and its package
/// arguments.
pub fn parse_flags(args: &[String], goflags: Option<&str>) -> (GoFlags, Vec<String>) {
    let mut flags = GoFlags::default();
    if let Some(g) = goflags {
        let words: Vec<String> = g.split_whitespace().map(str::to_string).collect();
        read(&words, &mut flags);
    }
    let packages = read(args, &mut flags);
    (flags, packages)
}

fn read(args: &[String], flags: &mut GoFlags) -> Vec<String> {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        let Some(body) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')) else {
            break;
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let value = if VALUE_FLAGS.contains(&name) && inline.is_none() {
            i += 1;
            args.get(i).cloned()
        } else {
            inline
        };
        match name {
            "buildmode" => flags.buildmode = value,
            "trimpath" => {
                flags.trimpath = Some(match value.as_deref() {
                    None => true,
                    Some(v) => v == "true" || v == "1",
                })
            }
            "mod" => flags.module_mode = value,
            "tags" => {
                flags.tags = value
                    .unwrap_or_default()
                    .split([',', ' '])
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            "C" => flags.chdir = value,
            "o" => flags.output = value,
            _ => {}
        }
        i += 1;
    }
    args[i.min(args.len())..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::parse::parse;

    fn builds(df: &str) -> Vec<GoCommand> {
        let df = parse(df);
        df.instructions.iter().flat_map(go_builds).collect()
    }

    #[test]
    fn finds_go_build_with_env_and_cd() {
        let found = builds("FROM x\nRUN export GOFLAGS=-mod=vendor && cd src && \\\n  env CGO_ENABLED=0 /usr/local/go/bin/go build --trimpath --buildmode=plugin -o ./b.so\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].cd, vec!["src"]);
        assert_eq!(
            found[0].env,
            vec![
                ("GOFLAGS".into(), "-mod=vendor".into()),
                ("CGO_ENABLED".into(), "0".into())
            ]
        );
        let heredoc = builds("FROM x\nRUN <<EOF\nset -e\ngo build -buildmode plugin .\nEOF\n");
        assert_eq!(heredoc[0].args, vec!["-buildmode", "plugin", "."]);
        let exec = builds("FROM x\nRUN [\"go\", \"build\", \"-trimpath\"]\nRUN [\"/bin/sh\", \"-c\", \"go build ./cmd\"]\n");
        assert_eq!(exec.len(), 2);
        assert!(builds("FROM x\nRUN go mod download && go vet ./...\n").is_empty());
    }

    #[test]
    fn reads_flags() {
        let args: Vec<String> =
            "--trimpath -mod vendor -o ./backend.so -buildmode=plugin -tags=a,b ./cmd/plugin"
                .split(' ')
                .map(String::from)
                .collect();
        let (f, pkgs) = parse_flags(&args, Some("-mod=mod -trimpath=false"));
        assert_eq!(f.buildmode.as_deref(), Some("plugin"));
        assert_eq!(f.trimpath, Some(true));
        assert_eq!(f.module_mode.as_deref(), Some("vendor"));
        assert_eq!(f.tags, vec!["a", "b"]);
        assert_eq!(pkgs, vec!["./cmd/plugin"]);
        assert_eq!(f.output.as_deref(), Some("./backend.so"));
        let (f, pkgs) = parse_flags(&[], Some("-trimpath=false"));
        assert_eq!(f.trimpath, Some(false));
        assert!(pkgs.is_empty());
    }
}
