//! Decrypting the files of a pass, gopass or passage store: with the
//! user's own `gpg` (their keyring, agent and pinentry; ward never sees or
//! passes a passphrase), or with age identities. The plaintext comes back
//! through a pipe into memory that is zeroized; never a temp file.

use crate::store::Keyring;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use zeroize::Zeroizing;

/// Decrypts one file of a store; `Err` is a short reason for the summary.
pub trait Decrypt: Sync {
    fn decrypt(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, String>;
}

/// The user's `gpg`, as pass runs it: `--batch` (gpg itself never asks;
/// the agent's pinentry does), with the environment as it is, so
/// `GNUPGHOME` and the agent are the user's.
pub struct Gpg;

/// The longest line of gpg's complaint kept in a reason.
const REASON_CHARS: usize = 200;

impl Decrypt for Gpg {
    fn decrypt(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
        let mut child = Command::new("gpg")
            .args(["--quiet", "--yes", "--batch", "--decrypt", "--"])
            .arg(path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "gpg is not installed (pass stores are decrypted with it)".to_string()
                }
                _ => format!("cannot run gpg: {e}"),
            })?;
        let mut out = Zeroizing::new(Vec::new());
        // stdout is drained first; gpg's stderr is short and read after.
        let read = child
            .stdout
            .take()
            .map(|mut s| s.read_to_end(&mut out))
            .transpose();
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        let status = child
            .wait()
            .map_err(|e| format!("gpg did not finish: {e}"))?;
        read.map_err(|e| format!("cannot read gpg's output: {e}"))?;
        if status.success() {
            return Ok(out);
        }
        // gpg's messages name keys and files, never the plaintext.
        let why = err
            .lines()
            .map(|l| l.trim_start_matches("gpg: ").trim())
            .rfind(|l| !l.is_empty())
            .unwrap_or("gpg failed")
            .chars()
            .take(REASON_CHARS)
            .collect::<String>();
        Err(format!("gpg cannot decrypt it: {why}"))
    }
}

/// age identities (passage's, or gopass's age backend).
pub struct Age<'a>(pub &'a Keyring);

impl Decrypt for Age<'_> {
    fn decrypt(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
        self.0
            .decrypt(path, &bytes)
            .map_err(|e| format!("cannot decrypt it: {e}"))
    }
}
