//! The `?` overlay: the lines `app::help` makes from the key map, in its
//! box, the area cleared first.

use super::theme::Theme;
use super::widgets::pane;
use crate::app::help::{self, HelpLine};
use crate::keymap::{Action, Keymap, Scope};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    from: Scope,
    scroll: u16,
    theme: &Theme,
) {
    let rect = help::rect(area);
    frame.render_widget(Clear, rect);
    let content = help::lines(keymap, from);
    let col = help::key_column(&content);
    let mut lines = Vec::new();
    for l in &content {
        match l {
            HelpLine::Blank => lines.push(Line::raw("")),
            HelpLine::Title(t) => lines.push(Line::from(Span::styled(t.clone(), theme.title()))),
            HelpLine::Keys { keys, help } if keys.chars().count() > col => {
                // Too long for the column: the keys on a line of their own.
                lines.push(Line::from(Span::styled(format!("  {keys}"), theme.key())));
                lines.push(Line::from(vec![
                    Span::raw(format!("  {:col$}  ", "")),
                    Span::raw(*help),
                ]));
            }
            HelpLine::Keys { keys, help } => lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<col$}  "), theme.key()),
                Span::raw(*help),
            ])),
            HelpLine::Mark { mark, meaning } => lines.push(Line::from(vec![
                Span::styled(format!("  {mark:<col$}  "), theme.key()),
                Span::raw(meaning.clone()),
            ])),
        }
    }
    let title = format!(
        " Help — {} closes, {}/{} scroll, {}/{} page ",
        keymap.key(Scope::Help, Action::Back),
        keymap.key(Scope::Help, Action::Up),
        keymap.key(Scope::Help, Action::Down),
        keymap.key(Scope::Help, Action::PageUp),
        keymap.key(Scope::Help, Action::PageDown),
    );
    let block = pane(title, theme.border(true), theme);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}
