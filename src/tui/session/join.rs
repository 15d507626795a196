//! The jobs of joining a store and of trusting its keys, for the session:
//! making this user's identity (through ops::init::join_store, as `ward
//! init` does), looking again whether my keys are recipients, copying the
//! join command, listing and approving keys waiting for approval.

use super::{Event, Job, Session};
use crate::app::screen::PendingKey;
use crate::app::{IdentityMade, JoinScreen, Msg};
use crate::audit::{self, Action, Event as AuditEvent};
use crate::ops::{identity, init, trust};
use crate::store::crypto::Keyring;
use crate::store::Store;
use age::secrecy::SecretString;
use std::path::Path;
use std::sync::mpsc::Sender;
use std::sync::Arc;

fn send(tx: &Sender<Event>, msg: Msg) {
    let _ = tx.send(Event::App(msg));
}

/// The join screen for this store and identity; `public`: the key of an
/// identity that exists (None: the create step comes first).
pub fn screen(store: &Path, identity: &Path, actor: &str, public: Option<String>) -> JoinScreen {
    JoinScreen {
        store_path: store.display().to_string(),
        identity_path: identity.display().to_string(),
        public,
        label: actor.to_string(),
        ..JoinScreen::default()
    }
}

/// Whether `keys` can read the store; when not, tells the app to show the
/// join screen and hands the keys to the session without unlocking.
pub fn hold_if_not_member(
    store: &Store,
    keys: Arc<Keyring>,
    identity: &Path,
    actor: &str,
    tx: &Sender<Event>,
) -> Option<Arc<Keyring>> {
    if identity::is_member(store, &keys) {
        return Some(keys);
    }
    let public = keys.public_keys().first().cloned();
    let join = screen(store.root(), identity, actor, public);
    let _ = tx.send(Event::Joining(keys));
    send(tx, Msg::JoinNeeded(Box::new(join)));
    None
}

/// Makes the identity and opens it with the same passphrase.
pub fn create_identity(session: &Session, passphrase: Option<SecretString>) -> Option<Job> {
    let root = session.store_root.clone();
    let path = session.identity_paths.first().cloned()?;
    let now = session.clock.utc();
    Some(Box::new(move |tx| {
        let made = init::join_store(&root, &path, passphrase.as_ref(), now).and_then(|joined| {
            let keys = identity::load_with(std::slice::from_ref(&path), passphrase.as_ref())
                .map_err(identity::LoadFailure::into_ward)?;
            Ok((joined, keys))
        });
        match made {
            Ok((joined, keys)) => {
                let _ = tx.send(Event::Joining(Arc::new(keys)));
                send(
                    &tx,
                    Msg::IdentityCreated(Ok(IdentityMade {
                        public: joined.public,
                        approved: joined.approved.len(),
                    })),
                );
            }
            Err(e) => send(
                &tx,
                Msg::IdentityCreated(Err(crate::tui::advice::describe(&e))),
            ),
        }
    }))
}

/// "Check again": a member added my key (and I synced): unlock as usual,
/// with the store listed again; else say not yet.
pub fn check_join(session: &Session) -> Option<Job> {
    let (store, keys) = (session.store.clone()?, session.keys.clone()?);
    let actor = session.actor.clone();
    Some(Box::new(move |tx| {
        // A pull may have brought the recipients file from elsewhere.
        let store = Store::open(store.root()).unwrap_or(store);
        if !identity::is_member(&store, &keys) {
            send(&tx, Msg::JoinChecked(Ok(())));
            return;
        }
        let log = audit::Log::open(store.root(), &actor, audit::keyring_fingerprint(&keys));
        if let Err(e) = log.append(&keys, AuditEvent::new(Action::Unlock)) {
            send(
                &tx,
                Msg::Problem(format!("the audit log was not written: {e}")),
            );
        }
        let _ = tx.send(Event::Keys(keys));
        send(&tx, Msg::StoreChanged(store.list(None)));
    }))
}

/// Copies the join command through the session's clipboard lane (OSC 52
/// over SSH), as a job in turn with other copies: it is no secret, so it is
/// neither recorded nor cleared.
pub fn copy_text(session: &mut Session, text: String) -> Option<Job> {
    let ticket = session.clip.ticket();
    let clip = session.clip.clone();
    let now = session.clock.now;
    Some(Box::new(move |tx| {
        let msg = clip
            .in_turn(ticket, |board| {
                match board.copier.copy(&text, None, now, None) {
                    Ok(report) => Msg::Notice(format!("{}.", report.headline("the command"))),
                    Err(e) => Msg::Problem(format!(
                        "Not copied: {}",
                        crate::tui::advice::copy_error(&e)
                    )),
                }
            })
            .unwrap_or_else(|| Msg::Problem("Not copied: ward is quitting.".into()));
        send(&tx, msg);
    }))
}

/// The keys waiting for approval in the whole store, for the dialog;
/// `refused`: the write refused for them.
pub fn send_pending(store: &Store, refused: Option<String>, tx: &Sender<Event>) {
    match trust::pending_listing(store, None) {
        Ok(listed) => {
            let keys = listed
                .into_iter()
                .map(|l| PendingKey {
                    key: l.pending.entry.key,
                    label: l.pending.entry.label,
                    file: l
                        .pending
                        .file
                        .strip_prefix(store.root())
                        .unwrap_or(&l.pending.file)
                        .display()
                        .to_string(),
                    added_by: l.added_by,
                })
                .collect();
            send(tx, Msg::TrustPending { keys, refused });
        }
        Err(e) => send(
            tx,
            Msg::Problem(format!("the recipients could not be checked: {e}")),
        ),
    }
}

pub fn check_trust(session: &Session) -> Option<Job> {
    let store = session.store.clone()?;
    Some(Box::new(move |tx| send_pending(&store, None, &tx)))
}

pub fn approve(session: &Session, keys: Vec<String>) -> Option<Job> {
    let store = session.store.clone()?;
    Some(Box::new(move |tx| {
        let result = trust::approve(&store, &keys)
            .map(|()| keys.len())
            .map_err(|e| crate::tui::advice::describe(&e));
        send(&tx, Msg::TrustApproved(result));
    }))
}
