//! Completion benchmark: `cargo bench --bench complete` (numbers in
//! docs/PERFORMANCE.md; target: under 50 ms at 10,000 secrets).
//!
//! A store of 10,000 secrets (500 projects of 20), then the time of one
//! <Tab> as the shell runs it: the real binary answering `WARD_COMPLETE=bash
//! ward -- ward get PARTIAL` (process start, the grammar, listing file
//! names), for the worst case (nothing typed yet: the whole store is
//! walked) and a typical one (inside a project); and the library's share
//! (`cli::names::candidates`). Also `ward find` with a warm metadata cache
//! (target: under 100 ms). Medians of repeated runs. Under `cargo test` it
//! only does a smoke run on 200 secrets.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use ward::store::Store;

const BIN: &str = env!("CARGO_BIN_EXE_ward");

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (n, runs) = if bench { (10_000, 21) } else { (200, 3) };
    let tmp = tempfile::tempdir().unwrap();
    let store_dir = build(tmp.path(), n);
    let store = Store::open(&store_dir).unwrap();

    let mid = format!("project{:04}/", n / 40);
    let lib_all = median(runs, || {
        let all = ward::cli::names::candidates(&store, "");
        assert_eq!(all.len(), n / 20);
    });
    let lib_mid = median(runs, || {
        let inside = ward::cli::names::candidates(&store, &mid);
        assert_eq!(inside.len(), 2, "{inside:?}");
    });
    let tab = |typed: &str| {
        let out = ward(tmp.path(), &["--", "ward", "get", typed])
            .env("WARD_COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", "2")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(!out.stdout.is_empty());
    };
    let bin_all = median(runs, || tab(""));
    let bin_mid = median(runs, || tab(&mid));
    // The first run fills the metadata cache (median() warms up once).
    let query = format!("prj{:04}web", n / 40);
    let find = median(runs.min(11), || {
        let out = ward(tmp.path(), &["find", &query]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
    });
    println!("completion at {n} secrets (median of {runs}):");
    println!(
        "  ward get <Tab>          binary {:>8}   library {:>8}",
        ms(bin_all),
        ms(lib_all)
    );
    println!(
        "  ward get {mid}<Tab>  binary {:>8}   library {:>8}",
        ms(bin_mid),
        ms(lib_mid)
    );
    println!(
        "  ward find {query}    binary {:>8}   (warm metadata cache)",
        ms(find)
    );
}

/// `ward init` in `root`, then `n` secrets in projects of 20 (two folders
/// each). One real encrypted file is copied to every name: completion reads
/// names only.
fn build(root: &Path, n: usize) -> std::path::PathBuf {
    let store = root.join("store");
    let run = |args: &[&str], stdin: Stdio| {
        let status = ward(root, args)
            .stdin(stdin)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "ward {args:?}");
    };
    run(&["init"], Stdio::null());
    let seed = root.join("seed");
    std::fs::write(&seed, "Hq4-Tz9_wLm2Xk7p").unwrap();
    run(
        &["set", "seed/VALUE"],
        Stdio::from(std::fs::File::open(&seed).unwrap()),
    );
    let bytes = std::fs::read(store.join("seed/VALUE.age")).unwrap();
    std::fs::remove_dir_all(store.join("seed")).unwrap();
    for i in 0..n {
        let (project, k) = (i / 20, i % 20);
        let folder = if k < 10 { "api" } else { "web" };
        let dir = store.join(format!("project{project:04}/{folder}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("SECRET_{k:02}.age")), &bytes).unwrap();
    }
    store
}

/// The real binary on the bench's store (`ROOT/store`) and identity.
fn ward(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("WARD_STORE", root.join("store"))
        .env("WARD_IDENTITY", root.join("identity.txt"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("HOME", root)
        .stdin(Stdio::null());
    c
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
