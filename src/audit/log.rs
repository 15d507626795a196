//! Appending to one actor's chain.
//!
//! Under a per-file lock: find the last good record from the end of the file,
//! seal any pending (keyless) records, write the new line(s) with `O_APPEND`
//! in one `write(2)`, fsync, then update the authenticated head file.

use super::head::Head;
use super::key::AuditKey;
use super::local::Local;
use super::record::{finish_line, parse_line, Body, Event, Record, RECORD_FORMAT};
use super::sign::{self, Signer};
use crate::error::{IoContext, Result, WardError};
use crate::store::{fsio, Keyring};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::fs::File;
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
    local: Local,
    /// The audit key once loaded and checked against the pins, with the
    /// store id it was checked for and the signing key (published).
    audit_key: Mutex<Option<Loaded>>,
}

#[derive(Clone, Debug)]
struct Loaded {
    key: AuditKey,
    store_id: String,
    signer: Option<std::sync::Arc<Signer>>,
}

/// A record written without the audit key, waiting to be sealed. Only
/// `time`, `action`, `path`, `version` and `reason` are taken when it is
/// sealed; who and where come from the [`Log`] that seals it.
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
            local: Local::default(),
            audit_key: Mutex::new(None),
        }
    }

    /// Uses `local` instead of `<data dir>/ward` for this machine's state
    /// (pins, pending records); for tests.
    pub fn with_local(mut self, local: Local) -> Log {
        self.local = local;
        self
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
    ///
    /// Refuses (an error, to be shown as a warning) when the key, the store
    /// id or the key file's presence differ from what this machine pinned.
    pub fn append(&self, keys: &Keyring, event: Event) -> Result<Record> {
        self.append_all(keys, vec![event])
    }

    /// [`Log::append`] of several events in order, in one write and one
    /// fsync (an import's batch). Returns the last record written; an empty
    /// list is refused.
    pub fn append_all(&self, keys: &Keyring, events: Vec<Event>) -> Result<Record> {
        if events.is_empty() {
            return Err(WardError::Other(
                "internal error: no audit event to append".into(),
            ));
        }
        let Loaded {
            key,
            store_id,
            signer,
        } = {
            let mut slot = self.audit_key.lock().unwrap_or_else(|p| p.into_inner());
            match slot.as_ref() {
                Some(k) => k.clone(),
                None => {
                    let (key, store_id) = self.load_checked_key(keys)?;
                    let signer = self.publish_signer(keys, &store_id)?;
                    let loaded = Loaded {
                        key,
                        store_id,
                        signer,
                    };
                    *slot = Some(loaded.clone());
                    loaded
                }
            }
        };
        let record = self.append_inner(&key, signer.as_deref(), events)?;
        // What this machine saw last, so that verify notices a chain that
        // disappears or goes back. Best effort.
        let _ = self
            .local
            .note_seen(&self.store_root, &store_id, &[(&self.stem, record.seq)]);
        Ok(record)
    }

    fn load_checked_key(&self, keys: &Keyring) -> Result<(AuditKey, String)> {
        let store = crate::store::Store::open(&self.store_root)?;
        let id = store.info().id.clone();
        let key = match AuditKey::load(&self.store_root, keys)? {
            Some(k) => k,
            None => {
                // Never make a fresh key for a store whose key this machine
                // pinned: that would hide the deletion.
                let status = self.local.check(&self.store_root, &id, None);
                if let Some(p) = status.problem(&self.store_root, "") {
                    return Err(WardError::AuditPinned(p.to_string()));
                }
                AuditKey::load_or_create(&self.store_root, keys)?
            }
        };
        let status = self.local.check(&self.store_root, &id, Some(&key));
        if let Some(p) = status.problem(&self.store_root, &key.id()) {
            return Err(WardError::AuditPinned(p.to_string()));
        }
        Ok((key, id))
    }

    /// The signing key of `keys`' first identity, published in the store
    /// (`.ward/actors/<actor-file>.pub`) and approved on this machine: a key
    /// this machine's own identity made needs no one's approval here. A
    /// new identity publishes a new key beside the old ones, so the actor's
    /// older records still verify.
    fn publish_signer(
        &self,
        keys: &Keyring,
        store_id: &str,
    ) -> Result<Option<std::sync::Arc<Signer>>> {
        let Some(signer) = Signer::from_keyring(keys) else {
            return Ok(None);
        };
        sign::publish(&self.store_root, &self.stem, &signer)?;
        let item = sign::approval_item(&self.stem, &signer.public_hex());
        let mut book = self.local.trust_book(store_id)?;
        if !book.is_approved(sign::ACTORS_SCOPE, &item) {
            book.approve(sign::ACTORS_SCOPE, [item])?;
        }
        Ok(Some(std::sync::Arc::new(signer)))
    }

    /// Appends `event` with an already loaded key, unsigned (tests and
    /// benchmarks; [`Log::append`] signs).
    pub fn append_with_key(&self, key: &AuditKey, event: Event) -> Result<Record> {
        self.append_inner(key, None, vec![event])
    }

    /// Appends `event` with an already loaded key, signed by `signer`
    /// (whose key must be published for verify to accept it).
    pub fn append_signed(&self, key: &AuditKey, signer: &Signer, event: Event) -> Result<Record> {
        self.append_inner(key, Some(signer), vec![event])
    }

    fn append_inner(
        &self,
        key: &AuditKey,
        signer: Option<&Signer>,
        new_events: Vec<Event>,
    ) -> Result<Record> {
        let dir = super::ensure_audit_dir(&self.store_root)?;
        let _lock = fsio::StoreLock::acquire(&dir.join(format!(".{}.lock", self.stem)))?;
        let path = self.path();
        let mut file = fsio::open_read_append(&path).map_err(|e| super::link_error(&path, e))?;
        let tail = read_tail(&mut file, &path)?;
        let head = Head::read(&dir, &self.stem).ok().flatten();
        let mut seq = tail.last.as_ref().map_or(0, |(s, _)| *s);
        // If the head is ahead of the file, records were cut from its end:
        // keep the gap visible instead of papering over it.
        if let Some(h) = head.filter(|h| h.verify(key, &self.stem)) {
            seq = seq.max(h.seq);
        }
        let mut prev = tail.last.map(|(_, m)| m);

        // Pending records live on this machine (never in the store, where
        // anyone with write access could plant one to be sealed).
        let pending_dir = self.existing_pending_dir();
        let _pending_lock = match &pending_dir {
            Some(d) => Some(fsio::StoreLock::acquire(
                &d.join(format!(".{}.lock", self.stem)),
            )?),
            None => None,
        };
        let pending_path = pending_dir
            .as_ref()
            .map(|d| d.join(format!("{}.jsonl", self.stem)));
        let pending = pending_path
            .as_deref()
            .map(read_pending)
            .unwrap_or_default();
        let mut out = String::new();
        if tail.needs_newline {
            out.push('\n');
        }
        let mut last = None;
        let now = Utc::now();
        let events = pending.iter().map(|p| (p, true)).map(|(p, late)| {
            (
                // Who and where are this Log's own, whatever the pending
                // line says.
                Event {
                    action: p.action,
                    path: p.path.clone(),
                    version: p.version,
                    to: None,
                    reason: p.reason.clone(),
                    time: Some(p.time),
                },
                late,
            )
        });
        for (ev, late) in events.chain(new_events.into_iter().map(|e| (e, false))) {
            seq += 1;
            let (actor, fp, host) = (
                self.actor.as_str(),
                self.key_fingerprint.as_deref(),
                self.host.as_str(),
            );
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
            let mut prefix = body.prefix();
            if let Some(signer) = signer {
                let member = signer.sig_member(&self.stem, prefix.as_bytes())?;
                prefix.push_str(&member);
            }
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
        if let (false, Some(p)) = (pending.is_empty(), &pending_path) {
            std::fs::remove_file(p).at(p)?;
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
    /// identity could be loaded, or a clipboard clear by the keeper). It is
    /// kept on this machine, in
    /// `<data dir>/ward/pending/<store id>/<actor-file>.jsonl`, and sealed
    /// into the chain, marked `late`, by the next [`Log::append`].
    pub fn append_unsealed(&self, event: Event) -> Result<()> {
        let dir = self.pending_dir()?;
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
            to: None,
            reason: event.reason,
        };
        let mut line = serde_json::to_string(&p).expect("a pending record serialises");
        line.push('\n');
        let path = dir.join(format!("{}.jsonl", self.stem));
        let mut file = fsio::open_append(&path).map_err(|e| super::link_error(&path, e))?;
        file.write_all(line.as_bytes()).at(&path)?;
        if self.fsync {
            file.sync_data().at(&path)?;
        }
        Ok(())
    }

    /// This machine's folder of pending records for the store.
    fn pending_dir(&self) -> Result<PathBuf> {
        let store = crate::store::Store::open(&self.store_root)?;
        Ok(self.local.pending_dir(&store.info().id))
    }

    /// [`Self::pending_dir`] when it exists as a real folder.
    fn existing_pending_dir(&self) -> Option<PathBuf> {
        let dir = self.pending_dir().ok()?;
        std::fs::symlink_metadata(&dir)
            .ok()
            .filter(|m| m.is_dir())
            .map(|_| dir)
    }
}

fn read_pending(path: &Path) -> Vec<Pending> {
    match fsio::read_file(path) {
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
