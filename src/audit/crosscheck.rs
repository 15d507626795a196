//! The store against the log (docs/AUDIT.md, "The store against the log").
//!
//! Every write is recorded before it takes effect (write-ahead), with the
//! version it writes. So the current version of every secret must have a
//! record, and the last recorded version of every path must be in the store.
//! A mismatch means a write that ward did not record (a document forged or
//! copied in by hand, or written by a ward from before write-ahead records),
//! or a recorded write that did not land (a crash between the record and the
//! rename, or a file rolled back by hand or by git).
//!
//! Pure: it takes the records and the store's current versions.

use super::record::{Action, Record};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How the store and the log disagree about one secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The secret's current version has no record.
    Unrecorded { path: String, version: u32 },
    /// The log's last word on `path` is a write of `version`, which is not
    /// what the store holds (`current`, or None when the secret is missing).
    NotLanded {
        path: String,
        version: u32,
        current: Option<u32>,
    },
}

impl Mismatch {
    pub fn path(&self) -> &str {
        match self {
            Mismatch::Unrecorded { path, .. } | Mismatch::NotLanded { path, .. } => path,
        }
    }

    /// One line in ward's words.
    pub fn describe(&self) -> String {
        match self {
            Mismatch::Unrecorded { path, version } => format!(
                "{path} is at version {version}, which no audit record mentions: it was \
                 written without ward's record (by hand, by an older ward, or forged)"
            ),
            Mismatch::NotLanded {
                path,
                version,
                current: Some(current),
            } => format!(
                "{path}: the log records version {version}, the store holds version \
                 {current}: a write that did not land, or a file rolled back"
            ),
            Mismatch::NotLanded {
                path,
                version,
                current: None,
            } => format!(
                "{path}: the log records version {version} and no deletion, but the \
                 secret is not in the store: removed outside ward, or a create that did not land"
            ),
        }
    }

    /// A short kind for JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Mismatch::Unrecorded { .. } => "unrecorded",
            Mismatch::NotLanded { .. } => "not-landed",
        }
    }
}

/// What a record says about the file at a path.
enum Fact {
    /// This version was written there.
    Wrote(Option<u32>),
    /// The file was deleted or moved away.
    Gone,
}

/// The facts a record states, as (path, fact) pairs.
fn facts(r: &Record) -> Vec<(&str, Fact)> {
    let Some(path) = r.path.as_deref() else {
        return Vec::new();
    };
    match r.action {
        // A merge of two clones' changes writes the merged version, an
        // import the imported one.
        Action::Create
        | Action::Edit
        | Action::Rotate
        | Action::Compromise
        | Action::Merge
        | Action::Import
        // A restore writes a new version (also of a secret back from the
        // trash); an otp use of a HOTP secret rewrites its version.
        | Action::Restore
        | Action::Otp => {
            vec![(path, Fact::Wrote(r.version))]
        }
        Action::Delete => vec![(path, Fact::Gone)],
        Action::Move => {
            let mut out = vec![(path, Fact::Gone)];
            if let Some(to) = r.to.as_deref() {
                out.push((to, Fact::Wrote(r.version)));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Compares `records` (any order) with `current`, every secret's path and
/// current version (None for a secret this user cannot read: it is not
/// checked, either way). Nothing is reported when there are no records at all: a
/// store whose log was never written (the demo, a store from before the
/// log) has nothing to check against.
pub fn cross_check<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    current: &BTreeMap<String, Option<u32>>,
) -> Vec<Mismatch> {
    let mut records: Vec<&Record> = records.into_iter().collect();
    if records.is_empty() {
        return Vec::new();
    }
    records.sort_by(|a, b| a.time.cmp(&b.time).then(a.seq.cmp(&b.seq)));
    // Versions recorded as written at each path; a move from before
    // write-ahead records carries no version and covers any.
    let mut written: HashSet<(&str, u32)> = HashSet::new();
    let mut unversioned_move_to: HashSet<&str> = HashSet::new();
    let mut last: HashMap<&str, Option<u32>> = HashMap::new();
    for r in &records {
        for (path, fact) in facts(r) {
            match fact {
                Fact::Wrote(Some(v)) => {
                    written.insert((path, v));
                    last.insert(path, Some(v));
                }
                Fact::Wrote(None) => {
                    unversioned_move_to.insert(path);
                    last.remove(path);
                }
                Fact::Gone => {
                    last.insert(path, None);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (path, version) in current {
        let Some(version) = *version else { continue };
        let recorded = written.contains(&(path.as_str(), version))
            || unversioned_move_to.contains(path.as_str());
        if !recorded {
            out.push(Mismatch::Unrecorded {
                path: path.clone(),
                version,
            });
        }
    }
    let mut last: Vec<(&str, u32)> = last
        .into_iter()
        .filter_map(|(p, v)| v.map(|v| (p, v)))
        .collect();
    last.sort();
    for (path, version) in last {
        let now = match current.get(path) {
            Some(None) => continue,
            Some(Some(v)) => Some(*v),
            None => None,
        };
        // A store ahead of the log is reported once, as unrecorded.
        if now.is_none_or(|c| c < version) {
            out.push(Mismatch::NotLanded {
                path: path.to_string(),
                version,
                current: now,
            });
        }
    }
    out.sort_by(|a, b| a.path().cmp(b.path()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn rec(seq: u64, action: Action, path: &str, version: Option<u32>, to: Option<&str>) -> Record {
        Record {
            v: 1,
            seq,
            time: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, seq as u32).unwrap(),
            actor: "ann".into(),
            key: None,
            host: "h".into(),
            action,
            path: Some(path.into()),
            version,
            to: to.map(str::to_string),
            reason: None,
            late: false,
            prev_mac: None,
            sig: None,
            mac: String::new(),
        }
    }

    fn store(items: &[(&str, u32)]) -> BTreeMap<String, Option<u32>> {
        items
            .iter()
            .map(|(p, v)| (p.to_string(), Some(*v)))
            .collect()
    }

    #[test]
    fn a_recorded_history_matches() {
        let log = [
            rec(1, Action::Create, "a/K", Some(1), None),
            rec(2, Action::Rotate, "a/K", Some(2), None),
            rec(3, Action::Create, "a/GONE", Some(1), None),
            rec(4, Action::Delete, "a/GONE", None, None),
            rec(5, Action::Create, "a/OLD", Some(1), None),
            rec(6, Action::Move, "a/OLD", Some(2), Some("a/NEW")),
            rec(7, Action::View, "a/K", Some(2), None),
        ];
        assert_eq!(cross_check(&log, &store(&[("a/K", 2), ("a/NEW", 2)])), []);
    }

    #[test]
    fn an_unrecorded_version_is_reported() {
        let log = [rec(1, Action::Create, "a/K", Some(1), None)];
        assert_eq!(
            cross_check(&log, &store(&[("a/K", 5), ("a/PLANTED", 1)])),
            [
                Mismatch::Unrecorded {
                    path: "a/K".into(),
                    version: 5
                },
                Mismatch::Unrecorded {
                    path: "a/PLANTED".into(),
                    version: 1
                },
            ]
        );
    }

    #[test]
    fn a_write_that_did_not_land_is_reported() {
        let log = [
            rec(1, Action::Create, "a/K", Some(1), None),
            rec(2, Action::Rotate, "a/K", Some(2), None),
            rec(3, Action::Create, "a/NEVER", Some(1), None),
        ];
        assert_eq!(
            cross_check(&log, &store(&[("a/K", 1)])),
            [
                Mismatch::NotLanded {
                    path: "a/K".into(),
                    version: 2,
                    current: Some(1)
                },
                Mismatch::NotLanded {
                    path: "a/NEVER".into(),
                    version: 1,
                    current: None
                },
            ]
        );
    }

    #[test]
    fn an_empty_log_checks_nothing_and_old_moves_cover_any_version() {
        assert_eq!(cross_check(&[], &store(&[("a/K", 3)])), []);
        let log = [rec(1, Action::Move, "a/X", None, Some("a/K"))];
        assert_eq!(cross_check(&log, &store(&[("a/K", 3)])), []);
    }

    #[test]
    fn unreadable_secrets_are_not_judged() {
        let log = [rec(1, Action::Create, "team/K", Some(1), None)];
        let mut current = store(&[]);
        current.insert("team/K".into(), None);
        current.insert("team/OTHER".into(), None);
        assert_eq!(cross_check(&log, &current), []);
    }
}
