//! What every store command needs: the store, settings, the actor, and the
//! identities (loaded on first use, asking for a passphrase on the terminal).

use super::args::Cli;
use super::prompt::hidden as prompt_passphrase;
use crate::audit::{self, Event};
use crate::config::{self, Config};
use crate::error::{Result, WardError};
use crate::ops::{self, identity};
use crate::store::crypto::{Keyring, LockKind};
use crate::store::{SecretPath, Store};
use age::secrecy::SecretString;
use std::cell::OnceCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub struct Context {
    pub store: Store,
    pub config: Config,
    pub actor: String,
    identity_paths: Vec<PathBuf>,
    /// Whether the identity paths were given (--identity, WARD_IDENTITY).
    identity_given: bool,
    keyring: OnceCell<Keyring>,
    /// Whether and how a passphrase identity goes through the agent.
    agent: ops::unlock::AgentUse,
}

impl Context {
    pub fn new(cli: &Cli) -> Result<Context> {
        let config_path = cli.config.clone().unwrap_or_else(Config::default_path);
        let config = Config::load(&config_path)?;
        let store_root = cli.store.clone().unwrap_or_else(config::default_store);
        let store = Store::open(&store_root)?;
        let agent = ops::unlock::AgentUse::new(&config.agent, cli.no_agent);
        Ok(Context {
            actor: config.actor(),
            config,
            store,
            identity_paths: config::identity_paths(&cli.identities),
            identity_given: config::identities_given(&cli.identities),
            keyring: OnceCell::new(),
            agent,
        })
    }

    /// The loaded identities; the first call loads them.
    pub fn keys(&self) -> Result<&Keyring> {
        if let Some(k) = self.keyring.get() {
            return Ok(k);
        }
        let keyring = ops::unlock::load(&self.identity_paths, &mut ask_passphrase, &self.agent)
            .map_err(identity::LoadFailure::into_ward)
            .map_err(|e| self.explain_missing_identity(e))
            .inspect_err(|e| {
                // `load_keyring` gives up after three wrong passphrases.
                if matches!(e, WardError::Identity { cause, .. } if cause == "wrong passphrase") {
                    if let Err(e) = identity::record_failed_unlock(
                        self.store.root(),
                        &self.actor,
                        chrono::Utc::now(),
                    ) {
                        super::output::warn_line(&format!("the audit log was not written: {e}"));
                    }
                }
            })?;
        Ok(self.keyring.get_or_init(|| keyring))
    }

    /// A missing identity while the store exists: `ward init` cannot help
    /// (it only creates new stores), so say what can.
    fn explain_missing_identity(&self, e: WardError) -> WardError {
        identity::explain_missing(e, self.identity_given)
    }

    /// Records `event` in this actor's audit log. Never fails the command: a
    /// log that cannot be written is a warning on stderr.
    pub fn audit(&self, event: Event) {
        self.audit_all(vec![event])
    }

    /// [`Context::audit`] of several events, in one write.
    pub fn audit_all(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let result = self.keys().and_then(|keys| {
            audit::Log::open(
                self.store.root(),
                &self.actor,
                audit::keyring_fingerprint(keys),
            )
            .append_all(keys, events)
        });
        if let Err(e) = result {
            super::output::warn_line(&format!(
                "the audit log was not written: {}",
                super::advice::describe(&e)
            ));
        }
    }

    /// Writes through the operations layer as this user, recording in this
    /// actor's log; `force` writes even what the user could not read back.
    pub fn writer(&self, force: bool) -> Result<ops::Writer<'_>> {
        Ok(ops::Writer {
            store: &self.store,
            keys: self.keys()?,
            actor: &self.actor,
            history_limit: self.config.history_limit,
            force,
            journal: self,
            now: chrono::Utc::now(),
            autocommit: self.config.git.autocommit,
        })
    }

    pub fn name(&self, raw: &str) -> Result<SecretPath> {
        SecretPath::parse(raw)
    }

    /// The name of a secret that must exist, checked from the file name
    /// before anything is decrypted: a typo is reported before a passphrase
    /// is asked for.
    pub fn existing(&self, raw: &str) -> Result<SecretPath> {
        let name = self.name(raw)?;
        // Anything at the path (a folder, a pipe, a link) is left for the
        // read to report as what it is.
        let file = self.store.file_of(&name);
        if std::fs::symlink_metadata(&file).is_err() {
            return Err(WardError::NotFound {
                path: file,
                name: name.to_string(),
            });
        }
        Ok(name)
    }
}

impl ops::Journal for Context {
    fn record(&self, event: Event) {
        self.audit(event)
    }

    fn record_all(&self, events: Vec<Event>) {
        self.audit_all(events)
    }
}

/// Loads every identity file, asking on the terminal for passphrases (three
/// tries each, as ssh does).
pub fn load_keyring(paths: &[PathBuf]) -> Result<Keyring> {
    identity::load(paths, &mut ask_passphrase).map_err(identity::LoadFailure::into_ward)
}

/// Asks on the terminal for the passphrase of the identity file at `path`;
/// an error when there is no terminal to ask on.
pub fn ask_passphrase(
    path: &Path,
    kind: LockKind,
    why: identity::Ask,
) -> Result<Option<SecretString>> {
    let shown = crate::sanitize::escape(&path.display().to_string());
    match why {
        identity::Ask::First => {
            if !std::io::stdin().is_terminal() && !has_tty() {
                return Err(WardError::Identity {
                    path: path.to_path_buf(),
                    cause: "is protected by a passphrase, and there is no terminal to ask on"
                        .into(),
                });
            }
            let what = match kind {
                LockKind::AgePassphrase => "identity",
                LockKind::SshKey => "SSH key",
            };
            prompt_passphrase(&format!("Passphrase for {what} {shown}: ")).map(Some)
        }
        identity::Ask::Again { .. } => {
            eprintln!("ward: wrong passphrase for {shown}, try again");
            prompt_passphrase("Passphrase: ").map(Some)
        }
    }
}

/// Whether a controlling terminal can be opened for a prompt.
pub fn has_tty() -> bool {
    std::fs::File::open("/dev/tty").is_ok()
}
