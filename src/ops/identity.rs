//! Identities: making a new one, loading them, and recording a failed unlock.
//! Passphrases come from the caller (a prompt on the terminal, a dialog in
//! the TUI); nothing here prompts.

use crate::audit::{self, Action, Event};
use crate::error::{MissingIdentity, Result, WardError};
use crate::store::crypto::{self, IdentityLoadError, Keyring, LockKind};
use crate::store::fsio;
use age::secrecy::SecretString;
use std::path::{Path, PathBuf};

/// How many times a passphrase is asked for one identity file (as ssh).
pub const PASSPHRASE_TRIES: u32 = 3;

/// Why a passphrase is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// The file is protected and no passphrase was given yet.
    First,
    /// The last passphrase was wrong; `tries_left` more are allowed after this.
    Again { tries_left: u32 },
}

/// Why identities could not be loaded.
#[derive(Debug)]
pub enum LoadFailure {
    /// A protected file, and no passphrase to open it with.
    NeedsPassphrase { path: PathBuf, kind: LockKind },
    /// Every passphrase given was wrong.
    WrongPassphrase { path: PathBuf },
    /// Missing, unreadable, too open, not an identity…
    Other(WardError),
}

impl LoadFailure {
    pub fn into_ward(self) -> WardError {
        match self {
            LoadFailure::NeedsPassphrase { path, kind } => {
                IdentityLoadError::NeedsPassphrase { path, kind }.into_ward()
            }
            LoadFailure::WrongPassphrase { path } => {
                IdentityLoadError::WrongPassphrase { path }.into_ward()
            }
            LoadFailure::Other(e) => e,
        }
    }
}

/// Gives the passphrase for a protected identity file (`path`, what kind of
/// lock, why it is asked), or None to stop: no terminal, no answer.
pub type AskPassphrase<'a> =
    dyn FnMut(&Path, LockKind, Ask) -> Result<Option<SecretString>, WardError> + 'a;

/// Loads every identity file, asking `ask` for the passphrase of a
/// protected one (up to [`PASSPHRASE_TRIES`] times).
pub fn load(paths: &[PathBuf], ask: &mut AskPassphrase) -> Result<Keyring, LoadFailure> {
    let mut keyring = Keyring::default();
    for path in paths {
        unlocking(path, ask, |passphrase| keyring.add_file(path, passphrase))?;
    }
    Ok(keyring)
}

/// Calls `attempt` without a passphrase, then, while it needs one or the
/// last was wrong, with what `ask` gives (up to [`PASSPHRASE_TRIES`] wrong).
pub(crate) fn unlocking<T>(
    path: &Path,
    ask: &mut AskPassphrase,
    mut attempt: impl FnMut(Option<&SecretString>) -> Result<T, IdentityLoadError>,
) -> Result<T, LoadFailure> {
    let mut passphrase: Option<SecretString> = None;
    let mut kind = LockKind::AgePassphrase;
    let mut wrong = 0;
    loop {
        let why = match attempt(passphrase.as_ref()) {
            Ok(done) => return Ok(done),
            Err(IdentityLoadError::NeedsPassphrase { kind: k, .. }) => {
                kind = k;
                Ask::First
            }
            Err(IdentityLoadError::WrongPassphrase { path }) => {
                wrong += 1;
                if wrong >= PASSPHRASE_TRIES {
                    return Err(LoadFailure::WrongPassphrase { path });
                }
                Ask::Again {
                    tries_left: PASSPHRASE_TRIES - wrong - 1,
                }
            }
            Err(IdentityLoadError::Other(e)) => return Err(LoadFailure::Other(e)),
        };
        match ask(path, kind, why).map_err(LoadFailure::Other)? {
            Some(p) => passphrase = Some(p),
            None if why == Ask::First => {
                return Err(LoadFailure::NeedsPassphrase {
                    path: path.to_path_buf(),
                    kind,
                })
            }
            None => {
                return Err(LoadFailure::WrongPassphrase {
                    path: path.to_path_buf(),
                });
            }
        }
    }
}

/// `ward passwd`: protects the age identity file at `path` with a new
/// passphrase. The file is unlocked first (`ask` gives the current
/// passphrase when it has one), then `new` gives the new one, and the file
/// is rewritten atomically, mode 0600: until the new version is durable the
/// old one stays in place, and a failure leaves it as it was.
pub fn change_passphrase(
    path: &Path,
    ask: &mut AskPassphrase,
    new: impl FnOnce() -> Result<SecretString>,
) -> Result<(), LoadFailure> {
    crypto::check_private_permissions(path).map_err(LoadFailure::Other)?;
    let bytes = zeroize::Zeroizing::new(
        std::fs::read(path).map_err(|e| LoadFailure::Other(WardError::io(path, e)))?,
    );
    let text = unlocking(path, ask, |current| {
        crypto::identity_text(path, &bytes, current)
    })?;
    let new = new().map_err(LoadFailure::Other)?;
    let wrapped = zeroize::Zeroizing::new(crypto::encrypt_with_passphrase(&text, &new));
    fsio::atomic_write(path, &wrapped).map_err(LoadFailure::Other)
}

/// Loads identities with at most one passphrase, tried once for every
/// protected file (the TUI's lock screen; no passphrase: a protected file
/// is [`LoadFailure::NeedsPassphrase`]).
pub fn load_with(
    paths: &[PathBuf],
    passphrase: Option<&SecretString>,
) -> Result<Keyring, LoadFailure> {
    load(paths, &mut |_, _, why| {
        Ok(match why {
            Ask::First => passphrase.cloned(),
            Ask::Again { .. } => None,
        })
    })
}

/// Writes a new X25519 identity to `path` (its folder made 0700, the file
/// 0600), encrypted with `passphrase` when given. Returns its public key.
/// Refuses to replace an existing file.
pub fn create(
    path: &Path,
    passphrase: Option<&SecretString>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(WardError::Exists {
            what: "an identity".into(),
            path: path.to_path_buf(),
        });
    }
    let (text, public) = crypto::generate_identity(now);
    let bytes = zeroize::Zeroizing::new(match passphrase {
        Some(p) => crypto::encrypt_with_passphrase(text.as_bytes(), p),
        None => text.as_bytes().to_vec(),
    });
    if let Some(dir) = path.parent() {
        fsio::create_private_dir(dir)?;
    }
    fsio::atomic_write(path, &bytes)?;
    Ok(public)
}

/// A missing identity file when the store exists: joining it (or, when
/// the path was named, that path), for the front ends to advise on.
pub fn explain_missing(e: WardError, path_given: bool) -> WardError {
    let WardError::NoIdentity { path, .. } = e else {
        return e;
    };
    let situation = if path_given {
        MissingIdentity::PathNamed
    } else {
        MissingIdentity::JoinStore
    };
    WardError::NoIdentity { path, situation }
}

/// Records a failed unlock (wrong passphrase) at `at` in the store's audit
/// log. No key is open yet, so it waits on this machine and the next append
/// seals it.
pub fn record_failed_unlock(
    store_root: &Path,
    actor: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    audit::Log::open(store_root, actor, None)
        .append_unsealed(
            Event::new(Action::UnlockFailed)
                .at(at)
                .reason(Some("wrong passphrase")),
        )
        .map(drop)
}

/// Whether `keys` hold a key of any recipients file of `store` (the store's
/// or a folder's): a non-member gets one line instead of one error per
/// secret.
pub fn is_member(store: &crate::store::Store, keys: &Keyring) -> bool {
    let mine: Vec<String> = keys
        .public_keys()
        .iter()
        .map(|k| crypto::key_id(k))
        .collect();
    let mut files = vec![store.recipients_file(None)];
    files.extend(store.folder_recipients_files(None));
    files.iter().any(|f| {
        store.read_recipients_text(f).is_ok_and(|t| {
            crate::store::recipients::key_lines(&t)
                .iter()
                .any(|k| mine.contains(&crypto::key_id(k)))
        })
    })
}

/// The one line a non-member gets from a listing command, for `count`
/// secrets it could not read.
pub fn not_a_member_line(keys: &Keyring, count: usize) -> String {
    format!(
        "you are not a member of this store: none of your keys is a recipient, so {} cannot \
         be read; ask a member to run `ward recipients add {}` (see `ward identity`)",
        crate::words::plural(count, "secret"),
        keys.public_keys()
            .first()
            .map(String::as_str)
            .unwrap_or("KEY")
    )
}

/// The one command a member runs to add `public` to the store, labelled
/// `label` (the joining user's actor), as one line both front ends show.
pub fn member_command(public: &str, label: &str) -> String {
    format!("ward recipients add {public} --label {}", shell_word(label))
}

/// `word` as one shell word: as it is when it is plain, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._-+:/=,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", crate::sanitize::escape(word).replace('\'', "'\\''"))
    }
}
