//! The CLI's words for what to do about an error: the commands and flags
//! that fix it. Library errors carry the facts (`crate::error`); the advice
//! that names `ward init`, --store or --identity is phrased here, and the
//! TUI phrases its own (`tui::advice`).

use crate::clipboard::{CopyError, CopyErrorKind};
use crate::error::{MissingIdentity, SyncFailure, WardError};

/// The error as the command line reports it: the failure, then the advice.
pub fn describe(e: &WardError) -> String {
    match e {
        WardError::NoStore(_) => format!("{e}: run `ward init` to create one, or pass --store"),
        WardError::NotAFolder { store: None, .. } => {
            format!("{e}: the store must be a folder; check --store or WARD_STORE")
        }
        WardError::NotAFolder {
            store: Some(root), ..
        } => format!(
            "{e}: it is in the way of the store path {}; check --store or WARD_STORE",
            root.display()
        ),
        WardError::NoIdentity { situation, .. } => format!("{e}: {}", identity(*situation)),
        WardError::AuditPinned(_) => format!("{e}; run `ward audit verify`"),
        WardError::Untrusted { .. } => {
            format!("{e}. Check who added it, then approve it with `ward recipients trust`")
        }
        WardError::Hinted { error, hint } => format!("{}: {hint}", describe(error)),
        WardError::Sync(f) => format!("{e}{}", sync(f)),
        _ => e.to_string(),
    }
}

/// What to type about a sync that did not happen (after the failure).
fn sync(f: &SyncFailure) -> String {
    match f {
        SyncFailure::NotGit { .. } => ": `ward init --git` makes it one, then add a remote with \
                                        `ward git remote add origin URL`"
            .into(),
        SyncFailure::NoRemote => ": add one: ward git remote add origin URL".into(),
        SyncFailure::SeveralRemotes { branch } => {
            format!(": `ward git push -u REMOTE {branch}` once to choose")
        }
        SyncFailure::Detached => ": `ward git switch BRANCH` (or `ward git switch -c BRANCH` to \
                                  keep these commits), then sync"
            .into(),
        SyncFailure::InProgress { what } => format!(
            ": see `ward git status`, resolve it and `ward git commit` (or `ward git {what} \
             --continue`), or go back with `ward git {what} --abort`"
        ),
        SyncFailure::ChangedOutside { .. } => ": commit them yourself (`ward git add PATH` and \
                                               `ward git commit`) or undo them (`ward git \
                                               restore PATH`), then sync"
            .into(),
        SyncFailure::Unreachable { .. } => ": run `ward sync` again once it is reachable (`ward \
                                            git remote -v` shows its address)"
            .into(),
        SyncFailure::PullFailed { .. } => String::new(),
        SyncFailure::Conflict { rebase, paths, .. } => {
            let (finish, abort) = if *rebase {
                ("`ward git rebase --continue`", "`ward git rebase --abort`")
            } else {
                ("`ward git commit`", "`ward git merge --abort`")
            };
            let secret = if paths.iter().any(|p| p.ends_with(".age")) {
                " (a secret cannot be edited by hand: keep one side with `ward git checkout \
                 --ours PATH` or `--theirs`)"
            } else {
                ""
            };
            format!(
                ". See `ward git status`, fix the files{secret} and `ward git add` them, then \
                 {finish} and `ward sync`; or go back with {abort}"
            )
        }
        SyncFailure::PushRefused { .. } => ". If someone pushed in the meantime, run `ward sync` \
                                            again; if a hook or a branch protection refused it, \
                                            ask whoever runs the remote"
            .into(),
    }
}

/// A failed copy as the command line reports it.
pub fn copy_error(e: &CopyError) -> String {
    match e.kind {
        CopyErrorKind::NativeUnavailable => {
            format!("{}. Use --backend osc52 in a terminal", e.message)
        }
        _ => e.message.clone(),
    }
}

fn identity(situation: MissingIdentity) -> &'static str {
    match situation {
        MissingIdentity::Unknown => "run `ward init` to create one, or pass --identity/-i FILE",
        MissingIdentity::JoinStore => {
            "to join this store, run `ward init` to create your own key and ask a member to add \
             it (`ward recipients add KEY`); if you had an identity, restore it or pass \
             --identity/-i FILE"
        }
        MissingIdentity::PathNamed => {
            "no such file; check the --identity/-i path (or WARD_IDENTITY)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_command_line_advice_names_its_commands_and_flags() {
        let untrusted = WardError::Untrusted {
            name: "a/K".into(),
            key: "age1xyz…".into(),
            label: None,
            recipients: PathBuf::from(".ward/recipients"),
            more: 0,
        };
        assert!(untrusted.to_string().ends_with("nothing was changed"));
        assert!(describe(&untrusted).ends_with("approve it with `ward recipients trust`"));
        let detached = WardError::Sync(SyncFailure::Detached);
        assert_eq!(detached.exit_code(), crate::error::exit::USAGE);
        assert!(describe(&detached).contains(": `ward git switch BRANCH`"));
        let refused = WardError::Sync(SyncFailure::PushRefused {
            remote: "origin".into(),
            sent: 2,
            git: "hook said no".into(),
        });
        assert_eq!(refused.exit_code(), crate::error::exit::FAILURE);
        assert!(
            describe(&refused).starts_with(
                "the remote origin refused the push (hook said no); your 2 commits are kept here"
            ),
            "{}",
            describe(&refused)
        );
        let copy = CopyError::new(CopyErrorKind::NativeUnavailable, "no display");
        assert_eq!(
            copy_error(&copy),
            "no display. Use --backend osc52 in a terminal"
        );
        let store = WardError::NoStore(PathBuf::from("/s"));
        assert_eq!(store.to_string(), "no store at /s", "the fact alone");
        assert_eq!(
            describe(&store),
            "no store at /s: run `ward init` to create one, or pass --store"
        );
        let named = WardError::NoIdentity {
            path: PathBuf::from("/id"),
            situation: MissingIdentity::PathNamed,
        };
        assert_eq!(
            describe(&named),
            "no identity at /id: no such file; check the --identity/-i path (or WARD_IDENTITY)"
        );
        let above = WardError::NotAFolder {
            path: PathBuf::from("/f"),
            store: Some(PathBuf::from("/f/store")),
        };
        let pinned = WardError::AuditPinned("a chain went backwards".into());
        assert_eq!(
            describe(&pinned),
            "a chain went backwards; run `ward audit verify`"
        );
        assert_eq!(
            describe(&above.hint("more")),
            "/f is not a folder: it is in the way of the store path /f/store; check --store \
             or WARD_STORE: more"
        );
    }
}
