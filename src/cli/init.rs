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
        Ok(store) if args.git => return to_git(&store, &actor(cli)),
        Ok(_) => {
            let identity = config::identity_paths(&cli.identities).remove(0);
            if std::fs::symlink_metadata(&identity).is_err() {
                return join(cli, &args, &store_root, &identity);
            }
            return Err(WardError::Exists {
                what: "a store".into(),
                path: store_root,
            }
            .hint(format!(
                "ward init only creates new stores, and you have an identity ({}); \
                 `ward identity` shows its key and what you can read",
                identity.display()
            )));
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
        passphrase = args
            .passphrase
            .then(|| new_passphrase("nothing was created"))
            .transpose()?;
        init::IdentityChoice::Create {
            path: &identity,
            passphrase: passphrase.as_ref(),
        }
    };
    let actor = actor(cli);
    let created = init::create_store(init::NewStore {
        root: &store_root,
        identity: choice,
        recipients: &args.recipients,
        actor: &actor,
        now: chrono::Utc::now(),
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
    if args.git || crate::git::Repo::open(&store_root).is_some() {
        let setup = init::enable_git(&created.store, &super::git::exe()?, &actor)?;
        println!(
            "{} git repository with ward's merge drivers{}; add a remote: ward git remote add origin URL, then ward sync",
            if setup.initialised { "It is a new" } else { "It is in a" },
            if setup.committed { ", first commit made" } else { "" }
        );
    }
    println!(
        "Encrypted to {}. Add a secret: echo -n VALUE | ward set project/NAME",
        super::output::plural(recipients, "recipient")
    );
    Ok(exit::OK)
}

/// `ward init --git` on a store that exists: it becomes a git store (its
/// files committed); the identity is not touched.
fn to_git(store: &Store, actor: &str) -> Result<i32> {
    let setup = init::enable_git(store, &super::git::exe()?, actor)?;
    let what = if setup.initialised {
        "is now a git repository"
    } else {
        "was already a git repository; its ward setup is checked"
    };
    println!(
        "The store {} {what} (.gitattributes, merge drivers{}).",
        store.root().display(),
        if setup.committed { ", committed" } else { "" }
    );
    println!("Add a remote: ward git remote add origin URL, then ward sync");
    Ok(exit::OK)
}

/// `ward init` in a store that exists, with no identity here: a new
/// identity for this user, and the command a member runs to add it.
fn join(
    cli: &Cli,
    args: &InitArgs,
    root: &std::path::Path,
    identity: &std::path::Path,
) -> Result<i32> {
    use crate::sanitize::escape;
    if !args.recipients.is_empty() {
        return Err(WardError::Usage(
            "--recipient is for a new store; a store that exists changes its recipients with \
             `ward recipients add`"
                .into(),
        ));
    }
    let passphrase = args
        .passphrase
        .then(|| new_passphrase("nothing was created"))
        .transpose()?;
    let joined = init::join_store(root, identity, passphrase.as_ref(), chrono::Utc::now())?;
    let actor = actor(cli);
    println!(
        "A store already exists at {}; created your own identity {} to join it.",
        root.display(),
        identity.display()
    );
    if args.passphrase {
        println!("It is protected by your passphrase; ward asks for it once per run.");
    }
    println!("Your public key: {}", joined.public);
    if !joined.approved.is_empty() {
        println!(
            "Trust on first use: this machine now approves the {} the store holds today (check \
             them with the team); a key added later is refused until `ward recipients trust`:",
            super::output::plural(joined.approved.len(), "recipient key")
        );
        for p in &joined.approved {
            let file = p.file.strip_prefix(root).unwrap_or(&p.file);
            println!(
                "  {}  {}  in {}",
                escape(&crate::store::recipients::short_key(&p.entry.key)),
                p.entry
                    .label
                    .as_deref()
                    .map(escape)
                    .unwrap_or_else(|| "(no label)".into()),
                escape(&file.display().to_string())
            );
        }
    }
    println!("Ask a member of the store to run:");
    println!(
        "  {}",
        crate::ops::identity::member_command(&joined.public, &actor)
    );
    println!("Then you can read what they re-encrypt for you.");
    Ok(exit::OK)
}

/// The actor from config.toml (or the default), for labels and records.
fn actor(cli: &Cli) -> String {
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(config::Config::default_path);
    config::Config::load(&config_path)
        .map(|c| c.actor())
        .unwrap_or_else(|_| config::Config::default().actor())
}

/// A passphrase for a new identity, typed twice on the terminal; a refusal
/// ends with `unchanged` ("nothing was created").
pub(super) fn new_passphrase(unchanged: &str) -> Result<age::secrecy::SecretString> {
    let first = prompt_passphrase("New passphrase for the identity: ")?;
    let second = prompt_passphrase("Same passphrase again: ")?;
    if first.expose_secret() != second.expose_secret() {
        return Err(WardError::Usage(format!(
            "the passphrases differ; {unchanged}"
        )));
    }
    if first.expose_secret().is_empty() {
        return Err(WardError::Usage(format!(
            "an empty passphrase protects nothing; {unchanged}"
        )));
    }
    warn_if_weak_passphrase(first.expose_secret());
    Ok(first)
}

/// Fewer characters than this in a passphrase get a warning.
const SHORT_PASSPHRASE: usize = 12;

/// A short or guessable passphrase is accepted (it is the user's choice),
/// with a warning: the identity file may be copied and attacked offline.
pub(super) fn warn_if_weak_passphrase(passphrase: &str) {
    let chars = passphrase.chars().count();
    let strength = crate::store::generate::Strength::of(passphrase);
    if chars < SHORT_PASSPHRASE || strength.is_weak() {
        super::output::warn_line(&format!(
            "this passphrase is {} ({chars} characters, about {:.0} bits): a copy of the \
             identity file could be unlocked by guessing; {SHORT_PASSPHRASE} characters or more, \
             or a few words (`ward gen --words 5`), hold out far longer",
            if chars < SHORT_PASSPHRASE {
                "short"
            } else {
                strength.word()
            },
            strength.bits
        ));
    }
}
