//! Keys of what opens over a screen: forms, the confirmation, the help and
//! the field picker. Closing one goes back to the screen under it.

use super::main::copy;
use crate::app::form::FieldKey;
use crate::app::{App, Effect, Overlay};
use crate::keymap::{Action, KeyPress, Mods};

pub(crate) fn form_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    let Overlay::Form(form) = &mut app.overlay else {
        return Vec::new();
    };
    if form.busy {
        return Vec::new();
    }
    let in_value = form.focused_key() == FieldKey::Value;
    if action != Some(Action::Cancel) {
        form.disarm();
    }
    match action {
        Some(Action::Cancel) => {
            if form.request_cancel(&app.keymap) {
                app.overlay = Overlay::None;
            }
        }
        Some(Action::Help) => super::open_help(app),
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

pub(crate) fn confirm_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    match action {
        Some(Action::Yes) => {
            if let Overlay::Confirm(c) = std::mem::take(&mut app.overlay) {
                return vec![Effect::Save(c.op)];
            }
        }
        Some(Action::No) => app.overlay = Overlay::None,
        _ => {}
    }
    Vec::new()
}

/// Scrolls the help inside its lines; closing goes back to what it opened
/// over.
pub(crate) fn help_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let viewport = app.viewport;
    if let Overlay::Help { scroll, from, .. } = &mut app.overlay {
        let max = crate::app::help::max_scroll(&app.keymap, *from, viewport);
        let page = crate::app::help::page(viewport).saturating_sub(1).max(1) as u16;
        match action {
            Some(Action::Back) => {
                if let Overlay::Help { under, .. } = std::mem::take(&mut app.overlay) {
                    app.overlay = *under;
                }
                return Vec::new();
            }
            Some(Action::Up) => *scroll = scroll.saturating_sub(1),
            Some(Action::Down) => *scroll = scroll.saturating_add(1),
            Some(Action::PageUp) => *scroll = scroll.saturating_sub(page),
            Some(Action::PageDown) => *scroll = scroll.saturating_add(page),
            Some(Action::Top) => *scroll = 0,
            Some(Action::Bottom) => *scroll = max,
            _ => {}
        }
        *scroll = (*scroll).min(max);
    }
    Vec::new()
}

/// Scrolls the message log inside its lines; closing goes back.
pub(crate) fn messages_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let max = crate::app::messages::max_scroll(&app.messages, app.viewport);
    let page = crate::app::help::page(app.viewport)
        .saturating_sub(1)
        .max(1) as u16;
    if let Overlay::Messages { scroll } = &mut app.overlay {
        match action {
            Some(Action::Back) => {
                app.overlay = Overlay::None;
                return Vec::new();
            }
            Some(Action::Up) => *scroll = scroll.saturating_sub(1),
            Some(Action::Down) => *scroll = scroll.saturating_add(1),
            Some(Action::PageUp) => *scroll = scroll.saturating_sub(page),
            Some(Action::PageDown) => *scroll = scroll.saturating_add(page),
            Some(Action::Top) => *scroll = 0,
            Some(Action::Bottom) => *scroll = max,
            _ => {}
        }
        *scroll = (*scroll).min(max);
    }
    Vec::new()
}

/// Which field to copy: one key a field; any other key closes the picker.
pub(crate) fn pick_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    app.overlay = Overlay::None;
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

/// The failed sync's message: any of its keys closes it.
pub(crate) fn sync_failed_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    if action == Some(Action::Back) {
        app.overlay = Overlay::None;
    }
    Vec::new()
}
