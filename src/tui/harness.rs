//! Drives the real app and session on a ratatui TestBackend, running jobs
//! inline: what the tests and benchmarks use instead of a terminal.

use super::session::{Event, Job, Session};
use super::Settings;
use crate::app::{self, App, Clock, Effect, Msg};
use crate::clipboard::{AutoClear, FakeClipboard};
use crate::error::Result;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent};
use ratatui::Terminal;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Harness {
    pub app: App,
    pub session: Session,
    pub terminal: Terminal<TestBackend>,
    /// The harness's clock: advanced by `advance`, never by real time. It
    /// starts at noon (UTC) on the day given to `open`.
    pub clock: Clock,
    /// The fake clipboard the app copies to.
    pub clipboard: FakeClipboard,
}

impl Harness {
    /// Opens the app on the store and identities of `settings`, at `width`×`height`.
    pub fn open(
        settings: &Settings,
        width: u16,
        height: u16,
        today: chrono::NaiveDate,
    ) -> Result<Harness> {
        Harness::open_with_cache(settings, width, height, today, None)
    }

    /// Like [`Harness::open`], with the metadata cache in `cache_dir` (None:
    /// no cache, so tests never touch the user's cache folder).
    pub fn open_with_cache(
        settings: &Settings,
        width: u16,
        height: u16,
        today: chrono::NaiveDate,
        cache_dir: Option<std::path::PathBuf>,
    ) -> Result<Harness> {
        Harness::open_with_agent(
            settings,
            (width, height),
            today,
            cache_dir,
            crate::ops::unlock::AgentUse::off(),
        )
    }

    /// Like [`Harness::open_with_cache`], using the agent as `agent` says
    /// (the other constructors keep tests off any agent).
    pub fn open_with_agent(
        settings: &Settings,
        (width, height): (u16, u16),
        today: chrono::NaiveDate,
        cache_dir: Option<std::path::PathBuf>,
        agent: crate::ops::unlock::AgentUse,
    ) -> Result<Harness> {
        let clock = Clock {
            now: Instant::now(),
            wall: today
                .and_hms_opt(12, 0, 0)
                .expect("noon exists")
                .and_utc()
                .with_timezone(&chrono::Local),
        };
        let (app, mut session, fx) = super::prepare_agent(settings, clock, Some(agent))?;
        session.cache_dir = cache_dir;
        // A fake clipboard: tests see what was copied and when it clears.
        let clipboard = FakeClipboard::new();
        session.set_copier(Box::new(AutoClear::new(clipboard.clone())));
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        let mut h = Harness {
            app,
            session,
            terminal,
            clock,
            clipboard,
        };
        h.send(Msg::Resize(width, height));
        h.run(fx);
        Ok(h)
    }

    /// Sends a message and runs every effect it causes to completion.
    pub fn send(&mut self, msg: Msg) {
        let fx = app::update(&mut self.app, msg);
        self.run(fx);
    }

    fn run(&mut self, mut fx: Vec<Effect>) {
        while !fx.is_empty() {
            let mut next = Vec::new();
            for effect in fx {
                if matches!(effect, Effect::Quit) {
                    self.session.finish();
                }
                if let Some(job) = self.session.perform(effect) {
                    next.extend(self.run_job(job));
                }
            }
            // Records queued by synchronous work (copies) are written now.
            let (jobs, msgs) = self.session.tick(self.clock);
            for job in jobs {
                next.extend(self.run_job(job));
            }
            for msg in msgs {
                next.extend(app::update(&mut self.app, msg));
            }
            fx = next;
        }
        // As the loop does before it draws.
        app::refresh(&mut self.app);
    }

    fn run_job(&mut self, job: Job) -> Vec<Effect> {
        let (tx, rx) = mpsc::channel::<Event>();
        job(tx);
        let mut fx = Vec::new();
        for ev in rx.try_iter() {
            if let Some(msg) = self.session.absorb(ev) {
                fx.extend(app::update(&mut self.app, msg));
            }
        }
        fx
    }

    /// A key press, as the terminal loop passes it on.
    pub fn press(&mut self, key: KeyEvent) -> &mut Self {
        self.send(Msg::Key(super::events::key(&key)));
        self
    }

    pub fn key(&mut self, code: KeyCode) -> &mut Self {
        self.press(KeyEvent::new(code, KeyModifiers::NONE))
    }

    pub fn ctrl(&mut self, c: char) -> &mut Self {
        self.press(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    /// A mouse event, as the terminal loop passes it on.
    pub fn mouse(&mut self, ev: MouseEvent) -> &mut Self {
        self.send(Msg::Mouse(super::events::mouse(&ev)));
        self
    }

    /// Types text, one key per character.
    pub fn type_text(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.press(KeyEvent::new(KeyCode::Char(c), mods));
        }
        self
    }

    pub fn paste(&mut self, text: &str) -> &mut Self {
        self.send(Msg::Paste(text.to_string().into()));
        self
    }

    /// Moves the clock (timers and the wall clock) forward, and ticks.
    pub fn advance(&mut self, by: Duration) -> &mut Self {
        self.clock = self.clock.advanced(by);
        self.send(Msg::Tick(self.clock));
        let (jobs, msgs) = self.session.tick(self.clock);
        let mut fx = Vec::new();
        for job in jobs {
            fx.extend(self.run_job(job));
        }
        for msg in msgs {
            fx.extend(app::update(&mut self.app, msg));
        }
        self.run(fx);
        self
    }

    /// Draws and returns the screen as text, one line a row.
    pub fn screen(&mut self) -> String {
        app::refresh(&mut self.app);
        self.terminal
            .draw(|f| crate::ui::draw(f, &self.app))
            .expect("draw on a test backend");
        let buf = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            for x in 0..buf.area.width {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// The drawn buffer, for style assertions.
    pub fn buffer(&mut self) -> ratatui::buffer::Buffer {
        self.screen();
        self.terminal.backend().buffer().clone()
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.send(Msg::Resize(width, height));
    }
}
