//! What every store command needs: the store, settings, the actor, and the
//! identities (loaded on first use, asking for a passphrase on the terminal).

use super::args::Cli;
use crate::audit::{self, Action, Event};
use crate::config::{self, Config};
use crate::error::{Result, WardError};
use crate::store::crypto::{prompt_passphrase, IdentityLoadError, Keyring, LockKind};
use crate::store::{SecretPath, Store};
use std::cell::OnceCell;
use std::io::IsTerminal;
use std::path::PathBuf;

pub struct Context {
    pub store: Store,
    pub config: Config,
    pub actor: String,
    identity_paths: Vec<PathBuf>,
    /// Whether the identity paths were given (--identity, WARD_IDENTITY).
    identity_given: bool,
    keyring: OnceCell<Keyring>,
}

impl Context {
    pub fn new(cli: &Cli) -> Result<Context> {
        let config_path = cli.config.clone().unwrap_or_else(Config::default_path);
        let config = Config::load(&config_path)?;
        let store_root = cli.store.clone().unwrap_or_else(config::default_store);
        let store = Store::open(&store_root)?;
        Ok(Context {
            actor: config.actor(),
            config,
            store,
            identity_paths: config::identity_paths(&cli.identities),
            identity_given: config::identities_given(&cli.identities),
            keyring: OnceCell::new(),
        })
    }

    /// The loaded identities; the first call loads them.
    pub fn keys(&self) -> Result<&Keyring> {
        if let Some(k) = self.keyring.get() {
            return Ok(k);
        }
        let keyring = load_keyring(&self.identity_paths)
            .map_err(|e| self.explain_missing_identity(e))
            .inspect_err(|e| {
                // `load_keyring` gives up after three wrong passphrases.
                if matches!(e, WardError::Identity { cause, .. } if cause == "wrong passphrase") {
                    let log = audit::Log::open(self.store.root(), &self.actor, None);
                    let event = Event::new(Action::UnlockFailed).reason(Some("wrong passphrase"));
                    if let Err(e) = log.append_unsealed(event) {
                        super::output::warn_line(&format!("the audit log was not written: {e}"));
                    }
                }
            })?;
        Ok(self.keyring.get_or_init(|| keyring))
    }

    /// A missing identity while the store exists: `ward init` cannot help
    /// (it only creates new stores), so say what can.
    fn explain_missing_identity(&self, e: WardError) -> WardError {
        let WardError::NoIdentity { path, .. } = e else {
            return e;
        };
        let advice = if self.identity_given {
            "no such file; check the --identity/-i path (or WARD_IDENTITY)".to_string()
        } else {
            "this store needs the identity it was created with — restore it from your \
             backup, or pass --identity/-i FILE (ward init only creates new stores)"
                .to_string()
        };
        WardError::NoIdentity { path, advice }
    }

    /// Records `event` in this actor's audit log. Never fails the command: a
    /// log that cannot be written is a warning on stderr.
    pub fn audit(&self, event: Event) {
        let result = self.keys().and_then(|keys| {
            audit::Log::open(
                self.store.root(),
                &self.actor,
                audit::keyring_fingerprint(keys),
            )
            .append(keys, event)
        });
        if let Err(e) = result {
            super::output::warn_line(&format!("the audit log was not written: {e}"));
        }
    }

    pub fn name(&self, raw: &str) -> Result<SecretPath> {
        SecretPath::parse(raw)
    }
}

/// Loads every identity file, asking on the terminal for passphrases (three
/// tries each, as ssh does).
pub fn load_keyring(paths: &[PathBuf]) -> Result<Keyring> {
    let mut keyring = Keyring::default();
    for path in paths {
        let mut passphrase = None;
        let mut tries = 0;
        loop {
            match keyring.add_file(path, passphrase.as_ref()) {
                Ok(()) => break,
                Err(IdentityLoadError::NeedsPassphrase { path, kind }) => {
                    if !std::io::stdin().is_terminal() && !has_tty() {
                        return Err(WardError::Identity {
                            path,
                            cause:
                                "is protected by a passphrase, and there is no terminal to ask on"
                                    .into(),
                        });
                    }
                    let what = match kind {
                        LockKind::AgePassphrase => "identity",
                        LockKind::SshKey => "SSH key",
                    };
                    passphrase = Some(prompt_passphrase(&format!(
                        "Passphrase for {what} {}: ",
                        crate::sanitize::escape(&path.display().to_string())
                    ))?);
                }
                Err(IdentityLoadError::WrongPassphrase { path }) if tries < 2 => {
                    tries += 1;
                    eprintln!(
                        "ward: wrong passphrase for {}, try again",
                        crate::sanitize::escape(&path.display().to_string())
                    );
                    passphrase = Some(prompt_passphrase("Passphrase: ")?);
                }
                Err(e) => return Err(e.into_ward()),
            }
        }
    }
    Ok(keyring)
}

/// Whether a controlling terminal can be opened for a prompt.
pub fn has_tty() -> bool {
    std::fs::File::open("/dev/tty").is_ok()
}
