//! The offboarding mark in the TUI (TestBackend snapshots): the tree's status
//! mark and the detail's reason, and the review table's status word.

use chrono::{NaiveDate, TimeZone, Utc};
use insta::assert_snapshot;
use ratatui::crossterm::event::KeyCode;
use ward::policy::Offboarding;
use ward::store::{Guard, Keyring, SecretPath, Store};
use ward::tui::harness::Harness;
use ward::tui::Settings;

const MARKED: &str = "acme/db/DATABASE_URL";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// The demo store with [`MARKED`] marked as `ward recipients rm` marks it.
fn marked_demo() -> (tempfile::TempDir, Settings) {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    let demo = ward::demo::create_at(dir.path(), now).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "actor = \"tester@host\"\nidle_lock = 300\n").unwrap();
    let mut keys = Keyring::default();
    keys.add_file(&demo.identity, None)
        .map_err(|e| e.into_ward())
        .unwrap();
    let store = Store::open(&demo.store).unwrap();
    store
        .update(
            &keys,
            &SecretPath::parse(MARKED).unwrap(),
            Guard::unchecked(),
            |doc| {
                doc.offboarding.push(Offboarding {
                    key_id: "age1bobbobbobbobbobbobbobbobbobbob".into(),
                    label: Some("bob@laptop".into()),
                    at: Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap(),
                    by: "ann@laptop".into(),
                });
                Ok(())
            },
            |_, _| {},
        )
        .unwrap();
    let settings = Settings {
        store: demo.store,
        identities: vec![demo.identity],
        identities_given: true,
        config,
    };
    (dir, settings)
}

fn open(settings: &Settings, w: u16, h: u16) -> Harness {
    let mut h = Harness::open(settings, w, h, today()).unwrap();
    h.app.store_label = "~/demo/store".into();
    h
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

#[test]
fn snapshot_tree_and_detail_show_the_offboarding_mark() {
    let (_dir, settings) = marked_demo();
    let mut app = open(&settings, 160, 48);
    select(&mut app, MARKED);
    let screen = app.screen();
    assert!(
        screen.contains("rotation required: offboarding of bob@laptop"),
        "{screen}"
    );
    assert_snapshot!("offboarded_main_160x48", screen);
}

#[test]
fn snapshot_review_names_the_offboarded_secret() {
    let (_dir, settings) = marked_demo();
    let mut app = open(&settings, 160, 48);
    app.key(KeyCode::Char('v'));
    let screen = app.screen();
    let line = screen
        .lines()
        .find(|l| l.contains(MARKED))
        .unwrap_or_else(|| panic!("{MARKED} not in the review:\n{screen}"));
    assert!(line.contains("! offboarded"), "{line}");
    assert_snapshot!("offboarded_review_160x48", screen);
}
