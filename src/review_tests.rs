use super::*;
use crate::error::WardError;
use crate::policy::{Compromised, FolderPolicy};
use crate::store::{Encoding, SecretDoc, SecretValue};
use chrono::{DateTime, Utc};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    format!("{s}T12:00:00Z").parse().unwrap()
}

fn meta(
    rotated: &str,
    every: Option<&str>,
    expires: Option<&str>,
    owner: Option<&str>,
) -> SecretMeta {
    let mut doc = SecretDoc::new(
        SecretValue::new("hunter2".into()),
        Encoding::Utf8,
        "ann",
        at(rotated),
    );
    doc.rotate_every = every.map(|e| e.parse().unwrap());
    doc.expires = expires.map(d);
    doc.owner = owner.map(str::to_string);
    doc.meta()
}

const TODAY: &str = "2026-06-01";

/// A small store: one secret in every status, plus an unreadable one.
fn review() -> Review {
    let mut listing = Listing::default();
    listing.folder_policies.insert(
        "infra".into(),
        FolderPolicy {
            rotate_every: Some("30d".parse().unwrap()),
            lead_time: None,
        },
    );
    let mut compromised = meta("2026-05-01", None, None, Some("carol"));
    compromised.compromised = Some(Compromised {
        since: at("2026-05-30"),
        by: "carol".into(),
        reason: None,
    });
    let p = |s: &str| SecretPath::parse(s).unwrap();
    let loaded: Vec<(SecretPath, Result<SecretMeta>)> = vec![
        (
            p("acme/OK"),
            Ok(meta("2026-05-01", Some("90d"), None, Some("Ann"))),
        ),
        (
            p("acme/EXPIRED"),
            Ok(meta("2025-01-01", None, Some("2026-05-01"), Some("bob"))),
        ),
        (p("acme/api/LEAKED"), Ok(compromised)),
        // Inherits 30d: due 2026-05-21, overdue.
        (p("infra/OVERDUE"), Ok(meta("2026-04-21", None, None, None))),
        // Inherits 30d: due 2026-06-10, due soon.
        (
            p("infra/SOON"),
            Ok(meta("2026-05-11", None, None, Some("ann"))),
        ),
        (p("old/NOPOLICY"), Ok(meta("2024-01-01", None, None, None))),
        (
            p("old/BROKEN"),
            Err(WardError::Corrupt {
                path: "old/BROKEN.age".into(),
                cause: "integrity check failed".into(),
            }),
        ),
    ];
    Review::build(&listing, loaded, crate::policy::DEFAULT_LEAD, d(TODAY))
}

fn names(rows: &[ReviewRow]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

#[test]
fn builds_rows_with_status_policy_and_source() {
    let r = review();
    assert_eq!(r.rows.len(), 6);
    assert_eq!(r.unreadable.len(), 1);
    assert_eq!(r.unreadable[0].name.as_str(), "old/BROKEN");
    let by = |n: &str| r.rows.iter().find(|r| r.name.as_str() == n).unwrap();
    assert_eq!(by("acme/OK").status, Status::Ok);
    assert_eq!(by("acme/OK").policy_source, PolicySource::Secret);
    assert_eq!(by("acme/OK").due, Some(d("2026-07-30")));
    assert_eq!(by("acme/EXPIRED").status, Status::Expired);
    assert_eq!(by("acme/api/LEAKED").status, Status::Compromised);
    assert_eq!(by("acme/api/LEAKED").project, "acme");
    let overdue = by("infra/OVERDUE");
    assert_eq!(overdue.status, Status::Overdue);
    assert_eq!(overdue.policy, Some("30d".parse().unwrap()));
    assert_eq!(overdue.policy_source, PolicySource::Folder("infra".into()));
    assert_eq!(overdue.age_days, 41);
    assert_eq!(by("infra/SOON").status, Status::DueSoon);
    assert_eq!(by("old/NOPOLICY").status, Status::NoPolicy);
    assert_eq!(by("old/NOPOLICY").due, None);
}

#[test]
fn default_sort_is_worst_first_then_due() {
    let mut r = review();
    sort(&mut r.rows, SortKey::default(), false);
    assert_eq!(
        names(&r.rows),
        [
            "acme/api/LEAKED",
            "acme/EXPIRED",
            "infra/OVERDUE",
            "infra/SOON",
            "acme/OK",
            "old/NOPOLICY"
        ]
    );
    sort(&mut r.rows, SortKey::Status, true);
    assert_eq!(r.rows[0].name.as_str(), "old/NOPOLICY");
}

#[test]
fn sorts_by_every_column() {
    let mut r = review();
    sort(&mut r.rows, SortKey::Name, false);
    assert_eq!(r.rows[0].name.as_str(), "acme/EXPIRED");
    sort(&mut r.rows, SortKey::Age, false);
    assert_eq!(r.rows[0].name.as_str(), "old/NOPOLICY");
    sort(&mut r.rows, SortKey::Due, false);
    assert_eq!(r.rows[0].name.as_str(), "acme/EXPIRED");
    assert!(r.rows.last().unwrap().due.is_none());
    sort(&mut r.rows, SortKey::Policy, false);
    assert_eq!(r.rows[0].policy, Some("30d".parse().unwrap()));
    assert!(r.rows.last().unwrap().policy.is_none());
    sort(&mut r.rows, SortKey::Owner, false);
    assert_eq!(
        r.rows[0].owner.as_deref().map(str::to_lowercase).as_deref(),
        Some("ann")
    );
    assert!(r.rows.last().unwrap().owner.is_none());
    sort(&mut r.rows, SortKey::Expires, false);
    assert_eq!(r.rows[0].name.as_str(), "acme/EXPIRED");
    sort(&mut r.rows, SortKey::Project, false);
    assert_eq!(r.rows[0].project, "acme");
    assert_eq!(r.rows.last().unwrap().project, "old");
    sort(&mut r.rows, SortKey::Kind, false);
    for k in SortKey::ALL {
        assert_eq!(k.label().parse::<SortKey>().unwrap(), k);
        assert_ne!(k.next(), k);
    }
    assert!("colour".parse::<SortKey>().is_err());
}

#[test]
fn filters() {
    let r = review();
    let keep = |f: Filter| -> Vec<&str> {
        f.apply(&r.rows)
            .into_iter()
            .map(|r| r.name.as_str())
            .collect()
    };
    assert_eq!(keep(Filter::default()).len(), 6);
    assert_eq!(
        keep(Filter {
            statuses: vec![Status::Expired, Status::Overdue],
            ..Filter::default()
        }),
        ["acme/EXPIRED", "infra/OVERDUE"]
    );
    assert_eq!(
        keep(Filter {
            project: Some("infra".into()),
            ..Filter::default()
        }),
        ["infra/OVERDUE", "infra/SOON"]
    );
    assert_eq!(
        keep(Filter {
            owner: Some("ann".into()),
            ..Filter::default()
        }),
        ["acme/OK", "infra/SOON"]
    );
    assert_eq!(
        keep(Filter {
            prefix: Some(SecretPath::parse("acme/api").unwrap()),
            ..Filter::default()
        }),
        ["acme/api/LEAKED"]
    );
    // Due within 14 days: compromised, expired, overdue and the one due on 06-10.
    assert_eq!(
        keep(Filter {
            due_by: Some(due_by("14d".parse().unwrap(), d(TODAY))),
            ..Filter::default()
        }),
        [
            "acme/EXPIRED",
            "acme/api/LEAKED",
            "infra/OVERDUE",
            "infra/SOON"
        ]
    );
    // Within 5 days the due-soon one (06-10) drops out.
    assert_eq!(
        keep(Filter {
            due_by: Some(due_by("5d".parse().unwrap(), d(TODAY))),
            ..Filter::default()
        })
        .len(),
        3
    );
}

#[test]
fn check_selection() {
    let r = review();
    let pick = |by: Option<NaiveDate>| -> Vec<&str> {
        r.rows
            .iter()
            .filter(|row| needs_attention(row, by))
            .map(|row| row.name.as_str())
            .collect()
    };
    assert_eq!(
        pick(None),
        ["acme/EXPIRED", "acme/api/LEAKED", "infra/OVERDUE"]
    );
    assert_eq!(pick(Some(d("2026-06-09"))).len(), 3);
    assert_eq!(pick(Some(d("2026-06-10"))).len(), 4);
    // Beyond the lead time too: acme/OK is due 2026-07-30.
    assert_eq!(pick(Some(d("2026-07-30"))).len(), 5);
}

#[test]
fn counts_and_histogram() {
    let r = review();
    let all = counts(&r.rows);
    assert_eq!(all.total(), 6);
    assert_eq!(all.needing_action(), 3);
    for s in Status::ALL {
        assert_eq!(all.get(s), 1, "{s}");
    }
    let per = project_counts(&r.rows);
    assert_eq!(
        per.iter().map(|p| p.project.as_str()).collect::<Vec<_>>(),
        ["acme", "infra", "old"]
    );
    assert_eq!(per[0].counts.get(Status::Compromised), 1);
    assert_eq!(per[0].counts.total(), 3);
    assert_eq!(per[1].counts.get(Status::Overdue), 1);

    let h = age_histogram(&r.rows);
    assert_eq!(h.len(), 5);
    // Ages: OK 31, EXPIRED 516, LEAKED 31, OVERDUE 41, SOON 21, NOPOLICY 882.
    assert_eq!(
        h.iter().map(|b| b.count).collect::<Vec<_>>(),
        [1, 3, 0, 0, 2]
    );
    assert_eq!(h[0].label, "<30d");
    assert_eq!(h[4].max_days, None);
    assert_eq!(h.iter().map(|b| b.count).sum::<usize>(), 6);
}

#[test]
fn histogram_edges() {
    let r = review();
    let mut row = r.rows[0].clone();
    let bucket = |row: &ReviewRow| {
        age_histogram(std::iter::once(row))
            .iter()
            .position(|b| b.count == 1)
            .unwrap()
    };
    for (age, want) in [
        (0, 0),
        (29, 0),
        (30, 1),
        (89, 1),
        (90, 2),
        (179, 2),
        (180, 3),
        (364, 3),
        (365, 4),
    ] {
        row.age_days = age;
        assert_eq!(bucket(&row), want, "age {age}");
    }
}

#[test]
fn rows_serialise_without_values() {
    let r = review();
    let json = serde_json::to_string(&r.rows).unwrap();
    assert!(!json.contains("hunter2"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["name"], "acme/OK");
    assert_eq!(v[0]["status"], "ok");
    assert_eq!(v[0]["policy"], "90d");
}
