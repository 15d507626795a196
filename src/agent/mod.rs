//! The ward agent ("unlock once"): a detached process of this user that
//! holds passphrase-protected identities unlocked for a while, as
//! ssh-agent and gpg-agent do, so that one passphrase serves many
//! commands and the TUI. See docs/SECURITY.md, "The agent".
//!
//! - [`server`]: the process (`ward __agent`), its socket, its requests.
//! - [`client`]: requests, and the identity and signer a keyring gets.
//! - [`proto`]: the length-prefixed JSON frames between them.
//! - [`runtime`]: the private folder of the socket.
//! - [`harden`]: not dumpable, no core, memory locked where allowed.
//! - `crate::agent_settings`: `[agent]` of config.toml and its time spans.
//!
//! The private key never leaves the agent: clients send the recipient
//! stanzas of a file's header and get its file key back, and send audit
//! record bytes to be signed with the identity's signing key.

pub mod client;
pub mod harden;
pub mod proto;
pub mod runtime;
pub mod server;

pub use crate::agent_settings::{AgentSettings, Span};
pub use client::{Agent, Held, HeldIdentity, HeldSigner, Unlocked};
