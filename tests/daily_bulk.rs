//! `ward cp`, a folder's `mv` and `ward rm -r` through the real binary
//! (issue 12): all or nothing (an injected failure half-way leaves every
//! secret where it was and no temp file behind), the destination's
//! recipients checked and used, asked on a terminal, one commit in git.

mod common;

use common::{make_identity, pty, require, run_detached, stderr, write_private, Ward};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use ward::error::exit;

fn stocked() -> Ward {
    let w = Ward::init();
    w.set("acme/alpha/KEY", b"alpha-value-9Qz", &[]);
    w.ok(&["rotate", "acme/alpha/KEY"], Some(b"alpha-value-v2-9Qz"));
    w.set(
        "acme/zeta/KEY",
        b"zeta-value-7Wm",
        &["--field-set", "login=ann"],
    );
    w
}

/// Every file under the store whose name marks a write in progress.
fn temps(store: &Path) -> Vec<String> {
    common::files_under(store)
        .into_iter()
        .map(|p| p.display().to_string())
        .filter(|p| p.contains(".ward-tmp-"))
        .collect()
}

/// The secret files of the store (not followed through links), sorted.
fn names(w: &Ward) -> Vec<String> {
    let mut names: Vec<String> = common::files_under(&w.store())
        .into_iter()
        .map(|p| p.display().to_string())
        .filter(|p| p.ends_with(".age") && !p.contains("/.ward/"))
        .collect();
    names.sort();
    names
}

#[test]
fn cp_copies_a_secret_or_a_folder_without_history() {
    let w = stocked();
    w.ok(&["cp", "acme/alpha/KEY", "acme/alpha/KEY_COPY"], None);
    assert_eq!(w.get("acme/alpha/KEY_COPY"), b"alpha-value-v2-9Qz");
    let copy = w.doc("acme/alpha/KEY_COPY");
    assert!(
        copy.get("history").is_none(),
        "previous values stay: {copy}"
    );
    let out = w.ok(&["cp", "acme", "team/acme"], None);
    assert!(
        stderr(&out).contains("Copied 3 secrets from acme to team/acme"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.get("team/acme/zeta/KEY"), b"zeta-value-7Wm");
    assert_eq!(w.doc("team/acme/zeta/KEY")["fields"][0]["value"], "ann");
    assert_eq!(
        w.get("acme/zeta/KEY"),
        b"zeta-value-7Wm",
        "the original stays"
    );
    // A destination that exists is refused, and nothing is copied.
    let out = w.expect_code(&["cp", "acme", "team/acme"], None, exit::EXISTS);
    assert!(
        stderr(&out).contains("nothing was changed"),
        "{}",
        stderr(&out)
    );
    let out = w.expect_code(&["cp", "acme", "acme/inner"], None, exit::USAGE);
    assert!(stderr(&out).contains("into itself"), "{}", stderr(&out));
    w.expect_code(&["cp", "nope", "other"], None, exit::NOT_FOUND);
    let log = w.ok(&["audit", "--json", "--action", "create"], None);
    assert!(
        String::from_utf8_lossy(&log.stdout).contains("copy of acme/zeta/KEY"),
        "{}",
        String::from_utf8_lossy(&log.stdout)
    );
    w.ok(&["audit", "verify"], None);
    w.assert_no_plaintext(&[b"alpha-value-9Qz", b"zeta-value-7Wm"]);
}

/// The second file cannot be written (its destination folder is a link,
/// which ward refuses): the first, already staged, is taken back.
#[test]
fn a_failure_half_way_leaves_everything_where_it_was() {
    let w = stocked();
    let elsewhere = w.root().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(w.store().join("copy")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, w.store().join("copy/zeta")).unwrap();
    let before = names(&w);
    for args in [&["cp", "acme", "copy"][..], &["mv", "acme", "copy"][..]] {
        let out = w.run(args, None);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert!(err.starts_with("ward: error:"), "{err}");
        assert!(err.contains("nothing was changed"), "{err}");
        // It failed at the second secret, after the first was staged.
        assert!(
            err.contains("symbolic link") && err.contains("zeta"),
            "{err}"
        );
        assert_eq!(names(&w), before, "{args:?}");
        assert!(!w.file("copy/alpha/KEY").exists(), "{args:?}");
        assert!(!w.store().join("copy/alpha").exists(), "{args:?}");
        assert!(temps(&w.store()).is_empty(), "{:?}", temps(&w.store()));
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    }
    assert_eq!(w.get("acme/alpha/KEY"), b"alpha-value-v2-9Qz");
}

#[test]
fn a_folder_moves_with_its_versions_and_history() {
    let w = stocked();
    let out = w.ok(&["mv", "acme", "archive/acme"], None);
    assert!(stderr(&out).contains("Moved 2 secrets"), "{}", stderr(&out));
    assert!(!w.store().join("acme").exists());
    assert_eq!(w.get("archive/acme/alpha/KEY"), b"alpha-value-v2-9Qz");
    let doc = w.doc("archive/acme/alpha/KEY");
    assert_eq!(doc["version"], 2);
    let history = w.ok(&["history", "archive/acme/alpha/KEY", "--json"], None);
    let versions: Vec<serde_json::Value> = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(versions.len(), 2);
    let out = w.expect_code(&["mv", "archive", "archive/x"], None, exit::USAGE);
    assert!(stderr(&out).contains("into itself"), "{}", stderr(&out));
    w.ok(&["audit", "verify"], None);
}

#[test]
fn the_destination_folders_recipients_are_checked_and_used() {
    let w = stocked();
    // A folder encrypted to someone else only: a copy there would lock me out.
    let second = w.root().join("second.txt");
    let other = make_identity(&second);
    let foreign = w.store().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    write_private(
        &foreign.join(".recipients"),
        format!("{other}\n").as_bytes(),
    );
    let out = w.run(&["cp", "acme", "foreign/acme"], None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("nothing was changed"),
        "{}",
        stderr(&out)
    );
    assert!(!w.store().join("foreign/acme").exists());
    // A folder encrypted to me and that key (approved): the copy is
    // encrypted to both, and the other identity opens it with `age -d`.
    write_private(
        &foreign.join(".recipients"),
        format!("{}\n{other}\n", w.public_key()).as_bytes(),
    );
    w.ok(&["recipients", "trust", "--yes"], None);
    w.ok(&["cp", "acme", "foreign/acme"], None);
    if require("age") {
        let mut c = Command::new("age");
        c.arg("-d")
            .arg("-i")
            .arg(&second)
            .arg(w.file("foreign/acme/zeta/KEY"));
        w.apply_env(&mut c);
        let out = run_detached(c, None);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("zeta-value-7Wm"));
    }
}

#[test]
fn rm_r_moves_a_folder_to_the_trash_or_purges_it() {
    let w = stocked();
    w.set("keep/KEY", b"kept", &[]);
    let out = w.ok(&["rm", "-r", "acme"], None);
    assert!(
        stderr(&out).contains("Moved 2 secrets under acme to the trash"),
        "{}",
        stderr(&out)
    );
    assert!(!w.store().join("acme").exists());
    let trash: Vec<serde_json::Value> =
        serde_json::from_slice(&w.ok(&["trash", "--json"], None).stdout).unwrap();
    assert_eq!(trash.len(), 2);
    w.ok(&["trash", "restore", "acme/zeta/KEY"], None);
    assert_eq!(w.get("acme/zeta/KEY"), b"zeta-value-7Wm");
    w.ok(&["rm", "-r", "--purge", "acme"], None);
    assert!(!w.store().join("acme").exists());
    let trash: Vec<serde_json::Value> =
        serde_json::from_slice(&w.ok(&["trash", "--json"], None).stdout).unwrap();
    assert_eq!(trash.len(), 1, "purged, not trashed");
    assert_eq!(w.get("keep/KEY"), b"kept");
    w.expect_code(&["rm", "-r", "acme"], None, exit::NOT_FOUND);
    w.ok(&["audit", "verify"], None);
}

#[test]
fn a_terminal_is_asked_first() {
    let w = stocked();
    let t = Duration::from_secs(20);
    let out = pty::run_all(w.cmd(&["cp", "acme", "b"]), &[("[y/N]", "n")], t);
    assert!(
        out.transcript.contains("Copy 2 secrets from acme to b?"),
        "{}",
        out.transcript
    );
    assert_eq!(out.status.code(), Some(exit::FAILURE));
    assert!(!w.store().join("b").exists());
    let out = pty::run_all(w.cmd(&["rm", "-r", "acme"]), &[("[y/N]", "y")], t);
    assert!(out.status.success(), "{}", out.transcript);
    assert!(!w.store().join("acme").exists());
    // --yes does not ask.
    w.ok(&["trash", "restore", "acme/alpha/KEY"], None);
    let out = pty::run_all(w.cmd(&["mv", "acme", "z", "--yes"]), &[], t);
    assert!(out.status.success(), "{}", out.transcript);
    assert!(w.file("z/alpha/KEY").exists());
}

#[test]
fn in_a_git_store_a_folder_change_is_one_commit() {
    if !require("git") {
        return;
    }
    let w = Ward::with_actor("ann@laptop");
    w.ok(&["init", "--git"], None);
    w.set("acme/a/K1", b"v1-aaaa", &[]);
    w.set("acme/b/K2", b"v2-bbbb", &[]);
    let git = |args: &[&str]| -> String {
        let mut c = Command::new("git");
        c.arg("-C").arg(w.store()).args(args);
        w.apply_env(&mut c);
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let count = || -> u32 {
        git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    };
    for (args, subject) in [
        (&["cp", "acme", "copy"][..], "copy acme -> copy"),
        (&["mv", "copy", "moved"][..], "move copy -> moved"),
        (&["rm", "-r", "moved"][..], "delete moved"),
    ] {
        let n = count();
        w.ok(args, None);
        assert_eq!(count(), n + 1, "{args:?}");
        assert_eq!(git(&["log", "-1", "--format=%s"]).trim(), subject);
        assert_eq!(
            git(&["status", "--porcelain", "--untracked-files=all"]),
            "",
            "{args:?}"
        );
    }
}
