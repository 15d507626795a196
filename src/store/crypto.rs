//! Identities, recipients and the two age operations ward needs. The `age`
//! crate does all cryptography; this module only loads keys and maps errors.

use crate::error::{IoContext, Result, WardError};
use age::secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// scrypt work factor used when ward writes a passphrase-protected identity.
pub const SCRYPT_WORK_FACTOR: u8 = 18;
/// Highest work factor accepted when reading one (a fast laptop's file must
/// still open on a slow server).
pub const SCRYPT_MAX_WORK_FACTOR: u8 = 22;

/// First line of an ASCII-armored age file.
const ARMOR_BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

type BoxedIdentity = Box<dyn age::Identity + Send + Sync>;

/// What kind of passphrase a locked identity wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    /// An age identity file encrypted with a passphrase (`age -p`).
    AgePassphrase,
    /// An OpenSSH private key with a passphrase.
    SshKey,
}

/// Why an identity file did not load.
#[derive(Debug)]
pub enum IdentityLoadError {
    /// The file is locked: ask for a passphrase and call again.
    NeedsPassphrase {
        path: PathBuf,
        kind: LockKind,
    },
    /// The passphrase given was wrong.
    WrongPassphrase {
        path: PathBuf,
    },
    Other(WardError),
}

impl From<WardError> for IdentityLoadError {
    fn from(e: WardError) -> Self {
        IdentityLoadError::Other(e)
    }
}

impl IdentityLoadError {
    pub fn into_ward(self) -> WardError {
        match self {
            IdentityLoadError::NeedsPassphrase { path, .. } => WardError::Identity {
                path,
                cause: "is protected by a passphrase and none was given".into(),
            },
            IdentityLoadError::WrongPassphrase { path } => WardError::Identity {
                path,
                cause: "wrong passphrase".into(),
            },
            IdentityLoadError::Other(e) => e,
        }
    }
}

/// The identities loaded for this process, and their public keys.
#[derive(Default)]
pub struct Keyring {
    identities: Vec<BoxedIdentity>,
    public_keys: Vec<String>,
    /// One secret per identity, in the same order, from which keys for
    /// other purposes are derived (the audit signing key: `audit::sign`).
    /// It is a hash of the identity's secret material, so it exists exactly
    /// as long as the identity does, is as protected as the identity file,
    /// and changes only when the identity changes.
    derivation_roots: Vec<Root>,
}

/// Where the secret behind an identity's derived keys is: here, or in the
/// agent that holds the identity (`crate::agent`), which signs for us.
enum Root {
    Local(Zeroizing<[u8; 32]>),
    Held(std::sync::Arc<dyn HeldKey>),
}

/// An identity whose secret stays in another process (the agent): it
/// signs ward's audit records with the signing key derived from the
/// identity (`audit::sign`), given only the bytes to sign.
pub trait HeldKey: Send + Sync {
    /// The public half of the identity's audit signing key.
    fn audit_public(&self) -> [u8; 32];
    /// The signature of the record bytes `signed` of the chain `chain`.
    fn sign_audit(&self, chain: &str, signed: &[u8]) -> Result<[u8; 64]>;
}

/// Domain separation of [`Keyring::derivation_root`].
const DERIVATION_DOMAIN: &[u8] = b"ward-identity-derivation-root-v1";

fn derivation_root(secret: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(DERIVATION_DOMAIN);
    for part in secret {
        // Length-prefixed, so that parts cannot run into each other.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    Zeroizing::new(h.finalize().into())
}

impl Keyring {
    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// Public keys (recipient strings) of every loaded identity.
    pub fn public_keys(&self) -> &[String] {
        &self.public_keys
    }

    /// The derivation root of the first identity (the one whose public key
    /// `audit::keyring_fingerprint` names): a 32-byte secret from which other
    /// keys are derived with a purpose label. Never stored, never shown.
    pub fn derivation_root(&self) -> Option<&Zeroizing<[u8; 32]>> {
        match self.derivation_roots.first()? {
            Root::Local(root) => Some(root),
            Root::Held(_) => None,
        }
    }

    /// The first identity when another process (the agent) holds it: it
    /// signs in place of a [`Keyring::derivation_root`].
    pub fn held_key(&self) -> Option<&std::sync::Arc<dyn HeldKey>> {
        match self.derivation_roots.first()? {
            Root::Held(held) => Some(held),
            Root::Local(_) => None,
        }
    }

    /// Adds an identity that another process holds: `identity` unwraps
    /// through it, `public_keys` are the keys of its file, `held` signs.
    pub fn add_held(
        &mut self,
        identity: BoxedIdentity,
        public_keys: Vec<String>,
        held: std::sync::Arc<dyn HeldKey>,
    ) {
        self.public_keys.extend(public_keys);
        self.derivation_roots.push(Root::Held(held));
        self.identities.push(identity);
    }

    /// Loads an identity file already read into `bytes` (the agent reads
    /// it once, to pin what it unlocked).
    pub fn add_read(
        &mut self,
        path: &Path,
        bytes: &[u8],
        passphrase: Option<&SecretString>,
    ) -> std::result::Result<(), IdentityLoadError> {
        self.add_bytes(path, bytes, passphrase, true)
    }

    /// Unwraps the file key of an age header's `stanzas` with any of these
    /// identities (the agent's side of a remote decryption).
    pub fn unwrap_stanzas(
        &self,
        stanzas: &[age_core::format::Stanza],
    ) -> Option<std::result::Result<age_core::format::FileKey, age::DecryptError>> {
        self.identities
            .iter()
            .find_map(|i| i.unwrap_stanzas(stanzas))
    }

    /// Whether one of these identities is among `recipients`, so that a file
    /// encrypted to them could be read back. Keys compare by their key part
    /// (an SSH comment does not count).
    pub fn can_read(&self, recipients: &[Recipient]) -> bool {
        let mine: Vec<String> = self.public_keys.iter().map(|k| key_id(k)).collect();
        recipients
            .iter()
            .any(|r| mine.contains(&key_id(&r.to_string())))
    }

    /// Loads one identity file and adds its keys. A passphrase, when the file
    /// needs one, comes from `passphrase`; when it is missing the error says so,
    /// so that the caller (CLI prompt or TUI dialog) can ask and call again.
    pub fn add_file(
        &mut self,
        path: &Path,
        passphrase: Option<&SecretString>,
    ) -> std::result::Result<(), IdentityLoadError> {
        check_private_permissions(path)?;
        let bytes = Zeroizing::new(std::fs::read(path).at(path)?);
        self.add_bytes(path, &bytes, passphrase, true)
    }

    fn add_bytes(
        &mut self,
        path: &Path,
        bytes: &[u8],
        passphrase: Option<&SecretString>,
        outer: bool,
    ) -> std::result::Result<(), IdentityLoadError> {
        let bad = |cause: &str| {
            IdentityLoadError::Other(WardError::Identity {
                path: path.to_path_buf(),
                cause: cause.to_string(),
            })
        };
        if outer && is_age_file(bytes) {
            let inner = unlock_identity_file(path, bytes, passphrase)?;
            return self.add_bytes(path, &inner, None, false);
        }
        let text =
            std::str::from_utf8(bytes).map_err(|_| bad("is neither text nor an age file"))?;
        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
            || text.contains("-----BEGIN RSA PRIVATE KEY-----")
        {
            return self.add_ssh(path, text, passphrase);
        }
        let mut found = 0;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with("AGE-PLUGIN-") {
                return Err(bad(&format!(
                    "line {}: age plugin identities are not supported yet",
                    n + 1
                )));
            }
            // Never echo the line: it is a private key.
            let id: age::x25519::Identity = line.parse().map_err(|_| {
                bad(&format!(
                    "line {} is not an age identity (AGE-SECRET-KEY-1…)",
                    n + 1
                ))
            })?;
            self.public_keys.push(id.to_public().to_string());
            self.derivation_roots.push(Root::Local(derivation_root(&[id
                .to_string()
                .expose_secret()
                .as_bytes()])));
            self.identities.push(Box::new(id));
            found += 1;
        }
        if found == 0 {
            return Err(bad("contains no identity"));
        }
        Ok(())
    }

    fn add_ssh(
        &mut self,
        path: &Path,
        text: &str,
        passphrase: Option<&SecretString>,
    ) -> std::result::Result<(), IdentityLoadError> {
        use age::ssh::Identity as Ssh;
        let bad = |cause: String| {
            IdentityLoadError::Other(WardError::Identity {
                path: path.to_path_buf(),
                cause,
            })
        };
        let parsed = Ssh::from_buffer(text.as_bytes(), Some(path.display().to_string()))
            .map_err(|e| bad(format!("not a usable SSH private key ({})", e.kind())))?;
        let mut used_passphrase = None;
        let key = match parsed {
            Ssh::Unencrypted(key) => key,
            Ssh::Encrypted(enc) => {
                let Some(pass) = passphrase else {
                    return Err(IdentityLoadError::NeedsPassphrase {
                        path: path.to_path_buf(),
                        kind: LockKind::SshKey,
                    });
                };
                used_passphrase = Some(pass);
                enc.decrypt(pass.clone())
                    .map_err(|_| IdentityLoadError::WrongPassphrase {
                        path: path.to_path_buf(),
                    })?
            }
            Ssh::Unsupported(_) => {
                return Err(bad(
                    "SSH key type not supported: use ssh-ed25519 or ssh-rsa".into(),
                ))
            }
        };
        let identity = Ssh::Unencrypted(key);
        let public = age::ssh::Recipient::try_from(identity.clone())
            .map_err(|_| bad("cannot derive the public key from this SSH key".into()))?;
        self.public_keys.push(public.to_string());
        // The private key's file, and its passphrase when it has one: the
        // two together are as secret as the decrypted key (the age crate
        // does not hand out the key's bytes).
        let pass = used_passphrase.map(|p| p.expose_secret().as_bytes());
        self.derivation_roots.push(Root::Local(derivation_root(&[
            text.as_bytes(),
            pass.unwrap_or_default(),
        ])));
        self.identities.push(Box::new(identity));
        Ok(())
    }

    /// Decrypts one age file's bytes. `path` is only used in messages.
    pub fn decrypt(&self, path: &Path, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let corrupt = |cause: String| WardError::Corrupt {
            path: path.to_path_buf(),
            cause,
        };
        let start = ciphertext
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(ciphertext.len());
        let head = &ciphertext[start..];
        if head.is_empty() {
            return Err(corrupt("the file is empty".into()));
        }
        if !head.starts_with(b"age-encryption.org/") && !head.starts_with(ARMOR_BEGIN) {
            // Say so plainly instead of age's "unexpected end of file".
            return Err(corrupt(
                "not an age file (it does not start with an age header)".into(),
            ));
        }
        let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(ciphertext))
            .map_err(|e| map_decrypt_error(path, e))?;
        if decryptor.is_scrypt() {
            return Err(WardError::Decrypt {
                path: path.to_path_buf(),
                cause: "file is passphrase-encrypted; ward secrets are encrypted to keys".into(),
            });
        }
        let mut reader = decryptor
            .decrypt(
                self.identities
                    .iter()
                    .map(|i| i.as_ref() as &dyn age::Identity),
            )
            .map_err(|e| map_decrypt_error(path, e))?;
        let mut out = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
        reader.read_to_end(&mut out).map_err(|e| {
            corrupt(format!(
                "payload does not decrypt ({}); the file is truncated or damaged",
                e.kind()
            ))
        })?;
        Ok(out)
    }
}

fn map_decrypt_error(path: &Path, e: age::DecryptError) -> WardError {
    use age::DecryptError as D;
    let path = path.to_path_buf();
    match e {
        D::NoMatchingKeys => WardError::Decrypt {
            path,
            cause: "none of your identities can open it (it is encrypted to other keys)".into(),
        },
        D::KeyDecryptionFailed => WardError::Decrypt {
            path,
            cause: "the identity could not be unlocked".into(),
        },
        D::ExcessiveWork { required, .. } => WardError::Decrypt {
            path,
            cause: format!("passphrase work factor {required} is too high"),
        },
        D::InvalidHeader => WardError::Corrupt {
            path,
            cause: "not an age file, or its header is damaged".into(),
        },
        D::InvalidMac | D::DecryptionFailed => WardError::Corrupt {
            path,
            cause: "integrity check failed: the file was modified or damaged".into(),
        },
        D::UnknownFormat => WardError::Corrupt {
            path,
            cause: "unknown age format version".into(),
        },
        D::Io(io) => WardError::Corrupt {
            path,
            cause: format!(
                "cannot read the age header ({}); the file is truncated or damaged",
                io.kind()
            ),
        },
    }
}

/// Whether an identity file is itself an age file (passphrase-protected).
fn is_age_file(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    head.starts_with(b"age-encryption.org/") || head.starts_with(ARMOR_BEGIN)
}

/// Whether an identity file's bytes are locked by a passphrase (an age
/// file made with `age -p`, or an encrypted OpenSSH key): what the agent
/// holds; `None` for a plain one. Decides from the bytes alone, decrypting
/// nothing.
pub fn lock_kind(bytes: &[u8]) -> Option<LockKind> {
    if is_age_file(bytes) {
        return Some(LockKind::AgePassphrase);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    if !text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
        && !text.contains("-----BEGIN RSA PRIVATE KEY-----")
    {
        return None;
    }
    matches!(
        age::ssh::Identity::from_buffer(text.as_bytes(), None),
        Ok(age::ssh::Identity::Encrypted(_))
    )
    .then_some(LockKind::SshKey)
}

/// The identities inside a passphrase-protected identity file.
fn unlock_identity_file(
    path: &Path,
    bytes: &[u8],
    passphrase: Option<&SecretString>,
) -> std::result::Result<Zeroizing<Vec<u8>>, IdentityLoadError> {
    let bad = |cause: String| {
        IdentityLoadError::Other(WardError::Identity {
            path: path.to_path_buf(),
            cause,
        })
    };
    let Some(pass) = passphrase else {
        return Err(IdentityLoadError::NeedsPassphrase {
            path: path.to_path_buf(),
            kind: LockKind::AgePassphrase,
        });
    };
    decrypt_with_passphrase(bytes, pass).map_err(|e| match e {
        PassphraseError::Wrong => IdentityLoadError::WrongPassphrase {
            path: path.to_path_buf(),
        },
        PassphraseError::NotPassphrase => bad("is encrypted, but not with a passphrase".into()),
        PassphraseError::TooHard(n) => bad(format!(
            "passphrase work factor {n} is above the accepted maximum {SCRYPT_MAX_WORK_FACTOR}"
        )),
        PassphraseError::Corrupt(c) => bad(c),
    })
}

/// The plain text of an age identity file, unlocked with `passphrase` when
/// it is protected, and checked to hold age identities: what `ward passwd`
/// wraps anew. SSH keys keep their own passphrase (ssh-keygen -p).
pub fn identity_text(
    path: &Path,
    bytes: &[u8],
    passphrase: Option<&SecretString>,
) -> std::result::Result<Zeroizing<Vec<u8>>, IdentityLoadError> {
    let inner = if is_age_file(bytes) {
        unlock_identity_file(path, bytes, passphrase)?
    } else {
        Zeroizing::new(bytes.to_vec())
    };
    if inner.windows(12).any(|w| w == b"PRIVATE KEY-") {
        return Err(IdentityLoadError::Other(WardError::Identity {
            path: path.to_path_buf(),
            cause: "is an SSH key, whose passphrase ssh-keygen -p changes".into(),
        }));
    }
    Keyring::default().add_bytes(path, &inner, None, false)?;
    Ok(inner)
}

enum PassphraseError {
    Wrong,
    NotPassphrase,
    TooHard(u8),
    Corrupt(String),
}

fn decrypt_with_passphrase(
    bytes: &[u8],
    pass: &SecretString,
) -> std::result::Result<Zeroizing<Vec<u8>>, PassphraseError> {
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(bytes))
        .map_err(|_| PassphraseError::Corrupt("damaged age header".into()))?;
    if !decryptor.is_scrypt() {
        return Err(PassphraseError::NotPassphrase);
    }
    let mut identity = age::scrypt::Identity::new(pass.clone());
    identity.set_max_work_factor(SCRYPT_MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::ExcessiveWork { required, .. } => PassphraseError::TooHard(required),
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                PassphraseError::Wrong
            }
            _ => PassphraseError::Wrong,
        })?;
    let mut out = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut out)
        .map_err(|_| PassphraseError::Corrupt("payload is damaged".into()))?;
    Ok(out)
}

/// Encrypts `plaintext` with a passphrase (armored), as `age -p -a` would.
pub fn encrypt_with_passphrase(plaintext: &[u8], pass: &SecretString) -> Vec<u8> {
    let mut recipient = age::scrypt::Recipient::new(pass.clone());
    recipient.set_work_factor(SCRYPT_WORK_FACTOR);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .expect("one scrypt recipient is always valid");
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .expect("writing to memory");
    let mut w = encryptor.wrap_output(armor).expect("writing to memory");
    w.write_all(plaintext).expect("writing to memory");
    w.finish()
        .and_then(|armor| armor.finish())
        .expect("writing to memory");
    out
}

/// The key part of a recipient line, for comparisons: `age1…` in lower case,
/// or `ssh-… BASE64` without the comment.
pub fn key_id(line: &str) -> String {
    let line = line.trim();
    if line.starts_with("ssh-") {
        line.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        line.to_ascii_lowercase()
    }
}

/// A recipient public key from a recipients file.
pub enum Recipient {
    X25519(age::x25519::Recipient),
    Ssh(age::ssh::Recipient),
}

impl Recipient {
    pub fn parse(line: &str) -> std::result::Result<Recipient, String> {
        let line = line.trim();
        if line.starts_with("ssh-") {
            // Keep only "type base64": a trailing comment is allowed, as in authorized_keys.
            let key: Vec<&str> = line.split_whitespace().take(2).collect();
            return key
                .join(" ")
                .parse::<age::ssh::Recipient>()
                .map(Recipient::Ssh)
                .map_err(|_| "not a valid ssh-ed25519 or ssh-rsa public key".to_string());
        }
        if line.starts_with("age1") {
            return line
                .parse::<age::x25519::Recipient>()
                .map(Recipient::X25519)
                .map_err(|_| {
                    "not a valid age X25519 recipient (plugin recipients are not supported yet)"
                        .to_string()
                });
        }
        Err("expected an age1… or ssh-ed25519/ssh-rsa public key".into())
    }

    /// The key in its recipients-file form (`age1…`, `ssh-… BASE64`).
    #[allow(clippy::inherent_to_string)]
    pub fn to_string(&self) -> String {
        match self {
            Recipient::X25519(r) => r.to_string(),
            Recipient::Ssh(r) => r.to_string(),
        }
    }

    fn as_dyn(&self) -> &dyn age::Recipient {
        match self {
            Recipient::X25519(r) => r,
            Recipient::Ssh(r) => r,
        }
    }
}

/// Parses a recipients file: one key a line, `#` comments and blank lines ignored.
pub fn parse_recipients(path: &Path, text: &str) -> Result<Vec<Recipient>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let r = Recipient::parse(trimmed).map_err(|cause| WardError::Recipients {
            path: path.to_path_buf(),
            cause: format!("line {}: {cause}", n + 1),
        })?;
        out.push(r);
    }
    if out.is_empty() {
        return Err(WardError::Recipients {
            path: path.to_path_buf(),
            cause: "no recipients: nobody could read what is encrypted to it".into(),
        });
    }
    Ok(out)
}

/// Encrypts to every recipient (binary age format).
pub fn encrypt(recipients: &[Recipient], plaintext: &[u8]) -> Result<Vec<u8>> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().map(Recipient::as_dyn))
        .map_err(|e| WardError::Other(format!("cannot encrypt: {e}")))?;
    let mut out = Vec::with_capacity(plaintext.len() + 512);
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| WardError::Other(format!("cannot encrypt: {e}")))?;
    w.write_all(plaintext)
        .and_then(|_| w.finish().map(|_| ()))
        .map_err(|e| WardError::Other(format!("cannot encrypt: {e}")))?;
    Ok(out)
}

/// A fresh X25519 identity: (identity file text, public key).
pub fn generate_identity(now: chrono::DateTime<chrono::Utc>) -> (Zeroizing<String>, String) {
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let text = Zeroizing::new(format!(
        "# created: {}\n# public key: {public}\n{}\n",
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        id.to_string().expose_secret()
    ));
    (text, public)
}

/// Refuses a private file (identity, SSH key) that group or others can access,
/// as ssh does.
pub fn check_private_permissions(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                WardError::no_identity(path)
            } else {
                WardError::io(path, e)
            }
        })?;
        // As ssh does: the key must be the user's own (or root's). A file
        // another user owns could be swapped by them at any time.
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me && meta.uid() != 0 {
            return Err(WardError::Identity {
                path: path.to_path_buf(),
                cause: format!(
                    "is owned by another user (uid {}), who could replace it; use an identity \
                     file of your own",
                    meta.uid()
                ),
            });
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(WardError::Identity {
                path: path.to_path_buf(),
                cause: format!(
                    "permissions {mode:04o} are too open: others can read your private key; run `chmod 600 {}`",
                    path.display()
                ),
            });
        }
    }
    Ok(())
}

/// Reads a whole stream into zeroizing memory (values from stdin).
pub fn read_all_zeroizing(mut r: impl BufRead) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::new());
    r.read_to_end(&mut buf)?;
    Ok(buf)
}

/// A store-wide 32-byte key as ward keeps it (the audit key, the
/// fingerprint key): `cipher`, the age-encrypted file at `path`, holds the
/// line `header` and then the key in 64 hex digits. Anything else is
/// corrupt, named as `not a ward {what}`.
pub fn open_key_file(
    keys: &Keyring,
    path: &std::path::Path,
    cipher: &[u8],
    header: &str,
    what: &str,
) -> Result<Zeroizing<[u8; 32]>> {
    let plain = keys.decrypt(path, cipher)?;
    let corrupt = || WardError::Corrupt {
        path: path.to_path_buf(),
        cause: format!("not a ward {what}"),
    };
    let text = std::str::from_utf8(&plain).map_err(|_| corrupt())?;
    let mut lines = text.lines();
    if lines.next() != Some(header) {
        return Err(corrupt());
    }
    let hex = lines.next().ok_or_else(corrupt)?.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(corrupt());
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| corrupt())?;
    }
    Ok(bytes)
}
