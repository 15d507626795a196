use super::*;
use crate::demo;
use crate::store::{Approved, Encoding, Guard, ReadBack, SecretValue};
use chrono::Utc;

const VALUE: &str = "sk_test_NEVER_IN_THE_CACHE_4242";
const FIELD_VALUE: &str = "field_NEVER_IN_THE_CACHE_7373";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    keys: Keyring,
    cache: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let d = demo::create_at(dir.path(), Utc::now()).unwrap();
    let store = Store::open(&d.store).unwrap();
    let keys = demo::keys(&d).unwrap();
    let name = SecretPath::parse("acme/api/prod/TEST_VALUE").unwrap();
    let mut doc = SecretDoc::new(
        SecretValue::new(VALUE.into()),
        Encoding::Utf8,
        "ann",
        Utc::now(),
    );
    doc.notes = Some("notes are metadata".into());
    for (name, value, secret) in [
        ("login", "ann.field.login@example.com", false),
        ("password", FIELD_VALUE, true),
    ] {
        doc.set_field(crate::store::document::Field {
            name: name.into(),
            value: SecretValue::new(value.into()),
            secret,
        })
        .unwrap();
    }
    store
        .create_secret(&name, &doc, Guard::unchecked(), || {})
        .unwrap();
    let cache = dir.path().join("cache/ward");
    Fixture {
        _dir: dir,
        store,
        keys,
        cache,
    }
}

impl Fixture {
    fn names(&self) -> Vec<SecretPath> {
        self.store.list(None).secrets
    }
    /// A load that trusts files changed up to now (no racy margin).
    fn load(&self) -> (Vec<(SecretPath, Result<SecretMeta>)>, CacheStats) {
        load_all_inner(&self.store, &self.keys, &self.names(), Some(&self.cache), 0)
    }
    fn truth(&self) -> Vec<(String, SecretMeta)> {
        self.store
            .read_meta_all(&self.keys, &self.names())
            .into_iter()
            .map(|(n, m)| (n.to_string(), m.unwrap()))
            .collect()
    }
    fn assert_correct(&self, got: &[(SecretPath, Result<SecretMeta>)]) {
        let got: Vec<(String, SecretMeta)> = got
            .iter()
            .map(|(n, m)| (n.to_string(), m.as_ref().unwrap().clone()))
            .collect();
        assert_eq!(got, self.truth());
    }
    fn path(&self) -> PathBuf {
        cache_path(&self.store, &self.cache)
    }
}

#[test]
fn cold_then_warm() {
    let f = fixture();
    let n = f.names().len();
    let (got, stats) = f.load();
    f.assert_correct(&got);
    assert_eq!(stats.state, CacheState::Missing);
    assert_eq!((stats.hits, stats.decrypted), (0, n));
    assert!(stats.written);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(f.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (got, stats) = f.load();
    f.assert_correct(&got);
    assert_eq!(stats.state, CacheState::Used);
    assert_eq!((stats.hits, stats.decrypted), (n, 0));
    assert!(
        !stats.written,
        "nothing changed: the cache is not rewritten"
    );
}

#[test]
fn fresh_files_are_racy_and_re_read() {
    let f = fixture();
    let names = f.names();
    // A margin of an hour stands for "every file was written within the
    // margin of being seen", however slow the machine running the test is.
    let hour = 3_600_000_000_000;
    let load = || load_all_inner(&f.store, &f.keys, &names, Some(&f.cache), hour);
    load();
    // Every file was written within the racy margin of being seen: none is trusted.
    let (got, stats) = load();
    f.assert_correct(&got);
    assert_eq!(stats.hits, 0);
    assert_eq!(stats.decrypted, names.len());
}

#[test]
fn notices_edit_add_and_remove() {
    let f = fixture();
    f.load();
    let keys = &f.keys;
    let edited = SecretPath::parse("acme/db/DATABASE_URL").unwrap();
    f.store
        .update(
            keys,
            &edited,
            Guard::new(ReadBack::By(keys), Approved::Unchecked),
            |d| {
                d.owner = Some("zed".into());
                Ok(())
            },
            |_, _| {},
        )
        .unwrap();
    let added = SecretPath::parse("new/ADDED").unwrap();
    f.store
        .create_secret(
            &added,
            &SecretDoc::new(
                SecretValue::new("x".into()),
                Encoding::Utf8,
                "a",
                Utc::now(),
            ),
            Guard::unchecked(),
            || {},
        )
        .unwrap();
    let removed = SecretPath::parse("personal/HOME_WIFI").unwrap();
    f.store.remove(&removed, || {}).unwrap();

    let (got, stats) = f.load();
    f.assert_correct(&got);
    assert_eq!(stats.decrypted, 2, "only the edited and the added file");
    let owner = got
        .iter()
        .find(|(n, _)| *n == edited)
        .map(|(_, m)| m.as_ref().unwrap().owner.clone());
    assert_eq!(owner, Some(Some("zed".into())));
    assert!(got.iter().all(|(n, _)| *n != removed));
    // The removed secret's entry is gone from the cache too.
    let doc = read_cache(&f.path(), &f.keys).unwrap().unwrap();
    assert!(!doc.entries.contains_key(removed.as_str()));
    assert!(doc.entries.contains_key(added.as_str()));
}

#[cfg(unix)]
fn set_mtime(path: &Path, ns: i64) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    let t = libc::timespec {
        tv_sec: ns / 1_000_000_000,
        tv_nsec: ns % 1_000_000_000,
    };
    let times = [t, t];
    // SAFETY: a valid C string and two timespecs.
    let rc = unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), 0) };
    assert_eq!(rc, 0);
}

/// A file rewritten in place with the same size and its mtime put back: only
/// ctime (which user space cannot set) tells. The cache must notice.
#[cfg(unix)]
#[test]
fn notices_in_place_rewrite_with_same_size_and_mtime() {
    use std::io::Write;
    let f = fixture();
    let a = SecretPath::parse("acme/db/DATABASE_URL").unwrap();
    let pa = f.store.file_of(&a);
    // Two encryptions of documents of the same length: owner "erin" -> "xxxx".
    let doc_a = f.store.read(&f.keys, &a).unwrap();
    let mut doc_b = doc_a.clone();
    doc_b.owner = Some("x".repeat(doc_a.owner.as_ref().unwrap().len()));
    let (_, recips) = f.store.recipients_for(&a).unwrap();
    let bytes_a = crypto::encrypt(&recips, &doc_a.to_bytes()).unwrap();
    // age adds a random-length "grease" stanza: encrypt until the sizes agree.
    let bytes_b = (0..1000)
        .map(|_| crypto::encrypt(&recips, &doc_b.to_bytes()).unwrap())
        .find(|b| b.len() == bytes_a.len())
        .expect("an encryption of the same size");
    fs::write(&pa, &bytes_a).unwrap();

    f.load();
    let before = Fingerprint::of(&fs::metadata(&pa).unwrap());
    // Rewrite in place (same inode), then put mtime back to the nanosecond.
    let mut file = fs::OpenOptions::new().write(true).open(&pa).unwrap();
    file.write_all(&bytes_b).unwrap();
    drop(file);
    set_mtime(&pa, before.mtime_ns);
    let after = Fingerprint::of(&fs::metadata(&pa).unwrap());
    assert_eq!(
        (after.ino, after.size, after.mtime_ns),
        (before.ino, before.size, before.mtime_ns)
    );

    let (got, stats) = f.load();
    f.assert_correct(&got);
    assert_eq!(stats.decrypted, 1);
    let owner = got
        .iter()
        .find(|(n, _)| *n == a)
        .unwrap()
        .1
        .as_ref()
        .unwrap()
        .owner
        .clone();
    assert_eq!(owner, doc_b.owner);
}

#[test]
fn racy_entries_are_not_trusted() {
    let fp = Fingerprint {
        dev: 1,
        ino: 2,
        size: 3,
        mtime_ns: 10_000_000_000,
        ctime_ns: 10_000_000_000,
    };
    let meta = SecretDoc::new(
        SecretValue::new("v".into()),
        Encoding::Utf8,
        "a",
        Utc::now(),
    )
    .meta();
    let margin = RACY_MARGIN.as_nanos() as i64;
    let entry = |seen_ns| Entry {
        fp,
        seen_ns,
        meta: meta.clone(),
    };
    assert!(
        !entry(fp.mtime_ns).valid_for(&fp, margin),
        "seen in the same tick"
    );
    assert!(!entry(fp.mtime_ns + margin).valid_for(&fp, margin));
    assert!(entry(fp.mtime_ns + margin + 1).valid_for(&fp, margin));
    let other = Fingerprint {
        ctime_ns: fp.ctime_ns + 1,
        ..fp
    };
    assert!(!entry(i64::MAX).valid_for(&other, margin), "ctime differs");
    let moved = Fingerprint { ino: 9, ..fp };
    assert!(!entry(i64::MAX).valid_for(&moved, margin), "inode differs");
}

#[test]
fn corrupt_or_foreign_cache_is_ignored_and_rebuilt() {
    let f = fixture();
    let n = f.names().len();
    f.load();
    // Garbage.
    fs::write(f.path(), b"age-encryption.org/v1\ngarbage").unwrap();
    let (got, stats) = f.load();
    f.assert_correct(&got);
    assert!(
        matches!(stats.state, CacheState::Ignored(_)),
        "{:?}",
        stats.state
    );
    assert_eq!(stats.decrypted, n);
    assert!(stats.written);
    assert_eq!(f.load().1.state, CacheState::Used);
    // Truncated.
    let bytes = fs::read(f.path()).unwrap();
    fs::write(f.path(), &bytes[..bytes.len() / 2]).unwrap();
    let (got, stats) = f.load();
    f.assert_correct(&got);
    assert!(matches!(stats.state, CacheState::Ignored(_)));
    // Encrypted to someone else entirely.
    let (_, other) = crypto::generate_identity(Utc::now());
    let r = vec![crypto::Recipient::parse(&other).unwrap()];
    fs::write(f.path(), crypto::encrypt(&r, b"{}").unwrap()).unwrap();
    let (got, stats) = f.load();
    f.assert_correct(&got);
    assert_eq!(stats.state, CacheState::Ignored("cannot decrypt it".into()));
    // Valid age, valid JSON, wrong shape.
    let mine: Vec<_> = f
        .keys
        .public_keys()
        .iter()
        .map(|k| crypto::Recipient::parse(k).unwrap())
        .collect();
    fs::write(f.path(), crypto::encrypt(&mine, b"{\"format\":1}").unwrap()).unwrap();
    let (got, _) = f.load();
    f.assert_correct(&got);
    // A poisoned entry for a file that differs is never used.
    let mut doc = read_cache(&f.path(), &f.keys).unwrap().unwrap();
    for e in doc.entries.values_mut() {
        e.meta.owner = Some("POISON".into());
        e.fp.size += 1;
    }
    write_cache(&f.path(), &f.keys, &doc).unwrap();
    let (got, _) = f.load();
    f.assert_correct(&got);
}

#[test]
fn other_identities_do_not_use_the_cache() {
    let f = fixture();
    f.load();
    let mut doc = read_cache(&f.path(), &f.keys).unwrap().unwrap();
    doc.keys = "someone-else".into();
    write_cache(&f.path(), &f.keys, &doc).unwrap();
    let (_, stats) = f.load();
    assert_eq!(
        stats.state,
        CacheState::Ignored("made for other identities".into())
    );
}

#[test]
fn the_cache_holds_no_values() {
    let f = fixture();
    let mut values: Vec<String> = vec![VALUE.into()];
    for name in f.names() {
        let doc = f.store.read(&f.keys, &name).unwrap();
        values.push(doc.value.expose().to_string());
        values.extend(doc.history.iter().map(|h| h.value.expose().to_string()));
        values.extend(doc.fields.iter().map(|f| f.value.expose().to_string()));
    }
    assert!(values.iter().any(|v| v == FIELD_VALUE));
    f.load();
    let raw = fs::read(f.path()).unwrap();
    let plain = f.keys.decrypt(&f.path(), &raw).unwrap();
    let text = String::from_utf8(plain.to_vec()).unwrap();
    assert!(
        text.contains("notes are metadata"),
        "the cache was decrypted"
    );
    // Field names (and the secret flag) are metadata; no field's value is.
    assert!(text.contains("\"password\""), "field names are cached");
    for v in values.iter().filter(|v| v.len() >= 8) {
        assert!(!text.contains(v.as_str()), "a value is in the cache");
    }
    // And the file on disk is age, not plain JSON.
    assert!(raw.starts_with(b"age-encryption.org/v1"));
    assert!(!String::from_utf8_lossy(&raw).contains("notes are metadata"));
}

#[test]
fn disabled_cache_writes_nothing() {
    let f = fixture();
    let (got, stats) = load_metas_with_stats(&f.store, &f.keys, &f.names(), None);
    f.assert_correct(&got);
    assert_eq!(stats.state, CacheState::Disabled);
    assert!(!f.path().exists());
}

#[test]
fn a_prefix_load_keeps_other_entries() {
    let f = fixture();
    f.load();
    let some: Vec<SecretPath> = f
        .store
        .list(Some(&SecretPath::parse("infra").unwrap()))
        .secrets;
    let (_, stats) = load_all_inner(&f.store, &f.keys, &some, Some(&f.cache), 0);
    assert_eq!(stats.hits, some.len());
    let (_, stats) = f.load();
    assert_eq!(stats.decrypted, 0);
}

#[test]
fn unreadable_files_are_reported_and_not_cached() {
    let f = fixture();
    let bad = SecretPath::parse("acme/web/TLS_CERT").unwrap();
    fs::write(f.store.file_of(&bad), b"not age at all").unwrap();
    let (got, _) = f.load();
    let err = got
        .iter()
        .find(|(n, _)| *n == bad)
        .unwrap()
        .1
        .as_ref()
        .unwrap_err();
    assert!(matches!(err, WardError::Corrupt { .. }), "{err}");
    let doc = read_cache(&f.path(), &f.keys).unwrap().unwrap();
    assert!(!doc.entries.contains_key(bad.as_str()));
}

#[test]
fn hostile_store_id_does_not_steer_the_path() {
    let f = fixture();
    let mut store = f.store.clone();
    store.info.id = "../../etc/passwd".into();
    let p = cache_path(&store, Path::new("/c"));
    assert_eq!(p.parent(), Some(Path::new("/c")));
    assert!(p.to_string_lossy().ends_with(".cache.age"));
    assert!(!p.to_string_lossy().contains(".."));
}
