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
use std::collections::BTreeMap;
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
    let mut made = Vec::new();
    for spec in specs() {
        let name = SecretPath::parse(spec.path)?;
        let doc = doc_for(&spec, now);
        store.create_secret(&name, &doc, Guard::unchecked(), || {})?;
        made.push((spec, name, doc.version));
    }
    let demo = Demo {
        store: root,
        identity,
    };
    record_history(&demo, &made, now)?;
    Ok(demo)
}

/// The actor that test fixtures name when they add records of their own to
/// a demo store.
pub const DEMO_ACTOR: &str = "ward-demo";

/// Who did what in a demo secret's life: its owner made it and rotated it
/// at the dates its history holds; it was compromised by whoever marked it.
fn life_events(spec: &Spec, name: &SecretPath, version: u32, now: DateTime<Utc>) -> Vec<Scripted> {
    use crate::audit::Action;
    let owner = format!("{}@laptop", spec.owner);
    let rotated = now - Duration::days(spec.age_days);
    let first = rotated - Duration::days(90 * i64::from(spec.rotations));
    let mut out = vec![Scripted::new(first, &owner, Action::Create, name, 1, None)];
    for i in 1..=spec.rotations {
        let reason = if i == spec.rotations {
            "scheduled rotation"
        } else {
            "quarterly rotation"
        };
        let when = first + Duration::days(90 * i64::from(i));
        out.push(Scripted::new(
            when,
            &owner,
            Action::Rotate,
            name,
            i + 1,
            Some(reason),
        ));
    }
    if let Some(reason) = spec.compromised {
        let when = now - Duration::days(1);
        out.push(Scripted::new(
            when,
            "carol@laptop",
            Action::Compromise,
            name,
            version,
            Some(reason),
        ));
    }
    out
}

/// One sitting of a demo team member: days and hours before now, the
/// actor, and what they did to which secret (in order, a minute apart).
type Session = (
    i64,
    i64,
    &'static str,
    &'static [(crate::audit::Action, &'static str)],
);

/// A few weeks of a team at work, for the audit screen's first look: who
/// unlocked, viewed, revealed, copied and exported what (days and hours
/// before now; every secret named was last rotated before its use here).
const SESSIONS: &[Session] = {
    use crate::audit::Action::*;
    &[
        (
            21,
            3,
            "ann@laptop",
            &[
                (View, "acme/api/prod/STRIPE_SECRET_KEY"),
                (Copy, "acme/api/prod/STRIPE_SECRET_KEY"),
                (ClipboardCleared, "acme/api/prod/STRIPE_SECRET_KEY"),
            ],
        ),
        (
            14,
            6,
            "bob@laptop",
            &[
                (Export, "acme/api/prod/SENDGRID_API_KEY"),
                (Export, "acme/api/prod/STRIPE_SECRET_KEY"),
                (Export, "acme/api/prod/GITHUB_TOKEN"),
            ],
        ),
        (
            9,
            2,
            "erin@laptop",
            &[
                (View, "acme/db/DATABASE_URL"),
                (Reveal, "acme/db/DATABASE_URL"),
            ],
        ),
        (
            6,
            5,
            "hank@laptop",
            &[
                (UnlockFailed, ""),
                (View, "infra/monitoring/PAGERDUTY_TOKEN"),
            ],
        ),
        (3, 4, "dave@laptop", &[(View, "acme/web/TLS_CERT")]),
        (
            2,
            7,
            "carol@laptop",
            &[
                (View, "acme/api/prod/GITHUB_TOKEN"),
                (Copy, "acme/api/prod/GITHUB_TOKEN"),
                (ClipboardCleared, "acme/api/prod/GITHUB_TOKEN"),
            ],
        ),
        (
            1,
            1,
            "gina@laptop",
            &[
                (View, "infra/aws/ACCESS_KEY_ID"),
                (Reveal, "infra/aws/ACCESS_KEY_ID"),
            ],
        ),
    ]
};

/// One record of the demo's history.
struct Scripted {
    time: DateTime<Utc>,
    actor: String,
    event: crate::audit::Event,
}

impl Scripted {
    fn new(
        time: DateTime<Utc>,
        actor: &str,
        action: crate::audit::Action,
        name: &SecretPath,
        version: u32,
        reason: Option<&str>,
    ) -> Scripted {
        let event = crate::audit::Event::new(action)
            .path(name.as_str())
            .version(Some(version))
            .reason(reason)
            .at(time);
        Scripted {
            time,
            actor: actor.to_string(),
            event,
        }
    }
}

/// The team's sessions of [`SESSIONS`]: an unlock, then each action a
/// minute apart (a clipboard clear 45 s after its copy; the exports of one
/// run at one time, their reason the command that asked for them).
fn session_events(versions: &BTreeMap<&str, u32>, now: DateTime<Utc>) -> Vec<Scripted> {
    use crate::audit::{Action, Event};
    let mut out = Vec::new();
    for &(days, hours, actor, actions) in SESSIONS {
        let start = now - Duration::days(days) - Duration::hours(hours);
        out.push(Scripted {
            time: start,
            actor: actor.to_string(),
            event: Event::new(Action::Unlock).at(start),
        });
        let mut when = start;
        let mut previous = None;
        for &(action, path) in actions {
            when += match (previous, action) {
                (_, Action::ClipboardCleared) => Duration::seconds(45),
                // One `ward exec` writes all its exports at one time.
                (Some(Action::Export), Action::Export) => Duration::zero(),
                _ => Duration::minutes(1),
            };
            previous = Some(action);
            let event = match versions.get(path) {
                Some(&version) => Event::new(action).path(path).version(Some(version)),
                None => Event::new(action),
            };
            let event = match action {
                Action::Export => event.reason(Some("exec ./deploy.sh")),
                Action::UnlockFailed => event.reason(Some("wrong passphrase")),
                Action::ClipboardCleared => event.version(None),
                _ => event,
            };
            out.push(Scripted {
                time: when,
                actor: actor.to_string(),
                event: event.at(when),
            });
        }
    }
    out
}

/// Writes the demo's audit log: every secret's creation and rotations by its
/// owner (so that `ward audit verify` finds every version of the store in the
/// log), its compromise, and the team's sessions, each actor in its own
/// chain, in the order they happened.
fn record_history(demo: &Demo, made: &[(Spec, SecretPath, u32)], now: DateTime<Utc>) -> Result<()> {
    use crate::audit::Log;
    let keys = keys(demo)?;
    let fingerprint = crate::audit::keyring_fingerprint(&keys);
    let versions: BTreeMap<&str, u32> = made.iter().map(|(_, n, v)| (n.as_str(), *v)).collect();
    let mut events: Vec<Scripted> = made
        .iter()
        .flat_map(|(spec, name, version)| life_events(spec, name, *version, now))
        .chain(session_events(&versions, now))
        .collect();
    events.sort_by_key(|e| e.time);
    let mut logs: BTreeMap<String, Log> = BTreeMap::new();
    for Scripted { actor, event, .. } in events {
        let log = logs
            .entry(actor.clone())
            .or_insert_with(|| Log::open(&demo.store, &actor, fingerprint.clone()));
        log.append(&keys, event)?;
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
