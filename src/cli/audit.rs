//! `ward audit [PREFIX] [filters]` and `ward audit verify`.

use super::args::{AlertFormat, AuditArgs, AuditCommand};
use super::context::Context;
use super::output;
use crate::audit::{self, Action, Filter, PinStatus, Signing};
use crate::error::{exit, Result, WardError};
use crate::sanitize::escape;
use chrono::{DateTime, NaiveDate, Utc};

pub fn run(ctx: &Context, args: AuditArgs) -> Result<i32> {
    match args.command {
        Some(AuditCommand::Verify { json }) => verify(ctx, json),
        Some(AuditCommand::Trust { yes }) => trust(ctx, yes),
        Some(AuditCommand::Alerts { since, format }) => alerts(ctx, &since, format),
        None => timeline(ctx, args),
    }
}

fn timeline(ctx: &Context, args: AuditArgs) -> Result<i32> {
    let filter = Filter {
        prefix: args
            .prefix
            .as_ref()
            .map(|p| p.trim_matches('/').to_string()),
        actor: args.actor.clone(),
        action: match &args.action {
            Some(a) => Some(a.parse::<Action>().map_err(WardError::Usage)?),
            None => None,
        },
        since: match &args.since {
            Some(s) => Some(parse_since(s, Utc::now()).map_err(WardError::Usage)?),
            None => None,
        },
        until: None,
    };
    let t = audit::read_all(ctx.store.root());
    for p in &t.problems {
        output::warn_line(&format!(
            "{} line {}: {}",
            p.file.display(),
            p.line,
            p.cause
        ));
    }
    let entries = t.filtered(&filter);
    if args.json {
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(&e.record).expect("a record serialises");
                if let Some(o) = v.as_object_mut() {
                    o.insert("sealed".into(), e.sealed.into());
                }
                v
            })
            .collect();
        output::json(&serde_json::Value::Array(list));
        return Ok(exit::OK);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let r = &e.record;
            let path = match (&r.path, &r.to) {
                (Some(p), Some(to)) => format!("{p} -> {to}"),
                (Some(p), None) => p.clone(),
                (None, Some(to)) => format!("-> {to}"),
                (None, None) => "-".into(),
            };
            let mut reason = r.reason.clone().unwrap_or_else(|| "-".into());
            if !e.sealed {
                reason.push_str(" (not yet sealed)");
            }
            // output::table escapes every cell.
            vec![
                r.time.format("%Y-%m-%d %H:%M:%SZ").to_string(),
                r.actor.clone(),
                r.action.label().to_string(),
                path,
                r.version.map_or("-".into(), |v| v.to_string()),
                reason,
            ]
        })
        .collect();
    output::table(
        &["TIME", "ACTOR", "ACTION", "PATH", "VERSION", "REASON"],
        &rows,
    );
    Ok(exit::OK)
}

/// `YYYY-MM-DD` (UTC midnight), an RFC 3339 time, or a span back from now:
/// `7d`, `2w`, `3m`, `1y` (a leading `-` is allowed).
pub fn parse_since(s: &str, now: DateTime<Utc>) -> std::result::Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let span = s.strip_prefix('-').unwrap_or(s);
    let (num, unit) = span.split_at(span.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| {
        format!("--since {s:?}: use YYYY-MM-DD, an RFC 3339 time, or 7d, 2w, 3m, 1y")
    })?;
    let days = match unit {
        "h" => return Ok(now - chrono::Duration::hours(n)),
        "d" => n,
        "w" => n * 7,
        "m" => n * 30,
        "y" => n * 365,
        _ => return Err(format!("--since {s:?}: unknown unit; use h, d, w, m or y")),
    };
    Ok(now - chrono::Duration::days(days))
}

/// The store's current versions against the log's records.
fn store_mismatches(ctx: &Context) -> Result<Vec<audit::Mismatch>> {
    let listing = ctx.store.list(None);
    let metas = super::report::load_metas(ctx, &listing.secrets, false)?;
    let current = metas
        .into_iter()
        .map(|(name, meta)| (name.to_string(), meta.ok().map(|m| m.version)))
        .collect();
    let timeline = audit::read_all(ctx.store.root());
    Ok(audit::cross_check(
        timeline.entries.iter().map(|e| &e.record),
        &current,
    ))
}

/// `ward audit alerts`: the log's unusual activity since `since`.
fn alerts(ctx: &Context, since: &str, format: AlertFormat) -> Result<i32> {
    let now = Utc::now();
    let since = parse_since(since, now).map_err(WardError::Usage)?;
    let keys = ctx.keys().map_err(|e| e.to_string());
    let found = crate::ops::alerts::find(&ctx.store, keys, &ctx.config.alerts, since, now);
    let code = if found.alerts.is_empty() {
        exit::OK
    } else {
        exit::ALERTS
    };
    if format == AlertFormat::Json {
        output::json(&serde_json::json!({
            "since": since,
            "alerts": found.alerts,
            "chains_verified": found.unverified.is_none(),
            "chains_not_verified_because": found.unverified,
            "removed_keys_checked": found.keys_unread.is_none(),
            "unreadable_lines": found.unreadable,
        }));
        return Ok(code);
    }
    let notes = [
        found
            .unverified
            .as_ref()
            .map(|why| format!("chains not verified ({why}): broken chains are not looked for")),
        found.keys_unread.as_ref().map(|why| {
            format!("recipients not read ({why}): reads by removed keys are not looked for")
        }),
        (found.unreadable > 0).then(|| {
            format!(
                "{} of the log could not be read (`ward audit` names them)",
                output::plural(found.unreadable, "line")
            )
        }),
    ];
    for note in notes.iter().flatten() {
        output::warn_line(&escape(note));
    }
    let when = since.format("%Y-%m-%d %H:%M UTC");
    if found.alerts.is_empty() {
        output::print_line(&format!("No alerts since {when}."))?;
        return Ok(code);
    }
    output::print_line(&format!(
        "{} since {when}:",
        output::plural(found.alerts.len(), "alert")
    ))?;
    for a in &found.alerts {
        output::print_line(&format!(
            "  {}  {:<16}  {}{}",
            a.time.format("%Y-%m-%d %H:%M"),
            a.rule.label(),
            a.actor
                .as_deref()
                .map(|who| format!("{}: ", escape(who)))
                .unwrap_or_default(),
            escape(&a.detail)
        ))?;
    }
    Ok(code)
}

/// One chain's signing state, for a person.
fn signing_text(signing: &Signing) -> String {
    match signing {
        Signing::Unsigned => "unsigned: written before chains were signed".into(),
        Signing::Signed { from_seq, keys, .. } => format!(
            "signed{} by {}",
            if *from_seq > 1 {
                format!(" from seq {from_seq}")
            } else {
                String::new()
            },
            keys.join(", ")
        ),
        Signing::Unapproved { keys, .. } => format!(
            "signed by {} not approved on this machine: check with `ward audit trust`",
            keys.join(", ")
        ),
    }
}

fn signing_json(signing: &Signing) -> serde_json::Value {
    match signing {
        Signing::Unsigned => serde_json::json!({ "state": "unsigned" }),
        Signing::Signed {
            from_seq,
            keys,
            pinned,
        } => serde_json::json!({
            "state": "signed", "from_seq": from_seq, "keys": keys, "pinned_now": pinned,
        }),
        Signing::Unapproved { from_seq, keys } => serde_json::json!({
            "state": "unapproved", "from_seq": from_seq, "keys": keys,
        }),
    }
}

/// `ward audit trust`: the signing keys waiting for this machine's approval.
fn trust(ctx: &Context, yes: bool) -> Result<i32> {
    let store = &ctx.store;
    let pending = crate::ops::trust::pending_signers(store)?;
    if pending.is_empty() {
        output::print_line("Every actor's signing key here is approved on this machine.")?;
        return Ok(exit::OK);
    }
    output::print_line(&format!(
        "{} not approved on this machine (records signed with {} do not count as the actor's):",
        output::plural(pending.len(), "signing key"),
        if pending.len() == 1 { "it" } else { "them" }
    ))?;
    for p in &pending {
        let rel = p.file.strip_prefix(store.root()).unwrap_or(&p.file);
        output::print_line(&format!(
            "  {}  for {}  in {}{}",
            p.key_id,
            escape(&p.chain),
            escape(&rel.display().to_string()),
            p.added_by
                .as_deref()
                .map(|c| format!(", {}", escape(c)))
                .unwrap_or_default()
        ))?;
    }
    output::print_line(
        "Approve only a key its actor confirms (a new identity of theirs): anyone who can push \
         can publish a key in another's name.",
    )?;
    if !yes
        && !super::prompt::confirm_approval(
            "Approve these keys on this machine? [y/N] ",
            "ward audit trust --yes",
        )?
    {
        return Ok(exit::UNTRUSTED);
    }
    crate::ops::trust::approve_signers(store, &pending)?;
    output::print_line(&format!(
        "Approved {}.",
        output::plural(pending.len(), "signing key")
    ))?;
    Ok(exit::OK)
}

fn verify(ctx: &Context, json: bool) -> Result<i32> {
    // A linked or replaced `.ward/audit` is a broken log, not a failure to run.
    if let Err(e) = audit::real_audit_dir(ctx.store.root()) {
        if json {
            output::json(&serde_json::json!({ "ok": false, "audit_dir_problem": e.to_string() }));
        } else {
            println!("BROKEN  {}", escape(&e.to_string()));
        }
        return Ok(exit::AUDIT_BROKEN);
    }
    let report = audit::verify(ctx.store.root(), ctx.keys()?)?;
    let pin_problem = report.pin.problem(ctx.store.root(), &report.key_id);
    let mismatches = store_mismatches(ctx)?;
    if json {
        let files: Vec<serde_json::Value> = report
            .files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "chain": f.chain,
                    "file": f.file,
                    "ok": f.is_ok(),
                    "records": f.records,
                    "break": f.broken.as_ref().map(|b| serde_json::json!({
                        "line": b.line, "kind": b.kind.label(), "detail": b.detail,
                    })),
                    "warnings": f.warnings.iter().map(|w| serde_json::json!({
                        "line": w.line, "message": w.message,
                    })).collect::<Vec<_>>(),
                    "signing": signing_json(&f.signing),
                })
            })
            .collect();
        output::json(&serde_json::json!({
            "ok": report.is_ok(),
            "key_id": report.key_id,
            "key_problem": pin_problem,
            "files": files,
            "store_matches_log": mismatches.is_empty(),
            "store_mismatches": mismatches.iter().map(|m| serde_json::json!({
                "kind": m.kind(), "path": m.path(), "detail": m.describe(),
            })).collect::<Vec<_>>(),
        }));
    } else {
        if let PinStatus::Unavailable(why) = &report.pin {
            output::warn_line(&format!("audit key pin not checked: {why}"));
        }
        if let Some(p) = &pin_problem {
            println!("BROKEN  audit key: {}", escape(p));
        }
        if report.files.is_empty() {
            println!("No audit records yet.");
        }
        for f in &report.files {
            let name = escape(&f.file.display().to_string());
            match &f.broken {
                None if !f.is_ok() => println!(
                    "UNTRUSTED {name} ({}): {}",
                    output::plural(f.records, "record"),
                    signing_text(&f.signing)
                ),
                None => println!(
                    "OK      {name} ({}, {})",
                    output::plural(f.records, "record"),
                    signing_text(&f.signing)
                ),
                Some(b) => println!(
                    "BROKEN  {name} line {}: {}: {}",
                    b.line,
                    b.kind.label(),
                    escape(&b.detail)
                ),
            }
            for w in &f.warnings {
                let at = if w.line > 0 {
                    format!("line {}: ", w.line)
                } else {
                    String::new()
                };
                println!("  warning: {at}{}", escape(&w.message));
            }
        }
        for m in &mismatches {
            println!("MISMATCH {}", escape(&m.describe()));
        }
        let pinned: usize = report
            .files
            .iter()
            .map(|f| match &f.signing {
                Signing::Signed { pinned, .. } => pinned.len(),
                _ => 0,
            })
            .sum();
        if pinned > 0 {
            println!(
                "Pinned {} on this machine (first sight); a different key for these actors will need `ward audit trust`.",
                output::plural(pinned, "signing key")
            );
        }
    }
    Ok(if !report.is_ok() {
        exit::AUDIT_BROKEN
    } else if !mismatches.is_empty() {
        exit::AUDIT_MISMATCH
    } else {
        exit::OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        let now: DateTime<Utc> = "2024-05-10T12:00:00Z".parse().unwrap();
        assert_eq!(
            parse_since("2024-05-01", now).unwrap().to_rfc3339(),
            "2024-05-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("7d", now).unwrap().to_rfc3339(),
            "2024-05-03T12:00:00+00:00"
        );
        assert_eq!(
            parse_since("-1w", now).unwrap().to_rfc3339(),
            "2024-05-03T12:00:00+00:00"
        );
        assert!(parse_since("soon", now).is_err());
        assert!(parse_since("", now).is_err());
    }
}
