//! Merge driver benchmark: `cargo bench --bench merge` (numbers in
//! docs/PERFORMANCE.md, "Merge driver").
//!
//! - the in-process merge of two rotations of a typical secret
//!   (`ops::merge::merge_docs`, no crypto),
//! - one run of the real `ward __merge-driver BASE OURS THEIRS PATH` in a git
//!   work tree (process start, identity, three decryptions, the merge, the
//!   trust check, encryption, the atomic write, the merge log).
//!
//! Plain `fn main`, medians of repeated runs. Under `cargo test` it only does
//! a smoke run.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use ward::ops::merge::merge_docs;
use ward::store::{crypto, Encoding, SecretDoc, SecretValue};

const BIN: &str = env!("CARGO_BIN_EXE_ward");

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn typical() -> SecretDoc {
    let t0 = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut d = SecretDoc::new(
        SecretValue::new("sk_live_".repeat(6)),
        Encoding::Utf8,
        "ann",
        t0,
    );
    d.notes = Some("Used by the billing worker.".into());
    d.tags = vec!["prod".into(), "billing".into()];
    for i in 0..8 {
        let t = t0 + chrono::Duration::days(i + 1);
        d.set_value(
            SecretValue::new(format!("sk_live_{i:040}")),
            Encoding::Utf8,
            "ann",
            None,
            t,
            10,
        );
    }
    d
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 2000 } else { 20 };
    let base = typical();
    let later = |v: &str, who: &str, days: i64| {
        let mut d = base.clone();
        let t = d.rotated + chrono::Duration::days(days);
        d.set_value(SecretValue::new(v.into()), Encoding::Utf8, who, None, t, 10);
        d
    };
    let (ours, theirs) = (
        later("ours-value", "ann", 1),
        later("theirs-value", "bob", 2),
    );
    let times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(merge_docs(Some(&base), &ours, &theirs, 10));
            start.elapsed()
        })
        .collect();
    println!("merge_docs (in process): median {:?}", median(times));

    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (identity, public) = crypto::generate_identity(chrono::Utc::now());
    let id_path = home.join("identity.txt");
    std::fs::write(&id_path, identity.as_bytes()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&id_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let root = home.join("store");
    ward::store::Store::create(&root, std::slice::from_ref(&public), chrono::Utc::now()).unwrap();
    let git = |args: &[&str]| {
        assert!(Command::new("git")
            .current_dir(&root)
            .args(args)
            .output()
            .unwrap()
            .status
            .success());
    };
    git(&["init", "-q"]);
    let recipients = crypto::parse_recipients(Path::new("r"), &format!("{public}\n")).unwrap();
    let sides = home.join("sides");
    std::fs::create_dir_all(&sides).unwrap();
    for (name, doc) in [("base", &base), ("theirs", &theirs)] {
        let c = crypto::encrypt(&recipients, &doc.to_bytes()).unwrap();
        std::fs::write(sides.join(name), c).unwrap();
    }
    let ours_cipher = crypto::encrypt(&recipients, &ours.to_bytes()).unwrap();
    let driver_runs = if full { 30 } else { 2 };
    let times: Vec<Duration> = (0..driver_runs)
        .map(|_| {
            std::fs::write(sides.join("ours"), &ours_cipher).unwrap();
            let start = Instant::now();
            let out = Command::new(BIN)
                .current_dir(&root)
                .env("XDG_CONFIG_HOME", home.join("config"))
                .env("XDG_DATA_HOME", home.join("data"))
                .env("HOME", home)
                .arg("--identity")
                .arg(&id_path)
                .arg("__merge-driver")
                .args([sides.join("base"), sides.join("ours"), sides.join("theirs")])
                .arg("acme/api/STRIPE_KEY.age")
                .output()
                .unwrap();
            let elapsed = start.elapsed();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            elapsed
        })
        .collect();
    println!(
        "ward __merge-driver (one file, process): median {:?}",
        median(times)
    );
}
