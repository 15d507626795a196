//! The use cases, each once, for both front ends (docs/ARCHITECTURE.md).
//!
//! The CLI commands and the TUI's jobs call these; neither writes a change
//! to the store of its own. An operation validates, refuses what would lock
//! the user out, writes through the store, and records the audit event
//! ahead of the write taking effect. It never prompts and never prints:
//! input (values, passphrases) comes in as data, the outcome goes back as
//! data, and each front end phrases it.

pub mod alerts;
pub mod bulk;
pub mod change;
pub mod commit;
pub mod copy;
pub mod evidence;
pub mod export;
pub mod fingerprint;
pub mod identity;
pub mod import;
pub mod incident;
pub mod init;
pub mod merge;
pub mod merge_driver;
pub mod offboarding;
pub mod otp;
pub mod recipients;
pub mod scan;
pub mod sync;
pub mod trash;
pub mod trust;
pub mod unlock;

pub use change::{apply, Change, FieldChange, MetaPatch, NewValue, Outcome, Writer};

use crate::audit::Event;

/// Where an operation's audit events go. The CLI warns on stderr when one
/// cannot be written, the TUI shows it in the status line; neither fails
/// the change for it.
pub trait Journal {
    fn record(&self, event: Event);

    /// Records `events` in order, at once where the journal can (an
    /// import's batch: one audit write, not one a secret).
    fn record_all(&self, events: Vec<Event>) {
        for event in events {
            self.record(event);
        }
    }
}

impl<F: Fn(Event)> Journal for F {
    fn record(&self, event: Event) {
        self(event)
    }
}
