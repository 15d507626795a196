//! The TUI's state and its update function: `update(app, msg) -> effects`.
//! No I/O and no terminal here: the runtime in `tui` performs the effects and
//! feeds results back as messages, and tests drive the same function.

pub mod audit_view;
pub mod catalog;
pub mod clock;
pub mod detail;
pub mod form;
pub mod input;
pub mod layout;
pub mod msg;
pub mod review_view;
pub mod tree;

use crate::keymap::{Action, KeyPress, Keymap, Mods, Scope};
use crate::store::{Listing, SecretPath};
use age::secrecy::SecretString;
use catalog::{Catalog, MetaState};
pub use clock::Clock;
use detail::Detail;
use form::{Form, SaveOp};
use input::TextInput;
pub use msg::{
    CopyInfo, CopyRequest, Effect, Mouse, MouseKind, Msg, Pasted, SaveSummary, UnlockFailure,
};
use ratatui::layout::{Position, Rect};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tree::{RowKind, TreeView};

/// How often the store is checked for changes made by other processes.
pub const CHECK_EVERY: Duration = Duration::from_secs(3);

/// How many secrets one background batch decrypts before reporting.
pub const META_BATCH: usize = 256;

/// The clipboard countdown shown in the footer.
#[derive(Clone, Debug)]
pub struct ClipStatus {
    pub summary: String,
    pub clears_at: Option<Instant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Tree,
    Detail,
}

/// A yes/no question and what "yes" does.
#[derive(Debug)]
pub struct Confirm {
    pub question: String,
    pub op: SaveOp,
}

/// The lock screen: shown at start for a passphrase-protected identity, and
/// after the idle timeout.
#[derive(Debug, Default)]
pub struct LockScreen {
    pub passphrase: TextInput,
    /// The identity needs a passphrase (else Enter alone unlocks).
    pub needs_passphrase: bool,
    pub error: Option<String>,
    pub busy: bool,
    pub identity: String,
}

/// First run: no store yet.
#[derive(Debug, Default)]
pub struct FirstRun {
    pub store_path: PathBuf,
    pub identity_path: PathBuf,
    pub identity_exists: bool,
    pub passphrase: TextInput,
    pub confirm: TextInput,
    /// 0 passphrase, 1 confirm.
    pub focus: usize,
    pub error: Option<String>,
    pub busy: bool,
}

#[derive(Debug)]
pub enum Mode {
    Normal,
    Form(Box<Form>),
    Confirm(Confirm),
    Help {
        scroll: u16,
    },
    /// Which field to copy.
    PickField,
    /// The whole store's audit timeline.
    Audit,
    /// Every secret's status, for a team lead.
    Review,
    Locked(LockScreen),
    FirstRun(Box<FirstRun>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
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

pub struct App {
    pub store_label: String,
    pub catalog: Catalog,
    pub tree: TreeView,
    pub detail: Detail,
    pub focus: Pane,
    pub mode: Mode,
    pub notice: Option<Notice>,
    pub timings: Timings,
    pub viewport: Rect,
    /// The time as of the last tick.
    pub clock: Clock,
    /// The key bindings in force (defaults and config.toml's `[keys]`).
    pub keymap: Keymap,
    last_input: Instant,
    /// When the store was last checked for changes on disk.
    last_check: Instant,
    pub quit: bool,
    pub mono: bool,
    pub clip: Option<ClipStatus>,
    pub audit: audit_view::AuditState,
    pub review: review_view::ReviewState,
    /// Forms and dialogs opened from the review return to it.
    pub in_review: bool,
    /// The identity needs a passphrase: the lock screen asks for it.
    pub protected: bool,
    /// Secrets whose detail was shown since the last unlock ("view" is
    /// recorded once each, not on every pass of the cursor).
    viewed: std::collections::HashSet<SecretPath>,
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
            mode: Mode::Normal,
            notice: None,
            timings,
            viewport: Rect::new(0, 0, 80, 24),
            clock,
            keymap,
            last_input: now,
            last_check: now,
            quit: false,
            mono: false,
            clip: None,
            audit: audit_view::AuditState::default(),
            review: review_view::ReviewState::default(),
            in_review: false,
            protected: false,
            viewed: Default::default(),
        }
    }

    /// The key scope in force (for dispatch and the footer).
    pub fn scope(&self) -> Scope {
        match &self.mode {
            Mode::Normal if self.tree.filtering => Scope::Filter,
            Mode::Normal => Scope::Main,
            Mode::Form(_) => Scope::Form,
            Mode::Confirm(_) => Scope::Confirm,
            Mode::Help { .. } => Scope::Help,
            Mode::PickField => Scope::Pick,
            Mode::Audit => Scope::Audit,
            Mode::Review if self.review.typing => Scope::Filter,
            Mode::Review => Scope::Review,
            Mode::Locked(_) => Scope::Lock,
            Mode::FirstRun(_) => Scope::FirstRun,
        }
    }

    pub fn is_locked(&self) -> bool {
        matches!(self.mode, Mode::Locked(_))
    }

    fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            kind: NoticeKind::Info,
            until: self.clock.now + Duration::from_secs(5),
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            kind: NoticeKind::Error,
            until: self.clock.now + Duration::from_secs(10),
        });
    }

    /// The selected secret's name, if a secret is selected.
    pub fn selected_name(&self) -> Option<&SecretPath> {
        self.tree
            .selected_secret()
            .and_then(|i| self.catalog.entries.get(i))
            .map(|e| &e.name)
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
            if let Some(n) = name {
                return vec![Effect::LoadSecret(n)];
            }
        }
        Vec::new()
    }
}

/// The tree's height in rows, for scrolling (from the same layout the renderer uses).
fn tree_height(app: &App) -> usize {
    layout::compute(app.viewport, app.focus)
        .tree
        .height
        .saturating_sub(2) as usize
}

/// An audit event for something the user did now: it carries the app's
/// clock (the last tick's), like everything else the app knows of time.
fn event(app: &App, action: crate::audit::Action) -> crate::audit::Event {
    crate::audit::Event::new(action).at(app.clock.utc())
}

/// Applies one message; returns the work the runtime must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let fx = match msg {
        Msg::Tick(clock) => on_tick(app, clock),
        Msg::Resize(w, h) => {
            app.viewport = Rect::new(0, 0, w, h);
            Vec::new()
        }
        Msg::Key(key) => {
            app.last_input = app.clock.now;
            on_key(app, key)
        }
        Msg::Paste(text) => {
            app.last_input = app.clock.now;
            on_paste(app, text)
        }
        Msg::Mouse(m) => {
            app.last_input = app.clock.now;
            on_mouse(app, m)
        }
        Msg::StoreChanged(listing) => {
            let mut fx = update(app, Msg::Listed(listing));
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
        Msg::Listed(listing) => {
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
            app.tree.rebuild(&app.catalog);
            let mut fx = app.pending_loads();
            fx.extend(app.follow_selection());
            fx
        }
        Msg::Metas(batch) => {
            for (name, result) in batch {
                app.catalog.set_meta(&name, result);
            }
            app.tree.rebuild(&app.catalog);
            if app.in_review {
                app.review.rebuild(&app.catalog);
            }
            Vec::new()
        }
        Msg::SecretLoaded { name, result } => {
            if app.detail.name.as_ref() == Some(&name) && !app.is_locked() {
                if let Ok(doc) = &result {
                    app.catalog.set_meta(&name, Ok(doc.meta()));
                }
                let mut fx = Vec::new();
                if let (Ok(doc), true) = (&result, std::mem::take(&mut app.detail.reveal_pending)) {
                    app.detail.revealed_until = Some(app.clock.now + app.timings.reveal);
                    fx.push(Effect::Record(
                        event(app, crate::audit::Action::Reveal)
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
                            event(app, crate::audit::Action::View)
                                .path(name.as_str())
                                .version(Some(version)),
                        ),
                    );
                }
                return after_update(app, fx);
            }
            Vec::new()
        }
        Msg::Saved { op, result } => on_saved(app, op, result),
        Msg::Unlocked(result) => on_unlocked(app, result),
        Msg::StoreCreated(result) => {
            match result {
                Ok(()) => {
                    app.mode = Mode::Normal;
                    let new = app.keymap.key(Scope::Main, Action::New);
                    app.info(format!(
                        "Store created. Press {new} to add your first secret."
                    ));
                }
                Err(e) => {
                    if let Mode::FirstRun(fr) = &mut app.mode {
                        fr.busy = false;
                        fr.error = Some(e);
                    }
                }
            }
            Vec::new()
        }
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
        Msg::AuditLoaded(timeline) => {
            app.audit.entries = timeline.entries;
            app.audit.problems = timeline
                .problems
                .iter()
                .map(|p| format!("{} line {}: {}", p.file.display(), p.line, p.cause))
                .collect();
            app.audit.loaded = true;
            Vec::new()
        }
        Msg::AuditAppended(entry) => {
            app.audit.push_front(*entry);
            Vec::new()
        }
        Msg::AuditVerified(integrity) => {
            app.audit.integrity = integrity;
            Vec::new()
        }
    };
    after_update(app, fx)
}

fn after_update(app: &mut App, fx: Vec<Effect>) -> Vec<Effect> {
    let h = tree_height(app);
    app.tree.scroll_to(h);
    fx
}

fn on_tick(app: &mut App, clock: Clock) -> Vec<Effect> {
    app.clock = clock;
    let now = clock.now;
    // Past midnight, statuses are those of the new day.
    if clock.today() != app.catalog.today {
        app.catalog.set_today(clock.today());
        app.tree.rebuild(&app.catalog);
        if app.in_review {
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
    let lockable = !matches!(app.mode, Mode::Locked(_) | Mode::FirstRun(_));
    // Every few seconds, notice changes made by other processes or a git pull.
    let mut fx = Vec::new();
    if lockable && now.duration_since(app.last_check) >= CHECK_EVERY {
        app.last_check = now;
        fx.push(Effect::CheckChanges);
    }
    if !idle.is_zero() && lockable && now.duration_since(app.last_input) >= idle {
        return lock(app, "Locked after inactivity.");
    }
    fx
}

/// Locks: drops values and identities, keeps only names and metadata.
pub fn lock(app: &mut App, why: &str) -> Vec<Effect> {
    app.detail.forget();
    app.viewed.clear();
    app.in_review = false;
    app.mode = Mode::Locked(LockScreen {
        needs_passphrase: app.protected,
        error: Some(why.to_string()),
        ..Default::default()
    });
    app.notice = None;
    vec![Effect::Lock]
}

fn on_unlocked(app: &mut App, result: Result<(), UnlockFailure>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            app.mode = Mode::Normal;
            app.last_input = app.clock.now;
            let mut fx = vec![Effect::VerifyAudit];
            fx.extend(app.pending_loads());
            fx.extend(app.follow_selection());
            fx
        }
        Err(failure) => {
            if let Mode::Locked(lock) = &mut app.mode {
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
    match result {
        Err(e) => {
            match &mut app.mode {
                Mode::Form(form) => {
                    form.busy = false;
                    form.error = Some(e);
                }
                _ => {
                    app.mode = back_mode(app);
                    app.error(e);
                }
            }
            Vec::new()
        }
        Ok(()) => {
            app.mode = back_mode(app);
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
            }
            fx.extend(app.follow_selection());
            app.info(format!("{} {target_text}", op.verb));
            fx
        }
    }
}

fn on_paste(app: &mut App, text: Pasted) -> Vec<Effect> {
    let text: &str = &text.0;
    match &mut app.mode {
        Mode::Form(form) if !form.busy => {
            if form.focused_key() == form::FieldKey::Value {
                form.value_edited();
            }
            form.focused().input.insert_str(text);
        }
        Mode::Locked(lock) => lock.passphrase.insert_str(text),
        Mode::Normal if app.tree.filtering => {
            app.tree.filter.push_str(text.lines().next().unwrap_or(""));
            app.tree.rebuild(&app.catalog);
            return app.follow_selection();
        }
        _ => {}
    }
    // A paste anywhere else is dropped: it may be a secret and must not land
    // somewhere visible by accident.
    Vec::new()
}

fn on_key(app: &mut App, key: KeyPress) -> Vec<Effect> {
    let scope = app.scope();
    let action = app.keymap.lookup(scope, &key);
    match scope {
        Scope::Main => main_key(app, action),
        Scope::Filter => filter_key(app, action, key),
        Scope::Form => form_key(app, action, key),
        Scope::Confirm => confirm_key(app, action),
        Scope::Help => {
            if let Mode::Help { scroll } = &mut app.mode {
                match action {
                    Some(Action::Back) => app.mode = Mode::Normal,
                    Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Action::Down) => *scroll = scroll.saturating_add(1),
                    _ => {}
                }
            }
            Vec::new()
        }
        Scope::Lock | Scope::FirstRun => lock_key(app, action, key),
        Scope::Pick => pick_key(app, action),
        Scope::Audit => audit_key(app, action, key),
        Scope::Review => review_key(app, action),
    }
}

fn page(app: &App) -> isize {
    tree_height(app).max(2) as isize - 1
}

fn main_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let Some(action) = action else {
        return Vec::new();
    };
    match action {
        Action::Quit => {
            app.quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => app.mode = Mode::Help { scroll: 0 },
        Action::Up => {
            if app.focus == Pane::Detail {
                app.detail.scroll = app.detail.scroll.saturating_sub(1);
            } else {
                app.tree.move_by(-1);
            }
        }
        Action::Down => {
            if app.focus == Pane::Detail {
                app.detail.scroll = app.detail.scroll.saturating_add(1);
            } else {
                app.tree.move_by(1);
            }
        }
        Action::PageUp => app.tree.move_by(-page(app)),
        Action::PageDown => app.tree.move_by(page(app)),
        Action::Top => app.tree.select_first(),
        Action::Bottom => app.tree.select_last(),
        Action::Collapse => {
            if app.focus == Pane::Detail {
                app.focus = Pane::Tree;
            } else {
                app.tree.collapse(&app.catalog);
            }
        }
        Action::Expand | Action::Open => {
            // A folder opens; on a secret, focus moves to its detail.
            let opened_folder = app.tree.expand(&app.catalog);
            if !opened_folder && app.tree.selected_secret().is_some() {
                app.focus = Pane::Detail;
            }
        }
        Action::SwitchPane => {
            app.focus = match app.focus {
                Pane::Tree => Pane::Detail,
                Pane::Detail => Pane::Tree,
            }
        }
        Action::Filter => {
            app.tree.filtering = true;
            app.focus = Pane::Tree;
        }
        Action::ClearFilter => {
            if !app.tree.filter.is_empty() {
                app.tree.filter.clear();
                app.tree.rebuild(&app.catalog);
            } else if app.focus == Pane::Detail {
                app.focus = Pane::Tree;
            }
        }
        Action::Reveal => {
            if app.detail.is_revealed(app.clock.now) {
                app.detail.revealed_until = None;
            } else if let Some(version) = app.detail.loaded().map(|d| d.version) {
                app.detail.revealed_until = Some(app.clock.now + app.timings.reveal);
                let record = event(app, crate::audit::Action::Reveal)
                    .path(doc_path(app))
                    .version(Some(version));
                let mut fx = vec![Effect::Record(record)];
                fx.extend(app.follow_selection());
                return fx;
            } else if let Some(Err(e)) = &app.detail.doc {
                let e = e.clone();
                app.error(e);
            } else if app.detail.name.is_some() {
                // Still decrypting: reveal as soon as it arrives.
                app.detail.reveal_pending = true;
            } else {
                app.info("Select a secret to reveal its value.");
            }
        }
        Action::New => {
            let folder = app.tree.selected_folder(&app.catalog);
            app.mode = Mode::Form(Box::new(Form::new_secret(folder.as_deref())));
        }
        Action::Edit => match app.detail.loaded() {
            Some(doc) => {
                let name = app.detail.name.clone().expect("a loaded doc has a name");
                app.mode = Mode::Form(Box::new(Form::edit(name, &doc.meta())));
            }
            None => app.info("Select a secret (and wait for it to load) to edit it."),
        },
        Action::Rotate => return open_rotate(app),
        Action::Rename => match app.selected_name().cloned() {
            Some(name) => app.mode = Mode::Form(Box::new(Form::rename(name))),
            None => app.info("Select a secret to rename it."),
        },
        Action::Compromise => match app.selected_name().cloned() {
            Some(name) => app.mode = Mode::Form(Box::new(Form::compromise(name))),
            None => app.info("Select a secret to mark it compromised."),
        },
        Action::Delete => match app.selected_name().cloned() {
            Some(name) => {
                app.mode = Mode::Confirm(Confirm {
                    question: format!(
                        "Delete {}? Its value and history are removed from the store.",
                        crate::sanitize::escape(name.as_str())
                    ),
                    op: SaveOp::Delete { name },
                })
            }
            None => app.info("Select a secret to delete it."),
        },
        Action::Lock => return lock(app, "Locked."),
        Action::Refresh => return vec![Effect::Refresh],
        Action::Suspend => return vec![Effect::Suspend],
        Action::Copy => return copy(app, None),
        Action::CopyField => {
            if app.detail.loaded().is_some() {
                app.mode = Mode::PickField;
            } else {
                app.info("Select a secret (and wait for it to load) to copy a field.");
            }
        }
        Action::Audit => {
            app.mode = Mode::Audit;
            app.audit.selected = 0;
            return vec![Effect::LoadAudit];
        }
        Action::Review => {
            app.review.rebuild(&app.catalog);
            app.review.selected = 0;
            app.in_review = true;
            app.mode = Mode::Review;
        }
        _ => {}
    }
    app.follow_selection()
}

fn open_rotate(app: &mut App) -> Vec<Effect> {
    match (app.detail.name.clone(), app.detail.loaded()) {
        (Some(name), Some(doc)) => {
            let generator = doc.generator.clone();
            app.mode = Mode::Form(Box::new(Form::rotate(name, generator.as_ref())));
        }
        _ => app.info("Select a secret (and wait for it to load) to rotate it."),
    }
    Vec::new()
}

fn filter_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    if matches!(app.mode, Mode::Review) {
        match action {
            Some(Action::AcceptFilter) => app.review.typing = false,
            Some(Action::ClearFilter) => {
                app.review.typing = false;
                app.review.text.clear();
            }
            _ => {
                let mut input = TextInput::new(&app.review.text);
                if input.handle_key(&key) {
                    app.review.text = input.text().to_string();
                    app.review.selected = 0;
                }
            }
        }
        return Vec::new();
    }
    match action {
        Some(Action::AcceptFilter) => app.tree.filtering = false,
        Some(Action::ClearFilter) => {
            app.tree.filtering = false;
            app.tree.filter.clear();
            app.tree.rebuild(&app.catalog);
        }
        Some(Action::Up) => app.tree.move_by(-1),
        Some(Action::Down) => app.tree.move_by(1),
        _ => {
            let mut input = TextInput::new(&app.tree.filter);
            if input.handle_key(&key) {
                app.tree.filter = input.text().to_string();
                app.tree.rebuild(&app.catalog);
                app.tree.select_first_secret();
            }
        }
    }
    app.follow_selection()
}

fn form_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    let Mode::Form(form) = &mut app.mode else {
        return Vec::new();
    };
    if form.busy {
        return Vec::new();
    }
    let in_value = form.focused_key() == form::FieldKey::Value;
    if action != Some(Action::Cancel) {
        form.disarm();
    }
    match action {
        Some(Action::Cancel) => {
            if form.request_cancel(&app.keymap) {
                app.mode = back_mode(app);
            }
            return Vec::new();
        }
        Some(Action::NextField) => form.next(),
        Some(Action::PrevField) => form.prev(),
        Some(Action::Generate) => form.generate(),
        Some(Action::ToggleMask) => {
            for f in form.fields.iter_mut().filter(|f| f.input.secret) {
                f.input.shown = !f.input.shown;
            }
        }
        Some(Action::Newline) if form.focused().input.multiline => {
            form.value_edited();
            form.focused().input.insert_char('\n');
        }
        Some(Action::Submit) => {
            // Not a key match: a Submit key without modifiers (Enter by
            // default) is the "next field, then save" one.
            let is_enter = key.mods == Mods::NONE;
            // Enter moves on until the last field; Ctrl-S saves from anywhere.
            if is_enter && !form.is_last() {
                form.next();
            } else if let Some(op) = form.validate(app.catalog.today, &app.keymap) {
                form.busy = true;
                return vec![Effect::Save(op)];
            }
        }
        _ => {
            if in_value {
                form.value_edited();
            }
            if form.focused().input.handle_key(&key) {
                form.error = None;
            }
        }
    }
    Vec::new()
}

fn confirm_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    match action {
        Some(Action::Yes) => {
            if let Mode::Confirm(c) = std::mem::replace(&mut app.mode, Mode::Normal) {
                return vec![Effect::Save(c.op)];
            }
        }
        Some(Action::No) => app.mode = back_mode(app),
        _ => {}
    }
    Vec::new()
}

fn lock_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    if action == Some(Action::Quit) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    match &mut app.mode {
        Mode::Locked(lock) => {
            if lock.busy {
                return Vec::new();
            }
            if action == Some(Action::Unlock) {
                lock.busy = true;
                lock.error = None;
                let pass = (!lock.passphrase.text().is_empty())
                    .then(|| SecretString::from(lock.passphrase.text().to_string()));
                lock.passphrase.clear();
                return vec![Effect::Unlock(pass)];
            }
            lock.passphrase.handle_key(&key);
        }
        Mode::FirstRun(fr) => {
            if fr.busy {
                return Vec::new();
            }
            match action {
                Some(Action::NextField) => {
                    // An existing identity has one field: its own passphrase.
                    if !fr.identity_exists {
                        fr.focus = 1 - fr.focus
                    }
                }
                Some(Action::Submit) => {
                    if !fr.identity_exists && fr.passphrase.text() != fr.confirm.text() {
                        fr.error = Some("The two passphrases differ.".into());
                        fr.focus = 1;
                        return Vec::new();
                    }
                    fr.busy = true;
                    fr.error = None;
                    let protected = !fr.passphrase.text().is_empty();
                    let pass = (!fr.passphrase.text().is_empty())
                        .then(|| SecretString::from(fr.passphrase.text().to_string()));
                    app.protected = protected;
                    return vec![Effect::CreateStore(pass)];
                }
                _ => {
                    let input = if fr.focus == 0 {
                        &mut fr.passphrase
                    } else {
                        &mut fr.confirm
                    };
                    input.handle_key(&key);
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

fn on_mouse(app: &mut App, m: Mouse) -> Vec<Effect> {
    if !matches!(app.mode, Mode::Normal) {
        return Vec::new();
    }
    let layout = layout::compute(app.viewport, app.focus);
    let pos = Position::new(m.column, m.row);
    let in_tree = layout.tree.contains(pos);
    match m.kind {
        MouseKind::ScrollUp if in_tree => app.tree.move_by(-3),
        MouseKind::ScrollDown if in_tree => app.tree.move_by(3),
        MouseKind::ScrollUp if layout.detail.contains(pos) => {
            app.detail.scroll = app.detail.scroll.saturating_sub(3)
        }
        MouseKind::ScrollDown if layout.detail.contains(pos) => {
            app.detail.scroll = app.detail.scroll.saturating_add(3)
        }
        MouseKind::LeftDown if in_tree => {
            app.focus = Pane::Tree;
            // One row of border at the top.
            let row = m.row.saturating_sub(layout.tree.y + 1) as usize + app.tree.offset;
            if m.row > layout.tree.y && row < app.tree.rows.len() {
                let same = app.tree.selected == row;
                app.tree.selected = row;
                if same || matches!(app.tree.rows[row].kind, RowKind::Folder { .. }) {
                    app.tree.toggle(&app.catalog);
                }
            }
        }
        MouseKind::LeftDown if layout.detail.contains(pos) => app.focus = Pane::Detail,
        _ => {}
    }
    app.follow_selection()
}

fn doc_path(app: &App) -> String {
    app.detail
        .name
        .as_ref()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// Copies the value (`field` None) or a metadata field of the shown secret.
fn copy(app: &mut App, field: Option<&'static str>) -> Vec<Effect> {
    let (Some(name), Some(doc)) = (app.detail.name.clone(), app.detail.loaded()) else {
        app.info("Select a secret (and wait for it to load) to copy it.");
        return Vec::new();
    };
    let text = match field {
        None => {
            if doc.encoding != crate::store::Encoding::Utf8 {
                app.error("This value is binary; use `ward get` to write it to a file.");
                return Vec::new();
            }
            doc.value.expose().to_string()
        }
        Some(f) => match doc.field(f).filter(|v| !v.is_empty()) {
            Some(v) => v,
            None => {
                app.info(format!(
                    "{} has no {f}.",
                    crate::sanitize::escape(name.as_str())
                ));
                return Vec::new();
            }
        },
    };
    vec![Effect::Copy(CopyRequest {
        version: doc.version,
        name,
        text: zeroize::Zeroizing::new(text),
        field,
    })]
}

fn pick_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    app.mode = Mode::Normal;
    let field = match action {
        Some(Action::PickUrl) => "url",
        Some(Action::PickOwner) => "owner",
        Some(Action::PickTags) => "tags",
        Some(Action::PickNotes) => "notes",
        Some(Action::PickKind) => "kind",
        _ => return Vec::new(),
    };
    copy(app, Some(field))
}

fn audit_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    let now = app.clock.utc();
    if app.audit.typing {
        // Typing a filter: the filter line's keys (the footer keeps the
        // audit screen's hints).
        match app.keymap.lookup(Scope::Filter, &key) {
            Some(Action::ClearFilter) => {
                app.audit.typing = false;
                app.audit.text.clear();
            }
            Some(Action::AcceptFilter) => app.audit.typing = false,
            Some(_) => {}
            None => {
                let mut input = TextInput::new(&app.audit.text);
                if input.handle_key(&key) {
                    app.audit.text = input.text().to_string();
                    app.audit.selected = 0;
                }
            }
        }
        return Vec::new();
    }
    let rows = app.audit.visible(now).len();
    let page = app.viewport.height.saturating_sub(14).max(1) as usize;
    let sel = &mut app.audit.selected;
    match action {
        Some(Action::Back) => app.mode = Mode::Normal,
        Some(Action::Up) => *sel = sel.saturating_sub(1),
        Some(Action::Down) => *sel = (*sel + 1).min(rows.saturating_sub(1)),
        Some(Action::PageUp) => *sel = sel.saturating_sub(page),
        Some(Action::PageDown) => *sel = (*sel + page).min(rows.saturating_sub(1)),
        Some(Action::Filter) => app.audit.typing = true,
        Some(Action::StatusFilter) => app.audit.next_action(),
        Some(Action::TimeRange) => {
            app.audit.range = app.audit.range.next();
            app.audit.selected = 0;
        }
        Some(Action::Review) => {
            app.review.rebuild(&app.catalog);
            app.review.selected = 0;
            app.in_review = true;
            app.mode = Mode::Review;
        }
        Some(Action::Open) => {
            let path = app
                .audit
                .visible(now)
                .get(app.audit.selected)
                .and_then(|e| e.record.to.clone().or_else(|| e.record.path.clone()));
            let found = path
                .and_then(|p| SecretPath::parse(&p).ok())
                .and_then(|p| app.catalog.position(&p));
            match found {
                Some(i) => {
                    app.mode = Mode::Normal;
                    app.tree.filter.clear();
                    app.tree.reveal_secret(&app.catalog, i);
                    app.focus = Pane::Detail;
                    return app.follow_selection();
                }
                None => app.info("That record's secret is no longer in the store."),
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Where a closed form or dialog returns to.
fn back_mode(app: &App) -> Mode {
    if app.in_review {
        Mode::Review
    } else {
        Mode::Normal
    }
}

fn review_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let rows = app.review.visible().len();
    let page = app.viewport.height.saturating_sub(16).max(1) as usize;
    let sel = &mut app.review.selected;
    match action {
        Some(Action::Back) => {
            app.in_review = false;
            app.mode = Mode::Normal;
        }
        Some(Action::Up) => *sel = sel.saturating_sub(1),
        Some(Action::Down) => *sel = (*sel + 1).min(rows.saturating_sub(1)),
        Some(Action::PageUp) => *sel = sel.saturating_sub(page),
        Some(Action::PageDown) => *sel = (*sel + page).min(rows.saturating_sub(1)),
        Some(Action::Top) => *sel = 0,
        Some(Action::Bottom) => *sel = rows.saturating_sub(1),
        Some(Action::SortNext) => {
            app.review.sort = app.review.sort.next();
            app.review.resort();
        }
        Some(Action::SortReverse) => {
            app.review.reverse = !app.review.reverse;
            app.review.resort();
        }
        Some(Action::StatusFilter) => {
            app.review.status = app.review.status.next();
            app.review.selected = 0;
        }
        Some(Action::ProjectFilter) => app.review.next_project(),
        Some(Action::OwnerFilter) => app.review.next_owner(),
        Some(Action::Filter) => app.review.typing = true,
        Some(Action::Open) => {
            let name = app
                .review
                .visible()
                .get(app.review.selected)
                .map(|r| r.name.clone());
            if let Some(i) = name.and_then(|n| app.catalog.position(&n)) {
                app.in_review = false;
                app.mode = Mode::Normal;
                app.tree.filter.clear();
                app.tree.reveal_secret(&app.catalog, i);
                app.focus = Pane::Detail;
                return app.follow_selection();
            }
        }
        Some(Action::Rotate) => {
            let row = app
                .review
                .visible()
                .get(app.review.selected)
                .map(|r| r.name.clone());
            if let Some(name) = row {
                let generator = app
                    .catalog
                    .get(&name)
                    .and_then(|e| e.loaded())
                    .and_then(|l| l.meta.generator.clone());
                app.mode = Mode::Form(Box::new(Form::rotate(name, generator.as_ref())));
            }
        }
        _ => {}
    }
    Vec::new()
}
