//! The audit screen's keys: moving, the filters, and opening a record's
//! secret.

use crate::app::{App, Effect, Screen};
use crate::keymap::{Action, KeyPress, Scope};
use crate::store::SecretPath;

pub(crate) fn audit_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    if app.audit.filter.active {
        // Typing a filter: the filter line's keys (the footer keeps the
        // audit screen's hints).
        let action = app.keymap.lookup(Scope::Filter, &key);
        return filter_key(app, action, key);
    }
    let rows = app.audit.visible(app.clock.utc()).len();
    match action {
        Some(a) if app.audit.list.navigate(a, rows) => {}
        Some(Action::Back) => app.screen = Screen::Main,
        Some(Action::Filter) => app.audit.filter.start(),
        Some(Action::StatusFilter) => app.audit.next_action(),
        Some(Action::TimeRange) => {
            app.audit.range = app.audit.range.next();
            app.audit.list.first();
        }
        Some(Action::Review) => app.open_review(),
        Some(Action::Open) => return open(app),
        Some(Action::Help) => super::open_help(app),
        Some(Action::Messages) => app.overlay = crate::app::Overlay::Messages { scroll: 0 },
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
        .get(app.audit.list.selected)
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
        Some(Action::ClearFilter) => app.audit.filter.cancel(),
        Some(Action::AcceptFilter) => app.audit.filter.accept(),
        Some(_) => {}
        None => {
            if app.audit.filter.edit(&key) {
                app.audit.list.first();
            }
        }
    }
    Vec::new()
}
