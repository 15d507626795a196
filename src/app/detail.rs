//! The selected secret's decrypted document and whether its value shows.

use crate::store::{SecretDoc, SecretPath};
use std::time::Instant;

#[derive(Default)]
pub struct Detail {
    /// The secret shown (follows the tree selection).
    pub name: Option<SecretPath>,
    /// Its document once decrypted; dropped when the selection moves or the
    /// app locks, so at most one value is in memory.
    pub doc: Option<Result<SecretDoc, String>>,
    /// The value shows until this moment.
    pub revealed_until: Option<Instant>,
    pub scroll: u16,
    /// Reveal was asked for before the document finished decrypting.
    pub reveal_pending: bool,
    /// An action typed while the document was decrypting (copy, a field,
    /// edit, rotate): it runs when the document arrives (issue 16: keys
    /// typed in a burst are not dropped). Dropped when the selection moves.
    pub pending: Option<crate::keymap::Action>,
}

impl Detail {
    /// Points the detail at `name`; true if a load is needed.
    pub fn show(&mut self, name: Option<SecretPath>) -> bool {
        if self.name == name {
            return false;
        }
        self.name = name;
        self.doc = None;
        self.revealed_until = None;
        self.reveal_pending = false;
        self.pending = None;
        self.scroll = 0;
        self.name.is_some()
    }

    pub fn loaded(&self) -> Option<&SecretDoc> {
        self.doc.as_ref().and_then(|r| r.as_ref().ok())
    }

    /// A secret is shown and its document is still decrypting.
    pub fn is_loading(&self) -> bool {
        self.name.is_some() && self.doc.is_none()
    }

    pub fn is_revealed(&self, now: Instant) -> bool {
        self.revealed_until.is_some_and(|t| now < t) && self.loaded().is_some()
    }

    /// Forgets the value (lock, selection change).
    pub fn forget(&mut self) {
        self.reveal_pending = false;
        self.pending = None;
        self.doc = None;
        self.revealed_until = None;
        self.name = None;
    }
}
