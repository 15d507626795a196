//! The store: a folder of age files, one per secret (docs/FORMAT.md).
//!
//! Names come from file names, so listing never decrypts. Every change is taken
//! under the store lock and written atomically.

pub mod crypto;
pub mod document;
pub mod fsio;
pub mod generate;
pub mod index;
pub mod name;
pub mod policy_data;
pub mod recipients;
pub mod stage;
pub mod staged;
pub mod values;

use crate::error::{IoContext, Result, WardError};
pub use crypto::Keyring;
pub use document::{Encoding, Kind, SecretDoc, SecretMeta, SecretValue};
pub use name::SecretPath;
use policy_data::FolderPolicy;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

pub const WARD_DIR: &str = ".ward";
pub const STORE_FILE: &str = "store.toml";
pub const RECIPIENTS_FILE: &str = "recipients";
/// Per-folder recipients override.
pub const FOLDER_RECIPIENTS: &str = ".recipients";
/// Per-folder default policy.
pub const FOLDER_POLICY: &str = ".policy.toml";
pub const LOCK_FILE: &str = "lock";
/// Largest secret (`.age`) file ward reads or writes. A value may be 16 MiB
/// (`ward set`'s limit); this leaves room for its encoding (base64, JSON
/// escapes) and some history, while a file planted in the store (a 20 GB
/// sparse file, say) is refused from its size alone, before it is read.
pub const MAX_SECRET_FILE_BYTES: u64 = 64 << 20;
/// Largest of ward's small files in a store: `store.toml`, recipients files,
/// folder policies and the audit key (thousands of keys fit in it).
pub const MAX_SMALL_FILE_BYTES: u64 = 4 << 20;
/// `.gitignore` of a new store: what is local to each machine and must never
/// be committed (the lock files, temp files of a write in progress). The
/// audit logs, their heads and the audit key are shared, so they stay in.
pub const GITIGNORE: &str = "# ward: files local to this machine, never committed (docs/FORMAT.md)
/.ward/lock
/.ward/audit/.*.lock
.ward-tmp-*
";
/// Store format version this build writes and reads.
pub const STORE_FORMAT: u32 = 1;

/// `.ward/store.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoreInfo {
    pub format: u32,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

/// A problem met while listing or loading, reported and skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub cause: String,
}

/// Secret names found on disk, sorted, plus anything that could not be listed.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub secrets: Vec<SecretPath>,
    pub problems: Vec<Problem>,
    /// Folder default policies found on the way, by folder path (`acme/api`).
    pub folder_policies: BTreeMap<String, FolderPolicy>,
}

/// Whether `id` has the form of a store id: 32 lowercase hex digits.
pub fn is_store_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    info: StoreInfo,
}

impl Store {
    /// Opens an existing store.
    pub fn open(root: &Path) -> Result<Store> {
        check_folder_path(root)?;
        let info_path = root.join(WARD_DIR).join(STORE_FILE);
        if fs::symlink_metadata(root.join(WARD_DIR)).is_ok_and(|m| !m.is_dir()) {
            return Err(WardError::Corrupt {
                path: root.join(WARD_DIR),
                cause:
                    "is not a folder (a symbolic link?); ward does not follow links inside a store"
                        .into(),
            });
        }
        let text = match fsio::read_file_max(&info_path, MAX_SMALL_FILE_BYTES).and_then(|b| {
            String::from_utf8(b)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
        }) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(WardError::NoStore(root.to_path_buf()))
            }
            Err(e) => return Err(WardError::io(&info_path, e)),
        };
        let info: StoreInfo = toml::from_str(&text).map_err(|e| WardError::Corrupt {
            path: info_path.clone(),
            cause: e.message().to_string(),
        })?;
        // The id names local state (audit pins, pending records, the index
        // cache): only the form `Store::create` writes is accepted.
        if !is_store_id(&info.id) {
            return Err(WardError::Corrupt {
                path: info_path,
                cause: "the store id is not 32 lowercase hexadecimal digits".into(),
            });
        }
        if info.format > STORE_FORMAT {
            return Err(WardError::Corrupt {
                path: info_path,
                cause: format!(
                    "store format {} is newer than this ward understands ({STORE_FORMAT}); upgrade ward",
                    info.format
                ),
            });
        }
        Ok(Store {
            root: root.to_path_buf(),
            info,
        })
    }

    /// Creates a new store at `root` whose recipients are `recipients`.
    /// Refuses to touch an existing store.
    pub fn create(
        root: &Path,
        recipients: &[String],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Store> {
        let ward = root.join(WARD_DIR);
        if ward.join(STORE_FILE).exists() {
            return Err(WardError::Exists {
                what: "a store".into(),
                path: root.to_path_buf(),
            });
        }
        let text = recipients_text(recipients);
        crypto::parse_recipients(&ward.join(RECIPIENTS_FILE), &text)?;
        fsio::create_private_dir(&ward)?;
        let info = StoreInfo {
            format: STORE_FORMAT,
            id: hex(&rand::random::<[u8; 16]>()),
            created: Some(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        };
        fsio::atomic_write(&ward.join(RECIPIENTS_FILE), text.as_bytes())?;
        // Before store.toml: once that exists the store is complete.
        let gitignore = root.join(".gitignore");
        if fs::symlink_metadata(&gitignore).is_err() {
            fsio::atomic_write(&gitignore, GITIGNORE.as_bytes())?;
        }
        let toml = toml::to_string(&info).expect("StoreInfo serialises");
        let header = "# ward store: see docs/FORMAT.md\n";
        fsio::atomic_write(&ward.join(STORE_FILE), format!("{header}{toml}").as_bytes())?;
        Ok(Store {
            root: root.to_path_buf(),
            info,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    pub fn ward_dir(&self) -> PathBuf {
        self.root.join(WARD_DIR)
    }

    /// Takes the store-wide write lock, and removes what writers killed
    /// mid-write left behind (see [`Store::sweep_stale_temps`]).
    pub fn lock(&self) -> Result<fsio::StoreLock> {
        let lock = fsio::StoreLock::acquire(&self.ward_dir().join(LOCK_FILE))?;
        self.sweep_stale_temps(&lock);
        Ok(lock)
    }

    /// Removes the temp files of writers that died (`kill -9`, a power cut)
    /// anywhere in the store. Only under the store lock: every write of a
    /// secret or recipients file holds it, so none of their temps belongs to
    /// a live writer. `.ward` also gets the audit key's temps, written under
    /// the audit's own lock: there only those whose writer process is gone
    /// are removed. Links are never followed and `.git` is not entered. The
    /// walk reads folders only, in parallel: 12 ms at 10,000 secrets in
    /// 2,500 folders on a 2-core VM, so it runs on every write.
    fn sweep_stale_temps(&self, _lock: &fsio::StoreLock) {
        sweep_folder(&self.root, true, false);
    }

    /// The file holding `name`.
    pub fn file_of(&self, name: &SecretPath) -> PathBuf {
        self.root.join(name.relative_file())
    }

    pub fn exists(&self, name: &SecretPath) -> bool {
        self.file_of(name).is_file()
    }

    /// Whether `name` names a folder in the store (`acme/api`).
    pub fn is_folder(&self, name: &SecretPath) -> bool {
        let path = self.root.join(name.segments().collect::<PathBuf>());
        fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
    }

    /// Existing secrets whose names are close to `name`, closest first (for
    /// "did you mean …?"): the same name in another case, or at most two
    /// edits away; failing that, secrets with the same last segment in other
    /// folders. At most three.
    pub fn similar_names(&self, name: &SecretPath) -> Vec<SecretPath> {
        let all = self.list(None).secrets;
        let mut out: Vec<SecretPath> =
            closest(name.as_str(), all.iter().map(|s| (s.as_str(), s)), 3)
                .into_iter()
                .cloned()
                .collect();
        if out.is_empty() {
            out = all
                .into_iter()
                .filter(|s| s != name && s.leaf().eq_ignore_ascii_case(name.leaf()))
                .take(3)
                .collect();
        }
        out
    }

    /// Folders (with secrets in them) whose names are close to `folder`.
    pub fn similar_folders(&self, folder: &SecretPath) -> Vec<String> {
        let mut folders: Vec<String> = Vec::new();
        for s in self.list(None).secrets {
            let mut segments: Vec<&str> = s.segments().collect();
            segments.pop();
            while !segments.is_empty() {
                folders.push(segments.join("/"));
                segments.pop();
            }
        }
        folders.sort();
        folders.dedup();
        closest(folder.as_str(), folders.iter().map(|f| (f.as_str(), f)), 3)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Lists secret names from file names, without decrypting anything.
    /// Unreadable folders and badly named files are reported, not fatal.
    pub fn list(&self, prefix: Option<&SecretPath>) -> Listing {
        let mut listing = Listing::default();
        // A prefix can name a folder or a single secret.
        let start = match prefix {
            Some(p) => {
                if self.exists(p) {
                    listing.secrets.push(p.clone());
                }
                self.root.join(p.segments().collect::<PathBuf>())
            }
            None => self.root.clone(),
        };
        // A prefix through a linked folder would list (and then read) what
        // is at the other end.
        if fsio::check_no_symlinks(&self.root, &start).is_err() {
            listing.problems.push(Problem {
                path: start,
                cause: "goes through a symbolic link, skipped: ward does not follow links inside \
                        a store"
                    .into(),
            });
        } else if start.is_dir() {
            self.walk(&start, &mut listing);
        }
        // Policies above the prefix still apply to what is under it.
        if let Some(p) = prefix {
            let mut dir: Vec<&str> = p.segments().collect();
            while !dir.is_empty() {
                self.read_folder_policy(&dir.join("/"), &mut listing);
                dir.pop();
            }
        }
        listing.secrets.sort();
        listing.secrets.dedup();
        listing
    }

    /// A cheap fingerprint of the store's contents: every folder's path and
    /// modification time (a write is a rename into its folder, so it changes
    /// that folder's mtime). Stats folders only, never secret files.
    pub fn signature(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            if let Ok(m) = fs::symlink_metadata(&dir) {
                dir.hash(&mut h);
                m.modified().ok().hash(&mut h);
            }
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name();
                // .ward (audit appends, the lock) and .git change on every
                // read; they hold no secret names.
                let hidden = name.to_string_lossy().starts_with('.');
                if e.file_type().is_ok_and(|t| t.is_dir()) && !hidden {
                    stack.push(e.path());
                }
            }
        }
        h.finish()
    }

    fn walk(&self, dir: &Path, out: &mut Listing) {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                out.problems.push(Problem {
                    path: dir.to_path_buf(),
                    cause: format!("cannot read folder: {e}"),
                });
                return;
            }
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let name = file_name.to_string_lossy();
            // Dot entries are ward's own (.ward, .recipients, temp files) or git's.
            if name.starts_with('.') {
                if name == FOLDER_POLICY {
                    if let Ok(rel) = dir.strip_prefix(&self.root) {
                        let folder = rel.to_string_lossy().into_owned();
                        self.read_folder_policy(&folder, out);
                    }
                }
                continue;
            }
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_symlink() {
                // A link could point into another store or anywhere on disk.
                out.problems.push(Problem {
                    path: path.clone(),
                    cause: "symbolic link skipped: ward does not follow links inside a store"
                        .into(),
                });
                continue;
            }
            if file_type.is_dir() {
                self.walk(&path, out);
            } else if name.ends_with(".age") {
                if !file_type.is_file() {
                    // A FIFO would hang whoever opens it; a device is nothing of ours.
                    out.problems.push(Problem {
                        path: path.clone(),
                        cause: fsio::not_regular_cause(file_type),
                    });
                    continue;
                }
                let rel = path.strip_prefix(&self.root).unwrap_or(&path);
                match SecretPath::from_relative_file(rel) {
                    Ok(p) => out.secrets.push(p),
                    Err(e) => out.problems.push(Problem {
                        path: path.clone(),
                        cause: e.to_string(),
                    }),
                }
            }
        }
    }

    fn read_folder_policy(&self, folder: &str, out: &mut Listing) {
        if folder.is_empty() || out.folder_policies.contains_key(folder) {
            return;
        }
        let path = self.root.join(folder).join(FOLDER_POLICY);
        let mut problem = |cause: String| {
            out.problems.push(Problem {
                path: path.clone(),
                cause: format!("folder policy ignored: {cause}"),
            })
        };
        // Policies steer `check` and the review: never one from elsewhere.
        if fsio::check_no_symlinks(&self.root, &path).is_err() {
            return problem(
                "a symbolic link (or under one); ward does not follow links inside a store".into(),
            );
        }
        let text = match fsio::read_file_max(&path, MAX_SMALL_FILE_BYTES) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => return problem("not UTF-8 text".into()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => return problem(format!("cannot read it: {e}")),
        };
        match FolderPolicy::from_toml(&text) {
            Ok(p) => {
                out.folder_policies.insert(folder.to_string(), p);
            }
            Err(cause) => problem(cause),
        }
    }

    /// The file holding `name`, refused when a folder on the way there (or
    /// the file itself) is a symbolic link. Every read, write, move and
    /// removal of a secret goes through here: a link planted in a shared
    /// store must not let ward read, overwrite or delete a file elsewhere.
    pub(crate) fn secret_file(&self, name: &SecretPath) -> Result<PathBuf> {
        let path = self.file_of(name);
        fsio::check_no_symlinks(&self.root, &path)?;
        Ok(path)
    }

    /// Reads and decrypts one secret.
    pub fn read(&self, keys: &Keyring, name: &SecretPath) -> Result<SecretDoc> {
        let path = self.secret_file(name)?;
        let bytes = match fsio::read_file_max(&path, MAX_SECRET_FILE_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(WardError::NotFound {
                    name: name.to_string(),
                    path,
                })
            }
            Err(e) => return Err(WardError::io(&path, e)),
        };
        let plain = keys.decrypt(&path, &bytes)?;
        SecretDoc::from_bytes(&plain).map_err(|cause| WardError::Corrupt { path, cause })
    }

    /// Decrypts many secrets in parallel, keeping only metadata. Each result
    /// stands alone: one bad file does not stop the others.
    pub fn read_meta_all(
        &self,
        keys: &Keyring,
        names: &[SecretPath],
    ) -> Vec<(SecretPath, Result<SecretMeta>)> {
        self.read_meta_all_with(keys, None, names)
    }

    /// [`Store::read_meta_all`] with the keyed fingerprints made with
    /// `values_key` ([`values::meta_with`]; the weak verdict is always
    /// there).
    pub fn read_meta_all_with(
        &self,
        keys: &Keyring,
        values_key: Option<&values::FingerprintKey>,
        names: &[SecretPath],
    ) -> Vec<(SecretPath, Result<SecretMeta>)> {
        names
            .par_iter()
            .map(|n| {
                (
                    n.clone(),
                    self.read(keys, n)
                        .map(|d| values::meta_with(&d, values_key)),
                )
            })
            .collect()
    }

    /// Recipients for `name`: the nearest folder `.recipients`, else the store's.
    pub fn recipients_for(&self, name: &SecretPath) -> Result<(PathBuf, Vec<crypto::Recipient>)> {
        let path = self.recipients_path_for(name);
        fsio::check_no_symlinks(&self.root, &path)?;
        let bytes = fsio::read_file_max(&path, MAX_SMALL_FILE_BYTES).at(&path)?;
        let text = String::from_utf8(bytes).map_err(|_| WardError::Recipients {
            path: path.clone(),
            cause: "not UTF-8 text".into(),
        })?;
        let recipients = crypto::parse_recipients(&path, &text)?;
        Ok((path, recipients))
    }

    /// Which recipients file governs `name`.
    pub fn recipients_path_for(&self, name: &SecretPath) -> PathBuf {
        let mut dir: Vec<&str> = name.segments().collect();
        dir.pop();
        while !dir.is_empty() {
            let candidate = self
                .root
                .join(dir.iter().collect::<PathBuf>())
                .join(FOLDER_RECIPIENTS);
            // A symlinked .recipients counts too, and is then refused when read.
            if fs::symlink_metadata(&candidate).is_ok() {
                return candidate;
            }
            dir.pop();
        }
        self.ward_dir().join(RECIPIENTS_FILE)
    }

    /// Encrypts and writes `doc` as `name`. The caller holds the lock.
    /// The recipients it is encrypted to are added to its `readers`.
    /// `guard` refuses, before anything is written, a result that none
    /// of the user's identities could decrypt, or one encrypted to a key
    /// this machine has not approved; `before_commit` runs once the
    /// new file is durable and just before it takes the name (the
    /// write-ahead audit record goes there).
    pub fn write_locked(
        &self,
        _lock: &fsio::StoreLock,
        name: &SecretPath,
        doc: &SecretDoc,
        guard: Guard<'_>,
        before_commit: impl FnOnce(),
    ) -> Result<()> {
        let (path, cipher) = self.seal(name, doc, guard)?;
        fsio::atomic_write_then(&path, &cipher, true, before_commit)
    }

    /// [`Store::write_locked`] into a batch: the file is written to its
    /// temp file now and takes its name when the caller commits `staged`
    /// (after the batch's write-ahead audit records).
    pub fn stage_in_batch(
        &self,
        _lock: &fsio::StoreLock,
        staged: &mut staged::Staged,
        name: &SecretPath,
        doc: &SecretDoc,
        guard: Guard<'_>,
    ) -> Result<()> {
        let (path, cipher) = self.seal(name, doc, guard)?;
        staged.stage(&path, &cipher)
    }

    /// The checked file of `name` and `doc` encrypted for it, after the
    /// guard's checks and within the size limit.
    fn seal(
        &self,
        name: &SecretPath,
        doc: &SecretDoc,
        guard: Guard<'_>,
    ) -> Result<(PathBuf, Vec<u8>)> {
        let path = self.secret_file(name)?;
        let recipients_path = self.recipients_path_for(name);
        let text = self.read_recipients_text(&recipients_path)?;
        let recipients = crypto::parse_recipients(&recipients_path, &text)?;
        guard.check(name.as_str(), &recipients_path, &text, &recipients)?;
        // Who can read the value from now on is part of the document.
        let mut doc = doc.clone();
        doc.add_readers(&reader_ids(&text));
        let plain = zeroize::Zeroizing::new(doc.to_bytes());
        let cipher = crypto::encrypt(&recipients, &plain)?;
        // Never write a file that every reader would then refuse.
        if cipher.len() as u64 > MAX_SECRET_FILE_BYTES {
            return Err(WardError::Usage(format!(
                "{name} with its history would be {} encrypted, over the {} limit of a \
                 secret file; lower history_limit in config.toml or store a smaller value",
                fsio::size_text(cipher.len() as u64),
                fsio::size_text(MAX_SECRET_FILE_BYTES)
            )));
        }
        Ok((path, cipher))
    }

    /// Refuses `name` for a *new* secret (set, the TUI's new, a move's
    /// destination) when it could not be checked out on Windows or macOS
    /// ([`SecretPath::portability_problem`]), or when it is a twin of an
    /// existing name in the same folder: the same but for letter case,
    /// invisible characters or Unicode normalisation, at any level (`Acme/X`
    /// beside a folder `acme`). Such twins collide on a case-insensitive
    /// checkout and fool a reader. `replacing`: the secret a move takes the
    /// name from, which may differ from it by case alone. Existing files
    /// with such names still load: only creation is refused.
    pub fn check_new_name(&self, name: &SecretPath, replacing: Option<&SecretPath>) -> Result<()> {
        self.check_new_name_in(name, replacing, &mut NameCache::default())
    }

    /// [`Store::check_new_name`] with the folders read through `cache`.
    pub fn check_new_name_in(
        &self,
        name: &SecretPath,
        replacing: Option<&SecretPath>,
        cache: &mut NameCache,
    ) -> Result<()> {
        let invalid = |reason: String| WardError::InvalidName {
            name: crate::sanitize::escape(name.as_str()),
            reason,
        };
        if let Some(problem) = name.portability_problem() {
            return Err(invalid(problem));
        }
        let segments: Vec<&str> = name.segments().collect();
        let mut dir = self.root.clone();
        for (i, segment) in segments.iter().enumerate() {
            let leaf = i + 1 == segments.len();
            let wanted = if leaf {
                format!("{segment}.{}", name::SECRET_EXT)
            } else {
                segment.to_string()
            };
            let key = name::lookalike_key(&wanted);
            // The file a move starts from: `mv acme/KEY acme/key` only changes its case.
            let moving = replacing
                .filter(|from| leaf && from.parent() == name.parent())
                .map(|from| format!("{}.{}", from.leaf(), name::SECRET_EXT));
            let Some(folder) = cache.folder(&dir) else {
                break;
            };
            let twins = folder.get(&key).map(Vec::as_slice).unwrap_or_default();
            for (existing, is_dir) in twins {
                if *existing == wanted || moving.as_deref() == Some(existing.as_str()) {
                    continue;
                }
                let mut twin = segments[..i].join("/");
                if !twin.is_empty() {
                    twin.push('/');
                }
                let what = match existing.strip_suffix(".age") {
                    Some(stem) if !is_dir => {
                        twin.push_str(stem);
                        "secret"
                    }
                    _ => {
                        twin.push_str(existing);
                        "folder"
                    }
                };
                return Err(invalid(format!(
                    "it differs from the existing {what} \"{}\" {}",
                    crate::sanitize::escape(&twin),
                    name::lookalike_difference(&wanted, existing)
                )));
            }
            if leaf {
                break;
            }
            dir.push(segment);
            // Nothing below a folder that does not exist yet.
            if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
                break;
            }
        }
        Ok(())
    }

    /// Creates a new secret; refuses to overwrite one. `before_commit` as
    /// for [`Store::write_locked`].
    pub fn create_secret(
        &self,
        name: &SecretPath,
        doc: &SecretDoc,
        guard: Guard<'_>,
        before_commit: impl FnOnce(),
    ) -> Result<()> {
        let lock = self.lock()?;
        let mut cache = NameCache::default();
        self.create_secret_locked(&lock, &mut cache, name, doc, guard, before_commit)
    }

    /// [`Store::create_secret`] under a lock the caller holds, checking the
    /// name through `cache` (and noting it there): many new secrets under
    /// one lock, as an import writes them, without reading every folder
    /// again for each.
    pub fn create_secret_locked(
        &self,
        lock: &fsio::StoreLock,
        cache: &mut NameCache,
        name: &SecretPath,
        doc: &SecretDoc,
        guard: Guard<'_>,
        before_commit: impl FnOnce(),
    ) -> Result<()> {
        if self.exists(name) {
            return Err(WardError::Exists {
                what: format!("secret {name}"),
                path: self.file_of(name),
            });
        }
        self.check_new_name_in(name, None, cache)?;
        self.write_locked(lock, name, doc, guard, before_commit)?;
        cache.created(&self.root, name);
        Ok(())
    }

    /// Read-modify-write under the lock, so that concurrent writers never lose
    /// each other's changes. `change` gets the current document (None if the
    /// secret does not exist yet) and returns the new one; `journal` gets what
    /// `change` returned and the new document once it is durable, just
    /// before it replaces the old one (write-ahead audit).
    pub fn upsert<T>(
        &self,
        keys: &Keyring,
        name: &SecretPath,
        guard: Guard<'_>,
        change: impl FnOnce(Option<SecretDoc>) -> Result<(SecretDoc, T)>,
        journal: impl FnOnce(&T, &SecretDoc),
    ) -> Result<T> {
        let lock = self.lock()?;
        self.upsert_locked(&lock, keys, name, guard, change, journal)
    }

    /// [`Store::upsert`] under a lock the caller holds.
    pub fn upsert_locked<T>(
        &self,
        lock: &fsio::StoreLock,
        keys: &Keyring,
        name: &SecretPath,
        guard: Guard<'_>,
        change: impl FnOnce(Option<SecretDoc>) -> Result<(SecretDoc, T)>,
        journal: impl FnOnce(&T, &SecretDoc),
    ) -> Result<T> {
        let current = match self.read(keys, name) {
            Ok(doc) => Some(doc),
            Err(WardError::NotFound { .. }) => {
                self.check_new_name(name, None)?;
                None
            }
            Err(e) => return Err(e),
        };
        let (doc, out) = change(current)?;
        self.write_locked(lock, name, &doc, guard, || journal(&out, &doc))?;
        Ok(out)
    }

    /// Changes an existing secret under the lock; `journal` as for
    /// [`Store::upsert`].
    pub fn update<T>(
        &self,
        keys: &Keyring,
        name: &SecretPath,
        guard: Guard<'_>,
        change: impl FnOnce(&mut SecretDoc) -> Result<T>,
        journal: impl FnOnce(&T, &SecretDoc),
    ) -> Result<T> {
        self.upsert(
            keys,
            name,
            guard,
            |current| {
                let mut doc = current.ok_or_else(|| WardError::NotFound {
                    name: name.to_string(),
                    path: self.file_of(name),
                })?;
                let out = change(&mut doc)?;
                Ok((doc, out))
            },
            journal,
        )
    }

    /// Deletes a secret and any folders it leaves empty. `before_commit`
    /// runs just before the file is removed (write-ahead audit).
    pub fn remove(&self, name: &SecretPath, before_commit: impl FnOnce()) -> Result<()> {
        let _lock = self.lock()?;
        let (path, _) = self.present_file(name)?;
        before_commit();
        fs::remove_file(&path).at(&path)?;
        self.left(&path)
    }

    /// The file of `name` and what is there (not followed), or NotFound.
    fn present_file(&self, name: &SecretPath) -> Result<(PathBuf, fs::Metadata)> {
        let path = self.secret_file(name)?;
        match fs::symlink_metadata(&path) {
            Ok(m) => Ok((path, m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(WardError::NotFound {
                name: name.to_string(),
                path,
            }),
            Err(e) => Err(WardError::io(&path, e)),
        }
    }

    /// After a secret's file at `path` was removed or moved away: its folder
    /// synced, and the folders it left empty removed.
    fn left(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            fsio::sync_dir(dir)?;
            self.prune_empty_dirs(dir);
        }
        Ok(())
    }

    /// Moves the file of `name`, byte for byte and still encrypted, to
    /// `dest` (outside the secrets, e.g. the trash; same file system) and
    /// removes any folders it leaves empty. The caller holds the lock;
    /// `before_commit` runs just before the file leaves (write-ahead audit).
    pub fn move_out_locked(
        &self,
        _lock: &fsio::StoreLock,
        name: &SecretPath,
        dest: &Path,
        before_commit: impl FnOnce(),
    ) -> Result<()> {
        let (path, meta) = self.present_file(name)?;
        if !meta.is_file() {
            return Err(WardError::Other(format!(
                "{name}: {} is not a regular file; nothing was moved",
                path.display()
            )));
        }
        before_commit();
        fs::rename(&path, dest).at(&path)?;
        if let Some(dir) = dest.parent() {
            fsio::sync_dir(dir)?;
        }
        self.left(&path)
    }

    /// Renames (moves) a secret and returns its version. It is re-encrypted for the destination's
    /// recipients; the new file is written before the old one is removed, so a
    /// crash leaves a copy, never nothing. `journal` gets the version just
    /// before the new file takes its name (write-ahead audit).
    pub fn rename(
        &self,
        keys: &Keyring,
        from: &SecretPath,
        to: &SecretPath,
        actor: &str,
        guard: Guard<'_>,
        journal: impl FnOnce(u32),
    ) -> Result<u32> {
        let lock = self.lock()?;
        if self.exists(to) {
            return Err(WardError::Exists {
                what: format!("secret {to}"),
                path: self.file_of(to),
            });
        }
        let mut doc = self.read(keys, from)?;
        self.check_new_name(to, Some(from))?;
        doc.touch(actor, chrono::Utc::now());
        let version = doc.version;
        self.write_locked(&lock, to, &doc, guard, || journal(version))?;
        let old = self.secret_file(from)?;
        fs::remove_file(&old).at(&old)?;
        self.left(&old)?;
        Ok(version)
    }

    /// Removes `dir` and its parents up to the store while they are empty.
    /// `remove_dir` never follows a link, and `dir` comes from a path that
    /// [`Store::secret_file`] checked.
    fn prune_empty_dirs(&self, mut dir: &Path) {
        while dir != self.root && dir.starts_with(&self.root) {
            // remove_dir fails on a non-empty folder (e.g. one with .recipients): stop there.
            if fs::remove_dir(dir).is_err() {
                break;
            }
            match dir.parent() {
                Some(p) => dir = p,
                None => break,
            }
        }
    }
}

/// Whether the result of a write must stay readable by the user: a write
/// encrypted to recipients that hold none of the user's keys would lock them
/// out of their own secret (a folder `.recipients` without their key, say).
#[derive(Clone, Copy)]
pub enum ReadBack<'a> {
    /// One of these identities must be among the recipients; the write is
    /// refused before anything changes otherwise.
    By(&'a Keyring),
    /// No check: the user forced it (`--force`), or the writer creates a
    /// store for others (the demo, tests).
    Unchecked,
}

impl<'a> ReadBack<'a> {
    /// `By(keys)`, or `Unchecked` when the user forced the write.
    pub fn unless_forced(keys: &'a Keyring, force: bool) -> ReadBack<'a> {
        if force {
            ReadBack::Unchecked
        } else {
            ReadBack::By(keys)
        }
    }

    /// Refuses recipients that none of the keys can decrypt; `what` names
    /// what would be written, for the message.
    pub fn check(
        self,
        what: &str,
        recipients_path: &Path,
        recipients: &[crypto::Recipient],
    ) -> Result<()> {
        let ReadBack::By(keys) = self else {
            return Ok(());
        };
        if keys.can_read(recipients) {
            return Ok(());
        }
        Err(WardError::LockOut {
            name: what.to_string(),
            recipients: recipients_path.to_path_buf(),
        })
    }
}

/// The recipient keys this machine approved for the store (trust on first
/// use: `crate::trust`, scope `recipients`), by [`crypto::key_id`]. The
/// store knows nothing of where approvals are kept; the operations layer
/// opens the trust book and hands the set in.
#[derive(Clone, Copy)]
pub enum Approved<'a> {
    /// Every key of the recipients file in force must be in the set.
    Keys(&'a std::collections::BTreeSet<String>),
    /// The same, with the set read when the write checks it, under the
    /// store lock: a `ward recipients add` running at the same time
    /// approves its key before it writes the file, under that lock.
    Load(&'a (dyn Fn() -> Result<std::collections::BTreeSet<String>> + Sync)),
    /// No check: the writer creates a store for others (the demo, tests).
    Unchecked,
}

/// Everything a write checks before it changes anything: that the user can
/// read the result back ([`ReadBack`]) and that every key it is encrypted
/// to was approved on this machine ([`Approved`]). Every write of a secret
/// (`create_secret`, `upsert`, `update`, `rename`, re-encryption) takes one,
/// so no write can forget either check.
#[derive(Clone, Copy)]
pub struct Guard<'a> {
    pub read_back: ReadBack<'a>,
    pub approved: Approved<'a>,
}

impl<'a> Guard<'a> {
    pub fn new(read_back: ReadBack<'a>, approved: Approved<'a>) -> Guard<'a> {
        Guard {
            read_back,
            approved,
        }
    }

    /// No checks at all: for the demo and tests that build stores for others.
    pub fn unchecked() -> Guard<'static> {
        Guard {
            read_back: ReadBack::Unchecked,
            approved: Approved::Unchecked,
        }
    }

    /// Refuses a write of `what` encrypted to `recipients` (read from the
    /// file `recipients_path`, whose text is `text`): a key there that this
    /// machine did not approve, then a result the user could not read.
    pub fn check(
        self,
        what: &str,
        recipients_path: &Path,
        text: &str,
        recipients: &[crypto::Recipient],
    ) -> Result<()> {
        self.check_approved(what, recipients_path, text)?;
        self.read_back.check(what, recipients_path, recipients)
    }

    /// The approval half of [`Guard::check`].
    pub fn check_approved(self, what: &str, recipients_path: &Path, text: &str) -> Result<()> {
        let loaded;
        let approved = match self.approved {
            Approved::Keys(set) => set,
            Approved::Load(load) => {
                loaded = load()?;
                &loaded
            }
            Approved::Unchecked => return Ok(()),
        };
        let new: Vec<recipients::Entry> = recipients::entries(text)
            .into_iter()
            .filter(|e| !approved.contains(&crypto::key_id(&e.key)))
            .collect();
        let Some(first) = new.first() else {
            return Ok(());
        };
        Err(WardError::Untrusted {
            name: what.to_string(),
            key: recipients::short_key(&first.key),
            label: first.label.clone(),
            recipients: recipients_path.to_path_buf(),
            more: new.len() - 1,
        })
    }
}

/// [`Store::sweep_stale_temps`] in `dir` and, in parallel, the folders
/// below it. `top`: `dir` is the store, whose `.ward` is visited too.
fn sweep_folder(dir: &Path, top: bool, only_dead_writers: bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut below = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        // The entry's own type: a link is a link, never its target.
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if name.starts_with(fsio::TEMP_MARK.as_bytes()) {
            let alive = || fsio::temp_writer_alive(&String::from_utf8_lossy(name));
            // In .ward a live writer may own it (see Store::sweep_stale_temps).
            let keep = file_type.is_dir() || (only_dead_writers && alive());
            if !keep {
                let _ = fs::remove_file(entry.path());
            }
        } else if file_type.is_dir() {
            if !name.starts_with(b".") {
                below.push((entry.path(), only_dead_writers));
            } else if top && name == WARD_DIR.as_bytes() {
                below.push((entry.path(), true));
            }
        }
    }
    below
        .par_iter()
        .for_each(|(d, only_dead)| sweep_folder(d, false, *only_dead));
}

/// A store path must be a folder, or not exist yet under folders: a file
/// there (or above it) is a mistake in the store path, said plainly rather
/// than as "Not a directory (os error 20)".
fn check_folder_path(root: &Path) -> Result<()> {
    for dir in root.ancestors() {
        if dir.as_os_str().is_empty() {
            break;
        }
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(WardError::NotAFolder {
                    path: dir.to_path_buf(),
                    store: (dir != root).then(|| root.to_path_buf()),
                })
            }
            Err(_) => continue,
        }
    }
    Ok(())
}

/// The candidates closest to `wanted`: equal ignoring case (distance 0), or
/// at most two edits away (one for names under six characters, none under
/// three). Only those at the smallest distance, at most `n`.
/// The entries of folders by lookalike key (dot files left out), each
/// folder read once: for checking many new names under one lock
/// ([`Store::create_secret_locked`]).
#[derive(Default)]
pub struct NameCache {
    /// Folder to lookalike key to (entry name, is a folder).
    folders: HashMap<PathBuf, HashMap<String, Vec<(String, bool)>>>,
}

impl NameCache {
    /// `dir`'s entries, read on first use; None when it cannot be read.
    fn folder(&mut self, dir: &Path) -> Option<&HashMap<String, Vec<(String, bool)>>> {
        if !self.folders.contains_key(dir) {
            let mut map: HashMap<String, Vec<(String, bool)>> = HashMap::new();
            for entry in fs::read_dir(dir).ok()?.flatten() {
                let Ok(existing) = entry.file_name().into_string() else {
                    continue;
                };
                if existing.starts_with('.') {
                    continue;
                }
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                map.entry(name::lookalike_key(&existing))
                    .or_default()
                    .push((existing, is_dir));
            }
            self.folders.insert(dir.to_path_buf(), map);
        }
        self.folders.get(dir)
    }

    /// Notes that the secret `name` now exists under `root` (its file and
    /// the folders its write made), in the folders already read.
    pub(crate) fn created(&mut self, root: &Path, name: &SecretPath) {
        let segments: Vec<&str> = name.segments().collect();
        let mut dir = root.to_path_buf();
        for (i, segment) in segments.iter().enumerate() {
            let leaf = i + 1 == segments.len();
            let entry = if leaf {
                format!("{segment}.{}", name::SECRET_EXT)
            } else {
                segment.to_string()
            };
            if let Some(map) = self.folders.get_mut(&dir) {
                let list = map.entry(name::lookalike_key(&entry)).or_default();
                if !list.iter().any(|(n, _)| *n == entry) {
                    list.push((entry, !leaf));
                }
            }
            dir.push(segment);
        }
    }
}

pub fn closest<'a, T>(
    wanted: &str,
    candidates: impl Iterator<Item = (&'a str, T)>,
    n: usize,
) -> Vec<T> {
    // Two edits in a short name is most of it: "ab" is not a typo of "xy".
    let limit = 2.min(wanted.chars().count() / 3);
    let wanted_lower = wanted.to_lowercase();
    let found: Vec<(usize, T)> = candidates
        .filter(|(c, _)| *c != wanted)
        .filter_map(|(c, item)| {
            let d = if c.to_lowercase() == wanted_lower {
                0
            } else {
                edit_distance(c, wanted)
            };
            (d <= limit).then_some((d, item))
        })
        .collect();
    // Only the closest: "acme/ap" suggests acme/api, not acme/db too. The
    // filter keeps the candidates' own (sorted) order among equals.
    let best = found.iter().map(|(d, _)| *d).min();
    found
        .into_iter()
        .filter(|(d, _)| Some(*d) == best)
        .take(n)
        .map(|(_, item)| item)
        .collect()
}

/// Levenshtein distance between two strings, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Text of a recipients file for `keys`.
/// The key ids of a recipients file's keys: what a document encrypted to
/// it records as its readers.
pub fn reader_ids(recipients_text: &str) -> Vec<String> {
    recipients::key_lines(recipients_text)
        .iter()
        .map(|k| crypto::key_id(k))
        .collect()
}

pub fn recipients_text(keys: &[String]) -> String {
    let mut text = String::from(
        "# ward recipients: one public key a line (age1…, ssh-ed25519 …, ssh-rsa …)\n",
    );
    for k in keys {
        text.push_str(k.trim());
        text.push('\n');
    }
    text
}

/// Lower-case hexadecimal, for ids and digests in file names and records.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("STRIPE_KY", "STRIPE_KEY"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", ""), 2);
    }

    #[test]
    fn closest_names() {
        let names = ["acme/api/STRIPE_KEY", "acme/api/STRIPE_KEYS", "acme/db/URL"];
        let found = |w: &str| closest(w, names.iter().map(|n| (*n, *n)), 3);
        assert_eq!(found("acme/api/STRIPE_KY"), ["acme/api/STRIPE_KEY"]);
        assert_eq!(
            found("acme/api/STRIPE_KEYZ"),
            ["acme/api/STRIPE_KEY", "acme/api/STRIPE_KEYS"]
        );
        assert_eq!(found("ACME/API/stripe_key"), ["acme/api/STRIPE_KEY"]);
        assert!(found("acme/api/OTHER").is_empty());
        assert!(found("acme/api/STRIPE_KEY")
            .iter()
            .all(|n| *n != "acme/api/STRIPE_KEY"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let (_, public) = crypto::generate_identity(chrono::Utc::now());
        let store =
            Store::create(&dir.path().join("store"), &[public], chrono::Utc::now()).unwrap();
        (dir, store)
    }

    fn doc(value: &str) -> SecretDoc {
        SecretDoc::new(
            SecretValue::new(value.into()),
            Encoding::Utf8,
            "ann",
            chrono::Utc::now(),
        )
    }

    /// Under one lock with one cache (an import), each new secret is seen
    /// by the next name's check: a twin of a file or folder the batch
    /// itself made is refused as it would be by a fresh read.
    #[test]
    fn a_name_cache_sees_what_the_batch_created() {
        let (_dir, store) = store();
        let name = |s: &str| SecretPath::parse(s).unwrap();
        store
            .create_secret(&name("old/KEY"), &doc("v"), Guard::unchecked(), || {})
            .unwrap();
        let lock = store.lock().unwrap();
        let mut cache = NameCache::default();
        let mut create = |n: &str| {
            store.create_secret_locked(
                &lock,
                &mut cache,
                &name(n),
                &doc("v"),
                Guard::unchecked(),
                || {},
            )
        };
        create("acme/api/KEY").unwrap();
        for twin in ["old/key", "ACME/x", "acme/API/y", "acme/api/key"] {
            let err = create(twin).unwrap_err().to_string();
            assert!(err.contains("differs from the existing"), "{twin}: {err}");
        }
        create("acme/api/OTHER").unwrap();
        assert!(matches!(
            create("acme/api/OTHER"),
            Err(WardError::Exists { .. })
        ));
    }

    #[test]
    fn new_names_may_not_be_twins_of_existing_ones() {
        let (_dir, store) = store();
        let name = |s: &str| SecretPath::parse(s).unwrap();
        store
            .create_secret(&name("acme/api/KEY"), &doc("v"), Guard::unchecked(), || {})
            .unwrap();
        store
            .create_secret(&name("acme/clé"), &doc("v"), Guard::unchecked(), || {})
            .unwrap();
        for (twin, existing) in [
            (
                "acme/api/key",
                "the existing secret \"acme/api/KEY\" only in letter case",
            ),
            (
                "acme/API/NEW",
                "the existing folder \"acme/api\" only in letter case",
            ),
            ("Acme/X", "the existing folder \"acme\""),
            (
                "acme/api/K\u{200b}EY",
                "\"acme/api/KEY\" only in invisible characters",
            ),
            (
                "acme/cle\u{301}",
                "\"acme/clé\" only in Unicode normalisation",
            ),
            ("acme/CON", "device name on Windows"),
        ] {
            let err = store
                .create_secret(&name(twin), &doc("v"), Guard::unchecked(), || {})
                .unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(existing), "{twin:?}: {msg}");
            assert!(!msg.contains('\u{200b}'), "{msg}");
            assert!(!store.file_of(&name(twin)).exists());
        }
        // Unrelated and merely similar names are fine, and a move may change
        // a secret's own case.
        store
            .create_secret(&name("acme/api/KEYS"), &doc("v"), Guard::unchecked(), || {})
            .unwrap();
        store
            .create_secret(&name("acme/cle"), &doc("v"), Guard::unchecked(), || {})
            .unwrap();
        let keys = Keyring::default();
        let err = store.rename(
            &keys,
            &name("acme/api/KEYS"),
            &name("acme/api/key"),
            "ann",
            Guard::unchecked(),
            |_| {},
        );
        assert!(err.unwrap_err().to_string().contains("acme/api/KEY"));
        store
            .check_new_name(&name("acme/api/key"), Some(&name("acme/api/KEY")))
            .unwrap();
    }

    #[test]
    fn a_secret_file_over_the_limit_is_never_written() {
        let (_dir, store) = store();
        let name = SecretPath::parse("p/BIG").unwrap();
        let big = doc(&"x".repeat(MAX_SECRET_FILE_BYTES as usize));
        let err = store
            .create_secret(&name, &big, Guard::unchecked(), || {})
            .unwrap_err();
        assert!(err.to_string().contains("limit of a secret file"), "{err}");
        assert!(!store.file_of(&name).exists());
        store
            .create_secret(&name, &doc("small"), Guard::unchecked(), || {})
            .unwrap();
    }
}
