//! `ward audit alerts` and the TUI header's alert count: the log's rules
//! ([`crate::audit::alerts`]) over this store, with its recipients now and,
//! when an identity is at hand, the chains' verification.

use crate::audit::alerts::{self, Alert, AlertRules};
use crate::audit::{self, Signing};
use crate::error::Result;
use crate::store::{recipients, Keyring, Store};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// What the rules found.
pub struct Found {
    /// Oldest first.
    pub alerts: Vec<Alert>,
    /// Why the chains were not verified (no identity), if they were not.
    pub unverified: Option<String>,
    /// Why reads by removed keys were not looked for, if they were not.
    pub keys_unread: Option<String>,
    /// Lines of the log that could not be read.
    pub unreadable: usize,
}

/// The audit fingerprints of every key in the store's recipients files.
fn current_keys(store: &Store) -> Result<HashSet<String>> {
    let mut files = vec![store.recipients_file(None)];
    files.extend(store.folder_recipients_files(None));
    let mut out = HashSet::new();
    for file in files {
        let text = store.read_recipients_text(&file)?;
        out.extend(
            recipients::key_lines(&text)
                .iter()
                .map(|k| audit::key_fingerprint(k)),
        );
    }
    Ok(out)
}

/// The rules' alerts in an already read `timeline` (the TUI's header),
/// without verifying the chains: the caller shows its own verification.
pub fn rules_only(
    store: &Store,
    timeline: &audit::Timeline,
    rules: &AlertRules,
    since: DateTime<Utc>,
) -> Vec<Alert> {
    let current = current_keys(store).ok();
    let ctx = alerts::Context {
        since,
        current_keys: current.as_ref(),
    };
    alerts::evaluate(timeline, rules, &ctx)
}

/// The alerts since `since`. `keys` (or the reason there are none) decides
/// whether broken chains are looked for too.
pub fn find(
    store: &Store,
    keys: std::result::Result<&Keyring, String>,
    rules: &AlertRules,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Found {
    let timeline = audit::read_all(store.root());
    let (current, keys_unread) = match current_keys(store) {
        Ok(k) => (Some(k), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let ctx = alerts::Context {
        since,
        current_keys: current.as_ref(),
    };
    let mut found = alerts::evaluate(&timeline, rules, &ctx);
    let unverified = match keys {
        Err(why) => Some(why),
        Ok(keys) => match audit::verify(store.root(), keys) {
            Err(e) => Some(e.to_string()),
            Ok(report) => {
                if let Some(p) = report.pin.problem(store.root(), &report.key_id) {
                    found.push(alerts::chain_alert("(audit key)", &p, now));
                }
                for f in &report.files {
                    if let Some(b) = &f.broken {
                        let what = format!("line {}: {} ({})", b.line, b.kind.label(), b.detail);
                        found.push(alerts::chain_alert(&f.chain, &what, now));
                    } else if let Signing::Unapproved { keys, .. } = &f.signing {
                        let what = format!(
                            "signed by {} not approved on this machine (`ward audit trust`)",
                            keys.join(", ")
                        );
                        found.push(alerts::chain_alert(&f.chain, &what, now));
                    }
                }
                None
            }
        },
    };
    Found {
        alerts: found,
        unverified,
        keys_unread,
        unreadable: timeline.problems.len(),
    }
}
