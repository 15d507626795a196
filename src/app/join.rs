//! Results for joining a store and for trusting its keys: the join screen
//! opened, its identity made, "check again" answered; keys waiting for
//! approval listed, approved.

use super::screen::TrustDialog;
use super::{App, Effect, IdentityMade, Msg, Overlay, Screen};

pub(super) fn on_result(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::JoinNeeded(join) => {
            app.overlay = Overlay::None;
            app.screen = Screen::Join(join);
        }
        Msg::IdentityCreated(result) => on_identity_created(app, result),
        Msg::JoinChecked(result) => {
            if let Screen::Join(join) = &mut app.screen {
                join.busy = false;
                match result {
                    Ok(()) => {
                        join.status =
                            Some("Not yet: none of your keys is a recipient of this store.".into())
                    }
                    Err(e) => join.error = Some(e),
                }
            }
        }
        Msg::TrustPending { keys, refused } => on_trust_pending(app, keys, refused),
        Msg::TrustApproved(result) => on_trust_approved(app, result),
        // Everything else is the other handlers'.
        _ => {}
    }
    Vec::new()
}

fn on_identity_created(app: &mut App, result: Result<IdentityMade, String>) {
    let Screen::Join(join) = &mut app.screen else {
        return;
    };
    join.busy = false;
    match result {
        Ok(made) => {
            join.public = Some(made.public);
            join.approved = made.approved;
            join.created = true;
        }
        Err(e) => {
            join.protected = false;
            app.protected = false;
            join.error = Some(e);
        }
    }
}

/// Opens the dialog over what is open (a refused form stays under it),
/// on an unlocked screen only; nothing pending: nothing opens.
fn on_trust_pending(app: &mut App, keys: Vec<super::screen::PendingKey>, refused: Option<String>) {
    let unlocked = matches!(app.screen, Screen::Main | Screen::Review | Screen::Audit);
    if keys.is_empty() || !unlocked {
        return;
    }
    if let Overlay::Trust(dialog) = &mut app.overlay {
        dialog.keys = keys;
        dialog.refused = refused.or(dialog.refused.take());
        return;
    }
    let under = std::mem::take(&mut app.overlay);
    app.overlay = Overlay::Trust(Box::new(TrustDialog::new(keys, refused, under)));
}

fn on_trust_approved(app: &mut App, result: Result<usize, String>) {
    let Overlay::Trust(dialog) = &mut app.overlay else {
        return;
    };
    dialog.busy = false;
    match result {
        Ok(n) => {
            let again = dialog.refused.is_some();
            super::keys::join::close_trust(app);
            app.info(format!(
                "Approved {} for this store on this machine.{}",
                crate::words::plural(n, "key"),
                if again { " Save again to write." } else { "" }
            ));
        }
        Err(e) => dialog.error = Some(e),
    }
}
