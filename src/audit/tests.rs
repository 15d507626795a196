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

mod signed {
    use super::*;
    use crate::audit::head::Head;
    use crate::audit::log::RECORD_DOMAIN;
    use crate::audit::record::split_mac;
    use crate::audit::sign::{self, Signer};
    use crate::audit::verify::verify_chains;
    use std::collections::BTreeSet;

    fn signed_log(dir: &std::path::Path, key: &AuditKey, signer: &Signer, n: u32) -> Log {
        let log = Log::open(dir, "bob@box", None);
        sign::publish(dir, log.chain(), signer).unwrap();
        for i in 1..=n {
            log.append_signed(key, signer, ev(i)).unwrap();
        }
        log
    }

    fn approved(chain: &str, signers: &[&Signer]) -> BTreeSet<String> {
        signers
            .iter()
            .map(|s| sign::approval_item(chain, &s.public_hex()))
            .collect()
    }

    /// What a member holding the audit key can do: change the bytes of
    /// records with `edit` (line index, MAC-covered prefix) and recompute
    /// every MAC and the head, so that the HMAC chain holds again.
    fn rewrite(log: &Log, key: &AuditKey, edit: impl Fn(usize, &mut String)) {
        let text = fs::read_to_string(log.path()).unwrap();
        let mut prev: Option<String> = None;
        let mut out = String::new();
        let mut last = (0, String::new());
        for (i, line) in text.lines().enumerate() {
            let (prefix, _) = split_mac(line.as_bytes()).unwrap();
            let mut prefix = String::from_utf8(prefix.to_vec()).unwrap();
            edit(i, &mut prefix);
            let at = prefix.find("\"prev_mac\":").unwrap() + "\"prev_mac\":".len();
            let end = prefix[at..]
                .find([',', '}'])
                .map_or(prefix.len(), |e| at + e);
            let value = prev.as_ref().map_or("null".into(), |m| format!("\"{m}\""));
            prefix.replace_range(at..end, &value);
            let mac = hex(&key.mac(RECORD_DOMAIN, log.chain(), prefix.as_bytes()));
            out.push_str(&format!("{prefix},\"mac\":\"{mac}\"}}\n"));
            prev = Some(mac.clone());
            last = (i as u64 + 1, mac);
        }
        fs::write(log.path(), out).unwrap();
        let dir = audit_dir(
            log.path()
                .parent()
                .unwrap()
                .parent()
                .unwrap()
                .parent()
                .unwrap(),
        );
        Head::new(key, log.chain(), last.0, &last.1)
            .write(&dir, log.chain(), false)
            .unwrap();
    }

    fn only(reports: Vec<FileReport>) -> FileReport {
        assert_eq!(reports.len(), 1, "{reports:?}");
        reports.into_iter().next().unwrap()
    }

    #[test]
    fn a_signed_chain_verifies_and_is_pinned_on_first_sight() {
        let dir = store();
        let (key, bob) = (AuditKey::generate(), Signer::from_seed(7));
        let log = signed_log(dir.path(), &key, &bob, 3);
        assert!(fs::read_to_string(log.path())
            .unwrap()
            .contains(",\"sig\":\""));
        let first = only(verify_chains(dir.path(), &key, Some(&BTreeSet::new())));
        assert!(first.is_ok(), "{first:?}");
        let item = sign::approval_item("bob@box", &bob.public_hex());
        assert_eq!(
            first.signing,
            Signing::Signed {
                from_seq: 1,
                keys: vec![bob.id().to_string()],
                pinned: vec![item.clone()],
            }
        );
        let again = only(verify_chains(
            dir.path(),
            &key,
            Some(&approved("bob@box", &[&bob])),
        ));
        assert!(matches!(&again.signing, Signing::Signed { pinned, .. } if pinned.is_empty()));
    }

    #[test]
    fn a_record_changed_by_a_holder_of_the_audit_key_is_caught() {
        let dir = store();
        let (key, bob) = (AuditKey::generate(), Signer::from_seed(7));
        let log = signed_log(dir.path(), &key, &bob, 4);
        // HMAC alone: the forged chain authenticates.
        rewrite(&log, &key, |i, p| {
            if i == 1 {
                *p = p.replace("p/S2", "p/XX");
            }
        });
        let r = only(verify_chains(dir.path(), &key, None));
        let b = r.broken.expect("caught");
        assert_eq!((b.kind, b.line), (BreakKind::Signature, 2), "{}", b.detail);
        assert!(b.detail.contains("bob@box") && b.detail.contains("shared audit key"));
    }

    #[test]
    fn stripped_signatures_are_caught_where_the_key_was_pinned() {
        let dir = store();
        let (key, bob) = (AuditKey::generate(), Signer::from_seed(7));
        let log = signed_log(dir.path(), &key, &bob, 3);
        let strip = |_: usize, p: &mut String| {
            if sign::split_sig(p.as_bytes()).is_some() {
                p.truncate(p.len() - sign::SIG_SUFFIX_LEN);
            }
        };
        // Only the last record stripped: the chain is signed up to it.
        rewrite(&log, &key, |i, p| {
            if i == 2 {
                strip(i, p)
            }
        });
        let r = only(verify_chains(dir.path(), &key, None));
        let b = r.broken.expect("caught");
        assert_eq!((b.kind, b.line), (BreakKind::Signature, 3), "{}", b.detail);
        assert!(b.detail.contains("is not signed"), "{}", b.detail);
        // Every record stripped: a machine that pinned bob's key says so; a
        // fresh clone can only call it unsigned.
        rewrite(&log, &key, strip);
        let pinned = only(verify_chains(
            dir.path(),
            &key,
            Some(&approved("bob@box", &[&bob])),
        ));
        let b = pinned.broken.expect("caught");
        assert!(b.detail.contains("pinned a signing key"), "{}", b.detail);
        let fresh = only(verify_chains(dir.path(), &key, Some(&BTreeSet::new())));
        assert!(fresh.is_ok());
        assert_eq!(fresh.signing, Signing::Unsigned);
    }

    #[test]
    fn a_new_key_for_a_pinned_actor_needs_approval_and_old_records_still_verify() {
        let dir = store();
        let (key, old, new) = (
            AuditKey::generate(),
            Signer::from_seed(7),
            Signer::from_seed(8),
        );
        let log = signed_log(dir.path(), &key, &old, 2);
        // The actor's identity changed: a second key, published beside the first.
        sign::publish(dir.path(), log.chain(), &new).unwrap();
        log.append_signed(&key, &new, ev(3)).unwrap();
        let r = only(verify_chains(
            dir.path(),
            &key,
            Some(&approved("bob@box", &[&old])),
        ));
        assert!(r.broken.is_none(), "{r:?}");
        assert!(!r.is_ok());
        assert_eq!(
            r.signing,
            Signing::Unapproved {
                from_seq: 1,
                keys: vec![new.id().to_string()]
            }
        );
        let both = approved("bob@box", &[&old, &new]);
        let r = only(verify_chains(dir.path(), &key, Some(&both)));
        assert!(r.is_ok(), "{r:?}");
        assert!(matches!(&r.signing, Signing::Signed { keys, .. } if keys.len() == 2));
    }

    #[test]
    fn a_key_removed_from_the_published_file_breaks_the_chain() {
        let dir = store();
        let (key, bob) = (AuditKey::generate(), Signer::from_seed(7));
        let log = signed_log(dir.path(), &key, &bob, 2);
        fs::write(sign::published_path(dir.path(), log.chain()), "# none\n").unwrap();
        let r = only(verify_chains(dir.path(), &key, None));
        let b = r.broken.expect("caught");
        assert_eq!((b.kind, b.line), (BreakKind::Signature, 1));
        assert!(
            b.detail.contains(".ward/actors/bob@box.pub"),
            "{}",
            b.detail
        );
    }

    #[test]
    fn an_unsigned_start_then_signed_records_verify_as_signed_from_there() {
        let dir = store();
        let (key, bob) = (AuditKey::generate(), Signer::from_seed(7));
        let log = Log::open(dir.path(), "bob@box", None);
        log.append_with_key(&key, ev(1)).unwrap();
        log.append_with_key(&key, ev(2)).unwrap();
        sign::publish(dir.path(), log.chain(), &bob).unwrap();
        log.append_signed(&key, &bob, ev(3)).unwrap();
        let r = only(verify_chains(dir.path(), &key, None));
        assert!(r.is_ok(), "{r:?}");
        assert!(matches!(r.signing, Signing::Signed { from_seq: 3, .. }));
        // The unsigned start is covered too: the signed record chains to it.
        rewrite(&log, &key, |i, p| {
            if i == 0 {
                *p = p.replace("p/S1", "p/XX");
            }
        });
        let r = only(verify_chains(dir.path(), &key, None));
        assert_eq!(r.broken.expect("caught").line, 3);
    }
}
