//! `ward recipients`: listing, adding and removing keys, re-encryption of
//! what a change governs, the audit key, and the refusals.

mod common;

use common::{have, make_identity, run_detached, stderr, stdout, Ward};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A world with a store and a second identity file (not yet a recipient).
fn world() -> (Ward, PathBuf, String) {
    let w = Ward::init();
    let second = w.root().join("second.txt");
    let key = make_identity(&second);
    (w, second, key)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

/// `ward -i IDENTITY get NAME`, the raw output.
fn get_as(w: &Ward, identity: &Path, name: &str) -> std::process::Output {
    w.run(&["-i", s(identity), "get", name], None)
}

fn audit_records(w: &Ward, action: &str) -> Vec<serde_json::Value> {
    let out = w.ok(&["audit", "--json", "--action", action], None);
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

#[test]
fn list_shows_the_store_recipients_and_their_file() {
    let w = Ward::init();
    let out = stdout(&w.ok(&["recipients"], None));
    assert!(out.contains("from .ward/recipients"), "{out}");
    assert!(out.contains(&w.public_key()), "{out}");
    let json: serde_json::Value =
        serde_json::from_slice(&w.ok(&["recipients", "list", "--json"], None).stdout).unwrap();
    assert_eq!(json["file"], ".ward/recipients");
    assert_eq!(json["recipients"][0], w.public_key());
}

#[test]
fn added_key_reads_secrets_written_before() {
    let (w, second, key) = world();
    w.set("acme/api/KEY", b"sk_one", &[]);
    w.set("other/TOKEN", b"tok_two", &[]);
    assert_eq!(get_as(&w, &second, "acme/api/KEY").status.code(), Some(4));

    let out = w.ok(&["recipients", "add", &key], None);
    assert!(
        stdout(&out).contains("Re-encrypted 2 secrets"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(w.store().join(".ward/recipients")).unwrap();
    assert!(
        text.contains(&key) && text.contains(&w.public_key()),
        "{text}"
    );

    for (name, value) in [("acme/api/KEY", "sk_one"), ("other/TOKEN", "tok_two")] {
        let out = get_as(&w, &second, name);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(out.stdout, value.as_bytes());
        assert_eq!(
            w.get(name),
            value.as_bytes(),
            "the first identity still reads it"
        );
    }
    // The standard age tool opens it with the new identity too.
    if have("age") {
        let out = Command::new("age")
            .args(["-d", "-i", s(&second), s(&w.file("acme/api/KEY"))])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("\"sk_one\""));
    }
    // The audit key is readable by the new recipient: its verify passes.
    w.ok(&["-i", s(&second), "audit", "verify"], None);
    // Nothing in the documents changed but the encryption.
    assert_eq!(w.doc("acme/api/KEY")["version"], 1);

    let records = audit_records(&w, "recipients-change");
    let added = records
        .iter()
        .find(|r| r["reason"].as_str().unwrap_or("").starts_with("added age1"))
        .expect("a recipients-change record for the add");
    assert!(added.get("path").is_none_or(|p| p.is_null()), "{added}");
    assert!(added["reason"]
        .as_str()
        .unwrap()
        .contains("2 secrets re-encrypted"));
    // Adding it again changes nothing.
    let again = stdout(&w.ok(&["recipients", "add", &key], None));
    assert!(again.contains("Already a recipient"), "{again}");
    assert!(again.contains("Nothing changed"), "{again}");
}

#[test]
fn removed_key_cannot_read_and_audit_key_follows() {
    let (w, second, key) = world();
    let first = w.identity();
    let first_key = w.public_key();
    w.set("acme/api/KEY", b"sk_one", &[]);
    w.set("acme/db/PASS", b"pw_two", &[]);
    w.ok(&["recipients", "add", &key], None);

    // The remaining member removes the first one.
    let out = w.ok(&["-i", s(&second), "recipients", "rm", &first_key], None);
    let text = stdout(&out);
    assert!(text.contains("does not revoke"), "{text}");
    assert!(
        text.contains("2 secrets could be read by the removed key"),
        "{text}"
    );
    assert!(
        text.contains("acme/api/KEY") && text.contains("acme/db/PASS"),
        "{text}"
    );

    for name in ["acme/api/KEY", "acme/db/PASS"] {
        assert_eq!(get_as(&w, &first, name).status.code(), Some(4), "{name}");
        assert!(get_as(&w, &second, name).status.success(), "{name}");
        if have("age") {
            let out = Command::new("age")
                .args(["-d", "-i", s(&first), s(&w.file(name))])
                .output()
                .unwrap();
            assert!(
                !out.status.success(),
                "age opened {name} with the removed key"
            );
        }
    }
    let rtext = std::fs::read_to_string(w.store().join(".ward/recipients")).unwrap();
    assert!(
        !rtext.contains(&first_key) && rtext.contains(&key),
        "{rtext}"
    );
    // The audit key was re-encrypted: the remaining identity verifies, the
    // removed one can no longer open it.
    let verify = w.ok(&["-i", s(&second), "audit", "verify"], None);
    assert!(stdout(&verify).contains("OK"), "{}", stdout(&verify));
    let key_file = w.store().join(".ward/audit.key.age");
    let mut ring = ward::store::Keyring::default();
    ring.add_file(&first, None)
        .map_err(|e| e.into_ward())
        .unwrap();
    assert!(ring.decrypt(&key_file, &read(&key_file)).is_err());

    let removed = audit_records(&w, "recipients-change")
        .into_iter()
        .find(|r| r["reason"].as_str().unwrap_or("").starts_with("removed "))
        .expect("a recipients-change record for the rm");
    assert!(removed["reason"]
        .as_str()
        .unwrap()
        .contains("2 secrets re-encrypted"));
}

#[test]
fn folder_add_creates_its_file_and_touches_only_that_subtree() {
    let (w, second, key) = world();
    w.set("acme/api/KEY", b"sk_one", &[]);
    w.set("acme/ops/ROOT", b"ops_pw", &[]);
    w.set("other/TOKEN", b"tok_two", &[]);
    // acme/ops has its own list already: nearer wins, it is not re-encrypted.
    let ops_file = w.store().join("acme/ops/.recipients");
    common::write_private(&ops_file, format!("{}\n", w.public_key()).as_bytes());
    let before_other = read(&w.file("other/TOKEN"));
    let before_ops = read(&w.file("acme/ops/ROOT"));
    let before_api = read(&w.file("acme/api/KEY"));

    let out = w.ok(&["recipients", "add", &key, "--folder", "acme"], None);
    let text = stdout(&out);
    assert!(
        text.contains("Created acme/.recipients from .ward/recipients"),
        "{text}"
    );
    assert!(text.contains("Re-encrypted 1 secret"), "{text}");

    let folder_list = std::fs::read_to_string(w.store().join("acme/.recipients")).unwrap();
    assert!(folder_list.contains(&key) && folder_list.contains(&w.public_key()));
    assert_eq!(common::mode(&w.store().join("acme/.recipients")), 0o600);
    let store_list = std::fs::read_to_string(w.store().join(".ward/recipients")).unwrap();
    assert!(!store_list.contains(&key), "the store's list is untouched");

    assert_ne!(read(&w.file("acme/api/KEY")), before_api);
    assert_eq!(read(&w.file("other/TOKEN")), before_other);
    assert_eq!(read(&w.file("acme/ops/ROOT")), before_ops);
    assert_eq!(get_as(&w, &second, "acme/api/KEY").stdout, b"sk_one");
    assert_eq!(get_as(&w, &second, "other/TOKEN").status.code(), Some(4));
    assert_eq!(get_as(&w, &second, "acme/ops/ROOT").status.code(), Some(4));

    let list = stdout(&w.ok(&["recipients", "--folder", "acme/api"], None));
    assert!(list.contains("from acme/.recipients (inherited)"), "{list}");
    let store_view = stdout(&w.ok(&["recipients"], None));
    assert!(store_view.contains("acme/.recipients"), "{store_view}");
    assert!(store_view.contains("acme/ops/.recipients"), "{store_view}");

    let rec = audit_records(&w, "recipients-change")
        .into_iter()
        .find(|r| r["path"] == "acme")
        .expect("a record with the folder as path");
    assert!(rec["reason"].as_str().unwrap().starts_with("added "));
    // A folder that does not exist is refused, with a close name.
    let out = w.expect_code(&["recipients", "add", &key, "--folder", "acm"], None, 3);
    assert!(
        stderr(&out).contains("did you mean acme"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn refuses_to_remove_the_last_key_or_your_own() {
    let (w, _second, key) = world();
    w.set("acme/KEY", b"v", &[]);
    let me = w.public_key();
    let rfile = w.store().join(".ward/recipients");

    let out = w.expect_code(&["recipients", "rm", &me], None, 2);
    assert!(stderr(&out).contains("last recipient"), "{}", stderr(&out));

    w.ok(&["recipients", "add", &key], None);
    let before = read(&rfile);
    let secret_before = read(&w.file("acme/KEY"));
    let out = w.expect_code(&["recipients", "rm", &me], None, 2);
    assert!(
        stderr(&out).contains("your own identities"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(read(&rfile), before);
    assert_eq!(read(&w.file("acme/KEY")), secret_before);

    // A key that is not there, and a key that is not a key.
    let stranger = ward::store::crypto::generate_identity(chrono::Utc::now()).1;
    let out = w.expect_code(&["recipients", "rm", &stranger], None, 2);
    assert!(stderr(&out).contains("not a recipient"), "{}", stderr(&out));
    w.expect_code(&["recipients", "add", "age1notakey"], None, 2);
    w.expect_code(
        &["recipients", "add", &format!("{key}\n{stranger}")],
        None,
        2,
    );
    assert_eq!(read(&rfile), before);

    // --force: you asked for it.
    w.ok(&["recipients", "rm", &me, "--force"], None);
    assert_eq!(w.run(&["get", "acme/KEY"], None).status.code(), Some(4));
}

#[test]
fn undecryptable_secret_is_reported_and_left_alone() {
    let (w, second, key) = world();
    w.set("acme/KEY", b"v", &[]);
    // A secret encrypted to someone else only.
    let stranger = ward::store::crypto::generate_identity(chrono::Utc::now()).1;
    let r = ward::store::crypto::Recipient::parse(&stranger)
        .ok()
        .unwrap();
    let foreign = ward::store::crypto::encrypt(&[r], b"{\"ward\":1}").unwrap();
    let path = w.store().join("acme/FOREIGN.age");
    common::write_private(&path, &foreign);

    let out = w.expect_code(&["recipients", "add", &key], None, 5);
    let err = stderr(&out);
    assert!(err.contains("acme/FOREIGN"), "{err}");
    assert!(err.contains("left as it was"), "{err}");
    assert_eq!(read(&path), foreign, "untouched");
    // The rest was re-encrypted; the change itself stands.
    assert_eq!(get_as(&w, &second, "acme/KEY").stdout, b"v");
    let rec = audit_records(&w, "recipients-change");
    assert!(rec.iter().any(|r| r["reason"]
        .as_str()
        .unwrap_or("")
        .contains("1 secret re-encrypted, 1 not")));
}

#[test]
fn reencrypt_follows_a_hand_edited_file() {
    let (w, second, key) = world();
    w.set("acme/KEY", b"v", &[]);
    let rfile = w.store().join(".ward/recipients");
    let mut text = std::fs::read_to_string(&rfile).unwrap();
    text.push_str(&format!("{key}\n"));
    common::write_private(&rfile, text.as_bytes());
    assert_eq!(get_as(&w, &second, "acme/KEY").status.code(), Some(4));
    // A key added by hand is not approved on this machine yet.
    w.expect_code(&["recipients", "reencrypt"], None, 11);
    w.ok(&["recipients", "trust", "--yes"], None);
    let out = w.ok(&["recipients", "reencrypt"], None);
    assert!(
        stdout(&out).contains("Re-encrypted 1 secret"),
        "{}",
        stdout(&out)
    );
    assert_eq!(get_as(&w, &second, "acme/KEY").stdout, b"v");
    w.ok(&["-i", s(&second), "audit", "verify"], None);
}

#[test]
fn hostile_comment_is_shown_escaped() {
    if !have("ssh-keygen") {
        return;
    }
    let w = Ward::init();
    let key_path = w.root().join("id_ed25519");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", s(&key_path)])
        .status()
        .unwrap();
    assert!(st.success());
    let public = std::fs::read_to_string(key_path.with_extension("pub")).unwrap();
    let body: Vec<&str> = public.split_whitespace().take(2).collect();
    let rfile = w.store().join(".ward/recipients");
    let mut text = std::fs::read_to_string(&rfile).unwrap();
    text.push_str(&format!("{} \u{1b}]52;c;aGk=\u{7}evil\n", body.join(" ")));
    common::write_private(&rfile, text.as_bytes());
    let out = w.ok(&["recipients"], None);
    assert!(
        !out.stdout.contains(&0x1b),
        "raw escape reached the terminal"
    );
    assert!(stdout(&out).contains("\\e]52"), "{}", stdout(&out));
    // Removing it by its key part alone works; the comment does not count.
    w.ok(&["recipients", "rm", &body.join(" ")], None);
    assert!(!std::fs::read_to_string(&rfile).unwrap().contains(body[1]));
}

#[test]
fn takes_the_store_lock() {
    let (w, second, key) = world();
    w.set("acme/KEY", b"v", &[]);
    let rfile = w.store().join(".ward/recipients");
    let before = read(&rfile);
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(w.store().join(".ward/lock"))
        .unwrap();
    lock.lock().unwrap();
    let mut cmd = w.cmd(&["recipients", "add", &key]);
    common::detach(&mut cmd);
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it did not wait for the lock"
    );
    assert_eq!(read(&rfile), before, "changed without the lock");
    drop(lock);
    assert!(child.wait().unwrap().success());
    assert_eq!(get_as(&w, &second, "acme/KEY").stdout, b"v");
}

#[test]
fn concurrent_writers_all_end_up_readable() {
    let (w, second, key) = world();
    for i in 0..10 {
        w.set(&format!("acme/OLD{i}"), b"old", &[]);
    }
    let adder = {
        let mut c = w.cmd(&["recipients", "add", &key]);
        c.env("RAYON_NUM_THREADS", "2");
        std::thread::spawn(move || run_detached(c, None))
    };
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let c = w.cmd(&["set", &format!("acme/NEW{i}")]);
            std::thread::spawn(move || run_detached(c, Some(b"new")))
        })
        .collect();
    for t in writers {
        assert!(t.join().unwrap().status.success());
    }
    let out = adder.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for i in 0..10 {
        assert_eq!(get_as(&w, &second, &format!("acme/OLD{i}")).stdout, b"old");
    }
    for i in 0..8 {
        assert_eq!(get_as(&w, &second, &format!("acme/NEW{i}")).stdout, b"new");
    }
}
