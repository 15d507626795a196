//! Expiry and rotation status: metadata and a date in, a status and a reason out.
//! Pure: no clock, no I/O, no terminal.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

// The values policy reads are part of the store's format and live there.
pub use crate::store::policy_data::{Compromised, FolderPolicy, Interval, Offboarding, Unit};

/// Parses a date typed by a user: `2027-03-01`, or relative to `today`: `+90d`, `+6w`.
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let input = input.trim();
    if let Some(rel) = input.strip_prefix('+') {
        let interval: Interval = rel.parse()?;
        return interval
            .after(today)
            .ok_or_else(|| format!("{input:?} is too far in the future"));
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d")
        .map_err(|_| format!("{input:?} is not a date: use YYYY-MM-DD or +90d"))
}

/// Status of a secret, worst first (the derived order sorts worst first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Compromised,
    Expired,
    Overdue,
    DueSoon,
    Ok,
    NoPolicy,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Compromised,
        Status::Expired,
        Status::Overdue,
        Status::DueSoon,
        Status::Ok,
        Status::NoPolicy,
    ];

    /// Word used in tables, reports and the TUI.
    pub fn label(self) -> &'static str {
        match self {
            Status::Compromised => "compromised",
            Status::Expired => "expired",
            Status::Overdue => "overdue",
            Status::DueSoon => "due-soon",
            Status::Ok => "ok",
            Status::NoPolicy => "no-policy",
        }
    }

    /// A one-character mark that reads without colour.
    pub fn symbol(self) -> char {
        match self {
            Status::Compromised => '!',
            Status::Expired => 'x',
            Status::Overdue => '>',
            Status::DueSoon => '~',
            Status::Ok => '+',
            Status::NoPolicy => '-',
        }
    }

    /// Whether `ward check` must fail on it.
    pub fn needs_action(self) -> bool {
        matches!(
            self,
            Status::Compromised | Status::Expired | Status::Overdue
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        Status::ALL
            .into_iter()
            .find(|st| st.label() == norm || (norm == "due" && *st == Status::DueSoon))
            .ok_or_else(|| {
                format!("unknown status {s:?}: use compromised, expired, overdue, due-soon, ok or no-policy")
            })
    }
}

/// Where an effective rotation policy came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "from", content = "folder", rename_all = "kebab-case")]
pub enum PolicySource {
    /// Set on the secret itself.
    Secret,
    /// Inherited from a folder's `.policy.toml`.
    Folder(String),
    /// No policy.
    None,
}

/// The rotation interval and lead time in force for a secret, and where the
/// interval came from: the secret's own setting wins, else the nearest folder
/// policy above it, else none. Lead time: nearest folder's, else `default_lead`.
pub fn resolve(
    folder_policies: &std::collections::BTreeMap<String, FolderPolicy>,
    name: &str,
    own_rotate_every: Option<Interval>,
    default_lead: Interval,
) -> (Option<Interval>, Interval, PolicySource) {
    let mut interval = own_rotate_every.map(|i| (i, PolicySource::Secret));
    let mut lead = None;
    let mut folder = name;
    while let Some((parent, _)) = folder.rsplit_once('/') {
        folder = parent;
        if let Some(p) = folder_policies.get(folder) {
            if interval.is_none() {
                interval = p
                    .rotate_every
                    .map(|i| (i, PolicySource::Folder(folder.to_string())));
            }
            if lead.is_none() {
                lead = p.lead_time;
            }
        }
    }
    let lead = lead.unwrap_or(default_lead);
    match interval {
        Some((i, source)) => (Some(i), lead, source),
        None => (None, lead, PolicySource::None),
    }
}

/// What the status function needs to know about one secret.
#[derive(Clone, Debug)]
pub struct PolicyInput<'a> {
    pub rotated: DateTime<Utc>,
    pub expires: Option<NaiveDate>,
    pub rotate_every: Option<Interval>,
    pub compromised: Option<&'a Compromised>,
    /// Removed keys that could read the current value.
    pub offboarding: &'a [Offboarding],
}

/// The outcome: status, why, and the dates that matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub status: Status,
    pub reason: String,
    /// The secret's other problems, worst first (an overdue rotation can
    /// hide an expiry in 9 days): their reasons, for a front end that lists
    /// every problem (`ward check`).
    pub also: Vec<String>,
    /// Days since the value last changed.
    pub age_days: i64,
    /// When rotation is (or was) due, if there is a rotation policy.
    pub rotation_due: Option<NaiveDate>,
    pub expires: Option<NaiveDate>,
    /// The earliest date needing action (rotation due or expiry).
    pub next_action: Option<NaiveDate>,
}

/// Default lead time: "due soon" starts this long before a due date.
pub const DEFAULT_LEAD: Interval = Interval::days(14);

impl Default for Interval {
    /// The default lead time.
    fn default() -> Self {
        DEFAULT_LEAD
    }
}

fn days_word(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// Computes the status of one secret on `today`.
///
/// Rules (docs/ROTATION.md): a secret is expired from its expiry date on;
/// rotation is overdue from the day after its due date; "due soon" covers the
/// lead time before either date, the due date itself included.
pub fn assess(input: &PolicyInput<'_>, today: NaiveDate, lead: Interval) -> Assessment {
    let rotated_day = input.rotated.date_naive();
    let age_days = (today - rotated_day).num_days().max(0);
    let rotation_due = input.rotate_every.and_then(|i| i.after(rotated_day));
    let expires = input.expires;
    let next_action = match (rotation_due, expires) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let done = |status, reason, also| Assessment {
        status,
        reason,
        also,
        age_days,
        rotation_due,
        expires,
        next_action,
    };

    // Candidates, each (status, reason); the worst wins.
    let mut found: Vec<(Status, String)> = Vec::new();
    if let Some(exp) = expires {
        let left = (exp - today).num_days();
        if left <= 0 {
            let ago = -left;
            let when = if ago == 0 {
                "today".to_string()
            } else {
                format!("{} ago", days_word(ago))
            };
            found.push((Status::Expired, format!("expired {when} ({exp})")));
        } else if lead.after(today).is_none_or(|edge| exp <= edge) {
            found.push((
                Status::DueSoon,
                format!("expires in {} ({exp})", days_word(left)),
            ));
        } else {
            found.push((
                Status::Ok,
                format!("expires in {} ({exp})", days_word(left)),
            ));
        }
    }
    if let (Some(due), Some(every)) = (rotation_due, input.rotate_every) {
        let left = (due - today).num_days();
        if left < 0 {
            found.push((
                Status::Overdue,
                format!(
                    "rotation overdue by {}: policy {every}, last rotated {rotated_day}",
                    days_word(-left)
                ),
            ));
        } else if lead.after(today).is_none_or(|edge| due <= edge) {
            let when = if left == 0 {
                "today".to_string()
            } else {
                format!("in {}", days_word(left))
            };
            found.push((
                Status::DueSoon,
                format!("rotation due {when} ({due}): policy {every}, last rotated {rotated_day}"),
            ));
        } else {
            found.push((
                Status::Ok,
                format!(
                    "rotation due in {} ({due}): policy {every}",
                    days_word(left)
                ),
            ));
        }
    }
    // An offboarded reader exposed the value like a compromise did: the
    // same status, its own reason (docs/TEAMS.md "Offboarding").
    let offboarded = offboarding_reason(input.offboarding);
    if let Some(c) = input.compromised {
        let why = c
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let also = offboarded.map(|o| format!("; {o}")).unwrap_or_default();
        return done(
            Status::Compromised,
            format!(
                "marked compromised on {} by {}{why}; rotate it to clear{also}",
                c.since.date_naive(),
                c.by
            ),
            problems(found, None),
        );
    }
    if let Some(reason) = offboarded {
        return done(Status::Compromised, reason, problems(found, None));
    }

    found.sort_by_key(|(s, _)| *s);
    match found.first().cloned() {
        Some((status, reason)) => done(status, reason, problems(found, Some(status))),
        None => done(
            Status::NoPolicy,
            "no expiry and no rotation policy".to_string(),
            Vec::new(),
        ),
    }
}

/// The reasons of the problems in `found` (sorted worst first) besides the
/// one shown as the status (`shown`, the first): what needs action or is
/// due soon, never an "ok".
fn problems(found: Vec<(Status, String)>, shown: Option<Status>) -> Vec<String> {
    found
        .into_iter()
        .skip(usize::from(shown.is_some()))
        .filter(|(s, _)| *s < Status::Ok)
        .map(|(_, r)| r)
        .collect()
}

/// "rotation required: offboarding of B (removed 2026-12-01 by ann)", for
/// every distinct person; None without marks.
pub fn offboarding_reason(marks: &[Offboarding]) -> Option<String> {
    let first = marks.first()?;
    let mut who: Vec<String> = Vec::new();
    for m in marks {
        let w = offboarded_who(m);
        if !who.contains(&w) {
            who.push(w);
        }
    }
    Some(format!(
        "rotation required: offboarding of {} (removed {} by {})",
        who.join(", "),
        first.at.date_naive(),
        first.by
    ))
}

/// Whether the secret is compromised by an offboarding alone (not marked
/// compromised too): front ends name that status "offboarded".
pub fn offboarded_only(meta: &crate::store::SecretMeta) -> bool {
    !meta.offboarding.is_empty() && meta.compromised.is_none()
}

/// Who left, for a reason line: the key's label, else the short key.
pub fn offboarded_who(mark: &Offboarding) -> String {
    mark.label
        .clone()
        .unwrap_or_else(|| crate::store::recipients::short_key(&mark.key_id))
}

/// Human age: "today", "1 day ago", "87 days ago", "2 years ago".
pub fn age_words(days: i64) -> String {
    match days {
        i64::MIN..=0 => "today".to_string(),
        1 => "1 day ago".to_string(),
        2..=730 => format!("{days} days ago"),
        _ => format!("{} years ago", days / 365),
    }
}

/// Status of a stored secret from its metadata, the folder policies and today.
pub fn assess_secret(
    name: &str,
    meta: &crate::store::SecretMeta,
    folder_policies: &std::collections::BTreeMap<String, FolderPolicy>,
    default_lead: Interval,
    today: NaiveDate,
) -> (Assessment, PolicySource) {
    let (rotate_every, lead, source) =
        resolve(folder_policies, name, meta.rotate_every, default_lead);
    let input = PolicyInput {
        rotated: meta.rotated,
        expires: meta.expires,
        rotate_every,
        compromised: meta.compromised.as_ref(),
        offboarding: &meta.offboarding,
    };
    (assess(&input, today, lead), source)
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;

#[cfg(test)]
mod folder_policy_file_tests {
    use super::*;

    #[test]
    fn reads_a_policy() {
        let p = FolderPolicy::from_toml("# team\nrotate_every = \"90d\"\nlead_time = \"2w\"\n")
            .unwrap();
        assert_eq!(p.rotate_every, Some(Interval::days(90)));
        assert_eq!(p.lead_time.map(|i| i.to_string()), Some("2w".into()));
        assert_eq!(
            FolderPolicy::from_toml("").unwrap(),
            FolderPolicy::default()
        );
    }

    #[test]
    fn errors_give_the_line_and_never_quote_the_file() {
        let canary = "CANARY-sk_live_123";
        for (text, line, what) in [
            (
                format!("rotate_every = \"{canary}\"\n"),
                1,
                "not an interval",
            ),
            (
                format!("lead_time = \"7d\"\n\n{canary} = 1\n"),
                3,
                "unknown setting",
            ),
            (format!("\"{canary}\" = \"90d\"\n"), 1, "unknown setting"),
            (
                format!("rotate_every = 90\n# {canary}\n"),
                1,
                "not an interval",
            ),
            (
                format!("# ok\nrotate_every = [{canary}\n"),
                2,
                "not valid TOML",
            ),
            (format!("[{canary}]\nx = 1\n"), 1, "unknown setting"),
            (
                format!("rotate_every = \"\u{1b}]52;c;{canary}\u{7}\"\n"),
                1,
                "not valid TOML",
            ),
            (
                format!("rotate_every = \"\\u001b]52;{canary}\"\n"),
                1,
                "not an interval",
            ),
        ] {
            let err = FolderPolicy::from_toml(&text).unwrap_err();
            assert!(err.contains(what), "{text:?}: {err}");
            assert!(err.contains(&format!("line {line}")), "{text:?}: {err}");
            assert!(!err.contains("CANARY") && !err.contains('\u{1b}'), "{err}");
        }
    }
}
