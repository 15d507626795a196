//! The agent's wire protocol: one request and one reply a frame, each a
//! 4-byte big-endian length and that many bytes of JSON. A frame longer
//! than [`MAX_FRAME`], an empty one, or bytes that are not a request get an
//! [`Reply::Error`] and the connection is closed; the agent keeps serving.
//!
//! Binary fields (stanza bodies, file keys, signatures, record bytes) are
//! base64. Nothing in a frame is ever written anywhere.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// Largest frame either side accepts: 1 MiB (an age header to many
/// recipients is a few kilobytes).
pub const MAX_FRAME: usize = 1 << 20;
/// Most stanzas one unwrap request may carry.
pub const MAX_STANZAS: usize = 4096;

/// What a client asks.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// Whether it is unlocked, what it holds and until when.
    Status,
    /// Whether the identity file at `path` (absolute) is unlocked here, as
    /// it is now on disk (`digest`: SHA-256 of its bytes, hex); `for_secs`
    /// keeps it unlocked that long from now (`ward unlock --for`).
    Lookup {
        path: String,
        digest: String,
        for_secs: Option<u64>,
    },
    /// Unlock the identity file at `path` with `passphrase`; `for_secs`
    /// keeps the agent unlocked that long instead of the idle time.
    Unlock {
        path: String,
        passphrase: String,
        for_secs: Option<u64>,
    },
    /// Unwrap the file key of one age header's stanzas with `path`'s identity.
    Unwrap {
        path: String,
        stanzas: Vec<WireStanza>,
    },
    /// Sign an audit record (`signed`, base64) of the chain `chain`.
    Sign {
        path: String,
        chain: String,
        signed: String,
    },
    /// Forget every identity and end.
    Lock,
}

impl Drop for Request {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Request::Unlock { passphrase, .. } = self {
            passphrase.zeroize();
        }
    }
}

/// An age recipient stanza.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireStanza {
    pub tag: String,
    pub args: Vec<String>,
    /// base64
    pub body: String,
}

impl WireStanza {
    pub fn from_stanza(s: &age_core::format::Stanza) -> WireStanza {
        WireStanza {
            tag: s.tag.clone(),
            args: s.args.clone(),
            body: b64().encode(&s.body),
        }
    }

    pub fn to_stanza(&self) -> Option<age_core::format::Stanza> {
        Some(age_core::format::Stanza {
            tag: self.tag.clone(),
            args: self.args.clone(),
            body: b64().decode(&self.body).ok()?,
        })
    }
}

/// What the agent answers.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Reply {
    Status(Status),
    /// The identity is unlocked: its public keys and audit signing key (hex).
    Identity {
        public_keys: Vec<String>,
        signer: String,
    },
    /// Not unlocked here (or the file changed since).
    NotUnlocked,
    WrongPassphrase,
    /// The unwrapped file key, base64.
    FileKey {
        key: String,
    },
    /// None of the stanzas is for this identity.
    NoMatch,
    /// An ed25519 signature, base64.
    Signature {
        sig: String,
    },
    /// Locked: every identity forgotten, the agent ends.
    Locked,
    Error {
        message: String,
    },
}

impl Drop for Reply {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Reply::FileKey { key } = self {
            key.zeroize();
        }
    }
}

/// The agent's state as `ward agent status` shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    pub pid: u32,
    /// The identity files it holds unlocked.
    pub identities: Vec<String>,
    /// Seconds until it locks (idle time left, or what is left of --for).
    pub locks_in_secs: u64,
    /// Whether it locks at a fixed time (`--for`) rather than when idle.
    pub fixed: bool,
    /// The idle time it was started with.
    pub idle_secs: u64,
    /// Whether its memory is locked against swapping.
    pub memory_locked: bool,
    /// Whether the process is dumpable (it should never be).
    pub dumpable: bool,
}

pub fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The other side closed the connection before a frame began.
    Closed,
    TooLarge(usize),
    Empty,
    Io(std::io::Error),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Closed => write!(f, "the connection was closed"),
            FrameError::TooLarge(n) => {
                write!(
                    f,
                    "a message of {n} bytes is more than the {MAX_FRAME} allowed"
                )
            }
            FrameError::Empty => write!(f, "an empty message"),
            FrameError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads one frame (zeroized when dropped: it may hold a passphrase).
pub fn read_frame(r: &mut impl Read) -> Result<Zeroizing<Vec<u8>>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len));
    }
    let mut buf = Zeroizing::new(vec![0u8; len]);
    r.read_exact(&mut buf).map_err(FrameError::Io)?;
    Ok(buf)
}

/// Writes `msg` as one frame.
pub fn write_frame(w: &mut impl Write, msg: &impl Serialize) -> std::io::Result<()> {
    let body = Zeroizing::new(serde_json::to_vec(msg).map_err(std::io::Error::other)?);
    if body.len() > MAX_FRAME {
        return Err(std::io::Error::other("message too large for the agent"));
    }
    let mut frame = Zeroizing::new(Vec::with_capacity(4 + body.len()));
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    w.write_all(&frame)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_bad_ones_are_refused() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &Request::Status).unwrap();
        let frame = read_frame(&mut buf.as_slice()).unwrap();
        assert!(matches!(
            serde_json::from_slice::<Request>(&frame).unwrap(),
            Request::Status
        ));
        let huge = (MAX_FRAME as u32 + 1).to_be_bytes();
        assert!(matches!(
            read_frame(&mut huge.as_slice()),
            Err(FrameError::TooLarge(_))
        ));
        assert!(matches!(
            read_frame(&mut [0u8, 0, 0, 0].as_slice()),
            Err(FrameError::Empty)
        ));
        assert!(matches!(
            read_frame(&mut [].as_slice()),
            Err(FrameError::Closed)
        ));
        // Cut short: an error, not a hang or a panic.
        assert!(read_frame(&mut [0u8, 0, 0, 9, b'{'].as_slice()).is_err());
        // Not a request.
        assert!(serde_json::from_slice::<Request>(b"{\"op\":\"dump-keys\"}").is_err());
        assert!(serde_json::from_slice::<Request>(b"\xff\xfe").is_err());
    }
}
