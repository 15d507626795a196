//! The review screen: per-project status bars, a chart of key ages, and every
//! secret in a sortable, filterable table, worst first.

use super::theme::Theme;
use super::widgets::{bar_chart, filter_text, pane, selection_table, truncate, Keep};
use crate::app::App;
use crate::policy::{PolicySource, Status};
use crate::review::{age_histogram, project_counts, SortKey};
use crate::sanitize::escape;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, Cell, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height < 5 || area.width < 20 {
        return;
    }
    let st = &app.review;
    let rows = st.visible();
    let crate::app::layout::Review {
        charts,
        filters,
        table,
        why,
    } = crate::app::layout::review(area);
    let charts_h = charts.height;

    if charts_h > 0 {
        let hist_w = if area.width >= 100 { 44 } else { 32 };
        let [bars_area, hist_area] =
            Layout::horizontal([Constraint::Min(20), Constraint::Length(hist_w)]).areas(charts);
        draw_project_bars(frame, bars_area, &rows, theme);
        draw_age_chart(frame, hist_area, &rows, theme);
    }

    // Filter and sort line.
    let arrow = if st.reverse { "▲" } else { "▼" };
    let text = filter_text(&st.filter)
        .map(|f| format!(" · {f}"))
        .unwrap_or_default();
    let mut spans = vec![
        Span::styled(" Review ", theme.title()),
        Span::raw(format!("{} of {} · sort ", rows.len(), st.rows.len())),
        Span::styled(format!("{}{arrow}", st.sort.label()), theme.key()),
        Span::raw(" · "),
        Span::styled(st.status.label(), theme.key()),
    ];
    if let Some(p) = &st.project {
        spans.push(Span::raw(" · project "));
        spans.push(Span::styled(escape(p), theme.key()));
    }
    if let Some(o) = &st.owner {
        spans.push(Span::raw(" · owner "));
        spans.push(Span::styled(escape(o), theme.key()));
    }
    spans.push(Span::styled(text, theme.key()));
    if st.unreadable > 0 {
        spans.push(Span::styled(
            format!(" · {} unreadable", st.unreadable),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), filters);

    draw_table(frame, table, app, &rows, theme);
    draw_why(frame, why, rows.get(st.list.selected).copied(), theme);
}

/// The selected secret's reason in full, wrapped: every problem, the
/// owner and the kind, which the table may have no room for.
fn draw_why(frame: &mut Frame, area: Rect, row: Option<&crate::review::ReviewRow>, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let Some(r) = row else {
        frame.render_widget(ratatui::widgets::Clear, area);
        return;
    };
    let title = format!(" Why: {} ", escape(r.name.as_str()));
    let block = pane(
        truncate(&title, area.width.saturating_sub(2) as usize, Keep::Tail),
        theme.border(false),
        theme,
    );
    let mut spans = vec![
        Span::styled(
            format!("{} {}", r.status.symbol(), status_word(r)),
            theme.status(r.status),
        ),
        Span::raw(": "),
        Span::raw(escape(&r.full_reason())),
    ];
    spans.push(Span::styled(
        format!(
            " · owner {} · {}",
            escape(r.owner.as_deref().unwrap_or("-")),
            r.kind.label()
        ),
        theme.dim(),
    ));
    frame.render_widget(
        Paragraph::new(Line::from(spans))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block),
        area,
    );
}

/// One line a project: a bar of status marks, worst first, scaled to the
/// largest project. The marks are the status symbols, so it reads without colour.
fn draw_project_bars(
    frame: &mut Frame,
    area: Rect,
    rows: &[&crate::review::ReviewRow],
    theme: &Theme,
) {
    let legend: String = Status::ALL
        .iter()
        .map(|s| format!("{}{}", s.symbol(), short_label(*s)))
        .collect::<Vec<_>>()
        .join(" ");
    let block = pane(" Projects by status ", theme.border(false), theme)
        .title_bottom(Span::styled(format!(" {legend} "), theme.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut projects = project_counts(rows.iter().copied());
    projects.sort_by(|a, b| {
        b.counts
            .needing_action()
            .cmp(&a.counts.needing_action())
            .then(b.counts.total().cmp(&a.counts.total()))
            .then(a.project.cmp(&b.project))
    });
    let name_w = projects
        .iter()
        .map(|p| p.project.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 16);
    let max_total = projects
        .iter()
        .map(|p| p.counts.total())
        .max()
        .unwrap_or(1)
        .max(1);
    let bar_w = (inner.width as usize).saturating_sub(name_w + 8).max(1);
    let mut lines = Vec::new();
    for p in projects.iter().take(inner.height as usize) {
        let name: String = escape(&p.project).chars().take(name_w).collect();
        let mut spans = vec![Span::raw(format!("{name:<name_w$} "))];
        let width = (p.counts.total() * bar_w).div_ceil(max_total).max(1);
        let mut used = 0;
        for (i, status) in Status::ALL.iter().enumerate() {
            let n = p.counts.get(*status);
            if n == 0 {
                continue;
            }
            // Every status present gets at least one cell.
            let last = Status::ALL[i + 1..].iter().all(|s| p.counts.get(*s) == 0);
            let cells = if last {
                width.saturating_sub(used).max(1)
            } else {
                ((n * width) / p.counts.total()).max(1)
            };
            used += cells;
            spans.push(Span::styled(
                status.symbol().to_string().repeat(cells),
                theme.status(*status).add_modifier(Modifier::BOLD),
            ));
        }
        spans.push(Span::styled(format!(" {}", p.counts.total()), theme.dim()));
        lines.push(Line::from(spans));
    }
    if lines.is_empty() {
        lines.push(Line::styled("No secrets loaded yet.", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_age_chart(
    frame: &mut Frame,
    area: Rect,
    rows: &[&crate::review::ReviewRow],
    theme: &Theme,
) {
    let buckets = age_histogram(rows.iter().copied());
    let bar_width = ((area.width.saturating_sub(2)) / 5)
        .saturating_sub(1)
        .clamp(3, 8);
    // Labels that fit under narrow bars.
    const SHORT: [&str; 5] = ["<30d", "<90d", "<180d", "<1y", "1y+"];
    let bars: Vec<Bar> = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let label = if (bar_width as usize) < b.label.chars().count() {
                SHORT.get(i).copied().unwrap_or(b.label)
            } else {
                b.label
            };
            Bar::default()
                .value(b.count as u64)
                .label(Line::from(label))
                .style(theme.key())
        })
        .collect();
    let title = " Key age (since last rotation) ";
    bar_chart(frame, area, title, &bars, bar_width, theme);
}

fn draw_table(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    rows: &[&crate::review::ReviewRow],
    theme: &Theme,
) {
    let st = &app.review;
    let wide = area.width >= 120;
    let (header, widths) = columns(st, area.width);
    // What the PATH column gets: the width left by the fixed columns.
    let fixed: u16 = widths
        .iter()
        .map(|c| match c {
            Constraint::Length(n) => *n + 1,
            _ => 1,
        })
        .sum();
    let path_w = area.width.saturating_sub(2 + fixed) as usize;
    let date =
        |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
    let cells = |r: &&crate::review::ReviewRow| {
        let policy = match (&r.policy, &r.policy_source) {
            (Some(p), PolicySource::Folder(_)) => format!("{p}*"),
            (Some(p), _) => p.to_string(),
            (None, _) => "-".into(),
        };
        let mut cells = vec![
            Cell::from(format!("{} {}", r.status.symbol(), status_word(r)))
                .style(theme.status(r.status)),
            Cell::from(truncate(&escape(r.name.as_str()), path_w, Keep::Tail)),
            Cell::from(format!("{}d", r.age_days)),
            Cell::from(policy),
            Cell::from(date(r.due)),
        ];
        if wide {
            cells.push(Cell::from(date(r.expires)));
            cells.push(Cell::from(escape(r.owner.as_deref().unwrap_or("-"))));
            cells.push(Cell::from(r.kind.label()));
        } else if area.width >= 90 {
            cells.push(Cell::from(escape(r.owner.as_deref().unwrap_or("-"))));
        }
        cells
    };
    let title = format!(
        " Secrets, by {} ({}) · * policy from a folder ",
        st.sort.label(),
        order_words(st.sort, st.reverse)
    );
    let block = pane(title, theme.border(true), theme);
    // No row fits in three lines or fewer (borders and the header).
    if rows.is_empty() || area.height <= 3 {
        let msg = if st.rows.is_empty() {
            "No secrets loaded yet."
        } else {
            "Nothing matches the filters."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, theme.dim())).block(block),
            area,
        );
        return;
    }
    selection_table(
        frame, area, block, header, widths, rows, &st.list, theme, cells,
    );
}

/// The sort order in words: "worst first", "A→Z", …
fn order_words(key: SortKey, reverse: bool) -> &'static str {
    let (forward, backward) = match key {
        SortKey::Status => ("worst first", "best first"),
        SortKey::Name | SortKey::Project | SortKey::Owner | SortKey::Kind => ("A→Z", "Z→A"),
        SortKey::Age => ("oldest first", "newest first"),
        SortKey::Policy => ("shortest first", "longest first"),
        SortKey::Due | SortKey::Expires => ("soonest first", "latest first"),
    };
    if reverse {
        backward
    } else {
        forward
    }
}

/// The status in the table: an offboarding mark is named apart from a
/// compromise (both rank as compromised).
fn status_word(r: &crate::review::ReviewRow) -> &'static str {
    if r.offboarded && r.status == Status::Compromised {
        "offboarded"
    } else {
        r.status.label()
    }
}

fn short_label(s: Status) -> &'static str {
    match s {
        Status::Compromised => "compromised",
        Status::Expired => "expired",
        Status::Overdue => "overdue",
        Status::DueSoon => "due",
        Status::Ok => "ok",
        Status::NoPolicy => "none",
    }
}

/// The table's column titles (the sort column marked with its direction)
/// and widths: more columns as the screen widens.
fn columns(
    st: &crate::app::review_view::ReviewState,
    width: u16,
) -> (Vec<String>, Vec<Constraint>) {
    let wide = width >= 120;
    let mut header = vec!["STATUS", "PATH", "AGE", "POLICY", "DUE"];
    let mut widths = vec![
        Constraint::Length(13),
        Constraint::Min(16),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    if wide {
        header.extend(["EXPIRES", "OWNER", "KIND"]);
        widths.extend([
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(17),
        ]);
    } else if width >= 90 {
        header.push("OWNER");
        widths.push(Constraint::Length(10));
    }
    let sort_col = match st.sort {
        SortKey::Status => Some(0),
        SortKey::Name | SortKey::Project => Some(1),
        SortKey::Age => Some(2),
        SortKey::Policy => Some(3),
        SortKey::Due => Some(4),
        SortKey::Expires => Some(5),
        SortKey::Owner => Some(if wide { 6 } else { 5 }),
        SortKey::Kind => Some(7),
    };
    let header: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mark = if sort_col == Some(i) {
                if st.reverse {
                    "▲"
                } else {
                    "▼"
                }
            } else {
                ""
            };
            format!("{h}{mark}")
        })
        .collect();
    (header, widths)
}
