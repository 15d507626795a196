//! `ward incident open | list | report`: a compromised secret's blast
//! radius from a real audit log, and the incident closed by a rotation or a
//! cleared false alarm. The real binary.

mod common;
use common::{stderr, stdout, Ward};

const VALUE: &[u8] = b"sk_live_incident_value_1";

/// A store with one secret that was revealed, copied… and exported with
/// another in one run.
fn world() -> Ward {
    let w = Ward::with_actor("ann@laptop");
    w.ok(&["init"], None);
    w.set(
        "acme/api/KEY",
        VALUE,
        &[
            "--owner",
            "dana",
            "--field-set",
            "runbook=https://wiki.example/rotate-stripe",
        ],
    );
    w.set("acme/api/OTHER", b"other_value_22222", &[]);
    w.ok(&["get", "acme/api/KEY"], None);
    w.ok(&["export", "acme/api", "--allow", "KEY,OTHER"], None);
    w
}

#[test]
fn open_marks_it_and_shows_who_read_it_what_went_with_it_and_the_runbook() {
    let w = world();
    let out = w.ok(
        &[
            "incident",
            "open",
            "acme/api/KEY",
            "--reason",
            "pasted in a CI log",
        ],
        None,
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("Opened an incident: acme/api/KEY is marked compromised."),
        "{text}"
    );
    assert!(text.contains("by ann@laptop: pasted in a CI log"), "{text}");
    assert!(
        text.contains("2 reads of the value (1 reveal, 0 copy, 1 export)"),
        "{text}"
    );
    assert!(
        text.contains(
            "export v1 (export env); the same run exported 1 more secret: acme/api/OTHER"
        ),
        "{text}"
    );
    assert!(
        text.contains("https://wiki.example/rotate-stripe"),
        "{text}"
    );
    assert!(text.contains("owner: dana"), "{text}");
    assert!(text.contains("ann@laptop, dana"), "{text}");
    assert!(
        text.contains("Next: rotate it (`ward rotate acme/api/KEY`)"),
        "{text}"
    );
    assert!(!common::contains(&out.stdout, VALUE) && !common::contains(&out.stderr, VALUE));
    let doc = w.doc("acme/api/KEY");
    assert_eq!(doc["compromised"]["reason"], "pasted in a CI log", "{doc}");

    // Opening it again changes nothing and says so.
    let again = stdout(&w.ok(
        &["incident", "open", "acme/api/KEY", "--reason", "again"],
        None,
    ));
    assert!(again.contains("is already marked compromised"), "{again}");
    let list = stdout(&w.ok(&["incident", "list"], None));
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.contains("OPEN") && list.contains("pasted in a CI log"),
        "{list}"
    );
}

#[test]
fn a_rotation_closes_it_and_the_report_keeps_it() {
    let w = world();
    w.ok(
        &["incident", "open", "acme/api/KEY", "--reason", "leaked"],
        None,
    );
    w.ok(&["rotate", "acme/api/KEY"], Some(b"sk_live_new_value_2"));
    assert_eq!(
        stdout(&w.ok(&["incident", "list"], None)).trim(),
        "No open incidents."
    );
    let all = stdout(&w.ok(&["incident", "list", "--all"], None));
    assert!(
        all.contains("closed") && all.contains("rotated to v2 by ann@laptop"),
        "{all}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&w.ok(&["incident", "list", "--all", "--json"], None).stdout)
            .unwrap();
    assert_eq!(json[0]["open"], false, "{json}");
    assert_eq!(json[0]["closed"]["how"], "rotated");
    assert_eq!(json[0]["closed"]["version"], 2);

    // The report is of the compromised version, up to its close.
    let md = stdout(&w.ok(&["incident", "report", "acme/api/KEY"], None));
    assert!(md.starts_with("# Incident: `acme/api/KEY`\n"), "{md}");
    assert!(
        md.contains("State: closed, rotated to v2 by ann@laptop"),
        "{md}"
    );
    assert!(md.contains("## Reads of v1"), "{md}");
    assert!(md.contains("- 2 reads of the value"), "{md}");
    assert!(!md.contains("Next: rotate"), "{md}");
    assert!(!md.contains("sk_live_new_value_2") && !md.contains("sk_live_incident"));
}

#[test]
fn a_false_alarm_closes_it_with_its_reason() {
    let w = world();
    w.ok(
        &["incident", "open", "acme/api/KEY", "--reason", "maybe"],
        None,
    );
    w.ok(
        &[
            "edit",
            "acme/api/KEY",
            "--no-compromised",
            "--reason",
            "it was the test key",
        ],
        None,
    );
    let all = stdout(&w.ok(&["incident", "list", "--all"], None));
    assert!(all.contains("false alarm: it was the test key"), "{all}");
}

#[test]
fn hostile_text_is_shown_escaped_and_markdown_stays_inert() {
    let w = world();
    w.ok(
        &[
            "incident",
            "open",
            "acme/api/KEY",
            "--reason",
            "x\u{1b}[2J | [link](http://evil) *y*",
        ],
        None,
    );
    let md = stdout(&w.ok(&["incident", "report", "acme/api/KEY"], None));
    assert!(!md.contains('\u{1b}'), "{md:?}");
    assert!(md.contains(r"\| \[link\](http://evil) \*y\*"), "{md}");
    let text = stdout(&w.ok(
        &["incident", "report", "acme/api/KEY", "--format", "text"],
        None,
    ));
    assert!(
        !text.contains('\u{1b}') && !text.contains("# Incident"),
        "{text:?}"
    );
}

#[test]
fn bad_input_is_refused_before_anything_changes() {
    let w = world();
    let out = w.expect_code(
        &["incident", "open", "acme/api/NOPE", "--reason", "x"],
        None,
        3,
    );
    assert!(stderr(&out).contains("acme/api/NOPE"), "{}", stderr(&out));
    w.expect_code(
        &["incident", "open", "acme/api/KEY", "--reason", "  "],
        None,
        2,
    );
    assert!(w.doc("acme/api/KEY")["compromised"].is_null());
    assert_eq!(
        stdout(&w.ok(&["incident", "list"], None)).trim(),
        "No open incidents."
    );
}

#[test]
fn the_demo_has_an_open_incident_with_a_run_of_exports() {
    let w = Ward::new();
    let demo = ward::demo::create(&w.root().join("demo")).unwrap();
    let flags = [
        "--store",
        demo.store.to_str().unwrap(),
        "--identity",
        demo.identity.to_str().unwrap(),
    ];
    let run = |rest: &[&str]| {
        let args: Vec<&str> = flags.iter().copied().chain(rest.iter().copied()).collect();
        stdout(&w.ok(&args, None))
    };
    let list = run(&["incident", "list"]);
    assert!(
        list.contains("acme/api/prod/GITHUB_TOKEN") && list.contains("pasted in a public CI log"),
        "{list}"
    );
    let md = run(&["incident", "report", "acme/api/prod/GITHUB_TOKEN"]);
    assert!(md.contains("`bob@laptop`"), "{md}");
    assert!(md.contains("the same run exported 2 more secrets"), "{md}");
}
