//! What the review knows of values without showing them (issue 15): keyed
//! fingerprints (reuse of a value in two secrets, a value that came back
//! after rotation) and weak values, in `ward report` and `ward check`,
//! through the real binary. The fingerprint key is pinned on first use: a
//! replaced key is refused until `ward recipients trust` approves it. No
//! value and no whole fingerprint is ever printed or written in plain text.

mod common;

use common::{require, stderr, stdout, Ward};
use std::process::Command;
use ward::error::exit;

const STRONG_A: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dcQ2";
const STRONG_B: &str = "ghp_R2d9Xk3LmQ8vT1bN7cW4zY6pH0sJ5fA2gE";
const SHARED: &str = "tok_Zx81LkQp0vN3mR7sT2wY5bC9dF4gH6jK";
const WEAK: &str = "hunter22";

fn report(w: &Ward) -> (serde_json::Value, String) {
    let out = w.ok(&["report", "--format", "json"], None);
    (serde_json::from_slice(&out.stdout).unwrap(), stderr(&out))
}

/// The flags of `name` in a report: (flag, detail) pairs.
fn flags(report: &serde_json::Value, name: &str) -> Vec<(String, String)> {
    let row = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} in the report"));
    row["flags"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["flag"].as_str().unwrap().to_string(),
                        f["detail"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn store() -> Ward {
    let w = Ward::init();
    w.set("a/STRONG", STRONG_A.as_bytes(), &[]);
    w.set("a/PASSWORD", WEAK.as_bytes(), &[]);
    w.set("a/ONE", SHARED.as_bytes(), &[]);
    w.set("b/TWO", SHARED.as_bytes(), &[]);
    // Rotated away and back: the first value is current again.
    w.set("b/BACK", STRONG_B.as_bytes(), &[]);
    w.ok(
        &["rotate", "b/BACK"],
        Some(b"sk_other_8Gq2Lm4Np6Rs8Tu0Vw2Xy4Za"),
    );
    w.ok(&["rotate", "b/BACK"], Some(STRONG_B.as_bytes()));
    w
}

#[test]
fn reuse_reverted_and_weak_values_are_flagged_without_showing_them() {
    let w = store();
    let (r, _) = report(&w);
    assert!(flags(&r, "a/STRONG").is_empty(), "{r}");
    let weak = flags(&r, "a/PASSWORD");
    assert_eq!(weak.len(), 1, "{weak:?}");
    assert_eq!(weak[0].0, "weak");
    assert!(weak[0].1.contains("zxcvbn score"), "{weak:?}");
    let one = flags(&r, "a/ONE");
    assert_eq!(one.len(), 1, "{one:?}");
    assert_eq!(one[0].0, "reuse");
    assert!(one[0].1.contains("b/TWO"), "{one:?}");
    assert!(flags(&r, "b/TWO")[0].1.contains("a/ONE"));
    let back = flags(&r, "b/BACK");
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0].0, "reverted");
    assert!(back[0].1.contains("v1"), "{back:?}");
    // A fingerprint is shown by its first six hex digits at most.
    let shown = one[0].1.split("fingerprint ").nth(1).unwrap();
    let hex: String = shown
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(hex.len(), 6, "{shown}");
    // The same from the warm cache, and without it.
    let (again, _) = report(&w);
    assert_eq!(again["secrets"], r["secrets"]);
    let cold = w.ok(&["report", "--format", "json", "--no-cache"], None);
    let cold: serde_json::Value = serde_json::from_slice(&cold.stdout).unwrap();
    assert_eq!(cold["secrets"], r["secrets"]);
    // The table says it in words.
    let table = stdout(&w.ok(&["report", "--wide"], None));
    assert!(table.contains("reuse: the same value as b/TWO"), "{table}");
    assert!(table.contains("weak value"), "{table}");
    // Nothing anywhere holds a value in plain text (cache included).
    let needles: Vec<&[u8]> = [STRONG_A, STRONG_B, SHARED, WEAK]
        .iter()
        .map(|s| s.as_bytes())
        .collect();
    for out in [
        w.ok(&["report", "--format", "json"], None),
        w.run(&["check"], None),
        w.ok(&["report"], None),
    ] {
        for n in &needles {
            assert!(!common::contains(&out.stdout, n));
            assert!(!common::contains(&out.stderr, n));
        }
    }
    w.assert_no_plaintext(&needles);
}

#[test]
fn check_counts_flags_and_fails_on_them_only_when_configured() {
    let w = store();
    let out = w.run(&["check"], None);
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "flags alone list nothing");
    let err = stderr(&out);
    assert!(
        err.contains("values flagged: 1 weak, 2 reuse, 1 reverted"),
        "{err}"
    );
    std::fs::write(
        w.config_file(),
        "[review]\nfail_on = [\"weak\", \"reuse\"]\n",
    )
    .unwrap();
    let out = w.run(&["check"], None);
    assert_eq!(
        out.status.code(),
        Some(exit::NEEDS_ACTION),
        "{}",
        stderr(&out)
    );
    let listed = stdout(&out);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    assert!(listed
        .lines()
        .any(|l| l.starts_with("weak ") && l.contains("a/PASSWORD")));
    assert!(listed
        .lines()
        .any(|l| l.starts_with("reuse ") && l.contains("b/TWO")));
    assert!(
        !listed.contains("b/BACK"),
        "reverted is not configured: {listed}"
    );
    // A flag name that is not one is refused, naming the file.
    std::fs::write(w.config_file(), "[review]\nfail_on = [\"bad\"]\n").unwrap();
    let out = w.run(&["check"], None);
    assert_ne!(out.status.code(), Some(exit::OK));
    assert!(stderr(&out).contains("config.toml"), "{}", stderr(&out));
}

#[test]
fn a_replaced_fingerprint_key_is_refused_until_approved() {
    if !require("age") {
        return;
    }
    let w = store();
    let key = w.store().join(".ward/fingerprint.key.age");
    assert!(key.is_file(), "made by ward init");
    // It opens with the standard age tool, as every file of the store.
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(w.identity())
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ward-fingerprint-key-v1\n"));
    // Another writer of the store puts a key of their own there, encrypted
    // to the same (public) recipients.
    let mut age = Command::new("age");
    age.arg("-r")
        .arg(w.public_key())
        .arg("-o")
        .arg(&key)
        .stdin(std::process::Stdio::piped());
    let mut child = age.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("ward-fingerprint-key-v1\n{}\n", "ab".repeat(32)).as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let (r, err) = report(&w);
    assert!(err.contains("fingerprint key changed"), "{err}");
    assert!(err.contains("ward recipients trust"), "{err}");
    assert!(flags(&r, "a/ONE").is_empty(), "no reuse with a refused key");
    assert_eq!(flags(&r, "a/PASSWORD")[0].0, "weak", "weak needs no key");
    // Approved here, it is used.
    let out = w.ok(&["recipients", "trust", "--yes"], None);
    assert!(
        stdout(&out).contains("Approved the fingerprint key"),
        "{}",
        stdout(&out)
    );
    let (r, err) = report(&w);
    assert!(!err.contains("fingerprint key"), "{err}");
    assert_eq!(flags(&r, "a/ONE")[0].0, "reuse");
    // A deleted key is refused too, not silently made anew.
    std::fs::remove_file(&key).unwrap();
    let (r, err) = report(&w);
    assert!(err.contains("is gone"), "{err}");
    assert!(flags(&r, "a/ONE").is_empty());
    assert!(!key.exists(), "no new key behind the pinned one's back");
}

#[test]
fn scan_min_length_comes_from_config_and_the_flag_overrides_it() {
    let w = Ward::with_config("[scan]\nmin_length = 40\n");
    w.ok(&["init"], None);
    w.set("a/KEY", STRONG_A.as_bytes(), &[]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leak.txt"), format!("x = {STRONG_A}\n")).unwrap();
    let path = dir.path().to_str().unwrap();
    let out = w.run(&["scan", path], None);
    assert_eq!(out.status.code(), Some(exit::OK), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a/KEY"),
        "listed as not searched: {}",
        stderr(&out)
    );
    let out = w.run(&["scan", path, "--min-length", "8"], None);
    assert_eq!(
        out.status.code(),
        Some(exit::LEAK_FOUND),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("leak.txt:1: a/KEY"),
        "{}",
        stdout(&out)
    );
}
