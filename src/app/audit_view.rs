//! The audit timeline as the TUI holds it: every record read from the store
//! (newest first), the verification result, and the full-screen view's
//! filters and selection.

use super::filter::FilterLine;
use super::list::ListState;
use crate::audit::{Action, Entry, Filter};
use chrono::{DateTime, Duration, Utc};

/// Time ranges the full-screen view cycles through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Range {
    #[default]
    All,
    Day,
    Week,
    Month,
}

impl Range {
    pub fn next(self) -> Range {
        match self {
            Range::All => Range::Day,
            Range::Day => Range::Week,
            Range::Week => Range::Month,
            Range::Month => Range::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Range::All => "all time",
            Range::Day => "last 24 h",
            Range::Week => "last 7 days",
            Range::Month => "last 30 days",
        }
    }

    fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Range::All => None,
            Range::Day => Some(now - Duration::days(1)),
            Range::Week => Some(now - Duration::days(7)),
            Range::Month => Some(now - Duration::days(30)),
        }
    }
}

/// How the chain check came out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Integrity {
    #[default]
    Unknown,
    Ok,
    /// A human summary: which file, which line, what.
    Broken(String),
    /// Could not be checked (e.g. no identity here opens the audit key).
    Unverifiable(String),
}

#[derive(Debug, Default)]
pub struct AuditState {
    /// Newest first.
    pub entries: Vec<Entry>,
    pub loaded: bool,
    pub integrity: Integrity,
    /// Alerts of the log's rules over the last day (`ward audit alerts`).
    pub alerts: usize,
    /// Problems reading the files (torn lines and the like).
    pub problems: Vec<String>,
    // Full-screen view.
    /// The table's selection and scroll.
    pub list: ListState,
    /// Text matched against actor, action and paths.
    pub filter: FilterLine,
    pub action: Option<Action>,
    pub range: Range,
}

impl AuditState {
    /// Entries about one secret (or under a folder), newest first.
    pub fn for_path<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.record.touches(path))
    }

    /// Adds a record this session just wrote (the caller keeps the
    /// selection on its record: [`AuditState::keeping_selection`]).
    pub fn push_front(&mut self, entry: Entry) {
        self.entries.insert(0, entry);
    }

    /// Runs `change` (records loaded or added, a filter changed) and puts
    /// the selection back on the record it was on, if it still shows; else
    /// on the first row, never on whatever record took its row number.
    /// The top row stays the top row: it follows the newest record.
    pub fn keeping_selection(&mut self, now: DateTime<Utc>, change: impl FnOnce(&mut Self)) {
        if self.list.selected == 0 {
            return change(self);
        }
        let key = |e: &Entry| (e.chain.clone(), e.line, e.sealed);
        let keep = self.visible(now).get(self.list.selected).map(|e| key(e));
        change(self);
        if let Some(k) = keep {
            let found = self.visible(now).iter().position(|e| key(e) == k);
            self.list.selected = found.unwrap_or(0);
        }
    }

    /// The full-screen view's rows under the current filters.
    pub fn visible(&self, now: DateTime<Utc>) -> Vec<&Entry> {
        let filter = Filter {
            action: self.action,
            since: self.range.since(now),
            ..Default::default()
        };
        let text = self.filter.text().trim().to_lowercase();
        self.entries
            .iter()
            .filter(|e| filter.matches(&e.record))
            .filter(|e| {
                text.is_empty() || {
                    let r = &e.record;
                    r.actor.to_lowercase().contains(&text)
                        || r.action.label().contains(&text)
                        || r.path
                            .as_deref()
                            .is_some_and(|p| p.to_lowercase().contains(&text))
                        || r.to
                            .as_deref()
                            .is_some_and(|p| p.to_lowercase().contains(&text))
                }
            })
            .collect()
    }

    /// Cycles the action filter: all, then each action.
    pub fn next_action(&mut self) {
        self.action = match self.action {
            None => Some(Action::ALL[0]),
            Some(a) => Action::ALL
                .iter()
                .position(|x| *x == a)
                .and_then(|i| Action::ALL.get(i + 1).copied()),
        };
        self.list.first();
    }
}
