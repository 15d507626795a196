//! History and safety nets through the real binary (issue 12): `ward
//! restore NAME VERSION`, `ward rm` into the trash, `ward trash`, `ward
//! trash restore`, `rm --purge`, `[trash] keep`; the standard `age -d`
//! opens what is in the trash and what came back; no value in clear.

mod common;

use common::{require, run_detached, stderr, stdout, Ward};
use std::path::{Path, PathBuf};
use std::process::Command;
use ward::error::exit;

const V1: &[u8] = b"first-value-Qx81";
const V2: &[u8] = b"second-value-Zr27";

fn trash_dirs(w: &Ward) -> Vec<PathBuf> {
    let dir = w.store().join(".ward/trash");
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
    out.sort();
    out
}

fn trash_json(w: &Ward) -> Vec<serde_json::Value> {
    serde_json::from_slice(&w.ok(&["trash", "--json"], None).stdout).unwrap()
}

/// `age -d -i IDENTITY FILE`: the document's JSON.
fn age_open(w: &Ward, file: &Path) -> serde_json::Value {
    let mut c = Command::new("age");
    c.arg("-d").arg("-i").arg(w.identity()).arg(file);
    w.apply_env(&mut c);
    let out = run_detached(c, None);
    assert!(out.status.success(), "age -d: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn actions(w: &Ward) -> Vec<(String, String)> {
    let out = w.ok(&["audit", "--json"], None);
    let records: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    records
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or("").to_string(),
                r["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn restore_makes_an_old_value_current_as_a_new_version() {
    let w = Ward::init();
    w.set("acme/KEY", V1, &[]);
    w.ok(&["rotate", "acme/KEY"], Some(V2));
    let out = w.ok(&["restore", "acme/KEY", "1"], None);
    assert!(
        stderr(&out).contains("Restored version 1 of acme/KEY as version 3"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "no value printed");
    assert_eq!(w.get("acme/KEY"), V1);
    let doc = w.doc("acme/KEY");
    assert_eq!(doc["version"], 3);
    if require("age") {
        let opened = age_open(&w, &w.file("acme/KEY"));
        assert_eq!(opened["value"], "first-value-Qx81");
        assert_eq!(opened["history"][0]["value"], "second-value-Zr27");
    }
    let history = w.ok(&["history", "acme/KEY", "--json", "--reveal"], None);
    let versions: Vec<serde_json::Value> = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(versions.len(), 3, "history kept: {versions:?}");
    assert_eq!(versions[1]["value"], "second-value-Zr27");
    assert_eq!(versions[1]["reason"], "restored version 1");
    assert!(actions(&w).contains(&("restore".into(), "restored version 1".into())));
    // The current version, or one not kept, is refused and nothing changes.
    let out = w.expect_code(&["restore", "acme/KEY", "3"], None, exit::USAGE);
    assert!(
        stderr(&out).contains("is the current value"),
        "{}",
        stderr(&out)
    );
    let out = w.expect_code(&["restore", "acme/KEY", "9"], None, exit::USAGE);
    assert!(stderr(&out).contains("it keeps 2, 1"), "{}", stderr(&out));
    w.expect_code(&["restore", "acme/NOPE", "1"], None, exit::NOT_FOUND);
    assert_eq!(w.doc("acme/KEY")["version"], 3);
    w.ok(&["audit", "verify"], None);
    w.assert_no_plaintext(&[V1, V2]);
}

#[test]
fn rm_moves_to_the_trash_and_trash_restore_puts_it_back() {
    let w = Ward::init();
    // A hostile but valid name: spaces, non-ASCII, a leading dash.
    let name = "acme/ops team/-clé KEY";
    w.set(name, V1, &["--field-set", "login=ann"]);
    w.ok(&["rotate", name], Some(V2));
    let out = w.ok(&["rm", name], None);
    assert!(stderr(&out).contains("to the trash"), "{}", stderr(&out));
    assert!(!w.file(name).exists());
    assert!(!w.store().join("acme").exists(), "empty folders go");
    let dirs = trash_dirs(&w);
    assert_eq!(dirs.len(), 1);
    let listed = trash_json(&w);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], name);
    assert!(listed[0]["deleted_by"]
        .as_str()
        .unwrap()
        .starts_with("tester@"));
    let table = stdout(&w.ok(&["trash"], None));
    assert!(
        table.contains("NAME") && table.contains("clé KEY"),
        "{table}"
    );
    // The trashed file is the secret's file, value and history, still age.
    if require("age") {
        let doc = age_open(&w, &dirs[0].join("secret.age"));
        assert_eq!(doc["value"], "second-value-Zr27");
        assert_eq!(doc["history"][0]["value"], "first-value-Qx81");
    }
    // Back, with its history and fields.
    let out = w.ok(&["trash", "restore", name], None);
    assert!(stderr(&out).contains("Restored"), "{}", stderr(&out));
    assert_eq!(w.get(name), V2);
    let doc = w.doc(name);
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["fields"][0]["value"], "ann");
    assert!(trash_dirs(&w).is_empty());
    if require("age") {
        assert_eq!(age_open(&w, &w.file(name))["value"], "second-value-Zr27");
    }
    let acts = actions(&w);
    assert!(
        acts.contains(&("delete".into(), "to trash".into())),
        "{acts:?}"
    );
    assert!(acts
        .iter()
        .any(|(a, r)| a == "restore" && r.starts_with("from trash")));
    w.ok(&["audit", "verify"], None);
    w.assert_no_plaintext(&[V1, V2]);
}

#[test]
fn trash_restore_refuses_a_taken_name_and_unknown_ones() {
    let w = Ward::init();
    w.set("a/KEY", V1, &[]);
    w.ok(&["rm", "a/KEY"], None);
    w.set("a/KEY", V2, &[]);
    let out = w.expect_code(&["trash", "restore", "a/KEY"], None, exit::EXISTS);
    let err = stderr(&out);
    assert!(err.starts_with("ward: error:"), "{err}");
    assert!(err.contains("ward mv a/KEY"), "{err}");
    assert_eq!(w.get("a/KEY"), V2, "the present one is untouched");
    assert_eq!(trash_dirs(&w).len(), 1, "the trashed one is kept");
    // Moved away, the name is free.
    w.ok(&["mv", "a/KEY", "a/KEY_NEW"], None);
    w.ok(&["trash", "restore", "a/KEY"], None);
    assert_eq!(w.get("a/KEY"), V1);
    let out = w.expect_code(&["trash", "restore", "a/OTHER"], None, exit::USAGE);
    assert!(
        stderr(&out).contains("no a/OTHER in the trash"),
        "{}",
        stderr(&out)
    );
    w.expect_code(&["trash", "restore", "../../etc/x"], None, exit::USAGE);
}

#[test]
fn purge_skips_the_trash_and_old_entries_are_emptied() {
    let w = Ward::with_config("[trash]\nkeep = \"7d\"\n");
    w.ok(&["init"], None);
    w.set("a/OLD", V1, &[]);
    w.set("a/PURGED", V2, &[]);
    w.ok(&["rm", "--purge", "a/PURGED"], None);
    assert!(!w.file("a/PURGED").exists());
    assert!(trash_dirs(&w).is_empty());
    w.ok(&["rm", "a/OLD"], None);
    // Pretend it was deleted 8 days ago.
    let entry = trash_dirs(&w)[0].join("entry.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    let old = chrono::Utc::now() - chrono::Duration::days(8);
    json["deleted"] = serde_json::json!(old);
    std::fs::write(&entry, serde_json::to_vec(&json).unwrap()).unwrap();
    w.set("a/NEW", V2, &[]);
    w.ok(&["rm", "a/NEW"], None);
    let listed = trash_json(&w);
    let names: Vec<&str> = listed.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["a/NEW"],
        "the 8-day-old entry is gone at the next write"
    );
    // A damaged entry is reported, not fatal.
    let bad = w.store().join(".ward/trash/broken");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("entry.json"), b"{not json").unwrap();
    let out = w.ok(&["trash"], None);
    assert!(stderr(&out).contains("damaged"), "{}", stderr(&out));
}

#[test]
fn in_a_git_store_rm_and_trash_restore_are_one_commit_each() {
    if !require("git") {
        return;
    }
    let w = Ward::with_actor("ann@laptop");
    w.ok(&["init", "--git"], None);
    w.set("acme/KEY", V1, &[]);
    let count = |w: &Ward| -> u32 {
        let mut c = Command::new("git");
        c.arg("-C")
            .arg(w.store())
            .args(["rev-list", "--count", "HEAD"]);
        w.apply_env(&mut c);
        String::from_utf8(c.output().unwrap().stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let status = |w: &Ward| -> String {
        let mut c = Command::new("git");
        c.arg("-C")
            .arg(w.store())
            .args(["status", "--porcelain", "--untracked-files=all"]);
        w.apply_env(&mut c);
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let n = count(&w);
    w.ok(&["rm", "acme/KEY"], None);
    assert_eq!(count(&w), n + 1);
    assert_eq!(status(&w), "", "the trash entry is committed");
    w.ok(&["trash", "restore", "acme/KEY"], None);
    assert_eq!(count(&w), n + 2);
    assert_eq!(status(&w), "");
}
