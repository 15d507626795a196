//! Smaller findings of the attack review (issue 9, "Low"): JSON escaping on a
//! terminal, config limits, identity ownership, the audit folder and junk
//! lines in the log.

mod common;

use common::*;
use std::time::Duration;

const CORRUPT: i32 = 5;
const IDENTITY: i32 = 7;
const AUDIT_BROKEN: i32 = 9;

fn write_config(w: &Ward, bytes: &[u8]) {
    let dir = w.config_home.join("ward");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), bytes).unwrap();
}

#[test]
fn report_json_reaches_a_terminal_escaped() {
    let w = Ward::init();
    // C1 CSI, a right-to-left mark, a zero-width space, DEL.
    let owner = "ann\u{9b}31m\u{200f}\u{200b}\u{7f}";
    w.set("p/K", b"value", &["--owner", owner]);
    let out = common::pty::run_all(
        w.cmd(&["report", "--format", "json"]),
        &[],
        Duration::from_secs(20),
    );
    assert!(out.status.success(), "{}", out.transcript);
    for raw in ['\u{9b}', '\u{200f}', '\u{200b}', '\u{7f}'] {
        assert!(!out.transcript.contains(raw), "{:?}", out.transcript);
    }
    assert!(
        out.transcript.contains("\\u009b31m\\u200f\\u200b\\u007f"),
        "{:?}",
        out.transcript
    );
    // Piped, the JSON is byte for byte what serde wrote (jq reads it back).
    let piped = w.ok(&["report", "--format", "json"], None);
    let doc: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(doc["secrets"][0]["owner"], owner);
}

#[test]
fn huge_timeouts_are_a_config_error_not_a_crash() {
    let w = Ward::init();
    for setting in [
        "reveal_timeout = 18446744073709551615",
        "clipboard_timeout = 86401",
        "idle_lock = 99999999999",
    ] {
        write_config(&w, format!("{setting}\n").as_bytes());
        let out = w.expect_code(&["ls"], None, CORRUPT);
        let key = setting.split(' ').next().unwrap();
        assert!(stderr(&out).contains(key), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("most ward allows"),
            "{}",
            stderr(&out)
        );
    }
    write_config(&w, b"reveal_timeout = 3600\nclipboard_timeout = 86400\n");
    w.ok(&["ls"], None);
}

#[test]
fn a_config_that_is_not_utf8_is_a_config_error() {
    let w = Ward::init();
    write_config(&w, b"actor = \"ann\xff\"\n");
    let out = w.expect_code(&["ls"], None, CORRUPT);
    assert!(stderr(&out).contains("not UTF-8"), "{}", stderr(&out));
}

#[test]
fn an_overlong_or_control_actor_is_refused() {
    let w = Ward::init();
    write_config(&w, format!("actor = \"{}\"\n", "a".repeat(101)).as_bytes());
    let out = w.expect_code(&["ls"], None, CORRUPT);
    assert!(stderr(&out).contains("actor"), "{}", stderr(&out));
    write_config(&w, b"actor = \"ann\\u001b[2J\"\n");
    let out = w.expect_code(&["ls"], None, CORRUPT);
    assert!(
        stderr(&out).contains("control character"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_identity_owned_by_another_user_is_refused() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("SKIPPED: handing a file to another user needs root");
        return;
    }
    let w = Ward::init();
    w.set("p/K", b"value", &[]);
    let id = w.identity();
    std::os::unix::fs::chown(&id, Some(65534), Some(65534)).unwrap();
    let out = w.expect_code(&["get", "p/K"], None, IDENTITY);
    assert!(
        stderr(&out).contains("owned by another user"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_linked_audit_folder_is_a_broken_log() {
    let w = Ward::init();
    w.set("p/K", b"value", &[]);
    let audit = w.store().join(".ward/audit");
    let moved = w.root().join("audit-elsewhere");
    std::fs::rename(&audit, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &audit).unwrap();
    let out = w.expect_code(&["audit", "verify"], None, AUDIT_BROKEN);
    assert!(stdout(&out).contains("BROKEN"), "{}", stdout(&out));
    assert!(stdout(&out).contains("symbolic link"), "{}", stdout(&out));
}

#[test]
fn junk_inserted_between_records_breaks_the_chain() {
    let w = Ward::init();
    w.set("p/A", b"value-a", &[]);
    w.set("p/B", b"value-b", &[]);
    let file = std::fs::read_dir(w.store().join(".ward/audit"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(1, "rm -rf / # this line was never a record");
    std::fs::write(&file, format!("{}\n", lines.join("\n"))).unwrap();
    let out = w.expect_code(&["audit", "verify"], None, AUDIT_BROKEN);
    assert!(
        stdout(&out).contains("line 2: inserted"),
        "{}",
        stdout(&out)
    );

    // A line cut short by a crash (the start of a record) stays a warning.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(1, "{\"v\":1,\"seq\":2,\"ti");
    std::fs::write(&file, format!("{}\n", lines.join("\n"))).unwrap();
    let out = w.run(&["audit", "verify"], None);
    assert!(stdout(&out).contains("warning: line 2"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("BROKEN"), "{}", stdout(&out));
}
