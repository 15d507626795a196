//! Checking every chain with the audit key (docs/AUDIT.md, "What verify
//! detects").

use super::head::Head;
use super::key::AuditKey;
use super::local::{Local, PinStatus};
use super::log::RECORD_DOMAIN;
use super::read::{chain_files, lines};
use super::record::{parse_line, Record};
use super::sign::{self, PublishedKey, SigCheck};
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
    /// The MACs hold but a signature does not: the chain was rewritten by
    /// someone holding the shared audit key, i.e. another member.
    Signature,
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
            BreakKind::Signature => "signature",
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

/// What the signatures of an intact chain say (docs/AUDIT.md, "Signed
/// chains"). Key ids are [`sign::key_id`]s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Signing {
    /// No record is signed: written before chains were signed. Only the
    /// shared HMAC key protects it, so any member could have rewritten it.
    #[default]
    Unsigned,
    /// Every record from `from_seq` on is signed by the actor's keys, which
    /// this machine approved (or, `pinned`, approves now: first sight).
    Signed {
        from_seq: u64,
        keys: Vec<String>,
        pinned: Vec<String>,
    },
    /// Signed with keys this machine has not approved: another key turned
    /// up for an actor whose key was pinned here (`ward audit trust`).
    Unapproved { from_seq: u64, keys: Vec<String> },
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
    pub signing: Signing,
}

impl FileReport {
    fn new(chain: String, file: PathBuf) -> FileReport {
        FileReport {
            chain,
            file,
            records: 0,
            broken: None,
            warnings: Vec::new(),
            signing: Signing::Unsigned,
        }
    }

    /// Intact, and not signed by a key this machine has not approved.
    pub fn is_ok(&self) -> bool {
        self.broken.is_none() && !matches!(self.signing, Signing::Unapproved { .. })
    }
}

/// This machine's approved signing keys of a store
/// ([`sign::approval_item`]s); `None` checks signatures without judging
/// whose keys they are.
type Approved<'a> = Option<&'a std::collections::BTreeSet<String>>;

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
                    broken: Some(Break {
                        line: 1,
                        kind: BreakKind::WrongKey,
                        detail: format!(
                            "the audit key {} is missing",
                            AuditKey::path(store_root).display()
                        ),
                    }),
                    ..FileReport::new(chain, file)
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
    let mut book = local.trust_book(&store_id)?;
    let approved = book.approved(sign::ACTORS_SCOPE);
    let mut files = verify_chains(store_root, &key, Some(&approved));
    let dir = super::audit_dir(store_root);
    // Chains this machine saw that are gone or shorter: deleted or rolled
    // back together with their head, which the chain alone cannot show.
    for (chain, seen) in local.seen(store_root, &store_id) {
        match files.iter_mut().find(|f| f.chain == chain) {
            None => files.push(FileReport {
                broken: Some(Break {
                    line: 1,
                    kind: BreakKind::Truncated,
                    detail: format!(
                        "this chain is gone: this machine saw it reach seq {seen}; it was deleted (with its head)"
                    ),
                }),
                ..FileReport::new(chain.clone(), dir.join(format!("{chain}.jsonl")))
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
        // First sight of an actor's signing keys: pinned like recipients.
        let first_sight: Vec<String> = files
            .iter()
            .filter(|f| f.broken.is_none())
            .flat_map(|f| match &f.signing {
                Signing::Signed { pinned, .. } => pinned.clone(),
                _ => Vec::new(),
            })
            .collect();
        if !first_sight.is_empty() {
            book.approve(sign::ACTORS_SCOPE, first_sight)?;
        }
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

/// Verifies every chain with a known key (no pin check; signatures are
/// checked against the published keys, whoever's they are).
pub fn verify_with_key(store_root: &Path, key: &AuditKey) -> Vec<FileReport> {
    verify_chains(store_root, key, None)
}

pub(crate) fn verify_chains(
    store_root: &Path,
    key: &AuditKey,
    approved: Approved,
) -> Vec<FileReport> {
    chain_files(store_root)
        .into_par_iter()
        .map(|(chain, file)| verify_chain(store_root, &chain, &file, key, approved))
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
    /// The signature, checked when the MAC authenticates.
    sig: SigCheck,
    bytes: &'a [u8],
}

/// Verifies one chain file (signatures against the published keys, not
/// judging whose they are).
pub fn verify_file(store_root: &Path, chain: &str, file: &Path, key: &AuditKey) -> FileReport {
    verify_chain(store_root, chain, file, key, None)
}

fn verify_chain(
    store_root: &Path,
    chain: &str,
    file: &Path,
    key: &AuditKey,
    approved: Approved,
) -> FileReport {
    let mut report = FileReport::new(chain.to_string(), file.to_path_buf());
    let published = match sign::published(store_root, chain) {
        Ok(keys) => keys,
        Err(e) => {
            report.broken = Some(Break {
                line: 0,
                kind: BreakKind::Signature,
                detail: e.to_string(),
            });
            return report;
        }
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
                let sig = if authentic {
                    sign::check(chain, prefix, &published)
                } else {
                    SigCheck::Unsigned
                };
                Line {
                    no,
                    record: Some(record),
                    authentic,
                    sig,
                    bytes: l,
                }
            }
            None => Line {
                no,
                record: None,
                authentic: false,
                sig: SigCheck::Unsigned,
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
    check_signatures(chain, &parsed, &published, approved, &mut report);
    if report.broken.is_some() {
        return report;
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

/// Judges the signatures of a chain whose MACs all hold: once one record
/// is signed, every later one must be, by a key published for the actor;
/// and a chain whose key this machine pinned must still be signed.
fn check_signatures(
    chain: &str,
    parsed: &[Line],
    published: &[PublishedKey],
    approved: Approved,
    report: &mut FileReport,
) {
    let rewritten = "rewritten by someone holding the shared audit key";
    let mut from_seq = None;
    let mut used: Vec<String> = Vec::new();
    for l in parsed {
        let Some(rec) = l.record.as_ref().filter(|_| l.authentic) else {
            continue;
        };
        let problem = match &l.sig {
            SigCheck::Valid(id) => {
                from_seq.get_or_insert(rec.seq);
                if !used.contains(id) {
                    used.push(id.clone());
                }
                None
            }
            SigCheck::Unsigned => from_seq.map(|from| {
                format!(
                    "record (seq {}) is not signed, though {}'s chain is signed from seq {from}: it was {rewritten}",
                    rec.seq, rec.actor
                )
            }),
            SigCheck::Invalid(id) => Some(format!(
                "record (seq {}) does not match {}'s signature (key {id}): it was {rewritten}",
                rec.seq, rec.actor
            )),
            SigCheck::UnknownKey(id) => Some(format!(
                "record (seq {}) is signed by key {id}, which {} does not list for {}: it was {rewritten}, or the key was removed",
                rec.seq,
                sign::published_path(Path::new(""), chain).display(),
                rec.actor
            )),
        };
        if let Some(detail) = problem {
            report.broken = Some(Break {
                line: l.no,
                kind: BreakKind::Signature,
                detail,
            });
            return;
        }
    }
    let item = |id: &String| {
        let key = published
            .iter()
            .find(|k| &k.id == id)
            .expect("a valid signature's key");
        sign::approval_item(chain, &key.public_hex)
    };
    let pinned_here: Vec<&String> = approved
        .map(|a| {
            a.iter()
                .filter(|i| i.split_once(' ').is_some_and(|(c, _)| c == chain))
                .collect()
        })
        .unwrap_or_default();
    let Some(from_seq) = from_seq else {
        if !pinned_here.is_empty() && report.records > 0 {
            report.broken = Some(Break {
                line: 1,
                kind: BreakKind::Signature,
                detail: format!(
                    "no record is signed, though this machine pinned a signing key for this chain: it was {rewritten}, or replaced"
                ),
            });
        }
        return;
    };
    report.signing = match approved {
        None => Signing::Signed {
            from_seq,
            keys: used,
            pinned: Vec::new(),
        },
        Some(_) if pinned_here.is_empty() => Signing::Signed {
            from_seq,
            pinned: used.iter().map(item).collect(),
            keys: used,
        },
        Some(a) => {
            let unapproved: Vec<String> = used
                .iter()
                .filter(|id| !a.contains(&item(id)))
                .cloned()
                .collect();
            if unapproved.is_empty() {
                Signing::Signed {
                    from_seq,
                    keys: used,
                    pinned: Vec::new(),
                }
            } else {
                Signing::Unapproved {
                    from_seq,
                    keys: unapproved,
                }
            }
        }
    };
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
