//! The trash (docs/FORMAT.md, "Trash"): `ward rm` moves a secret's file,
//! still encrypted and byte for byte, to `.ward/trash/<ID>/secret.age`
//! beside an `entry.json` (its name, when, by whom); `ward trash` lists
//! them; `ward trash restore NAME` puts the newest entry of that name back
//! (re-encrypted to the recipients in force there now); entries older than
//! `[trash] keep` go at the trash's next write.
//!
//! The trash is inside the store, so in a git store it is committed and
//! shared: a slip by one member can be undone by any other who could read
//! the secret. Nothing new is exposed: the same encrypted file was in the
//! git history already.

use super::change::{Outcome, Writer};
use crate::audit::{Action, Event};
use crate::error::{IoContext, Result, WardError};
use crate::policy::Interval;
use crate::store::{fsio, Approved, SecretPath, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `.ward/trash`, relative to the store.
pub const TRASH_DIR: &str = "trash";
/// The moved secret file inside an entry's folder.
pub const ENTRY_SECRET: &str = "secret.age";
/// The entry's description inside its folder.
pub const ENTRY_FILE: &str = "entry.json";
/// Largest entry.json read (a name and two short strings).
const MAX_ENTRY_BYTES: u64 = 64 * 1024;

/// What `entry.json` says (plain JSON: the name was a file name already).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub deleted: DateTime<Utc>,
    pub deleted_by: String,
}

/// An entry found in the trash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The folder name under `.ward/trash`.
    pub id: String,
    pub entry: Entry,
}

/// What the trash holds, newest first, and the folders it could not read.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub entries: Vec<Found>,
    pub problems: Vec<(PathBuf, String)>,
}

/// `.ward/trash` of `store`.
pub fn dir(store: &Store) -> PathBuf {
    store.ward_dir().join(TRASH_DIR)
}

/// Every entry of the trash, newest first. Links are not followed.
pub fn list(store: &Store) -> Listing {
    let mut out = Listing::default();
    let root = dir(store);
    let Ok(read) = std::fs::read_dir(&root) else {
        return out;
    };
    for item in read.flatten() {
        let path = item.path();
        let id = item.file_name().to_string_lossy().into_owned();
        if id.starts_with('.') {
            continue;
        }
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            out.problems
                .push((path, "not a folder (links are not followed)".into()));
            continue;
        }
        match read_entry(&path) {
            Ok(entry) => out.entries.push(Found { id, entry }),
            Err(why) => out.problems.push((path, why)),
        }
    }
    out.entries
        .sort_by(|a, b| b.entry.deleted.cmp(&a.entry.deleted).then(b.id.cmp(&a.id)));
    out
}

fn read_entry(folder: &Path) -> std::result::Result<Entry, String> {
    let file = folder.join(ENTRY_FILE);
    let bytes = fsio::read_file_max(&file, MAX_ENTRY_BYTES).map_err(|e| e.to_string())?;
    let entry: Entry = serde_json::from_slice(&bytes).map_err(|_| "entry.json is damaged")?;
    SecretPath::parse(&entry.name).map_err(|_| "entry.json names no valid secret")?;
    if !std::fs::symlink_metadata(folder.join(ENTRY_SECRET)).is_ok_and(|m| m.is_file()) {
        return Err(format!("{ENTRY_SECRET} is missing"));
    }
    Ok(entry)
}

/// Moves `name` to the trash (recorded as `delete`, reason "to trash"),
/// after emptying what is older than `keep`; one commit in a git store.
pub fn put(w: &Writer, name: &SecretPath, keep: Interval) -> Result<Outcome> {
    let lock = w.store.lock()?;
    expire(w.store, keep, w.now);
    put_locked(w, &lock, name)?;
    drop(lock);
    Ok(committed(w, Action::Delete, name, None))
}

/// [`put`] under the lock the caller holds, without emptying or
/// committing: the entry's folder.
pub fn put_locked(w: &Writer, lock: &fsio::StoreLock, name: &SecretPath) -> Result<PathBuf> {
    let root = dir(w.store);
    fsio::check_no_symlinks(w.store.root(), &root)?;
    let id = format!(
        "{}-{}",
        w.now.format("%Y%m%dT%H%M%S%.3fZ"),
        crate::store::hex(&rand::random::<[u8; 4]>())
    );
    let folder = root.join(&id);
    fsio::create_private_dir(&folder)?;
    let entry = Entry {
        name: name.to_string(),
        deleted: w.now,
        deleted_by: w.actor.to_string(),
    };
    let json = serde_json::to_vec_pretty(&entry).expect("an entry serialises");
    let moved = fsio::atomic_write(&folder.join(ENTRY_FILE), &json).and_then(|()| {
        w.store
            .move_out_locked(lock, name, &folder.join(ENTRY_SECRET), || {
                w.journal.record(
                    Event::new(Action::Delete)
                        .path(name.as_str())
                        .reason(Some("to trash")),
                )
            })
    });
    if let Err(e) = moved {
        // Nothing half-made stays behind: the secret is where it was.
        let _ = std::fs::remove_dir_all(&folder);
        return Err(e);
    }
    Ok(folder)
}

/// Takes back a [`put_locked`] (`rm -r` failing half-way): the file goes
/// back to `name`'s place, the entry is removed.
pub fn take_back_locked(store: &Store, name: &SecretPath, folder: &Path) -> Result<()> {
    let path = store.file_of(name);
    if let Some(parent) = path.parent() {
        fsio::create_private_dir(parent)?;
    }
    std::fs::rename(folder.join(ENTRY_SECRET), &path).at(&path)?;
    std::fs::remove_dir_all(folder).at(folder)
}

/// The outcome of a trash change, committed with the trash folder in a
/// git store.
pub(super) fn committed(
    w: &Writer,
    action: Action,
    name: &SecretPath,
    version: Option<u32>,
) -> Outcome {
    let paths = [w.store.file_of(name), dir(w.store)];
    Outcome {
        action,
        name: name.clone(),
        from: None,
        version,
        commit_warning: super::commit::after_change(
            w.store,
            &paths,
            &format!("{} {name}", action.label()),
            w.actor,
            w.autocommit,
        ),
    }
}

/// Removes the entries deleted longer than `keep` ago (at the trash's
/// writes, under the store lock). Returns the folders removed.
pub fn expire(store: &Store, keep: Interval, now: DateTime<Utc>) -> Vec<PathBuf> {
    let today = now.date_naive();
    let root = dir(store);
    let mut gone = Vec::new();
    for found in list(store).entries {
        let due = keep.after(found.entry.deleted.date_naive());
        if due.is_some_and(|d| d <= today) {
            let folder = root.join(&found.id);
            if std::fs::remove_dir_all(&folder).is_ok() {
                gone.push(folder);
            }
        }
    }
    gone
}

/// `ward trash restore NAME`: the newest entry of `name` back in the store,
/// decrypted and encrypted again to the recipients in force there (with
/// the same checks as every write), recorded as `restore`. Refused when a
/// secret has that name now.
pub fn restore(w: &Writer, name: &SecretPath, keep: Interval) -> Result<Outcome> {
    if w.store.exists(name) {
        return Err(WardError::Exists {
            what: format!("secret {name}"),
            path: w.store.file_of(name),
        }
        .hint(format!(
            "the name is taken, so the trash keeps the deleted {name}: move this one away \
             first (ward mv {name} NEW_NAME), then ward trash restore {name}"
        )));
    }
    let found = list(w.store)
        .entries
        .into_iter()
        .find(|f| f.entry.name == name.as_str())
        .ok_or_else(|| {
            WardError::Usage(format!(
                "there is no {name} in the trash; ward trash lists what it holds"
            ))
        })?;
    let folder = dir(w.store).join(&found.id);
    let file = folder.join(ENTRY_SECRET);
    fsio::check_no_symlinks(w.store.root(), &file)?;
    let bytes = fsio::read_file_max(&file, crate::store::MAX_SECRET_FILE_BYTES).at(&file)?;
    let plain = w.keys.decrypt(&file, &bytes)?;
    let mut doc =
        crate::store::SecretDoc::from_bytes(&plain).map_err(|cause| WardError::Corrupt {
            path: file.clone(),
            cause,
        })?;
    drop(plain);
    doc.touch(w.actor, w.now);
    let version = doc.version;
    let approved = || super::trust::approved_with_mine(w.store, w.keys);
    let guard = super::trust::guard(w.keys, w.force, Approved::Load(&approved));
    let deleted = found.entry.deleted.format("%Y-%m-%d %H:%M").to_string();
    w.store.create_secret(name, &doc, guard, || {
        w.journal.record(
            Event::new(Action::Restore)
                .path(name.as_str())
                .version(Some(version))
                .reason(Some(&format!("from trash (deleted {deleted})"))),
        )
    })?;
    let lock = w.store.lock()?;
    std::fs::remove_dir_all(&folder).at(&folder)?;
    expire(w.store, keep, w.now);
    drop(lock);
    Ok(committed(w, Action::Restore, name, Some(version)))
}
