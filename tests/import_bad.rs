//! `ward import` on bad input: each bad entry gets a clear error of its own
//! (never quoting a value), everything else is imported, nothing already in
//! the store is lost, and the exit code says whether the import was complete.

mod common;

use common::{stderr, stdout, Ward};
use std::path::PathBuf;
use ward::error::exit;

/// A source file in its own folder (outside the world, so the plain-text
/// checks of the store do not see it).
struct Source {
    dir: tempfile::TempDir,
}

impl Source {
    fn new() -> Source {
        Source {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

fn import(w: &Ward, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    let out = w.run(&all, None);
    (out.status.code().unwrap(), stdout(&out), stderr(&out))
}

#[test]
fn a_malformed_csv_row_fails_alone() {
    let w = Ward::init();
    let src = Source::new();
    let csv = src.file(
        "kp.csv",
        b"\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
          \"Root\",\"Good\",\"\",\"good-pw\",\"\",\"\",\"\",\"0\",\"\",\"\"\n\
          \"Root\",\"Short\",\"sk_live_SHORTROW\"\n\
          \"Root\",\"Junk\"x,\"\",\"pw\",\"\",\"\",\"\",\"0\",\"\",\"\"\n\
          \"Root\",\"Also good\",\"\",\"also-pw\",\"\",\"\",\"\",\"0\",\"\",\"\"\n",
    );
    let (code, _, err) = import(&w, &["keepassxc-csv", csv.to_str().unwrap()]);
    assert_eq!(code, exit::FAILURE, "{err}");
    assert!(err.starts_with("2 imported"), "{err}");
    assert!(
        err.contains("line 3") && err.contains("3 columns where the header has 10"),
        "{err}"
    );
    assert!(
        err.contains("line 4") && err.contains("after a closing quote"),
        "{err}"
    );
    assert!(
        !err.contains("sk_live_SHORTROW"),
        "no value in an error: {err}"
    );
    assert_eq!(w.get("Good"), b"good-pw");
    assert_eq!(w.get("Also good"), b"also-pw");
}

#[test]
fn duplicate_titles_and_names_equal_after_sanitising_are_renamed_and_rerun_stays_put() {
    let w = Ward::init();
    let src = Source::new();
    let csv = src.file(
        "1password.csv",
        "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n\
         Mail,,,first-mail,,false,false,,\n\
         Mail,,,second-mail,,false,false,,\n\
         a/b,,,slash,,false,false,,\n\
         a-b,,,dash,,false,false,,\n\
         \u{1b}[31mred\u{7},,,esc,,false,false,,\n\
         ..,,,dots,,false,false,,\n"
            .as_bytes(),
    );
    let args = ["1password-csv", csv.to_str().unwrap(), "--prefix", "op"];
    let (code, _, err) = import(&w, &args);
    assert_eq!(code, exit::OK, "{err}");
    assert!(err.contains("renamed Mail -> op/Mail-2"), "{err}");
    assert!(err.contains("renamed a-b -> op/a-b-2"), "{err}");
    assert!(!err.contains('\u{1b}'), "escaped on the terminal: {err:?}");
    assert_eq!(w.get("op/Mail"), b"first-mail");
    assert_eq!(w.get("op/Mail-2"), b"second-mail");
    assert_eq!(w.get("op/a-b"), b"slash");
    assert_eq!(w.get("op/a-b-2"), b"dash");
    assert_eq!(w.get("op/[31mred"), b"esc");
    assert_eq!(w.get("op/unnamed"), b"dots");
    // The dry run shows the mapping, and a re-run imports nothing again.
    let (_, out, _) = import(&w, &[&args[..], &["--dry-run"]].concat());
    assert!(out.contains("a/b") && out.contains("op/a-b "), "{out}");
    let (code, _, err) = import(&w, &args);
    assert_eq!(code, exit::OK);
    assert!(err.starts_with("0 imported, 0 rotated, 6 skipped"), "{err}");
    let names = stdout(&w.ok(&["ls", "op"], None));
    assert_eq!(names.lines().count(), 6, "{names}");
}

#[test]
fn empty_values_follow_the_documented_rule() {
    let w = Ward::init();
    let src = Source::new();
    let env = src.file(".env", b"EMPTY=\nQUOTED=\"\"\nGOOD=1\n");
    let (code, _, err) = import(&w, &[env.to_str().unwrap()]);
    assert_eq!(code, exit::FAILURE);
    assert!(err.contains("failed EMPTY (line 1): empty"), "{err}");
    assert!(err.contains("failed QUOTED (line 2): empty"), "{err}");
    assert!(!w.file("EMPTY").exists());
    assert_eq!(w.get("GOOD"), b"1");
    // An entry with no password but notes (a secure note) is imported.
    let bw = src.file(
        "bw.json",
        br#"{"encrypted": false, "folders": [], "items": [
            {"type": 2, "name": "Note", "notes": "just a note"},
            {"type": 1, "name": "Nothing", "login": {"password": ""}}]}"#,
    );
    let (code, _, err) = import(&w, &[bw.to_str().unwrap()]);
    assert_eq!(code, exit::FAILURE, "{err}");
    assert_eq!(w.get("Note"), b"");
    assert!(err.contains("failed Nothing"), "{err}");
}

#[test]
fn an_attachment_is_reported_and_the_import_is_not_complete() {
    let w = Ward::init();
    let src = Source::new();
    let bw = src.file(
        "bw.json",
        br#"{"encrypted": false, "folders": [], "items": [
            {"type": 1, "name": "With file", "login": {"password": "pw"},
             "attachments": [{"id": "a1", "fileName": "id_rsa", "size": "1675"}]}]}"#,
    );
    let (code, _, err) = import(&w, &[bw.to_str().unwrap()]);
    assert_eq!(code, exit::FAILURE, "{err}");
    assert!(
        err.contains("With file: attachment id_rsa not imported"),
        "{err}"
    );
    assert_eq!(w.get("With file"), b"pw");
}

#[test]
fn a_binary_value_in_the_json_export_stays_binary() {
    let w = Ward::init();
    let src = Source::new();
    let json = src.file(
        "export.json",
        br#"{"keys/blob": {"value": "AAH/", "encoding": "base64", "version": 1, "kind": "other", "expires": null}}"#,
    );
    let (code, _, err) = import(&w, &["json", json.to_str().unwrap()]);
    assert_eq!(code, exit::OK, "{err}");
    assert_eq!(w.get("keys/blob"), [0x00, 0x01, 0xff]);
}

#[test]
fn nothing_in_the_store_is_lost_whatever_on_conflict_says() {
    let w = Ward::init();
    w.set("KEY", b"mine\n", &["--note", "my notes"]);
    let before = std::fs::read(w.file("KEY")).unwrap();
    let src = Source::new();
    let env = src.file("app.env", b"KEY=theirs\n");
    let file = env.to_str().unwrap();
    // skip (the default): left alone, said so, and still complete.
    let (code, _, err) = import(&w, &[file]);
    assert_eq!(code, exit::OK, "{err}");
    assert!(err.contains("left alone KEY"), "{err}");
    assert_eq!(std::fs::read(w.file("KEY")).unwrap(), before);
    // rename: beside it.
    let (code, _, err) = import(&w, &[file, "--on-conflict", "rename"]);
    assert_eq!(code, exit::OK, "{err}");
    assert_eq!(w.get("KEY"), b"mine");
    assert_eq!(w.get("KEY-2"), b"theirs");
    let (_, _, err) = import(&w, &[file, "--on-conflict", "rename"]);
    assert!(
        err.starts_with("0 imported, 0 rotated, 1 skipped"),
        "a re-run: {err}"
    );
    assert!(!w.file("KEY-3").exists());
    // rotate: the imported value is current, mine is in history, notes kept.
    let (code, _, err) = import(&w, &[file, "--on-conflict", "rotate"]);
    assert_eq!(code, exit::OK, "{err}");
    assert_eq!(w.get("KEY"), b"theirs");
    let history = stdout(&w.ok(&["history", "KEY", "--reveal", "--json"], None));
    assert!(history.contains("\"mine\""), "{history}");
    assert_eq!(
        stdout(&w.ok(&["get", "KEY", "--field", "notes"], None)).trim(),
        "my notes"
    );
}

#[test]
fn a_large_file_is_read_and_an_oversized_value_fails_alone() {
    let w = Ward::init();
    let src = Source::new();
    // About 50 MB: 30 MB of comments, one 20 MB value (over the 16 MiB
    // limit of a value), and two ordinary keys.
    let mut text = Vec::with_capacity(52 * 1024 * 1024);
    let comment = format!("# {}\n", "c".repeat(1000));
    for _ in 0..30_000 {
        text.extend_from_slice(comment.as_bytes());
    }
    text.extend_from_slice(b"BEFORE=1\nHUGE=\"");
    text.extend(std::iter::repeat_n(b'x', 20 * 1024 * 1024));
    text.extend_from_slice(b"\"\nAFTER=2\n");
    let env = src.file("big.env", &text);
    let (code, _, err) = import(&w, &[env.to_str().unwrap()]);
    assert_eq!(code, exit::FAILURE, "{err}");
    assert!(
        err.contains("failed HUGE") && err.contains("16 MiB"),
        "{err}"
    );
    assert_eq!(w.get("BEFORE"), b"1");
    assert_eq!(w.get("AFTER"), b"2");
}

#[test]
fn sources_that_cannot_be_read_get_clear_errors() {
    let w = Ward::init();
    let src = Source::new();
    let encrypted = src.file(
        "bitwarden_encrypted_export.json",
        br#"{"encrypted": true, "passwordProtected": true, "salt": "x", "data": "2.sk_live_ENCDATA"}"#,
    );
    let (code, _, err) = import(&w, &["bitwarden-json", encrypted.to_str().unwrap()]);
    assert_eq!(code, exit::USAGE);
    assert!(err.contains("encrypted: export the vault again"), "{err}");
    assert!(!err.contains("ENCDATA"));
    let odd = src.file("notes.txt", b"hello");
    let (code, _, err) = import(&w, &[odd.to_str().unwrap()]);
    assert_eq!(code, exit::USAGE);
    assert!(err.contains("cannot tell what"), "{err}");
    let (code, _, err) = import(&w, &["lastpass", odd.to_str().unwrap()]);
    assert_eq!(code, exit::USAGE);
    assert!(err.contains("unknown import format"), "{err}");
    let bad_json = src.file("x.json", br#"{"a": {"value": "sk_live_UNCLOSED"#);
    let (code, _, err) = import(&w, &["json", bad_json.to_str().unwrap()]);
    assert_eq!(code, exit::USAGE);
    assert!(!err.contains("sk_live_UNCLOSED"), "{err}");
    let env = src.file(".env", b"sk_live_LEAKED no equals\nK='sk_live_OPEN\n");
    let (code, _, err) = import(&w, &[env.to_str().unwrap()]);
    assert_eq!(code, exit::FAILURE);
    assert!(
        !err.contains("LEAKED") && !err.contains("sk_live_OPEN"),
        "{err}"
    );
    assert!(
        err.contains("line 2") && err.contains("never closed"),
        "{err}"
    );
}

#[test]
fn an_undecryptable_gpg_file_fails_alone() {
    if !common::require("gpg") {
        return;
    }
    let w = Ward::init();
    let src = Source::new();
    let store = src.dir.path().join("pass");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join(".gpg-id"), "nobody@example.com\n").unwrap();
    std::fs::write(store.join("garbage.gpg"), b"not openpgp data").unwrap();
    let home = src.dir.path().join("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    let mut c = w.cmd(&["import", store.to_str().unwrap()]);
    c.env("GNUPGHOME", &home);
    let out = common::run_detached(c, None);
    assert_eq!(out.status.code(), Some(exit::FAILURE), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("failed garbage: gpg cannot decrypt it"),
        "{}",
        stderr(&out)
    );
    let _ = std::process::Command::new("gpgconf")
        .env("GNUPGHOME", &home)
        .args(["--kill", "gpg-agent"])
        .status();
}

/// A store the import cannot lock (its lock file replaced by a folder) is
/// a failure with its reason and a non-zero exit, never "0 imported, 0
/// failed" and success.
#[test]
fn a_store_that_cannot_be_locked_fails_the_import_with_its_reason() {
    let w = Ward::init();
    let src = Source::new();
    let env = src.file("app.env", b"API_KEY=sk_live_LOCKED_OUT_1\n");
    let lock = w.store().join(".ward/lock");
    let _ = std::fs::remove_file(&lock);
    std::fs::create_dir(&lock).unwrap();
    let (code, _, err) = import(&w, &["dotenv", env.to_str().unwrap()]);
    assert_ne!(code, exit::OK, "{err}");
    assert!(err.contains("the store"), "{err}");
    assert!(!err.contains("sk_live_LOCKED_OUT_1"), "{err}");
    assert!(!w.store().join("API_KEY.age").exists());
}
