//! The whole command-line surface (clap derive); doc comments are the help text.

use crate::complete;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCandidates;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "scaffold",
    version,
    about = "Create and maintain Nakama Go plugin repos whose Docker build never misses a package",
    after_help = "Examples:\n  scaffold new mygame                 ask for the rest on a terminal\n  scaffold new mygame --yes           take every default (Nakama 3.40.0, package `profile`)\n  scaffold add-package inventory      add inventory/, wire it, update the Dockerfile\n  scaffold sync --check               in CI: fail when the Dockerfile or wiring is stale\n  scaffold doctor --fix               find and fix what breaks a plugin build\n\nExit codes: 0 ok, 1 failure or problems found, 2 usage error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Print only errors, warnings and what was asked for (diffs, lists)
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print one JSON object describing what was done (files created, changed, skipped, warnings)
    #[arg(long, global = true)]
    pub json: bool,
    /// When to use colours (NO_COLOR is honoured under `auto`)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a Nakama Go plugin repo
    #[command(
        after_help = "Examples:\n  scaffold new mygame\n  scaffold new mygame --yes\n  scaffold new mygame --module github.com/acme/mygame --nakama 3.39.0 --package inventory --no-git\n  scaffold new mygame --yes --dry-run\n  scaffold new mygame --from acme                     an alias from ~/.config/scaffold/config.toml\n  scaffold new mygame --from file:///srv/git/acme-scaffold.git#v3 --set studio=acme"
    )]
    New(NewArgs),
    /// Add a Go package folder: starter RPC code and test, wiring, Dockerfile COPY line
    #[command(
        name = "add-package",
        after_help = "Examples:\n  scaffold add-package inventory\n  scaffold add-package wallet --rpc wallet_get --rpc wallet_add\n  scaffold add-package lobby --kind match\n  scaffold add-package --list-kinds\n  scaffold add-package stats --dry-run"
    )]
    AddPackage(AddPackageArgs),
    /// Rebuild the Dockerfile's package block and packages_gen.go from the folders on disk
    #[command(
        after_help = "Examples:\n  scaffold sync              after making a folder by hand\n  scaffold sync --check      in CI: exit 1 with a diff when stale\n  scaffold sync --adopt      add scaffold to a plugin repo made by hand\n  scaffold sync --adopt --nakama 3.40.0   when the image tags name no release"
    )]
    Sync(SyncArgs),
    /// Find (and with --fix, fix) what breaks a Nakama Go plugin's Docker build or load
    #[command(
        after_help = format!("{}\n\n{DOCTOR_EXAMPLES}", crate::doctor::checks::help())
    )]
    Doctor(DoctorArgs),
    /// Move the repo to another Nakama release: image tags, nakama-common, protobuf, go line
    #[command(
        after_help = "Examples:\n  scaffold upgrade --list\n  scaffold upgrade --nakama 3.40.0 --dry-run\n  scaffold upgrade --nakama 3.40.0\n  scaffold upgrade --nakama 3.39.0 --allow-dirty --no-go"
    )]
    Upgrade(UpgradeArgs),
    /// List every known Nakama release, whether `new` and `upgrade` offer it and why not;
    /// --refresh learns newer ones from the Go module proxy
    #[command(
        after_help = "Examples:\n  scaffold releases                 every known release and what scaffold can do with it\n  scaffold releases --refresh       ask the Go module proxy (GOPROXY) for newer releases\n  scaffold releases --json\n\nRefreshed releases are kept in $XDG_CACHE_HOME/scaffold/releases/; every command uses them."
    )]
    Releases(ReleasesArgs),
    /// Take a newer version of the repo's scaffold: a three-way merge into your files
    #[command(
        after_help = "Examples:\n  scaffold update --check                 in CI: exit 1 when a newer version exists\n  scaffold update --dry-run               show the merge as a diff\n  scaffold update                         the recorded branch's newest commit, or this scaffold's built-in version\n  scaffold update --to v4                 a branch, tag or commit of the recorded scaffold\n  scaffold update --to ../acme-scaffold   another scaffold: a folder, git URL#ref, alias or `builtin`\n  scaffold update --set tier=gold         answer a question the new version adds\n\nConflicts are written into the files with <<<<<<< ======= >>>>>>> markers and listed at the end;\nthe exit code is then 1."
    )]
    Update(UpdateArgs),
    /// Take a package out of the wiring and the Dockerfile block (and delete it with --delete)
    #[command(
        name = "remove-package",
        after_help = "Examples:\n  scaffold remove-package stats            keep stats/ on disk, out of the build\n  scaffold remove-package stats --delete   delete stats/ too"
    )]
    RemovePackage(RemovePackageArgs),
    /// Run the plugin in a real Nakama on PostgreSQL, built with the release's exact Go;
    /// rebuild and restart on every save
    #[command(
        after_help = "Examples:\n  scaffold dev                          free ports, a throw-away PostgreSQL, Ctrl-C stops all\n  scaffold dev --port 7350              Nakama's ports: API 7350, gRPC 7349, console 7351\n  scaffold dev --keep-data              keep the database and logs when stopping\n  scaffold dev --database-address 'postgres:localdb@127.0.0.1:5432/nakama?sslmode=disable'\n  scaffold dev -- --logger.level DEBUG  pass flags on to nakama\n\nThe first run builds Nakama from source with the release's Go (minutes, once per release);\nit is cached in $XDG_CACHE_HOME/scaffold/nakama (default ~/.cache)."
    )]
    Dev(DevArgs),
    /// Print the man page (roff) to stdout
    #[command(hide = true)]
    Man,
    /// Show the built-in scaffold and the team scaffolds named in the config file
    #[command(
        after_help = "Examples:\n  scaffold list\n  scaffold list --json\n\nAliases live in $XDG_CONFIG_HOME/scaffold/config.toml:\n  module_prefix = \"github.com/acme\"\n  nakama = \"3.39.0\"\n  [aliases]\n  acme = \"https://git.example.com/acme/scaffold.git#v3\""
    )]
    List,
    /// Write the built-in scaffold to a folder, as the start of a team scaffold
    #[command(
        after_help = "Examples:\n  scaffold eject acme-scaffold\n  scaffold new mygame --from ./acme-scaffold"
    )]
    Eject(EjectArgs),
    /// Render a scaffold with its defaults and check it (strict templates, go vet/test/build)
    #[command(
        name = "check-template",
        after_help = "Examples:\n  scaffold check-template ./acme-scaffold\n  scaffold check-template file:///srv/git/acme-scaffold.git#main --no-go"
    )]
    CheckTemplate(CheckTemplateArgs),
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  scaffold completions zsh > \"${fpath[1]}/_scaffold\"\n  mkdir -p ~/.local/share/bash-completion/completions\n  scaffold completions bash > ~/.local/share/bash-completion/completions/scaffold"
    )]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

/// The end of `scaffold doctor --help`, after the checks (which come from doctor's table).
const DOCTOR_EXAMPLES: &str = "Examples:\n  scaffold doctor                    check the repo in the current folder\n  scaffold doctor path/to/plugin --json\n  scaffold doctor . --dockerfile docker/plugin.Dockerfile   the module in a subfolder\n  scaffold doctor --fix --dry-run    show the safe fixes as a diff\n  scaffold doctor --fix              apply them: COPY lines, versions, line endings\n  scaffold doctor --allow D006       in CI: accept one check's problems\n  scaffold doctor --build            build the builder stage as Docker would, without Docker\n\nExit codes: 0 clean, 1 problems found, 2 doctor could not run (no go.mod or Dockerfile).";

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Folder to create (default: the project name, in the current folder)
    pub dir: Option<PathBuf>,
    /// A team scaffold: a folder, a git URL (`file://`, `https://`) with an optional
    /// `#branch|tag|commit`, or an alias from the config file (see `scaffold list`)
    #[arg(long, value_name = "SCAFFOLD")]
    pub from: Option<String>,
    /// The folder inside the scaffold's repository that holds it
    #[arg(long, value_name = "PATH", requires = "from")]
    pub subdir: Option<String>,
    /// Accept a scaffold from a plain `http://` or `git://` URL, which anyone on the network
    /// path could change
    #[arg(long, requires = "from")]
    pub allow_insecure: bool,
    /// Answer one of the scaffold's own variables (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Answers to the scaffold's variables from a TOML or JSON file
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Project name (default: the folder's name)
    #[arg(long)]
    pub name: Option<String>,
    /// Go module path (default: example.com/<name>)
    #[arg(long)]
    pub module: Option<String>,
    /// Nakama release to pin; sets both image tags, nakama-common and the go line
    #[arg(
        long,
        value_name = "VERSION",
        add = ArgValueCandidates::new(complete::offered_releases)
    )]
    pub nakama: Option<String>,
    /// First package to add (default: profile)
    #[arg(long, value_name = "NAME", conflicts_with = "no_package")]
    pub package: Option<String>,
    /// Do not add a first package
    #[arg(long)]
    pub no_package: bool,
    /// Start a git repository with a first commit (the default)
    #[arg(long, conflicts_with = "no_git")]
    pub git: bool,
    /// Do not start a git repository
    #[arg(long)]
    pub no_git: bool,
    /// Take the default for every question not given as a flag
    #[arg(short, long)]
    pub yes: bool,
    /// Write into an existing non-empty folder (existing files are never overwritten)
    #[arg(long)]
    pub force: bool,
    /// List what would be written, and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct AddPackageArgs {
    /// Package (and folder) name: a lower-case Go identifier
    #[arg(required_unless_present = "list_kinds")]
    pub name: Option<String>,
    /// What the package holds: rpc, match, hook or http (`--list-kinds` describes them)
    #[arg(long, default_value = "rpc", add = ArgValueCandidates::new(complete::kinds))]
    pub kind: String,
    /// Print the package kinds, one line each, and change nothing
    #[arg(long)]
    pub list_kinds: bool,
    /// RPC id to register, for --kind rpc (repeatable); replaces the starter RPCs
    /// (<name>_echo, <name>_save, <name>_load)
    #[arg(long = "rpc", value_name = "ID")]
    pub rpcs: Vec<String>,
    /// Print the diff of every change, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Replace a hand-edited Dockerfile package block
    #[arg(long)]
    pub force: bool,
    /// Run in this folder instead of the current one
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Change nothing; exit 1 with a diff when anything is out of date
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    /// Print the diff of every change, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Adopt a plugin repo made by hand: write scaffold.toml and add the Dockerfile block
    #[arg(long)]
    pub adopt: bool,
    /// With --adopt: the Nakama release to record (needed when the Dockerfile's image tags do
    /// not name one release of the table: `latest`, an ARG without a default, tags that differ)
    #[arg(
        long,
        value_name = "VERSION",
        requires = "adopt",
        add = ArgValueCandidates::new(complete::releases)
    )]
    pub nakama: Option<String>,
    /// Replace a hand-edited Dockerfile package block
    #[arg(long)]
    pub force: bool,
    /// Run in this folder instead of the current one
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReleasesArgs {
    /// Learn releases newer than the known ones from the Go module proxy (needs Go)
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The Nakama release to move to
    #[arg(
        long,
        value_name = "VERSION",
        required_unless_present = "list",
        add = ArgValueCandidates::new(complete::offered_releases)
    )]
    pub nakama: Option<String>,
    /// Print the known releases and their pins, and change nothing
    #[arg(long)]
    pub list: bool,
    /// Upgrade even when the git work tree has uncommitted changes
    #[arg(long)]
    pub allow_dirty: bool,
    /// Do not run `go mod tidy` / `go mod vendor` afterwards
    #[arg(long)]
    pub no_go: bool,
    /// Print the diff, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Run in this folder instead of the current one
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The version to move to: a branch, tag or commit of the scaffold's repository, or another
    /// scaffold (`builtin`, a folder, a git URL with #ref, an alias); default: the recorded
    /// branch's newest commit, or this scaffold's built-in version
    #[arg(long, value_name = "REF")]
    pub to: Option<String>,
    /// Change nothing; exit 1 when a newer version of the scaffold exists (for CI)
    #[arg(long, conflicts_with_all = ["dry_run", "allow_dirty"])]
    pub check: bool,
    /// Print the diff of the merge, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Update even when the git work tree has uncommitted changes
    #[arg(long)]
    pub allow_dirty: bool,
    /// Answer a question the new version adds (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Answers to the new version's questions from a TOML or JSON file
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Take the default for every new question not answered otherwise
    #[arg(short, long)]
    pub yes: bool,
    /// Run in this folder instead of the current one
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RemovePackageArgs {
    /// The package folder to take out
    #[arg(add = ArgValueCandidates::new(complete::packages))]
    pub name: String,
    /// Delete the folder as well
    #[arg(long)]
    pub delete: bool,
    /// Print the diff, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Replace a hand-edited Dockerfile package block; with --delete, delete the folder even
    /// when it holds uncommitted or untracked files (or is not in git)
    #[arg(long)]
    pub force: bool,
    /// Run in this folder instead of the current one
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct EjectArgs {
    /// The folder to write (must not exist, or be empty)
    pub dir: PathBuf,
    /// The scaffold's name, written to its template.toml (default: the folder's name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckTemplateArgs {
    /// The scaffold: a folder, a git URL with an optional #ref, or an alias
    pub path: String,
    /// The folder inside the scaffold's repository that holds it
    #[arg(long, value_name = "PATH")]
    pub subdir: Option<String>,
    /// Accept a plain `http://` or `git://` URL, which anyone on the network path could change
    #[arg(long)]
    pub allow_insecure: bool,
    /// Only render; skip go vet, go test and the plugin build
    #[arg(long)]
    pub no_go: bool,
    /// Answer one of the scaffold's variables instead of its default (repeatable); needed for a
    /// variable without a default
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Answers to the scaffold's variables from a TOML or JSON file
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DevArgs {
    /// The HTTP API port; gRPC takes the one below it, the console the one above it and its
    /// gRPC the one below gRPC (Nakama's own layout, 7348-7351); default: free ports
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Use this running PostgreSQL (user:password@host:port/database?sslmode=disable) instead of
    /// a throw-away one
    #[arg(long, value_name = "ADDRESS")]
    pub database_address: Option<String>,
    /// Keep the session folder (database, plugin, server log) when stopping
    #[arg(long)]
    pub keep_data: bool,
    /// Run in this folder instead of the current one
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Flags for nakama, after `--` (they win over scaffold's own)
    #[arg(last = true, value_name = "NAKAMA_FLAGS")]
    pub nakama_args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The plugin repo to check: the folder holding go.mod and the Dockerfile (with
    /// --dockerfile: the Docker build context; the module is found from its COPY of go.mod)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The Dockerfile to check, as `docker build -f` takes it (default: DIR/Dockerfile)
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,
    /// Apply the safe fixes (missing package COPY lines, one Nakama release for the image tags
    /// and nakama-common, LF line endings, no BOM) and show their diff
    #[arg(long)]
    pub fix: bool,
    /// With --fix: print the diff, and write nothing
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// Accept a check's problems (repeatable): `--allow D003`
    #[arg(long = "allow", value_name = "ID")]
    pub allow: Vec<String>,
    /// Replay the whole builder stage without Docker: what it copies, in a temp folder, then
    /// each go command where it stands (the plugin's `go build` included), with the builder
    /// image's exact Go; healthy only if it builds
    #[arg(long, conflicts_with = "fix")]
    pub build: bool,
}
