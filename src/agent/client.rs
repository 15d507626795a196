//! Talking to the agent: [`Agent`] sends one request a connection; a held
//! identity reaches the keyring as a [`HeldIdentity`] (an `age::Identity`
//! that sends a file's stanzas to the agent and gets the file key back)
//! and a [`HeldSigner`] (signs audit records through the agent). The
//! agent is only trusted when the socket's other end runs as our own uid.

use super::proto::{self, b64, Reply, Request, Status, WireStanza};
use super::runtime;
use crate::error::{Result, WardError};
use crate::store::crypto::HeldKey;
use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine as _;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a request may take (an unlock runs scrypt: seconds at most).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a started agent has to open its socket.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// The agent at one socket.
#[derive(Clone, Debug)]
pub struct Agent {
    socket: PathBuf,
}

/// An identity the agent holds: its public keys and audit signing key.
#[derive(Clone, Debug)]
pub struct Held {
    pub public_keys: Vec<String>,
    pub signer: Option<[u8; 32]>,
}

/// The outcome of an unlock request.
pub enum Unlocked {
    Held(Held),
    WrongPassphrase,
}

impl Agent {
    /// The agent of this user's runtime folder (checked private).
    pub fn locate() -> Result<Agent> {
        Agent::locate_in(&runtime::folder())
    }

    /// The agent of the socket folder `dir` (checked private when it exists).
    pub fn locate_in(dir: &Path) -> Result<Agent> {
        let socket = if std::fs::symlink_metadata(dir).is_ok() {
            runtime::check(dir)?
        } else {
            dir.join(runtime::SOCKET)
        };
        Ok(Agent { socket })
    }

    pub fn at(socket: PathBuf) -> Agent {
        Agent { socket }
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// A connection to an agent running as this uid; None when none
    /// answers there.
    fn connect(&self) -> Result<Option<UnixStream>> {
        let Ok(stream) = UnixStream::connect(&self.socket) else {
            return Ok(None);
        };
        match runtime::peer_uid(&stream) {
            Some(uid) if uid == runtime::uid() => {}
            other => {
                return Err(WardError::Other(format!(
                    "the agent socket {} is served by {}, not by you; ward will not use it",
                    crate::sanitize::escape(&self.socket.display().to_string()),
                    other.map_or("an unknown user".into(), |u| format!("uid {u}"))
                )))
            }
        }
        let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
        let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
        Ok(Some(stream))
    }

    /// Sends `request`; None when no agent is running.
    pub fn call(&self, request: &Request) -> Result<Option<Reply>> {
        let Some(mut stream) = self.connect()? else {
            return Ok(None);
        };
        let failed =
            |e: String| WardError::Other(format!("the agent did not answer as expected: {e}"));
        proto::write_frame(&mut stream, request).map_err(|e| failed(e.to_string()))?;
        let frame = proto::read_frame(&mut stream).map_err(|e| failed(e.to_string()))?;
        let reply: Reply =
            serde_json::from_slice(&frame).map_err(|_| failed("an unreadable reply".into()))?;
        Ok(Some(reply))
    }

    /// Its status; None when it is not running.
    pub fn status(&self) -> Result<Option<Status>> {
        match self.call(&Request::Status)?.as_ref() {
            None => Ok(None),
            Some(Reply::Status(s)) => Ok(Some(s.clone())),
            Some(other) => Err(unexpected(other)),
        }
    }

    /// Locks it (it forgets every identity and ends); whether one was running.
    pub fn lock(&self) -> Result<bool> {
        match self.call(&Request::Lock)? {
            None => Ok(false),
            Some(Reply::Locked) => {
                // Until the socket is gone, a new command could still reach it.
                let until = Instant::now() + Duration::from_secs(2);
                while Instant::now() < until && UnixStream::connect(&self.socket).is_ok() {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Ok(true)
            }
            Some(other) => Err(unexpected(&other)),
        }
    }

    /// The identity file `path` (absolute) if the agent holds it as
    /// `bytes` are now.
    pub fn lookup(&self, path: &Path, bytes: &[u8], for_secs: Option<u64>) -> Result<Option<Held>> {
        use sha2::Digest;
        let request = Request::Lookup {
            path: path_text(path)?,
            digest: crate::store::hex(&sha2::Sha256::digest(bytes)),
            for_secs,
        };
        match self.call(&request)? {
            None | Some(Reply::NotUnlocked) => Ok(None),
            Some(reply) => held(reply).map(Some),
        }
    }

    /// Unlocks `path` (absolute) in the agent with `passphrase`.
    pub fn unlock(
        &self,
        path: &Path,
        passphrase: &SecretString,
        for_secs: Option<u64>,
    ) -> Result<Unlocked> {
        let request = Request::Unlock {
            path: path_text(path)?,
            passphrase: passphrase.expose_secret().to_string(),
            for_secs,
        };
        match self.call(&request)? {
            None => Err(WardError::Other("the agent is not running".into())),
            Some(Reply::WrongPassphrase) => Ok(Unlocked::WrongPassphrase),
            Some(reply) => held(reply).map(Unlocked::Held),
        }
    }

    /// Starts an agent (`exe __agent`, detached, in its own session) unless
    /// one is running, and waits until it answers.
    pub fn start(&self, exe: &Path, idle: u64) -> Result<()> {
        if self.status()?.is_some() {
            return Ok(());
        }
        let dir = self
            .socket
            .parent()
            .ok_or_else(|| WardError::Other("the agent's socket has no folder".into()))?;
        runtime::prepare(dir)?;
        let mut cmd = Command::new(exe);
        cmd.arg(super::server::SUBCOMMAND)
            .arg("--socket")
            .arg(&self.socket)
            .arg("--idle-secs")
            .arg(idle.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir("/");
        // SAFETY: only setsid, async-signal-safe, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| {
            WardError::Other(format!(
                "cannot start the agent {}: {e}",
                crate::sanitize::escape(&exe.display().to_string())
            ))
        })?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.status()?.is_some() {
                break;
            }
            if let Ok(Some(_)) = child.try_wait() {
                // It ended: another agent won the race, or it could not start.
                if self.status()?.is_some() {
                    return Ok(());
                }
                return Err(WardError::Other("the agent ended as it started".into()));
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(WardError::Other("the agent did not start in time".into()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // Reaped when it ends, so a long-running TUI keeps no zombie.
        std::thread::spawn(move || {
            let _ = child.wait();
        });
        Ok(())
    }
}

fn path_text(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| WardError::Other("the identity's path is not UTF-8".into()))
}

fn unexpected(reply: &Reply) -> WardError {
    match reply {
        Reply::Error { message } => WardError::Other(format!(
            "the agent refused: {}",
            crate::sanitize::escape(message)
        )),
        _ => WardError::Other("the agent gave an unexpected reply".into()),
    }
}

fn held(reply: Reply) -> Result<Held> {
    match &reply {
        Reply::Identity {
            public_keys,
            signer,
        } => {
            let mut key = [0u8; 32];
            let signer = (signer.len() == 64
                && signer
                    .as_bytes()
                    .chunks(2)
                    .zip(key.iter_mut())
                    .all(|(h, b)| {
                        std::str::from_utf8(h)
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .map(|v| *b = v)
                            .is_some()
                    }))
            .then_some(key);
            Ok(Held {
                public_keys: public_keys.clone(),
                signer,
            })
        }
        other => Err(unexpected(other)),
    }
}

/// An identity file the agent holds, as an age identity: stanzas go to the
/// agent, the file key comes back.
pub struct HeldIdentity {
    agent: Agent,
    path: String,
}

impl HeldIdentity {
    pub fn new(agent: Agent, path: &Path) -> Result<HeldIdentity> {
        Ok(HeldIdentity {
            agent,
            path: path_text(path)?,
        })
    }
}

impl age::Identity for HeldIdentity {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<std::result::Result<age_core::format::FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[age_core::format::Stanza],
    ) -> Option<std::result::Result<age_core::format::FileKey, age::DecryptError>> {
        let request = Request::Unwrap {
            path: self.path.clone(),
            stanzas: stanzas.iter().map(WireStanza::from_stanza).collect(),
        };
        // Locked meanwhile, gone, or refused: this identity cannot open it.
        let failed = Some(Err(age::DecryptError::KeyDecryptionFailed));
        let Ok(Some(reply)) = self.agent.call(&request) else {
            return failed;
        };
        match &reply {
            Reply::NoMatch => None,
            Reply::FileKey { key } => {
                let Ok(bytes) = b64().decode(key.as_bytes()).map(zeroize::Zeroizing::new) else {
                    return failed;
                };
                let Ok(key) = <&[u8; 16]>::try_from(bytes.as_slice()) else {
                    return failed;
                };
                Some(Ok(age_core::format::FileKey::init_with_mut(|k| {
                    k.copy_from_slice(key)
                })))
            }
            _ => failed,
        }
    }
}

/// The audit signing key of an identity the agent holds.
pub struct HeldSigner {
    agent: Agent,
    path: String,
    public: [u8; 32],
}

impl HeldSigner {
    pub fn new(agent: Agent, path: &Path, public: [u8; 32]) -> Result<HeldSigner> {
        Ok(HeldSigner {
            agent,
            path: path_text(path)?,
            public,
        })
    }
}

impl HeldKey for HeldSigner {
    fn audit_public(&self) -> [u8; 32] {
        self.public
    }

    fn sign_audit(&self, chain: &str, signed: &[u8]) -> Result<[u8; 64]> {
        let request = Request::Sign {
            path: self.path.clone(),
            chain: chain.to_string(),
            signed: b64().encode(signed),
        };
        match self.agent.call(&request)?.as_ref() {
            Some(Reply::Signature { sig }) => b64()
                .decode(sig.as_bytes())
                .ok()
                .and_then(|s| <[u8; 64]>::try_from(s.as_slice()).ok())
                .ok_or_else(|| WardError::Other("the agent's signature is malformed".into())),
            Some(Reply::NotUnlocked) | None => Err(WardError::Other(
                "the agent was locked before the audit record was signed; unlock again".into(),
            )),
            Some(other) => Err(unexpected(other)),
        }
    }
}
