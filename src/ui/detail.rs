//! The detail pane: the selected secret's value (masked until revealed),
//! status, metadata, policy and previous versions.

use super::theme::Theme;
use super::widgets::pane;
use crate::app::catalog::Loaded;
use crate::app::App;
use crate::keymap::{Action, Scope};
use crate::policy::{age_words, PolicySource};
use crate::sanitize::{escape, escape_multiline};
use crate::store::{Encoding, SecretDoc};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

const MASK: &str = "••••••••••••";

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, focused: bool) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let title = match &app.detail.name {
        Some(n) => format!(" {} ", escape(n.as_str())),
        None => match app.tree.selected_folder_path() {
            Some(folder) => format!(" {}/ ", escape(folder)),
            None => " Detail ".to_string(),
        },
    };
    let title = super::theme::focus_title(&title, focused);
    let block = pane(title, theme.border(focused), theme);
    let lines = match (&app.detail.name, &app.detail.doc) {
        (None, _) if app.catalog.is_empty() => vec![Line::styled(
            format!(
                "This store has no secrets yet. Press {} to add the first one.",
                key(app, Action::New)
            ),
            theme.dim(),
        )],
        // A folder: its summary (ui/folder.rs).
        (None, _) if app.tree.selected_folder_path().is_some() => hang(
            super::folder::lines(
                app,
                app.tree.selected_folder_path().unwrap_or_default(),
                theme,
            ),
            area.width.saturating_sub(2) as usize,
        ),
        (None, _) => vec![Line::styled(
            format!(
                "Select a secret to see it here. Folders: {} or {} opens, {} closes.",
                key(app, Action::Open),
                key(app, Action::Expand),
                key(app, Action::Collapse)
            ),
            theme.dim(),
        )],
        (Some(_), None) => vec![Line::styled("Decrypting…", theme.dim())],
        (Some(_), Some(Err(e))) => vec![
            Line::styled("This secret could not be read:", theme.error()),
            Line::raw(escape(e)),
        ],
        (Some(name), Some(Ok(doc))) => {
            let loaded = app.catalog.get(name).and_then(|e| e.loaded());
            let lines = doc_lines(
                doc,
                loaded,
                app.detail.is_revealed(app.clock.now),
                app,
                theme,
            );
            hang(lines, area.width.saturating_sub(2) as usize)
        }
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((app.detail.scroll, 0)),
        area,
    );
}

/// The main screen's first key for `action`.
fn key(app: &App, action: Action) -> &str {
    app.keymap.key(Scope::Main, action)
}

fn row<'a>(label: &'a str, value: Vec<Span<'a>>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(format!("{label:<10}"), theme.label())];
    spans.extend(value);
    Line::from(spans)
}

fn text<'a>(label: &'a str, value: String, theme: &Theme) -> Line<'a> {
    row(label, vec![Span::raw(value)], theme)
}

fn doc_lines<'a>(
    doc: &'a SecretDoc,
    loaded: Option<&'a Loaded>,
    revealed: bool,
    app: &App,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut lines = value_lines(doc, revealed, app, theme);
    lines.extend(meta_lines(doc, loaded, theme));
    lines.extend(field_lines(doc, revealed, theme));
    lines.extend(super::otp::lines(doc, revealed, app, theme));
    lines.extend(policy_lines(doc, loaded, app, theme));
    lines.extend(flag_and_notes(doc, theme));
    lines.extend(history_lines(doc, theme));
    lines
}

/// The value, masked, or revealed with the time left until it hides again.
fn value_lines<'a>(doc: &'a SecretDoc, revealed: bool, app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    // Value.
    let chars = doc.value.expose().chars().count();
    if revealed {
        let shown = match doc.encoding {
            Encoding::Utf8 => escape_multiline(doc.value.expose()),
            Encoding::Base64 => format!("(binary, base64) {}", doc.value.expose()),
        };
        let left = app
            .detail
            .revealed_until
            .map(|t| t.saturating_duration_since(app.clock.now).as_secs())
            .unwrap_or(0);
        let mut first = true;
        // A multi-line value (a PEM or SSH key) numbers its lines, so that
        // a line the pane wraps (no number) reads apart from a real one.
        let parts: Vec<&str> = shown.split('\n').collect();
        let numbered = parts.len() > 1;
        let digits = parts.len().to_string().len();
        for (n, part) in parts.iter().enumerate() {
            let label = if first { "Value" } else { "" };
            first = false;
            let mut spans = Vec::new();
            if numbered {
                spans.push(Span::styled(format!("{:>digits$}│", n + 1), theme.dim()));
            }
            spans.push(Span::styled(part.to_string(), theme.revealed()));
            lines.push(row(label, spans, theme));
        }
        lines.push(row(
            "",
            vec![Span::styled(
                format!("hides in {left} s · {} hides now", key(app, Action::Reveal)),
                theme.dim(),
            )],
            theme,
        ));
    } else {
        lines.push(row(
            "Value",
            vec![
                Span::styled(MASK, theme.masked()),
                Span::styled(
                    format!("  ({})", super::header::plural(chars, "char")),
                    theme.dim(),
                ),
            ],
            theme,
        ));
    }
    lines
}

/// Status, kind, owner, tags, URL, creation and last rotation.
fn meta_lines<'a>(doc: &'a SecretDoc, loaded: Option<&'a Loaded>, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    // Status.
    if let Some(l) = loaded {
        let s = l.assessment.status;
        lines.push(row(
            "Status",
            vec![
                Span::styled(format!("{} {}", s.symbol(), s.label()), theme.status(s)),
                Span::raw(format!(" — {}", escape(&l.assessment.reason))),
            ],
            theme,
        ));
    }
    lines.push(text("Kind", doc.kind.to_string(), theme));
    if let Some(o) = &doc.owner {
        lines.push(text("Owner", escape(o), theme));
    }
    if !doc.tags.is_empty() {
        lines.push(text("Tags", escape(&doc.tags.join(", ")), theme));
    }
    if let Some(u) = &doc.url {
        lines.push(text("URL", escape(u), theme));
    }
    lines.push(text(
        "Created",
        format!("{} by {}", day(doc.created), escape(&doc.created_by)),
        theme,
    ));
    let age = loaded
        .map(|l| age_words(l.assessment.age_days))
        .unwrap_or_default();
    lines.push(text(
        "Rotated",
        format!("{} ({age}) · v{}", day(doc.rotated), doc.version),
        theme,
    ));
    lines
}

/// The secret's fields under a "Fields" heading: in clear, or masked like
/// the value (and revealed with it) when marked secret.
fn field_lines<'a>(doc: &'a SecretDoc, revealed: bool, theme: &Theme) -> Vec<Line<'a>> {
    if doc.fields.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![Line::styled("Fields", theme.label())];
    for f in &doc.fields {
        let mut spans = vec![Span::styled(
            format!("  {}: ", escape(&f.name)),
            theme.label(),
        )];
        spans.push(match (f.secret, revealed) {
            (false, _) => Span::raw(escape(f.value.expose())),
            (true, true) => Span::styled(escape(f.value.expose()), theme.revealed()),
            (true, false) => Span::styled(MASK, theme.masked()),
        });
        lines.push(Line::from(spans));
    }
    lines
}

/// The rotation policy and the expiry date.
fn policy_lines<'a>(
    doc: &'a SecretDoc,
    loaded: Option<&'a Loaded>,
    app: &App,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    // Policy and where it came from, as the catalog resolved it.
    let policy = match loaded.and_then(|l| Some((l.rotate_every?, l))) {
        Some((every, l)) => {
            let from = match &l.source {
                PolicySource::Folder(f) => format!(" (from folder {})", escape(f)),
                _ => String::new(),
            };
            let due = l
                .assessment
                .rotation_due
                .map(|d| format!(" · due {d}"))
                .unwrap_or_default();
            format!("rotate every {every}{from}{due}")
        }
        None => "none".to_string(),
    };
    lines.push(text("Policy", policy, theme));
    let today = app.catalog.today;
    let expires = match doc.expires {
        Some(d) => {
            let left = (d - today).num_days();
            if left < 0 {
                format!("{d} ({} days ago)", -left)
            } else if left == 0 {
                format!("{d} (today)")
            } else {
                format!("{d} (in {left} days)")
            }
        }
        None => "never".into(),
    };
    lines.push(text("Expires", expires, theme));
    lines
}

/// The compromised mark, if any, and the notes.
fn flag_and_notes<'a>(doc: &'a SecretDoc, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(c) = &doc.compromised {
        lines.push(row(
            "Flag",
            vec![Span::styled(
                format!(
                    "compromised since {} by {}{}",
                    day(c.since),
                    escape(&c.by),
                    c.reason
                        .as_deref()
                        .map(|r| format!(": {}", escape(r)))
                        .unwrap_or_default()
                ),
                theme.status(crate::policy::Status::Compromised),
            )],
            theme,
        ));
    }
    if let Some(n) = &doc.notes {
        for (i, part) in escape_multiline(n).split('\n').enumerate() {
            lines.push(text(
                if i == 0 { "Notes" } else { "" },
                part.to_string(),
                theme,
            ));
        }
    }
    lines
}

/// The previous versions, their values masked.
fn history_lines<'a>(doc: &'a SecretDoc, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if !doc.history.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Versions ({} previous)", doc.history.len()),
            theme.title(),
        ));
        // Forwards: each version with who set it and why (a reason is
        // recorded on the entry the change replaced, so it belongs to the
        // version that entry's replacement introduced). Newest first.
        let why = |r: Option<&str>| r.map(|r| format!(" — {}", escape(r))).unwrap_or_default();
        let newest = &doc.history[0];
        lines.push(Line::from(vec![
            Span::styled(format!("  v{:<3}", doc.version), theme.label()),
            Span::styled(format!("{:<6}", "now"), theme.dim()),
            Span::raw(format!(
                "  since {} by {}{}",
                day(newest.replaced),
                escape(&newest.replaced_by),
                why(newest.reason.as_deref())
            )),
        ]));
        for (i, h) in doc.history.iter().enumerate() {
            // Who set it: the older entry's replacer; for the first
            // version its creator; past the history kept, unknown.
            let (by, reason) = match doc.history.get(i + 1) {
                Some(older) => (Some(older.replaced_by.as_str()), older.reason.as_deref()),
                None if h.version == 1 => (Some(doc.created_by.as_str()), None),
                None => (None, None),
            };
            let by = by.map(|b| format!(" by {}", escape(b))).unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("  v{:<3}", h.version), theme.label()),
                Span::styled(MASK[..3 * 6].to_string(), theme.masked()),
                Span::raw(format!(
                    "  {} → {}{by}{}",
                    day(h.set),
                    day(h.replaced),
                    why(reason)
                )),
            ]));
        }
    }
    lines
}

/// A date as the detail shows it.
fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// Wraps each line at `width`, continuing under its value column (the width
/// of the line's first span when that is a label) instead of at the left edge.
fn hang(lines: Vec<Line<'_>>, width: usize) -> Vec<Line<'_>> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let total: usize = line.spans.iter().map(|s| s.content.chars().count()).sum();
        if total <= width || width < 20 {
            out.push(line);
            continue;
        }
        let indent = line
            .spans
            .first()
            .map(|s| s.content.chars().count())
            .filter(|&n| n <= 12)
            .unwrap_or(0);
        let style = line.style;
        let mut current: Vec<Span> = Vec::new();
        let mut used = 0;
        for span in line.spans {
            let mut rest: &str = &span.content;
            while !rest.is_empty() {
                let room = width.saturating_sub(used);
                let n = rest.chars().count();
                if n <= room {
                    current.push(Span::styled(rest.to_string(), span.style));
                    used += n;
                    break;
                }
                // Break at the last space that fits; in a word (a URL),
                // after its last separator that fits; else mid-word.
                let head: String = rest.chars().take(room).collect();
                let separator = head
                    .rfind(['/', '?', '&', '#', '='])
                    .filter(|&b| b > 0 && b + 1 < head.len());
                let cut = match (head.rfind(' '), separator) {
                    (Some(b), _) if b > 0 => b + 1,
                    (_, Some(b)) if used <= indent => b + 1,
                    _ if used > indent => 0,
                    _ => head.len(),
                };
                if cut > 0 {
                    current.push(Span::styled(rest[..cut].trim_end().to_string(), span.style));
                }
                rest = &rest[cut..];
                out.push(Line::from(std::mem::take(&mut current)).style(style));
                current.push(Span::raw(" ".repeat(indent)));
                used = indent;
                rest = rest.trim_start();
            }
        }
        if current.iter().any(|s| !s.content.trim().is_empty()) {
            out.push(Line::from(current).style(style));
        }
    }
    out
}
