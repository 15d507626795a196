//! `ward passwd`: a new passphrase for the identity file (the first of
//! --identity, WARD_IDENTITY or the default). The current one is asked
//! first when the file has one; an unprotected file gets its first.

use super::args::Cli;
use crate::config;
use crate::error::{exit, MissingIdentity, Result, WardError};
use crate::ops::identity;

pub fn run(cli: &Cli) -> Result<i32> {
    let path = config::identity_paths(&cli.identities).remove(0);
    if std::fs::symlink_metadata(&path).is_err() {
        return Err(WardError::NoIdentity {
            situation: if config::identities_given(&cli.identities) {
                MissingIdentity::PathNamed
            } else {
                MissingIdentity::Unknown
            },
            path,
        });
    }
    if !super::context::has_tty() {
        return Err(WardError::Usage(
            "ward passwd asks for the passphrases on the terminal, and there is none".into(),
        ));
    }
    identity::change_passphrase(&path, &mut super::context::ask_passphrase, || {
        super::init::new_passphrase("nothing was changed")
    })
    .map_err(identity::LoadFailure::into_ward)?;
    eprintln!(
        "Changed the passphrase of {}",
        crate::sanitize::escape(&path.display().to_string())
    );
    Ok(exit::OK)
}
