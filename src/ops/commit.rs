//! Autocommit: every change ward makes in a git store becomes one commit
//! (docs/TEAMS.md, "Autocommit").
//!
//! A commit holds exactly the paths the change touched plus `.ward/audit/`
//! (the records that go with it, and any reads appended since), so the
//! user's own staged or unstaged work never lands in ward's commit. The
//! message names the action and the path, never a value or metadata; the
//! author is the actor. What could not be committed (git failed, or
//! `[git] autocommit = false`) is remembered in `<git dir>/ward/pending`, so
//! that `ward sync` commits exactly what ward changed, and nothing else.

use crate::error::{IoContext, Result, WardError};
use crate::git::{Author, Repo, WARD_OWNED_DIRS};
use crate::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File in `<git dir>/ward/` listing store-relative paths ward changed and
/// did not commit, one a line.
pub const PENDING_FILE: &str = "pending";

/// The paths every ward commit takes besides the change's own: the audit
/// records, the published signing keys, the audit key (made on first use
/// in an older store) and the fingerprint key (made on first need).
pub fn ward_paths() -> Vec<PathBuf> {
    WARD_OWNED_DIRS
        .iter()
        .map(PathBuf::from)
        .chain([
            PathBuf::from(".ward/audit.key.age"),
            PathBuf::from(".ward/fingerprint.key.age"),
        ])
        .collect()
}

/// Commits `paths` (absolute or store-relative) plus the audit folder in a
/// git store, as `actor`. `Ok(false)`: not a git store, or nothing changed.
pub fn commit_change(store: &Store, paths: &[PathBuf], message: &str, actor: &str) -> Result<bool> {
    let Some(repo) = Repo::open(store.root()) else {
        return Ok(false);
    };
    let mut all = relative(store.root(), paths);
    all.extend(ward_paths());
    repo.commit_paths(&all, message, &Author { actor })
}

/// After a change: commit it (when `autocommit`), or remember its paths
/// for the next `ward sync`. Returns a warning when the commit failed; the
/// change itself is on disk either way.
pub fn after_change(
    store: &Store,
    paths: &[PathBuf],
    message: &str,
    actor: &str,
    autocommit: bool,
) -> Option<String> {
    let repo = Repo::open(store.root())?;
    let rel = relative(store.root(), paths);
    if autocommit {
        match commit_change(store, paths, message, actor) {
            Ok(_) => return None,
            Err(e) => {
                let kept = remember(&repo, &rel)
                    .err()
                    .map(|e| format!(" (and it could not be noted for `ward sync`: {e})"))
                    .unwrap_or_default();
                return Some(format!(
                    "the change is saved but was not committed: {e}; `ward sync` commits it{kept}"
                ));
            }
        }
    }
    remember(&repo, &rel)
        .err()
        .map(|e| format!("the change is saved but could not be noted for `ward sync`: {e}"))
}

/// Appends `paths` to the pending list.
fn remember(repo: &Repo, paths: &[PathBuf]) -> Result<()> {
    let dir = repo.ward_dir()?;
    std::fs::create_dir_all(&dir).at(&dir)?;
    let file = dir.join(PENDING_FILE);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .at(&file)?;
    let mut text = String::new();
    for p in paths {
        let line = p.to_string_lossy();
        if !line.contains('\n') {
            text.push_str(&line);
            text.push('\n');
        }
    }
    f.write_all(text.as_bytes()).at(&file)
}

/// The pending paths (deduplicated, in order), and the file to clear once
/// they are committed.
pub fn pending(repo: &Repo) -> Result<(Vec<PathBuf>, PathBuf)> {
    let file = repo.ward_dir()?.join(PENDING_FILE);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(WardError::io(&file, e)),
    };
    let mut seen = std::collections::BTreeSet::new();
    let paths = text
        .lines()
        .filter(|l| !l.is_empty() && seen.insert(l.to_string()))
        .map(PathBuf::from)
        .collect();
    Ok((paths, file))
}

/// `paths` relative to the store root (those outside it are kept as given).
fn relative(root: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| p.clone())
        })
        .collect()
}
