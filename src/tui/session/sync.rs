//! The jobs of a git store for the session: looking at its standing for the
//! header, and syncing it (`ops::sync`, as `ward sync` does) on a worker.

use super::{append, changed_listing, send, ClearOnDrop, Job, Session};
use crate::app::Msg;
use crate::audit::Event as AuditEvent;
use crate::config::PullMode;
use crate::ops;
use crate::tui::advice::describe;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

/// A job that reads the git standing (it spawns git); none while one is
/// pending, so a slow repository cannot fill the pool with them.
pub fn look(session: &Session, looking: Arc<AtomicBool>) -> Option<Job> {
    if looking.swap(true, SeqCst) {
        return None;
    }
    let root = session.store_root.clone();
    Some(Box::new(move |tx| {
        let _done = ClearOnDrop(looking);
        let standing = ops::sync::standing(&root).map(|r| r.map_err(|e| describe(&e)));
        send(&tx, Msg::GitLooked(standing));
    }))
}

/// A job that syncs. git runs ward itself as the merge driver, so the
/// driver is this binary. What the sync received reaches the tree and the
/// detail through the change detection (a `StoreChanged`) before the
/// result (on which the app performs the saves it held back); then keys it
/// brought that are not approved here open the trust dialog, and warnings
/// follow the result's line rather than being covered by it.
pub fn sync(session: &Session) -> Option<Job> {
    let store = session.store.clone();
    let (log, keys) = (session.audit.clone(), session.keys.clone());
    let actor = session.actor.clone();
    let rebase = session.config.git.pull == PullMode::Rebase;
    let now = session.clock.utc();
    let signature = session.signature.clone();
    let exe = session.exe.clone();
    Some(Box::new(move |tx| {
        let Some(store) = store else {
            send(&tx, Msg::Synced(Err("no store is open".into())));
            return;
        };
        let exe = match exe {
            Ok(exe) => exe,
            Err(e) => {
                send(&tx, Msg::Synced(Err(e)));
                return;
            }
        };
        // The merges' audit records, stamped with the app's clock.
        let journal = |mut event: AuditEvent| {
            event.time = event.time.or(Some(now));
            if let (Some(log), Some(keys)) = (&log, &keys) {
                append(log, keys, event, &tx);
            }
        };
        let result = ops::sync::sync(&ops::sync::Sync {
            store: &store,
            actor: &actor,
            rebase,
            exe: &exe,
            journal: &journal,
            now,
        });
        // A failed merge may have changed files too: look either way.
        if let Some(listing) = changed_listing(&store, &signature) {
            send(&tx, Msg::StoreChanged(listing));
        }
        match result {
            Ok(report) => {
                send(&tx, Msg::Synced(Ok(report.summary())));
                if !report.untrusted.is_empty() {
                    super::join::send_pending(&store, None, &tx);
                }
                for w in report.warnings {
                    send(&tx, Msg::Problem(w));
                }
            }
            Err(e) => send(&tx, Msg::Synced(Err(describe(&e)))),
        }
    }))
}
