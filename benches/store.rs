//! Store benchmark: `cargo bench --bench store` (numbers in docs/PERFORMANCE.md).
//!
//! Builds stores of 1,000 and 10,000 secrets (about 20 per project, with
//! realistic metadata and a little history) and measures:
//! - listing names (no decryption),
//! - loading every secret's metadata in parallel (`Store::read_meta_all`) and
//!   assessing expiry/rotation for all of them: "find what is expiring",
//! - `ward ls --long --json` of the real binary: the same, end to end,
//! - one `ward get` of the real binary (process wall time),
//! - one `ward set` (a rotation: lock, temp sweep, checks, encryption, the
//!   write-ahead audit record, fsyncs),
//! - `ward audit verify --json` (the chains and the store against the log).
//!
//! `WARD_BENCH_BIN=path/to/ward` runs the binary measures with another build
//! (a baseline) against the same stores.
//!
//! Plain `fn main`, no bench framework: medians of repeated runs. Pass
//! `--quick` (`cargo bench --bench store -- --quick`) for fewer repetitions
//! and the 1,000 store only. Under `cargo test` it only does a smoke run.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use ward::policy::{assess_secret, Interval};
use ward::store::{crypto, Encoding, Keyring, Kind, SecretDoc, SecretPath, SecretValue, Store};

const BIN: &str = env!("CARGO_BIN_EXE_ward");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this with
    // no arguments: then just check that it works, on a small store.
    if !args.iter().any(|a| a == "--bench") {
        println!("store bench: smoke run on 200 secrets (use cargo bench --bench store)");
        bench_size(200, true);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let sizes: &[usize] = if quick { &[1_000] } else { &[1_000, 10_000] };
    println!(
        "ward store benchmark: {} logical CPUs, rayon threads {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rayon::current_num_threads()
    );
    println!(
        "{:>7}  {:>12}  {:>22}  {:>22}  {:>20}  {:>14}  {:>20}  {:>22}",
        "secrets",
        "list names",
        "load all (lib)",
        "ls --long (bin)",
        "ward get",
        "identity load",
        "ward set",
        "audit verify (bin)"
    );
    for &n in sizes {
        bench_size(n, quick);
    }
}

struct World {
    _tmp: tempfile::TempDir,
    store: PathBuf,
    identity: PathBuf,
    home: PathBuf,
}

fn bench_size(n: usize, quick: bool) {
    let world = build(n);
    let store = Store::open(&world.store).unwrap();

    let list_t = median(if quick { 5 } else { 15 }, || {
        let l = store.list(None);
        assert_eq!(l.secrets.len(), n);
    });

    let id_t = median(5, || {
        let mut k = Keyring::default();
        k.add_file(&world.identity, None)
            .map_err(|e| e.into_ward())
            .unwrap();
    });
    let mut keys = Keyring::default();
    keys.add_file(&world.identity, None)
        .map_err(|e| e.into_ward())
        .unwrap();
    let today = chrono::Local::now().date_naive();
    let lead = Interval::days(14);
    let load_t = median(if quick { 3 } else { 5 }, || {
        let listing = store.list(None);
        let loaded = store.read_meta_all(&keys, &listing.secrets);
        let mut needing_action = 0;
        for (name, meta) in &loaded {
            let meta = meta.as_ref().expect("every secret loads");
            let (a, _) = assess_secret(name.as_str(), meta, &listing.folder_policies, lead, today);
            needing_action += usize::from(a.status.needs_action());
        }
        assert_eq!(loaded.len(), n);
        assert!(needing_action > 0);
    });

    let ls_t = median(3, || {
        let out = ward(&world, &["ls", "--long", "--json"])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(out.status.success());
    });

    let name = format!("project{:04}/web/SECRET_07", (n / 20) / 2);
    let get_t = median(if quick { 11 } else { 31 }, || {
        let out = ward(&world, &["get", &name])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty());
    });

    // One write: the store lock, the whole-store temp sweep, the lock-out
    // and name checks, encryption, the write-ahead audit record and the
    // fsyncs (the value changes each run, so each is a rotation).
    let mut round = 0;
    let set_t = median(if quick { 5 } else { 11 }, || {
        round += 1;
        let mut child = ward(&world, &["set", &name])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            input
                .write_all(format!("bench-value-{round}").as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });

    // Every chain, then every secret's version against the log (through the
    // warm metadata cache). The store was written without records, so the
    // cross-check reports them: exit 10, the full cost either way.
    let verify_t = median(3, || {
        let out = ward(&world, &["audit", "verify", "--json"])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 10)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });

    println!(
        "{:>7}  {:>12}  {:>22}  {:>22}  {:>20}  {:>14}  {:>20}  {:>22}",
        n,
        ms(list_t.wall),
        both(load_t),
        both(ls_t),
        both(get_t),
        ms(id_t.wall),
        both(set_t),
        both(verify_t)
    );
}

fn ward(world: &World, args: &[&str]) -> Command {
    // WARD_BENCH_BIN: another build of ward (a baseline) against the same store.
    let bin = std::env::var_os("WARD_BENCH_BIN").unwrap_or_else(|| BIN.into());
    let mut c = Command::new(bin);
    c.args(args)
        .arg("--store")
        .arg(&world.store)
        .arg("--identity")
        .arg(&world.identity)
        .env("HOME", &world.home)
        .env("XDG_CONFIG_HOME", world.home.join("config"))
        .env("XDG_CACHE_HOME", world.home.join("cache"))
        .env("USER", "bench")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn both(t: Timing) -> String {
    format!("{} ({} cpu)", ms(t.wall), ms(t.cpu))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Median wall time and median CPU time (user + system, this process and
/// the children it waited for) of `runs` runs after one warm-up. CPU time
/// does not depend on what else the machine is doing; wall time does.
fn median(runs: usize, mut f: impl FnMut()) -> Timing {
    f(); // warm-up
    let mut walls = Vec::with_capacity(runs);
    let mut cpus = Vec::with_capacity(runs);
    for _ in 0..runs {
        let c = cpu_time();
        let t = Instant::now();
        f();
        walls.push(t.elapsed());
        cpus.push(cpu_time().saturating_sub(c));
    }
    walls.sort();
    cpus.sort();
    Timing {
        wall: walls[runs / 2],
        cpu: cpus[runs / 2],
    }
}

#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

fn cpu_time() -> Duration {
    let mut total = Duration::ZERO;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: getrusage fills the struct we pass; all-zero is a valid rusage.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut u) };
        for tv in [u.ru_utime, u.ru_stime] {
            total += Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
        }
    }
    total
}

/// A store of `n` secrets in 20-secret projects, written directly (no fsync
/// per file: building the fixture is not what is measured).
fn build(n: usize) -> World {
    let tmp = tempfile::Builder::new()
        .prefix("ward-bench-")
        .tempdir()
        .unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let identity = tmp.path().join("identity.txt");
    let now = chrono::Utc::now();
    let (text, public) = crypto::generate_identity(now);
    write_private(&identity, text.as_bytes());
    let store_dir = tmp.path().join("store");
    let store = Store::create(&store_dir, std::slice::from_ref(&public), now).unwrap();
    let recipients = crypto::parse_recipients(Path::new("bench"), &public).unwrap();

    let kinds = Kind::ALL;
    let built = Instant::now();
    (0..n).into_par_iter().for_each(|i| {
        let project = i / 20;
        let name = SecretPath::parse(&format!(
            "project{project:04}/{}/SECRET_{:02}",
            ["api", "db", "ci", "web"][i % 4],
            i % 20
        ))
        .unwrap();
        let created = now - chrono::Duration::days(400 - (i % 365) as i64);
        let mut doc = SecretDoc::new(
            SecretValue::new(format!("sk_live_{i:08}_{}", "x".repeat(32))),
            Encoding::Utf8,
            "ann@laptop",
            created,
        );
        doc.kind = kinds[i % kinds.len()];
        doc.owner = Some(["ann", "bob", "platform-team"][i % 3].into());
        doc.tags = vec!["prod".into(), format!("team-{}", i % 5)];
        doc.url = Some(format!("https://console.example.com/keys/{i}"));
        doc.notes = Some("Rotate with the provider console; update CI after.".into());
        if i % 3 == 0 {
            doc.expires = Some((now + chrono::Duration::days((i % 200) as i64 - 30)).date_naive());
        }
        if i % 2 == 0 {
            doc.rotate_every = Some("90d".parse().unwrap());
        }
        for v in 0..(i % 3) {
            doc.set_value(
                SecretValue::new(format!("sk_live_{i:08}_v{v}_{}", "y".repeat(32))),
                Encoding::Utf8,
                "bob@server",
                Some("scheduled rotation".into()),
                created + chrono::Duration::days(30 * (v as i64 + 1)),
                10,
            );
        }
        let plain = doc.to_bytes();
        let cipher = crypto::encrypt(&recipients, &plain).unwrap();
        let path = store.file_of(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, cipher).unwrap();
    });
    eprintln!(
        "built {n} secrets in {:.1} s",
        built.elapsed().as_secs_f64()
    );
    if std::env::var_os("WARD_BENCH_KEEP").is_some() {
        eprintln!("keeping {}", tmp.path().display());
        std::mem::forget(tmp);
        return build_kept(store_dir, identity, home);
    }
    World {
        _tmp: tmp,
        store: store_dir,
        identity,
        home,
    }
}

fn build_kept(store: PathBuf, identity: PathBuf, home: PathBuf) -> World {
    World {
        _tmp: tempfile::tempdir().unwrap(),
        store,
        identity,
        home,
    }
}

fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}
