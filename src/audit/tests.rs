use super::*;
use std::fs;

fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".ward/audit")).unwrap();
    dir
}

fn ev(n: u32) -> Event {
    Event::new(Action::View)
        .path(format!("p/S{n}"))
        .version(Some(n))
}

#[test]
fn stems_are_safe_and_distinct() {
    assert_eq!(actor_file_stem("ann@box"), "ann@box");
    let a = actor_file_stem("../a b");
    assert!(!a.contains('/') && !a.starts_with('.'), "{a}");
    assert_ne!(actor_file_stem("a b"), actor_file_stem("a_b"));
    assert_ne!(actor_file_stem("a b"), actor_file_stem("a\tb"));
    assert!(!actor_file_stem("").is_empty());
    assert!(actor_file_stem(&"x".repeat(500)).len() < 80);
}

#[test]
fn appends_chain_and_verify() {
    let dir = store();
    let key = AuditKey::generate();
    let log = Log::open(dir.path(), "ann@box", Some("00ff".into()));
    for n in 1..=5 {
        let r = log.append_with_key(&key, ev(n)).unwrap();
        assert_eq!(r.seq, n as u64);
    }
    let reports = verify_with_key(dir.path(), &key);
    assert_eq!(reports.len(), 1);
    assert!(reports[0].is_ok(), "{:?}", reports[0]);
    assert_eq!(reports[0].records, 5);
    assert!(reports[0].warnings.is_empty(), "{:?}", reports[0]);
    let t = read_all(dir.path());
    assert_eq!(t.entries.len(), 5);
    assert_eq!(t.entries[0].record.seq, 5, "newest first");
    // Another key does not authenticate anything.
    let other = verify_with_key(dir.path(), &AuditKey::generate());
    assert_eq!(other[0].broken.as_ref().unwrap().kind, BreakKind::WrongKey);
}

#[test]
fn torn_last_line_is_a_warning_and_the_next_append_starts_fresh() {
    let dir = store();
    let key = AuditKey::generate();
    let log = Log::open(dir.path(), "ann", None);
    log.append_with_key(&key, ev(1)).unwrap();
    log.append_with_key(&key, ev(2)).unwrap();
    // A crash in the middle of a third write.
    let line = fs::read_to_string(log.path()).unwrap();
    let partial = &line.lines().next().unwrap()[..40];
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(log.path())
        .unwrap();
    std::io::Write::write_all(&mut f, partial.as_bytes()).unwrap();
    let r = &verify_with_key(dir.path(), &key)[0];
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].line, 3);
    assert_eq!(read_all(dir.path()).problems.len(), 1);
    let rec = log.append_with_key(&key, ev(3)).unwrap();
    assert_eq!(rec.seq, 3);
    let r = &verify_with_key(dir.path(), &key)[0];
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.records, 3);
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].line, 3);
}

#[test]
fn pending_records_are_sealed_late() {
    let dir = store();
    let key = AuditKey::generate();
    let log = Log::open(dir.path(), "ann", None);
    log.append_unsealed(Event::new(Action::UnlockFailed))
        .unwrap();
    let t = read_all(dir.path());
    assert_eq!(t.entries.len(), 1);
    assert!(!t.entries[0].sealed);
    log.append_with_key(&key, ev(1)).unwrap();
    let t = read_all(dir.path());
    assert_eq!(t.entries.len(), 2);
    assert!(t.entries.iter().all(|e| e.sealed));
    let failed = t
        .entries
        .iter()
        .find(|e| e.record.action == Action::UnlockFailed)
        .unwrap();
    assert!(failed.record.late);
    assert_eq!(failed.record.seq, 1);
    let r = &verify_with_key(dir.path(), &key)[0];
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.records, 2);
}

#[test]
fn threads_appending_lose_nothing() {
    let dir = store();
    let key = AuditKey::generate();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (root, key) = (dir.path(), &key);
            s.spawn(move || {
                let log = Log::open(root, "ann", None);
                for n in 0..10 {
                    log.append_with_key(key, ev(t * 100 + n)).unwrap();
                }
            });
        }
    });
    let r = &verify_with_key(dir.path(), &key)[0];
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.records, 80);
}

#[test]
fn activity_counts_per_day() {
    let dir = store();
    let key = AuditKey::generate();
    let log = Log::open(dir.path(), "ann", None);
    let day = |d: u32| {
        chrono::NaiveDate::from_ymd_opt(2024, 3, d)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
    };
    for d in [1, 1, 3] {
        log.append_with_key(&key, ev(d).at(day(d))).unwrap();
    }
    let t = read_all(dir.path());
    let counts = t.activity_per_day(&Filter::default(), day(1).date_naive(), day(4).date_naive());
    assert_eq!(
        counts.iter().map(|c| c.1).collect::<Vec<_>>(),
        vec![2, 0, 1, 0]
    );
}

#[test]
fn log_and_reports_are_send() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Log>();
    send_sync::<Timeline>();
    send_sync::<VerifyReport>();
    send_sync::<AuditKey>();
}
