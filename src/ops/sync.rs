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
use crate::error::{IoContext, Result, SyncFailure, WardError};
use crate::git::{Author, GitFailure, Repo, Status};
use crate::sanitize::escape;
use crate::store::Store;
use crate::words::plural;
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

    /// The one line the CLI prints and the TUI shows.
    pub fn summary(&self) -> String {
        if self.up_to_date() {
            return "already up to date".into();
        }
        format!(
            "synced: received {}, sent {}, merged {}",
            plural(self.received as usize, "commit"),
            self.sent,
            plural(self.merged as usize, "secret")
        )
    }
}

/// Where a git store stands against its remote, for the TUI's header.
/// Ahead and behind are as of the last fetch: looking never touches the
/// network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The branch checked out; None when HEAD is detached.
    pub branch: Option<String>,
    pub tracking: Tracking,
    /// An unfinished merge, rebase, cherry-pick or revert.
    pub in_progress: Option<&'static str>,
    /// When this clone last synced.
    pub last_sync: Option<DateTime<Utc>>,
    /// Paths ward changed and has not committed yet (autocommit off, or a
    /// commit that failed): the next sync commits them.
    pub uncommitted: usize,
}

/// The branch against its upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracking {
    /// The repository has no remote.
    NoRemote,
    /// A remote, but the branch follows nothing yet (never pushed).
    NoUpstream,
    Upstream {
        ahead: u32,
        behind: u32,
    },
}

/// The standing of the store at `root`; None when it is not a git store.
pub fn standing(root: &Path) -> Option<Result<Standing>> {
    let repo = Repo::open(root)?;
    let look = || -> Result<Standing> {
        let status = repo.status()?;
        let tracking = match &status.upstream {
            Some(_) => Tracking::Upstream {
                ahead: status.ahead,
                behind: status.behind,
            },
            None if repo.remotes()?.is_empty() => Tracking::NoRemote,
            None => Tracking::NoUpstream,
        };
        Ok(Standing {
            branch: status.branch,
            tracking,
            in_progress: status.in_progress,
            last_sync: last_sync(root),
            uncommitted: commit::pending(&repo)?.0.len(),
        })
    };
    Some(look())
}

/// Runs a sync of the store with its remote.
///
/// The fetch and the push run without the store lock (the network may be
/// slow, and they do not touch the work tree); committing what is pending,
/// the merge (or rebase) and the merge records run under it, so that no
/// ward write (another process, the TUI's worker) lands in a file while git
/// rewrites the work tree.
pub fn sync(s: &Sync) -> Result<SyncReport> {
    let root = s.store.root();
    let repo = Repo::open(root).ok_or_else(|| {
        WardError::Sync(SyncFailure::NotGit {
            store: root.to_path_buf(),
        })
    })?;
    let status = repo.status()?;
    let branch = check_state(&status)?;
    let remote = remote_of(&repo, &branch)?;
    foreign_changes(&repo, &status)?;
    let author = Author { actor: s.actor };
    repo.configure_merge_drivers(s.exe)?;
    repo.fetch(&remote)
        .map_err(|f| unreachable_remote(&remote, &f))?;
    let lock = s.store.lock()?;
    // Again under the lock: the store may have changed during the fetch.
    let status = repo.status()?;
    let branch = check_state(&status)?;
    let mut report = SyncReport {
        committed_pending: commit_pending(&repo, &status, &author)?,
        ..SyncReport::default()
    };
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
    drop(lock);
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
        return Err(WardError::Sync(SyncFailure::InProgress { what }));
    }
    status
        .branch
        .clone()
        .ok_or(WardError::Sync(SyncFailure::Detached))
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
        [] => Err(WardError::Sync(SyncFailure::NoRemote)),
        _ => Err(WardError::Sync(SyncFailure::SeveralRemotes {
            branch: escape(branch),
        })),
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

/// Refuses (changing nothing) when store files were changed outside ward:
/// sync commits only what ward changed.
fn foreign_changes(repo: &Repo, status: &Status) -> Result<()> {
    let (pending, _) = commit::pending(repo)?;
    let foreign: Vec<String> = status
        .other_dirty
        .iter()
        .filter(|p| {
            is_store_file(p) && !pending.iter().any(|q| Path::new(p.as_str()).starts_with(q))
        })
        .map(|p| escape(p))
        .collect();
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(WardError::Sync(SyncFailure::ChangedOutside {
            paths: foreign,
        }))
    }
}

/// Commits the audit appends and the paths ward noted as pending; refuses
/// (changing nothing) when store files were changed outside ward.
fn commit_pending(repo: &Repo, status: &Status, author: &Author) -> Result<bool> {
    foreign_changes(repo, status)?;
    let (pending, file) = commit::pending(repo)?;
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
    WardError::Sync(SyncFailure::Unreachable {
        remote: escape(remote),
        git: f.message(),
    })
}

fn pull_failed(repo: &Repo, upstream: &str, rebase: bool, f: &GitFailure) -> WardError {
    let conflicted = repo.conflicted().unwrap_or_default();
    if conflicted.is_empty() && !matches!(repo.status(), Ok(s) if s.in_progress.is_some()) {
        return WardError::Sync(SyncFailure::PullFailed {
            rebase,
            upstream: escape(upstream),
            git: f.message(),
        });
    }
    WardError::Sync(SyncFailure::Conflict {
        rebase,
        upstream: escape(upstream),
        paths: conflicted.iter().map(|p| escape(p)).collect(),
        why: driver_explanations(f),
    })
}

/// The merge driver's own explanations among git's output ("cannot merge
/// acme/K.age: their version is damaged…", as `cli::merge` words them): why
/// a file is a conflict.
fn driver_explanations(f: &GitFailure) -> Vec<String> {
    const START: &str = "cannot merge ";
    const END: &str = "; the file is left as a conflict";
    let GitFailure::Failed { message, .. } = f else {
        return Vec::new();
    };
    message
        .match_indices(START)
        .map(|(at, _)| {
            let rest = &message[at..];
            rest[..rest.find(END).unwrap_or(rest.len())].to_string()
        })
        .collect()
}

fn push_refused(remote: &str, sent: u32, f: &GitFailure) -> WardError {
    WardError::Sync(SyncFailure::PushRefused {
        remote: escape(remote),
        sent,
        git: f.message(),
    })
}
