//! Command-line grammar (clap). Every command has `--help`.

use super::names::secret_names;
use crate::store::generate::Charset;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 failure, 2 bad usage or name, 3 not found, 4 cannot decrypt,
5 corrupt file, 6 already exists, 7 identity problem, 8 `check` found secrets
needing action, 9 audit chain broken. Run `ward` with no command for the TUI.";

#[derive(Clone, Debug, Parser)]
#[command(
    name = "ward",
    version,
    about = "A terminal vault for API keys and secrets, over age-encrypted files",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Store folder [default: <data dir>/ward/store]
    #[arg(long, global = true, env = "WARD_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Identity file; repeat for several [default: <config dir>/ward/identity.txt]
    #[arg(
        long = "identity",
        short = 'i',
        global = true,
        env = "WARD_IDENTITY",
        value_delimiter = ':',
        value_name = "FILE"
    )]
    pub identities: Vec<PathBuf>,

    /// Settings file [default: <config dir>/ward/config.toml]
    #[arg(long, global = true, env = "WARD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Unlock a passphrase identity here only, not through the agent (WARD_NO_AGENT=1)
    #[arg(long, global = true, env = "WARD_NO_AGENT", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_agent: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Create an identity (if there is none) and a new store encrypted to it
    Init(InitArgs),
    /// List secrets from file names, without decrypting (unless --long)
    Ls(LsArgs),
    /// Print a secret's value (and only the value) to stdout; -c copies it instead
    #[command(visible_alias = "show")]
    Get(GetArgs),
    /// Create or update a secret: value from stdin, a prompt, or --generate
    #[command(visible_alias = "insert")]
    Set(SetArgs),
    /// Create or update a secret with a generated value (set --generate)
    Generate(GenerateArgs),
    /// Rank secrets by a fuzzy match of TEXT on names, tags, owners, kinds and URLs
    #[command(visible_alias = "search")]
    Find(FindArgs),
    /// Change a secret's metadata (never its value)
    Edit(EditArgs),
    /// Give a secret a new value, keeping the old one in history
    Rotate(RotateArgs),
    /// List a secret's versions (values masked unless --reveal)
    History(HistoryArgs),
    /// Rename or move a secret, or a folder with everything in it
    Mv(MvArgs),
    /// Copy a secret, or a folder with everything in it (all or nothing)
    Cp(CpArgs),
    /// Move a secret to the trash (asks on a terminal unless --force); --purge deletes it
    Rm(RmArgs),
    /// Print (or --copy) the current one-time code of a secret's otp field (TOTP or HOTP)
    Otp(OtpArgs),
    /// Make an earlier version's value current again, as a new version
    Restore(RestoreArgs),
    /// List what `ward rm` moved to the trash; `ward trash restore NAME` puts it back
    Trash(TrashArgs),
    /// Print a generated random value
    Gen(GenArgs),
    /// Copy a secret's value (or a field) to the clipboard; it clears itself
    Copy(CopyArgs),
    /// Show the audit timeline, newest first; `ward audit verify` checks it
    Audit(AuditArgs),
    /// Review expiry and rotation of every secret: table, JSON, CSV or Markdown
    Report(ReportArgs),
    /// Print only secrets needing action; exit 8 if any is compromised, expired or overdue
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Print secrets under PREFIX with their values, as shell `export` lines, dotenv or JSON
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
    /// Run a command with the secrets under PREFIX in its environment (no shell)
    #[command(after_help = EXEC_HELP)]
    Exec(ExecArgs),
    /// Import from pass, gopass, passage, .env, KeePassXC, Bitwarden, 1Password or ward's JSON
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Show or change who secrets are encrypted to, re-encrypting them
    Recipients(RecipientsArgs),
    /// Remove every key with a label from every recipients file, marking
    /// what it could read for rotation
    Offboard(OffboardArgs),
    /// Print your public key(s) and which folders of the store you can read
    #[command(visible_alias = "whoami")]
    Identity(IdentityArgs),
    /// Change the passphrase of your identity file (or give it one)
    Passwd,
    /// Unlock a passphrase identity once for the next commands and the TUI (the agent)
    Unlock(UnlockArgs),
    /// Lock the agent: it forgets every unlocked identity
    Lock,
    /// Clone a shared store with git and set it up (merge drivers)
    Clone(CloneArgs),
    /// Commit pending changes, pull (merge or rebase) with ward's merge drivers, push
    Sync(SyncArgs),
    /// Run git in the store: ward git status, ward git log, ward git remote add origin URL
    #[command(disable_help_flag = true)]
    Git(GitArgs),
    /// Sign off the rotation and access review of a period (ward review sign)
    Review(ReviewArgs),
    /// A compromised secret: mark it and see its blast radius (who read it, what went with it, who can decrypt it)
    Incident(IncidentArgs),
    /// Find the vault's values (current and previous, common encodings) in files, git history or a stream
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// Open the TUI on a generated demo store (temporary, removed on exit)
    Demo,
    /// Print the shell completion script: eval "$(ward completions bash)" (or zsh, fish)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Internal: holds and clears a copied value (see src/clipboard/keeper.rs)
    #[command(name = "__clipboard-keeper", hide = true)]
    ClipboardKeeper(crate::clipboard::keeper::KeeperArgs),
    /// Internal: the agent that holds unlocked identities (src/agent)
    #[command(name = "__agent", hide = true)]
    Agent(crate::agent::server::AgentArgs),
    /// git's merge driver for `*.age` (docs/TEAMS.md): BASE OURS THEIRS PATH
    #[command(name = "__merge-driver", hide = true)]
    MergeDriver(MergeArgs),
    /// git's merge driver for recipients files: BASE OURS THEIRS PATH
    #[command(name = "__merge-recipients", hide = true)]
    MergeRecipients(MergeArgs),
}

/// git's %O %A %B %P.
#[derive(Clone, Debug, Args)]
pub struct MergeArgs {
    pub base: std::path::PathBuf,
    pub ours: std::path::PathBuf,
    pub theirs: std::path::PathBuf,
    pub path: String,
}

#[derive(Clone, Debug, Args)]
pub struct InitArgs {
    /// Protect a newly created identity with a passphrase (asked twice)
    #[arg(long)]
    pub passphrase: bool,
    /// Also encrypt to these public keys (age1…, ssh-ed25519 …); repeatable
    #[arg(long = "recipient", short = 'r', value_name = "KEY")]
    pub recipients: Vec<String>,
    /// Make the store a git repository (.gitattributes, merge drivers, first
    /// commit); on an existing store, turns it into one
    #[arg(long)]
    pub git: bool,
}

#[derive(Clone, Debug, Args)]
pub struct CloneArgs {
    /// What `git clone` takes: a URL, host:path, or a local path
    pub url: String,
    /// Where to put it [default: the store ward uses: --store, WARD_STORE, or the default]
    pub dir: Option<PathBuf>,
}

#[derive(Clone, Debug, Args)]
pub struct SyncArgs {
    /// Rebase local commits onto the remote's instead of merging (config `git.pull`)
    #[arg(long)]
    pub rebase: bool,
}

#[derive(Clone, Debug, Args)]
pub struct GitArgs {
    /// Arguments for git, passed as they are
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<std::ffi::OsString>,
}

#[derive(Clone, Debug, Args)]
pub struct LsArgs {
    /// Only secrets under this folder (or this one secret)
    #[arg(add = secret_names())]
    pub prefix: Option<String>,
    /// Add kind, owner, age since rotation, expiry and status (decrypts)
    #[arg(long, short = 'l')]
    pub long: bool,
    /// JSON for scripts (with --long: metadata too)
    #[arg(long)]
    pub json: bool,
    /// With --long: decrypt every file, neither reading nor writing the metadata cache
    #[arg(long)]
    pub no_cache: bool,
}

const CHECK_HELP: &str = "\
Prints one line per secret that needs action (status, name, reason) and nothing
when all is well, so it fits cron and CI. Reads metadata only, never values.

Exit codes:
  0  nothing is compromised, expired or overdue (--due-within lines may be printed)
  8  at least one secret is compromised, expired or overdue
  5  some secret files could not be read (and nothing needs action)
  other codes as for every command (see `ward --help`)

Examples:
  ward check                      # cron: mail me when anything needs action
  ward check acme/ --due-within 30d
  ward check || echo \"secrets need rotation\"";

/// Output format of `ward report`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for a terminal
    #[default]
    Table,
    /// One JSON object: counts, rows and unreadable secrets
    Json,
    /// RFC 4180 CSV with a header row
    Csv,
    /// A Markdown table (GitHub flavoured)
    Markdown,
    /// One self-contained HTML file (with --evidence)
    Html,
}

#[derive(Clone, Debug, Args)]
pub struct ReportArgs {
    /// Only secrets under this folder (or this one secret)
    #[arg(add = secret_names())]
    pub prefix: Option<String>,
    /// Only these statuses: compromised, expired, overdue, due-soon, ok, no-policy (repeatable, or comma-separated)
    #[arg(long = "status", value_name = "STATUS", value_delimiter = ',')]
    pub statuses: Vec<String>,
    /// Only secrets of this owner (case-insensitive)
    #[arg(long)]
    pub owner: Option<String>,
    /// Only this project (first path segment)
    #[arg(long)]
    pub project: Option<String>,
    /// Only what needs action within this span: 30d, 6w, 3m (compromised, expired and overdue included)
    #[arg(long, value_name = "SPAN")]
    pub due_within: Option<String>,
    /// Sort by: status (worst first, default), name, project, age, policy, due, expires, owner, kind
    #[arg(long, value_name = "COLUMN", default_value = "status")]
    pub sort: String,
    /// Reverse the order
    #[arg(long)]
    pub reverse: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Every column in full, however wide (the table otherwise fits the terminal)
    #[arg(long)]
    pub wide: bool,
    /// Decrypt every file, neither reading nor writing the metadata cache
    #[arg(long)]
    pub no_cache: bool,
    /// An evidence pack for an auditor (--format markdown or html): who can read, cryptoperiods met, rotations, incidents, value access, audit verification, sign-offs
    #[arg(long)]
    pub evidence: bool,
    /// The evidence pack's period: 2026-Q4 (default: this quarter), 2026-11, 2026, or FROM..TO
    #[arg(long, value_name = "PERIOD", requires = "evidence")]
    pub period: Option<String>,
}

#[derive(Clone, Debug, Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: ReviewCommand,
}

#[derive(Clone, Debug, Subcommand)]
pub enum ReviewCommand {
    /// Sign off the review: a signed audit record with the period and a hash of every secret's status now
    Sign {
        /// The period reviewed: 2026-Q4 (default: this quarter), 2026-11, 2026, or FROM..TO
        #[arg(long, value_name = "PERIOD")]
        period: Option<String>,
    },
}

#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    /// Only secrets under this folder (or this one secret)
    #[arg(add = secret_names())]
    pub prefix: Option<String>,
    /// Also list secrets whose next due date is within this span: 30d, 6w, 3m (they do not fail the check)
    #[arg(long, value_name = "SPAN")]
    pub due_within: Option<String>,
    /// Decrypt every file, neither reading nor writing the metadata cache
    #[arg(long)]
    pub no_cache: bool,
}

const EXPORT_HELP: &str = "\
Variable names come from each secret's own name (acme/api/STRIPE_KEY ->
STRIPE_KEY): upper-cased, characters other than A-Z 0-9 _ become _, a leading
digit gets a _ in front. Two secrets with the same variable name are an error;
--prefix-names uses the whole path instead (ACME_API_STRIPE_KEY).

Names come from the store, which others write: for env and dotenv, each name
must be approved on this machine for this store and PREFIX. The first time
(and whenever a secret with a new name appears) ward lists the names and asks
on the terminal (/dev/tty, never stdin); with no terminal it refuses and names
them: approve them with --allow NAME,… (remembered). Names that steer loaders,
shells, interpreters, git, TLS or proxies (LD_*, GIT_*, NODE_OPTIONS,
HTTPS_PROXY, PATH, …) are never set: rename the secret (ward mv).

Without PREFIX it refuses unless --all. Refuses to print to a terminal unless
--force. --output FILE writes a new file of mode 0600 (atomically, never
through a link; an existing FILE only with --force). Records one `export`
audit event per secret.

Examples:
  ward export acme/api > .env.sh && . ./.env.sh
  ward export acme/api --format dotenv --output .env
  ward export acme/api --allow STRIPE_KEY,DATABASE_URL > .env.sh   # no terminal (CI)
  ward export acme --format json | jq .";

const EXEC_HELP: &str = "\
Runs COMMAND directly (no shell) with the secrets under PREFIX added to the
environment, named as for `ward export`; values never appear in argv. Exits
with COMMAND's exit code, 128+N when it is killed by signal N, 127 when it
cannot be found and 126 when it cannot be run. Records one `export` audit
event per secret. The environment of a process is readable by its children
and, through /proc/PID/environ, by other processes of the same user.

Names come from the store, which others write: each must be approved on this
machine for this store and PREFIX. The first time (and whenever a secret with
a new name appears) ward lists the names and asks on the terminal (/dev/tty,
never stdin, which is COMMAND's); with no terminal it refuses and names them:
approve them with --allow NAME,… (remembered). Names that steer loaders,
shells, interpreters, git, TLS or proxies (LD_*, GIT_*, NODE_OPTIONS,
HTTPS_PROXY, PATH, …) are never set: rename the secret (ward mv). Without
PREFIX it refuses unless --all.

Examples:
  ward exec acme/api -- ./deploy.sh --prod
  ward exec acme/api --allow STRIPE_KEY,DATABASE_URL -- ./deploy.sh   # no terminal (CI)
  ward exec acme --prefix-names -- printenv ACME_API_STRIPE_KEY";

const SCAN_EXAMPLES: &str = "\
Examples:
  ward scan                          # the current folder, as git ignores
  ward scan src/ deploy/.env --all   # these, ignore files too
  ward scan --git                    # every blob of this repository's history
  kubectl logs api | ward scan -     # a stream
  ward scan --install-hook           # block commits that hold a value

Exit codes: 0 nothing found, 13 found, others as for every command.";

/// Output format of `ward scan`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// One line per find: place, secret, which value, encoding
    #[default]
    Text,
    /// One JSON object with every find and what was not searched
    Json,
    /// SARIF 2.1.0, for code-scanning views in CI
    Sarif,
}

#[derive(Clone, Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to search (default: the current folder); `-` reads standard input
    pub paths: Vec<PathBuf>,
    /// Search every blob of this repository's object store instead: all branches, deleted files
    #[arg(long, value_name = "REPO", num_args = 0..=1, default_missing_value = ".")]
    pub git: Option<PathBuf>,
    /// Search what is staged in the index of the repository here (a pre-commit hook)
    #[arg(long, conflicts_with = "git")]
    pub staged: bool,
    /// Search ignored files too (.gitignore, .ignore, git's excludes)
    #[arg(long)]
    pub all: bool,
    /// Search binary files too (a NUL byte in the first 8,000 bytes)
    #[arg(long)]
    pub binary: bool,
    /// Values shorter than this many bytes are not searched (listed as unsearchable);
    /// default: config.toml's `[scan] min_length`, else 8
    #[arg(long, value_name = "N")]
    pub min_length: Option<usize>,
    #[arg(long, value_enum, default_value_t)]
    pub format: ScanFormat,
    /// Install a git pre-commit hook that runs `ward scan --staged` in REPO (default: here)
    #[arg(long, value_name = "REPO", num_args = 0..=1, default_missing_value = ".")]
    pub install_hook: Option<PathBuf>,
    /// With --install-hook: replace a pre-commit hook that ward did not write
    #[arg(long, requires = "install_hook")]
    pub force: bool,
    /// Mark each secret whose current value was found as compromised, the place as the reason
    #[arg(long)]
    pub mark_compromised: bool,
}

/// Output format of `ward export`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// `export NAME='value'` lines for a POSIX shell
    #[default]
    Env,
    /// `NAME=\"value\"` lines for .env files
    Dotenv,
    /// One JSON object: path -> value, encoding, version, kind, expires
    Json,
}

#[derive(Clone, Debug, Args)]
pub struct ExportArgs {
    /// Only secrets under this folder (or this one secret); without it, --all is needed
    #[arg(add = secret_names())]
    pub prefix: Option<String>,
    /// Every secret in the store (instead of a PREFIX)
    #[arg(long, conflicts_with = "prefix")]
    pub all: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Env)]
    pub format: ExportFormat,
    /// Name variables after the whole path (ACME_API_STRIPE_KEY), not the leaf
    #[arg(long)]
    pub prefix_names: bool,
    /// Approve these variable names for this store and PREFIX on this machine, and remember it (repeatable, or NAME,NAME)
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub allow: Vec<String>,
    /// Write to FILE (a new file, mode 0600) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print to a terminal too (by default only to a pipe or file); with --output, replace an existing FILE
    #[arg(long, short = 'f')]
    pub force: bool,
}

#[derive(Clone, Debug, Args)]
pub struct ExecArgs {
    /// Only secrets under this folder (or this one secret); without it, --all is needed
    #[arg(add = secret_names())]
    pub prefix: Option<String>,
    /// Every secret in the store (instead of a PREFIX)
    #[arg(long, conflicts_with = "prefix")]
    pub all: bool,
    /// Name variables after the whole path (ACME_API_STRIPE_KEY), not the leaf
    #[arg(long)]
    pub prefix_names: bool,
    /// Approve these variable names for this store and PREFIX on this machine, and remember it (repeatable, or NAME,NAME)
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub allow: Vec<String>,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, num_args = 1.., value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

const IMPORT_HELP: &str = "\
Formats: pass, gopass, passage (a store folder), dotenv, json (ward export),
keepassxc-csv, kdbx, bitwarden-json, 1password-csv (a file). A kdbx password is
asked for on the terminal or read from stdin (one line), never an argument. FORMAT may be left out
when the source shows it. See docs/IMPORT.md for the mapping and its limits.

Examples:
  ward import pass ~/.password-store --prefix personal --dry-run
  ward import .env --prefix acme/api
  ward import bitwarden-json export.json --on-conflict rename

Exit codes: 0 every entry is in the store, 1 some failed (listed), others as
for every command.";

/// `ward import [FORMAT] SOURCE …`.
#[derive(Clone, Debug, Args)]
pub struct ImportArgs {
    /// The format (pass, gopass, passage, dotenv, json, keepassxc-csv, kdbx,
    /// bitwarden-json, 1password-csv), or the SOURCE when it is obvious
    #[arg(value_name = "FORMAT")]
    pub format_or_source: String,
    /// The store folder or export file
    #[arg(value_name = "SOURCE")]
    pub source: Option<PathBuf>,
    /// Put everything under this folder
    #[arg(long, value_name = "FOLDER")]
    pub prefix: Option<String>,
    /// Show the names entries would get and what would happen; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// When a different secret has the name: leave it (skip), give it the
    /// imported value keeping the old in history (rotate), or import as NAME-2 (rename)
    #[arg(long, value_name = "WHAT", default_value = "skip",
          value_parser = ["skip", "rotate", "rename"])]
    pub on_conflict: String,
    /// passage: its age identities [default: $PASSAGE_IDENTITIES_FILE, else ~/.passage/identities]
    #[arg(long = "source-identity", value_name = "FILE")]
    pub source_identities: Vec<PathBuf>,
    /// kdbx: the database's key file (its password is asked for, or read
    /// from stdin; empty for none)
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Write even if none of your identities could read the result back
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Debug, Args)]
pub struct FindArgs {
    /// What to look for: letters in order, not necessarily together (stripe, acmeprod)
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
}

#[derive(Clone, Debug, Args)]
pub struct GetArgs {
    #[arg(add = secret_names())]
    pub path: String,
    /// Copy the value (or --field) to the clipboard instead of printing it, as `ward copy`
    #[arg(long, short = 'c', conflicts_with = "json")]
    pub copy: bool,
    /// Print one metadata field (kind, owner, tags, url, notes, expires, …) or
    /// one of the secret's fields (login, otp, …) instead
    #[arg(long, value_name = "NAME", conflicts_with = "json")]
    pub field: Option<String>,
    /// Print the whole document as JSON, except previous values
    #[arg(long)]
    pub json: bool,
}

/// Metadata flags shared by `set` and `edit`.
#[derive(Clone, Debug, Default, Args)]
pub struct MetaArgs {
    /// password, api-key, token, certificate, ssh-key, connection-string, other
    #[arg(long)]
    pub kind: Option<String>,
    /// Who is responsible for this secret
    #[arg(long)]
    pub owner: Option<String>,
    /// Add a tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Where the key is managed or used
    #[arg(long)]
    pub url: Option<String>,
    /// Free-text notes
    #[arg(long = "note", value_name = "TEXT")]
    pub notes: Option<String>,
    /// Expiry date: YYYY-MM-DD, or relative like +90d
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// Rotation interval: 90d, 6w, 3m, 1y
    #[arg(long, value_name = "INTERVAL")]
    pub rotate_every: Option<String>,
}

/// Field flags shared by `set` and `edit` (docs/FORMAT.md, "Fields").
#[derive(Clone, Debug, Default, Args)]
pub struct FieldArgs {
    /// Set a field shown in clear, e.g. login=ann (repeatable)
    #[arg(long = "field-set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Set a masked field; its value is asked for (or read from stdin), never
    /// taken from the command line (repeatable)
    #[arg(long = "field-secret", value_name = "NAME")]
    pub secret: Vec<String>,
    /// Remove a field (repeatable)
    #[arg(long = "field-rm", value_name = "NAME")]
    pub remove: Vec<String>,
}

/// How a new value is obtained.
#[derive(Clone, Debug, Default, Args)]
pub struct ValueArgs {
    /// Generate a random value of LEN characters instead of reading one (default: the secret's own generator settings, else 32)
    #[arg(long, short = 'g', value_name = "LEN", num_args = 0..=1)]
    pub generate: Option<Option<usize>>,
    /// Character set for --generate: strong, alnum, hex, digits, base64url, ascii
    #[arg(long, value_name = "SET")]
    pub charset: Option<Charset>,
    /// Text put before a generated value, e.g. sk_live_
    #[arg(long, value_name = "TEXT")]
    pub prefix: Option<String>,
    /// Store stdin byte for byte (base64-encoded inside the file): for binary values
    #[arg(long)]
    pub binary: bool,
}

#[derive(Clone, Debug, Args)]
pub struct SetArgs {
    #[arg(add = secret_names())]
    pub path: String,
    #[command(flatten)]
    pub value: ValueArgs,
    #[command(flatten)]
    pub meta: MetaArgs,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Why the value changed (kept in history when updating)
    #[arg(long)]
    pub reason: Option<String>,
    /// Write even if none of your identities could read the result back
    /// (a recipients file without your key): see docs/SECURITY.md
    #[arg(long)]
    pub force: bool,
}

/// `ward generate NAME [LEN]`: `set --generate`, as pass has it.
#[derive(Clone, Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub set: SetArgs,
    /// Length of the generated value (as --generate LEN)
    #[arg(value_name = "LEN")]
    pub length: Option<usize>,
}

#[derive(Clone, Debug, Args)]
pub struct EditArgs {
    #[arg(add = secret_names())]
    pub path: String,
    #[command(flatten)]
    pub meta: MetaArgs,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Remove a tag (repeatable)
    #[arg(long = "untag", value_name = "TAG")]
    pub untags: Vec<String>,
    /// Remove the expiry date
    #[arg(long, conflicts_with = "expires")]
    pub no_expires: bool,
    /// Remove the rotation policy
    #[arg(long, conflicts_with = "rotate_every")]
    pub no_rotate_every: bool,
    /// Mark the secret compromised, with a reason; stays until it is rotated
    #[arg(long, value_name = "REASON")]
    pub compromised: Option<String>,
    /// Clear a compromised mark that was a false alarm (needs --reason; audited)
    #[arg(long, conflicts_with = "compromised", requires = "reason")]
    pub no_compromised: bool,
    /// Why the mark is cleared (with --no-compromised)
    #[arg(long, value_name = "TEXT", requires = "no_compromised")]
    pub reason: Option<String>,
    /// Write even if none of your identities could read the result back
    /// (a recipients file without your key): see docs/SECURITY.md
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Debug, Args)]
pub struct RotateArgs {
    #[arg(add = secret_names())]
    pub path: String,
    #[command(flatten)]
    pub value: ValueArgs,
    /// New expiry date: YYYY-MM-DD, or relative like +90d
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// Remove the expiry date
    #[arg(long, conflicts_with = "expires")]
    pub no_expires: bool,
    /// New rotation interval: 90d, 6w, 3m, 1y
    #[arg(long, value_name = "INTERVAL")]
    pub rotate_every: Option<String>,
    /// Why it was rotated (kept in history)
    #[arg(long)]
    pub reason: Option<String>,
    /// Write even if none of your identities could read the result back
    /// (a recipients file without your key): see docs/SECURITY.md
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Debug, Args)]
pub struct HistoryArgs {
    #[arg(add = secret_names())]
    pub path: String,
    /// Show the values themselves
    #[arg(long)]
    pub reveal: bool,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, Args)]
pub struct MvArgs {
    #[arg(add = secret_names())]
    pub from: String,
    #[arg(add = secret_names())]
    pub to: String,
    /// Write even if none of your identities could read the result back
    /// (a recipients file without your key): see docs/SECURITY.md
    #[arg(long)]
    pub force: bool,
    /// Moving a folder: do not ask for confirmation on a terminal
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Clone, Debug, Args)]
pub struct CpArgs {
    #[arg(add = secret_names())]
    pub from: String,
    #[arg(add = secret_names())]
    pub to: String,
    /// Do not ask for confirmation on a terminal
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Write even if none of your identities could read the result back
    /// (a recipients file without your key): see docs/SECURITY.md
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Debug, Args)]
pub struct RmArgs {
    #[arg(add = secret_names())]
    pub path: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'f')]
    pub force: bool,
    /// Delete for good instead of moving to the trash
    #[arg(long)]
    pub purge: bool,
    /// Remove a folder with every secret in it (all or nothing)
    #[arg(long, short = 'r')]
    pub recursive: bool,
}

#[derive(Clone, Debug, Args)]
pub struct OtpArgs {
    #[arg(add = secret_names())]
    pub path: String,
    /// Copy the code to the clipboard (it clears itself) instead of printing it
    #[arg(long, short = 'c')]
    pub copy: bool,
    /// With --copy: seconds until the clipboard is cleared; 0 never [default: config, 45]
    #[arg(long, value_name = "SECONDS", requires = "copy")]
    pub timeout: Option<u64>,
    /// With --copy: auto, native or osc52 [default: config, auto]
    #[arg(long, value_enum, value_name = "BACKEND", requires = "copy")]
    pub backend: Option<crate::config::ClipboardBackend>,
}

#[derive(Clone, Debug, Args)]
pub struct RestoreArgs {
    #[arg(add = secret_names())]
    pub path: String,
    /// The version to make current (see ward history NAME)
    pub version: u32,
    /// Write even if none of your identities could read the result back
    /// (a recipients file without your key): see docs/SECURITY.md
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TrashArgs {
    #[command(subcommand)]
    pub command: Option<TrashCommand>,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, Subcommand)]
pub enum TrashCommand {
    /// Put the newest trashed secret of NAME back (refused while NAME is taken)
    Restore {
        name: String,
        /// Write even if none of your identities could read the result back
        #[arg(long)]
        force: bool,
    },
}

#[derive(Clone, Debug, Args)]
pub struct CopyArgs {
    #[arg(add = secret_names())]
    pub path: String,
    /// Copy this field (login, otp, …) or metadata field (url, owner, …) instead of the value
    #[arg(long, value_name = "NAME")]
    pub field: Option<String>,
    /// Seconds until the clipboard is cleared; 0 never [default: config, 45]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// auto, native or osc52 [default: config, auto]
    #[arg(long, value_enum, value_name = "BACKEND")]
    pub backend: Option<crate::config::ClipboardBackend>,
}

#[derive(Clone, Debug, Args)]
pub struct IncidentArgs {
    #[command(subcommand)]
    pub command: IncidentCommand,
}

#[derive(Clone, Debug, Subcommand)]
pub enum IncidentCommand {
    /// Mark a secret compromised and show its blast radius; rotating it closes the incident
    Open {
        #[arg(add = secret_names())]
        name: String,
        /// What happened (kept in the secret and the audit log)
        #[arg(long)]
        reason: String,
    },
    /// Open incidents, and with --all the closed ones too
    List {
        /// Closed incidents too
        #[arg(long)]
        all: bool,
        /// JSON for scripts
        #[arg(long)]
        json: bool,
    },
    /// The incident of a secret as a document for a ticket: blast radius, people to tell, runbook, timeline
    Report {
        #[arg(add = secret_names())]
        name: String,
        /// markdown (default) or text
        #[arg(long, value_enum, default_value_t = IncidentFormat::Markdown)]
        format: IncidentFormat,
    },
}

/// Output of `ward incident report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum IncidentFormat {
    Markdown,
    Text,
}

#[derive(Clone, Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// Only records about this secret or folder
    #[arg(add = secret_names())]
    pub prefix: Option<String>,
    /// Only this actor (user@host, or just the user part)
    #[arg(long)]
    pub actor: Option<String>,
    /// Only this action: unlock, unlock-failed, view, reveal, copy, clipboard-cleared,
    /// create, edit, rotate, compromise, delete, move, export, recipients-change, otp, restore
    #[arg(long)]
    pub action: Option<String>,
    /// Only records since: YYYY-MM-DD, an RFC 3339 time, or a span back from now (7d, 2w, 3m)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every actor's chain; exit code 9 when one is broken
    Verify {
        /// JSON for scripts
        #[arg(long)]
        json: bool,
    },
    /// Unusual activity in the log: bursts of value reads, a key on a new
    /// host, exports of sensitive folders, failed unlocks, reads by removed
    /// keys, broken chains; exit code 14 when there is one
    Alerts {
        /// Alerts since: YYYY-MM-DD, an RFC 3339 time, or a span back from now (24h, 7d, 2w)
        #[arg(long, value_name = "DATE", default_value = "24h")]
        since: String,
        /// text (default) or json for scripts
        #[arg(long, value_enum, default_value_t = AlertFormat::Text)]
        format: AlertFormat,
    },
    /// Show and approve actors' new audit signing keys (a new identity, or
    /// someone signing in another's name)
    Trust {
        /// Approve without asking (after checking the list)
        #[arg(long)]
        yes: bool,
    },
}

/// Output of `ward audit alerts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AlertFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Args)]
pub struct IdentityArgs {
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, Args)]
pub struct OffboardArgs {
    /// The label of the keys to remove (`# label:` line or SSH key comment)
    pub label: String,
}

#[derive(Clone, Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RecipientsArgs {
    #[command(subcommand)]
    pub command: Option<RecipientsCommand>,
    /// The recipients in force for this folder instead of the store's
    #[arg(long, value_name = "FOLDER")]
    pub folder: Option<String>,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, Subcommand)]
pub enum RecipientsCommand {
    /// Show the recipients in force and the file they come from (the default)
    List {
        /// The recipients in force for this folder instead of the store's
        #[arg(long, value_name = "FOLDER")]
        folder: Option<String>,
        /// JSON for scripts
        #[arg(long)]
        json: bool,
    },
    /// Add public keys and re-encrypt every secret they should read
    Add {
        /// age1…, "ssh-ed25519 AAAA… [comment]", "ssh-rsa AAAA… [comment]"
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
        /// Change FOLDER/.recipients (created from the list in force) instead of .ward/recipients
        #[arg(long, value_name = "FOLDER")]
        folder: Option<String>,
        /// Who the key is (dan@laptop), written as a `# label: NAME` line above it
        #[arg(long, value_name = "NAME")]
        label: Option<String>,
    },
    /// Show the keys this machine has not approved (under FOLDER) and approve them
    Trust {
        #[arg(long, value_name = "FOLDER")]
        folder: Option<String>,
        /// Approve without asking (needed without a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Remove public keys and re-encrypt every secret they could read
    Rm {
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
        /// Change FOLDER/.recipients (created from the list in force) instead of .ward/recipients
        #[arg(long, value_name = "FOLDER")]
        folder: Option<String>,
        /// Remove even the keys of your own identities (you lose access)
        #[arg(long, short = 'f')]
        force: bool,
    },
    /// Re-encrypt every secret (under FOLDER) to its recipients file as it is now
    Reencrypt {
        #[arg(long, value_name = "FOLDER")]
        folder: Option<String>,
        /// Re-encrypt even to a recipients file that holds none of your keys (you lose access)
        #[arg(long, short = 'f')]
        force: bool,
    },
}

#[derive(Clone, Debug, Args)]
pub struct GenArgs {
    /// A bare number is refused: it could mean --length or --words
    #[arg(hide = true, value_name = "N")]
    pub count: Option<String>,
    /// Characters in the value [default: the kind's, else 32]
    #[arg(long, short = 'l', value_name = "N", conflicts_with = "words")]
    pub length: Option<usize>,
    /// A diceware passphrase of N words from the EFF large list instead
    #[arg(long, short = 'w', value_name = "N")]
    pub words: Option<usize>,
    /// Between the words of a passphrase [default: -]
    #[arg(long, value_name = "TEXT")]
    pub separator: Option<String>,
    /// Leave out characters that are easy to misread: 0 O o 1 l I |
    #[arg(long)]
    pub no_lookalike: bool,
    /// The defaults for this kind: password, api-key, token, connection-string, passphrase, …
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// strong, alnum, hex, digits, base64url, ascii [default: the kind's, else strong]
    #[arg(long, value_name = "SET", conflicts_with = "words")]
    pub charset: Option<Charset>,
    /// Text put before the value, e.g. sk_live_
    #[arg(long, value_name = "TEXT")]
    pub prefix: Option<String>,
}

impl clap::ValueEnum for Charset {
    fn value_variants<'a>() -> &'a [Self] {
        &Charset::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.label()))
    }
}

impl GetArgs {
    /// `get -c`: `ward copy` of the same value or field, with the configured
    /// clipboard settings.
    pub fn into_copy(self) -> CopyArgs {
        CopyArgs {
            path: self.path,
            field: self.field,
            timeout: None,
            backend: None,
        }
    }
}

impl GenerateArgs {
    /// `generate NAME [LEN]` as `set NAME --generate [LEN]`.
    pub fn into_set(self) -> SetArgs {
        let mut set = self.set;
        let length = self.length.or(set.value.generate.flatten());
        set.value.generate = Some(length);
        set
    }
}

/// `ward unlock`
#[derive(Clone, Debug, clap::Args)]
pub struct UnlockArgs {
    /// Stay unlocked this long, used or not (30m, 8h, 1d), instead of until idle
    #[arg(long = "for", value_name = "SPAN", value_parser = parse_span)]
    pub for_span: Option<crate::agent::Span>,
    /// Only say whether the agent is unlocked, what it holds and until when
    #[arg(long, conflicts_with = "for_span")]
    pub status: bool,
}

fn parse_span(text: &str) -> std::result::Result<crate::agent::Span, String> {
    let span = crate::agent::Span::parse(text)?;
    if span.secs() == 0 || span.secs() > crate::agent_settings::MAX_FOR {
        return Err(format!(
            "between 1s and {}",
            crate::agent::Span(crate::agent_settings::MAX_FOR)
        ));
    }
    Ok(span)
}
