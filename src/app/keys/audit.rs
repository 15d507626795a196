//! The audit screen's keys: moving, the filters, and opening a record's
//! secret.

use crate::app::input::TextInput;
use crate::app::{App, Effect, Screen};
use crate::keymap::{Action, KeyPress, Scope};
use crate::store::SecretPath;

pub(crate) fn audit_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    if app.audit.typing {
        // Typing a filter: the filter line's keys (the footer keeps the
        // audit screen's hints).
        let action = app.keymap.lookup(Scope::Filter, &key);
        return filter_key(app, action, key);
    }
    let rows = app.audit.visible(app.clock.utc()).len();
    let page = app.viewport.height.saturating_sub(14).max(1) as usize;
    let sel = &mut app.audit.selected;
    match action {
        Some(Action::Back) => app.screen = Screen::Main,
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
        Some(Action::Review) => app.open_review(),
        Some(Action::Open) => return open(app),
        _ => {}
    }
    Vec::new()
}

/// The selected record's secret (where it was moved to, if it was), on the
/// main screen.
fn open(app: &mut App) -> Vec<Effect> {
    let path = app
        .audit
        .visible(app.clock.utc())
        .get(app.audit.selected)
        .and_then(|e| e.record.to.clone().or_else(|| e.record.path.clone()));
    let found = path
        .and_then(|p| SecretPath::parse(&p).ok())
        .and_then(|p| app.catalog.position(&p));
    match found {
        Some(i) => app.open_on_main(i),
        None => {
            app.info("That record's secret is no longer in the store.");
            Vec::new()
        }
    }
}

fn filter_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    match action {
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
    Vec::new()
}
