//! The previous-versions overlay: one line a version, the selected one
//! revealed on request; keys from the key map's History scope.

use super::theme::Theme;
use super::widgets::pane;
use crate::app::history::HistoryPick;
use crate::app::App;
use crate::keymap::{key_labels, Scope};
use crate::sanitize::{escape, escape_multiline};
use crate::store::Encoding;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, pick: &HistoryPick, theme: &Theme) {
    let Some(doc) = app.detail.loaded() else {
        return;
    };
    let width = area.width.saturating_sub(4).min(90);
    let height = area
        .height
        .saturating_sub(2)
        .min(doc.history.len() as u16 * 2 + 6);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let name = app.detail.name.as_ref().map(|n| n.as_str()).unwrap_or("");
    let block = pane(
        format!(" Previous versions of {} ", escape(name)),
        theme.border(true),
        theme,
    );
    let revealed = pick.is_revealed(app.clock.now);
    let mut lines = Vec::new();
    for (i, h) in doc.history.iter().enumerate() {
        let selected = i == pick.selected;
        let marker = if selected { "▶ " } else { "  " };
        let why = h
            .reason
            .as_deref()
            .map(|r| format!(" — {}", escape(r)))
            .unwrap_or_default();
        let value = if selected && revealed {
            let text = match h.encoding {
                Encoding::Utf8 => escape_multiline(h.value.expose()).replace('\n', "⏎"),
                Encoding::Base64 => format!("(binary, base64) {}", h.value.expose()),
            };
            Span::styled(text, theme.revealed())
        } else {
            Span::styled("••••••••••••", theme.masked())
        };
        let style = if selected {
            theme.selected(true)
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}v{:<4}", h.version), theme.label()),
            Span::styled(
                format!(
                    "{} → {} by {}{why}",
                    h.set.format("%Y-%m-%d"),
                    h.replaced.format("%Y-%m-%d"),
                    escape(&h.replaced_by)
                ),
                style,
            ),
        ]));
        lines.push(Line::from(vec![Span::raw("        "), value]));
    }
    lines.push(Line::raw(""));
    let keys: Vec<Span> = app
        .keymap
        .in_scope(Scope::History)
        .filter(|b| b.hint.is_some())
        .flat_map(|b| {
            [
                Span::styled(format!("{} ", key_labels(b)), theme.key()),
                Span::styled(format!("{}  ", b.hint.unwrap_or("")), theme.dim()),
            ]
        })
        .collect();
    lines.push(Line::from(keys));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
