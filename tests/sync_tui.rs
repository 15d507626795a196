//! Sync from the TUI (docs/TEAMS.md, "Sync from the TUI"): the header's git
//! part (branch, ahead/behind, last sync, uncommitted changes) and the sync
//! key, on the real app (`Harness`) over real clones of a bare repository.
//! The CLI side of each scenario runs the real binary in its own sandbox.

mod common;

use chrono::NaiveDate;
use common::*;
use insta::assert_snapshot;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;
use std::path::{Path, PathBuf};
use ward::tui::harness::Harness;
use ward::tui::Settings;

/// The harness's day: its clock is noon (UTC) on it.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// A git store on branch `main`, whatever git's default branch here.
fn git_store(config: &str) -> Ward {
    let w = Ward::with_config(config);
    w.ok(&["init", "--git"], None);
    w.ok(&["git", "branch", "-q", "-M", "main"], None);
    w
}

/// Ann's git store, pushed to a new bare remote, holding `acme/KEY`.
fn ann_with_remote(config: &str) -> (Ward, PathBuf) {
    let ann = git_store(config);
    let remote = ann.root().join("team.git");
    bare_repo(&remote);
    let mut head = std::process::Command::new("git");
    head.arg("--git-dir").arg(&remote);
    head.args(["symbolic-ref", "HEAD", "refs/heads/main"]);
    assert!(head.status().unwrap().success());
    ann.ok(
        &["git", "remote", "add", "origin", remote.to_str().unwrap()],
        None,
    );
    ann.set("acme/KEY", b"first-value-1", &[]);
    ann.ok(&["sync"], None);
    (ann, remote)
}

/// A second clone of the remote, with Ann's identity (her other machine).
fn second_clone(ann: &Ward, remote: &Path) -> Ward {
    let bob = Ward::with_actor("ann@desk");
    bob.ok(&["clone", remote.to_str().unwrap()], None);
    std::fs::create_dir_all(bob.identity().parent().unwrap()).unwrap();
    write_private(&bob.identity(), &std::fs::read(ann.identity()).unwrap());
    bob
}

/// Ann's TUI at `w`×`h`, with the real ward as git's merge driver (the app
/// runs inside this test's binary here). The app keeps this machine's trust
/// in this process's data folder, not the sandbox's: Ann's key is approved
/// there as `ward init` approved it in the sandbox.
fn open(ann: &Ward, w: u16, h: u16) -> Harness {
    let store = ward::store::Store::open(&ann.store()).unwrap();
    ward::ops::trust::approve(&store, &[ann.public_key()]).unwrap();
    let settings = Settings {
        store: ann.store(),
        identities: vec![ann.identity()],
        identities_given: true,
        config: ann.config_file(),
    };
    let mut h = Harness::open(&settings, w, h, today()).unwrap();
    h.session.exe = Ok(PathBuf::from(BIN));
    h.app.store_label = "~/team/store".into();
    h
}

/// When this clone last synced, as `ward sync` records it.
fn set_last_sync(w: &Ward, rfc3339: &str) {
    let file = w.store().join(".git/ward/last-sync");
    std::fs::write(file, format!("{rfc3339}\n")).unwrap();
}

fn header(h: &mut Harness) -> String {
    h.screen().lines().next().unwrap_or_default().to_string()
}

fn select(h: &mut Harness, name: &str) {
    h.key(KeyCode::Char('g'));
    for _ in 0..20 {
        if h.app.selected_name().map(|n| n.as_str()) == Some(name) {
            return;
        }
        h.key(KeyCode::Char('j'));
    }
    panic!("{name} not found in the tree");
}

fn commits(w: &Ward) -> String {
    stdout(&w.ok(&["git", "rev-list", "--count", "HEAD"], None))
}

/// Ann two commits ahead of the remote and, after a fetch, one behind.
fn ann_ahead_and_behind(config: &str) -> Ward {
    let (ann, remote) = ann_with_remote(config);
    let bob = second_clone(&ann, &remote);
    bob.set("acme/FROM_DESK", b"desk-value-1", &[]);
    bob.ok(&["sync"], None);
    ann.set("acme/ONE", b"one-value-1", &[]);
    ann.set("acme/TWO", b"two-value-1", &[]);
    ann.ok(&["git", "fetch", "-q"], None);
    set_last_sync(&ann, "2026-11-27T11:57:00Z");
    ann
}

#[test]
fn snapshot_git_header_80x24_and_160x48() {
    if !require("git") {
        return;
    }
    let ann = ann_ahead_and_behind("actor = \"ann@laptop\"\n");
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = open(&ann, w, h);
        let top = header(&mut app);
        assert!(top.contains("main ↑2 ↓1"), "{top}");
        assert!(top.chars().count() <= w as usize, "{top}");
        assert_snapshot!(format!("git_header_{w}x{h}"), top);
    }
}

#[test]
fn snapshot_git_header_mono_with_uncommitted_changes() {
    if !require("git") {
        return;
    }
    let config = "actor = \"ann@laptop\"\ntheme = \"mono\"\n[git]\nautocommit = false\n";
    let ann = ann_ahead_and_behind(config);
    let mut app = open(&ann, 80, 24);
    let top = header(&mut app);
    // Nothing committed: the two changes wait, nothing is ahead yet.
    assert!(top.contains("main ↑0 ↓1 · ● 2 uncommitted"), "{top}");
    assert_snapshot!("git_header_mono_80x24", top);
    let buf = app.buffer();
    for x in 0..buf.area.width {
        let cell = &buf[(x, 0)];
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "colour at column {x} in mono: {cell:?}"
        );
    }
}

#[test]
fn the_git_header_drops_parts_at_narrow_widths_and_is_absent_without_git() {
    if !require("git") {
        return;
    }
    let ann = ann_ahead_and_behind("actor = \"ann@laptop\"\n");
    let mut app = open(&ann, 200, 50);
    let wide = header(&mut app);
    assert!(wide.ends_with("main ↑2 ↓1 · synced 3 min ago"), "{wide}");
    for w in [60, 50, 42] {
        app.resize(w, 24);
        let top = header(&mut app);
        assert!(top.chars().count() <= w as usize, "{w}: {top}");
        assert!(top.contains("main ↑2 ↓1"), "{w}: {top}");
        assert!(top.starts_with(" ward "), "{w}: {top}");
    }
    app.resize(50, 24);
    let top = header(&mut app);
    assert!(top.ends_with("main ↑2 ↓1 · 3m"), "the short age: {top}");

    // A store that is not a git repository has no git part.
    let plain = Ward::with_actor("cy@box");
    plain.ok(&["init"], None);
    let mut app = open(&plain, 80, 24);
    let top = header(&mut app);
    assert!(!top.contains("synced") && !top.contains("↑"), "{top}");
}

#[test]
fn the_sync_key_brings_in_a_teammates_change_and_the_header_follows() {
    if !require("git") {
        return;
    }
    let (ann, remote) = ann_with_remote("actor = \"ann@laptop\"\n");
    let desk = second_clone(&ann, &remote);
    let mut app = open(&ann, 80, 24);
    assert!(header(&mut app).contains("main ↑0 ↓0"));
    select(&mut app, "acme/KEY");
    assert_eq!(app.app.detail.loaded().unwrap().version, 1);

    // The other clone rotates the secret and adds one, and syncs.
    desk.set("acme/KEY", b"second-value-2", &[]);
    desk.set("acme/NEW", b"new-value-1", &[]);
    desk.ok(&["sync"], None);
    assert!(!app.screen().contains("NEW"));

    app.type_text("S");
    let notice = app.app.notice.as_ref().map(|n| n.text.clone());
    let notice = notice.unwrap_or_default();
    assert!(
        notice.starts_with("synced: received 2 commits, sent "),
        "{notice}"
    );
    assert!(!app.app.sync.running);
    let screen = app.screen();
    assert!(
        screen.contains("NEW"),
        "the tree shows the new secret:\n{screen}"
    );
    let top = header(&mut app);
    assert!(top.contains("main ↑0 ↓0"), "{top}");
    assert!(top.contains("synced just now"), "{top}");
    // The shown secret was read again: the other clone's rotation.
    let doc = app.app.detail.loaded().expect("the detail reloaded");
    assert_eq!(doc.version, 2);

    // Both clones hold the same history, and the audit verifies on each.
    drop(app);
    desk.ok(&["sync"], None);
    assert_eq!(ann.get("acme/NEW"), b"new-value-1");
    assert_eq!(commits(&ann), commits(&desk));
    for w in [&ann, &desk] {
        let verify = w.run(&["audit", "verify"], None);
        assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
    }
    ann.assert_no_plaintext(&[b"second-value-2", b"new-value-1"]);
}

#[test]
fn a_sync_without_a_remote_shows_why_and_loses_nothing() {
    if !require("git") {
        return;
    }
    let ann = git_store("actor = \"ann@laptop\"\n");
    ann.set("acme/KEY", b"kept-value-1", &[]);
    let before = commits(&ann);
    let mut app = open(&ann, 80, 24);
    assert!(header(&mut app).contains("main no remote"));
    app.type_text("S");
    let screen = app.screen();
    assert!(screen.contains("Sync failed"), "{screen}");
    let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("no git remote to sync with"), "{flat}");
    assert!(flat.contains("ward git remote add origin URL"), "{flat}");
    app.key(KeyCode::Esc);
    assert!(!app.screen().contains("Sync failed"));
    assert!(!app.app.sync.running, "the next sync may start");
    drop(app);
    assert_eq!(commits(&ann), before);
    assert_eq!(ann.get("acme/KEY"), b"kept-value-1");
}

#[test]
fn a_sync_that_brings_a_key_not_approved_here_opens_the_trust_dialog() {
    if !require("git") {
        return;
    }
    let (ann, remote) = ann_with_remote("actor = \"ann@laptop\"\n");
    let desk = second_clone(&ann, &remote);
    let mut app = open(&ann, 80, 24);
    assert!(!app.screen().contains("Keys to approve"));

    // Someone with push access adds a key on the other clone.
    let eve = ward::store::crypto::generate_identity(chrono::Utc::now()).1;
    desk.ok(&["recipients", "add", &eve, "--label", "eve@laptop"], None);
    desk.ok(&["sync"], None);

    app.type_text("S");
    let screen = app.screen();
    assert!(screen.contains("Keys to approve"), "{screen}");
    assert!(screen.contains("eve@laptop"), "{screen}");
    assert!(!app.app.sync.running);
    // Until approved, a write to those keys is refused and changes nothing.
    app.key(KeyCode::Esc);
    drop(app);
    let before = std::fs::read(ann.file("acme/KEY")).unwrap();
    ann.expect_code(&["set", "acme/KEY"], Some(b"refused-value-2"), 11);
    assert_eq!(std::fs::read(ann.file("acme/KEY")).unwrap(), before);
    assert_eq!(ann.get("acme/KEY"), b"first-value-1");
}
