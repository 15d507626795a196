//! Signed audit chains through the real binary (docs/AUDIT.md, "Signed
//! chains"): keys published per actor, pinned per machine, a new identity's
//! key approved with `ward audit trust`. A member rewriting another's chain
//! is in tests/team.rs; the byte-level cases are unit tests in src/audit.

mod common;

use common::*;

/// A member's identity changes: their next record is signed with a new key,
/// published beside the old one; their own machine needs no approval, a
/// machine that pinned the old key shows the chain as untrusted until
/// `ward audit trust` approves the new key, and the old records still verify.
#[test]
fn a_new_identity_signs_with_a_new_key_that_other_machines_approve() {
    let w = Ward::init();
    w.set("p/S", b"first-value", &[]);
    // The same store seen from another machine of the same team.
    let other_data = w.root().join("other-data");
    std::fs::create_dir_all(&other_data).unwrap();
    let store = w.store().display().to_string();
    let elsewhere = |args: &[&str]| {
        let mut c = w.cmd(&[&["--store", store.as_str()][..], args].concat());
        c.env("XDG_DATA_HOME", &other_data);
        run_detached(c, None)
    };
    let first = elsewhere(&["audit", "verify"]);
    assert_eq!(first.status.code(), Some(0), "{}", stdout(&first));
    assert!(
        stdout(&first).contains("Pinned 1 signing key"),
        "{}",
        stdout(&first)
    );

    // A second identity joins the recipients and writes.
    let second = w.root().join("second.txt");
    let public = make_identity(&second);
    w.ok(
        &["recipients", "add", &public, "--label", "tester-new"],
        None,
    );
    let id = second.display().to_string();
    w.ok(&["-i", &id, "get", "p/S"], None);
    // One actor, one file (its name is the actor's file stem).
    let actors: Vec<_> = std::fs::read_dir(w.store().join(".ward/actors"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(actors.len(), 1, "{actors:?}");
    let published = std::fs::read_to_string(&actors[0]).unwrap();
    assert_eq!(
        published
            .lines()
            .filter(|l| l.starts_with("ed25519 "))
            .count(),
        2
    );
    let here = stdout(&w.ok(&["audit", "verify"], None));
    assert!(
        here.contains("OK") && here.contains(", "),
        "two keys: {here}"
    );

    let untrusted = elsewhere(&["audit", "verify"]);
    assert_eq!(untrusted.status.code(), Some(9), "{}", stdout(&untrusted));
    assert!(
        stdout(&untrusted).contains("UNTRUSTED"),
        "{}",
        stdout(&untrusted)
    );
    let listed = elsewhere(&["audit", "trust", "--yes"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert!(
        stdout(&listed).contains("Approved 1 signing key"),
        "{}",
        stdout(&listed)
    );
    let again = elsewhere(&["audit", "verify"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let none = elsewhere(&["audit", "trust"]);
    assert!(
        stdout(&none).contains("Every actor's signing key"),
        "{}",
        stdout(&none)
    );
}
