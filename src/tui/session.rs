//! The runtime side of the app: the store, the identities, the clipboard and
//! the audit log, and the jobs that perform effects. The real loop runs jobs
//! on its worker pool (`tui::pool`); tests run them inline.

use super::advice::describe;
use super::clip::{Board, ClipLane};
use crate::app::audit_view::Integrity;
use crate::app::form::{MetaEdit, SaveOp};
use crate::app::{
    Clock, CopyInfo, CopyRequest, Effect, Msg, SaveSummary, UnlockFailure, META_BATCH,
};
use crate::audit::{self, Action, Event as AuditEvent};
use crate::clipboard::{ClearOutcome, Copier};
use crate::config::Config;
use crate::error::WardError;
use crate::ops::identity::{self, LoadFailure};
use crate::ops::init::{self, IdentityChoice, NewStore};
use crate::ops::{self, Change, MetaPatch, NewValue};
use crate::store::crypto::Keyring;
use crate::store::Store;
use age::secrecy::SecretString;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

pub mod join;
pub mod sync;

/// What a job reports back.
pub enum Event {
    App(Msg),
    /// Identities loaded: the session keeps them.
    Keys(Arc<Keyring>),
    /// A store was created: the session opens it.
    StoreReady(Box<Store>),
    /// Identities of a user joining the store: kept, but not unlocked
    /// (no audit log: it cannot be written before a member adds them).
    Joining(Arc<Keyring>),
}

pub type Job = Box<dyn FnOnce(Sender<Event>) + Send>;

pub struct Session {
    pub store_root: PathBuf,
    pub store: Option<Store>,
    pub keys: Option<Arc<Keyring>>,
    pub identity_paths: Vec<PathBuf>,
    pub config: Config,
    pub actor: String,
    /// The clipboard, used by copy jobs one at a time in the app's order.
    pub(super) clip: Arc<ClipLane>,
    /// This actor's audit log, once identities are loaded.
    pub audit: Option<Arc<audit::Log>>,
    /// Audit events from synchronous work, appended at the next tick.
    pub pending_records: Vec<AuditEvent>,
    /// The clock as of the last tick (the harness drives it in tests):
    /// timers and the time on the audit records the session writes.
    pub clock: Clock,
    /// Where the encrypted metadata cache lives; None disables it.
    pub cache_dir: Option<PathBuf>,
    /// The store's signature at the last check (see `Store::signature`).
    pub signature: Arc<std::sync::Mutex<Option<u64>>>,
    /// A change check is queued or running: the next one is skipped, so
    /// that a slow store cannot fill the worker pool with them.
    checking: Arc<std::sync::atomic::AtomicBool>,
    /// A look at the git standing is queued or running (the same reason).
    looking: Arc<std::sync::atomic::AtomicBool>,
    /// The ward binary git runs as the merge driver during a sync: this
    /// one (`current_exe`); a test running the app in its own binary puts
    /// the real ward here.
    pub exe: Result<PathBuf, String>,
    /// Whether a passphrase identity goes through the agent (`[agent]`,
    /// WARD_NO_AGENT); the lock locks the agent too.
    pub agent: crate::ops::unlock::AgentUse,
}

/// Clears a flag when dropped.
pub(super) struct ClearOnDrop(pub(super) Arc<std::sync::atomic::AtomicBool>);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

pub(super) fn send(tx: &Sender<Event>, msg: Msg) {
    let _ = tx.send(Event::App(msg));
}

impl Session {
    pub fn new(
        store_root: PathBuf,
        identity_paths: Vec<PathBuf>,
        config: Config,
        copier: Box<dyn Copier>,
        clock: Clock,
    ) -> Session {
        let config_agent = config.agent.clone();
        Session {
            store_root,
            store: None,
            keys: None,
            identity_paths,
            actor: config.actor(),
            config,
            clip: ClipLane::new(copier),
            audit: None,
            pending_records: Vec::new(),
            clock,
            cache_dir: Some(crate::config::cache_dir()),
            signature: Default::default(),
            checking: Default::default(),
            looking: Default::default(),
            exe: std::env::current_exe().map_err(|e| {
                format!("cannot find the ward binary's own path (git runs it to merge): {e}")
            }),
            agent: crate::ops::unlock::AgentUse::new(
                &config_agent,
                crate::ops::unlock::AgentUse::env_switched_off(),
            ),
        }
    }

    /// Takes in a job's report; returns the message for the app, if any.
    pub fn absorb(&mut self, event: Event) -> Option<Msg> {
        match event {
            Event::App(m) => Some(m),
            Event::Keys(k) => {
                self.keys = Some(k);
                self.open_audit();
                Some(Msg::Unlocked(Ok(())))
            }
            Event::Joining(k) => {
                self.keys = Some(k);
                None
            }
            Event::StoreReady(store) => {
                let listing = store.list(None);
                self.store = Some(*store);
                // Created, then listed (empty, or whatever a reused folder holds).
                Some(Msg::Listed(listing))
            }
        }
    }

    /// Opens this actor's audit log for the loaded identities.
    pub fn open_audit(&mut self) {
        if let Some(keys) = &self.keys {
            self.audit = Some(Arc::new(audit::Log::open(
                &self.store_root,
                &self.actor,
                audit::keyring_fingerprint(keys),
            )));
        }
    }

    /// Puts another copier in place (the harness's fake clipboard).
    pub fn set_copier(&mut self, copier: Box<dyn Copier>) {
        self.clip.set_copier(copier);
    }

    /// The TUI is quitting (or its terminal went away): a copied value still
    /// on the clipboard is cleared now, not at the end of its timer (after a
    /// copy under way has finished; one not started is dropped).
    pub fn finish(&mut self) {
        let now = self.clock.now;
        self.clip.close(|board| board.copier.clear_now(now));
    }

    /// Turns an effect into a job, or performs it at once when it is trivial.
    /// Quit and Suspend belong to the terminal loop and return None.
    pub fn perform(&mut self, effect: Effect) -> Option<Job> {
        match effect {
            Effect::Quit | Effect::Suspend => None,
            Effect::Lock => self.lock_job(),
            Effect::Copy(request) => self.copy_job(request),
            Effect::Record(event) => self.record_job(vec![event]),
            Effect::CreateIdentity(passphrase) => join::create_identity(self, passphrase),
            Effect::CheckJoin => join::check_join(self),
            Effect::CopyText(text) => join::copy_text(self, text),
            Effect::CheckTrust => join::check_trust(self),
            Effect::Approve(keys) => join::approve(self, keys),
            Effect::VerifyAudit => self.verify_job(),
            Effect::CheckChanges => self.check_job(),
            Effect::LookGit => sync::look(self, self.looking.clone()),
            Effect::Sync => sync::sync(self),
            Effect::LoadAudit => {
                let root = self.store_root.clone();
                Some(Box::new(move |tx| {
                    send(&tx, Msg::AuditLoaded(audit::read_all(&root)))
                }))
            }
            Effect::Refresh => {
                let store = self.store.clone()?;
                Some(Box::new(move |tx| send(&tx, Msg::Listed(store.list(None)))))
            }
            Effect::LoadMetas(names) => {
                let (store, keys) = (self.store.clone()?, self.keys.clone()?);
                let cache_dir = self.cache_dir.clone();
                Some(Box::new(move |tx| {
                    // The fingerprint key for the review's reuse flags
                    // (ops/fingerprint.rs); a refused one is said once.
                    let values_key = match crate::ops::fingerprint::load(&store, &keys) {
                        Ok(Ok(k)) => Some(k),
                        Ok(Err(refused)) => {
                            send(&tx, Msg::Problem(refused.to_string()));
                            None
                        }
                        Err(_) => None,
                    };
                    // Through the encrypted metadata cache: a warm start
                    // decrypts only what changed. Batches stream to the app.
                    let stats = crate::store::index::load_metas_streaming_keyed(
                        &store,
                        &keys,
                        values_key.as_ref(),
                        &names,
                        cache_dir.as_deref(),
                        META_BATCH,
                        &mut |batch| {
                            let batch = batch
                                .into_iter()
                                .map(|(n, r)| (n, r.map_err(|e| describe(&e))))
                                .collect();
                            let _ = tx.send(Event::App(Msg::Metas(batch)));
                        },
                    );
                    if let Some(e) = stats.write_error {
                        send(
                            &tx,
                            Msg::Problem(format!("the metadata cache was not written: {e}")),
                        );
                    }
                }))
            }
            Effect::LoadSecret(name) => {
                let (store, keys) = (self.store.clone()?, self.keys.clone()?);
                Some(Box::new(move |tx| {
                    let result = store
                        .read(&keys, &name)
                        .map(Box::new)
                        .map_err(|e| describe(&e));
                    send(&tx, Msg::SecretLoaded { name, result });
                }))
            }
            Effect::Save(op) => {
                let store = self.store.clone()?;
                let keys = self.keys.clone()?;
                let actor = self.actor.clone();
                let keep = self.config.history_limit;
                let autocommit = self.config.git.autocommit;
                let trash_keep = self.config.trash.keep;
                let log = self.audit.clone();
                let now = self.clock.utc();
                Some(Box::new(move |tx| {
                    let summary = SaveSummary {
                        verb: op.verb(),
                        target: op.target().cloned(),
                        removed: match &op {
                            SaveOp::Rename { from, .. } => Some(from.clone()),
                            SaveOp::Delete { name } => Some(name.clone()),
                            _ => None,
                        },
                    };
                    // Write-ahead: recorded once the new file is durable,
                    // just before it replaces the old one.
                    // Stamped with the app's clock, as the document is.
                    let journal = |mut event: AuditEvent| {
                        event.time = event.time.or(Some(now));
                        if let Some(log) = &log {
                            append(log, &keys, event, &tx);
                        }
                    };
                    let writer = ops::Writer {
                        store: &store,
                        keys: &keys,
                        actor: &actor,
                        history_limit: keep,
                        // The TUI has no --force: a write that would lock the
                        // user out is refused and the form says why.
                        force: false,
                        journal: &journal,
                        now,
                        autocommit,
                    };
                    // A delete moves the secret to the trash (ward trash restore).
                    let result = match op {
                        SaveOp::Delete { name } => {
                            ops::trash::put(&writer, &name, trash_keep).map(drop)
                        }
                        op => ops::apply(&writer, change_of(op)).map(drop),
                    };
                    let untrusted = matches!(result, Err(WardError::Untrusted { .. }));
                    let result = result.map_err(|e| describe(&e));
                    let refused = result.as_ref().err().cloned();
                    send(
                        &tx,
                        Msg::Saved {
                            op: summary,
                            result,
                        },
                    );
                    // Refused for a key not approved here: the trust dialog.
                    if untrusted {
                        join::send_pending(&store, refused, &tx);
                    }
                }))
            }
            Effect::Unlock(passphrase) => {
                let paths = self.identity_paths.clone();
                let root = self.store_root.clone();
                let actor = self.actor.clone();
                let now = self.clock.utc();
                let store = self.store.clone();
                let agent = self.agent.clone();
                Some(Box::new(move |tx| {
                    match load_keys(&paths, passphrase.as_ref(), &agent) {
                        Ok(k) => {
                            let mut k = Arc::new(k);
                            if let Some(store) = &store {
                                let identity = paths.first().cloned().unwrap_or_default();
                                match join::hold_if_not_member(store, k, &identity, &actor, &tx) {
                                    Some(keys) => k = keys,
                                    None => return,
                                }
                            }
                            let log =
                                audit::Log::open(&root, &actor, audit::keyring_fingerprint(&k));
                            append(&log, &k, AuditEvent::new(Action::Unlock).at(now), &tx);
                            let _ = tx.send(Event::Keys(k));
                        }
                        Err(f) => {
                            // No key to seal it with yet: the next append seals it.
                            if f == UnlockFailure::WrongPassphrase {
                                if let Err(e) = identity::record_failed_unlock(&root, &actor, now) {
                                    send(
                                        &tx,
                                        Msg::Problem(format!(
                                            "the audit log was not written: {}",
                                            describe(&e)
                                        )),
                                    );
                                }
                            }
                            send(&tx, Msg::Unlocked(Err(f)));
                        }
                    }
                }))
            }
            Effect::CreateStore(passphrase) => {
                let root = self.store_root.clone();
                let identity = self.identity_paths.first().cloned()?;
                let actor = self.actor.clone();
                let now = self.clock.utc();
                Some(Box::new(move |tx| {
                    match create_store(&root, &identity, passphrase.as_ref(), &actor, now) {
                        Ok(created) => {
                            for w in created.warnings {
                                send(&tx, Msg::Problem(w));
                            }
                            let _ = tx.send(Event::Keys(Arc::new(created.keys)));
                            let _ = tx.send(Event::StoreReady(Box::new(created.store)));
                            send(&tx, Msg::StoreCreated(Ok(())));
                        }
                        Err(e) => send(&tx, Msg::StoreCreated(Err(describe(&e)))),
                    }
                }))
            }
        }
    }

    /// Locks: the keys go at once; a copied value does not wait out its
    /// timer behind a lock, nor behind a copy still under way (the clip
    /// lane keeps the order).
    fn lock_job(&mut self) -> Option<Job> {
        self.keys = None;
        self.audit = None;
        let (clip, ticket, now) = (self.clip.clone(), self.clip.ticket(), self.clock.now);
        let agent = self.agent.clone();
        Some(Box::new(move |tx| {
            // The agent forgets the identity too: unlocking asks again.
            if agent.enabled {
                if let Err(e) = crate::ops::unlock::lock(&agent) {
                    send(
                        &tx,
                        Msg::Problem(format!("the agent was not locked: {}", describe(&e))),
                    );
                }
            }
            clip.in_turn(ticket, |board| board.copier.clear_now(now));
        }))
    }

    /// A job that looks whether the store changed on disk since the last
    /// look; none while one is pending.
    fn check_job(&self) -> Option<Job> {
        use std::sync::atomic::Ordering::SeqCst;
        let store = self.store.clone()?;
        if self.checking.swap(true, SeqCst) {
            return None;
        }
        let (last, checking) = (self.signature.clone(), self.checking.clone());
        Some(Box::new(move |tx| {
            // Cleared however the job ends, or checks would stop.
            let _done = ClearOnDrop(checking);
            if let Some(listing) = changed_listing(&store, &last) {
                send(&tx, Msg::StoreChanged(listing));
            }
        }))
    }

    /// A job that appends events to the audit log.
    fn record_job(&self, events: Vec<AuditEvent>) -> Option<Job> {
        let (log, keys) = (self.audit.clone()?, self.keys.clone()?);
        Some(Box::new(move |tx| {
            for event in events {
                append(&log, &keys, event, &tx);
            }
        }))
    }

    /// A job that copies (the keeper's handshake runs there, not on the
    /// UI thread) and records the copy; it waits for the clipboard's earlier
    /// jobs, in order.
    fn copy_job(&mut self, request: CopyRequest) -> Option<Job> {
        let ticket = self.clip.ticket();
        let clip = self.clip.clone();
        let timeout = (self.config.clipboard_timeout > 0)
            .then(|| Duration::from_secs(self.config.clipboard_timeout));
        let (root, actor, clock) = (self.store_root.clone(), self.actor.clone(), self.clock);
        let (log, keys) = (self.audit.clone(), self.keys.clone());
        Some(Box::new(move |tx| {
            let journal = |event: AuditEvent| {
                if let (Some(log), Some(keys)) = (&log, &keys) {
                    append(log, keys, event, &tx);
                }
            };
            let how = ops::copy::Copying {
                store_root: &root,
                actor: &actor,
                timeout,
                now: clock.now,
                at: clock.utc(),
                journal: &journal,
            };
            let msg = clip
                .in_turn(ticket, |board| copy_on(board, &request, &how))
                .unwrap_or_else(|| Msg::Copied(Err("Not copied: ward is quitting.".into())));
            send(&tx, msg);
        }))
    }

    /// Time passes: the clipboard's clear may have happened, and records
    /// from synchronous work are due. Returns jobs to run and messages.
    pub fn tick(&mut self, clock: Clock) -> (Vec<Job>, Vec<Msg>) {
        self.clock = clock;
        let mut msgs = Vec::new();
        // A copy under way has the clipboard: its clear is asked next tick.
        let polled = self.clip.try_now(|board| {
            let outcome = board.copier.poll(clock.now)?;
            let copied = board.copied.take();
            Some((outcome, copied, board.copier.records_clear()))
        });
        if let Some((outcome, copied, records_clear)) = polled.flatten() {
            if outcome.cleared() && !records_clear {
                let mut event = AuditEvent::new(Action::ClipboardCleared).at(clock.utc());
                if let Some(p) = copied {
                    event = event.path(&p);
                }
                self.pending_records.push(event);
            }
            match outcome {
                ClearOutcome::Cleared => {
                    msgs.push(Msg::ClipboardCleared("Clipboard cleared.".into()))
                }
                ClearOutcome::Overwritten => msgs.push(Msg::ClipboardCleared(
                    "Clipboard overwritten (OSC 52 cannot empty it).".into(),
                )),
                ClearOutcome::Changed => msgs.push(Msg::ClipboardCleared(
                    "The clipboard held something else by then: left alone.".into(),
                )),
                ClearOutcome::Failed(e) => {
                    msgs.push(Msg::Problem(format!("Clearing the clipboard failed: {e}")))
                }
                ClearOutcome::Superseded | ClearOutcome::Kept => {}
            }
        }
        let records = std::mem::take(&mut self.pending_records);
        let jobs = if records.is_empty() {
            Vec::new()
        } else {
            self.record_job(records).into_iter().collect()
        };
        (jobs, msgs)
    }

    /// A job that verifies the audit chains and reads the timeline.
    pub fn verify_job(&self) -> Option<Job> {
        let keys = self.keys.clone()?;
        let root = self.store_root.clone();
        let store = self.store.clone();
        let rules = self.config.alerts.clone();
        let now = self.clock.utc();
        Some(Box::new(move |tx| {
            let integrity = match audit::verify(&root, &keys) {
                Ok(report) if report.is_ok() => Integrity::Ok,
                Ok(report) => {
                    let broken: Vec<String> = report
                        .files
                        .iter()
                        .filter_map(|f| {
                            f.broken
                                .as_ref()
                                .map(|b| format!("{} line {}", f.chain, b.line))
                        })
                        .collect();
                    if broken.is_empty() {
                        Integrity::Broken(report.pin.problem(&root, &report.key_id).unwrap_or_else(
                            || {
                                "a chain went missing or backwards since this machine last saw it"
                                    .into()
                            },
                        ))
                    } else {
                        Integrity::Broken(format!("chain broken at {}", broken.join(", ")))
                    }
                }
                // Not being able to check is not evidence of tampering.
                Err(e) => Integrity::Unverifiable(describe(&e)),
            };
            send(&tx, Msg::AuditVerified(integrity));
            let timeline = audit::read_all(&root);
            if let Some(store) = &store {
                let since = now - chrono::Duration::hours(24);
                let found = crate::ops::alerts::rules_only(store, &timeline, &rules, since);
                send(&tx, Msg::AlertsFound(found.len()));
            }
            send(&tx, Msg::AuditLoaded(timeline));
        }))
    }
}

/// The store's names when it changed on disk since the signature `last`
/// was taken (which is updated).
pub(super) fn changed_listing(
    store: &Store,
    last: &std::sync::Mutex<Option<u64>>,
) -> Option<crate::store::Listing> {
    let now = store.signature();
    let mut seen = last.lock().unwrap_or_else(|p| p.into_inner());
    let changed = seen.is_some_and(|s| s != now);
    *seen = Some(now);
    changed.then(|| store.list(None))
}

/// One copy through `ops::copy`, phrased for the status line.
fn copy_on(board: &mut Board, request: &CopyRequest, how: &ops::copy::Copying) -> Msg {
    let op = ops::copy::Request {
        name: &request.name,
        version: request.version,
        text: &request.text,
        field: request.field,
    };
    match ops::copy::copy(board.copier.as_mut(), &op, how) {
        Ok(copied) => {
            board.copied = Some(request.name.to_string());
            Msg::Copied(Ok(CopyInfo {
                summary: copied.summary(),
                clears_at: copied.report.clears_at(),
                overwrites: matches!(
                    copied.report.backend,
                    crate::clipboard::BackendUsed::Osc52(_)
                ),
            }))
        }
        Err(e) => Msg::Copied(Err(format!(
            "Not copied: {}",
            super::advice::copy_error(&e)
        ))),
    }
}

/// Appends one event; a failure is reported, never swallowed.
pub(super) fn append(log: &audit::Log, keys: &Keyring, event: AuditEvent, tx: &Sender<Event>) {
    match log.append(keys, event) {
        Ok(record) => send(
            tx,
            Msg::AuditAppended(Box::new(audit::Entry {
                record,
                chain: log.chain().to_string(),
                line: 0,
                sealed: true,
            })),
        ),
        Err(e) => send(
            tx,
            Msg::Problem(format!("the audit log was not written: {}", describe(&e))),
        ),
    }
}

/// Loads every identity with one passphrase (or none).
pub fn load_keys(
    paths: &[PathBuf],
    passphrase: Option<&SecretString>,
    agent: &crate::ops::unlock::AgentUse,
) -> Result<Keyring, UnlockFailure> {
    crate::ops::unlock::load_with(paths, passphrase, agent).map_err(|f| match f {
        LoadFailure::NeedsPassphrase { .. } | LoadFailure::WrongPassphrase { .. } => {
            UnlockFailure::WrongPassphrase
        }
        LoadFailure::Other(e) => UnlockFailure::Other(describe(&e)),
    })
}

/// First run: an identity (unless one exists) and a store encrypted to it,
/// made as `ward init` makes them.
fn create_store(
    root: &std::path::Path,
    identity: &std::path::Path,
    passphrase: Option<&SecretString>,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<init::Created, WardError> {
    let choice = if identity.exists() {
        IdentityChoice::Loaded(
            identity::load_with(&[identity.to_path_buf()], passphrase)
                .map_err(LoadFailure::into_ward)?,
        )
    } else {
        IdentityChoice::Create {
            path: identity,
            passphrase,
        }
    };
    init::create_store(NewStore {
        root,
        identity: choice,
        recipients: &[],
        actor,
        now,
    })
}

/// A whole form's metadata: every field is set as shown.
fn full_patch(meta: MetaEdit) -> MetaPatch {
    MetaPatch {
        kind: Some(meta.kind),
        owner: Some(meta.owner),
        tags: Some(meta.tags),
        url: Some(meta.url),
        notes: Some(meta.notes),
        expires: Some(meta.expires),
        rotate_every: Some(meta.rotate_every),
        ..MetaPatch::default()
    }
}

/// The operation a form or confirmation asks for.
fn change_of(op: SaveOp) -> Change {
    match op {
        SaveOp::Create {
            name,
            value,
            meta,
            generator,
        } => Change::Create {
            name,
            value: NewValue {
                generator,
                ..NewValue::text(value)
            },
            meta: full_patch(meta),
        },
        SaveOp::Edit { name, meta } => Change::Edit {
            name,
            meta: full_patch(meta),
            compromised: None,
        },
        SaveOp::Rotate {
            name,
            value,
            reason,
            generator,
            expires,
        } => Change::Rotate {
            name,
            value: NewValue {
                generator,
                ..NewValue::text(value)
            },
            meta: MetaPatch {
                expires: Some(expires),
                ..MetaPatch::default()
            },
            reason,
        },
        SaveOp::Rename { from, to } => Change::Move { from, to },
        SaveOp::Delete { name } => Change::Delete { name },
        SaveOp::Restore { name, version } => Change::Restore { name, version },
        SaveOp::Compromise { name, reason } => Change::Edit {
            name,
            meta: MetaPatch::default(),
            compromised: Some(reason),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clipboard::{AutoClear, FakeClipboard};

    #[test]
    fn a_change_check_is_not_queued_while_one_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let demo = crate::demo::create(dir.path()).unwrap();
        let mut session = Session::new(
            demo.store.clone(),
            vec![demo.identity.clone()],
            Config::default(),
            Box::new(AutoClear::new(FakeClipboard::new())),
            crate::tui::read_clock(),
        );
        session.store = Some(Store::open(&demo.store).unwrap());
        let first = session.perform(Effect::CheckChanges).expect("a check");
        assert!(
            session.perform(Effect::CheckChanges).is_none(),
            "one pending"
        );
        let (tx, _rx) = std::sync::mpsc::channel();
        first(tx);
        assert!(
            session.perform(Effect::CheckChanges).is_some(),
            "done: again"
        );
    }
}
