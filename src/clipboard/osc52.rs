//! OSC 52: asking the terminal to set its clipboard with an escape sequence,
//! written to the controlling terminal (never stdout).
//!
//! The byte sequences are built by pure functions ([`sequence`], [`encode`]) so
//! tests can assert them exactly. Inside tmux the plain sequence works with
//! `set -s set-clipboard on`; the DCS passthrough form reaches the outer
//! terminal with `set -g allow-passthrough on`. Inside GNU screen only the
//! passthrough form reaches the outer terminal, in short chunks.

use super::{BackendUsed, Clipboard, CopyError, CopyErrorKind, ReadBack, CLEARED_PLACEHOLDER};
use base64::Engine;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Largest value sent by OSC 52, in bytes before base64. Terminals and tmux
/// cap the sequence (xterm and tmux at around 1 MB, some far lower).
pub const MAX_OSC52_BYTES: usize = 74_994;

/// Bytes of the OSC sequence per DCS chunk inside screen (screen drops longer
/// DCS strings; 76 is what vim-oscyank and tmux-yank use).
pub const SCREEN_CHUNK: usize = 76;

/// How long a copy waits for tmux to turn the sequence into a paste buffer,
/// so the keeper knows which buffer is its own.
const TMUX_BUFFER_WAIT: Duration = Duration::from_millis(1500);

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// The terminal multiplexer between ward and the terminal, from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mux {
    None,
    Tmux,
    Screen,
}

impl Mux {
    /// tmux sets `TMUX` (and `TERM=screen*` or `tmux*`), so `TMUX` is looked at
    /// first; screen sets `STY` and `TERM=screen*`.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> Mux {
        let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
        if set("TMUX") {
            Mux::Tmux
        } else if set("STY") || var("TERM").is_some_and(|t| t.starts_with("screen")) {
            Mux::Screen
        } else {
            Mux::None
        }
    }
}

/// How the sequence travels to a clipboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Straight to the terminal emulator.
    Terminal,
    /// Inside tmux: `clipboard` sends the plain sequence (tmux's
    /// `set-clipboard on` stores it in a paste buffer and forwards it),
    /// `passthrough` also sends the DCS-wrapped one (`allow-passthrough on`).
    Tmux { clipboard: bool, passthrough: bool },
    /// Inside screen: plain plus chunked DCS passthrough.
    Screen,
}

impl Route {
    pub fn describe(&self) -> &'static str {
        match self {
            Route::Terminal => "OSC 52 via the terminal",
            Route::Tmux {
                clipboard: true, ..
            } => "OSC 52 via tmux",
            Route::Tmux { .. } => "OSC 52 via tmux passthrough",
            Route::Screen => "OSC 52 via screen passthrough",
        }
    }

    /// Whether ward can know the value arrived: only tmux with set-clipboard on
    /// tells us (by its setting); a terminal emulator never answers.
    pub fn confirmed(&self) -> bool {
        matches!(
            self,
            Route::Tmux {
                clipboard: true,
                ..
            }
        )
    }

    pub(crate) fn token(&self) -> String {
        match self {
            Route::Terminal => "terminal".into(),
            Route::Tmux {
                clipboard,
                passthrough,
            } => format!("tmux-{}-{}", *clipboard as u8, *passthrough as u8),
            Route::Screen => "screen".into(),
        }
    }

    pub(crate) fn from_token(t: &str) -> Option<Route> {
        match t {
            "terminal" => Some(Route::Terminal),
            "screen" => Some(Route::Screen),
            _ => {
                let rest = t.strip_prefix("tmux-")?;
                let (c, p) = rest.split_once('-')?;
                Some(Route::Tmux {
                    clipboard: c == "1",
                    passthrough: p == "1",
                })
            }
        }
    }
}

/// `ESC ] 52 ; c ; <base64> BEL`: set the clipboard selection to `payload`.
/// Every buffer that holds the (encoded) value is zeroized when dropped.
pub fn sequence(payload: &[u8]) -> Zeroizing<Vec<u8>> {
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(payload));
    let mut out = Zeroizing::new(Vec::with_capacity(b64.len() + 8));
    out.extend_from_slice(b"\x1b]52;c;");
    out.extend_from_slice(b64.as_bytes());
    out.push(BEL);
    out
}

/// tmux passthrough: `ESC P tmux; <seq with every ESC doubled> ESC \`.
pub fn tmux_passthrough(seq: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(seq.len() + 12));
    out.extend_from_slice(b"\x1bPtmux;");
    for &b in seq {
        if b == ESC {
            out.push(ESC);
        }
        out.push(b);
    }
    out.extend_from_slice(b"\x1b\\");
    out
}

/// screen passthrough: the sequence cut into [`SCREEN_CHUNK`]-byte pieces,
/// each wrapped as `ESC P <piece> ESC \`.
pub fn screen_passthrough(seq: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        seq.len() + seq.len().div_ceil(SCREEN_CHUNK) * 4,
    ));
    for piece in seq.chunks(SCREEN_CHUNK) {
        out.extend_from_slice(b"\x1bP");
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\x1b\\");
    }
    out
}

/// Everything written to the terminal to set the clipboard along `route`.
pub fn encode(route: Route, payload: &[u8]) -> Zeroizing<Vec<u8>> {
    let seq = sequence(payload);
    match route {
        Route::Terminal => seq,
        Route::Tmux {
            clipboard,
            passthrough,
        } => {
            let mut out = Zeroizing::new(Vec::new());
            if clipboard {
                out.extend_from_slice(&seq);
            }
            if passthrough {
                out.extend_from_slice(&tmux_passthrough(&seq));
            }
            out
        }
        Route::Screen => {
            let wrapped = screen_passthrough(&seq);
            let mut out = Zeroizing::new(Vec::with_capacity(seq.len() + wrapped.len()));
            out.extend_from_slice(&seq);
            out.extend_from_slice(&wrapped);
            out
        }
    }
}

/// tmux's settings that decide whether OSC 52 from a program goes anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TmuxSettings {
    /// `set-clipboard`: on, external or off.
    pub set_clipboard: String,
    /// `allow-passthrough` of our pane: on, all or off.
    pub allow_passthrough: String,
}

impl TmuxSettings {
    /// Asks the tmux server named by `$TMUX` (None when it cannot be asked).
    pub fn query(pane: Option<&str>) -> Option<TmuxSettings> {
        let set_clipboard = tmux_output(&["show-options", "-sv", "set-clipboard"])?;
        let mut args = vec!["show-options", "-pvA"];
        if let Some(p) = pane {
            args.extend(["-t", p]);
        }
        args.push("allow-passthrough");
        // tmux before 3.3 has no allow-passthrough and passes DCS through.
        let allow_passthrough = tmux_output(&args).unwrap_or_else(|| "on".into());
        Some(TmuxSettings {
            set_clipboard,
            allow_passthrough,
        })
    }

    /// The route these settings allow, or why nothing would arrive.
    pub fn route(&self) -> Result<Route, CopyError> {
        let clipboard = self.set_clipboard == "on";
        let passthrough = self.allow_passthrough != "off";
        if !clipboard && !passthrough {
            return Err(CopyError::new(
                CopyErrorKind::TmuxDrops,
                format!(
                    "tmux drops OSC 52 from programs here (set-clipboard is {}, allow-passthrough is {}): \
                     enable `set -s set-clipboard on` in ~/.tmux.conf (or `set -g allow-passthrough on`), \
                     or use the native clipboard",
                    self.set_clipboard, self.allow_passthrough
                ),
            ));
        }
        Ok(Route::Tmux {
            clipboard,
            passthrough,
        })
    }
}

fn tmux_output(args: &[&str]) -> Option<String> {
    let out = Command::new("tmux")
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Picks the route for the multiplexer we run in, asking tmux about its
/// settings. When tmux cannot be asked, both forms are sent.
pub fn route_for(mux: Mux, tmux_pane: Option<&str>) -> Result<Route, CopyError> {
    match mux {
        Mux::None => Ok(Route::Terminal),
        Mux::Screen => Ok(Route::Screen),
        Mux::Tmux => match TmuxSettings::query(tmux_pane) {
            Some(settings) => settings.route(),
            None => Ok(Route::Tmux {
                clipboard: true,
                passthrough: true,
            }),
        },
    }
}

/// The OSC 52 backend over any writer (the terminal, or a buffer in tests).
pub struct Osc52<W: Write> {
    out: W,
    route: Route,
    /// The last value set, kept only to delete tmux paste buffers holding it.
    scrub: Option<Zeroizing<String>>,
    scrub_tmux: bool,
    /// The tmux paste buffers this copy made (tmux names them `bufferN`
    /// with N never reused), deleted at the deadline even when superseded.
    own_buffers: Vec<String>,
}

impl<W: Write> Osc52<W> {
    pub fn new(out: W, route: Route) -> Self {
        Osc52 {
            out,
            route,
            scrub: None,
            scrub_tmux: false,
            own_buffers: Vec::new(),
        }
    }

    /// On clear, also delete the tmux paste buffers that hold the value
    /// (tmux makes a new buffer for every OSC 52 it accepts, and keeps them).
    pub fn scrubbing_tmux_buffers(mut self) -> Self {
        self.scrub_tmux = matches!(
            self.route,
            Route::Tmux {
                clipboard: true,
                ..
            }
        );
        self
    }

    pub fn route(&self) -> Route {
        self.route
    }

    /// The writer, e.g. the buffer a test wrote into.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn send(&mut self, payload: &[u8]) -> Result<(), CopyError> {
        if payload.len() > MAX_OSC52_BYTES {
            return Err(CopyError::new(
                CopyErrorKind::TooLarge,
                format!(
                    "the value is {} bytes, too large for OSC 52 (limit {MAX_OSC52_BYTES}); use `ward get`",
                    payload.len()
                ),
            ));
        }
        let bytes = encode(self.route, payload);
        // One write call, so that another writer's output cannot land inside it.
        self.out
            .write_all(&bytes)
            .and_then(|_| self.out.flush())
            .map_err(|e| {
                CopyError::new(
                    CopyErrorKind::Unreachable,
                    format!("writing OSC 52 to the terminal failed: {e}"),
                )
            })
    }
}

impl<W: Write> Clipboard for Osc52<W> {
    fn backend(&self) -> BackendUsed {
        BackendUsed::Osc52(self.route)
    }

    fn set_text(&mut self, text: &str) -> Result<(), CopyError> {
        if !self.scrub_tmux {
            return self.send(text.as_bytes());
        }
        let before = tmux_buffers();
        self.send(text.as_bytes())?;
        self.scrub = Some(Zeroizing::new(text.to_string()));
        // The keeper sets under the clipboard's lock, so no later ward copy
        // can add a buffer until this one has been found.
        self.own_buffers = match before {
            Some(before) => wait_for_new_buffers(&before, text, TMUX_BUFFER_WAIT),
            None => Vec::new(),
        };
        Ok(())
    }

    fn read_text(&mut self) -> ReadBack {
        ReadBack::Unsupported
    }

    /// Overwrites with [`CLEARED_PLACEHOLDER`]: tmux ignores an empty payload.
    /// The paste buffers go whatever happened to the terminal: a pane closed
    /// during the timeout makes the overwrite fail, and the value must not
    /// outlive it in a tmux buffer.
    fn clear(&mut self) -> Result<(), CopyError> {
        let sent = self.send(CLEARED_PLACEHOLDER.as_bytes());
        if let Some(value) = self.scrub.take() {
            delete_tmux_buffers_holding(&value);
        }
        self.own_buffers.clear();
        sent
    }

    fn has_leftovers(&self) -> bool {
        !self.own_buffers.is_empty()
    }

    /// Deletes the paste buffers this copy made, if they still hold the
    /// value. A later copy's buffer has another name, whatever it holds.
    fn remove_leftovers(&mut self) {
        let Some(value) = self.scrub.take() else {
            return;
        };
        for name in std::mem::take(&mut self.own_buffers) {
            if buffer_holds(&name, &value) {
                delete_buffer(&name);
            }
        }
    }
}

/// tmux's paste buffers as (name, size in bytes); None if tmux cannot be
/// asked.
fn tmux_buffers() -> Option<Vec<(String, usize)>> {
    let out = Command::new("tmux")
        .args(["list-buffers", "-F", "#{buffer_size} #{buffer_name}"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let list = String::from_utf8_lossy(&out.stdout);
    Some(
        list.lines()
            .filter_map(|l| {
                let (size, name) = l.split_once(' ')?;
                Some((name.to_string(), size.parse().ok()?))
            })
            .collect(),
    )
}

/// Whether the paste buffer `name` holds exactly `value`.
fn buffer_holds(name: &str, value: &str) -> bool {
    let Ok(out) = Command::new("tmux")
        .args(["show-buffer", "-b", name])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return false;
    };
    let bytes = Zeroizing::new(out.stdout);
    out.status.success() && bytes.as_slice() == value.as_bytes()
}

fn delete_buffer(name: &str) {
    let _ = Command::new("tmux")
        .args(["delete-buffer", "-b", name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The buffers not in `before` that hold exactly `value`, once tmux has made
/// at least one (it reads the pane asynchronously); none after `limit`.
fn wait_for_new_buffers(before: &[(String, usize)], value: &str, limit: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let Some(now) = tmux_buffers() else {
            return Vec::new();
        };
        let found: Vec<String> = now
            .into_iter()
            .filter(|(name, size)| {
                *size == value.len()
                    && !before.iter().any(|(b, _)| b == name)
                    && buffer_holds(name, value)
            })
            .map(|(name, _)| name)
            .collect();
        if !found.is_empty() || start.elapsed() >= limit {
            return found;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Deletes every tmux paste buffer whose content is exactly `value`. Only
/// the clipboard's current owner does this (no later copy exists then).
pub fn delete_tmux_buffers_holding(value: &str) {
    let Some(buffers) = tmux_buffers() else {
        return;
    };
    for (name, size) in buffers {
        if size == value.len() && buffer_holds(&name, value) {
            delete_buffer(&name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn plain_sequence_is_exact() {
        // base64("hunter2") = "aHVudGVyMg=="
        assert_eq!(
            *sequence(b"hunter2"),
            b"\x1b]52;c;aHVudGVyMg==\x07".to_vec()
        );
        assert_eq!(encode(Route::Terminal, b"hunter2"), sequence(b"hunter2"));
        // Multi-line and non-ASCII values survive base64 untouched.
        assert_eq!(
            *sequence("a\nb€".as_bytes()),
            b"\x1b]52;c;YQpi4oKs\x07".to_vec()
        );
    }

    #[test]
    fn tmux_passthrough_doubles_escapes() {
        let seq = sequence(b"hunter2");
        assert_eq!(
            *tmux_passthrough(&seq),
            b"\x1bPtmux;\x1b\x1b]52;c;aHVudGVyMg==\x07\x1b\\".to_vec()
        );
        let both = encode(
            Route::Tmux {
                clipboard: true,
                passthrough: true,
            },
            b"hunter2",
        );
        assert_eq!(
            *both,
            b"\x1b]52;c;aHVudGVyMg==\x07\x1bPtmux;\x1b\x1b]52;c;aHVudGVyMg==\x07\x1b\\".to_vec()
        );
        let only_clipboard = encode(
            Route::Tmux {
                clipboard: true,
                passthrough: false,
            },
            b"hunter2",
        );
        assert_eq!(only_clipboard, seq);
        let only_passthrough = encode(
            Route::Tmux {
                clipboard: false,
                passthrough: true,
            },
            b"hunter2",
        );
        assert_eq!(only_passthrough, tmux_passthrough(&seq));
    }

    #[test]
    fn screen_passthrough_is_chunked() {
        let seq = sequence(b"hunter2");
        assert_eq!(
            *screen_passthrough(&seq),
            b"\x1bP\x1b]52;c;aHVudGVyMg==\x07\x1b\\".to_vec()
        );
        // A long value: every DCS piece carries at most SCREEN_CHUNK bytes.
        let long = vec![b'x'; 300];
        let seq = sequence(&long);
        let wrapped = screen_passthrough(&seq);
        let mut rebuilt = Vec::new();
        let mut pieces = 0;
        let mut rest = &wrapped[..];
        while !rest.is_empty() {
            assert!(rest.starts_with(b"\x1bP"));
            let end = rest
                .windows(2)
                .position(|w| w == b"\x1b\\")
                .expect("terminated");
            let piece = &rest[2..end];
            assert!(piece.len() <= SCREEN_CHUNK);
            rebuilt.extend_from_slice(piece);
            pieces += 1;
            rest = &rest[end + 2..];
        }
        assert_eq!(rebuilt, *seq);
        assert_eq!(pieces, seq.len().div_ceil(SCREEN_CHUNK));
        // Screen route: plain first, then the passthrough copy.
        let mut expected = seq.to_vec();
        expected.extend_from_slice(&wrapped);
        assert_eq!(*encode(Route::Screen, &long), expected);
    }

    #[test]
    fn backend_writes_value_then_placeholder() {
        let mut b = Osc52::new(Vec::new(), Route::Terminal);
        b.set_text("hunter2").unwrap();
        assert!(matches!(b.read_text(), ReadBack::Unsupported));
        b.clear().unwrap();
        let out = b.into_inner();
        // base64(" ") = "IA=="
        assert_eq!(
            out,
            b"\x1b]52;c;aHVudGVyMg==\x07\x1b]52;c;IA==\x07".to_vec()
        );
    }

    #[test]
    fn too_large_is_refused_and_nothing_written() {
        let mut b = Osc52::new(Vec::new(), Route::Terminal);
        let big = "x".repeat(MAX_OSC52_BYTES + 1);
        let err = b.set_text(&big).unwrap_err();
        assert_eq!(err.kind, CopyErrorKind::TooLarge);
        assert!(b.into_inner().is_empty());
    }

    #[test]
    fn mux_detection() {
        assert_eq!(Mux::detect(env(&[])), Mux::None);
        assert_eq!(
            Mux::detect(env(&[
                ("TMUX", "/tmp/tmux-1/default,1,0"),
                ("TERM", "screen")
            ])),
            Mux::Tmux
        );
        assert_eq!(Mux::detect(env(&[("STY", "123.pts-0.host")])), Mux::Screen);
        assert_eq!(
            Mux::detect(env(&[("TERM", "screen-256color")])),
            Mux::Screen
        );
        assert_eq!(Mux::detect(env(&[("TERM", "xterm-256color")])), Mux::None);
    }

    #[test]
    fn tmux_settings_decide_the_route() {
        let s = |c: &str, p: &str| TmuxSettings {
            set_clipboard: c.into(),
            allow_passthrough: p.into(),
        };
        assert_eq!(
            s("on", "off").route().unwrap(),
            Route::Tmux {
                clipboard: true,
                passthrough: false
            }
        );
        assert_eq!(
            s("external", "on").route().unwrap(),
            Route::Tmux {
                clipboard: false,
                passthrough: true
            }
        );
        let err = s("external", "off").route().unwrap_err();
        assert_eq!(err.kind, CopyErrorKind::TmuxDrops);
        assert!(err.message.contains("set -s set-clipboard on"), "{err}");
    }

    #[test]
    fn route_tokens_round_trip() {
        for r in [
            Route::Terminal,
            Route::Screen,
            Route::Tmux {
                clipboard: true,
                passthrough: false,
            },
            Route::Tmux {
                clipboard: false,
                passthrough: true,
            },
        ] {
            assert_eq!(Route::from_token(&r.token()), Some(r));
        }
    }
}
