//! What the app does with the results of background work: listings,
//! decrypted metadata and documents, saves, unlocking, the first run's store,
//! the clipboard and the audit log.

use super::catalog::{Catalog, MetaState};
use super::{App, ClipStatus, Effect, Msg, Overlay, SaveSummary, Screen, UnlockFailure};
use crate::keymap::{Action, Scope};
use crate::store::{SecretDoc, SecretPath};

/// Applies the result of a job (every message but input and time).
pub(super) fn on_result(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::StoreChanged(listing) => on_store_changed(app, listing),
        Msg::Listed(listing) => on_listed(app, listing),
        Msg::Metas(batch) => {
            on_metas(app, batch);
            Vec::new()
        }
        Msg::SecretLoaded { name, result } => on_secret_loaded(app, name, result),
        Msg::Saved { op, result } => on_saved(app, op, result),
        Msg::Unlocked(result) => on_unlocked(app, result),
        Msg::StoreCreated(result) => on_store_created(app, result),
        Msg::Notice(text) => {
            app.info(text);
            Vec::new()
        }
        Msg::Problem(text) => {
            app.error(text);
            Vec::new()
        }
        Msg::Copied(Ok(info)) => {
            app.info(info.summary.clone());
            app.clip = Some(ClipStatus {
                summary: info.summary,
                clears_at: info.clears_at,
                overwrites: info.overwrites,
            });
            Vec::new()
        }
        Msg::Copied(Err(e)) => {
            app.clip = None;
            app.error(e);
            Vec::new()
        }
        Msg::ClipboardCleared(text) => {
            app.clip = None;
            app.info(text);
            Vec::new()
        }
        Msg::GitLooked(standing) => {
            app.sync.standing = standing;
            Vec::new()
        }
        Msg::Synced(result) => on_synced(app, result),
        msg @ (Msg::JoinNeeded(_)
        | Msg::IdentityCreated(_)
        | Msg::JoinChecked(_)
        | Msg::TrustPending { .. }
        | Msg::TrustApproved(_)) => super::join::on_result(app, msg),
        other => on_audit(app, other),
    }
}

/// A batch of metadata: into the catalog; the views follow at the next
/// [`super::refresh`].
pub(super) fn on_metas(
    app: &mut App,
    batch: Vec<(SecretPath, Result<crate::store::SecretMeta, String>)>,
) {
    for (name, result) in batch {
        app.catalog.set_meta(&name, result);
    }
    app.views_stale = true;
}

/// The audit log's messages.
fn on_audit(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::AuditLoaded(timeline) => {
            let now = app.clock.utc();
            app.audit
                .keeping_selection(now, |a| a.entries = timeline.entries);
            app.audit.problems = timeline
                .problems
                .iter()
                .map(|p| format!("{} line {}: {}", p.file.display(), p.line, p.cause))
                .collect();
            app.audit.loaded = true;
        }
        Msg::AuditAppended(entry) => {
            let now = app.clock.utc();
            app.audit.keeping_selection(now, |a| a.push_front(*entry));
        }
        Msg::AuditVerified(integrity) => app.audit.integrity = integrity,
        Msg::AlertsFound(n) => app.audit.alerts = n,
        // Input and time are the dispatcher's (`update`), never sent here.
        _ => {}
    }
    Vec::new()
}

/// A sync ended: its line (or error) in the status line, the header looked
/// at again, and the saves held meanwhile performed now. What it received
/// came as a `StoreChanged` before this.
fn on_synced(app: &mut App, result: Result<String, String>) -> Vec<Effect> {
    match result {
        Ok(summary) => app.info(summary),
        Err(e) if matches!(app.overlay, Overlay::None) && !app.is_locked() => {
            // The dialog says it all; "Syncing…" must not linger under it.
            app.notice = None;
            app.overlay = Overlay::SyncFailed(e)
        }
        Err(e) => app.error(format!("Not synced: {e}")),
    }
    let mut fx = app.sync.finish();
    fx.push(app.sync.look(app.clock.now));
    fx
}

fn on_store_changed(app: &mut App, listing: crate::store::Listing) -> Vec<Effect> {
    let mut fx = on_listed(app, listing);
    // Another process (a `ward sync`, a `git pull`) may have moved the
    // branch; during our own sync, its end looks.
    if app.sync.is_git() && !app.sync.running {
        fx.push(app.sync.look(app.clock.now));
    }
    let all: Vec<SecretPath> = app.catalog.entries.iter().map(|e| e.name.clone()).collect();
    fx.retain(|e| !matches!(e, Effect::LoadMetas(_)));
    if !all.is_empty() {
        fx.push(Effect::LoadMetas(all));
    }
    // The shown secret may have changed: read it again.
    if let Some(name) = app.detail.name.clone() {
        if app.catalog.position(&name).is_some() {
            fx.push(Effect::LoadSecret(name));
        }
    }
    fx
}

fn on_listed(app: &mut App, listing: crate::store::Listing) -> Vec<Effect> {
    let lead = app.catalog.lead;
    let today = app.catalog.today;
    let old = std::mem::take(&mut app.catalog);
    app.catalog = Catalog::from_listing(listing, lead, today);
    // Keep metadata we already have for names that are still there.
    for e in old.entries {
        if let MetaState::Loaded(l) = e.state {
            app.catalog.set_meta(&e.name, Ok(l.meta));
        }
    }
    // The rows keep their secrets' names: the selection stays on its
    // secret however the indices moved (a name added before it, or gone).
    app.tree.rebuild(&app.catalog);
    let mut fx = app.pending_loads();
    fx.extend(app.follow_selection());
    fx
}

fn on_secret_loaded(
    app: &mut App,
    name: SecretPath,
    result: Result<Box<SecretDoc>, String>,
) -> Vec<Effect> {
    if app.detail.name.as_ref() != Some(&name) || app.is_locked() {
        return Vec::new();
    }
    if let Ok(doc) = &result {
        app.catalog.set_meta(&name, Ok(doc.meta()));
    }
    let mut fx = Vec::new();
    if let (Ok(doc), true) = (&result, std::mem::take(&mut app.detail.reveal_pending)) {
        app.detail.revealed_until = Some(app.clock.now + app.timings.reveal);
        fx.push(Effect::Record(
            app.event(crate::audit::Action::Reveal)
                .path(name.as_str())
                .version(Some(doc.version)),
        ));
    }
    let viewed = match &result {
        Ok(doc) if app.viewed.insert(name.clone()) => Some(doc.version),
        _ => None,
    };
    app.detail.doc = Some(result.map(|d| *d));
    if let Some(version) = viewed {
        fx.insert(
            0,
            Effect::Record(
                app.event(crate::audit::Action::View)
                    .path(name.as_str())
                    .version(Some(version)),
            ),
        );
    }
    // What was typed while it decrypted runs now (after the view record).
    fx.extend(super::keys::main::run_pending(app));
    fx
}

fn on_store_created(app: &mut App, result: Result<(), String>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            app.screen = Screen::Main;
            app.overlay = Overlay::None;
            let new = app.keymap.key(Scope::Main, Action::New);
            app.info(format!(
                "Store created. Press {new} to add your first secret."
            ));
        }
        Err(e) => {
            if let Screen::FirstRun(fr) = &mut app.screen {
                fr.busy = false;
                fr.error = Some(e);
            }
        }
    }
    Vec::new()
}

fn on_unlocked(app: &mut App, result: Result<(), UnlockFailure>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            app.screen = Screen::Main;
            app.overlay = Overlay::None;
            app.activity.last_input = app.clock.now;
            let mut fx = vec![Effect::VerifyAudit];
            fx.extend(app.check_trust_once());
            fx.extend(app.pending_loads());
            fx.extend(app.follow_selection());
            fx.push(app.sync.look(app.clock.now));
            fx
        }
        Err(failure) => {
            if let Screen::Locked(lock) = &mut app.screen {
                lock.busy = false;
                lock.passphrase.clear();
                lock.error = Some(match failure {
                    UnlockFailure::WrongPassphrase => "Wrong passphrase, try again.".into(),
                    UnlockFailure::Other(e) => e,
                });
            }
            Vec::new()
        }
    }
}

fn on_saved(app: &mut App, op: SaveSummary, result: Result<(), String>) -> Vec<Effect> {
    if let Err(e) = result {
        match &mut app.overlay {
            Overlay::Form(form) => {
                form.busy = false;
                form.error = Some(e);
            }
            _ => {
                app.overlay = Overlay::None;
                app.error(e);
            }
        }
        return Vec::new();
    }
    // The form or dialog closes onto the screen it was opened from.
    app.overlay = Overlay::None;
    let mut fx = Vec::new();
    if let Some(removed) = &op.removed {
        app.catalog.remove(removed);
    }
    let target_text = op
        .target
        .as_ref()
        .or(op.removed.as_ref())
        .map(|p| crate::sanitize::escape(p.as_str()))
        .unwrap_or_default();
    if let Some(target) = &op.target {
        app.catalog.insert(target.clone());
        app.tree.rebuild(&app.catalog);
        if let Some(i) = app.catalog.position(target) {
            app.tree.reveal_secret(&app.catalog, i);
        }
        fx.push(Effect::LoadMetas(vec![target.clone()]));
        // Show the new state: force a fresh load of the document.
        app.detail.name = None;
    } else {
        app.tree.rebuild(&app.catalog);
        if op.removed.is_some() {
            app.tree.settle_on_secret();
        }
    }
    fx.extend(app.follow_selection());
    app.info(format!("{} {target_text}", op.verb));
    if app.sync.is_git() {
        fx.push(app.sync.look(app.clock.now));
    }
    fx
}
