//! The trust dialog: each key waiting for this machine's approval, with
//! its label, its file and, in a git store, the commit that added it.

use super::join::{fitted_height, hints};
use super::theme::Theme;
use super::widgets::{pane, popup};
use crate::app::screen::{PendingKey, TrustDialog};
use crate::keymap::{Action, Keymap, Scope};
use crate::sanitize::escape;
use crate::store::recipients::short_key;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &TrustDialog, keymap: &Keymap, theme: &Theme) {
    let n = dialog.keys.len();
    let mut lines = Vec::new();
    if let Some(refused) = &dialog.refused {
        lines.push(Line::styled(escape(refused), theme.error()));
        lines.push(Line::raw(""));
    }
    lines.push(Line::raw(format!(
        "{} in this store's recipients files {} not approved on this machine. New secrets \
         there would be encrypted to {}: check with the team who added {}.",
        crate::words::plural(n, "key"),
        if n == 1 { "is" } else { "are" },
        if n == 1 { "it" } else { "them" },
        if n == 1 { "it" } else { "them" },
    )));
    lines.push(Line::raw(""));
    for key in dialog.keys.iter().skip(dialog.scroll) {
        lines.extend(key_lines(key, theme));
    }
    lines.push(Line::raw(""));
    lines.push(footer(dialog, keymap, theme));
    let width = area.width.min(96);
    let height = fitted_height(&lines, width).min(area.height.saturating_sub(2));
    let rect = popup(frame, area, width, height);
    let block = pane(" Keys to approve ", theme.error(), theme);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// One key: its short form and label, then where it is from.
fn key_lines<'a>(key: &PendingKey, theme: &Theme) -> Vec<Line<'a>> {
    let label = key
        .label
        .as_deref()
        .map(escape)
        .unwrap_or_else(|| "(no label)".into());
    let mut from = format!("    in {}", escape(&key.file));
    if let Some(commit) = &key.added_by {
        from.push_str(&format!(", {}", escape(commit)));
    }
    vec![
        Line::from(vec![
            Span::styled(format!("  {}  ", escape(&short_key(&key.key))), theme.key()),
            Span::raw(label),
        ]),
        Line::styled(from, theme.dim()),
    ]
}

/// The keys, the question while approving, or what went wrong.
fn footer<'a>(dialog: &TrustDialog, keymap: &'a Keymap, theme: &Theme) -> Line<'a> {
    if dialog.busy {
        return Line::styled("Approving…", theme.dim());
    }
    if dialog.confirming {
        return Line::from(vec![
            Span::styled(
                format!(
                    "Approve {} for this store on this machine? ",
                    crate::words::plural(dialog.keys.len(), "key")
                ),
                theme.error(),
            ),
            Span::styled(keymap.key(Scope::Confirm, Action::Yes), theme.key()),
            Span::raw(" yes   "),
            Span::styled(keymap.keys(Scope::Confirm, Action::No, 2), theme.key()),
            Span::raw(" no"),
        ]);
    }
    if let Some(e) = &dialog.error {
        return Line::styled(escape(e), theme.error());
    }
    hints(keymap, Scope::Trust, theme)
}
