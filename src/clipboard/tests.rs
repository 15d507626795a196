//! Fake-clipboard tests: copy, countdown, clear only if unchanged, clear after
//! quit, superseding copies, failure reporting, backend choice.

use super::keeper::{hold_and_clear, Slot, Timing};
use super::*;

fn fast() -> Timing {
    Timing {
        poll: Duration::from_millis(10),
        check_every: Duration::from_millis(30),
    }
}

fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + Copy + 'a {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn copy_then_countdown_then_clear() {
    let fake = FakeClipboard::new();
    let mut ac = AutoClear::new(fake.clone());
    let t0 = Instant::now();
    let report = ac
        .copy_at("hunter2", Some(Duration::from_secs(45)), t0)
        .unwrap();
    assert_eq!(report.backend, BackendUsed::Native);
    assert_eq!(report.clears_at(), Some(t0 + Duration::from_secs(45)));
    assert_eq!(fake.contents().as_deref(), Some("hunter2"));
    assert_eq!(
        ac.remaining(t0 + Duration::from_secs(5)),
        Some(Duration::from_secs(40))
    );
    assert_eq!(
        report.remaining(t0 + Duration::from_secs(44)),
        Some(Duration::from_secs(1))
    );
    assert_eq!(ac.tick(t0 + Duration::from_secs(44)), None);
    assert_eq!(fake.contents().as_deref(), Some("hunter2"));
    assert_eq!(
        ac.tick(t0 + Duration::from_secs(45)),
        Some(ClearOutcome::Cleared)
    );
    assert_eq!(fake.contents(), None);
    // Once only.
    assert_eq!(ac.tick(t0 + Duration::from_secs(46)), None);
    assert_eq!(ac.remaining(t0), None);
}

#[test]
fn clear_only_if_unchanged() {
    let fake = FakeClipboard::new();
    let mut ac = AutoClear::new(fake.clone());
    let t0 = Instant::now();
    ac.copy_at("hunter2", Some(Duration::from_secs(1)), t0)
        .unwrap();
    fake.external_copy("something the user copied later");
    assert_eq!(
        ac.tick(t0 + Duration::from_secs(2)),
        Some(ClearOutcome::Changed)
    );
    assert_eq!(
        fake.contents().as_deref(),
        Some("something the user copied later")
    );
    assert!(!fake.log().contains(&FakeOp::Clear));
}

#[test]
fn write_only_backend_overwrites_with_placeholder() {
    let fake = FakeClipboard::write_only();
    let mut ac = AutoClear::new(fake.clone());
    let t0 = Instant::now();
    let r = ac
        .copy_at("hunter2", Some(Duration::from_secs(1)), t0)
        .unwrap();
    assert!(matches!(r.backend, BackendUsed::Osc52(_)));
    assert_eq!(
        ac.tick(t0 + Duration::from_secs(1)),
        Some(ClearOutcome::Overwritten)
    );
    assert_eq!(fake.contents().as_deref(), Some(CLEARED_PLACEHOLDER));
}

#[test]
fn second_copy_replaces_the_first_job() {
    let fake = FakeClipboard::new();
    let mut ac = AutoClear::new(fake.clone());
    let t0 = Instant::now();
    ac.copy_at("first", Some(Duration::from_secs(10)), t0)
        .unwrap();
    ac.copy_at(
        "second",
        Some(Duration::from_secs(10)),
        t0 + Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(ac.tick(t0 + Duration::from_secs(10)), None);
    assert_eq!(fake.contents().as_deref(), Some("second"));
    assert_eq!(
        ac.tick(t0 + Duration::from_secs(15)),
        Some(ClearOutcome::Cleared)
    );
}

#[test]
fn timeout_none_never_clears() {
    let fake = FakeClipboard::new();
    let mut ac = AutoClear::new(fake.clone());
    let t0 = Instant::now();
    let r = ac.copy_at("hunter2", None, t0).unwrap();
    assert_eq!(r.clears_at(), None);
    assert!(r.summary("x").contains("not cleared automatically"));
    assert_eq!(ac.tick(t0 + Duration::from_secs(3600)), None);
    assert_eq!(fake.contents().as_deref(), Some("hunter2"));
}

#[test]
fn failure_is_reported_and_no_copy_claimed() {
    let err = CopyError::new(CopyErrorKind::Unreachable, "no terminal");
    let fake = FakeClipboard::failing(err.clone());
    let mut ac = AutoClear::new(fake.clone());
    let t0 = Instant::now();
    assert_eq!(
        ac.copy_at("hunter2", Some(Duration::from_secs(1)), t0),
        Err(err)
    );
    assert_eq!(fake.contents(), None);
    assert_eq!(ac.remaining(t0), None);
    assert_eq!(ac.tick(t0 + Duration::from_secs(5)), None);
    // Empty values are refused before any backend is touched.
    let fake = FakeClipboard::new();
    let mut ac = AutoClear::new(fake.clone());
    assert_eq!(
        ac.copy_at("", None, t0).unwrap_err().kind,
        CopyErrorKind::BadValue
    );
    assert!(fake.log().is_empty());
}

#[test]
fn clear_still_happens_after_quit() {
    let fake = FakeClipboard::new();
    let mut copier: Box<dyn Copier> = Box::new(AutoClear::new(fake.clone()));
    copier
        .copy(
            "hunter2",
            Some(Duration::from_millis(100)),
            Instant::now(),
            None,
        )
        .unwrap();
    // The app quits before the timeout.
    let handle = copier.quit().expect("a pending clear");
    assert_eq!(fake.contents().as_deref(), Some("hunter2"));
    assert_eq!(handle.join().unwrap(), ClearOutcome::Cleared);
    assert_eq!(fake.contents(), None);
}

#[test]
fn keeper_loop_clears_after_copier_is_gone() {
    // The keeper's own loop, as the detached process runs it.
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeClipboard::new();
    let mut board = fake.clone();
    board.set_text("hunter2").unwrap();
    let slot = Slot::for_scope(&dir.path().join("slots"), "native::0").unwrap();
    slot.claim(|| Ok::<(), ()>(())).unwrap();
    let deadline = Instant::now() + Duration::from_millis(150);
    let keeper = std::thread::spawn(move || {
        hold_and_clear(&mut board, "hunter2", Some(deadline), Some(&slot), fast())
    });
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(fake.contents().as_deref(), Some("hunter2"));
    assert_eq!(keeper.join().unwrap(), ClearOutcome::Cleared);
    assert_eq!(fake.contents(), None);
    // The slot was given up.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn keeper_loop_leaves_early_when_clipboard_changes() {
    let fake = FakeClipboard::new();
    let mut board = fake.clone();
    board.set_text("hunter2").unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let keeper = std::thread::spawn(move || {
        hold_and_clear(&mut board, "hunter2", Some(deadline), None, fast())
    });
    std::thread::sleep(Duration::from_millis(50));
    fake.external_copy("other");
    let started = Instant::now();
    assert_eq!(keeper.join().unwrap(), ClearOutcome::Changed);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.contents().as_deref(), Some("other"));
}

#[test]
fn later_osc52_copy_is_not_clobbered_by_earlier_clear() {
    // Two keepers on one write-only (OSC 52-like) clipboard: the first must
    // leave without overwriting once the second has claimed the slot.
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeClipboard::write_only();

    let mut b1 = fake.clone();
    let s1 = Slot::for_scope(&dir.path().join("slots"), "tmux:/tmp/sock").unwrap();
    s1.claim(|| b1.set_text("first")).unwrap();
    let d1 = Instant::now() + Duration::from_millis(150);
    let k1 =
        std::thread::spawn(move || hold_and_clear(&mut b1, "first", Some(d1), Some(&s1), fast()));

    std::thread::sleep(Duration::from_millis(30));
    let mut b2 = fake.clone();
    let s2 = Slot::for_scope(&dir.path().join("slots"), "tmux:/tmp/sock").unwrap();
    s2.claim(|| b2.set_text("second")).unwrap();
    let d2 = Instant::now() + Duration::from_millis(400);
    let k2 =
        std::thread::spawn(move || hold_and_clear(&mut b2, "second", Some(d2), Some(&s2), fast()));

    assert_eq!(k1.join().unwrap(), ClearOutcome::Superseded);
    // It left early; past its deadline the second value is still there.
    std::thread::sleep(d1.saturating_duration_since(Instant::now()) + Duration::from_millis(30));
    assert_eq!(fake.contents().as_deref(), Some("second"));
    assert_eq!(k2.join().unwrap(), ClearOutcome::Overwritten);
    assert_eq!(fake.contents().as_deref(), Some(CLEARED_PLACEHOLDER));
}

#[test]
fn different_clipboards_do_not_supersede() {
    let dir = tempfile::tempdir().unwrap();
    let a = Slot::for_scope(&dir.path().join("slots"), "tty:8801").unwrap();
    let b = Slot::for_scope(&dir.path().join("slots"), "tty:8802").unwrap();
    a.claim(|| Ok::<(), ()>(())).unwrap();
    b.claim(|| Ok::<(), ()>(())).unwrap();
    assert!(a.is_current());
    assert!(b.is_current());
    // A failed set claims nothing.
    let c = Slot::for_scope(&dir.path().join("slots"), "tty:8801").unwrap();
    assert!(c.claim(|| Err::<(), _>("refused")).is_err());
    assert!(a.is_current());
}

#[test]
fn osc52_with_timeout_zero_is_kept() {
    let mut board = FakeClipboard::write_only();
    board.set_text("v").unwrap();
    assert_eq!(
        hold_and_clear(&mut board, "v", None, None, fast()),
        ClearOutcome::Kept
    );
}

#[test]
fn backend_choice_from_environment() {
    use ClipboardBackend::*;
    assert_eq!(
        candidates(Auto, env(&[("DISPLAY", ":0")])),
        vec![Candidate::Native, Candidate::Osc52]
    );
    assert_eq!(
        candidates(Auto, env(&[("WAYLAND_DISPLAY", "wayland-0")])),
        vec![Candidate::Native, Candidate::Osc52]
    );
    assert_eq!(candidates(Auto, env(&[])), vec![Candidate::Osc52]);
    assert_eq!(
        candidates(Auto, env(&[("DISPLAY", "")])),
        vec![Candidate::Osc52]
    );
    assert_eq!(
        candidates(
            Auto,
            env(&[("DISPLAY", "localhost:10.0"), ("SSH_TTY", "/dev/pts/1")])
        ),
        vec![Candidate::Osc52, Candidate::Native]
    );
    assert_eq!(candidates(Native, env(&[])), vec![Candidate::Native]);
    assert_eq!(
        candidates(Osc52, env(&[("DISPLAY", ":0")])),
        vec![Candidate::Osc52]
    );
}

#[test]
fn no_display_no_terminal_explains_why_and_how() {
    let err = keeper::set_first(ClipboardBackend::Auto, "v", None, env(&[]))
        .err()
        .expect("must fail");
    assert_eq!(err.kind, CopyErrorKind::Unreachable);
    assert!(
        err.message
            .starts_with("no display and the terminal is not reachable for OSC 52"),
        "{err}"
    );
    assert!(err.message.contains("DISPLAY"), "{err}");
    // The native part opens the real display, so only where there is none.
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        return;
    }
    let err = keeper::set_first(ClipboardBackend::Native, "v", None, env(&[]))
        .err()
        .expect("must fail");
    assert_eq!(err.kind, CopyErrorKind::NativeUnavailable);
    // The facts only: each front end adds how to choose OSC 52.
    assert!(!err.message.contains("--backend"), "{err}");
}

#[test]
fn summaries_are_honest() {
    let t0 = Instant::now();
    let r = |backend| CopyReport {
        backend,
        timeout: Some(Duration::from_secs(45)),
        copied_at: t0,
    };
    assert_eq!(
        r(BackendUsed::Osc52(osc52::Route::Tmux {
            clipboard: true,
            passthrough: false
        }))
        .summary("acme/api/KEY"),
        "Copied acme/api/KEY to the clipboard (OSC 52 via tmux); overwritten in 45 s"
    );
    assert_eq!(
        r(BackendUsed::Native).summary("acme/api/KEY"),
        "Copied acme/api/KEY to the clipboard (native clipboard); clears in 45 s"
    );
    let plain = r(BackendUsed::Osc52(osc52::Route::Terminal)).summary("k");
    assert!(
        plain.starts_with("Sent k to the terminal's clipboard"),
        "{plain}"
    );
    assert!(plain.contains("allows OSC 52"), "{plain}");
}

#[test]
fn wire_tokens_round_trip() {
    for o in [
        ClearOutcome::Cleared,
        ClearOutcome::Overwritten,
        ClearOutcome::Changed,
        ClearOutcome::Superseded,
        ClearOutcome::Kept,
        ClearOutcome::Failed("x y".into()),
    ] {
        assert_eq!(ClearOutcome::from_token(&o.token()), o);
    }
    for k in CopyErrorKind::ALL {
        assert_eq!(CopyErrorKind::from_token(&k.token()), k);
    }
    for b in [
        BackendUsed::Native,
        BackendUsed::Osc52(osc52::Route::Screen),
    ] {
        assert_eq!(BackendUsed::from_token(&b.token()), Some(b));
    }
}

#[test]
fn keeper_input_is_a_header_line_then_the_value() {
    use super::keeper::{split_input, HeaderAudit, KeeperHeader};
    let header = KeeperHeader {
        audit: Some(HeaderAudit {
            store: "/s/store".into(),
            actor: "ann@box".into(),
            path: "acme/KEY\nwith newline".into(),
        }),
    };
    let mut input = header.to_line().into_bytes();
    assert_eq!(input.iter().filter(|&&b| b == b'\n').count(), 1);
    input.extend_from_slice(b"multi\nline\nvalue\n");
    let (h, v) = split_input(&input).unwrap();
    assert_eq!(h, header);
    assert_eq!(v.as_str(), "multi\nline\nvalue\n");
    // No audit target.
    let (h, v) = split_input(b"{}\nv").unwrap();
    assert_eq!((h, v.as_str()), (KeeperHeader::default(), "v"));
    // Empty stdin, an empty value, a missing or broken header.
    assert_eq!(split_input(b"").unwrap_err().kind, CopyErrorKind::BadValue);
    assert_eq!(
        split_input(b"{}\n").unwrap_err().kind,
        CopyErrorKind::BadValue
    );
    assert!(split_input(b"just a value").is_err());
    assert!(split_input(b"not json\nvalue").is_err());
}

/// A write-only board whose copy left "buffers" beside the clipboard, as an
/// OSC 52 copy in tmux does.
struct WithLeftovers {
    board: FakeClipboard,
    buffers: Arc<Mutex<Vec<String>>>,
    own: Vec<String>,
    removed_at: Arc<Mutex<Option<Instant>>>,
}

impl Clipboard for WithLeftovers {
    fn backend(&self) -> BackendUsed {
        self.board.backend()
    }
    fn set_text(&mut self, text: &str) -> Result<(), CopyError> {
        self.board.set_text(text)?;
        let mut buffers = self.buffers.lock().unwrap();
        let name = format!("buffer{}", buffers.len());
        buffers.push(text.to_string());
        self.own.push(name);
        Ok(())
    }
    fn read_text(&mut self) -> ReadBack {
        self.board.read_text()
    }
    fn clear(&mut self) -> Result<(), CopyError> {
        self.own.clear();
        self.board.clear()
    }
    fn has_leftovers(&self) -> bool {
        !self.own.is_empty()
    }
    fn remove_leftovers(&mut self) {
        let mut buffers = self.buffers.lock().unwrap();
        for name in self.own.drain(..) {
            let i: usize = name["buffer".len()..].parse().unwrap();
            buffers[i] = String::new();
        }
        *self.removed_at.lock().unwrap() = Some(Instant::now());
    }
}

#[test]
fn superseded_keeper_removes_its_leftovers_at_its_own_deadline() {
    // Same value twice: the first keeper is superseded, keeps away from the
    // clipboard, and at its deadline removes only its own buffer.
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeClipboard::write_only();
    let buffers = Arc::new(Mutex::new(Vec::new()));
    let board = |removed_at: &Arc<Mutex<Option<Instant>>>| WithLeftovers {
        board: fake.clone(),
        buffers: buffers.clone(),
        own: Vec::new(),
        removed_at: removed_at.clone(),
    };
    let removed1 = Arc::new(Mutex::new(None));
    let mut b1 = board(&removed1);
    let s1 = Slot::for_scope(&dir.path().join("slots"), "tmux:/tmp/sock").unwrap();
    s1.claim(|| b1.set_text("same")).unwrap();
    let d1 = Instant::now() + Duration::from_millis(200);
    let k1 =
        std::thread::spawn(move || hold_and_clear(&mut b1, "same", Some(d1), Some(&s1), fast()));

    std::thread::sleep(Duration::from_millis(30));
    let removed2 = Arc::new(Mutex::new(None));
    let mut b2 = board(&removed2);
    let s2 = Slot::for_scope(&dir.path().join("slots"), "tmux:/tmp/sock").unwrap();
    s2.claim(|| b2.set_text("same")).unwrap();
    let d2 = Instant::now() + Duration::from_millis(600);
    let k2 =
        std::thread::spawn(move || hold_and_clear(&mut b2, "same", Some(d2), Some(&s2), fast()));

    assert_eq!(k1.join().unwrap(), ClearOutcome::Superseded);
    let at = removed1.lock().unwrap().expect("leftovers removed");
    assert!(at >= d1, "removed before the first copy's deadline");
    assert!(Instant::now() < d2, "the test ran too slowly");
    assert_eq!(
        *buffers.lock().unwrap(),
        vec!["".to_string(), "same".into()]
    );
    assert_eq!(fake.contents().as_deref(), Some("same"));

    assert_eq!(k2.join().unwrap(), ClearOutcome::Overwritten);
    assert_eq!(fake.contents().as_deref(), Some(CLEARED_PLACEHOLDER));
    // The owner's clear is what removes its buffers (clear(), not leftovers).
    assert!(removed2.lock().unwrap().is_none());
}
