//! Every CLI command, run as the real binary on temporary stores.

mod common;

use common::{mode, stderr, stdout, Ward};
use std::time::Duration;
use ward::error::exit;

#[test]
fn init_creates_identity_and_store_privately() {
    let w = Ward::new();
    let out = w.ok(&["init"], None);
    assert!(stdout(&out).contains("Created identity"));
    assert!(w.identity().is_file());
    assert_eq!(mode(&w.identity()), 0o600);
    assert_eq!(mode(&w.config_home.join("ward")), 0o700);
    let store = w.store();
    assert_eq!(mode(&store.join(".ward")), 0o700);
    assert_eq!(mode(&store.join(".ward/recipients")), 0o600);
    let toml = std::fs::read_to_string(store.join(".ward/store.toml")).unwrap();
    assert!(toml.contains("format = 1"), "{toml}");
    assert!(toml.contains("id = "), "{toml}");
    let recipients = std::fs::read_to_string(store.join(".ward/recipients")).unwrap();
    assert!(recipients.contains(&w.public_key()), "{recipients}");
}

#[test]
fn init_refuses_to_overwrite_a_store() {
    let w = Ward::init();
    let before = std::fs::read(w.store().join(".ward/store.toml")).unwrap();
    let out = w.expect_code(&["init"], None, exit::EXISTS);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.store().join(".ward/store.toml")).unwrap(),
        before
    );
}

#[test]
fn init_keeps_an_existing_identity() {
    let w = Ward::new();
    std::fs::create_dir_all(w.config_home.join("ward")).unwrap();
    let public = common::make_identity(&w.identity());
    let before = std::fs::read(w.identity()).unwrap();
    let out = w.ok(&["init"], None);
    assert!(stdout(&out).contains("Using existing identity"));
    assert_eq!(std::fs::read(w.identity()).unwrap(), before);
    let recipients = std::fs::read_to_string(w.store().join(".ward/recipients")).unwrap();
    assert!(recipients.contains(&public));
}

#[test]
fn init_with_store_flag_and_extra_recipient() {
    let w = Ward::new();
    let other = common::make_identity(&w.root().join("other.txt"));
    let store = w.root().join("elsewhere");
    let s = store.to_str().unwrap();
    w.ok(&["--store", s, "init", "--recipient", &other], None);
    let recipients = std::fs::read_to_string(store.join(".ward/recipients")).unwrap();
    assert!(recipients.contains(&other));
    assert!(recipients.contains(&w.public_key()));
    // Either key opens what is written.
    w.set("p/K", b"v", &["--store", s]);
    let by_other = w.ok(
        &[
            "--store",
            s,
            "-i",
            w.root().join("other.txt").to_str().unwrap(),
            "get",
            "p/K",
        ],
        None,
    );
    assert_eq!(by_other.stdout, b"v");
    // WARD_STORE works too.
    let mut c = w.cmd(&["get", "p/K"]);
    c.env("WARD_STORE", &store);
    assert_eq!(common::run_detached(c, None).stdout, b"v");
    // A bad --recipient is a usage error and creates nothing.
    let fresh = w.root().join("fresh");
    w.expect_code(
        &[
            "--store",
            fresh.to_str().unwrap(),
            "init",
            "-r",
            "not-a-key",
        ],
        None,
        exit::USAGE,
    );
    assert!(!fresh.join(".ward").exists());
}

#[test]
fn commands_without_a_store_say_so() {
    let w = Ward::new();
    let out = w.expect_code(&["ls"], None, exit::NOT_FOUND);
    let err = stderr(&out);
    assert!(
        err.contains("no store at") && err.contains("ward init"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn ls_plain_long_json_and_prefix() {
    let w = Ward::init();
    w.set(
        "acme/api/prod/STRIPE_KEY",
        b"sk_1",
        &["--kind", "api-key", "--owner", "ann"],
    );
    w.set(
        "acme/api/GITHUB_TOKEN",
        b"ghp_1",
        &["--expires", "2000-01-01"],
    );
    w.set("zeta/DB_URL", b"postgres://x", &[]);
    w.set("acme-two/KEY", b"k", &[]);

    let plain = stdout(&w.ok(&["ls"], None));
    assert_eq!(
        plain.lines().collect::<Vec<_>>(),
        [
            "acme-two/KEY",
            "acme/api/GITHUB_TOKEN",
            "acme/api/prod/STRIPE_KEY",
            "zeta/DB_URL"
        ]
    );

    // A prefix is a folder, not a string prefix: acme does not match acme-two.
    let acme = stdout(&w.ok(&["ls", "acme"], None));
    assert_eq!(
        acme.lines().collect::<Vec<_>>(),
        ["acme/api/GITHUB_TOKEN", "acme/api/prod/STRIPE_KEY"]
    );
    let one = stdout(&w.ok(&["ls", "acme/api/prod/"], None));
    assert_eq!(one.trim(), "acme/api/prod/STRIPE_KEY");
    let single = stdout(&w.ok(&["ls", "zeta/DB_URL"], None));
    assert_eq!(single.trim(), "zeta/DB_URL");
    // Nothing under a named prefix is "not found" (tests/cli_polish.rs).
    assert!(stdout(&w.expect_code(&["ls", "nothing"], None, exit::NOT_FOUND)).is_empty());

    let long = stdout(&w.ok(&["ls", "--long"], None));
    let header = long.lines().next().unwrap();
    for col in ["NAME", "KIND", "OWNER", "ROTATED", "EXPIRES", "STATUS"] {
        assert!(header.contains(col), "{header}");
    }
    let stripe = long.lines().find(|l| l.contains("STRIPE_KEY")).unwrap();
    assert!(
        stripe.contains("api-key") && stripe.contains("ann"),
        "{stripe}"
    );
    let github = long.lines().find(|l| l.contains("GITHUB_TOKEN")).unwrap();
    assert!(
        github.contains("2000-01-01") && github.contains("expired"),
        "{github}"
    );
    assert!(!long.contains("sk_1"));

    let json: serde_json::Value =
        serde_json::from_slice(&w.ok(&["ls", "--json"], None).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert_eq!(json[0]["name"], "acme-two/KEY");

    let json: serde_json::Value =
        serde_json::from_slice(&w.ok(&["ls", "--long", "--json", "acme"], None).stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 2);
    let stripe = items
        .iter()
        .find(|i| i["name"] == "acme/api/prod/STRIPE_KEY")
        .unwrap();
    assert_eq!(stripe["kind"], "api-key");
    assert_eq!(stripe["owner"], "ann");
    assert_eq!(stripe["version"], 1);
    let github = items
        .iter()
        .find(|i| i["name"] == "acme/api/GITHUB_TOKEN")
        .unwrap();
    assert_eq!(github["status"], "expired");
    assert!(!serde_json::to_string(&json).unwrap().contains("ghp_1"));
}

#[test]
fn ls_does_not_decrypt_without_long() {
    // Listing names works without any identity at all.
    let w = Ward::init();
    w.set("a/B", b"x", &[]);
    std::fs::remove_file(w.identity()).unwrap();
    assert_eq!(stdout(&w.ok(&["ls"], None)).trim(), "a/B");
    w.expect_code(&["ls", "--long"], None, exit::IDENTITY);
}

#[test]
fn get_prints_value_byte_exact_to_a_pipe() {
    let w = Ward::init();
    // set strips exactly one trailing newline…
    w.set("p/ECHOED", b"value\n", &[]);
    assert_eq!(w.get("p/ECHOED"), b"value");
    w.set("p/CRLF", b"value\r\n", &[]);
    assert_eq!(w.get("p/CRLF"), b"value");
    // …and only one.
    w.set("p/TWO", b"value\n\n", &[]);
    assert_eq!(w.get("p/TWO"), b"value\n");
    // Multi-line values and arbitrary UTF-8 survive.
    let pem = "-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----";
    w.set("p/PEM", pem.as_bytes(), &[]);
    assert_eq!(w.get("p/PEM"), pem.as_bytes());
    let utf = "pässwörd 🔑 \u{200b} ключ";
    w.set("p/UTF", utf.as_bytes(), &[]);
    assert_eq!(w.get("p/UTF"), utf.as_bytes());
    // Leading and inner whitespace is kept.
    w.set("p/SPACE", b"  a b\t", &[]);
    assert_eq!(w.get("p/SPACE"), b"  a b\t");
}

#[test]
fn get_adds_a_newline_only_on_a_terminal() {
    let w = Ward::init();
    w.set("p/K", b"on-a-tty", &[]);
    // stdout on the terminal: the value arrives with a newline (the terminal
    // turns it into CR LF).
    let out = common::pty::run_all(w.cmd(&["get", "p/K"]), &[], Duration::from_secs(20));
    assert!(out.status.success(), "{}", out.transcript);
    assert!(
        out.transcript.contains("on-a-tty\r\n"),
        "{:?}",
        out.transcript
    );
    // The same process shape with stdout a pipe: byte-exact.
    let out = common::pty::run(w.cmd(&["get", "p/K"]), None, &[], Duration::from_secs(20));
    assert_eq!(out.stdout, b"on-a-tty");
}

#[test]
fn get_field_and_json() {
    let w = Ward::init();
    w.set(
        "acme/KEY",
        b"the-value",
        &[
            "--kind",
            "token",
            "--owner",
            "ann",
            "--tag",
            "prod",
            "--tag",
            "billing",
            "--url",
            "https://example.com/keys",
            "--note",
            "rotate with care",
            "--expires",
            "2031-02-03",
            "--rotate-every",
            "90d",
        ],
    );
    let field = |f: &str| stdout(&w.ok(&["get", "acme/KEY", "--field", f], None));
    assert_eq!(field("kind"), "token\n");
    assert_eq!(field("owner"), "ann\n");
    assert_eq!(field("tags"), "prod,billing\n");
    assert_eq!(field("url"), "https://example.com/keys\n");
    assert_eq!(field("notes"), "rotate with care\n");
    assert_eq!(field("expires"), "2031-02-03\n");
    assert_eq!(field("rotate-every"), "90d\n");
    assert_eq!(field("version"), "1\n");
    assert_eq!(
        field("created_by"),
        "tester@".to_string() + &field("created_by")[7..]
    );
    // --field never prints the value.
    let out = w.expect_code(&["get", "acme/KEY", "--field", "value"], None, exit::USAGE);
    assert!(!stdout(&out).contains("the-value"));
    assert!(!stderr(&out).contains("the-value"));

    // Update so that there is history; --json leaves it out.
    w.set("acme/KEY", b"second-value", &["--reason", "leak"]);
    let doc = w.doc("acme/KEY");
    assert_eq!(doc["value"], "second-value");
    assert_eq!(doc["ward"], 1);
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["kind"], "token");
    assert_eq!(doc["tags"], serde_json::json!(["prod", "billing"]));
    assert!(doc.get("history").is_none(), "{doc}");
    assert!(!doc.to_string().contains("the-value"));
}

#[test]
fn set_generate_charset_prefix_and_metadata() {
    let w = Ward::init();
    w.ok(&["set", "p/GEN", "--generate"], None);
    let v = String::from_utf8(w.get("p/GEN")).unwrap();
    assert_eq!(v.chars().count(), 32);

    w.ok(
        &["set", "p/HEX", "--generate", "40", "--charset", "hex"],
        None,
    );
    let v = String::from_utf8(w.get("p/HEX")).unwrap();
    assert_eq!(v.len(), 40);
    assert!(v
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));

    w.ok(
        &[
            "set",
            "p/PRE",
            "-g",
            "24",
            "--charset",
            "alnum",
            "--prefix",
            "sk_live_",
        ],
        None,
    );
    let v = String::from_utf8(w.get("p/PRE")).unwrap();
    let body = v.strip_prefix("sk_live_").expect("prefix kept");
    assert_eq!(body.len(), 24);
    assert!(body.chars().all(|c| c.is_ascii_alphanumeric()));
    let doc = w.doc("p/PRE");
    assert_eq!(
        doc["generator"],
        serde_json::json!({"length": 24, "charset": "alnum", "prefix": "sk_live_"})
    );

    // --charset without --generate is a usage error.
    w.expect_code(&["set", "p/X", "--charset", "hex"], Some(b"v"), exit::USAGE);
    w.expect_code(&["set", "p/X", "-g", "0"], None, exit::USAGE);
    // A bad metadata flag is refused before anything is written.
    w.expect_code(&["set", "p/X", "--kind", "nope"], Some(b"v"), exit::USAGE);
    w.expect_code(
        &["set", "p/X", "--expires", "soon"],
        Some(b"v"),
        exit::USAGE,
    );
    w.expect_code(
        &["set", "p/X", "--rotate-every", "often"],
        Some(b"v"),
        exit::USAGE,
    );
    w.expect_code(&["set", "p/X", "--tag", "a,b"], Some(b"v"), exit::USAGE);
    assert!(!w.file("p/X").exists());
    // Empty stdin is refused.
    w.expect_code(&["set", "p/X"], Some(b""), exit::USAGE);
    w.expect_code(&["set", "p/X"], Some(b"\n"), exit::USAGE);
    assert!(!w.file("p/X").exists());

    // Relative expiry.
    w.set("p/REL", b"v", &["--expires", "+90d"]);
    let expires = stdout(&w.ok(&["get", "p/REL", "--field", "expires"], None));
    let want = (chrono::Local::now().date_naive() + chrono::Days::new(90)).to_string();
    assert_eq!(expires.trim(), want);
    assert_eq!(mode(&w.file("p/REL")), 0o600);
    assert_eq!(mode(&w.store().join("p")), 0o700);
}

#[test]
fn set_update_keeps_history_and_metadata() {
    let w = Ward::init();
    w.set("p/K", b"one", &["--owner", "ann", "--tag", "a"]);
    w.set("p/K", b"two", &["--reason", "scheduled"]);
    w.set("p/K", b"three", &["--tag", "b"]);
    // Same value again: metadata only, no new version.
    w.set("p/K", b"three", &["--owner", "bob"]);
    let doc = w.doc("p/K");
    assert_eq!(doc["version"], 3);
    assert_eq!(doc["owner"], "bob");
    assert_eq!(doc["tags"], serde_json::json!(["a", "b"]));
    let hist: serde_json::Value =
        serde_json::from_slice(&w.ok(&["history", "p/K", "--json", "--reveal"], None).stdout)
            .unwrap();
    let versions: Vec<_> = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [(3, "three".into()), (2, "two".into()), (1, "one".into())]
    );
    // The reason goes with the value it retired.
    assert_eq!(hist[2]["reason"], "scheduled");
    assert!(hist[1]["reason"].is_null());
    assert_eq!(
        hist[1]["replaced_by"].as_str().unwrap().split('@').next(),
        Some("tester")
    );
}

#[test]
fn history_is_bounded_by_config() {
    let w = Ward::init();
    let cfg = w.config_home.join("ward/config.toml");
    std::fs::write(&cfg, "history_limit = 3\n").unwrap();
    for i in 0..6 {
        w.set("p/K", format!("v{i}").as_bytes(), &[]);
    }
    let hist: serde_json::Value =
        serde_json::from_slice(&w.ok(&["history", "p/K", "--json", "--reveal"], None).stdout)
            .unwrap();
    let values: Vec<_> = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(values, ["v5", "v4", "v3", "v2"]);
    // A broken config file is reported, naming the file.
    std::fs::write(&cfg, "history_limit = \"lots\"\n").unwrap();
    let out = w.expect_code(&["ls"], None, exit::CORRUPT);
    assert!(stderr(&out).contains("config.toml"), "{}", stderr(&out));
}

#[test]
fn edit_changes_metadata_only() {
    let w = Ward::init();
    w.set(
        "p/K",
        b"keep-me",
        &[
            "--tag",
            "a",
            "--tag",
            "b",
            "--expires",
            "2030-01-01",
            "--rotate-every",
            "30d",
        ],
    );
    w.ok(
        &[
            "edit", "p/K", "--untag", "a", "--tag", "c", "--owner", "ops", "--kind", "password",
        ],
        None,
    );
    let doc = w.doc("p/K");
    assert_eq!(doc["tags"], serde_json::json!(["b", "c"]));
    assert_eq!(doc["owner"], "ops");
    assert_eq!(doc["kind"], "password");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["value"], "keep-me");

    w.ok(&["edit", "p/K", "--no-expires", "--no-rotate-every"], None);
    let doc = w.doc("p/K");
    assert!(doc.get("expires").is_none(), "{doc}");
    assert!(doc.get("rotate_every").is_none(), "{doc}");

    w.ok(&["edit", "p/K", "--compromised", "pasted in chat"], None);
    let doc = w.doc("p/K");
    assert_eq!(doc["compromised"]["reason"], "pasted in chat");
    let long: serde_json::Value =
        serde_json::from_slice(&w.ok(&["ls", "--long", "--json"], None).stdout).unwrap();
    assert_eq!(long[0]["status"], "compromised");
    // Rotation clears the flag.
    w.ok(&["rotate", "p/K", "--reason", "leak"], Some(b"fresh"));
    assert!(w.doc("p/K").get("compromised").is_none());

    // Nothing to change, and conflicting flags, are usage errors.
    w.expect_code(&["edit", "p/K"], None, exit::USAGE);
    w.expect_code(
        &["edit", "p/K", "--expires", "2030-01-01", "--no-expires"],
        None,
        exit::USAGE,
    );
    w.expect_code(
        &["edit", "p/MISSING", "--owner", "x"],
        None,
        exit::NOT_FOUND,
    );
}

#[test]
fn rotate_with_reason_and_generator_reuse() {
    let w = Ward::init();
    w.ok(
        &[
            "set",
            "p/K",
            "-g",
            "20",
            "--charset",
            "hex",
            "--prefix",
            "tok_",
        ],
        None,
    );
    let first = w.get("p/K");
    w.ok(
        &["rotate", "p/K", "--generate", "--reason", "quarterly"],
        None,
    );
    let second = String::from_utf8(w.get("p/K")).unwrap();
    assert_ne!(second.as_bytes(), &first[..]);
    let body = second.strip_prefix("tok_").expect("prefix reused");
    assert_eq!(body.len(), 20);
    assert!(body.chars().all(|c| c.is_ascii_hexdigit()));

    // Override the length only: the charset and prefix stay.
    w.ok(&["rotate", "p/K", "-g", "8"], None);
    let third = String::from_utf8(w.get("p/K")).unwrap();
    assert_eq!(third.len(), 4 + 8);
    assert!(third.starts_with("tok_"));

    // From stdin.
    w.ok(&["rotate", "p/K", "--reason", "manual"], Some(b"typed\n"));
    assert_eq!(w.get("p/K"), b"typed");
    // The same value again is refused.
    w.expect_code(&["rotate", "p/K"], Some(b"typed"), exit::USAGE);

    let hist: serde_json::Value =
        serde_json::from_slice(&w.ok(&["history", "p/K", "--json"], None).stdout).unwrap();
    let arr = hist.as_array().unwrap();
    assert_eq!(arr.len(), 4);
    assert_eq!(arr[0]["version"], 4);
    assert_eq!(arr[1]["reason"], "manual");
    assert_eq!(arr[3]["reason"], "quarterly");
    // Masked JSON carries no values.
    assert!(arr.iter().all(|v| v["value"].is_null()));
    w.expect_code(&["rotate", "p/NOPE", "-g"], None, exit::NOT_FOUND);
}

#[test]
fn history_masks_unless_reveal() {
    let w = Ward::init();
    w.set("p/K", b"old-secret-value", &[]);
    w.set("p/K", b"new-secret-value", &["--reason", "rotation"]);
    let masked = stdout(&w.ok(&["history", "p/K"], None));
    assert!(
        masked.contains("VERSION") && masked.contains("rotation"),
        "{masked}"
    );
    assert!(masked.contains("••••"), "{masked}");
    assert!(!masked.contains("secret-value"), "{masked}");
    let shown = stdout(&w.ok(&["history", "p/K", "--reveal"], None));
    assert!(shown.contains("old-secret-value"));
    assert!(shown.contains("new-secret-value"));
}

#[test]
fn mv_moves_and_refuses_to_overwrite() {
    let w = Ward::init();
    w.set("a/b/K", b"v1", &["--owner", "ann"]);
    w.set("c/OTHER", b"v2", &[]);
    w.ok(&["mv", "a/b/K", "x/y/z/K2"], None);
    assert_eq!(w.get("x/y/z/K2"), b"v1");
    assert_eq!(w.doc("x/y/z/K2")["owner"], "ann");
    assert!(!w.file("a/b/K").exists());
    // Emptied folders are pruned.
    assert!(!w.store().join("a").exists());
    w.expect_code(&["mv", "x/y/z/K2", "c/OTHER"], None, exit::EXISTS);
    assert_eq!(w.get("c/OTHER"), b"v2");
    w.expect_code(&["mv", "nope/K", "d/K"], None, exit::NOT_FOUND);
    w.expect_code(&["mv", "c/OTHER", "../escape"], None, exit::USAGE);
}

#[test]
fn rm_with_force_and_without_a_terminal() {
    let w = Ward::init();
    w.set("a/b/K", b"v", &[]);
    w.set("a/KEEP", b"v", &[]);
    w.ok(&["rm", "--force", "a/b/K"], None);
    assert!(!w.file("a/b/K").exists());
    assert!(!w.store().join("a/b").exists());
    assert!(w.file("a/KEEP").exists());
    w.expect_code(&["rm", "-f", "a/b/K"], None, exit::NOT_FOUND);
    // With no terminal there is nobody to ask: it proceeds, as scripts expect.
    w.ok(&["rm", "a/KEEP"], None);
    assert!(!w.file("a/KEEP").exists());
}

#[test]
fn rm_asks_on_a_terminal() {
    let w = Ward::init();
    w.set("a/K", b"v", &[]);
    let t = Duration::from_secs(20);
    let out = common::pty::run_all(w.cmd(&["rm", "a/K"]), &[("[y/N]", "n")], t);
    assert!(out.transcript.contains("Delete a/K?"), "{}", out.transcript);
    assert!(
        out.transcript.contains("Nothing deleted"),
        "{}",
        out.transcript
    );
    assert!(!out.status.success());
    assert!(w.file("a/K").exists());
    let out = common::pty::run_all(w.cmd(&["rm", "a/K"]), &[("[y/N]", "y")], t);
    assert!(out.status.success(), "{}", out.transcript);
    assert!(!w.file("a/K").exists());
    // --force does not ask, even on a terminal.
    w.set("a/K", b"v", &[]);
    let out = common::pty::run_all(w.cmd(&["rm", "--force", "a/K"]), &[], t);
    assert!(out.status.success(), "{}", out.transcript);
    assert!(!w.file("a/K").exists());
}

#[test]
fn gen_prints_values() {
    let w = Ward::new();
    let out = w.ok(&["gen"], None);
    let v = stdout(&out);
    assert_eq!(v.trim_end().chars().count(), 32);
    let v = stdout(&w.ok(
        &[
            "gen",
            "--length",
            "12",
            "--charset",
            "digits",
            "--prefix",
            "pin-",
        ],
        None,
    ));
    let body = v.trim_end().strip_prefix("pin-").unwrap();
    assert_eq!(body.len(), 12);
    assert!(body.chars().all(|c| c.is_ascii_digit()));
    assert_ne!(stdout(&w.ok(&["gen"], None)), stdout(&w.ok(&["gen"], None)));
    w.expect_code(&["gen", "--length", "0"], None, exit::USAGE);
    w.expect_code(&["gen", "--charset", "klingon"], None, exit::USAGE);
}

#[test]
fn completions_for_each_shell() {
    // The scripts ask ward itself at each <Tab> (tests/daily_complete.rs
    // drives them in real shells).
    let w = Ward::new();
    for (shell, marker) in [
        ("bash", "complete -o nospace -o bashdefault"),
        ("zsh", "#compdef ward"),
        ("fish", "complete --keep-order --exclusive --command ward"),
    ] {
        let out = stdout(&w.ok(&["completions", shell], None));
        assert!(
            out.contains(marker),
            "{shell}: {}",
            &out[..out.len().min(200)]
        );
        assert!(
            out.contains(&format!("WARD_COMPLETE=\"{shell}\""))
                || out.contains(&format!("WARD_COMPLETE={shell}")),
            "{shell}: {out}"
        );
        assert!(!out.contains("__clipboard"), "{shell}: {out}");
    }
    w.expect_code(&["completions", "tcsh"], None, exit::USAGE);
}

#[test]
fn help_on_every_command() {
    let w = Ward::new();
    for cmd in [
        "init",
        "ls",
        "get",
        "set",
        "edit",
        "rotate",
        "history",
        "mv",
        "rm",
        "gen",
        "completions",
    ] {
        let out = w.ok(&[cmd, "--help"], None);
        assert!(stdout(&out).contains("Usage: ward"), "{cmd}");
    }
    let top = stdout(&w.ok(&["--help"], None));
    assert!(top.contains("Exit codes"), "{top}");
}

#[test]
fn exit_codes_and_one_line_errors() {
    let w = Ward::init();
    w.set("p/K", b"v", &[]);
    let one_line = |out: &std::process::Output| {
        let err = stderr(out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("ward: error: "), "{err}");
        err
    };
    let out = w.expect_code(&["get", "p/MISSING"], None, exit::NOT_FOUND);
    let err = one_line(&out);
    assert!(
        err.contains("p/MISSING") && err.contains("MISSING.age"),
        "{err}"
    );
    let out = w.expect_code(&["set", "p/K"], Some(&[0xff, 0xfe]), exit::USAGE);
    assert!(one_line(&out).contains("--binary"));
    // Unknown flags and commands are clap usage errors (2).
    w.expect_code(&["get"], None, exit::USAGE);
    w.expect_code(&["frobnicate"], None, exit::USAGE);
    w.expect_code(&["ls", "--bogus"], None, exit::USAGE);
    // A missing identity file.
    let out = w.expect_code(
        &["-i", "/nonexistent/id.txt", "get", "p/K"],
        None,
        exit::IDENTITY,
    );
    assert!(one_line(&out).contains("/nonexistent/id.txt"));
}

#[test]
fn set_and_rotate_prompt_twice_without_echo_on_a_terminal() {
    let w = Ward::init();
    let t = Duration::from_secs(20);
    let typed = "typed-at-the-prompt";
    let out = common::pty::run_all(
        w.cmd(&["set", "p/K"]),
        &[("Value for p/K", typed), ("Same value again", typed)],
        t,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert!(
        !out.transcript.contains(typed),
        "value echoed: {:?}",
        out.transcript
    );
    assert_eq!(w.get("p/K"), typed.as_bytes());

    // Two different entries change nothing.
    let out = common::pty::run_all(
        w.cmd(&["rotate", "p/K"]),
        &[("Value for p/K", "first"), ("Same value again", "second")],
        t,
    );
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", out.transcript);
    assert!(out.transcript.contains("differ"), "{}", out.transcript);
    assert_eq!(w.get("p/K"), typed.as_bytes());

    let out = common::pty::run_all(
        w.cmd(&["rotate", "p/K", "--reason", "typed"]),
        &[
            ("Value for p/K", "second-typed"),
            ("Same value again", "second-typed"),
        ],
        t,
    );
    assert!(out.status.success(), "{}", out.transcript);
    assert_eq!(w.get("p/K"), b"second-typed");
    assert_eq!(w.doc("p/K")["version"], 2);

    // --binary needs a pipe.
    let out = common::pty::run_all(w.cmd(&["set", "p/B", "--binary"]), &[], t);
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", out.transcript);
}
