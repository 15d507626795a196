//! The top line: store, counts by status, load progress.

use super::theme::Theme;
use crate::app::App;
use crate::policy::Status;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let counts = app.catalog.counts();
    let mut spans = vec![
        Span::styled(" ward ", theme.title()),
        Span::styled(crate::sanitize::escape(&app.store_label), theme.dim()),
        Span::raw(format!("  {} secrets", app.catalog.len())),
    ];
    for status in [
        Status::Compromised,
        Status::Expired,
        Status::Overdue,
        Status::DueSoon,
    ] {
        let n = counts.get(status);
        if n > 0 {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                format!("{} {n} {}", status.symbol(), status.label()),
                theme.status(status),
            ));
        }
    }
    if counts.failed > 0 {
        spans.push(Span::styled(
            format!("  ? {} unreadable", counts.failed),
            theme.error(),
        ));
    }
    let (done, total) = app.catalog.progress();
    if done < total {
        spans.push(Span::styled(
            format!("  loading {done}/{total}…"),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
