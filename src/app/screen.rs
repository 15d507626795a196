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
}

#[derive(Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    Form(Box<Form>),
    Confirm(Box<Confirm>),
    Help {
        scroll: u16,
    },
    /// Which field to copy.
    PickField,
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
