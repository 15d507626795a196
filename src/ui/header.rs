//! The top line: store, counts by status, load progress; on the right, a
//! git store's branch, ahead/behind and last sync (`ui::sync`), in the
//! longest version that fits.

use super::theme::Theme;
use super::widgets::{truncate, Keep};
use crate::app::App;
use crate::policy::Status;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The store label's width when the header is short of room: the git
/// part's branch and counts matter more than the whole path.
const LABEL_MIN: usize = 8;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let wide = area.width >= 120;
    let room = area.width as usize;
    let label_width = if wide { usize::MAX } else { 22 };
    let mut left = left_spans(app, theme, wide, label_width);
    let mut right = Vec::new();
    if let Some(versions) = super::sync::header_parts(app, theme) {
        let fits = |spans: &[Span], left: &[Span]| width(left) + 2 + width(spans) <= room;
        match versions.iter().find(|v| fits(v, &left)) {
            Some(v) => right = v.clone(),
            None => {
                // The shortest version, with the store label cut to make room.
                let shortest = versions.last().cloned().unwrap_or_default();
                let over = (width(&left) + 2 + width(&shortest)).saturating_sub(room);
                let label = app.store_label.chars().count().min(label_width);
                let cut = label.saturating_sub(over).max(LABEL_MIN);
                left = left_spans(app, theme, false, cut);
                if fits(&shortest, &left) {
                    right = shortest;
                }
            }
        }
    }
    let right_width = (width(&right) as u16 + 1).min(area.width);
    let [left_area, right_area] = ratatui::layout::Layout::horizontal([
        ratatui::layout::Constraint::Min(0),
        ratatui::layout::Constraint::Length(if right.is_empty() { 0 } else { right_width }),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), left_area);
    if !right.is_empty() {
        frame.render_widget(Paragraph::new(Line::from(right)), right_area);
    }
}

/// Columns taken by spans.
fn width(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.width()).sum()
}

/// The store, counts by status, problems and load progress.
fn left_spans(app: &App, theme: &Theme, wide: bool, label_width: usize) -> Vec<Span<'static>> {
    let counts = app.catalog.counts();
    let label = crate::sanitize::escape(&app.store_label);
    let label = if wide {
        label
    } else {
        truncate(&label, label_width, Keep::Tail)
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
    if app.audit.alerts > 0 {
        let n = app.audit.alerts;
        let text = if wide {
            format!(
                "  ⚠ {} (ward audit alerts)",
                crate::words::plural(n, "alert")
            )
        } else {
            format!("  ⚠ {n} alert{}", if n == 1 { "" } else { "s" })
        };
        spans.push(Span::styled(text, theme.error()));
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
    spans
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
