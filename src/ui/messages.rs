//! The message log overlay: every notice of this session, newest first,
//! wrapped, in the help's box (the area cleared first).

use super::theme::Theme;
use super::widgets::pane;
use crate::app::messages::{self, TIME_COLUMN};
use crate::app::{App, NoticeKind};
use crate::keymap::{Action, Scope};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, scroll: u16, theme: &Theme) {
    let rect = messages::rect(area);
    frame.render_widget(Clear, rect);
    let rows = messages::rows(&app.messages, messages::text_width(area));
    let lines: Vec<Line> = if rows.is_empty() {
        vec![Line::styled("No messages yet.", theme.dim())]
    } else {
        rows.into_iter()
            .map(|r| {
                let style = match r.kind {
                    NoticeKind::Error => theme.error(),
                    _ => ratatui::style::Style::default(),
                };
                Line::from(vec![
                    Span::styled(
                        format!("{:<TIME_COLUMN$}", r.at.unwrap_or_default()),
                        theme.label(),
                    ),
                    Span::styled(r.text, style),
                ])
            })
            .collect()
    };
    let keymap = &app.keymap;
    let title = format!(
        " Messages, newest first — {} closes, {}/{} scroll ",
        keymap.key(Scope::Messages, Action::Back),
        keymap.key(Scope::Messages, Action::Up),
        keymap.key(Scope::Messages, Action::Down),
    );
    let block = pane(title, theme.border(true), theme);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}
