//! Review and check speed on 10,000 secrets (issue 5): the real `ward check`
//! binary cold (no metadata cache) and warm (cache present), and the
//! in-process load + review-model build. Run: `cargo bench --bench review`
//! (WARD_BENCH_SECRETS=N to change the size). Numbers: docs/PERFORMANCE.md.

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
}
