//! The trust dialog: recipient keys in force that this machine has not
//! approved (docs/TEAMS.md "Trust"). It opens at start when something is
//! pending and when a write is refused for it; approving asks first.
//! Until approved, writes stay refused: the store's guard decides, not this.

use super::screen::Overlay;

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
