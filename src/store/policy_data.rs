//! The policy values a store holds: rotation intervals and lead times
//! ([`Interval`]) in a secret's metadata and in a folder's `.policy.toml`
//! ([`FolderPolicy`]), and the compromised mark ([`Compromised`]). They are
//! part of the format on disk; what they mean for a secret's status is
//! [`crate::policy`]'s business (it re-exports them).

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A rotation interval or lead time: `90d`, `6w`, `3m`, `1y`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    pub count: u32,
    pub unit: Unit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

impl Interval {
    pub const fn days(count: u32) -> Interval {
        Interval {
            count,
            unit: Unit::Days,
        }
    }

    /// The date `self` after `from`, on the calendar (months and years keep the
    /// day of month, clamped at the month's end: Jan 31 + 1m = Feb 28/29).
    pub fn after(&self, from: NaiveDate) -> Option<NaiveDate> {
        match self.unit {
            Unit::Days => from.checked_add_days(Days::new(self.count.into())),
            Unit::Weeks => from.checked_add_days(Days::new(u64::from(self.count) * 7)),
            Unit::Months => from.checked_add_months(Months::new(self.count)),
            Unit::Years => from.checked_add_months(Months::new(self.count.checked_mul(12)?)),
        }
    }

    /// Approximate length in days, for sorting and charts.
    pub fn approx_days(&self) -> i64 {
        let n = i64::from(self.count);
        match self.unit {
            Unit::Days => n,
            Unit::Weeks => n * 7,
            Unit::Months => n * 30,
            Unit::Years => n * 365,
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            Unit::Days => 'd',
            Unit::Weeks => 'w',
            Unit::Months => 'm',
            Unit::Years => 'y',
        };
        write!(f, "{}{}", self.count, u)
    }
}

impl FromStr for Interval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || {
            format!("{s:?} is not an interval: use a number and d, w, m or y, e.g. 90d, 6w, 3m, 1y")
        };
        let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
        let count: u32 = num.parse().map_err(|_| bad())?;
        let unit = match unit {
            "d" | "day" | "days" => Unit::Days,
            "w" | "week" | "weeks" => Unit::Weeks,
            "m" | "month" | "months" => Unit::Months,
            "y" | "year" | "years" => Unit::Years,
            _ => return Err(bad()),
        };
        if count == 0 {
            return Err(format!("{s:?}: an interval must be at least one day"));
        }
        if count > 100_000 {
            return Err(format!("{s:?}: interval too long"));
        }
        Ok(Interval { count, unit })
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A folder's default policy (from `<folder>/.policy.toml`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderPolicy {
    pub rotate_every: Option<Interval>,
    pub lead_time: Option<Interval>,
}

impl FolderPolicy {
    /// Parses a `.policy.toml`. An error says where and what is wrong in
    /// ward's own words and never quotes the file: whoever can write to a
    /// shared store chooses what is in it, and the error is shown as a
    /// warning (toml's and serde's messages quote the input).
    pub fn from_toml(text: &str) -> Result<FolderPolicy, String> {
        use toml::Spanned;
        let line_of = |at: usize| {
            let before = &text.as_bytes()[..at.min(text.len())];
            before.iter().filter(|&&b| b == b'\n').count() + 1
        };
        let table: std::collections::BTreeMap<Spanned<String>, Spanned<toml::Value>> =
            toml::from_str(text).map_err(|e| match e.span() {
                Some(span) => format!("not valid TOML at line {}", line_of(span.start)),
                None => "not valid TOML".to_string(),
            })?;
        let mut entries: Vec<_> = table.into_iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        let mut policy = FolderPolicy::default();
        for (key, value) in entries {
            let line = line_of(key.span().start);
            let slot = match key.get_ref().as_str() {
                "rotate_every" => &mut policy.rotate_every,
                "lead_time" => &mut policy.lead_time,
                _ => {
                    return Err(format!(
                        "unknown setting at line {line}: a folder policy has only rotate_every \
                         and lead_time"
                    ))
                }
            };
            let interval = value.get_ref().as_str().and_then(|s| s.parse().ok());
            *slot = Some(interval.ok_or_else(|| {
                format!(
                    "{} at line {line} is not an interval: use a number and d, w, m or y in \
                     quotes, e.g. \"90d\"",
                    key.get_ref()
                )
            })?);
        }
        Ok(policy)
    }
}

/// The compromised flag on a secret: stays until the value is rotated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compromised {
    pub since: DateTime<Utc>,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The offboarding mark: a key that could read the current value was
/// removed from the recipients (docs/TEAMS.md "Offboarding"). Cleared, like
/// [`Compromised`], when the value is rotated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offboarding {
    /// [`crate::store::crypto::key_id`] of the removed key.
    pub key_id: String,
    /// Its label in the recipients file, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub at: DateTime<Utc>,
    /// The actor who removed it.
    pub by: String,
}
