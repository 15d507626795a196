//! `ward restore NAME VERSION`, `ward trash [--json]`, `ward trash restore NAME`.

use super::args::{RestoreArgs, TrashArgs, TrashCommand};
use super::context::Context;
use super::output;
use crate::error::{exit, Result};
use crate::ops::{self, trash, Change};

/// `ward restore NAME VERSION`: that version's value current again.
pub fn restore_version(ctx: &Context, args: RestoreArgs) -> Result<i32> {
    let name = ctx.existing(&args.path)?;
    let change = Change::Restore {
        name: name.clone(),
        version: args.version,
    };
    let outcome = ops::apply(&ctx.writer(args.force)?, change)?;
    if let Some(w) = &outcome.commit_warning {
        output::warn_line(w);
    }
    eprintln!(
        "Restored version {} of {} as version {}",
        args.version,
        crate::sanitize::escape(name.as_str()),
        outcome.version.unwrap_or_default()
    );
    Ok(exit::OK)
}

pub fn run(ctx: &Context, args: TrashArgs) -> Result<i32> {
    match args.command {
        Some(TrashCommand::Restore { name, force }) => {
            let name = ctx.name(&name)?;
            let outcome = trash::restore(&ctx.writer(force)?, &name, ctx.config.trash.keep)?;
            if let Some(w) = &outcome.commit_warning {
                output::warn_line(w);
            }
            eprintln!(
                "Restored {} from the trash (version {})",
                crate::sanitize::escape(name.as_str()),
                outcome.version.unwrap_or_default()
            );
            Ok(exit::OK)
        }
        None => list(ctx, args.json),
    }
}

/// What the trash holds, newest first: name, when, by whom.
fn list(ctx: &Context, json: bool) -> Result<i32> {
    let listing = trash::list(&ctx.store);
    for (path, why) in &listing.problems {
        output::warn_line(&format!("{}: {why}; skipped", path.display()));
    }
    if json {
        let rows: Vec<serde_json::Value> = listing
            .entries
            .iter()
            .map(|f| {
                serde_json::json!({
                    "name": f.entry.name,
                    "deleted": f.entry.deleted,
                    "deleted_by": f.entry.deleted_by,
                    "id": f.id,
                })
            })
            .collect();
        output::json(&serde_json::json!(rows));
        return Ok(exit::OK);
    }
    if listing.entries.is_empty() {
        eprintln!(
            "The trash is empty (entries are kept {}).",
            ctx.config.trash.keep
        );
        return Ok(exit::OK);
    }
    let rows: Vec<Vec<String>> = listing
        .entries
        .iter()
        .map(|f| {
            vec![
                f.entry.name.clone(),
                f.entry.deleted.format("%Y-%m-%d %H:%M").to_string(),
                f.entry.deleted_by.clone(),
            ]
        })
        .collect();
    output::table(&["NAME", "DELETED", "BY"], &rows);
    Ok(exit::OK)
}
