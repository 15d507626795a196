use super::*;
use crate::store::Encoding;
use chrono::{DateTime, Utc};

fn t(s: &str) -> DateTime<Utc> {
    format!("2026-01-{s}Z").parse().unwrap()
}

fn base() -> SecretDoc {
    let mut d = SecretDoc::new(
        SecretValue::new("v1".into()),
        Encoding::Utf8,
        "ann",
        t("01T00:00:00"),
    );
    d.notes = Some("base notes".into());
    d
}

fn rotate(d: &SecretDoc, value: &str, actor: &str, when: &str) -> SecretDoc {
    let mut d = d.clone();
    d.set_value(
        SecretValue::new(value.into()),
        Encoding::Utf8,
        actor,
        None,
        t(when),
        10,
    );
    d
}

fn values(d: &SecretDoc) -> Vec<(u32, String)> {
    d.history
        .iter()
        .map(|h| (h.version, h.value.expose().to_string()))
        .collect()
}

#[test]
fn one_side_changed_takes_that_side() {
    let b = base();
    let ours = rotate(&b, "v2", "bob", "02T00:00:00");
    let m = merge_docs(Some(&b), &ours, &b, 10);
    assert_eq!(m.doc.value.expose(), "v2");
    assert_eq!(m.doc.version, 2);
    assert!(!m.value_conflict);
    let m = merge_docs(Some(&b), &b, &ours, 10);
    assert_eq!(m.doc, merge_docs(Some(&b), &ours, &b, 10).doc);
    assert!(m.doc.merge_notes.is_empty());
}

#[test]
fn both_rotated_the_later_wins_and_the_other_is_concurrent_history() {
    let b = base();
    let ours = rotate(&b, "ours", "ann", "03T00:00:00");
    let theirs = rotate(&b, "theirs", "bob", "02T00:00:00");
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    assert!(m.value_conflict);
    assert_eq!(m.doc.value.expose(), "ours");
    assert_eq!((m.winner.as_str(), m.loser.as_str()), ("ann", "bob"));
    // Loser N+1, winner N+2; the base value once.
    assert_eq!(m.doc.version, 4);
    assert_eq!(values(&m.doc), [(3, "theirs".into()), (1, "v1".into())]);
    let c = m.doc.history[0].concurrent.as_ref().unwrap();
    assert_eq!(c.by, "bob");
    assert_eq!(m.doc.history[0].replaced_by, "ann");
    assert_eq!(m.doc.rotated, t("03T00:00:00"));
    // The same result merged from the other side.
    let m2 = merge_docs(Some(&b), &theirs, &ours, 10);
    assert_eq!(m2.doc, m.doc);
}

#[test]
fn a_tie_in_time_is_broken_by_actor_the_same_way_from_both_sides() {
    let b = base();
    let ours = rotate(&b, "x", "zed", "02T00:00:00");
    let theirs = rotate(&b, "y", "amy", "02T00:00:00");
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    let m2 = merge_docs(Some(&b), &theirs, &ours, 10);
    assert_eq!(m.doc.value.expose(), "x");
    assert_eq!(m.doc, m2.doc);
}

#[test]
fn both_set_the_same_value_is_no_conflict() {
    let b = base();
    let ours = rotate(&b, "same", "ann", "02T00:00:00");
    let theirs = rotate(&b, "same", "bob", "03T00:00:00");
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    assert!(!m.value_conflict);
    assert_eq!(m.doc.value.expose(), "same");
    assert_eq!(m.doc.version, 2);
    assert_eq!(m.doc.history.len(), 1);
}

#[test]
fn divergent_histories_keep_unique_increasing_versions() {
    let b = base();
    let ours = rotate(
        &rotate(&b, "o1", "ann", "02T00:00:00"),
        "o2",
        "ann",
        "04T00:00:00",
    );
    let theirs = rotate(
        &rotate(&b, "t1", "bob", "03T00:00:00"),
        "t2",
        "bob",
        "05T00:00:00",
    );
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    assert_eq!(m.doc.value.expose(), "t2");
    let v: Vec<u32> = m.doc.history.iter().map(|h| h.version).collect();
    let mut sorted = v.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(v, sorted, "unique, newest first: {v:?}");
    assert!(m.doc.version > v[0]);
    let kept: Vec<String> = values(&m.doc).into_iter().map(|(_, s)| s).collect();
    for want in ["o1", "o2", "t1", "v1"] {
        assert!(kept.contains(&want.to_string()), "{want} in {kept:?}");
    }
    // Capped by the history limit, newest first.
    let m = merge_docs(Some(&b), &ours, &theirs, 2);
    assert_eq!(m.doc.history.len(), 2);
    assert_eq!(m.doc.history[0].value.expose(), "o2");
}

#[test]
fn metadata_merges_field_by_field_and_records_what_lost() {
    let b = base();
    let mut ours = b.clone();
    ours.owner = Some("ann".into());
    ours.notes = Some("ours notes".into());
    ours.touch("ann", t("02T00:00:00"));
    let mut theirs = b.clone();
    theirs.tags = vec!["prod".into()];
    theirs.notes = Some("theirs notes".into());
    theirs
        .extra
        .insert("future".into(), serde_json::json!({"x": 1}));
    theirs.touch("bob", t("03T00:00:00"));
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    assert_eq!(m.doc.owner.as_deref(), Some("ann"));
    assert_eq!(m.doc.tags, ["prod"]);
    assert_eq!(m.doc.extra["future"], serde_json::json!({"x": 1}));
    assert_eq!(m.doc.notes.as_deref(), Some("theirs notes"));
    assert_eq!(m.doc.updated_by, "bob");
    let note = &m.doc.merge_notes[0];
    assert_eq!(note.by, "ann");
    assert_eq!(note.lost["notes"], serde_json::json!("ours notes"));
    assert_eq!(note.lost.len(), 1);
    assert_eq!(m.doc.value.expose(), "v1");
    assert_eq!(merge_docs(Some(&b), &theirs, &ours, 10).doc, m.doc);
}

#[test]
fn a_field_removed_on_one_side_stays_removed() {
    let b = base();
    let mut ours = b.clone();
    ours.notes = None;
    let m = merge_docs(Some(&b), &ours, &b, 10);
    assert_eq!(m.doc.notes, None);
}

#[test]
fn both_added_the_same_name_without_a_base() {
    let ours = base();
    let theirs = rotate(&base(), "other", "bob", "02T00:00:00");
    let m = merge_docs(None, &ours, &theirs, 10);
    assert!(m.value_conflict);
    assert_eq!(m.doc.value.expose(), "other");
    assert!(m.doc.history.iter().any(|h| h.concurrent.is_some()));
}

#[test]
fn a_compromise_marked_before_the_winning_rotation_is_cleared() {
    let b = base();
    let mut theirs = b.clone();
    theirs.compromised = Some(crate::store::policy_data::Compromised {
        since: t("02T00:00:00"),
        by: "bob".into(),
        reason: None,
    });
    theirs.touch("bob", t("02T00:00:00"));
    let ours = rotate(&b, "fresh", "ann", "03T00:00:00");
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    assert_eq!(m.doc.value.expose(), "fresh");
    assert!(m.doc.compromised.is_none());
}

const K1: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

fn key() -> String {
    crate::store::crypto::generate_identity(t("01T00:00:00")).1
}

#[test]
fn recipients_merge_is_a_set_merge_honouring_removals() {
    let (k2, k3, k4) = (key(), key(), key());
    let base = format!("# header\n{K1}\n# label: two\n{k2}\n");
    // Ours removed k2 and added k3; theirs added k4 (labelled).
    let ours = format!("# header\n{K1}\n# label: three\n{k3}\n");
    let theirs = format!("# header\n{K1}\n# label: two\n{k2}\n# label: four\n{k4}\n");
    let m = merge_recipients(&base, &ours, &theirs).unwrap();
    assert_eq!(
        m.text,
        format!("# header\n{K1}\n# label: three\n{k3}\n# label: four\n{k4}\n")
    );
    // Theirs removed K1: it goes, its neighbours stay.
    let theirs = format!("# header\n# label: two\n{k2}\n");
    let m = merge_recipients(&base, &base, &theirs).unwrap();
    assert!(!m.text.contains(K1), "{}", m.text);
    assert!(m.text.contains(&k2));
}

#[test]
fn recipients_merge_keeps_our_label_and_reports_the_difference() {
    let k2 = key();
    let base = format!("{K1}\n");
    let ours = format!("{K1}\n# label: dan\n{k2}\n");
    let theirs = format!("{K1}\n# label: daniel\n{k2}\n");
    let m = merge_recipients(&base, &ours, &theirs).unwrap();
    assert_eq!(m.text, ours);
    assert_eq!(m.label_differences.len(), 1);
    assert_eq!(m.label_differences[0].1, "dan");
}

#[test]
fn recipients_merge_refuses_unparseable_sides_and_empty_results() {
    let err = merge_recipients("", &format!("{K1}\n"), "<<<<<<< HEAD\n").unwrap_err();
    assert!(err.contains("their side"), "{err}");
    let err = merge_recipients(&format!("{K1}\n"), "# none\n", &format!("{K1}\n")).unwrap_err();
    assert!(err.contains("no recipient"), "{err}");
}

fn mark(key: &str, when: &str) -> Offboarding {
    Offboarding {
        key_id: key.into(),
        label: Some(key.into()),
        at: t(when),
        by: "ann".into(),
    }
}

#[test]
fn readers_and_offboarding_marks_merge_as_sets_of_the_current_value() {
    let b = base();
    // Same value on both sides, re-encrypted to different keys: both read it.
    let mut ours = b.clone();
    ours.add_readers(&["k-ann", "k-bob"]);
    let mut theirs = b.clone();
    theirs.add_readers(&["k-ann", "k-cid"]);
    theirs.offboarding.push(mark("k-dan", "02T00:00:00"));
    ours.offboarding.push(mark("k-dan", "03T00:00:00"));
    ours.offboarding.push(mark("k-eve", "03T00:00:00"));
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    assert_eq!(m.doc.readers, ["k-ann", "k-bob", "k-cid"]);
    let marks: Vec<_> = m
        .doc
        .offboarding
        .iter()
        .map(|o| (o.key_id.as_str(), o.at))
        .collect();
    assert_eq!(
        marks,
        [("k-dan", t("02T00:00:00")), ("k-eve", t("03T00:00:00"))]
    );

    // One side rotated after an offboarding the other side marked: the new
    // value was never readable by the removed key, so the mark is over; a
    // mark made after the rotation stays.
    let mut theirs = b.clone();
    theirs.offboarding.push(mark("k-dan", "02T00:00:00"));
    theirs.offboarding.push(mark("k-eve", "05T00:00:00"));
    let mut ours = rotate(&b, "v2", "bob", "04T00:00:00");
    ours.add_readers(&["k-bob"]);
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    assert_eq!(m.doc.value.expose(), "v2");
    assert_eq!(m.doc.readers, ["k-bob"]);
    let marks: Vec<_> = m
        .doc
        .offboarding
        .iter()
        .map(|o| o.key_id.as_str())
        .collect();
    assert_eq!(marks, ["k-eve"]);
}

fn field(name: &str, value: &str) -> Field {
    Field {
        name: name.into(),
        value: SecretValue::new(value.into()),
        secret: name == "password",
    }
}

#[test]
fn fields_merge_by_name_like_metadata() {
    let mut b = base();
    b.fields = vec![field("login", "ann"), field("pin", "1234")];
    let mut ours = b.clone();
    ours.set_field(field("login", "ann.smith")).unwrap();
    ours.set_field(field("password", "ours-pw")).unwrap();
    ours.remove_field("pin").unwrap();
    ours.touch("ann", t("02T00:00:00"));
    let mut theirs = b.clone();
    theirs.set_field(field("password", "theirs-pw")).unwrap();
    theirs
        .set_field(field("otp", "otpauth://totp/x?secret=AB"))
        .unwrap();
    theirs.touch("bob", t("03T00:00:00"));
    let m = merge_docs(Some(&b), &ours, &theirs, 10);
    let got: Vec<(&str, &str)> = m
        .doc
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.expose()))
        .collect();
    // One side's change is taken (login, pin removed by ours, otp added
    // by theirs); both set the password: the later (theirs) wins.
    assert_eq!(
        got,
        [
            ("login", "ann.smith"),
            ("password", "theirs-pw"),
            ("otp", "otpauth://totp/x?secret=AB")
        ]
    );
    assert!(m.doc.fields[1].secret);
    let note = &m.doc.merge_notes[0];
    assert_eq!(note.lost["field password"], serde_json::json!("ours-pw"));
    assert_eq!(note.lost.len(), 1);
    assert_eq!(merge_docs(Some(&b), &theirs, &ours, 10).doc, m.doc);
}
