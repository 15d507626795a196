//! The metadata cache: `<cache dir>/ward/<store id>.cache.age`.
//!
//! Decrypting 10,000 age files takes most of a second; this cache keeps each
//! secret's metadata ([`SecretMeta`], which has no value and no previous
//! values) next to a fingerprint of the file it came from, so that a warm
//! `ward check` or review decrypts only what changed.
//!
//! **Encrypted**: the cache is an age file encrypted to the public keys of the
//! identities that read the store, never to a passphrase, written atomically
//! with mode 0600. Only someone who can already decrypt the secrets can read it.
//!
//! **Disposable**: a missing, corrupt, undecryptable or foreign cache (another
//! store, another set of identities, another format) is ignored and rebuilt.
//!
//! **Never wrong**: an entry is used only when the file's fingerprint is the
//! same as when the entry was made: device, inode, size, modification time and
//! status-change time, both to the nanosecond. Every ward write replaces the
//! file by rename (a new inode); any other write changes mtime and ctime, and
//! ctime cannot be set back by user space (`touch -d` restores mtime only).
//! What remains is the "racy" case git knows from its index: a file changed
//! twice within one tick of the file-system clock, the first time just before
//! we looked. So an entry whose mtime or ctime is less than [`RACY_MARGIN`]
//! before the moment it was observed is not trusted: it is decrypted again on
//! the next load (and then, once settled, cached for good). File times and
//! the observation time come from the same clock on a local file system; see
//! docs/ROTATION.md for the network file system caveat.

use super::hex;
use super::{SecretDoc, SecretMeta, SecretPath, Store};
use crate::error::{Result, WardError};
use crate::store::crypto::{self, Keyring};
use crate::store::values::FingerprintKey;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Version of the cache's inner format; another version is ignored and rebuilt.
pub const CACHE_FORMAT: u32 = 2;

/// Entries whose file changed less than this long before they were observed
/// are re-read on the next load (covers coarse file-system clocks: ext4's
/// jiffies, 1 s on HFS+, 2 s on FAT).
pub const RACY_MARGIN: std::time::Duration = std::time::Duration::from_secs(2);

/// What identifies one version of a secret file on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Status-change time, nanoseconds since the epoch (0 where unavailable).
    pub ctime_ns: i64,
}

impl Fingerprint {
    pub fn of(meta: &fs::Metadata) -> Fingerprint {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
            Fingerprint {
                dev: meta.dev(),
                ino: meta.ino(),
                size: meta.size(),
                mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
                ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0);
            Fingerprint {
                dev: 0,
                ino: 0,
                size: meta.len(),
                mtime_ns,
                ctime_ns: 0,
            }
        }
    }

    /// The later of mtime and ctime.
    fn changed_ns(&self) -> i64 {
        self.mtime_ns.max(self.ctime_ns)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    fp: Fingerprint,
    /// Wall-clock time (ns) just before the file was looked at.
    seen_ns: i64,
    meta: SecretMeta,
}

impl Entry {
    /// Whether the entry may be used for a file now fingerprinted `fp`.
    fn valid_for(&self, fp: &Fingerprint, racy_margin_ns: i64) -> bool {
        self.fp == *fp && fp.changed_ns().saturating_add(racy_margin_ns) < self.seen_ns
    }
}

/// The decrypted cache document.
#[derive(Debug, Serialize, Deserialize)]
struct CacheDoc {
    format: u32,
    store_id: String,
    /// Canonical store root: two clones of one store share an id, not a cache.
    root: PathBuf,
    /// Which identities it was made for (hash of their public keys): a cache
    /// made with more keys must not show secrets the current keys cannot open.
    keys: String,
    entries: BTreeMap<String, Entry>,
}

/// What happened to the cache during one load (for tests, benchmarks, `--verbose`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// How the cache file was found.
    pub state: CacheState,
    /// Secrets answered from the cache.
    pub hits: usize,
    /// Secrets decrypted (cache misses, changed or racy files).
    pub decrypted: usize,
    /// Whether the cache file was rewritten.
    pub written: bool,
    /// Why writing failed, if it did (the load itself still succeeded).
    pub write_error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CacheState {
    /// `--no-cache`: neither read nor written.
    #[default]
    Disabled,
    /// No cache file yet.
    Missing,
    /// A cache file that could not be used (corrupt, other keys, other store);
    /// it is rebuilt.
    Ignored(String),
    /// Read and used.
    Used,
}

/// Where the cache of `store` lives inside `cache_dir` (`<cache dir>/ward`).
pub fn cache_path(store: &Store, cache_dir: &Path) -> PathBuf {
    let id = &store.info().id;
    let safe = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let stem = if safe {
        id.clone()
    } else {
        // A hostile or odd id from store.toml must not steer the path.
        hex(&Sha256::digest(id.as_bytes()))
    };
    cache_dir.join(format!("{stem}.cache.age"))
}

/// Loads the metadata of `names`, from the cache where it is still valid,
/// decrypting the rest in parallel, and writes the cache back when anything
/// changed. Each result stands alone, in the order of `names`; one bad file
/// does not stop the others. Cache trouble is never an error: the cache is
/// rebuilt.
pub fn load_metas(
    store: &Store,
    keys: &Keyring,
    names: &[SecretPath],
    cache_dir: &Path,
) -> Vec<(SecretPath, Result<SecretMeta>)> {
    load_metas_with_stats(store, keys, names, Some(cache_dir)).0
}

/// [`load_metas`], also saying what the cache did. `cache_dir: None` disables
/// the cache (`--no-cache`): everything is decrypted, nothing is written.
pub fn load_metas_with_stats(
    store: &Store,
    keys: &Keyring,
    names: &[SecretPath],
    cache_dir: Option<&Path>,
) -> (Vec<(SecretPath, Result<SecretMeta>)>, CacheStats) {
    load_metas_keyed(store, keys, None, names, cache_dir)
}

/// [`load_metas_with_stats`] with what the review knows of the values
/// (store/values.rs): the weak verdict always, the keyed fingerprints made
/// with `values_key` when given. A cached entry whose fingerprints were
/// made with another key is read again; without a key, no fingerprints are
/// handed out.
pub fn load_metas_keyed(
    store: &Store,
    keys: &Keyring,
    values_key: Option<&FingerprintKey>,
    names: &[SecretPath],
    cache_dir: Option<&Path>,
) -> (Vec<(SecretPath, Result<SecretMeta>)>, CacheStats) {
    let mut out = Vec::with_capacity(names.len());
    let stats = load_inner(
        store,
        keys,
        values_key,
        names,
        cache_dir,
        RACY_MARGIN.as_nanos() as i64,
        names.len().max(1),
        &mut |batch| out.extend(batch),
    );
    (out, stats)
}

/// Everything at once with a chosen racy margin (tests set it to 0).
#[cfg(test)]
fn load_all_inner(
    store: &Store,
    keys: &Keyring,
    names: &[SecretPath],
    cache_dir: Option<&Path>,
    racy_margin_ns: i64,
) -> (Vec<(SecretPath, Result<SecretMeta>)>, CacheStats) {
    let mut out = Vec::new();
    let stats = load_inner(
        store,
        keys,
        None,
        names,
        cache_dir,
        racy_margin_ns,
        names.len().max(1),
        &mut |b| out.extend(b),
    );
    (out, stats)
}

/// [`load_metas`] in batches of `batch` secrets, each handed to `sink` as
/// soon as it is ready (the TUI fills in statuses as they arrive); the cache
/// is written once at the end.
pub fn load_metas_streaming(
    store: &Store,
    keys: &Keyring,
    names: &[SecretPath],
    cache_dir: Option<&Path>,
    batch: usize,
    sink: &mut dyn FnMut(Vec<(SecretPath, Result<SecretMeta>)>),
) -> CacheStats {
    load_metas_streaming_keyed(store, keys, None, names, cache_dir, batch, sink)
}

/// [`load_metas_streaming`] with the fingerprint key, as [`load_metas_keyed`].
pub fn load_metas_streaming_keyed(
    store: &Store,
    keys: &Keyring,
    values_key: Option<&FingerprintKey>,
    names: &[SecretPath],
    cache_dir: Option<&Path>,
    batch: usize,
    sink: &mut dyn FnMut(Vec<(SecretPath, Result<SecretMeta>)>),
) -> CacheStats {
    load_inner(
        store,
        keys,
        values_key,
        names,
        cache_dir,
        RACY_MARGIN.as_nanos() as i64,
        batch.max(1),
        sink,
    )
}

#[allow(clippy::too_many_arguments)]
fn load_inner(
    store: &Store,
    keys: &Keyring,
    values_key: Option<&FingerprintKey>,
    names: &[SecretPath],
    cache_dir: Option<&Path>,
    racy_margin_ns: i64,
    batch: usize,
    sink: &mut dyn FnMut(Vec<(SecretPath, Result<SecretMeta>)>),
) -> CacheStats {
    let Some(cache_dir) = cache_dir else {
        for chunk in names.chunks(batch) {
            sink(store.read_meta_all_with(keys, values_key, chunk));
        }
        return CacheStats {
            decrypted: names.len(),
            ..CacheStats::default()
        };
    };
    let path = cache_path(store, cache_dir);
    let root = fs::canonicalize(store.root()).unwrap_or_else(|_| store.root().to_path_buf());
    let key_id = keys_id(keys);
    let mut stats = CacheStats::default();
    let mut entries = match read_cache(&path, keys) {
        Ok(None) => {
            stats.state = CacheState::Missing;
            BTreeMap::new()
        }
        Ok(Some(doc)) => {
            let why = if doc.format != CACHE_FORMAT {
                Some("another cache format")
            } else if doc.store_id != store.info().id || doc.root != root {
                Some("made for another store")
            } else if doc.keys != key_id {
                Some("made for other identities")
            } else {
                None
            };
            match why {
                Some(w) => {
                    stats.state = CacheState::Ignored(w.into());
                    BTreeMap::new()
                }
                None => {
                    stats.state = CacheState::Used;
                    doc.entries
                }
            }
        }
        Err(why) => {
            stats.state = CacheState::Ignored(why);
            BTreeMap::new()
        }
    };
    let mut changed = stats.state != CacheState::Used;

    let seen_ns = now_ns();
    let values_id = values_key.map(FingerprintKey::id);
    // One pass in parallel: stat each file; use the entry if it is valid,
    // else open, fstat and decrypt that same open file.
    enum Outcome {
        Hit(SecretMeta),
        Fresh(Fingerprint, SecretMeta),
        Failed(WardError),
    }
    for chunk in names.chunks(batch) {
        let outcomes: Vec<Outcome> = chunk
            .par_iter()
            .map(|name| {
                let file = store.file_of(name);
                if let (Ok(md), Some(entry)) =
                    (fs::symlink_metadata(&file), entries.get(name.as_str()))
                {
                    let same_key = match &values_id {
                        None => true,
                        Some(id) => entry
                            .meta
                            .fingerprints
                            .as_ref()
                            .is_some_and(|f| f.key == *id),
                    };
                    if same_key && entry.valid_for(&Fingerprint::of(&md), racy_margin_ns) {
                        let mut meta = entry.meta.clone();
                        if values_id.is_none() {
                            meta.fingerprints = None;
                        }
                        return Outcome::Hit(meta);
                    }
                }
                let checked = store.secret_file(name);
                match checked
                    .and_then(|file| read_meta_fingerprinted(keys, values_key, name, &file))
                {
                    Ok((fp, meta)) => Outcome::Fresh(fp, meta),
                    Err(e) => Outcome::Failed(e),
                }
            })
            .collect();

        let mut out = Vec::with_capacity(chunk.len());
        for (name, outcome) in chunk.iter().zip(outcomes) {
            match outcome {
                Outcome::Hit(meta) => {
                    stats.hits += 1;
                    out.push((name.clone(), Ok(meta)));
                }
                Outcome::Fresh(fp, meta) => {
                    stats.decrypted += 1;
                    changed = true;
                    entries.insert(
                        name.as_str().to_string(),
                        Entry {
                            fp,
                            seen_ns,
                            meta: meta.clone(),
                        },
                    );
                    out.push((name.clone(), Ok(meta)));
                }
                Outcome::Failed(e) => {
                    stats.decrypted += 1;
                    changed |= entries.remove(name.as_str()).is_some();
                    out.push((name.clone(), Err(e)));
                }
            }
        }
        sink(out);
    }

    if changed {
        // Drop entries of files that are gone (the listing may have been a
        // prefix: entries outside it stay as long as their file exists).
        let asked: std::collections::HashSet<&str> = names.iter().map(|n| n.as_str()).collect();
        let gone: Vec<String> = entries
            .par_iter()
            .filter(|(name, _)| !asked.contains(name.as_str()))
            .filter(|(name, _)| {
                SecretPath::parse(name)
                    .map(|p| !store.file_of(&p).is_file())
                    .unwrap_or(true)
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in gone {
            entries.remove(&name);
        }
        let doc = CacheDoc {
            format: CACHE_FORMAT,
            store_id: store.info().id.clone(),
            root,
            keys: key_id,
            entries,
        };
        match write_cache(&path, keys, &doc) {
            Ok(()) => stats.written = true,
            Err(e) => stats.write_error = Some(e.to_string()),
        }
    }
    stats
}

/// Removes the cache of `store`, if any.
pub fn clear(store: &Store, cache_dir: &Path) -> Result<()> {
    let path = cache_path(store, cache_dir);
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(WardError::io(&path, e)),
    }
}

/// Opens one secret file, fingerprints the open file and decrypts what was
/// read from it, so that fingerprint and metadata describe the same file.
fn read_meta_fingerprinted(
    keys: &Keyring,
    values_key: Option<&FingerprintKey>,
    name: &SecretPath,
    path: &Path,
) -> Result<(Fingerprint, SecretMeta)> {
    let mut file = match super::fsio::open_read(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(WardError::NotFound {
                name: name.to_string(),
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(WardError::io(path, e)),
    };
    let fp = Fingerprint::of(&file.metadata().map_err(|e| WardError::io(path, e))?);
    let bytes = super::fsio::read_open(&mut file, super::MAX_SECRET_FILE_BYTES)
        .map_err(|e| WardError::io(path, e))?;
    let plain = keys.decrypt(path, &bytes)?;
    let doc = SecretDoc::from_bytes(&plain).map_err(|cause| WardError::Corrupt {
        path: path.to_path_buf(),
        cause,
    })?;
    Ok((fp, super::values::meta_with(&doc, values_key)))
}

/// `Ok(None)`: no cache file. `Err`: a file that cannot be used, and why.
fn read_cache(path: &Path, keys: &Keyring) -> std::result::Result<Option<CacheDoc>, String> {
    let bytes = match super::fsio::read_file(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read it: {e}")),
    };
    let plain = keys
        .decrypt(path, &bytes)
        .map_err(|_| "cannot decrypt it".to_string())?;
    // Never quote a serde error: the cache holds metadata (notes, owners).
    serde_json::from_slice(&plain)
        .map(Some)
        .map_err(|_| "not a valid cache".to_string())
}

fn write_cache(path: &Path, keys: &Keyring, doc: &CacheDoc) -> Result<()> {
    let recipients: Vec<crypto::Recipient> = keys
        .public_keys()
        .iter()
        .map(|k| crypto::Recipient::parse(k))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| WardError::Other(format!("cannot encrypt the cache: {e}")))?;
    if recipients.is_empty() {
        return Err(WardError::Other(
            "no identities to encrypt the cache to".into(),
        ));
    }
    let plain = zeroize::Zeroizing::new(
        serde_json::to_vec(doc).map_err(|e| WardError::Other(format!("cache: {e}")))?,
    );
    let cipher = crypto::encrypt(&recipients, &plain)?;
    super::fsio::atomic_write(path, &cipher)
}

/// A stable id of the loaded identities: SHA-256 of their sorted public keys.
fn keys_id(keys: &Keyring) -> String {
    let mut pubs: Vec<&str> = keys.public_keys().iter().map(String::as_str).collect();
    pubs.sort_unstable();
    pubs.dedup();
    hex(&Sha256::digest(pubs.join("\n").as_bytes()))
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
