//! Appending to one actor's chain.
//!
//! Under a per-file lock: find the last good record from the end of the file,
//! seal any pending (keyless) records, write the new line(s) with `O_APPEND`
//! in one `write(2)`, fsync, then update the authenticated head file.

use super::head::Head;
use super::key::AuditKey;
use super::record::{finish_line, parse_line, Body, Event, Record, RECORD_FORMAT};
use crate::error::{IoContext, Result, WardError};
use crate::store::{fsio, Keyring};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Domain separation for record MACs.
pub(crate) const RECORD_DOMAIN: &[u8] = b"ward-audit-record-v1";

/// One actor's audit log in one store. `Send + Sync`: share it with a
/// background thread and call [`Log::append`] from there.
#[derive(Debug)]
pub struct Log {
    store_root: PathBuf,
    stem: String,
    actor: String,
    key_fingerprint: Option<String>,
    host: String,
    fsync: bool,
    audit_key: Mutex<Option<AuditKey>>,
}

/// A record written without the audit key, waiting to be sealed.
#[derive(Serialize, Deserialize)]
struct Pending {
    #[serde(with = "super::record::rfc3339_millis")]
    time: chrono::DateTime<Utc>,
    actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    host: String,
    action: super::Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl Log {
    /// The log of `actor` in the store at `store_root`. Touches no file.
    /// `key_fingerprint` is [`super::key_fingerprint`] of the identity in use,
    /// when known.
    pub fn open(store_root: &Path, actor: &str, key_fingerprint: Option<String>) -> Log {
        Log {
            store_root: store_root.to_path_buf(),
            stem: super::actor_file_stem(actor),
            actor: actor.to_string(),
            key_fingerprint,
            host: crate::config::host_name(),
            fsync: true,
            audit_key: Mutex::new(None),
        }
    }

    /// Turns fsync off or on (on by default). Off is for benchmarks and tests
    /// only: a crash may then lose the last records.
    pub fn set_fsync(&mut self, on: bool) {
        self.fsync = on;
    }

    /// `.ward/audit/<actor-file>.jsonl`.
    pub fn path(&self) -> PathBuf {
        super::audit_dir(&self.store_root).join(format!("{}.jsonl", self.stem))
    }

    /// The chain id: the actor's file stem.
    pub fn chain(&self) -> &str {
        &self.stem
    }

    /// Appends `event`, decrypting (or creating) the audit key with `keys` on
    /// first use and keeping it for later appends. Returns the record written.
    pub fn append(&self, keys: &Keyring, event: Event) -> Result<Record> {
        let key = {
            let mut slot = self.audit_key.lock().unwrap_or_else(|p| p.into_inner());
            match slot.as_ref() {
                Some(k) => k.clone(),
                None => {
                    let k = AuditKey::load_or_create(&self.store_root, keys)?;
                    let store = crate::store::Store::open(&self.store_root)?;
                    if let super::PinStatus::Changed { pinned } =
                        super::check_pin(&store.info().id, &k)
                    {
                        return Err(WardError::Other(format!(
                            "the store's audit key ({}) is not the one this machine pinned ({pinned}): \
                             {} was replaced; run `ward audit verify`",
                            k.id(),
                            AuditKey::path(&self.store_root).display()
                        )));
                    }
                    *slot = Some(k.clone());
                    k
                }
            }
        };
        self.append_with_key(&key, event)
    }

    /// Appends `event` with an already loaded key.
    pub fn append_with_key(&self, key: &AuditKey, event: Event) -> Result<Record> {
        let dir = super::audit_dir(&self.store_root);
        fsio::create_private_dir(&dir)?;
        let _lock = fsio::StoreLock::acquire(&dir.join(format!(".{}.lock", self.stem)))?;
        let path = self.path();
        let mut file = open_append(&path)?;
        let tail = read_tail(&mut file, &path)?;
        let head = Head::read(&dir, &self.stem).ok().flatten();
        let mut seq = tail.last.as_ref().map_or(0, |(s, _)| *s);
        // If the head is ahead of the file, records were cut from its end:
        // keep the gap visible instead of papering over it.
        if let Some(h) = head.filter(|h| h.verify(key, &self.stem)) {
            seq = seq.max(h.seq);
        }
        let mut prev = tail.last.map(|(_, m)| m);

        let pending_path = self.pending_path();
        let pending = read_pending(&pending_path);
        let mut out = String::new();
        if tail.needs_newline {
            out.push('\n');
        }
        let mut last = None;
        let now = Utc::now();
        let events = pending.iter().map(|p| (p, true)).map(|(p, late)| {
            (
                Event {
                    action: p.action,
                    path: p.path.clone(),
                    version: p.version,
                    to: p.to.clone(),
                    reason: p.reason.clone(),
                    time: Some(p.time),
                },
                late,
                Some((p.actor.as_str(), p.key.as_deref(), p.host.as_str())),
            )
        });
        for (ev, late, who) in events.chain(std::iter::once((event, false, None))) {
            seq += 1;
            let (actor, fp, host) = who.unwrap_or((
                &self.actor,
                self.key_fingerprint.as_deref(),
                self.host.as_str(),
            ));
            let body = Body {
                v: RECORD_FORMAT,
                seq,
                time: ev.time.unwrap_or(now),
                actor,
                key: fp,
                host,
                action: ev.action,
                path: ev.path.as_deref(),
                version: ev.version,
                to: ev.to.as_deref(),
                reason: ev.reason.as_deref(),
                late,
                prev_mac: prev.as_deref(),
            };
            let prefix = body.prefix();
            let mac = super::hex(&key.mac(RECORD_DOMAIN, &self.stem, prefix.as_bytes()));
            let line = finish_line(&prefix, &mac);
            out.push_str(&line);
            prev = Some(mac);
            last = Some(line);
        }
        // One write(2) with O_APPEND: the lines land whole or (on a crash)
        // torn at the end, never interleaved with another writer's.
        file.write_all(out.as_bytes()).at(&path)?;
        if self.fsync {
            file.sync_data().at(&path)?;
        }
        if !pending.is_empty() {
            std::fs::remove_file(&pending_path).at(&pending_path)?;
        }
        let last = last.expect("at least the new event");
        let (record, _) = parse_line(last.trim_end().as_bytes()).ok_or_else(|| {
            WardError::Other("internal error: an audit line does not parse back".into())
        })?;
        // The head is not fsynced: after a crash it may lag behind the log,
        // which verify accepts; only the log line itself must be durable.
        Head::new(key, &self.stem, record.seq, &record.mac).write(&dir, &self.stem, false)?;
        Ok(record)
    }

    /// Records `event` without the audit key (for a failed unlock, when no
    /// identity could be loaded). It is kept in `<actor-file>.pending.jsonl`
    /// and sealed into the chain, marked `late`, by the next [`Log::append`].
    pub fn append_unsealed(&self, event: Event) -> Result<()> {
        let dir = super::audit_dir(&self.store_root);
        fsio::create_private_dir(&dir)?;
        let _lock = fsio::StoreLock::acquire(&dir.join(format!(".{}.lock", self.stem)))?;
        let p = Pending {
            time: event.time.unwrap_or_else(Utc::now),
            actor: self.actor.clone(),
            key: self.key_fingerprint.clone(),
            host: self.host.clone(),
            action: event.action,
            path: event.path,
            version: event.version,
            to: event.to,
            reason: event.reason,
        };
        let mut line = serde_json::to_string(&p).expect("a pending record serialises");
        line.push('\n');
        let path = self.pending_path();
        let mut file = open_append(&path)?;
        file.write_all(line.as_bytes()).at(&path)?;
        if self.fsync {
            file.sync_data().at(&path)?;
        }
        Ok(())
    }

    fn pending_path(&self) -> PathBuf {
        super::audit_dir(&self.store_root).join(format!("{}.pending.jsonl", self.stem))
    }
}

fn open_append(path: &Path) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).at(path)
}

fn read_pending(path: &Path) -> Vec<Pending> {
    match std::fs::read(path) {
        Ok(bytes) => bytes
            .split(|&b| b == b'\n')
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// What an appender needs from the end of the file.
struct Tail {
    /// Seq and MAC of the last complete record.
    last: Option<(u64, String)>,
    /// The file ends without a newline (a torn line): start a fresh one.
    needs_newline: bool,
}

/// Reads backwards from the end until a complete record is found.
fn read_tail(file: &mut File, path: &Path) -> Result<Tail> {
    let len = file.metadata().at(path)?.len();
    if len == 0 {
        return Ok(Tail {
            last: None,
            needs_newline: false,
        });
    }
    let mut window: u64 = 8 * 1024;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start)).at(path)?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        Read::by_ref(file)
            .take(len - start)
            .read_to_end(&mut buf)
            .at(path)?;
        let needs_newline = buf.last() != Some(&b'\n');
        let mut lines: Vec<&[u8]> = buf.split(|&b| b == b'\n').collect();
        if start > 0 {
            // The first piece may be the middle of a line.
            lines.remove(0);
        }
        for line in lines.iter().rev() {
            if let Some((rec, _)) = parse_line(line) {
                return Ok(Tail {
                    last: Some((rec.seq, rec.mac)),
                    needs_newline,
                });
            }
        }
        if start == 0 {
            return Ok(Tail {
                last: None,
                needs_newline,
            });
        }
        window *= 4;
    }
}
