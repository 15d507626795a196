//! The store-wide audit key: 32 random bytes, age-encrypted to the store's
//! recipients at `.ward/audit.key.age`, created on first use.
//!
//! Anyone can encrypt a new key to the (public) recipients, so the key file
//! alone does not prove it is the original. Each machine therefore pins the
//! key's id the first time it sees it (`<data dir>/ward/audit-pins`, trust on
//! first use) and `verify` reports a key that differs from the pinned one.

use crate::error::{IoContext, Result, WardError};
use crate::store::{crypto, fsio, Keyring, RECIPIENTS_FILE, WARD_DIR};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// File name of the encrypted audit key inside `.ward/`.
pub const KEY_FILE: &str = "audit.key.age";
const KEY_HEADER: &str = "ward-audit-key-v1";
const PIN_FILE: &str = "audit-pins";

/// The audit key, kept in zeroizing memory; `Debug` shows only its id.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditKey({})", self.id())
    }
}

impl AuditKey {
    /// A fresh random key (not saved).
    pub fn generate() -> AuditKey {
        AuditKey::from_bytes(rand::random())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey {
            bytes: Zeroizing::new(bytes),
        }
    }

    /// A public, non-secret id of the key (16 hex digits).
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"ward-audit-key-id\0");
        h.update(&self.bytes[..]);
        super::hex(&h.finalize()[..8])
    }

    /// HMAC-SHA256 over `domain`, `chain` and `bytes`, each separated by NUL.
    pub(crate) fn mac(&self, domain: &[u8], chain: &str, bytes: &[u8]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes[..])
            .expect("HMAC takes any key length");
        m.update(domain);
        m.update(b"\0");
        m.update(chain.as_bytes());
        m.update(b"\0");
        m.update(bytes);
        m.finalize().into_bytes().into()
    }

    /// Path of the encrypted key in the store at `store_root`.
    pub fn path(store_root: &Path) -> PathBuf {
        store_root.join(WARD_DIR).join(KEY_FILE)
    }

    /// Decrypts the store's audit key; `Ok(None)` when there is none yet.
    pub fn load(store_root: &Path, keys: &Keyring) -> Result<Option<AuditKey>> {
        let path = AuditKey::path(store_root);
        let cipher = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(WardError::io(&path, e)),
        };
        let plain = keys.decrypt(&path, &cipher)?;
        let corrupt = || WardError::Corrupt {
            path: path.clone(),
            cause: "not a ward audit key".into(),
        };
        let text = std::str::from_utf8(&plain).map_err(|_| corrupt())?;
        let mut lines = text.lines();
        if lines.next() != Some(KEY_HEADER) {
            return Err(corrupt());
        }
        let hex = lines.next().ok_or_else(corrupt)?.trim();
        let bytes = Zeroizing::new(super::unhex(hex).ok_or_else(corrupt)?);
        let arr: [u8; 32] = bytes[..].try_into().map_err(|_| corrupt())?;
        Ok(Some(AuditKey::from_bytes(arr)))
    }

    /// Loads the key, creating it (encrypted to `.ward/recipients`) if the
    /// store has none yet. Safe against concurrent first uses.
    pub fn load_or_create(store_root: &Path, keys: &Keyring) -> Result<AuditKey> {
        if let Some(k) = AuditKey::load(store_root, keys)? {
            return Ok(k);
        }
        let dir = super::audit_dir(store_root);
        fsio::create_private_dir(&dir)?;
        let _lock = fsio::StoreLock::acquire(&dir.join(".key.lock"))?;
        if let Some(k) = AuditKey::load(store_root, keys)? {
            return Ok(k);
        }
        let key = AuditKey::generate();
        key.save(store_root)?;
        Ok(key)
    }

    /// Encrypts this key to the store's recipients and writes it atomically.
    /// Also used after a recipients change, to re-encrypt it.
    pub fn save(&self, store_root: &Path) -> Result<()> {
        let rpath = store_root.join(WARD_DIR).join(RECIPIENTS_FILE);
        let text = std::fs::read_to_string(&rpath).at(&rpath)?;
        let recipients = crypto::parse_recipients(&rpath, &text)?;
        let plain = Zeroizing::new(format!("{KEY_HEADER}\n{}\n", super::hex(&self.bytes[..])));
        let cipher = crypto::encrypt(&recipients, plain.as_bytes())?;
        fsio::atomic_write(&AuditKey::path(store_root), &cipher)
    }
}

/// Whether this machine has seen the store's audit key before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinStatus {
    /// First time: the key is now pinned.
    New,
    /// Same key as pinned.
    Same,
    /// A different key than the one pinned: the key file was replaced.
    Changed { pinned: String },
    /// The pin file could not be read or written (reported, not fatal).
    Unavailable(String),
}

/// `<data dir>/ward/audit-pins`: `store-id key-id` lines.
pub fn pin_file() -> PathBuf {
    dirs::data_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("ward")
        .join(PIN_FILE)
}

/// Checks `key` against this machine's pin for `store_id`, pinning it when
/// there is none. A changed key is never re-pinned automatically: remove its
/// line from [`pin_file`] once you know why it changed.
pub fn check_pin(store_id: &str, key: &AuditKey) -> PinStatus {
    check_pin_at(&pin_file(), store_id, key)
}

pub(crate) fn check_pin_at(path: &Path, store_id: &str, key: &AuditKey) -> PinStatus {
    let id = key.id();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return PinStatus::Unavailable(format!("{}: {e}", path.display())),
    };
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        if parts.next() == Some(store_id) {
            let pinned = parts.next().unwrap_or_default();
            return if pinned == id {
                PinStatus::Same
            } else {
                PinStatus::Changed {
                    pinned: pinned.to_string(),
                }
            };
        }
    }
    let write = (|| -> Result<()> {
        if let Some(dir) = path.parent() {
            fsio::create_private_dir(dir)?;
        }
        let _lock = fsio::StoreLock::acquire(&path.with_extension("lock"))?;
        let current = std::fs::read_to_string(path).unwrap_or_default();
        let mut new = current.clone();
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(&format!("{store_id} {id}\n"));
        fsio::atomic_write(path, new.as_bytes())
    })();
    match write {
        Ok(()) => PinStatus::New,
        Err(e) => PinStatus::Unavailable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_on_first_use_and_notices_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let pins = dir.path().join("pins");
        let a = AuditKey::generate();
        let b = AuditKey::generate();
        assert_eq!(check_pin_at(&pins, "store1", &a), PinStatus::New);
        assert_eq!(check_pin_at(&pins, "store1", &a), PinStatus::Same);
        assert!(matches!(
            check_pin_at(&pins, "store1", &b),
            PinStatus::Changed { .. }
        ));
        assert_eq!(check_pin_at(&pins, "store2", &b), PinStatus::New);
        assert!(!format!("{a:?}").contains(&crate::audit::hex(&a.bytes[..])));
    }
}
