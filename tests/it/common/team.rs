//! The team-scaffold tests' sandbox and fixture: a sandbox per test (HOME, XDG_CONFIG_HOME,
//! XDG_CACHE_HOME and TMPDIR in its own temp folder, so no developer config is read and leftover temp folders
//! show), git repositories built with git2, and the team scaffold fixture itself.

use super::{crate_path, output, read, scaffold, tmp, write, Out};
use git2::{IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The built-in scaffold's source folder, which `eject` must reproduce byte for byte.
pub fn builtin_source() -> PathBuf {
    crate_path("scaffolds/nakama-go")
}

/// A test's sandbox: everything it writes lives below `root`, which is removed at the end.
pub struct Env {
    root: tempfile::TempDir,
    /// The working folder commands run in.
    pub work: PathBuf,
    pub home: PathBuf,
    pub xdg: PathBuf,
    /// XDG_CACHE_HOME: where scaffold keeps the kinds of the scaffolds repos were made from.
    pub cache: PathBuf,
    /// TMPDIR of every command: nothing may be left in it.
    pub tmp: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let root = tmp();
        let make = |name: &str| {
            let p = root.path().join(name);
            fs::create_dir_all(&p).unwrap();
            p
        };
        Env {
            work: make("work"),
            home: make("home"),
            xdg: make("xdg"),
            cache: make("cache"),
            tmp: make("tmp"),
            root,
        }
    }

    /// The sandbox's root (outside `work`, for "outside the scaffold" targets).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// A path inside the working folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.work.join(rel)
    }

    /// `scaffold ARGS` in the working folder, with no terminal and a clean environment.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Out {
        self.run_in(&self.work, args)
    }

    pub fn run_in<S: AsRef<std::ffi::OsStr>>(&self, dir: &Path, args: &[S]) -> Out {
        self.run_env(dir, args, &[])
    }

    /// `scaffold ARGS` in `dir` with extra environment variables.
    pub fn run_env<S: AsRef<std::ffi::OsStr>>(
        &self,
        dir: &Path,
        args: &[S],
        env: &[(&str, &str)],
    ) -> Out {
        self.run_cmd(scaffold(), dir, args, env)
    }

    /// `scaffold ARGS` in the working folder with at most `kib` KiB of address space (through
    /// `ulimit -v`) and `secs` seconds: a render that needs more memory ends the process
    /// (exit 134) instead of slowing the machine, one that never ends is stopped (exit 124).
    pub fn run_capped<S: AsRef<std::ffi::OsStr>>(&self, kib: u64, secs: u32, args: &[S]) -> Out {
        let mut sh = super::clean_command("sh");
        sh.arg("-c")
            .arg(format!(
                "ulimit -v {kib} && exec timeout {secs} \"$0\" \"$@\""
            ))
            .arg(super::bin());
        self.run_cmd(sh, &self.work, args, &[])
    }

    fn run_cmd<S: AsRef<std::ffi::OsStr>>(
        &self,
        mut cmd: assert_cmd::Command,
        dir: &Path,
        args: &[S],
        env: &[(&str, &str)],
    ) -> Out {
        cmd.args(args)
            .current_dir(dir)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.xdg)
            .env("XDG_CACHE_HOME", &self.cache)
            .env("TMPDIR", &self.tmp)
            .env("NO_COLOR", "1");
        // With HOME moved, Go would fetch and build everything again: share the real caches
        // (unless the test gives its own).
        for (k, v) in go_env() {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        output(&mut cmd)
    }

    /// Writes `$XDG_CONFIG_HOME/scaffold/config.toml`.
    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.xdg.join("scaffold/config.toml");
        write(&path, text);
        path
    }

    /// Entries left in TMPDIR by scaffold's clones.
    #[track_caller]
    pub fn assert_no_temp_leftovers(&self) {
        let left: Vec<String> = fs::read_dir(&self.tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("scaffold-template-"))
            .collect();
        assert!(left.is_empty(), "left in TMPDIR: {left:?}");
    }
}

/// Go settings of the developer's real environment, read once before any HOME is moved.
fn go_env() -> &'static [(String, String)] {
    static ENV: OnceLock<Vec<(String, String)>> = OnceLock::new();
    ENV.get_or_init(|| {
        let keys = [
            "GOMODCACHE",
            "GOCACHE",
            "GOFLAGS",
            "GOPROXY",
            "GOSUMDB",
            "GOTOOLCHAIN",
        ];
        let Ok(out) = Command::new("go").arg("env").args(keys).output() else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        keys.iter()
            .zip(text.lines())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

/// A repo's scaffold.toml, parsed.
#[track_caller]
pub fn record(project: &Path) -> toml::Table {
    read(project.join("scaffold.toml"))
        .parse()
        .expect("scaffold.toml is TOML")
}

/// `[scaffold].key` of a record, if present.
pub fn origin<'a>(record: &'a toml::Table, key: &str) -> Option<&'a str> {
    record["scaffold"].get(key).and_then(|v| v.as_str())
}

/// `[answers]` of a record.
pub fn answers(record: &toml::Table) -> toml::Table {
    record
        .get("answers")
        .and_then(|a| a.as_table())
        .cloned()
        .unwrap_or_default()
}

/// A folder's canonical path as scaffold records it.
pub fn canonical(p: &Path) -> String {
    p.canonicalize().unwrap().display().to_string()
}

// ---- git, with git2 only ----

/// `git init` with `main` as the first branch.
pub fn git_init(dir: &Path) -> Repository {
    fs::create_dir_all(dir).unwrap();
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    Repository::init_opts(dir, &opts).unwrap()
}

fn signature() -> Signature<'static> {
    Signature::now("Team Scaffold", "team@example.com").unwrap()
}

/// Commits the whole work tree (additions, changes, deletions) on the current branch.
pub fn commit_all(repo: &Repository, message: &str) -> Oid {
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], IndexAddOption::DEFAULT | IndexAddOption::FORCE, None)
        .unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = signature();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

/// An annotated tag (`annotated`) or a lightweight one.
pub fn tag(repo: &Repository, name: &str, commit: Oid, annotated: bool) {
    let obj = repo.find_object(commit, None).unwrap();
    if annotated {
        repo.tag(name, &obj, &signature(), &format!("release {name}"), false)
            .unwrap();
    } else {
        repo.tag_lightweight(name, &obj, false).unwrap();
    }
}

/// Creates (or moves) a branch to `commit`.
pub fn branch(repo: &Repository, name: &str, commit: Oid) {
    repo.branch(name, &repo.find_commit(commit).unwrap(), true)
        .unwrap();
}

/// The commit a ref or revision names, as git resolves it.
pub fn rev(repo: &Repository, spec: &str) -> String {
    repo.revparse_single(spec)
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .id()
        .to_string()
}

/// `file://` URL of a local repository.
pub fn file_url(dir: &Path) -> String {
    format!("file://{}", dir.canonicalize().unwrap().display())
}

// ---- the team scaffold ----

/// What the team adds to the ejected manifest: a string whose default refers to `{{name}}`
/// and that is validated, a bool, a choice, a string whose default refers to both, and a
/// skip rule.
pub const TEAM_MANIFEST: &str = r#"
[[variable]]
name = "studio"
prompt = "Studio name"
default = "{{name}}-studio"
validate = "^[a-z][a-z0-9-]*$"
validate_message = "use lower-case letters, digits and dashes, starting with a letter"

[[variable]]
name = "ci"
prompt = "Add the GitHub Actions workflow?"
type = "bool"
default = true

[[variable]]
name = "region"
prompt = "Deploy region"
type = "choice"
choices = ["eu", "us", "ap"]
default = "us"

[[variable]]
name = "server"
prompt = "Server host name"
default = "{{studio}}-{{region}}"

[[skip]]
paths = [".github"]
unless = "ci"
"#;

/// A CI workflow: GitHub's own `${{ }}` must reach the repo untouched.
pub const CI_YML: &str = "name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"building ${{ github.sha }} for {{studio}}\"\n";

/// A Go text/template file, to be copied byte for byte.
pub const GREETING_TMPL: &str =
    "Hello {{.Name}}, welcome to {{ .Studio }}!\n{{range .Items}}- {{.}}\n{{end}}";

/// Bytes that are not UTF-8 and hold braces.
pub const BLOB: &[u8] = &[0x00, 0xff, b'{', b'{', 0xfe, b'}', b'}', b'\n'];

pub const TEAM_TXT: &str = "studio={{studio}}\nregion={{region}}\nserver={{server}}\nci={{#if ci}}on{{else}}off{{/if}}\nproject={{name}} module={{module}}\n";

pub const STUDIO_MD: &str = "# {{studio}}\n\nServer {{server}} in {{region}}.\n";

/// The team's own package kind; `RELEASE` is replaced per release of the scaffold.
pub const LEADERBOARD_GO: &str = r#"// Package {{package}} is an acme leaderboard for {{studio}}, built for Go {{go_version}}
// and nakama-common {{nakama_common}}.
package {{package}}

import (
	"context"
	"database/sql"

	"github.com/heroiclabs/nakama-common/runtime"
)

// Release names the team scaffold release this package came from.
const Release = "RELEASE"

// Register is called by packages_gen.go.
func Register(ctx context.Context, logger runtime.Logger, db *sql.DB, nk runtime.NakamaModule, initializer runtime.Initializer) error {
	logger.Info("leaderboard {{package}} from %s", Release)
	return nil
}
"#;

/// The leaderboard kind's Go template at a release (`v1`, `v2`).
pub fn leaderboard_go(release: &str) -> String {
    LEADERBOARD_GO.replace("RELEASE", release)
}

/// `scaffold eject DIR` in the sandbox.
#[track_caller]
pub fn eject(env: &Env, dir: &Path) {
    env.run(&["eject".as_ref(), dir.as_os_str()]).ok();
}

/// The team scaffold in `dir`: the ejected built-in one, plus the team's variables, files and
/// `leaderboard` kind.
pub fn make_team_scaffold(env: &Env, dir: &Path) {
    env.run(&[
        "eject".as_ref(),
        dir.as_os_str(),
        "--name".as_ref(),
        "acme".as_ref(),
    ])
    .ok();
    let manifest = dir.join("template.toml");
    let mut text = read(&manifest);
    assert!(text.contains("\nname = \"acme\"\n"), "{text}");
    text.push_str("min_scaffold = \"0.1.0\"\n");
    text.push_str(TEAM_MANIFEST);
    write(&manifest, text);
    write(dir.join("project/{{studio}}.md.hbs"), STUDIO_MD);
    write(dir.join("project/team.txt.hbs"), TEAM_TXT);
    write(dir.join("project/.github/workflows/ci.yml"), CI_YML);
    write(dir.join("project/templates/greeting.tmpl"), GREETING_TMPL);
    write(dir.join("project/assets/blob.bin"), BLOB);
    write(
        dir.join("kinds/leaderboard/manifest.toml"),
        "description = \"acme leaderboard: ranks players by score\"\n",
    );
    write(
        dir.join("kinds/leaderboard/{{package}}/{{package}}.go.hbs"),
        leaderboard_go("v1"),
    );
}

/// The files the team scaffold adds to a repo, for studio `studio` with CI on.
pub fn team_files(studio: &str) -> Vec<String> {
    vec![
        format!("{studio}.md"),
        "team.txt".into(),
        ".github/workflows/ci.yml".into(),
        "templates/greeting.tmpl".into(),
        "assets/blob.bin".into(),
    ]
}

/// `new DEST --yes --no-git` plus `extra`.
pub fn new_args<'a>(dest: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["new", dest, "--yes", "--no-git"];
    args.extend_from_slice(extra);
    args
}
