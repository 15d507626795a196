//! The `?` help: what it shows (the keys of the screen it was opened on
//! first, the legend of the status marks, then every other scope, all from
//! the keymap) and where, so that its scrolling stays inside its lines.
//! The renderer (`ui/help.rs`) draws these lines in this box.

use crate::keymap::{key_labels, Keymap, Scope, SCOPES};
use crate::policy::Status;
use ratatui::layout::Rect;

/// The widest the help box gets.
pub const WIDTH: u16 = 80;
/// The key column is never wider than this (longer key lists wrap to the
/// next line rather than run into the description).
const MAX_KEY_COLUMN: usize = 24;

/// One line of the help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelpLine {
    Blank,
    /// A section title.
    Title(String),
    /// Keys and what they do.
    Keys {
        keys: String,
        help: &'static str,
    },
    /// A status mark and what it means.
    Mark {
        mark: String,
        meaning: String,
    },
}

/// The help's lines, `from` (the scope it was opened in) first.
pub fn lines(keymap: &Keymap, from: Scope) -> Vec<HelpLine> {
    let mut out = Vec::new();
    let section = |out: &mut Vec<HelpLine>, scope: Scope, title: String| {
        if !out.is_empty() {
            out.push(HelpLine::Blank);
        }
        out.push(HelpLine::Title(title));
        for b in keymap.in_scope(scope) {
            out.push(HelpLine::Keys {
                keys: key_labels(b),
                help: b.help,
            });
        }
    };
    section(&mut out, from, format!("Here: {}", from.title()));
    out.push(HelpLine::Blank);
    out.push(HelpLine::Title("Status marks".into()));
    for s in Status::ALL {
        out.push(HelpLine::Mark {
            mark: s.symbol().to_string(),
            meaning: mark_meaning(s).into(),
        });
    }
    out.push(HelpLine::Mark {
        mark: "?".into(),
        meaning: "unreadable: the file could not be decrypted or parsed".into(),
    });
    out.push(HelpLine::Mark {
        mark: "·".into(),
        meaning: "not decrypted yet (the background load fills it in)".into(),
    });
    for scope in SCOPES.into_iter().filter(|s| *s != from) {
        section(&mut out, scope, scope.title().to_string());
    }
    out
}

fn mark_meaning(s: Status) -> &'static str {
    match s {
        Status::Compromised => "compromised: marked so, or its key was offboarded; rotate it",
        Status::Expired => "expired: past its expiry date",
        Status::Overdue => "overdue: past its rotation date",
        Status::DueSoon => "due soon: expiry or rotation within the lead time",
        Status::Ok => "ok: a policy, and nothing due",
        Status::NoPolicy => "no policy: no expiry and no rotation interval",
    }
}

/// The width of the key column: the longest key list, within bounds.
pub fn key_column(lines: &[HelpLine]) -> usize {
    lines
        .iter()
        .map(|l| match l {
            HelpLine::Keys { keys, .. } => keys.chars().count(),
            HelpLine::Mark { mark, .. } => mark.chars().count(),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
        .min(MAX_KEY_COLUMN)
}

/// The help's box on a screen of `area` (the renderer clears and draws it).
pub fn rect(area: Rect) -> Rect {
    let w = WIDTH.min(area.width);
    let h = area.height.saturating_sub(2).min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// How many lines the box shows (inside its border).
pub fn page(area: Rect) -> usize {
    rect(area).height.saturating_sub(2) as usize
}

/// The furthest the help scrolls: its last line at the bottom of the box.
pub fn max_scroll(keymap: &Keymap, from: Scope, area: Rect) -> u16 {
    let shown = rows(&lines(keymap, from));
    shown.saturating_sub(page(area)).min(u16::MAX as usize) as u16
}

/// How many screen rows the lines take (a key list longer than the key
/// column takes a row of its own).
pub fn rows(lines: &[HelpLine]) -> usize {
    let col = key_column(lines);
    lines
        .iter()
        .map(|l| match l {
            HelpLine::Keys { keys, .. } if keys.chars().count() > col => 2,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screen_in_force_comes_first_and_every_mark_is_explained() {
        let map = Keymap::default();
        let lines = lines(&map, Scope::Review);
        assert_eq!(lines[0], HelpLine::Title("Here: Review screen".into()));
        let marks: Vec<&str> = lines
            .iter()
            .filter_map(|l| match l {
                HelpLine::Mark { mark, .. } => Some(mark.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(marks, ["!", "x", ">", "~", "+", "-", "?", "·"]);
        // Every scope once.
        let titles = lines
            .iter()
            .filter(|l| matches!(l, HelpLine::Title(_)))
            .count();
        assert_eq!(titles, SCOPES.len() + 1);
        assert!(key_column(&lines) >= "Esc / v / q / Ctrl-C".chars().count());
    }

    #[test]
    fn scrolling_stops_at_the_last_line() {
        let map = Keymap::default();
        let area = Rect::new(0, 0, 80, 24);
        let max = max_scroll(&map, Scope::Main, area) as usize;
        let all = rows(&lines(&map, Scope::Main));
        assert_eq!(max + page(area), all);
        let big = Rect::new(0, 0, 200, 400);
        assert_eq!(max_scroll(&map, Scope::Main, big), 0, "all of it fits");
    }
}
