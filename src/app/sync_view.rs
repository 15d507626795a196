//! A git store's standing for the header, and the sync the user started:
//! one at a time, with the saves asked for meanwhile held until it is done.

use super::msg::Effect;
use crate::ops::sync::Standing;
use std::time::{Duration, Instant};

/// How often the header's git standing is looked at again when nothing
/// happened (it never fetches: ahead and behind are as of the last sync).
pub const LOOK_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct SyncState {
    /// None: not looked at yet, or not a git store (no header part).
    pub standing: Option<Result<Standing, String>>,
    /// A sync is running.
    pub running: bool,
    /// Saves asked for while a sync runs: performed once it is done, so a
    /// write never lands in the work tree while git rewrites it, nor its
    /// commit in the middle of the sync's.
    deferred: Vec<Effect>,
    /// When the standing was last asked for.
    last_look: Instant,
    /// Quitting during this sync was asked once (and warned about).
    quit_warned: bool,
}

impl SyncState {
    pub fn new(now: Instant) -> SyncState {
        SyncState {
            standing: None,
            running: false,
            deferred: Vec::new(),
            last_look: now,
            quit_warned: false,
        }
    }

    /// Whether the store is a git store (as of the last look).
    pub fn is_git(&self) -> bool {
        self.standing.is_some()
    }

    /// The look at the standing, stamped `now`.
    pub fn look(&mut self, now: Instant) -> Effect {
        self.last_look = now;
        Effect::LookGit
    }

    /// The look due on the slow timer, if it is due (none while a sync
    /// runs: its end brings one).
    pub fn look_if_due(&mut self, now: Instant) -> Option<Effect> {
        let due = now.duration_since(self.last_look) >= LOOK_EVERY;
        (due && !self.running).then(|| self.look(now))
    }

    /// While a sync runs, takes the saves out of `fx` to hold them;
    /// returns whether it held any.
    pub fn hold_saves(&mut self, fx: &mut Vec<Effect>) -> bool {
        if !self.running {
            return false;
        }
        let before = self.deferred.len();
        let (saves, rest): (Vec<Effect>, Vec<Effect>) = std::mem::take(fx)
            .into_iter()
            .partition(|e| matches!(e, Effect::Save(_)));
        *fx = rest;
        self.deferred.extend(saves);
        self.deferred.len() > before
    }

    /// The sync ended: the saves held meanwhile, in order.
    pub fn finish(&mut self) -> Vec<Effect> {
        self.running = false;
        self.quit_warned = false;
        self.release_held()
    }

    /// The saves held so far, in order (the sync may still run).
    pub fn release_held(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.deferred)
    }

    /// A quit during the sync: false the first time (warn), true after.
    pub fn warn_quit(&mut self) -> bool {
        std::mem::replace(&mut self.quit_warned, true)
    }
}
