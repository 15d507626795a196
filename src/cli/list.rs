//! `ward ls`: names from file names; `--long` decrypts metadata in parallel,
//! through the metadata cache unless `--no-cache`.

use super::args::LsArgs;
use super::context::Context;
use super::output;
use crate::error::{exit, Result};
use crate::policy::{age_words, assess_secret};
use crate::store::SecretPath;
use serde_json::json;

pub fn run(ctx: &Context, args: LsArgs) -> Result<i32> {
    let prefix = args
        .prefix
        .as_deref()
        .map(SecretPath::parse_prefix)
        .transpose()?;
    let listing = ctx.store.list(prefix.as_ref());
    let mut failed = !listing.problems.is_empty();
    for p in &listing.problems {
        output::warn_line(&format!("{}: {}", p.path.display(), p.cause));
    }
    if let (Some(prefix), true, false) = (&prefix, listing.secrets.is_empty(), failed) {
        // Nothing under a folder that was named: not found, as for `get`.
        if args.json {
            output::json(&json!([]));
        }
        let mut similar = ctx.store.similar_folders(prefix);
        if similar.is_empty() {
            similar = super::find::suggestions(ctx, prefix.as_str());
        }
        if similar.is_empty() {
            similar = ctx
                .store
                .similar_names(prefix)
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", similar.join(" or "))
        };
        output::error_line(&format!("no secrets under {prefix}{hint}"));
        return Ok(exit::NOT_FOUND);
    }
    if !args.long {
        if args.json {
            let names: Vec<_> = listing
                .secrets
                .iter()
                .map(|s| json!({ "name": s.as_str() }))
                .collect();
            output::json(&json!(names));
        } else {
            use std::io::Write;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for s in &listing.secrets {
                let _ = writeln!(out, "{}", crate::sanitize::escape(s.as_str()));
            }
            let _ = out.flush();
        }
        return Ok(if failed { exit::CORRUPT } else { exit::OK });
    }

    let today = chrono::Local::now().date_naive();
    let loaded = super::report::load_metas(ctx, &listing.secrets, args.no_cache)?;
    // A non-member gets one line for everything, not one per secret.
    let member = crate::ops::identity::is_member(&ctx.store, ctx.keys()?);
    let mut unreadable = 0;
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for (name, result) in loaded {
        match result {
            Ok(meta) => {
                let (a, source) = assess_secret(
                    name.as_str(),
                    &meta,
                    &listing.folder_policies,
                    ctx.config.lead_time,
                    today,
                );
                if args.json {
                    items.push(json!({
                        "name": name.as_str(),
                        "kind": meta.kind,
                        "owner": meta.owner,
                        "tags": meta.tags,
                        "rotated": meta.rotated,
                        "age_days": a.age_days,
                        "expires": meta.expires,
                        "rotate_every": meta.rotate_every,
                        "policy_source": source,
                        "rotation_due": a.rotation_due,
                        "status": a.status,
                        "reason": a.reason,
                        "version": meta.version,
                    }));
                } else {
                    rows.push(vec![
                        name.to_string(),
                        meta.kind.to_string(),
                        meta.owner.clone().unwrap_or_else(|| "-".into()),
                        age_words(a.age_days),
                        meta.expires
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "-".into()),
                        format!("{} {}", a.status.symbol(), a.status),
                    ]);
                }
            }
            Err(e) => {
                failed = true;
                unreadable += 1;
                if member {
                    output::warn_line(&e.to_string());
                }
                if args.json {
                    items.push(json!({ "name": name.as_str(), "error": e.to_string() }));
                } else {
                    rows.push(vec![
                        name.to_string(),
                        "?".into(),
                        "?".into(),
                        "?".into(),
                        "?".into(),
                        "unreadable".into(),
                    ]);
                }
            }
        }
    }
    if !member && unreadable > 0 {
        output::warn_line(&crate::ops::identity::not_a_member_line(
            ctx.keys()?,
            unreadable,
        ));
    }
    if args.json {
        output::json(&json!(items));
    } else {
        output::table(
            &["NAME", "KIND", "OWNER", "ROTATED", "EXPIRES", "STATUS"],
            &rows,
        );
    }
    Ok(if failed { exit::CORRUPT } else { exit::OK })
}
