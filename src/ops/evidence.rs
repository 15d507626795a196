//! The evidence pack (`ward report --evidence`, docs/ROTATION.md "Evidence")
//! and review sign-offs (`ward review sign`): what a lead hands an auditor
//! for key management and access reviews (PCI DSS 3.6/3.7 cryptoperiods,
//! SOX and ISO 27001 access reviews), built from the review, the recipients
//! files and the audit log. Facts only; each front end lays them out.

use crate::audit::{Action, Record, Timeline};
use crate::error::{Result, WardError};
use crate::ops::incident::{self, Incident};
use crate::policy::Interval;
use crate::policy::Status;
use crate::review::ReviewRow;
use crate::store::{crypto, recipients, Store};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A reporting period, `[start, end)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    /// As given: `2026-Q4`, `2026-11`, `2026`, `2026-10-01..2026-12-31`.
    pub label: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

fn month_start(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

impl Period {
    /// The quarter `now` is in.
    pub fn current_quarter(now: DateTime<Utc>) -> Period {
        let q = (now.month() - 1) / 3 + 1;
        Period::parse(&format!("{}-Q{q}", now.year())).expect("a quarter parses")
    }

    /// `YYYY-QN`, `YYYY-MM`, `YYYY`, or `FROM..TO` (dates, both included).
    pub fn parse(raw: &str) -> std::result::Result<Period, String> {
        let s = raw.trim();
        let bad = || {
            format!("--period {s:?}: use a quarter (2026-Q4), a month (2026-11), a year (2026) or FROM..TO (2026-10-01..2026-12-31)")
        };
        let (start, end) = if let Some((from, to)) = s.split_once("..") {
            let from = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            let to = NaiveDate::parse_from_str(to.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            let to = to.succ_opt().ok_or_else(bad)?;
            if to <= from {
                return Err(format!("--period {s:?}: the end is before the start"));
            }
            (from, to)
        } else if let Some((year, q)) = s.split_once("-Q").or_else(|| s.split_once("-q")) {
            let year: i32 = year.parse().map_err(|_| bad())?;
            let q: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(bad());
            }
            let start = month_start(year, (q - 1) * 3 + 1).ok_or_else(bad)?;
            let end = match q {
                4 => month_start(year + 1, 1),
                _ => month_start(year, q * 3 + 1),
            }
            .ok_or_else(bad)?;
            (start, end)
        } else if let Some((year, month)) = s.split_once('-') {
            let year: i32 = year.parse().map_err(|_| bad())?;
            let month: u32 = month.parse().map_err(|_| bad())?;
            let start = month_start(year, month).ok_or_else(bad)?;
            let end = match month {
                12 => month_start(year + 1, 1),
                _ => month_start(year, month + 1),
            }
            .ok_or_else(bad)?;
            (start, end)
        } else {
            let year: i32 = s.parse().map_err(|_| bad())?;
            (
                month_start(year, 1).ok_or_else(bad)?,
                month_start(year + 1, 1).ok_or_else(bad)?,
            )
        };
        Ok(Period {
            label: s.to_string(),
            start: midnight(start),
            end: midnight(end),
        })
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }

    /// The last day of the period.
    pub fn last_day(&self) -> NaiveDate {
        (self.end - chrono::Duration::days(1)).date_naive()
    }
}

/// The hash a sign-off records: of every secret's name, status and due
/// date at that moment, in name order, so the same review always hashes
/// the same and any change to it does not.
pub fn review_hash(rows: &[ReviewRow]) -> String {
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}\t{}\t{}\n",
                r.name.as_str(),
                r.status.label(),
                r.due.map(|d| d.to_string()).unwrap_or_default()
            )
        })
        .collect();
    lines.sort();
    let digest = Sha256::digest(lines.concat().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The reason of a sign-off record: parsed back by [`signoffs`].
pub fn signoff_reason(period: &Period, rows: &[ReviewRow]) -> String {
    let counts = crate::review::counts(rows);
    format!(
        "review of {}: {} secrets, {} needing action; sha256 {}",
        period.label,
        rows.len(),
        counts.needing_action(),
        review_hash(rows)
    )
}

/// A recorded sign-off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signoff {
    pub time: DateTime<Utc>,
    pub actor: String,
    pub period: String,
    pub hash: String,
    pub summary: String,
    /// Signed by the actor's key, and sealed in the chain (not pending).
    pub signed: bool,
}

/// The sign-off records of `period` (the period they name), oldest first.
pub fn signoffs(timeline: &Timeline, period: &Period) -> Vec<Signoff> {
    timeline
        .entries
        .iter()
        .rev()
        .filter(|e| e.record.action == Action::SignOff)
        .filter_map(|e| {
            let reason = e.record.reason.as_deref()?;
            let rest = reason.strip_prefix("review of ")?;
            let (label, summary) = rest.split_once(": ")?;
            let hash = summary.rsplit_once("sha256 ")?.1.to_string();
            (label == period.label).then(|| Signoff {
                time: e.record.time,
                actor: e.record.actor.clone(),
                period: label.to_string(),
                summary: summary.to_string(),
                hash,
                signed: e.sealed && e.record.sig.is_some(),
            })
        })
        .collect()
}

/// Who can read a folder's secrets: one recipients file and its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readers {
    /// `(store)` or the folder the file governs.
    pub scope: String,
    pub keys: Vec<(String, Option<String>)>,
    /// Secrets it governs.
    pub secrets: usize,
}

/// How one secret's cryptoperiod held over the period.
#[derive(Clone, Debug, PartialEq)]
pub struct Cryptoperiod {
    pub row: ReviewRow,
    /// Value changes in the period.
    pub rotations: Vec<DateTime<Utc>>,
    /// `None` without a policy; else whether no value outlived it at any
    /// point of the period.
    pub met: Option<bool>,
    /// The oldest a value got within the period, in days since it was set.
    pub longest_days: i64,
}

/// Value reads in the period by one actor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessCount {
    pub reveal: usize,
    pub copy: usize,
    pub export: usize,
    pub view: usize,
    pub secrets: usize,
}

impl AccessCount {
    pub fn value_reads(&self) -> usize {
        self.reveal + self.copy + self.export
    }
}

/// The whole pack.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub period: Period,
    pub generated: DateTime<Utc>,
    pub readers: Vec<Readers>,
    pub cryptoperiods: Vec<Cryptoperiod>,
    /// Incidents open at any time in the period.
    pub incidents: Vec<Incident>,
    /// By actor, sorted.
    pub access: BTreeMap<String, AccessCount>,
    pub signoffs: Vec<Signoff>,
    /// Records in the period.
    pub records: usize,
}

/// Whether a record writes a new value of a secret.
fn changes_value(r: &Record) -> bool {
    matches!(
        r.action,
        Action::Create | Action::Rotate | Action::Import | Action::Merge | Action::Restore
    )
}

/// The value changes of every secret in the log, by name, oldest first.
fn value_changes(timeline: &Timeline) -> BTreeMap<&str, Vec<DateTime<Utc>>> {
    let mut out: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for e in timeline.entries.iter().rev() {
        let r = &e.record;
        if let Some(p) = r.path.as_deref().filter(|_| changes_value(r)) {
            out.entry(p).or_default().push(r.time);
        }
    }
    out
}

/// Whether the values in force over `[start, end)` each stayed within
/// `policy`, and the longest one was in force, in days. `changes` are the
/// value's change times, sorted; the value in force at `start` is the last
/// change before it (a secret made during the period starts then).
fn held(
    changes: &[DateTime<Utc>],
    policy: Option<Interval>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (Option<bool>, i64) {
    let mut met = true;
    let mut longest = 0;
    let before = changes.iter().rposition(|c| *c <= start);
    let first = before.unwrap_or(0);
    for (i, set) in changes.iter().enumerate().skip(first) {
        if *set >= end {
            break;
        }
        let until = changes
            .get(i + 1)
            .copied()
            .filter(|n| *n < end)
            .unwrap_or(end);
        longest = longest.max((until - *set).num_days());
        if let Some(p) = policy {
            let deadline = p.after(set.date_naive()).map(midnight);
            if deadline.is_some_and(|d| until > d + chrono::Duration::days(1)) {
                met = false;
            }
        }
    }
    (policy.map(|_| met), longest)
}

/// Builds the pack from the review rows (every readable secret), the log
/// and the store's recipients files.
pub fn build(
    store: &Store,
    rows: &[ReviewRow],
    timeline: &Timeline,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Evidence> {
    let end = period.end.min(now);
    let changes = value_changes(timeline);
    let cryptoperiods = rows
        .iter()
        .map(|row| {
            let mut times = changes.get(row.name.as_str()).cloned().unwrap_or_default();
            // The secret's own date, for values the log does not hold.
            let rotated = midnight(row.rotated);
            if !times.iter().any(|t| t.date_naive() == row.rotated) {
                times.push(rotated);
                times.sort();
            }
            let (met, longest_days) = held(&times, row.policy, period.start, end);
            Cryptoperiod {
                row: row.clone(),
                rotations: times
                    .iter()
                    .copied()
                    .filter(|t| period.contains(*t))
                    .collect(),
                met,
                longest_days,
            }
        })
        .collect();

    let mut access: BTreeMap<String, AccessCount> = BTreeMap::new();
    let mut touched: BTreeMap<String, std::collections::BTreeSet<&str>> = BTreeMap::new();
    let mut records = 0;
    for e in &timeline.entries {
        let r = &e.record;
        if !period.contains(r.time) {
            continue;
        }
        records += 1;
        let slot = match r.action {
            Action::Reveal | Action::Copy | Action::Export | Action::View => {
                access.entry(r.actor.clone()).or_default()
            }
            _ => continue,
        };
        match r.action {
            Action::Reveal => slot.reveal += 1,
            Action::Copy => slot.copy += 1,
            Action::Export => slot.export += 1,
            _ => slot.view += 1,
        }
        if r.action != Action::View {
            if let Some(p) = r.path.as_deref() {
                touched.entry(r.actor.clone()).or_default().insert(p);
            }
        }
    }
    for (actor, paths) in touched {
        if let Some(a) = access.get_mut(&actor) {
            a.secrets = paths.len();
        }
    }

    let incidents = incident::incidents(timeline)
        .into_iter()
        .filter(|i| {
            i.opened < period.end && i.closed.as_ref().is_none_or(|c| c.time >= period.start)
        })
        .collect();

    Ok(Evidence {
        readers: readers(store, rows)?,
        signoffs: signoffs(timeline, &period),
        period,
        generated: now,
        cryptoperiods,
        incidents,
        access,
        records,
    })
}

/// Every recipients file: the store's and each folder's, with labels and
/// how many of `rows` each governs (the nearest file above a secret).
fn readers(store: &Store, rows: &[ReviewRow]) -> Result<Vec<Readers>> {
    let mut files = vec![(String::from("(store)"), store.recipients_file(None))];
    for f in store.folder_recipients_files(None) {
        let scope = f
            .parent()
            .and_then(|d| d.strip_prefix(store.root()).ok())
            .map(|d| d.to_string_lossy().replace('\\', "/"))
            .ok_or_else(|| WardError::Other(format!("{} is outside the store", f.display())))?;
        files.push((scope, f));
    }
    let mut out = Vec::new();
    for (scope, file) in &files {
        let text = store.read_recipients_text(file)?;
        let keys = recipients::entries(&text)
            .into_iter()
            .map(|e| (crypto::key_id(&e.key), e.label))
            .collect();
        out.push(Readers {
            scope: scope.clone(),
            keys,
            secrets: 0,
        });
    }
    for row in rows {
        let name = row.name.as_str();
        let governing = out
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| name.starts_with(&format!("{}/", r.scope)))
            .max_by_key(|(_, r)| r.scope.len())
            .map(|(i, _)| i)
            .unwrap_or(0);
        out[governing].secrets += 1;
    }
    Ok(out)
}

/// Secrets per status, for the summary.
pub fn status_counts(e: &Evidence) -> Vec<(Status, usize)> {
    let counts = crate::review::counts(e.cryptoperiods.iter().map(|c| &c.row));
    counts.iter().filter(|(_, n)| *n > 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        midnight(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn periods_parse_to_half_open_ranges() {
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!((q.start, q.end), (t("2026-10-01"), t("2027-01-01")));
        let m = Period::parse("2026-02").unwrap();
        assert_eq!((m.start, m.end), (t("2026-02-01"), t("2026-03-01")));
        let y = Period::parse("2025").unwrap();
        assert_eq!((y.start, y.end), (t("2025-01-01"), t("2026-01-01")));
        let r = Period::parse("2026-10-01..2026-10-31").unwrap();
        assert_eq!((r.start, r.end), (t("2026-10-01"), t("2026-11-01")));
        assert_eq!(r.last_day().to_string(), "2026-10-31");
        for bad in ["2026-Q5", "2026-13", "soon", "2026-10-31..2026-10-01", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let now = t("2026-12-03");
        assert_eq!(Period::current_quarter(now).label, "2026-Q4");
    }

    #[test]
    fn a_cryptoperiod_holds_only_when_no_value_outlived_it() {
        let p = Some(Interval::days(30));
        let (start, end) = (t("2026-10-01"), t("2026-12-31"));
        // Rotated every 30 days through the quarter.
        let every = [
            t("2026-09-20"),
            t("2026-10-20"),
            t("2026-11-19"),
            t("2026-12-19"),
        ];
        assert_eq!(held(&every, p, start, end), (Some(true), 30));
        // One gap of 45 days.
        let gap = [
            t("2026-09-20"),
            t("2026-10-20"),
            t("2026-12-04"),
            t("2026-12-20"),
        ];
        assert_eq!(held(&gap, p, start, end), (Some(false), 45));
        // Never rotated since before the period.
        assert_eq!(held(&[t("2026-09-01")], p, start, end).0, Some(false));
        // No policy: nothing to meet.
        assert_eq!(held(&[t("2026-09-01")], None, start, end).0, None);
        // Made during the period, still young at its end.
        assert_eq!(held(&[t("2026-12-15")], p, start, end), (Some(true), 16));
    }
}
