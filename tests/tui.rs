//! The real app and session on a ratatui TestBackend: snapshots of every pane
//! and dialog at 80x24 and 160x48, style checks, and key-driven scenarios that
//! check both the screen and the store.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use insta::assert_snapshot;
use ratatui::crossterm::event::KeyModifiers;
use ratatui::crossterm::event::{KeyCode, MouseButton, MouseEvent, MouseEventKind};
use ratatui::style::Color;
use std::path::{Path, PathBuf};
use std::time::Duration;
use ward::app::{Overlay, Screen};
use ward::policy::Status;
use ward::store::{Encoding, Guard, Keyring, SecretDoc, SecretPath, SecretValue, Store};
use ward::tui::harness::Harness;
use ward::tui::Settings;

/// The fixed "today" of every test, so dates and statuses never drift.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

/// The TUI's settings for a store, one identity and a config file.
fn settings(store: &Path, identity: &Path, config: &Path) -> Settings {
    Settings {
        store: store.to_path_buf(),
        identities: vec![identity.to_path_buf()],
        identities_given: true,
        config: config.to_path_buf(),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: PathBuf,
    identity: PathBuf,
    config: PathBuf,
}

impl Fixture {
    /// The demo store, dated at noon on `today()`.
    fn demo() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        let demo = ward::demo::create_at(dir.path(), now).unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            "actor = \"tester@host\"\nreveal_timeout = 20\nidle_lock = 300\n",
        )
        .unwrap();
        Fixture {
            store: demo.store,
            identity: demo.identity,
            config,
            _dir: dir,
        }
    }

    fn settings(&self) -> Settings {
        settings(&self.store, &self.identity, &self.config)
    }

    fn open(&self, w: u16, h: u16) -> Harness {
        let mut h = Harness::open(&self.settings(), w, h, today()).unwrap();
        h.app.store_label = "~/demo/store".into();
        h
    }

    fn keys(&self) -> Keyring {
        let mut k = Keyring::default();
        k.add_file(&self.identity, None)
            .map_err(|e| e.into_ward())
            .unwrap();
        k
    }

    fn store(&self) -> Store {
        Store::open(&self.store).unwrap()
    }

    fn read(&self, name: &str) -> SecretDoc {
        self.store()
            .read(&self.keys(), &SecretPath::parse(name).unwrap())
            .unwrap()
    }

    fn put(&self, name: &str, value: &str, edit: impl FnOnce(&mut SecretDoc)) {
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let mut doc = SecretDoc::new(
            SecretValue::new(value.into()),
            Encoding::Utf8,
            "tester@host",
            now,
        );
        edit(&mut doc);
        let keys = self.keys();
        // Recorded as ward records a create, so that the store and the log
        // agree (`ward audit verify` cross-checks them).
        let log = ward::audit::Log::open(
            &self.store,
            ward::demo::DEMO_ACTOR,
            ward::audit::keyring_fingerprint(&keys),
        );
        let event = ward::audit::Event::new(ward::audit::Action::Create)
            .path(name)
            .version(Some(doc.version))
            .at(now);
        self.store()
            .create_secret(
                &SecretPath::parse(name).unwrap(),
                &doc,
                Guard::unchecked(),
                || {
                    log.append(&keys, event).unwrap();
                },
            )
            .unwrap();
    }
}

/// The screen for a snapshot of the demo store. Every time on it comes from
/// the harness's clock (the session stamps its audit records with it too),
/// so nothing is masked.
fn snap(h: &mut Harness) -> String {
    h.screen()
}

/// Selects a secret by moving down until the detail shows it.
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

fn path_exists(store: &Path, name: &str) -> bool {
    store.join(format!("{name}.age")).exists()
}

// ---- snapshots ---------------------------------------------------------------

/// A snapshot of the demo store's app at `w`×`h`, brought to its state by
/// `drive`. The wide snapshots were recorded after a session at 80x24 had gone
/// through the same steps on the same store, so their audit timelines show
/// that session's view too: a wide snapshot replays that session first.
fn demo_snapshot(name: &str, w: u16, h: u16, drive: fn(&mut Harness)) {
    let f = Fixture::demo();
    if (w, h) != (80, 24) {
        drive(&mut f.open(80, 24));
    }
    let mut app = f.open(w, h);
    drive(&mut app);
    assert_snapshot!(format!("{name}_{w}x{h}"), snap(&mut app));
}

/// One test a snapshot, at 80x24 and at 160x48: `narrow, wide: "name" => drive;`.
macro_rules! demo_snapshots {
    ($($narrow:ident, $wide:ident: $name:literal => $drive:expr;)*) => {$(
        #[test]
        fn $narrow() {
            demo_snapshot($name, 80, 24, $drive);
        }

        #[test]
        fn $wide() {
            demo_snapshot($name, 160, 48, $drive);
        }
    )*};
}

/// The secret the dialogs are opened over.
fn on_database_url(app: &mut Harness) -> &mut Harness {
    select(app, "acme/db/DATABASE_URL");
    app
}

demo_snapshots! {
    snapshot_main_80x24, snapshot_main_160x48: "main" => |app| {
        select(app, "acme/api/prod/STRIPE_SECRET_KEY");
    };
    snapshot_help_80x24, snapshot_help_160x48: "help" => |app| {
        on_database_url(app).key(KeyCode::Char('?'));
    };
    snapshot_form_new_80x24, snapshot_form_new_160x48: "form_new" => |app| {
        on_database_url(app).key(KeyCode::Char('n'));
    };
    snapshot_form_edit_80x24, snapshot_form_edit_160x48: "form_edit" => |app| {
        on_database_url(app).key(KeyCode::Char('e'));
    };
    snapshot_form_rotate_80x24, snapshot_form_rotate_160x48: "form_rotate" => |app| {
        on_database_url(app).key(KeyCode::Char('R'));
    };
    snapshot_form_rename_80x24, snapshot_form_rename_160x48: "form_rename" => |app| {
        on_database_url(app).key(KeyCode::Char('m'));
    };
    snapshot_form_compromise_80x24, snapshot_form_compromise_160x48: "form_compromise" => |app| {
        on_database_url(app).key(KeyCode::Char('!'));
    };
    snapshot_confirm_delete_80x24, snapshot_confirm_delete_160x48: "confirm_delete" => |app| {
        on_database_url(app).key(KeyCode::Char('d'));
    };
    snapshot_pick_field_80x24, snapshot_pick_field_160x48: "pick_field" => |app| {
        on_database_url(app).key(KeyCode::Char('y'));
    };
    snapshot_filter_80x24, snapshot_filter_160x48: "filter" => |app| {
        on_database_url(app).key(KeyCode::Char('/')).type_text("aws");
    };
    snapshot_locked_80x24, snapshot_locked_160x48: "locked" => |app| {
        on_database_url(app).key(KeyCode::Char('L'));
    };
    snapshot_review_80x24, snapshot_review_160x48: "review" => |app| {
        app.key(KeyCode::Char('v'));
    };
}

/// The first-run screen at `w`×`h`, with the temporary folder masked.
fn first_run_screen(w: u16, h: u16) -> String {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(
        &dir.path().join("store"),
        &dir.path().join("id.txt"),
        &dir.path().join("none.toml"),
    );
    let mut app = Harness::open(&settings, w, h, today()).unwrap();
    app.screen().replace(dir.path().to_str().unwrap(), "/tmp/T")
}

#[test]
fn snapshot_first_run_80x24() {
    let screen = first_run_screen(80, 24);
    assert_snapshot!("first_run_80x24", screen);
}

#[test]
fn snapshot_first_run_160x48() {
    let screen = first_run_screen(160, 48);
    assert_snapshot!("first_run_160x48", screen);
}

/// A small terminal shows one pane at a time: the tree, and Tab the detail.
fn small_terminal() -> (Fixture, Harness) {
    let f = Fixture::demo();
    let mut app = f.open(50, 16);
    select(&mut app, "billing/QUICKBOOKS_OAUTH");
    (f, app)
}

#[test]
fn snapshot_small_terminal_shows_the_tree() {
    let (_f, mut app) = small_terminal();
    assert_snapshot!("small_tree_50x16", snap(&mut app));
}

#[test]
fn snapshot_small_terminal_shows_the_detail_after_tab() {
    let (_f, mut app) = small_terminal();
    app.key(KeyCode::Tab);
    assert_snapshot!("small_detail_50x16", snap(&mut app));
}

// ---- styles ------------------------------------------------------------------

fn find(buf: &ratatui::buffer::Buffer, text: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        if let Some(byte) = line.find(text) {
            let x = line[..byte].chars().count() as u16;
            return Some((x, y));
        }
    }
    None
}

#[test]
fn colours_carry_status_masking_and_selection() {
    let f = Fixture::demo();
    let mut app = f.open(160, 48);
    select(&mut app, "acme/web/TLS_CERT");
    let buf = app.buffer();
    // The expired mark is red and bold; the word is there too, for NO_COLOR.
    let (x, y) = find(&buf, "x TLS_CERT").unwrap();
    assert_eq!(
        buf[(x, y)].fg,
        Color::Red,
        "the expired mark keeps its colour"
    );
    assert_eq!(buf[(x, y)].bg, Color::Cyan, "on the selection's background");
    assert_eq!(
        buf[(x + 2, y)].fg,
        Color::Black,
        "the selected name is drawn inverted"
    );
    let (x, y) = find(&buf, "> STRIPE_SECRET_KEY").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red);
    // The masked value is dim.
    let (x, y) = find(&buf, "••••••••").unwrap();
    assert_eq!(
        buf[(x, y)].fg,
        Color::Indexed(245),
        "a fixed grey, never colour 8"
    );
    app.key(KeyCode::Char('r'));
    let buf = app.buffer();
    let (x, y) = find(&buf, "-----BEGIN CERTIFICATE-----").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Yellow, "a revealed value stands out");
}

#[test]
fn no_color_still_marks_status_with_symbols_and_words() {
    let f = Fixture::demo();
    let mut app = f.open(160, 48);
    app.app.mono = true;
    let buf = app.buffer();
    let (x, y) = find(&buf, "x TLS_CERT").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Reset);
    let screen = app.screen();
    assert!(screen.contains("expired"));
    assert!(screen.contains("! 1 compromised"));
}

// ---- behaviour ---------------------------------------------------------------

#[test]
fn tree_navigation_expands_collapses_and_follows_selection() {
    let f = Fixture::demo();
    let mut app = f.open(80, 24);
    app.key(KeyCode::Char('g'));
    assert!(app.screen().contains("▾ acme/ (7)"));
    app.key(KeyCode::Char('h'));
    let s = app.screen();
    assert!(s.contains("▸ acme/ (7)"), "{s}");
    // Not in the tree (the folder's summary in the detail names it).
    let tree: Vec<String> = s.lines().map(|l| l.chars().take(33).collect()).collect();
    assert!(!tree.iter().any(|l| l.contains("GITHUB_TOKEN")), "{s}");
    app.key(KeyCode::Char('l'));
    assert!(app.screen().contains("GITHUB_TOKEN"));
    app.key(KeyCode::Char('G'));
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "personal/HOME_WIFI"
    );
    assert!(app.screen().contains("personal/HOME_WIFI"));
    app.key(KeyCode::Char('h'));
    assert!(
        app.app.selected_name().is_none(),
        "h on a secret goes to its folder"
    );
    app.key(KeyCode::PageUp)
        .key(KeyCode::PageDown)
        .key(KeyCode::Up)
        .key(KeyCode::Down);
}

#[test]
fn filter_narrows_by_path_tag_and_owner_and_esc_clears() {
    let f = Fixture::demo();
    let mut app = f.open(80, 24);
    app.key(KeyCode::Char('/')).type_text("payments");
    let s = app.screen();
    assert!(s.contains("STRIPE_SECRET_KEY"), "tag match: {s}");
    assert!(!s.contains("HOME_WIFI"));
    app.key(KeyCode::Esc);
    app.key(KeyCode::Char('/')).type_text("hank");
    let s = app.screen();
    assert!(
        s.contains("PAGERDUTY_TOKEN") && !s.contains("STRIPE"),
        "owner match: {s}"
    );
    app.key(KeyCode::Enter);
    assert!(!app.app.tree.filter.active);
    assert!(app.screen().contains("/hank"));
    app.key(KeyCode::Esc);
    assert!(app.app.tree.filter.is_empty());
    let s = app.screen();
    assert!(
        s.contains("STRIPE_SECRET_KEY") && s.contains("▶Secrets "),
        "{s}"
    );
}

#[test]
fn reveal_shows_the_value_and_masks_itself_again() {
    let f = Fixture::demo();
    f.put("zeta/KNOWN", "correct horse battery staple", |_| {});
    let mut app = f.open(120, 30);
    select(&mut app, "zeta/KNOWN");
    assert!(!app.screen().contains("correct horse"));
    app.key(KeyCode::Char('r'));
    assert!(app.screen().contains("correct horse battery staple"));
    app.advance(Duration::from_secs(21));
    assert!(
        !app.screen().contains("correct horse"),
        "re-masked after the timeout"
    );
    app.key(KeyCode::Char('r'));
    assert!(app.screen().contains("correct horse"));
    app.key(KeyCode::Char('k'));
    app.key(KeyCode::Char('j'));
    assert!(
        !app.screen().contains("correct horse"),
        "re-masked when the selection moves"
    );
}

#[test]
fn create_a_secret_with_a_pasted_multiline_value() {
    let f = Fixture::demo();
    let mut app = f.open(100, 30);
    select(&mut app, "acme/db/DATABASE_URL");
    app.key(KeyCode::Char('n'));
    // The path starts in the selected folder.
    app.type_text("NEW_CERT");
    app.key(KeyCode::Tab);
    app.paste("-----BEGIN KEY-----\r\nabc\r\n-----END KEY-----");
    assert!(
        !app.screen().contains("BEGIN KEY"),
        "the value is masked while typed"
    );
    app.key(KeyCode::Tab)
        .key(KeyCode::Tab)
        .ctrl('u')
        .type_text("certificate");
    app.key(KeyCode::Tab).type_text("ops");
    app.key(KeyCode::Tab).type_text("tls, prod");
    app.ctrl('s');
    assert!(
        matches!(
            (&app.app.screen, &app.app.overlay),
            (Screen::Main, Overlay::None)
        ),
        "form closed"
    );
    assert!(app.screen().contains("Created acme/db/NEW_CERT"));
    let doc = f.read("acme/db/NEW_CERT");
    assert_eq!(
        doc.value.expose(),
        "-----BEGIN KEY-----\nabc\n-----END KEY-----"
    );
    assert_eq!(doc.kind.label(), "certificate");
    assert_eq!(doc.owner.as_deref(), Some("ops"));
    assert_eq!(doc.tags, vec!["tls", "prod"]);
    assert_eq!(doc.created_by, "tester@host");
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "acme/db/NEW_CERT"
    );
}

#[test]
fn a_new_secret_the_user_could_not_read_back_is_refused_in_the_form() {
    let f = Fixture::demo();
    // A folder whose recipients file holds someone else's key only.
    let other = ward::store::crypto::generate_identity(Utc::now()).1;
    std::fs::create_dir_all(f.store.join("team")).unwrap();
    std::fs::write(f.store.join("team/.recipients"), format!("{other}\n")).unwrap();
    // Approved here, so that the read-back is what refuses (not the trust
    // guard, whose dialog would open at start).
    ward::ops::trust::approve(&f.store(), &[other.as_str()]).unwrap();
    let mut app = f.open(100, 30);
    app.key(KeyCode::Char('n'));
    app.ctrl('u').type_text("team/DB_PASSWORD");
    app.key(KeyCode::Tab).type_text("typed-value");
    app.ctrl('s');
    let s = app.screen();
    assert!(s.contains("refusing to write team/DB_PASSWORD"), "{s}");
    assert!(
        !matches!(
            (&app.app.screen, &app.app.overlay),
            (Screen::Main, Overlay::None)
        ),
        "the form stays open"
    );
    assert!(!f.store.join("team/DB_PASSWORD.age").exists());
}

#[test]
fn form_errors_keep_what_was_typed() {
    let f = Fixture::demo();
    let mut app = f.open(100, 30);
    app.key(KeyCode::Char('n'));
    app.ctrl('u').type_text("acme/db/DATABASE_URL");
    app.key(KeyCode::Tab).type_text("some value");
    app.key(KeyCode::Tab)
        .key(KeyCode::Tab)
        .ctrl('u')
        .type_text("x");
    app.ctrl('s');
    let s = app.screen();
    assert!(s.contains("Kind: unknown kind"), "validation message: {s}");
    // Fix the kind; now the store refuses: the name exists.
    app.key(KeyCode::Backspace).type_text("password");
    app.ctrl('s');
    let s = app.screen();
    assert!(
        s.contains("already exists"),
        "store error shown in the form: {s}"
    );
    let Overlay::Form(form) = &app.app.overlay else {
        panic!("the form stays open")
    };
    assert_eq!(form.fields[0].input.text(), "acme/db/DATABASE_URL");
    assert_eq!(form.fields[1].input.text(), "some value");
    // The existing secret is untouched.
    assert_ne!(f.read("acme/db/DATABASE_URL").value.expose(), "some value");
}

#[test]
fn edit_rotate_rename_compromise_and_delete() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "old-value", |d| d.owner = Some("ann".into()));
    let mut app = f.open(120, 30);
    select(&mut app, "zeta/KEY");

    // Edit: owner and rotation policy.
    app.key(KeyCode::Char('e'));
    app.key(KeyCode::Tab);
    app.ctrl('u');
    app.type_text("bob");
    for _ in 0..5 {
        app.key(KeyCode::Tab);
    }
    app.type_text("30d");
    app.ctrl('s');
    let doc = f.read("zeta/KEY");
    assert_eq!(doc.owner.as_deref(), Some("bob"));
    assert_eq!(doc.rotate_every.unwrap().to_string(), "30d");
    assert_eq!(doc.value.expose(), "old-value");

    // Rotate with a generated value and a reason.
    app.key(KeyCode::Char('R'));
    app.ctrl('g');
    app.key(KeyCode::Tab)
        .key(KeyCode::Tab)
        .type_text("quarterly");
    // The last field: the expiry, empty for a secret without one.
    app.key(KeyCode::Tab).type_text("2031-05-01");
    app.key(KeyCode::Enter);
    let doc = f.read("zeta/KEY");
    assert_eq!(
        doc.expires.map(|d| d.to_string()).as_deref(),
        Some("2031-05-01")
    );
    assert_ne!(doc.value.expose(), "old-value");
    assert_eq!(doc.value.expose().chars().count(), 32);
    assert_eq!(doc.version, 2);
    assert_eq!(doc.history[0].value.expose(), "old-value");
    assert_eq!(doc.history[0].reason.as_deref(), Some("quarterly"));
    assert!(app.screen().contains("Rotated zeta/KEY"));

    // Mark compromised.
    app.key(KeyCode::Char('!'))
        .type_text("leaked")
        .key(KeyCode::Enter);
    assert!(f.read("zeta/KEY").compromised.is_some());
    assert!(app.screen().contains("compromised"));

    // Rename.
    app.key(KeyCode::Char('m'));
    app.ctrl('u');
    app.type_text("omega/KEY2").key(KeyCode::Enter);
    assert!(!path_exists(&f.store, "zeta/KEY"));
    assert!(path_exists(&f.store, "omega/KEY2"));
    assert_eq!(app.app.selected_name().unwrap().as_str(), "omega/KEY2");

    // Delete asks first; n keeps it, y deletes.
    app.key(KeyCode::Char('d'));
    assert!(app.screen().contains("Delete omega/KEY2?"));
    app.key(KeyCode::Char('n'));
    assert!(path_exists(&f.store, "omega/KEY2"));
    app.key(KeyCode::Char('d')).key(KeyCode::Char('y'));
    assert!(!path_exists(&f.store, "omega/KEY2"));
    assert!(app.screen().contains("Moved to the trash: omega/KEY2"));
    // In the trash, still encrypted, and `ward trash restore` brings it back.
    let trash = ward::ops::trash::list(&ward::store::Store::open(&f.store).unwrap());
    assert_eq!(trash.entries.len(), 1);
    assert_eq!(trash.entries[0].entry.name, "omega/KEY2");
    assert!(app
        .app
        .catalog
        .get(&SecretPath::parse("omega/KEY2").unwrap())
        .is_none());
}

#[test]
fn idle_lock_drops_values_and_unlocks_with_enter() {
    let f = Fixture::demo();
    f.put("zeta/KNOWN", "sekrit-value-123", |_| {});
    let mut app = f.open(100, 30);
    select(&mut app, "zeta/KNOWN");
    app.key(KeyCode::Char('r'));
    assert!(app.screen().contains("sekrit-value-123"));
    app.advance(Duration::from_secs(301));
    let s = app.screen();
    assert!(s.contains("ward is locked"), "{s}");
    assert!(
        !s.contains("sekrit") && !s.contains("KNOWN") && !s.contains("acme"),
        "nothing of the store shows: {s}"
    );
    assert!(app.app.detail.doc.is_none(), "the value left memory");
    assert!(app.session.keys.is_none(), "identities dropped");
    app.key(KeyCode::Enter);
    assert!(matches!(
        (&app.app.screen, &app.app.overlay),
        (Screen::Main, Overlay::None)
    ));
    assert!(app.screen().contains("zeta/KNOWN"));
}

#[test]
fn passphrase_identity_unlocks_in_the_tui_with_retry() {
    let f = Fixture::demo();
    // Re-protect the demo identity with a passphrase, in age's own format.
    let plain = std::fs::read(&f.identity).unwrap();
    let pass = age::secrecy::SecretString::from("open sesame".to_string());
    let locked = ward::store::crypto::encrypt_with_passphrase(&plain, &pass);
    std::fs::write(&f.identity, locked).unwrap();
    let mut app = f.open(80, 24);
    let s = app.screen();
    assert!(
        s.contains("ward is locked") && s.contains("Passphrase"),
        "{s}"
    );
    app.type_text("wrong").key(KeyCode::Enter);
    let s = app.screen();
    assert!(s.contains("Wrong passphrase"), "{s}");
    assert!(!s.contains("wrong"), "the typed passphrase is never shown");
    app.type_text("open sesame").key(KeyCode::Enter);
    let s = app.screen();
    assert!(s.contains("acme/"), "{s}");
    assert!(!s.contains("loading"), "metadata loaded after unlock: {s}");
}

#[test]
fn first_run_creates_identity_and_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let id = dir.path().join("cfg/id.txt");
    let settings = settings(&store, &id, &dir.path().join("none.toml"));
    let mut app = Harness::open(&settings, 80, 24, today()).unwrap();
    app.type_text("pw")
        .key(KeyCode::Tab)
        .type_text("px")
        .key(KeyCode::Enter);
    assert!(app.screen().contains("differ"));
    app.key(KeyCode::Backspace)
        .type_text("w")
        .key(KeyCode::Enter);
    assert!(
        matches!(
            (&app.app.screen, &app.app.overlay),
            (Screen::Main, Overlay::None)
        ),
        "{}",
        app.screen()
    );
    assert!(app.screen().contains("no secrets yet"));
    assert!(store.join(".ward/store.toml").exists());
    let head = std::fs::read(&id).unwrap();
    assert!(
        head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"),
        "identity is passphrase-protected"
    );
    app.key(KeyCode::Char('n'))
        .type_text("p/K")
        .key(KeyCode::Tab)
        .type_text("v1")
        .ctrl('s');
    assert!(store.join("p/K.age").exists());
    let audit = std::fs::read_dir(store.join(".ward/audit"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<String>();
    assert!(
        audit.contains("recipients-change") && audit.contains("store created"),
        "{audit}"
    );
    assert!(audit.contains("\"create\""), "{audit}");
}

#[test]
fn hostile_strings_from_the_store_render_harmlessly() {
    let f = Fixture::demo();
    let evil = "\u{1b}]52;c;aGFjaw==\u{7}\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m";
    f.put("zeta/EVIL", evil, |d| {
        d.owner = Some(format!("mallory{evil}"));
        d.notes = Some(format!("line1\n{evil}"));
        d.tags = vec![evil.to_string()];
        d.url = Some(format!("https://x/{evil}"));
    });
    // A file name with an escape cannot be a secret: it is reported, not drawn.
    std::fs::write(f.store.join("zeta").join("bad\u{1b}[31m.age"), b"x").unwrap();
    let mut app = f.open(160, 48);
    select(&mut app, "zeta/EVIL");
    app.key(KeyCode::Char('r'));
    let buf = app.buffer();
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character reached the screen: {:?}",
            cell.symbol()
        );
    }
    let s = app.screen();
    assert!(s.contains("mallory\\e]52;c;aGFjaw==\\x07"), "{s}");
    assert!(s.contains("1 skipped"), "the skipped file is counted: {s}");
    assert!(
        app.app
            .catalog
            .entries
            .iter()
            .all(|e| !e.name.as_str().contains("bad")),
        "an invalid file name is not a secret"
    );
}

#[test]
fn every_size_draws_without_panicking() {
    let f = Fixture::demo();
    let mut app = f.open(80, 24);
    select(&mut app, "acme/web/TLS_CERT");
    for (w, h) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (40, 10),
        (69, 20),
        (70, 20),
        (200, 60),
        (0, 0),
    ] {
        app.resize(w, h);
        app.screen();
        app.key(KeyCode::Char('n'));
        app.screen();
        app.key(KeyCode::Esc).key(KeyCode::Char('?'));
        app.screen();
        app.key(KeyCode::Esc);
    }
}

#[test]
fn mouse_selects_and_scrolls() {
    let f = Fixture::demo();
    let mut app = f.open(100, 30);
    let click = |row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Header row 0, tree border row 1, first tree row at 2: acme/ (folder).
    // Row 5 is the 4th visible row: GITHUB_TOKEN.
    app.mouse(click(5));
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "acme/api/prod/GITHUB_TOKEN"
    );
    app.mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 5,
        row: 10,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(app.app.tree.list.selected, 6);
}

// ---- clipboard and audit -----------------------------------------------------

fn audit_lines(f: &Fixture) -> Vec<serde_json::Value> {
    let dir = f.store.join(".ward/audit");
    let mut out: Vec<serde_json::Value> = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "jsonl") {
            for line in std::fs::read_to_string(entry.path()).unwrap().lines() {
                out.push(serde_json::from_str(line).unwrap());
            }
        }
    }
    out.sort_by_key(|v| v["seq"].as_u64());
    out
}

fn actions(f: &Fixture) -> Vec<String> {
    audit_lines(f)
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v["action"].as_str().unwrap(),
                v["path"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

/// The session's own audit records (unlock, copy, clipboard-cleared, a
/// save's) carry the app's clock, not the machine's: the harness's noon.
#[test]
fn the_sessions_audit_records_carry_the_apps_clock() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "copy-me-clock", |_| {});
    let mut app = f.open(120, 30);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('c'));
    app.advance(Duration::from_secs(46));
    app.key(KeyCode::Char('!'));
    app.type_text("leaked");
    app.key(KeyCode::Enter);
    let times = |action: &str| -> Vec<String> {
        audit_lines(&f)
            .iter()
            .filter(|v| v["actor"] == "tester@host" && v["action"] == action)
            .map(|v| v["time"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(times("unlock"), ["2026-11-27T12:00:00.000Z"]);
    assert_eq!(times("copy"), ["2026-11-27T12:00:00.000Z"]);
    assert_eq!(times("clipboard-cleared"), ["2026-11-27T12:00:46.000Z"]);
    assert_eq!(times("compromise"), ["2026-11-27T12:00:46.000Z"]);
}

#[test]
fn copy_shows_a_countdown_and_clears_only_our_value() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "copy-me-123", |d| {
        d.url = Some("https://example.com/keys".into())
    });
    let mut app = f.open(120, 30);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('c'));
    assert_eq!(app.clipboard.contents().as_deref(), Some("copy-me-123"));
    let s = app.screen();
    assert!(s.contains("clipboard clears in 45 s"), "{s}");
    assert!(s.contains("Copied zeta/KEY"), "{s}");
    assert!(!s.contains("copy-me-123"), "copying does not reveal");
    app.advance(Duration::from_secs(20));
    assert!(app.screen().contains("clipboard clears in 25 s"));
    app.advance(Duration::from_secs(26));
    assert_eq!(app.clipboard.contents(), None, "cleared after the timeout");
    assert!(app.screen().contains("Clipboard cleared"));
    assert!(!app.screen().contains("clipboard clears in"));

    // A field; and something copied by the user meanwhile is left alone.
    app.key(KeyCode::Char('y'));
    assert!(app.screen().contains("Copy which field?"));
    app.key(KeyCode::Char('u'));
    assert_eq!(
        app.clipboard.contents().as_deref(),
        Some("https://example.com/keys")
    );
    app.clipboard.external_copy("the user's own text");
    app.advance(Duration::from_secs(46));
    assert_eq!(
        app.clipboard.contents().as_deref(),
        Some("the user's own text")
    );
    let acts = actions(&f);
    assert!(acts.contains(&"copy zeta/KEY".to_string()), "{acts:?}");
    assert!(
        acts.contains(&"clipboard-cleared zeta/KEY".to_string()),
        "{acts:?}"
    );
}

#[test]
fn locking_and_quitting_clear_our_copied_value_at_once() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "copy-me-lock", |_| {});
    let mut app = f.open(120, 30);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('c'));
    assert_eq!(app.clipboard.contents().as_deref(), Some("copy-me-lock"));
    app.key(KeyCode::Char('L'));
    app.advance(Duration::from_millis(10));
    assert_eq!(app.clipboard.contents(), None, "cleared by the lock");

    let mut app = f.open(120, 30);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('c'));
    app.clipboard.external_copy("the user's own text");
    app.key(KeyCode::Char('L'));
    app.advance(Duration::from_millis(10));
    assert_eq!(
        app.clipboard.contents().as_deref(),
        Some("the user's own text"),
        "something else on the clipboard is left alone"
    );

    let mut app = f.open(120, 30);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('c'));
    app.key(KeyCode::Char('q'));
    app.advance(Duration::from_millis(10));
    assert_eq!(app.clipboard.contents(), None, "cleared on quit");
}

#[test]
fn every_tui_action_writes_its_audit_record_and_never_a_value() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "first-value-xyz", |_| {});
    let mut app = f.open(120, 40);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('r'));
    app.key(KeyCode::Char('c'));
    app.key(KeyCode::Char('e'))
        .key(KeyCode::Tab)
        .type_text("ann")
        .ctrl('s');
    app.key(KeyCode::Char('R'))
        .type_text("second-value-xyz")
        .key(KeyCode::Tab)
        .key(KeyCode::Tab)
        .type_text("scheduled")
        .ctrl('s');
    app.key(KeyCode::Char('!'))
        .type_text("leak")
        .key(KeyCode::Enter);
    app.key(KeyCode::Char('m'))
        .ctrl('u')
        .type_text("zeta/KEY2")
        .key(KeyCode::Enter);
    app.key(KeyCode::Char('d')).key(KeyCode::Char('y'));
    app.key(KeyCode::Char('n'))
        .ctrl('u')
        .type_text("zeta/NEW")
        .key(KeyCode::Tab)
        .type_text("third-value-xyz")
        .ctrl('s');
    app.advance(Duration::from_secs(1));
    let acts = actions(&f);
    for want in [
        "unlock -",
        "view zeta/KEY",
        "reveal zeta/KEY",
        "copy zeta/KEY",
        "edit zeta/KEY",
        "rotate zeta/KEY",
        "compromise zeta/KEY",
        "move zeta/KEY",
        "delete zeta/KEY2",
        "create zeta/NEW",
    ] {
        assert!(
            acts.iter().any(|a| a == want),
            "missing {want:?} in {acts:?}"
        );
    }
    let rotate = audit_lines(&f)
        .into_iter()
        .find(|v| v["action"] == "rotate" && v["path"] == "zeta/KEY")
        .unwrap();
    assert_eq!(rotate["version"], 2);
    assert_eq!(rotate["reason"], "scheduled");
    // No value, or part of one, in any audit file.
    for entry in std::fs::read_dir(f.store.join(".ward/audit"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for v in ["first-value", "second-value", "third-value", "value-xyz"] {
            assert!(!text.contains(v), "{v} in {}", entry.path().display());
        }
    }
    // The timeline pane shows the records.
    select(&mut app, "zeta/NEW");
    let s = app.screen();
    assert!(
        s.contains("Audit timeline") && s.contains("tester@host create"),
        "{s}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args([
            "--store",
            f.store.to_str().unwrap(),
            "-i",
            f.identity.to_str().unwrap(),
            "audit",
            "verify",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn audit_screen_filters_and_charts() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "v", |_| {});
    let mut app = f.open(120, 36);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('r')).key(KeyCode::Char('r'));
    app.key(KeyCode::Char('a'));
    let s = app.screen();
    assert!(
        s.contains("Activity per day") && s.contains("Records, newest first"),
        "{s}"
    );
    let row = |s: &str, action: &str| {
        s.lines().any(|l| {
            l.contains("tester@host")
                && l.contains(&format!(" {action} "))
                && l.contains("zeta/KEY")
        })
    };
    assert!(row(&s, "reveal"), "{s}");
    assert!(row(&s, "view"), "{s}");
    // f cycles the action filter: unlock, unlock-failed, view, reveal…
    app.key(KeyCode::Char('f'))
        .key(KeyCode::Char('f'))
        .key(KeyCode::Char('f'));
    let s = app.screen();
    assert!(
        s.contains("· view ·") && !row(&s, "reveal") && row(&s, "view"),
        "{s}"
    );
    app.key(KeyCode::Char('f'));
    app.key(KeyCode::Char('/'))
        .type_text("nothing-matches")
        .key(KeyCode::Enter);
    assert!(app.screen().contains("No records match."));
    app.key(KeyCode::Esc);
    assert!(matches!(
        (&app.app.screen, &app.app.overlay),
        (Screen::Main, Overlay::None)
    ));
}

/// The audit screen on the demo store and one more secret, after a view and
/// a reveal two and a half minutes in. Every record's time is fixed: the demo's
/// and `put`'s by the fixture, the session's unlock and the app's view and
/// reveal by the harness's clock.
fn audit_screen(w: u16, h: u16) -> String {
    let f = Fixture::demo();
    f.put("zeta/KEY", "v", |d| d.owner = Some("ann".into()));
    let mut app = f.open(w, h);
    app.advance(Duration::from_secs(150));
    // The last secret, without viewing every one on the way.
    app.key(KeyCode::Char('G'));
    assert_eq!(app.app.selected_name().unwrap().as_str(), "zeta/KEY");
    app.key(KeyCode::Char('r')).key(KeyCode::Char('r'));
    app.key(KeyCode::Char('a'));
    app.screen()
}

#[test]
fn snapshot_audit_screen_80x24() {
    assert_snapshot!("audit_80x24", audit_screen(80, 24));
}

#[test]
fn snapshot_audit_screen_160x48() {
    assert_snapshot!("audit_160x48", audit_screen(160, 48));
}

#[test]
fn the_header_counts_the_alerts_of_the_last_day() {
    let f = Fixture::demo();
    std::fs::write(
        &f.config,
        "actor = \"tester@host\"\n[alerts]\nsensitive = [\"acme/api/prod\"]\n",
    )
    .unwrap();
    let mut app = f.open(160, 40);
    assert!(!app.screen().contains("alert"), "{}", app.screen());
    drop(app);
    // Someone exported the whole store last night.
    let keys = f.keys();
    let log = ward::audit::Log::open(
        &f.store,
        "mallory@host",
        ward::audit::keyring_fingerprint(&keys),
    );
    let night = Utc.with_ymd_and_hms(2026, 11, 26, 23, 0, 0).unwrap();
    log.append(
        &keys,
        ward::audit::Event::new(ward::audit::Action::Export)
            .reason(Some("export env"))
            .at(night),
    )
    .unwrap();
    let mut app = f.open(160, 40);
    let s = app.screen();
    assert!(s.contains("⚠ 1 alert (ward audit alerts)"), "{s}");
    let mut narrow = f.open(80, 24);
    let s = narrow.screen();
    assert!(s.contains("⚠ 1 alert"), "{s}");
}

#[test]
fn a_tampered_audit_log_shows_a_warning_in_the_header() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "v", |_| {});
    {
        let mut app = f.open(120, 30);
        select(&mut app, "zeta/KEY");
        app.key(KeyCode::Char('r'));
    }
    let file = std::fs::read_dir(f.store.join(".ward/audit"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .unwrap();
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"reveal\"", "\"view\"");
    std::fs::write(&file, text).unwrap();
    let mut app = f.open(160, 40);
    let s = app.screen();
    assert!(s.contains("⚠ audit log: chain broken"), "{s}");
}

#[test]
fn statuses_roll_over_at_midnight_in_a_running_tui() {
    let f = Fixture::demo();
    // No idle lock: the test waits half a day.
    std::fs::write(&f.config, "actor = \"tester@host\"\nidle_lock = 0\n").unwrap();
    // Rotated on 2026-11-01 every 26 days: due on 2026-11-27, today.
    f.put("zeta/DUE_TODAY", "v", |d| {
        d.rotate_every = Some(ward::policy::Interval::days(26))
    });
    let mut app = f.open(120, 40);
    select(&mut app, "zeta/DUE_TODAY");
    let name = SecretPath::parse("zeta/DUE_TODAY").unwrap();
    let status = |app: &Harness| app.app.catalog.get(&name).and_then(|e| e.status());
    assert_eq!(status(&app), Some(Status::DueSoon));
    assert!(app.screen().contains("rotation due today"));
    let overdue_before = app.app.catalog.counts().get(Status::Overdue);
    // A minute before midnight: still today.
    let midnight = (today() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(chrono::Local)
        .earliest()
        .unwrap();
    let left = (midnight - app.clock.wall).to_std().unwrap();
    app.advance(left - Duration::from_secs(60));
    assert_eq!(status(&app), Some(Status::DueSoon));
    // A minute after: the TUI, still open, shows tomorrow's statuses.
    app.advance(Duration::from_secs(120));
    assert_eq!(app.app.catalog.today, today() + chrono::Days::new(1));
    assert_eq!(status(&app), Some(Status::Overdue));
    let s = app.screen();
    assert!(s.contains("rotation overdue by 1 day"), "{s}");
    assert_eq!(
        app.app.catalog.counts().get(Status::Overdue),
        overdue_before + 1
    );
    assert!(
        s.contains(&format!("> {} overdue", overdue_before + 1)),
        "{s}"
    );
}

// ---- review screen -----------------------------------------------------------

fn review_names(app: &Harness) -> Vec<String> {
    app.app
        .review
        .visible()
        .iter()
        .map(|r| r.name.to_string())
        .collect()
}

#[test]
fn review_sorts_filters_jumps_and_rotates() {
    let f = Fixture::demo();
    let mut app = f.open(120, 40);
    app.key(KeyCode::Char('v'));
    // Worst first by default.
    let names = review_names(&app);
    assert_eq!(names[0], "acme/api/prod/GITHUB_TOKEN");
    assert_eq!(names[1], "acme/web/TLS_CERT");
    assert_eq!(names.len(), 15);
    // Sort by name, then reversed.
    app.key(KeyCode::Char('s'));
    assert_eq!(app.app.review.sort.label(), "name");
    assert_eq!(review_names(&app)[0], "acme/api/prod/GITHUB_TOKEN");
    app.key(KeyCode::Char('S'));
    assert_eq!(review_names(&app)[0], "personal/HOME_WIFI");
    app.key(KeyCode::Char('S'));
    // Status filter: needs action keeps compromised, expired, overdue.
    app.key(KeyCode::Char('f'));
    let names = review_names(&app);
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(app.screen().contains("needs action"));
    // Project filter.
    app.key(KeyCode::Char('p'));
    assert!(review_names(&app).iter().all(|n| n.starts_with("acme/")));
    app.key(KeyCode::Char('p'))
        .key(KeyCode::Char('p'))
        .key(KeyCode::Char('p'))
        .key(KeyCode::Char('p'));
    assert_eq!(app.app.review.project, None, "cycles back to all projects");
    // Fuzzy filter.
    app.key(KeyCode::Char('/'))
        .type_text("stripe")
        .key(KeyCode::Enter);
    let names = review_names(&app);
    assert_eq!(
        names,
        vec!["acme/api/prod/STRIPE_SECRET_KEY"],
        "needs-action ∩ stripe"
    );
    // Rotate from the review: the row turns ok and the form returns here.
    app.key(KeyCode::Char('R'));
    app.ctrl('g')
        .key(KeyCode::Tab)
        .key(KeyCode::Tab)
        .type_text("from review")
        .ctrl('s');
    assert!(
        matches!(
            (&app.app.screen, &app.app.overlay),
            (Screen::Review, Overlay::None)
        ),
        "back on the review"
    );
    let doc = f.read("acme/api/prod/STRIPE_SECRET_KEY");
    assert_eq!(doc.history[0].reason.as_deref(), Some("from review"));
    assert!(
        doc.value.expose().starts_with("sk_live_"),
        "the secret's own generator settings"
    );
    assert!(review_names(&app).is_empty(), "no longer needs action");
    app.key(KeyCode::Char('f'));
    app.key(KeyCode::Char('f'))
        .key(KeyCode::Char('f'))
        .key(KeyCode::Char('f'))
        .key(KeyCode::Char('f'));
    assert_eq!(app.app.review.status.label(), "ok");
    assert_eq!(
        review_names(&app),
        vec![
            "acme/api/prod/STRIPE_SECRET_KEY",
            "acme/api/staging/STRIPE_SECRET_KEY"
        ]
    );
    // Enter jumps to the secret in the tree.
    app.key(KeyCode::Enter);
    assert!(matches!(
        (&app.app.screen, &app.app.overlay),
        (Screen::Main, Overlay::None)
    ));
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "acme/api/prod/STRIPE_SECRET_KEY"
    );
    assert!(app.screen().contains("+ ok"));
}

#[test]
fn the_metadata_cache_is_used_and_never_wrong() {
    let f = Fixture::demo();
    let cache = f._dir.path().join("cache");
    let open = |f: &Fixture| {
        let mut h =
            Harness::open_with_cache(&f.settings(), 100, 30, today(), Some(cache.clone())).unwrap();
        h.app.store_label = "~/demo/store".into();
        h
    };
    let first = open(&f);
    drop(first);
    let cache_file = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    assert!(cache_file.to_string_lossy().ends_with(".cache.age"));
    // Change a secret behind the cache's back; the next start must see it.
    let name = SecretPath::parse("personal/HOME_WIFI").unwrap();
    f.store()
        .update(
            &f.keys(),
            &name,
            Guard::unchecked(),
            |d| {
                d.owner = Some("changed-owner".into());
                Ok(())
            },
            |_, _| {},
        )
        .unwrap();
    let mut second = open(&f);
    let entry = second.app.catalog.get(&name).unwrap();
    assert_eq!(
        entry.loaded().unwrap().meta.owner.as_deref(),
        Some("changed-owner")
    );
    assert!(second.screen().contains("15 secrets"));
}

#[test]
fn enter_on_an_audit_record_jumps_to_its_secret() {
    let f = Fixture::demo();
    f.put("zeta/KEY", "v", |_| {});
    let mut app = f.open(120, 36);
    select(&mut app, "zeta/KEY");
    app.key(KeyCode::Char('r'));
    app.key(KeyCode::Char('g')); // back to the top of the tree
    app.key(KeyCode::Char('a'));
    // Newest first: the reveal of zeta/KEY.
    app.key(KeyCode::Enter);
    assert!(matches!(
        (&app.app.screen, &app.app.overlay),
        (Screen::Main, Overlay::None)
    ));
    assert_eq!(app.app.selected_name().unwrap().as_str(), "zeta/KEY");
}

#[test]
fn first_run_with_an_existing_protected_identity_asks_for_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let id = dir.path().join("id.txt");
    let (text, _) = ward::store::crypto::generate_identity(Utc::now());
    let pass = age::secrecy::SecretString::from("correct horse".to_string());
    std::fs::write(
        &id,
        ward::store::crypto::encrypt_with_passphrase(text.as_bytes(), &pass),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&id, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let settings = settings(&store, &id, &dir.path().join("none.toml"));
    let mut app = Harness::open(&settings, 100, 30, today()).unwrap();
    let s = app.screen();
    assert!(
        s.contains("exists, reused") && s.contains("If that identity has a passphrase"),
        "{s}"
    );
    app.type_text("wrong").key(KeyCode::Enter);
    assert!(
        app.screen().contains("wrong passphrase"),
        "{}",
        app.screen()
    );
    assert!(!store.join(".ward/store.toml").exists());
    for _ in 0..5 {
        app.key(KeyCode::Backspace);
    }
    app.type_text("correct horse").key(KeyCode::Enter);
    assert!(
        matches!(
            (&app.app.screen, &app.app.overlay),
            (Screen::Main, Overlay::None)
        ),
        "{}",
        app.screen()
    );
    assert!(store.join(".ward/store.toml").exists());
    assert!(
        app.app.protected,
        "the lock screen will ask for the passphrase"
    );
}

#[test]
fn changes_made_by_another_process_show_up_by_themselves() {
    let f = Fixture::demo();
    let mut app = f.open(120, 40);
    select(&mut app, "personal/HOME_WIFI");
    // Another process adds a secret and edits the one on screen.
    f.put("zeta/FROM_CLI", "v", |_| {});
    let name = SecretPath::parse("personal/HOME_WIFI").unwrap();
    f.store()
        .update(
            &f.keys(),
            &name,
            Guard::unchecked(),
            |d| {
                d.owner = Some("someone-else".into());
                Ok(())
            },
            |_, _| {},
        )
        .unwrap();
    assert!(!app.screen().contains("FROM_CLI"));
    app.advance(Duration::from_secs(4));
    let s = app.screen();
    assert!(s.contains("16 secrets"), "{s}");
    assert!(s.contains("someone-else"), "the detail was read again: {s}");
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "personal/HOME_WIFI"
    );
}

// ---- key bindings ------------------------------------------------------------

/// A line of the screen that contains `text`, for assertion messages.
fn line_with<'a>(screen: &'a str, text: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(text))
}

#[test]
fn a_rebound_key_changes_dispatch_the_footer_dialog_hints_and_the_help() {
    let f = Fixture::demo();
    std::fs::write(
        &f.config,
        "actor = \"tester@host\"\nidle_lock = 0\n\
         [keys]\nnew = [\"+\"]\nreveal = [\"space\"]\n\
         \"form.cancel\" = [\"ctrl-q\"]\n\"confirm.no\" = [\"x\", \"esc\"]\n",
    )
    .unwrap();
    let mut app = f.open(120, 60);
    // The footer names the new keys.
    let s = app.screen();
    let footer = s.lines().last().unwrap();
    assert!(
        footer.contains("+ new") && footer.contains("space reveal"),
        "{footer}"
    );
    // Dispatch: the old key does nothing, the new one acts, and the detail's
    // hint names it.
    select(&mut app, "acme/db/DATABASE_URL");
    app.key(KeyCode::Char('r'));
    assert!(!app.screen().contains("hides now"));
    app.key(KeyCode::Char(' '));
    let s = app.screen();
    assert!(s.contains("s · space hides now"), "{s}");
    // The form: footer, the keys line, and the discard question.
    app.key(KeyCode::Char('n'));
    assert!(
        matches!(
            (&app.app.screen, &app.app.overlay),
            (Screen::Main, Overlay::None)
        ),
        "n no longer opens a form"
    );
    app.key(KeyCode::Char('+'));
    assert!(matches!(app.app.overlay, Overlay::Form(_)));
    let s = app.screen();
    assert!(
        line_with(&s, "next/save").is_some_and(|l| l.contains("Ctrl-S save · ctrl-q cancel")),
        "{s}"
    );
    assert!(s.lines().last().unwrap().contains("ctrl-q cancel"), "{s}");
    app.type_text("x");
    app.key(KeyCode::Esc);
    assert!(
        matches!(app.app.overlay, Overlay::Form(_)),
        "Esc is no longer cancel"
    );
    app.ctrl('q');
    let s = app.screen();
    assert!(
        s.contains("Press ctrl-q again to discard what you typed."),
        "{s}"
    );
    app.ctrl('q');
    assert!(matches!(
        (&app.app.screen, &app.app.overlay),
        (Screen::Main, Overlay::None)
    ));
    // The confirmation names the new "no" keys.
    app.key(KeyCode::Char('d'));
    let s = app.screen();
    assert!(
        line_with(&s, " yes ").is_some_and(|l| l.contains("y yes   x / esc no")),
        "{s}"
    );
    app.key(KeyCode::Char('x'));
    assert!(matches!(
        (&app.app.screen, &app.app.overlay),
        (Screen::Main, Overlay::None)
    ));
    // The help lists the new keys (a page at a time).
    app.key(KeyCode::Char('?'));
    let mut s = app.screen();
    for _ in 0..4 {
        app.key(KeyCode::PageDown);
        s.push_str(&app.screen());
    }
    for (keys, what) in [
        ("+", "New secret"),
        ("space", "Reveal or hide"),
        ("ctrl-q", "Cancel"),
        ("x / esc", "No"),
    ] {
        assert!(
            s.lines()
                .any(|l| l.contains(&format!("  {keys}  ")) && l.contains(what)),
            "{keys} {what}: {s}"
        );
    }
}

#[test]
fn the_first_run_screen_takes_its_keys_from_the_keymap() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[keys]\n\"first-run.quit\" = [\"ctrl-q\"]\n\"first-run.next-field\" = [\"ctrl-n\"]\n",
    )
    .unwrap();
    let settings = settings(
        &dir.path().join("store"),
        &dir.path().join("id.txt"),
        &config,
    );
    let mut app = Harness::open(&settings, 100, 30, today()).unwrap();
    let s = app.screen();
    assert!(
        s.contains("Enter create   ctrl-n next field   ctrl-q quit without creating anything"),
        "{s}"
    );
    let focus = |app: &Harness| match &app.app.screen {
        Screen::FirstRun(fr) => fr.focus,
        other => panic!("{other:?}"),
    };
    app.key(KeyCode::Tab);
    assert_eq!(focus(&app), 0, "Tab no longer moves");
    app.ctrl('n');
    assert_eq!(focus(&app), 1);
    app.key(KeyCode::Esc);
    assert!(!app.app.quit, "Esc no longer quits");
    app.ctrl('q');
    assert!(app.app.quit);
    assert!(!dir.path().join("store").exists());
}

#[test]
fn typing_an_audit_filter_uses_the_filter_keys() {
    let f = Fixture::demo();
    let mut app = f.open(120, 36);
    app.key(KeyCode::Char('a'));
    app.key(KeyCode::Char('/')).type_text("demo");
    assert!(app.app.audit.filter.active);
    app.key(KeyCode::Enter);
    assert!(!app.app.audit.filter.active);
    assert_eq!(app.app.audit.filter.text(), "demo");
    app.key(KeyCode::Char('/')).type_text("x");
    app.key(KeyCode::Esc);
    assert!(!app.app.audit.filter.active);
    assert_eq!(app.app.audit.filter.text(), "", "Esc clears");
    assert!(
        matches!(
            (&app.app.screen, &app.app.overlay),
            (Screen::Audit, Overlay::None)
        ),
        "and stays on the screen"
    );
}

/// An identity file that goes away while the TUI runs is explained in the
/// interface's own words (the command line's flags are not named there).
#[test]
fn a_vanished_identity_is_explained_in_the_interfaces_words() {
    let f = Fixture::demo();
    let mut app = f.open(160, 48);
    app.key(KeyCode::Char('L'));
    std::fs::remove_file(&f.identity).unwrap();
    app.key(KeyCode::Enter);
    let ward::app::Screen::Locked(lock) = &app.app.screen else {
        panic!("still locked");
    };
    let error = lock.error.clone().unwrap_or_default();
    let wanted = format!(
        "no identity at {}: the file is gone; restore it, or quit and run `ward init`",
        f.identity.display()
    );
    assert_eq!(error, wanted);
    assert!(!error.contains("--identity"), "{error}");
    let screen = app.screen();
    assert!(
        screen.contains("restore it, or quit and run `ward init`"),
        "{screen}"
    );
}

// ---- joining a store and trusting its keys -----------------------------------

/// A user who is not (yet) a member of the demo store: their own config
/// (actor dan@laptop) and identity path in `dir`.
fn joiner(f: &Fixture, dir: &Path, identity: Option<&str>) -> Settings {
    let config = dir.join("dan.toml");
    std::fs::write(&config, "actor = \"dan@laptop\"\n").unwrap();
    let id = dir.join("dan/identity.txt");
    if let Some(text) = identity {
        std::fs::create_dir_all(id.parent().unwrap()).unwrap();
        std::fs::write(&id, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&id, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    settings(&f.store, &id, &config)
}

/// The screen with the temporary folders and a key masked.
fn masked_screen(h: &mut Harness, dirs: &[&Path], key: Option<&str>) -> String {
    let mut s = h.screen();
    for d in dirs {
        s = s.replace(d.to_str().unwrap(), "/tmp/T");
    }
    if let Some(k) = key {
        let mask = format!("age1{}", "K".repeat(k.len() - 4));
        s = s.replace(k, &mask);
    }
    s
}

fn join_no_identity_screen(w: u16, h: u16) -> String {
    let f = Fixture::demo();
    let dir = tempfile::tempdir().unwrap();
    let mut app = Harness::open(&joiner(&f, dir.path(), None), w, h, today()).unwrap();
    masked_screen(&mut app, &[dir.path(), f._dir.path()], None)
}

#[test]
fn snapshot_join_no_identity_80x24() {
    assert_snapshot!("join_no_identity_80x24", join_no_identity_screen(80, 24));
}

#[test]
fn snapshot_join_no_identity_160x48() {
    assert_snapshot!("join_no_identity_160x48", join_no_identity_screen(160, 48));
}

fn join_not_a_member_screen(w: u16, h: u16) -> String {
    let f = Fixture::demo();
    let dir = tempfile::tempdir().unwrap();
    let (text, public) = ward::store::crypto::generate_identity(Utc::now());
    let settings = joiner(&f, dir.path(), Some(&text));
    let mut app = Harness::open(&settings, w, h, today()).unwrap();
    masked_screen(&mut app, &[dir.path(), f._dir.path()], Some(&public))
}

#[test]
fn snapshot_join_not_a_member_80x24() {
    assert_snapshot!("join_not_a_member_80x24", join_not_a_member_screen(80, 24));
}

#[test]
fn snapshot_join_not_a_member_160x48() {
    assert_snapshot!(
        "join_not_a_member_160x48",
        join_not_a_member_screen(160, 48)
    );
}

/// The demo store with a key added by hand to a folder's recipients file,
/// labelled, that this machine never approved; returns the key.
fn with_unapproved_key(f: &Fixture) -> String {
    let other = ward::store::crypto::generate_identity(Utc::now()).1;
    let mine = f.keys().public_keys()[0].clone();
    std::fs::write(
        f.store.join("acme/.recipients"),
        format!("{mine}\n# label: eve@laptop\n{other}\n"),
    )
    .unwrap();
    other
}

fn trust_dialog_screen(w: u16, h: u16) -> String {
    let f = Fixture::demo();
    let other = with_unapproved_key(&f);
    let mut app = f.open(w, h);
    let short = ward::store::recipients::short_key(&other);
    app.screen().replace(&short, "age1KKKKKKKK…KKKKK")
}

#[test]
fn snapshot_trust_dialog_80x24() {
    assert_snapshot!("trust_dialog_80x24", trust_dialog_screen(80, 24));
}

#[test]
fn snapshot_trust_dialog_160x48() {
    assert_snapshot!("trust_dialog_160x48", trust_dialog_screen(160, 48));
}

/// The member's side of joining: the real CLI adds the key (and
/// re-encrypts), in its own sandbox.
fn member_adds(f: &Fixture, key: &str) {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .arg("--store")
        .arg(&f.store)
        .arg("--identity")
        .arg(&f.identity)
        .args(["recipients", "add", key, "--label", "dan@laptop"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("cfg"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn joining_creates_the_identity_shows_the_command_and_opens_once_added() {
    let f = Fixture::demo();
    let dir = tempfile::tempdir().unwrap();
    let settings = joiner(&f, dir.path(), None);
    let id = settings.identities[0].clone();
    let mut app = Harness::open(&settings, 80, 24, today()).unwrap();
    assert!(app.screen().contains("Join this store"));
    // Upper case and punctuation: never part of an age key on the screen.
    app.type_text("PW!").key(KeyCode::Tab).type_text("PW?");
    app.key(KeyCode::Enter);
    assert!(app.screen().contains("differ"));
    assert!(!id.exists(), "nothing made on a mismatch");
    app.key(KeyCode::Backspace)
        .type_text("!")
        .key(KeyCode::Enter);
    let head = std::fs::read(&id).unwrap();
    assert!(head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    let Screen::Join(join) = &app.app.screen else {
        panic!("{}", app.screen());
    };
    let public = join.public.clone().unwrap();
    let s = app.screen();
    assert!(s.contains(&public), "{s}");
    assert!(s.contains("ward recipients add"), "{s}");
    assert!(!s.contains("PW!"), "the passphrase never shows");
    // The command is copied whole, through the session's copier.
    app.key(KeyCode::Char('c'));
    let want = format!("ward recipients add {public} --label dan@laptop");
    assert_eq!(app.clipboard.contents().as_deref(), Some(want.as_str()));
    assert!(app.screen().contains("Copied the command"));
    // Not yet a member: the screen says so and stays.
    app.key(KeyCode::Char('r'));
    assert!(app.screen().contains("Not yet"), "{}", app.screen());
    assert!(matches!(app.app.screen, Screen::Join(_)));
    member_adds(&f, &public);
    app.key(KeyCode::Char('r'));
    assert!(matches!(app.app.screen, Screen::Main), "{}", app.screen());
    select(&mut app, "acme/db/DATABASE_URL");
    let s = app.screen();
    assert!(s.contains("DATABASE_URL") && !s.contains("cannot"), "{s}");
}

#[test]
fn an_identity_that_is_no_recipient_gets_the_join_screen_without_the_create_step() {
    let f = Fixture::demo();
    let dir = tempfile::tempdir().unwrap();
    let (text, public) = ward::store::crypto::generate_identity(Utc::now());
    let mut app = Harness::open(&joiner(&f, dir.path(), Some(&text)), 80, 24, today()).unwrap();
    let s = app.screen();
    assert!(s.contains("not a member") && s.contains(&public), "{s}");
    assert!(!s.contains("Passphrase"), "{s}");
    // No audit record is attempted for a non-member (it could not be sealed).
    assert!(!audit_lines(&f).iter().any(|l| l["actor"] == "dan@laptop"));
}

#[test]
fn the_trust_dialog_opens_at_start_and_on_a_refused_write_and_approves_on_confirmation() {
    let f = Fixture::demo();
    let other = with_unapproved_key(&f);
    let mut app = f.open(100, 30);
    let s = app.screen();
    assert!(
        s.contains("Keys to approve") && s.contains("eve@laptop"),
        "{s}"
    );
    assert!(s.contains("acme/.recipients"), "{s}");
    // Dismissed: writes under acme/ are still refused, and the refusal
    // opens the dialog again over the form, which keeps what was typed.
    app.key(KeyCode::Esc);
    assert!(matches!(app.app.overlay, Overlay::None));
    app.key(KeyCode::Char('n'));
    app.ctrl('u').type_text("acme/NEW_KEY");
    app.key(KeyCode::Tab).type_text("typed-value").ctrl('s');
    assert!(!path_exists(&f.store, "acme/NEW_KEY"));
    let Overlay::Trust(dialog) = &app.app.overlay else {
        panic!("{}", app.screen());
    };
    assert!(dialog
        .refused
        .as_deref()
        .unwrap()
        .contains("refusing to write acme/NEW_KEY"));
    assert!(matches!(dialog.under, Overlay::Form(_)));
    // Approve asks first; No keeps it pending.
    app.key(KeyCode::Char('a'));
    assert!(app.screen().contains("Approve 1 key"), "{}", app.screen());
    app.key(KeyCode::Char('n'));
    assert!(!ward::ops::trust::approved_keys(&f.store())
        .unwrap()
        .contains(&ward::store::crypto::key_id(&other)));
    app.key(KeyCode::Char('a')).key(KeyCode::Char('y'));
    assert!(ward::ops::trust::approved_keys(&f.store())
        .unwrap()
        .contains(&ward::store::crypto::key_id(&other)));
    // Back on the form, which saves now.
    assert!(
        matches!(app.app.overlay, Overlay::Form(_)),
        "{}",
        app.screen()
    );
    app.ctrl('s');
    assert!(path_exists(&f.store, "acme/NEW_KEY"), "{}", app.screen());
}

#[test]
fn in_a_git_store_the_trust_dialog_names_the_commit_and_author_and_escapes_labels() {
    if !common::require("git") {
        return;
    }
    let f = Fixture::demo();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&f.store)
            .args(["-c", "user.name=Eve", "-c", "user.email=eve@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let other = ward::store::crypto::generate_identity(Utc::now()).1;
    let mine = f.keys().public_keys()[0].clone();
    std::fs::write(
        f.store.join("acme/.recipients"),
        format!("{mine}\n# label: eve\u{1b}[2J@laptop\n{other}\n"),
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "add eve"]);
    let mut app = f.open(160, 48);
    let s = app.screen();
    assert!(s.contains("by Eve <eve@example.com>"), "{s}");
    assert!(s.contains("last changed in commit"), "{s}");
    let buf = app.buffer();
    let raw: String = buf.content().iter().map(|c| c.symbol()).collect();
    assert!(!raw.contains('\u{1b}'), "no escape reaches the terminal");
    let shown = ward::sanitize::escape("eve\u{1b}[2J@laptop");
    assert!(s.contains(&shown), "the label shows escaped: {s}");
}

#[test]
fn a_protected_identity_that_is_no_recipient_unlocks_onto_the_join_screen() {
    let f = Fixture::demo();
    let dir = tempfile::tempdir().unwrap();
    let (text, public) = ward::store::crypto::generate_identity(Utc::now());
    let pass = age::secrecy::SecretString::from("open sesame".to_string());
    let locked = ward::store::crypto::encrypt_with_passphrase(text.as_bytes(), &pass);
    let settings = joiner(&f, dir.path(), None);
    let id = &settings.identities[0];
    std::fs::create_dir_all(id.parent().unwrap()).unwrap();
    common::write_private(id, &locked);
    let mut app = Harness::open(&settings, 80, 24, today()).unwrap();
    assert!(app.screen().contains("ward is locked"));
    app.type_text("open sesame").key(KeyCode::Enter);
    let s = app.screen();
    assert!(s.contains("not a member") && s.contains(&public), "{s}");
    assert!(matches!(app.app.screen, Screen::Join(_)));
    assert!(!audit_lines(&f).iter().any(|l| l["actor"] == "dan@laptop"));
}

// ---- the selection follows the secret (issue 16) ------------------------------

/// The secrets viewed (audit "view" records), in order.
fn viewed(f: &Fixture) -> Vec<String> {
    actions(f)
        .into_iter()
        .filter_map(|a| a.strip_prefix("view ").map(str::to_string))
        .collect()
}

#[test]
fn a_secret_added_by_another_process_leaves_the_detail_on_the_selected_one() {
    let f = Fixture::demo();
    let mut app = f.open(120, 40);
    select(&mut app, "acme/web/TLS_CERT");
    let before = viewed(&f);
    // Another process adds a secret that sorts before the selected one.
    f.put("acme/api/ANOTHER", "v", |_| {});
    app.advance(Duration::from_secs(4));
    let s = app.screen();
    assert!(s.contains("ANOTHER"), "{s}");
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "acme/web/TLS_CERT"
    );
    assert_eq!(
        app.app.detail.name.as_ref().unwrap().as_str(),
        "acme/web/TLS_CERT"
    );
    assert_eq!(viewed(&f), before, "nothing else was decrypted and logged");
}

/// Moves the review's selection down onto `name`.
fn review_select(app: &mut Harness, name: &str) {
    app.key(KeyCode::Char('g'));
    for _ in 0..40 {
        if app
            .app
            .review
            .selected_name()
            .map(|n| n.to_string())
            .as_deref()
            == Some(name)
        {
            return;
        }
        app.key(KeyCode::Char('j'));
    }
    panic!("{name} is not in the review: {:?}", review_names(app));
}

#[test]
fn a_rotation_in_the_sorted_review_keeps_the_row_on_the_rotated_secret() {
    let f = Fixture::demo();
    let mut app = f.open(120, 40);
    app.key(KeyCode::Char('v'));
    // Sorted by age: the oldest first.
    for _ in 0..20 {
        if app.app.review.sort.label() == "age" {
            break;
        }
        app.key(KeyCode::Char('s'));
    }
    assert_eq!(app.app.review.sort.label(), "age");
    review_select(&mut app, "infra/aws/ACCESS_KEY_ID");
    let row = app.app.review.list.selected;
    let before = f.read("infra/aws/ACCESS_KEY_ID").version;
    app.key(KeyCode::Char('R')).ctrl('g').ctrl('s');
    let doc = f.read("infra/aws/ACCESS_KEY_ID");
    assert_eq!(doc.version, before + 1, "rotated");
    // The rotated secret is the youngest now: its row moved, the selection
    // with it.
    let names = review_names(&app);
    assert_ne!(names[row], "infra/aws/ACCESS_KEY_ID", "the rows re-sorted");
    assert_eq!(
        app.app.review.selected_name().unwrap().as_str(),
        "infra/aws/ACCESS_KEY_ID"
    );
    let s = app.screen();
    let selected_line = (0..40u16)
        .find(|y| {
            let buf = app.terminal.backend().buffer();
            buf[(2, *y)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
                || buf[(2, *y)].bg == Color::Cyan
        })
        .map(|y| s.lines().nth(y as usize).unwrap().to_string());
    assert!(
        selected_line
            .as_deref()
            .is_some_and(|l| l.contains("ACCESS_KEY_ID")),
        "the highlight is on the rotated secret: {selected_line:?}\n{s}"
    );
    // Enter opens it, not the secret that took its row.
    app.key(KeyCode::Enter);
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "infra/aws/ACCESS_KEY_ID"
    );
}

#[test]
fn enter_after_a_rotation_in_a_filtered_review_opens_the_rotated_secret() {
    let f = Fixture::demo();
    let mut app = f.open(120, 40);
    app.key(KeyCode::Char('v'));
    app.key(KeyCode::Char('/'))
        .type_text("stripe")
        .key(KeyCode::Enter);
    review_select(&mut app, "acme/api/prod/STRIPE_SECRET_KEY");
    let before = f.read("acme/api/prod/STRIPE_SECRET_KEY").version;
    app.key(KeyCode::Char('R')).ctrl('g').ctrl('s');
    assert_eq!(
        f.read("acme/api/prod/STRIPE_SECRET_KEY").version,
        before + 1
    );
    app.key(KeyCode::Enter);
    assert_eq!(
        app.app.selected_name().unwrap().as_str(),
        "acme/api/prod/STRIPE_SECRET_KEY"
    );
    assert_eq!(app.app.focus, ward::app::Pane::Tree);
}

#[test]
fn deleting_while_scrolled_leaves_no_empty_rows_and_a_secret_selected() {
    let f = Fixture::demo();
    let mut app = f.open(80, 12);
    app.key(KeyCode::Char('G'));
    let last = app.app.selected_name().unwrap().to_string();
    assert!(app.app.tree.list.offset > 0, "rows above are scrolled off");
    app.key(KeyCode::Char('d')).key(KeyCode::Char('y'));
    assert!(!path_exists(&f.store, &last));
    let rows = app.app.tree.rows.len();
    let list = &app.app.tree.list;
    // The tree's rows inside its borders (less the status line's row while
    // the "Deleted" notice shows).
    let pane = ward::app::layout::compute(app.app.area(), app.app.focus).tree;
    let shown = pane.height as usize - 2;
    assert_eq!(list.offset, rows - shown, "the window ends on the last row");
    assert!(
        app.app.selected_name().is_some(),
        "on a secret, not a folder"
    );
}

// ---- focus, themes, the status line (issue 16) ---------------------------------

#[test]
fn focus_shows_without_colour_as_a_title_marker_bold_and_reverse() {
    let f = Fixture::demo();
    let mut app = f.open(100, 24);
    app.app.mono = true;
    select(&mut app, "acme/web/TLS_CERT");
    let tree_focused = app.screen();
    assert_snapshot!("focus_mono_tree_100x24", tree_focused);
    let buf = app.buffer();
    let (x, y) = find(&buf, "▶Secrets").expect("the tree's title is marked");
    assert!(buf[(x, y)]
        .modifier
        .contains(ratatui::style::Modifier::BOLD));
    assert!(
        buf[(0, y)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD),
        "the focused border is bold"
    );
    let (sx, sy) = find(&buf, "x TLS_CERT").map(|(x, y)| (x + 2, y)).unwrap();
    let sel = buf[(sx, sy)].modifier;
    assert!(sel.contains(ratatui::style::Modifier::REVERSED | ratatui::style::Modifier::BOLD));
    assert_eq!(buf[(sx, sy)].fg, Color::Reset, "no colour");
    app.key(KeyCode::Tab);
    let detail_focused = app.screen();
    assert_ne!(tree_focused, detail_focused, "the text itself differs");
    assert!(
        detail_focused.contains("▶acme/web/TLS_CERT"),
        "{detail_focused}"
    );
    assert!(!detail_focused.contains("▶Secrets"));
    let buf = app.buffer();
    let sel = buf[(sx, sy)].modifier;
    assert!(
        sel.contains(ratatui::style::Modifier::UNDERLINED)
            && !sel.contains(ratatui::style::Modifier::REVERSED),
        "the unfocused pane's selection is underlined, not reversed"
    );
    assert!(!buf[(0, y)]
        .modifier
        .contains(ratatui::style::Modifier::BOLD));
}

#[test]
fn enter_on_an_audit_record_puts_focus_on_the_tree() {
    let f = Fixture::demo();
    let mut app = f.open(120, 40);
    app.key(KeyCode::Char('a'));
    app.key(KeyCode::Enter);
    assert!(matches!(app.app.screen, Screen::Main));
    assert_eq!(app.app.focus, ward::app::Pane::Tree);
    let before = app.app.selected_name().cloned();
    app.key(KeyCode::Char('j'));
    assert_ne!(
        app.app.selected_name().cloned(),
        before,
        "j moves in the tree"
    );
}

fn with_theme(f: &Fixture, theme: &str) {
    std::fs::write(
        &f.config,
        format!(
            "actor = \"tester@host\"\nreveal_timeout = 20\nidle_lock = 300\ntheme = {theme:?}\n"
        ),
    )
    .unwrap();
}

#[test]
fn themes_are_chosen_by_name_or_path_and_an_unknown_one_is_refused() {
    let f = Fixture::demo();
    with_theme(&f, "light");
    let mut app = f.open(160, 48);
    assert_eq!(app.app.palette.name, "light");
    let buf = app.buffer();
    let (x, y) = find(&buf, "x TLS_CERT").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Indexed(124), "the light theme's red");
    // A file of one's own, relative to config.toml.
    let file = f.config.parent().unwrap().join("mine.toml");
    std::fs::write(&file, "[colors]\nexpired = \"#ff8800\"\n").unwrap();
    with_theme(&f, "mine.toml");
    let mut app = f.open(160, 48);
    let buf = app.buffer();
    let (x, y) = find(&buf, "x TLS_CERT").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Rgb(255, 136, 0));
    // An unknown name is a config error naming the choices.
    with_theme(&f, "solarized");
    let err = Harness::open(&f.settings(), 80, 24, today())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("solarized") && err.contains("dark, light, mono or high-contrast"),
        "{err}"
    );
    std::fs::write(&file, "[colors]\nexpired = \"blurple\"\n").unwrap();
    with_theme(&f, "mine.toml");
    let err = Harness::open(&f.settings(), 80, 24, today())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("expired") && err.contains("not a colour"),
        "{err}"
    );
}

#[test]
fn no_text_is_drawn_in_colour_8_in_any_built_in_theme() {
    for theme in ["dark", "light", "high-contrast"] {
        let f = Fixture::demo();
        with_theme(&f, theme);
        let mut app = f.open(160, 48);
        select(&mut app, "acme/web/TLS_CERT");
        for screen in ['-', 'v', 'a'] {
            if screen != '-' {
                app.key(KeyCode::Char(screen));
            }
            let buf = app.buffer();
            for y in 0..buf.area.height {
                for x in 0..buf.area.width {
                    let c = &buf[(x, y)];
                    assert!(
                        !matches!(c.fg, Color::DarkGray | Color::Indexed(8)),
                        "{theme}: colour 8 at {x},{y} ({:?})",
                        c.symbol()
                    );
                }
            }
            if screen != '-' {
                app.key(KeyCode::Esc);
            }
        }
    }
}

#[test]
fn notices_have_their_own_line_expire_and_are_kept_in_the_message_log() {
    let f = Fixture::demo();
    let mut app = f.open(80, 24);
    // A folder row: nothing to copy, a hint.
    app.key(KeyCode::Char('g'));
    app.key(KeyCode::Char('c'));
    let s = app.screen();
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[23].contains("Select a secret to copy it."), "{s}");
    assert!(lines[22].contains("? help"), "the hints stay: {s}");
    // Stale once a secret is selected.
    select(&mut app, "acme/api/prod/GITHUB_TOKEN");
    assert!(app.app.selected_name().is_some());
    assert!(!app.screen().contains("Select a secret"));
    // A long notice is cut with a pointer to the log, which has all of it.
    let long = "Not copied: tmux drops OSC 52 (set-clipboard is external, and it must be on: \
                tmux set -s set-clipboard on)";
    app.send(ward::app::Msg::Problem(long.into()));
    let s = app.screen();
    assert!(s.contains("(M: all of it)"), "{s}");
    assert!(!s.contains("set-clipboard on)"));
    app.advance(Duration::from_secs(11));
    assert!(!app.screen().contains("Not copied"), "expired");
    app.key(KeyCode::Char('M'));
    let s = app.screen();
    assert!(s.contains("Messages"), "{s}");
    let width = 80 - 2 - ward::app::messages::TIME_COLUMN;
    for line in ward::app::messages::wrap(long, width) {
        assert!(s.contains(&line), "in full, wrapped: {line:?} in {s}");
    }
    assert!(!s.contains("Select a secret"), "hints are not kept");
    app.key(KeyCode::Esc);
    assert!(matches!(app.app.overlay, Overlay::None));
}

#[test]
fn over_osc_52_the_countdown_says_overwritten() {
    let f = Fixture::demo();
    let mut app = f.open(120, 30);
    let now = app.clock.now;
    app.send(ward::app::Msg::Copied(Ok(ward::app::CopyInfo {
        summary: "Copied acme/api/KEY to the clipboard (OSC 52 via tmux); overwritten in 45 s"
            .into(),
        clears_at: Some(now + Duration::from_secs(45)),
        overwrites: true,
    })));
    let s = app.screen();
    assert!(s.contains("clipboard overwritten in 45 s"), "{s}");
    assert!(!s.contains("clears in"), "{s}");
}

#[test]
fn the_move_and_compromise_forms_advertise_only_the_keys_that_work_there() {
    let f = Fixture::demo();
    let mut app = f.open(160, 48);
    select(&mut app, "acme/web/TLS_CERT");
    for key in ['m', '!'] {
        app.key(KeyCode::Char(key));
        let s = app.screen();
        let footer = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
        assert!(
            footer.contains("save") && footer.contains("cancel"),
            "{footer}"
        );
        assert!(
            !footer.contains("generate") && !footer.contains("show"),
            "{key}: {footer}"
        );
        app.key(KeyCode::Esc);
    }
    app.key(KeyCode::Char('n'));
    let s = app.screen();
    let footer = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        footer.contains("Ctrl-G generate"),
        "the new form has a value: {footer}"
    );
}

#[test]
fn the_tree_highlight_spans_the_whole_row() {
    let f = Fixture::demo();
    let mut app = f.open(120, 30);
    select(&mut app, "acme/db/DATABASE_URL");
    let buf = app.buffer();
    let (x, y) = find(&buf, "+ DATABASE_URL").unwrap();
    let tree = ward::app::layout::compute(app.app.area(), app.app.focus).tree;
    let last = tree.right() - 2; // inside the right border
    assert!(x < last);
    assert_eq!(buf[(last, y)].bg, Color::Cyan, "to the pane's edge");
    assert_eq!(buf[(last, y + 1)].bg, Color::Reset, "the next row is not");
}

#[test]
fn a_folder_shows_its_summary_in_the_detail_pane() {
    let f = Fixture::demo();
    let mut app = f.open(120, 40);
    // The first row is the acme/ folder.
    app.key(KeyCode::Char('g'));
    let s = app.screen();
    assert!(s.contains("acme/  7 secrets"), "{s}");
    assert!(s.contains("! 1 compromised"), "{s}");
    assert!(s.contains("Needs action"), "{s}");
    assert!(s.contains("api/prod/GITHUB_TOKEN"), "{s}");
    assert!(s.contains("no folder policy"), "{s}");
    // infra/aws inherits infra/'s policy, and says from where.
    while app.app.tree.selected_folder_path() != Some("infra/aws") {
        app.key(KeyCode::Char('j'));
    }
    let s = app.screen();
    assert!(
        s.contains("rotate every 30d (from infra/.policy.toml)"),
        "{s}"
    );
    assert!(s.contains("Lead      7d: a secret is due soon"), "{s}");
    assert_snapshot!("folder_summary_120x40", s);
}

#[test]
fn a_revealed_multi_line_value_numbers_its_lines() {
    let f = Fixture::demo();
    let mut app = f.open(160, 48);
    select(&mut app, "acme/web/TLS_CERT");
    app.key(KeyCode::Char('r'));
    let s = app.screen();
    assert!(s.contains("Value     1│-----BEGIN CERTIFICATE-----"), "{s}");
    assert!(s.contains("│-----END CERTIFICATE-----"), "{s}");
}

#[test]
fn a_long_url_wraps_at_a_separator_not_mid_word() {
    let f = Fixture::demo();
    let mut app = f.open(80, 24);
    select(&mut app, "acme/api/prod/STRIPE_SECRET_KEY");
    let s = app.screen();
    assert!(
        s.contains("URL       https://dashboard.stripe.com/ "),
        "{s}"
    );
    assert!(s.contains("          apikeys "), "{s}");
}
