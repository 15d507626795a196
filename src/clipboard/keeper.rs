//! The keeper: a detached re-exec of ward (`ward __clipboard-keeper`) that
//! sets the clipboard, keeps it alive and clears it after the timeout, so the
//! clear happens even after the TUI or `ward copy` has exited.
//!
//! Protocol (parent ⇄ keeper):
//! - argv: `__clipboard-keeper --timeout-ms N --backend B [--tty-fd 3]`;
//!   never the value.
//! - stdin: one header line (a JSON object: `{"audit":{"store":…,"actor":…,
//!   "path":…}}` or `{}`), then the value, then EOF. The secret's name and
//!   the store travel here rather than in argv, where `ps` shows them.
//! - fd 3 (optional): the terminal, opened by the parent before the keeper
//!   detached (a process without a controlling terminal cannot open /dev/tty).
//! - stdout (a pipe, never the terminal): `ok <backend>` or
//!   `err <kind> <message>`, then later `done <outcome>`.
//! - stderr: /dev/null. The keeper calls setsid, so closing the terminal does
//!   not kill it, and runs in `/`.
//!
//! Several copies in a row: each keeper claims a slot (a small owner file,
//! `<runtime dir>/ward/clipboard/<scope>.owner`, holding `pid nonce`, under a
//! lock file) for the clipboard it wrote to — the display, the tmux server,
//! the screen session or the terminal. A keeper whose slot was claimed by a
//! later copy does not clear, so an earlier copy's clear never clobbers a
//! later copy (which matters for OSC 52, which cannot read back). In tmux it
//! still deletes, at its own deadline, the paste buffers its copy made —
//! found by name right after the write, under the lock, so a later copy's
//! buffer is never taken for it, even with the same value.

use super::{
    candidates, clear_if_unchanged, empty_value, native::Native, osc52, BackendUsed, Candidate,
    ClearOutcome, Clipboard, ClipboardBackend, CopyError, CopyErrorKind, CopyOptions, CopyReport,
    ReadBack,
};
use crate::store::fsio;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The hidden subcommand's name.
pub const SUBCOMMAND: &str = "__clipboard-keeper";
/// The fd the terminal is passed on.
const TTY_FD: i32 = 3;
/// How long the parent waits for the keeper's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest value accepted on stdin.
const MAX_VALUE: usize = 16 * 1024 * 1024;

/// Arguments of `ward __clipboard-keeper` (internal; see the module docs).
#[derive(Clone, Debug, clap::Args)]
pub struct KeeperArgs {
    /// Milliseconds until the clear; 0 never clears
    #[arg(long, default_value_t = 45_000)]
    pub timeout_ms: u64,
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: ClipboardBackend,
    /// An inherited file descriptor open on the terminal, for OSC 52
    #[arg(long)]
    pub tty_fd: Option<i32>,
}

/// The header line the keeper reads on stdin before the value.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeeperHeader {
    /// Where to record the clipboard-cleared event, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<HeaderAudit>,
}

/// The audit target, as sent to the keeper.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeaderAudit {
    /// Store whose audit log gets the clipboard-cleared record (absolute).
    pub store: PathBuf,
    /// Actor the record is written as.
    pub actor: String,
    /// The secret that was copied (a name, never a value).
    pub path: String,
}

impl KeeperHeader {
    fn from_options(opts: &CopyOptions) -> KeeperHeader {
        KeeperHeader {
            audit: opts.audit.as_ref().map(|a| HeaderAudit {
                // The keeper runs in `/`: a relative store path would miss.
                store: std::fs::canonicalize(&a.store_root)
                    .unwrap_or_else(|_| a.store_root.clone()),
                actor: a.actor.clone(),
                path: a.path.clone(),
            }),
        }
    }

    /// The header as one line, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("a header serialises");
        line.push('\n');
        line
    }
}

/// A copy that happened, and the keeper that will clear it.
pub struct Copied {
    pub report: CopyReport,
    pub keeper: KeeperHandle,
}

/// The running keeper: its outcome arrives when the timeout is over.
pub struct KeeperHandle {
    pid: u32,
    outcome: mpsc::Receiver<ClearOutcome>,
    /// Set once the keeper has been reaped: from then on its pid may belong
    /// to another process and must not be signalled. Held while signalling.
    reaped: Arc<Mutex<bool>>,
}

impl KeeperHandle {
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Asks the keeper to clear now instead of at its deadline (the TUI
    /// locks or quits): it clears if the clipboard still holds the value,
    /// as at the deadline. Nothing happens once the keeper is gone.
    pub fn clear_now(&self) {
        let reaped = self.reaped.lock().unwrap_or_else(|p| p.into_inner());
        if !*reaped {
            // SAFETY: kill(2) on our own child, which is not reaped while
            // `reaped` is held, so the pid cannot have been reused.
            unsafe {
                libc::kill(self.pid as i32, CLEAR_NOW_SIGNAL);
            }
        }
    }

    /// The clear's outcome, if it has happened.
    pub fn try_outcome(&self) -> Option<ClearOutcome> {
        self.outcome.try_recv().ok()
    }

    /// Blocks until the keeper is done; None if it died without saying.
    pub fn wait_outcome(self) -> Option<ClearOutcome> {
        self.outcome.recv().ok()
    }
}

/// Copies `value` through a new keeper process and returns once the keeper
/// has said whether the copy worked. The value travels on a pipe only.
pub fn copy(value: &str, opts: &CopyOptions) -> Result<Copied, CopyError> {
    if value.is_empty() {
        return Err(empty_value());
    }
    let helper_err = |what: String| CopyError::new(CopyErrorKind::Helper, what);
    let exe = match &opts.helper {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| helper_err(format!("cannot find ward's own executable: {e}")))?,
    };
    let tty = open_tty(opts.tty.as_deref().unwrap_or(Path::new("/dev/tty")));
    let timeout_ms = opts
        .timeout
        .map(|t| (t.as_millis() as u64).max(1))
        .unwrap_or(0);

    let mut cmd = Command::new(&exe);
    cmd.arg(SUBCOMMAND)
        .arg("--timeout-ms")
        .arg(timeout_ms.to_string())
        .arg("--backend")
        .arg(backend_arg(opts.backend))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .current_dir("/");
    let tty_raw = tty.as_ref().ok().map(|f| f.as_raw_fd());
    if tty_raw.is_some() {
        cmd.arg("--tty-fd").arg(TTY_FD.to_string());
    }
    // SAFETY: only async-signal-safe calls (dup2, fcntl, setsid) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(fd) = tty_raw {
                if fd == TTY_FD {
                    let flags = libc::fcntl(fd, libc::F_GETFD);
                    libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
                } else if libc::dup2(fd, TTY_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| {
        helper_err(format!(
            "cannot start the clipboard helper {}: {e}",
            exe.display()
        ))
    })?;
    drop(tty);
    let pid = child.id();
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let write = stdin
        .ok_or_else(|| std::io::Error::other("no pipe"))
        .and_then(|mut s| {
            s.write_all(KeeperHeader::from_options(opts).to_line().as_bytes())?;
            s.write_all(value.as_bytes())
        });
    if let Err(e) = write {
        let _ = child.kill();
        let _ = child.wait();
        return Err(helper_err(format!(
            "cannot hand the value to the clipboard helper: {e}"
        )));
    }

    let (answer_tx, answer_rx) = mpsc::channel::<String>();
    let (outcome_tx, outcome_rx) = mpsc::channel::<ClearOutcome>();
    let reaped = Arc::new(Mutex::new(false));
    let reaped_by_thread = Arc::clone(&reaped);
    std::thread::spawn(move || {
        if let Some(out) = stdout {
            let mut lines = BufReader::new(out).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = answer_tx.send(first);
                for line in lines.map_while(Result::ok) {
                    if let Some(rest) = line.strip_prefix("done ") {
                        let _ = outcome_tx.send(ClearOutcome::from_token(rest));
                    }
                }
            }
        }
        // Reap it, so no zombie stays behind in a long-running TUI.
        let mut reaped = reaped_by_thread.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.wait();
        *reaped = true;
    });
    let answer = answer_rx.recv_timeout(ANSWER_TIMEOUT).map_err(|_| {
        // SAFETY: plain kill(2) on the pid of our own child.
        unsafe {
            libc::kill(pid as i32, libc::SIGTERM);
        }
        helper_err("the clipboard helper did not answer; nothing was copied".into())
    })?;
    let backend = parse_answer(&answer)?;
    Ok(Copied {
        report: CopyReport {
            backend,
            timeout: opts.timeout,
            copied_at: Instant::now(),
        },
        keeper: KeeperHandle {
            pid,
            outcome: outcome_rx,
            reaped,
        },
    })
}

fn backend_arg(b: ClipboardBackend) -> &'static str {
    match b {
        ClipboardBackend::Auto => "auto",
        ClipboardBackend::Native => "native",
        ClipboardBackend::Osc52 => "osc52",
    }
}

fn parse_answer(line: &str) -> Result<BackendUsed, CopyError> {
    if let Some(tok) = line.strip_prefix("ok ") {
        if let Some(b) = BackendUsed::from_token(tok.trim()) {
            return Ok(b);
        }
    }
    if let Some(rest) = line.strip_prefix("err ") {
        let (kind, msg) = rest.split_once(' ').unwrap_or((rest, ""));
        return Err(CopyError::new(CopyErrorKind::from_token(kind), msg));
    }
    Err(CopyError::new(
        CopyErrorKind::Helper,
        "the clipboard helper gave an unexpected answer; nothing was copied",
    ))
}

fn open_tty(path: &Path) -> Result<File, String> {
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(file.as_raw_fd()) } != 1 {
        return Err(format!("{} is not a terminal", path.display()));
    }
    Ok(file)
}

/// The keeper's main: returns the exit code.
pub fn run(args: KeeperArgs) -> i32 {
    let mut out = std::io::stdout();
    let tty = args.tty_fd.and_then(|fd| {
        // SAFETY: fcntl(F_GETFD) only checks that fd is open; the parent passed it for us.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 || unsafe { libc::isatty(fd) } != 1 {
            return None;
        }
        // SAFETY: the fd is open, ours alone, and owned by the File from here on.
        Some(unsafe { File::from_raw_fd(fd) })
    });
    let (header, value) = match read_input() {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(out, "err {} {}", e.kind.token(), e.message);
            return 1;
        }
    };
    let env = |k: &str| std::env::var(k).ok();
    let mut held = match set_first(args.backend, &value, tty, env) {
        Ok(h) => h,
        Err(e) => {
            let _ = writeln!(out, "err {} {}", e.kind.token(), one_line(&e.message));
            let _ = out.flush();
            return 1;
        }
    };
    // Before "ok": from then on the copier may ask for the clear, and the
    // signal's default action would kill the keeper before it cleared.
    clear_request::install();
    let _ = writeln!(out, "ok {}", held.board.backend().token());
    let _ = out.flush();
    let deadline =
        (args.timeout_ms > 0).then(|| held.copied_at + Duration::from_millis(args.timeout_ms));
    let outcome = hold_and_clear(
        &mut held.board,
        &value,
        deadline,
        held.slot.as_ref(),
        Timing::default(),
    );
    drop(value);
    record_clear(&header, &outcome);
    let _ = writeln!(out, "done {}", outcome.token());
    let _ = out.flush();
    0
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Longest header line accepted.
const MAX_HEADER: usize = 64 * 1024;

fn read_input() -> Result<(KeeperHeader, Zeroizing<String>), CopyError> {
    let mut raw = Zeroizing::new(Vec::new());
    std::io::stdin()
        .lock()
        .take((MAX_HEADER + MAX_VALUE) as u64 + 2)
        .read_to_end(&mut raw)
        .map_err(|e| CopyError::new(CopyErrorKind::Helper, format!("reading the value: {e}")))?;
    split_input(&raw)
}

/// Splits the keeper's stdin into its header line and the value.
pub fn split_input(raw: &[u8]) -> Result<(KeeperHeader, Zeroizing<String>), CopyError> {
    if raw.is_empty() {
        return Err(empty_value());
    }
    let bad_header = || {
        CopyError::new(
            CopyErrorKind::Helper,
            "the clipboard helper got no valid header; nothing was copied",
        )
    };
    let nl = raw
        .iter()
        .take(MAX_HEADER + 1)
        .position(|&b| b == b'\n')
        .ok_or_else(bad_header)?;
    let header: KeeperHeader = serde_json::from_slice(&raw[..nl]).map_err(|_| bad_header())?;
    Ok((header, value_from(&raw[nl + 1..])?))
}

fn value_from(raw: &[u8]) -> Result<Zeroizing<String>, CopyError> {
    if raw.len() > MAX_VALUE {
        return Err(CopyError::new(
            CopyErrorKind::BadValue,
            "the value is too large to copy",
        ));
    }
    if raw.is_empty() {
        return Err(empty_value());
    }
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(CopyError::new(
            CopyErrorKind::BadValue,
            "the value is not text; use `ward get` for binary values",
        )),
    }
}

/// A clipboard that holds our value, and the slot we claimed for it.
pub struct Held {
    pub board: Box<dyn Clipboard>,
    pub slot: Option<Slot>,
    pub copied_at: Instant,
}

/// Tries the backends in order (see [`candidates`]) and sets the value on the
/// first that takes it; the error says why each failed and how to fix it.
pub fn set_first(
    choice: ClipboardBackend,
    value: &str,
    mut tty: Option<File>,
    var: impl Fn(&str) -> Option<String> + Copy,
) -> Result<Held, CopyError> {
    let mut errors: Vec<CopyError> = Vec::new();
    for cand in candidates(choice, var) {
        let board: Box<dyn Clipboard> = match cand {
            Candidate::Native => match Native::open() {
                Ok(n) => Box::new(n),
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            Candidate::Osc52 => {
                let Some(file) = tty.take() else {
                    errors.push(CopyError::new(
                        CopyErrorKind::Unreachable,
                        "no controlling terminal to write OSC 52 to",
                    ));
                    continue;
                };
                let mux = osc52::Mux::detect(var);
                match osc52::route_for(mux, var("TMUX_PANE").as_deref()) {
                    Ok(route) => Box::new(osc52::Osc52::new(file, route).scrubbing_tmux_buffers()),
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                }
            }
        };
        let mut board = board;
        let slot = Slot::for_scope(&state_dir(var), &scope_key(&board.backend(), var));
        let set = match &slot {
            Some(s) => s.claim(|| board.set_text(value)),
            None => board.set_text(value),
        };
        match set {
            Ok(()) => {
                return Ok(Held {
                    board,
                    slot,
                    copied_at: Instant::now(),
                })
            }
            Err(e) => errors.push(e),
        }
    }
    Err(explain(choice, var, errors))
}

/// One error for the user out of each backend's failure.
fn explain(
    choice: ClipboardBackend,
    var: impl Fn(&str) -> Option<String>,
    errors: Vec<CopyError>,
) -> CopyError {
    // A precise error (tmux settings, size, value) speaks for itself.
    if let Some(e) = errors.iter().find(|e| {
        matches!(
            e.kind,
            CopyErrorKind::TmuxDrops | CopyErrorKind::TooLarge | CopyErrorKind::BadValue
        )
    }) {
        return e.clone();
    }
    let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
    let display = set("DISPLAY") || set("WAYLAND_DISPLAY");
    let reasons = errors
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("; ");
    match choice {
        ClipboardBackend::Auto if !display => CopyError::new(
            CopyErrorKind::Unreachable,
            format!(
                "no display and the terminal is not reachable for OSC 52 ({reasons}). \
                 Run ward in a terminal (OSC 52), or in a desktop session with DISPLAY or WAYLAND_DISPLAY set"
            ),
        ),
        ClipboardBackend::Native if !display => CopyError::new(
            CopyErrorKind::NativeUnavailable,
            format!(
                "no display for the native clipboard (DISPLAY and WAYLAND_DISPLAY are unset): {reasons}"
            ),
        ),
        _ => CopyError::new(
            errors
                .first()
                .map(|e| e.kind)
                .unwrap_or(CopyErrorKind::Unreachable),
            format!("nothing was copied: {reasons}"),
        ),
    }
}

/// Which clipboard a backend writes to, so that copies to the same one
/// supersede each other.
fn scope_key(backend: &BackendUsed, var: impl Fn(&str) -> Option<String>) -> String {
    let v = |k: &str| var(k).unwrap_or_default();
    match backend {
        BackendUsed::Native => format!("native:{}|{}", v("WAYLAND_DISPLAY"), v("DISPLAY")),
        BackendUsed::Osc52(osc52::Route::Tmux { .. }) => {
            // $TMUX is "socket,pid,session": the server is the clipboard.
            let tmux = v("TMUX");
            format!("tmux:{}", tmux.split(',').next().unwrap_or_default())
        }
        BackendUsed::Osc52(osc52::Route::Screen) => format!("screen:{}", v("STY")),
        BackendUsed::Osc52(osc52::Route::Terminal) => format!("tty:{}", tty_device()),
    }
}

/// The terminal's device number (from fd 3, or the controlling terminal).
fn tty_device() -> String {
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat writes into our struct; a bad fd just fails.
    if unsafe { libc::fstat(TTY_FD, &mut st) } == 0 {
        return format!("{:x}", st.st_rdev);
    }
    "unknown".into()
}

/// `<runtime dir>/ward/clipboard`, else `<cache dir>/ward/clipboard`. A
/// runtime dir that is not a folder of this user's with mode 0700 is not
/// used: another user could otherwise read who copies what, or plant links.
fn state_dir(var: impl Fn(&str) -> Option<String>) -> PathBuf {
    let runtime = var("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .filter(|d| is_private_dir(d));
    match runtime {
        Some(d) => d.join("ward").join("clipboard"),
        None => crate::config::cache_dir().join("clipboard"),
    }
}

/// A real folder (not a link) owned by this user that nobody else can
/// enter (the same test as the agent's socket folder).
fn is_private_dir(dir: &Path) -> bool {
    crate::agent::runtime::private_dir_problem(dir).is_none()
}

/// The claim on one clipboard; see the module docs.
pub struct Slot {
    lock_path: PathBuf,
    owner_path: PathBuf,
    token: String,
}

/// Releases the lock when dropped (closing the file releases flock).
struct SlotLock(#[allow(dead_code)] File);

impl Slot {
    /// A slot for `scope` under `dir`; None if the folder cannot be made
    /// (then copies do not supersede each other, which is still safe).
    pub fn for_scope(dir: &Path, scope: &str) -> Option<Slot> {
        fsio::create_private_dir(dir).ok()?;
        // Made or found: either way it must be ours alone, and no link.
        if !is_private_dir(dir) {
            return None;
        }
        let hash = Sha256::digest(scope.as_bytes());
        let name: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        let token = format!("{} {:016x}", std::process::id(), rand::random::<u64>());
        Some(Slot {
            lock_path: dir.join(format!("{name}.lock")),
            owner_path: dir.join(format!("{name}.owner")),
            token,
        })
    }

    fn lock(&self) -> Option<SlotLock> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&self.lock_path)
            .ok()?;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return None;
        }
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return None;
        }
        Some(SlotLock(file))
    }

    /// Runs `set` and, if it worked, records this keeper as the owner, all
    /// under the lock, so the latest set and the recorded owner agree.
    pub fn claim<E>(&self, set: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let _guard = self.lock();
        set()?;
        let _ = fsio::atomic_write(&self.owner_path, format!("{}\n", self.token).as_bytes());
        Ok(())
    }

    /// Whether no later copy has claimed the clipboard since.
    pub fn is_current(&self) -> bool {
        // Never through a link (fsio refuses them).
        fsio::read_file(&self.owner_path)
            .map(|s| s.trim_ascii_end() == self.token.as_bytes())
            .unwrap_or(false)
    }

    /// Runs `clear` only if still the owner, then gives the slot up.
    pub fn finish<T>(&self, clear: impl FnOnce() -> T) -> Option<T> {
        let _guard = self.lock();
        if !self.is_current() {
            return None;
        }
        let result = clear();
        let _ = std::fs::remove_file(&self.owner_path);
        Some(result)
    }
}

/// The signal that asks a keeper to clear now ([`KeeperHandle::clear_now`]).
const CLEAR_NOW_SIGNAL: libc::c_int = libc::SIGUSR1;

/// A keeper's "clear now" flag, set from the signal handler.
mod clear_request {
    use std::sync::atomic::{AtomicBool, Ordering};

    static ASKED: AtomicBool = AtomicBool::new(false);

    extern "C" fn handler(_: libc::c_int) {
        ASKED.store(true, Ordering::SeqCst);
    }

    /// From now on the signal sets the flag (only the keeper process calls
    /// this; elsewhere SIGUSR1 keeps its default meaning).
    pub fn install() {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe; the action struct is fully initialised.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(super::CLEAR_NOW_SIGNAL, &action, std::ptr::null_mut());
        }
    }

    pub fn asked() -> bool {
        ASKED.load(Ordering::SeqCst)
    }
}

/// How often the keeper looks at its slot and (native) at the clipboard.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub poll: Duration,
    pub check_every: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            poll: Duration::from_millis(200),
            check_every: Duration::from_secs(1),
        }
    }
}

/// Keeps the clipboard until `deadline` (None: until replaced), then clears
/// it if it still holds `value`. Leaves early when a later copy claimed the
/// slot — after removing, at `deadline`, what only this copy left behind
/// (its own tmux paste buffers) — or (backends that can read back) when the
/// clipboard changed.
pub fn hold_and_clear<C: Clipboard + ?Sized>(
    board: &mut C,
    value: &str,
    deadline: Option<Instant>,
    slot: Option<&Slot>,
    timing: Timing,
) -> ClearOutcome {
    let can_read = !matches!(board.backend(), BackendUsed::Osc52(_));
    if deadline.is_none() && !can_read {
        return ClearOutcome::Kept;
    }
    let mut last_check = Instant::now();
    loop {
        let now = Instant::now();
        if slot.is_some_and(|s| !s.is_current()) {
            return superseded(board, deadline);
        }
        if clear_request::asked() {
            break;
        }
        if can_read && now.duration_since(last_check) >= timing.check_every {
            last_check = now;
            let same = matches!(board.read_text(), ReadBack::Text(t) if t.as_str() == value);
            if !same {
                return ClearOutcome::Changed;
            }
        }
        let wait = match deadline {
            Some(at) if now >= at => break,
            Some(at) => timing.poll.min(at - now),
            None => timing.poll,
        };
        std::thread::sleep(wait);
    }
    match slot {
        Some(s) => match s.finish(|| clear_if_unchanged(board, value)) {
            Some(outcome) => outcome,
            None => superseded(board, deadline),
        },
        None => clear_if_unchanged(board, value),
    }
}

/// A later copy owns the clipboard now, so this keeper must not touch it;
/// but what this copy left beside it (tmux paste buffers of its own) still
/// goes at this copy's deadline. Other backends leave at once.
fn superseded<C: Clipboard + ?Sized>(board: &mut C, deadline: Option<Instant>) -> ClearOutcome {
    if let Some(at) = deadline {
        if board.has_leftovers() {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            board.remove_leftovers();
        }
    }
    ClearOutcome::Superseded
}

/// Records the clear in the store's audit log, unsealed (the keeper has no
/// identity): the actor's next append seals it into the chain. The copying
/// process may be long gone, so the keeper is the one that knows.
fn record_clear(header: &KeeperHeader, outcome: &ClearOutcome) {
    let Some(a) = &header.audit else {
        return;
    };
    if !outcome.cleared() {
        return;
    }
    let (root, actor) = (&a.store, &a.actor);
    let event =
        crate::audit::Event::new(crate::audit::Action::ClipboardCleared).path(a.path.as_str());
    // Nowhere to report a failure: the keeper's terminal is gone. verify
    // shows a missing record as nothing, which is why the copy itself is
    // recorded by the copying process.
    let _ = crate::audit::Log::open(root, actor, None).append_unsealed(event);
}

#[cfg(test)]
mod state_dir_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn runtime(dir: &Path) -> impl Fn(&str) -> Option<String> + '_ {
        move |k: &str| (k == "XDG_RUNTIME_DIR").then(|| dir.display().to_string())
    }

    #[test]
    fn only_a_private_runtime_dir_of_ours_is_used() {
        let tmp = tempfile::tempdir().unwrap();
        let good = tmp.path().join("good");
        std::fs::create_dir(&good).unwrap();
        std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(state_dir(runtime(&good)), good.join("ward/clipboard"));

        let open = tmp.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(!state_dir(runtime(&open)).starts_with(&open));

        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&good, &link).unwrap();
        assert!(!state_dir(runtime(&link)).starts_with(&link));
    }

    #[test]
    fn a_slot_refuses_linked_folders_and_files() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().join("ward");
        std::fs::create_dir(&base).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o700)).unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, base.join("clipboard")).unwrap();
        assert!(Slot::for_scope(&base.join("clipboard"), "scope").is_none());

        let dir = base.join("real");
        let slot = Slot::for_scope(&dir, "scope").unwrap();
        // A planted link where the owner file goes is never read through.
        let target = tmp.path().join("target");
        std::fs::write(&target, format!("{}\n", slot.token)).unwrap();
        std::os::unix::fs::symlink(&target, &slot.owner_path).unwrap();
        assert!(!slot.is_current());
        // Nor is a linked lock file opened.
        std::os::unix::fs::symlink(&target, &slot.lock_path).unwrap();
        assert!(slot.lock().is_none());
    }
}
