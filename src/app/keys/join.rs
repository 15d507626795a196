//! The join screen's keys (making an identity, then copying the command
//! and checking again) and the trust dialog's.

use crate::app::screen::TrustDialog;
use crate::app::{App, Effect, Overlay, Screen};
use crate::keymap::{Action, KeyPress};
use age::secrecy::SecretString;

/// The create step: a passphrase (typed twice, or none), then Enter.
pub(crate) fn join_create_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    if action == Some(Action::Quit) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    let Screen::Join(join) = &mut app.screen else {
        return Vec::new();
    };
    if join.busy {
        return Vec::new();
    }
    match action {
        Some(Action::NextField) => join.focus = 1 - join.focus,
        Some(Action::Submit) => {
            if join.passphrase.text() != join.confirm.text() {
                join.error = Some("The two passphrases differ.".into());
                join.focus = 1;
                return Vec::new();
            }
            join.busy = true;
            join.error = None;
            let pass = (!join.passphrase.text().is_empty())
                .then(|| SecretString::from(join.passphrase.text().to_string()));
            join.protected = pass.is_some();
            app.protected = pass.is_some();
            join.passphrase.clear();
            join.confirm.clear();
            return vec![Effect::CreateIdentity(pass)];
        }
        _ => {
            let input = if join.focus == 0 {
                &mut join.passphrase
            } else {
                &mut join.confirm
            };
            if input.handle_key(&key) {
                join.error = None;
            }
        }
    }
    Vec::new()
}

/// The key step: copy the command, check again, quit.
pub(crate) fn join_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let Screen::Join(join) = &mut app.screen else {
        return Vec::new();
    };
    match action {
        Some(Action::Quit) => {
            app.quit = true;
            vec![Effect::Quit]
        }
        Some(Action::Copy) => join.command().map(Effect::CopyText).into_iter().collect(),
        Some(Action::Refresh) if !join.busy => {
            join.busy = true;
            join.status = None;
            join.error = None;
            vec![Effect::CheckJoin]
        }
        _ => Vec::new(),
    }
}

/// The trust dialog: approve (asks first), scroll, close. While the
/// approval is asked, the confirmation's keys are in force.
pub(crate) fn trust_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let Overlay::Trust(dialog) = &mut app.overlay else {
        return Vec::new();
    };
    if dialog.busy {
        return Vec::new();
    }
    if dialog.confirming {
        match action {
            Some(Action::Yes) => {
                dialog.confirming = false;
                dialog.busy = true;
                return vec![Effect::Approve(dialog.approvals())];
            }
            Some(Action::No) => dialog.confirming = false,
            _ => {}
        }
        return Vec::new();
    }
    match action {
        Some(Action::Approve) => {
            dialog.confirming = true;
            dialog.error = None;
        }
        Some(Action::Up) => dialog.scroll = dialog.scroll.saturating_sub(1),
        Some(Action::Down) => {
            dialog.scroll = (dialog.scroll + 1).min(dialog.keys.len().saturating_sub(1))
        }
        Some(Action::Back) => close_trust(app),
        _ => {}
    }
    Vec::new()
}

/// Closes the trust dialog onto what it opened over.
pub(crate) fn close_trust(app: &mut App) {
    if let Overlay::Trust(dialog) = std::mem::take(&mut app.overlay) {
        let TrustDialog { under, .. } = *dialog;
        app.overlay = under;
    }
}
