//! Changes to many secrets at once, all or nothing (issue 12): `ward cp`
//! (a secret or a folder), a folder's `mv`, and `ward rm -r`. Under one
//! store lock: copies and moves stage every new file first (encrypted to
//! the recipients in force at its destination, with the same checks as
//! every write) and only then give them their names; a failure half-way
//! leaves every secret where it was. One audit record a secret, one commit
//! in a git store.

use super::change::Writer;
use crate::audit::{Action, Event};
use crate::error::{Result, WardError};
use crate::policy::Interval;
use crate::store::{Approved, SecretDoc, SecretPath, Store};

/// What happens to each secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Copy,
    Move,
    /// `rm -r`: to the trash.
    Trash,
    /// `rm -r --purge`.
    Purge,
}

impl Verb {
    fn label(self) -> &'static str {
        match self {
            Verb::Copy => "copy",
            Verb::Move => "move",
            Verb::Trash | Verb::Purge => "delete",
        }
    }
}

/// The secrets a bulk change takes, each with its destination (copies and
/// moves), checked before anything is read or written.
#[derive(Clone, Debug)]
pub struct Plan {
    pub verb: Verb,
    pub from: SecretPath,
    pub to: Option<SecretPath>,
    pub pairs: Vec<(SecretPath, Option<SecretPath>)>,
    /// Whether `from` is a folder (else one secret).
    pub folder: bool,
}

/// The plan of `verb` on `from` (a secret or a folder) to `to`: refused
/// when `from` names nothing, a folder would go into itself, or a
/// destination is taken or not a valid new name (every one is checked).
pub fn plan(store: &Store, verb: Verb, from: &SecretPath, to: Option<&SecretPath>) -> Result<Plan> {
    let needs_to = matches!(verb, Verb::Copy | Verb::Move);
    if needs_to != to.is_some() {
        return Err(WardError::Usage(format!(
            "{} {}",
            verb.label(),
            if needs_to {
                "needs a destination"
            } else {
                "takes no destination"
            }
        )));
    }
    let (sources, folder) = if store.exists(from) {
        (vec![from.clone()], false)
    } else if store.is_folder(from) {
        let listing = store.list(Some(from));
        if let Some(p) = listing.problems.first() {
            return Err(WardError::Other(format!(
                "{}: {}; nothing was changed",
                p.path.display(),
                p.cause
            )));
        }
        let names: Vec<SecretPath> = listing
            .secrets
            .into_iter()
            .filter(|s| s.is_under(from))
            .collect();
        if names.is_empty() {
            return Err(WardError::Usage(format!(
                "there are no secrets under {from}; nothing was changed"
            )));
        }
        (names, true)
    } else {
        return Err(WardError::NotFound {
            name: from.to_string(),
            path: store.file_of(from),
        });
    };
    let mut pairs = Vec::with_capacity(sources.len());
    for source in sources {
        let dest = match to {
            None => None,
            Some(to) if !folder => Some(to.clone()),
            Some(to) => {
                if to.is_under(from) {
                    return Err(WardError::Usage(format!(
                        "cannot {} {from} into itself ({to}); nothing was changed",
                        verb.label()
                    )));
                }
                let rel = &source.as_str()[from.as_str().len() + 1..];
                Some(SecretPath::parse(&format!("{to}/{rel}"))?)
            }
        };
        if let Some(dest) = &dest {
            if store.exists(dest) {
                return Err(WardError::Exists {
                    what: format!("secret {dest}"),
                    path: store.file_of(dest),
                }
                .hint("nothing was changed: no secret is replaced by a copy or a move"));
            }
            let replacing = (verb == Verb::Move).then_some(&source);
            store.check_new_name(dest, replacing)?;
        }
        pairs.push((source, dest));
    }
    Ok(Plan {
        verb,
        from: from.clone(),
        to: to.cloned(),
        pairs,
        folder,
    })
}

/// What a bulk change did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    pub count: usize,
    pub commit_warning: Option<String>,
}

/// A copy's document: the value, metadata and fields, created now by the
/// actor; previous values stay with the original (the copy may have other
/// readers).
fn copied(mut doc: SecretDoc, w: &Writer) -> SecretDoc {
    doc.history.clear();
    doc.merge_notes.clear();
    doc.created = w.now;
    doc.created_by = w.actor.to_string();
    doc.touch(w.actor, w.now);
    doc
}

/// Carries out `plan`: everything, or (on an error) nothing.
pub fn execute(w: &Writer, plan: &Plan, keep: Interval) -> Result<Done> {
    let lock = w.store.lock()?;
    let approved = || super::trust::approved_with_mine(w.store, w.keys);
    let guard = super::trust::guard(w.keys, w.force, Approved::Load(&approved));
    match plan.verb {
        Verb::Copy | Verb::Move => {
            let mut staged = Vec::with_capacity(plan.pairs.len());
            let mut events = Vec::with_capacity(plan.pairs.len());
            for (from, to) in &plan.pairs {
                let to = to
                    .as_ref()
                    .expect("a plan's copies and moves have destinations");
                let result = w.store.read(w.keys, from).and_then(|doc| {
                    let doc = match plan.verb {
                        Verb::Copy => copied(doc, w),
                        _ => {
                            let mut doc = doc;
                            doc.touch(w.actor, w.now);
                            doc
                        }
                    };
                    let event = match plan.verb {
                        Verb::Copy => Event::new(Action::Create)
                            .path(to.as_str())
                            .version(Some(doc.version))
                            .reason(Some(&format!("copy of {from}"))),
                        _ => Event::new(Action::Move)
                            .path(from.as_str())
                            .version(Some(doc.version))
                            .to(to.as_str()),
                    };
                    events.push(event);
                    w.store.stage_locked(&lock, to, &doc, guard)
                });
                match result {
                    Ok(s) => staged.push(s),
                    Err(e) => {
                        w.store.discard_staged(staged);
                        return Err(e.hint(format!(
                            "nothing was changed: {} was not {}",
                            plan.from,
                            if plan.verb == Verb::Copy {
                                "copied"
                            } else {
                                "moved"
                            }
                        )));
                    }
                }
            }
            w.store
                .land_locked(&lock, staged, |i| w.journal.record(events[i].clone()))?;
            if plan.verb == Verb::Move {
                for (from, _) in &plan.pairs {
                    w.store.remove_locked(&lock, from).map_err(|e| {
                        e.hint(format!(
                            "every secret is at its new name; {from} is also still at the old one"
                        ))
                    })?;
                }
            }
        }
        Verb::Trash => {
            super::trash::expire(w.store, keep, w.now);
            let mut done: Vec<(&SecretPath, std::path::PathBuf)> = Vec::new();
            for (name, _) in &plan.pairs {
                match super::trash::put_locked(w, &lock, name) {
                    Ok(folder) => done.push((name, folder)),
                    Err(e) => {
                        for (name, folder) in done.iter().rev() {
                            let _ = super::trash::take_back_locked(w.store, name, folder);
                        }
                        return Err(e.hint(format!("nothing was deleted under {}", plan.from)));
                    }
                }
            }
        }
        Verb::Purge => {
            for (name, _) in &plan.pairs {
                w.journal
                    .record(Event::new(Action::Delete).path(name.as_str()));
                w.store.remove_locked(&lock, name)?;
            }
        }
    }
    drop(lock);
    let root = w.store.root();
    let mut paths = vec![
        root.join(plan.from.relative_file()),
        root.join(folder_of(&plan.from)),
    ];
    if let Some(to) = &plan.to {
        paths.push(root.join(to.relative_file()));
        paths.push(root.join(folder_of(to)));
    }
    paths.push(super::trash::dir(w.store));
    let message = match &plan.to {
        Some(to) => format!("{} {} -> {to}", plan.verb.label(), plan.from),
        None => format!("{} {}", plan.verb.label(), plan.from),
    };
    let commit_warning =
        super::commit::after_change(w.store, &paths, &message, w.actor, w.autocommit);
    Ok(Done {
        count: plan.pairs.len(),
        commit_warning,
    })
}

/// The folder path of `name` taken as a folder (`acme/api`).
fn folder_of(name: &SecretPath) -> std::path::PathBuf {
    name.segments().collect()
}
