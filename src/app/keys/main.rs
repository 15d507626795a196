//! The main screen's input: the tree, the detail, the tree's filter line,
//! and the mouse.

use crate::app::form::{Form, SaveOp};
use crate::app::tree::RowKind;
use crate::app::{layout, lock, App, Confirm, CopyRequest, Effect, Mouse, MouseKind, Overlay};
use crate::app::{Pane, Screen};
use crate::keymap::{Action, KeyPress, Scope};
use crate::ops::copy::Uncopyable;
use ratatui::layout::Position;

pub(crate) fn main_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let Some(action) = action else {
        return Vec::new();
    };
    if let Some(fx) = wait_for_load(app, action) {
        return fx;
    }
    match action {
        Action::Quit if app.sync.running && !app.sync.warn_quit() => {
            let quit = app.keymap.key(Scope::Main, Action::Quit).to_string();
            app.info(format!(
                "A sync is running: press {quit} again to quit anyway (git finishes the step \
                 it is in; the next sync does the rest)."
            ));
        }
        Action::Quit => {
            app.quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => super::open_help(app),
        Action::Messages => app.overlay = Overlay::Messages { scroll: 0 },
        Action::Lock => return lock(app, "Locked."),
        Action::Refresh => return vec![Effect::Refresh],
        Action::Sync => return start_sync(app),
        Action::Suspend => return vec![Effect::Suspend],
        Action::Reveal => return reveal(app),
        Action::Copy => return copy(app, None),
        Action::CopyField => {
            if app.detail.loaded().is_some() {
                app.overlay = Overlay::PickField;
            } else {
                no_document(app, "copy a field");
            }
        }
        Action::Audit => {
            app.screen = Screen::Audit;
            app.audit.list.first();
            return vec![Effect::LoadAudit];
        }
        Action::Review => app.open_review(),
        Action::History => super::history::open(app),
        Action::New | Action::Edit | Action::Rotate | Action::Rename => open_form(app, action),
        Action::Compromise | Action::Delete => open_form(app, action),
        other => navigate(app, other),
    }
    app.follow_selection()
}

/// An action on the shown secret's document, typed while it decrypts: it
/// waits and runs when the document arrives (`jobs::on_secret_loaded`), so
/// keys typed in a burst (`/name⏎c`, `j` then `c`) are not lost.
fn wait_for_load(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    let then = match action {
        Action::Copy => "copying it",
        Action::CopyField => "choosing a field to copy",
        Action::Edit => "editing it",
        Action::Rotate => "rotating it",
        _ => return None,
    };
    if !app.detail.is_loading() {
        return None;
    }
    app.detail.pending = Some(action);
    let name = app.detail.name.as_ref().map(|n| n.as_str()).unwrap_or("");
    app.hint(format!(
        "Decrypting {}…, then {then}.",
        crate::sanitize::escape(name)
    ));
    Some(Vec::new())
}

/// Runs the action that waited for the shown secret's document, now that it
/// arrived; nothing if something else opened meanwhile.
pub(crate) fn run_pending(app: &mut App) -> Vec<Effect> {
    match app.detail.pending.take() {
        Some(action) if app.on_bare_main() && app.detail.loaded().is_some() => {
            main_key(app, Some(action))
        }
        _ => Vec::new(),
    }
}

/// What an action on the shown secret says when there is no document to act
/// on: the reason it could not be read, or how to pick a secret.
fn no_document(app: &mut App, then: &str) {
    match &app.detail.doc {
        Some(Err(e)) => {
            let e = e.clone();
            app.error(e);
        }
        _ => app.hint(format!("Select a secret to {then}.")),
    }
}

/// Starts a sync, unless one is running (a second one would only wait on
/// the first, and the user could not tell their results apart).
fn start_sync(app: &mut App) -> Vec<Effect> {
    if app.sync.running {
        app.info("A sync is already running.");
        return Vec::new();
    }
    app.sync.running = true;
    app.info("Syncing…");
    vec![Effect::Sync]
}

/// Moving in the tree and the detail, and the tree's filter.
fn navigate(app: &mut App, action: Action) {
    let page = app.tree.list.page();
    let in_detail = app.focus == Pane::Detail;
    match action {
        Action::Up if in_detail => app.detail.scroll = app.detail.scroll.saturating_sub(1),
        Action::Up => app.tree.move_by(-1),
        Action::Down if in_detail => app.detail.scroll = app.detail.scroll.saturating_add(1),
        Action::Down => app.tree.move_by(1),
        Action::PageUp => app.tree.move_by(-page),
        Action::PageDown => app.tree.move_by(page),
        Action::Top => app.tree.select_first(),
        Action::Bottom => app.tree.select_last(),
        Action::Collapse if in_detail => app.focus = Pane::Tree,
        Action::Collapse => app.tree.collapse(&app.catalog),
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
            app.tree.filter.start();
            app.focus = Pane::Tree;
        }
        Action::ClearFilter => {
            if !app.tree.filter.is_empty() {
                app.tree.filter.clear();
                app.tree.rebuild(&app.catalog);
            } else if in_detail {
                app.focus = Pane::Tree;
            }
        }
        _ => {}
    }
}

/// The forms and the delete confirmation, on the selected secret.
fn open_form(app: &mut App, action: Action) {
    if action == Action::Rotate {
        return open_rotate(app);
    }
    if action == Action::New {
        let folder = app.tree.selected_folder();
        app.overlay = Overlay::Form(Box::new(Form::new_secret(folder.as_deref())));
        return;
    }
    if action == Action::Edit {
        match app.detail.loaded() {
            Some(doc) => {
                let name = app.detail.name.clone().expect("a loaded doc has a name");
                app.overlay = Overlay::Form(Box::new(Form::edit(name, &doc.meta())));
            }
            None => no_document(app, "edit it"),
        }
        return;
    }
    let Some(name) = app.selected_name().cloned() else {
        app.hint(match action {
            Action::Rename => "Select a secret to rename it.",
            Action::Compromise => "Select a secret to mark it compromised.",
            _ => "Select a secret to delete it.",
        });
        return;
    };
    app.overlay = match action {
        Action::Rename => Overlay::Form(Box::new(Form::rename(name))),
        Action::Compromise => Overlay::Form(Box::new(Form::compromise(name))),
        _ => Overlay::Confirm(Box::new(Confirm {
            question: format!(
                "Delete {}? It goes to the trash with its history (ward trash restore).",
                crate::sanitize::escape(name.as_str())
            ),
            op: SaveOp::Delete { name },
        })),
    };
}

fn open_rotate(app: &mut App) {
    match (app.detail.name.clone(), app.detail.loaded()) {
        (Some(name), Some(doc)) => {
            let form = Form::rotate(name, doc.generator.as_ref(), doc.expires);
            app.overlay = Overlay::Form(Box::new(form));
        }
        _ => no_document(app, "rotate it"),
    }
}

/// Shows the value (recorded in the audit log), or hides it again.
fn reveal(app: &mut App) -> Vec<Effect> {
    if app.detail.is_revealed(app.clock.now) {
        app.detail.revealed_until = None;
    } else if let Some(version) = app.detail.loaded().map(|d| d.version) {
        app.detail.revealed_until = Some(app.clock.now + app.timings.reveal);
        let path = app
            .detail
            .name
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default();
        let record = app
            .event(crate::audit::Action::Reveal)
            .path(path)
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
        app.hint("Select a secret to reveal its value.");
    }
    app.follow_selection()
}

/// Copies the value (`field` None) or a metadata field of the shown secret.
pub(crate) fn copy(app: &mut App, field: Option<&'static str>) -> Vec<Effect> {
    let (Some(name), Some(doc)) = (app.detail.name.clone(), app.detail.loaded()) else {
        no_document(app, "copy it");
        return Vec::new();
    };
    // The same rule as `ward copy` (ops::copy), phrased for the screen.
    let text = match crate::ops::copy::text_of(doc, field) {
        Ok(text) => text,
        Err(Uncopyable::NoField(f)) => {
            app.info(format!(
                "{} has no {f}.",
                crate::sanitize::escape(name.as_str())
            ));
            return Vec::new();
        }
        Err(Uncopyable::Binary) => {
            app.error("This value is binary; use `ward get` to write it to a file.");
            return Vec::new();
        }
        Err(Uncopyable::BadBase64) => {
            app.error("The stored value does not decode: the file is damaged.");
            return Vec::new();
        }
    };
    vec![Effect::Copy(CopyRequest {
        version: doc.version,
        name,
        text,
        field,
    })]
}

/// Keys while typing the tree's filter.
pub(crate) fn filter_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    match action {
        Some(Action::AcceptFilter) => app.tree.filter.accept(),
        Some(Action::ClearFilter) => {
            app.tree.filter.cancel();
            app.tree.rebuild(&app.catalog);
        }
        Some(Action::Up) => app.tree.move_by(-1),
        Some(Action::Down) => app.tree.move_by(1),
        _ => {
            if app.tree.filter.edit(&key) {
                app.tree.rebuild(&app.catalog);
                app.tree.select_first_secret();
            }
        }
    }
    app.follow_selection()
}

pub(crate) fn on_mouse(app: &mut App, m: Mouse) -> Vec<Effect> {
    if !app.on_bare_main() {
        return super::on_mouse_elsewhere(app, m);
    }
    let layout = layout::compute(app.area(), app.focus);
    let pos = Position::new(m.column, m.row);
    let in_tree = layout.tree.contains(pos);
    let in_detail = layout.detail.contains(pos);
    match m.kind {
        MouseKind::ScrollUp if in_tree => app.tree.move_by(-3),
        MouseKind::ScrollDown if in_tree => app.tree.move_by(3),
        MouseKind::ScrollUp if in_detail => app.detail.scroll = app.detail.scroll.saturating_sub(3),
        MouseKind::ScrollDown if in_detail => {
            app.detail.scroll = app.detail.scroll.saturating_add(3)
        }
        MouseKind::LeftDown if in_tree => {
            app.focus = Pane::Tree;
            // One row of border at the top.
            let row = m.row.saturating_sub(layout.tree.y + 1) as usize + app.tree.list.offset;
            if m.row > layout.tree.y && row < app.tree.rows.len() {
                let same = app.tree.list.selected == row;
                app.tree.list.selected = row;
                if same || matches!(app.tree.rows[row].kind, RowKind::Folder { .. }) {
                    app.tree.toggle(&app.catalog);
                }
            }
        }
        MouseKind::LeftDown if in_detail => app.focus = Pane::Detail,
        _ => {}
    }
    app.follow_selection()
}
