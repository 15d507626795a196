//! Many writers at once, and writers killed mid-write: nothing lost, nothing
//! broken. Results are checked through the library, which is faster than a
//! `ward get` process per secret.

mod common;

use common::{detach, stderr, Ward};
use rand::Rng;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use ward::store::{Keyring, SecretPath, Store};

fn open(w: &Ward) -> (Store, Keyring) {
    let store = Store::open(&w.store()).expect("store opens");
    let mut keys = Keyring::default();
    keys.add_file(&w.identity(), None)
        .map_err(|e| e.into_ward())
        .expect("identity loads");
    (store, keys)
}

fn value_of(store: &Store, keys: &Keyring, name: &str) -> String {
    let doc = store
        .read(keys, &SecretPath::parse(name).unwrap())
        .unwrap_or_else(|e| panic!("{name} does not read: {e}"));
    doc.value.expose().to_string()
}

/// Starts `ward set NAME` with `value` on stdin, without waiting.
fn spawn_set(w: &Ward, name: &str, value: &[u8]) -> Child {
    let mut c = w.cmd(&["set", name]);
    detach(&mut c);
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ward set");
    let mut stdin = child.stdin.take().unwrap();
    let value = value.to_vec();
    std::thread::spawn(move || {
        let _ = stdin.write_all(&value);
    });
    child
}

fn wait_ok(child: Child, what: &str) {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{what}: {}", stderr(&out));
}

fn temp_files(w: &Ward) -> Vec<String> {
    common::files_under(&w.store())
        .into_iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| ward::store::fsio::is_temp_name(n))
        .collect()
}

#[test]
fn a_hundred_concurrent_writers_lose_nothing() {
    let w = Ward::init();
    std::fs::write(
        w.config_home.join("ward/config.toml"),
        "history_limit = 100\n",
    )
    .unwrap();
    w.set("shared/COUNTER", b"initial", &[]);

    // 100 processes, each its own secret, all at once.
    let children: Vec<_> = (0..100)
        .map(|i| {
            spawn_set(
                &w,
                &format!("proj{}/SECRET_{i}", i % 7),
                format!("own-{i}").as_bytes(),
            )
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        wait_ok(c, &format!("writer {i}"));
    }
    // 50 processes on the same secret, all at once.
    let children: Vec<_> = (0..50)
        .map(|i| spawn_set(&w, "shared/COUNTER", format!("shared-{i}").as_bytes()))
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        wait_ok(c, &format!("shared writer {i}"));
    }

    let (store, keys) = open(&w);
    let listing = store.list(None);
    assert!(listing.problems.is_empty(), "{:?}", listing.problems);
    assert_eq!(listing.secrets.len(), 101);
    for i in 0..100 {
        assert_eq!(
            value_of(&store, &keys, &format!("proj{}/SECRET_{i}", i % 7)),
            format!("own-{i}")
        );
    }
    // Every update of the shared secret is there exactly once, with
    // consecutive versions: the read-modify-write was never interleaved.
    let doc = store
        .read(&keys, &SecretPath::parse("shared/COUNTER").unwrap())
        .unwrap();
    assert_eq!(doc.version, 51);
    assert_eq!(doc.history.len(), 50);
    let versions: Vec<u32> = doc.history.iter().map(|h| h.version).collect();
    assert_eq!(versions, (1..=50).rev().collect::<Vec<_>>());
    let mut values: BTreeSet<String> = doc
        .history
        .iter()
        .map(|h| h.value.expose().to_string())
        .collect();
    values.insert(doc.value.expose().to_string());
    let mut want: BTreeSet<String> = (0..50).map(|i| format!("shared-{i}")).collect();
    want.insert("initial".into());
    assert_eq!(values, want);
    // Each entry's "set" is the "replaced" of the one before it.
    for pair in doc.history.windows(2) {
        assert_eq!(pair[0].set, pair[1].replaced);
    }
    assert!(temp_files(&w).is_empty(), "{:?}", temp_files(&w));
}

#[test]
fn a_writer_killed_mid_write_leaves_old_or_new() {
    let w = Ward::init();
    for name in ["keep/A", "keep/B", "other/C"] {
        w.set(name, format!("steady-{name}").as_bytes(), &[]);
    }
    // A large value widens the window in which the writer can die.
    let big = |i: usize| -> Vec<u8> {
        let mut v = format!("KILLTEST-{i}-").into_bytes();
        v.resize(256 * 1024, b'a' + (i % 26) as u8);
        v
    };
    w.set("hot/BIG", &big(0), &[]);

    // How long one write takes, to spread the kills over it (and a little
    // past it, so that some kills land after the rename).
    let started = Instant::now();
    wait_ok(spawn_set(&w, "hot/BIG", &big(1)), "timing write");
    let one_write = started.elapsed().max(Duration::from_millis(5));

    let (store, keys) = open(&w);
    let hot = SecretPath::parse("hot/BIG").unwrap();
    let mut current = big(1);
    let mut rng = rand::thread_rng();
    let (mut old_seen, mut new_seen) = (0, 0);
    let iterations = 200;
    for i in 2..iterations + 2 {
        let next = big(i);
        let mut child = spawn_set(&w, "hot/BIG", &next);
        let delay = rng.gen_range(0..=one_write.as_micros() as u64 * 3 / 2);
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        // The store opens and every secret decrypts.
        let store_again = Store::open(&w.store()).expect("store opens after a kill");
        let listing = store_again.list(None);
        assert!(listing.problems.is_empty(), "{:?}", listing.problems);
        assert_eq!(listing.secrets.len(), 4, "{:?}", listing.secrets);
        for (name, meta) in store.read_meta_all(&keys, &listing.secrets) {
            if let Err(e) = meta {
                panic!("iteration {i}: {name} broken after SIGKILL: {e}");
            }
        }
        let doc = store.read(&keys, &hot).unwrap();
        let value = doc.value.expose().as_bytes();
        if value == current.as_slice() {
            old_seen += 1;
        } else if value == next.as_slice() {
            new_seen += 1;
            current = next;
        } else {
            panic!("iteration {i}: hot/BIG is neither the old nor the new value");
        }
    }
    eprintln!(
        "after {iterations} kills (one write ~{one_write:?}): {old_seen} old, {new_seen} new"
    );
    assert_eq!(old_seen + new_seen, iterations);
    for name in ["keep/A", "keep/B", "other/C"] {
        assert_eq!(value_of(&store, &keys, name), format!("steady-{name}"));
    }
    // A later write sweeps the temp files dead writers left.
    w.set("hot/BIG", b"final", &[]);
    let leftovers = temp_files(&w);
    assert!(leftovers.is_empty(), "{leftovers:?}");
    w.assert_no_plaintext(&[b"KILLTEST-"]);
}

#[test]
fn a_move_killed_mid_way_leaves_a_copy() {
    let w = Ward::init();
    let mut rng = rand::thread_rng();
    let mut name = "a/K".to_string();
    w.set(&name, b"moving-value", &[]);
    let (store, keys) = open(&w);
    for i in 0..30 {
        let to = format!("b{i}/K");
        let mut c = w.cmd(&["mv", &name, &to]);
        detach(&mut c);
        let mut child = c
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..8000)));
        let _ = child.kill();
        let _ = child.wait();
        let listing = store.list(None);
        assert!(listing.problems.is_empty(), "{:?}", listing.problems);
        assert!(
            !listing.secrets.is_empty(),
            "iteration {i}: the secret is gone"
        );
        for s in &listing.secrets {
            assert_eq!(value_of(&store, &keys, s.as_str()), "moving-value");
        }
        if listing.secrets.iter().any(|s| s.as_str() == to) {
            // Clean up a left-behind source so the next move has one origin.
            for s in &listing.secrets {
                if s.as_str() != to {
                    store.remove(s, || {}).unwrap();
                }
            }
            name = to;
        }
    }
}
