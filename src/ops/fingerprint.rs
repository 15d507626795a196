//! The store's fingerprint key (store/values.rs), trusted on first use.
//!
//! Anyone who can write the shared store can replace
//! `.ward/fingerprint.key.age` with a key of their own, encrypted to the
//! same public recipients; with it, they could later test the fingerprints
//! in caches against guesses, or make two different secrets look alike.
//! So this machine pins the key's id in the trust book (scope
//! [`SCOPE`]) the first time it uses the key, and afterwards refuses any
//! other key until `ward recipients trust` approves it. Created on first
//! need, encrypted to `.ward/recipients`; re-encrypted when those change
//! (`ops::recipients`).

use crate::error::{Result, WardError};
use crate::store::values::FingerprintKey;
use crate::store::{Keyring, Store};
use crate::trust::TrustBook;

/// The trust book's scope for the fingerprint key (items: key ids).
pub const SCOPE: &str = "fingerprint-key";

/// Why the store's fingerprint key is not used on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The key differs from the one this machine pinned.
    Changed { pinned: String, found: String },
    /// The key file disappeared after this machine pinned one.
    Missing { pinned: String },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Changed { pinned, found } => write!(
                f,
                "the store's fingerprint key changed (this machine pinned {pinned}, the store has \
                 {found}): reuse is not shown until `ward recipients trust` approves it"
            ),
            Refused::Missing { pinned } => write!(
                f,
                "the store's fingerprint key (.ward/fingerprint.key.age, pinned here as {pinned}) \
                 is gone: reuse is not shown until it is restored, or `ward recipients trust` \
                 approves a new one"
            ),
        }
    }
}

/// The store's fingerprint key, created when the store has none, pinned
/// on first use; `Ok(Err(_))` when this machine refuses the one there.
pub fn load(store: &Store, keys: &Keyring) -> Result<std::result::Result<FingerprintKey, Refused>> {
    let mut book = TrustBook::open(&store.info().id)?;
    let pinned = book.approved(SCOPE);
    let key = match FingerprintKey::load(store.root(), keys)? {
        Some(k) => k,
        None if !pinned.is_empty() => {
            return Ok(Err(Refused::Missing {
                pinned: pinned.iter().next().cloned().unwrap_or_default(),
            }))
        }
        None => create(store, keys)?,
    };
    let id = key.id();
    if pinned.is_empty() {
        book.approve(SCOPE, [id])?;
        return Ok(Ok(key));
    }
    if pinned.contains(&id) {
        return Ok(Ok(key));
    }
    Ok(Err(Refused::Changed {
        pinned: pinned.iter().next().cloned().unwrap_or_default(),
        found: id,
    }))
}

/// A new key, under the store lock so two first uses make one.
fn create(store: &Store, keys: &Keyring) -> Result<FingerprintKey> {
    let _lock = store.lock()?;
    if let Some(k) = FingerprintKey::load(store.root(), keys)? {
        return Ok(k);
    }
    let key = FingerprintKey::generate();
    key.save(store.root())?;
    Ok(key)
}

/// What `ward recipients trust` shows and approves: the store's key when
/// this machine refuses it (its id), else `None`.
pub fn pending(store: &Store, keys: &Keyring) -> Result<Option<String>> {
    let book = TrustBook::open(&store.info().id)?;
    let pinned = book.approved(SCOPE);
    if pinned.is_empty() {
        return Ok(None);
    }
    match FingerprintKey::load(store.root(), keys)? {
        Some(k) if !pinned.contains(&k.id()) => Ok(Some(k.id())),
        _ => Ok(None),
    }
}

/// Approves the store's current key on this machine (in place of the
/// pinned one).
pub fn approve(store: &Store, keys: &Keyring) -> Result<()> {
    let key = FingerprintKey::load(store.root(), keys)?
        .ok_or_else(|| WardError::Other("the store has no fingerprint key to approve".into()))?;
    let mut book = TrustBook::open(&store.info().id)?;
    let old: Vec<String> = book.approved(SCOPE).into_iter().collect();
    book.revoke(SCOPE, old)?;
    book.approve(SCOPE, [key.id()])
}

/// Re-encrypts the key to the store's recipients as they are now (after
/// a recipients change), when the store has one.
pub fn reencrypt(store: &Store, keys: &Keyring) -> Result<()> {
    match FingerprintKey::load(store.root(), keys)? {
        Some(k) => k.save(store.root()),
        None => Ok(()),
    }
}
