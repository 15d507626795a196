//! Daily-use benchmark (issue 12): `cargo bench --bench daily_use` (numbers in
//! docs/PERFORMANCE.md, "Codes, trash and folder copies").
//!
//! Measures, in the library (what `ward otp`, `ward cp`, `ward rm -r` and
//! `ward trash restore` spend beyond process start and unlocking):
//! - one TOTP code: parsing the `otpauth://` URI and the HMAC,
//! - `ward cp` of a folder of N secrets (every file decrypted, staged
//!   encrypted to the destination, then landed),
//! - `ward rm -r` of that folder (to the trash: moves, no encryption),
//! - `ward trash restore` of one secret.
//!
//! Plain `fn main`, medians of repeated runs. Under `cargo test` only a
//! smoke run on a small folder.

use std::time::{Duration, Instant};
use ward::ops::bulk::{self, Verb};
use ward::ops::{trash, Writer};
use ward::policy::Interval;
use ward::store::{crypto, Encoding, Guard, Keyring, SecretDoc, SecretPath, SecretValue, Store};

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    // The trust book and caches of this run stay in its own folder.
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("HOME", home.path());
    std::env::set_var("XDG_DATA_HOME", home.path().join("data"));
    std::env::set_var("XDG_CACHE_HOME", home.path().join("cache"));
    let sizes: &[usize] = if bench { &[100, 1_000] } else { &[20] };

    let uri =
        "otpauth://totp/ACME:ann?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8";
    let runs = if bench { 200_000 } else { 100 };
    let start = Instant::now();
    let mut sink = 0usize;
    for t in 0..runs {
        let otp = ward::otp::Otp::parse(uri).unwrap();
        sink += otp.code_at(1_700_000_000 + t).code.len();
    }
    assert_eq!(sink, runs as usize * 8);
    println!(
        "one TOTP code (parse + HMAC-SHA1): {:.2} µs (mean of {runs})",
        start.elapsed().as_secs_f64() * 1e6 / runs as f64
    );
    println!(
        "{:>8}  {:>14}  {:>14}  {:>14}  {:>20}",
        "secrets", "cp folder", "per secret", "rm -r (trash)", "trash restore (one)"
    );
    for &n in sizes {
        size(n, if bench { 5 } else { 1 });
    }
}

fn size(n: usize, runs: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now();
    let (text, public) = crypto::generate_identity(now);
    let identity = tmp.path().join("identity.txt");
    std::fs::write(&identity, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&identity, std::fs::Permissions::from_mode(0o600)).unwrap();
    let root = tmp.path().join("store");
    let store = Store::create(&root, std::slice::from_ref(&public), now).unwrap();
    let mut keys = Keyring::default();
    keys.add_file(&identity, None)
        .map_err(|e| e.into_ward())
        .unwrap();
    for i in 0..n {
        let name = SecretPath::parse(&format!(
            "acme/{}/SECRET_{i:04}",
            ["api", "db", "web"][i % 3]
        ))
        .unwrap();
        let doc = SecretDoc::new(
            SecretValue::new(format!("sk_live_{i:08}_{}", "x".repeat(32))),
            Encoding::Utf8,
            "ann@laptop",
            now,
        );
        store
            .create_secret(&name, &doc, Guard::unchecked(), || {})
            .unwrap();
    }
    let journal = |_e: ward::audit::Event| {};
    let writer = Writer {
        store: &store,
        keys: &keys,
        actor: "ann@laptop",
        history_limit: 10,
        force: false,
        journal: &journal,
        now,
        autocommit: false,
    };
    let from = SecretPath::parse("acme").unwrap();
    let keep = Interval::days(30);
    let (mut cp, mut rm, mut restore) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let to = SecretPath::parse(&format!("copy{run}")).unwrap();
        let plan = bulk::plan(&store, Verb::Copy, &from, Some(&to)).unwrap();
        let t = Instant::now();
        let done = bulk::execute(&writer, &plan, keep).unwrap();
        cp.push(t.elapsed());
        assert_eq!(done.count, n);
        let plan = bulk::plan(&store, Verb::Trash, &to, None).unwrap();
        let t = Instant::now();
        bulk::execute(&writer, &plan, keep).unwrap();
        rm.push(t.elapsed());
        assert!(!root.join(format!("copy{run}")).exists());
        let one = SecretPath::parse(&format!("copy{run}/api/SECRET_0000")).unwrap();
        let t = Instant::now();
        trash::restore(&writer, &one, keep).unwrap();
        restore.push(t.elapsed());
    }
    let (cp, rm, restore) = (median(cp), median(rm), median(restore));
    println!(
        "{n:>8}  {:>14}  {:>14}  {:>14}  {:>20}",
        ms(cp),
        format!("{:.2} ms", cp.as_secs_f64() * 1e3 / n as f64),
        ms(rm),
        ms(restore)
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
