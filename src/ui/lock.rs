//! The lock screen and the first-run screen: nothing of the store shows.

use super::theme::Theme;
use super::widgets::{pane, popup};
use crate::app::{App, FirstRun, LockScreen};
use crate::keymap::{Action, Keymap, Scope};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

pub(super) fn masked(n: usize, focused: bool) -> String {
    let mut s = "•".repeat(n);
    if focused {
        s.push('▏');
    }
    s
}

pub fn draw_lock(frame: &mut Frame, area: Rect, app: &App, lock: &LockScreen, theme: &Theme) {
    frame.render_widget(Clear, area);
    let rect = popup(frame, area, 64, 10);
    let block = pane(" ward is locked ", theme.border(true), theme);
    let mut lines = vec![
        Line::styled(crate::sanitize::escape(&app.store_label), theme.dim()),
        Line::raw(""),
    ];
    let unlock = app.keymap.key(Scope::Lock, Action::Unlock);
    let quit = app.keymap.key(Scope::Lock, Action::Quit);
    if lock.needs_passphrase {
        lines.push(Line::from(vec![
            Span::styled("Passphrase ", theme.label()),
            Span::raw(masked(lock.passphrase.text().chars().count(), true)),
        ]));
        lines.push(Line::styled(
            format!("{unlock} unlocks · {quit} quits"),
            theme.dim(),
        ));
    } else {
        lines.push(Line::raw(format!(
            "Press {unlock} to unlock · {quit} quits"
        )));
        lines.push(Line::styled(
            format!(
                "This identity has no passphrase: the lock hides the screen and drops values \
                 from memory, but {unlock} alone unlocks. Protect it with a passphrase for a \
                 real lock."
            ),
            theme.dim(),
        ));
    }
    if lock.busy {
        lines.push(Line::styled("Unlocking…", theme.dim()));
    } else if let Some(e) = &lock.error {
        lines.push(Line::styled(crate::sanitize::escape(e), theme.error()));
    }
    if !lock.identity.is_empty() {
        lines.push(Line::styled(
            format!("Identity: {}", crate::sanitize::escape(&lock.identity)),
            theme.dim(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

pub fn draw_first_run(
    frame: &mut Frame,
    area: Rect,
    fr: &FirstRun,
    keymap: &Keymap,
    theme: &Theme,
) {
    frame.render_widget(Clear, area);
    let rect = popup(frame, area, 76, 18);
    let block = pane(" Welcome to ward ", theme.border(true), theme);
    let esc = |p: &std::path::Path| crate::sanitize::escape(&p.display().to_string());
    let mut lines = vec![
        Line::raw("There is no store yet. ward will create:"),
        Line::raw(""),
    ];
    if fr.identity_exists {
        lines.push(Line::raw(format!(
            "  identity  {} (exists, reused)",
            esc(&fr.identity_path)
        )));
    } else {
        lines.push(Line::raw(format!("  identity  {}", esc(&fr.identity_path))));
        lines.push(Line::styled(
            "            your private age key; back it up, never share it",
            theme.dim(),
        ));
    }
    lines.push(Line::raw(format!("  store     {}", esc(&fr.store_path))));
    lines.push(Line::styled(
        "            one age file per secret; safe to keep in git",
        theme.dim(),
    ));
    lines.push(Line::raw(""));
    lines.extend(passphrase_lines(fr, theme));
    lines.push(first_run_keys(fr, keymap, theme));
    if fr.busy {
        lines.push(Line::styled("Creating…", theme.dim()));
    } else if let Some(e) = &fr.error {
        lines.push(Line::styled(crate::sanitize::escape(e), theme.error()));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// The passphrase fields: a new one twice, or an existing identity's once.
fn passphrase_lines<'a>(fr: &'a FirstRun, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if !fr.identity_exists {
        lines.push(Line::raw(
            "Protect the identity with a passphrase (empty: no passphrase):",
        ));
        lines.push(Line::from(vec![
            Span::styled(
                "  Passphrase  ",
                if fr.focus == 0 {
                    theme.key()
                } else {
                    theme.label()
                },
            ),
            Span::raw(masked(fr.passphrase.text().chars().count(), fr.focus == 0)),
        ]));
        lines.push(Line::from(vec![
            Span::styled(
                "  Again       ",
                if fr.focus == 1 {
                    theme.key()
                } else {
                    theme.label()
                },
            ),
            Span::raw(masked(fr.confirm.text().chars().count(), fr.focus == 1)),
        ]));
        lines.push(Line::raw(""));
    } else {
        lines.push(Line::raw(
            "If that identity has a passphrase, type it (empty: it has none):",
        ));
        lines.push(Line::from(vec![
            Span::styled("  Passphrase  ", theme.key()),
            Span::raw(masked(fr.passphrase.text().chars().count(), true)),
        ]));
        lines.push(Line::raw(""));
    }
    lines
}

/// The first-run keys from the keymap, with their hints.
fn first_run_keys<'a>(fr: &FirstRun, keymap: &'a Keymap, theme: &Theme) -> Line<'a> {
    // "Enter create   Tab next field   Esc quit without creating anything".
    let mut keys = Vec::new();
    for b in keymap.in_scope(Scope::FirstRun) {
        // An existing identity has one field: nothing to move between.
        if b.action == Action::NextField && fr.identity_exists {
            continue;
        }
        if let (Some(k), Some(hint)) = (b.keys.first(), b.hint) {
            if !keys.is_empty() {
                keys.push(Span::raw("   "));
            }
            keys.push(Span::styled(k.label.as_str(), theme.key()));
            keys.push(Span::raw(format!(" {hint}")));
        }
    }
    Line::from(keys)
}
