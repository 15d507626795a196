//! Import benchmark: `cargo bench --bench import` (numbers in
//! docs/PERFORMANCE.md).
//!
//! A 10,000-line `.env` and a 10,000-row KeePassXC CSV, each:
//! - parsed and named (the library's `read` and `plan`: ward's own share
//!   before any write),
//! - imported end to end by the real binary into a fresh store (`ward
//!   import FILE`: 10,000 age files written atomically with their fsyncs and
//!   10,000 audit records), and a re-run (every secret decrypted and found
//!   unchanged).
//!
//! And a pass store of 1,000 entries made with gpg (a key without
//! passphrase in a temporary GNUPGHOME): decrypting every file with `gpg`
//! (the library's `read`: gpg's share) against the whole `ward import pass`
//! (the difference is ward's own share). 1,000 rather than 10,000: making
//! the store costs one gpg process a file; the time per entry scales.
//!
//! Plain `fn main`, no bench framework. Under `cargo test` it only does a
//! smoke run on 200 entries.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use ward::ops::import::{self, Format, SourceKeys};

const BIN: &str = env!("CARGO_BIN_EXE_ward");

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n = if bench { 10_000 } else { 200 };
    if !bench {
        println!("import bench: smoke run on {n} entries (use cargo bench --bench import)");
    }
    println!(
        "{:>14}  {:>8}  {:>18}  {:>18}  {:>18}",
        "source", "entries", "parse + plan (lib)", "ward import (bin)", "re-run (bin)"
    );
    let tmp = tempfile::tempdir().unwrap();
    for (format, name, text) in [
        (Format::Dotenv, "bench.env", dotenv(n)),
        (Format::KeepassxcCsv, "bench.csv", csv(n)),
    ] {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).unwrap();
        let start = Instant::now();
        let parsed = import::read(format, &file, &SourceKeys::default(), &|_, _| {}).unwrap();
        let (planned, failures) = import::plan(parsed.entries, None);
        let parse = start.elapsed();
        assert_eq!(planned.len(), n);
        assert!(failures.is_empty());
        let home = tmp.path().join(format!("home-{name}"));
        ward(&home, &["init"]);
        let first = ward(&home, &["import", format.label(), file.to_str().unwrap()]);
        let again = ward(&home, &["import", format.label(), file.to_str().unwrap()]);
        println!(
            "{:>14}  {:>8}  {:>18}  {:>18}  {:>18}",
            format.label(),
            n,
            ms(parse),
            ms(first),
            ms(again)
        );
    }
    if bench {
        pass_store(tmp.path(), 1_000);
    }
}

/// A pass store of `n` entries: gpg's time to decrypt them all, and the
/// whole import's.
fn pass_store(tmp: &Path, n: usize) {
    let gnupg = tmp.join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700)).unwrap();
    let gpg = |args: &[&str]| {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", &gnupg).args(args);
        c
    };
    let made = gpg(&["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
        .args([
            "--quick-gen-key",
            "bench@example.com",
            "default",
            "default",
            "never",
        ])
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        println!("pass store: skipped (no gpg)");
        return;
    }
    let store = tmp.join("password-store");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join(".gpg-id"), "bench@example.com\n").unwrap();
    let items: Vec<usize> = (0..n).collect();
    std::thread::scope(|s| {
        for chunk in items.chunks(n.div_ceil(8)) {
            let (gpg, store) = (&gpg, &store);
            s.spawn(move || {
                for &i in chunk {
                    let dir = store.join(format!("team{}", i % 20));
                    std::fs::create_dir_all(&dir).unwrap();
                    let mut c = gpg(&["--batch", "--yes", "-e", "-r", "bench@example.com", "-o"]);
                    c.arg(dir.join(format!("entry{i}.gpg")))
                        .stdin(std::process::Stdio::piped());
                    let mut child = c.spawn().unwrap();
                    use std::io::Write;
                    let text = format!("pw-{i}\nlogin: user{i}\nurl: https://example.com/{i}\n");
                    child
                        .stdin
                        .take()
                        .unwrap()
                        .write_all(text.as_bytes())
                        .unwrap();
                    assert!(child.wait().unwrap().success());
                }
            });
        }
    });
    std::env::set_var("GNUPGHOME", &gnupg);
    let start = Instant::now();
    let parsed = import::read(Format::Pass, &store, &SourceKeys::default(), &|_, _| {}).unwrap();
    let decrypt = start.elapsed();
    assert_eq!(parsed.entries.len(), n);
    let home = tmp.join("home-pass");
    ward(&home, &["init"]);
    let total = ward(&home, &["import", "pass", store.to_str().unwrap()]);
    println!(
        "{:>14}  {:>8}  {:>18}  {:>18}  {:>18}",
        "pass (gpg)",
        n,
        format!("gpg {}", ms(decrypt)),
        ms(total),
        format!("ward {}", ms(total.saturating_sub(decrypt)))
    );
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", &gnupg)
        .args(["--kill", "gpg-agent"])
        .status();
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// Runs the real binary in a world of its own under `home`; its wall time.
fn ward(home: &Path, args: &[&str]) -> Duration {
    std::fs::create_dir_all(home).unwrap();
    let start = Instant::now();
    let out = Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("USER", "bench")
        .env_remove("WARD_STORE")
        .env_remove("WARD_IDENTITY")
        .env_remove("WARD_CONFIG")
        .output()
        .unwrap();
    let t = start.elapsed();
    assert!(
        out.status.success(),
        "ward {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

/// `n` lines in a mix of the quoting styles.
fn dotenv(n: usize) -> String {
    (0..n)
        .map(|i| match i % 4 {
            0 => format!("KEY_{i}=plain-value-{i}\n"),
            1 => format!("export KEY_{i}=\"double \\\"quoted\\\" {i}\\nline\"\n"),
            2 => format!("KEY_{i}='single {i}' # comment\n"),
            _ => format!("# comment {i}\nKEY_{i} = spaced {i}\n"),
        })
        .collect()
}

/// A KeePassXC CSV export with `n` entries in 100 groups.
fn csv(n: usize) -> String {
    let mut s = String::from(
        "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "\"Root/Team {}/Sub\",\"Entry {i}\",\"user{i}\",\"pw,\"\"{i}\",\"https://example.com/{i}\",\"note\nline\",\"\",\"0\",\"2024-05-01T10:00:00Z\",\"2024-01-01T09:00:00Z\"\n",
            i % 100
        ));
    }
    s
}
