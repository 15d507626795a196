//! Form and confirmation dialogs, drawn over the main screen.

use super::theme::Theme;
use super::widgets::{pane, popup, truncate, Keep};
use crate::app::form::{keys_hint, Form};
use crate::keymap::{key_labels, Action, Keymap, Scope};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw_form(frame: &mut Frame, area: Rect, form: &Form, keymap: &Keymap, theme: &Theme) {
    let value_lines: usize = form
        .fields
        .iter()
        .map(|f| f.input.display().split('\n').count().min(6))
        .sum();
    // Room for a validation message that wraps.
    let error_lines = form
        .error
        .as_ref()
        .map(|e| e.chars().count() / 68 + 1)
        .unwrap_or(1);
    let height = (value_lines + 5 + error_lines) as u16;
    let rect = popup(frame, area, 72, height.max(8));
    let block = pane(
        format!(" {} ", form.kind.title()),
        theme.border(true),
        theme,
    );
    let width = rect.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if focused { theme.key() } else { theme.label() };
        let shown = f.input.display();
        let parts: Vec<&str> = shown.split('\n').collect();
        let total = parts.len();
        // Long multi-line values show their last lines, where typing happens.
        let skip = total.saturating_sub(6);
        for (j, part) in parts.iter().enumerate().skip(skip) {
            let label = if j == skip {
                format!("{:<13}", f.key.label())
            } else {
                " ".repeat(13)
            };
            let mut text: String = part.to_string();
            if focused && j + 1 == total {
                text = with_cursor(&text, f, j == 0);
            }
            let text = truncate(&text, width.saturating_sub(14), Keep::Tail);
            let style = if f.input.secret && !f.input.shown {
                theme.masked()
            } else {
                Default::default()
            };
            lines.push(Line::from(vec![
                Span::styled(label, label_style),
                Span::styled(text, style),
            ]));
        }
    }
    lines.push(Line::raw(""));
    let focused = &form.fields[form.focus];
    lines.push(Line::styled(focused.key.help(keymap), theme.dim()));
    if form.busy {
        lines.push(Line::styled("Saving…", theme.dim()));
    } else if let Some(e) = &form.error {
        lines.push(Line::styled(crate::sanitize::escape(e), theme.error()));
    } else {
        lines.push(Line::styled(keys_hint(keymap), theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// Shows the cursor as a bar at its position (only in the last line, where
/// the cursor of a multi-line field normally is).
fn with_cursor(line: &str, field: &crate::app::form::Field, single: bool) -> String {
    let pos = if single {
        field.input.cursor().min(line.chars().count())
    } else {
        line.chars().count()
    };
    let mut out: String = line.chars().take(pos).collect();
    out.push('▏');
    out.extend(line.chars().skip(pos));
    out
}

pub fn draw_confirm(frame: &mut Frame, area: Rect, question: &str, keymap: &Keymap, theme: &Theme) {
    let rect = popup(frame, area, 60, 7);
    let block = pane(" Confirm ", theme.error(), theme);
    // "y yes   n / Esc no": the first key of yes, the first two of no.
    let mut keys = vec![
        Span::styled(keymap.key(Scope::Confirm, Action::Yes), theme.key()),
        Span::raw(" yes   "),
    ];
    for (i, k) in keymap
        .keys_of(Scope::Confirm, Action::No)
        .iter()
        .take(2)
        .enumerate()
    {
        if i > 0 {
            keys.push(Span::raw(" / "));
        }
        keys.push(Span::styled(k.label.as_str(), theme.key()));
    }
    keys.push(Span::raw(" no"));
    let lines = vec![
        Line::raw(question.to_string()),
        Line::raw(""),
        Line::from(keys),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// "Copy which field?" — keys from the key map's Pick scope.
pub fn draw_pick(frame: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme) {
    let rect = popup(frame, area, 40, 10);
    let block = pane(" Copy which field? ", theme.border(true), theme);
    let lines: Vec<Line> = keymap
        .in_scope(Scope::Pick)
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<14}", key_labels(b)), theme.key()),
                Span::raw(b.help),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
