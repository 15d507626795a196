//! Links inside a store are never followed: someone who can write to a
//! shared store (a teammate through git) must not be able to make ward read
//! another store's secret, or write ward's own files over the user's files.

mod common;
use common::Ward;
use std::os::unix::fs::symlink;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_linked_secret_file_is_neither_listed_nor_read_nor_rewritten() {
    let team = Ward::init();
    let private = Ward::init();
    private.set("bank/PW", b"BANKPW-secret", &[]);
    team.set("acme/REAL", b"team-value", &[]);
    // Both stores are readable by one person (same identity file is not
    // needed: the attack is reading through the link with the victim's keys).
    let target = private.file("bank/PW");
    symlink(&target, team.store().join("acme/X.age")).unwrap();
    let before = std::fs::read(&target).unwrap();

    let out = team.run(&["ls"], None);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("acme/REAL") && !listed.contains("acme/X"),
        "{listed}"
    );
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));

    let out = team.run(&["get", "acme/X"], None);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("BANKPW"));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));

    let out = team.run(&["edit", "acme/X", "--tag", "foo"], None);
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read(&target).unwrap(),
        before,
        "the linked file is untouched"
    );
    assert!(std::fs::symlink_metadata(team.store().join("acme/X.age"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_linked_folder_is_not_written_through() {
    let w = Ward::init();
    let elsewhere = tempfile::tempdir().unwrap();
    symlink(elsewhere.path(), w.store().join("acme")).unwrap();
    let out = w.run(&["set", "acme/KEY"], Some(b"v"));
    assert!(
        !out.status.success(),
        "write through a linked folder refused"
    );
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn a_linked_lock_or_recipients_file_is_refused() {
    let w = Ward::init();
    let victim = w.root().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let lock = w.store().join(".ward/lock");
    let _ = std::fs::remove_file(&lock);
    symlink(&victim, &lock).unwrap();
    let out = w.run(&["set", "p/K"], Some(b"v"));
    assert!(!out.status.success());
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    std::fs::remove_file(&lock).unwrap();

    // A folder's .recipients that is a link (to someone else's keys) is refused.
    std::fs::create_dir_all(w.store().join("team")).unwrap();
    let keys = w.root().join("attacker-recipients");
    std::fs::write(
        &keys,
        "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n",
    )
    .unwrap();
    symlink(&keys, w.store().join("team/.recipients")).unwrap();
    let out = w.run(&["set", "team/K"], Some(b"v"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
}
