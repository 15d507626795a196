//! The review screen's keys: moving, sorting, the filters, opening a row's
//! secret and rotating it from here.

use crate::app::form::Form;
use crate::app::{App, Effect, Overlay, Screen};
use crate::keymap::{Action, KeyPress};

pub(crate) fn review_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let rows = app.review.visible().len();
    match action {
        Some(a) if app.review.list.navigate(a, rows) => {}
        Some(Action::Back) => app.screen = Screen::Main,
        Some(Action::SortNext) => {
            app.review.sort = app.review.sort.next();
            app.review.resort();
        }
        Some(Action::SortReverse) => {
            app.review.reverse = !app.review.reverse;
            app.review.resort();
        }
        Some(Action::StatusFilter) => app.review.refilter(|r| r.status = r.status.next()),
        Some(Action::ProjectFilter) => app.review.next_project(),
        Some(Action::OwnerFilter) => app.review.next_owner(),
        Some(Action::Filter) => app.review.filter.start(),
        Some(Action::Open) => return open(app),
        Some(Action::Help) => super::open_help(app),
        Some(Action::Messages) => app.overlay = Overlay::Messages { scroll: 0 },
        Some(Action::Rotate) => rotate(app),
        _ => {}
    }
    Vec::new()
}

/// The selected row's secret, on the main screen.
fn open(app: &mut App) -> Vec<Effect> {
    let name = app
        .review
        .visible()
        .get(app.review.list.selected)
        .map(|r| r.name.clone());
    match name.and_then(|n| app.catalog.position(&n)) {
        Some(i) => app.open_on_main(i),
        None => Vec::new(),
    }
}

/// The rotation form over the review: saving or cancelling comes back here.
fn rotate(app: &mut App) {
    let row = app
        .review
        .visible()
        .get(app.review.list.selected)
        .map(|r| r.name.clone());
    if let Some(name) = row {
        let meta = app
            .catalog
            .get(&name)
            .and_then(|e| e.loaded())
            .map(|l| &l.meta);
        let generator = meta.and_then(|m| m.generator.clone());
        let expires = meta.and_then(|m| m.expires);
        app.overlay = Overlay::Form(Box::new(Form::rotate(name, generator.as_ref(), expires)));
    }
}

/// Keys while typing the review's filter.
pub(crate) fn filter_key(app: &mut App, action: Option<Action>, key: KeyPress) -> Vec<Effect> {
    match action {
        Some(Action::AcceptFilter) => app.review.filter.accept(),
        Some(Action::ClearFilter) => app.review.refilter(|r| r.filter.cancel()),
        _ => {
            let keep = app.review.selected_name();
            if app.review.filter.edit(&key) {
                app.review.list.first();
                app.review.reselect(keep);
            }
        }
    }
    Vec::new()
}
