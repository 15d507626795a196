//! The full-screen audit timeline: filters, activity per day, and every
//! record newest first.

use super::theme::Theme;
use super::timeline::describe;
use crate::app::App;
use crate::sanitize::escape;
use chrono::{Duration, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height < 6 || area.width < 20 {
        return;
    }
    let now = Utc::now();
    let rows = app.audit.visible(now);
    let chart_h = if area.height >= 20 { 9 } else { 0 };
    let [filters, chart, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(chart_h),
        Constraint::Min(3),
    ])
    .areas(area);

    // Filters.
    let action = app.audit.action.map(|a| a.label()).unwrap_or("all actions");
    let text = if app.audit.typing {
        format!("/{}▏", escape(&app.audit.text))
    } else if app.audit.text.is_empty() {
        "no text filter".to_string()
    } else {
        format!("/{}", escape(&app.audit.text))
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" Audit ", theme.title()),
            Span::raw(format!(
                "{} of {} records · ",
                rows.len(),
                app.audit.entries.len()
            )),
            Span::styled(action, theme.key()),
            Span::raw(" · "),
            Span::styled(app.audit.range.label(), theme.key()),
            Span::raw(" · "),
            Span::styled(text, theme.key()),
        ])),
        filters,
    );

    // Activity per day: as many days as fit, up to 30.
    if chart_h > 0 {
        let days = ((chart.width.saturating_sub(2)) / 3).clamp(1, 30) as i64;
        let today = now.date_naive();
        let from = today - Duration::days(days - 1);
        let mut counts = vec![0u64; days as usize];
        for e in &rows {
            let d = e.record.time.date_naive();
            if d >= from && d <= today {
                counts[(d - from).num_days() as usize] += 1;
            }
        }
        let bars: Vec<Bar> = counts
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let day = from + Duration::days(i as i64);
                Bar::default()
                    .value(*n)
                    .label(Line::from(day.format("%d").to_string()))
                    .style(theme.key())
            })
            .collect();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(false))
            .title(Span::styled(
                format!(" Activity per day, last {days} days "),
                theme.title(),
            ));
        frame.render_widget(
            BarChart::default()
                .block(block)
                .data(BarGroup::default().bars(&bars))
                .bar_width(2)
                .bar_gap(1),
            chart,
        );
    }

    // Records.
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" Records, newest first ", theme.title()));
    let inner_h = table.height.saturating_sub(2) as usize;
    let selected = app.audit.selected.min(rows.len().saturating_sub(1));
    let offset = selected.saturating_sub(inner_h.saturating_sub(1));
    let mut lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner_h)
        .map(|(i, e)| {
            let r = &e.record;
            let path = r.path.as_deref().map(escape).unwrap_or_else(|| "-".into());
            let mut line = Line::from(vec![
                Span::styled(r.time.format("%Y-%m-%d %H:%M:%S").to_string(), theme.dim()),
                Span::raw("  "),
                Span::styled(format!("{path:<32}"), theme.folder()),
                Span::raw(format!("  {}", describe(r))),
            ]);
            if i == selected {
                line = line.style(theme.selected(true));
            }
            line
        })
        .collect();
    if lines.is_empty() {
        let msg = if app.audit.loaded {
            "No records match."
        } else {
            "Reading the audit log…"
        };
        lines.push(Line::styled(msg, theme.dim()));
    }
    for p in app.audit.problems.iter().take(2) {
        lines.push(Line::styled(
            format!("warning: {}", escape(p)),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), table);
}
