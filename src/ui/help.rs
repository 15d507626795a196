//! The `?` overlay, generated from the key map.

use super::theme::Theme;
use super::widgets::{pane, popup};
use crate::keymap::{key_labels, Action, Keymap, Scope, SCOPES};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap, scroll: u16, theme: &Theme) {
    let rect = popup(frame, area, 76, area.height.saturating_sub(2));
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
    let title = format!(
        " Help — {} closes, {}/{} scroll ",
        keymap.key(Scope::Help, Action::Back),
        keymap.key(Scope::Help, Action::Up),
        keymap.key(Scope::Help, Action::Down)
    );
    let block = pane(title, theme.border(true), theme);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}
