//! A write whose result none of the user's identities could decrypt is
//! refused before anything changes, unless forced (issue 9, "silent
//! lock-out").

mod common;

use common::*;

const LOCKED_OUT: i32 = 7;

/// A public key that is not this world's.
fn stranger_key() -> String {
    let other = Ward::init();
    other.public_key()
}

/// Makes `folder/.recipients` hold only a stranger's key, approved on this
/// machine (so that what is tested is the lock-out, not the trust check).
fn foreign_folder(w: &Ward, folder: &str) {
    let dir = w.store().join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    write_private(
        &dir.join(".recipients"),
        format!("{}\n", stranger_key()).as_bytes(),
    );
    w.ok(&["recipients", "trust", "--yes"], None);
}

#[test]
fn set_into_a_folder_without_my_key_is_refused_and_creates_nothing() {
    let w = Ward::init();
    foreign_folder(&w, "team");
    let out = w.expect_code(&["set", "team/DB"], Some(b"hunter2"), LOCKED_OUT);
    let err = stderr(&out);
    assert!(err.contains("refusing to write team/DB"), "{err}");
    assert!(err.contains("team/.recipients"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(!w.file("team/DB").exists());

    // Forced, it is written (and this user indeed cannot read it back).
    w.ok(&["set", "team/DB", "--force"], Some(b"hunter2"));
    assert!(w.file("team/DB").exists());
    w.expect_code(&["get", "team/DB"], None, 4);
}

#[test]
fn mv_into_a_folder_without_my_key_keeps_the_only_copy() {
    let w = Ward::init();
    w.set("prod/DB", b"the-only-copy", &[]);
    foreign_folder(&w, "team");
    let out = w.expect_code(&["mv", "prod/DB", "team/DB"], None, LOCKED_OUT);
    assert!(stderr(&out).contains("refusing to write team/DB"));
    assert!(!w.file("team/DB").exists());
    assert_eq!(w.get("prod/DB"), b"the-only-copy");
}

#[test]
fn rotate_and_edit_after_a_hand_edited_recipients_file_are_refused() {
    let w = Ward::init();
    w.set("team/API", b"v1-value", &[]);
    let before = std::fs::read(w.file("team/API")).unwrap();
    foreign_folder(&w, "team");
    w.expect_code(&["rotate", "team/API"], Some(b"v2-value"), LOCKED_OUT);
    w.expect_code(&["edit", "team/API", "--owner", "x"], None, LOCKED_OUT);
    w.expect_code(&["set", "team/API"], Some(b"v3-value"), LOCKED_OUT);
    assert_eq!(std::fs::read(w.file("team/API")).unwrap(), before);
    assert_eq!(w.get("team/API"), b"v1-value");
}

#[test]
fn reencrypt_to_a_file_without_my_key_is_refused_as_a_whole() {
    let w = Ward::init();
    w.set("team/A", b"value-a", &[]);
    w.set("team/B", b"value-b", &[]);
    w.set("solo/C", b"value-c", &[]);
    let a = std::fs::read(w.file("team/A")).unwrap();
    foreign_folder(&w, "team");
    let out = w.expect_code(&["recipients", "reencrypt"], None, LOCKED_OUT);
    assert!(stderr(&out).contains("2 secrets"), "{}", stderr(&out));
    assert_eq!(std::fs::read(w.file("team/A")).unwrap(), a);
    assert_eq!(w.get("team/B"), b"value-b");
    w.ok(&["recipients", "reencrypt", "--force"], None);
    w.expect_code(&["get", "team/A"], None, 4);
    assert_eq!(w.get("solo/C"), b"value-c");
}

#[test]
fn recipients_add_to_a_file_without_my_key_is_refused() {
    let w = Ward::init();
    w.set("team/A", b"value-a", &[]);
    foreign_folder(&w, "team");
    let text = std::fs::read(w.store().join("team/.recipients")).unwrap();
    let out = w.expect_code(
        &["recipients", "add", &stranger_key(), "--folder", "team"],
        None,
        2,
    );
    assert!(
        stderr(&out).contains("holds none of your keys"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(w.store().join("team/.recipients")).unwrap(),
        text
    );
}

#[test]
fn writes_where_i_am_a_recipient_still_work() {
    let w = Ward::init();
    let dir = w.store().join("shared");
    std::fs::create_dir_all(&dir).unwrap();
    write_private(
        &dir.join(".recipients"),
        format!("{}\n{}\n", stranger_key(), w.public_key()).as_bytes(),
    );
    w.ok(&["recipients", "trust", "--yes"], None);
    w.set("shared/KEY", b"readable", &[]);
    assert_eq!(w.get("shared/KEY"), b"readable");
    w.ok(&["mv", "shared/KEY", "shared/KEY2"], None);
    assert_eq!(w.get("shared/KEY2"), b"readable");
}
