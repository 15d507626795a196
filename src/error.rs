//! One error type for the library, with the exit code each kind of failure maps to.
//!
//! Messages never contain a secret value: every variant carries names, paths and
//! causes only. Decryption and parse errors are classified, never quoted.
//!
//! What to do about an error is the front end's to say, not the library's: a
//! variant that calls for advice carries the facts the advice depends on
//! (e.g. [`MissingIdentity`]), its `Display` states the failure alone, and
//! the CLI (`cli::advice`) and the TUI (`tui::advice`) each phrase the advice
//! in their own terms (flags and commands, or what to do on the screen).

use std::path::PathBuf;

/// Documented process exit codes (see docs/CLI.md).
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NOT_FOUND: i32 = 3;
    pub const DECRYPT: i32 = 4;
    pub const CORRUPT: i32 = 5;
    pub const EXISTS: i32 = 6;
    pub const IDENTITY: i32 = 7;
    pub const NEEDS_ACTION: i32 = 8;
    pub const AUDIT_BROKEN: i32 = 9;
    /// The chains are intact, but the store and the log disagree.
    pub const AUDIT_MISMATCH: i32 = 10;
    /// A recipients file in force holds a key this machine has not approved.
    pub const UNTRUSTED: i32 = 11;
    /// `ward scan` found a value of the vault.
    pub const LEAK_FOUND: i32 = 13;
    /// `ward audit alerts` found something unusual in the log.
    pub const ALERTS: i32 = 14;
}

#[derive(Debug, thiserror::Error)]
pub enum WardError {
    /// `name` is already escaped for a terminal: shown as it is, quoted.
    #[error("invalid secret name \"{name}\": {reason}")]
    InvalidName { name: String, reason: String },

    #[error("{0}")]
    Usage(String),

    #[error("no secret named {name} (looked for {path})")]
    NotFound { name: String, path: PathBuf },

    #[error("no store at {0}")]
    NoStore(PathBuf),

    /// The store path cannot be a store: `path` is a file, and is the store
    /// path itself (`store` None) or a folder above the store path `store`.
    #[error("{path} is not a folder")]
    NotAFolder {
        path: PathBuf,
        store: Option<PathBuf>,
    },

    #[error("{what} already exists at {path}")]
    Exists { what: String, path: PathBuf },

    #[error("cannot decrypt {path}: {cause}")]
    Decrypt { path: PathBuf, cause: String },

    #[error("{path} is corrupt: {cause}")]
    Corrupt { path: PathBuf, cause: String },

    #[error("identity {path}: {cause}")]
    Identity { path: PathBuf, cause: String },

    /// No identity file at `path`, and what is known of the situation (the
    /// advice depends on it: making one, joining the store, the path named).
    #[error("no identity at {path}")]
    NoIdentity {
        path: PathBuf,
        situation: MissingIdentity,
    },

    /// A broken config.toml: where (line, when known) and what.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Config {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },

    /// Another error, with advice on what to do about it (a close name, the
    /// command that was probably meant). Keeps the inner error's exit code.
    #[error("{error}: {hint}")]
    Hinted { error: Box<WardError>, hint: String },

    /// A write whose result none of the user's identities could decrypt.
    #[error(
        "refusing to write {name}: it would be encrypted to {}, which holds none of your keys, \
         so you could not read it back; nothing was changed",
        recipients.display()
    )]
    LockOut { name: String, recipients: PathBuf },

    /// A write encrypted to a recipients file holding a key this machine
    /// has not approved (`key` is its short form).
    #[error(
        "refusing to write {name}: {} holds the key {key}{} that this machine has not \
         approved{}; nothing was changed",
        recipients.display(),
        label.as_ref().map(|l| format!(" ({})", crate::sanitize::escape(l))).unwrap_or_default(),
        if *more > 0 { format!(" (and {more} more)") } else { String::new() }
    )]
    Untrusted {
        name: String,
        key: String,
        label: Option<String>,
        recipients: PathBuf,
        more: usize,
    },

    /// The audit log is not as this machine last saw it (a chain or the
    /// key gone or behind): nothing is appended until it is looked into.
    #[error("{0}")]
    AuditPinned(String),

    /// `ward sync` could not run, or stopped: what happened, with the facts
    /// the advice needs; nothing was lost (see [`SyncFailure`]).
    #[error("{0}")]
    Sync(SyncFailure),

    #[error("recipients {path}: {cause}")]
    Recipients { path: PathBuf, cause: String },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    Other(String),
}

impl WardError {
    pub fn exit_code(&self) -> i32 {
        match self {
            WardError::InvalidName { .. } | WardError::Usage(_) => exit::USAGE,
            WardError::NotFound { .. } | WardError::NoStore(_) | WardError::NotAFolder { .. } => {
                exit::NOT_FOUND
            }
            WardError::Exists { .. } => exit::EXISTS,
            WardError::Decrypt { .. } => exit::DECRYPT,
            WardError::Corrupt { .. } | WardError::Config { .. } => exit::CORRUPT,
            WardError::Identity { .. }
            | WardError::NoIdentity { .. }
            | WardError::LockOut { .. } => exit::IDENTITY,
            WardError::Untrusted { .. } => exit::UNTRUSTED,
            WardError::Sync(f) if f.refused() => exit::USAGE,
            WardError::Sync(_) => exit::FAILURE,
            WardError::Hinted { error, .. } => error.exit_code(),
            WardError::Recipients { .. }
            | WardError::AuditPinned(_)
            | WardError::Io { .. }
            | WardError::Other(_) => exit::FAILURE,
        }
    }

    /// No identity at `path`, when nothing more is known of the situation.
    pub fn no_identity(path: impl Into<PathBuf>) -> Self {
        WardError::NoIdentity {
            path: path.into(),
            situation: MissingIdentity::Unknown,
        }
    }

    /// This error with advice appended.
    pub fn hint(self, hint: impl Into<String>) -> Self {
        WardError::Hinted {
            error: Box::new(self),
            hint: hint.into(),
        }
    }

    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        WardError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Why a sync did not happen or stopped. `Display` states the facts (and
/// that nothing was lost); the front ends add what to do. Every string in
/// it is already escaped for a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncFailure {
    /// The store folder is not a git repository.
    NotGit { store: PathBuf },
    /// The repository has no remote.
    NoRemote,
    /// Several remotes, and `branch` follows none of them.
    SeveralRemotes { branch: String },
    /// HEAD is detached: no branch to sync.
    Detached,
    /// A merge, rebase, cherry-pick or revert was left unfinished.
    InProgress { what: &'static str },
    /// Store files changed outside ward (ward commits only its own changes).
    ChangedOutside { paths: Vec<String> },
    /// The fetch failed; `git` is git's own message.
    Unreachable { remote: String, git: String },
    /// The merge or rebase failed without a conflict.
    PullFailed {
        rebase: bool,
        upstream: String,
        git: String,
    },
    /// The merge or rebase stopped on conflicts in `paths`; `why` holds the
    /// merge driver's explanations (a side it could not decrypt or read).
    Conflict {
        rebase: bool,
        upstream: String,
        paths: Vec<String>,
        why: Vec<String>,
    },
    /// The remote refused the push of `sent` commits.
    PushRefused {
        remote: String,
        sent: u32,
        git: String,
    },
}

impl SyncFailure {
    /// Refused before anything ran (a usage problem), rather than failed.
    pub fn refused(&self) -> bool {
        matches!(
            self,
            SyncFailure::NotGit { .. }
                | SyncFailure::NoRemote
                | SyncFailure::SeveralRemotes { .. }
                | SyncFailure::Detached
                | SyncFailure::InProgress { .. }
                | SyncFailure::ChangedOutside { .. }
        )
    }
}

impl std::fmt::Display for SyncFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncFailure::NotGit { store } => write!(f, "{} is not a git store", store.display()),
            SyncFailure::NoRemote => write!(f, "the store has no git remote to sync with"),
            SyncFailure::SeveralRemotes { branch } => write!(
                f,
                "the store has several remotes and branch {branch} follows none"
            ),
            SyncFailure::Detached => write!(
                f,
                "the store's HEAD is detached (no branch is checked out); nothing was synced"
            ),
            SyncFailure::InProgress { what } => write!(
                f,
                "an unfinished {what} is in progress in the store; nothing was synced"
            ),
            SyncFailure::ChangedOutside { paths } => write!(
                f,
                "the store has changes made outside ward, which sync will not commit for you: \
                 {}. Nothing was synced and nothing is lost",
                paths.join(", ")
            ),
            SyncFailure::Unreachable { remote, git } => write!(
                f,
                "could not fetch from the remote {remote} ({git}); nothing was merged or pushed \
                 and your commits are kept here"
            ),
            SyncFailure::PullFailed {
                rebase,
                upstream,
                git,
            } => write!(
                f,
                "could not {} {upstream} ({git}); nothing was pushed and your commits are kept \
                 here",
                if *rebase { "rebase onto" } else { "merge" }
            ),
            SyncFailure::Conflict {
                rebase,
                upstream,
                paths,
                why,
            } => {
                let what = if *rebase { "rebase" } else { "merge" };
                let files = if paths.is_empty() {
                    "some files".to_string()
                } else {
                    paths.join(", ")
                };
                write!(
                    f,
                    "the {what} of {upstream} stopped on a conflict in {files}; git's {what} \
                     state is kept and nothing is lost: both versions of each file are in git"
                )?;
                for w in why {
                    write!(f, " ({w})")?;
                }
                Ok(())
            }
            SyncFailure::PushRefused { remote, sent, git } => write!(
                f,
                "the remote {remote} refused the push ({git}); your {} kept here, nothing is \
                 lost",
                if *sent == 1 {
                    "commit is".to_string()
                } else {
                    format!("{sent} commits are")
                }
            ),
        }
    }
}

/// What is known when an identity file is missing, for the advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingIdentity {
    /// Nothing more: one is to be made, or another file named.
    Unknown,
    /// The default file is missing while the store exists: a new member
    /// joins it (or restores the identity they had).
    JoinStore,
    /// The path was named (--identity, WARD_IDENTITY) and is not there.
    PathNamed,
}

pub type Result<T, E = WardError> = std::result::Result<T, E>;

/// Adds the path to an `io::Result`.
pub trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|e| WardError::io(path, e))
    }
}
