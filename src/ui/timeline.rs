//! The timeline under the detail: the audit records about the selected
//! secret, newest first; for a secret with no records yet (a store made
//! before the audit log, or files copied in), the changes its own history
//! tells.

use super::theme::Theme;
use super::widgets::pane;
use crate::app::App;
use crate::audit::Record;
use crate::sanitize::escape;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// One record as a line of text (shared with the full-screen view).
pub fn describe(r: &Record) -> String {
    let mut text = format!("{} {}", escape(&r.actor), r.action.label());
    if let Some(v) = r.version {
        text.push_str(&format!(" v{v}"));
    }
    if let Some(to) = &r.to {
        text.push_str(&format!(" → {}", escape(to)));
    }
    if let Some(reason) = &r.reason {
        text.push_str(&format!(" — {}", escape(reason)));
    }
    text
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height < 3 || area.width < 10 {
        return;
    }
    let mut lines = Vec::new();
    let mut title = " Timeline ";
    if let (Some(name), Some(doc)) = (&app.detail.name, app.detail.loaded()) {
        let records: Vec<_> = app
            .audit
            .for_path(name.as_str())
            .take(area.height as usize)
            .collect();
        if !records.is_empty() {
            title = " Audit timeline ";
            for e in records {
                lines.push(Line::from(vec![
                    Span::styled(when(e.record.time), theme.dim()),
                    Span::raw(format!("  {}", describe(&e.record))),
                ]));
            }
        } else {
            title = " History (no audit records yet) ";
            // (time, text), newest first.
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
            events.sort_by_key(|e| std::cmp::Reverse(e.0));
            for (t, text) in events {
                lines.push(Line::from(vec![
                    Span::styled(when(t), theme.dim()),
                    Span::raw(format!("  {text}")),
                ]));
            }
        }
    } else {
        lines.push(Line::styled(
            "Select a secret to see its timeline.",
            theme.dim(),
        ));
    }
    let block = pane(title, theme.border(false), theme);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
