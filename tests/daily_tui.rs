//! The detail pane's one-time code (issue 12): a TOTP code with the
//! seconds it has left, masked until the value is revealed, refreshed by
//! the tick; the warning when the seed sits beside the password it
//! protects. On a TestBackend with the harness's fixed clock.

use chrono::{NaiveDate, TimeZone, Utc};
use insta::assert_snapshot;
use ratatui::crossterm::event::KeyCode;
use std::time::Duration;
use ward::store::document::Field;
use ward::store::{Encoding, Guard, Keyring, SecretDoc, SecretPath, SecretValue, Store};
use ward::tui::harness::Harness;
use ward::tui::Settings;

/// RFC 6238's SHA-1 seed "12345678901234567890" in base32.
const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    settings: Settings,
}

impl Fixture {
    /// The demo store and one password with a login and a TOTP seed.
    fn new() -> Fixture {
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
            SecretValue::new("hunter2".into()),
            Encoding::Utf8,
            "tester@host",
            now,
        );
        doc.kind = ward::store::Kind::Password;
        for (name, value, secret) in [
            ("login", "ann".to_string(), false),
            (
                "otp",
                format!("otpauth://totp/Acme:ann?secret={SEED}&issuer=Acme"),
                true,
            ),
        ] {
            doc.set_field(Field {
                name: name.into(),
                value: SecretValue::new(value),
                secret,
            })
            .unwrap();
        }
        let store = Store::open(&demo.store).unwrap();
        store
            .create_secret(
                &SecretPath::parse("aaa/github").unwrap(),
                &doc,
                Guard::unchecked(),
                || {},
            )
            .unwrap();
        // A secret with two previous values.
        let mut db = SecretDoc::new(
            SecretValue::new("db-pass-one".into()),
            Encoding::Utf8,
            "tester@host",
            now - chrono::Duration::days(60),
        );
        for (value, days, reason) in [
            ("db-pass-two", 30, "quarterly"),
            ("db-pass-three", 1, "leak"),
        ] {
            db.set_value(
                SecretValue::new(value.into()),
                Encoding::Utf8,
                "bob@desk",
                Some(reason.into()),
                now - chrono::Duration::days(days),
                10,
            );
        }
        store
            .create_secret(
                &SecretPath::parse("aaa/db").unwrap(),
                &db,
                Guard::unchecked(),
                || {},
            )
            .unwrap();
        Fixture {
            settings: Settings {
                store: demo.store,
                identities: vec![demo.identity],
                identities_given: true,
                config,
            },
            _dir: dir,
        }
    }

    fn open(&self, w: u16, h: u16) -> Harness {
        let mut h = Harness::open(&self.settings, w, h, today()).unwrap();
        h.app.store_label = "~/demo/store".into();
        h
    }
}

fn select(h: &mut Harness, name: &str) {
    h.key(KeyCode::Char('g'));
    for _ in 0..200 {
        if h.app.selected_name().map(|n| n.as_str()) == Some(name) {
            return;
        }
        h.key(KeyCode::Char('j'));
    }
    panic!("{name} not found in the tree");
}

/// The code RFC 6238 gives for SEED at the harness's clock plus `later` s.
fn code_at(h: &Harness, later: u64) -> String {
    let unix = h.clock.wall.timestamp() as u64 + later;
    ward::otp::hotp(
        b"12345678901234567890",
        unix / 30,
        6,
        ward::otp::Algorithm::Sha1,
    )
    .to_string()
}

#[test]
fn the_detail_shows_a_live_totp_code_with_its_countdown() {
    let f = Fixture::new();
    let mut h = f.open(100, 40);
    select(&mut h, "aaa/github");
    let screen = h.screen();
    // Masked until revealed; the countdown shows either way.
    assert!(screen.contains("One-time"), "{screen}");
    assert!(screen.contains("••••••  30 s left"), "{screen}");
    assert!(!screen.contains(&code_at(&h, 0)), "{screen}");
    assert!(screen.contains("both factors"), "{screen}");
    assert_snapshot!("otp_detail_masked_100x40", screen);

    h.key(KeyCode::Char('r'));
    let screen = h.screen();
    assert!(
        screen.contains(&format!("{}  30 s left", code_at(&h, 0))),
        "{screen}"
    );
    assert_snapshot!("otp_detail_revealed_100x40", screen);
    // The tick moves the countdown, and past the period, the code.
    let first = code_at(&h, 0);
    h.advance(Duration::from_secs(12));
    assert!(
        h.screen().contains(&format!("{first}  18 s left")),
        "{}",
        h.screen()
    );
    // The reveal ends (20 s) and the next period starts: masked again.
    h.advance(Duration::from_secs(18));
    assert!(h.screen().contains("••••••  30 s left"), "{}", h.screen());
    h.key(KeyCode::Char('r'));
    let next = code_at(&h, 0);
    assert_ne!(next, first);
    assert!(
        h.screen().contains(&format!("{next}  30 s left")),
        "{}",
        h.screen()
    );
}

#[test]
fn previous_versions_can_be_revealed_copied_and_restored() {
    let f = Fixture::new();
    let mut h = f.open(100, 30);
    select(&mut h, "aaa/db");
    h.key(KeyCode::Char('H'));
    let screen = h.screen();
    assert!(screen.contains("Previous versions of aaa/db"), "{screen}");
    assert!(!screen.contains("db-pass-two"), "masked: {screen}");
    h.key(KeyCode::Char('r'));
    let screen = h.screen();
    assert!(screen.contains("db-pass-two"), "{screen}");
    assert!(!screen.contains("db-pass-one"), "{screen}");
    assert_snapshot!("history_overlay_revealed_100x30", screen);
    // Moving hides it; the next one is copied.
    h.key(KeyCode::Char('j'));
    assert!(!h.screen().contains("db-pass-two"), "{}", h.screen());
    h.key(KeyCode::Char('c'));
    assert_eq!(h.clipboard.contents().as_deref(), Some("db-pass-one"));
    // Restore asks, then writes version 4 with the value of version 1.
    h.key(KeyCode::Char('R'));
    assert!(
        h.screen()
            .contains("Make version 1 of aaa/db current again?"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('y'));
    assert!(
        h.screen().contains("Restored an earlier value of aaa/db"),
        "{}",
        h.screen()
    );
    let keys = {
        let mut k = Keyring::default();
        k.add_file(&f.settings.identities[0], None)
            .map_err(|e| e.into_ward())
            .unwrap();
        k
    };
    let doc = Store::open(&f.settings.store)
        .unwrap()
        .read(&keys, &SecretPath::parse("aaa/db").unwrap())
        .unwrap();
    assert_eq!(doc.version, 4);
    assert_eq!(doc.value.expose(), "db-pass-one");
    assert_eq!(doc.history[0].value.expose(), "db-pass-three");
    assert_eq!(doc.history[0].reason.as_deref(), Some("restored version 1"));
}
