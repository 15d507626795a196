//! The tamper-evident audit log (docs/AUDIT.md).
//!
//! Each actor appends to `.ward/audit/<actor-file>.jsonl`, one JSON record a
//! line. Records are chained with HMAC-SHA256 under a store-wide random key
//! kept age-encrypted at `.ward/audit.key.age`; a per-actor head file lets
//! `verify` notice records cut from the end. Records never hold a value.
//!
//! For the TUI (every type here is `Send`):
//! ```no_run
//! # fn demo(store: &std::path::Path, keys: &ward::store::Keyring) -> ward::error::Result<()> {
//! use ward::audit::{self, Action, Event, Filter, Log};
//! let log = Log::open(store, "ann@laptop", audit::keyring_fingerprint(keys));
//! log.append(keys, Event::new(Action::Reveal).path("acme/api/KEY").version(Some(3)))?;
//! let timeline = audit::read_all(store); // no key needed
//! let mine = timeline.filtered(&Filter { prefix: Some("acme".into()), ..Default::default() });
//! let report = audit::verify(store, keys)?; // needs the key
//! if !report.is_ok() { /* show a warning in the header */ }
//! # let _ = mine; Ok(()) }
//! ```

pub mod alerts;
mod crosscheck;
mod head;
mod key;
pub mod local;
mod log;
mod read;
mod record;
pub mod sign;
mod verify;

pub use crosscheck::{cross_check, Mismatch};
pub use key::{AuditKey, KEY_FILE};
pub use local::{pin_file, Local, PinStatus};
pub use log::Log;
pub use read::{
    activity_per_day, chain_files, read_all, read_all_with, Entry, Filter, ReadProblem, Timeline,
};
pub use record::{Action, Event, Record, MAX_REASON_CHARS, RECORD_FORMAT};
pub use verify::{
    verify, verify_file, verify_with_key, verify_with_local, Break, BreakKind, FileReport, Signing,
    VerifyReport, Warning,
};

use crate::error::{Result, WardError};
use crate::store::{fsio, Keyring, WARD_DIR};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Folder of the audit files: `.ward/audit`.
pub const AUDIT_DIR: &str = "audit";

/// `<store>/.ward/audit`.
pub fn audit_dir(store_root: &Path) -> PathBuf {
    store_root.join(WARD_DIR).join(AUDIT_DIR)
}

/// `<store>/.ward/audit` if it is a real folder; `Ok(None)` when it does not
/// exist; an error when it (or `.ward`) is a symbolic link or not a folder,
/// so that nothing is read from or written through a link.
pub fn real_audit_dir(store_root: &Path) -> Result<Option<PathBuf>> {
    let dir = audit_dir(store_root);
    fsio::check_no_symlinks(store_root, &dir)?;
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => Ok(Some(dir)),
        Ok(_) => Err(WardError::Other(format!(
            "{} is not a folder; ward does not write the audit log there",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(WardError::io(&dir, e)),
    }
}

/// Like [`real_audit_dir`], creating the folder (0700) when missing.
pub(crate) fn ensure_audit_dir(store_root: &Path) -> Result<PathBuf> {
    if let Some(dir) = real_audit_dir(store_root)? {
        return Ok(dir);
    }
    let dir = audit_dir(store_root);
    fsio::create_private_dir(&dir)?;
    // Checked again: a link made in the meantime is refused too.
    real_audit_dir(store_root)?
        .ok_or_else(|| WardError::Other(format!("{} vanished", dir.display())))
}

/// An I/O error on an audit file, saying so plainly when it was a link.
pub(crate) fn link_error(path: &Path, e: std::io::Error) -> WardError {
    if fsio::is_symlink_error(&e) {
        WardError::Other(format!(
            "{} is a symbolic link; ward does not follow links for its own files",
            path.display()
        ))
    } else {
        WardError::io(path, e)
    }
}

/// Short fingerprint of a public key (`age1…`, `ssh-ed25519 AAAA…`): the
/// first 16 hex digits of SHA-256 of the key text (without an SSH comment).
pub fn key_fingerprint(public_key: &str) -> String {
    let key: Vec<&str> = public_key.split_whitespace().take(2).collect();
    hex(&Sha256::digest(key.join(" ").as_bytes())[..8])
}

/// Fingerprint of the first identity in `keys`, if any.
pub fn keyring_fingerprint(keys: &Keyring) -> Option<String> {
    keys.public_keys().first().map(|k| key_fingerprint(k))
}

/// A safe file stem for an actor: letters, digits and `._@-` kept, anything
/// else replaced by `_`; when something was replaced (or the name is long),
/// a short hash of the real name is added so that two actors never share a
/// file.
pub fn actor_file_stem(actor: &str) -> String {
    let mut stem: String = actor
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let changed = stem != actor || stem.starts_with('.') || stem.is_empty();
    if stem.starts_with('.') || stem.is_empty() {
        stem.insert(0, '_');
    }
    if changed {
        stem.push('-');
        stem.push_str(&hex(&Sha256::digest(actor.as_bytes())[..4]));
    }
    stem
}

pub(crate) use crate::store::hex;

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
