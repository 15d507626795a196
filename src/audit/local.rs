//! What this machine remembers about a store, kept outside the store (where
//! someone with write access to the store cannot change it):
//!
//! - `<data dir>/ward/audit-pins`: one JSON object a line, per store root:
//!   the store id, the audit key's id, and the last seq seen of each chain.
//!   (Older builds wrote `store-id key-id` lines; they are still read.)
//! - `<data dir>/ward/pending/<store id>/<actor file>.jsonl`: records written
//!   without the audit key (a failed unlock, a clipboard clear), waiting to be
//!   sealed into this machine's chain by its next append.
//!
//! Every file here is opened without following symbolic links; folders are
//! 0700, files 0600.

use super::key::AuditKey;
use crate::error::{IoContext, Result};
use crate::store::fsio;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const PIN_FILE: &str = "audit-pins";
const PENDING_DIR: &str = "pending";

/// The folder of this machine's state for ward: `<data dir>/ward`.
#[derive(Clone, Debug)]
pub struct Local {
    dir: PathBuf,
}

impl Default for Local {
    fn default() -> Local {
        Local {
            dir: dirs::data_dir()
                .or_else(dirs::home_dir)
                .unwrap_or_else(|| PathBuf::from("."))
                .join("ward"),
        }
    }
}

impl Local {
    /// This machine's approvals for the store `store_id` (the same book as
    /// [`crate::trust::TrustBook::open`] for the default folder).
    pub fn trust_book(&self, store_id: &str) -> Result<crate::trust::TrustBook> {
        crate::trust::TrustBook::open_in(&self.dir.join(crate::trust::TRUST_DIR), store_id)
    }
}

/// `<data dir>/ward/audit-pins`: what this machine pinned.
pub fn pin_file() -> PathBuf {
    Local::default().pin_file()
}

/// Whether this machine has seen the store's audit key before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinStatus {
    /// First time: the key is now pinned.
    New,
    /// Same key as pinned.
    Same,
    /// A different key than the one pinned: the key file was replaced.
    Changed { pinned: String },
    /// This machine pinned a key for the store, and the store has no key
    /// file any more (it was deleted, perhaps with the whole log).
    KeyMissing { pinned: String },
    /// The store at this folder had another id when this machine pinned it:
    /// `.ward/store.toml` was edited (or the store was replaced).
    IdChanged { pinned_id: String, now: String },
    /// The pin file could not be read or written (reported, not fatal).
    Unavailable(String),
}

impl PinStatus {
    /// Whether the key can be trusted as far as this machine knows.
    pub fn is_trusted(&self) -> bool {
        matches!(
            self,
            PinStatus::New | PinStatus::Same | PinStatus::Unavailable(_)
        )
    }
}

impl PinStatus {
    /// What is wrong, in a sentence, when the key cannot be trusted;
    /// `key_id` is the id of the key the store has now.
    pub fn problem(&self, store_root: &Path, key_id: &str) -> Option<String> {
        let key_file = super::AuditKey::path(store_root);
        let what = match self {
            PinStatus::Changed { pinned } => format!(
                "the store's audit key ({key_id}) is not the one this machine pinned ({pinned}): {} was replaced",
                key_file.display()
            ),
            PinStatus::KeyMissing { pinned } => format!(
                "this machine pinned the audit key {pinned} for this store, but {} is missing: it was deleted (perhaps with the audit log)",
                key_file.display()
            ),
            PinStatus::IdChanged { pinned_id, now } => format!(
                "the store id in {} changed from {pinned_id} to {now} since this machine pinned it: the file was edited or the store replaced",
                store_root
                    .join(crate::store::WARD_DIR)
                    .join(crate::store::STORE_FILE)
                    .display()
            ),
            _ => return None,
        };
        Some(format!(
            "{what}; if that is expected, remove the store's line from {}",
            pin_file().display()
        ))
    }
}

/// One line of the pin file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Pin {
    /// Store id (from `.ward/store.toml`).
    store: String,
    /// Canonical store folder; absent for a line written by an older build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    root: Option<String>,
    /// Audit key id.
    key: String,
    /// Last seq seen of each chain.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    seen: BTreeMap<String, u64>,
}

fn parse_pins(text: &str) -> Vec<Pin> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.starts_with('{') {
                serde_json::from_str(line).ok()
            } else {
                let mut parts = line.split_whitespace();
                Some(Pin {
                    store: parts.next()?.to_string(),
                    root: None,
                    key: parts.next()?.to_string(),
                    seen: BTreeMap::new(),
                })
            }
        })
        .collect()
}

/// The canonical form of a store folder, as pinned.
pub(crate) fn canonical_root(root: &Path) -> String {
    std::fs::canonicalize(root)
        .unwrap_or_else(|_| root.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

impl Local {
    pub fn new(dir: impl Into<PathBuf>) -> Local {
        Local { dir: dir.into() }
    }

    pub fn pin_file(&self) -> PathBuf {
        self.dir.join(PIN_FILE)
    }

    /// Folder of the pending records of the store `store_id` (a validated
    /// id: 32 hex digits, safe as a file name).
    pub fn pending_dir(&self, store_id: &str) -> PathBuf {
        self.dir.join(PENDING_DIR).join(store_id)
    }

    /// Reads the pins, changes them with `f` under the pin lock, and writes
    /// them back if `f` says so (`Some(durable)`).
    fn update<R>(&self, f: impl FnOnce(&mut Vec<Pin>) -> (R, Option<bool>)) -> Result<R> {
        let path = self.pin_file();
        fsio::create_private_dir(&self.dir)?;
        let _lock = fsio::StoreLock::acquire(&path.with_extension("lock"))?;
        let text = match fsio::read_file(&path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).at(&path),
        };
        let mut pins = parse_pins(&text);
        let (r, write) = f(&mut pins);
        if let Some(durable) = write {
            let mut out = String::new();
            for p in &pins {
                out.push_str(&serde_json::to_string(p).expect("a pin serialises"));
                out.push('\n');
            }
            fsio::atomic_write_with(&path, out.as_bytes(), durable)?;
        }
        Ok(r)
    }

    /// Checks the store at `root` (id `store_id`) and its audit key (`None`:
    /// the store has no key file) against this machine's pins, pinning
    /// what is new. A changed key or id is never re-pinned automatically.
    pub fn check(&self, root: &Path, store_id: &str, key: Option<&AuditKey>) -> PinStatus {
        let root = canonical_root(root);
        let key_id = key.map(AuditKey::id);
        let result = self.update(|pins| {
            if let Some(p) = pins.iter().find(|p| p.root.as_deref() == Some(&root)) {
                let status = if p.store != store_id {
                    PinStatus::IdChanged {
                        pinned_id: p.store.clone(),
                        now: store_id.to_string(),
                    }
                } else {
                    match &key_id {
                        None => PinStatus::KeyMissing {
                            pinned: p.key.clone(),
                        },
                        Some(k) if *k != p.key => PinStatus::Changed {
                            pinned: p.key.clone(),
                        },
                        Some(_) => PinStatus::Same,
                    }
                };
                return (status, None);
            }
            // This folder is new here; the id may be known (another clone
            // of the same store, or a line from an older build).
            let by_id = pins.iter().position(|p| p.store == store_id);
            let Some(k) = key_id.clone() else {
                let status = match by_id {
                    Some(i) => PinStatus::KeyMissing {
                        pinned: pins[i].key.clone(),
                    },
                    None => PinStatus::Same,
                };
                return (status, None);
            };
            match by_id {
                Some(i) if pins[i].key != k => (
                    PinStatus::Changed {
                        pinned: pins[i].key.clone(),
                    },
                    None,
                ),
                Some(i) if pins[i].root.is_none() => {
                    pins[i].root = Some(root.clone());
                    (PinStatus::Same, Some(true))
                }
                known => {
                    pins.push(Pin {
                        store: store_id.to_string(),
                        root: Some(root.clone()),
                        key: k,
                        seen: BTreeMap::new(),
                    });
                    let status = if known.is_some() {
                        PinStatus::Same
                    } else {
                        PinStatus::New
                    };
                    (status, Some(true))
                }
            }
        });
        result.unwrap_or_else(|e| PinStatus::Unavailable(e.to_string()))
    }

    /// The last seq this machine saw of each chain of the store at `root`.
    pub fn seen(&self, root: &Path, store_id: &str) -> BTreeMap<String, u64> {
        let path = self.pin_file();
        let Ok(bytes) = fsio::read_file(&path) else {
            return BTreeMap::new();
        };
        let root = canonical_root(root);
        parse_pins(&String::from_utf8_lossy(&bytes))
            .into_iter()
            .find(|p| p.root.as_deref() == Some(&root) && p.store == store_id)
            .map(|p| p.seen)
            .unwrap_or_default()
    }

    /// Remembers that chains reached these seqs (never lowers one). Not
    /// fsynced: after a crash the record may lag behind, which only makes
    /// the check weaker, never wrong.
    pub fn note_seen(&self, root: &Path, store_id: &str, seqs: &[(&str, u64)]) -> Result<()> {
        let root = canonical_root(root);
        self.update(|pins| {
            let Some(p) = pins
                .iter_mut()
                .find(|p| p.root.as_deref() == Some(&root) && p.store == store_id)
            else {
                return ((), None);
            };
            let mut changed = false;
            for (chain, seq) in seqs {
                let e = p.seen.entry(chain.to_string()).or_insert(0);
                if *seq > *e {
                    *e = *seq;
                    changed = true;
                }
            }
            ((), changed.then_some(false))
        })
    }

    /// Forgets the pins of the store folder `root` (after `ward init`
    /// created a new store there).
    pub fn forget_root(&self, root: &Path) -> Result<()> {
        let root = canonical_root(root);
        self.update(|pins| {
            let before = pins.len();
            pins.retain(|p| p.root.as_deref() != Some(&root));
            ((), (pins.len() != before).then_some(true))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID1: &str = "0123456789abcdef0123456789abcdef";
    const ID2: &str = "fedcba9876543210fedcba9876543210";

    #[test]
    fn pins_by_root_and_id() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local::new(dir.path().join("local"));
        let s1 = dir.path().join("s1");
        let s2 = dir.path().join("s2");
        std::fs::create_dir_all(&s1).unwrap();
        std::fs::create_dir_all(&s2).unwrap();
        let a = AuditKey::generate();
        let b = AuditKey::generate();
        assert_eq!(local.check(&s1, ID1, Some(&a)), PinStatus::New);
        assert_eq!(local.check(&s1, ID1, Some(&a)), PinStatus::Same);
        assert!(matches!(
            local.check(&s1, ID1, Some(&b)),
            PinStatus::Changed { .. }
        ));
        // The key file deleted.
        assert!(matches!(
            local.check(&s1, ID1, None),
            PinStatus::KeyMissing { .. }
        ));
        // The id changed (and a fresh key made for it).
        assert!(matches!(
            local.check(&s1, ID2, Some(&b)),
            PinStatus::IdChanged { .. }
        ));
        // Another clone of the same store: same key is fine, another is not.
        assert_eq!(local.check(&s2, ID1, Some(&a)), PinStatus::Same);
        // Seen seqs only grow.
        local.note_seen(&s1, ID1, &[("ann", 5)]).unwrap();
        local.note_seen(&s1, ID1, &[("ann", 3)]).unwrap();
        assert_eq!(local.seen(&s1, ID1).get("ann"), Some(&5));
        assert!(local.seen(&s2, ID1).is_empty());
        local.forget_root(&s1).unwrap();
        assert_eq!(local.check(&s1, ID2, Some(&b)), PinStatus::New);
    }

    #[test]
    fn reads_old_pin_lines_and_upgrades_them() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local::new(dir.path());
        let a = AuditKey::generate();
        std::fs::write(local.pin_file(), format!("{ID1} {}\n", a.id())).unwrap();
        let s = dir.path().join("s");
        std::fs::create_dir_all(&s).unwrap();
        assert!(matches!(
            local.check(&s, ID1, Some(&AuditKey::generate())),
            PinStatus::Changed { .. }
        ));
        assert_eq!(local.check(&s, ID1, Some(&a)), PinStatus::Same);
        // Now pinned by folder too: a changed id is noticed.
        assert!(matches!(
            local.check(&s, ID2, Some(&a)),
            PinStatus::IdChanged { .. }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_pin_file_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local::new(dir.path().join("local"));
        std::fs::create_dir_all(dir.path().join("local")).unwrap();
        let target = dir.path().join("bashrc");
        std::fs::write(&target, "echo hi\n").unwrap();
        std::os::unix::fs::symlink(&target, local.pin_file()).unwrap();
        let s = dir.path().join("s");
        std::fs::create_dir_all(&s).unwrap();
        assert!(matches!(
            local.check(&s, ID1, Some(&AuditKey::generate())),
            PinStatus::Unavailable(_)
        ));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "echo hi\n");
    }
}
