//! The time as the front end read it. The app never reads a clock: each
//! `Msg::Tick` brings a [`Clock`], the app keeps the last one, and the
//! renderers take "now" and "today" from the state (so tests fix the time).

use chrono::{DateTime, Local, NaiveDate, Utc};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Monotonic time, for timers: reveal, notices, countdowns, idle lock.
    pub now: Instant,
    /// Wall-clock time in the user's time zone, for dates: statuses,
    /// "today", the audit screen's ranges and chart.
    pub wall: DateTime<Local>,
}

impl Clock {
    /// The user's local date: what statuses are computed for.
    pub fn today(&self) -> NaiveDate {
        self.wall.date_naive()
    }

    /// The wall-clock time in UTC, as audit records carry it.
    pub fn utc(&self) -> DateTime<Utc> {
        self.wall.with_timezone(&Utc)
    }

    /// The same clock `by` later (both the timer and the wall clock).
    pub fn advanced(self, by: Duration) -> Clock {
        Clock {
            now: self.now + by,
            wall: chrono::TimeDelta::from_std(by)
                .ok()
                .and_then(|d| self.wall.checked_add_signed(d))
                .unwrap_or(self.wall),
        }
    }
}
