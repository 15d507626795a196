//! `ward recipients`: show, add and remove the keys a store (or a folder) is
//! encrypted to, re-encrypting what the change governs (docs/CLI.md).

use super::args::{OffboardArgs, RecipientsArgs, RecipientsCommand};
use super::context::Context;
use super::output::{self, plural};
use crate::audit::Event;
use crate::error::{exit, Result, WardError};
use crate::ops::offboarding::{self, Exposure, Mark};
use crate::ops::recipients as ops;
use crate::ops::trust as approvals;
use crate::sanitize::escape;
use crate::store::recipients::{self as recip, short_key};
use crate::store::{SecretPath, Store};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// At least this many secrets to re-encrypt before progress is shown.
const PROGRESS_FROM: usize = 50;

pub fn run(ctx: &Context, args: RecipientsArgs) -> Result<i32> {
    match args.command {
        None => list(ctx, args.folder, args.json),
        Some(RecipientsCommand::List { folder, json }) => {
            list(ctx, folder.or(args.folder), json || args.json)
        }
        Some(RecipientsCommand::Add {
            keys,
            folder,
            label,
        }) => change(ctx, folder, keys, label, Change::Add),
        Some(RecipientsCommand::Rm {
            keys,
            folder,
            force,
        }) => change(ctx, folder, keys, None, Change::Rm { force }),
        Some(RecipientsCommand::Trust { folder, yes }) => trust(ctx, folder, yes),
        Some(RecipientsCommand::Reencrypt { folder, force }) => reencrypt(ctx, folder, force),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Add,
    Rm { force: bool },
}

/// A path inside the store, relative, for messages.
fn rel(store: &Store, path: &Path) -> String {
    escape(
        &path
            .strip_prefix(store.root())
            .unwrap_or(path)
            .display()
            .to_string(),
    )
}

/// `--folder F`: an existing folder of the store.
fn parse_folder(ctx: &Context, raw: Option<&str>) -> Result<Option<SecretPath>> {
    let Some(raw) = raw else { return Ok(None) };
    let folder = SecretPath::parse_prefix(raw)?;
    if ctx.store.is_folder(&folder) {
        return Ok(Some(folder));
    }
    let err = WardError::NotFound {
        name: format!("folder {folder}"),
        path: ctx
            .store
            .root()
            .join(folder.segments().collect::<PathBuf>()),
    };
    let similar = ctx.store.similar_folders(&folder);
    Err(if similar.is_empty() {
        err.hint("--folder names a folder that holds secrets")
    } else {
        err.hint(format!("did you mean {}?", similar.join(" or ")))
    })
}

fn list(ctx: &Context, folder: Option<String>, as_json: bool) -> Result<i32> {
    let folder = parse_folder(ctx, folder.as_deref())?;
    let in_force = ctx.store.recipients_in_force(folder.as_ref())?;
    // Subfolders that have their own list, with how many secrets each governs.
    let mut others: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let listing = ctx.store.list(folder.as_ref());
    for name in &listing.secrets {
        let p = ctx.store.recipients_path_for(name);
        if p != in_force.path {
            *others.entry(p).or_default() += 1;
        }
    }
    let file = rel(&ctx.store, &in_force.path);
    if as_json {
        output::json(&json!({
            "folder": folder.as_ref().map(|f| f.as_str()),
            "file": file,
            "from_folder": in_force.owner,
            "recipients": in_force.keys,
            "labels": in_force.entries.iter().map(|e| e.label.as_deref()).collect::<Vec<_>>(),
            "overridden": others
                .iter()
                .map(|(p, n)| json!({"file": rel(&ctx.store, p), "secrets": n}))
                .collect::<Vec<_>>(),
        }));
        return Ok(exit::OK);
    }
    let what = match &folder {
        Some(f) => format!("{}/", escape(f.as_str())),
        None => "the store".to_string(),
    };
    let inherited = match (&folder, &in_force.owner) {
        (Some(f), Some(o)) if o != f.as_str() => " (inherited)",
        (Some(_), None) => " (the store's)",
        _ => "",
    };
    output::print_line(&format!(
        "{} for {what}, from {file}{inherited}:",
        plural(in_force.keys.len(), "recipient")
    ))?;
    for e in &in_force.entries {
        output::print_line(&format!("  {}", labelled(&e.key, e.label.as_deref())))?;
    }
    if !others.is_empty() {
        output::print_line("Under it, these folders have their own recipients:")?;
        for (p, n) in &others {
            output::print_line(&format!(
                "  {}  ({})",
                rel(&ctx.store, p),
                plural(*n, "secret")
            ))?;
        }
    }
    Ok(exit::OK)
}

/// A key for a list: `age1…  (dan@laptop)`; an SSH key's comment is
/// already on its line.
fn labelled(key: &str, label: Option<&str>) -> String {
    let own = key.starts_with("ssh-") && key.split_whitespace().nth(2).is_some();
    match label {
        Some(l) if !own => format!("{}  ({})", escape(key), escape(l)),
        _ => escape(key),
    }
}

fn change(
    ctx: &Context,
    folder: Option<String>,
    raw: Vec<String>,
    label: Option<String>,
    how: Change,
) -> Result<i32> {
    let folder = parse_folder(ctx, folder.as_deref())?;
    let asked = ops::validate_keys(&raw)?;
    let label = ops::validate_label(label)?;
    // Identities first: a passphrase prompt must not hold the store lock.
    let keys = ctx.keys()?;
    let verb = match how {
        Change::Add => "add",
        Change::Rm { .. } => "rm",
    };
    let req = ops::Request {
        folder,
        keys: asked,
        how: match how {
            Change::Add => ops::How::Add { label },
            Change::Rm { force } => ops::How::Rm { force },
        },
        actor: ctx.actor.clone(),
        label_of_removed: None,
    };
    let journal = |e: Event| ctx.audit(e);
    let progress = Progress::new();
    let outcome = ops::change(&ctx.store, keys, &journal, &req, &|d, t| {
        progress.show(d, t)
    })?;
    let failed = print_change(&ctx.store, &outcome)?;
    let named: Vec<String> = outcome.changed.iter().map(|k| short_key(k)).collect();
    commit(
        ctx,
        outcome.changed_paths(&ctx.store),
        &format!("recipients {verb} {} in {}", named.join(" "), outcome.file),
    );
    Ok(if failed { exit::CORRUPT } else { exit::OK })
}

/// In a git store, the change is one commit (or noted for `ward sync`).
fn commit(ctx: &Context, paths: Vec<std::path::PathBuf>, message: &str) {
    if paths.is_empty() {
        return;
    }
    let autocommit = ctx.config.git.autocommit;
    if let Some(warning) =
        crate::ops::commit::after_change(&ctx.store, &paths, message, &ctx.actor, autocommit)
    {
        output::warn_line(&warning);
    }
}

/// Prints what a change did; whether anything was left behind.
fn print_change(store: &Store, outcome: &ops::Outcome) -> Result<bool> {
    let file = &outcome.file;
    for k in &outcome.already {
        output::print_line(&format!("Already a recipient: {}", escape(&short_key(k))))?;
    }
    if outcome.changed.is_empty() {
        output::print_line(&format!("Nothing changed in {file}."))?;
        return Ok(false);
    }
    if let Some(from) = &outcome.created_from {
        output::print_line(&format!("Created {file} from {from}."))?;
    }
    let (verb, word) = match outcome.exposure {
        Some(_) => ("Removed", "from"),
        None => ("Added", "to"),
    };
    for k in &outcome.changed {
        output::print_line(&format!("{verb} {} {word} {file}.", escape(&short_key(k))))?;
    }
    report_failures(store, &outcome.reencrypted, &outcome.problems);
    if let Some(e) = &outcome.audit_key_error {
        output::warn_line(&format!(
            "the audit key was not re-encrypted, it is still readable by the old recipients: {e}"
        ));
    }
    output::print_line(&format!(
        "Re-encrypted {} to {} in {file}.",
        plural(outcome.reencrypted.done.len(), "secret"),
        plural(outcome.recipients, "recipient")
    ))?;
    if let Some(exposure) = &outcome.exposure {
        offboarding_note(store, exposure, outcome.changed.len())?;
    }
    Ok(outcome.failed())
}

/// Re-encryption progress on stderr, for large stores: a counter on a
/// terminal, a line every tenth otherwise.
struct Progress {
    terminal: bool,
    last_tenth: Mutex<usize>,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            last_tenth: Mutex::new(0),
        }
    }

    fn show(&self, done: usize, total: usize) {
        if total < PROGRESS_FROM {
            return;
        }
        let mut last = self.last_tenth.lock().unwrap_or_else(|e| e.into_inner());
        if done == 0 {
            *last = 0;
            if !self.terminal {
                eprintln!("ward: re-encrypting {}…", plural(total, "secret"));
            }
            return;
        }
        let tenth = done * 10 / total.max(1);
        if self.terminal {
            eprint!("\rward: re-encrypting {done}/{total}");
            if done == total {
                eprintln!();
            }
        } else if tenth > *last {
            *last = tenth;
            eprintln!("ward: re-encrypted {done}/{total}");
        }
    }
}

/// Warns about every secret left as it was and every file not listed.
fn report_failures(
    store: &Store,
    outcome: &recip::Reencrypted,
    problems: &[crate::store::Problem],
) {
    for (name, e) in &outcome.failed {
        output::warn_line(&format!("{name} was left as it was: {e}"));
    }
    for p in problems {
        output::warn_line(&format!(
            "{}: {} (not re-encrypted)",
            rel(store, &p.path),
            p.cause
        ));
    }
    if !outcome.failed.is_empty() {
        output::warn_line(&format!(
            "{} still encrypted to the old recipients: someone who can read {} should run \
             `ward recipients reencrypt`",
            if outcome.failed.len() == 1 {
                "1 secret is".to_string()
            } else {
                format!("{} secrets are", outcome.failed.len())
            },
            if outcome.failed.len() == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
}

/// After `rm`: every secret the removed keys could read, whether it is
/// marked for rotation, what the audit log says they read, and where they
/// still are recipients.
fn offboarding_note(store: &Store, exposure: &Exposure, removed: usize) -> Result<()> {
    output::print_line(
        "Removing a key does not revoke what it could already read (old files, git history, \
         copies): rotate these secrets.",
    )?;
    output::print_line(&format!(
        "{} could be read by the removed {} (candidates for rotation):",
        plural(exposure.secrets.len(), "secret"),
        if removed == 1 { "key" } else { "keys" }
    ))?;
    let who: Vec<String> = exposure
        .removed
        .iter()
        .map(|r| r.label.clone().unwrap_or_else(|| short_key(&r.key)))
        .collect();
    let who = escape(&who.join(", "));
    for s in &exposure.secrets {
        let mark = match &s.mark {
            Mark::Marked => format!("marked: rotation required: offboarding of {who}"),
            Mark::AlreadyMarked => "already marked: rotation required".to_string(),
            Mark::EarlierOnly => "an earlier value only (rotated since): not marked".to_string(),
            Mark::NotMarked(why) => format!("not marked: {why}"),
        };
        output::print_line(&format!(
            "  {}  {mark}{}",
            escape(s.name.as_str()),
            reads_words(&s.reads)
        ))?;
    }
    let marked = exposure.marked();
    if marked > 0 {
        output::print_line(&format!(
            "{} marked \"rotation required\" (ward check fails until each is rotated).",
            plural(marked, "secret")
        ))?;
    }
    for (path, n) in &exposure.still_in {
        let folder = ops::folder_of(store, path)
            .map(|f| format!(" --folder {}", escape(f.as_str())))
            .unwrap_or_default();
        output::warn_line(&format!(
            "a removed key is still a recipient in {} ({}): remove it there too if it should \
             go (ward recipients rm KEY{folder})",
            rel(store, path),
            plural(*n, "secret")
        ));
    }
    Ok(())
}

/// "; the audit log shows 2 reads (copy, reveal), last 2026-12-01 by bob".
fn reads_words(reads: &[offboarding::Read]) -> String {
    let Some(last) = reads.iter().max_by_key(|r| r.time) else {
        return String::new();
    };
    let mut actions: Vec<&str> = reads.iter().map(|r| r.action.label()).collect();
    actions.sort_unstable();
    actions.dedup();
    format!(
        "; the audit log shows {} ({}), last {} by {}",
        plural(reads.len(), "read"),
        actions.join(", "),
        last.time.date_naive(),
        escape(&last.actor)
    )
}

/// `ward offboard LABEL`: `rm` of every key with that label, in every
/// recipients file that has one.
pub fn offboard(ctx: &Context, args: OffboardArgs) -> Result<i32> {
    let label =
        recip::validate_label(&args.label).map_err(|c| WardError::Usage(format!("LABEL: {c}")))?;
    let keys = ctx.keys()?;
    let journal = |e: Event| ctx.audit(e);
    let progress = Progress::new();
    let files = ops::offboard(&ctx.store, keys, &journal, &label, &ctx.actor, &|d, t| {
        progress.show(d, t)
    })?;
    let mut failed = false;
    let mut done = 0;
    let mut paths = Vec::new();
    for f in &files {
        match &f.outcome {
            Ok(outcome) => {
                done += 1;
                failed |= print_change(&ctx.store, outcome)?;
                paths.extend(outcome.changed_paths(&ctx.store));
            }
            Err(e) => {
                failed = true;
                output::warn_line(&format!("{} was left as it was: {e}", f.file));
            }
        }
    }
    output::print_line(&format!(
        "Offboarded {}: removed from {} of {}.",
        escape(&label),
        plural(done, "recipients file"),
        files.len()
    ))?;
    commit(ctx, paths, &format!("offboard {label}"));
    Ok(if failed { exit::CORRUPT } else { exit::OK })
}

/// `ward recipients reencrypt`: every secret under the folder to the
/// recipients file that governs it now (after a hand edit, or to finish an
/// interrupted change).
fn reencrypt(ctx: &Context, folder: Option<String>, force: bool) -> Result<i32> {
    let folder = parse_folder(ctx, folder.as_deref())?;
    let keys = ctx.keys()?;
    let journal = |e: Event| ctx.audit(e);
    let progress = Progress::new();
    let out = ops::reencrypt(
        &ctx.store,
        keys,
        &journal,
        folder.as_ref(),
        force,
        &|d, t| progress.show(d, t),
    )?;
    for (file, n, e) in &out.groups_failed {
        output::warn_line(&format!(
            "{n} secrets governed by {file} were left as they were: {e}"
        ));
    }
    report_failures(&ctx.store, &out.reencrypted, &out.problems);
    if let Some(e) = &out.audit_key_error {
        output::warn_line(&format!("the audit key was not re-encrypted: {e}"));
    }
    output::print_line(&format!(
        "Re-encrypted {}.",
        plural(out.reencrypted.done.len(), "secret")
    ))?;
    let under = folder.as_ref().map_or("the store", |f| f.as_str());
    commit(
        ctx,
        out.changed_paths(&ctx.store),
        &format!("recipients reencrypt {under}"),
    );
    Ok(if out.failed() {
        exit::CORRUPT
    } else {
        exit::OK
    })
}

/// `ward recipients trust`: the keys in the recipients files under the
/// folder that this machine has not approved, and their approval (asked on
/// the terminal, or `--yes`).
/// A fingerprint key that differs from the one this machine pinned
/// (ops/fingerprint.rs): shown and approved first. `Some(code)` when the
/// user declined.
fn trust_fingerprint_key(ctx: &Context, yes: bool) -> Result<Option<i32>> {
    let keys = ctx.keys()?;
    let Some(id) = crate::ops::fingerprint::pending(&ctx.store, keys)? else {
        return Ok(None);
    };
    output::print_line(&format!(
        "The store's fingerprint key ({id}) is not the one this machine pinned: someone \
         replaced .ward/fingerprint.key.age (or another clone made its own). Until it is \
         approved, the review shows no reuse."
    ))?;
    if !yes {
        let question = "Approve this fingerprint key for this store on this machine? [y/N] ";
        if !super::prompt::confirm_approval(question, "ward recipients trust --yes")? {
            return Ok(Some(exit::UNTRUSTED));
        }
    }
    crate::ops::fingerprint::approve(&ctx.store, keys)?;
    output::print_line("Approved the fingerprint key for this store on this machine.")?;
    Ok(None)
}

fn trust(ctx: &Context, folder: Option<String>, yes: bool) -> Result<i32> {
    let folder = parse_folder(ctx, folder.as_deref())?;
    let store = &ctx.store;
    if folder.is_none() {
        if let Some(code) = trust_fingerprint_key(ctx, yes)? {
            return Ok(code);
        }
    }
    let pending = approvals::pending_listing(store, folder.as_ref())?;
    if pending.is_empty() {
        output::print_line("Every recipient key here is approved on this machine.")?;
        return Ok(exit::OK);
    }
    output::print_line(&format!(
        "{} not approved on this machine (new secrets would be encrypted to {}):",
        if pending.len() == 1 {
            "1 key is".to_string()
        } else {
            format!("{} keys are", pending.len())
        },
        if pending.len() == 1 { "it" } else { "them" }
    ))?;
    for listed in &pending {
        let p = &listed.pending;
        output::print_line(&format!(
            "  {}  {}  in {}{}",
            escape(&short_key(&p.entry.key)),
            p.entry
                .label
                .as_deref()
                .map(escape)
                .unwrap_or_else(|| "(no label)".into()),
            rel(store, &p.file),
            listed
                .added_by
                .as_deref()
                .map(|c| format!(", {}", escape(c)))
                .unwrap_or_default()
        ))?;
    }
    if !yes {
        let again = folder
            .as_ref()
            .map(|f| format!(" --folder {}", escape(f.as_str())))
            .unwrap_or_default();
        let question = "Approve these keys for this store on this machine? [y/N] ";
        let yes_command = format!("ward recipients trust{again} --yes");
        if !super::prompt::confirm_approval(question, &yes_command)? {
            return Ok(exit::UNTRUSTED);
        }
    }
    let keys: Vec<&str> = pending
        .iter()
        .map(|l| l.pending.entry.key.as_str())
        .collect();
    approvals::approve(store, &keys)?;
    output::print_line(&format!(
        "Approved {} for this store on this machine.",
        plural(keys.len(), "key")
    ))?;
    Ok(exit::OK)
}
