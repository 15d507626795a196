//! The TUI's words for what to do about an error. Library errors carry the
//! facts (`crate::error`); the command line names its flags
//! (`cli::advice`), the running interface says what fits it: it was started
//! on a store and identities that were there, so what is missing now went
//! away while it ran.

use crate::clipboard::{CopyError, CopyErrorKind};
use crate::error::{MissingIdentity, SyncFailure, WardError};

/// The error as the status line, a form or the lock screen shows it.
pub fn describe(e: &WardError) -> String {
    match e {
        WardError::NoStore(_) | WardError::NotAFolder { .. } => {
            format!("{e}: the store was moved or removed while ward ran; quit and check its folder")
        }
        WardError::NoIdentity { situation, .. } => match situation {
            MissingIdentity::PathNamed => {
                format!("{e}: the file ward was started with is gone; restore it")
            }
            MissingIdentity::Unknown | MissingIdentity::JoinStore => {
                format!("{e}: the file is gone; restore it, or quit and run `ward init`")
            }
        },
        WardError::AuditPinned(_) => format!("{e}; the audit screen shows the chains"),
        WardError::Untrusted { .. } => {
            format!("{e}. Check who added it, then approve it in the trust dialog")
        }
        WardError::Hinted { error, hint } => format!("{}: {hint}", describe(error)),
        WardError::Sync(f) => format!("{e}{}", sync(f)),
        _ => e.to_string(),
    }
}

/// What to do about a sync that did not happen, from a running interface:
/// what it cannot do itself is done in a shell (Ctrl-Z, or another one).
fn sync(f: &SyncFailure) -> String {
    let shell = |what: &str| format!(": in a shell, {what}; then sync again");
    match f {
        SyncFailure::NotGit { .. } => shell(
            "`ward init --git` makes it a git store and `ward git remote add origin URL` \
                   gives it a remote",
        ),
        SyncFailure::NoRemote => shell("add one with `ward git remote add origin URL`"),
        SyncFailure::SeveralRemotes { branch } => shell(&format!(
            "choose one once with `ward git push -u REMOTE {branch}`"
        )),
        SyncFailure::Detached => shell("check out a branch with `ward git switch BRANCH`"),
        SyncFailure::InProgress { what } => shell(&format!(
            "finish it (`ward git status`) or go back with `ward git {what} --abort`"
        )),
        SyncFailure::ChangedOutside { .. } => {
            shell("commit them (`ward git commit`) or undo them (`ward git restore PATH`)")
        }
        SyncFailure::Unreachable { .. } => {
            ": sync again once the remote is reachable (`ward git remote -v` shows it)".into()
        }
        SyncFailure::PullFailed { .. } => String::new(),
        SyncFailure::Conflict { rebase, paths, .. } => {
            let what = if *rebase { "rebase" } else { "merge" };
            let secret = if paths.iter().any(|p| p.ends_with(".age")) {
                " (keep one side of a secret with `ward git checkout --ours PATH` or --theirs)"
            } else {
                ""
            };
            shell(&format!(
                "see `ward git status`, fix and `ward git add` the files{secret} and finish the \
                 {what}, or go back with `ward git {what} --abort`"
            ))
        }
        SyncFailure::PushRefused { .. } => {
            ": if someone pushed meanwhile, sync again; if a hook or branch protection refused \
             it, ask whoever runs the remote"
                .into()
        }
    }
}

/// A failed copy as the status line shows it.
pub fn copy_error(e: &CopyError) -> String {
    match e.kind {
        CopyErrorKind::NativeUnavailable => format!(
            "{}. In a terminal, set clipboard_backend = \"osc52\" in config.toml",
            e.message
        ),
        _ => e.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_interface_names_no_flags() {
        let e = WardError::no_identity(PathBuf::from("/id"));
        let text = describe(&e);
        assert!(
            text.starts_with("no identity at /id: the file is gone"),
            "{text}"
        );
        assert!(!text.contains("--"), "{text}");
        let store = describe(&WardError::NoStore(PathBuf::from("/s")));
        assert!(!store.contains("--store"), "{store}");
        let untrusted = WardError::Untrusted {
            name: "a/K".into(),
            key: "age1xyz…".into(),
            label: None,
            recipients: PathBuf::from(".ward/recipients"),
            more: 0,
        };
        let text = describe(&untrusted);
        assert!(text.ends_with("approve it in the trust dialog"), "{text}");
        assert!(!text.contains("ward recipients trust"), "{text}");
        let no_remote = describe(&WardError::Sync(SyncFailure::NoRemote));
        assert!(
            no_remote.starts_with("the store has no git remote to sync with: in a shell, add one"),
            "{no_remote}"
        );
        assert!(no_remote.ends_with("then sync again"), "{no_remote}");
        let conflict = describe(&WardError::Sync(SyncFailure::Conflict {
            rebase: false,
            upstream: "origin/main".into(),
            paths: vec!["acme/K.age".into()],
            why: vec!["cannot merge acme/K.age: their version is damaged".into()],
        }));
        assert!(
            conflict.contains("(cannot merge acme/K.age: their"),
            "{conflict}"
        );
        assert!(
            conflict.contains("`ward git checkout --ours PATH`"),
            "{conflict}"
        );
        assert!(!conflict.contains("`ward sync`"), "{conflict}");
        let copy = CopyError::new(CopyErrorKind::NativeUnavailable, "no display");
        assert_eq!(
            copy_error(&copy),
            "no display. In a terminal, set clipboard_backend = \"osc52\" in config.toml"
        );
    }
}
