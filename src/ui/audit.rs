//! The full-screen audit timeline: filters, activity per day, and every
//! record newest first.

use super::theme::Theme;
use super::widgets::{bar_chart, filter_text, pane, selection_table};
use crate::app::App;
use crate::sanitize::escape;
use chrono::Duration;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, Cell, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height < 6 || area.width < 20 {
        return;
    }
    let now = app.clock.utc();
    let rows = app.audit.visible(now);
    let crate::app::layout::Audit {
        filters,
        chart,
        table,
    } = crate::app::layout::audit(area);
    draw_filters(frame, filters, app, rows.len(), theme);
    if chart.height > 0 {
        draw_chart(frame, chart, &rows, now.date_naive(), theme);
    }
    draw_records(frame, table, app, &rows, theme);
}

/// The filter line: how many records show, the action, range and text filters.
fn draw_filters(frame: &mut Frame, area: Rect, app: &App, shown: usize, theme: &Theme) {
    let action = app.audit.action.map(|a| a.label()).unwrap_or("all actions");
    let text = filter_text(&app.audit.filter).unwrap_or_else(|| "no text filter".to_string());
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" Audit ", theme.title()),
            Span::raw(format!(
                "{} of {} records · ",
                shown,
                app.audit.entries.len()
            )),
            Span::styled(action, theme.key()),
            Span::raw(" · "),
            Span::styled(app.audit.range.label(), theme.key()),
            Span::raw(" · "),
            Span::styled(text, theme.key()),
        ])),
        area,
    );
}

/// Activity per day: as many days as fit, up to 90.
fn draw_chart(
    frame: &mut Frame,
    chart: Rect,
    rows: &[&crate::audit::Entry],
    today: chrono::NaiveDate,
    theme: &Theme,
) {
    let days = ((chart.width.saturating_sub(2)) / 3).clamp(1, 90) as i64;
    let from = today - Duration::days(days - 1);
    let counts = crate::audit::activity_per_day(rows.iter().map(|e| &e.record), from, today);
    let bars: Vec<Bar> = counts
        .iter()
        .map(|(day, n)| {
            Bar::default()
                .value(*n)
                .label(Line::from(day.format("%d").to_string()))
                .style(theme.key())
        })
        .collect();
    let title = format!(" Activity per day, last {days} days ");
    bar_chart(frame, chart, title, &bars, 2, theme);
}

/// Records: a table whose path column takes what the others leave.
fn draw_records(
    frame: &mut Frame,
    table: Rect,
    app: &App,
    rows: &[&crate::audit::Entry],
    theme: &Theme,
) {
    let block = pane(" Records, newest first ", theme.border(true), theme);
    if rows.is_empty() {
        let mut lines = vec![Line::styled(
            if app.audit.loaded {
                "No records match."
            } else {
                "Reading the audit log…"
            },
            theme.dim(),
        )];
        for p in app.audit.problems.iter().take(2) {
            lines.push(Line::styled(
                format!("warning: {}", escape(p)),
                theme.error(),
            ));
        }
        frame.render_widget(Paragraph::new(lines).block(block), table);
        return;
    }
    let wide = table.width >= 120;
    let time_fmt = if wide {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%m-%d %H:%M"
    };
    let mut widths = vec![
        Constraint::Length(if wide { 19 } else { 11 }),
        Constraint::Length(if wide { 18 } else { 12 }),
        Constraint::Length(17),
        Constraint::Min(12),
        Constraint::Length(4),
    ];
    let mut header: Vec<String> = ["TIME", "ACTOR", "ACTION", "PATH", "VER"]
        .map(String::from)
        .into();
    if wide {
        widths.push(Constraint::Length(30));
        header.push("REASON".into());
    }
    let cells = |e: &&crate::audit::Entry| {
        let r = &e.record;
        let mut path = r.path.as_deref().map(escape).unwrap_or_else(|| "-".into());
        if let Some(to) = &r.to {
            path.push_str(&format!(" → {}", escape(to)));
        }
        let mut cells = vec![
            Cell::from(r.time.format(time_fmt).to_string()).style(theme.dim()),
            Cell::from(escape(&r.actor)),
            Cell::from(r.action.label()),
            Cell::from(path).style(theme.folder()),
            Cell::from(r.version.map(|v| format!("v{v}")).unwrap_or_default()),
        ];
        if wide {
            cells.push(Cell::from(
                r.reason.as_deref().map(escape).unwrap_or_default(),
            ));
        }
        cells
    };
    selection_table(
        frame,
        table,
        block,
        header,
        widths,
        rows,
        &app.audit.list,
        theme,
        cells,
    );
}
