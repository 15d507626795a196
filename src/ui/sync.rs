//! How a git store's sync shows: its part of the header (branch,
//! ahead/behind, what waits to be committed, the last sync), and the message
//! of a sync that failed.

use super::join::{fitted_height, hints};
use super::theme::Theme;
use super::widgets::{pane, popup, truncate, Keep};
use crate::app::App;
use crate::keymap::{Keymap, Scope};
use crate::ops::sync::{Standing, Tracking};
use crate::sanitize::escape;
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// The header's git part, in versions from the fullest to the shortest: the
/// header shows the first that fits. None: not a git store.
pub fn header_parts(app: &App, theme: &Theme) -> Option<Vec<Vec<Span<'static>>>> {
    let standing = match app.sync.standing.as_ref()? {
        Ok(s) => s,
        Err(_) => {
            let span = Span::styled("git status unreadable", theme.error());
            return Some(vec![vec![span], vec![Span::styled("git ?", theme.error())]]);
        }
    };
    let head = head(standing, theme);
    let pending = |long: bool| -> Vec<Span<'static>> {
        match standing.uncommitted {
            0 => Vec::new(),
            n if long => vec![Span::styled(format!(" · ● {n} uncommitted"), theme.info())],
            _ => vec![Span::styled(" ●", theme.info())],
        }
    };
    let synced = |long: bool| -> Vec<Span<'static>> {
        let text = if app.sync.running {
            "syncing…".to_string()
        } else {
            match (standing.last_sync, long) {
                (Some(t), true) => format!("synced {}", ago(t, app.clock.utc())),
                (Some(t), false) => short_ago(t, app.clock.utc()),
                (None, true) => "never synced".into(),
                (None, false) => "never".into(),
            }
        };
        let style = if app.sync.running {
            theme.info()
        } else {
            theme.dim()
        };
        vec![Span::styled(format!(" · {text}"), style)]
    };
    let join = |parts: Vec<Vec<Span<'static>>>| parts.concat();
    let mut versions = vec![
        join(vec![head.clone(), pending(true), synced(true)]),
        join(vec![head.clone(), pending(false), synced(true)]),
        join(vec![head.clone(), pending(false), synced(false)]),
    ];
    // A sync under way says so before anything else goes.
    if app.sync.running {
        versions.push(join(vec![head.clone(), synced(false)]));
    } else {
        versions.push(join(vec![head.clone(), pending(false)]));
    }
    versions.push(head);
    Some(versions)
}

/// The branch and where it stands: `main ↑2 ↓1`, `main no upstream`,
/// `detached HEAD`, `merge in progress`.
fn head(s: &Standing, theme: &Theme) -> Vec<Span<'static>> {
    if let Some(what) = s.in_progress {
        return vec![Span::styled(format!("{what} in progress"), theme.error())];
    }
    let Some(branch) = &s.branch else {
        return vec![Span::styled("detached HEAD", theme.error())];
    };
    let branch = truncate(&escape(branch), 20, Keep::Head);
    let (text, style): (String, Style) = match s.tracking {
        Tracking::Upstream { ahead, behind } => (format!(" ↑{ahead} ↓{behind}"), theme.label()),
        Tracking::NoUpstream => (" no upstream".into(), theme.dim()),
        Tracking::NoRemote => (" no remote".into(), theme.dim()),
    };
    vec![
        Span::styled(branch, theme.label()),
        Span::styled(text, style),
    ]
}

/// "just now", "3 min ago", "5 h ago", "2 days ago".
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    age(then, now, ["just now", " min ago", " h ago", " days ago"])
}

/// The short form: "now", "3m", "5h", "2d".
fn short_ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    age(then, now, ["now", "m", "h", "d"])
}

/// The age in the largest unit that fits: under a minute, minutes, hours
/// (up to two days), days; `words` for each.
fn age(then: DateTime<Utc>, now: DateTime<Utc>, words: [&str; 4]) -> String {
    let secs = (now - then).num_seconds().max(0);
    let (n, unit) = match secs {
        0..60 => return words[0].into(),
        60..3600 => (secs / 60, words[1]),
        3600..172_800 => (secs / 3600, words[2]),
        _ => (secs / 86_400, words[3]),
    };
    format!("{n}{unit}")
}

/// The message of a failed sync, whole, over the screen.
pub fn draw_failed(frame: &mut Frame, area: Rect, message: &str, keymap: &Keymap, theme: &Theme) {
    let lines = vec![
        Line::styled(format!("Not synced: {}", escape(message)), theme.error()),
        Line::raw(""),
        hints(keymap, Scope::SyncFailed, theme),
    ];
    let width = area.width.min(80);
    let height = fitted_height(&lines, width).min(area.height.saturating_sub(2));
    let rect = popup(frame, area, width, height);
    frame.render_widget(
        Paragraph::new(lines)
            .block(pane(" Sync failed ", theme.error(), theme))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_words_and_short_forms() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |secs: i64| now - chrono::Duration::seconds(secs);
        assert_eq!(ago(at(5), now), "just now");
        assert_eq!(ago(at(-5), now), "just now", "a clock behind the file");
        assert_eq!(ago(at(180), now), "3 min ago");
        assert_eq!(ago(at(5 * 3600), now), "5 h ago");
        assert_eq!(ago(at(3 * 86_400), now), "3 days ago");
        assert_eq!(short_ago(at(180), now), "3m");
        assert_eq!(short_ago(at(3 * 86_400), now), "3d");
    }
}
