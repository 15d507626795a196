//! `ward sync`: commit what ward left pending, fetch, merge (or rebase)
//! with ward's merge drivers, record the merges, push (docs/TEAMS.md, "Sync").
//!
//! Every step is the user's own git. Each refusal and failure happens
//! before anything is lost: a refused sync changes nothing, a failed fetch
//! or push keeps the local commits, a conflict keeps git's merge state for
//! the user to finish or abort.

use super::commit::{self, ward_paths};
use super::Journal;
use crate::audit::{Action, Event};
use crate::error::{IoContext, Result, WardError};
use crate::git::{Author, GitFailure, Repo, Status};
use crate::sanitize::escape;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// The merge driver's log in `<git dir>/ward/` (the contract with it).
pub const MERGE_LOG: &str = "merged";
/// When this clone last synced, RFC 3339, in `<git dir>/ward/`.
pub const LAST_SYNC: &str = "last-sync";

/// What to sync and how.
pub struct Sync<'a> {
    pub store: &'a Store,
    pub actor: &'a str,
    /// Rebase onto the upstream instead of merging it.
    pub rebase: bool,
    /// The ward binary git runs as the merge driver.
    pub exe: &'a Path,
    /// Where the `merge` audit events go.
    pub journal: &'a dyn Journal,
    pub now: DateTime<Utc>,
}

/// What a sync did.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Commits brought in from the remote.
    pub received: u32,
    /// Commits pushed.
    pub sent: u32,
    /// Secrets merged by the driver (changed on both sides).
    pub merged: u32,
    /// Whether ward's pending changes (audit records, uncommitted changes)
    /// were committed first.
    pub committed_pending: bool,
    /// Keys in the recipients files that this machine has not approved.
    pub untrusted: Vec<super::trust::Pending>,
    /// Things that went wrong without stopping the sync.
    pub warnings: Vec<String>,
}

impl SyncReport {
    pub fn up_to_date(&self) -> bool {
        self.received == 0 && self.sent == 0 && self.merged == 0
    }
}

/// Runs a sync of the store with its remote.
pub fn sync(s: &Sync) -> Result<SyncReport> {
    let root = s.store.root();
    let repo = Repo::open(root).ok_or_else(|| {
        WardError::Usage(format!(
            "{} is not a git store: `ward init --git` makes it one, then add a remote with \
             `ward git remote add origin URL`",
            root.display()
        ))
    })?;
    let status = repo.status()?;
    let branch = check_state(&status)?;
    let remote = remote_of(&repo, &branch)?;
    let author = Author { actor: s.actor };
    let mut report = SyncReport {
        committed_pending: commit_pending(&repo, &status, &author)?,
        ..SyncReport::default()
    };
    repo.configure_merge_drivers(s.exe)?;
    repo.fetch(&remote)
        .map_err(|f| unreachable_remote(&remote, &f))?;
    let upstream = status
        .upstream
        .clone()
        .unwrap_or_else(|| format!("{remote}/{branch}"));
    let upstream_exists = repo.resolve(&upstream)?.is_some();
    if upstream_exists {
        report.received = repo.count(&format!("HEAD..{upstream}"))?;
        if report.received > 0 {
            let pulled = if s.rebase {
                repo.rebase(&upstream, &author)
            } else {
                repo.merge(&upstream, &author)
            };
            pulled.map_err(|f| pull_failed(&repo, &upstream, s.rebase, &f))?;
        }
    }
    report.merged = drain_merge_log(&repo, s.journal)?;
    if report.merged > 0 {
        repo.commit_paths(&ward_paths(), "sync: merge records", &author)?;
    }
    report.sent = if upstream_exists {
        repo.count(&format!("{upstream}..HEAD"))?
    } else if status.has_commits || repo.resolve("HEAD")?.is_some() {
        repo.count("HEAD")?
    } else {
        0
    };
    if report.sent > 0 {
        let refspec = format!("HEAD:refs/heads/{branch}");
        repo.push(&remote, &refspec, status.upstream.is_none())
            .map_err(|f| push_refused(&remote, report.sent, &f))?;
    }
    if let Err(e) = write_last_sync(&repo, s.now) {
        report
            .warnings
            .push(format!("the time of this sync was not recorded: {e}"));
    }
    match super::trust::pending(s.store, None) {
        Ok(p) => report.untrusted = p,
        Err(e) => report
            .warnings
            .push(format!("the recipients files could not be checked: {e}")),
    }
    Ok(report)
}

/// The branch to sync, or why not.
fn check_state(status: &Status) -> Result<String> {
    if let Some(what) = status.in_progress {
        let abort = if what == "merge" {
            "`ward git merge --abort`".to_string()
        } else {
            format!("`ward git {what} --abort`")
        };
        return Err(WardError::Usage(format!(
            "an unfinished {what} is in progress in the store: see `ward git status`, resolve it \
             and `ward git commit` (or `ward git {what} --continue`), or go back with {abort}; \
             nothing was synced"
        )));
    }
    match &status.branch {
        Some(b) => Ok(b.clone()),
        None => Err(WardError::Usage(
            "the store's HEAD is detached (no branch is checked out): `ward git switch BRANCH` \
             (or `ward git switch -c BRANCH` to keep these commits), then sync; nothing was \
             synced"
                .into(),
        )),
    }
}

/// The remote of `branch`: its configured one, else `origin`, else the only one.
fn remote_of(repo: &Repo, branch: &str) -> Result<String> {
    if let Some(r) = repo.config(&format!("branch.{branch}.remote")) {
        return Ok(r);
    }
    let remotes = repo.remotes()?;
    if remotes.iter().any(|r| r == "origin") {
        return Ok("origin".into());
    }
    match remotes.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(WardError::Usage(
            "the store has no git remote to sync with: add one: ward git remote add origin URL"
                .into(),
        )),
        _ => Err(WardError::Usage(format!(
            "the store has several remotes and branch {} follows none: `ward git push -u REMOTE \
             {}` once to choose",
            escape(branch),
            escape(branch)
        ))),
    }
}

/// Whether a path is one of the store's own files (a secret, a recipients
/// file, ward's settings), which ward would otherwise commit as its own.
fn is_store_file(path: &str) -> bool {
    path.ends_with(".age")
        || path == ".recipients"
        || path.ends_with("/.recipients")
        || path.starts_with(".ward/")
}

/// Commits the audit appends and the paths ward noted as pending; refuses
/// (changing nothing) when store files were changed outside ward.
fn commit_pending(repo: &Repo, status: &Status, author: &Author) -> Result<bool> {
    let (pending, file) = commit::pending(repo)?;
    let foreign: Vec<&String> = status
        .other_dirty
        .iter()
        .filter(|p| {
            is_store_file(p) && !pending.iter().any(|q| Path::new(p.as_str()).starts_with(q))
        })
        .collect();
    if !foreign.is_empty() {
        let list: Vec<String> = foreign.iter().map(|p| escape(p)).collect();
        return Err(WardError::Usage(format!(
            "the store has changes made outside ward, which sync will not commit for you: {}. \
             Nothing was synced and nothing is lost: commit them yourself (`ward git add PATH` \
             and `ward git commit`) or undo them (`ward git restore PATH`), then sync",
            list.join(", ")
        )));
    }
    if status.ward_dirty.is_empty() && pending.is_empty() {
        return Ok(false);
    }
    let mut paths: Vec<PathBuf> = pending.clone();
    paths.extend(ward_paths());
    let message = if pending.is_empty() {
        "sync: audit records".to_string()
    } else {
        format!(
            "sync: {} made by ward",
            crate::words::plural(pending.len(), "pending change")
        )
    };
    let committed = repo.commit_paths(&paths, &message, author)?;
    if file.exists() {
        std::fs::remove_file(&file).at(&file)?;
    }
    Ok(committed)
}

/// One `merge` audit event a line of the merge driver's log; the log is
/// removed once read. Returns how many secrets were merged.
fn drain_merge_log(repo: &Repo, journal: &dyn Journal) -> Result<u32> {
    let file = repo.ward_dir()?.join(MERGE_LOG);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(WardError::io(&file, e)),
    };
    let mut merged = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split('\t');
        let name = fields.next().unwrap_or("");
        let winner = fields.next().unwrap_or("?");
        let loser = fields.next().unwrap_or("?");
        let version = fields.next().and_then(|v| v.parse::<u32>().ok());
        journal.record(
            Event::new(Action::Merge)
                .path(name)
                .version(version)
                .reason(Some(&format!(
                    "kept {winner}'s value; {loser}'s is in history"
                ))),
        );
        merged += 1;
    }
    std::fs::remove_file(&file).at(&file)?;
    Ok(merged)
}

fn write_last_sync(repo: &Repo, now: DateTime<Utc>) -> Result<()> {
    let dir = repo.ward_dir()?;
    std::fs::create_dir_all(&dir).at(&dir)?;
    let file = dir.join(LAST_SYNC);
    let text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::fs::write(&file, format!("{text}\n")).at(&file)
}

/// When the store at `root` was last synced on this clone.
pub fn last_sync(root: &Path) -> Option<DateTime<Utc>> {
    let file = Repo::open(root)?.ward_dir().ok()?.join(LAST_SYNC);
    let text = std::fs::read_to_string(file).ok()?;
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn unreachable_remote(remote: &str, f: &GitFailure) -> WardError {
    WardError::Other(format!(
        "could not fetch from the remote {} ({}); nothing was merged or pushed and your commits \
         are kept here: run `ward sync` again once it is reachable (`ward git remote -v` shows \
         its address)",
        escape(remote),
        f.message()
    ))
}

fn pull_failed(repo: &Repo, upstream: &str, rebase: bool, f: &GitFailure) -> WardError {
    let what = if rebase { "rebase" } else { "merge" };
    let conflicted = repo.conflicted().unwrap_or_default();
    if conflicted.is_empty() && !matches!(repo.status(), Ok(s) if s.in_progress.is_some()) {
        return WardError::Other(format!(
            "could not {what} {} ({}); nothing was pushed and your commits are kept here",
            escape(upstream),
            f.message()
        ));
    }
    let list: Vec<String> = conflicted.iter().map(|p| escape(p)).collect();
    let (finish, abort) = if rebase {
        ("`ward git rebase --continue`", "`ward git rebase --abort`")
    } else {
        ("`ward git commit`", "`ward git merge --abort`")
    };
    WardError::Other(format!(
        "the {what} of {} stopped on a conflict in {}; git's {what} state is kept and nothing \
         is lost: see `ward git status`, fix the files and `ward git add` them, then {finish} \
         and `ward sync`; or go back with {abort}",
        escape(upstream),
        if list.is_empty() {
            "some files".into()
        } else {
            list.join(", ")
        }
    ))
}

fn push_refused(remote: &str, sent: u32, f: &GitFailure) -> WardError {
    WardError::Other(format!(
        "the remote {} refused the push ({}); your {} kept here, nothing is lost. If someone \
         pushed in the meantime, run `ward sync` again; if a hook or a branch protection \
         refused it, ask whoever runs the remote",
        escape(remote),
        f.message(),
        if sent == 1 {
            "commit is".to_string()
        } else {
            format!("{sent} commits are")
        }
    ))
}
