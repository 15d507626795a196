//! The lock screen's and the first run's keys: a passphrase, then Enter.

use crate::app::{App, Effect, Screen};
use crate::keymap::{Action, KeyPress};
use age::secrecy::SecretString;

pub(crate) fn lock_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    if action == Some(Action::Quit) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    let Screen::Locked(lock) = &mut app.screen else {
        return Vec::new();
    };
    if lock.busy {
        return Vec::new();
    }
    if action == Some(Action::Unlock) {
        lock.busy = true;
        lock.error = None;
        let pass = (!lock.passphrase.text().is_empty())
            .then(|| SecretString::from(lock.passphrase.text().to_string()));
        lock.passphrase.clear();
        return vec![Effect::Unlock(pass)];
    }
    lock.passphrase.handle_key(&key);
    Vec::new()
}

pub(crate) fn first_run_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    if action == Some(Action::Quit) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    let Screen::FirstRun(fr) = &mut app.screen else {
        return Vec::new();
    };
    if fr.busy {
        return Vec::new();
    }
    match action {
        Some(Action::NextField) => {
            // An existing identity has one field: its own passphrase.
            if !fr.identity_exists {
                fr.focus = 1 - fr.focus
            }
        }
        Some(Action::Submit) => {
            if !fr.identity_exists && fr.passphrase.text() != fr.confirm.text() {
                fr.error = Some("The two passphrases differ.".into());
                fr.focus = 1;
                return Vec::new();
            }
            fr.busy = true;
            fr.error = None;
            let pass = (!fr.passphrase.text().is_empty())
                .then(|| SecretString::from(fr.passphrase.text().to_string()));
            app.protected = pass.is_some();
            return vec![Effect::CreateStore(pass)];
        }
        _ => {
            let input = if fr.focus == 0 {
                &mut fr.passphrase
            } else {
                &mut fr.confirm
            };
            input.handle_key(&key);
        }
    }
    Vec::new()
}
