//! Changing who a store (or a folder) is encrypted to: adding and removing
//! keys, re-encrypting what the change governs, and offboarding a member
//! (docs/CLI.md, docs/TEAMS.md "Offboarding"). Validation, the lock-out
//! refusal, the re-encryption and the audit record live here; the outcome
//! goes back as data for the front end to print.

use super::offboarding::{self, Exposure, Mark, Removed};
use super::trust as approvals;
use super::Journal;
use crate::audit::{Action, AuditKey, Event};
use crate::error::{Result, WardError};
use crate::sanitize::escape;
use crate::store::recipients::{self as recip, key_id, short_key, Reencrypted};
use crate::store::{
    reader_ids, Approved, Keyring, Problem, SecretDoc, SecretPath, Store, FOLDER_RECIPIENTS,
};
use crate::words::plural;
use chrono::Utc;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `progress(done, total)` while re-encrypting: 0 first, then as secrets
/// finish (from worker threads).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// What to do to the recipients file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    Add { label: Option<String> },
    Rm { force: bool },
}

/// A change of one recipients file: the store's (`folder` None) or a folder's.
#[derive(Clone, Debug)]
pub struct Request {
    pub folder: Option<SecretPath>,
    /// Validated key lines ([`validate_keys`]).
    pub keys: Vec<String>,
    pub how: How,
    /// Who makes the change (the offboarding mark names them).
    pub actor: String,
    /// The name a mark gives a removed key that has no label in this file
    /// (`ward offboard LABEL`: a folder's file started from the store's
    /// holds its keys without their labels).
    pub label_of_removed: Option<String>,
}

/// What a change did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The recipients file, relative to the store.
    pub file: String,
    /// The file was created from this one (a folder's first own list).
    pub created_from: Option<String>,
    /// Keys asked to add that already were recipients.
    pub already: Vec<String>,
    /// Keys added or removed; empty when nothing changed.
    pub changed: Vec<String>,
    /// How many recipients the file has now.
    pub recipients: usize,
    pub reencrypted: Reencrypted,
    /// Files found but not listed (not re-encrypted).
    pub problems: Vec<Problem>,
    /// The store's audit key could not be re-encrypted.
    pub audit_key_error: Option<WardError>,
    /// After a removal: what the removed keys could read.
    pub exposure: Option<Exposure>,
}

impl Outcome {
    /// The store files the change wrote, for its commit in a git store:
    /// the recipients file, what was re-encrypted or marked (the audit
    /// folder and key go with every commit, see `ops::commit`).
    pub fn changed_paths(&self, store: &Store) -> Vec<PathBuf> {
        if self.changed.is_empty() {
            return Vec::new();
        }
        let mut paths = vec![store.root().join(&self.file)];
        paths.extend(self.reencrypted.done.iter().map(|n| store.file_of(n)));
        if let Some(exposure) = &self.exposure {
            let marked = exposure.secrets.iter().filter(|s| s.mark == Mark::Marked);
            paths.extend(marked.map(|s| store.file_of(&s.name)));
        }
        paths
    }

    /// Anything left behind: a secret not re-encrypted, a file not listed,
    /// the audit key.
    pub fn failed(&self) -> bool {
        !self.reencrypted.failed.is_empty()
            || !self.problems.is_empty()
            || self.audit_key_error.is_some()
    }
}

/// Checks keys given by the user: each one line and a valid recipient.
pub fn validate_keys(keys: &[String]) -> Result<Vec<String>> {
    keys.iter()
        .map(|k| {
            recip::validate_key(k)
                .map_err(|cause| WardError::Usage(format!("{}: {cause}", escape(&short_key(k)))))
        })
        .collect()
}

/// Checks a `--label`.
pub fn validate_label(label: Option<String>) -> Result<Option<String>> {
    label
        .map(|l| recip::validate_label(&l).map_err(|c| WardError::Usage(format!("--label: {c}"))))
        .transpose()
}

/// A path inside the store, relative, for messages.
pub fn rel(store: &Store, path: &Path) -> String {
    escape(
        &path
            .strip_prefix(store.root())
            .unwrap_or(path)
            .display()
            .to_string(),
    )
}

/// The text of the file to change, and where it was started from when it
/// does not exist yet.
fn current_text(
    store: &Store,
    folder: Option<&SecretPath>,
    target: &Path,
) -> Result<(String, Option<String>)> {
    if std::fs::symlink_metadata(target).is_ok() {
        let text = store.read_recipients_text(target)?;
        crate::store::crypto::parse_recipients(target, &text)?;
        return Ok((text, None));
    }
    let in_force = store.recipients_in_force(folder)?;
    let from = rel(store, &in_force.path);
    let mut text = format!(
        "# ward recipients for {}/ (started from {from}); see docs/FORMAT.md\n",
        folder.map(|f| f.as_str()).unwrap_or_default()
    );
    for k in &in_force.keys {
        text.push_str(k);
        text.push('\n');
    }
    Ok((text, Some(from)))
}

/// Refuses a change that would leave the file empty, or without any key of
/// the user's (unless `rm --force`).
fn refuse_lock_out(
    how: &How,
    file: &str,
    old_keys: &[String],
    new_keys: &[String],
    keys: &Keyring,
) -> Result<()> {
    if new_keys.is_empty() {
        return Err(WardError::Usage(format!(
            "refusing to remove the last recipient of {file}: nobody could read what it governs"
        )));
    }
    if matches!(how, How::Rm { force: true }) {
        return Ok(());
    }
    let mine: Vec<String> = keys.public_keys().iter().map(|k| key_id(k)).collect();
    let held = |list: &[String]| list.iter().any(|k| mine.contains(&key_id(k)));
    if held(new_keys) {
        return Ok(());
    }
    let why = if held(old_keys) {
        format!("refusing to remove every key of your own identities from {file}")
    } else {
        format!("refusing to change {file}: it holds none of your keys")
    };
    let fix = match how {
        How::Rm { .. } => "add another key of yours first, or pass --force",
        How::Add { .. } => "add one of your own keys in the same command",
    };
    Err(WardError::Usage(format!(
        "{why}: you could no longer read what it governs; {fix}"
    )))
}

/// Adds or removes keys in one recipients file and re-encrypts what it
/// governs. After a removal, every secret a removed key could read is
/// listed and, where its current value was readable, marked "rotation
/// required" ([`Outcome::exposure`]). Takes the store lock; the keyring
/// must be unlocked before (a passphrase prompt must not hold the lock).
pub fn change(
    store: &Store,
    keys: &Keyring,
    journal: &dyn Journal,
    req: &Request,
    progress: Progress<'_>,
) -> Result<Outcome> {
    let folder = req.folder.as_ref();
    let lock = store.lock()?;
    let target = store.recipients_file(folder);
    let (old_text, created_from) = current_text(store, folder, &target)?;
    let old_keys = recip::key_lines(&old_text);
    let edit = match &req.how {
        How::Add { label } => recip::add_labelled_keys(&old_text, &req.keys, label.as_deref()),
        How::Rm { .. } => recip::remove_keys(&old_text, &req.keys),
    };
    let file = rel(store, &target);
    if !edit.missing.is_empty() {
        let shown: Vec<String> = edit.missing.iter().map(|k| short_key(k)).collect();
        let where_ = created_from.clone().unwrap_or_else(|| file.clone());
        return Err(WardError::Usage(format!(
            "not a recipient in {where_}: {}; nothing was changed (see `ward recipients{}`)",
            escape(&shown.join(", ")),
            folder
                .map(|f| format!(" --folder {}", escape(f.as_str())))
                .unwrap_or_default()
        )));
    }
    let mut out = Outcome {
        file: file.clone(),
        already: edit.already.clone(),
        ..Outcome::default()
    };
    if !edit.changed() {
        return Ok(out);
    }
    let new_keys = edit.keys();
    refuse_lock_out(&req.how, &file, &old_keys, &new_keys, keys)?;

    // Trust: the keys added now are approved by adding them; every other
    // key of the new file must have been approved here already, checked
    // before the file changes.
    let forced = matches!(req.how, How::Rm { force: true });
    let mut approved = approvals::approved_with_mine(store, keys)?;
    approved.extend(edit.added.iter().map(|k| key_id(k)));
    let guard = approvals::guard(keys, forced, Approved::Keys(&approved));
    guard.check_approved(&file, &target, &edit.text)?;
    approvals::approve(store, &edit.added)?;

    // The file first: it states the intent. If this is interrupted below,
    // `ward recipients reencrypt` finishes the job.
    store.write_recipients_locked(&lock, &target, &edit.text)?;
    out.created_from = created_from;
    out.recipients = new_keys.len();
    let removal = matches!(req.how, How::Rm { .. });
    out.changed = if removal {
        edit.removed.clone()
    } else {
        edit.added.clone()
    };

    let before = reader_ids(&old_text);
    let now = Utc::now();
    let mut removed = if removal {
        Removed::from_file(&old_text, &edit.removed)
    } else {
        Vec::new()
    };
    for r in removed.iter_mut().filter(|r| r.label.is_none()) {
        r.label.clone_from(&req.label_of_removed);
    }
    let exposure = removal.then(|| {
        offboarding::assess(
            store,
            &lock,
            keys,
            guard,
            &target,
            &before,
            removed.clone(),
            &req.actor,
            now,
        )
    });
    let mark = |_: &SecretPath, doc: &mut SecretDoc| {
        offboarding::mark_doc(doc, &before, &removed, &req.actor, now)
    };
    let (names, problems) = store.governed_by(folder, &target);
    out.reencrypted = store.reencrypt_locked(
        &lock, keys, &names, &target, guard, &before, &mark, progress,
    )?;
    out.problems = problems;
    out.exposure = exposure.map(|mut e| {
        for s in &mut e.secrets {
            if let Some((_, err)) = out.reencrypted.failed.iter().find(|(n, _)| *n == s.name) {
                if matches!(s.mark, Mark::Marked | Mark::AlreadyMarked) {
                    s.mark = Mark::NotMarked(format!("it was left as it was ({err})"));
                }
            }
        }
        e
    });
    let audit_key = folder.is_none().then(|| reencrypt_audit_key(store, keys));

    let verb = if removal { "removed" } else { "added" };
    // A removal names each key's audit fingerprint too, so that `ward audit
    // alerts` can tell a read by that key after this moment.
    let what: Vec<String> = out
        .changed
        .iter()
        .map(|k| match removal {
            true => format!(
                "{} (key {})",
                short_key(k),
                crate::audit::key_fingerprint(k)
            ),
            false => short_key(k),
        })
        .collect();
    let marked = out
        .exposure
        .as_ref()
        .map(|e| e.marked())
        .filter(|n| *n > 0)
        .map(|n| format!("; {n} marked for rotation"))
        .unwrap_or_default();
    let reason = format!(
        "{verb} {}; {} re-encrypted{}{marked}",
        what.join(", "),
        plural(out.reencrypted.done.len(), "secret"),
        not_done(&out.reencrypted)
    );
    let mut event = Event::new(Action::RecipientsChange).reason(Some(&reason));
    if let Some(f) = folder {
        event = event.path(f.as_str());
    }
    // Recorded before the audit key is re-encrypted: after `rm --force` of
    // your own key you could no longer open it to write the record.
    journal.record(event);
    if let Some(Err(e)) = audit_key.map(|f| f()) {
        out.audit_key_error = Some(e);
    }
    drop(lock);
    Ok(out)
}

/// ", 2 not" when secrets were left as they were.
fn not_done(r: &Reencrypted) -> String {
    if r.failed.is_empty() {
        String::new()
    } else {
        format!(", {} not", r.failed.len())
    }
}

/// Re-encrypts the store's audit key to `.ward/recipients` as it is now.
/// The key is opened now; the closure saves it, so that the caller can
/// record the change in between.
fn reencrypt_audit_key(store: &Store, keys: &Keyring) -> impl FnOnce() -> Result<()> {
    let root = store.root().to_path_buf();
    let loaded = AuditKey::load(&root, keys);
    // The fingerprint key (ops/fingerprint.rs) goes with it.
    let values = crate::store::values::FingerprintKey::load(&root, keys);
    move || {
        if let Some(key) = loaded? {
            key.save(&root)?;
        }
        match values? {
            Some(key) => key.save(&root),
            None => Ok(()),
        }
    }
}

/// What `ward recipients reencrypt` did.
#[derive(Debug, Default)]
pub struct Reencryption {
    pub reencrypted: Reencrypted,
    /// Groups (by recipients file) that failed as a whole: file, how many
    /// secrets, why.
    pub groups_failed: Vec<(String, usize, WardError)>,
    pub problems: Vec<Problem>,
    pub audit_key_error: Option<WardError>,
}

impl Reencryption {
    /// The secret files re-encrypted, for the commit in a git store.
    pub fn changed_paths(&self, store: &Store) -> Vec<PathBuf> {
        self.reencrypted
            .done
            .iter()
            .map(|n| store.file_of(n))
            .collect()
    }

    pub fn failed(&self) -> bool {
        !self.reencrypted.failed.is_empty()
            || !self.groups_failed.is_empty()
            || !self.problems.is_empty()
            || self.audit_key_error.is_some()
    }
}

/// Every secret under `folder` (the whole store for None) to the recipients
/// file that governs it now (after a hand edit, or to finish an interrupted
/// change). Every file is checked before any secret changes: one without
/// the user's key (unless `force`), or with a key not approved here, is
/// refused as a whole.
pub fn reencrypt(
    store: &Store,
    keys: &Keyring,
    journal: &dyn Journal,
    folder: Option<&SecretPath>,
    force: bool,
    progress: Progress<'_>,
) -> Result<Reencryption> {
    let lock = store.lock()?;
    let listing = store.list(folder);
    let mut groups: BTreeMap<PathBuf, Vec<SecretPath>> = BTreeMap::new();
    for name in listing.secrets {
        if folder.is_some_and(|f| &name == f) {
            continue;
        }
        groups
            .entry(store.recipients_path_for(&name))
            .or_default()
            .push(name);
    }
    let approved = approvals::approved_with_mine(store, keys)?;
    let read_back = approvals::guard(keys, force, Approved::Keys(&approved));
    for (file, names) in &groups {
        // Other problems of a group are reported with it below.
        match store.check_read_back(file, names.len(), read_back) {
            Err(e @ WardError::LockOut { .. }) => {
                return Err(e.hint(
                    "add one of your keys to that file first, or pass --force to re-encrypt \
                     anyway",
                ))
            }
            Err(e @ WardError::Untrusted { .. }) => return Err(e),
            _ => {}
        }
    }
    let mut out = Reencryption {
        problems: listing.problems,
        ..Reencryption::default()
    };
    let unchanged = |_: &SecretPath, _: &mut SecretDoc| {};
    for (file, names) in &groups {
        match store.reencrypt_locked(
            &lock,
            keys,
            names,
            file,
            read_back,
            &[],
            &unchanged,
            progress,
        ) {
            Ok(r) => {
                out.reencrypted.done.extend(r.done);
                out.reencrypted.failed.extend(r.failed);
            }
            Err(e) => out.groups_failed.push((rel(store, file), names.len(), e)),
        }
    }
    let mut event = Event::new(Action::RecipientsChange).reason(Some(&format!(
        "re-encrypted {}{}",
        plural(out.reencrypted.done.len(), "secret"),
        not_done(&out.reencrypted)
    )));
    if let Some(f) = folder {
        event = event.path(f.as_str());
    }
    journal.record(event);
    if folder.is_none() {
        if let Err(e) = reencrypt_audit_key(store, keys)() {
            out.audit_key_error = Some(e);
        }
    }
    drop(lock);
    Ok(out)
}

/// One recipients file in an offboarding: its folder (None: the store's
/// file), the file, and what removing the label's keys from it came to.
#[derive(Debug)]
pub struct FileOffboarded {
    pub folder: Option<SecretPath>,
    pub file: String,
    pub outcome: Result<Outcome>,
}

/// `ward offboard LABEL`: removes every key labelled `label` from every
/// recipients file that holds one, each as `rm` would (a file the user
/// cannot change, or whose last key it is, is refused and left as it was),
/// marking what those keys could read. When no file could be changed, the
/// first refusal is the error.
pub fn offboard(
    store: &Store,
    keys: &Keyring,
    journal: &dyn Journal,
    label: &str,
    actor: &str,
    progress: Progress<'_>,
) -> Result<Vec<FileOffboarded>> {
    let files = offboarding::files_with_label(store, label)?;
    if files.is_empty() {
        return Err(WardError::Usage(format!(
            "no recipient is labelled {} in any recipients file; nothing was changed (see \
             `ward recipients`)",
            escape(label)
        )));
    }
    let mut out = Vec::new();
    for (path, keys_of) in files {
        let folder = folder_of(store, &path);
        let req = Request {
            folder: folder.clone(),
            keys: keys_of,
            how: How::Rm { force: false },
            actor: actor.to_string(),
            label_of_removed: Some(label.to_string()),
        };
        out.push(FileOffboarded {
            folder,
            file: rel(store, &path),
            outcome: change(store, keys, journal, &req, progress),
        });
    }
    // Nothing could change: the (first) refusal is the answer.
    let none_changed = out.iter().all(|f| f.outcome.is_err());
    if let Some(Err(e)) = none_changed.then(|| out.swap_remove(0).outcome) {
        return Err(e);
    }
    Ok(out)
}

/// The folder a `.recipients` file belongs to; None for the store's file.
pub fn folder_of(store: &Store, file: &Path) -> Option<SecretPath> {
    if file.file_name() != Some(FOLDER_RECIPIENTS.as_ref()) {
        return None;
    }
    let dir = file.parent()?.strip_prefix(store.root()).ok()?;
    let raw: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    SecretPath::parse_prefix(&raw.join("/")).ok()
}
