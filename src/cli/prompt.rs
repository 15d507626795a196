//! Asking on the terminal. Only the CLI prompts: the store and the
//! operations layer take what is typed as data, and the TUI asks in its own
//! dialogs.

use crate::error::{Result, WardError};
use age::secrecy::SecretString;
use zeroize::Zeroize;

/// Reads a passphrase (or a secret value) from the controlling terminal
/// without echo.
pub fn hidden(prompt: &str) -> Result<SecretString> {
    let mut s = rpassword::prompt_password(prompt).map_err(|e| {
        WardError::Other(format!("cannot read a passphrase from the terminal: {e}"))
    })?;
    let secret = SecretString::from(s.clone());
    s.zeroize();
    Ok(secret)
}
