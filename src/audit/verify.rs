//! Checking every chain with the audit key (docs/AUDIT.md, "What verify
//! detects").

use super::head::Head;
use super::key::AuditKey;
use super::local::{Local, PinStatus};
use super::log::RECORD_DOMAIN;
use super::read::{chain_files, lines};
use super::record::{parse_line, Record};
use crate::error::Result;
use crate::store::{fsio, Keyring};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// How a chain is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// A record's bytes changed (or the line is not a record any more).
    Edited,
    /// One or more records are missing before this line.
    Removed,
    /// Records are out of order or duplicated.
    Reordered,
    /// A record that does not belong to the chain was added.
    Inserted,
    /// Records were cut from the end (the head file is ahead of the log), or
    /// the head file is missing or does not authenticate.
    Truncated,
    /// No record authenticates: the chain was rebuilt with another key (or
    /// the audit key file was replaced).
    WrongKey,
}

impl BreakKind {
    pub fn label(self) -> &'static str {
        match self {
            BreakKind::Edited => "edited",
            BreakKind::Removed => "removed",
            BreakKind::Reordered => "reordered",
            BreakKind::Inserted => "inserted",
            BreakKind::Truncated => "truncated",
            BreakKind::WrongKey => "wrong key",
        }
    }
}

/// The first break found in a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// 1-based line of the file where the chain breaks (for a truncated end:
    /// the line after the last one).
    pub line: usize,
    pub kind: BreakKind,
    pub detail: String,
}

/// Something worth knowing that does not break the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// 0 when it concerns the whole file.
    pub line: usize,
    pub message: String,
}

/// The result for one actor file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    pub chain: String,
    pub file: PathBuf,
    /// Records verified before the break (all of them when intact).
    pub records: usize,
    pub broken: Option<Break>,
    pub warnings: Vec<Warning>,
}

impl FileReport {
    pub fn is_ok(&self) -> bool {
        self.broken.is_none()
    }
}

/// The result for a whole store.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    /// Id of the audit key used ([`AuditKey::id`]).
    pub key_id: String,
    /// Whether this machine saw the same key before.
    pub pin: PinStatus,
    pub files: Vec<FileReport>,
}

impl VerifyReport {
    /// True when every chain is intact and the key (and store id) are the
    /// ones this machine pinned.
    pub fn is_ok(&self) -> bool {
        self.pin.is_trusted() && self.files.iter().all(FileReport::is_ok)
    }
}

/// Verifies every chain of the store, decrypting the audit key with `keys`,
/// and checks the key, the store id and each chain's length against what
/// this machine remembers ([`Local`]). A store without an audit key that
/// this machine never pinned (nothing ever recorded) verifies as empty.
pub fn verify(store_root: &Path, keys: &Keyring) -> Result<VerifyReport> {
    verify_with_local(store_root, keys, &Local::default())
}

/// [`verify`] with this machine's state in `local`.
pub fn verify_with_local(store_root: &Path, keys: &Keyring, local: &Local) -> Result<VerifyReport> {
    // A linked `.ward/audit` is an error, never followed.
    super::real_audit_dir(store_root)?;
    let store_id = crate::store::Store::open(store_root)?.info().id.clone();
    let key = match AuditKey::load(store_root, keys)? {
        Some(k) => k,
        None => {
            let pin = local.check(store_root, &store_id, None);
            let files = chain_files(store_root);
            // Records but no key: nothing can be authenticated.
            let files: Vec<FileReport> = files
                .into_iter()
                .map(|(chain, file)| FileReport {
                    chain,
                    file,
                    records: 0,
                    broken: Some(Break {
                        line: 1,
                        kind: BreakKind::WrongKey,
                        detail: format!(
                            "the audit key {} is missing",
                            AuditKey::path(store_root).display()
                        ),
                    }),
                    warnings: Vec::new(),
                })
                .collect();
            let pin = match pin {
                PinStatus::Same | PinStatus::New if files.is_empty() => PinStatus::Same,
                PinStatus::Same | PinStatus::New => {
                    PinStatus::Unavailable("the store has no audit key".into())
                }
                other => other,
            };
            return Ok(VerifyReport {
                key_id: String::new(),
                pin,
                files,
            });
        }
    };
    let pin = local.check(store_root, &store_id, Some(&key));
    let mut files = verify_with_key(store_root, &key);
    let dir = super::audit_dir(store_root);
    // Chains this machine saw that are gone or shorter: deleted or rolled
    // back together with their head, which the chain alone cannot show.
    for (chain, seen) in local.seen(store_root, &store_id) {
        match files.iter_mut().find(|f| f.chain == chain) {
            None => files.push(FileReport {
                chain: chain.clone(),
                file: dir.join(format!("{chain}.jsonl")),
                records: 0,
                broken: Some(Break {
                    line: 1,
                    kind: BreakKind::Truncated,
                    detail: format!(
                        "this chain is gone: this machine saw it reach seq {seen}; it was deleted (with its head)"
                    ),
                }),
                warnings: Vec::new(),
            }),
            Some(f) if f.is_ok() && (f.records as u64) < seen => {
                f.broken = Some(Break {
                    line: f.records + 1,
                    kind: BreakKind::Truncated,
                    detail: format!(
                        "the chain went back: this machine saw it reach seq {seen}, it now ends at seq {}; it was rolled back (with its head)",
                        f.records
                    ),
                });
            }
            Some(_) => {}
        }
    }
    files.sort_by(|a, b| a.chain.cmp(&b.chain));
    if pin.is_trusted() {
        let ok: Vec<(&str, u64)> = files
            .iter()
            .filter(|f| f.is_ok())
            .map(|f| (f.chain.as_str(), f.records as u64))
            .collect();
        let _ = local.note_seen(store_root, &store_id, &ok);
    }
    Ok(VerifyReport {
        key_id: key.id(),
        pin,
        files,
    })
}

/// Verifies every chain with a known key (no pin check).
pub fn verify_with_key(store_root: &Path, key: &AuditKey) -> Vec<FileReport> {
    chain_files(store_root)
        .into_par_iter()
        .map(|(chain, file)| verify_file(store_root, &chain, &file, key))
        .collect()
}

/// Whether a line that is not a record could be one cut short by a crash:
/// every record starts with `{"v":`, and a torn write is a prefix of one.
fn looks_torn(line: &[u8]) -> bool {
    const START: &[u8] = b"{\"v\":";
    !line.is_empty() && (line.starts_with(START) || START.starts_with(line))
}

struct Line<'a> {
    no: usize,
    record: Option<Record>,
    /// The MAC authenticates the line's bytes.
    authentic: bool,
    bytes: &'a [u8],
}

/// Verifies one chain file.
pub fn verify_file(store_root: &Path, chain: &str, file: &Path, key: &AuditKey) -> FileReport {
    let mut report = FileReport {
        chain: chain.to_string(),
        file: file.to_path_buf(),
        records: 0,
        broken: None,
        warnings: Vec::new(),
    };
    let bytes = match fsio::read_file(file) {
        Ok(b) => b,
        Err(e) => {
            report.broken = Some(Break {
                line: 0,
                kind: BreakKind::Edited,
                detail: format!("cannot read the file: {}", super::link_error(file, e)),
            });
            return report;
        }
    };
    let (raw, torn) = lines(&bytes);
    let parsed: Vec<Line> = raw
        .par_iter()
        .map(|&(no, l)| match parse_line(l) {
            Some((record, prefix)) => {
                let mac = super::hex(&key.mac(RECORD_DOMAIN, chain, prefix));
                let authentic = mac == record.mac;
                Line {
                    no,
                    record: Some(record),
                    authentic,
                    bytes: l,
                }
            }
            None => Line {
                no,
                record: None,
                authentic: false,
                bytes: l,
            },
        })
        .collect();
    let chains_to = |l: &Line, seq: u64, prev: &Option<String>| {
        l.authentic
            && l.record
                .as_ref()
                .is_some_and(|r| r.seq == seq && r.prev_mac == *prev)
    };
    let next_record = |i: usize| parsed[i + 1..].iter().find(|l| l.record.is_some());

    let mut expected: u64 = 1;
    let mut prev: Option<String> = None;
    let mut last_line = 0;
    let total = parsed.len();
    let brk = |line: usize, kind: BreakKind, detail: String| Some(Break { line, kind, detail });
    for (i, l) in parsed.iter().enumerate() {
        let Some(rec) = &l.record else {
            let is_last = i + 1 == total;
            // Only the start of a record can be what a crash left; any other
            // line was put there by someone, and breaks the chain.
            if !looks_torn(l.bytes) {
                report.broken = brk(
                    l.no,
                    BreakKind::Inserted,
                    "this line is not an audit record (nor the start of one cut by a crash): \
                     it was inserted"
                        .into(),
                );
                return report;
            }
            if is_last && torn {
                report.warnings.push(Warning {
                    line: l.no,
                    message: "incomplete last line (a write torn by a crash?), skipped".into(),
                });
                continue;
            }
            match next_record(i) {
                Some(n) if chains_to(n, expected, &prev) => {
                    report.warnings.push(Warning {
                        line: l.no,
                        message: "incomplete line (a write torn by a crash?), skipped; the chain continues after it".into(),
                    });
                    continue;
                }
                None if is_last => {
                    report.warnings.push(Warning {
                        line: l.no,
                        message: "unreadable last line, skipped".into(),
                    });
                    continue;
                }
                _ => {
                    report.broken = brk(
                        l.no,
                        BreakKind::Edited,
                        "this line is not a valid record any more".into(),
                    );
                    return report;
                }
            }
        };
        if !l.authentic {
            let kind_detail = if i == 0 && parsed.iter().all(|l| !l.authentic) {
                (
                    BreakKind::WrongKey,
                    "no record authenticates with the store's audit key: the chain was rebuilt without it, or the key file was replaced".to_string(),
                )
            } else if next_record(i).is_some_and(|n| chains_to(n, expected, &prev)) {
                (
                    BreakKind::Inserted,
                    format!(
                        "record (seq {}) does not authenticate and the next record continues the chain without it: it was inserted",
                        rec.seq
                    ),
                )
            } else {
                (
                    BreakKind::Edited,
                    format!(
                        "record (seq {}) does not authenticate: it was changed after it was written",
                        rec.seq
                    ),
                )
            };
            report.broken = brk(l.no, kind_detail.0, kind_detail.1);
            return report;
        }
        if rec.seq != expected {
            let later = parsed[i..]
                .iter()
                .find(|o| o.authentic && o.record.as_ref().is_some_and(|r| r.seq == expected));
            report.broken = if rec.seq < expected {
                brk(
                    l.no,
                    BreakKind::Reordered,
                    format!(
                        "record seq {} comes after seq {}: records are out of order or repeated",
                        rec.seq,
                        expected - 1
                    ),
                )
            } else if let Some(o) = later {
                brk(
                    l.no,
                    BreakKind::Reordered,
                    format!(
                        "expected seq {expected} here, found seq {} (seq {expected} is at line {}): records were reordered",
                        rec.seq, o.no
                    ),
                )
            } else {
                brk(
                    l.no,
                    BreakKind::Removed,
                    if rec.seq == expected + 1 {
                        format!("record seq {expected} is missing before this line: it was removed")
                    } else {
                        format!(
                            "records seq {expected} to {} are missing before this line: they were removed",
                            rec.seq - 1
                        )
                    },
                )
            };
            return report;
        }
        if rec.prev_mac != prev {
            report.broken = brk(
                l.no,
                BreakKind::Reordered,
                "record does not chain to the one before it: records were replaced or spliced"
                    .into(),
            );
            return report;
        }
        if rec.late {
            report.warnings.push(Warning {
                line: l.no,
                message: format!(
                    "{} at {} was written without the key and sealed late",
                    rec.action,
                    rec.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            });
        }
        expected += 1;
        prev = Some(rec.mac.clone());
        report.records += 1;
        last_line = l.no;
    }
    check_head(store_root, chain, key, &parsed, last_line, &mut report);
    // Pending records of this machine (only this machine can seal them).
    let pending = crate::store::Store::open(store_root).ok().map(|s| {
        Local::default()
            .pending_dir(&s.info().id)
            .join(format!("{chain}.jsonl"))
    });
    if let Some(Ok(b)) = pending.as_deref().map(fsio::read_file) {
        let n = lines(&b).0.len();
        if n > 0 {
            report.warnings.push(Warning {
                line: 0,
                message: format!(
                    "{n} record(s) written on this machine without the audit key wait in {} to be sealed by the next append",
                    pending.as_deref().unwrap_or(Path::new("")).display()
                ),
            });
        }
    }
    // Older builds kept pending records in the store, where anyone with
    // write access could plant one; they are never sealed now.
    let legacy = super::audit_dir(store_root).join(format!("{chain}.pending.jsonl"));
    if std::fs::symlink_metadata(&legacy).is_ok() {
        report.warnings.push(Warning {
            line: 0,
            message: format!(
                "{} is ignored: pending records are kept outside the store now",
                legacy.display()
            ),
        });
    }
    report
}

fn check_head(
    store_root: &Path,
    chain: &str,
    key: &AuditKey,
    parsed: &[Line],
    last_line: usize,
    report: &mut FileReport,
) {
    let dir = super::audit_dir(store_root);
    let last_seq = report.records as u64;
    let end = last_line + 1;
    let head = match Head::read(&dir, chain) {
        Ok(Some(h)) => h,
        Ok(None) if last_seq <= 1 => {
            if last_seq == 1 {
                report.warnings.push(Warning {
                    line: 0,
                    message: "no head file (a crash after the first record?): cannot tell whether records were cut from the end".into(),
                });
            }
            return;
        }
        Ok(None) => {
            report.broken = Some(Break {
                line: end,
                kind: BreakKind::Truncated,
                detail:
                    "the head file is missing: cannot tell whether records were cut from the end"
                        .into(),
            });
            return;
        }
        Err(e) => {
            report.broken = Some(Break {
                line: end,
                kind: BreakKind::Truncated,
                detail: format!("{e}: cannot tell whether records were cut from the end"),
            });
            return;
        }
    };
    if !head.verify(key, chain) {
        report.broken = Some(Break {
            line: end,
            kind: BreakKind::Truncated,
            detail: "the head file does not authenticate: it was edited".into(),
        });
        return;
    }
    if head.seq > last_seq {
        report.broken = Some(Break {
            line: end,
            kind: BreakKind::Truncated,
            detail: if head.seq == last_seq + 1 {
                format!(
                    "record seq {} is missing at the end: the file was truncated",
                    head.seq
                )
            } else {
                format!(
                    "records seq {} to {} are missing at the end: the file was truncated",
                    last_seq + 1,
                    head.seq
                )
            },
        });
        return;
    }
    let at = parsed
        .iter()
        .filter_map(|l| l.record.as_ref())
        .find(|r| r.seq == head.seq);
    if head.seq > 0 && at.is_none_or(|r| r.mac != head.mac) {
        report.broken = Some(Break {
            line: end,
            kind: BreakKind::Truncated,
            detail: "the head file names a record that is not in the chain".into(),
        });
        return;
    }
    if head.seq + 1 < last_seq {
        report.warnings.push(Warning {
            line: 0,
            message: format!(
                "the head file is {} records behind the log",
                last_seq - head.seq
            ),
        });
    }
}
