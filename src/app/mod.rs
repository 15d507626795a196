//! The TUI's state and its update function: `update(app, msg) -> effects`.
//! No I/O and no terminal here: the runtime in `tui` performs the effects and
//! feeds results back as messages, and tests drive the same function.
//!
//! What is where: the messages and effects (`msg.rs`); what is on screen, a
//! `Screen` and an `Overlay` over it (`screen.rs`); key, mouse and paste
//! handling, one file a screen (`keys/`); the results of background jobs
//! (`jobs.rs`); the small states each screen draws from (`catalog`, `tree`,
//! `detail`, `form`, `review_view`, `audit_view`).

pub mod audit_view;
pub mod catalog;
pub mod clock;
pub mod detail;
pub mod filter;
pub mod form;
pub mod help;
pub mod history;
pub mod input;
mod jobs;
mod join;
mod keys;
pub mod layout;
pub mod list;
pub mod messages;
pub mod msg;
pub mod palette;
pub mod review_view;
pub mod screen;
pub mod sync_view;
#[cfg(test)]
mod tests;
pub mod tree;

use crate::keymap::{Keymap, Scope};
use crate::store::{Listing, SecretPath};
use catalog::{Catalog, MetaState};
pub use clock::Clock;
use detail::Detail;
pub use msg::{
    CopyInfo, CopyRequest, Effect, IdentityMade, Mouse, MouseKind, Msg, Pasted, SaveSummary,
    UnlockFailure,
};
use ratatui::layout::Rect;
pub use screen::{Confirm, FirstRun, JoinScreen, LockScreen, Overlay, Pane, Screen};
use std::time::{Duration, Instant};
use tree::TreeView;

/// How often the store is checked for changes made by other processes.
pub const CHECK_EVERY: Duration = Duration::from_secs(3);

/// How long before the idle lock a form with typed input warns that the
/// lock will drop it.
pub const LOCK_WARNING: Duration = Duration::from_secs(30);

/// How many secrets one background batch decrypts before reporting.
pub const META_BATCH: usize = 256;

/// The clipboard countdown shown in the footer.
#[derive(Clone, Debug)]
pub struct ClipStatus {
    pub summary: String,
    pub clears_at: Option<Instant>,
    /// OSC 52: the clipboard is overwritten, not cleared (as the CLI says).
    pub overwrites: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
    /// What to do next ("Select a secret to copy it", "Decrypting…"): gone
    /// when the selection moves, and not kept in the message log.
    Hint,
}

#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub kind: NoticeKind,
    pub until: Instant,
}

/// Timings from config.
#[derive(Clone, Copy, Debug)]
pub struct Timings {
    pub reveal: Duration,
    /// Zero: never lock.
    pub idle_lock: Duration,
}

/// When the user last did something, and when the store was last looked at.
#[derive(Clone, Copy, Debug)]
struct Activity {
    last_input: Instant,
    /// The warning that the idle lock will close a form with typed input
    /// was shown (once per idle stretch).
    warned_form: bool,
    /// When the store was last checked for changes on disk.
    last_check: Instant,
}

pub struct App {
    pub store_label: String,
    pub catalog: Catalog,
    pub tree: TreeView,
    pub detail: Detail,
    pub focus: Pane,
    /// The full screen shown.
    pub screen: Screen,
    /// What is open over it, if anything.
    pub overlay: Overlay,
    pub notice: Option<Notice>,
    pub timings: Timings,
    pub viewport: Rect,
    /// The time as of the last tick.
    pub clock: Clock,
    /// The key bindings in force (defaults and config.toml's `[keys]`).
    pub keymap: Keymap,
    activity: Activity,
    pub quit: bool,
    /// Every notice of this session, for the message log.
    pub messages: messages::MessageLog,
    /// No colour whatever the theme (NO_COLOR).
    pub mono: bool,
    /// The colour theme (`theme =` in config.toml).
    pub palette: palette::Palette,
    pub clip: Option<ClipStatus>,
    pub audit: audit_view::AuditState,
    pub review: review_view::ReviewState,
    /// The git store's standing and the sync under way.
    pub sync: sync_view::SyncState,
    /// The identity needs a passphrase: the lock screen asks for it.
    pub protected: bool,
    /// Secrets whose detail was shown since the last unlock ("view" is
    /// recorded once each, not on every pass of the cursor).
    viewed: std::collections::HashSet<SecretPath>,
    /// The keys waiting for approval were looked for (once, at the first
    /// unlocked start).
    pub trust_checked: bool,
    /// Metadata arrived since the tree and the review were last rebuilt
    /// ([`refresh`]).
    views_stale: bool,
}

impl App {
    pub fn new(store_label: String, timings: Timings, keymap: Keymap, clock: Clock) -> App {
        let now = clock.now;
        App {
            store_label,
            catalog: Catalog::empty(clock.today()),
            tree: TreeView::default(),
            detail: Detail::default(),
            focus: Pane::Tree,
            screen: Screen::Main,
            overlay: Overlay::None,
            notice: None,
            timings,
            viewport: Rect::new(0, 0, 80, 24),
            clock,
            keymap,
            activity: Activity {
                last_input: now,
                warned_form: false,
                last_check: now,
            },
            quit: false,
            messages: Default::default(),
            mono: false,
            palette: palette::Palette::dark(),
            clip: None,
            audit: audit_view::AuditState::default(),
            review: review_view::ReviewState::default(),
            sync: sync_view::SyncState::new(now),
            protected: false,
            viewed: Default::default(),
            trust_checked: false,
            views_stale: false,
        }
    }

    /// The key scope in force (for dispatch and the footer).
    pub fn scope(&self) -> Scope {
        match (&self.screen, &self.overlay) {
            (Screen::Locked(_), _) => Scope::Lock,
            (Screen::FirstRun(_), _) => Scope::FirstRun,
            (Screen::Join(j), _) if j.public.is_none() => Scope::JoinCreate,
            (Screen::Join(_), _) => Scope::Join,
            (_, Overlay::Trust(t)) if t.confirming => Scope::Confirm,
            (_, Overlay::Trust(_)) => Scope::Trust,
            (_, Overlay::Form(_)) => Scope::Form,
            (_, Overlay::Confirm(_)) => Scope::Confirm,
            (_, Overlay::Help { .. }) => Scope::Help,
            (_, Overlay::PickField) => Scope::Pick,
            (_, Overlay::Messages { .. }) => Scope::Messages,
            (_, Overlay::SyncFailed(_)) => Scope::SyncFailed,
            (_, Overlay::History(_)) => Scope::History,
            (Screen::Main, Overlay::None) if self.tree.filter.active => Scope::Filter,
            (Screen::Main, Overlay::None) => Scope::Main,
            (Screen::Audit, Overlay::None) => Scope::Audit,
            (Screen::Review, Overlay::None) if self.review.filter.active => Scope::Filter,
            (Screen::Review, Overlay::None) => Scope::Review,
        }
    }

    pub fn is_locked(&self) -> bool {
        matches!(self.screen, Screen::Locked(_))
    }

    /// The main screen with nothing over it.
    fn on_bare_main(&self) -> bool {
        matches!((&self.screen, &self.overlay), (Screen::Main, Overlay::None))
    }

    fn info(&mut self, text: impl Into<String>) {
        self.notify(NoticeKind::Info, text.into(), 5);
    }

    fn error(&mut self, text: impl Into<String>) {
        self.notify(NoticeKind::Error, text.into(), 10);
    }

    /// What to do next: shown until the selection moves (or a few seconds).
    fn hint(&mut self, text: impl Into<String>) {
        self.notify(NoticeKind::Hint, text.into(), 5);
    }

    /// Shows a notice in the status line for `secs`, and keeps it in the
    /// message log (hints aside), where it can be read in full.
    fn notify(&mut self, kind: NoticeKind, text: String, secs: u64) {
        if kind != NoticeKind::Hint {
            self.messages.push(messages::Logged {
                at: self.clock.wall.format("%H:%M:%S").to_string(),
                kind: kind.clone(),
                text: text.clone(),
            });
        }
        self.notice = Some(Notice {
            text,
            kind,
            until: self.clock.now + Duration::from_secs(secs),
        });
    }

    /// Where the screen's panes go: the viewport less the status line's row
    /// while a notice shows (`layout::split_status`).
    pub fn area(&self) -> Rect {
        layout::split_status(self.viewport, self.notice.is_some()).0
    }

    /// The selected secret's name, if a secret is selected.
    pub fn selected_name(&self) -> Option<&SecretPath> {
        self.tree.selected_name()
    }

    /// Starts the app on a listing (names only), with statuses for the
    /// clock's day.
    pub fn start(&mut self, listing: Listing, lead: crate::policy::Interval) -> Vec<Effect> {
        self.catalog = Catalog::from_listing(listing, lead, self.clock.today());
        self.tree.rebuild(&self.catalog);
        // Open on the first secret, so the detail has something to show.
        self.tree.select_first_secret();
        if let Some(first) = self.catalog.problems.first() {
            let n = self.catalog.problems.len();
            self.error(format!(
                "{n} file(s) skipped, e.g. {}: {}",
                first.path.display(),
                first.cause
            ));
        }
        let mut fx = self.pending_loads();
        fx.extend(self.follow_selection());
        fx.push(Effect::VerifyAudit);
        fx.push(self.sync.look(self.clock.now));
        fx
    }

    fn pending_loads(&self) -> Vec<Effect> {
        let pending: Vec<SecretPath> = self
            .catalog
            .entries
            .iter()
            .filter(|e| matches!(e.state, MetaState::Pending))
            .map(|e| e.name.clone())
            .collect();
        if pending.is_empty() {
            Vec::new()
        } else {
            vec![Effect::LoadMetas(pending)]
        }
    }

    /// Keeps the detail pane on the selected secret.
    fn follow_selection(&mut self) -> Vec<Effect> {
        if self.is_locked() {
            return Vec::new();
        }
        let name = self.selected_name().cloned();
        if self.detail.show(name.clone()) {
            // "Select a secret to…" is stale once another is selected.
            if self
                .notice
                .as_ref()
                .is_some_and(|n| n.kind == NoticeKind::Hint)
            {
                self.notice = None;
            }
            if let Some(n) = name {
                return vec![Effect::LoadSecret(n)];
            }
        }
        Vec::new()
    }

    /// Opens the review screen, rebuilt from the catalog, at its top.
    /// The first time the app is unlocked on a store: look for keys
    /// waiting for approval (the trust dialog opens if there are any).
    pub fn check_trust_once(&mut self) -> Option<Effect> {
        (!std::mem::replace(&mut self.trust_checked, true)).then_some(Effect::CheckTrust)
    }

    fn open_review(&mut self) {
        self.review.rebuild(&self.catalog);
        self.review.list.first();
        self.screen = Screen::Review;
    }

    /// Back to the main screen on the secret at catalog index `index`, the
    /// tree focused, so the next j/k move in the tree (Enter on a review or
    /// audit row).
    fn open_on_main(&mut self, index: usize) -> Vec<Effect> {
        self.screen = Screen::Main;
        self.tree.filter.clear();
        self.tree.reveal_secret(&self.catalog, index);
        self.focus = Pane::Tree;
        self.follow_selection()
    }

    /// An audit event for something the user did now: it carries the app's
    /// clock (the last tick's), like everything else the app knows of time.
    fn event(&self, action: crate::audit::Action) -> crate::audit::Event {
        crate::audit::Event::new(action).at(self.clock.utc())
    }

    /// The tree's height in rows, for scrolling (from the same layout the
    /// renderer uses).
    fn tree_height(&self) -> usize {
        layout::compute(self.area(), self.focus)
            .tree
            .height
            .saturating_sub(2) as usize
    }
}

/// Applies one message; returns the work the runtime must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    if let Msg::Metas(batch) = msg {
        jobs::on_metas(app, batch);
        return Vec::new();
    }
    refresh(app);
    let mut fx = match msg {
        Msg::Tick(clock) => on_tick(app, clock),
        Msg::Resize(w, h) => {
            app.viewport = Rect::new(0, 0, w, h);
            Vec::new()
        }
        Msg::Key(key) => {
            app.activity.last_input = app.clock.now;
            app.activity.warned_form = false;
            keys::on_key(app, key)
        }
        Msg::Paste(text) => {
            app.activity.last_input = app.clock.now;
            keys::on_paste(app, text)
        }
        Msg::Mouse(m) => {
            app.activity.last_input = app.clock.now;
            keys::main::on_mouse(app, m)
        }
        result => jobs::on_result(app, result),
    };
    // Not on the lock screen: locking performs the saves it finds held.
    if !app.is_locked() && app.sync.hold_saves(&mut fx) {
        app.info("Saving once the sync is done…");
    }
    fit_lists(app);
    fx
}

/// Brings the views that follow the catalog (the tree's folder statuses
/// and filter matches, the review's rows) up to date with the metadata
/// that arrived since: once per frame (the loop ticks before it draws) and
/// before any input is handled, never once per batch. A large store's
/// load arrives in hundreds of batches, and a rebuild per batch made the
/// load quadratic (issue 17). The runtime calls it before drawing.
pub fn refresh(app: &mut App) {
    if !app.views_stale {
        return;
    }
    app.views_stale = false;
    app.tree.rebuild(&app.catalog);
    if matches!(app.screen, Screen::Review) {
        app.review.rebuild(&app.catalog);
    }
    fit_lists(app);
}

/// Gives each list shown its height from the viewport, and keeps its
/// selection in view.
fn fit_lists(app: &mut App) {
    let h = app.tree_height();
    app.tree.scroll_to(h);
    let body = layout::body(app.area());
    match app.screen {
        Screen::Review => {
            let rows = app.review.visible().len();
            let h = layout::table_rows(layout::review(body).table);
            app.review.list.fit(h, rows);
        }
        Screen::Audit => {
            let rows = app.audit.visible(app.clock.utc()).len();
            let h = layout::table_rows(layout::audit(body).table);
            app.audit.list.fit(h, rows);
        }
        _ => {}
    }
}

fn on_tick(app: &mut App, clock: Clock) -> Vec<Effect> {
    app.clock = clock;
    let now = clock.now;
    // Past midnight, statuses are those of the new day.
    if clock.today() != app.catalog.today {
        app.catalog.set_today(clock.today());
        app.tree.rebuild(&app.catalog);
        if matches!(app.screen, Screen::Review) {
            app.review.rebuild(&app.catalog);
        }
    }
    if app.detail.revealed_until.is_some_and(|t| now >= t) {
        app.detail.revealed_until = None;
    }
    if app.notice.as_ref().is_some_and(|n| now >= n.until) {
        app.notice = None;
    }
    // The countdown disappears on time even if the clear's report is late.
    if app.clip.as_ref().is_some_and(|c| {
        c.clears_at
            .is_some_and(|t| now >= t + Duration::from_secs(2))
    }) {
        app.clip = None;
    }
    let idle = app.timings.idle_lock;
    // Nothing of the store shows on these: nothing to lock.
    let lockable = !matches!(
        app.screen,
        Screen::Locked(_) | Screen::FirstRun(_) | Screen::Join(_)
    );
    // Every few seconds, notice changes made by other processes or a git pull.
    let mut fx = Vec::new();
    if lockable && now.duration_since(app.activity.last_check) >= CHECK_EVERY {
        app.activity.last_check = now;
        fx.push(Effect::CheckChanges);
    }
    if lockable {
        fx.extend(app.sync.look_if_due(now));
    }
    let idle_for = now.duration_since(app.activity.last_input);
    // A form with typed input would be dropped by the lock: say so first.
    let dirty_form = matches!(&app.overlay, Overlay::Form(f) if f.is_dirty());
    if !idle.is_zero()
        && lockable
        && dirty_form
        && !app.activity.warned_form
        && idle_for + LOCK_WARNING >= idle
        && idle_for < idle
    {
        app.activity.warned_form = true;
        let left = (idle - idle_for).as_secs();
        app.error(format!(
            "Locking in {left} s for inactivity: the open form and what you typed in it              will be dropped. Press any key to stay."
        ));
    }
    if !idle.is_zero() && lockable && idle_for >= idle {
        return lock(app, "Locked after inactivity.");
    }
    fx
}

/// Locks: drops values and identities, keeps only names and metadata.
pub fn lock(app: &mut App, why: &str) -> Vec<Effect> {
    app.detail.forget();
    app.viewed.clear();
    app.overlay = Overlay::None;
    app.screen = Screen::Locked(LockScreen {
        needs_passphrase: app.protected,
        error: Some(why.to_string()),
        ..Default::default()
    });
    app.notice = None;
    // Saves held for a running sync are not dropped with the keys: they are
    // performed first (they wait for the sync's merge on the store lock).
    let mut fx = app.sync.release_held();
    fx.push(Effect::Lock);
    fx
}
