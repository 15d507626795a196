//! Loading identities through the agent ("unlock once"): a passphrase
//! identity is looked up in the agent, and unlocked there (started when
//! needed) with the passphrase the caller asks for; the keyring then holds
//! it as a [`HeldIdentity`] and a [`HeldSigner`]. Plain identity files, and
//! every file when the agent is off, load here as before. Both front ends
//! call [`load`]; nothing here prompts.

use super::identity::{self, AskPassphrase, LoadFailure};
use crate::agent::{Agent, AgentSettings, Held, HeldIdentity, HeldSigner, Unlocked};
use crate::error::{Result, WardError};
use crate::store::crypto::{self, IdentityLoadError, Keyring};
use age::secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a front end uses the agent.
#[derive(Clone, Debug)]
pub struct AgentUse {
    pub enabled: bool,
    /// Seconds without use before a started agent locks.
    pub idle_secs: u64,
    /// The ward executable that runs the agent (the running one if None).
    pub exe: Option<PathBuf>,
    /// `ward unlock --for`: unlocked that long, used or not.
    pub for_secs: Option<u64>,
    /// The agent's folder, when not this user's runtime folder (tests,
    /// benchmarks).
    pub folder: Option<PathBuf>,
}

impl AgentUse {
    /// From config.toml's `[agent]` and a front end's off switch
    /// (`--no-agent`, WARD_NO_AGENT).
    pub fn new(settings: &AgentSettings, switched_off: bool) -> AgentUse {
        AgentUse {
            enabled: settings.enabled && !switched_off,
            idle_secs: settings.idle.secs(),
            exe: None,
            for_secs: None,
            folder: None,
        }
    }

    /// No agent at all.
    pub fn off() -> AgentUse {
        AgentUse {
            enabled: false,
            idle_secs: 0,
            exe: None,
            for_secs: None,
            folder: None,
        }
    }

    /// The agent this use means.
    pub fn agent(&self) -> Result<Agent> {
        match &self.folder {
            Some(dir) => Agent::locate_in(dir),
            None => Agent::locate(),
        }
    }

    /// Whether WARD_NO_AGENT asks for no agent (set, not empty, not 0/false/no/off).
    pub fn env_switched_off() -> bool {
        std::env::var("WARD_NO_AGENT").is_ok_and(|v| {
            !matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "" | "0" | "false" | "no" | "off"
            )
        })
    }

    fn exe(&self) -> Result<PathBuf> {
        match &self.exe {
            Some(p) => Ok(p.clone()),
            None => std::env::current_exe()
                .map_err(|e| WardError::Other(format!("cannot find ward's own executable: {e}"))),
        }
    }
}

/// Loads every identity file; a protected one through the agent when it
/// is on (asking `ask` for the passphrase only when the agent does not
/// hold it yet).
pub fn load(
    paths: &[PathBuf],
    ask: &mut AskPassphrase,
    agent: &AgentUse,
) -> std::result::Result<Keyring, LoadFailure> {
    if !agent.enabled {
        return identity::load(paths, ask);
    }
    let mut keyring = Keyring::default();
    for path in paths {
        load_one(&mut keyring, path, ask, agent)?;
    }
    Ok(keyring)
}

/// Loads with at most one passphrase, tried once for every protected file
/// that the agent does not hold (the TUI's lock screen).
pub fn load_with(
    paths: &[PathBuf],
    passphrase: Option<&SecretString>,
    agent: &AgentUse,
) -> std::result::Result<Keyring, LoadFailure> {
    load(
        paths,
        &mut |_, _, why| {
            Ok(match why {
                identity::Ask::First => passphrase.cloned(),
                identity::Ask::Again { .. } => None,
            })
        },
        agent,
    )
}

fn other(e: WardError) -> LoadFailure {
    LoadFailure::Other(e)
}

fn load_one(
    keyring: &mut Keyring,
    path: &Path,
    ask: &mut AskPassphrase,
    agent: &AgentUse,
) -> std::result::Result<(), LoadFailure> {
    crypto::check_private_permissions(path).map_err(other)?;
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| other(WardError::io(path, e)))?);
    let Some(kind) = crypto::lock_kind(&bytes) else {
        // A plain file needs no agent.
        return keyring
            .add_read(path, &bytes, None)
            .map_err(|e| LoadFailure::Other(e.into_ward()));
    };
    let absolute = std::fs::canonicalize(path).map_err(|e| other(WardError::io(path, e)))?;
    let client = agent.agent().map_err(other)?;
    if let Some(held) = client
        .lookup(&absolute, &bytes, agent.for_secs)
        .map_err(other)?
    {
        return add_held(keyring, &client, &absolute, held).map_err(other);
    }
    let mut started = false;
    let mut no_agent = false;
    identity::unlocking(path, ask, |passphrase| {
        let Some(pass) = passphrase else {
            return Err(IdentityLoadError::NeedsPassphrase {
                path: path.to_path_buf(),
                kind,
            });
        };
        if !started && !no_agent {
            // An agent that cannot start is no reason to fail: the
            // identity is then unlocked here, as without an agent.
            match client.start(&agent.exe()?, agent.idle_secs) {
                Ok(()) => started = true,
                Err(_) => no_agent = true,
            }
        }
        if no_agent {
            return keyring.add_read(path, &bytes, Some(pass));
        }
        match client.unlock(&absolute, pass, agent.for_secs)? {
            Unlocked::Held(held) => Ok(add_held(keyring, &client, &absolute, held)?),
            Unlocked::WrongPassphrase => Err(IdentityLoadError::WrongPassphrase {
                path: path.to_path_buf(),
            }),
        }
    })
}

fn add_held(keyring: &mut Keyring, client: &Agent, absolute: &Path, held: Held) -> Result<()> {
    let signer = held
        .signer
        .ok_or_else(|| WardError::Other("the agent gave no signing key".into()))?;
    keyring.add_held(
        Box::new(HeldIdentity::new(client.clone(), absolute)?),
        held.public_keys,
        Arc::new(HeldSigner::new(client.clone(), absolute, signer)?),
    );
    Ok(())
}

/// Locks the agent (`ward lock`, the TUI's lock); whether one was running.
pub fn lock(agent: &AgentUse) -> Result<bool> {
    agent.agent()?.lock()
}
