//! `ward init`: an identity if there is none, and a store encrypted to it.

use super::args::{Cli, InitArgs};
use super::context::load_keyring;
use super::prompt::hidden as prompt_passphrase;
use crate::config;
use crate::error::{exit, Result, WardError};
use crate::ops::init;
use crate::store::crypto;
use crate::store::Store;
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
    let passphrase;
    // A new identity's passphrase is typed twice; an existing protected one
    // is opened with the usual prompt.
    let choice = if identity.exists() {
        println!("Using existing identity {}", identity.display());
        init::IdentityChoice::Loaded(load_keyring(std::slice::from_ref(&identity))?)
    } else {
        passphrase = args.passphrase.then(new_passphrase).transpose()?;
        init::IdentityChoice::Create {
            path: &identity,
            passphrase: passphrase.as_ref(),
        }
    };
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(config::Config::default_path);
    let actor = config::Config::load(&config_path)
        .map(|c| c.actor())
        .unwrap_or_else(|_| config::Config::default().actor());
    let created = init::create_store(init::NewStore {
        root: &store_root,
        identity: choice,
        recipients: &args.recipients,
        actor: &actor,
    })?;
    if let Some(public) = &created.new_identity {
        println!(
            "Created identity {} (public key {public})",
            identity.display()
        );
        if args.passphrase {
            println!("It is protected by your passphrase; ward asks for it once per run.");
        }
    }
    for w in &created.warnings {
        super::output::warn_line(w);
    }
    let recipients = created.recipients;
    println!("Created store {}", store_root.display());
    println!(
        "Encrypted to {}. Add a secret: echo -n VALUE | ward set project/NAME",
        super::output::plural(recipients, "recipient")
    );
    Ok(exit::OK)
}

/// A passphrase for a new identity, typed twice on the terminal.
fn new_passphrase() -> Result<age::secrecy::SecretString> {
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
    Ok(first)
}
