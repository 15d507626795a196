//! What a removed key could read, what the audit log says it read, and the
//! offboarding mark on every secret whose current value it could read
//! (docs/TEAMS.md "Offboarding"). Used by [`super::recipients`] after the
//! recipients file changed and before what it governs is re-encrypted.

use crate::audit::{self, Action};
use crate::error::Result;
use crate::policy::Offboarding;
use crate::store::crypto::key_id;
use crate::store::recipients::{entries, Entry};
use crate::store::{reader_ids, Guard, Keyring, SecretDoc, SecretPath, Store};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A key taken out of a recipients file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removed {
    /// The key line as it was in the file.
    pub key: String,
    /// Its `# label:` (or SSH comment), if any.
    pub label: Option<String>,
}

impl Removed {
    /// The removed entries of `old_text` among `keys` (by key id).
    pub fn from_file(old_text: &str, keys: &[String]) -> Vec<Removed> {
        let ids: Vec<String> = keys.iter().map(|k| key_id(k)).collect();
        entries(old_text)
            .into_iter()
            .filter(|e| ids.contains(&key_id(&e.key)))
            .map(|Entry { key, label }| Removed { key, label })
            .collect()
    }

    fn id(&self) -> String {
        key_id(&self.key)
    }
}

/// What the mark on one secret came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Marked now: "rotation required".
    Marked,
    /// It already carried the mark for this key.
    AlreadyMarked,
    /// The key could read only earlier values: rotated since, nothing to mark.
    EarlierOnly,
    /// Not marked, and why (the remover cannot decrypt it, the write failed).
    NotMarked(String),
}

/// A read of a secret by the removed key (or by an actor named like its
/// label), from the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub time: DateTime<Utc>,
    pub action: Action,
    pub actor: String,
}

/// One secret a removed key could decrypt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposed {
    pub name: SecretPath,
    pub mark: Mark,
    /// Oldest first.
    pub reads: Vec<Read>,
}

/// Everything a removal exposed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    pub removed: Vec<Removed>,
    /// In name order.
    pub secrets: Vec<Exposed>,
    /// Other recipients files that still hold a removed key, with how many
    /// secrets each governs (the key still reads those, by intent or not).
    pub still_in: Vec<(PathBuf, usize)>,
}

impl Exposure {
    /// How many secrets got the mark now.
    pub fn marked(&self) -> usize {
        self.secrets
            .iter()
            .filter(|s| s.mark == Mark::Marked)
            .count()
    }
}

/// The marks `doc` gets for `removed`: one for each removed key that is
/// among its readers and not marked yet.
fn new_marks(
    doc: &SecretDoc,
    readers: &[String],
    removed: &[Removed],
    actor: &str,
    now: DateTime<Utc>,
) -> Vec<Offboarding> {
    removed
        .iter()
        .filter(|r| readers.contains(&r.id()))
        .filter(|r| !doc.offboarding.iter().any(|m| m.key_id == r.id()))
        .map(|r| Offboarding {
            key_id: r.id(),
            label: r.label.clone(),
            at: now,
            by: actor.to_string(),
        })
        .collect()
}

/// Adds the marks for `removed` to `doc` (a document being re-encrypted
/// from the changed file); `before`: the key ids the file had, which a
/// document without readers is taken to have been readable by.
pub fn mark_doc(
    doc: &mut SecretDoc,
    before: &[String],
    removed: &[Removed],
    actor: &str,
    now: DateTime<Utc>,
) {
    let readers = if doc.readers.is_empty() {
        before.to_vec()
    } else {
        doc.readers.clone()
    };
    let marks = new_marks(doc, &readers, removed, actor, now);
    doc.offboarding.extend(marks);
}

/// Who could read what, for the secrets of the whole store, once `target`
/// (which governs `governed`) no longer holds the `removed` keys and before
/// `governed` is re-encrypted (it is marked then, through [`mark_doc`]).
/// Secrets governed by other files that no longer hold a removed key, but
/// whose current value was encrypted to it, are marked here. `before`: the
/// key ids `target` had.
#[allow(clippy::too_many_arguments)]
pub fn assess(
    store: &Store,
    lock: &crate::store::fsio::StoreLock,
    keys: &Keyring,
    guard: Guard<'_>,
    target: &Path,
    before: &[String],
    removed: Vec<Removed>,
    actor: &str,
    now: DateTime<Utc>,
) -> Exposure {
    let ids: Vec<String> = removed.iter().map(Removed::id).collect();
    let names = store.list(None).secrets;
    // Each recipients file's key ids, read once.
    let mut files: BTreeMap<PathBuf, (Vec<String>, usize)> = BTreeMap::new();
    for name in &names {
        let path = store.recipients_path_for(name);
        let entry = files.entry(path.clone()).or_insert_with(|| {
            let text = store.read_recipients_text(&path).unwrap_or_default();
            (reader_ids(&text), 0)
        });
        entry.1 += 1;
    }
    let still_in: Vec<(PathBuf, usize)> = files
        .iter()
        .filter(|(p, (k, _))| p.as_path() != target && k.iter().any(|id| ids.contains(id)))
        .map(|(p, (_, n))| (p.clone(), *n))
        .collect();
    // Only what the removed keys can no longer read from now on.
    let candidates: Vec<(SecretPath, PathBuf)> = names
        .into_iter()
        .map(|n| {
            let p = store.recipients_path_for(&n);
            (n, p)
        })
        .filter(|(_, p)| !still_in.iter().any(|(f, _)| f == p))
        .collect();
    let reads = audit_reads(store, &removed);
    let found: Vec<(SecretPath, Mark, Option<SecretDoc>)> = candidates
        .par_iter()
        .filter_map(|(name, gov)| {
            let governed = gov.as_path() == target;
            match store.read(keys, name) {
                Err(e) if governed => Some((
                    name.clone(),
                    Mark::NotMarked(format!("you cannot decrypt it ({e})")),
                    None,
                )),
                Err(_) => None,
                Ok(doc) => {
                    let readers = match (doc.readers.is_empty(), governed) {
                        (false, _) => doc.readers.clone(),
                        (true, true) => before.to_vec(),
                        (true, false) => files.get(gov).map(|f| f.0.clone()).unwrap_or_default(),
                    };
                    let current = readers.iter().any(|r| ids.contains(r));
                    let earlier = doc
                        .history
                        .iter()
                        .any(|h| h.readers.iter().any(|r| ids.contains(r)));
                    let mark = if !current {
                        Mark::EarlierOnly
                    } else if new_marks(&doc, &readers, &removed, actor, now).is_empty() {
                        Mark::AlreadyMarked
                    } else {
                        Mark::Marked
                    };
                    (current || earlier).then(|| (name.clone(), mark, (!governed).then_some(doc)))
                }
            }
        })
        .collect();
    let mut secrets = Vec::new();
    for (name, mut mark, doc) in found {
        // Outside the changed file: the mark is written here.
        if let (Mark::Marked, Some(mut doc)) = (&mark, doc) {
            let readers = doc.readers.clone();
            let marks = new_marks(&doc, &readers, &removed, actor, now);
            doc.offboarding.extend(marks);
            if let Err(e) = store.write_locked(lock, &name, &doc, guard, || {}) {
                mark = Mark::NotMarked(format!("it could not be written ({e})"));
            }
        }
        let reads = reads.get(name.as_str()).cloned().unwrap_or_default();
        secrets.push(Exposed { name, mark, reads });
    }
    secrets.sort_by(|a, b| a.name.cmp(&b.name));
    Exposure {
        removed,
        secrets,
        still_in,
    }
}

/// Whether `actor` is named like `label`: the same, or the same user part
/// before `@`, ignoring case.
fn named_like(actor: &str, label: &str) -> bool {
    let user = |s: &str| s.split('@').next().unwrap_or_default().to_lowercase();
    actor.eq_ignore_ascii_case(label) || (!user(label).is_empty() && user(actor) == user(label))
}

/// Reads of values (reveal, copy, export) in the audit log by a removed key
/// (its fingerprint on the record) or by an actor named like its label, by
/// the secret's name. An export of a folder counts for every secret under it.
fn audit_reads(store: &Store, removed: &[Removed]) -> BTreeMap<String, Vec<Read>> {
    let prints: Vec<String> = removed
        .iter()
        .map(|r| audit::key_fingerprint(&r.key))
        .collect();
    let labels: Vec<&str> = removed.iter().filter_map(|r| r.label.as_deref()).collect();
    let names: Vec<String> = store
        .list(None)
        .secrets
        .iter()
        .map(|n| n.as_str().to_string())
        .collect();
    let mut out: BTreeMap<String, Vec<Read>> = BTreeMap::new();
    let timeline = audit::read_all(store.root());
    for entry in timeline.entries.iter().rev() {
        let r = &entry.record;
        if !matches!(r.action, Action::Reveal | Action::Copy | Action::Export) {
            continue;
        }
        let by_key = r.key.as_ref().is_some_and(|k| prints.contains(k));
        if !by_key && !labels.iter().any(|l| named_like(&r.actor, l)) {
            continue;
        }
        let read = Read {
            time: r.time,
            action: r.action,
            actor: r.actor.clone(),
        };
        let path = r.path.as_deref().unwrap_or_default();
        for name in &names {
            let hit = if r.action == Action::Export {
                path.is_empty() || name == path || name.starts_with(&format!("{path}/"))
            } else {
                name == path
            };
            if hit {
                out.entry(name.clone()).or_default().push(read.clone());
            }
        }
    }
    out
}

/// The recipients files holding a key that is labelled `label` in any of
/// them (an SSH key's comment counts as its label; a folder's file started
/// from the store's holds the keys without their labels), each with those
/// key lines: the store's file first.
pub fn files_with_label(store: &Store, label: &str) -> Result<Vec<(PathBuf, Vec<String>)>> {
    let mut files = vec![store.recipients_file(None)];
    files.extend(store.folder_recipients_files(None));
    let mut texts = Vec::new();
    for file in files {
        let text = store.read_recipients_text(&file)?;
        texts.push((file, text));
    }
    let ids: Vec<String> = texts
        .iter()
        .flat_map(|(_, text)| entries(text))
        .filter(|e| e.label.as_deref() == Some(label))
        .map(|e| key_id(&e.key))
        .collect();
    let mut out = Vec::new();
    for (file, text) in texts {
        let keys: Vec<String> = entries(&text)
            .into_iter()
            .filter(|e| ids.contains(&key_id(&e.key)))
            .map(|e| e.key)
            .collect();
        if !keys.is_empty() {
            out.push((file, keys));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_named_like_a_label() {
        assert!(named_like("bob@laptop", "bob@laptop"));
        assert!(named_like("Bob@desk", "bob@laptop"));
        assert!(named_like("bob", "bob@laptop"));
        assert!(!named_like("bobby@laptop", "bob@laptop"));
        assert!(!named_like("ann@laptop", "bob"));
    }

    #[test]
    fn marks_once_per_key_and_legacy_documents_use_the_old_file() {
        let now: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut doc = SecretDoc::new(
            crate::store::SecretValue::new("v".into()),
            crate::store::Encoding::Utf8,
            "ann",
            now,
        );
        let bob = Removed {
            key: "age1bob".into(),
            label: Some("bob".into()),
        };
        mark_doc(&mut doc, &[], std::slice::from_ref(&bob), "ann", now);
        assert!(doc.offboarding.is_empty(), "no readers known, none before");
        mark_doc(
            &mut doc,
            &["age1bob".into()],
            std::slice::from_ref(&bob),
            "ann",
            now,
        );
        mark_doc(
            &mut doc,
            &["age1bob".into()],
            std::slice::from_ref(&bob),
            "ann",
            now,
        );
        assert_eq!(doc.offboarding.len(), 1);
        assert_eq!(crate::policy::offboarded_who(&doc.offboarding[0]), "bob");
        doc.set_value(
            crate::store::SecretValue::new("w".into()),
            crate::store::Encoding::Utf8,
            "ann",
            None,
            now,
            10,
        );
        assert!(doc.offboarding.is_empty(), "a new value clears the mark");
    }
}
