//! A team on one store, end to end (issue 11, docs/TEAMS.md): a real bare
//! repository on disk and three sandboxes (Ann, Bob, and an outsider), each
//! with its own HOME and XDG folders. Joining, sync, the same secret rotated
//! in two clones, a key pushed in by the outsider, and offboarding.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A sandbox whose actor is `actor`.
fn member(actor: &str) -> Ward {
    Ward::with_actor(actor)
}

/// `git ARGS` in the sandbox's store, as a person typing it (own identity).
fn git(w: &Ward, args: &[&str]) -> String {
    let mut c = Command::new("git");
    c.arg("-C").arg(w.store()).args(args);
    w.apply_env(&mut c);
    c.env("GIT_AUTHOR_NAME", "eve")
        .env("GIT_AUTHOR_EMAIL", "eve@example.com")
        .env("GIT_COMMITTER_NAME", "eve")
        .env("GIT_COMMITTER_EMAIL", "eve@example.com");
    let out = c.output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// No file in the store (git's own folder aside) holds a conflict marker.
fn assert_no_conflict_markers(w: &Ward) {
    for f in files_under(&w.store()) {
        if f.components().any(|c| c.as_os_str() == ".git") {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        for marker in [&b"<<<<<<<"[..], b">>>>>>>", b"\n=======\n"] {
            assert!(!contains(&bytes, marker), "conflict marker in {f:?}");
        }
    }
}

fn age_decrypts(identity: &Path, file: &Path) -> Vec<u8> {
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "age -d {file:?}: {}", stderr(&out));
    out.stdout
}

fn remote(w: &Ward) -> PathBuf {
    let path = w.root().join("team.git");
    bare_repo(&path);
    path
}

/// Ann's git store with `acme/STRIPE_KEY` set, pushed to a new bare
/// remote; returns Ann and the remote's URL.
fn anns_store(extra: &[(&str, &[u8])]) -> (Ward, String) {
    let ann = member("ann@laptop");
    ann.ok(&["init", "--git"], None);
    let bare = remote(&ann);
    let url = format!("file://{}", bare.display());
    ann.ok(&["git", "remote", "add", "origin", &url], None);
    ann.set("acme/STRIPE_KEY", b"sk_live_first", &[]);
    for (name, value) in extra {
        ann.set(name, value, &[]);
    }
    ann.ok(&["sync"], None);
    (ann, url)
}

#[test]
fn a_team_joins_syncs_merges_refuses_an_outsiders_key_and_offboards() {
    if !require("git") | !require("age") {
        return;
    }
    // Ann makes a git store and pushes it.
    let (ann, url) = anns_store(&[("acme/ANN_ONLY", b"ann-only-value")]);

    // Bob clones it and makes his key; he cannot read yet.
    let bob = member("bob@desk");
    bob.ok(&["clone", &url], None);
    let joined = stdout(&bob.ok(&["init"], None));
    let bob_key = bob.public_key();
    assert!(
        joined.contains(&format!("ward recipients add {bob_key} --label bob@desk")),
        "{joined}"
    );
    assert_eq!(
        bob.run(&["get", "acme/STRIPE_KEY"], None).status.code(),
        Some(4)
    );

    // Ann adds Bob and syncs; Bob syncs and reads.
    ann.ok(
        &["recipients", "add", &bob_key, "--label", "bob@desk"],
        None,
    );
    ann.ok(&["sync"], None);
    let synced = stdout(&bob.ok(&["sync"], None));
    assert!(synced.starts_with("synced: received "), "{synced}");
    assert_eq!(bob.get("acme/STRIPE_KEY"), b"sk_live_first");

    // Both rotate the same secret offline; Bob's rotation is the later one.
    ann.set("acme/STRIPE_KEY", b"sk_live_from_ann", &[]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    bob.set("acme/STRIPE_KEY", b"sk_live_from_bob", &[]);
    ann.ok(&["sync"], None);
    let merged = stdout(&bob.ok(&["sync"], None));
    assert!(merged.contains("merged 1 secret"), "{merged}");
    ann.ok(&["sync"], None);
    for w in [&ann, &bob] {
        assert_eq!(w.get("acme/STRIPE_KEY"), b"sk_live_from_bob");
        let history = stdout(&w.ok(&["history", "acme/STRIPE_KEY", "--reveal"], None));
        assert!(history.contains("sk_live_from_ann"), "{history}");
        assert!(
            history.contains("concurrent change by ann@laptop"),
            "{history}"
        );
        assert_no_conflict_markers(w);
        let verify = w.run(&["audit", "verify"], None);
        assert_eq!(
            verify.status.code(),
            Some(0),
            "{}{}",
            stdout(&verify),
            stderr(&verify)
        );
    }
    // The merged file is plain age: both identities open it.
    let plain = age_decrypts(&ann.identity(), &ann.file("acme/STRIPE_KEY"));
    assert!(contains(&plain, b"sk_live_from_bob"));
    let plain = age_decrypts(&bob.identity(), &bob.file("acme/STRIPE_KEY"));
    assert!(
        contains(&plain, b"sk_live_from_ann"),
        "the loser is in history"
    );

    // An outsider with push access adds their key to the recipients file.
    let eve = member("eve@evil");
    eve.ok(&["clone", &url], None);
    eve.ok(&["init"], None);
    let eve_key = eve.public_key();
    let recipients = eve.store().join(".ward/recipients");
    let mut text = std::fs::read_to_string(&recipients).unwrap();
    text.push_str(&format!("# label: totally-bob\n{eve_key}\n"));
    std::fs::write(&recipients, text).unwrap();
    git(&eve, &["commit", "-qam", "tidy recipients"]);
    git(&eve, &["push", "-q"]);
    let commit = git(&eve, &["rev-parse", "--short", "HEAD"]);

    // Ann's sync warns; her next write is refused, naming the commit.
    let out = ann.ok(&["sync"], None);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("ward recipients trust"), "{said}");
    let refused = ann.expect_code(&["set", "acme/NEW"], Some(b"new-value"), 11);
    let why = stderr(&refused);
    assert!(
        why.contains(&eve_key[..12]) && why.contains("totally-bob"),
        "{why}"
    );
    assert!(why.contains(commit.trim()), "{why}");
    assert!(why.contains("by eve <eve@example.com>"), "{why}");
    assert!(!ann.store().join("acme/NEW.age").exists());
    // After approval (the team would check first) the write goes through.
    ann.ok(&["recipients", "trust", "--yes"], None);
    ann.set("acme/NEW", b"new-value", &[]);

    // Bob leaves: what his key could read must be rotated.
    ann.ok(&["recipients", "rm", &bob_key], None);
    let check = ann.expect_code(&["check"], None, 8);
    let lines = stdout(&check);
    assert!(
        lines.contains("acme/STRIPE_KEY") && lines.contains("offboarding of bob@desk"),
        "{lines}"
    );
    // Rotating clears it; nothing printed held a value.
    ann.set("acme/STRIPE_KEY", b"sk_live_after_bob", &[]);
    let lines = stdout(&ann.run(&["check"], None));
    assert!(!lines.contains("acme/STRIPE_KEY"), "{lines}");
    for text in [&lines, &joined, &synced, &merged, &why] {
        for value in ["sk_live_first", "sk_live_from_ann", "sk_live_from_bob"] {
            assert!(!text.contains(value), "{text}");
        }
    }
}

/// Ann holds the shared audit key, as every member does, and rebuilds
/// Bob's chain with it: every MAC holds again. A third member who had
/// verified the store before (and so pinned Bob's signing key) catches it
/// after her next sync, naming Bob's chain; so does Bob.
#[test]
fn a_members_rewrite_of_anothers_chain_is_caught_on_a_third_clone() {
    use ward::audit::{self, AuditKey, Event, Log};
    if !require("git") | !require("age") {
        return;
    }
    let (ann, url) = anns_store(&[]);
    let (bob, carol) = (member("bob@desk"), member("carol@home"));
    for w in [&bob, &carol] {
        w.ok(&["clone", &url], None);
        w.ok(&["init"], None);
        let key = w.public_key();
        ann.ok(&["recipients", "add", &key, "--label", "teammate"], None);
    }
    ann.ok(&["sync"], None);
    // Bob reads and rotates: his chain is signed, his key published.
    bob.ok(&["sync"], None);
    // Carol's key came in with the sync; the team checked it.
    bob.ok(&["recipients", "trust", "--yes"], None);
    bob.ok(&["get", "acme/STRIPE_KEY"], None);
    bob.set("acme/STRIPE_KEY", b"sk_live_by_bob", &[]);
    bob.ok(&["sync"], None);
    assert!(bob.store().join(".ward/actors/bob@desk.pub").is_file());
    // Carol verifies once: Bob's key is pinned on her machine.
    carol.ok(&["sync"], None);
    let first = stdout(&carol.ok(&["audit", "verify"], None));
    assert!(
        first.contains("Pinned") && first.contains("signed by"),
        "{first}"
    );

    // Ann rebuilds Bob's chain without his reveal... and without his
    // signatures, which she cannot make.
    ann.ok(&["sync"], None);
    let root = ann.store();
    let mut keys = ward::store::Keyring::default();
    keys.add_file(&ann.identity(), None).unwrap();
    let key = AuditKey::load(&root, &keys).unwrap().unwrap();
    let bobs: Vec<audit::Record> = audit::read_all(&root)
        .entries
        .into_iter()
        .map(|e| e.record)
        .filter(|r| r.actor == "bob@desk")
        .rev()
        .collect();
    let seen: Vec<_> = bobs.iter().map(|r| (r.action, r.sig.is_some())).collect();
    assert!(
        bobs.len() >= 2 && bobs.iter().all(|r| r.sig.is_some()),
        "{seen:?}"
    );
    let dir = audit::audit_dir(&root);
    std::fs::remove_file(dir.join("bob@desk.jsonl")).unwrap();
    std::fs::remove_file(dir.join("bob@desk.head")).unwrap();
    let forged = Log::open(&root, "bob@desk", bobs[0].key.clone());
    for r in bobs.iter().filter(|r| r.action != audit::Action::Reveal) {
        let mut e = Event::new(r.action).version(r.version).at(r.time);
        e.path = r.path.clone();
        e.reason = r.reason.clone();
        forged.append_with_key(&key, e).unwrap();
    }
    git(&ann, &["add", "-A"]);
    git(&ann, &["commit", "-qm", "audit: tidy"]);
    git(&ann, &["push", "-q"]);

    // The MACs hold, so without signatures nothing would show. Carol's
    // sync brings it in; her verify names Bob's chain.
    carol.ok(&["sync"], None);
    let caught = carol.expect_code(&["audit", "verify"], None, 9);
    let said = stdout(&caught);
    assert!(
        said.contains("BROKEN") && said.contains("bob@desk.jsonl") && said.contains("signature"),
        "{said}"
    );
    assert!(said.contains("pinned a signing key"), "{said}");
    // Ann's own chain still verifies on Carol's machine.
    assert!(
        said.contains("ann@laptop.jsonl") && said.contains("OK"),
        "{said}"
    );
    bob.ok(&["sync"], None);
    bob.expect_code(&["audit", "verify"], None, 9);
}
