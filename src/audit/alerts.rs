//! Rules over the audit log that point at something unusual (`ward audit
//! alerts`, docs/AUDIT.md): a burst of value reads by one actor, a key used
//! from a host it was never used on, an export of a sensitive folder,
//! repeated unlock failures, a read by a key after it was removed, and a
//! chain that stopped verifying.
//!
//! The rules read records only; they never need the audit key. Whether the
//! records are authentic is [`super::verify`]'s job, and a broken chain is
//! itself an alert ([`chain_alert`]).

use super::read::Timeline;
use super::record::{Action, Record};
pub use crate::config::AlertRules;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Which rule raised an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Many value reads by one actor in a short time.
    ValueReads,
    /// A key (or, for records without a key, an actor) used from a host it
    /// was never used on before.
    NewHost,
    /// An export of a folder marked sensitive.
    SensitiveExport,
    /// Repeated failed unlocks.
    UnlockFailures,
    /// A value read by a key after it was removed from the recipients.
    RemovedKeyRead,
    /// An actor's chain does not verify.
    ChainBroken,
}

impl Rule {
    pub fn label(self) -> &'static str {
        match self {
            Rule::ValueReads => "value-reads",
            Rule::NewHost => "new-host",
            Rule::SensitiveExport => "sensitive-export",
            Rule::UnlockFailures => "unlock-failures",
            Rule::RemovedKeyRead => "removed-key-read",
            Rule::ChainBroken => "chain-broken",
        }
    }
}

/// One alert. Holds names, times and counts, never a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub rule: Rule,
    /// When it happened (the last record of a burst).
    pub time: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The secret or folder concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Records behind the alert.
    pub count: usize,
    /// What happened, in a sentence.
    pub detail: String,
}

/// What the rules need besides the log.
pub struct Context<'a> {
    /// Alerts for records at or after this time; older records still count
    /// as history (hosts seen before, reads before a burst).
    pub since: DateTime<Utc>,
    /// Fingerprints ([`super::key_fingerprint`]) of every key in the
    /// store's recipients files now; `None` when they could not be read, so
    /// the removed-key rule is not run.
    pub current_keys: Option<&'a HashSet<String>>,
}

fn is_value_read(action: Action) -> bool {
    matches!(action, Action::Reveal | Action::Copy | Action::Export)
}

/// Every alert the rules find in `timeline`, oldest first.
pub fn evaluate(timeline: &Timeline, rules: &AlertRules, ctx: &Context) -> Vec<Alert> {
    // The timeline is newest first; the rules walk it forwards.
    let records: Vec<&Record> = timeline.entries.iter().rev().map(|e| &e.record).collect();
    let mut out = Vec::new();
    out.extend(bursts(
        &records,
        |r| is_value_read(r.action),
        |r| r.actor.clone(),
        rules.value_reads,
        rules.value_reads_minutes,
        ctx.since,
        Rule::ValueReads,
    ));
    out.extend(bursts(
        &records,
        |r| r.action == Action::UnlockFailed,
        |r| format!("{}\u{0}{}", r.actor, r.host),
        rules.unlock_failures,
        rules.unlock_failures_minutes,
        ctx.since,
        Rule::UnlockFailures,
    ));
    out.extend(new_hosts(&records, ctx.since));
    out.extend(sensitive_exports(&records, &rules.sensitive, ctx.since));
    if let Some(keys) = ctx.current_keys {
        out.extend(removed_key_reads(&records, keys, ctx.since));
    }
    out.sort_by_key(|a| (a.time, a.rule));
    out
}

/// An alert for a chain that does not verify (from [`super::verify`]).
pub fn chain_alert(chain: &str, problem: &str, now: DateTime<Utc>) -> Alert {
    Alert {
        rule: Rule::ChainBroken,
        time: now,
        actor: Some(chain.to_string()),
        host: None,
        path: None,
        count: 1,
        detail: format!("the audit chain {chain} does not verify: {problem}"),
    }
}

/// One alert per burst: a run of matching records of one group in which
/// every record lies in some window of `minutes` holding at least
/// `threshold` of them. A burst that goes on is one alert, counted in full.
#[allow(clippy::too_many_arguments)]
fn bursts(
    records: &[&Record],
    matches: impl Fn(&Record) -> bool,
    group: impl Fn(&Record) -> String,
    threshold: usize,
    minutes: u32,
    since: DateTime<Utc>,
    rule: Rule,
) -> Vec<Alert> {
    let window = Duration::minutes(minutes.into());
    let threshold = threshold.max(1);
    let mut groups: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
    for r in records.iter().filter(|r| matches(r)) {
        groups.entry(group(r)).or_default().push(r);
    }
    let mut out = Vec::new();
    let mut emit = |list: &[&Record], (first, last): (usize, usize)| {
        if list[last].time >= since {
            out.push(burst_alert(&list[first..=last], rule, threshold, minutes));
        }
    };
    for list in groups.values() {
        let mut start = 0;
        let mut burst: Option<(usize, usize)> = None;
        for end in 0..list.len() {
            while list[end].time - list[start].time > window {
                start += 1;
            }
            if end + 1 - start < threshold {
                continue;
            }
            burst = match burst {
                Some((first, last)) if start <= last => Some((first, end)),
                Some(done) => {
                    emit(list, done);
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        if let Some(done) = burst {
            emit(list, done);
        }
    }
    out
}

fn burst_alert(burst: &[&Record], rule: Rule, threshold: usize, minutes: u32) -> Alert {
    let (first, last) = (burst[0], burst[burst.len() - 1]);
    let count = burst.len();
    let span = (last.time - first.time).num_minutes().max(1);
    let what = match rule {
        Rule::UnlockFailures => "failed unlocks",
        _ => "value reads (reveal, copy, export)",
    };
    let paths: BTreeSet<&str> = burst.iter().filter_map(|r| r.path.as_deref()).collect();
    let only = (paths.len() == 1).then(|| paths.iter().next().expect("one path").to_string());
    let spread = match (&only, paths.len()) {
        (Some(p), _) => format!(" of {p}"),
        (None, 0) => String::new(),
        (None, n) => format!(" of {n} secrets or folders"),
    };
    Alert {
        rule,
        time: last.time,
        actor: Some(last.actor.clone()),
        host: Some(last.host.clone()),
        path: only,
        count,
        detail: format!(
            "{count} {what}{spread} in {span} min (alert from {threshold} within {minutes} min)"
        ),
    }
}

/// The first value read on a host that the same key (or, for records
/// without a key, the same actor) was never used on before, when it had
/// been used elsewhere: an identity copied to another machine.
fn new_hosts(records: &[&Record], since: DateTime<Utc>) -> Vec<Alert> {
    // Per key or actor: host → (new: not its first host, already alerted).
    let mut seen: HashMap<String, BTreeMap<&str, (bool, bool)>> = HashMap::new();
    let mut out = Vec::new();
    for r in records {
        let who = match &r.key {
            Some(k) => format!("key {k}"),
            None => format!("actor {}", r.actor),
        };
        let hosts = seen.entry(who.clone()).or_default();
        let first_host = hosts.is_empty();
        let before: Vec<&str> = hosts.keys().copied().collect();
        let state = hosts.entry(r.host.as_str()).or_insert((!first_host, false));
        if state.0 && !state.1 && is_value_read(r.action) {
            state.1 = true;
            if r.time >= since {
                let before: Vec<&str> = before.into_iter().filter(|h| *h != r.host).collect();
                out.push(Alert {
                    rule: Rule::NewHost,
                    time: r.time,
                    actor: Some(r.actor.clone()),
                    host: Some(r.host.clone()),
                    path: r.path.clone(),
                    count: 1,
                    detail: format!(
                        "{} on host {}, the first value read there by {who} (used before on {})",
                        r.action,
                        r.host,
                        before.join(", ")
                    ),
                });
            }
        }
    }
    out
}

/// Whether an export of `path` ("" or none: everything) includes
/// `sensitive`, or lies inside it.
fn export_covers(path: &str, sensitive: &str) -> bool {
    let path = path.trim_matches('/');
    let sensitive = sensitive.trim_matches('/');
    let inside = |inner: &str, outer: &str| {
        outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}/"))
    };
    inside(sensitive, path) || inside(path, sensitive)
}

fn sensitive_exports(
    records: &[&Record],
    sensitive: &[String],
    since: DateTime<Utc>,
) -> Vec<Alert> {
    if sensitive.is_empty() {
        return Vec::new();
    }
    records
        .iter()
        .filter(|r| r.action == Action::Export && r.time >= since)
        .filter_map(|r| {
            let path = r.path.as_deref().unwrap_or_default();
            let hit = sensitive.iter().find(|s| export_covers(path, s))?;
            Some(Alert {
                rule: Rule::SensitiveExport,
                time: r.time,
                actor: Some(r.actor.clone()),
                host: Some(r.host.clone()),
                path: r.path.clone(),
                count: 1,
                detail: format!(
                    "export of {} (sensitive: {})",
                    if path.is_empty() {
                        "the whole store"
                    } else {
                        path
                    },
                    hit.trim_matches('/')
                ),
            })
        })
        .collect()
}

/// The fingerprints a removal record names (`removed …; key 1a2b…` in its
/// reason, see ops::recipients), if any.
fn removed_prints(r: &Record) -> Vec<&str> {
    let reason = r.reason.as_deref().unwrap_or_default();
    if r.action != Action::RecipientsChange || !reason.starts_with("removed") {
        return Vec::new();
    }
    reason
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() == 16)
        .collect()
}

/// Value reads by a key that is no recipient now, after its removal: the
/// removal record that names its fingerprint, or, for records written before
/// removals named them, the last removal in the log (reads after it were
/// certainly made after the key was removed).
fn removed_key_reads(
    records: &[&Record],
    current: &HashSet<String>,
    since: DateTime<Utc>,
) -> Vec<Alert> {
    let mut named: HashMap<&str, DateTime<Utc>> = HashMap::new();
    let mut last_removal: Option<DateTime<Utc>> = None;
    for r in records {
        if r.action == Action::RecipientsChange
            && r.reason
                .as_deref()
                .is_some_and(|s| s.starts_with("removed"))
        {
            last_removal = Some(r.time);
            for p in removed_prints(r) {
                named.entry(p).or_insert(r.time);
            }
        }
    }
    records
        .iter()
        .filter(|r| is_value_read(r.action) && r.time >= since)
        .filter_map(|r| {
            let key = r.key.as_deref()?;
            if current.contains(key) {
                return None;
            }
            let removed = named.get(key).copied().or(last_removal)?;
            (r.time > removed).then(|| Alert {
                rule: Rule::RemovedKeyRead,
                time: r.time,
                actor: Some(r.actor.clone()),
                host: Some(r.host.clone()),
                path: r.path.clone(),
                count: 1,
                detail: format!(
                    "{} by key {key}, which is no recipient since {}",
                    r.action,
                    removed.format("%Y-%m-%d %H:%M UTC")
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::read::Entry;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .expect("a time")
            .with_timezone(&Utc)
            + Duration::minutes(minute)
    }

    fn record(minute: i64, actor: &str, host: &str, action: Action, path: &str) -> Record {
        Record {
            v: 1,
            seq: 0,
            time: at(minute),
            actor: actor.into(),
            key: Some(format!("key-of-{actor}")),
            host: host.into(),
            action,
            path: (!path.is_empty()).then(|| path.to_string()),
            version: None,
            to: None,
            reason: None,
            late: false,
            prev_mac: None,
            sig: None,
            mac: String::new(),
        }
    }

    /// A timeline of `records` given oldest first (it is kept newest first).
    fn timeline(mut records: Vec<Record>) -> Timeline {
        records.sort_by_key(|r| r.time);
        Timeline {
            entries: records
                .into_iter()
                .rev()
                .map(|record| Entry {
                    record,
                    chain: "c".into(),
                    line: 1,
                    sealed: true,
                })
                .collect(),
            problems: Vec::new(),
        }
    }

    fn run(records: Vec<Record>, rules: &AlertRules, keys: Option<&HashSet<String>>) -> Vec<Alert> {
        let ctx = Context {
            since: at(-100_000),
            current_keys: keys,
        };
        evaluate(&timeline(records), rules, &ctx)
    }

    fn rules() -> AlertRules {
        AlertRules {
            value_reads: 3,
            value_reads_minutes: 10,
            unlock_failures: 3,
            unlock_failures_minutes: 15,
            sensitive: vec!["acme/prod".into()],
        }
    }

    #[test]
    fn a_burst_of_value_reads_is_one_alert_counted_in_full() {
        let reads: Vec<Record> = (0..6)
            .map(|i| record(i, "ann@a", "a", Action::Copy, &format!("acme/K{i}")))
            .collect();
        let found = run(reads, &rules(), None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, Rule::ValueReads);
        assert_eq!(found[0].count, 6);
        assert_eq!(found[0].time, at(5));
        assert!(
            found[0].detail.contains("of 6 secrets"),
            "{}",
            found[0].detail
        );
    }

    #[test]
    fn reads_spread_out_views_and_other_actors_make_no_burst() {
        let mut records: Vec<Record> = (0..6)
            .map(|i| record(i * 11, "ann@a", "a", Action::Reveal, "acme/K"))
            .collect();
        records.extend((0..6).map(|i| record(i, "ann@a", "a", Action::View, "acme/K")));
        records.push(record(1, "bob@b", "b", Action::Copy, "acme/K"));
        records.push(record(2, "cy@c", "c", Action::Copy, "acme/K"));
        assert!(run(records, &rules(), None).is_empty());
    }

    #[test]
    fn two_bursts_apart_are_two_alerts_and_old_ones_are_history() {
        let mut records: Vec<Record> = (0..3)
            .map(|i| record(i, "ann@a", "a", Action::Export, "acme"))
            .collect();
        records.extend((0..4).map(|i| record(60 + i, "ann@a", "a", Action::Copy, "acme/K")));
        let rules = AlertRules {
            sensitive: Vec::new(),
            ..rules()
        };
        let found = run(records.clone(), &rules, None);
        assert_eq!(found.iter().map(|a| a.count).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(found[1].path.as_deref(), Some("acme/K"));
        let ctx = Context {
            since: at(30),
            current_keys: None,
        };
        assert_eq!(evaluate(&timeline(records), &rules, &ctx).len(), 1);
    }

    #[test]
    fn repeated_unlock_failures_on_one_host() {
        let mut records: Vec<Record> = (0..3)
            .map(|i| record(i * 5, "ann@a", "a", Action::UnlockFailed, ""))
            .collect();
        records.push(record(1, "ann@a", "b", Action::UnlockFailed, ""));
        let found = run(records, &rules(), None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, Rule::UnlockFailures);
        assert_eq!((found[0].count, found[0].host.as_deref()), (3, Some("a")));
    }

    #[test]
    fn a_key_reading_on_a_host_it_never_used_once() {
        let records = vec![
            record(0, "ann@a", "laptop", Action::Unlock, ""),
            record(1, "ann@a", "laptop", Action::Reveal, "acme/K"),
            record(2, "ann@a", "vps-7", Action::Unlock, ""),
            record(3, "ann@a", "vps-7", Action::Copy, "acme/K"),
            record(4, "ann@a", "vps-7", Action::Copy, "acme/L"),
        ];
        let rules = AlertRules {
            value_reads: 10,
            ..rules()
        };
        let found = run(records, &rules, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, Rule::NewHost);
        assert_eq!(found[0].time, at(3));
        assert!(
            found[0].detail.contains("used before on laptop"),
            "{}",
            found[0].detail
        );
    }

    #[test]
    fn a_first_host_is_no_alert() {
        let records = vec![record(0, "ann@a", "laptop", Action::Reveal, "acme/K")];
        assert!(run(records, &rules(), None).is_empty());
    }

    #[test]
    fn exports_covering_a_sensitive_folder() {
        let records = vec![
            record(0, "ann@a", "a", Action::Export, "acme/prod/api"),
            record(20, "ann@a", "a", Action::Export, "acme"),
            record(40, "ann@a", "a", Action::Export, ""),
            record(60, "ann@a", "a", Action::Export, "acme/staging"),
            record(80, "ann@a", "a", Action::Export, "acme/production"),
        ];
        let found = run(records, &rules(), None);
        let paths: Vec<Option<&str>> = found.iter().map(|a| a.path.as_deref()).collect();
        assert_eq!(paths, [Some("acme/prod/api"), Some("acme"), None]);
        assert!(found[2].detail.contains("the whole store"));
    }

    #[test]
    fn reads_by_a_removed_key_after_its_removal() {
        let mut removal = record(10, "lead@l", "l", Action::RecipientsChange, "");
        removal.reason = Some(
            "removed age1qqqqqqqqqq…zzzzz (key 00000000000000aa); 3 secrets re-encrypted".into(),
        );
        let mut gone_before = record(5, "dan@d", "d", Action::Reveal, "acme/K");
        gone_before.key = Some("00000000000000aa".into());
        let mut gone_after = record(15, "dan@d", "d", Action::Copy, "acme/K");
        gone_after.key = Some("00000000000000aa".into());
        let mut still_here = record(16, "ann@a", "a", Action::Copy, "acme/K");
        still_here.key = Some("00000000000000bb".into());
        let current: HashSet<String> = ["00000000000000bb".to_string()].into();
        let found = run(
            vec![removal, gone_before, gone_after, still_here],
            &rules(),
            Some(&current),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, Rule::RemovedKeyRead);
        assert_eq!(found[0].time, at(15));
    }

    #[test]
    fn zero_thresholds_are_refused() {
        let mut r = AlertRules::default();
        assert!(r.check().is_ok());
        r.unlock_failures_minutes = 0;
        assert!(r.check().unwrap_err().contains("unlock_failures_minutes"));
    }
}
