//! The CLI's words for what to do about an error: the commands and flags
//! that fix it. Library errors carry the facts (`crate::error`); the advice
//! that names `ward init`, --store or --identity is phrased here, and the
//! TUI phrases its own (`tui::advice`).

use crate::clipboard::{CopyError, CopyErrorKind};
use crate::error::{MissingIdentity, WardError};

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
        _ => e.to_string(),
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
