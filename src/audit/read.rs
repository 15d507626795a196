//! Reading the merged timeline of every actor, without the audit key.
//! Reading trusts nothing: use [`super::verify`] to know whether the
//! records are authentic.

use super::local::Local;
use super::record::{parse_line, Action, Record, RECORD_FORMAT};
use crate::store::fsio;
use chrono::{DateTime, NaiveDate, Utc};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// One record in the merged timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub record: Record,
    /// Chain (actor file stem) it comes from.
    pub chain: String,
    /// 1-based line in that file.
    pub line: usize,
    /// False for a record still waiting in the pending file (not yet in the
    /// chain, so not yet authenticated).
    pub sealed: bool,
}

/// A line that could not be read (a torn write, or damage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadProblem {
    pub file: PathBuf,
    pub line: usize,
    pub cause: String,
}

/// Every record of every actor, newest first.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub entries: Vec<Entry>,
    pub problems: Vec<ReadProblem>,
}

/// Which records to keep. Every `None` matches everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// A secret or folder: records whose path (or move target) is under it.
    pub prefix: Option<String>,
    /// Exact actor, or the user part before `@`.
    pub actor: Option<String>,
    pub action: Option<Action>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
}

impl Filter {
    pub fn matches(&self, r: &Record) -> bool {
        if let Some(p) = &self.prefix {
            if !r.touches(p) {
                return false;
            }
        }
        if let Some(a) = &self.actor {
            let user = r.actor.split('@').next().unwrap_or_default();
            if r.actor != *a && user != a {
                return false;
            }
        }
        if self.action.is_some_and(|a| a != r.action) {
            return false;
        }
        if self.since.is_some_and(|s| r.time < s) {
            return false;
        }
        if self.until.is_some_and(|u| r.time >= u) {
            return false;
        }
        true
    }
}

impl Timeline {
    /// Entries matching `filter`, newest first.
    pub fn filtered(&self, filter: &Filter) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| filter.matches(&e.record))
            .collect()
    }

    /// Records per UTC day from `from` to `to` inclusive (zero days included),
    /// oldest first: ready for a Sparkline or BarChart.
    pub fn activity_per_day(
        &self,
        filter: &Filter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(NaiveDate, u64)> {
        activity_per_day(
            self.filtered(filter).into_iter().map(|e| &e.record),
            from,
            to,
        )
    }
}

/// Counts `records` per UTC day in `from..=to`, oldest first.
pub fn activity_per_day<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, u64)> {
    if to < from {
        return Vec::new();
    }
    let days = (to - from).num_days() as usize + 1;
    let mut counts = vec![0u64; days];
    for r in records {
        let d = r.time.date_naive();
        if d >= from && d <= to {
            counts[(d - from).num_days() as usize] += 1;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| (from + chrono::Days::new(i as u64), n))
        .collect()
}

/// The chains in a store: (file stem, path of the `.jsonl`), sorted. Empty
/// when `.ward/audit` is missing or not a real folder (a link is never
/// followed; [`super::real_audit_dir`] says why).
pub fn chain_files(store_root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(Some(dir)) = super::real_audit_dir(store_root) else {
        return out;
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".pending.jsonl") {
            continue;
        }
        if let Some(stem) = name.strip_suffix(".jsonl") {
            out.push((stem.to_string(), e.path()));
        }
    }
    out.sort();
    out
}

/// Splits a file into (1-based line number, bytes) without the newlines. The
/// last piece is included only when non-empty; `torn` says whether it lacked
/// its newline.
pub(crate) fn lines(bytes: &[u8]) -> (Vec<(usize, &[u8])>, bool) {
    let torn = !bytes.is_empty() && !bytes.ends_with(b"\n");
    let mut out: Vec<(usize, &[u8])> = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect();
    if !torn {
        out.pop(); // the empty piece after the final newline
    }
    (out, torn)
}

/// Reads every actor's file (and this machine's pending records), merged
/// newest first.
pub fn read_all(store_root: &Path) -> Timeline {
    read_all_with(store_root, &Local::default())
}

/// [`read_all`] with this machine's state in `local`.
pub fn read_all_with(store_root: &Path, local: &Local) -> Timeline {
    let mut t = Timeline::default();
    if let Err(e) = super::real_audit_dir(store_root) {
        t.problems.push(ReadProblem {
            file: super::audit_dir(store_root),
            line: 0,
            cause: e.to_string(),
        });
        return t;
    }
    let per_file: Vec<Timeline> = chain_files(store_root)
        .into_par_iter()
        .map(|(stem, path)| read_chain(&stem, &path))
        .collect();
    for mut f in per_file {
        t.entries.append(&mut f.entries);
        t.problems.append(&mut f.problems);
    }
    read_pending_into(store_root, local, &mut t);
    t.entries.sort_by(|a, b| {
        b.record
            .time
            .cmp(&a.record.time)
            .then_with(|| a.chain.cmp(&b.chain))
            .then_with(|| b.record.seq.cmp(&a.record.seq))
    });
    t
}

fn read_chain(stem: &str, path: &Path) -> Timeline {
    let mut t = Timeline::default();
    let bytes = match fsio::read_file(path) {
        Ok(b) => b,
        Err(e) => {
            t.problems.push(ReadProblem {
                file: path.to_path_buf(),
                line: 0,
                cause: format!("cannot read: {}", super::link_error(path, e)),
            });
            return t;
        }
    };
    let (lines, torn) = lines(&bytes);
    let last = lines.len();
    for (n, line) in lines {
        match parse_line(line) {
            Some((record, _)) => t.entries.push(Entry {
                record,
                chain: stem.to_string(),
                line: n,
                sealed: true,
            }),
            None => t.problems.push(ReadProblem {
                file: path.to_path_buf(),
                line: n,
                cause: if torn && n == last {
                    "incomplete last line (a write torn by a crash?), skipped".into()
                } else {
                    "unreadable line, skipped".into()
                },
            }),
        }
    }
    t
}

/// This machine's pending records for the store (see [`Local`]).
fn read_pending_into(store_root: &Path, local: &Local, t: &mut Timeline) {
    let Ok(store) = crate::store::Store::open(store_root) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(local.pending_dir(&store.info().id)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_suffix(".jsonl")
            .filter(|_| !name.starts_with('.'))
        else {
            continue;
        };
        let Ok(bytes) = fsio::read_file(&e.path()) else {
            continue;
        };
        for (n, line) in lines(&bytes).0 {
            // A pending line is a record without seq, prev_mac or mac.
            let parsed = serde_json::from_slice::<serde_json::Value>(line)
                .ok()
                .and_then(|mut v| {
                    let o = v.as_object_mut()?;
                    o.insert("v".into(), RECORD_FORMAT.into());
                    o.insert("seq".into(), 0.into());
                    o.insert("prev_mac".into(), serde_json::Value::Null);
                    serde_json::from_value::<Record>(v).ok()
                });
            match parsed {
                Some(record) => t.entries.push(Entry {
                    record,
                    chain: stem.to_string(),
                    line: n,
                    sealed: false,
                }),
                None => t.problems.push(ReadProblem {
                    file: e.path(),
                    line: n,
                    cause: "unreadable pending record, skipped".into(),
                }),
            }
        }
    }
}
