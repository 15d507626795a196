//! The runtime side of the app: the store, the identities and the jobs that
//! perform effects. The real loop runs jobs on threads; tests run them inline.

use crate::app::form::{MetaEdit, SaveOp};
use crate::app::{Effect, Msg, SaveSummary, UnlockFailure, META_BATCH};
use crate::config::Config;
use crate::error::WardError;
use crate::policy::Compromised;
use crate::store::crypto::{self, IdentityLoadError, Keyring};
use crate::store::{fsio, Encoding, SecretDoc, Store};
use age::secrecy::SecretString;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// What a job reports back.
pub enum Event {
    App(Msg),
    /// Identities loaded: the session keeps them.
    Keys(Arc<Keyring>),
    /// A store was created: the session opens it.
    StoreReady(Box<Store>),
}

pub type Job = Box<dyn FnOnce(Sender<Event>) + Send>;

pub struct Session {
    pub store_root: PathBuf,
    pub store: Option<Store>,
    pub keys: Option<Arc<Keyring>>,
    pub identity_paths: Vec<PathBuf>,
    pub config: Config,
    pub actor: String,
}

fn send(tx: &Sender<Event>, msg: Msg) {
    let _ = tx.send(Event::App(msg));
}

impl Session {
    /// Takes in a job's report; returns the message for the app, if any.
    pub fn absorb(&mut self, event: Event) -> Option<Msg> {
        match event {
            Event::App(m) => Some(m),
            Event::Keys(k) => {
                self.keys = Some(k);
                Some(Msg::Unlocked(Ok(())))
            }
            Event::StoreReady(store) => {
                let listing = store.list(None);
                self.store = Some(*store);
                // Created, then listed (empty, or whatever a reused folder holds).
                Some(Msg::Listed(listing))
            }
        }
    }

    /// Turns an effect into a job, or performs it at once when it is trivial.
    /// Quit and Suspend belong to the terminal loop and return None.
    pub fn perform(&mut self, effect: Effect) -> Option<Job> {
        match effect {
            Effect::Quit | Effect::Suspend => None,
            Effect::Lock => {
                self.keys = None;
                None
            }
            Effect::Refresh => {
                let store = self.store.clone()?;
                Some(Box::new(move |tx| send(&tx, Msg::Listed(store.list(None)))))
            }
            Effect::LoadMetas(names) => {
                let (store, keys) = (self.store.clone()?, self.keys.clone()?);
                Some(Box::new(move |tx| {
                    for chunk in names.chunks(META_BATCH) {
                        let batch = store
                            .read_meta_all(&keys, chunk)
                            .into_iter()
                            .map(|(n, r)| (n, r.map_err(|e| e.to_string())))
                            .collect();
                        if tx.send(Event::App(Msg::Metas(batch))).is_err() {
                            return; // the app has quit
                        }
                    }
                }))
            }
            Effect::LoadSecret(name) => {
                let (store, keys) = (self.store.clone()?, self.keys.clone()?);
                Some(Box::new(move |tx| {
                    let result = store
                        .read(&keys, &name)
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    send(&tx, Msg::SecretLoaded { name, result });
                }))
            }
            Effect::Save(op) => {
                let store = self.store.clone()?;
                let keys = self.keys.clone()?;
                let actor = self.actor.clone();
                let keep = self.config.history_limit;
                Some(Box::new(move |tx| {
                    let summary = SaveSummary {
                        verb: op.verb(),
                        target: op.target().cloned(),
                        removed: match &op {
                            SaveOp::Rename { from, .. } => Some(from.clone()),
                            SaveOp::Delete { name } => Some(name.clone()),
                            _ => None,
                        },
                    };
                    let result = save(&store, &keys, &actor, keep, op).map_err(|e| e.to_string());
                    send(
                        &tx,
                        Msg::Saved {
                            op: summary,
                            result,
                        },
                    );
                }))
            }
            Effect::Unlock(passphrase) => {
                let paths = self.identity_paths.clone();
                Some(Box::new(move |tx| {
                    match load_keys(&paths, passphrase.as_ref()) {
                        Ok(k) => {
                            let _ = tx.send(Event::Keys(Arc::new(k)));
                        }
                        Err(f) => send(&tx, Msg::Unlocked(Err(f))),
                    }
                }))
            }
            Effect::CreateStore(passphrase) => {
                let root = self.store_root.clone();
                let identity = self.identity_paths.first().cloned()?;
                Some(Box::new(move |tx| {
                    match create_store(&root, &identity, passphrase.as_ref()) {
                        Ok((store, keys)) => {
                            let _ = tx.send(Event::Keys(Arc::new(keys)));
                            let _ = tx.send(Event::StoreReady(Box::new(store)));
                            send(&tx, Msg::StoreCreated(Ok(())));
                        }
                        Err(e) => send(&tx, Msg::StoreCreated(Err(e.to_string()))),
                    }
                }))
            }
        }
    }
}

/// Loads every identity with one passphrase (or none).
pub fn load_keys(
    paths: &[PathBuf],
    passphrase: Option<&SecretString>,
) -> Result<Keyring, UnlockFailure> {
    let mut keyring = Keyring::default();
    for path in paths {
        match keyring.add_file(path, passphrase) {
            Ok(()) => {}
            Err(IdentityLoadError::NeedsPassphrase { .. })
            | Err(IdentityLoadError::WrongPassphrase { .. }) => {
                return Err(UnlockFailure::WrongPassphrase)
            }
            Err(IdentityLoadError::Other(e)) => return Err(UnlockFailure::Other(e.to_string())),
        }
    }
    Ok(keyring)
}

/// First run: an identity (unless one exists) and a store encrypted to it.
fn create_store(
    root: &std::path::Path,
    identity: &std::path::Path,
    passphrase: Option<&SecretString>,
) -> Result<(Store, Keyring), WardError> {
    let now = chrono::Utc::now();
    if !identity.exists() {
        let (text, _) = crypto::generate_identity(now);
        let bytes = match passphrase {
            Some(p) => crypto::encrypt_with_passphrase(text.as_bytes(), p),
            None => text.as_bytes().to_vec(),
        };
        if let Some(dir) = identity.parent() {
            fsio::create_private_dir(dir)?;
        }
        fsio::atomic_write(identity, &bytes)?;
    }
    let mut keys = Keyring::default();
    keys.add_file(identity, passphrase)
        .map_err(IdentityLoadError::into_ward)?;
    let store = Store::create(root, keys.public_keys(), now)?;
    Ok((store, keys))
}

fn apply_meta(doc: &mut SecretDoc, meta: MetaEdit) {
    doc.kind = meta.kind;
    doc.owner = meta.owner;
    doc.tags = meta.tags;
    doc.url = meta.url;
    doc.notes = meta.notes;
    doc.expires = meta.expires;
    doc.rotate_every = meta.rotate_every;
}

/// Performs one change on the store.
fn save(
    store: &Store,
    keys: &Keyring,
    actor: &str,
    keep: usize,
    op: SaveOp,
) -> Result<(), WardError> {
    let now = chrono::Utc::now();
    match op {
        SaveOp::Create {
            name,
            value,
            meta,
            generator,
        } => {
            let mut doc = SecretDoc::new(value, Encoding::Utf8, actor, now);
            apply_meta(&mut doc, meta);
            doc.generator = generator;
            store.create_secret(&name, &doc)
        }
        SaveOp::Edit { name, meta } => store.update(keys, &name, |doc| {
            apply_meta(doc, meta);
            doc.touch(actor, now);
            Ok(())
        }),
        SaveOp::Rotate {
            name,
            value,
            reason,
            generator,
        } => store.update(keys, &name, |doc| {
            if doc.value == value {
                return Err(WardError::Usage(
                    "the new value is the same as the current one".into(),
                ));
            }
            doc.set_value(value, Encoding::Utf8, actor, reason, now, keep);
            if generator.is_some() {
                doc.generator = generator;
            }
            Ok(())
        }),
        SaveOp::Rename { from, to } => store.rename(keys, &from, &to, actor),
        SaveOp::Delete { name } => store.remove(&name),
        SaveOp::Compromise { name, reason } => store.update(keys, &name, |doc| {
            doc.compromised = Some(Compromised {
                since: now,
                by: actor.to_string(),
                reason,
            });
            doc.touch(actor, now);
            Ok(())
        }),
    }
}
