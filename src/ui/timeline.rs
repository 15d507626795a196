//! The timeline under the detail: the selected secret's changes, newest first.

use super::theme::Theme;
use crate::app::App;
use crate::sanitize::escape;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height < 3 || area.width < 10 {
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(false))
        .title(Span::styled(" Timeline ", theme.title()));
    let mut lines = Vec::new();
    if let Some(doc) = app.detail.loaded() {
        let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
        // (time, text), then newest first.
        let mut events = vec![(
            doc.created,
            format!("created by {}", escape(&doc.created_by)),
        )];
        for h in &doc.history {
            let why = h
                .reason
                .as_deref()
                .map(|r| format!(" — {}", escape(r)))
                .unwrap_or_default();
            events.push((
                h.replaced,
                format!(
                    "rotated to v{} by {}{why}",
                    h.version + 1,
                    escape(&h.replaced_by)
                ),
            ));
        }
        if doc.updated > doc.rotated {
            events.push((
                doc.updated,
                format!("edited by {}", escape(&doc.updated_by)),
            ));
        }
        events.sort_by(|a, b| b.0.cmp(&a.0));
        for (t, text) in events {
            lines.push(Line::from(vec![
                Span::styled(when(t), theme.dim()),
                Span::raw(format!("  {text}")),
            ]));
        }
    } else {
        lines.push(Line::styled(
            "Select a secret to see its timeline.",
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
