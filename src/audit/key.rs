//! The store-wide audit key: 32 random bytes, age-encrypted to the store's
//! recipients at `.ward/audit.key.age`, created on first use.
//!
//! Anyone can encrypt a new key to the (public) recipients, so the key file
//! alone does not prove it is the original. Each machine therefore pins the
//! key's id the first time it sees it (`<data dir>/ward/audit-pins`, trust on
//! first use, see [`super::local`]) and `verify` reports a key that differs
//! from the pinned one, or a key file that disappeared.

use crate::error::{Result, WardError};
use crate::store::{crypto, fsio, Keyring, RECIPIENTS_FILE, WARD_DIR};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// File name of the encrypted audit key inside `.ward/`.
pub const KEY_FILE: &str = "audit.key.age";
const KEY_HEADER: &str = "ward-audit-key-v1";

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
        let cipher = match fsio::read_file_max(&path, crate::store::MAX_SMALL_FILE_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(super::link_error(&path, e)),
        };
        let bytes =
            crate::store::crypto::open_key_file(keys, &path, &cipher, KEY_HEADER, "audit key")?;
        let arr: [u8; 32] = *bytes;
        Ok(Some(AuditKey::from_bytes(arr)))
    }

    /// Loads the key, creating it (encrypted to `.ward/recipients`) if the
    /// store has none yet. Safe against concurrent first uses.
    pub fn load_or_create(store_root: &Path, keys: &Keyring) -> Result<AuditKey> {
        if let Some(k) = AuditKey::load(store_root, keys)? {
            return Ok(k);
        }
        let dir = super::ensure_audit_dir(store_root)?;
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
        let bytes = fsio::read_file_max(&rpath, crate::store::MAX_SMALL_FILE_BYTES)
            .map_err(|e| super::link_error(&rpath, e))?;
        let text = String::from_utf8(bytes).map_err(|_| WardError::Corrupt {
            path: rpath.clone(),
            cause: "not UTF-8".into(),
        })?;
        let recipients = crypto::parse_recipients(&rpath, &text)?;
        let plain = Zeroizing::new(format!("{KEY_HEADER}\n{}\n", super::hex(&self.bytes[..])));
        let cipher = crypto::encrypt(&recipients, plain.as_bytes())?;
        fsio::atomic_write(&AuditKey::path(store_root), &cipher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_only_the_id() {
        let a = AuditKey::generate();
        assert!(!format!("{a:?}").contains(&crate::audit::hex(&a.bytes[..])));
    }
}
