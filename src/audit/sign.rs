//! Per-actor signatures on audit records (docs/AUDIT.md, "Signed chains").
//!
//! The HMAC chain stops outsiders only: every member holds the audit key,
//! so a member could rewrite another member's chain and compute valid
//! MACs. Each actor therefore also signs every record it writes with an
//! ed25519 key derived from its own age identity ([`Signer`]), and
//! publishes the public half in `.ward/actors/<actor-file>.pub`. A machine
//! pins an actor's signing keys the first time it verifies that actor's
//! chain, like recipients (trust scope [`ACTORS_SCOPE`]); a key that turns
//! up later for an actor already pinned counts only once this machine
//! approved it (`ward audit trust`).
//!
//! The signing key is not stored anywhere: it is derived from the
//! identity's secret ([`Keyring::derivation_root`]), so it is as protected
//! as the identity (a passphrase, an SSH key's passphrase), is the same on
//! every machine holding that identity, and changes when the identity does.

use crate::error::{Result, WardError};
use crate::store::{fsio, Keyring, WARD_DIR};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Folder of the published signing keys: `.ward/actors`.
pub const ACTORS_DIR: &str = "actors";
/// Trust scope of approved signing keys; items are
/// `<actor-file> <public key hex>` ([`approval_item`]).
pub const ACTORS_SCOPE: &str = "actors";
/// Domain separation of record signatures.
const SIGN_DOMAIN: &[u8] = b"ward-audit-signature-v1";
/// Purpose label of the signing key derived from an identity.
const DERIVE_LABEL: &[u8] = b"ward-audit-signing-key-v1";
/// The first word of a key line in a `.pub` file.
const KEY_TYPE: &str = "ed25519";
/// Most keys one actor file may list, and its largest size: a file beyond
/// either was not written by ward.
const MAX_KEYS: usize = 64;
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// Hex digits of a signing key id.
const ID_LEN: usize = 16;
/// `,"sig":"` + id + `.` + 128 hex + `"`.
pub(crate) const SIG_SUFFIX_LEN: usize = 8 + ID_LEN + 1 + 128 + 1;

/// The signing key of the identity in use.
pub struct Signer {
    key: Key,
    public: VerifyingKey,
    id: String,
}

/// Where the signing key is: derived here, or held by the agent, which
/// signs the bytes it is sent (`crate::agent`).
enum Key {
    Local(Box<SigningKey>),
    Held(std::sync::Arc<dyn crate::store::crypto::HeldKey>),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.id)
    }
}

impl Signer {
    /// The signing key derived from the first identity of `keys`; `None`
    /// without an identity.
    pub fn from_keyring(keys: &Keyring) -> Option<Signer> {
        let Some(root) = keys.derivation_root() else {
            let held = keys.held_key()?;
            let public = VerifyingKey::from_bytes(&held.audit_public()).ok()?;
            return Some(Signer {
                id: key_id(&public),
                public,
                key: Key::Held(std::sync::Arc::clone(held)),
            });
        };
        let mut h = Sha256::new();
        h.update(DERIVE_LABEL);
        h.update(root.as_slice());
        let seed = zeroize::Zeroizing::new(<[u8; 32]>::from(h.finalize()));
        Some(Signer::local(SigningKey::from_bytes(&seed)))
    }

    fn local(key: SigningKey) -> Signer {
        let public = key.verifying_key();
        Signer {
            id: key_id(&public),
            public,
            key: Key::Local(Box::new(key)),
        }
    }

    /// A signer from a fixed seed, for tests.
    #[cfg(test)]
    pub(crate) fn from_seed(seed: u8) -> Signer {
        Signer::local(SigningKey::from_bytes(&[seed; 32]))
    }

    /// The public key's bytes.
    pub fn public_bytes(&self) -> [u8; 32] {
        self.public.to_bytes()
    }

    /// The signature of the record bytes `signed` of the chain `chain`
    /// (ward's audit message, domain-separated: nothing else is signed).
    pub fn signature(&self, chain: &str, signed: &[u8]) -> Result<[u8; 64]> {
        match &self.key {
            Key::Local(key) => Ok(key.sign(&message(chain, signed)).to_bytes()),
            Key::Held(held) => {
                let sig = held.sign_audit(chain, signed)?;
                // The agent's answer is checked, as any other signature.
                self.public
                    .verify(&message(chain, signed), &Signature::from_bytes(&sig))
                    .map_err(|_| {
                        WardError::Other("the agent's signature does not verify".into())
                    })?;
                Ok(sig)
            }
        }
    }

    /// The key's short id ([`key_id`]).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public key, hex.
    pub fn public_hex(&self) -> String {
        crate::store::hex(self.public.as_bytes())
    }

    /// The `"sig"` member that follows the signed bytes of a line.
    pub(crate) fn sig_member(&self, chain: &str, signed: &[u8]) -> Result<String> {
        let sig = self.signature(chain, signed)?;
        Ok(format!(
            ",\"sig\":\"{}.{}\"",
            self.id,
            crate::store::hex(&sig)
        ))
    }
}

/// Short id of a signing key: 16 hex digits of SHA-256 of its bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    crate::store::hex(&Sha256::digest(key.as_bytes())[..ID_LEN / 2])
}

fn message(chain: &str, signed: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGN_DOMAIN.len() + 8 + chain.len() + signed.len());
    m.extend_from_slice(SIGN_DOMAIN);
    m.extend_from_slice(&(chain.len() as u64).to_be_bytes());
    m.extend_from_slice(chain.as_bytes());
    m.extend_from_slice(signed);
    m
}

/// Splits a line's MAC-covered prefix into the signed bytes, the signing
/// key id and the signature hex, when it ends with a `"sig"` member.
pub(crate) fn split_sig(prefix: &[u8]) -> Option<(&[u8], &str, &str)> {
    if prefix.len() < SIG_SUFFIX_LEN + 2 {
        return None;
    }
    let (signed, suffix) = prefix.split_at(prefix.len() - SIG_SUFFIX_LEN);
    let suffix = std::str::from_utf8(suffix).ok()?;
    let value = suffix.strip_prefix(",\"sig\":\"")?.strip_suffix('"')?;
    let (id, sig) = value.split_once('.')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, ID_LEN) && hex(sig, 128)).then_some((signed, id, sig))
}

/// One published signing key of an actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedKey {
    pub id: String,
    pub public_hex: String,
    key: VerifyingKey,
}

impl PublishedKey {
    fn parse(hex: &str) -> Option<PublishedKey> {
        let bytes: [u8; 32] = super::unhex(hex)?.try_into().ok()?;
        let key = VerifyingKey::from_bytes(&bytes).ok()?;
        Some(PublishedKey {
            id: key_id(&key),
            public_hex: hex.to_ascii_lowercase(),
            key,
        })
    }
}

/// How one record's signature checks against the published keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SigCheck {
    Unsigned,
    Valid(String),
    /// Signed with a key that the actor's `.pub` file does not list.
    UnknownKey(String),
    /// The signature does not verify with the published key of that id.
    Invalid(String),
}

/// Checks the signature of one line's MAC-covered `prefix`.
pub(crate) fn check(chain: &str, prefix: &[u8], keys: &[PublishedKey]) -> SigCheck {
    let Some((signed, id, sig_hex)) = split_sig(prefix) else {
        return SigCheck::Unsigned;
    };
    let Some(key) = keys.iter().find(|k| k.id == id) else {
        return SigCheck::UnknownKey(id.to_string());
    };
    let sig = super::unhex(sig_hex)
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    match sig {
        Some(sig) if key.key.verify(&message(chain, signed), &sig).is_ok() => {
            SigCheck::Valid(id.to_string())
        }
        _ => SigCheck::Invalid(id.to_string()),
    }
}

/// `<store>/.ward/actors`.
pub fn actors_dir(store_root: &Path) -> PathBuf {
    store_root.join(WARD_DIR).join(ACTORS_DIR)
}

/// `<store>/.ward/actors/<actor-file>.pub`.
pub fn published_path(store_root: &Path, chain: &str) -> PathBuf {
    actors_dir(store_root).join(format!("{chain}.pub"))
}

/// The chains that have a `.pub` file, sorted. Links and other odd
/// entries are skipped (their keys are never read).
pub fn published_chains(store_root: &Path) -> Result<Vec<String>> {
    let dir = actors_dir(store_root);
    fsio::check_no_symlinks(store_root, &dir)?;
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(super::link_error(&dir, e)),
    };
    let mut chains: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".pub").map(str::to_string)
        })
        .filter(|c| !c.is_empty() && !c.starts_with('.'))
        .collect();
    chains.sort();
    Ok(chains)
}

/// The item that approves `public_hex` for the chain `chain`.
pub fn approval_item(chain: &str, public_hex: &str) -> String {
    format!("{chain} {public_hex}")
}

/// The signing keys published for a chain. A missing file is no keys; a
/// file that is not what ward writes (a link, too large, a bad line) is an
/// error naming the file and line, since its keys cannot be trusted.
pub fn published(store_root: &Path, chain: &str) -> Result<Vec<PublishedKey>> {
    let path = published_path(store_root, chain);
    fsio::check_no_symlinks(store_root, &path)?;
    let bytes = match fsio::read_file_max(&path, MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(super::link_error(&path, e)),
    };
    let bad = |what: String| {
        WardError::Other(format!(
            "{}: {what}; ward cannot check signatures with it",
            path.display()
        ))
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("not text".into()))?;
    let mut keys: Vec<PublishedKey> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let key = match line.split_whitespace().collect::<Vec<_>>()[..] {
            [KEY_TYPE, hex] => PublishedKey::parse(hex),
            _ => None,
        }
        .ok_or_else(|| {
            bad(format!(
                "line {} is not `{KEY_TYPE} <64 hex digits>`",
                n + 1
            ))
        })?;
        if !keys.iter().any(|k| k.id == key.id) {
            keys.push(key);
        }
        if keys.len() > MAX_KEYS {
            return Err(bad(format!("more than {MAX_KEYS} keys")));
        }
    }
    Ok(keys)
}

/// Adds `signer`'s public key to the chain's `.pub` file if it is not
/// listed yet (atomically; earlier keys stay, so the actor's older records
/// still verify). Returns whether the file changed.
pub fn publish(store_root: &Path, chain: &str, signer: &Signer) -> Result<bool> {
    let existing = published(store_root, chain)?;
    if existing.iter().any(|k| k.id == signer.id) {
        return Ok(false);
    }
    let dir = actors_dir(store_root);
    if std::fs::symlink_metadata(&dir).is_err() {
        fsio::create_private_dir(&dir)?;
    }
    fsio::check_no_symlinks(store_root, &dir)?;
    let mut text = String::from("# ward audit signing keys of one actor (docs/AUDIT.md)\n");
    for key in existing.iter().map(|k| k.public_hex.clone()) {
        text.push_str(&format!("{KEY_TYPE} {key}\n"));
    }
    text.push_str(&format!("{KEY_TYPE} {}\n", signer.public_hex()));
    fsio::atomic_write(&published_path(store_root, chain), text.as_bytes())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(seed: u8) -> Signer {
        Signer::from_seed(seed)
    }

    #[test]
    fn signatures_verify_only_for_their_bytes_chain_and_key() {
        let s = signer(1);
        let signed = br#"{"v":1,"seq":1,"prev_mac":null"#;
        let member = s.sig_member("ann", signed).unwrap();
        let mut prefix = signed.to_vec();
        prefix.extend_from_slice(member.as_bytes());
        let keys = vec![PublishedKey::parse(&s.public_hex()).unwrap()];
        assert_eq!(check("ann", &prefix, &keys), SigCheck::Valid(s.id.clone()));
        // Another chain, changed bytes, another key: all refused.
        assert_eq!(
            check("bob", &prefix, &keys),
            SigCheck::Invalid(s.id.clone())
        );
        let mut edited = prefix.clone();
        edited[10] = b'2';
        assert_eq!(
            check("ann", &edited, &keys),
            SigCheck::Invalid(s.id.clone())
        );
        let other = vec![PublishedKey::parse(&signer(2).public_hex()).unwrap()];
        assert_eq!(
            check("ann", &prefix, &other),
            SigCheck::UnknownKey(s.id.clone())
        );
        assert_eq!(check("ann", signed, &keys), SigCheck::Unsigned);
    }

    #[test]
    fn published_files_keep_old_keys_and_refuse_junk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(WARD_DIR)).unwrap();
        assert!(published(dir.path(), "ann").unwrap().is_empty());
        assert!(publish(dir.path(), "ann", &signer(1)).unwrap());
        assert!(!publish(dir.path(), "ann", &signer(1)).unwrap());
        assert!(publish(dir.path(), "ann", &signer(2)).unwrap());
        let keys = published(dir.path(), "ann").unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].id, signer(1).id);
        std::fs::write(published_path(dir.path(), "ann"), "ed25519 zz\n").unwrap();
        let err = published(dir.path(), "ann").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
