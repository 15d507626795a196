//! The project/secret tree pane.

use super::theme::Theme;
use super::widgets::{filter_text, pane};
use crate::app::catalog::MetaState;
use crate::app::tree::{Row, RowKind};
use crate::app::App;
use crate::keymap::{Action, Scope};
use crate::sanitize::escape;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, focused: bool) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let title = filter_text(&app.tree.filter)
        .map(|f| format!(" {f} "))
        .unwrap_or_else(|| " Secrets ".to_string());
    let title = super::theme::focus_title(&title, focused);
    let block = pane(title, theme.border(focused), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if app.catalog.is_empty() {
        let text = if app.tree.filter.is_empty() {
            format!(
                "Empty. Press {} to add a secret.",
                app.keymap.key(Scope::Main, Action::New)
            )
        } else {
            "Nothing matches.".to_string()
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), inner);
        return;
    }
    if app.tree.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("Nothing matches the filter.").style(theme.dim()),
            inner,
        );
        return;
    }
    let height = inner.height as usize;
    let lines: Vec<Line> = app
        .tree
        .rows
        .iter()
        .enumerate()
        .skip(app.tree.list.offset)
        .take(height)
        .map(|(i, row)| {
            let mut line = row_line(app, row, inner.width as usize, theme);
            if i == app.tree.list.selected {
                // The highlight spans the whole row, not only the name.
                let rest = (inner.width as usize).saturating_sub(line.width());
                line.spans.push(Span::raw(" ".repeat(rest)));
                line = line.style(theme.selected(focused));
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One row of the tree: a folder with its count and worst status, or a
/// secret with its status mark and, when there is room, its status word.
fn row_line<'a>(app: &'a App, row: &'a Row, width: usize, theme: &Theme) -> Line<'a> {
    let indent = "  ".repeat(row.depth);
    match &row.kind {
        RowKind::Folder {
            name,
            count,
            worst,
            expanded,
            ..
        } => {
            let arrow = if *expanded { "▾ " } else { "▸ " };
            let mut spans = vec![
                Span::raw(indent),
                Span::styled(format!("{arrow}{}/", escape(name)), theme.folder()),
                Span::styled(format!(" ({count})"), theme.dim()),
            ];
            if let Some(w) =
                worst.filter(|w| w.needs_action() || *w == crate::policy::Status::DueSoon)
            {
                spans.push(Span::styled(format!(" {}", w.symbol()), theme.status(w)));
            }
            Line::from(spans)
        }
        RowKind::Secret { index, .. } => {
            let entry = &app.catalog.entries[*index];
            let mark = match &entry.state {
                MetaState::Pending => Span::styled("· ", theme.dim()),
                MetaState::Failed(_) => Span::styled("? ", theme.error()),
                MetaState::Loaded(l) => {
                    let s = l.assessment.status;
                    Span::styled(format!("{} ", s.symbol()), theme.status(s))
                }
            };
            let leaf = escape(entry.name.leaf());
            let used = indent.chars().count() + 2 + leaf.chars().count();
            let mut spans = vec![Span::raw(indent), mark, Span::raw(leaf)];
            // The status word, right-aligned, when there is room for it.
            if let Some(s) = entry
                .status()
                .filter(|s| s.needs_action() || *s == crate::policy::Status::DueSoon)
            {
                let word = match &entry.state {
                    MetaState::Loaded(l) if crate::policy::offboarded_only(&l.meta) => "offboarded",
                    _ => s.label(),
                };
                if used + 1 + word.len() <= width {
                    spans.push(Span::raw(" ".repeat(width - used - word.len())));
                    spans.push(Span::styled(word, theme.status(s)));
                }
            }
            Line::from(spans)
        }
    }
}
