//! Incidents (docs/INCIDENTS.md): a secret marked compromised, what the
//! audit log says about who could have it (its blast radius), and how the
//! incident ended.
//!
//! An incident is not a file of its own: it is the compromised mark on the
//! secret and the log's records. A `compromise` record opens it; the next
//! rotation of the secret (a new value), a cleared false alarm, or its
//! deletion closes it, and that record is the close. So the history cannot
//! disagree with the log, and a team shares incidents through the store as
//! it shares everything else.

use crate::audit::{Action, Record, Timeline};
use crate::error::Result;
use crate::policy::Compromised;
use crate::store::{crypto, Keyring, SecretPath, Store};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// The field that holds how to rotate a secret (a URL and steps), shown in
/// the detail pane and in every incident view.
pub const RUNBOOK_FIELD: &str = "runbook";

/// One read of a secret's value or metadata in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub time: DateTime<Utc>,
    pub actor: String,
    pub host: String,
    pub action: Action,
    pub version: Option<u32>,
    pub reason: Option<String>,
    /// For an export: the other secrets the same run handed over (same
    /// actor, host, time and command), sorted.
    pub same_run: Vec<String>,
}

/// A key that could decrypt the compromised value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    /// [`crypto::key_id`] of the key.
    pub key_id: String,
    /// Its label in the recipients file in force, if it is still there.
    pub label: Option<String>,
    /// Still a recipient of the secret's folder.
    pub current: bool,
}

/// How an incident ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A new value: the compromised one is retired.
    Rotated { version: Option<u32> },
    /// The mark was cleared as a false alarm, with the reason.
    FalseAlarm { reason: String },
    /// The secret was deleted.
    Deleted,
}

/// The record that closed an incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Close {
    pub time: DateTime<Utc>,
    pub actor: String,
    pub ending: Ending,
}

/// One incident, from the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    /// The secret's name now (moves are followed).
    pub name: String,
    pub opened: DateTime<Utc>,
    pub opened_by: String,
    pub reason: Option<String>,
    /// The compromised version.
    pub version: Option<u32>,
    pub closed: Option<Close>,
}

/// Every incident in the log, oldest first: each `compromise` record opens
/// one (a second mark of a secret already open adds nothing), closed by the
/// secret's next rotation, cleared false alarm or deletion.
pub fn incidents(timeline: &Timeline) -> Vec<Incident> {
    let mut out: Vec<Incident> = Vec::new();
    for entry in timeline.entries.iter().rev() {
        let r = &entry.record;
        let Some(path) = r.path.as_deref() else {
            continue;
        };
        let open = out
            .iter_mut()
            .find(|i| i.closed.is_none() && i.name == path);
        match (r.action, open) {
            (Action::Compromise, None) => out.push(Incident {
                name: path.to_string(),
                opened: r.time,
                opened_by: r.actor.clone(),
                reason: r.reason.clone(),
                version: r.version,
                closed: None,
            }),
            (Action::Move, Some(i)) => {
                if let Some(to) = &r.to {
                    i.name = to.clone();
                }
            }
            (action, Some(i)) => {
                if let Some(ending) = ending(action, r) {
                    i.closed = Some(Close {
                        time: r.time,
                        actor: r.actor.clone(),
                        ending,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether `r` (about an open incident's secret) closes it, and how.
fn ending(action: Action, r: &Record) -> Option<Ending> {
    let reason = r.reason.as_deref().unwrap_or_default();
    match action {
        Action::Rotate | Action::Import | Action::Merge => {
            Some(Ending::Rotated { version: r.version })
        }
        Action::Edit => reason
            .strip_prefix(crate::ops::change::CLEARED_PREFIX)
            .map(|why| Ending::FalseAlarm {
                reason: why.to_string(),
            }),
        Action::Delete => Some(Ending::Deleted),
        _ => None,
    }
}

/// What one incident touched: who read the compromised value and how,
/// what went out with it, who could decrypt it, and how to rotate it.
#[derive(Clone, Debug)]
pub struct BlastRadius {
    pub name: SecretPath,
    /// The incident, if the secret has one (the latest).
    pub incident: Option<Incident>,
    /// The compromised mark on the secret now.
    pub compromised: Option<Compromised>,
    /// The version looked at: the compromised one, else the current one.
    pub version: u32,
    /// When that value was set (as far as the log or the secret knows).
    pub value_since: DateTime<Utc>,
    /// Until when it was current: the close, or now.
    pub until: DateTime<Utc>,
    pub owner: Option<String>,
    pub runbook: Option<String>,
    /// Views, reveals, copies and exports of that value, oldest first.
    pub accesses: Vec<Access>,
    pub readers: Vec<Reader>,
}

impl BlastRadius {
    /// Reads of the value itself (not views of the masked detail).
    pub fn value_reads(&self) -> usize {
        self.accesses
            .iter()
            .filter(|a| a.action != Action::View)
            .count()
    }

    /// Everyone to tell: whoever read it, the owner and the readers'
    /// labels, each once (an owner `ann` is the actor `ann@laptop`), sorted.
    pub fn people(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = self.accesses.iter().map(|a| a.actor.clone()).collect();
        let named = |who: &str, out: &BTreeSet<String>| {
            out.iter()
                .any(|a| a == who || a.split('@').next() == Some(who))
        };
        let others = self
            .owner
            .iter()
            .chain(self.readers.iter().filter_map(|r| r.label.as_ref()));
        for who in others {
            if !named(who, &out) {
                out.insert(who.clone());
            }
        }
        out.into_iter().collect()
    }
}

/// Whether a record of `action` on `path` reads `name`: the secret itself,
/// or an export of a folder above it (or of everything).
fn reads(r: &Record, name: &str) -> bool {
    let path = r.path.as_deref().unwrap_or_default();
    match r.action {
        Action::View | Action::Reveal | Action::Copy => path == name,
        Action::Export => {
            path.is_empty()
                || path == name
                || name.starts_with(&format!("{}/", path.trim_matches('/')))
        }
        _ => false,
    }
}

/// The blast radius of `name`'s latest incident (or, with none, of its
/// current value), from the secret's metadata and the log.
pub fn blast_radius(
    store: &Store,
    keys: &Keyring,
    name: &SecretPath,
    timeline: &Timeline,
    now: DateTime<Utc>,
) -> Result<BlastRadius> {
    let doc = store.read(keys, name)?;
    let incident = incidents(timeline)
        .into_iter()
        .rev()
        .find(|i| i.name == name.as_str());
    let version = incident
        .as_ref()
        .and_then(|i| i.version)
        .unwrap_or(doc.version);
    let until = incident
        .as_ref()
        .and_then(|i| i.closed.as_ref())
        .map(|c| c.time)
        .unwrap_or(now);
    // When that version was written: the log's record of it, else the
    // secret's own dates (its history keeps when each old value was retired).
    let value_since = timeline
        .entries
        .iter()
        .rev()
        .map(|e| &e.record)
        .find(|r| {
            r.path.as_deref() == Some(name.as_str())
                && r.version == Some(version)
                && matches!(
                    r.action,
                    Action::Create
                        | Action::Rotate
                        | Action::Import
                        | Action::Merge
                        | Action::Restore
                )
        })
        .map(|r| r.time)
        .unwrap_or(if version == doc.version {
            doc.rotated
        } else {
            doc.created
        });
    let runs = export_runs(timeline);
    let accesses = timeline
        .entries
        .iter()
        .rev()
        .map(|e| &e.record)
        .filter(|r| r.time >= value_since && r.time <= until && reads(r, name.as_str()))
        .filter(|r| r.version.is_none_or(|v| v == version))
        .map(|r| Access {
            time: r.time,
            actor: r.actor.clone(),
            host: r.host.clone(),
            action: r.action,
            version: r.version,
            reason: r.reason.clone(),
            same_run: if r.action == Action::Export {
                runs.iter()
                    .filter(|o| same_run(o, r) && o.path != r.path)
                    .filter_map(|o| o.path.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    let in_force = store.recipients_in_force(
        name.parent()
            .map(SecretPath::parse_prefix)
            .transpose()?
            .as_ref(),
    )?;
    let label_of = |id: &str| {
        in_force
            .entries
            .iter()
            .find(|e| crypto::key_id(&e.key) == id)
            .map(|e| e.label.clone())
    };
    let ids: Vec<String> = if doc.readers.is_empty() {
        in_force.keys.iter().map(|k| crypto::key_id(k)).collect()
    } else {
        doc.readers.clone()
    };
    let readers = ids
        .into_iter()
        .map(|key_id| {
            let found = label_of(&key_id);
            Reader {
                current: found.is_some(),
                label: found.flatten(),
                key_id,
            }
        })
        .collect();
    let runbook = doc
        .fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(RUNBOOK_FIELD) && !f.secret)
        .map(|f| f.value.expose().to_string());
    Ok(BlastRadius {
        name: name.clone(),
        incident,
        compromised: doc.compromised.clone(),
        version,
        value_since,
        until,
        owner: doc.owner.clone(),
        runbook,
        accesses,
        readers,
    })
}

/// Every export record: the runs are found among them.
fn export_runs(timeline: &Timeline) -> Vec<&Record> {
    timeline
        .entries
        .iter()
        .map(|e| &e.record)
        .filter(|r| r.action == Action::Export)
        .collect()
}

/// One `ward export` or `ward exec` writes all its records with one time,
/// actor, host and command.
fn same_run(a: &Record, b: &Record) -> bool {
    a.time == b.time && a.actor == b.actor && a.host == b.host && a.reason == b.reason
}
