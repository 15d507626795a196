//! A day at the terminal (issue 12): the verbs pass and gopass users type,
//! clap's errors in ward's words, `find`, rotation with a new expiry, a
//! false alarm cleared, prompts in the right order, `ward passwd`, and the
//! generator. Runs the real binary; prompts are driven on a pseudo-terminal.

mod common;

use common::{pty, stderr, stdout, Ward};
use std::time::Duration;
use ward::error::exit;

const T: Duration = Duration::from_secs(60);

/// A store with three secrets and some metadata to find them by.
fn stocked() -> Ward {
    let w = Ward::init();
    w.set(
        "acme/api/STRIPE_KEY",
        b"sk_live_9fQ2xLr8TmZw4Kp7",
        &["--tag", "payments", "--owner", "ann", "--kind", "api-key"],
    );
    w.set(
        "acme/db/PASSWORD",
        b"Vq8-rT2_mLx9Zk4w",
        &["--owner", "bob", "--url", "https://db.internal.example"],
    );
    w.set("other/TOKEN", b"tok_7Gh2Kq9LmP4xW8zR", &[]);
    w
}

#[test]
fn show_insert_and_generate_are_get_and_set() {
    let w = Ward::init();
    let out = w.ok(&["insert", "p/K"], Some(b"Zr8-Lq2_vTm9Wx4k"));
    assert!(stderr(&out).contains("Created p/K"), "{}", stderr(&out));
    assert_eq!(stdout(&w.ok(&["show", "p/K"], None)), "Zr8-Lq2_vTm9Wx4k");

    let out = w.ok(&["generate", "p/G", "24", "--charset", "alnum"], None);
    assert!(stderr(&out).contains("Created p/G"), "{}", stderr(&out));
    let value = w.get("p/G");
    assert_eq!(value.len(), 24);
    assert!(value.iter().all(u8::is_ascii_alphanumeric));
    // Again on the same name: a new value, said as a rotation.
    let out = w.ok(&["generate", "p/G"], None);
    assert!(
        stderr(&out).contains("Rotated p/G to version 2"),
        "{}",
        stderr(&out)
    );
    assert_ne!(w.get("p/G"), value);
    assert_eq!(
        w.get("p/G").len(),
        24,
        "the secret's own generator settings"
    );

    let help = stdout(&w.ok(&["--help"], None));
    for alias in ["show", "insert", "search"] {
        assert!(help.contains(alias), "{alias} missing from help: {help}");
    }
    assert!(!help.contains("__"), "a hidden command in the help: {help}");
}

#[test]
fn every_usage_error_starts_with_ward_error_and_gives_no_dash_dash_tip() {
    let w = stocked();
    let cases: &[&[&str]] = &[
        &["gte", "acme/api/STRIPE_KEY"],
        &["get"],
        &["get", "acme/api/STRIPE_KEY", "-x"],
        &["rotate", "acme/db/PASSWORD", "--expire", "+90d"],
        &["ls", "--bogus"],
        &["edit", "acme/db/PASSWORD", "--no-compromised"],
    ];
    for args in cases {
        let out = w.expect_code(args, None, exit::USAGE);
        let err = stderr(&out);
        assert!(err.starts_with("ward: error: "), "{args:?}: {err}");
        assert!(!err.contains("use '-- "), "{args:?}: {err}");
        assert!(!err.lines().any(|l| l.starts_with("error:")), "{err}");
    }
    let err = stderr(&w.expect_code(&["gte"], None, exit::USAGE));
    assert!(err.contains("did you mean 'get'?"), "{err}");
    let err = stderr(&w.expect_code(&["lss"], None, exit::USAGE));
    assert!(err.contains("'ls'"), "{err}");
    let err = stderr(&w.expect_code(&["serach", "x"], None, exit::USAGE));
    assert!(err.contains("'search'"), "{err}");
    // Nothing close: no suggestion, and never a hidden command.
    let err = stderr(&w.expect_code(&["__clipboard-keepr"], None, exit::USAGE));
    assert!(!err.contains("tip"), "{err}");
    // Help and the version still go to stdout with exit 0.
    assert!(stdout(&w.ok(&["get", "--help"], None)).contains("--copy"));
    assert!(stdout(&w.ok(&["--version"], None)).starts_with("ward "));
}

#[test]
fn find_ranks_by_name_tags_owners_kinds_and_urls() {
    let w = stocked();
    let found = |args: &[&str]| -> Vec<String> {
        stdout(&w.ok(args, None))
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(found(&["find", "stripe"])[0], "acme/api/STRIPE_KEY");
    assert_eq!(found(&["find", "payments"]), ["acme/api/STRIPE_KEY"]);
    assert_eq!(found(&["search", "bob"]), ["acme/db/PASSWORD"]);
    assert_eq!(found(&["find", "db.internal"]), ["acme/db/PASSWORD"]);
    assert_eq!(found(&["find", "api-key"]), ["acme/api/STRIPE_KEY"]);
    // A literal piece of a name ranks above a scattered match.
    let acme = found(&["find", "acme"]);
    assert_eq!(acme.len(), 2, "{acme:?}");
    // No match: exit 3 with ward's error line.
    let out = w.expect_code(&["find", "zzzz"], None, exit::NOT_FOUND);
    assert!(stderr(&out).starts_with("ward: error: no secret matches"));

    // Without an identity: names only, said once, nothing asked.
    std::fs::remove_file(w.identity()).unwrap();
    let out = w.ok(&["find", "stripe"], None);
    assert_eq!(stdout(&out).trim(), "acme/api/STRIPE_KEY");
    let err = stderr(&out);
    assert_eq!(err.matches("matching names only").count(), 1, "{err}");
    w.expect_code(&["find", "payments"], None, exit::NOT_FOUND);
}

#[test]
fn get_c_and_show_c_copy_as_ward_copy_does() {
    use base64::Engine;
    let w = stocked();
    common::write_private(
        &w.config_home.join("ward/config.toml"),
        b"clipboard_backend = \"osc52\"\nclipboard_timeout = 1\n",
    );
    for verb in ["get", "show"] {
        let out = pty::run(w.cmd(&[verb, "-c", "acme/db/PASSWORD"]), None, &[], T);
        assert!(out.status.success(), "{verb}: {}", out.transcript);
        assert!(out.stdout.is_empty(), "{verb} printed the value");
        let b64 = base64::engine::general_purpose::STANDARD.encode("Vq8-rT2_mLx9Zk4w");
        assert!(
            out.transcript.contains(&format!("]52;c;{b64}")),
            "{verb}: {:?}",
            out.transcript
        );
        assert!(
            out.transcript
                .contains("acme/db/PASSWORD to the terminal's clipboard"),
            "{}",
            out.transcript
        );
    }
    w.expect_code(
        &["get", "-c", "--json", "acme/db/PASSWORD"],
        None,
        exit::USAGE,
    );
}

#[test]
fn ls_of_a_partial_name_suggests_the_fuzzy_matches() {
    let w = stocked();
    let out = w.expect_code(&["ls", "stripe"], None, exit::NOT_FOUND);
    let err = stderr(&out);
    assert!(
        err.starts_with("ward: error: no secrets under stripe"),
        "{err}"
    );
    assert!(err.contains("did you mean acme/api/STRIPE_KEY?"), "{err}");
    // A folder slip still suggests the folder.
    let err = stderr(&w.expect_code(&["ls", "acm"], None, exit::NOT_FOUND));
    assert!(err.contains("acme"), "{err}");
}

#[test]
fn rotate_sets_or_clears_the_expiry_and_interval_in_the_same_write() {
    let w = stocked();
    let name = "acme/db/PASSWORD";
    let out = w.ok(
        &[
            "rotate",
            name,
            "--generate",
            "--expires",
            "2031-01-31",
            "--rotate-every",
            "90d",
            "--reason",
            "yearly",
        ],
        None,
    );
    assert!(stderr(&out).contains("Rotated acme/db/PASSWORD to version 2"));
    let doc = w.doc(name);
    assert_eq!(doc["expires"], "2031-01-31");
    assert_eq!(doc["rotate_every"], "90d");
    assert_eq!(doc["version"], 2);

    w.ok(&["rotate", name, "-g", "--no-expires"], None);
    let doc = w.doc(name);
    assert!(doc["expires"].is_null(), "{doc}");
    assert_eq!(doc["version"], 3);

    // A bad date is refused before anything is read or written.
    let out = w.expect_code(
        &["rotate", name, "-g", "--expires", "soon"],
        None,
        exit::USAGE,
    );
    assert!(stderr(&out).contains("--expires"), "{}", stderr(&out));
    assert_eq!(w.doc(name)["version"], 3);
    w.expect_code(
        &["rotate", name, "-g", "--expires", "+9d", "--no-expires"],
        None,
        exit::USAGE,
    );
}

#[test]
fn a_false_alarm_is_cleared_with_a_reason_and_recorded() {
    let w = stocked();
    let name = "other/TOKEN";
    let out = w.expect_code(
        &["edit", name, "--no-compromised", "--reason", "no leak"],
        None,
        exit::USAGE,
    );
    assert!(stderr(&out).contains("is not marked compromised"));
    w.ok(&["edit", name, "--compromised", "pasted in chat"], None);
    assert!(!w.doc(name)["compromised"].is_null());
    let out = w.ok(
        &[
            "edit",
            name,
            "--no-compromised",
            "--reason",
            "the chat was private",
        ],
        None,
    );
    assert!(stderr(&out).contains("Cleared the compromised mark of other/TOKEN"));
    assert!(w.doc(name)["compromised"].is_null());
    let log: serde_json::Value =
        serde_json::from_str(&stdout(&w.ok(&["audit", "--json", name], None))).unwrap();
    let edits: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "edit")
        .collect();
    assert_eq!(edits.len(), 1, "{log}");
    assert_eq!(
        edits[0]["reason"], "compromised mark cleared: the chat was private",
        "{log}"
    );
    // --reason without --no-compromised is a usage error.
    w.expect_code(&["edit", name, "--reason", "x"], None, exit::USAGE);
}

#[test]
fn set_on_an_existing_name_asks_at_a_terminal_and_says_rotated_in_a_script() {
    let w = stocked();
    let name = "acme/db/PASSWORD";
    // A script: replaced as before, and said so.
    let out = w.ok(&["set", name], Some(b"Nw7-Kp3_zQx8Lm2v"));
    assert!(
        stderr(&out).contains("Rotated acme/db/PASSWORD to version 2"),
        "{}",
        stderr(&out)
    );
    // The same value again changes nothing but says so.
    let out = w.ok(&["set", name], Some(b"Nw7-Kp3_zQx8Lm2v"));
    assert!(stderr(&out).contains("Updated acme/db/PASSWORD"));

    // At a terminal: declining changes nothing and asks for no value.
    let out = pty::run_all(w.cmd(&["set", name]), &[("replace its value", "n")], T);
    assert_eq!(out.status.code(), Some(exit::FAILURE), "{}", out.transcript);
    assert!(
        out.transcript.contains("Nothing was changed"),
        "{}",
        out.transcript
    );
    assert!(!out.transcript.contains("Value for"), "{}", out.transcript);
    assert_eq!(w.get(name), b"Nw7-Kp3_zQx8Lm2v");
    // Accepting goes on to the value.
    let new = "Hq4-Tz9_wLm2Xk7p";
    let out = pty::run_all(
        w.cmd(&["set", name]),
        &[
            ("replace its value", "y"),
            ("Value for", new),
            ("Same value again", new),
        ],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert!(out
        .transcript
        .contains("Rotated acme/db/PASSWORD to version 3"));
    assert_eq!(w.get(name), new.as_bytes());
}

#[test]
fn a_weak_value_is_stored_with_a_warning_that_never_shows_it() {
    let w = Ward::init();
    let out = w.ok(&["set", "p/WEAK"], Some(b"summer2024"));
    let err = stderr(&out);
    assert!(
        err.contains("ward: warning: the value of p/WEAK is"),
        "{err}"
    );
    assert!(!err.contains("summer2024"), "{err}");
    assert_eq!(w.get("p/WEAK"), b"summer2024");
    let out = w.ok(&["set", "p/STRONG"], Some(b"Hq4-Tz9_wLm2Xk7p-Rr5"));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    // A generated value is not estimated: it is as strong as its length.
    let out = w.ok(&["set", "p/GEN", "--generate", "40"], None);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

/// `ward init --passphrase` through the pty, with `pass`.
fn init_with_passphrase(w: &Ward, pass: &str) -> pty::PtyOutput {
    let out = pty::run(
        w.cmd(&["init", "--passphrase"]),
        None,
        &[("New passphrase", pass), ("Same passphrase again", pass)],
        T,
    );
    assert!(out.status.success(), "{}", out.transcript);
    out
}

#[test]
fn init_asks_twice_and_warns_about_a_short_passphrase() {
    let w = Ward::new();
    let out = init_with_passphrase(&w, "abc123");
    assert_eq!(out.transcript.matches("New passphrase").count(), 1);
    assert_eq!(out.transcript.matches("Same passphrase again").count(), 1);
    assert!(
        !out.transcript.contains("Passphrase for identity"),
        "{}",
        out.transcript
    );
    assert!(
        out.transcript.contains("warning: this passphrase is short"),
        "{}",
        out.transcript
    );
    let long = Ward::new();
    let out = init_with_passphrase(&long, "correct horse battery staple 9");
    assert!(!out.transcript.contains("warning"), "{}", out.transcript);
}

#[test]
fn a_missing_name_is_reported_before_any_passphrase_prompt() {
    let w = Ward::new();
    init_with_passphrase(&w, "correct horse battery staple 9");
    for args in [
        &["get", "nope/KEY"][..],
        &["show", "-c", "nope/KEY"],
        &["rotate", "nope/KEY", "-g"],
        &["history", "nope/KEY"],
        &["edit", "nope/KEY", "--owner", "x"],
        &["copy", "nope/KEY"],
        &["rm", "nope/KEY"],
    ] {
        let out = pty::run(w.cmd(args), None, &[], T);
        assert_eq!(
            out.status.code(),
            Some(exit::NOT_FOUND),
            "{args:?}: {}",
            out.transcript
        );
        assert!(
            !out.transcript.contains("Passphrase"),
            "{args:?}: {}",
            out.transcript
        );
        assert!(
            out.transcript.contains("no secret named nope/KEY"),
            "{}",
            out.transcript
        );
    }
}

#[test]
fn passwd_changes_the_passphrase_atomically_and_keeps_the_key() {
    let w = Ward::new();
    let (old, new) = (
        "correct horse battery staple 9",
        "tulip-anvil-orbit-quarry-7",
    );
    init_with_passphrase(&w, old);
    let before = std::fs::read(w.identity()).unwrap();

    let passwd = |dialogue: &[(&str, &str)]| pty::run(w.cmd(&["passwd"]), None, dialogue, T);
    // Three wrong tries: exit 7, the file untouched.
    let out = passwd(&[
        ("Passphrase for identity", "wrong one"),
        ("try again", "wrong two"),
        ("try again", "wrong three"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(exit::IDENTITY),
        "{}",
        out.transcript
    );
    assert_eq!(std::fs::read(w.identity()).unwrap(), before);

    // Two different new passphrases: nothing changes.
    let out = passwd(&[
        ("Passphrase for identity", old),
        ("New passphrase", new),
        ("Same passphrase again", "something else"),
    ]);
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", out.transcript);
    assert!(
        out.transcript.contains("nothing was changed"),
        "{}",
        out.transcript
    );
    assert_eq!(std::fs::read(w.identity()).unwrap(), before);

    let out = passwd(&[
        ("Passphrase for identity", old),
        ("New passphrase", new),
        ("Same passphrase again", new),
    ]);
    assert!(out.status.success(), "{}", out.transcript);
    assert!(
        out.transcript.contains("Changed the passphrase of"),
        "{}",
        out.transcript
    );
    assert!(!out.transcript.contains(new), "echoed: {}", out.transcript);
    assert_eq!(common::mode(&w.identity()), 0o600);
    let after = std::fs::read_to_string(w.identity()).unwrap();
    assert!(after.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!after.contains("AGE-SECRET-KEY"));
    assert_ne!(after.as_bytes(), &before[..]);
    // No temp file left beside it.
    let dir: Vec<_> = std::fs::read_dir(w.identity().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(dir.iter().all(|f| !f.contains("tmp")), "{dir:?}");

    // The new passphrase opens the same key; the old one no longer does.
    let out = pty::run(
        w.cmd(&["set", "p/K"]),
        Some(b"Hq4-Tz9_wLm2Xk7p"),
        &[("Passphrase for identity", new)],
        T,
    );
    // (Written to the store's recipients: the same key, or the lock-out
    // guard would have refused.)
    assert!(out.status.success(), "{}", out.transcript);
    let out = pty::run(
        w.cmd(&["get", "p/K"]),
        None,
        &[
            ("Passphrase for identity", old),
            ("try again", old),
            ("try again", old),
        ],
        T,
    );
    assert_eq!(
        out.status.code(),
        Some(exit::IDENTITY),
        "{}",
        out.transcript
    );
}

#[test]
fn passwd_without_an_identity_or_a_terminal_says_so() {
    let w = Ward::new();
    let out = w.expect_code(&["passwd"], None, exit::IDENTITY);
    assert!(
        stderr(&out).starts_with("ward: error: no identity at"),
        "{}",
        stderr(&out)
    );
    let w = Ward::init();
    let out = w.expect_code(&["passwd"], None, exit::USAGE);
    assert!(stderr(&out).contains("there is none"), "{}", stderr(&out));
}

/// The words of the shipped EFF list.
fn eff_words() -> Vec<String> {
    let list = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/eff_large_wordlist.txt"
    ))
    .unwrap();
    list.lines()
        .map(|l| l.split('\t').nth(1).unwrap().to_string())
        .collect()
}

#[test]
fn gen_makes_passphrases_and_refuses_a_bare_number() {
    let w = Ward::new();
    let out = w.expect_code(&["gen", "4"], None, exit::USAGE);
    let err = stderr(&out);
    assert!(err.starts_with("ward: error: "), "{err}");
    assert!(
        err.contains("did you mean --words 4") && err.contains("--length 4"),
        "{err}"
    );

    let words = eff_words();
    assert_eq!(words.len(), 7776);
    let out = w.ok(&["gen", "--words", "6", "--separator", " "], None);
    let phrase = stdout(&out);
    let parts: Vec<&str> = phrase.trim_end().split(' ').collect();
    assert_eq!(parts.len(), 6, "{phrase}");
    assert!(
        parts.iter().all(|p| words.iter().any(|w| w == p)),
        "{phrase}"
    );
    assert!(
        stderr(&out).contains("78 bits of entropy (6 words"),
        "{}",
        stderr(&out)
    );
    // The passphrase kind: six words joined by '-'.
    let phrase = stdout(&w.ok(&["gen", "--kind", "passphrase"], None));
    assert!(phrase.trim_end().split('-').count() >= 6, "{phrase}");

    // Below 64 bits: printed, with a warning.
    let out = w.ok(&["gen", "--length", "8", "--charset", "digits"], None);
    assert_eq!(stdout(&out).trim_end().len(), 8);
    assert!(
        stderr(&out).contains("ward: warning: 27 bits is below 64"),
        "{}",
        stderr(&out)
    );
    let out = w.ok(&["gen", "--words", "3"], None);
    assert!(stderr(&out).contains("below 64"), "{}", stderr(&out));

    let out = w.ok(&["gen", "--length", "400", "--no-lookalike"], None);
    let value = stdout(&out);
    assert!(
        !value.trim_end().chars().any(|c| "0Oo1lI|".contains(c)),
        "{value}"
    );
    // A password's defaults leave the look-alikes out too.
    let value = stdout(&w.ok(&["gen", "--kind", "password", "--length", "400"], None));
    assert!(
        !value.trim_end().chars().any(|c| "0Oo1lI|".contains(c)),
        "{value}"
    );
    let token = stdout(&w.ok(&["gen", "--kind", "token"], None));
    assert_eq!(token.trim_end().len(), 43);

    w.expect_code(&["gen", "--words", "0"], None, exit::USAGE);
    w.expect_code(&["gen", "--words", "4", "--length", "9"], None, exit::USAGE);
    w.expect_code(
        &["gen", "--words", "4", "--no-lookalike"],
        None,
        exit::USAGE,
    );
    w.expect_code(&["gen", "--separator", "-"], None, exit::USAGE);
    let err = stderr(&w.expect_code(&["gen", "--kind", "pin"], None, exit::USAGE));
    assert!(err.contains("passphrase"), "{err}");
}
