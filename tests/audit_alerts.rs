//! `ward audit alerts`: the rules over real logs written by the real binary
//! (a demo store's team history, a burst of reads, a read by a removed key
//! from a stale copy of the store, a forged record).

mod common;
use common::{make_identity, stdout, Ward};
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A demo store in `w`'s folder, and the flags that point ward at it.
fn demo(w: &Ward) -> (ward::demo::Demo, Vec<String>) {
    let demo = ward::demo::create(&w.root().join("demo")).unwrap();
    let flags = vec![
        "--store".to_string(),
        demo.store.display().to_string(),
        "--identity".to_string(),
        demo.identity.display().to_string(),
    ];
    (demo, flags)
}

fn args<'a>(flags: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    flags
        .iter()
        .map(String::as_str)
        .chain(rest.iter().copied())
        .collect()
}

#[test]
fn the_demo_history_raises_sensitive_exports_only_when_configured() {
    let quiet = Ward::new();
    let (_demo, flags) = demo(&quiet);
    let out = quiet.expect_code(
        &args(&flags, &["audit", "alerts", "--since", "30d"]),
        None,
        0,
    );
    assert!(
        stdout(&out).starts_with("No alerts since "),
        "{}",
        stdout(&out)
    );

    let w = Ward::with_config("[alerts]\nsensitive = [\"acme/api/prod\"]\n");
    let (_demo, flags) = demo(&w);
    let out = w.expect_code(
        &args(&flags, &["audit", "alerts", "--since", "30d"]),
        None,
        14,
    );
    let text = stdout(&out);
    assert!(text.starts_with("3 alerts since "), "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("sensitive-export"))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines.iter().all(|l| l.contains("bob@laptop")), "{text}");
    assert!(text.contains("export of acme/api/prod/GITHUB_TOKEN (sensitive: acme/api/prod)"));

    // The window: those exports were two weeks ago.
    w.expect_code(
        &args(&flags, &["audit", "alerts", "--since", "7d"]),
        None,
        0,
    );

    let out = w.expect_code(
        &args(
            &flags,
            &["audit", "alerts", "--since", "30d", "--format", "json"],
        ),
        None,
        14,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["chains_verified"], true, "{json}");
    let alerts = json["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts[0]["rule"], "sensitive-export");
    assert_eq!(alerts[0]["actor"], "bob@laptop");

    // No value of the demo in anything printed.
    let value = w.ok(
        &args(&flags, &["get", "acme/api/prod/STRIPE_SECRET_KEY"]),
        None,
    );
    let value = String::from_utf8(value.stdout).unwrap();
    assert!(value.trim().len() >= 8);
    assert!(!text.contains(value.trim()) && !json.to_string().contains(value.trim()));
}

#[test]
fn a_burst_of_reads_by_one_actor() {
    let w = Ward::with_config("actor = \"ann@box\"\n[alerts]\nvalue_reads = 4\n");
    w.ok(&["init"], None);
    w.set("acme/KEY", b"sk_live_burst_value", &[]);
    for _ in 0..3 {
        w.ok(&["get", "acme/KEY"], None);
    }
    w.expect_code(&["audit", "alerts"], None, 0);
    w.ok(&["get", "acme/KEY"], None);
    let out = w.expect_code(&["audit", "alerts"], None, 14);
    let text = stdout(&out);
    assert!(text.contains("value-reads"), "{text}");
    assert!(
        text.contains("ann@box: 4 value reads (reveal, copy, export) of acme/KEY"),
        "{text}"
    );
    assert!(!text.contains("sk_live_burst_value"));
}

#[test]
fn a_read_by_a_removed_key_in_a_stale_copy_of_the_store() {
    // Ann made the store; Bob is a member too.
    let ann = Ward::with_actor("ann@a");
    ann.ok(&["init"], None);
    ann.set("acme/api/KEY", b"sk_one_removed_key", &[]);
    let bob = Ward::with_actor("bob@b");
    let bob_key = make_identity(&bob.identity());
    ann.ok(&["recipients", "add", &bob_key], None);

    // Ann keeps a copy of the store (a clone she does not sync).
    let stale = ann.root().join("stale");
    copy_dir(&ann.store(), &stale);

    // Bob removes Ann.
    let store = ann.store();
    bob.ok(
        &["--store", s(&store), "recipients", "rm", &ann.public_key()],
        None,
    );
    bob.expect_code(&["--store", s(&store), "audit", "alerts"], None, 0);

    // Ann reads in her stale copy, and her chain reaches the store (as a
    // sync would bring it: each actor writes only their own file).
    ann.ok(&["--store", s(&stale), "get", "acme/api/KEY"], None);
    let audit = |root: &Path| root.join(".ward").join("audit");
    for entry in std::fs::read_dir(audit(&stale)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("ann@a") {
            std::fs::copy(entry.path(), audit(&store).join(&name)).unwrap();
        }
    }

    let out = bob.expect_code(&["--store", s(&store), "audit", "alerts"], None, 14);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("removed-key-read"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("ann@a: reveal by key"), "{line}");
    assert!(line.contains("which is no recipient since"), "{line}");
    // The chain itself is intact: this is a real read, not a forgery.
    assert!(!text.contains("chain-broken"), "{text}");
}

#[test]
fn a_forged_record_is_a_broken_chain_alert() {
    let w = Ward::new();
    let (demo, flags) = demo(&w);
    let chain = demo.store.join(".ward/audit/bob@laptop.jsonl");
    let text = std::fs::read_to_string(&chain).unwrap();
    assert!(text.contains("\"export\""), "{text}");
    std::fs::write(&chain, text.replacen("\"export\"", "\"view\"", 1)).unwrap();
    let out = w.expect_code(&args(&flags, &["audit", "alerts"]), None, 14);
    let text = stdout(&out);
    assert!(text.contains("chain-broken"), "{text}");
    assert!(
        text.contains("the audit chain bob@laptop does not verify"),
        "{text}"
    );
}

#[test]
fn without_an_identity_it_says_the_chains_were_not_verified() {
    let w = Ward::new();
    let (demo, _) = demo(&w);
    let missing = w.root().join("no-such-identity.txt");
    let out = w.expect_code(
        &[
            "--store",
            s(&demo.store),
            "-i",
            s(&missing),
            "audit",
            "alerts",
        ],
        None,
        0,
    );
    let err = common::stderr(&out);
    assert!(err.contains("chains not verified"), "{err}");
}

#[test]
fn a_zero_threshold_is_a_config_error() {
    let w = Ward::with_config("[alerts]\nvalue_reads = 0\n");
    let out = w.expect_code(&["audit", "alerts"], None, 5);
    assert!(common::stderr(&out).contains("alerts.value_reads must be at least 1"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
