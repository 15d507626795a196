//! Trust on first use, kept per machine.
//!
//! Anything another writer of a shared store can put there and that acts on
//! the person running ward (the variable names `ward exec`/`ward export`
//! set, and next the recipient keys new secrets are encrypted to) takes
//! effect only once this machine approved it. The approvals live outside the
//! store, where a teammate pushing to the store's git remote cannot change
//! them: `<data dir>/ward/trust/<store id>.json`, one file a store.
//!
//! A [`TrustBook`] is the approvals of one store, grouped by *scope*: a
//! string naming what is approved, chosen by the caller, each holding a set
//! of approved items. The module knows nothing of what the items mean, so
//! one book serves every case:
//!
//! | scope            | items                          | user                     |
//! |------------------|--------------------------------|--------------------------|
//! | `env:PREFIX`     | variable names (`STRIPE_KEY`)  | `ward exec`, `ward export` (`env:` alone: `--all`) |
//! | `recipients`     | public keys (`age1…`)          | every write (`ops::trust`), `ward recipients trust` |
//!
//! ```no_run
//! # fn demo(store_id: &str) -> ward::error::Result<()> {
//! use ward::trust::TrustBook;
//! let mut book = TrustBook::open(store_id)?;
//! let new = book.unapproved("recipients", ["age1…", "ssh-ed25519 AAAA…"]);
//! if !new.is_empty() {
//!     // … show `new` to the person and ask …
//!     book.approve("recipients", &new)?;
//! }
//! # Ok(()) }
//! ```
//!
//! Rules, as for every file ward keeps for itself: the folder is 0700 and
//! the files 0600; nothing is opened through a symbolic link (the file with
//! `O_NOFOLLOW`, the folder checked with `symlink_metadata`), and a file or
//! folder that group or others can write is refused, since anyone who can
//! write it can approve in your name. A write goes to a temp file that is
//! fsynced and renamed into place, under a lock file (`trust/lock`), and
//! re-reads the file under that lock first, so two processes approving at
//! once keep each other's approvals. A file that cannot be read as a trust
//! file (damaged, larger than [`MAX_FILE_BYTES`], written by a newer ward,
//! or holding another store's approvals) is an error that names it; ward
//! never rewrites such a file, so nothing in it is lost by accident.
//!
//! Tests move the folder like every other data-dir file: through
//! `XDG_DATA_HOME` (as `tests/common` does), or with [`TrustBook::open_in`].

use crate::error::{IoContext, Result, WardError};
use crate::store::fsio;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The scope of approved recipient keys (items: `store::crypto::key_id`).
pub const RECIPIENTS_SCOPE: &str = "recipients";

/// Folder of the trust files inside `<data dir>/ward`.
pub const TRUST_DIR: &str = "trust";
/// The lock file every writer of the folder holds.
const LOCK_FILE: &str = "lock";
/// Format of a trust file; a newer one is refused rather than rewritten.
const FORMAT: u32 = 1;
/// Largest trust file read: approvals are names and keys, so a file this
/// large is not one ward wrote.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// `<data dir>/ward/trust` (from `dirs`, so `XDG_DATA_HOME` moves it).
pub fn default_dir() -> PathBuf {
    dirs::data_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("ward")
        .join(TRUST_DIR)
}

/// The file as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookFile {
    format: u32,
    /// The store id again, so that a file copied or renamed onto another
    /// store's name is noticed instead of approving for the wrong store.
    store: String,
    #[serde(default)]
    scopes: BTreeMap<String, BTreeSet<String>>,
}

type Scopes = BTreeMap<String, BTreeSet<String>>;

/// The approvals this machine gave for one store.
#[derive(Clone, Debug)]
pub struct TrustBook {
    dir: PathBuf,
    store_id: String,
    /// As read at `open`, or after this book's last change (which re-reads
    /// the file under the lock first).
    scopes: Scopes,
}

impl TrustBook {
    /// The approvals for the store `store_id` (from `store.info().id`) in
    /// the default folder. A store never approved on this machine has none.
    pub fn open(store_id: &str) -> Result<TrustBook> {
        TrustBook::open_in(&default_dir(), store_id)
    }

    /// Like [`TrustBook::open`], with the trust files in `dir`.
    pub fn open_in(dir: &Path, store_id: &str) -> Result<TrustBook> {
        // The id names a file: only the form `Store::open` accepts.
        if !crate::store::is_store_id(store_id) {
            return Err(WardError::Other(format!(
                "{store_id:?} is not a store id (32 lowercase hexadecimal digits)"
            )));
        }
        let mut book = TrustBook {
            dir: dir.to_path_buf(),
            store_id: store_id.to_string(),
            scopes: Scopes::new(),
        };
        book.scopes = book.load()?;
        Ok(book)
    }

    /// The file holding this store's approvals.
    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.store_id))
    }

    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    /// Every item approved in `scope`.
    pub fn approved(&self, scope: &str) -> BTreeSet<String> {
        self.scopes.get(scope).cloned().unwrap_or_default()
    }

    /// Whether `item` is approved in `scope`.
    pub fn is_approved(&self, scope: &str, item: &str) -> bool {
        self.scopes.get(scope).is_some_and(|s| s.contains(item))
    }

    /// The items of `items` not approved in `scope`, in their first order,
    /// each once.
    pub fn unapproved<I, S>(&self, scope: &str, items: I) -> Vec<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut seen = BTreeSet::new();
        items
            .into_iter()
            .filter(|i| !self.is_approved(scope, i.as_ref()))
            .filter(|i| seen.insert(i.as_ref().to_string()))
            .map(|i| i.as_ref().to_string())
            .collect()
    }

    /// Approves `items` in `scope` and writes the file (atomically, under
    /// the lock, keeping whatever other processes approved meanwhile).
    pub fn approve<I, S>(&mut self, scope: &str, items: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let items: Vec<String> = items.into_iter().map(|i| i.as_ref().to_string()).collect();
        self.update(|scopes| {
            let set = scopes.entry(scope.to_string()).or_default();
            let before = set.len();
            set.extend(items);
            set.len() != before
        })
    }

    /// Withdraws the approval of `items` in `scope` (a scope left empty is
    /// dropped), written as for [`TrustBook::approve`].
    pub fn revoke<I, S>(&mut self, scope: &str, items: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let items: Vec<String> = items.into_iter().map(|i| i.as_ref().to_string()).collect();
        self.update(|scopes| {
            let Some(set) = scopes.get_mut(scope) else {
                return false;
            };
            let before = set.len();
            for item in &items {
                set.remove(item);
            }
            let changed = set.len() != before;
            if set.is_empty() {
                scopes.remove(scope);
            }
            changed
        })
    }

    /// Re-reads the file under the lock, lets `f` change it, and writes it
    /// back when `f` says it changed something.
    fn update(&mut self, f: impl FnOnce(&mut Scopes) -> bool) -> Result<()> {
        if !self.check_dir()? {
            fsio::create_private_dir(&self.dir)?;
            // Checked again: a link put there in the meantime is refused too.
            if !self.check_dir()? {
                return Err(WardError::Other(format!(
                    "{} vanished while it was being created",
                    self.dir.display()
                )));
            }
        }
        let _lock = fsio::StoreLock::acquire(&self.dir.join(LOCK_FILE))?;
        // Every writer holds the lock, so a temp file now is a dead writer's.
        fsio::sweep_stale_temps(&self.dir);
        let mut scopes = self.load()?;
        if f(&mut scopes) {
            let file = BookFile {
                format: FORMAT,
                store: self.store_id.clone(),
                scopes,
            };
            let mut text = serde_json::to_string_pretty(&file).expect("a trust file serialises");
            text.push('\n');
            if text.len() as u64 > MAX_FILE_BYTES {
                return Err(WardError::Other(format!(
                    "{} would grow beyond {} MiB; nothing was approved",
                    self.path().display(),
                    MAX_FILE_BYTES >> 20
                )));
            }
            fsio::atomic_write(&self.path(), text.as_bytes())?;
            scopes = file.scopes;
        }
        self.scopes = scopes;
        Ok(())
    }

    /// Whether the folder exists; an error when it is a link, not a folder,
    /// or writable by others.
    fn check_dir(&self) -> Result<bool> {
        let meta = match std::fs::symlink_metadata(&self.dir) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(WardError::io(&self.dir, e)),
        };
        if meta.file_type().is_symlink() {
            return Err(WardError::Other(format!(
                "{} is a symbolic link; ward does not follow links for its own files",
                self.dir.display()
            )));
        }
        if !meta.is_dir() {
            return Err(WardError::Other(format!(
                "{} is not a folder",
                self.dir.display()
            )));
        }
        refuse_shared_mode(&self.dir, &meta)?;
        Ok(true)
    }

    /// Reads the file; a missing file (or folder) is no approvals.
    fn load(&self) -> Result<Scopes> {
        if !self.check_dir()? {
            return Ok(Scopes::new());
        }
        let path = self.path();
        let file = match fsio::open_read(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Scopes::new()),
            Err(e) if fsio::is_symlink_error(&e) => {
                return Err(WardError::Other(format!(
                    "{} is a symbolic link; ward does not follow links for its own files",
                    path.display()
                )))
            }
            Err(e) => return Err(WardError::io(&path, e)),
        };
        let meta = file.metadata().at(&path)?;
        refuse_shared_mode(&path, &meta)?;
        let corrupt = |cause: String| WardError::Corrupt {
            path: path.clone(),
            cause: format!(
                "{cause}; ward leaves it as it is: move it aside to start over \
                 (what it approved is then asked for again)"
            ),
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .at(&path)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(corrupt(format!(
                "larger than {} MiB, so not a trust file ward wrote",
                MAX_FILE_BYTES >> 20
            )));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| corrupt("not UTF-8".into()))?;
        // serde's message can quote the file; where it went wrong is enough.
        let book: BookFile = serde_json::from_str(text).map_err(|e| {
            corrupt(format!(
                "not a trust file (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if book.format == 0 || book.format > FORMAT {
            return Err(corrupt(format!(
                "trust file format {} is not one this ward understands ({FORMAT}); upgrade ward",
                book.format
            )));
        }
        if book.store != self.store_id {
            return Err(corrupt(format!(
                "it holds the approvals of another store ({}), not of {}",
                crate::sanitize::escape(&book.store),
                self.store_id
            )));
        }
        Ok(book.scopes)
    }
}

/// Refuses a file or folder that group or others can write: whoever can
/// write it can approve in the owner's name.
fn refuse_shared_mode(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o022 != 0 {
            return Err(WardError::Other(format!(
                "{} can be written by group or others, who could approve in your \
                 name; ward does not trust it: chmod go-w it",
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;

    const ID1: &str = "0123456789abcdef0123456789abcdef";
    const ID2: &str = "fedcba9876543210fedcba9876543210";

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn approvals_persist_per_store_and_scope() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("trust");
        let mut book = TrustBook::open_in(&dir, ID1).unwrap();
        assert!(book.approved("env:acme").is_empty());
        // Opening writes nothing.
        assert!(!dir.exists());
        assert_eq!(
            book.unapproved("env:acme", ["B", "A", "B"]),
            vec!["B".to_string(), "A".to_string()]
        );
        book.approve("env:acme", ["A", "B"]).unwrap();
        assert_eq!(book.approved("env:acme"), set(&["A", "B"]));
        assert!(book.unapproved("env:acme", ["A", "B"]).is_empty());
        assert_eq!(book.unapproved("env:acme", ["A", "C"]), vec!["C"]);

        // Remembered in the file.
        let again = TrustBook::open_in(&dir, ID1).unwrap();
        assert_eq!(again.approved("env:acme"), set(&["A", "B"]));
        assert!(again.is_approved("env:acme", "A"));
        // Per scope and per store.
        assert!(again.approved("env:acme/api").is_empty());
        assert!(again.approved("recipients").is_empty());
        let other = TrustBook::open_in(&dir, ID2).unwrap();
        assert!(other.approved("env:acme").is_empty());

        book.revoke("env:acme", ["A"]).unwrap();
        assert_eq!(book.approved("env:acme"), set(&["B"]));
        book.revoke("env:acme", ["B"]).unwrap();
        let text = std::fs::read_to_string(book.path()).unwrap();
        assert!(!text.contains("env:acme"), "{text}");
    }

    #[test]
    fn approving_keeps_what_another_process_approved() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("trust");
        // Two books opened before either approved: the second write must
        // not drop the first one's approvals.
        let mut a = TrustBook::open_in(&dir, ID1).unwrap();
        let mut b = TrustBook::open_in(&dir, ID1).unwrap();
        a.approve("s", ["one"]).unwrap();
        b.approve("s", ["two"]).unwrap();
        assert_eq!(b.approved("s"), set(&["one", "two"]));
        assert_eq!(
            TrustBook::open_in(&dir, ID1).unwrap().approved("s"),
            set(&["one", "two"])
        );

        // Many writers at once (each its own file descriptor, so the lock
        // file really is contended).
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let mut book = TrustBook::open_in(&dir, ID1).unwrap();
                    for j in 0..5 {
                        book.approve("many", [format!("item-{i}-{j}")]).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let book = TrustBook::open_in(&dir, ID1).unwrap();
        assert_eq!(book.approved("many").len(), 80);
        assert_eq!(book.approved("s"), set(&["one", "two"]));
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| fsio::is_temp_name(&e.file_name().to_string_lossy()))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data/ward/trust");
        let mut book = TrustBook::open_in(&dir, ID1).unwrap();
        book.approve("s", ["x"]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&book.path()), 0o600);
        assert_eq!(mode(&dir.join(LOCK_FILE)), 0o600);
        // A file others can write is not trusted.
        std::fs::set_permissions(book.path(), std::fs::Permissions::from_mode(0o622)).unwrap();
        let e = TrustBook::open_in(&dir, ID1).unwrap_err().to_string();
        assert!(e.contains("group or others"), "{e}");
        std::fs::set_permissions(book.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
        assert!(TrustBook::open_in(&dir, ID1).is_err());
    }

    #[test]
    fn a_damaged_file_is_an_error_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("trust");
        let mut book = TrustBook::open_in(&dir, ID1).unwrap();
        book.approve("s", ["x"]).unwrap();
        let path = book.path();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"{\"format\": 1, \"store\": ".to_vec(), "line 1"),
            (b"not json at all".to_vec(), "not a trust file"),
            (vec![0xff, 0xfe, 0x00], "not UTF-8"),
            (
                format!("{{\"format\": 9, \"store\": \"{ID1}\"}}").into_bytes(),
                "format 9",
            ),
            (
                format!("{{\"format\": 1, \"store\": \"{ID2}\"}}").into_bytes(),
                "another store",
            ),
            (
                format!("{{\"format\": 1, \"store\": \"{ID1}\", \"extra\": 1}}").into_bytes(),
                "not a trust file",
            ),
            (
                format!("{{\"format\": 1, \"store\": \"{ID1}\", \"scopes\": {{\"s\": 3}}}}")
                    .into_bytes(),
                "not a trust file",
            ),
        ];
        for (bytes, says) in cases {
            std::fs::write(&path, &bytes).unwrap();
            let e = TrustBook::open_in(&dir, ID1).unwrap_err();
            assert_eq!(e.exit_code(), exit::CORRUPT, "{e}");
            let msg = e.to_string();
            assert!(msg.contains(says), "{says}: {msg}");
            assert!(msg.contains("move it aside"), "{msg}");
            // Approving through a book opened earlier refuses too, and does
            // not replace the file.
            assert!(book.approve("s", ["y"]).is_err());
            assert_eq!(std::fs::read(&path).unwrap(), bytes);
        }
    }

    #[test]
    fn an_oversized_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("trust");
        let mut book = TrustBook::open_in(&dir, ID1).unwrap();
        book.approve("s", ["x"]).unwrap();
        let mut big = format!("{{\"format\": 1, \"store\": \"{ID1}\", \"scopes\": {{\"s\": [");
        while big.len() as u64 <= MAX_FILE_BYTES {
            big.push_str("\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",");
        }
        big.push_str("\"b\"]}}");
        std::fs::write(book.path(), &big).unwrap();
        let e = TrustBook::open_in(&dir, ID1).unwrap_err();
        assert_eq!(e.exit_code(), exit::CORRUPT);
        assert!(e.to_string().contains("larger than 4 MiB"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("trust");
        std::fs::create_dir(&dir).unwrap();
        let target = tmp.path().join("bashrc");
        std::fs::write(&target, "echo hi\n").unwrap();
        let book_path = dir.join(format!("{ID1}.json"));
        std::os::unix::fs::symlink(&target, &book_path).unwrap();
        let e = TrustBook::open_in(&dir, ID1).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "echo hi\n");

        // The folder itself as a link.
        let real = tmp.path().join("elsewhere");
        std::fs::create_dir(&real).unwrap();
        let linked = tmp.path().join("linked-trust");
        std::os::unix::fs::symlink(&real, &linked).unwrap();
        assert!(TrustBook::open_in(&linked, ID1).is_err());
        let mut book = TrustBook::open_in(&tmp.path().join("fresh"), ID1).unwrap();
        std::fs::remove_dir(tmp.path().join("fresh")).ok();
        std::os::unix::fs::symlink(&real, tmp.path().join("fresh")).unwrap();
        assert!(book.approve("s", ["x"]).is_err());
        assert_eq!(std::fs::read_dir(&real).unwrap().count(), 0);
    }

    #[test]
    fn only_store_ids_name_files() {
        let tmp = tempfile::tempdir().unwrap();
        for id in ["", "../../etc/passwd", "ABCDEF0123456789ABCDEF0123456789"] {
            assert!(TrustBook::open_in(tmp.path(), id).is_err(), "{id}");
        }
    }
}
