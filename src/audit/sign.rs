//! Per-actor signatures on audit records (docs/AUDIT.md, "Signatures").
//!
//! The HMAC chain is keyed by one store-wide key that every member holds, so
//! it shows tampering by outsiders only: a member could recompute another
//! member's MACs. Each actor therefore also signs every record with an
//! ed25519 key only they hold. The seed lives age-encrypted to the user's
//! own identity key(s) at `<config dir>/ward/signing-key.age` (so a
//! passphrase identity protects it too); the public key is published in the
//! store at `.ward/actors/<actor-file>.pub` together with `since`, the first
//! seq of the actor's chain that is signed, and every machine pins
//! (actor file, key, since) on first sight in its [`TrustBook`], scope
//! [`ACTORS_SCOPE`].
//!
//! A signature covers the record's bytes before `,"sig":` (its chain
//! position and `prev_mac` included), so one signed record also fixes every
//! earlier record of the chain: changing any of them changes the MAC the
//! signed record names.

use crate::error::{Result, WardError};
use crate::store::{crypto, fsio, Keyring, WARD_DIR};
use crate::trust::TrustBook;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// File name of the encrypted signing key in `<config dir>/ward`.
pub const SIGNING_KEY_FILE: &str = "signing-key.age";
/// Folder of the published public keys inside `.ward/`.
pub const ACTORS_DIR: &str = "actors";
/// Trust-book scope of pinned actor keys (items: `<stem> <key hex> <since>`).
pub const ACTORS_SCOPE: &str = "actors";
const SEED_HEADER: &str = "ward-signing-key-v1";
const SIG_DOMAIN: &[u8] = b"ward-audit-sig-v1";
/// Format of `.ward/actors/*.pub` written by this build.
pub const PUB_FORMAT: u32 = 1;

/// Set once by `ward demo`: its throwaway identity must never make (or
/// need) the user's own signing key.
static KEY_PATH_OVERRIDE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// `<config dir>/ward/signing-key.age` (or the demo's, see
/// [`use_key_path_for_process`]).
pub fn default_key_path() -> PathBuf {
    KEY_PATH_OVERRIDE
        .get()
        .cloned()
        .unwrap_or_else(|| crate::config::config_dir().join(SIGNING_KEY_FILE))
}

/// Makes every [`super::Log`] of this process keep its signing key at
/// `path` (for `ward demo`, whose store and identity are throwaway). Only
/// the first call counts.
pub fn use_key_path_for_process(path: PathBuf) {
    let _ = KEY_PATH_OVERRIDE.set(path);
}

/// An actor's signing key. The seed is wiped on drop (ed25519-dalek's
/// `zeroize` feature); `Debug` shows only the public key.
#[derive(Clone)]
pub struct ActorKey {
    key: SigningKey,
}

impl fmt::Debug for ActorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorKey({})", self.public_hex())
    }
}

impl ActorKey {
    /// A fresh random key (not saved).
    pub fn generate() -> ActorKey {
        let seed = Zeroizing::new(rand::random::<[u8; 32]>());
        ActorKey {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key, 64 hex digits.
    pub fn public_hex(&self) -> String {
        super::hex(self.key.verifying_key().as_bytes())
    }

    /// Signature (128 hex digits) of `bytes` in the chain `chain`.
    pub fn sign(&self, chain: &str, bytes: &[u8]) -> String {
        super::hex(&self.key.sign(&message(chain, bytes)).to_bytes())
    }

    /// Decrypts the key at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path, keys: &Keyring) -> Result<Option<ActorKey>> {
        let cipher = match fsio::read_file_max(path, crate::store::MAX_SMALL_FILE_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(super::link_error(path, e)),
        };
        let plain = keys.decrypt(path, &cipher).map_err(|e| {
            WardError::Other(format!(
                "the audit signing key {} does not open with your identity ({e}); \
                 it was made for another identity",
                path.display()
            ))
        })?;
        let corrupt = || WardError::Corrupt {
            path: path.to_path_buf(),
            cause: "not a ward signing key".into(),
        };
        let text = std::str::from_utf8(&plain).map_err(|_| corrupt())?;
        let mut lines = text.lines();
        if lines.next() != Some(SEED_HEADER) {
            return Err(corrupt());
        }
        let bytes = Zeroizing::new(
            super::unhex(lines.next().ok_or_else(corrupt)?.trim()).ok_or_else(corrupt)?,
        );
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(bytes[..].try_into().map_err(|_| corrupt())?);
        Ok(Some(ActorKey {
            key: SigningKey::from_bytes(&seed),
        }))
    }

    /// Encrypts the seed to `recipients` (the user's own public keys) and
    /// writes it to `path` (folder 0700, file 0600, replacing never a link
    /// target: the write is a rename).
    pub fn save(&self, path: &Path, recipients: &[String]) -> Result<()> {
        let parsed = recipients
            .iter()
            .map(|r| crypto::Recipient::parse(r).map_err(|c| WardError::Other(format!("{r}: {c}"))))
            .collect::<Result<Vec<_>>>()?;
        let plain = Zeroizing::new(format!(
            "{SEED_HEADER}\n{}\n",
            super::hex(self.key.as_bytes())
        ));
        let cipher = crypto::encrypt(&parsed, plain.as_bytes())?;
        if let Some(dir) = path.parent() {
            fsio::create_private_dir(dir)?;
        }
        fsio::atomic_write(path, &cipher)
    }

    /// Loads the key at `path`, creating it (encrypted to `keys`' public
    /// keys) when there is none, under a lock beside it.
    pub fn load_or_create(path: &Path, keys: &Keyring) -> Result<ActorKey> {
        if let Some(k) = ActorKey::load(path, keys)? {
            return Ok(k);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        fsio::create_private_dir(dir)?;
        let _lock = fsio::StoreLock::acquire(&dir.join(".signing-key.lock"))?;
        if let Some(k) = ActorKey::load(path, keys)? {
            return Ok(k);
        }
        let key = ActorKey::generate();
        key.save(path, keys.public_keys())?;
        Ok(key)
    }
}

fn message(chain: &str, bytes: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIG_DOMAIN.len() + chain.len() + bytes.len() + 2);
    m.extend_from_slice(SIG_DOMAIN);
    m.push(0);
    m.extend_from_slice(chain.as_bytes());
    m.push(0);
    m.extend_from_slice(bytes);
    m
}

/// Whether `sig_hex` is `public_hex`'s signature of `bytes` in `chain`.
pub fn verify_sig(public_hex: &str, chain: &str, bytes: &[u8], sig_hex: &str) -> bool {
    let Some(key) = super::unhex(public_hex)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
    else {
        return false;
    };
    let Some(sig) = super::unhex(sig_hex).and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
        return false;
    };
    key.verify(&message(chain, bytes), &Signature::from_bytes(&sig))
        .is_ok()
}

/// The content of `.ward/actors/<stem>.pub`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub format: u32,
    pub actor: String,
    /// ed25519 public key, 64 hex digits.
    pub key: String,
    /// First seq of the actor's chain that is signed.
    pub since: u64,
}

impl Published {
    fn pin_item(&self, stem: &str) -> String {
        format!("{stem} {} {}", self.key, self.since)
    }
}

/// `<store>/.ward/actors/<stem>.pub`.
pub fn published_path(store_root: &Path, stem: &str) -> PathBuf {
    store_root
        .join(WARD_DIR)
        .join(ACTORS_DIR)
        .join(format!("{stem}.pub"))
}

/// Reads the published key of `stem`: `Ok(None)` when there is none, `Err`
/// (a sentence) when the file is unreadable or not one ward writes.
pub fn read_published(
    store_root: &Path,
    stem: &str,
) -> std::result::Result<Option<Published>, String> {
    let path = published_path(store_root, stem);
    if let Err(e) = fsio::check_no_symlinks(store_root, path.parent().unwrap_or(store_root)) {
        return Err(e.to_string());
    }
    let bytes = match fsio::read_file_max(&path, 64 * 1024) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read {}: {}",
                path.display(),
                super::link_error(&path, e)
            ))
        }
    };
    let p: Published = serde_json::from_slice(&bytes)
        .map_err(|_| format!("{} is not a ward actor key file", path.display()))?;
    let key_ok = super::unhex(&p.key).is_some_and(|b| b.len() == 32);
    if p.format != PUB_FORMAT || !key_ok || p.since == 0 {
        return Err(format!("{} is not a ward actor key file", path.display()));
    }
    Ok(Some(p))
}

/// Writes `.ward/actors/<stem>.pub`.
pub fn publish(store_root: &Path, stem: &str, p: &Published) -> Result<()> {
    let path = published_path(store_root, stem);
    let dir = path.parent().unwrap_or(store_root);
    fsio::check_no_symlinks(store_root, dir)?;
    if !dir.is_dir() {
        std::fs::create_dir_all(dir).map_err(|e| WardError::io(dir, e))?;
    }
    let mut text = serde_json::to_string(p).expect("a published key serialises");
    text.push('\n');
    fsio::atomic_write(&path, text.as_bytes())
}

/// What this machine has pinned for `stem`: (key hex, since).
pub fn pinned(book: &TrustBook, stem: &str) -> Option<(String, u64)> {
    let prefix = format!("{stem} ");
    book.approved(ACTORS_SCOPE).into_iter().find_map(|item| {
        let rest = item.strip_prefix(&prefix)?;
        let (key, since) = rest.split_once(' ')?;
        Some((key.to_string(), since.parse().ok()?))
    })
}

/// Pins `p` for `stem` on this machine.
pub fn pin(book: &mut TrustBook, stem: &str, p: &Published) -> Result<()> {
    book.approve(ACTORS_SCOPE, [p.pin_item(stem)])
}

/// The key a chain's records must be signed with, as far as this machine
/// knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainKey {
    /// No key published nor pinned: the chain is unsigned (older ward).
    None,
    /// Records from seq `since` on must be signed by `key`.
    Key {
        actor: String,
        key: String,
        since: u64,
    },
    /// The published key cannot be trusted: a break, in a sentence.
    Problem(String),
}

/// Resolves (and, on first sight, pins) the key of chain `stem`. `book` is
/// None when this machine's trust file could not be opened: the published
/// key is then used unpinned.
pub fn resolve(store_root: &Path, stem: &str, book: Option<&mut TrustBook>) -> ChainKey {
    let published = match read_published(store_root, stem) {
        Ok(p) => p,
        Err(e) => return ChainKey::Problem(e),
    };
    let pin = book.as_deref().and_then(|b| pinned(b, stem));
    match (published, pin) {
        (None, None) => ChainKey::None,
        (None, Some(_)) => ChainKey::Problem(format!(
            "the signing key of {stem} that this machine pinned is no longer published ({} is gone): \
             its records could have been rewritten by someone holding the audit key",
            published_path(store_root, stem).display()
        )),
        (Some(p), Some((key, since))) if p.key != key || p.since != since => {
            ChainKey::Problem(format!(
                "the published signing key of {} ({}) differs from the one this machine pinned: \
                 it was replaced, perhaps to rewrite {}'s records",
                p.actor,
                published_path(store_root, stem).display(),
                p.actor
            ))
        }
        (Some(p), pin) => {
            if let (None, Some(b)) = (pin, book) {
                // Trust on first sight; a failure to pin is not a break.
                let _ = self::pin(b, stem, &p);
            }
            ChainKey::Key {
                actor: p.actor,
                key: p.key,
                since: p.since,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_bind_chain_and_bytes() {
        let k = ActorKey::generate();
        let sig = k.sign("bob", b"record");
        assert!(verify_sig(&k.public_hex(), "bob", b"record", &sig));
        assert!(!verify_sig(&k.public_hex(), "ann", b"record", &sig));
        assert!(!verify_sig(&k.public_hex(), "bob", b"record!", &sig));
        assert!(!verify_sig(
            &ActorKey::generate().public_hex(),
            "bob",
            b"record",
            &sig
        ));
        assert!(!verify_sig(&k.public_hex(), "bob", b"record", "zz"));
        assert!(!format!("{k:?}").contains(&crate::audit::hex(k.key.as_bytes())));
    }

    fn write_private(path: &Path, bytes: &[u8]) {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
    }

    #[test]
    fn the_key_file_holds_no_seed_in_clear_and_opens_only_with_the_identity() {
        let dir = tempfile::tempdir().unwrap();
        let (text, public) = crypto::generate_identity(chrono::Utc::now());
        let id = dir.path().join("id.txt");
        write_private(&id, text.as_bytes());
        let mut keys = Keyring::default();
        keys.add_file(&id, None).unwrap();
        assert_eq!(keys.public_keys(), std::slice::from_ref(&public));
        let path = dir.path().join("cfg/signing-key.age");
        let k = ActorKey::load_or_create(&path, &keys).unwrap();
        let again = ActorKey::load_or_create(&path, &keys).unwrap();
        assert_eq!(k.public_hex(), again.public_hex());
        let bytes = std::fs::read(&path).unwrap();
        let seed = crate::audit::hex(k.key.as_bytes());
        assert!(!String::from_utf8_lossy(&bytes).contains(&seed));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
        let (other, _) = crypto::generate_identity(chrono::Utc::now());
        let oid = dir.path().join("other.txt");
        write_private(&oid, other.as_bytes());
        let mut okeys = Keyring::default();
        okeys.add_file(&oid, None).unwrap();
        let err = ActorKey::load(&path, &okeys).unwrap_err().to_string();
        assert!(err.contains("another identity"), "{err}");
    }
}
