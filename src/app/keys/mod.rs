//! Input: each key goes to the handler of the scope in force, one file a
//! screen (`main` for the tree, the detail and the tree's filter; `review`;
//! `audit`; `lock` for the lock and first-run screens; `overlay` for forms,
//! confirmations, the help and the field picker). Pastes go to the focused
//! text field, if any.

pub(super) mod audit;
pub(super) mod history;
pub(super) mod join;
pub(super) mod lock;
pub(super) mod main;
pub(super) mod overlay;
pub(super) mod review;

use super::form::FieldKey;
use super::{layout, App, Effect, Mouse, MouseKind, Overlay, Pasted, Screen};
use crate::keymap::{Action, KeyPress, Scope};
use ratatui::layout::Position;

pub(super) fn on_key(app: &mut App, key: KeyPress) -> Vec<Effect> {
    let scope = app.scope();
    let action = app.keymap.lookup(scope, &key);
    match scope {
        Scope::Main => main::main_key(app, action),
        Scope::Filter if matches!(app.screen, Screen::Review) => {
            review::filter_key(app, action, key)
        }
        Scope::Filter => main::filter_key(app, action, key),
        Scope::Form => overlay::form_key(app, action, key),
        Scope::Confirm | Scope::Trust if matches!(app.overlay, Overlay::Trust(_)) => {
            join::trust_key(app, action)
        }
        Scope::Confirm => overlay::confirm_key(app, action),
        Scope::Help => overlay::help_key(app, action),
        Scope::Messages => overlay::messages_key(app, action),
        Scope::Pick => overlay::pick_key(app, action),
        Scope::SyncFailed => overlay::sync_failed_key(app, action),
        Scope::History => history::history_key(app, action),
        Scope::Lock => lock::lock_key(app, action, key),
        Scope::FirstRun => lock::first_run_key(app, action, key),
        Scope::JoinCreate => join::join_create_key(app, action, key),
        Scope::Join => join::join_key(app, action),
        Scope::Trust => Vec::new(),
        Scope::Audit => audit::audit_key(app, action, key),
        Scope::Review => review::review_key(app, action),
    }
}

/// Opens the help over what is shown, on the keys of the scope in force.
pub(super) fn open_help(app: &mut App) {
    let from = app.scope();
    let under = std::mem::take(&mut app.overlay);
    app.overlay = Overlay::Help {
        scroll: 0,
        from,
        under: Box::new(under),
    };
}

pub(super) fn on_paste(app: &mut App, text: Pasted) -> Vec<Effect> {
    let text: &str = &text.0;
    if let Overlay::Form(form) = &mut app.overlay {
        if !form.busy {
            if form.focused_key() == FieldKey::Value {
                form.value_edited();
            }
            form.focused().input.insert_str(text);
        }
        return Vec::new();
    }
    match &mut app.screen {
        Screen::Locked(lock) => lock.passphrase.insert_str(text),
        Screen::Join(join) if join.public.is_none() && !join.busy => {
            if join.focus == 0 {
                join.passphrase.insert_str(text)
            } else {
                join.confirm.insert_str(text)
            }
        }
        Screen::Main if matches!(app.overlay, Overlay::None) && app.tree.filter.active => {
            app.tree.filter.insert_str(text);
            app.tree.rebuild(&app.catalog);
            return app.follow_selection();
        }
        _ => {}
    }
    // A paste anywhere else is dropped: it may be a secret and must not land
    // somewhere visible by accident.
    Vec::new()
}

/// The wheel in the help and the message log scrolls them; in the review
/// and the audit tables it moves the selection, and a click selects a row.
pub(super) fn on_mouse_elsewhere(app: &mut App, m: Mouse) -> Vec<Effect> {
    let scroll = match m.kind {
        MouseKind::ScrollUp => Some(Action::Up),
        MouseKind::ScrollDown => Some(Action::Down),
        _ => None,
    };
    match (&app.overlay, scroll) {
        (Overlay::Help { .. }, Some(a)) => {
            for _ in 0..3 {
                overlay::help_key(app, Some(a));
            }
            return Vec::new();
        }
        (Overlay::Messages { .. }, Some(a)) => {
            for _ in 0..3 {
                overlay::messages_key(app, Some(a));
            }
            return Vec::new();
        }
        (Overlay::None, _) => {}
        _ => return Vec::new(),
    }
    let body = layout::body(app.area());
    let now = app.clock.utc();
    let (table, rows, list) = match app.screen {
        Screen::Review => (
            layout::review(body).table,
            app.review.visible().len(),
            &mut app.review.list,
        ),
        Screen::Audit => (
            layout::audit(body).table,
            app.audit.visible(now).len(),
            &mut app.audit.list,
        ),
        _ => return Vec::new(),
    };
    match m.kind {
        MouseKind::ScrollUp => list.move_by(-3, rows),
        MouseKind::ScrollDown => list.move_by(3, rows),
        MouseKind::LeftDown if table.contains(Position::new(m.column, m.row)) => {
            // The border and the header line come first.
            let first = table.y + 2;
            if m.row >= first {
                let row = (m.row - first) as usize + list.offset;
                if row < rows {
                    list.selected = row;
                }
            }
        }
        _ => {}
    }
    Vec::new()
}
