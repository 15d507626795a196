//! The only user of the terminal: sets it up, runs the event loop, performs
//! effects on a small pool of worker threads (`pool`) and feeds their
//! results back to the app.

pub mod advice;
pub mod clip;
pub mod events;
pub mod harness;
pub mod pool;
pub mod session;
pub mod terminal;

use crate::app::{self, App, Clock, Effect, FirstRun, LockScreen, Msg, Screen, Timings};
use crate::config::Config;
use crate::error::{Result, WardError};
use crate::store::crypto::Keyring;
use crate::store::Store;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};
use session::{Event, Session};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the TUI needs to start, every default already filled in. The CLI
/// builds it from its arguments (`cli::tui_settings`); tests and benchmarks
/// build it directly. Plain paths: nothing of clap's.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The store folder (when there is no store there, the first-run screen
    /// offers to create one).
    pub store: PathBuf,
    /// The identity files, in order; never empty.
    pub identities: Vec<PathBuf>,
    /// Whether the identity files were named (--identity, WARD_IDENTITY)
    /// rather than the default one being used.
    pub identities_given: bool,
    /// config.toml (a missing file means the defaults).
    pub config: PathBuf,
}

/// Set by SIGHUP/SIGTERM: the loop ends cleanly (terminal restored, values
/// dropped, a demo store removed) instead of dying where it stands.
static TERMINATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_terminate(_: libc::c_int) {
    TERMINATE.store(true, std::sync::atomic::Ordering::SeqCst);
}

fn install_signal_handlers() {
    let handler = on_terminate as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGHUP, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// Waits up to `timeout` for input on the terminal; true when the terminal
/// is gone (the SSH session dropped, the tmux server was killed).
fn terminal_hung_up(tty: &std::fs::File, timeout: Duration) -> bool {
    use std::os::unix::io::AsRawFd;
    let mut fds = libc::pollfd {
        fd: tty.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, for the length given.
    let n = unsafe { libc::poll(&mut fds, 1, timeout.as_millis() as libc::c_int) };
    // n < 0: a signal (a resize) interrupted the wait; the terminal is alive.
    n > 0 && fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// How often time-driven state (reveal, countdowns, idle lock) is refreshed.
const TICK: Duration = Duration::from_millis(100);

/// The real clock: read here (and only here) and fed to the app in ticks.
pub fn read_clock() -> Clock {
    Clock {
        now: Instant::now(),
        wall: chrono::Local::now(),
    }
}

/// The theme `theme =` names: a built-in one, or a theme file (a relative
/// path is taken from config.toml's folder). Anything else is a config
/// error that names the choices.
fn load_theme(value: &str, config_path: &std::path::Path) -> Result<crate::app::palette::Palette> {
    use crate::app::palette::{Palette, ThemeChoice};
    let problem = |message: String| WardError::Config {
        path: config_path.to_path_buf(),
        line: None,
        message,
    };
    match ThemeChoice::of(value) {
        Some(ThemeChoice::Builtin(p)) => Ok(p),
        Some(ThemeChoice::File(path)) => {
            let path = match path.strip_prefix("~") {
                Ok(rest) => dirs::home_dir().unwrap_or_default().join(rest),
                Err(_) if path.is_relative() => config_path
                    .parent()
                    .unwrap_or(std::path::Path::new("."))
                    .join(path),
                Err(_) => path,
            };
            let text = std::fs::read_to_string(&path).map_err(|e| {
                problem(format!("theme {value:?}: cannot read {}: {e}", path.display()))
            })?;
            Palette::parse(value, &text)
                .map_err(|e| problem(format!("theme {value:?} ({}): {e}", path.display())))
        }
        None => Err(problem(format!(
            "theme {:?}: no such theme; choose {}, or give the path of a theme file              (docs/THEMES.md)",
            crate::sanitize::escape(value),
            Palette::choices()
        ))),
    }
}

/// Builds the session and the app for a store, without touching the terminal.
pub fn prepare(settings: &Settings, clock: Clock) -> Result<(App, Session, Vec<Effect>)> {
    prepare_agent(settings, clock, None)
}

/// [`prepare`], with the agent's use given (`None`: from the config and
/// WARD_NO_AGENT); the test harness keeps tests off the user's agent.
pub fn prepare_agent(
    settings: &Settings,
    clock: Clock,
    agent: Option<crate::ops::unlock::AgentUse>,
) -> Result<(App, Session, Vec<Effect>)> {
    let config_path = settings.config.clone();
    let config = Config::load(&config_path)?;
    let store_root = settings.store.clone();
    let ids = settings.identities.clone();
    let keymap = crate::keymap::Keymap::with_overrides(&config.keys).map_err(|message| {
        WardError::Config {
            path: config_path.clone(),
            line: None,
            message,
        }
    })?;
    let timings = Timings {
        reveal: Duration::from_secs(config.reveal_timeout.max(1)),
        idle_lock: Duration::from_secs(config.idle_lock),
    };
    let mut app = App::new(store_root.display().to_string(), timings, keymap, clock);
    app.mono = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    app.palette = load_theme(&config.theme, &config_path)?;
    app.catalog.lead = config.lead_time;
    let copier = crate::clipboard::SystemCopier::new(crate::clipboard::CopyOptions::new(
        config.clipboard_backend,
        config.clipboard_timeout,
    ));
    let mut session = Session::new(
        store_root.clone(),
        ids.clone(),
        config,
        Box::new(copier),
        clock,
    );
    if let Some(agent) = agent {
        session.agent = agent;
    }
    let store = match Store::open(&store_root) {
        Ok(s) => s,
        Err(WardError::NoStore(_)) => {
            app.screen = Screen::FirstRun(Box::new(FirstRun {
                store_path: store_root,
                identity_exists: ids[0].exists(),
                identity_path: ids[0].clone(),
                ..Default::default()
            }));
            return Ok((app, session, Vec::new()));
        }
        Err(e) => return Err(e),
    };
    // A protected identity starts the lock screen, which asks for it.
    let (keys, locked) = match crate::ops::unlock::load_with(&ids, None, &session.agent) {
        Ok(keys) => (keys, false),
        Err(crate::ops::identity::LoadFailure::NeedsPassphrase { .. }) => {
            (Keyring::default(), true)
        }
        // No identity here: joining the store starts by making one (as
        // `ward init` does there).
        Err(crate::ops::identity::LoadFailure::Other(WardError::NoIdentity { .. }))
            if std::fs::symlink_metadata(&ids[0]).is_err() =>
        {
            let join = session::join::screen(&store_root, &ids[0], &session.actor, None);
            return Ok(joining(app, session, store, join));
        }
        Err(f) => {
            let e = f.into_ward();
            return Err(crate::ops::identity::explain_missing(
                e,
                settings.identities_given,
            ));
        }
    };
    if !locked && !crate::ops::identity::is_member(&store, &keys) {
        let public = keys.public_keys().first().cloned();
        let join = session::join::screen(&store_root, &ids[0], &session.actor, public);
        session.keys = Some(Arc::new(keys));
        return Ok(joining(app, session, store, join));
    }
    let listing = store.list(None);
    *session.signature.lock().unwrap_or_else(|p| p.into_inner()) = Some(store.signature());
    session.store = Some(store);
    let lead = session.config.lead_time;
    // An identity the agent holds has a passphrase all the same: the
    // TUI's lock locks the agent, and unlocking asks for it.
    app.protected = locked || keys.held_key().is_some();
    if locked {
        app.screen = Screen::Locked(LockScreen {
            needs_passphrase: true,
            identity: ids
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            ..Default::default()
        });
        // Names show only after unlocking; metadata loads then.
        let _ = app.start(listing, lead);
        return Ok((app, session, Vec::new()));
    }
    session.keys = Some(Arc::new(keys));
    session.open_audit();
    session
        .pending_records
        .push(crate::audit::Event::new(crate::audit::Action::Unlock).at(clock.utc()));
    let mut fx = app.start(listing, lead);
    fx.extend(app.check_trust_once());
    Ok((app, session, fx))
}

/// The join screen over a store this user cannot read: the names are
/// listed (nothing is decrypted) for when a member has added the key.
fn joining(
    mut app: App,
    mut session: Session,
    store: Store,
    join: app::JoinScreen,
) -> (App, Session, Vec<Effect>) {
    let lead = session.config.lead_time;
    let _ = app.start(store.list(None), lead);
    *session.signature.lock().unwrap_or_else(|p| p.into_inner()) = Some(store.signature());
    session.store = Some(store);
    app.screen = Screen::Join(Box::new(join));
    (app, session, Vec::new())
}

/// Runs the TUI until the user quits.
pub fn run(settings: &Settings) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || std::fs::File::open("/dev/tty").is_err() {
        return Err(WardError::Usage(
            "the interface needs a terminal; in scripts use the commands \
             (ward ls, ward get, ward check, …: see ward --help)"
                .into(),
        ));
    }
    let (mut app, mut session, initial) = prepare(settings, read_clock())?;
    let mut guard = terminal::TerminalGuard::new(session.config.mouse)
        .map_err(|e| WardError::Other(format!("cannot set up the terminal: {e}")))?;
    let size = guard
        .terminal
        .size()
        .map_err(|e| WardError::Other(e.to_string()))?;
    app::update(&mut app, Msg::Resize(size.width, size.height));
    let (tx, rx) = mpsc::channel::<Event>();
    let pool = pool::Pool::for_machine(tx)
        .map_err(|e| WardError::Other(format!("cannot start the worker threads: {e}")))?;
    let mut pending: Vec<Effect> = initial;
    install_signal_handlers();
    let tty = std::fs::File::open("/dev/tty")
        .map_err(|e| WardError::Other(format!("cannot open the terminal: {e}")))?;
    // Starts crossterm's event source now, so that its resize (SIGWINCH)
    // handler is in place before the first key.
    let _ = event::poll(Duration::ZERO);
    loop {
        if TERMINATE.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        for effect in pending.drain(..) {
            match effect {
                Effect::Quit => app.quit = true,
                Effect::Suspend => {
                    guard
                        .suspend()
                        .map_err(|e| WardError::Other(e.to_string()))?;
                }
                other => {
                    if let Some(job) = session.perform(other) {
                        pool.submit(job);
                    }
                }
            }
        }
        if app.quit {
            break;
        }
        app::refresh(&mut app);
        guard
            .terminal
            .draw(|f| crate::ui::draw(f, &app))
            .map_err(|e| WardError::Other(format!("cannot draw: {e}")))?;

        // Wait for input ourselves: on a hung-up terminal (SSH dropped, tmux
        // killed) crossterm's reader spins on EOF forever, so it is only
        // asked once the terminal is known to be alive.
        // Drain crossterm every time, not only when the terminal has input:
        // a resize arrives through its signal pipe, not the terminal.
        if terminal_hung_up(&tty, TICK) {
            break;
        }
        loop {
            let ready = match event::poll(Duration::ZERO) {
                Ok(r) => r,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => false,
                Err(e) => return Err(WardError::Other(e.to_string())),
            };
            if !ready {
                break;
            }
            let ev = event::read().map_err(|e| WardError::Other(e.to_string()))?;
            let msg = match ev {
                TermEvent::Key(k) if k.kind == KeyEventKind::Press => {
                    Some(Msg::Key(events::key(&k)))
                }
                TermEvent::Paste(p) => Some(Msg::Paste(p.into())),
                TermEvent::Mouse(m) => Some(Msg::Mouse(events::mouse(&m))),
                TermEvent::Resize(w, h) => Some(Msg::Resize(w, h)),
                _ => None,
            };
            if let Some(msg) = msg {
                pending.extend(app::update(&mut app, msg));
            }
        }
        while let Ok(ev) = rx.try_recv() {
            if let Some(msg) = session.absorb(ev) {
                pending.extend(app::update(&mut app, msg));
            }
        }
        let clock = read_clock();
        pending.extend(app::update(&mut app, Msg::Tick(clock)));
        let (jobs, msgs) = session.tick(clock);
        for job in jobs {
            pool.submit(job);
        }
        for msg in msgs {
            pending.extend(app::update(&mut app, msg));
        }
    }
    session.finish();
    Ok(())
}
