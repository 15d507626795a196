//! The bottom line: a notice, or the keys that matter here; the clipboard
//! countdown on the right while a copied value waits to be cleared.

use super::theme::Theme;
use super::widgets::{truncate, Keep};
use crate::app::{App, NoticeKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// "clipboard clears in 43 s", or None when nothing waits.
pub fn countdown(app: &App) -> Option<String> {
    let clip = app.clip.as_ref()?;
    Some(match clip.clears_at {
        Some(t) => {
            let left = t.saturating_duration_since(app.clock.now).as_secs();
            // OSC 52 cannot empty a clipboard: say what will happen.
            let verb = if clip.overwrites {
                "overwritten"
            } else {
                "clears"
            };
            format!("clipboard {verb} in {left} s")
        }
        None => "clipboard: never cleared".to_string(),
    })
}

/// The status line: the notice, cut at the width with a pointer to the
/// message log where it reads in full.
pub fn draw_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(n) = &app.notice {
        frame.render_widget(
            Paragraph::new(notice_line(app, n, area.width as usize, theme)),
            area,
        );
    }
}

fn notice_line<'a>(app: &App, n: &crate::app::Notice, width: usize, theme: &Theme) -> Line<'a> {
    let style = match n.kind {
        NoticeKind::Info => theme.info(),
        NoticeKind::Error => theme.error(),
        NoticeKind::Hint => theme.dim(),
    };
    let text = format!(" {}", crate::sanitize::escape(&n.text));
    if text.chars().count() <= width || n.kind == NoticeKind::Hint {
        return Line::from(Span::styled(truncate(&text, width, Keep::Head), style));
    }
    // Cut: say where the rest is.
    let key = app.keymap.key(app.scope(), crate::keymap::Action::Messages);
    let more = if key.is_empty() {
        String::new()
    } else {
        format!(" ({key}: all of it)")
    };
    let room = width.saturating_sub(more.chars().count());
    Line::from(vec![
        Span::styled(truncate(&text, room, Keep::Head), style),
        Span::styled(more, theme.key()),
    ])
}

/// The footer: the keys that matter here (and the notice in their place
/// when `with_notice`: a terminal too small for a status line of its own),
/// the clipboard countdown on the right.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, with_notice: bool) {
    if area.height == 0 {
        return;
    }
    let right = countdown(app);
    let right_w = right
        .as_ref()
        .map(|r| r.chars().count() as u16 + 2)
        .unwrap_or(0);
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(right_w.min(area.width)),
    ])
    .areas(area);
    if let Some(r) = right {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {r} "), theme.revealed()))),
            right_area,
        );
    }
    let width = left_area.width as usize;
    if let Some(n) = app.notice.as_ref().filter(|_| with_notice) {
        frame.render_widget(Paragraph::new(notice_line(app, n, width, theme)), left_area);
        return;
    }
    // As many hints as fit, whole; help and quit (the last ones) always.
    let mut hints = app.keymap.hints(app.scope());
    // A form's hints only name the keys that work in it.
    if let crate::app::Overlay::Form(form) = &app.overlay {
        let scope = crate::keymap::Scope::Form;
        hints.retain(|(_, label)| {
            app.keymap
                .in_scope(scope)
                .find(|b| b.hint == Some(*label))
                .is_none_or(|b| form.offers(b.action))
        });
    }
    let cost = |(k, l): &(&str, &str)| k.chars().count() + l.chars().count() + 3;
    let tail = hints.len().saturating_sub(2);
    let mut room = width.saturating_sub(hints[tail..].iter().map(cost).sum());
    let mut shown: Vec<&(&str, &str)> = Vec::new();
    for h in &hints[..tail] {
        if cost(h) > room {
            break;
        }
        room -= cost(h);
        shown.push(h);
    }
    shown.extend(hints[tail..].iter());
    let mut spans = Vec::new();
    for (key, label) in shown {
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left_area);
}
