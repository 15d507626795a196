//! `ward recipients`: show, add and remove the keys a store (or a folder) is
//! encrypted to, re-encrypting what the change governs (docs/CLI.md).

use super::args::{RecipientsArgs, RecipientsCommand};
use super::context::Context;
use super::output::{self, plural};
use crate::audit::{Action, AuditKey, Event};
use crate::error::{exit, Result, WardError};
use crate::ops::trust as approvals;
use crate::sanitize::escape;
use crate::store::recipients::{self as recip, key_id, short_key};
use crate::store::{fsio, Approved, Guard, Keyring, SecretPath, Store, FOLDER_RECIPIENTS};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// At least this many secrets to re-encrypt before progress is shown.
const PROGRESS_FROM: usize = 50;
/// Rotation candidates named after `rm`; the rest are counted.
const CANDIDATES_SHOWN: usize = 20;

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

fn validate_all(keys: &[String]) -> Result<Vec<String>> {
    keys.iter()
        .map(|k| {
            recip::validate_key(k)
                .map_err(|cause| WardError::Usage(format!("{}: {cause}", escape(&short_key(k)))))
        })
        .collect()
}

fn change(
    ctx: &Context,
    folder: Option<String>,
    raw: Vec<String>,
    label: Option<String>,
    how: Change,
) -> Result<i32> {
    let folder = parse_folder(ctx, folder.as_deref())?;
    let asked = validate_all(&raw)?;
    let label = label
        .map(|l| recip::validate_label(&l).map_err(|c| WardError::Usage(format!("--label: {c}"))))
        .transpose()?;
    // Identities first: a passphrase prompt must not hold the store lock.
    let keys = ctx.keys()?;
    let store = &ctx.store;
    let lock = store.lock()?;
    let target = store.recipients_file(folder.as_ref());
    let exists = std::fs::symlink_metadata(&target).is_ok();
    let (old_text, created_from) = if exists {
        let text = store.read_recipients_text(&target)?;
        crate::store::crypto::parse_recipients(&target, &text)?;
        (text, None)
    } else {
        let in_force = store.recipients_in_force(folder.as_ref())?;
        let from = rel(store, &in_force.path);
        let mut text = format!(
            "# ward recipients for {}/ (started from {from}); see docs/FORMAT.md\n",
            folder.as_ref().map(|f| f.as_str()).unwrap_or_default()
        );
        for k in &in_force.keys {
            text.push_str(k);
            text.push('\n');
        }
        (text, Some(from))
    };
    let old_keys = recip::key_lines(&old_text);
    let edit = match how {
        Change::Add => recip::add_labelled_keys(&old_text, &asked, label.as_deref()),
        Change::Rm { .. } => recip::remove_keys(&old_text, &asked),
    };
    let file = rel(store, &target);
    if !edit.missing.is_empty() {
        let shown: Vec<String> = edit.missing.iter().map(|k| short_key(k)).collect();
        let where_ = if exists {
            file.clone()
        } else {
            created_from.clone().unwrap_or_default()
        };
        return Err(WardError::Usage(format!(
            "not a recipient in {where_}: {}; nothing was changed (see `ward recipients{}`)",
            escape(&shown.join(", ")),
            folder
                .as_ref()
                .map(|f| format!(" --folder {}", escape(f.as_str())))
                .unwrap_or_default()
        )));
    }
    for k in &edit.already {
        output::print_line(&format!("Already a recipient: {}", escape(&short_key(k))))?;
    }
    if !edit.changed() {
        output::print_line(&format!("Nothing changed in {file}."))?;
        return Ok(exit::OK);
    }
    let new_keys = edit.keys();
    if new_keys.is_empty() {
        return Err(WardError::Usage(format!(
            "refusing to remove the last recipient of {file}: nobody could read what it governs"
        )));
    }
    let forced = matches!(how, Change::Rm { force: true });
    let mine: Vec<String> = keys.public_keys().iter().map(|k| key_id(k)).collect();
    let held = |list: &[String]| list.iter().any(|k| mine.contains(&key_id(k)));
    if !forced && !held(&new_keys) {
        let why = if held(&old_keys) {
            format!("refusing to remove every key of your own identities from {file}")
        } else {
            format!("refusing to change {file}: it holds none of your keys")
        };
        let fix = match how {
            Change::Rm { .. } => "add another key of yours first, or pass --force",
            Change::Add => "add one of your own keys in the same command",
        };
        return Err(WardError::Usage(format!(
            "{why}: you could no longer read what it governs; {fix}"
        )));
    }

    // Trust: the keys added now are approved by adding them; every other
    // key of the new file must have been approved here already, checked
    // before the file changes.
    let mut approved = approvals::approved_with_mine(store, keys)?;
    approved.extend(edit.added.iter().map(|k| key_id(k)));
    let guard = approvals::guard(keys, forced, Approved::Keys(&approved));
    guard.check_approved(&file, &target, &edit.text)?;
    approvals::approve(store, &edit.added)?;

    // The file first: it states the intent. If this is interrupted below,
    // `ward recipients reencrypt` finishes the job.
    store.write_recipients_locked(&lock, &target, &edit.text)?;
    if let Some(from) = &created_from {
        output::print_line(&format!("Created {file} from {from}."))?;
    }
    let (verb, changed) = match how {
        Change::Add => ("Added", &edit.added),
        Change::Rm { .. } => ("Removed", &edit.removed),
    };
    for k in changed {
        output::print_line(&format!(
            "{verb} {} {} {file}.",
            escape(&short_key(k)),
            if verb == "Added" { "to" } else { "from" }
        ))?;
    }

    let (names, problems) = store.governed_by(folder.as_ref(), &target);
    let outcome = reencrypt_with_progress(store, &lock, keys, &names, &target, guard)?;
    let mut failed = report_failures(store, &outcome, &problems);
    let audit_key = if folder.is_none() {
        Some(reencrypt_audit_key(store, keys))
    } else {
        None
    };

    let what: Vec<String> = changed.iter().map(|k| short_key(k)).collect();
    let reason = format!(
        "{} {}; {} re-encrypted{}",
        verb.to_lowercase(),
        what.join(", "),
        plural(outcome.done.len(), "secret"),
        if outcome.failed.is_empty() {
            String::new()
        } else {
            format!(", {} not", outcome.failed.len())
        }
    );
    let mut event = Event::new(Action::RecipientsChange).reason(Some(&reason));
    if let Some(f) = &folder {
        event = event.path(f.as_str());
    }
    // Recorded before the audit key is re-encrypted: after `rm --force` of
    // your own key you could no longer open it to write the record.
    ctx.audit(event);
    if let Some(Err(e)) = audit_key.map(|f| f()) {
        output::warn_line(&format!(
            "the audit key was not re-encrypted, it is still readable by the old recipients: {e}"
        ));
        failed = true;
    }
    drop(lock);

    output::print_line(&format!(
        "Re-encrypted {} to {} in {file}.",
        plural(outcome.done.len(), "secret"),
        plural(new_keys.len(), "recipient")
    ))?;
    if let Change::Rm { .. } = how {
        offboarding_note(store, &edit.removed, &names)?;
    }
    Ok(if failed { exit::CORRUPT } else { exit::OK })
}

/// Re-encrypts the store's audit key to `.ward/recipients` as it is now.
/// Returned as a closure so that the caller can record the change first.
fn reencrypt_audit_key(store: &Store, keys: &Keyring) -> impl FnOnce() -> Result<()> {
    let root = store.root().to_path_buf();
    let loaded = AuditKey::load(&root, keys);
    move || match loaded? {
        Some(key) => key.save(&root),
        None => Ok(()),
    }
}

/// Re-encrypts `names`, with progress on stderr for large stores.
fn reencrypt_with_progress(
    store: &Store,
    lock: &fsio::StoreLock,
    keys: &Keyring,
    names: &[SecretPath],
    file: &Path,
    guard: Guard<'_>,
) -> Result<recip::Reencrypted> {
    let total = names.len();
    let show = total >= PROGRESS_FROM;
    let terminal = std::io::stderr().is_terminal();
    let last_tenth = Mutex::new(0usize);
    if show && !terminal {
        eprintln!("ward: re-encrypting {}…", plural(total, "secret"));
    }
    let progress = |done: usize, total: usize| {
        if !show {
            return;
        }
        let tenth = done * 10 / total.max(1);
        let mut last = last_tenth.lock().unwrap_or_else(|e| e.into_inner());
        if terminal {
            eprint!("\rward: re-encrypting {done}/{total}");
            if done == total {
                eprintln!();
            }
        } else if tenth > *last {
            *last = tenth;
            eprintln!("ward: re-encrypted {done}/{total}");
        }
    };
    store.reencrypt_locked(lock, keys, names, file, guard, &progress)
}

/// Warns about every secret left as it was and every file not listed.
/// Whether there was any.
fn report_failures(
    store: &Store,
    outcome: &recip::Reencrypted,
    problems: &[crate::store::Problem],
) -> bool {
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
    !outcome.failed.is_empty() || !problems.is_empty()
}

/// After `rm`: what the removed keys could read, and where they still are.
fn offboarding_note(store: &Store, removed: &[String], governed: &[SecretPath]) -> Result<()> {
    output::print_line(
        "Removing a key does not revoke what it could already read (old files, git history, \
         copies): rotate these secrets.",
    )?;
    output::print_line(&format!(
        "{} could be read by the removed {} (candidates for rotation):",
        plural(governed.len(), "secret"),
        if removed.len() == 1 { "key" } else { "keys" }
    ))?;
    for name in governed.iter().take(CANDIDATES_SHOWN) {
        output::print_line(&format!("  {}", escape(name.as_str())))?;
    }
    if governed.len() > CANDIDATES_SHOWN {
        output::print_line(&format!(
            "  … and {} more",
            governed.len() - CANDIDATES_SHOWN
        ))?;
    }
    // Other recipients files that still hold a removed key.
    let ids: Vec<String> = removed.iter().map(|k| key_id(k)).collect();
    let mut files: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for name in store.list(None).secrets {
        *files.entry(store.recipients_path_for(&name)).or_default() += 1;
    }
    for (path, n) in files {
        let Ok(text) = store.read_recipients_text(&path) else {
            continue;
        };
        if recip::key_lines(&text)
            .iter()
            .any(|k| ids.contains(&key_id(k)))
        {
            let folder = path
                .parent()
                .filter(|_| path.file_name() == Some(FOLDER_RECIPIENTS.as_ref()))
                .map(|p| format!(" --folder {}", rel(store, p)))
                .unwrap_or_default();
            output::warn_line(&format!(
                "a removed key is still a recipient in {} ({}): remove it there too if it should \
                 go (ward recipients rm KEY{folder})",
                rel(store, &path),
                plural(n, "secret")
            ));
        }
    }
    Ok(())
}

/// `ward recipients reencrypt`: every secret under the folder to the
/// recipients file that governs it now (after a hand edit, or to finish an
/// interrupted change).
fn reencrypt(ctx: &Context, folder: Option<String>, force: bool) -> Result<i32> {
    let folder = parse_folder(ctx, folder.as_deref())?;
    let keys = ctx.keys()?;
    let store = &ctx.store;
    let lock = store.lock()?;
    let listing = store.list(folder.as_ref());
    let mut groups: BTreeMap<PathBuf, Vec<SecretPath>> = BTreeMap::new();
    for name in listing.secrets {
        if folder.as_ref().is_some_and(|f| &name == f) {
            continue;
        }
        groups
            .entry(store.recipients_path_for(&name))
            .or_default()
            .push(name);
    }
    // Every file is checked before any secret changes: a hand-edited
    // recipients file without the user's key, or with a key not approved
    // here, is refused as a whole.
    let approved = approvals::approved_with_mine(store, keys)?;
    let read_back = approvals::guard(keys, force, Approved::Keys(&approved));
    for (file, names) in &groups {
        // Other problems of a group are reported with it below.
        match store.check_read_back(file, names.len(), read_back) {
            Err(e @ WardError::LockOut { .. }) => {
                return Err(e.hint(
                    "add one of your keys to that file first, or pass --force to re-encrypt \
                     anyway",
                ))
            }
            Err(e @ WardError::Untrusted { .. }) => return Err(e),
            _ => {}
        }
    }
    let mut total = recip::Reencrypted::default();
    let mut group_failed = false;
    for (file, names) in &groups {
        match reencrypt_with_progress(store, &lock, keys, names, file, read_back) {
            Ok(r) => {
                total.done.extend(r.done);
                total.failed.extend(r.failed);
            }
            Err(e) => {
                output::warn_line(&format!(
                    "{} secrets governed by {} were left as they were: {e}",
                    names.len(),
                    rel(store, file)
                ));
                group_failed = true;
            }
        }
    }
    let mut failed = report_failures(store, &total, &listing.problems) || group_failed;
    let mut event = Event::new(Action::RecipientsChange).reason(Some(&format!(
        "re-encrypted {}{}",
        plural(total.done.len(), "secret"),
        if total.failed.is_empty() {
            String::new()
        } else {
            format!(", {} not", total.failed.len())
        }
    )));
    if let Some(f) = &folder {
        event = event.path(f.as_str());
    }
    ctx.audit(event);
    if folder.is_none() {
        if let Err(e) = reencrypt_audit_key(store, keys)() {
            output::warn_line(&format!("the audit key was not re-encrypted: {e}"));
            failed = true;
        }
    }
    drop(lock);
    output::print_line(&format!(
        "Re-encrypted {}.",
        plural(total.done.len(), "secret")
    ))?;
    Ok(if failed { exit::CORRUPT } else { exit::OK })
}

/// `ward recipients trust`: the keys in the recipients files under the
/// folder that this machine has not approved, and their approval (asked on
/// the terminal, or `--yes`).
fn trust(ctx: &Context, folder: Option<String>, yes: bool) -> Result<i32> {
    let folder = parse_folder(ctx, folder.as_deref())?;
    let store = &ctx.store;
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
        let question = "Approve these keys for this store on this machine? [y/N] ";
        match super::prompt::ask_on_terminal(question) {
            Some(Ok(true)) => {}
            Some(Ok(false)) => {
                output::print_line("Nothing was approved.")?;
                return Ok(exit::UNTRUSTED);
            }
            Some(Err(e)) => return Err(e),
            None => {
                let again = folder
                    .as_ref()
                    .map(|f| format!(" --folder {}", escape(f.as_str())))
                    .unwrap_or_default();
                return Err(WardError::Usage(format!(
                    "there is no terminal to ask on: check the keys above, then run `ward \
                     recipients trust{again} --yes`; nothing was approved"
                )));
            }
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
