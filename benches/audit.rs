//! Audit log speed: append cost per record (with and without fsync, with
//! and without signatures) and reading + verifying 100,000 records, unsigned
//! and signed, side by side, and the alert rules over them (`ward audit
//! alerts`). Run: `cargo bench --bench audit`. Numbers are recorded in
//! docs/AUDIT.md.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};
use ward::audit::alerts::{self, AlertRules};
use ward::audit::sign::{self, Signer};
use ward::audit::{self, Action, AuditKey, Event, Log};

fn event(n: u32) -> Event {
    Event::new(Action::Reveal)
        .path(format!("acme/api/prod/SECRET_{}", n % 500))
        .version(Some(n % 7 + 1))
}

fn per(d: Duration, n: u32) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6 / n as f64)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(audit::audit_dir(root)).expect("audit dir");
    let key = AuditKey::generate();

    // Append with fsync (the default).
    let log = Log::open(root, "bench@fsync", Some("0123456789abcdef".into()));
    let n = 1_000;
    let t = Instant::now();
    for i in 0..n {
        log.append_with_key(&key, event(i)).expect("append");
    }
    println!(
        "append, fsync on:   {} per record ({n} records)",
        per(t.elapsed(), n)
    );

    // Append without fsync: the cost of ward's own work.
    let mut log = Log::open(root, "bench@nosync", Some("0123456789abcdef".into()));
    log.set_fsync(false);
    let n = 10_000;
    let t = Instant::now();
    for i in 0..n {
        log.append_with_key(&key, event(i)).expect("append");
    }
    println!(
        "append, fsync off:  {} per record ({n} records)",
        per(t.elapsed(), n)
    );

    // 100,000 records in one store (the two logs above plus a big one).
    let total = 100_000 - 11_000;
    for i in 0..total {
        log.append_with_key(&key, event(i)).expect("append");
    }
    measure(root, &key, "unsigned");

    // The same with every record signed by the actor's key.
    let signed_dir = tempfile::tempdir().expect("temp dir");
    let signed = signed_dir.path();
    std::fs::create_dir_all(audit::audit_dir(signed)).expect("audit dir");
    let signer = signer(signed);
    let mut log = Log::open(signed, "bench@signed", Some("0123456789abcdef".into()));
    log.set_fsync(false);
    sign::publish(signed, log.chain(), &signer).expect("publish");
    let n = 10_000;
    let t = Instant::now();
    for i in 0..n {
        log.append_signed(&key, &signer, event(i)).expect("append");
    }
    println!(
        "append signed, fsync off: {} per record ({n} records)",
        per(t.elapsed(), n)
    );
    for i in n..100_000 {
        log.append_signed(&key, &signer, event(i)).expect("append");
    }
    measure(signed, &key, "signed");
}

/// A signer derived from a fresh age identity, as `ward` derives it.
fn signer(dir: &Path) -> Signer {
    let (secret, _) = ward::store::crypto::generate_identity(chrono::Utc::now());
    let path = dir.join("identity.txt");
    std::fs::write(&path, secret.as_bytes()).expect("identity");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("mode");
    let mut keys = ward::store::Keyring::default();
    keys.add_file(&path, None).expect("identity loads");
    Signer::from_keyring(&keys).expect("a signer")
}

fn measure(root: &Path, key: &AuditKey, label: &str) {
    let mut best_read = Duration::MAX;
    let mut best_verify = Duration::MAX;
    let mut best_both = Duration::MAX;
    let mut best_rules = Duration::MAX;
    let mut best_alerts = Duration::MAX;
    let rules = AlertRules {
        sensitive: vec!["acme/api/prod".into()],
        ..AlertRules::default()
    };
    let current: HashSet<String> = ["0123456789abcdef".to_string()].into();
    for _ in 0..3 {
        let t = Instant::now();
        let timeline = audit::read_all(root);
        best_read = best_read.min(t.elapsed());
        assert_eq!(timeline.entries.len(), 100_000);

        let t = Instant::now();
        let reports = audit::verify_with_key(root, key);
        best_verify = best_verify.min(t.elapsed());
        assert!(reports.iter().all(|r| r.is_ok()), "{reports:?}");
        assert_eq!(reports.iter().map(|r| r.records).sum::<usize>(), 100_000);

        let t = Instant::now();
        let timeline = audit::read_all(root);
        let reports = audit::verify_with_key(root, key);
        best_both = best_both.min(t.elapsed());
        assert_eq!(timeline.entries.len(), 100_000);
        assert!(!reports.is_empty());

        let ctx = alerts::Context {
            since: chrono::Utc::now() - chrono::Duration::days(1),
            current_keys: Some(&current),
        };
        let t = Instant::now();
        let found = alerts::evaluate(&timeline, &rules, &ctx);
        best_rules = best_rules.min(t.elapsed());
        assert!(!found.is_empty());

        let t = Instant::now();
        let timeline = audit::read_all(root);
        let found = alerts::evaluate(&timeline, &rules, &ctx);
        best_alerts = best_alerts.min(t.elapsed());
        assert!(!found.is_empty());
    }
    println!(
        "{label}: read_all 100,000 records:          {:.0} ms",
        best_read.as_secs_f64() * 1e3
    );
    println!(
        "{label}: verify 100,000 records:            {:.0} ms",
        best_verify.as_secs_f64() * 1e3
    );
    println!(
        "{label}: read_all + verify 100,000 records: {:.0} ms",
        best_both.as_secs_f64() * 1e3
    );
    println!(
        "{label}: alert rules over 100,000 records:  {:.0} ms",
        best_rules.as_secs_f64() * 1e3
    );
    println!(
        "{label}: read_all + alert rules:            {:.0} ms",
        best_alerts.as_secs_f64() * 1e3
    );
}
