//! Review and check speed on 10,000 secrets (issue 5): the real `ward check`
//! binary cold (no metadata cache) and warm (cache present), and the
//! in-process load + review-model build; then, with 100,000 signed audit
//! records added, `ward report --evidence` and `ward audit alerts` (issue
//! 14). Run: `cargo bench --bench review` (WARD_BENCH_SECRETS=N to change
//! the size). Numbers: docs/PERFORMANCE.md.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use ward::review::{self, Review, SortKey};
use ward::store::index::{self, CacheState};
use ward::store::Store;

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

/// Best and median of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    (t[0], t[t.len() / 2])
}

fn ward_check(store: &Path, identity: &Path, cache_home: &Path, extra: &[&str]) -> i32 {
    let status = Command::new(env!("CARGO_BIN_EXE_ward"))
        .arg("--store")
        .arg(store)
        .arg("--identity")
        .arg(identity)
        .arg("check")
        .args(extra)
        .env("XDG_CACHE_HOME", cache_home)
        .env("XDG_CONFIG_HOME", cache_home.join("config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run ward");
    status.code().unwrap_or(-1)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // without it: then only a smoke run on 200 secrets.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("WARD_BENCH_SECRETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if smoke { 200 } else { 10_000 });
    let runs = |r: usize| if smoke { 1 } else { r };
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = ward::demo::create(&dir.path().join("demo")).expect("demo store");
    let store = Store::open(&demo.store).expect("store");
    let keys = ward::demo::keys(&demo).expect("keys");
    let t = Instant::now();
    ward::demo::populate(&store, n).expect("populate");
    let listing = store.list(None);
    println!(
        "store: {} secrets in {} (populated in {})",
        listing.secrets.len(),
        demo.store.display(),
        ms(t.elapsed())
    );
    // Files written less than RACY_MARGIN before a scan are never trusted
    // from the cache; a real store's files are older than that.
    std::thread::sleep(index::RACY_MARGIN + Duration::from_millis(500));

    let cache_home = dir.path().join("cache");
    let cache_dir = cache_home.join("ward");
    let cache_file = index::cache_path(&store, &cache_dir);

    // Real binary, cold: no metadata cache (removed before every run).
    let (best, median) = time(runs(3), || {
        let _ = std::fs::remove_file(&cache_file);
        assert_eq!(ward_check(&demo.store, &demo.identity, &cache_home, &[]), 8);
    });
    println!(
        "ward check, cold (no cache; builds it): best {}, median {}",
        ms(best),
        ms(median)
    );
    let (best, median) = time(runs(3), || {
        assert_eq!(
            ward_check(&demo.store, &demo.identity, &cache_home, &["--no-cache"]),
            8
        );
    });
    println!(
        "ward check --no-cache:                  best {}, median {}",
        ms(best),
        ms(median)
    );
    // Real binary, warm.
    assert_eq!(ward_check(&demo.store, &demo.identity, &cache_home, &[]), 8);
    let (best, median) = time(runs(7), || {
        assert_eq!(ward_check(&demo.store, &demo.identity, &cache_home, &[]), 8);
    });
    println!(
        "ward check, warm (cache present):       best {}, median {}",
        ms(best),
        ms(median)
    );
    let (best, median) = time(runs(7), || {
        let status = Command::new(env!("CARGO_BIN_EXE_ward"))
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .expect("run ward");
        assert!(status.success());
    });
    println!(
        "(process start, ward --version:         best {}, median {})",
        ms(best),
        ms(median)
    );

    // In process.
    let (best, _) = time(runs(5), || {
        std::hint::black_box(store.list(None));
    });
    println!("in-process: list (no decryption)        {}", ms(best));
    let (best, _) = time(runs(3), || {
        let _ = std::fs::remove_file(&cache_file);
        let (metas, stats) =
            index::load_metas_with_stats(&store, &keys, &listing.secrets, Some(&cache_dir));
        assert_eq!(stats.state, CacheState::Missing);
        assert_eq!(metas.len(), listing.secrets.len());
    });
    println!("in-process: load_metas cold            {}", ms(best));
    let (best, _) = time(runs(5), || {
        let (metas, stats) =
            index::load_metas_with_stats(&store, &keys, &listing.secrets, Some(&cache_dir));
        assert_eq!(stats.hits, listing.secrets.len(), "{stats:?}");
        std::hint::black_box(metas);
    });
    println!("in-process: load_metas warm            {}", ms(best));
    let metas: Vec<_> = index::load_metas(&store, &keys, &listing.secrets, &cache_dir)
        .into_iter()
        .map(|(n, m)| (n, m.expect("readable")))
        .collect();
    let today = chrono::Local::now().date_naive();
    let (best, _) = time(runs(5), || {
        let mut r = Review::build(
            &listing,
            metas
                .iter()
                .map(|(n, m)| (n.clone(), Ok(m.clone())))
                .collect(),
            ward::policy::DEFAULT_LEAD,
            today,
        );
        review::sort(&mut r.rows, SortKey::Status, false);
        let c = review::counts(&r.rows);
        std::hint::black_box((
            c,
            review::project_counts(&r.rows),
            review::age_histogram(&r.rows),
        ));
    });
    println!("in-process: review build+sort+counts   {}", ms(best));
    let size = std::fs::metadata(&cache_file).map(|m| m.len()).unwrap_or(0);
    println!("cache file: {:.1} MB", size as f64 / 1e6);

    // A team's log: 100,000 signed records by ten actors over 90 days.
    let records = if smoke { 200 } else { 100_000 };
    let t = Instant::now();
    add_records(&store, &keys, &listing.secrets, records);
    println!(
        "audit: {records} signed records added in {}",
        ms(t.elapsed())
    );
    let ward = |args: &[&str]| {
        let status = Command::new(env!("CARGO_BIN_EXE_ward"))
            .arg("--store")
            .arg(&demo.store)
            .arg("--identity")
            .arg(&demo.identity)
            .args(args)
            .env("XDG_CACHE_HOME", &cache_home)
            .env("XDG_CONFIG_HOME", cache_home.join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run ward");
        status.code().unwrap_or(-1)
    };
    let (best, median) = time(runs(3), || {
        assert_eq!(ward(&["report", "--evidence", "--format", "html"]), 0);
    });
    println!(
        "ward report --evidence (html), warm:    best {}, median {}",
        ms(best),
        ms(median)
    );
    let (best, median) = time(runs(3), || {
        // 0: nothing unusual in this steady log; 14 would be an alert.
        assert!(matches!(
            ward(&["audit", "alerts", "--since", "90d"]),
            0 | 14
        ));
    });
    println!(
        "ward audit alerts --since 90d:          best {}, median {}",
        ms(best),
        ms(median)
    );
    let (best, median) = time(runs(3), || {
        // 10: the chains are intact, but `populate` wrote its secrets
        // without records, which the store-against-log check reports.
        assert!(matches!(ward(&["audit", "verify"]), 0 | 10));
    });
    println!(
        "(ward audit verify, the same log:       best {}, median {})",
        ms(best),
        ms(median)
    );
}

/// `n` records by ten actors, oldest first over the last 90 days: mostly
/// views, reveals and copies of the store's secrets, some exports and
/// rotations' worth of edits, signed as `ward` signs them.
fn add_records(
    store: &Store,
    keys: &ward::store::Keyring,
    names: &[ward::store::SecretPath],
    n: usize,
) {
    use ward::audit::{Action, Event, Log};
    let start = chrono::Utc::now() - chrono::Duration::days(90);
    let step = chrono::Duration::days(90) / n as i32;
    let fingerprint = ward::audit::keyring_fingerprint(keys);
    let mut logs: Vec<Log> = (0..10)
        .map(|i| {
            let mut log = Log::open(store.root(), &format!("bench{i}@host"), fingerprint.clone());
            log.set_fsync(false);
            log
        })
        .collect();
    for i in 0..n {
        let action = match i % 10 {
            0..=4 => Action::View,
            5 | 6 => Action::Reveal,
            7 | 8 => Action::Copy,
            _ => Action::Export,
        };
        let name = &names[(i * 7919) % names.len()];
        let event = Event::new(action)
            .path(name.as_str())
            .at(start + step * i as i32);
        logs[i % 10].append(keys, event).expect("append");
    }
    for log in &mut logs {
        log.set_fsync(true);
    }
}
