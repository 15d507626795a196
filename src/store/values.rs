//! What the review may know of a secret's values without seeing them
//! (docs/SCAN.md, "Reuse and weak values"):
//!
//! - **keyed fingerprints** of the current and each previous value:
//!   HMAC-SHA256 under the store's fingerprint key, never a plain hash, so a
//!   fingerprint cannot be tested against guesses by someone without the
//!   key. The key is 32 random bytes age-encrypted to the store's
//!   recipients at `.ward/fingerprint.key.age` ([`FingerprintKey`]); which
//!   key this machine accepts is pinned by `ops::fingerprint` (trust on
//!   first use), since anyone who can write the store can replace it;
//! - a **strength verdict** of the current value: zxcvbn for what a person
//!   may have typed, an entropy estimate for long random-looking tokens.
//!
//! Both are computed when a secret's metadata is read into the cache
//! (`store::index`), which is when its value is decrypted anyway: every
//! secret has them, whoever wrote it and with whatever version of ward, and
//! no value is decrypted again to show them. The cache is encrypted like the
//! secrets; nothing here is ever shown in full (at most [`SHOWN_CHARS`]
//! hex digits of a fingerprint).

pub use super::document::{Fingerprints, PreviousFingerprint};
use super::{crypto, fsio, Encoding, Keyring, SecretDoc, SecretMeta, RECIPIENTS_FILE, WARD_DIR};
use crate::error::{Result, WardError};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// File name of the encrypted fingerprint key inside `.ward/`.
pub const KEY_FILE: &str = "fingerprint.key.age";
const KEY_HEADER: &str = "ward-fingerprint-key-v1";
/// Bytes of the HMAC kept as a fingerprint (128 bits: no accidental match
/// among any number of secrets a store holds).
const FINGERPRINT_BYTES: usize = 16;
/// The most hex digits of a fingerprint ever shown.
pub const SHOWN_CHARS: usize = 6;

/// The store's fingerprint key, kept in zeroizing memory; `Debug` shows
/// only its id.
#[derive(Clone)]
pub struct FingerprintKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FingerprintKey({})", self.id())
    }
}

impl FingerprintKey {
    pub fn generate() -> FingerprintKey {
        FingerprintKey {
            bytes: Zeroizing::new(rand::random()),
        }
    }

    /// A public, non-secret id of the key (16 hex digits).
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"ward-fingerprint-key-id\0");
        h.update(&self.bytes[..]);
        super::hex(&h.finalize()[..8])
    }

    /// The keyed fingerprint of a value (its encoding is part of it: the
    /// text "AA==" and the bytes it decodes to differ).
    pub fn fingerprint(&self, encoding: Encoding, value: &str) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes[..])
            .expect("HMAC takes any key length");
        m.update(b"ward-value-fingerprint-v1\0");
        m.update(match encoding {
            Encoding::Utf8 => b"utf8\0",
            Encoding::Base64 => b"b64\0\0",
        });
        m.update(value.as_bytes());
        super::hex(&m.finalize().into_bytes()[..FINGERPRINT_BYTES])
    }

    /// `.ward/fingerprint.key.age` of the store at `store_root`.
    pub fn path(store_root: &Path) -> PathBuf {
        store_root.join(WARD_DIR).join(KEY_FILE)
    }

    /// Decrypts the store's key; `Ok(None)` when there is none yet.
    pub fn load(store_root: &Path, keys: &Keyring) -> Result<Option<FingerprintKey>> {
        let path = FingerprintKey::path(store_root);
        fsio::check_no_symlinks(store_root, &path)?;
        let cipher = match fsio::read_file_max(&path, super::MAX_SMALL_FILE_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(WardError::io(&path, e)),
        };
        let bytes =
            super::crypto::open_key_file(keys, &path, &cipher, KEY_HEADER, "fingerprint key")?;
        Ok(Some(FingerprintKey { bytes }))
    }

    /// Encrypts the key to the store's recipients (`.ward/recipients`) and
    /// writes it atomically; also after a recipients change, to re-encrypt.
    pub fn save(&self, store_root: &Path) -> Result<()> {
        let rpath = store_root.join(WARD_DIR).join(RECIPIENTS_FILE);
        fsio::check_no_symlinks(store_root, &rpath)?;
        let bytes = fsio::read_file_max(&rpath, super::MAX_SMALL_FILE_BYTES)
            .map_err(|e| WardError::io(&rpath, e))?;
        let text = String::from_utf8(bytes).map_err(|_| WardError::Corrupt {
            path: rpath.clone(),
            cause: "not UTF-8".into(),
        })?;
        let recipients = crypto::parse_recipients(&rpath, &text)?;
        let plain = Zeroizing::new(format!("{KEY_HEADER}\n{}\n", super::hex(&self.bytes[..])));
        let cipher = crypto::encrypt(&recipients, plain.as_bytes())?;
        fsio::atomic_write(&FingerprintKey::path(store_root), &cipher)
    }
}

/// The keyed fingerprints of `doc`'s current and previous values.
pub fn fingerprints(doc: &SecretDoc, key: &FingerprintKey) -> Fingerprints {
    Fingerprints {
        key: key.id(),
        current: key.fingerprint(doc.encoding, doc.value.expose()),
        previous: doc
            .history
            .iter()
            .map(|p| PreviousFingerprint {
                version: p.version,
                fingerprint: key.fingerprint(p.encoding, p.value.expose()),
            })
            .collect(),
    }
}

/// [`SecretDoc::meta`] with what the review knows of the values: the
/// strength verdict, and with `key` the keyed fingerprints.
pub fn meta_with(doc: &SecretDoc, key: Option<&FingerprintKey>) -> SecretMeta {
    let mut meta = doc.meta();
    meta.weak = weakness(doc.encoding, doc.value.expose());
    meta.fingerprints = key.map(|k| fingerprints(doc, k));
    meta
}

/// The first [`SHOWN_CHARS`] hex digits of a fingerprint, and an ellipsis.
pub fn shown(fingerprint: &str) -> String {
    let head: String = fingerprint.chars().take(SHOWN_CHARS).collect();
    format!("{head}…")
}

/// Why a value is weak, or `None` (strong enough, or not a kind of value
/// that is scored: binary, multi-line such as a PEM key, or empty).
///
/// Random-looking tokens (20 characters or more without spaces) are judged
/// by an entropy estimate: the smaller of the Shannon entropy of their
/// characters and the size of the character classes they use, times their
/// length; under [`MIN_TOKEN_BITS`] is weak. Anything else is what a person
/// may have typed, and zxcvbn scores it (dictionaries, keyboard patterns,
/// dates, repeats): a score of 2 or less of 4 is weak, as `ward set` warns.
pub fn weakness(encoding: Encoding, value: &str) -> Option<String> {
    if encoding != Encoding::Utf8 || value.is_empty() || value.trim_end().contains('\n') {
        return None;
    }
    let chars = value.chars().count();
    if chars >= TOKEN_CHARS && !value.chars().any(char::is_whitespace) {
        let bits = token_bits(value);
        return (bits < MIN_TOKEN_BITS).then(|| {
            format!(
                "weak value: about {bits:.0} bits of entropy (a token needs {MIN_TOKEN_BITS:.0})"
            )
        });
    }
    let strength = super::generate::Strength::of(value);
    strength.is_weak().then(|| {
        format!(
            "weak value: {} (zxcvbn score {} of 4)",
            strength.word(),
            strength.score
        )
    })
}

/// Length from which a value without spaces is judged as a token.
pub const TOKEN_CHARS: usize = 20;
/// Fewest bits of entropy a token needs.
pub const MIN_TOKEN_BITS: f64 = 64.0;

/// An estimate of a token's entropy in bits (see [`weakness`]).
pub fn token_bits(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    let mut n = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            _ => other = true,
        }
    }
    if n == 0 {
        return 0.0;
    }
    let shannon: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum();
    let classes = [(lower, 26.0), (upper, 26.0), (digit, 10.0), (other, 32.0)]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, size)| size)
        .sum::<f64>();
    shannon.min(f64::log2(classes)) * n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SecretValue;

    #[test]
    fn fingerprints_are_keyed_and_never_the_plain_hash() {
        let (a, b) = (FingerprintKey::generate(), FingerprintKey::generate());
        let v = "sk_live_123";
        assert_eq!(
            a.fingerprint(Encoding::Utf8, v),
            a.fingerprint(Encoding::Utf8, v)
        );
        assert_ne!(
            a.fingerprint(Encoding::Utf8, v),
            b.fingerprint(Encoding::Utf8, v)
        );
        assert_ne!(
            a.fingerprint(Encoding::Utf8, v),
            a.fingerprint(Encoding::Base64, v)
        );
        let plain = crate::store::hex(&Sha256::digest(v.as_bytes()));
        assert!(!plain.starts_with(&a.fingerprint(Encoding::Utf8, v)));
        assert_eq!(shown(&a.fingerprint(Encoding::Utf8, v)).chars().count(), 7);
        assert!(!format!("{a:?}").contains(&crate::store::hex(&a.bytes[..])));
    }

    #[test]
    fn previous_values_get_fingerprints_with_their_versions() {
        let key = FingerprintKey::generate();
        let mut doc = SecretDoc::new(
            SecretValue::new("one".into()),
            Encoding::Utf8,
            "me",
            chrono::Utc::now(),
        );
        doc.set_value(
            SecretValue::new("two".into()),
            Encoding::Utf8,
            "me",
            None,
            chrono::Utc::now(),
            10,
        );
        let f = fingerprints(&doc, &key);
        assert_eq!(f.current, key.fingerprint(Encoding::Utf8, "two"));
        assert_eq!(f.previous.len(), 1);
        assert_eq!(f.previous[0].version, 1);
        assert_eq!(
            f.previous[0].fingerprint,
            key.fingerprint(Encoding::Utf8, "one")
        );
    }

    #[test]
    fn weak_values_and_strong_ones() {
        for weak in [
            "password",
            "hunter2",
            "12345678",
            "qwertyuiop",
            "aaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(weakness(Encoding::Utf8, weak).is_some(), "{weak}");
        }
        for strong in [
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "ghp_R2d9Xk3LmQ8vT1bN7cW4zY6pH0sJ5fA2gE",
            "correct horse battery staple tundra",
            "Zq8#vL2!mT9w",
        ] {
            assert_eq!(weakness(Encoding::Utf8, strong), None, "{strong}");
        }
        // Not scored: binary, multi-line, empty.
        assert_eq!(weakness(Encoding::Base64, "AA=="), None);
        assert_eq!(
            weakness(Encoding::Utf8, "-----BEGIN-----\nab\n-----END-----\n"),
            None
        );
        assert_eq!(weakness(Encoding::Utf8, ""), None);
        // The verdict never quotes the value.
        let why = weakness(Encoding::Utf8, "hunter2").unwrap();
        assert!(!why.contains("hunter2"), "{why}");
    }
}
