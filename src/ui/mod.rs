//! Pure renderers: they draw from the app state and change nothing.
//! Every string from the store goes through `sanitize` before it is drawn.

pub mod audit;
pub mod detail;
pub mod dialog;
pub mod folder;
pub mod footer;
pub mod header;
pub mod help;
pub mod history;
pub mod join;
pub mod layout;
pub mod lock;
pub mod messages;
pub mod otp;
pub mod review;
pub mod sync;
pub mod theme;
pub mod timeline;
pub mod tree;
pub mod trust;
pub mod widgets;

use crate::app::{App, Overlay, Pane, Screen};
use ratatui::Frame;
use theme::Theme;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let theme = Theme::new(&app.palette, app.mono);
    let area = frame.area();
    match &app.screen {
        Screen::Locked(lock) => {
            lock::draw_lock(frame, area, app, lock, &theme);
            return;
        }
        Screen::FirstRun(fr) => {
            lock::draw_first_run(frame, area, fr, &app.keymap, &theme);
            return;
        }
        Screen::Join(join) => {
            join::draw(frame, area, app, join, &theme);
            return;
        }
        _ => {}
    }
    // Notices get a line of their own under the footer's key hints.
    let (area, status) = crate::app::layout::split_status(area, app.notice.is_some());
    if let Some(line) = status {
        footer::draw_status(frame, line, app, &theme);
    }
    let l = crate::app::layout::compute(area, app.focus);
    // Full screens: the review (with forms over it) and the audit timeline.
    if matches!(app.screen, Screen::Audit | Screen::Review) {
        header::draw(frame, l.header, app, &theme);
        let body = crate::app::layout::body(area);
        if matches!(app.screen, Screen::Audit) {
            audit::draw(frame, body, app, &theme);
        } else {
            review::draw(frame, body, app, &theme);
        }
        footer::draw(frame, l.footer, app, &theme, status.is_none());
        draw_overlay(frame, app, &app.overlay, &theme);
        return;
    }
    header::draw(frame, l.header, app, &theme);
    tree::draw(frame, l.tree, app, &theme, app.focus == Pane::Tree);
    detail::draw(frame, l.detail, app, &theme, app.focus == Pane::Detail);
    timeline::draw(frame, l.timeline, app, &theme);
    footer::draw(frame, l.footer, app, &theme, status.is_none());
    draw_overlay(frame, app, &app.overlay, &theme);
}

/// What is open over a screen; the trust dialog over what it opened on.
fn draw_overlay(frame: &mut Frame, app: &App, overlay: &Overlay, theme: &Theme) {
    let area = frame.area();
    match overlay {
        Overlay::Form(form) => dialog::draw_form(frame, area, form, &app.keymap, theme),
        Overlay::Confirm(c) => dialog::draw_confirm(frame, area, &c.question, &app.keymap, theme),
        Overlay::Help {
            scroll,
            from,
            under,
        } => {
            draw_overlay(frame, app, under, theme);
            help::draw(frame, area, &app.keymap, *from, *scroll, theme)
        }
        Overlay::PickField => dialog::draw_pick(frame, area, &app.keymap, theme),
        Overlay::History(pick) => history::draw(frame, area, app, pick, theme),
        Overlay::SyncFailed(message) => sync::draw_failed(frame, area, message, &app.keymap, theme),
        Overlay::Trust(dialog) => {
            draw_overlay(frame, app, &dialog.under, theme);
            trust::draw(frame, area, dialog, &app.keymap, theme);
        }
        Overlay::Messages { scroll } => messages::draw(frame, area, app, *scroll, theme),
        Overlay::None => {}
    }
}
