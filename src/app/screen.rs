//! What is on screen: one full screen, and at most one overlay over it.
//!
//! The main screen (tree and detail), the review and the audit timeline are
//! the full screens of an unlocked app; an overlay (a form, a confirmation,
//! the help, the field picker) opens over one of them and closing it goes
//! back to the screen under it (a rotation opened from the review returns
//! to the review). The lock and first-run screens carry their own state and
//! never have an overlay: entering them closes it.

use super::form::{Form, SaveOp};
use super::input::TextInput;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Screen {
    /// The tree and the selected secret's detail.
    Main,
    /// Every secret's status, for a team lead.
    Review,
    /// The whole store's audit timeline.
    Audit,
    Locked(LockScreen),
    FirstRun(Box<FirstRun>),
    /// A store this user cannot read yet: joining it.
    Join(Box<JoinScreen>),
}

#[derive(Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    Form(Box<Form>),
    Confirm(Box<Confirm>),
    /// The `?` help: `from` the scope it was opened in (its keys first),
    /// `under` what it opened over (a form keeps what was typed).
    Help {
        scroll: u16,
        from: crate::keymap::Scope,
        under: Box<Overlay>,
    },
    /// Which field to copy.
    PickField,
    /// The message log: every notice of this session, newest first.
    Messages {
        scroll: u16,
    },
    /// Recipient keys this machine has not approved.
    Trust(Box<TrustDialog>),
    /// A sync that failed: the whole message and its advice, until closed
    /// (the status line would cut it).
    SyncFailed(String),
    /// The shown secret's previous versions (app/history.rs).
    History(super::history::HistoryPick),
}

/// The main screen's two panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Tree,
    Detail,
}

/// A yes/no question and what "yes" does.
#[derive(Debug)]
pub struct Confirm {
    pub question: String,
    pub op: SaveOp,
}

/// The lock screen: shown at start for a passphrase-protected identity, and
/// after the idle timeout.
#[derive(Debug, Default)]
pub struct LockScreen {
    pub passphrase: TextInput,
    /// The identity needs a passphrase (else Enter alone unlocks).
    pub needs_passphrase: bool,
    pub error: Option<String>,
    pub busy: bool,
    pub identity: String,
}

/// First run: no store yet.
#[derive(Debug, Default)]
pub struct FirstRun {
    pub store_path: PathBuf,
    pub identity_path: PathBuf,
    pub identity_exists: bool,
    pub passphrase: TextInput,
    pub confirm: TextInput,
    /// 0 passphrase, 1 confirm.
    pub focus: usize,
    pub error: Option<String>,
    pub busy: bool,
}

/// Joining a store that exists but that this user cannot read
/// (docs/TEAMS.md "Joining"): without an identity here, first the step that
/// creates one; then the public key and the command a member runs.
#[derive(Debug, Default)]
pub struct JoinScreen {
    pub store_path: String,
    pub identity_path: String,
    /// The key a member adds; None while there is no identity (the create step).
    pub public: Option<String>,
    /// The label the member gives the key: this user's actor.
    pub label: String,
    pub passphrase: TextInput,
    pub confirm: TextInput,
    /// 0 passphrase, 1 confirm.
    pub focus: usize,
    /// The identity was made now; `protected`: with a passphrase.
    pub created: bool,
    pub protected: bool,
    /// The store's keys approved here when the identity was made.
    pub approved: usize,
    /// The outcome of the last copy or check.
    pub status: Option<String>,
    pub error: Option<String>,
    pub busy: bool,
}

impl JoinScreen {
    /// The command a member runs, once there is a key.
    pub fn command(&self) -> Option<String> {
        self.public
            .as_deref()
            .map(|p| crate::ops::identity::member_command(p, &self.label))
    }
}

// The trust dialog: recipient keys in force that this machine has not
// approved (docs/TEAMS.md "Trust"). It opens at start when something is
// pending and when a write is refused for it; approving asks first. Until
// approved, writes stay refused: the store's guard decides, not this.

/// A key waiting for approval, as the dialog shows it (strings from the
/// store and from git: the renderer escapes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingKey {
    /// The recipient line's key, whole: what is approved.
    pub key: String,
    pub label: Option<String>,
    /// The recipients file, relative to the store.
    pub file: String,
    /// In a git store, the commit and author that last changed the file.
    pub added_by: Option<String>,
}

#[derive(Debug, Default)]
pub struct TrustDialog {
    pub keys: Vec<PendingKey>,
    /// The refused write that opened the dialog, if one did.
    pub refused: Option<String>,
    /// The approval was asked for: yes or no.
    pub confirming: bool,
    /// The first key shown.
    pub scroll: usize,
    pub busy: bool,
    pub error: Option<String>,
    /// What the dialog opened over (a form keeps what was typed), back
    /// when it closes.
    pub under: Overlay,
}

impl TrustDialog {
    pub fn new(keys: Vec<PendingKey>, refused: Option<String>, under: Overlay) -> TrustDialog {
        TrustDialog {
            keys,
            refused,
            under,
            ..TrustDialog::default()
        }
    }

    /// The keys to approve, whole.
    pub fn approvals(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.key.clone()).collect()
    }
}
