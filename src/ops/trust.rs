//! Which recipient keys this machine approved for a store (trust on first
//! use, docs/TEAMS.md "Trust"): the approved set every write is checked
//! against, approving keys, and what waits for approval.
//!
//! The approvals are the trust book's scope [`SCOPE`], items compared by
//! [`key_id`] (an SSH comment does not count). The store's write path gets
//! the set as an [`Approved`] inside its [`Guard`]; this module is where
//! both front ends get it from.

use crate::audit::sign;
use crate::error::Result;
use crate::store::crypto::key_id;
use crate::store::recipients::{entries, Entry};
use crate::store::{Approved, Guard, Keyring, ReadBack, SecretPath, Store};
use crate::trust::TrustBook;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The trust book's scope for recipient keys.
pub const SCOPE: &str = crate::trust::RECIPIENTS_SCOPE;

/// The key ids this machine approved for `store`.
pub fn approved_keys(store: &Store) -> Result<BTreeSet<String>> {
    Ok(TrustBook::open(&store.info().id)?.approved(SCOPE))
}

/// [`approved_keys`] and the user's own keys: a key of mine needs no
/// approval (its owner is the one writing).
pub fn approved_with_mine(store: &Store, mine: &Keyring) -> Result<BTreeSet<String>> {
    let mut set = approved_keys(store)?;
    set.extend(mine.public_keys().iter().map(|k| key_id(k)));
    Ok(set)
}

/// Approves `keys` (recipient lines) for `store` on this machine.
pub fn approve<S: AsRef<str>>(store: &Store, keys: &[S]) -> Result<()> {
    let ids: Vec<String> = keys.iter().map(|k| key_id(k.as_ref())).collect();
    if ids.is_empty() {
        return Ok(());
    }
    TrustBook::open(&store.info().id)?.approve(SCOPE, ids)
}

/// The guard of a write: `read_back` by `keys` unless forced, and the keys
/// `approved` here. `--force` never skips the approval.
pub fn guard<'a>(keys: &'a Keyring, force: bool, approved: Approved<'a>) -> Guard<'a> {
    Guard::new(ReadBack::unless_forced(keys, force), approved)
}

/// A key in a recipients file that this machine has not approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub entry: Entry,
    /// The recipients file it is in.
    pub file: PathBuf,
}

/// Every key not approved here in the recipients files that govern
/// `folder` and what is below it (the whole store for `None`): the store's
/// file when it is in force there, and every folder's `.recipients`.
pub fn pending(store: &Store, folder: Option<&SecretPath>) -> Result<Vec<Pending>> {
    let approved = approved_keys(store)?;
    let mut files = vec![store.recipients_in_force(folder)?.path];
    for f in store.folder_recipients_files(folder) {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for file in files {
        let text = store.read_recipients_text(&file)?;
        for entry in entries(&text) {
            let id = key_id(&entry.key);
            if !approved.contains(&id) && seen.insert((id, file.clone())) {
                out.push(Pending {
                    entry,
                    file: file.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// A key waiting for approval, with where it came from: what a person
/// needs to judge it (`ward recipients trust`, the TUI's trust dialog).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub pending: Pending,
    /// In a git store, the last commit that changed its file and its
    /// author (see [`added_by`]).
    pub added_by: Option<String>,
}

/// [`pending`], each key with its file's [`added_by`] (git is asked once
/// a file).
pub fn pending_listing(store: &Store, folder: Option<&SecretPath>) -> Result<Vec<Listed>> {
    let mut origins: Vec<(PathBuf, Option<String>)> = Vec::new();
    let mut out = Vec::new();
    for p in pending(store, folder)? {
        let origin = match origins.iter().find(|(f, _)| *f == p.file) {
            Some((_, o)) => o.clone(),
            None => {
                let o = added_by(store, &p.file);
                origins.push((p.file.clone(), o.clone()));
                o
            }
        };
        out.push(Listed {
            pending: p,
            added_by: origin,
        });
    }
    Ok(out)
}

/// In a git store, the last commit that changed `file` and its author
/// (`last changed in commit 1a2b3c4d by Dan <dan@example.com>`), else None.
/// The text comes from git (names, emails): front ends escape it.
pub fn added_by(store: &Store, file: &std::path::Path) -> Option<String> {
    if std::fs::symlink_metadata(store.root().join(".git")).is_err() {
        return None;
    }
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(store.root())
        .args(["log", "-n1", "--format=%h by %an <%ae>", "--"])
        .arg(file)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| format!("last changed in commit {text}"))
}

/// A published audit signing key this machine has not approved, of an
/// actor whose chain already has a key pinned here (a chain seen for the
/// first time is pinned by `audit verify` itself: trust on first use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSigner {
    /// The chain (actor file stem) it signs for.
    pub chain: String,
    pub key_id: String,
    pub public_hex: String,
    /// `.ward/actors/<chain>.pub`.
    pub file: PathBuf,
    /// See [`added_by`].
    pub added_by: Option<String>,
}

/// Every [`PendingSigner`] of `store`. A `.pub` file ward cannot read is an
/// error naming it.
pub fn pending_signers(store: &Store) -> Result<Vec<PendingSigner>> {
    let approved = TrustBook::open(&store.info().id)?.approved(sign::ACTORS_SCOPE);
    let mut out = Vec::new();
    for chain in sign::published_chains(store.root())? {
        let pinned = approved
            .iter()
            .any(|i| i.split_once(' ').is_some_and(|(c, _)| c == chain));
        if !pinned {
            continue;
        }
        let file = sign::published_path(store.root(), &chain);
        let mut origin = None;
        for key in sign::published(store.root(), &chain)? {
            if approved.contains(&sign::approval_item(&chain, &key.public_hex)) {
                continue;
            }
            let added_by = origin.get_or_insert_with(|| added_by(store, &file)).clone();
            out.push(PendingSigner {
                chain: chain.clone(),
                key_id: key.id,
                public_hex: key.public_hex,
                file: file.clone(),
                added_by,
            });
        }
    }
    Ok(out)
}

/// Approves `signers` for `store` on this machine.
pub fn approve_signers(store: &Store, signers: &[PendingSigner]) -> Result<()> {
    if signers.is_empty() {
        return Ok(());
    }
    let items = signers
        .iter()
        .map(|s| sign::approval_item(&s.chain, &s.public_hex));
    TrustBook::open(&store.info().id)?.approve(sign::ACTORS_SCOPE, items)
}
