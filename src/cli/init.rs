//! `ward init`: an identity if there is none, and a store encrypted to it.

use super::args::{Cli, InitArgs};
use super::context::load_keyring;
use crate::audit::{self, Action, Event};
use crate::config;
use crate::error::{exit, Result, WardError};
use crate::store::crypto::{self, prompt_passphrase};
use crate::store::{fsio, Store};
use age::secrecy::ExposeSecret;

pub fn run(cli: &Cli, args: InitArgs) -> Result<i32> {
    let store_root = cli.store.clone().unwrap_or_else(config::default_store);
    match Store::open(&store_root) {
        Ok(_) => {
            let exists = WardError::Exists {
                what: "a store".into(),
                path: store_root,
            };
            let identity = config::identity_paths(&cli.identities).remove(0);
            return Err(if identity.exists() {
                exists
            } else {
                exists.hint(format!(
                    "ward init only creates new stores; this one needs the identity it was \
                     created with at {}: restore it from your backup, or pass --identity/-i FILE",
                    identity.display()
                ))
            });
        }
        Err(e @ WardError::NotAFolder { .. }) => return Err(e),
        Err(_) => {}
    }
    for r in &args.recipients {
        crypto::Recipient::parse(r)
            .map_err(|cause| WardError::Usage(format!("--recipient: {cause}")))?;
    }
    let identity = config::identity_paths(&cli.identities).remove(0);
    let now = chrono::Utc::now();
    if identity.exists() {
        println!("Using existing identity {}", identity.display());
    } else {
        let (text, public) = crypto::generate_identity(now);
        let bytes = if args.passphrase {
            let first = prompt_passphrase("New passphrase for the identity: ")?;
            let second = prompt_passphrase("Same passphrase again: ")?;
            if first.expose_secret() != second.expose_secret() {
                return Err(WardError::Usage(
                    "the passphrases differ; nothing was created".into(),
                ));
            }
            if first.expose_secret().is_empty() {
                return Err(WardError::Usage(
                    "an empty passphrase protects nothing; nothing was created".into(),
                ));
            }
            crypto::encrypt_with_passphrase(text.as_bytes(), &first)
        } else {
            text.as_bytes().to_vec()
        };
        if let Some(dir) = identity.parent() {
            fsio::create_private_dir(dir)?;
        }
        fsio::atomic_write(&identity, &bytes)?;
        println!(
            "Created identity {} (public key {public})",
            identity.display()
        );
        if args.passphrase {
            println!("It is protected by your passphrase; ward asks for it once per run.");
        }
    }
    let keys = load_keyring(std::slice::from_ref(&identity))?;
    let mut recipients = keys.public_keys().to_vec();
    recipients.extend(args.recipients.iter().cloned());
    Store::create(&store_root, &recipients, now)?;
    // A new store in this folder: what this machine pinned for an earlier
    // store here no longer applies.
    if let Err(e) = audit::Local::default().forget_root(&store_root) {
        super::output::warn_line(&format!("the audit pins were not updated: {e}"));
    }
    // The audit key is made now, while the store is new, and the first record
    // says who created it for whom.
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(config::Config::default_path);
    let actor = config::Config::load(&config_path)
        .map(|c| c.actor())
        .unwrap_or_else(|_| config::Config::default().actor());
    let log = audit::Log::open(&store_root, &actor, audit::keyring_fingerprint(&keys));
    let event = Event::new(Action::RecipientsChange).reason(Some(&format!(
        "store created for {}",
        super::output::plural(recipients.len(), "recipient")
    )));
    if let Err(e) = log.append(&keys, event) {
        super::output::warn_line(&format!("the audit log was not written: {e}"));
    }
    println!("Created store {}", store_root.display());
    println!(
        "Encrypted to {}. Add a secret: echo -n VALUE | ward set project/NAME",
        super::output::plural(recipients.len(), "recipient")
    );
    Ok(exit::OK)
}
