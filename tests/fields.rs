//! Fields of a secret (login, otp, custom): `set`/`edit --field-set`,
//! `--field-secret`, `--field-rm`, `get --field`, kept through rotation,
//! never in argv for a masked one, never in the cache or on disk in clear.

mod common;

use common::{stderr, stdout, Ward};
use ward::error::exit;

const OTP: &str = "otpauth://totp/Acme:ann?secret=JBSWY3DPEHPK3PXP&issuer=Acme";

fn field(w: &Ward, name: &str, f: &str) -> String {
    stdout(&w.ok(&["get", name, "--field", f], None))
        .trim_end_matches('\n')
        .to_string()
}

#[test]
fn fields_are_set_read_kept_on_rotation_and_removed() {
    let w = Ward::init();
    w.set(
        "acme/github",
        b"hunter2\n",
        &[
            "--field-set",
            "login=ann",
            "--field-set",
            &format!("otp={OTP}"),
        ],
    );
    assert_eq!(field(&w, "acme/github", "login"), "ann");
    assert_eq!(field(&w, "acme/github", "otp"), OTP);
    // A masked field: its value from stdin, never argv.
    w.ok(
        &["edit", "acme/github", "--field-secret", "recovery code"],
        Some(b"R3C0VERY-abcd\n"),
    );
    let doc = w.doc("acme/github");
    let fields = doc["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[2]["name"], "recovery code");
    assert_eq!(fields[2]["value"], "R3C0VERY-abcd");
    assert_eq!(fields[2]["secret"], true);
    assert!(fields[0].get("secret").is_none(), "false is not written");

    // A rotation keeps the fields (they are not versioned).
    w.ok(&["rotate", "acme/github"], Some(b"new-value\n"));
    assert_eq!(field(&w, "acme/github", "login"), "ann");

    // Replacing keeps the place; removing removes.
    w.ok(
        &[
            "edit",
            "acme/github",
            "--field-set",
            "login=ann.smith",
            "--field-rm",
            "otp",
        ],
        None,
    );
    let doc = w.doc("acme/github");
    let names: Vec<&str> = doc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["login", "recovery code"]);
    assert_eq!(field(&w, "acme/github", "login"), "ann.smith");

    // Metadata names still work through --field, and are not field names.
    w.ok(
        &["edit", "acme/github", "--url", "https://github.com"],
        None,
    );
    assert_eq!(field(&w, "acme/github", "url"), "https://github.com");

    // Nothing of a field is in any file in clear (store, cache, audit).
    w.ok(&["ls", "--long"], None);
    w.assert_no_plaintext(&[b"ann.smith", b"R3C0VERY-abcd", b"JBSWY3DPEHPK3PXP"]);
}

#[test]
fn bad_field_flags_are_refused_and_change_nothing() {
    let w = Ward::init();
    w.set("k", b"v1\n", &["--field-set", "login=ann"]);
    let before = std::fs::read(w.file("k")).unwrap();
    for (args, needle) in [
        (vec!["edit", "k", "--field-set", "noequals"], "NAME=VALUE"),
        (vec!["edit", "k", "--field-set", "url=x"], "metadata name"),
        (vec!["edit", "k", "--field-set", "=x"], "cannot be empty"),
        (vec!["edit", "k", "--field-set", "a\u{7}b=x"], "control"),
        (
            vec!["edit", "k", "--field-set", "zero\u{200b}width=x"],
            "invisible",
        ),
        (vec!["edit", "k", "--field-set", "login="], "empty"),
        (
            vec!["edit", "k", "--field-set", "a=1", "--field-set", "a=2"],
            "twice",
        ),
        (vec!["edit", "k", "--field-rm", "nope"], "no field"),
    ] {
        let out = w.expect_code(&args, None, exit::USAGE);
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    let long = format!("{}=x", "n".repeat(65));
    let out = w.expect_code(&["edit", "k", "--field-set", &long], None, exit::USAGE);
    assert!(stderr(&out).contains("longer than 64"), "{}", stderr(&out));
    // `set` reads its value from stdin: a masked field cannot also.
    let out = w.expect_code(
        &["set", "k2", "--field-secret", "pin"],
        Some(b"v\n"),
        exit::USAGE,
    );
    assert!(stderr(&out).contains("only one value"), "{}", stderr(&out));
    assert!(!w.file("k2").exists());
    assert_eq!(
        std::fs::read(w.file("k")).unwrap(),
        before,
        "nothing changed"
    );
    // A field the secret does not have: named, with those it has.
    let out = w.expect_code(&["get", "k", "--field", "otp"], None, exit::USAGE);
    assert!(
        stderr(&out).contains("its fields: login"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_masked_field_read_is_a_reveal_in_the_audit() {
    let w = Ward::init();
    w.set("k", b"v\n", &["--field-set", "login=ann"]);
    w.ok(&["edit", "k", "--field-secret", "pin"], Some(b"1234\n"));
    w.ok(&["get", "k", "--field", "login"], None);
    w.ok(&["get", "k", "--field", "pin"], None);
    let audit = stdout(&w.ok(&["audit", "--json"], None));
    let records: Vec<serde_json::Value> = serde_json::from_str(&audit).unwrap();
    let action_of = |reason: &str| {
        records
            .iter()
            .find(|r| r["reason"] == reason)
            .map(|r| r["action"].as_str().unwrap().to_string())
    };
    assert_eq!(action_of("field login").as_deref(), Some("view"), "{audit}");
    assert_eq!(action_of("field pin").as_deref(), Some("reveal"), "{audit}");
    assert!(!audit.contains("1234"));
}

// ---- the TUI's detail pane -----------------------------------------------

mod tui {
    use chrono::{NaiveDate, TimeZone, Utc};
    use ratatui::crossterm::event::KeyCode;
    use ward::store::document::Field;
    use ward::store::{Encoding, Guard, Keyring, SecretDoc, SecretPath, SecretValue, Store};
    use ward::tui::harness::Harness;
    use ward::tui::Settings;

    /// The demo store (dated noon on 2026-11-27) with `zeta/GITHUB`: a
    /// login in clear and a masked recovery code.
    fn open(w: u16, h: u16) -> (tempfile::TempDir, Harness) {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        let demo = ward::demo::create_at(dir.path(), now).unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "actor = \"tester@host\"\nreveal_timeout = 20\n").unwrap();
        let mut keys = Keyring::default();
        keys.add_file(&demo.identity, None)
            .map_err(|e| e.into_ward())
            .unwrap();
        let mut doc = SecretDoc::new(
            SecretValue::new("gh-password".into()),
            Encoding::Utf8,
            "tester@host",
            now,
        );
        for (name, value, secret) in [("login", "ann", false), ("recovery", "RC-99-XYZ", true)] {
            doc.set_field(Field {
                name: name.into(),
                value: SecretValue::new(value.into()),
                secret,
            })
            .unwrap();
        }
        Store::open(&demo.store)
            .unwrap()
            .create_secret(
                &SecretPath::parse("zeta/GITHUB").unwrap(),
                &doc,
                Guard::unchecked(),
                || {},
            )
            .unwrap();
        let settings = Settings {
            store: demo.store.clone(),
            identities: vec![demo.identity.clone()],
            identities_given: true,
            config,
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let mut h = Harness::open(&settings, w, h, today).unwrap();
        h.app.store_label = "~/demo/store".into();
        h.key(KeyCode::Char('g'));
        for _ in 0..200 {
            if h.app.selected_name().map(|n| n.as_str()) == Some("zeta/GITHUB") {
                return (dir, h);
            }
            h.key(KeyCode::Char('j'));
        }
        panic!("zeta/GITHUB not in the tree");
    }

    #[test]
    fn the_detail_lists_fields_and_masks_a_secret_one_until_revealed() {
        for (w, h) in [(80, 24), (160, 48)] {
            let (_dir, mut app) = open(w, h);
            let screen = app.screen();
            assert!(screen.contains("login: ann"), "{screen}");
            assert!(screen.contains("recovery: ••••"), "{screen}");
            assert!(!screen.contains("RC-99-XYZ"), "{screen}");
            insta::assert_snapshot!(format!("detail_fields_{w}x{h}"), screen);
            app.key(KeyCode::Char('r'));
            let screen = app.screen();
            assert!(screen.contains("recovery: RC-99-XYZ"), "{screen}");
            app.advance(std::time::Duration::from_secs(21));
            assert!(!app.screen().contains("RC-99-XYZ"), "masked again");
        }
    }
}
