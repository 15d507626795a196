//! The bottom line: a notice, or the keys that matter here; the clipboard
//! countdown on the right while a copied value waits to be cleared.

use super::theme::Theme;
use crate::app::{App, NoticeKind};
use crate::keymap;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// "clipboard clears in 43 s", or None when nothing waits.
pub fn countdown(app: &App) -> Option<String> {
    let clip = app.clip.as_ref()?;
    Some(match clip.clears_at {
        Some(t) => {
            let left = t.saturating_duration_since(app.now).as_secs();
            format!("clipboard clears in {left} s")
        }
        None => "clipboard: never cleared".to_string(),
    })
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let right = countdown(app);
    let right_w = right
        .as_ref()
        .map(|r| r.chars().count() as u16 + 2)
        .unwrap_or(0);
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(right_w.min(area.width)),
    ])
    .areas(area);
    if let Some(r) = right {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {r} "), theme.revealed()))),
            right_area,
        );
    }
    if let Some(n) = &app.notice {
        let style = match n.kind {
            NoticeKind::Info => theme.info(),
            NoticeKind::Error => theme.error(),
        };
        let text = crate::sanitize::escape(&n.text);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {text}"), style))),
            left_area,
        );
        return;
    }
    let mut spans = Vec::new();
    for (key, label) in keymap::hints(app.scope()) {
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left_area);
}
