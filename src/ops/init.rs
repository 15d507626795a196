//! Creating a store (`ward init`, and the TUI's first run): an identity if
//! there is none, the store encrypted to it (and any other recipients), this
//! machine's pins of an earlier store in the same folder forgotten, and the
//! store's first audit record.

use super::identity;
use crate::audit::{self, Action, Event};
use crate::error::{Result, WardError};
use crate::store::{Keyring, Store};
use age::secrecy::SecretString;
use std::path::{Path, PathBuf};

/// What to create.
pub struct NewStore<'a> {
    pub root: &'a Path,
    pub identity: IdentityChoice<'a>,
    /// Recipients besides the identity's own key.
    pub recipients: &'a [String],
    pub actor: &'a str,
}

/// The identity the store is encrypted to.
pub enum IdentityChoice<'a> {
    /// Identities the front end already opened (an existing file).
    Loaded(Keyring),
    /// A new identity at `path`, protected by `passphrase` when given.
    Create {
        path: &'a Path,
        passphrase: Option<&'a SecretString>,
    },
}

/// What was created.
pub struct Created {
    pub store: Store,
    pub keys: Keyring,
    /// The public key of an identity made now; None when one existed.
    pub new_identity: Option<String>,
    pub recipients: usize,
    /// Things that went wrong without stopping the creation (pins, the
    /// first audit record), for the front end to show.
    pub warnings: Vec<String>,
}

/// Creates the store. An existing store at `root` is refused, so is a
/// recipient that does not parse (before anything is written).
pub fn create_store(new: NewStore) -> Result<Created> {
    if let Ok(store) = Store::open(new.root) {
        return Err(WardError::Exists {
            what: "a store".into(),
            path: store.root().to_path_buf(),
        });
    }
    for r in new.recipients {
        crate::store::crypto::Recipient::parse(r)
            .map_err(|cause| WardError::Usage(format!("recipient {r}: {cause}")))?;
    }
    let (keys, new_identity) = match new.identity {
        IdentityChoice::Loaded(keys) => (keys, None),
        IdentityChoice::Create { path, passphrase } => {
            let public = identity::create(path, passphrase)?;
            let keys = identity::load_with(&[PathBuf::from(path)], passphrase)
                .map_err(identity::LoadFailure::into_ward)?;
            (keys, Some(public))
        }
    };
    let mut recipients = keys.public_keys().to_vec();
    recipients.extend(new.recipients.iter().cloned());
    let store = Store::create(new.root, &recipients, chrono::Utc::now())?;
    let mut warnings = Vec::new();
    // A new store in this folder: what this machine pinned for an earlier
    // store here no longer applies.
    if let Err(e) = audit::Local::default().forget_root(new.root) {
        warnings.push(format!("the audit pins were not updated: {e}"));
    }
    // The audit key is made now, while the store is new, and the first
    // record says who created it for whom.
    let log = audit::Log::open(new.root, new.actor, audit::keyring_fingerprint(&keys));
    let event = Event::new(Action::RecipientsChange).reason(Some(&format!(
        "store created for {}",
        crate::words::plural(recipients.len(), "recipient")
    )));
    if let Err(e) = log.append(&keys, event) {
        warnings.push(format!("the audit log was not written: {e}"));
    }
    Ok(Created {
        store,
        keys,
        new_identity,
        recipients: recipients.len(),
        warnings,
    })
}
