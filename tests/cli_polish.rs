//! Messages a new user meets: each one says what to do next. Runs the real
//! binary.

mod common;

use common::{stderr, stdout, Ward};
use std::time::Duration;
use ward::error::exit;

#[test]
fn missing_identity_with_a_store_says_join_or_restore() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    std::fs::remove_file(w.identity()).unwrap();

    let out = w.expect_code(&["get", "p/K"], None, exit::IDENTITY);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("no identity at {}", w.identity().display())),
        "{err}"
    );
    assert!(
        err.contains("run `ward init` to create your own key and ask a member to add it"),
        "{err}"
    );
    assert!(err.contains("restore it"), "{err}");
    assert!(err.contains("--identity/-i FILE"), "{err}");

    // `ward init` is the way in: a new identity of one's own, and the
    // command a member runs to add it (the store itself is left alone).
    let recipients = std::fs::read(w.store().join(".ward/recipients")).unwrap();
    let out = w.ok(&["init"], None);
    let text = stdout(&out);
    assert!(text.contains("A store already exists"), "{text}");
    assert!(text.contains("ward recipients add age1"), "{text}");
    assert!(w.identity().exists());
    assert_eq!(
        std::fs::read(w.store().join(".ward/recipients")).unwrap(),
        recipients
    );
    // With an identity here, a second `ward init` is refused.
    let out = w.expect_code(&["init"], None, exit::EXISTS);
    assert!(stderr(&out).contains("ward identity"), "{}", stderr(&out));

    // A path given with -i that is not there: check the path, not init.
    let missing = w.root().join("nowhere/key.txt");
    let out = w.expect_code(
        &["get", "p/K", "-i", missing.to_str().unwrap()],
        None,
        exit::IDENTITY,
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("no identity at {}", missing.display())),
        "{err}"
    );
    assert!(err.contains("check the --identity/-i path"), "{err}");
    assert!(!err.contains("ward init"), "{err}");
}

#[test]
fn report_csv_defuses_spreadsheet_formulas() {
    let w = Ward::init();
    w.set(
        "p/A",
        b"v",
        &["--owner", "=HYPERLINK(\"http://evil\",\"x\")"],
    );
    w.set("p/B", b"v", &["--owner", "@SUM(1)"]);
    w.set("p/C", b"v", &["--owner", "+1-2"]);
    w.set("p/D", b"v", &["--owner=-x"]);
    w.set("p/E", b"v", &["--owner", "ann"]);
    let out = w.ok(&["report", "--format", "csv", "--sort", "name"], None);
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(
        lines[1].contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\","),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains(",'@SUM(1),"), "{}", lines[2]);
    assert!(lines[3].contains(",'+1-2,"), "{}", lines[3]);
    assert!(lines[4].contains(",'-x,"), "{}", lines[4]);
    assert!(lines[5].contains(",ann,"), "{}", lines[5]);
    // No cell of any row starts with a formula character.
    for line in &lines[1..] {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r']),
                "{cell:?} in {line}"
            );
        }
    }
}

#[test]
fn not_found_suggests_the_close_name_or_the_folder() {
    let w = Ward::init();
    w.set("acme/api/STRIPE_KEY", b"v", &[]);
    w.set("acme/db/URL", b"v", &[]);

    let out = w.expect_code(&["get", "acme/api/STRIPE_KY"], None, exit::NOT_FOUND);
    let err = stderr(&out);
    assert!(err.contains("no secret named acme/api/STRIPE_KY"), "{err}");
    assert!(err.contains("did you mean acme/api/STRIPE_KEY?"), "{err}");

    // Case only.
    let out = w.expect_code(&["history", "acme/api/stripe_key"], None, exit::NOT_FOUND);
    assert!(
        stderr(&out).contains("did you mean acme/api/STRIPE_KEY?"),
        "{}",
        stderr(&out)
    );

    // Nothing close: no guess.
    let out = w.expect_code(&["get", "acme/api/SENDGRID"], None, exit::NOT_FOUND);
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));

    // The same name in another folder.
    let out = w.expect_code(&["get", "URL"], None, exit::NOT_FOUND);
    assert!(
        stderr(&out).contains("did you mean acme/db/URL?"),
        "{}",
        stderr(&out)
    );

    // A folder is not a secret.
    let out = w.expect_code(&["get", "acme/api"], None, exit::NOT_FOUND);
    let err = stderr(&out);
    assert!(
        err.contains("acme/api is a folder: ward ls acme/api"),
        "{err}"
    );

    // Other commands on a name get the same help.
    let out = w.expect_code(
        &["rm", "acme/api/STRIPE_KY", "--force"],
        None,
        exit::NOT_FOUND,
    );
    assert!(
        stderr(&out).contains("did you mean acme/api/STRIPE_KEY?"),
        "{}",
        stderr(&out)
    );

    // `ls` of a folder with nothing in it: a note and exit 3.
    let out = w.expect_code(&["ls", "acme/ap"], None, exit::NOT_FOUND);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("no secrets under acme/ap"), "{err}");
    assert!(err.contains("did you mean acme/api?"), "{err}");
    let out = w.expect_code(&["ls", "nothing/here", "--json"], None, exit::NOT_FOUND);
    assert_eq!(stdout(&out).trim(), "[]");
    assert!(stderr(&out).contains("no secrets under nothing/here"));
    assert_eq!(
        stdout(&w.ok(&["ls", "acme/api"], None)),
        "acme/api/STRIPE_KEY\n"
    );
    // An empty store listed whole is not an error.
    let empty = Ward::init();
    assert_eq!(stdout(&empty.ok(&["ls"], None)), "");
}

#[test]
fn set_on_a_terminal_refuses_an_empty_first_entry() {
    let w = Ward::init();
    let out = common::pty::run_all(
        w.cmd(&["set", "p/K"]),
        &[("Value for p/K: ", "")],
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", out.transcript);
    assert!(out.transcript.contains("empty value"), "{}", out.transcript);
    assert!(
        !out.transcript.contains("Same value again"),
        "{}",
        out.transcript
    );
    w.expect_code(&["get", "p/K"], None, exit::NOT_FOUND);
}

#[test]
fn expiry_in_the_past_is_accepted_with_a_warning() {
    let w = Ward::init();
    let out = w.ok(&["set", "p/OLD", "--expires", "2020-01-01"], Some(b"v"));
    let err = stderr(&out);
    assert!(
        err.contains("p/OLD expires 2020-01-01, which is in the past: it shows as expired"),
        "{err}"
    );
    assert_eq!(w.doc("p/OLD")["expires"], "2020-01-01");
    let out = w.ok(&["edit", "p/OLD", "--expires", "2021-06-30"], None);
    assert!(stderr(&out).contains("expires 2021-06-30, which is in the past"));
    // A future date says nothing.
    let out = w.ok(
        &["set", "p/NEW", "--expires", "+30d"],
        Some(b"Hq4-Tz9_wLm2Xk7p"),
    );
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn unknown_field_lists_every_field() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    let out = w.expect_code(&["get", "p/K", "--field", "nope"], None, exit::USAGE);
    let err = stderr(&out);
    for field in [
        "kind",
        "owner",
        "tags",
        "url",
        "notes",
        "created",
        "created_by",
        "updated",
        "updated_by",
        "rotated",
        "expires",
        "rotate_every",
        "compromised",
        "generator",
        "version",
        "history_len",
        "value_len",
        "encoding",
    ] {
        assert!(
            err.contains(&format!(" {field},")) || err.ends_with(&format!(" {field}\n")),
            "{field} missing: {err}"
        );
    }
    // A known field the secret does not have is empty, not unknown.
    let out = w.ok(&["get", "p/K", "--field", "owner"], None);
    assert_eq!(stdout(&out), "\n");
    let out = w.ok(&["get", "p/K", "--field", "rotate-every"], None);
    assert_eq!(stdout(&out), "\n");
}

#[test]
fn config_errors_name_the_line_and_the_key() {
    let w = Ward::init();
    let cfg = w.config_home.join("ward/config.toml");
    std::fs::write(&cfg, "actor = \"ann\"\n\nclipboard_timeout = \"ten\"\n").unwrap();
    let out = w.expect_code(&["ls"], None, exit::CORRUPT);
    let err = stderr(&out);
    assert!(
        err.contains(
            "config.toml line 3: clipboard_timeout: invalid type: string \"ten\", expected u64"
        ),
        "{err}"
    );
    assert!(!err.contains("corrupt"), "{err}");

    std::fs::write(&cfg, "clipbord_timeout = 10\n").unwrap();
    let out = w.expect_code(&["ls"], None, exit::CORRUPT);
    let err = stderr(&out);
    assert!(
        err.contains("config.toml line 1: unknown setting `clipbord_timeout`"),
        "{err}"
    );
    assert!(err.contains("did you mean `clipboard_timeout`?"), "{err}");
    assert!(
        err.contains(
            "known: actor, agent, alerts, clipboard_backend, clipboard_timeout, git, history_limit"
        ),
        "{err}"
    );
    assert!(!err.contains("corrupt"), "{err}");
}

#[test]
fn a_store_path_that_is_a_file_says_so() {
    let w = Ward::init();
    let file = w.root().join("somefile");
    std::fs::write(&file, "x").unwrap();
    for args in [&["ls"][..], &["get", "p/K"][..], &["init"][..]] {
        let mut c = w.cmd(args);
        c.env("WARD_STORE", &file);
        let out = common::run_detached(c, None);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(exit::NOT_FOUND), "{args:?}: {err}");
        assert!(
            err.contains(&format!("{} is not a folder", file.display())),
            "{args:?}: {err}"
        );
        assert!(!err.contains("os error"), "{args:?}: {err}");
    }
    // A file above the store path.
    let mut c = w.cmd(&["ls"]);
    c.env("WARD_STORE", file.join("store"));
    let out = common::run_detached(c, None);
    assert_eq!(out.status.code(), Some(exit::NOT_FOUND));
    assert!(stderr(&out).contains(&format!("{} is not a folder", file.display())));
}

#[test]
fn history_shows_who_set_the_current_version() {
    let w = Ward::init();
    let cfg = w.config_home.join("ward/config.toml");
    std::fs::write(&cfg, "actor = \"ann@laptop\"\n").unwrap();
    w.set("p/K", b"1", &[]);
    let out = w.ok(&["history", "p/K"], None);
    let text = stdout(&out);
    let current = text.lines().nth(1).unwrap();
    assert!(
        current.contains("(current)") && current.contains("ann@laptop"),
        "{text}"
    );
    assert!(current.contains("(1 char)"), "{text}");

    std::fs::write(&cfg, "actor = \"bob@server\"\n").unwrap();
    w.set("p/K", b"22", &["--reason", "rotation"]);
    let text = stdout(&w.ok(&["history", "p/K"], None));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains("2 (current)") && lines[1].contains("bob@server"),
        "{text}"
    );
    assert!(lines[1].contains("(2 chars)"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&w.ok(&["history", "p/K", "--json"], None).stdout).unwrap();
    assert_eq!(json[0]["set_by"], "bob@server");
}

#[test]
fn tags_with_spaces_are_refused_clearly() {
    let w = Ward::init();
    let out = w.expect_code(
        &["set", "p/K", "--tag", "prod, pci"],
        Some(b"v"),
        exit::USAGE,
    );
    let err = stderr(&out);
    assert!(err.contains("invalid tag"), "{err}");
    assert!(err.contains("--tag prod --tag pci"), "{err}");
    let out = w.expect_code(
        &["set", "p/K", "--tag", "prod pci"],
        Some(b"v"),
        exit::USAGE,
    );
    assert!(stderr(&out).contains("spaces"), "{}", stderr(&out));
    // Nothing was stored, and a plain tag is kept as given.
    w.expect_code(&["get", "p/K"], None, exit::NOT_FOUND);
    w.set("p/K", b"v", &["--tag", " prod ", "--tag", "PCI-dss"]);
    assert_eq!(w.doc("p/K")["tags"], serde_json::json!(["prod", "PCI-dss"]));
}

#[test]
fn counts_are_singular_when_one() {
    let w = Ward::new();
    let out = w.ok(&["init"], None);
    let text = stdout(&out);
    assert!(text.contains("Encrypted to 1 recipient."), "{text}");
    // A new store's audit chain holds one record: its creation.
    let out = w.ok(&["audit", "verify"], None);
    let text = stdout(&out);
    assert!(text.contains("(1 record, signed by "), "{text}");
}
