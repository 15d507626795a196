//! Sync benchmark: `cargo bench --bench sync` (numbers in docs/PERFORMANCE.md).
//!
//! A 10,000-secret git store (files written with ward's library, one
//! initial commit by `ward init --git`), pushed to a local bare remote and
//! cloned with `ward clone`. Each round changes 100 different secrets on
//! each clone (written with the library, committed with git, as 100
//! autocommits would leave them) and measures `ward sync` of the real
//! binary: A sends, B receives A's and sends its own (a real merge), A
//! receives B's. Medians over the rounds. No network: the remote is a
//! folder, so this is ward's and git's own work.
//!
//! Plain `fn main`; under `cargo test` it only does a smoke run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use ward::store::{crypto, Encoding, SecretDoc, SecretPath, SecretValue, Store};

const BIN: &str = env!("CARGO_BIN_EXE_ward");

struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    identity: PathBuf,
    recipients: Vec<crypto::Recipient>,
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (n, rounds) = if bench { (10_000, 5) } else { (200, 1) };
    let w = build(n);
    let a = w.root.join("a");
    let b = w.root.join("b");
    let remote = w.root.join("remote.git");
    git(&w.root, &["init", "-q", "--bare", remote.to_str().unwrap()]);
    ward(
        &w,
        &a,
        &["git", "remote", "add", "origin", remote.to_str().unwrap()],
    );
    ward(&w, &a, &["sync"]);
    ward(
        &w,
        &b,
        &["clone", remote.to_str().unwrap(), b.to_str().unwrap()],
    );
    let (mut send, mut both, mut receive) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        change(&w, &a, n, round, 0);
        change(&w, &b, n, round, 1);
        send.push(timed(|| ward(&w, &a, &["sync"])));
        both.push(timed(|| ward(&w, &b, &["sync"])));
        receive.push(timed(|| ward(&w, &a, &["sync"])));
    }
    println!(
        "ward sync, {n} secrets, 100 changed on each side, {} CPUs, median of {rounds}:",
        std::thread::available_parallelism().map_or(0, |c| c.get())
    );
    println!(
        "  A sends 100:                       {:>8.0} ms",
        median(send)
    );
    println!(
        "  B receives 100, merges, sends 100: {:>8.0} ms",
        median(both)
    );
    println!(
        "  A receives 100 (+ merge commit):   {:>8.0} ms",
        median(receive)
    );
}

/// A store of `n` secrets, made a git store by `ward init --git`.
fn build(n: usize) -> World {
    let tmp = tempfile::Builder::new()
        .prefix("ward-sync-bench-")
        .tempdir()
        .unwrap();
    let root = tmp.path().to_path_buf();
    for d in ["home", "config", "data", "cache"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let now = chrono::Utc::now();
    let (text, public) = crypto::generate_identity(now);
    let identity = root.join("identity.txt");
    std::fs::write(&identity, text.as_bytes()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&identity, std::fs::Permissions::from_mode(0o600)).unwrap();
    let recipients = crypto::parse_recipients(Path::new("bench"), &public).unwrap();
    let store = Store::create(&root.join("a"), std::slice::from_ref(&public), now).unwrap();
    let w = World {
        _tmp: tmp,
        root,
        identity,
        recipients,
    };
    let built = Instant::now();
    for i in 0..n {
        write(&w, store.root(), i, "initial");
    }
    ward(&w, store.root(), &["init", "--git"]);
    eprintln!(
        "built and committed {n} secrets in {:.1} s",
        built.elapsed().as_secs_f64()
    );
    w
}

fn name(i: usize) -> SecretPath {
    SecretPath::parse(&format!("project{:04}/api/SECRET_{:02}", i / 20, i % 20)).unwrap()
}

fn write(w: &World, store: &Path, i: usize, tag: &str) {
    let doc = SecretDoc::new(
        SecretValue::new(format!("sk_live_{i:08}_{tag}")),
        Encoding::Utf8,
        "bench",
        chrono::Utc::now(),
    );
    let path = store.join(format!("{}.age", name(i)));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        crypto::encrypt(&w.recipients, &doc.to_bytes()).unwrap(),
    )
    .unwrap();
}

/// 100 secrets of one side's own range changed and committed.
fn change(w: &World, store: &Path, n: usize, round: usize, side: usize) {
    for k in 0..100 {
        let i = (side * n / 2 + round * 100 + k) % n;
        write(w, store, i, &format!("r{round}s{side}"));
    }
    git(store, &["add", "-A", "--", "."]);
    git(store, &["commit", "-qm", "bench changes"]);
}

fn ward(w: &World, store: &Path, args: &[&str]) {
    let mut c = Command::new(BIN);
    c.args(args);
    env(&mut c, w);
    c.env("WARD_STORE", store);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "ward {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn env(c: &mut Command, w: &World) {
    c.env("HOME", w.root.join("home"))
        .env("XDG_CONFIG_HOME", w.root.join("config"))
        .env("XDG_DATA_HOME", w.root.join("data"))
        .env("XDG_CACHE_HOME", w.root.join("cache"))
        .env("WARD_IDENTITY", &w.identity)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}
