//! Pure tests of `update`, one group a screen: an `App` built directly (no
//! terminal, no store), messages in, state and effects out.

use super::form::SaveOp;
use super::*;
use crate::audit::{Entry, Record, Timeline};
use crate::keymap::{KeyCode, KeyPress, Mods};
use crate::store::{Encoding, SecretDoc, SecretValue};
use chrono::{TimeZone, Utc};

const NAMES: [&str; 3] = ["acme/api/KEY", "acme/web/TLS", "zeta/KEY"];

fn clock() -> Clock {
    Clock {
        now: Instant::now(),
        wall: Utc
            .with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Local),
    }
}

fn path(s: &str) -> SecretPath {
    SecretPath::parse(s).unwrap()
}

fn doc(value: &str) -> Box<SecretDoc> {
    let now = clock().utc();
    Box::new(SecretDoc::new(
        SecretValue::new(value.into()),
        Encoding::Utf8,
        "tester",
        now,
    ))
}

/// An app on three secrets, 100×30, started (names only, nothing loaded).
fn app() -> (App, Vec<Effect>) {
    let timings = Timings {
        reveal: Duration::from_secs(30),
        idle_lock: Duration::from_secs(300),
    };
    let mut app = App::new("test".into(), timings, Keymap::default(), clock());
    let listing = Listing {
        secrets: NAMES.iter().map(|n| path(n)).collect(),
        ..Default::default()
    };
    let lead = app.catalog.lead;
    let fx = app.start(listing, lead);
    update(&mut app, Msg::Resize(100, 30));
    (app, fx)
}

/// Every secret's metadata loaded.
fn loaded_app() -> App {
    let (mut app, _) = app();
    let metas = NAMES.iter().map(|n| (path(n), Ok(doc(n).meta()))).collect();
    update(&mut app, Msg::Metas(metas));
    app
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyPress::plain(code)))
}

fn ch(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        ch(app, c);
    }
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    update(
        app,
        Msg::Key(KeyPress::new(KeyCode::Char(c), Mods::CONTROL)),
    )
}

fn tick(app: &mut App, secs: u64) -> Vec<Effect> {
    let clock = app.clock.advanced(Duration::from_secs(secs));
    update(app, Msg::Tick(clock))
}

fn selected(app: &App) -> Option<&str> {
    app.selected_name().map(|n| n.as_str())
}

fn loads(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadSecret(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

fn records(fx: &[Effect]) -> Vec<crate::audit::Action> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Record(ev) => Some(ev.action),
            _ => None,
        })
        .collect()
}

/// The selected secret's document arrives.
fn load_selected(app: &mut App) -> Vec<Effect> {
    let name = app.detail.name.clone().expect("a secret is shown");
    let result = Ok(doc("s3cret"));
    update(app, Msg::SecretLoaded { name, result })
}

fn on(app: &App, screen: fn(&Screen) -> bool) -> bool {
    screen(&app.screen) && matches!(app.overlay, Overlay::None)
}

// The main screen.

#[test]
fn start_loads_metadata_and_the_first_secret() {
    let (app, fx) = app();
    assert!(matches!(&fx[0], Effect::LoadMetas(names) if names.len() == 3));
    assert_eq!(loads(&fx), ["acme/api/KEY"]);
    assert!(fx.iter().any(|e| matches!(e, Effect::VerifyAudit)));
    assert!(
        matches!(fx.last(), Some(Effect::LookGit)),
        "the header's git part"
    );
    assert_eq!(selected(&app), Some("acme/api/KEY"));
    assert_eq!(app.scope(), Scope::Main);
}

#[test]
fn moving_in_the_tree_follows_with_the_detail() {
    let (mut app, _) = app();
    // acme/ api/ KEY web/ TLS zeta/ KEY
    assert_eq!(app.tree.list.selected, 2);
    let fx = press(&mut app, KeyCode::Down);
    assert_eq!(selected(&app), None, "a folder row");
    assert!(fx.is_empty() && app.detail.name.is_none());
    let fx = press(&mut app, KeyCode::Down);
    assert_eq!(loads(&fx), ["acme/web/TLS"]);
    let fx = ch(&mut app, 'G');
    assert_eq!(loads(&fx), ["zeta/KEY"]);
    ch(&mut app, 'g');
    assert_eq!(app.tree.list.selected, 0);
    // Left on a folder collapses it, and Right opens it again.
    let rows = app.tree.rows.len();
    press(&mut app, KeyCode::Left);
    assert_eq!(app.tree.rows.len(), 3, "acme/ folded, zeta/ and its KEY");
    press(&mut app, KeyCode::Right);
    assert_eq!(app.tree.rows.len(), rows);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Detail);
}

#[test]
fn the_filter_line_narrows_the_tree_and_edits_at_its_cursor() {
    let (mut app, _) = app();
    ch(&mut app, '/');
    assert_eq!(app.scope(), Scope::Filter);
    typed(&mut app, "zta");
    assert_eq!(selected(&app), Some("zeta/KEY"), "the best match");
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    ch(&mut app, 'e');
    assert_eq!(app.tree.filter.text(), "zeta");
    assert_eq!(app.tree.filter.parts(), ("ze", "ta"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.scope(), Scope::Main);
    assert_eq!(app.tree.filter.text(), "zeta", "Enter keeps the filter");
    press(&mut app, KeyCode::Esc);
    assert!(app.tree.filter.is_empty(), "Esc on the tree clears it");
    ch(&mut app, '/');
    update(
        &mut app,
        Msg::Paste("acme/web\nsecond line".to_string().into()),
    );
    assert_eq!(app.tree.filter.text(), "acme/web");
}

#[test]
fn reveal_records_once_and_hides_itself() {
    let (mut app, _) = app();
    let fx = load_selected(&mut app);
    assert_eq!(records(&fx), [crate::audit::Action::View]);
    let fx = ch(&mut app, 'r');
    assert_eq!(records(&fx), [crate::audit::Action::Reveal]);
    assert!(app.detail.is_revealed(app.clock.now));
    tick(&mut app, 31);
    assert!(!app.detail.is_revealed(app.clock.now), "re-masked");
    // A second load of the same secret is no second "view".
    assert!(records(&load_selected(&mut app)).is_empty());
}

#[test]
fn reveal_before_the_document_arrives_waits_for_it() {
    let (mut app, _) = app();
    let fx = ch(&mut app, 'r');
    assert!(fx.is_empty() && app.detail.reveal_pending);
    let fx = load_selected(&mut app);
    assert_eq!(
        records(&fx),
        [crate::audit::Action::View, crate::audit::Action::Reveal]
    );
    assert!(app.detail.is_revealed(app.clock.now));
}

#[test]
fn copy_asks_the_runtime_and_the_field_picker_closes() {
    let (mut app, _) = app();
    load_selected(&mut app);
    let fx = ch(&mut app, 'c');
    assert!(matches!(&fx[..], [Effect::Copy(r)] if r.field.is_none() && &*r.text == "s3cret"));
    ch(&mut app, 'y');
    assert_eq!(app.scope(), Scope::Pick);
    let fx = ch(&mut app, 'o');
    assert!(fx.is_empty(), "no owner: nothing to copy");
    assert!(on(&app, |s| matches!(s, Screen::Main)));
}

#[test]
fn a_new_secret_form_submits_a_save_and_the_result_selects_it() {
    let (mut app, _) = app();
    ch(&mut app, 'n');
    let Overlay::Form(form) = &app.overlay else {
        panic!("a form")
    };
    assert_eq!(
        form.fields[0].input.text(),
        "acme/api/",
        "in the selected folder"
    );
    assert_eq!(app.scope(), Scope::Form);
    typed(&mut app, "NEW");
    press(&mut app, KeyCode::Enter);
    update(&mut app, Msg::Paste("v4lue".to_string().into()));
    let fx = ctrl(&mut app, 's');
    let [Effect::Save(SaveOp::Create { name, value, .. })] = &fx[..] else {
        panic!("a save: {fx:?}")
    };
    assert_eq!((name.as_str(), value.expose()), ("acme/api/NEW", "v4lue"));
    let Overlay::Form(form) = &app.overlay else {
        panic!("the form waits for the save")
    };
    assert!(form.busy);
    assert!(ch(&mut app, 'x').is_empty(), "keys wait too");
    let op = SaveSummary {
        verb: "Created",
        target: Some(path("acme/api/NEW")),
        removed: None,
    };
    let fx = update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    assert_eq!(selected(&app), Some("acme/api/NEW"));
    assert!(matches!(&fx[0], Effect::LoadMetas(n) if n == &[path("acme/api/NEW")]));
    assert_eq!(loads(&fx), ["acme/api/NEW"]);
}

#[test]
fn a_failed_save_keeps_the_form_with_the_error() {
    let (mut app, _) = app();
    ch(&mut app, 'm');
    ch(&mut app, '2');
    let fx = ctrl(&mut app, 's');
    assert!(
        matches!(&fx[..], [Effect::Save(SaveOp::Rename { .. })]),
        "{fx:?}"
    );
    let op = SaveSummary {
        verb: "Moved",
        target: None,
        removed: None,
    };
    let result = Err("no space left".to_string());
    update(&mut app, Msg::Saved { op, result });
    let Overlay::Form(form) = &app.overlay else {
        panic!("the form stays")
    };
    assert!(!form.busy);
    assert_eq!(form.error.as_deref(), Some("no space left"));
    press(&mut app, KeyCode::Esc);
    assert!(
        matches!(app.overlay, Overlay::Form(_)),
        "typed: Esc asks first"
    );
    press(&mut app, KeyCode::Esc);
    assert!(on(&app, |s| matches!(s, Screen::Main)), "twice: discarded");
}

#[test]
fn delete_asks_first_and_yes_saves() {
    let (mut app, _) = app();
    ch(&mut app, 'd');
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("a question")
    };
    assert!(c.question.contains("acme/api/KEY"));
    assert!(ch(&mut app, 'n').is_empty());
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    ch(&mut app, 'd');
    let fx = ch(&mut app, 'y');
    assert!(
        matches!(&fx[..], [Effect::Save(SaveOp::Delete { name })] if name.as_str() == "acme/api/KEY")
    );
    assert!(matches!(app.overlay, Overlay::None));
    let op = SaveSummary {
        verb: "Deleted",
        target: None,
        removed: Some(path("acme/api/KEY")),
    };
    update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert!(app.catalog.position(&path("acme/api/KEY")).is_none());
}

#[test]
fn help_opens_over_the_main_screen_and_scrolls() {
    let (mut app, _) = app();
    ch(&mut app, '?');
    press(&mut app, KeyCode::Down);
    assert!(matches!(app.overlay, Overlay::Help { scroll: 1, .. }));
    // G goes to the end, and no further: the last line at the bottom.
    ch(&mut app, 'G');
    let max = crate::app::help::max_scroll(&app.keymap, Scope::Main, app.viewport);
    assert!(max > 0);
    assert!(matches!(app.overlay, Overlay::Help { scroll, .. } if scroll == max));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::PageDown);
    assert!(matches!(app.overlay, Overlay::Help { scroll, .. } if scroll == max));
    ch(&mut app, 'g');
    assert!(matches!(app.overlay, Overlay::Help { scroll: 0, .. }));
    ch(&mut app, 'q');
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    assert!(!app.quit, "q closed the help, not the app");
}

#[test]
fn help_opens_on_every_screen_with_its_keys_first_and_a_form_survives_it() {
    let (mut app, _) = app();
    ch(&mut app, 'v');
    ch(&mut app, '?');
    assert!(matches!(
        app.overlay,
        Overlay::Help {
            from: Scope::Review,
            ..
        }
    ));
    ch(&mut app, 'q');
    assert!(
        on(&app, |s| matches!(s, Screen::Review)),
        "back on the review"
    );
    ch(&mut app, 'q');
    ch(&mut app, 'a');
    ch(&mut app, '?');
    assert!(matches!(
        app.overlay,
        Overlay::Help {
            from: Scope::Audit,
            ..
        }
    ));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    // In a form, F1: the help, and back to the form with what was typed.
    ch(&mut app, 'n');
    ch(&mut app, 'x');
    press(&mut app, KeyCode::F(1));
    assert!(matches!(
        app.overlay,
        Overlay::Help {
            from: Scope::Form,
            ..
        }
    ));
    press(&mut app, KeyCode::Esc);
    match &app.overlay {
        Overlay::Form(f) => assert!(f.fields.iter().any(|f| f.input.text().contains('x'))),
        other => panic!("the form is gone: {other:?}"),
    }
}

// The review screen.

#[test]
fn review_sorts_filters_and_opens_a_secret() {
    let mut app = loaded_app();
    ch(&mut app, 'v');
    assert!(on(&app, |s| matches!(s, Screen::Review)));
    assert_eq!(app.review.rows.len(), 3);
    let sort = app.review.sort;
    ch(&mut app, 's');
    assert_ne!(app.review.sort, sort);
    ch(&mut app, 'S');
    assert!(app.review.reverse);
    ch(&mut app, 'G');
    assert_eq!(app.review.list.selected, 2);
    ch(&mut app, '/');
    assert_eq!(app.scope(), Scope::Filter);
    typed(&mut app, "zeta");
    assert_eq!(app.review.visible().len(), 1);
    assert_eq!(
        app.review.list.selected, 0,
        "a new filter starts at the top"
    );
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.scope(), Scope::Review);
    let fx = press(&mut app, KeyCode::Enter);
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    assert_eq!(selected(&app), Some("zeta/KEY"));
    assert_eq!(app.focus, Pane::Tree, "j/k move in the tree next");
    assert_eq!(loads(&fx), ["zeta/KEY"]);
}

#[test]
fn review_status_filter_and_esc_on_its_filter_line() {
    let mut app = loaded_app();
    ch(&mut app, 'v');
    ch(&mut app, '/');
    typed(&mut app, "nothing-like-this");
    assert!(app.review.visible().is_empty());
    press(&mut app, KeyCode::Esc);
    assert!(app.review.filter.is_empty() && !app.review.filter.active);
    assert_eq!(app.review.visible().len(), 3);
    ch(&mut app, 'f');
    assert_eq!(app.review.status.label(), "needs action");
    ch(&mut app, 'q');
    assert!(on(&app, |s| matches!(s, Screen::Main)));
}

#[test]
fn a_rotation_from_the_review_returns_to_it() {
    let mut app = loaded_app();
    ch(&mut app, 'v');
    ch(&mut app, 'R');
    assert!(matches!(app.screen, Screen::Review));
    assert!(matches!(app.overlay, Overlay::Form(_)));
    assert_eq!(app.scope(), Scope::Form);
    press(&mut app, KeyCode::Esc);
    assert!(on(&app, |s| matches!(s, Screen::Review)), "cancel: back");
    ch(&mut app, 'R');
    ctrl(&mut app, 'g');
    let fx = ctrl(&mut app, 's');
    assert!(
        matches!(&fx[..], [Effect::Save(SaveOp::Rotate { .. })]),
        "{fx:?}"
    );
    let op = SaveSummary {
        verb: "Rotated",
        target: Some(path(NAMES[0])),
        removed: None,
    };
    update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert!(on(&app, |s| matches!(s, Screen::Review)), "saved: back");
}

#[test]
fn review_pages_by_the_table_height() {
    let mut app = App::new(
        "test".into(),
        Timings {
            reveal: Duration::from_secs(30),
            idle_lock: Duration::ZERO,
        },
        Keymap::default(),
        clock(),
    );
    let names: Vec<SecretPath> = (0..40).map(|i| path(&format!("p/K{i:02}"))).collect();
    let listing = Listing {
        secrets: names.clone(),
        ..Default::default()
    };
    let lead = app.catalog.lead;
    app.start(listing, lead);
    update(&mut app, Msg::Resize(100, 30));
    let metas = names
        .iter()
        .map(|n| (n.clone(), Ok(doc("x").meta())))
        .collect();
    update(&mut app, Msg::Metas(metas));
    ch(&mut app, 'v');
    // 30 rows: header and footer, the filter line, the table's border and
    // header, the reason box (4): 20 rows show, a page is 19 (no charts
    // below 32 rows).
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.review.list.selected, 19);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.review.list.selected, 38);
    assert_eq!(app.review.list.offset, 19, "the selection stays in view");
}

// The audit screen.

fn entry(actor: &str, path: &str) -> Entry {
    Entry {
        record: Record {
            v: 1,
            seq: 1,
            time: clock().utc(),
            actor: actor.into(),
            key: None,
            host: "h".into(),
            action: crate::audit::Action::View,
            path: Some(path.into()),
            version: Some(1),
            to: None,
            reason: None,
            late: false,
            prev_mac: None,
            sig: None,
            mac: String::new(),
        },
        chain: actor.into(),
        line: 1,
        sealed: true,
    }
}

#[test]
fn audit_filters_by_text_and_opens_a_records_secret() {
    let (mut app, _) = app();
    let fx = ch(&mut app, 'a');
    assert!(matches!(&fx[..], [Effect::LoadAudit]));
    assert!(on(&app, |s| matches!(s, Screen::Audit)));
    let timeline = Timeline {
        entries: vec![entry("alice", "acme/web/TLS"), entry("bob", "zeta/KEY")],
        problems: Vec::new(),
    };
    update(&mut app, Msg::AuditLoaded(timeline));
    assert_eq!(app.audit.visible(app.clock.utc()).len(), 2);
    ch(&mut app, '/');
    assert!(app.audit.filter.active);
    assert_eq!(
        app.scope(),
        Scope::Audit,
        "the footer keeps the audit hints"
    );
    typed(&mut app, "bob");
    press(&mut app, KeyCode::Enter);
    assert!(!app.audit.filter.active);
    assert_eq!(app.audit.visible(app.clock.utc()).len(), 1);
    let fx = press(&mut app, KeyCode::Enter);
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    assert_eq!(selected(&app), Some("zeta/KEY"));
    assert_eq!(loads(&fx), ["zeta/KEY"]);
}

#[test]
fn audit_esc_clears_its_filter_then_leaves() {
    let (mut app, _) = app();
    ch(&mut app, 'a');
    ch(&mut app, '/');
    typed(&mut app, "x");
    press(&mut app, KeyCode::Esc);
    assert!(app.audit.filter.is_empty() && !app.audit.filter.active);
    assert!(matches!(app.screen, Screen::Audit));
    ch(&mut app, 'v');
    assert!(on(&app, |s| matches!(s, Screen::Review)), "v: the review");
    press(&mut app, KeyCode::Esc);
    assert!(on(&app, |s| matches!(s, Screen::Main)));
}

// Locking and unlocking.

#[test]
fn lock_forgets_the_value_and_unlock_comes_back() {
    let (mut app, _) = app();
    app.protected = true;
    load_selected(&mut app);
    let fx = ch(&mut app, 'L');
    assert!(matches!(&fx[..], [Effect::Lock]));
    assert!(app.is_locked() && app.detail.doc.is_none());
    assert_eq!(app.scope(), Scope::Lock);
    typed(&mut app, "pw");
    let fx = press(&mut app, KeyCode::Enter);
    assert!(matches!(&fx[..], [Effect::Unlock(Some(_))]));
    assert!(ch(&mut app, 'x').is_empty(), "busy: keys wait");
    update(&mut app, Msg::Unlocked(Err(UnlockFailure::WrongPassphrase)));
    let Screen::Locked(lock) = &app.screen else {
        panic!("still locked")
    };
    assert!(!lock.busy && lock.passphrase.text().is_empty());
    assert_eq!(lock.error.as_deref(), Some("Wrong passphrase, try again."));
    typed(&mut app, "pw");
    press(&mut app, KeyCode::Enter);
    let fx = update(&mut app, Msg::Unlocked(Ok(())));
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    assert!(matches!(fx[0], Effect::VerifyAudit));
    assert_eq!(loads(&fx), ["acme/api/KEY"], "the shown secret again");
}

#[test]
fn idle_lock_closes_what_was_open() {
    let (mut app, _) = app();
    ch(&mut app, 'v');
    ch(&mut app, 'R');
    let fx = tick(&mut app, 301);
    assert!(fx.iter().any(|e| matches!(e, Effect::Lock)));
    assert!(app.is_locked() && matches!(app.overlay, Overlay::None));
    assert!(
        tick(&mut app, 301).is_empty(),
        "no store checks while locked"
    );
    update(&mut app, Msg::Unlocked(Ok(())));
    assert!(
        on(&app, |s| matches!(s, Screen::Main)),
        "unlocks to the main screen"
    );
}

#[test]
fn ticks_check_the_store_every_few_seconds() {
    let (mut app, _) = app();
    assert!(tick(&mut app, 1).is_empty());
    let fx = tick(&mut app, 3);
    assert!(matches!(&fx[..], [Effect::CheckChanges]));
}

// The first run.

fn first_run(identity_exists: bool) -> App {
    let (mut app, _) = app();
    app.screen = Screen::FirstRun(Box::new(FirstRun {
        identity_exists,
        ..Default::default()
    }));
    app
}

#[test]
fn first_run_checks_the_two_passphrases_then_creates() {
    let mut app = first_run(false);
    assert_eq!(app.scope(), Scope::FirstRun);
    typed(&mut app, "ab");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "ac");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let Screen::FirstRun(fr) = &app.screen else {
        panic!("still the first run")
    };
    assert_eq!(fr.error.as_deref(), Some("The two passphrases differ."));
    assert_eq!(fr.focus, 1);
    press(&mut app, KeyCode::Backspace);
    ch(&mut app, 'b');
    let fx = press(&mut app, KeyCode::Enter);
    assert!(matches!(&fx[..], [Effect::CreateStore(Some(_))]));
    assert!(app.protected);
    update(&mut app, Msg::StoreCreated(Ok(())));
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    let notice = app.notice.as_ref().map(|n| n.text.as_str());
    assert_eq!(
        notice,
        Some("Store created. Press n to add your first secret.")
    );
}

#[test]
fn first_run_with_an_identity_has_one_field_and_shows_failures() {
    let mut app = first_run(true);
    press(&mut app, KeyCode::Tab);
    let fx = press(&mut app, KeyCode::Enter);
    assert!(matches!(&fx[..], [Effect::CreateStore(None)]));
    assert!(!app.protected);
    update(&mut app, Msg::StoreCreated(Err("disk full".into())));
    let Screen::FirstRun(fr) = &app.screen else {
        panic!("still the first run")
    };
    assert_eq!((fr.focus, fr.busy), (0, false));
    assert_eq!(fr.error.as_deref(), Some("disk full"));
    let fx = ctrl(&mut app, 'c');
    assert!(matches!(&fx[..], [Effect::Quit]) && app.quit);
}

// Mouse and paste.

#[test]
fn a_paste_goes_to_the_focused_field_or_nowhere() {
    let (mut app, _) = app();
    update(&mut app, Msg::Paste("hunter2".to_string().into()));
    assert!(app.tree.filter.is_empty(), "dropped on the main screen");
    ch(&mut app, 'L');
    update(&mut app, Msg::Paste("hunter2".to_string().into()));
    let Screen::Locked(lock) = &app.screen else {
        panic!("locked")
    };
    assert_eq!(lock.passphrase.text(), "hunter2");
}

#[test]
fn a_click_selects_a_tree_row_only_on_the_bare_main_screen() {
    let (mut app, _) = app();
    let tree = layout::compute(app.viewport, app.focus).tree;
    let click = |row| {
        Msg::Mouse(Mouse {
            kind: MouseKind::LeftDown,
            column: tree.x + 2,
            row,
        })
    };
    ch(&mut app, '?');
    update(&mut app, click(tree.y + 5));
    assert_eq!(app.tree.list.selected, 2, "the help is in the way");
    ch(&mut app, 'q');
    let fx = update(&mut app, click(tree.y + 5));
    assert_eq!(selected(&app), Some("acme/web/TLS"));
    assert_eq!(loads(&fx), ["acme/web/TLS"]);
}

#[test]
fn a_save_finishing_after_the_idle_lock_keeps_the_lock() {
    let (mut app, _) = app();
    ch(&mut app, 'd');
    ch(&mut app, 'y');
    tick(&mut app, 301);
    assert!(app.is_locked());
    let op = SaveSummary {
        verb: "Deleted",
        target: None,
        removed: Some(path("acme/api/KEY")),
    };
    let fx = update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert!(app.is_locked(), "the result does not open the main screen");
    assert!(loads(&fx).is_empty(), "nothing decrypted while locked");
    let result = Err("disk full".to_string());
    let op = SaveSummary {
        verb: "Deleted",
        target: None,
        removed: None,
    };
    update(&mut app, Msg::Saved { op, result });
    assert!(app.is_locked());
}

#[test]
fn the_audit_table_keeps_its_window_while_the_selection_is_in_it() {
    let (mut app, _) = app();
    ch(&mut app, 'a');
    let entries = (0..30).map(|_| entry("alice", "zeta/KEY")).collect();
    let timeline = Timeline {
        entries,
        problems: Vec::new(),
    };
    update(&mut app, Msg::AuditLoaded(timeline));
    // 100×30: a body of 28, the filter line, 9 of chart: 15 rows show.
    for _ in 0..20 {
        press(&mut app, KeyCode::Down);
    }
    assert_eq!((app.audit.list.selected, app.audit.list.offset), (20, 6));
    press(&mut app, KeyCode::Up);
    assert_eq!((app.audit.list.selected, app.audit.list.offset), (19, 6));
    press(&mut app, KeyCode::PageUp);
    assert_eq!((app.audit.list.selected, app.audit.list.offset), (5, 5));
}

// Joining a store, and trusting its keys.

fn joining(public: Option<&str>) -> App {
    let (mut app, _) = app();
    app.screen = Screen::Join(Box::new(JoinScreen {
        public: public.map(str::to_string),
        label: "dan@laptop".into(),
        ..Default::default()
    }));
    app
}

#[test]
fn joining_without_an_identity_creates_one_then_shows_the_command() {
    let mut app = joining(None);
    assert_eq!(app.scope(), Scope::JoinCreate);
    typed(&mut app, "pw");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "px");
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "differ: nothing made"
    );
    press(&mut app, KeyCode::Backspace);
    ch(&mut app, 'w');
    let fx = press(&mut app, KeyCode::Enter);
    assert!(matches!(&fx[..], [Effect::CreateIdentity(Some(_))]));
    // Busy: keys wait for the answer.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    update(
        &mut app,
        Msg::IdentityCreated(Ok(IdentityMade {
            public: "age1xyz".into(),
            approved: 2,
        })),
    );
    assert_eq!(app.scope(), Scope::Join);
    let Screen::Join(join) = &app.screen else {
        panic!("still joining")
    };
    assert!(join.created && join.protected && join.approved == 2);
    assert_eq!(
        join.passphrase.text(),
        "",
        "the typed passphrase is dropped"
    );
    assert_eq!(
        join.command().as_deref(),
        Some("ward recipients add age1xyz --label dan@laptop")
    );
}

#[test]
fn a_failed_creation_says_why_and_stays_on_the_create_step() {
    let mut app = joining(None);
    press(&mut app, KeyCode::Enter);
    update(&mut app, Msg::IdentityCreated(Err("disk full".into())));
    let Screen::Join(join) = &app.screen else {
        panic!("still joining")
    };
    assert_eq!(join.error.as_deref(), Some("disk full"));
    assert!(!join.busy && join.public.is_none());
    assert_eq!(app.scope(), Scope::JoinCreate);
}

#[test]
fn the_join_screen_copies_the_command_and_checks_again() {
    let mut app = joining(Some("age1xyz"));
    assert_eq!(app.scope(), Scope::Join);
    let fx = press(&mut app, KeyCode::Char('c'));
    assert!(
        matches!(&fx[..], [Effect::CopyText(t)] if t == "ward recipients add age1xyz --label dan@laptop")
    );
    let fx = press(&mut app, KeyCode::Char('r'));
    assert!(matches!(&fx[..], [Effect::CheckJoin]));
    assert!(
        press(&mut app, KeyCode::Char('r')).is_empty(),
        "one check at a time"
    );
    update(&mut app, Msg::JoinChecked(Ok(())));
    let Screen::Join(join) = &app.screen else {
        panic!("still joining")
    };
    assert!(join.status.as_deref().unwrap().starts_with("Not yet"));
    // Nothing of the store shows, so there is nothing to lock.
    let later = app.clock.advanced(Duration::from_secs(3600));
    update(&mut app, Msg::Tick(later));
    assert!(matches!(app.screen, Screen::Join(_)));
    // Once a member added the key, the unlock opens the tree.
    let fx = update(&mut app, Msg::Unlocked(Ok(())));
    assert!(on(&app, |s| matches!(s, Screen::Main)));
    assert!(fx.iter().any(|e| matches!(e, Effect::CheckTrust)));
    let fx = press(&mut app, KeyCode::Char('q'));
    assert!(matches!(&fx[..], [Effect::Quit]));
}

fn pending_key(label: &str) -> screen::PendingKey {
    screen::PendingKey {
        key: format!("age1{label}"),
        label: Some(label.into()),
        file: ".ward/recipients".into(),
        added_by: None,
    }
}

#[test]
fn the_trust_dialog_approves_only_after_yes_and_closes_onto_the_form() {
    let (mut app, _) = app();
    press(&mut app, KeyCode::Char('n'));
    assert!(matches!(app.overlay, Overlay::Form(_)));
    update(
        &mut app,
        Msg::TrustPending {
            keys: vec![pending_key("eve"), pending_key("mallory")],
            refused: Some("refusing to write a/B".into()),
        },
    );
    assert_eq!(app.scope(), Scope::Trust);
    assert!(
        press(&mut app, KeyCode::Char('y')).is_empty(),
        "no approval without asking"
    );
    assert!(press(&mut app, KeyCode::Char('a')).is_empty());
    assert_eq!(app.scope(), Scope::Confirm);
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert_eq!(app.scope(), Scope::Trust);
    press(&mut app, KeyCode::Char('a'));
    let fx = press(&mut app, KeyCode::Char('y'));
    let [Effect::Approve(keys)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(keys, &["age1eve".to_string(), "age1mallory".to_string()]);
    update(&mut app, Msg::TrustApproved(Ok(2)));
    assert!(matches!(app.overlay, Overlay::Form(_)), "the form is back");
    let notice = app.notice.as_ref().map(|n| n.text.as_str()).unwrap();
    assert!(notice.contains("Approved 2 keys") && notice.contains("Save again"));
}

#[test]
fn the_trust_dialog_closes_without_approving_and_opens_only_when_something_waits() {
    let (mut app, _) = app();
    update(
        &mut app,
        Msg::TrustPending {
            keys: Vec::new(),
            refused: None,
        },
    );
    assert!(matches!(app.overlay, Overlay::None));
    update(
        &mut app,
        Msg::TrustPending {
            keys: vec![pending_key("eve")],
            refused: None,
        },
    );
    assert!(matches!(app.overlay, Overlay::Trust(_)));
    let fx = press(&mut app, KeyCode::Esc);
    assert!(fx.is_empty());
    assert!(matches!(app.overlay, Overlay::None));
    // Not over the lock screen.
    lock(&mut app, "locked");
    update(
        &mut app,
        Msg::TrustPending {
            keys: vec![pending_key("eve")],
            refused: None,
        },
    );
    assert!(matches!(app.overlay, Overlay::None));
}

// Sync (a git store).

fn standing() -> crate::ops::sync::Standing {
    crate::ops::sync::Standing {
        branch: Some("main".into()),
        tracking: crate::ops::sync::Tracking::Upstream {
            ahead: 2,
            behind: 1,
        },
        in_progress: None,
        last_sync: None,
        uncommitted: 0,
    }
}

#[test]
fn the_sync_key_syncs_once_at_a_time_and_holds_saves_until_it_is_done() {
    let (mut app, _) = app();
    update(&mut app, Msg::GitLooked(Some(Ok(standing()))));
    assert!(app.sync.is_git());
    let fx = ch(&mut app, 'S');
    assert!(matches!(&fx[..], [Effect::Sync]), "{fx:?}");
    assert!(app.sync.running);
    assert!(ch(&mut app, 'S').is_empty(), "no second sync");
    assert!(app
        .notice
        .as_ref()
        .unwrap()
        .text
        .contains("already running"));
    // A delete asked for meanwhile waits for the sync.
    ch(&mut app, 'd');
    let fx = ch(&mut app, 'y');
    assert!(fx.iter().all(|e| !matches!(e, Effect::Save(_))), "{fx:?}");
    let fx = update(&mut app, Msg::Synced(Ok("already up to date".into())));
    assert!(!app.sync.running);
    assert!(
        matches!(
            &fx[..],
            [Effect::Save(SaveOp::Delete { .. }), Effect::LookGit]
        ),
        "{fx:?}"
    );
    assert_eq!(app.notice.as_ref().unwrap().text, "already up to date");
    assert!(matches!(ch(&mut app, 'S')[..], [Effect::Sync]), "again");
}

#[test]
fn quitting_during_a_sync_asks_again() {
    let (mut app, _) = app();
    ch(&mut app, 'S');
    // Quitting asks once more while a sync runs.
    assert!(ch(&mut app, 'q').is_empty());
    assert!(!app.quit);
    assert!(app.notice.as_ref().unwrap().text.contains("press q again"));
    assert!(matches!(ch(&mut app, 'q')[..], [Effect::Quit]));
}

#[test]
fn a_lock_during_a_sync_performs_the_held_saves_first() {
    let (mut app, _) = app();
    ch(&mut app, 'S');
    ch(&mut app, 'd');
    assert!(ch(&mut app, 'y').is_empty());
    let fx = ch(&mut app, 'L');
    assert!(
        matches!(&fx[..], [Effect::Save(SaveOp::Delete { .. }), Effect::Lock]),
        "{fx:?}"
    );
    let fx = update(&mut app, Msg::Synced(Ok("already up to date".into())));
    assert!(fx.iter().all(|e| !matches!(e, Effect::Save(_))), "{fx:?}");
}

#[test]
fn a_failed_sync_shows_its_whole_message_until_closed() {
    let (mut app, _) = app();
    ch(&mut app, 'S');
    let fx = update(&mut app, Msg::Synced(Err("no remote: add one".into())));
    assert!(matches!(&fx[..], [Effect::LookGit]), "{fx:?}");
    assert!(matches!(&app.overlay, Overlay::SyncFailed(m) if m == "no remote: add one"));
    assert_eq!(app.scope(), Scope::SyncFailed);
    assert!(app.notice.is_none(), "no \"Syncing…\" left under it");
    assert!(ch(&mut app, 'x').is_empty());
    assert!(
        matches!(app.overlay, Overlay::SyncFailed(_)),
        "other keys do nothing"
    );
    press(&mut app, KeyCode::Esc);
    assert!(on(&app, |s| matches!(s, Screen::Main)));
}

#[test]
fn the_git_standing_is_looked_at_after_a_change_and_on_a_slow_timer() {
    let (mut app, _) = app();
    update(&mut app, Msg::GitLooked(Some(Ok(standing()))));
    let fx = tick(&mut app, 5);
    assert!(!fx.iter().any(|e| matches!(e, Effect::LookGit)));
    let fx = tick(&mut app, 30);
    assert!(fx.iter().any(|e| matches!(e, Effect::LookGit)), "{fx:?}");
    let op = SaveSummary {
        verb: "Deleted",
        target: None,
        removed: Some(path("acme/api/KEY")),
    };
    let fx = update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert!(fx.iter().any(|e| matches!(e, Effect::LookGit)), "{fx:?}");
    // Not a git store: nothing to show, nothing looked at after a change.
    update(&mut app, Msg::GitLooked(None));
    let op = SaveSummary {
        verb: "Deleted",
        target: None,
        removed: Some(path("zeta/KEY")),
    };
    let fx = update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert!(!fx.iter().any(|e| matches!(e, Effect::LookGit)), "{fx:?}");
}

#[test]
fn a_listing_with_a_new_secret_before_the_selected_one_keeps_the_selection() {
    let (mut app, _) = app();
    assert_eq!(selected(&app), Some("acme/api/KEY"));
    let listing = Listing {
        secrets: ["acme/AAA", "acme/api/KEY", "acme/web/TLS", "zeta/KEY"]
            .iter()
            .map(|n| path(n))
            .collect(),
        ..Default::default()
    };
    update(&mut app, Msg::StoreChanged(listing));
    assert_eq!(selected(&app), Some("acme/api/KEY"));
}

// Keys typed while a secret decrypts (issue 16).

fn copies(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Copy(r) => Some(r.name.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn keys_typed_while_a_secret_decrypts_run_when_it_arrives() {
    let (mut app, _) = app();
    // The first secret is still decrypting: the copy waits, and says so.
    assert!(ch(&mut app, 'c').is_empty());
    assert!(app
        .notice
        .as_ref()
        .unwrap()
        .text
        .contains("Decrypting acme/api/KEY"));
    let fx = load_selected(&mut app);
    assert_eq!(copies(&fx), ["acme/api/KEY"], "{fx:?}");
    assert_eq!(records(&fx), [crate::audit::Action::View]);
    // `G` then `c` in one burst: the copy is of the secret moved to.
    ch(&mut app, 'G');
    assert!(ch(&mut app, 'c').is_empty());
    // A late document of another secret does nothing.
    let stale = Msg::SecretLoaded {
        name: path("acme/api/KEY"),
        result: Ok(doc("old")),
    };
    assert!(copies(&update(&mut app, stale)).is_empty());
    let fx = load_selected(&mut app);
    assert_eq!(copies(&fx), ["zeta/KEY"]);
    // Moving on drops what waited for the secret left.
    ch(&mut app, 'g');
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    assert_eq!(selected(&app), Some("acme/api/KEY"));
    ch(&mut app, 'e');
    assert_eq!(app.detail.pending, Some(crate::keymap::Action::Edit));
    ch(&mut app, 'G');
    assert_eq!(app.detail.pending, None);
    assert!(copies(&load_selected(&mut app)).is_empty());
    assert!(on(&app, |s| matches!(s, Screen::Main)), "no form opened");
    // Edit typed early opens the form once the document is there.
    ch(&mut app, 'g');
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    ch(&mut app, 'e');
    load_selected(&mut app);
    assert!(matches!(app.overlay, Overlay::Form(_)));
}

#[test]
fn a_filter_then_copy_in_one_burst_copies_the_match() {
    let (mut app, _) = app();
    load_selected(&mut app);
    ch(&mut app, '/');
    typed(&mut app, "tls");
    press(&mut app, KeyCode::Enter);
    assert!(ch(&mut app, 'c').is_empty(), "acme/web/TLS is decrypting");
    let fx = load_selected(&mut app);
    assert_eq!(copies(&fx), ["acme/web/TLS"]);
}

// The selection follows the secret, not the row number (issue 16).

#[test]
fn the_review_selection_stays_on_its_secret_when_the_rows_re_sort() {
    let mut app = loaded_app();
    ch(&mut app, 'v');
    ch(&mut app, 'G');
    let last = app.review.selected_name().unwrap();
    assert_ne!(app.review.list.selected, 0);
    // Its metadata changes (a rotation, an edit elsewhere): it sorts first now.
    let mut meta = doc("v").meta();
    meta.expires = Some(app.catalog.today - chrono::Duration::days(1));
    update(&mut app, Msg::Metas(vec![(last.clone(), Ok(meta))]));
    tick(&mut app, 0);
    assert_eq!(app.review.visible()[0].name, last, "it sorts first now");
    assert_eq!(app.review.selected_name(), Some(last.clone()));
    assert_eq!(app.review.list.selected, 0);
    // A new sort and a filter that keeps it: still on it.
    ch(&mut app, 's');
    assert_eq!(app.review.selected_name(), Some(last.clone()));
    ch(&mut app, 'f');
    assert_eq!(app.review.status.label(), "needs action");
    assert_eq!(app.review.selected_name(), Some(last.clone()));
    // Enter opens that one.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.selected_name(), Some(&last));
}

#[test]
fn the_audit_selection_stays_on_its_record_when_one_is_added() {
    let (mut app, _) = app();
    ch(&mut app, 'a');
    let mut second = entry("bob", "zeta/KEY");
    second.line = 2;
    let timeline = Timeline {
        entries: vec![second, entry("alice", "acme/web/TLS")],
        problems: Vec::new(),
    };
    update(&mut app, Msg::AuditLoaded(timeline));
    ch(&mut app, 'j');
    let mut new = entry("carol", "acme/api/KEY");
    new.line = 3;
    update(&mut app, Msg::AuditAppended(Box::new(new)));
    assert_eq!(app.audit.list.selected, 2);
    let fx = press(&mut app, KeyCode::Enter);
    assert_eq!(selected(&app), Some("acme/web/TLS"));
    assert_eq!(loads(&fx), ["acme/web/TLS"]);
}

#[test]
fn a_delete_or_a_move_leaves_the_selection_on_a_real_secret() {
    let (mut app, _) = app();
    // acme/ api/ KEY web/ TLS zeta/ KEY: on acme/web/TLS.
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    assert_eq!(selected(&app), Some("acme/web/TLS"));
    // Moved to a name that sorts first: the selection follows it.
    let op = SaveSummary {
        verb: "Moved",
        target: Some(path("aaa/TLS")),
        removed: Some(path("acme/web/TLS")),
    };
    update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert_eq!(selected(&app), Some("aaa/TLS"));
    assert_eq!(
        app.detail.name.as_ref().map(|n| n.as_str()),
        Some("aaa/TLS")
    );
    // Another process deletes the secret before the selected one.
    ch(&mut app, 'G');
    let listing = Listing {
        secrets: ["aaa/TLS", "zeta/KEY"].iter().map(|n| path(n)).collect(),
        ..Default::default()
    };
    update(&mut app, Msg::StoreChanged(listing));
    assert_eq!(selected(&app), Some("zeta/KEY"));
    // Deleting the selected secret: the selection lands on a secret near
    // it, not on a folder row.
    ch(&mut app, 'g');
    ch(&mut app, 'j');
    assert_eq!(selected(&app), Some("aaa/TLS"));
    let op = SaveSummary {
        verb: "Deleted",
        target: None,
        removed: Some(path("aaa/TLS")),
    };
    update(&mut app, Msg::Saved { op, result: Ok(()) });
    assert_eq!(selected(&app), Some("zeta/KEY"));
}

#[test]
fn the_idle_lock_warns_before_it_drops_a_form_with_typed_input() {
    let (mut app, _) = app();
    ch(&mut app, 'n');
    typed(&mut app, "acme/NEW");
    tick(&mut app, 260);
    assert!(app.notice.is_none(), "not yet");
    tick(&mut app, 15);
    let warning = app.notice.as_ref().expect("warned").text.clone();
    assert!(warning.contains("Locking in 25 s"), "{warning}");
    assert!(warning.contains("dropped"), "{warning}");
    assert!(matches!(app.overlay, Overlay::Form(_)), "still open");
    // A key: the idle time starts again, the form stays.
    press(&mut app, KeyCode::End);
    tick(&mut app, 100);
    assert!(matches!(app.overlay, Overlay::Form(_)));
    // A form with nothing typed is not worth a warning.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    ch(&mut app, 'n');
    app.notice = None;
    tick(&mut app, 280);
    assert!(app.notice.is_none());
}

#[test]
fn the_mouse_works_in_the_review_table_and_the_help() {
    let mut app = loaded_app();
    ch(&mut app, 'v');
    let mouse = |kind, column, row| Msg::Mouse(Mouse { kind, column, row });
    update(&mut app, mouse(MouseKind::ScrollDown, 10, 10));
    assert_eq!(
        app.review.list.selected, 2,
        "the wheel moves, within the rows"
    );
    // 100×30: the header, the filter line, then the table's border and
    // header line: the first row is on screen row 4.
    update(&mut app, mouse(MouseKind::LeftDown, 10, 5));
    assert_eq!(app.review.list.selected, 1);
    update(&mut app, mouse(MouseKind::LeftDown, 10, 4));
    assert_eq!(app.review.list.selected, 0);
    ch(&mut app, '?');
    update(&mut app, mouse(MouseKind::ScrollDown, 10, 10));
    assert!(matches!(app.overlay, Overlay::Help { scroll: 3, .. }));
    update(&mut app, mouse(MouseKind::ScrollUp, 10, 10));
    assert!(matches!(app.overlay, Overlay::Help { scroll: 0, .. }));
}
