//! The shapes the renderers share: a titled pane, a bar chart, a popup, a
//! table with a selected row, the filter text and truncation.

use super::layout::centered;
use super::theme::Theme;
use crate::sanitize::escape;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Cell, Clear, Row, Table};
use ratatui::Frame;
use std::borrow::Cow;

/// A bordered pane with its title in the title style.
pub fn pane<'a>(title: impl Into<Cow<'a, str>>, border: Style, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, theme.title()))
}

/// A bar chart in an unfocused pane, the bars `bar_width` wide, one cell apart.
pub fn bar_chart<'a>(
    frame: &mut Frame,
    area: Rect,
    title: impl Into<Cow<'a, str>>,
    bars: &[Bar<'a>],
    bar_width: u16,
    theme: &Theme,
) {
    frame.render_widget(
        BarChart::default()
            .block(pane(title, theme.border(false), theme))
            .data(BarGroup::default().bars(bars))
            .bar_width(bar_width)
            .bar_gap(1),
        area,
    );
}

/// Clears a centred box of at most `w`×`h` inside `area` for a popup and
/// returns it.
pub fn popup(frame: &mut Frame, area: Rect, w: u16, h: u16) -> Rect {
    let rect = centered(area, w, h);
    frame.render_widget(Clear, rect);
    rect
}

/// A table in `block` whose header cells are in the title style, scrolled so
/// that the `selected` item shows, and that item highlighted. `cells` makes
/// the cells of one item.
#[allow(clippy::too_many_arguments)]
pub fn selection_table<'a, T>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    header: Vec<String>,
    widths: Vec<Constraint>,
    items: &[T],
    list: &crate::app::list::ListState,
    theme: &Theme,
    cells: impl Fn(&T) -> Vec<Cell<'a>>,
) {
    // The window is the app's (its page height comes from the same layout).
    let inner_h = crate::app::layout::table_rows(area);
    let selected = list.selected.min(items.len().saturating_sub(1));
    let offset = list.offset;
    let body: Vec<Row> = items
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner_h)
        .map(|(i, item)| {
            let row = Row::new(cells(item));
            if i == selected {
                row.style(theme.selected(true))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(
        header
            .into_iter()
            .map(|h| Cell::from(h).style(theme.title())),
    );
    frame.render_widget(
        Table::new(body, widths)
            .header(header)
            .block(block)
            .column_spacing(1),
        area,
    );
}

/// A text filter as shown: "/text", with a bar at the cursor while typing;
/// None when there is no filter and none is being typed.
pub fn filter_text(filter: &crate::app::filter::FilterLine) -> Option<String> {
    if !filter.active && filter.is_empty() {
        return None;
    }
    let cursor = if filter.active { "▏" } else { "" };
    let (before, after) = filter.parts();
    Some(format!("/{}{cursor}{}", escape(before), escape(after)))
}

/// Which end of a cut text stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// "The beginning…" (a notice).
    Head,
    /// "…the end" (a path, where the secret's own name is; typed text, where
    /// the cursor is). Under two columns the text is left whole, to be clipped.
    Tail,
}

/// Cuts `text` to `width` characters with "…" where it was cut.
pub fn truncate(text: &str, width: usize, keep: Keep) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    match keep {
        Keep::Head => {
            let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
            out.push('…');
            out
        }
        Keep::Tail if width < 2 => text.to_string(),
        Keep::Tail => {
            let tail: String = text.chars().skip(n - (width - 1)).collect();
            format!("…{tail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_the_chosen_end() {
        assert_eq!(truncate("abcdef", 6, Keep::Head), "abcdef");
        assert_eq!(truncate("abcdef", 4, Keep::Head), "abc…");
        assert_eq!(truncate("abcdef", 0, Keep::Head), "…");
        assert_eq!(truncate("abcdef", 4, Keep::Tail), "…def");
        assert_eq!(truncate("abcdef", 1, Keep::Tail), "abcdef");
        assert_eq!(truncate("ééééé", 3, Keep::Tail), "…éé");
    }

    #[test]
    fn the_filter_shows_its_cursor_while_typing() {
        let mut f = crate::app::filter::FilterLine::default();
        assert_eq!(filter_text(&f), None);
        f.start();
        assert_eq!(filter_text(&f).as_deref(), Some("/▏"));
        f.insert_str("aws");
        assert_eq!(filter_text(&f).as_deref(), Some("/aws▏"));
        f.accept();
        assert_eq!(filter_text(&f).as_deref(), Some("/aws"));
    }
}
