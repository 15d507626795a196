//! `ward demo`: a generated store with several projects and a secret in every
//! status, in a temporary folder with its own key, so a new user sees
//! everything at once. Also used by tests and benchmarks (`populate`).

use crate::error::Result;
use crate::policy::{Compromised, Interval};
use crate::store::crypto::{self, Keyring};
use crate::store::document::GeneratorSpec;
use crate::store::generate::{generate, Charset};
use crate::store::{fsio, Encoding, Guard, Kind, SecretDoc, SecretPath, SecretValue, Store};
use chrono::{DateTime, Duration, Utc};
use std::path::{Path, PathBuf};

/// Where a demo lives.
pub struct Demo {
    pub store: PathBuf,
    pub identity: PathBuf,
}

/// One demo secret: path, kind, owner, age in days of the current value,
/// rotation interval, expiry in days from today, compromised reason, tags, notes.
struct Spec {
    path: &'static str,
    kind: Kind,
    owner: &'static str,
    age_days: i64,
    rotate: Option<&'static str>,
    expires_in: Option<i64>,
    compromised: Option<&'static str>,
    tags: &'static [&'static str],
    url: Option<&'static str>,
    notes: Option<&'static str>,
    rotations: u32,
}

const fn s(path: &'static str, kind: Kind, owner: &'static str, age_days: i64) -> Spec {
    Spec {
        path,
        kind,
        owner,
        age_days,
        rotate: None,
        expires_in: None,
        compromised: None,
        tags: &[],
        url: None,
        notes: None,
        rotations: 0,
    }
}

fn specs() -> Vec<Spec> {
    vec![
        Spec {
            rotate: Some("90d"),
            tags: &["payments", "prod"],
            url: Some("https://dashboard.stripe.com/apikeys"),
            notes: Some("Live key. Rotate with the payments on-call present."),
            rotations: 3,
            ..s("acme/api/prod/STRIPE_SECRET_KEY", Kind::ApiKey, "ann", 102)
        },
        Spec {
            rotate: Some("90d"),
            tags: &["prod"],
            rotations: 1,
            ..s("acme/api/prod/SENDGRID_API_KEY", Kind::ApiKey, "bob", 80)
        },
        Spec {
            compromised: Some("pasted in a public CI log"),
            tags: &["prod"],
            rotations: 2,
            ..s("acme/api/prod/GITHUB_TOKEN", Kind::Token, "carol", 30)
        },
        Spec {
            rotate: Some("30d"),
            tags: &["staging"],
            ..s(
                "acme/api/staging/STRIPE_SECRET_KEY",
                Kind::ApiKey,
                "ann",
                12,
            )
        },
        Spec {
            expires_in: Some(-3),
            tags: &["tls"],
            notes: Some("Wildcard certificate for *.acme.example"),
            ..s("acme/web/TLS_CERT", Kind::Certificate, "dave", 362)
        },
        Spec {
            rotate: Some("180d"),
            url: Some("postgres://db.acme.internal:5432/app"),
            rotations: 4,
            ..s("acme/db/DATABASE_URL", Kind::ConnectionString, "erin", 40)
        },
        Spec {
            expires_in: Some(9),
            ..s("acme/db/READONLY_PASSWORD", Kind::Password, "erin", 200)
        },
        Spec {
            rotate: Some("1y"),
            expires_in: Some(400),
            ..s("billing/QUICKBOOKS_OAUTH", Kind::Token, "frank", 20)
        },
        Spec {
            rotate: Some("6w"),
            tags: &["partner"],
            ..s("billing/PAYPAL_CLIENT_SECRET", Kind::ApiKey, "frank", 35)
        },
        s("billing/LEGACY_FTP_PASSWORD", Kind::Password, "frank", 900),
        // infra inherits a 30-day rotation policy from infra/.policy.toml.
        Spec {
            tags: &["aws"],
            rotations: 5,
            ..s("infra/aws/ACCESS_KEY_ID", Kind::ApiKey, "gina", 33)
        },
        Spec {
            tags: &["aws"],
            ..s("infra/aws/SECRET_ACCESS_KEY", Kind::ApiKey, "gina", 10)
        },
        Spec {
            notes: Some("Deploy key for the infra repo (read-only)."),
            ..s("infra/deploy/SSH_DEPLOY_KEY", Kind::SshKey, "gina", 20)
        },
        Spec {
            rotate: Some("90d"),
            ..s("infra/monitoring/PAGERDUTY_TOKEN", Kind::Token, "hank", 88)
        },
        s("personal/HOME_WIFI", Kind::Password, "you", 500),
    ]
}

/// Live keys in production, test keys elsewhere, as Stripe names them.
fn stripe_prefix(path: &str) -> &'static str {
    if path.contains("/prod/") {
        "sk_live_"
    } else {
        "sk_test_"
    }
}

fn value_for(spec: &Spec) -> String {
    match spec.kind {
        Kind::Certificate => "-----BEGIN CERTIFICATE-----\nMIIB8jCCAVugAwIBAgIUDemoOnlyNotARealCertificate\nZGVtbyBkZW1vIGRlbW8gZGVtbyBkZW1v\n-----END CERTIFICATE-----".to_string(),
        Kind::SshKey => "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQDemoOnly\n-----END OPENSSH PRIVATE KEY-----".to_string(),
        Kind::ConnectionString => format!("postgres://app:{}@db.acme.internal:5432/app", generate(20, Charset::Alnum, None)),
        Kind::ApiKey if spec.path.contains("STRIPE") => generate(24, Charset::Alnum, Some(stripe_prefix(spec.path))),
        Kind::Password => generate(20, Charset::Strong, None),
        _ => generate(32, Charset::Base64url, None),
    }
}

fn doc_for(spec: &Spec, now: DateTime<Utc>) -> SecretDoc {
    let actor = format!("{}@laptop", spec.owner);
    let rotated = now - Duration::days(spec.age_days);
    // Start earlier, then rotate up to `rotated`, so history has entries.
    let first = rotated - Duration::days(90 * i64::from(spec.rotations));
    let mut doc = SecretDoc::new(
        SecretValue::new(value_for(spec)),
        Encoding::Utf8,
        &actor,
        first,
    );
    for i in (0..spec.rotations).rev() {
        let when = rotated - Duration::days(90 * i64::from(i));
        let reason = if i == 0 {
            "scheduled rotation"
        } else {
            "quarterly rotation"
        };
        doc.set_value(
            SecretValue::new(value_for(spec)),
            Encoding::Utf8,
            &actor,
            Some(reason.into()),
            when,
            10,
        );
    }
    doc.kind = spec.kind;
    doc.owner = Some(spec.owner.to_string());
    doc.tags = spec.tags.iter().map(|t| t.to_string()).collect();
    doc.url = spec.url.map(str::to_string);
    doc.notes = spec.notes.map(str::to_string);
    doc.rotate_every = spec
        .rotate
        .map(|r| r.parse().expect("demo intervals are valid"));
    doc.expires = spec
        .expires_in
        .map(|d| (now + Duration::days(d)).date_naive());
    if let Some(reason) = spec.compromised {
        doc.compromised = Some(Compromised {
            since: now - Duration::days(1),
            by: "carol@laptop".into(),
            reason: Some(reason.into()),
        });
    }
    if spec.kind == Kind::ApiKey && spec.path.contains("STRIPE") {
        doc.generator = Some(GeneratorSpec {
            length: 24,
            charset: Charset::Alnum,
            prefix: Some(stripe_prefix(spec.path).into()),
        });
    }
    doc
}

/// Creates a demo store and identity inside `dir`, dated today.
pub fn create(dir: &Path) -> Result<Demo> {
    create_at(dir, Utc::now())
}

/// Creates a demo store whose dates are relative to `now` (fixed in tests).
pub fn create_at(dir: &Path, now: DateTime<Utc>) -> Result<Demo> {
    let identity = dir.join("identity.txt");
    let (text, public) = crypto::generate_identity(now);
    fsio::atomic_write(&identity, text.as_bytes())?;
    let root = dir.join("store");
    let store = Store::create(&root, std::slice::from_ref(&public), now)?;
    // Its one key is approved on this machine, as `ward init` approves the
    // keys of a store it creates (docs/TEAMS.md, "Trust").
    crate::trust::TrustBook::open(&store.info().id)?.approve(
        crate::trust::RECIPIENTS_SCOPE,
        [crate::store::crypto::key_id(&public)],
    )?;
    let policy = root.join("infra").join(crate::store::FOLDER_POLICY);
    fsio::atomic_write(&policy, b"# default policy for everything under infra/\nrotate_every = \"30d\"\nlead_time = \"7d\"\n")?;
    let mut created = Vec::new();
    for spec in specs() {
        let name = SecretPath::parse(spec.path)?;
        let doc = doc_for(&spec, now);
        store.create_secret(&name, &doc, Guard::unchecked(), || {})?;
        created.push((name, doc.version));
    }
    let demo = Demo {
        store: root,
        identity,
    };
    record_creation(&demo, &created, now)?;
    Ok(demo)
}

/// Who the demo store's own audit records name.
pub const DEMO_ACTOR: &str = "ward-demo";

/// One `create` record per demo secret, at the version it was made with, so
/// that `ward audit verify` finds every version of the store in the log.
fn record_creation(demo: &Demo, created: &[(SecretPath, u32)], now: DateTime<Utc>) -> Result<()> {
    use crate::audit::{self, Action, Event};
    let keys = keys(demo)?;
    let log = audit::Log::open(&demo.store, DEMO_ACTOR, audit::keyring_fingerprint(&keys));
    for (name, version) in created {
        log.append(
            &keys,
            Event::new(Action::Create)
                .path(name.as_str())
                .version(Some(*version))
                .reason(Some("demo store"))
                .at(now),
        )?;
    }
    Ok(())
}

/// Fills `store` with `count` realistic secrets (about 20 per project) whose
/// statuses spread over every kind: for benchmarks and scale tests.
pub fn populate(store: &Store, count: usize) -> Result<()> {
    use rayon::prelude::*;
    let now = Utc::now();
    let lock = store.lock()?;
    let base = specs();
    (0..count).into_par_iter().try_for_each(|i| {
        let spec = &base[i % base.len()];
        let name = SecretPath::parse(&format!(
            "project-{:04}/{}/KEY_{i:05}",
            i / 20,
            ["api", "db", "web"][i % 3]
        ))?;
        let mut doc = doc_for(spec, now - Duration::days((i % 200) as i64));
        doc.rotate_every = doc.rotate_every.or(Some(Interval::days(90)));
        store.write_locked(&lock, &name, &doc, Guard::unchecked(), || {})
    })
}

/// Loads the demo identity (unprotected).
pub fn keys(demo: &Demo) -> Result<Keyring> {
    let mut k = Keyring::default();
    k.add_file(&demo.identity, None)
        .map_err(|e| e.into_ward())?;
    Ok(k)
}
