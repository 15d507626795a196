//! Secret and folder names for shell completion, from file names alone
//! (nothing decrypted, nothing asked, no cache): what the grammar
//! (`cli/args.rs`) attaches to every argument that names a secret or a
//! folder, answered while `cli::complete` serves a <Tab>.

use crate::store::{SecretPath, Store};
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// What the grammar attaches to every argument that names a secret or folder.
pub fn secret_names() -> ArgValueCompleter {
    ArgValueCompleter::new(complete_names)
}

fn complete_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let Ok(store) = Store::open(&store_in_request()) else {
        return Vec::new();
    };
    candidates(&store, typed)
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

/// The store the completed command would use: its --store, else
/// WARD_STORE, else the default.
fn store_in_request() -> PathBuf {
    store_flag(std::env::args_os())
        .or_else(|| std::env::var_os("WARD_STORE").map(PathBuf::from))
        .unwrap_or_else(crate::config::default_store)
}

/// The value of the last `--store DIR` or `--store=DIR` among `args`.
fn store_flag(args: impl Iterator<Item = OsString>) -> Option<PathBuf> {
    let mut found = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--store" {
            found = args.peek().map(PathBuf::from);
        } else if let Some(dir) = arg.to_str().and_then(|a| a.strip_prefix("--store=")) {
            found = Some(PathBuf::from(dir));
        }
    }
    found
}

/// Names that complete `typed`, one level at a time: the secrets in the
/// folder typed so far and its subfolders (ending in `/`, so the shell goes
/// on into them). From file names only.
pub fn candidates(store: &Store, typed: &str) -> Vec<String> {
    let folder = match typed.rfind('/') {
        Some(at) => &typed[..at + 1],
        None => "",
    };
    let under = match folder {
        "" => None,
        f => match SecretPath::parse_prefix(f) {
            Ok(p) => Some(p),
            Err(_) => return Vec::new(),
        },
    };
    let mut out: Vec<String> = Vec::new();
    for name in store.list(under.as_ref()).secrets {
        let name = name.as_str();
        let Some(rest) = name.strip_prefix(folder) else {
            continue;
        };
        let candidate = match rest.find('/') {
            Some(at) => &name[..folder.len() + at + 1],
            None => name,
        };
        if candidate.starts_with(typed) && out.last().is_none_or(|l| l != candidate) {
            out.push(candidate.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_flag_is_read_from_the_words_being_completed() {
        let words = |w: &[&str]| w.iter().map(OsString::from).collect::<Vec<_>>().into_iter();
        assert_eq!(store_flag(words(&["ward", "--", "ward", "get", "a"])), None);
        assert_eq!(
            store_flag(words(&["ward", "--", "ward", "--store", "/s", "get", "a"])),
            Some(PathBuf::from("/s"))
        );
        assert_eq!(
            store_flag(words(&["ward", "--", "ward", "--store=/t", "get"])),
            Some(PathBuf::from("/t"))
        );
    }
}
