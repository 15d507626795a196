//! The `?` overlay, generated from the key map.

use super::layout::centered;
use super::theme::Theme;
use crate::keymap::{key_labels, Action, Keymap, Scope, SCOPES};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap, scroll: u16, theme: &Theme) {
    let rect = centered(area, 76, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let mut lines = Vec::new();
    for scope in SCOPES {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::from(Span::styled(scope.title(), theme.title())));
        for b in keymap.in_scope(scope) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", key_labels(b)), theme.key()),
                Span::raw(b.help),
            ]));
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(
                " Help — {} closes, {}/{} scroll ",
                keymap.key(Scope::Help, Action::Back),
                keymap.key(Scope::Help, Action::Up),
                keymap.key(Scope::Help, Action::Down)
            ),
            theme.title(),
        ));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}
