//! Key bindings from config.toml change dispatch, the footer and the help
//! (a separate test binary: the bindings in force are process-wide).

use chrono::{NaiveDate, TimeZone, Utc};
use ratatui::crossterm::event::KeyCode;
use ward::tui::harness::Harness;
use ward::tui::Settings;

fn settings(dir: &std::path::Path, demo: &ward::demo::Demo, config: &str) -> Settings {
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    Settings {
        store: demo.store.clone(),
        identities: vec![demo.identity.clone()],
        identities_given: true,
        config: path,
    }
}

#[test]
fn keys_from_config_drive_dispatch_footer_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    let demo = ward::demo::create_at(dir.path(), now).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();

    // A clash is refused with the config file named, before anything starts.
    let bad = settings(dir.path(), &demo, "[keys]\nreveal = [\"v\"]\n");
    let err = Harness::open(&bad, 100, 30, today)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("config.toml") && err.contains("bound to both"),
        "{err}"
    );

    let good = settings(dir.path(), &demo, "[keys]\nreveal = [\"space\"]\n");
    let mut h = Harness::open(&good, 120, 40, today).unwrap();
    h.key(KeyCode::Char('g'));
    while h.app.selected_name().map(|n| n.as_str()) != Some("acme/web/TLS_CERT") {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char('r'));
    assert!(
        !h.screen().contains("BEGIN CERTIFICATE"),
        "r no longer reveals"
    );
    h.key(KeyCode::Char(' '));
    assert!(h.screen().contains("BEGIN CERTIFICATE"), "space reveals");
    assert!(
        h.screen().contains("space reveal"),
        "the footer shows the new key"
    );
    h.key(KeyCode::Char('?'));
    assert!(h.screen().contains("space"), "the help shows the new key");
}
