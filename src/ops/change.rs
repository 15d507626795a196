//! Every change to a secret: create, set, edit, rotate, compromise, move,
//! delete. One place for what each refuses, what it records, and what it
//! says happened.

use super::Journal;
use crate::audit::{Action, Event};
use crate::error::{Result, WardError};
use crate::policy::{Compromised, Interval};
use crate::store::document::{Field, GeneratorSpec, OTP_FIELD};
use crate::store::{Approved, Encoding, Keyring, Kind, SecretDoc, SecretPath, SecretValue, Store};
use chrono::{DateTime, NaiveDate, Utc};

/// How the audit reason of a cleared false alarm starts (an incident's
/// close, ops::incident).
pub const CLEARED_PREFIX: &str = "compromised mark cleared: ";

/// Who changes what, where, and how it is recorded.
pub struct Writer<'a> {
    pub store: &'a Store,
    pub keys: &'a Keyring,
    pub actor: &'a str,
    /// Previous values kept per secret (config `history_limit`).
    pub history_limit: usize,
    /// Write even when none of the user's identities could read the result
    /// back (`--force`; the TUI never forces).
    pub force: bool,
    pub journal: &'a dyn Journal,
    pub now: DateTime<Utc>,
    /// In a git store, commit each change (config `[git] autocommit`);
    /// when off, the paths are noted for `ward sync`.
    pub autocommit: bool,
}

/// A value to store, with the generator settings that made it (kept for
/// the next `rotate --generate`).
pub struct NewValue {
    pub value: SecretValue,
    pub encoding: Encoding,
    pub generator: Option<GeneratorSpec>,
}

impl NewValue {
    pub fn text(value: SecretValue) -> NewValue {
        NewValue {
            value,
            encoding: Encoding::Utf8,
            generator: None,
        }
    }
}

/// Metadata to change; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetaPatch {
    pub kind: Option<Kind>,
    pub owner: Option<Option<String>>,
    /// Replaces every tag.
    pub tags: Option<Vec<String>>,
    /// Added (when missing) after `tags`, then `untag` removed.
    pub add_tags: Vec<String>,
    pub untag: Vec<String>,
    pub url: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub expires: Option<Option<NaiveDate>>,
    pub rotate_every: Option<Option<Interval>>,
    /// Fields set or removed, in order (after the metadata above).
    pub fields: Vec<FieldChange>,
}

/// One change to a secret's fields.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldChange {
    /// Adds the field, or replaces the one of that name.
    Set(Field),
    /// Removes the field of that name (refused when there is none).
    Remove(String),
}

impl MetaPatch {
    /// Whether the patch names any field at all.
    pub fn is_empty(&self) -> bool {
        *self == MetaPatch::default()
    }

    /// Applies the patch; a field change that is refused (a bad name, an
    /// empty value, removing a field that is not there) refuses it all.
    fn apply(&self, doc: &mut SecretDoc) -> Result<()> {
        if let Some(kind) = self.kind {
            doc.kind = kind;
        }
        if let Some(owner) = &self.owner {
            doc.owner = owner.clone();
        }
        if let Some(tags) = &self.tags {
            doc.tags = tags.clone();
        }
        for tag in &self.add_tags {
            if !doc.tags.contains(tag) {
                doc.tags.push(tag.clone());
            }
        }
        doc.tags.retain(|t| !self.untag.contains(t));
        if let Some(url) = &self.url {
            doc.url = url.clone();
        }
        if let Some(notes) = &self.notes {
            doc.notes = notes.clone();
        }
        if let Some(expires) = self.expires {
            doc.expires = expires;
        }
        if let Some(every) = self.rotate_every {
            doc.rotate_every = every;
        }
        for change in &self.fields {
            match change {
                FieldChange::Set(field) if field.name == OTP_FIELD => {
                    // Checked when stored, and always masked: it is the seed.
                    crate::otp::Otp::parse(field.value.expose()).map_err(|e| {
                        WardError::Usage(format!("field {OTP_FIELD}: {e}; nothing was changed"))
                    })?;
                    doc.set_field(Field {
                        secret: true,
                        ..field.clone()
                    })
                }
                FieldChange::Set(field) => doc.set_field(field.clone()),
                FieldChange::Remove(name) => doc.remove_field(name),
            }
            .map_err(WardError::Usage)?;
        }
        Ok(())
    }
}

/// One change to the store.
pub enum Change {
    /// A new secret; an existing name is refused.
    Create {
        name: SecretPath,
        value: NewValue,
        meta: MetaPatch,
    },
    /// `ward set`: creates, or gives a new value (the old one goes to history
    /// with `reason`); the same value as now changes only the metadata.
    Set {
        name: SecretPath,
        value: NewValue,
        meta: MetaPatch,
        reason: Option<String>,
    },
    /// Metadata only, and with `compromised` the compromised flag (with its
    /// reason, possibly none). A change naming nothing is refused.
    Edit {
        name: SecretPath,
        meta: MetaPatch,
        compromised: Option<Option<String>>,
    },
    /// A new value for an existing secret; the same value is refused.
    /// `meta` changes with it (a new expiry, a new interval), in the same
    /// write and the same audit record.
    Rotate {
        name: SecretPath,
        value: NewValue,
        meta: MetaPatch,
        reason: Option<String>,
    },
    /// Clears the compromised mark of a false alarm, saying why (recorded as
    /// an edit with that reason). A secret not marked is refused.
    ClearCompromised {
        name: SecretPath,
        reason: String,
    },
    /// Makes the value of an earlier `version` current again, as a new
    /// version (the current value goes to history, nothing is lost).
    /// Refused when that version is current or no longer in history.
    Restore {
        name: SecretPath,
        version: u32,
    },
    Move {
        from: SecretPath,
        to: SecretPath,
    },
    Delete {
        name: SecretPath,
    },
}

/// What a change did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The audit action it was recorded as.
    pub action: Action,
    /// The secret as it is named now (the destination of a move).
    pub name: SecretPath,
    /// The name it had before a move.
    pub from: Option<SecretPath>,
    /// The version written (None for a delete).
    pub version: Option<u32>,
    /// In a git store, why the change was saved but not committed.
    pub commit_warning: Option<String>,
}

/// The error for a value that equals the current one.
fn same_value() -> WardError {
    WardError::Usage("the new value is the same as the current one; nothing was changed".into())
}

/// Performs `change`: checks it, writes it (refusing a result the user could
/// not read back unless forced), and records it ahead of the write.
pub fn apply(w: &Writer, change: Change) -> Result<Outcome> {
    let mut outcome = write(w, change)?;
    let mut paths = vec![w.store.file_of(&outcome.name)];
    let message = match &outcome.from {
        Some(from) => {
            paths.push(w.store.file_of(from));
            format!("{} {from} -> {}", outcome.action.label(), outcome.name)
        }
        None => format!("{} {}", outcome.action.label(), outcome.name),
    };
    outcome.commit_warning =
        super::commit::after_change(w.store, &paths, &message, w.actor, w.autocommit);
    Ok(outcome)
}

/// What an import holds while it writes: the store lock (taken once, not
/// once a secret), the folders' names it has read, the recipient keys this
/// machine approved (read once, under the lock), and the files and audit
/// records of the batch not yet committed ([`Batch::commit`]).
pub struct Batch {
    lock: crate::store::fsio::StoreLock,
    names: crate::store::NameCache,
    approved: std::collections::BTreeSet<String>,
    staged: crate::store::staged::Staged,
    /// Names staged and not yet committed: taken, though no file has them yet.
    pending: std::collections::HashSet<SecretPath>,
    events: Vec<Event>,
}

impl Batch {
    pub fn start(w: &Writer) -> Result<Batch> {
        let lock = w.store.lock()?;
        // Under the lock: a `ward recipients add` approves its key before
        // it writes the recipients file, under that same lock.
        let approved = super::trust::approved_with_mine(w.store, w.keys)?;
        Ok(Batch {
            lock,
            names: crate::store::NameCache::default(),
            approved,
            staged: Default::default(),
            pending: Default::default(),
            events: Vec::new(),
        })
    }

    /// Checks a new secret's name as [`Store::check_new_name`] does.
    pub fn check_new_name(&mut self, w: &Writer, name: &SecretPath) -> Result<()> {
        if self.pending.contains(name) {
            return Err(taken(w, name));
        }
        w.store.check_new_name_in(name, None, &mut self.names)
    }

    /// Whether `name` is a secret, or staged as one in this batch.
    pub fn exists(&self, w: &Writer, name: &SecretPath) -> bool {
        self.pending.contains(name) || w.store.exists(name)
    }

    /// Whether `name` is staged in this batch and not yet committed.
    pub fn is_pending(&self, name: &SecretPath) -> bool {
        self.pending.contains(name)
    }

    /// How many secrets wait for [`Batch::commit`].
    pub fn len(&self) -> usize {
        self.staged.len()
    }

    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Makes the staged secrets durable, records their `import` events
    /// (write-ahead: before any of them takes its name), then renames them
    /// into place; the lock stays held for the next part of the batch.
    pub fn commit(&mut self, w: &Writer) -> Result<()> {
        let staged = std::mem::take(&mut self.staged);
        let events = std::mem::take(&mut self.events);
        self.pending.clear();
        staged.commit(|| w.journal.record_all(events))
    }
}

fn taken(w: &Writer, name: &SecretPath) -> WardError {
    WardError::Exists {
        what: format!("secret {name}"),
        path: w.store.file_of(name),
    }
}

/// `ward import`: `doc` as a new secret, or with `replace` merged into the
/// existing one (a different value moves the old one to history; fields,
/// URL, notes, tags and expiry are taken where `doc` has them), under the
/// batch's lock, with the same trust and lock-out guard as every change.
/// Staged in `batch`, recorded as `import` with `reason` (the source
/// format) when the batch commits; the caller commits to git once for the
/// whole import.
pub fn import(
    w: &Writer,
    batch: &mut Batch,
    name: &SecretPath,
    doc: SecretDoc,
    reason: &str,
    replace: bool,
) -> Result<u32> {
    if batch.pending.contains(name) {
        return Err(taken(w, name));
    }
    let guard = super::trust::guard(w.keys, w.force, Approved::Keys(&batch.approved));
    let doc = if replace {
        let mut current = w.store.read(w.keys, name)?;
        import_into(w, &mut current, doc)?;
        current
    } else {
        if w.store.exists(name) {
            return Err(taken(w, name));
        }
        w.store.check_new_name_in(name, None, &mut batch.names)?;
        doc
    };
    let version = doc.version;
    w.store
        .stage_in_batch(&batch.lock, &mut batch.staged, name, &doc, guard)?;
    if !replace {
        batch.names.created(w.store.root(), name);
    }
    batch.pending.insert(name.clone());
    batch
        .events
        .push(event(Action::Import, name, version).reason(Some(reason)));
    Ok(version)
}

/// The change itself, on disk and in the audit log.
fn write(w: &Writer, change: Change) -> Result<Outcome> {
    // Trust on first use: every key the result is encrypted to must have
    // been approved on this machine (`--force` does not skip this).
    // Read when the store checks it, under the store lock.
    let approved = || super::trust::approved_with_mine(w.store, w.keys);
    let guard = super::trust::guard(w.keys, w.force, Approved::Load(&approved));
    let record = |event: Event| w.journal.record(event);
    match change {
        Change::Create { name, value, meta } => {
            let mut doc = SecretDoc::new(value.value, value.encoding, w.actor, w.now);
            doc.generator = value.generator;
            meta.apply(&mut doc)?;
            let version = doc.version;
            w.store.create_secret(&name, &doc, guard, || {
                record(event(Action::Create, &name, version))
            })?;
            Ok(outcome(Action::Create, name, Some(version)))
        }
        Change::Set {
            name,
            value,
            meta,
            reason,
        } => {
            let (action, version) = w.store.upsert(
                w.keys,
                &name,
                guard,
                |current| {
                    let (mut doc, action) = match current {
                        None => {
                            let mut doc =
                                SecretDoc::new(value.value, value.encoding, w.actor, w.now);
                            doc.generator = value.generator;
                            (doc, Action::Create)
                        }
                        Some(mut doc) => {
                            let action = if is_new_value(&doc, &value) {
                                put_value(w, &mut doc, value, reason.clone());
                                Action::Rotate
                            } else {
                                if value.generator.is_some() {
                                    doc.generator = value.generator;
                                }
                                doc.touch(w.actor, w.now);
                                Action::Edit
                            };
                            (doc, action)
                        }
                    };
                    meta.apply(&mut doc)?;
                    let version = doc.version;
                    Ok((doc, (action, version)))
                },
                |&(action, version), _| {
                    let reason = (action == Action::Rotate)
                        .then_some(reason.as_deref())
                        .flatten();
                    record(event(action, &name, version).reason(reason))
                },
            )?;
            Ok(outcome(action, name, Some(version)))
        }
        Change::Edit {
            name,
            meta,
            compromised,
        } => {
            if meta.is_empty() && compromised.is_none() {
                return Err(WardError::Usage("nothing to change".into()));
            }
            let action = if compromised.is_some() {
                Action::Compromise
            } else {
                Action::Edit
            };
            let version = w.store.update(
                w.keys,
                &name,
                guard,
                |doc| {
                    meta.apply(doc)?;
                    if let Some(reason) = &compromised {
                        doc.compromised = Some(Compromised {
                            since: w.now,
                            by: w.actor.to_string(),
                            reason: reason.clone(),
                        });
                    }
                    doc.touch(w.actor, w.now);
                    Ok(doc.version)
                },
                |&version, _| {
                    let reason = compromised.as_ref().and_then(|r| r.as_deref());
                    record(event(action, &name, version).reason(reason))
                },
            )?;
            Ok(outcome(action, name, Some(version)))
        }
        Change::Rotate {
            name,
            value,
            meta,
            reason,
        } => {
            let version = w.store.update(
                w.keys,
                &name,
                guard,
                |doc| {
                    if !is_new_value(doc, &value) {
                        return Err(same_value());
                    }
                    meta.apply(doc)?;
                    put_value(w, doc, value, reason.clone());
                    Ok(doc.version)
                },
                |&version, _| {
                    record(event(Action::Rotate, &name, version).reason(reason.as_deref()))
                },
            )?;
            Ok(outcome(Action::Rotate, name, Some(version)))
        }
        Change::ClearCompromised { name, reason } => {
            let reason = format!("{CLEARED_PREFIX}{reason}");
            let version = w.store.update(
                w.keys,
                &name,
                guard,
                |doc| {
                    if doc.compromised.is_none() {
                        return Err(WardError::Usage(format!(
                            "{name} is not marked compromised; nothing was changed"
                        )));
                    }
                    doc.compromised = None;
                    doc.touch(w.actor, w.now);
                    Ok(doc.version)
                },
                |&version, _| record(event(Action::Edit, &name, version).reason(Some(&reason))),
            )?;
            Ok(outcome(Action::Edit, name, Some(version)))
        }
        Change::Restore { name, version } => {
            let reason = format!("restored version {version}");
            let written = w.store.update(
                w.keys,
                &name,
                guard,
                |doc| {
                    let old = restorable(doc, &name, version)?;
                    put_value(w, doc, old, Some(reason.clone()));
                    Ok(doc.version)
                },
                |&written, _| record(event(Action::Restore, &name, written).reason(Some(&reason))),
            )?;
            Ok(outcome(Action::Restore, name, Some(written)))
        }
        Change::Move { from, to } => {
            let version = w
                .store
                .rename(w.keys, &from, &to, w.actor, guard, |version| {
                    record(event(Action::Move, &from, version).to(to.as_str()))
                })?;
            Ok(Outcome {
                action: Action::Move,
                name: to,
                from: Some(from),
                version: Some(version),
                commit_warning: None,
            })
        }
        Change::Delete { name } => {
            w.store.remove(&name, || {
                record(Event::new(Action::Delete).path(name.as_str()))
            })?;
            Ok(outcome(Action::Delete, name, None))
        }
    }
}

/// An imported document merged into the existing one (see
/// [`import`]).
fn import_into(w: &Writer, current: &mut SecretDoc, new: SecretDoc) -> Result<()> {
    let value = NewValue {
        value: new.value.clone(),
        encoding: new.encoding,
        generator: None,
    };
    if is_new_value(current, &value) {
        put_value(w, current, value, Some("import".into()));
    }
    for field in &new.fields {
        current.set_field(field.clone()).map_err(WardError::Usage)?;
    }
    if new.url.is_some() {
        current.url = new.url.clone();
    }
    if new.notes.is_some() {
        current.notes = new.notes.clone();
    }
    for tag in &new.tags {
        if !current.tags.contains(tag) {
            current.tags.push(tag.clone());
        }
    }
    if new.expires.is_some() {
        current.expires = new.expires;
    }
    if new.owner.is_some() {
        current.owner = new.owner.clone();
    }
    if new.rotate_every.is_some() {
        current.rotate_every = new.rotate_every;
    }
    current.touch(w.actor, w.now);
    Ok(())
}

/// The value of `version` from `doc`'s history, to be made current; a
/// version that is current, or not (or no longer) kept, is refused naming
/// those that are.
fn restorable(doc: &SecretDoc, name: &SecretPath, version: u32) -> Result<NewValue> {
    if version == doc.version {
        return Err(WardError::Usage(format!(
            "version {version} is the current value of {name}; nothing was changed"
        )));
    }
    let Some(old) = doc.history.iter().find(|h| h.version == version) else {
        let kept: Vec<String> = doc.history.iter().map(|h| h.version.to_string()).collect();
        return Err(WardError::Usage(format!(
            "{name} has no version {version} in its history ({}); see ward history {name}",
            if kept.is_empty() {
                "it keeps none".to_string()
            } else {
                format!("it keeps {}", kept.join(", "))
            }
        )));
    };
    Ok(NewValue {
        value: old.value.clone(),
        encoding: old.encoding,
        generator: None,
    })
}

/// Whether `value` differs from the secret's current value.
fn is_new_value(doc: &SecretDoc, value: &NewValue) -> bool {
    doc.value != value.value || doc.encoding != value.encoding
}

/// Makes `value` the current one (the old one goes to history with
/// `reason`), keeping its generator settings when it has them.
fn put_value(w: &Writer, doc: &mut SecretDoc, value: NewValue, reason: Option<String>) {
    doc.set_value(
        value.value,
        value.encoding,
        w.actor,
        reason,
        w.now,
        w.history_limit,
    );
    if value.generator.is_some() {
        doc.generator = value.generator;
    }
}

fn event(action: Action, name: &SecretPath, version: u32) -> Event {
    Event::new(action)
        .path(name.as_str())
        .version(Some(version))
}

fn outcome(action: Action, name: SecretPath, version: Option<u32>) -> Outcome {
    Outcome {
        action,
        name,
        from: None,
        version,
        commit_warning: None,
    }
}
