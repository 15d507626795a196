//! Messages into the app (input, time, results of background work) and the
//! effects it asks the runtime for, with their small payloads.

use super::audit_view;
use super::clock::Clock;
use super::form::SaveOp;
use crate::keymap::KeyPress;
use crate::store::{Listing, SecretDoc, SecretMeta, SecretPath};
use age::secrecy::SecretString;
use std::time::Instant;

/// Messages into the app: input, time, and results of background work.
#[derive(Debug)]
pub enum Msg {
    Key(KeyPress),
    /// Bracketed paste: often a secret, so never shown by `Debug`.
    Paste(Pasted),
    Mouse(Mouse),
    Resize(u16, u16),
    /// Time passes: the front end's clock, read there (the app never reads one).
    Tick(Clock),
    /// Names from the file system.
    Listed(Listing),
    /// The store changed on disk (another process, a git pull): names again,
    /// and every secret's metadata to be checked (the cache makes it cheap).
    StoreChanged(Listing),
    /// A batch of decrypted metadata (or per-file errors).
    Metas(Vec<(SecretPath, Result<SecretMeta, String>)>),
    SecretLoaded {
        name: SecretPath,
        result: Result<Box<SecretDoc>, String>,
    },
    Saved {
        op: SaveSummary,
        result: Result<(), String>,
    },
    Unlocked(Result<(), UnlockFailure>),
    StoreCreated(Result<(), String>),
    /// A one-line notice from a background job (e.g. clipboard cleared).
    Notice(String),
    /// A problem a background job must not keep quiet about.
    Problem(String),
    Copied(Result<CopyInfo, String>),
    /// The clipboard's auto-clear ran: what happened, in words.
    ClipboardCleared(String),
    AuditLoaded(crate::audit::Timeline),
    AuditAppended(Box<crate::audit::Entry>),
    AuditVerified(audit_view::Integrity),
    /// `ward audit alerts`' rules over the last day found these many.
    AlertsFound(usize),
    /// The identities opened, but none of their keys is a recipient of the
    /// store: the join screen, with the key to add.
    JoinNeeded(Box<super::screen::JoinScreen>),
    /// The join screen's identity was made (or why not).
    IdentityCreated(Result<IdentityMade, String>),
    /// "Check again" found no recipient of mine yet (Ok), or failed. When
    /// it found one, the keys came as an unlock instead.
    JoinChecked(Result<(), String>),
    /// Keys not approved here; `refused`: the write refused for them.
    TrustPending {
        keys: Vec<super::screen::PendingKey>,
        refused: Option<String>,
    },
    /// How many keys were approved (or why not).
    TrustApproved(Result<usize, String>),
    /// The git store's standing (None: not a git store), or why it could
    /// not be read.
    GitLooked(Option<Result<crate::ops::sync::Standing, String>>),
    /// A sync ended: its one-line summary, or the error with advice.
    Synced(Result<String, String>),
}

/// A new identity for joining a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityMade {
    pub public: String,
    /// The store's keys approved on this machine at that moment.
    pub approved: usize,
}

/// A mouse event as the app sees it (the tui converts crossterm's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button went down.
    LeftDown,
    ScrollUp,
    ScrollDown,
    /// Anything else (moves, other buttons): still counts as activity.
    Other,
}

/// Pasted text: zeroized on drop and redacted in `Debug`, since a paste is
/// usually a value being entered.
pub struct Pasted(pub zeroize::Zeroizing<String>);

impl From<String> for Pasted {
    fn from(s: String) -> Self {
        Pasted(zeroize::Zeroizing::new(s))
    }
}

impl std::fmt::Debug for Pasted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pasted(<{} bytes redacted>)", self.0.len())
    }
}

/// A successful copy, for the status line.
#[derive(Clone, Debug)]
pub struct CopyInfo {
    pub summary: String,
    pub clears_at: Option<Instant>,
    /// OSC 52 cannot empty a clipboard: the "clear" overwrites it.
    pub overwrites: bool,
}

/// What a finished save changed, without the value.
#[derive(Clone, Debug)]
pub struct SaveSummary {
    pub verb: &'static str,
    pub target: Option<SecretPath>,
    pub removed: Option<SecretPath>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnlockFailure {
    WrongPassphrase,
    Other(String),
}

/// Work for the runtime.
#[derive(Debug)]
pub enum Effect {
    /// List names again from disk.
    Refresh,
    /// Decrypt metadata of these secrets in the background.
    LoadMetas(Vec<SecretPath>),
    LoadSecret(SecretPath),
    Save(SaveOp),
    Unlock(Option<SecretString>),
    /// Drop identities and values.
    Lock,
    CreateStore(Option<SecretString>),
    /// Make this user's identity to join the store (ops::init::join_store).
    CreateIdentity(Option<SecretString>),
    /// Look again whether my keys are recipients now.
    CheckJoin,
    /// Copy text that is not a secret (the join command): no audit record,
    /// no clear.
    CopyText(String),
    /// List the recipient keys waiting for approval.
    CheckTrust,
    /// Approve these recipient keys on this machine.
    Approve(Vec<String>),
    /// Copy text to the clipboard; it clears itself.
    Copy(CopyRequest),
    /// Append to the audit log (never a value).
    Record(crate::audit::Event),
    LoadAudit,
    /// Check the audit chains (header warning) and load the timeline.
    VerifyAudit,
    /// Look whether the store changed on disk since the last look.
    CheckChanges,
    /// Look at the git store's branch, ahead/behind and last sync.
    LookGit,
    /// Sync the store with its git remote (`ops::sync`).
    Sync,
    Suspend,
    Quit,
}

/// What to copy: the text is a value or a field, held only until copied.
pub struct CopyRequest {
    pub name: SecretPath,
    pub version: u32,
    pub text: zeroize::Zeroizing<String>,
    /// None for the value, else the field's name.
    pub field: Option<&'static str>,
}

impl std::fmt::Debug for CopyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CopyRequest({}, {:?}, <redacted>)",
            self.name, self.field
        )
    }
}
