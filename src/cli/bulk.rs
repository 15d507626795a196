//! `ward cp SRC DST`, `ward mv FOLDER DST`, `ward rm -r FOLDER`: many
//! secrets at once, all or nothing (ops/bulk.rs), asked first on a terminal.

use super::args::{CpArgs, MvArgs, RmArgs};
use super::context::Context;
use super::output;
use crate::error::{exit, Result};
use crate::ops::bulk::{self, Plan, Verb};
use std::io::IsTerminal;

pub fn cp(ctx: &Context, args: CpArgs) -> Result<i32> {
    let from = ctx.name(&args.from)?;
    let to = ctx.name(&args.to)?;
    let plan = bulk::plan(&ctx.store, Verb::Copy, &from, Some(&to))?;
    run(ctx, &plan, args.yes, args.force)
}

/// `ward mv` of a folder (a secret's move is `secrets::mv`).
pub fn mv_folder(ctx: &Context, args: MvArgs) -> Result<i32> {
    let from = ctx.name(&args.from)?;
    let to = ctx.name(&args.to)?;
    let plan = bulk::plan(&ctx.store, Verb::Move, &from, Some(&to))?;
    run(ctx, &plan, args.yes, args.force)
}

/// `ward rm -r FOLDER [--purge]`.
pub fn rm_folder(ctx: &Context, args: RmArgs) -> Result<i32> {
    let from = ctx.name(&args.path)?;
    let verb = if args.purge { Verb::Purge } else { Verb::Trash };
    let plan = bulk::plan(&ctx.store, verb, &from, None)?;
    run(ctx, &plan, args.force, false)
}

fn run(ctx: &Context, plan: &Plan, yes: bool, force: bool) -> Result<i32> {
    let n = output::plural(plan.pairs.len(), "secret");
    let from = crate::sanitize::escape(plan.from.as_str());
    let to = plan
        .to
        .as_ref()
        .map(|t| crate::sanitize::escape(t.as_str()))
        .unwrap_or_default();
    let what = match plan.verb {
        Verb::Copy => format!("Copy {n} from {from} to {to}"),
        Verb::Move => format!("Move {n} from {from} to {to}"),
        Verb::Trash => format!("Delete {n} under {from} (to the trash)"),
        Verb::Purge => format!("Delete {n} under {from} for good"),
    };
    if !yes && std::io::stdin().is_terminal() {
        if let Some(answer) = super::prompt::ask_on_terminal(&format!("{what}? [y/N] ")) {
            if !answer? {
                eprintln!("Nothing was changed.");
                return Ok(exit::FAILURE);
            }
        }
    }
    let done = bulk::execute(&ctx.writer(force)?, plan, ctx.config.trash.keep)?;
    if let Some(w) = &done.commit_warning {
        output::warn_line(w);
    }
    let n = output::plural(done.count, "secret");
    eprintln!(
        "{}",
        match plan.verb {
            Verb::Copy => format!("Copied {n} from {from} to {to}"),
            Verb::Move => format!("Moved {n} from {from} to {to}"),
            Verb::Trash => format!("Moved {n} under {from} to the trash"),
            Verb::Purge => format!("Deleted {n} under {from} for good"),
        }
    );
    Ok(exit::OK)
}
