//! The bottom line: a notice, or the keys that matter here.

use super::theme::Theme;
use crate::app::{App, NoticeKind};
use crate::keymap;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    if let Some(n) = &app.notice {
        let style = match n.kind {
            NoticeKind::Info => theme.info(),
            NoticeKind::Error => theme.error(),
        };
        let text = crate::sanitize::escape(&n.text);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {text}"), style))),
            area,
        );
        return;
    }
    let mut spans = Vec::new();
    for (key, label) in keymap::hints(app.scope()) {
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
