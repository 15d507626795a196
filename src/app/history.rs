//! The previous-versions overlay of the shown secret: one line a version
//! of its history, newest first; the selected value can be revealed (it
//! hides itself again, as the value does), copied, or made current again.

use std::time::Instant;

#[derive(Debug, Default)]
pub struct HistoryPick {
    /// Index into the document's `history` (0: the newest previous value).
    pub selected: usize,
    /// The selected value shows until this moment.
    pub revealed_until: Option<Instant>,
}

impl HistoryPick {
    pub fn is_revealed(&self, now: Instant) -> bool {
        self.revealed_until.is_some_and(|t| now < t)
    }
}
