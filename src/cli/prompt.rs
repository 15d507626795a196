//! Asking on the terminal. Only the CLI prompts: the store and the
//! operations layer take what is typed as data, and the TUI asks in its own
//! dialogs.

use crate::error::{IoContext, Result, WardError};
use age::secrecy::SecretString;
use std::io::Write;
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

/// Asks whether to approve what was just listed: `Ok(true)` to go on,
/// `Ok(false)` when declined (after saying so); with no terminal, an error
/// naming `yes_command`, the command that approves without asking.
pub fn confirm_approval(question: &str, yes_command: &str) -> Result<bool> {
    match ask_on_terminal(question) {
        Some(Ok(true)) => Ok(true),
        Some(Ok(false)) => {
            super::output::print_line("Nothing was approved.")?;
            Ok(false)
        }
        Some(Err(e)) => Err(e),
        None => Err(WardError::Usage(format!(
            "there is no terminal to ask on: check the list above, then run `{yes_command}`; \
             nothing was approved"
        ))),
    }
}

/// Asks a yes/no question on the controlling terminal; `None` when there
/// is none (cron, CI, a detached session), so the caller refuses.
pub fn ask_on_terminal(question: &str) -> Option<Result<bool>> {
    use std::io::BufRead;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let ask = || -> Result<bool> {
        let mut writer = &tty;
        writer
            .write_all(question.as_bytes())
            .and_then(|_| writer.flush())
            .at("/dev/tty")?;
        let mut line = String::new();
        std::io::BufReader::new(&tty)
            .read_line(&mut line)
            .at("/dev/tty")?;
        Ok(matches!(
            line.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    };
    Some(ask())
}
