//! The review model shared by `ward report`, `ward check` and the TUI review
//! screen: one row per secret with its status, reason and dates, plus sorting,
//! filtering, per-project counts and a histogram of key ages.
//!
//! Pure: metadata, folder policies, a lead time and today's date in; rows out.
//! No clock, no I/O, no terminal. Values never enter it ([`SecretMeta`] has none).
//!
//! ```no_run
//! # use ward::review::*;
//! # fn demo(listing: &ward::store::Listing,
//! #         loaded: Vec<(ward::store::SecretPath, ward::error::Result<ward::store::SecretMeta>)>) {
//! let today = chrono::Local::now().date_naive();
//! let mut review = Review::build(listing, loaded, ward::policy::DEFAULT_LEAD, today);
//! let filter = Filter { statuses: vec![ward::policy::Status::Expired], ..Filter::default() };
//! review.rows.retain(|r| filter.matches(r));
//! sort(&mut review.rows, SortKey::default(), false);
//! let per_project = project_counts(&review.rows);
//! let ages = age_histogram(&review.rows);
//! # }
//! ```

use crate::error::Result;
use crate::policy::{assess_secret, Interval, PolicySource, Status};
use crate::store::{Kind, Listing, SecretMeta, SecretPath};
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// One secret in the review.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewRow {
    #[serde(serialize_with = "path_str")]
    pub name: SecretPath,
    /// First segment of the name.
    pub project: String,
    pub status: Status,
    /// Why, in words: "rotation overdue by 12 days: policy 90d, last rotated …".
    pub reason: String,
    /// Its other problems, worst first ("expires in 9 days (…)").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// Days since the value last changed (not since the file changed).
    pub age_days: i64,
    /// Day the value last changed.
    pub rotated: NaiveDate,
    /// Rotation interval in force (own or inherited).
    pub policy: Option<Interval>,
    /// Where `policy` came from.
    pub policy_source: PolicySource,
    /// Lead time in force: "due soon" starts this long before `due`.
    pub lead: Interval,
    /// When rotation is (or was) due.
    pub rotation_due: Option<NaiveDate>,
    pub expires: Option<NaiveDate>,
    /// Next action date: the earlier of `rotation_due` and `expires`.
    pub due: Option<NaiveDate>,
    pub owner: Option<String>,
    pub kind: Kind,
    /// Marked "rotation required" by an offboarding and not compromised
    /// otherwise (the status is compromised, the reason says who): for a
    /// front end that names it apart.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub offboarded: bool,
    /// What the review knows of the value without seeing it: weak, reused
    /// in another secret, reverted to an earlier value (store/values.rs).
    /// Shown, never failing `check` unless configured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<ValueFlag>,
    /// The current value's keyed fingerprint, for [`mark_reuse`]; never
    /// shown or serialised.
    #[serde(skip)]
    pub fingerprint: Option<String>,
}

/// One flag on a secret's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueFlag {
    pub flag: Flag,
    /// In words, never the value, at most a short fingerprint prefix.
    pub detail: String,
}

/// What a [`ValueFlag`] says.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    /// Below the strength threshold.
    Weak,
    /// The same value as another secret's.
    Reuse,
    /// A previous value of the secret came back.
    Reverted,
}

impl Flag {
    pub const ALL: [Flag; 3] = [Flag::Weak, Flag::Reuse, Flag::Reverted];

    pub fn label(self) -> &'static str {
        match self {
            Flag::Weak => "weak",
            Flag::Reuse => "reuse",
            Flag::Reverted => "reverted",
        }
    }
}

impl FromStr for Flag {
    type Err = String;
    fn from_str(s: &str) -> Result<Flag, String> {
        Flag::ALL
            .into_iter()
            .find(|f| f.label() == s.trim())
            .ok_or_else(|| format!("unknown flag {s:?}: use weak, reuse or reverted"))
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The flags of one secret's own values: weak, reverted.
fn own_flags(meta: &SecretMeta) -> Vec<ValueFlag> {
    let mut flags = Vec::new();
    if let Some(why) = &meta.weak {
        flags.push(ValueFlag {
            flag: Flag::Weak,
            detail: why.clone(),
        });
    }
    if let Some(f) = &meta.fingerprints {
        if let Some(back) = f.previous.iter().find(|p| p.fingerprint == f.current) {
            flags.push(ValueFlag {
                flag: Flag::Reverted,
                detail: format!(
                    "reverted: the value of v{} is back (fingerprint {})",
                    back.version,
                    crate::store::values::shown(&f.current)
                ),
            });
        }
    }
    flags
}

/// How many rows have each flag, in [`Flag::ALL`] order, leaving out
/// flags no row has.
pub fn flag_counts(rows: &[ReviewRow]) -> Vec<(Flag, usize)> {
    Flag::ALL
        .into_iter()
        .map(|flag| {
            let n = rows
                .iter()
                .filter(|r| r.flags.iter().any(|f| f.flag == flag))
                .count();
            (flag, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Flags `reuse` on every row whose current value (by keyed fingerprint)
/// another row also has, naming the others.
pub fn mark_reuse(rows: &mut [ReviewRow]) {
    let mut by_fp: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        if let Some(fp) = &r.fingerprint {
            by_fp.entry(fp.as_str()).or_default().push(i);
        }
    }
    let mut marks: Vec<(usize, ValueFlag)> = Vec::new();
    for (fp, group) in by_fp.iter().filter(|(_, g)| g.len() > 1) {
        for &i in group {
            let others: Vec<&str> = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| rows[j].name.as_str())
                .collect();
            let shown_others = match others.len() {
                1..=3 => others.join(", "),
                n => format!("{} and {} more", others[..3].join(", "), n - 3),
            };
            marks.push((
                i,
                ValueFlag {
                    flag: Flag::Reuse,
                    detail: format!(
                        "reuse: the same value as {shown_others} (fingerprint {})",
                        crate::store::values::shown(fp)
                    ),
                },
            ));
        }
    }
    for r in rows.iter_mut() {
        r.flags.retain(|f| f.flag != Flag::Reuse);
    }
    for (i, flag) in marks {
        rows[i].flags.push(flag);
        rows[i].flags.sort_by_key(|f| f.flag);
    }
}

fn path_str<S: Serializer>(p: &SecretPath, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.as_str())
}

/// A secret whose metadata could not be read (wrong key, corrupt file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    #[serde(serialize_with = "path_str")]
    pub name: SecretPath,
    /// The error, one line; never contains a value.
    pub error: String,
}

/// The whole review: readable rows (in listing order) and unreadable secrets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Review {
    pub rows: Vec<ReviewRow>,
    pub unreadable: Vec<Unreadable>,
}

impl Review {
    /// Builds rows from a listing (for its folder policies), the loaded
    /// metadata (from `store::index::load_metas` or `Store::read_meta_all`),
    /// the configured default lead time and today's date.
    pub fn build(
        listing: &Listing,
        loaded: Vec<(SecretPath, Result<SecretMeta>)>,
        default_lead: Interval,
        today: NaiveDate,
    ) -> Review {
        let mut review = Review::default();
        for (name, meta) in loaded {
            match meta {
                Ok(meta) => review
                    .rows
                    .push(row(name, &meta, listing, default_lead, today)),
                Err(e) => review.unreadable.push(Unreadable {
                    name,
                    error: e.to_string(),
                }),
            }
        }
        mark_reuse(&mut review.rows);
        review
    }
}

/// The review row of one secret.
pub fn row(
    name: SecretPath,
    meta: &SecretMeta,
    listing: &Listing,
    default_lead: Interval,
    today: NaiveDate,
) -> ReviewRow {
    let (policy, lead, _) = crate::policy::resolve(
        &listing.folder_policies,
        name.as_str(),
        meta.rotate_every,
        default_lead,
    );
    let (a, source) = assess_secret(
        name.as_str(),
        meta,
        &listing.folder_policies,
        default_lead,
        today,
    );
    ReviewRow {
        project: name.project().to_string(),
        name,
        status: a.status,
        reason: a.reason,
        also: a.also,
        age_days: a.age_days,
        rotated: meta.rotated.date_naive(),
        policy,
        policy_source: source,
        lead,
        rotation_due: a.rotation_due,
        expires: a.expires,
        due: a.next_action,
        owner: meta.owner.clone(),
        kind: meta.kind,
        offboarded: crate::policy::offboarded_only(meta),
        flags: own_flags(meta),
        fingerprint: meta.fingerprints.as_ref().map(|f| f.current.clone()),
    }
}

/// A column to sort by. The default, [`SortKey::Status`], puts the worst first
/// and, within a status, the earliest due date first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortKey {
    #[default]
    Status,
    Name,
    Project,
    /// Oldest value first.
    Age,
    /// Shortest rotation interval first; no policy last.
    Policy,
    /// Earliest next action first; none last.
    Due,
    /// Earliest expiry first; none last.
    Expires,
    Owner,
    Kind,
}

impl SortKey {
    pub const ALL: [SortKey; 9] = [
        SortKey::Status,
        SortKey::Name,
        SortKey::Project,
        SortKey::Age,
        SortKey::Policy,
        SortKey::Due,
        SortKey::Expires,
        SortKey::Owner,
        SortKey::Kind,
    ];

    /// Column name, as accepted by `--sort` and shown in headers.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Status => "status",
            SortKey::Name => "name",
            SortKey::Project => "project",
            SortKey::Age => "age",
            SortKey::Policy => "policy",
            SortKey::Due => "due",
            SortKey::Expires => "expires",
            SortKey::Owner => "owner",
            SortKey::Kind => "kind",
        }
    }

    /// The next column, for a "cycle sort" key in the TUI.
    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for SortKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        let norm = match norm.as_str() {
            "path" => "name",
            "rotated" => "age",
            "next" | "due-date" => "due",
            other => other,
        };
        SortKey::ALL
            .into_iter()
            .find(|k| k.label() == norm)
            .ok_or_else(|| {
                format!(
                    "unknown column {s:?}: use one of {}",
                    SortKey::ALL.map(|k| k.label()).join(", ")
                )
            })
    }
}

/// `None` sorts after every date.
fn date_last(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Compares two rows by `key`; ties fall back to status, due date, then name,
/// so the order is total and stable across runs.
pub fn compare(a: &ReviewRow, b: &ReviewRow, key: SortKey) -> Ordering {
    let primary = match key {
        SortKey::Status => Ordering::Equal,
        SortKey::Name => a.name.cmp(&b.name),
        SortKey::Project => a.project.cmp(&b.project),
        SortKey::Age => b.age_days.cmp(&a.age_days),
        SortKey::Policy => match (a.policy, b.policy) {
            (Some(x), Some(y)) => x.approx_days().cmp(&y.approx_days()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        SortKey::Due => date_last(a.due, b.due),
        SortKey::Expires => date_last(a.expires, b.expires),
        SortKey::Owner => match (&a.owner, &b.owner) {
            (Some(x), Some(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        SortKey::Kind => a.kind.label().cmp(b.kind.label()),
    };
    primary
        .then(a.status.cmp(&b.status))
        .then(date_last(a.due, b.due))
        .then_with(|| a.name.cmp(&b.name))
}

/// Sorts rows by `key`; `reverse` flips the whole order.
pub fn sort(rows: &mut [ReviewRow], key: SortKey, reverse: bool) {
    rows.sort_by(|a, b| {
        let o = compare(a, b, key);
        if reverse {
            o.reverse()
        } else {
            o
        }
    });
}

/// Which rows to keep. Every set criterion must match; an empty filter keeps all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Keep only these statuses (empty: any).
    pub statuses: Vec<Status>,
    /// Keep only this project (first name segment), exactly.
    pub project: Option<String>,
    /// Keep only this owner, ignoring case.
    pub owner: Option<String>,
    /// Keep only this secret or what lies in this folder (whole segments).
    pub prefix: Option<SecretPath>,
    /// Keep only what needs action on or before this date: compromised
    /// secrets, and those whose next action date is at most this date
    /// (expired and overdue ones included). See [`due_by`].
    pub due_by: Option<NaiveDate>,
}

impl Filter {
    pub fn matches(&self, row: &ReviewRow) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&row.status))
            && self.project.as_ref().is_none_or(|p| &row.project == p)
            && self.owner.as_ref().is_none_or(|o| {
                row.owner
                    .as_ref()
                    .is_some_and(|ro| ro.eq_ignore_ascii_case(o.trim()))
            })
            && self.prefix.as_ref().is_none_or(|p| row.name.is_under(p))
            && self.due_by.is_none_or(|by| {
                row.status == Status::Compromised || row.due.is_some_and(|d| d <= by)
            })
    }

    /// The rows that match, in their order.
    pub fn apply<'r>(&self, rows: &'r [ReviewRow]) -> Vec<&'r ReviewRow> {
        rows.iter().filter(|r| self.matches(r)).collect()
    }
}

/// The last day inside "due within `within`" counted from `today`
/// (`due_by(30d, 2026-01-01)` = 2026-01-31), for [`Filter::due_by`].
pub fn due_by(within: Interval, today: NaiveDate) -> NaiveDate {
    within.after(today).unwrap_or(NaiveDate::MAX)
}

/// Whether `ward check` reports this row: it needs action now (compromised,
/// expired, overdue), or its next action date is on or before `due_by`
/// (whatever the lead time: `--due-within 60d` looks further than a 14-day lead).
impl ReviewRow {
    /// The reason and every other problem: "rotation overdue by 31 days: …;
    /// also expires in 9 days (…)".
    pub fn full_reason(&self) -> String {
        let mut text = self.reason.clone();
        for other in self.also.iter().chain(self.flags.iter().map(|f| &f.detail)) {
            text.push_str("; also ");
            text.push_str(other);
        }
        text
    }

    /// Whether the row has any of `flags`.
    pub fn has_flag(&self, flags: &[Flag]) -> bool {
        self.flags.iter().any(|f| flags.contains(&f.flag))
    }
}

pub fn needs_attention(row: &ReviewRow, due_by: Option<NaiveDate>) -> bool {
    row.status.needs_action() || due_by.is_some_and(|by| row.due.is_some_and(|d| d <= by))
}

/// How many secrets are in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Indexed like [`Status::ALL`] (worst first).
    pub by_status: [usize; 6],
}

impl StatusCounts {
    pub fn add(&mut self, status: Status) {
        self.by_status[status_index(status)] += 1;
    }
    pub fn get(&self, status: Status) -> usize {
        self.by_status[status_index(status)]
    }
    pub fn total(&self) -> usize {
        self.by_status.iter().sum()
    }
    /// Compromised + expired + overdue.
    pub fn needing_action(&self) -> usize {
        Status::ALL
            .into_iter()
            .filter(|s| s.needs_action())
            .map(|s| self.get(s))
            .sum()
    }
    /// (status, count) pairs, worst first, zeros included.
    pub fn iter(&self) -> impl Iterator<Item = (Status, usize)> + '_ {
        Status::ALL.into_iter().map(|s| (s, self.get(s)))
    }
}

fn status_index(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Counts over all the given rows (for the header of the main screen).
pub fn counts<'a>(rows: impl IntoIterator<Item = &'a ReviewRow>) -> StatusCounts {
    let mut c = StatusCounts::default();
    for r in rows {
        c.add(r.status);
    }
    c
}

/// Status counts of one project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectCounts {
    pub project: String,
    pub counts: StatusCounts,
}

/// Per-project status counts, projects in name order.
pub fn project_counts<'a>(rows: impl IntoIterator<Item = &'a ReviewRow>) -> Vec<ProjectCounts> {
    let mut map: std::collections::BTreeMap<&str, StatusCounts> = Default::default();
    for r in rows {
        map.entry(r.project.as_str()).or_default().add(r.status);
    }
    map.into_iter()
        .map(|(project, counts)| ProjectCounts {
            project: project.to_string(),
            counts,
        })
        .collect()
}

/// One bar of the key-age histogram: ages in `min_days..max_days`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgeBucket {
    /// Short label for a chart axis: "<30d", "30-90d", "90-180d", "180d-1y", ">1y".
    pub label: &'static str,
    pub min_days: i64,
    /// Exclusive upper bound; `None` for the last, open bucket.
    pub max_days: Option<i64>,
    pub count: usize,
}

/// Bucket edges in days (each bucket is `[edge[i], edge[i+1])`).
pub const AGE_EDGES: [i64; 5] = [0, 30, 90, 180, 365];
const AGE_LABELS: [&str; 5] = ["<30d", "30-90d", "90-180d", "180d-1y", ">1y"];

/// Histogram of key ages (days since the value last changed), five buckets:
/// under 30 days, 30–90, 90–180, 180–365 and a year or more.
pub fn age_histogram<'a>(rows: impl IntoIterator<Item = &'a ReviewRow>) -> Vec<AgeBucket> {
    let mut buckets: Vec<AgeBucket> = AGE_EDGES
        .iter()
        .enumerate()
        .map(|(i, &min)| AgeBucket {
            label: AGE_LABELS[i],
            min_days: min,
            max_days: AGE_EDGES.get(i + 1).copied(),
            count: 0,
        })
        .collect();
    for r in rows {
        let i = AGE_EDGES
            .iter()
            .rposition(|&edge| r.age_days >= edge)
            .unwrap_or(0);
        buckets[i].count += 1;
    }
    buckets
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
