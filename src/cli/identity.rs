//! `ward identity` (`ward whoami`): my public keys, and which folders of
//! the store are encrypted to them.

use super::args::{Cli, IdentityArgs};
use super::context::load_keyring;
use super::output;
use crate::config;
use crate::error::{exit, Result, WardError};
use crate::sanitize::escape;
use crate::store::crypto::key_id;
use crate::store::recipients::entries;
use crate::store::{Store, FOLDER_RECIPIENTS};
use serde_json::json;
use std::path::Path;

pub fn run(cli: &Cli, args: IdentityArgs) -> Result<i32> {
    let paths = config::identity_paths(&cli.identities);
    // A protected identity's public key is inside its encrypted file (and
    // an encrypted SSH key is read whole), so it is opened as for any
    // command: the passphrase is asked on the terminal.
    let keys = load_keyring(&paths).map_err(|e| match e {
        WardError::NoIdentity { path, .. } => WardError::no_identity(path),
        e => e,
    })?;
    let mine: Vec<String> = keys.public_keys().iter().map(|k| key_id(k)).collect();
    let store_root = cli.store.clone().unwrap_or_else(config::default_store);
    let store = Store::open(&store_root).ok();
    // Every recipients file in the store, with whether it holds one of my keys.
    let mut files: Vec<(String, String, bool)> = Vec::new();
    if let Some(store) = &store {
        let mut all = vec![store.recipients_file(None)];
        all.extend(store.folder_recipients_files(None));
        for path in all {
            let mine_here = store
                .read_recipients_text(&path)
                .map(|t| entries(&t).iter().any(|e| mine.contains(&key_id(&e.key))))
                .unwrap_or(false);
            let folder = folder_of(store.root(), &path);
            let file = path
                .strip_prefix(store.root())
                .unwrap_or(&path)
                .display()
                .to_string();
            files.push((folder, file, mine_here));
        }
    }
    if args.json {
        output::json(&json!({
            "identities": paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "public_keys": keys.public_keys(),
            "store": store.as_ref().map(|s| s.root().display().to_string()),
            "folders": files.iter().map(|(folder, file, readable)| json!({
                "folder": folder, "file": file, "readable": readable,
            })).collect::<Vec<_>>(),
        }));
        return Ok(exit::OK);
    }
    for k in keys.public_keys() {
        output::print_line(&escape(k))?;
    }
    let Some(store) = &store else {
        output::print_line(&format!("No store at {}.", store_root.display()))?;
        return Ok(exit::OK);
    };
    let readable: Vec<&(String, String, bool)> = files.iter().filter(|f| f.2).collect();
    if readable.is_empty() {
        output::print_line(&format!(
            "You are not a recipient anywhere in {}: ask a member to run `ward recipients add {}`.",
            store.root().display(),
            keys.public_keys()
                .first()
                .map(String::as_str)
                .unwrap_or("KEY")
        ))?;
        return Ok(exit::OK);
    }
    output::print_line(&format!("In {}:", store.root().display()))?;
    for (folder, file, readable) in &files {
        output::print_line(&format!(
            "  {}  {}  ({})",
            if *readable {
                "can read  "
            } else {
                "cannot read"
            },
            escape(folder),
            escape(file)
        ))?;
    }
    Ok(exit::OK)
}

/// The folder a recipients file governs: `acme/prod/`, or "the store".
fn folder_of(root: &Path, file: &Path) -> String {
    if file.file_name() == Some(FOLDER_RECIPIENTS.as_ref()) {
        if let Some(dir) = file.parent().and_then(|d| d.strip_prefix(root).ok()) {
            return format!("{}/", dir.display());
        }
    }
    "the store".into()
}
