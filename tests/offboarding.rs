//! Offboarding (docs/TEAMS.md "Offboarding"): which recipients each secret
//! was encrypted to, the "rotation required" mark a removal leaves on what the
//! removed key could read, `ward check` failing until it is rotated, and
//! `ward offboard LABEL` across folder recipients files. The real binary.

mod common;

use common::{make_identity, stderr, stdout, Ward};
use std::path::{Path, PathBuf};

const VALUES: [&str; 5] = [
    "sk_live_KEYVALUE1",
    "pw_DBVALUE2",
    "priv_PRIVATE3",
    "tok_LEGACY4",
    "sk_live_ROTATED5",
];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A member A (the world's identity) and B's identity file, B not yet a
/// recipient; B's public key.
fn team() -> (Ward, PathBuf, String) {
    let w = Ward::init();
    let b = w.root().join("bob.txt");
    let key = make_identity(&b);
    (w, b, key)
}

fn key_id(key: &str) -> String {
    ward::store::crypto::key_id(key)
}

/// The key ids a secret records as its readers.
fn readers(w: &Ward, name: &str) -> Vec<String> {
    w.doc(name)["readers"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn marked(w: &Ward, name: &str) -> bool {
    w.doc(name)
        .get("offboarding")
        .is_some_and(|m| m.as_array().is_some_and(|a| !a.is_empty()))
}

/// Fails if any output holds a test value.
fn no_values(outputs: &[&std::process::Output]) {
    for o in outputs {
        let all = format!("{}{}", stdout(o), stderr(o));
        for v in VALUES {
            assert!(!all.contains(v), "a value was printed: {all}");
        }
    }
}

fn rotate(w: &Ward, name: &str, value: &str) {
    w.ok(
        &["rotate", name, "--reason", "offboarding"],
        Some(value.as_bytes()),
    );
}

#[test]
fn removing_b_marks_what_b_could_read_and_check_fails_until_rotated() {
    let (w, b, bkey) = team();
    let a = key_id(&w.public_key());
    // A folder B never was a recipient of: its own file, started before B.
    w.set("private/NOTE", VALUES[2].as_bytes(), &[]);
    let carl = make_identity(&w.root().join("carl.txt"));
    w.ok(&["recipients", "add", &carl, "--folder", "private"], None);
    w.ok(&["recipients", "add", &bkey, "--label", "bob"], None);
    w.set("acme/api/KEY", VALUES[0].as_bytes(), &[]);
    w.set("acme/db/PASS", VALUES[1].as_bytes(), &[]);
    assert_eq!(readers(&w, "acme/api/KEY"), [a.clone(), key_id(&bkey)]);
    assert!(!readers(&w, "private/NOTE").contains(&key_id(&bkey)));
    // B reads one secret while still a member.
    let read = w.ok(&["-i", s(&b), "get", "acme/api/KEY"], None);
    assert_eq!(read.stdout, VALUES[0].as_bytes());

    let rm = w.ok(&["recipients", "rm", &bkey], None);
    let text = stdout(&rm);
    assert!(
        text.contains("2 secrets could be read by the removed key"),
        "{text}"
    );
    let line = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} not listed: {text}"))
            .to_string()
    };
    assert!(line("acme/api/KEY").contains("marked: rotation required: offboarding of bob"));
    assert!(
        line("acme/api/KEY").contains("the audit log shows 1 read (reveal)"),
        "{text}"
    );
    assert!(!line("acme/db/PASS").contains("audit log"), "{text}");
    assert!(
        !text.contains("private/NOTE"),
        "B never could read it: {text}"
    );
    assert!(
        text.contains("2 secrets marked \"rotation required\""),
        "{text}"
    );
    assert!(!marked(&w, "private/NOTE"));

    // The change's audit record counts the marks.
    let audit = w.ok(&["audit", "--json", "--action", "recipients-change"], None);
    assert!(
        stdout(&audit).contains("2 marked for rotation"),
        "{}",
        stdout(&audit)
    );

    let check = w.expect_code(&["check"], None, 8);
    let out = stdout(&check);
    for name in ["acme/api/KEY", "acme/db/PASS"] {
        let l = out
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(l.contains("rotation required: offboarding of bob"), "{l}");
    }
    assert!(!out.contains("private/NOTE"), "{out}");
    let report = w.ok(&["report", "--format", "csv"], None);
    assert!(stdout(&report).contains("rotation required: offboarding of bob"));

    rotate(&w, "acme/api/KEY", VALUES[4]);
    assert!(!marked(&w, "acme/api/KEY"));
    assert_eq!(
        readers(&w, "acme/api/KEY"),
        vec![a.clone()],
        "B is not a reader of the new value"
    );
    let check = w.expect_code(&["check"], None, 8);
    assert!(
        !stdout(&check).contains("acme/api/KEY"),
        "{}",
        stdout(&check)
    );
    rotate(&w, "acme/db/PASS", "pw_NEW");
    let check = w.expect_code(&["check"], None, 0);
    no_values(&[&rm, &check, &report, &audit]);
    w.assert_no_plaintext(&VALUES.map(str::as_bytes));
}

#[test]
fn readers_follow_set_reencrypt_and_rotate_and_history_counts_too() {
    let (w, _b, bkey) = team();
    let (a, bid) = (key_id(&w.public_key()), key_id(&bkey));
    w.set("acme/X", VALUES[0].as_bytes(), &[]);
    w.set("other/Y", VALUES[1].as_bytes(), &[]);
    assert_eq!(readers(&w, "acme/X"), vec![a.clone()]);
    // Re-encrypting to a new recipient extends the readers.
    w.ok(&["recipients", "add", &bkey, "--label", "bob"], None);
    assert_eq!(readers(&w, "acme/X"), [a.clone(), bid.clone()]);
    // Removed from the folder only: marked there, the rest untouched.
    let rm = w.ok(&["recipients", "rm", &bkey, "--folder", "acme"], None);
    assert!(marked(&w, "acme/X"));
    assert!(!marked(&w, "other/Y"), "B still reads other/Y by intent");
    assert!(
        stderr(&rm).contains("still a recipient in .ward/recipients"),
        "{}",
        stderr(&rm)
    );
    // Readers are who could read the value since it was set: B stays.
    assert_eq!(readers(&w, "acme/X"), [a.clone(), bid.clone()]);
    // A new value starts over, the old one keeps its readers in history.
    rotate(&w, "acme/X", VALUES[4]);
    assert_eq!(readers(&w, "acme/X"), vec![a.clone()]);
    assert!(!marked(&w, "acme/X"));
    // B leaves the store: acme/X's history was readable, not its value.
    let rm = w.ok(&["recipients", "rm", &bkey], None);
    let text = stdout(&rm);
    let x = text
        .lines()
        .find(|l| l.contains("acme/X"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        x.contains("an earlier value only (rotated since): not marked"),
        "{x}"
    );
    assert!(!marked(&w, "acme/X"));
    assert!(marked(&w, "other/Y"));
    no_values(&[&rm]);
}

/// A document written before readers were recorded: encrypted to the
/// store's recipients with no `readers` field.
fn write_legacy(w: &Ward, name: &str, value: &str) {
    let store = ward::store::Store::open(&w.store()).unwrap();
    let path = store.recipients_path_for(&ward::store::SecretPath::parse(name).unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    let recipients = ward::store::crypto::parse_recipients(&path, &text).unwrap();
    let doc = ward::store::SecretDoc::new(
        ward::store::SecretValue::new(value.into()),
        ward::store::Encoding::Utf8,
        "tester@host",
        chrono::Utc::now(),
    );
    let bytes = doc.to_bytes();
    assert!(!String::from_utf8_lossy(&bytes).contains("readers"));
    let cipher = ward::store::crypto::encrypt(&recipients, &bytes).unwrap();
    let file = w.file(name);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, cipher).unwrap();
}

#[test]
fn legacy_documents_count_as_readable_by_their_recipients_file() {
    let (w, _b, bkey) = team();
    w.ok(&["recipients", "add", &bkey, "--label", "bob"], None);
    write_legacy(&w, "acme/OLD", VALUES[3]);
    assert!(readers(&w, "acme/OLD").is_empty(), "a legacy document");
    let rm = w.ok(&["recipients", "rm", &bkey], None);
    assert!(stdout(&rm).contains("acme/OLD  marked"), "{}", stdout(&rm));
    assert!(marked(&w, "acme/OLD"));
    // Its readers now: who it was encrypted to before and after.
    assert_eq!(
        readers(&w, "acme/OLD"),
        [key_id(&w.public_key()), key_id(&bkey)]
    );
    let check = w.expect_code(&["check"], None, 8);
    assert!(stdout(&check).contains("rotation required: offboarding of bob"));
    no_values(&[&rm, &check]);
}

#[test]
fn offboard_label_removes_the_key_from_every_recipients_file() {
    let (w, b, bkey) = team();
    w.set("team/T", VALUES[0].as_bytes(), &[]);
    w.set("acme/K", VALUES[1].as_bytes(), &[]);
    w.ok(&["recipients", "add", &bkey, "--label", "bob"], None);
    // team/.recipients starts from the store's file: B without the label.
    let carl = make_identity(&w.root().join("carl.txt"));
    w.ok(&["recipients", "add", &carl, "--folder", "team"], None);
    let team_file = w.store().join("team/.recipients");
    assert!(std::fs::read_to_string(&team_file).unwrap().contains(&bkey));

    let out = w.ok(&["offboard", "bob"], None);
    let text = stdout(&out);
    assert!(
        text.contains("Offboarded bob: removed from 2 recipients files of 2."),
        "{text}"
    );
    for f in [w.store().join(".ward/recipients"), team_file] {
        assert!(
            !std::fs::read_to_string(&f).unwrap().contains(&bkey),
            "{}",
            f.display()
        );
    }
    assert!(marked(&w, "team/T") && marked(&w, "acme/K"));
    for name in ["team/T", "acme/K"] {
        let get = w.run(&["-i", s(&b), "get", name], None);
        assert_eq!(get.status.code(), Some(4), "B still reads {name}");
    }
    let check = w.expect_code(&["check"], None, 8);
    assert_eq!(
        stdout(&check)
            .matches("rotation required: offboarding of bob")
            .count(),
        2,
        "{}",
        stdout(&check)
    );
    // Nobody left with that label.
    let again = w.expect_code(&["offboard", "bob"], None, 2);
    assert!(
        stderr(&again).contains("no recipient is labelled bob"),
        "{}",
        stderr(&again)
    );
    no_values(&[&out, &check, &again]);
}

#[test]
fn offboarding_the_last_key_is_refused_and_changes_nothing() {
    let w = Ward::init();
    w.set("acme/K", VALUES[0].as_bytes(), &[]);
    // The only key, labelled by hand.
    let file = w.store().join(".ward/recipients");
    let text = std::fs::read_to_string(&file).unwrap();
    let key = w.public_key();
    std::fs::write(&file, text.replace(&key, &format!("# label: me\n{key}"))).unwrap();
    let before = std::fs::read(&file).unwrap();
    let label = "me";
    let out = w.expect_code(&["offboard", label], None, 2);
    assert!(
        stderr(&out).contains("refusing to remove the last recipient"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(!marked(&w, "acme/K"));
    no_values(&[&out]);
}

#[test]
fn a_secret_the_remover_cannot_decrypt_is_listed_as_not_marked() {
    let (w, b, bkey) = team();
    w.ok(&["recipients", "add", &bkey, "--label", "bob"], None);
    w.set("acme/K", VALUES[0].as_bytes(), &[]);
    // Written by B's ward to B alone (a hand-edited file at the time).
    let recipients =
        ward::store::crypto::parse_recipients(Path::new("bob"), &format!("{bkey}\n")).unwrap();
    let doc = ward::store::SecretDoc::new(
        ward::store::SecretValue::new(VALUES[3].into()),
        ward::store::Encoding::Utf8,
        "bob",
        chrono::Utc::now(),
    );
    let cipher = ward::store::crypto::encrypt(&recipients, &doc.to_bytes()).unwrap();
    std::fs::write(w.file("acme/BOBS"), &cipher).unwrap();
    // B reads acme/K under an actor named like the label.
    let config = w.root().join("bob.toml");
    std::fs::write(&config, "actor = \"bob@laptop\"\n").unwrap();
    w.ok(
        &["-i", s(&b), "--config", s(&config), "get", "acme/K"],
        None,
    );

    let rm = w.expect_code(&["recipients", "rm", &bkey], None, 5);
    let text = stdout(&rm);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name}: {text}"))
            .to_string()
    };
    assert!(
        line("acme/BOBS").contains("not marked: you cannot decrypt it"),
        "{text}"
    );
    assert!(
        line("acme/K").contains("marked: rotation required"),
        "{text}"
    );
    assert!(
        line("acme/K").contains("last 20") && line("acme/K").contains("by bob@laptop"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(w.file("acme/BOBS")).unwrap(),
        cipher,
        "left as it was"
    );
    no_values(&[&rm]);
}
