//! The top line: store, counts by status, load progress.

use super::theme::Theme;
use super::widgets::{truncate, Keep};
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
    let wide = area.width >= 120;
    let label = crate::sanitize::escape(&app.store_label);
    let label = if wide {
        label
    } else {
        truncate(&label, 22, Keep::Tail)
    };
    let mut spans = vec![
        Span::styled(" ward ", theme.title()),
        Span::styled(label, theme.dim()),
        Span::raw(format!("  {}", plural(app.catalog.len(), "secret"))),
    ];
    // Words when they fit, symbols and short words when they do not.
    for status in [
        Status::Compromised,
        Status::Expired,
        Status::Overdue,
        Status::DueSoon,
    ] {
        let n = counts.get(status);
        if n > 0 {
            let text = if wide {
                format!("  {} {n} {}", status.symbol(), status.label())
            } else {
                format!(" {}{n} {}", status.symbol(), short(status))
            };
            spans.push(Span::styled(text, theme.status(status)));
        }
    }
    if counts.failed > 0 {
        spans.push(Span::styled(
            format!("  ? {} unreadable", counts.failed),
            theme.error(),
        ));
    }
    match &app.audit.integrity {
        crate::app::audit_view::Integrity::Broken(why) => {
            let text = if wide {
                format!("  ⚠ audit log: {}", crate::sanitize::escape(why))
            } else {
                "  ⚠ audit broken".to_string()
            };
            spans.push(Span::styled(text, theme.error()));
        }
        crate::app::audit_view::Integrity::Unverifiable(_) => {
            spans.push(Span::styled("  audit not verified", theme.dim()));
        }
        _ => {}
    }
    if !app.catalog.problems.is_empty() {
        let n = app.catalog.problems.len();
        spans.push(Span::styled(format!("  ? {n} skipped"), theme.error()));
    }
    // From the counts already taken: one pass over the catalog a frame.
    let total = app.catalog.len();
    let done = total - counts.pending;
    if done < total && !app.is_locked() {
        spans.push(Span::styled(
            format!("  loading {done}/{total}…"),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn short(s: Status) -> &'static str {
    match s {
        Status::Compromised => "compr",
        Status::Expired => "expired",
        Status::Overdue => "overdue",
        Status::DueSoon => "due",
        Status::Ok => "ok",
        Status::NoPolicy => "none",
    }
}

pub use crate::words::plural;
