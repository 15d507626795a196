//! The bottom line: a notice, or the keys that matter here; the clipboard
//! countdown on the right while a copied value waits to be cleared.

use super::theme::Theme;
use super::widgets::{truncate, Keep};
use crate::app::{App, NoticeKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// "clipboard clears in 43 s", or None when nothing waits.
pub fn countdown(app: &App) -> Option<String> {
    let clip = app.clip.as_ref()?;
    Some(match clip.clears_at {
        Some(t) => {
            let left = t.saturating_duration_since(app.clock.now).as_secs();
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
    let width = left_area.width as usize;
    if let Some(n) = &app.notice {
        let style = match n.kind {
            NoticeKind::Info => theme.info(),
            NoticeKind::Error => theme.error(),
        };
        let text = truncate(
            &format!(" {}", crate::sanitize::escape(&n.text)),
            width,
            Keep::Head,
        );
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, style))),
            left_area,
        );
        return;
    }
    // As many hints as fit, whole; help and quit (the last ones) always.
    let hints = app.keymap.hints(app.scope());
    let cost = |(k, l): &(&str, &str)| k.chars().count() + l.chars().count() + 3;
    let tail = hints.len().saturating_sub(2);
    let mut room = width.saturating_sub(hints[tail..].iter().map(cost).sum());
    let mut shown: Vec<&(&str, &str)> = Vec::new();
    for h in &hints[..tail] {
        if cost(h) > room {
            break;
        }
        room -= cost(h);
        shown.push(h);
    }
    shown.extend(hints[tail..].iter());
    let mut spans = Vec::new();
    for (key, label) in shown {
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left_area);
}
