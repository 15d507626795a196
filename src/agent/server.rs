//! The agent process (`ward __agent`, started detached by the first
//! command that unlocks a passphrase identity, or by `ward unlock`). It
//! holds unlocked identities and answers [`Request`]s on its socket: it
//! unwraps age stanzas and signs audit records, and never hands out a key.
//! It ends, forgetting everything, on `ward lock`, when idle past its time
//! (or at the end of `--for`), and when its socket is removed or replaced.

use super::harden::{self, Hardened};
use super::proto::{self, b64, FrameError, Reply, Request, Status};
use super::runtime;
use crate::audit::sign::Signer;
use crate::store::crypto::{self, IdentityLoadError, Keyring};
use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The hidden subcommand's name.
pub const SUBCOMMAND: &str = "__agent";
/// Connections served at once; more wait for the next accept.
const MAX_CONNECTIONS: usize = 32;
/// An agent that holds nothing (every unlock failed) ends after this.
const EMPTY_GRACE: Duration = Duration::from_secs(60);
/// How long a connection may sit silent in the middle of a request.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Stack of a connection's thread: small, since every page is locked.
const THREAD_STACK: usize = 256 * 1024;

/// `ward __agent`: internal, see the module docs.
#[derive(Clone, Debug, clap::Args)]
pub struct AgentArgs {
    /// The socket to listen on (its folder must be private).
    #[arg(long, value_name = "PATH")]
    pub socket: PathBuf,
    /// Seconds without use before it locks.
    #[arg(long, value_name = "SECS")]
    pub idle_secs: u64,
}

struct Entry {
    path: String,
    digest: [u8; 32],
    keyring: Keyring,
    signer: Option<Signer>,
}

struct State {
    entries: Vec<Entry>,
    last_use: Instant,
    /// Set by `--for`: locks then, used or not.
    deadline: Option<Instant>,
}

struct Shared {
    state: Mutex<State>,
    idle: Duration,
    hardened: Hardened,
    socket: PathBuf,
    inode: u64,
    connections: AtomicUsize,
}

impl Shared {
    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn locks_at(&self, st: &State) -> Instant {
        if let Some(d) = st.deadline {
            return d;
        }
        let idle = if st.entries.is_empty() {
            self.idle.min(EMPTY_GRACE)
        } else {
            self.idle
        };
        st.last_use + idle
    }

    /// Forgets every key (dropping zeroizes them), removes our socket (not
    /// a successor's) and ends the process.
    fn end(&self) -> ! {
        let mut st = self.lock_state();
        st.entries.clear();
        if std::fs::symlink_metadata(&self.socket).is_ok_and(|m| m.ino() == self.inode) {
            let _ = std::fs::remove_file(&self.socket);
        }
        std::process::exit(0)
    }

    /// Whether our socket is still the one at its path.
    fn socket_is_ours(&self) -> bool {
        std::fs::symlink_metadata(&self.socket).is_ok_and(|m| m.ino() == self.inode)
    }
}

/// Runs the agent; the exit code (0 also when another agent already serves
/// the folder).
pub fn run(args: AgentArgs) -> i32 {
    let hardened = harden::harden();
    let Some(dir) = args.socket.parent() else {
        return 2;
    };
    if runtime::check(dir).is_err() {
        return 2;
    }
    // One agent a folder, for its whole life: the lock is held until exit.
    let Ok(lock) = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(dir.join(runtime::LOCK))
    else {
        return 2;
    };
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return 0;
    }
    let _ = std::fs::remove_file(&args.socket);
    // SAFETY: umask only sets the mask; the socket is born 0600.
    let old = unsafe { libc::umask(0o177) };
    let listener = UnixListener::bind(&args.socket);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    let Ok(listener) = listener else {
        return 2;
    };
    let _ = std::fs::set_permissions(&args.socket, std::fs::Permissions::from_mode(0o600));
    let Ok(inode) = std::fs::symlink_metadata(&args.socket).map(|m| m.ino()) else {
        return 2;
    };
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            entries: Vec::new(),
            last_use: Instant::now(),
            deadline: None,
        }),
        idle: Duration::from_secs(args.idle_secs.clamp(1, crate::agent_settings::MAX_IDLE)),
        hardened,
        socket: args.socket.clone(),
        inode,
        connections: AtomicUsize::new(0),
    });
    {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(200));
                let expired = {
                    let st = shared.lock_state();
                    Instant::now() >= shared.locks_at(&st)
                };
                if expired || !shared.socket_is_ours() {
                    shared.end();
                }
            })
            .expect("the agent's timer thread starts");
    }
    for conn in listener.incoming() {
        let Ok(stream) = conn else { continue };
        if shared.connections.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            continue;
        }
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared2 = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn(move || {
                serve(&shared2, stream);
                shared2.connections.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            shared.connections.fetch_sub(1, Ordering::SeqCst);
        }
    }
    drop(lock);
    0
}

fn send(stream: &mut UnixStream, reply: &Reply) -> bool {
    proto::write_frame(stream, reply).is_ok()
}

fn error(message: impl Into<String>) -> Reply {
    Reply::Error {
        message: message.into(),
    }
}

fn serve(shared: &Shared, mut stream: UnixStream) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let me = runtime::uid();
    match runtime::peer_uid(&stream) {
        Some(uid) if uid == me => {}
        other => {
            let who = other.map_or("an unknown user".to_string(), |u| format!("uid {u}"));
            send(
                &mut stream,
                &error(format!(
                    "refused: this agent serves uid {me} only, not {who}"
                )),
            );
            return;
        }
    }
    loop {
        let frame = match proto::read_frame(&mut stream) {
            Ok(f) => f,
            Err(FrameError::Closed) => return,
            Err(e) => {
                send(&mut stream, &error(format!("refused: {e}")));
                return;
            }
        };
        // Never quote the input back: it may hold a passphrase.
        let Ok(request) = serde_json::from_slice::<Request>(&frame) else {
            send(
                &mut stream,
                &error("refused: not a request this agent understands"),
            );
            return;
        };
        drop(frame);
        let reply = handle(shared, &request);
        let locked = matches!(reply, Reply::Locked);
        if !send(&mut stream, &reply) && !locked {
            return;
        }
        if locked {
            let _ = stream.flush();
            shared.end();
        }
    }
}

fn handle(shared: &Shared, request: &Request) -> Reply {
    match request {
        Request::Status => {
            let st = shared.lock_state();
            let left = shared
                .locks_at(&st)
                .saturating_duration_since(Instant::now());
            Reply::Status(Status {
                pid: std::process::id(),
                identities: st.entries.iter().map(|e| e.path.clone()).collect(),
                locks_in_secs: left.as_secs(),
                fixed: st.deadline.is_some(),
                idle_secs: shared.idle.as_secs(),
                memory_locked: shared.hardened.memory_locked,
                dumpable: harden::dumpable(),
            })
        }
        Request::Lookup {
            path,
            digest,
            for_secs,
        } => {
            let mut st = shared.lock_state();
            let Some(i) = st.entries.iter().position(|e| &e.path == path) else {
                return Reply::NotUnlocked;
            };
            if crate::store::hex(&st.entries[i].digest) != *digest {
                // The file changed (a new passphrase, another key): what
                // was unlocked from the old one is not it any more.
                st.entries.remove(i);
                return Reply::NotUnlocked;
            }
            st.last_use = Instant::now();
            if let Some(secs) = for_secs {
                st.deadline = Some(Instant::now() + for_duration(*secs));
            }
            identity_reply(&st.entries[i])
        }
        Request::Unlock {
            path,
            passphrase,
            for_secs,
        } => unlock(shared, path, passphrase, *for_secs),
        Request::Unwrap { path, stanzas } => {
            if stanzas.len() > proto::MAX_STANZAS {
                return error("refused: too many stanzas");
            }
            let Some(stanzas) = stanzas
                .iter()
                .map(proto::WireStanza::to_stanza)
                .collect::<Option<Vec<_>>>()
            else {
                return error("refused: a stanza body is not base64");
            };
            let mut st = shared.lock_state();
            let Some(entry) = st.entries.iter().find(|e| &e.path == path) else {
                return Reply::NotUnlocked;
            };
            let reply = match entry.keyring.unwrap_stanzas(&stanzas) {
                Some(Ok(key)) => Reply::FileKey {
                    key: b64().encode(key.expose_secret()),
                },
                Some(Err(_)) => error("the file key does not unwrap: the header is damaged"),
                None => Reply::NoMatch,
            };
            st.last_use = Instant::now();
            reply
        }
        Request::Sign {
            path,
            chain,
            signed,
        } => {
            let Ok(signed) = b64().decode(signed) else {
                return error("refused: the record is not base64");
            };
            let mut st = shared.lock_state();
            let Some(entry) = st.entries.iter().find(|e| &e.path == path) else {
                return Reply::NotUnlocked;
            };
            let Some(signer) = &entry.signer else {
                return error("this identity has no signing key");
            };
            let reply = match signer.signature(chain, &signed) {
                Ok(sig) => Reply::Signature {
                    sig: b64().encode(sig),
                },
                Err(e) => error(e.to_string()),
            };
            st.last_use = Instant::now();
            reply
        }
        Request::Lock => Reply::Locked,
    }
}

fn for_duration(secs: u64) -> Duration {
    Duration::from_secs(secs.clamp(1, crate::agent_settings::MAX_FOR))
}

fn identity_reply(entry: &Entry) -> Reply {
    Reply::Identity {
        public_keys: entry.keyring.public_keys().to_vec(),
        signer: entry
            .signer
            .as_ref()
            .map(|s| crate::store::hex(&s.public_bytes()))
            .unwrap_or_default(),
    }
}

fn unlock(shared: &Shared, path: &str, passphrase: &str, for_secs: Option<u64>) -> Reply {
    let file = Path::new(path);
    if !file.is_absolute() {
        return error("refused: the identity's path must be absolute");
    }
    if let Err(e) = crypto::check_private_permissions(file) {
        return error(e.to_string());
    }
    let bytes = match std::fs::read(file) {
        Ok(b) => zeroize::Zeroizing::new(b),
        Err(e) => return error(format!("cannot read the identity file ({})", e.kind())),
    };
    if crypto::lock_kind(&bytes).is_none() {
        return error("refused: this identity has no passphrase and needs no agent");
    }
    let pass = SecretString::from(passphrase.to_string());
    // scrypt runs here, outside the state's lock.
    let mut keyring = Keyring::default();
    match keyring.add_read(file, &bytes, Some(&pass)) {
        Ok(()) => {}
        Err(IdentityLoadError::WrongPassphrase { .. })
        | Err(IdentityLoadError::NeedsPassphrase { .. }) => return Reply::WrongPassphrase,
        Err(IdentityLoadError::Other(e)) => return error(e.to_string()),
    }
    let entry = Entry {
        path: path.to_string(),
        digest: Sha256::digest(bytes.as_slice()).into(),
        signer: Signer::from_keyring(&keyring),
        keyring,
    };
    let reply = identity_reply(&entry);
    let mut st = shared.lock_state();
    st.entries.retain(|e| e.path != path);
    st.entries.push(entry);
    st.last_use = Instant::now();
    if let Some(secs) = for_secs {
        st.deadline = Some(Instant::now() + for_duration(secs));
    }
    reply
}
