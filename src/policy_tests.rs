//! Table-driven tests of the status function and folder-policy resolution.

use super::*;
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    format!("{s}T12:00:00Z").parse().unwrap()
}

fn iv(s: &str) -> Interval {
    s.parse().unwrap()
}

/// One row of the table: what the secret says, on which day, and what must come out.
struct Case {
    what: &'static str,
    today: &'static str,
    rotated: &'static str,
    every: Option<&'static str>,
    expires: Option<&'static str>,
    compromised: bool,
    lead: &'static str,
    status: Status,
    /// A piece the reason must contain.
    reason: &'static str,
    /// The expected next action date, if any.
    next: Option<&'static str>,
}

const fn case(what: &'static str, today: &'static str, rotated: &'static str) -> Case {
    Case {
        what,
        today,
        rotated,
        every: None,
        expires: None,
        compromised: false,
        lead: "14d",
        status: Status::NoPolicy,
        reason: "",
        next: None,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // No dates at all.
        Case {
            reason: "no expiry and no rotation policy",
            ..case("nothing set", "2026-05-01", "2026-01-01")
        },
        // Expiry boundaries: expired from the expiry date on.
        Case {
            expires: Some("2026-05-01"),
            status: Status::Expired,
            reason: "expired today (2026-05-01)",
            next: Some("2026-05-01"),
            ..case("expires today", "2026-05-01", "2026-01-01")
        },
        Case {
            expires: Some("2026-04-30"),
            status: Status::Expired,
            reason: "expired 1 day ago",
            next: Some("2026-04-30"),
            ..case("expired yesterday", "2026-05-01", "2026-01-01")
        },
        Case {
            expires: Some("2026-05-02"),
            status: Status::DueSoon,
            reason: "expires in 1 day (2026-05-02)",
            next: Some("2026-05-02"),
            ..case("expires tomorrow", "2026-05-01", "2026-01-01")
        },
        Case {
            expires: Some("2026-05-15"),
            status: Status::DueSoon,
            reason: "expires in 14 days",
            next: Some("2026-05-15"),
            ..case(
                "expires exactly at the lead edge",
                "2026-05-01",
                "2026-01-01",
            )
        },
        Case {
            expires: Some("2026-05-16"),
            status: Status::Ok,
            reason: "expires in 15 days",
            next: Some("2026-05-16"),
            ..case(
                "expires one day past the lead edge",
                "2026-05-01",
                "2026-01-01",
            )
        },
        // Rotation boundaries: due on the due date, overdue from the day after.
        Case {
            every: Some("90d"),
            status: Status::DueSoon,
            reason: "rotation due today (2026-04-01): policy 90d, last rotated 2026-01-01",
            next: Some("2026-04-01"),
            ..case("rotation due today", "2026-04-01", "2026-01-01")
        },
        Case {
            every: Some("90d"),
            status: Status::Overdue,
            reason: "rotation overdue by 1 day: policy 90d, last rotated 2026-01-01",
            next: Some("2026-04-01"),
            ..case("rotation due yesterday", "2026-04-02", "2026-01-01")
        },
        Case {
            every: Some("90d"),
            status: Status::Overdue,
            reason: "rotation overdue by 12 days",
            ..case("rotation long overdue", "2026-04-13", "2026-01-01")
        },
        Case {
            every: Some("90d"),
            status: Status::DueSoon,
            reason: "rotation due in 14 days (2026-04-01)",
            next: Some("2026-04-01"),
            ..case(
                "rotation exactly at the lead edge",
                "2026-03-18",
                "2026-01-01",
            )
        },
        Case {
            every: Some("90d"),
            status: Status::Ok,
            reason: "rotation due in 15 days (2026-04-01): policy 90d",
            next: Some("2026-04-01"),
            ..case(
                "rotation one day past the lead edge",
                "2026-03-17",
                "2026-01-01",
            )
        },
        Case {
            every: Some("90d"),
            lead: "30d",
            status: Status::DueSoon,
            reason: "rotation due in 15 days",
            ..case("a longer lead time", "2026-03-17", "2026-01-01")
        },
        Case {
            every: Some("2w"),
            status: Status::DueSoon,
            next: Some("2026-01-15"),
            ..case("weeks", "2026-01-02", "2026-01-01")
        },
        // Leap years and month ends.
        Case {
            every: Some("1y"),
            status: Status::DueSoon,
            reason: "rotation due today (2025-02-28)",
            next: Some("2025-02-28"),
            ..case("1y from Feb 29 falls on Feb 28", "2025-02-28", "2024-02-29")
        },
        Case {
            every: Some("1y"),
            status: Status::Overdue,
            reason: "rotation overdue by 1 day",
            ..case(
                "1y from Feb 29, overdue on Mar 1",
                "2025-03-01",
                "2024-02-29",
            )
        },
        Case {
            every: Some("4y"),
            status: Status::DueSoon,
            next: Some("2028-02-29"),
            ..case("4y from Feb 29 keeps Feb 29", "2028-02-29", "2024-02-29")
        },
        Case {
            every: Some("1m"),
            status: Status::DueSoon,
            reason: "rotation due today (2024-02-29)",
            next: Some("2024-02-29"),
            ..case("1m from Jan 31 in a leap year", "2024-02-29", "2024-01-31")
        },
        Case {
            every: Some("1m"),
            status: Status::Overdue,
            next: Some("2025-02-28"),
            ..case(
                "1m from Jan 31 in a common year",
                "2025-03-01",
                "2025-01-31",
            )
        },
        Case {
            every: Some("366d"),
            status: Status::DueSoon,
            next: Some("2025-01-01"),
            ..case("days count the leap day", "2025-01-01", "2024-01-01")
        },
        Case {
            expires: Some("2024-02-29"),
            status: Status::Expired,
            reason: "expired today (2024-02-29)",
            ..case("expiry on a leap day", "2024-02-29", "2024-01-01")
        },
        // Both dates: the worse one wins, the earlier one is the next action.
        Case {
            every: Some("90d"),
            expires: Some("2026-03-01"),
            status: Status::Expired,
            reason: "expired",
            next: Some("2026-03-01"),
            ..case("expired beats overdue", "2026-05-01", "2026-01-01")
        },
        Case {
            every: Some("30d"),
            expires: Some("2027-01-01"),
            status: Status::Overdue,
            reason: "rotation overdue",
            next: Some("2026-01-31"),
            ..case("overdue beats a far expiry", "2026-03-01", "2026-01-01")
        },
        Case {
            every: Some("1y"),
            expires: Some("2026-01-10"),
            status: Status::DueSoon,
            reason: "expires in 9 days",
            next: Some("2026-01-10"),
            ..case(
                "expiry due soon beats rotation ok",
                "2026-01-01",
                "2025-12-01",
            )
        },
        // Compromised beats everything, including expired.
        Case {
            every: Some("90d"),
            expires: Some("2026-02-01"),
            compromised: true,
            status: Status::Compromised,
            reason: "marked compromised on 2026-04-30 by bob: leaked; rotate it to clear",
            next: Some("2026-02-01"),
            ..case("compromised beats expired", "2026-05-01", "2026-01-01")
        },
        Case {
            compromised: true,
            status: Status::Compromised,
            ..case("compromised without any policy", "2026-05-01", "2026-01-01")
        },
        // A value rotated "in the future" (clock skew) has age 0, not negative.
        Case {
            every: Some("90d"),
            status: Status::Ok,
            ..case("rotated after today", "2026-01-01", "2026-01-05")
        },
    ]
}

#[test]
fn assess_table() {
    let flag = Compromised {
        since: at("2026-04-30"),
        by: "bob".into(),
        reason: Some("leaked".into()),
    };
    let mut failures = Vec::new();
    for c in cases() {
        let input = PolicyInput {
            rotated: at(c.rotated),
            expires: c.expires.map(d),
            rotate_every: c.every.map(iv),
            compromised: c.compromised.then_some(&flag),
            offboarding: &[],
        };
        let a = assess(&input, d(c.today), iv(c.lead));
        let mut bad = Vec::new();
        if a.status != c.status {
            bad.push(format!("status {:?}, want {:?}", a.status, c.status));
        }
        if !a.reason.contains(c.reason) {
            bad.push(format!("reason {:?} lacks {:?}", a.reason, c.reason));
        }
        if let Some(next) = c.next {
            if a.next_action != Some(d(next)) {
                bad.push(format!("next {:?}, want {next}", a.next_action));
            }
        }
        if a.age_days < 0 {
            bad.push(format!("negative age {}", a.age_days));
        }
        if !bad.is_empty() {
            failures.push(format!("{}: {}", c.what, bad.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_status_is_covered_by_the_table() {
    for s in Status::ALL {
        assert!(cases().iter().any(|c| c.status == s), "no case for {s}");
    }
}

/// An offboarding mark ranks as compromised, over an expiry, and says who
/// left; with a compromise too, both reasons are given.
#[test]
fn an_offboarding_mark_needs_rotation() {
    let marks = [
        Offboarding {
            key_id: "age1bob".into(),
            label: Some("bob".into()),
            at: at("2026-03-01"),
            by: "ann@laptop".into(),
        },
        Offboarding {
            key_id: "age1bob2".into(),
            label: Some("bob".into()),
            at: at("2026-03-01"),
            by: "ann@laptop".into(),
        },
    ];
    let mut input = PolicyInput {
        rotated: at("2026-01-01"),
        expires: Some(d("2026-02-01")),
        rotate_every: None,
        compromised: None,
        offboarding: &marks,
    };
    let a = assess(&input, d("2026-04-01"), DEFAULT_LEAD);
    assert_eq!(a.status, Status::Compromised);
    assert!(a.status.needs_action());
    assert_eq!(
        a.reason,
        "rotation required: offboarding of bob (removed 2026-03-01 by ann@laptop)"
    );
    let flag = Compromised {
        since: at("2026-03-02"),
        by: "carl".into(),
        reason: None,
    };
    input.compromised = Some(&flag);
    let a = assess(&input, d("2026-04-01"), DEFAULT_LEAD);
    assert!(
        a.reason.starts_with("marked compromised on 2026-03-02"),
        "{}",
        a.reason
    );
    assert!(
        a.reason.ends_with(
            "; rotation required: offboarding of bob (removed 2026-03-01 by ann@laptop)"
        ),
        "{}",
        a.reason
    );
    input.offboarding = &[];
    input.compromised = None;
    assert_eq!(
        assess(&input, d("2026-04-01"), DEFAULT_LEAD).status,
        Status::Expired
    );
}

#[test]
fn age_is_from_the_last_value_change() {
    let input = PolicyInput {
        rotated: at("2026-01-01"),
        expires: None,
        rotate_every: None,
        compromised: None,
        offboarding: &[],
    };
    assert_eq!(assess(&input, d("2026-04-11"), DEFAULT_LEAD).age_days, 100);
    assert_eq!(assess(&input, d("2026-01-01"), DEFAULT_LEAD).age_days, 0);
}

#[test]
fn a_huge_interval_is_ok_not_no_policy() {
    let input = PolicyInput {
        rotated: at("2026-01-01"),
        expires: None,
        rotate_every: Some(iv("100000y")),
        compromised: None,
        offboarding: &[],
    };
    let a = assess(&input, d("2026-05-01"), DEFAULT_LEAD);
    assert_eq!(a.status, Status::Ok, "{}", a.reason);
}

fn policies(entries: &[(&str, Option<&str>, Option<&str>)]) -> BTreeMap<String, FolderPolicy> {
    entries
        .iter()
        .map(|(folder, every, lead)| {
            (
                folder.to_string(),
                FolderPolicy {
                    rotate_every: every.map(iv),
                    lead_time: lead.map(iv),
                },
            )
        })
        .collect()
}

#[test]
fn resolve_table() {
    let p = policies(&[
        ("acme", Some("90d"), Some("21d")),
        ("acme/api", Some("30d"), None),
        ("acme/api/prod", None, Some("7d")),
        ("acme/web", None, None),
        ("acm", Some("1d"), Some("1d")),
    ]);
    let lead = DEFAULT_LEAD;
    let folder = |f: &str| PolicySource::Folder(f.to_string());
    #[allow(clippy::type_complexity)]
    let table: Vec<(&str, Option<&str>, Option<&str>, &str, PolicySource)> = vec![
        // name, own interval, expected interval, expected lead, expected source
        ("acme/KEY", None, Some("90d"), "21d", folder("acme")),
        ("acme/api/KEY", None, Some("30d"), "21d", folder("acme/api")),
        // Nearest folder wins for each field separately.
        (
            "acme/api/prod/KEY",
            None,
            Some("30d"),
            "7d",
            folder("acme/api"),
        ),
        (
            "acme/api/prod/deep/KEY",
            None,
            Some("30d"),
            "7d",
            folder("acme/api"),
        ),
        // An empty policy file inherits everything from above.
        ("acme/web/KEY", None, Some("90d"), "21d", folder("acme")),
        // The secret's own setting beats every folder, but the folder lead applies.
        (
            "acme/api/prod/KEY",
            Some("1y"),
            Some("1y"),
            "7d",
            PolicySource::Secret,
        ),
        // Folder names match whole segments only ("acm" is not "acme").
        ("acmex/KEY", None, None, "14d", PolicySource::None),
        ("other/KEY", None, None, "14d", PolicySource::None),
        ("KEY", None, None, "14d", PolicySource::None),
        ("KEY", Some("6w"), Some("6w"), "14d", PolicySource::Secret),
    ];
    for (name, own, want_every, want_lead, want_source) in table {
        let (every, got_lead, source) = resolve(&p, name, own.map(iv), lead);
        assert_eq!(every, want_every.map(iv), "{name} {own:?}: interval");
        assert_eq!(got_lead, iv(want_lead), "{name} {own:?}: lead");
        assert_eq!(source, want_source, "{name} {own:?}: source");
    }
}

#[test]
fn assess_secret_uses_inherited_policy_and_folder_lead() {
    let meta = crate::store::SecretDoc::new(
        crate::store::SecretValue::new("v".into()),
        crate::store::Encoding::Utf8,
        "ann",
        at("2026-01-01"),
    )
    .meta();
    let p = policies(&[("infra", Some("30d"), Some("7d"))]);
    // Due 2026-01-31; 8 days before is outside infra's 7-day lead.
    let (a, source) = assess_secret("infra/aws/KEY", &meta, &p, DEFAULT_LEAD, d("2026-01-23"));
    assert_eq!(a.status, Status::Ok, "{}", a.reason);
    assert_eq!(source, PolicySource::Folder("infra".into()));
    let (a, _) = assess_secret("infra/aws/KEY", &meta, &p, DEFAULT_LEAD, d("2026-01-24"));
    assert_eq!(a.status, Status::DueSoon, "{}", a.reason);
    let (a, _) = assess_secret("infra/aws/KEY", &meta, &p, DEFAULT_LEAD, d("2026-02-01"));
    assert_eq!(a.status, Status::Overdue, "{}", a.reason);
    // Outside infra: no policy.
    let (a, source) = assess_secret("web/KEY", &meta, &p, DEFAULT_LEAD, d("2026-02-01"));
    assert_eq!(a.status, Status::NoPolicy);
    assert_eq!(source, PolicySource::None);
}

#[test]
fn intervals_parse_and_print() {
    for (s, want) in [
        ("90d", "90d"),
        ("6w", "6w"),
        ("3m", "3m"),
        ("1y", "1y"),
        (" 2 ", ""),
    ] {
        match s.parse::<Interval>() {
            Ok(i) => assert_eq!(i.to_string(), want),
            Err(_) => assert!(want.is_empty(), "{s} should parse"),
        }
    }
    for bad in ["0d", "d", "90", "-1d", "1x", "", "100001d"] {
        assert!(bad.parse::<Interval>().is_err(), "{bad:?} should not parse");
    }
    assert_eq!(parse_date("+1m", d("2024-01-31")).unwrap(), d("2024-02-29"));
    assert_eq!(
        parse_date("2027-03-01", d("2024-01-31")).unwrap(),
        d("2027-03-01")
    );
    assert!(parse_date("2027-02-30", d("2024-01-31")).is_err());
}

#[test]
fn status_order_is_worst_first_and_parses() {
    let mut all = Status::ALL.to_vec();
    all.reverse();
    all.sort();
    assert_eq!(all, Status::ALL.to_vec());
    for s in Status::ALL {
        assert_eq!(s.label().parse::<Status>().unwrap(), s);
    }
    assert_eq!("due_soon".parse::<Status>().unwrap(), Status::DueSoon);
    assert!("fine".parse::<Status>().is_err());
}
