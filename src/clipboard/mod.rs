//! Copying to a clipboard that clears itself (docs/CLIPBOARD.md).
//!
//! - [`Clipboard`]: one backend — set, read back where possible, clear.
//!   [`native::Native`] (arboard), [`osc52::Osc52`] (escape sequence to the
//!   terminal) and [`FakeClipboard`] for tests.
//! - [`copy`]: the real thing. Hands the value (on a pipe) to a detached
//!   keeper process, a re-exec of ward (`ward __clipboard-keeper`), which sets
//!   the clipboard, answers whether that worked, keeps an X11/Wayland
//!   selection alive until the timeout, then clears it only if it still holds
//!   our value. It outlives the TUI or `ward copy`.
//! - [`Copier`]: the seam the TUI holds: [`SystemCopier`] in production,
//!   [`AutoClear`] over a [`FakeClipboard`] in tests (countdown, clear only if
//!   unchanged, clear after quit).
//!
//! Audit: a successful [`Copier::copy`] is a "copy" event (the report names
//! the backend); the [`ClearOutcome`] from [`Copier::poll`] is the
//! "clipboard-cleared" event. This module records nothing itself.

pub mod keeper;
pub mod native;
pub mod osc52;

pub use crate::config::ClipboardBackend;
pub use keeper::{copy, Copied, KeeperHandle};

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// What OSC 52 writes when it "clears": tmux ignores an empty payload, so the
/// clipboard is overwritten with a single space instead.
pub const CLEARED_PLACEHOLDER: &str = " ";

/// One clipboard mechanism.
pub trait Clipboard {
    /// What this is, for the report.
    fn backend(&self) -> BackendUsed;
    /// Puts `text` on the clipboard. An error means it is not there.
    fn set_text(&mut self, text: &str) -> Result<(), CopyError>;
    /// Reads the clipboard back, if the backend can.
    fn read_text(&mut self) -> ReadBack;
    /// Clears the clipboard (native) or overwrites it with
    /// [`CLEARED_PLACEHOLDER`] (OSC 52).
    fn clear(&mut self) -> Result<(), CopyError>;
    /// Whether setting the value left copies of it outside the clipboard
    /// that this backend can name (tmux paste buffers made by this copy),
    /// which must go at the deadline even when a later copy has taken the
    /// clipboard over.
    fn has_leftovers(&self) -> bool {
        false
    }
    /// Removes those copies, and only those: never a later copy's, even one
    /// with the same value.
    fn remove_leftovers(&mut self) {}
}

impl<C: Clipboard + ?Sized> Clipboard for Box<C> {
    fn backend(&self) -> BackendUsed {
        (**self).backend()
    }
    fn set_text(&mut self, text: &str) -> Result<(), CopyError> {
        (**self).set_text(text)
    }
    fn read_text(&mut self) -> ReadBack {
        (**self).read_text()
    }
    fn clear(&mut self) -> Result<(), CopyError> {
        (**self).clear()
    }
    fn has_leftovers(&self) -> bool {
        (**self).has_leftovers()
    }
    fn remove_leftovers(&mut self) {
        (**self).remove_leftovers()
    }
}

/// The result of reading a clipboard back.
pub enum ReadBack {
    Text(Zeroizing<String>),
    /// Empty, or something other than text (an image, another app's data).
    NotText,
    /// This backend cannot read (OSC 52: terminals rarely allow it).
    Unsupported,
}

/// Which backend a copy went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendUsed {
    Native,
    Osc52(osc52::Route),
}

impl BackendUsed {
    /// Whether ward knows the value arrived (not so for a bare terminal).
    pub fn confirmed(&self) -> bool {
        match self {
            BackendUsed::Native => true,
            BackendUsed::Osc52(r) => r.confirmed(),
        }
    }

    pub(crate) fn token(&self) -> String {
        match self {
            BackendUsed::Native => "native".into(),
            BackendUsed::Osc52(r) => format!("osc52:{}", r.token()),
        }
    }

    pub(crate) fn from_token(t: &str) -> Option<BackendUsed> {
        if t == "native" {
            return Some(BackendUsed::Native);
        }
        osc52::Route::from_token(t.strip_prefix("osc52:")?).map(BackendUsed::Osc52)
    }
}

impl fmt::Display for BackendUsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendUsed::Native => f.write_str("native clipboard"),
            BackendUsed::Osc52(r) => f.write_str(r.describe()),
        }
    }
}

/// Why a copy failed; the message says why and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CopyError {
    pub kind: CopyErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyErrorKind {
    /// Neither a display nor a terminal to send OSC 52 to.
    Unreachable,
    /// The native clipboard could not be opened (no display, no X server).
    NativeUnavailable,
    /// tmux would drop the sequence (set-clipboard and passthrough off).
    TmuxDrops,
    /// Too large for OSC 52.
    TooLarge,
    /// Empty, or not text.
    BadValue,
    /// The backend refused the write.
    Write,
    /// The keeper process could not be started or did not answer.
    Helper,
}

impl CopyErrorKind {
    const ALL: [CopyErrorKind; 7] = [
        CopyErrorKind::Unreachable,
        CopyErrorKind::NativeUnavailable,
        CopyErrorKind::TmuxDrops,
        CopyErrorKind::TooLarge,
        CopyErrorKind::BadValue,
        CopyErrorKind::Write,
        CopyErrorKind::Helper,
    ];

    pub(crate) fn token(self) -> String {
        format!("{self:?}")
    }

    pub(crate) fn from_token(t: &str) -> CopyErrorKind {
        Self::ALL
            .into_iter()
            .find(|k| k.token() == t)
            .unwrap_or(CopyErrorKind::Helper)
    }
}

impl CopyError {
    pub fn new(kind: CopyErrorKind, message: impl Into<String>) -> CopyError {
        CopyError {
            kind,
            message: message.into(),
        }
    }
}

/// A copy that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyReport {
    pub backend: BackendUsed,
    /// None: never cleared (timeout 0).
    pub timeout: Option<Duration>,
    pub copied_at: Instant,
}

impl CopyReport {
    /// When the clear is due; None if never.
    pub fn clears_at(&self) -> Option<Instant> {
        self.timeout.map(|t| self.copied_at + t)
    }

    /// The countdown for a status line.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        self.clears_at().map(|at| at.saturating_duration_since(now))
    }

    /// One line for the user, e.g. "Copied acme/api/KEY to the clipboard (OSC
    /// 52 via tmux); clears in 45 s". `what` must already be sanitised.
    pub fn summary(&self, what: &str) -> String {
        let head = self.headline(what);
        let tail = match (self.timeout, self.backend) {
            (None, _) => "; not cleared automatically (timeout 0)".to_string(),
            (Some(t), BackendUsed::Native) => format!("; clears in {}", secs(t)),
            (Some(t), BackendUsed::Osc52(_)) => {
                format!("; overwritten in {}", secs(t))
            }
        };
        head + &tail
    }

    /// Where `what` went, without the clear: for text that is no secret.
    pub fn headline(&self, what: &str) -> String {
        if self.backend.confirmed() {
            format!("Copied {what} to the clipboard ({})", self.backend)
        } else {
            format!(
                "Sent {what} to the terminal's clipboard ({}; works if the terminal allows OSC 52 clipboard writes)",
                self.backend
            )
        }
    }
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 || d >= Duration::from_secs(10) {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// What happened when the timeout came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClearOutcome {
    /// The clipboard still held our value and was cleared.
    Cleared,
    /// OSC 52 cannot read back: the clipboard was overwritten with the
    /// placeholder.
    Overwritten,
    /// The clipboard held something else by then: left alone.
    Changed,
    /// A later ward copy took over the clipboard (an OSC 52 keeper in tmux
    /// still deleted its own paste buffers at its deadline).
    Superseded,
    /// Timeout 0: nothing is cleared.
    Kept,
    /// Clearing failed.
    Failed(String),
}

impl ClearOutcome {
    /// Whether the value is gone from the clipboard because of ward.
    pub fn cleared(&self) -> bool {
        matches!(self, ClearOutcome::Cleared | ClearOutcome::Overwritten)
    }

    pub(crate) fn token(&self) -> String {
        match self {
            ClearOutcome::Cleared => "cleared".into(),
            ClearOutcome::Overwritten => "overwritten".into(),
            ClearOutcome::Changed => "changed".into(),
            ClearOutcome::Superseded => "superseded".into(),
            ClearOutcome::Kept => "kept".into(),
            ClearOutcome::Failed(m) => format!("failed {}", m.replace('\n', " ")),
        }
    }

    pub(crate) fn from_token(t: &str) -> ClearOutcome {
        match t {
            "cleared" => ClearOutcome::Cleared,
            "overwritten" => ClearOutcome::Overwritten,
            "changed" => ClearOutcome::Changed,
            "superseded" => ClearOutcome::Superseded,
            "kept" => ClearOutcome::Kept,
            other => ClearOutcome::Failed(
                other
                    .strip_prefix("failed ")
                    .unwrap_or("unknown answer from the clipboard helper")
                    .to_string(),
            ),
        }
    }
}

impl fmt::Display for ClearOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClearOutcome::Cleared => f.write_str("clipboard cleared"),
            ClearOutcome::Overwritten => f.write_str("clipboard overwritten (OSC 52)"),
            ClearOutcome::Changed => {
                f.write_str("clipboard left alone: it holds something else now")
            }
            ClearOutcome::Superseded => f.write_str("a later copy took over the clear"),
            ClearOutcome::Kept => f.write_str("not cleared (timeout 0)"),
            ClearOutcome::Failed(m) => write!(f, "clearing the clipboard failed: {m}"),
        }
    }
}

/// Clears `board` if it still holds `value`; overwrites when it cannot tell.
pub fn clear_if_unchanged<C: Clipboard + ?Sized>(board: &mut C, value: &str) -> ClearOutcome {
    let result = match board.read_text() {
        ReadBack::Text(t) if t.as_str() == value => board.clear().map(|_| ClearOutcome::Cleared),
        ReadBack::Text(_) | ReadBack::NotText => return ClearOutcome::Changed,
        ReadBack::Unsupported => board.clear().map(|_| ClearOutcome::Overwritten),
    };
    result.unwrap_or_else(|e| ClearOutcome::Failed(e.message))
}

/// Settings for one copy.
#[derive(Clone, Debug)]
pub struct CopyOptions {
    pub backend: ClipboardBackend,
    /// None: never clear.
    pub timeout: Option<Duration>,
    /// The ward binary to run as keeper; default: this executable.
    pub helper: Option<PathBuf>,
    /// The terminal for OSC 52; default: /dev/tty (the controlling terminal).
    pub tty: Option<PathBuf>,
    /// Where the keeper records the clear, if anywhere.
    pub audit: Option<AuditTarget>,
}

/// The audit log a keeper writes its clipboard-cleared record to.
#[derive(Clone, Debug)]
pub struct AuditTarget {
    pub store_root: PathBuf,
    pub actor: String,
    /// The secret copied (its name only).
    pub path: String,
}

impl CopyOptions {
    /// From config values: `timeout_secs` 0 means never.
    pub fn new(backend: ClipboardBackend, timeout_secs: u64) -> CopyOptions {
        CopyOptions {
            backend,
            timeout: (timeout_secs > 0).then(|| Duration::from_secs(timeout_secs)),
            helper: None,
            tty: None,
            audit: None,
        }
    }
}

/// What the TUI holds: copies values, and tells it when a clear happened.
pub trait Copier: Send {
    /// Copies `value` at `now` (the caller's clock, so tests can drive
    /// time); a later copy replaces the earlier one's clear job.
    fn copy(
        &mut self,
        value: &str,
        timeout: Option<Duration>,
        now: Instant,
        audit: Option<AuditTarget>,
    ) -> Result<CopyReport, CopyError>;
    /// Whether the copier records the clear in the audit log itself (the
    /// keeper process does); otherwise the caller records what `poll` says.
    fn records_clear(&self) -> bool;
    /// The outcome of the latest copy's clear, once (call on each tick).
    fn poll(&mut self, now: Instant) -> Option<ClearOutcome>;
    /// Clears now, if the clipboard still holds the latest copy, instead of
    /// at its deadline: the app locks or quits. The outcome comes through
    /// `poll` as usual.
    fn clear_now(&mut self, now: Instant);
    /// The program is quitting: the pending clear must still happen. Returns a
    /// handle where the clear runs in this process (tests); None when a
    /// separate process does it.
    fn quit(self: Box<Self>) -> Option<std::thread::JoinHandle<ClearOutcome>>;
}

/// The production [`Copier`]: every copy goes through a keeper process.
pub struct SystemCopier {
    pub options: CopyOptions,
    latest: Option<KeeperHandle>,
}

impl SystemCopier {
    pub fn new(options: CopyOptions) -> SystemCopier {
        SystemCopier {
            options,
            latest: None,
        }
    }
}

impl Copier for SystemCopier {
    fn copy(
        &mut self,
        value: &str,
        timeout: Option<Duration>,
        _now: Instant,
        audit: Option<AuditTarget>,
    ) -> Result<CopyReport, CopyError> {
        // The keeper process keeps real time.
        let opts = CopyOptions {
            timeout,
            audit,
            ..self.options.clone()
        };
        let copied = copy(value, &opts)?;
        self.latest = Some(copied.keeper);
        Ok(copied.report)
    }

    fn records_clear(&self) -> bool {
        true
    }

    fn poll(&mut self, _now: Instant) -> Option<ClearOutcome> {
        let outcome = self.latest.as_ref()?.try_outcome()?;
        self.latest = None;
        Some(outcome)
    }

    fn clear_now(&mut self, _now: Instant) {
        if let Some(keeper) = &self.latest {
            keeper.clear_now();
        }
    }

    fn quit(self: Box<Self>) -> Option<std::thread::JoinHandle<ClearOutcome>> {
        None
    }
}

/// An in-process [`Copier`] over any [`Clipboard`]: the countdown and clear
/// run on the caller's ticks. Used with [`FakeClipboard`] in tests; the
/// same clearing rule as the keeper ([`clear_if_unchanged`]).
pub struct AutoClear<C: Clipboard> {
    board: C,
    pending: Option<Pending>,
}

struct Pending {
    value: Zeroizing<String>,
    clears_at: Option<Instant>,
}

impl<C: Clipboard> AutoClear<C> {
    pub fn new(board: C) -> AutoClear<C> {
        AutoClear {
            board,
            pending: None,
        }
    }

    pub fn board(&self) -> &C {
        &self.board
    }

    /// Copies at `now`.
    pub fn copy_at(
        &mut self,
        value: &str,
        timeout: Option<Duration>,
        now: Instant,
    ) -> Result<CopyReport, CopyError> {
        if value.is_empty() {
            return Err(empty_value());
        }
        self.board.set_text(value)?;
        self.pending = Some(Pending {
            value: Zeroizing::new(value.to_string()),
            clears_at: timeout.map(|t| now + t),
        });
        Ok(CopyReport {
            backend: self.board.backend(),
            timeout,
            copied_at: now,
        })
    }

    /// Time left before the clear, for the countdown.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        self.pending
            .as_ref()?
            .clears_at
            .map(|at| at.saturating_duration_since(now))
    }

    /// Clears when due; returns the outcome once.
    pub fn tick(&mut self, now: Instant) -> Option<ClearOutcome> {
        let due = self.pending.as_ref()?.clears_at.is_some_and(|at| now >= at);
        if !due {
            return None;
        }
        let pending = self.pending.take()?;
        Some(clear_if_unchanged(&mut self.board, &pending.value))
    }
}

impl<C: Clipboard + Send + 'static> Copier for AutoClear<C> {
    fn copy(
        &mut self,
        value: &str,
        timeout: Option<Duration>,
        now: Instant,
        _audit: Option<AuditTarget>,
    ) -> Result<CopyReport, CopyError> {
        self.copy_at(value, timeout, now)
    }

    fn records_clear(&self) -> bool {
        false
    }

    fn poll(&mut self, now: Instant) -> Option<ClearOutcome> {
        self.tick(now)
    }

    /// Brings the deadline forward to `now`; a copy made never to clear
    /// stays.
    fn clear_now(&mut self, now: Instant) {
        if let Some(p) = self.pending.as_mut() {
            if let Some(at) = p.clears_at.as_mut() {
                *at = (*at).min(now);
            }
        }
    }

    /// Finishes the pending clear on a thread, as the keeper process would.
    fn quit(self: Box<Self>) -> Option<std::thread::JoinHandle<ClearOutcome>> {
        let AutoClear { mut board, pending } = *self;
        let pending = pending?;
        Some(std::thread::spawn(move || match pending.clears_at {
            None => ClearOutcome::Kept,
            Some(at) => {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                clear_if_unchanged(&mut board, &pending.value)
            }
        }))
    }
}

pub(crate) fn empty_value() -> CopyError {
    CopyError::new(
        CopyErrorKind::BadValue,
        "the value is empty; nothing was copied",
    )
}

/// A clipboard in memory for tests. Clones share one clipboard, so a test
/// can watch what a keeper thread or the app does to it.
#[derive(Clone, Default)]
pub struct FakeClipboard {
    state: Arc<Mutex<FakeState>>,
}

#[derive(Default)]
struct FakeState {
    content: Option<String>,
    write_only: bool,
    fail: Option<CopyError>,
    log: Vec<FakeOp>,
}

/// What was done to a [`FakeClipboard`], in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FakeOp {
    Set(String),
    Read,
    Clear,
    /// Someone else (another program) copied this.
    External(String),
}

impl FakeClipboard {
    pub fn new() -> FakeClipboard {
        FakeClipboard::default()
    }

    /// Behaves like OSC 52: cannot be read back; clear overwrites with the
    /// placeholder.
    pub fn write_only() -> FakeClipboard {
        let f = FakeClipboard::default();
        f.lock().write_only = true;
        f
    }

    /// Every write fails with `err` (a copy must then not be reported).
    pub fn failing(err: CopyError) -> FakeClipboard {
        let f = FakeClipboard::default();
        f.lock().fail = Some(err);
        f
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What a paste would give now.
    pub fn contents(&self) -> Option<String> {
        self.lock().content.clone()
    }

    /// Another program copies `text`.
    pub fn external_copy(&self, text: &str) {
        let mut s = self.lock();
        s.content = Some(text.to_string());
        s.log.push(FakeOp::External(text.to_string()));
    }

    pub fn log(&self) -> Vec<FakeOp> {
        self.lock().log.clone()
    }
}

impl Clipboard for FakeClipboard {
    fn backend(&self) -> BackendUsed {
        if self.lock().write_only {
            BackendUsed::Osc52(osc52::Route::Terminal)
        } else {
            BackendUsed::Native
        }
    }

    fn set_text(&mut self, text: &str) -> Result<(), CopyError> {
        let mut s = self.lock();
        if let Some(e) = &s.fail {
            return Err(e.clone());
        }
        s.content = Some(text.to_string());
        s.log.push(FakeOp::Set(text.to_string()));
        Ok(())
    }

    fn read_text(&mut self) -> ReadBack {
        let mut s = self.lock();
        if s.write_only {
            return ReadBack::Unsupported;
        }
        s.log.push(FakeOp::Read);
        match &s.content {
            Some(t) => ReadBack::Text(Zeroizing::new(t.clone())),
            None => ReadBack::NotText,
        }
    }

    fn clear(&mut self) -> Result<(), CopyError> {
        let mut s = self.lock();
        if let Some(e) = &s.fail {
            return Err(e.clone());
        }
        s.content = if s.write_only {
            Some(CLEARED_PLACEHOLDER.to_string())
        } else {
            None
        };
        s.log.push(FakeOp::Clear);
        Ok(())
    }
}

/// The order in which backends are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidate {
    Native,
    Osc52,
}

/// Backend choice from the setting and the environment: Auto uses the native
/// clipboard in a local graphical session (DISPLAY or WAYLAND_DISPLAY set, no
/// SSH_CONNECTION/SSH_TTY), with OSC 52 as the fallback; in a remote session
/// OSC 52 first (a forwarded X display is the fallback).
pub fn candidates(
    choice: ClipboardBackend,
    var: impl Fn(&str) -> Option<String>,
) -> Vec<Candidate> {
    let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
    match choice {
        ClipboardBackend::Native => vec![Candidate::Native],
        ClipboardBackend::Osc52 => vec![Candidate::Osc52],
        ClipboardBackend::Auto => {
            let display = set("DISPLAY") || set("WAYLAND_DISPLAY");
            let remote = set("SSH_CONNECTION") || set("SSH_TTY");
            match (display, remote) {
                (true, false) => vec![Candidate::Native, Candidate::Osc52],
                (true, true) => vec![Candidate::Osc52, Candidate::Native],
                (false, _) => vec![Candidate::Osc52],
            }
        }
    }
}

#[cfg(test)]
mod tests;
