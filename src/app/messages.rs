//! The message log: every notice of this session (what the status line
//! showed, however briefly, and whatever it had to cut), newest first, in
//! an overlay that scrolls within its lines. Hints ("Select a secret to…",
//! "Decrypting…") are not kept: they only say what to do next.

use super::NoticeKind;
use ratatui::layout::Rect;
use std::collections::VecDeque;

/// How many messages the log keeps.
pub const KEEP: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    /// "14:03:27", local time, from the app's clock.
    pub at: String,
    pub kind: NoticeKind,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct MessageLog {
    /// Newest first.
    pub entries: VecDeque<Logged>,
}

impl MessageLog {
    pub fn push(&mut self, entry: Logged) {
        self.entries.push_front(entry);
        self.entries.truncate(KEEP);
    }
}

/// One row of the log as drawn: the time on a message's first row only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub at: Option<String>,
    pub kind: NoticeKind,
    pub text: String,
}

/// The log's rows at `width` columns of text, each message wrapped at its
/// spaces (a word longer than the line is cut where it must be).
pub fn rows(log: &MessageLog, width: usize) -> Vec<Row> {
    let width = width.max(8);
    let mut out = Vec::new();
    for m in &log.entries {
        for (i, line) in wrap(&crate::sanitize::escape(&m.text), width)
            .into_iter()
            .enumerate()
        {
            out.push(Row {
                at: (i == 0).then(|| m.at.clone()),
                kind: m.kind.clone(),
                text: line,
            });
        }
    }
    out
}

/// Greedy word wrap at `width` characters.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let len = line.chars().count();
            let wlen = word.chars().count();
            let sep = usize::from(len > 0);
            if len + sep + wlen <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The log's box (the help's).
pub fn rect(area: Rect) -> Rect {
    super::help::rect(area)
}

/// The width of a row's text: the box less its borders and the time column.
pub fn text_width(area: Rect) -> usize {
    (rect(area).width as usize).saturating_sub(2 + TIME_COLUMN)
}

/// "14:03:27  ": the time and two spaces.
pub const TIME_COLUMN: usize = 10;

/// The furthest the log scrolls.
pub fn max_scroll(log: &MessageLog, area: Rect) -> u16 {
    let n = rows(log, text_width(area)).len();
    n.saturating_sub(super::help::page(area))
        .min(u16::MAX as usize) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_only_long_words() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        let text = "Not copied: tmux drops OSC 52 (set-clipboard is external, and it must be on)";
        let lines = wrap(text, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30));
        assert_eq!(lines.join(" "), text, "nothing is lost");
    }

    #[test]
    fn the_log_keeps_the_newest_first_and_at_most_its_limit() {
        let mut log = MessageLog::default();
        for i in 0..KEEP + 5 {
            log.push(Logged {
                at: "12:00:00".into(),
                kind: NoticeKind::Info,
                text: format!("m{i}"),
            });
        }
        assert_eq!(log.entries.len(), KEEP);
        assert_eq!(log.entries[0].text, format!("m{}", KEEP + 4));
    }
}
