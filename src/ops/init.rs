//! Creating a store (`ward init`, and the TUI's first run): an identity if
//! there is none, the store encrypted to it (and any other recipients), this
//! machine's pins of an earlier store in the same folder forgotten, and the
//! store's first audit record.

use super::identity;
use crate::audit::{self, Action, Event};
use crate::error::{Result, WardError};
use crate::store::{Keyring, Store};
use age::secrecy::SecretString;
use std::path::{Path, PathBuf};

/// What to create.
pub struct NewStore<'a> {
    pub root: &'a Path,
    pub identity: IdentityChoice<'a>,
    /// Recipients besides the identity's own key.
    pub recipients: &'a [String],
    pub actor: &'a str,
    /// The time the identity and the store are stamped with.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The identity the store is encrypted to.
pub enum IdentityChoice<'a> {
    /// Identities the front end already opened (an existing file).
    Loaded(Keyring),
    /// A new identity at `path`, protected by `passphrase` when given.
    Create {
        path: &'a Path,
        passphrase: Option<&'a SecretString>,
    },
}

/// What was created.
pub struct Created {
    pub store: Store,
    pub keys: Keyring,
    /// The public key of an identity made now; None when one existed.
    pub new_identity: Option<String>,
    pub recipients: usize,
    /// Things that went wrong without stopping the creation (pins, the
    /// first audit record), for the front end to show.
    pub warnings: Vec<String>,
}

/// Creates the store. An existing store at `root` is refused, so is a
/// recipient that does not parse (before anything is written).
pub fn create_store(new: NewStore) -> Result<Created> {
    if let Ok(store) = Store::open(new.root) {
        return Err(WardError::Exists {
            what: "a store".into(),
            path: store.root().to_path_buf(),
        });
    }
    for r in new.recipients {
        crate::store::crypto::Recipient::parse(r)
            .map_err(|cause| WardError::Usage(format!("recipient {r}: {cause}")))?;
    }
    let (keys, new_identity) = match new.identity {
        IdentityChoice::Loaded(keys) => (keys, None),
        IdentityChoice::Create { path, passphrase } => {
            let public = identity::create(path, passphrase, new.now)?;
            let keys = identity::load_with(&[PathBuf::from(path)], passphrase)
                .map_err(identity::LoadFailure::into_ward)?;
            (keys, Some(public))
        }
    };
    let mut recipients = keys.public_keys().to_vec();
    recipients.extend(new.recipients.iter().cloned());
    let store = Store::create(new.root, &recipients, new.now)?;
    let mut warnings = Vec::new();
    // Trust on first use: the keys the store is created for are approved
    // on this machine, since their creator chose them.
    if let Err(e) = super::trust::approve(&store, &recipients) {
        warnings.push(format!(
            "the recipients were not approved on this machine (run `ward recipients trust`): {e}"
        ));
    }
    // A new store in this folder: what this machine pinned for an earlier
    // store here no longer applies.
    if let Err(e) = audit::Local::default().forget_root(new.root) {
        warnings.push(format!("the audit pins were not updated: {e}"));
    }
    // The audit key is made now, while the store is new, and the first
    // record says who created it for whom.
    let log = audit::Log::open(new.root, new.actor, audit::keyring_fingerprint(&keys));
    let event = Event::new(Action::RecipientsChange).reason(Some(&format!(
        "store created for {}",
        crate::words::plural(recipients.len(), "recipient")
    )));
    if let Err(e) = log.append(&keys, event) {
        warnings.push(format!("the audit log was not written: {e}"));
    }
    // So is the fingerprint key (ops/fingerprint.rs), pinned here.
    if let Err(e) = super::fingerprint::load(&store, &keys) {
        warnings.push(format!("the fingerprint key was not made: {e}"));
    }
    Ok(Created {
        store,
        keys,
        new_identity,
        recipients: recipients.len(),
        warnings,
    })
}

/// Joining an existing store: this user's new identity, and the keys that
/// were in the store when it was made (approved here at that moment).
pub struct Joined {
    pub store: Store,
    /// The new identity's public key, for a member to add.
    pub public: String,
    /// Every key of the store's recipients files that was not approved here
    /// yet, now approved: the trust-on-first-use point.
    pub approved: Vec<super::trust::Pending>,
}

/// `ward init` against a store that exists, with no identity here: makes
/// this user's identity at `path` (protected by `passphrase` when given)
/// and approves the recipient keys present now. Nothing in the store
/// changes: a member adds the new key (`ward recipients add`).
pub fn join_store(
    root: &Path,
    path: &Path,
    passphrase: Option<&SecretString>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Joined> {
    let store = Store::open(root)?;
    // Read before anything is created: a broken recipients file stops here.
    let approved = super::trust::pending(&store, None)?;
    let public = identity::create(path, passphrase, now)?;
    let mut keys: Vec<&str> = approved.iter().map(|p| p.entry.key.as_str()).collect();
    keys.push(&public);
    super::trust::approve(&store, &keys)?;
    Ok(Joined {
        store,
        public,
        approved,
    })
}

/// What [`enable_git`] did.
pub struct GitSetup {
    /// Whether `git init` ran (the folder was not a repository yet).
    pub initialised: bool,
    /// Whether a commit was made.
    pub committed: bool,
}

/// Makes the store at `root` a git store: `git init` when it is not one,
/// ward's `.gitignore` and `.gitattributes` lines, the merge drivers in the
/// local config, and a commit of the whole store (what `.gitignore` leaves
/// out — lock and temp files — stays out). The identity is not touched.
pub fn enable_git(store: &Store, exe: &Path, actor: &str) -> Result<GitSetup> {
    use crate::git::{Author, Repo, GITATTRIBUTES};
    let root = store.root();
    let (repo, initialised) = match Repo::open(root) {
        Some(repo) => (repo, false),
        None => (Repo::init(root)?, true),
    };
    ensure_lines(&root.join(".gitignore"), crate::store::GITIGNORE)?;
    ensure_lines(&root.join(".gitattributes"), GITATTRIBUTES)?;
    repo.configure_merge_drivers(exe)?;
    let message = if initialised {
        "init: ward store"
    } else {
        "init: ward store set up for git"
    };
    let committed = repo.commit_paths(&[PathBuf::from(".")], message, &Author { actor })?;
    Ok(GitSetup {
        initialised,
        committed,
    })
}

/// Appends the lines of `block` that `file` lacks (creating it), keeping
/// whatever the user wrote there.
fn ensure_lines(file: &Path, block: &str) -> Result<()> {
    let current = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(WardError::io(file, e)),
    };
    let have: std::collections::BTreeSet<&str> = current.lines().map(str::trim).collect();
    let missing: Vec<&str> = block.lines().filter(|l| !have.contains(l.trim())).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut text = current.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    crate::store::fsio::atomic_write(file, text.as_bytes())
}
