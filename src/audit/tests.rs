use super::verify::verify_chains_for_tests as verify_chains;
use super::*;
use std::fs;
use std::path::Path;

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
    // Written without a signing key: only the unsigned warning.
    assert_eq!(reports[0].warnings.len(), 1, "{:?}", reports[0]);
    assert!(reports[0].warnings[0].message.starts_with("unsigned chain"));
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
    assert_eq!(r.warnings.len(), 2, "torn line, unsigned: {r:?}");
    assert_eq!(r.warnings[0].line, 3);
    assert_eq!(read_all(dir.path()).problems.len(), 1);
    let rec = log.append_with_key(&key, ev(3)).unwrap();
    assert_eq!(rec.seq, 3);
    let r = &verify_with_key(dir.path(), &key)[0];
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.records, 3);
    assert_eq!(r.warnings.len(), 2, "torn line, unsigned: {r:?}");
    assert_eq!(r.warnings[0].line, 3);
}

const STORE_ID: &str = "00112233445566778899aabbccddeeff";

/// A store folder with a store.toml (pending records are filed by its id).
fn real_store() -> tempfile::TempDir {
    let dir = store();
    fs::write(
        dir.path().join(".ward/store.toml"),
        format!("format = 1\nid = \"{STORE_ID}\"\n"),
    )
    .unwrap();
    dir
}

#[test]
fn pending_records_are_kept_locally_and_sealed_late_as_this_actor() {
    let dir = real_store();
    let local = Local::new(dir.path().join("local"));
    let key = AuditKey::generate();
    let log = Log::open(dir.path(), "ann", None).with_local(local.clone());
    log.append_unsealed(Event::new(Action::UnlockFailed).path("p/S"))
        .unwrap();
    // Not in the store: on this machine, private.
    let pending = local.pending_dir(STORE_ID).join("ann.jsonl");
    assert!(pending.is_file());
    assert!(fs::read_dir(dir.path().join(".ward/audit"))
        .unwrap()
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().contains("pending")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&pending), 0o600);
        assert_eq!(mode(&local.pending_dir(STORE_ID)), 0o700);
    }
    // Someone edits the pending line to speak for another actor and host.
    let forged = fs::read_to_string(&pending)
        .unwrap()
        .replace("\"actor\":\"ann\"", "\"actor\":\"mallory\"")
        .replace("\"host\":\"", "\"host\":\"evil-");
    fs::write(&pending, forged).unwrap();
    let t = read_all_with(dir.path(), &local);
    assert_eq!(t.entries.len(), 1);
    assert!(!t.entries[0].sealed);
    log.append_with_key(&key, ev(1)).unwrap();
    assert!(!pending.exists());
    let t = read_all_with(dir.path(), &local);
    assert_eq!(t.entries.len(), 2);
    assert!(t.entries.iter().all(|e| e.sealed));
    let failed = t
        .entries
        .iter()
        .find(|e| e.record.action == Action::UnlockFailed)
        .unwrap();
    assert!(failed.record.late);
    assert_eq!(failed.record.seq, 1);
    assert_eq!(failed.record.actor, "ann", "sealed as the sealing actor");
    assert_eq!(failed.record.host, crate::config::host_name());
    assert_eq!(failed.record.path.as_deref(), Some("p/S"));
    let r = &verify_with_key(dir.path(), &key)[0];
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.records, 2);
}

#[test]
fn a_pending_file_planted_in_the_store_is_never_sealed() {
    let dir = real_store();
    let local = Local::new(dir.path().join("local"));
    let key = AuditKey::generate();
    fs::write(
        dir.path().join(".ward/audit/ann.pending.jsonl"),
        "{\"time\":\"2020-01-01T00:00:00.000Z\",\"actor\":\"boss\",\"host\":\"h\",\"action\":\"delete\",\"path\":\"p/S\"}\n",
    )
    .unwrap();
    let log = Log::open(dir.path(), "ann", None).with_local(local.clone());
    log.append_with_key(&key, ev(1)).unwrap();
    let t = read_all_with(dir.path(), &local);
    assert_eq!(t.entries.len(), 1);
    assert_eq!(t.entries[0].record.action, Action::View);
    let r = &verify_with_key(dir.path(), &key)[0];
    assert!(r.is_ok(), "{r:?}");
    assert!(
        r.warnings.iter().any(|w| w.message.contains("is ignored")),
        "{r:?}"
    );
}

#[cfg(unix)]
#[test]
fn audit_files_that_are_links_are_never_written_through() {
    use std::os::unix::fs::symlink;
    let key = AuditKey::generate();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("bashrc");
    let original = "# my bashrc\n";
    let reset = || fs::write(&target, original).unwrap();
    // The chain file, the head file (set_len would truncate the target).
    for name in ["ann.jsonl", "ann.head"] {
        let dir = store();
        reset();
        symlink(&target, dir.path().join(".ward/audit").join(name)).unwrap();
        let log = Log::open(dir.path(), "ann", None);
        let err = log.append_with_key(&key, ev(1)).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{name}: {err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), original, "{name}");
    }
    // The audit folder itself.
    let dir = store();
    fs::remove_dir(dir.path().join(".ward/audit")).unwrap();
    let elsewhere = outside.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    symlink(&elsewhere, dir.path().join(".ward/audit")).unwrap();
    let log = Log::open(dir.path(), "ann", None);
    assert!(log.append_with_key(&key, ev(1)).is_err());
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(!read_all(dir.path()).problems.is_empty());
    // The pending file (on this machine).
    let dir = real_store();
    let local = Local::new(dir.path().join("local"));
    reset();
    fs::create_dir_all(local.pending_dir(STORE_ID)).unwrap();
    symlink(&target, local.pending_dir(STORE_ID).join("ann.jsonl")).unwrap();
    let log = Log::open(dir.path(), "ann", None).with_local(local);
    assert!(log
        .append_unsealed(Event::new(Action::UnlockFailed))
        .is_err());
    assert_eq!(fs::read_to_string(&target).unwrap(), original);
    // The audit key file: not read through a link.
    let dir = real_store();
    symlink(&target, dir.path().join(".ward/audit.key.age")).unwrap();
    let keys = crate::store::Keyring::default();
    let err = AuditKey::load(dir.path(), &keys).unwrap_err().to_string();
    assert!(err.contains("symbolic link"), "{err}");
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

/// Ann's and Bob's signed chains in a real store; Bob's machine state in
/// `bob_local`.
fn two_signed_chains(dir: &Path, key: &AuditKey) -> (ActorKey, Local) {
    let bob_key = ActorKey::generate();
    for (actor, signer) in [("ann", ActorKey::generate()), ("bob", bob_key.clone())] {
        let log = Log::open(dir, actor, None).with_local(Local::new(dir.join(actor)));
        for n in 1..=3 {
            log.append_signed(key, Some(&signer), ev(n)).unwrap();
        }
    }
    (bob_key, Local::new(dir.join("bob")))
}

fn verify_as(dir: &Path, key: &AuditKey, local: &Local) -> Vec<FileReport> {
    let mut book = crate::trust::TrustBook::open_in(&local.trust_dir(), STORE_ID).unwrap();
    verify_chains(dir, key, Some(&mut book))
}

#[test]
fn signed_chains_verify_and_pin_each_actor_key() {
    let dir = real_store();
    let key = AuditKey::generate();
    two_signed_chains(dir.path(), &key);
    let third = Local::new(dir.path().join("third"));
    let reports = verify_as(dir.path(), &key, &third);
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(r.is_ok() && r.warnings.is_empty(), "{r:?}");
    }
    let book = crate::trust::TrustBook::open_in(&third.trust_dir(), STORE_ID).unwrap();
    assert!(sign::pinned(&book, "bob").is_some_and(|(_, since)| since == 1));
    let line = fs::read_to_string(dir.path().join(".ward/audit/bob.jsonl")).unwrap();
    assert!(line.contains(",\"sig\":\""), "{line}");
}

/// Recomputes every MAC of a chain with the audit key after `edit`: what a
/// member holding the key can do. Keeps or drops the signatures.
fn forge(dir: &Path, chain: &str, key: &AuditKey, keep_sig: bool, edit: impl Fn(&str) -> String) {
    let path = dir.join(format!(".ward/audit/{chain}.jsonl"));
    let text = fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    let mut prev: Option<String> = None;
    for line in text.lines() {
        let (prefix, _) = super::record::split_mac(line.as_bytes()).unwrap();
        let prefix = std::str::from_utf8(prefix).unwrap();
        let (signed, sig) = match super::record::split_sig(prefix.as_bytes()) {
            Some((s, h)) => (
                std::str::from_utf8(s).unwrap().to_string(),
                Some(h.to_string()),
            ),
            None => (prefix.to_string(), None),
        };
        let old_prev = serde_json::from_str::<Record>(line).unwrap().prev_mac;
        let mut signed = edit(&signed);
        if let (Some(o), Some(p)) = (old_prev, &prev) {
            signed = signed.replace(&o, p);
        }
        let body = match (keep_sig, sig) {
            (true, Some(h)) => super::record::with_sig(&signed, &h),
            _ => signed,
        };
        let mac = hex(&key.mac(super::log::RECORD_DOMAIN, chain, body.as_bytes()));
        out.push_str(&super::record::finish_line(&body, &mac));
        prev = Some(mac);
    }
    fs::write(&path, &out).unwrap();
    let last = serde_json::from_str::<Record>(out.lines().last().unwrap()).unwrap();
    super::head::Head::new(key, chain, last.seq, &last.mac)
        .write(&super::audit_dir(dir), chain, false)
        .unwrap();
}

#[test]
fn a_chain_rewritten_with_the_audit_key_is_a_signature_break() {
    for keep_sig in [true, false] {
        let dir = real_store();
        let key = AuditKey::generate();
        let (_, bob) = two_signed_chains(dir.path(), &key);
        forge(dir.path(), "bob", &key, keep_sig, |l| {
            l.replace("p/S2", "p/XX")
        });
        let reports = verify_as(dir.path(), &key, &bob);
        let r = reports.iter().find(|r| r.chain == "bob").unwrap();
        let b = r.broken.as_ref().expect("forged chain breaks");
        assert_eq!(b.kind, BreakKind::Signature, "{b:?}");
        assert_eq!(b.line, if keep_sig { 2 } else { 1 }, "{b:?}");
        assert!(
            b.detail
                .contains("records of bob are not signed by bob's key"),
            "{b:?}"
        );
        assert!(reports.iter().find(|r| r.chain == "ann").unwrap().is_ok());
    }
}

#[test]
fn a_replaced_or_removed_published_key_is_reported() {
    let dir = real_store();
    let key = AuditKey::generate();
    let (_, bob) = two_signed_chains(dir.path(), &key);
    assert!(verify_as(dir.path(), &key, &bob)
        .iter()
        .all(FileReport::is_ok));
    // Replaced with a key of the forger's, the chain re-signed with it.
    let forger = ActorKey::generate();
    let p = Published {
        format: sign::PUB_FORMAT,
        actor: "bob".into(),
        key: forger.public_hex(),
        since: 1,
    };
    sign::publish(dir.path(), "bob", &p).unwrap();
    let reports = verify_as(dir.path(), &key, &bob);
    let b = reports
        .iter()
        .find(|r| r.chain == "bob")
        .unwrap()
        .broken
        .clone()
        .unwrap();
    assert_eq!(b.kind, BreakKind::ActorKey);
    assert!(
        b.detail
            .contains("differs from the one this machine pinned"),
        "{b:?}"
    );
    // Removed: records stay signed, the pinned key is missing.
    fs::remove_file(sign::published_path(dir.path(), "bob")).unwrap();
    let reports = verify_as(dir.path(), &key, &bob);
    let b = reports
        .iter()
        .find(|r| r.chain == "bob")
        .unwrap()
        .broken
        .clone()
        .unwrap();
    assert_eq!(b.kind, BreakKind::ActorKey);
    assert!(b.detail.contains("no longer published"), "{b:?}");
    // A machine that never saw the key: signed records without a key.
    let fresh = Local::new(dir.path().join("fresh"));
    let b = verify_as(dir.path(), &key, &fresh)
        .into_iter()
        .find(|r| r.chain == "bob")
        .unwrap()
        .broken
        .unwrap();
    assert_eq!(b.kind, BreakKind::ActorKey, "{b:?}");
}

#[test]
fn a_legacy_chain_then_signed_records_verify_and_unsigned_later_ones_break() {
    let dir = real_store();
    let key = AuditKey::generate();
    let local = Local::new(dir.path().join("bob"));
    let log = Log::open(dir.path(), "bob", None).with_local(local.clone());
    log.append_with_key(&key, ev(1)).unwrap();
    log.append_with_key(&key, ev(2)).unwrap();
    let r = &verify_as(dir.path(), &key, &local)[0];
    assert!(
        r.is_ok() && r.warnings[0].message.starts_with("unsigned chain"),
        "{r:?}"
    );
    let signer = ActorKey::generate();
    let log = Log::open(dir.path(), "bob", None).with_local(local.clone());
    log.append_signed(&key, Some(&signer), ev(3)).unwrap();
    let p = sign::read_published(dir.path(), "bob").unwrap().unwrap();
    assert_eq!(p.since, 3);
    let r = &verify_as(dir.path(), &key, &local)[0];
    assert!(r.is_ok() && r.warnings.is_empty(), "{r:?}");
    // An unsigned record after the key appeared: a break.
    log.append_with_key(&key, ev(4)).unwrap();
    let r = &verify_as(dir.path(), &key, &local)[0];
    assert_eq!(
        r.broken.as_ref().unwrap().kind,
        BreakKind::Signature,
        "{r:?}"
    );
    // Another signing key for the same actor is refused at append.
    let other = Log::open(dir.path(), "bob", None).with_local(local);
    let err = other
        .append_signed(&key, Some(&ActorKey::generate()), ev(5))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("publishes another signing key for bob"),
        "{err}"
    );
}
