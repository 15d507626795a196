//! The terminal: raw mode, alternate screen, mouse and bracketed paste on the
//! way in; all of it undone on the way out, on error, on panic and around
//! Ctrl-Z.

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::Terminal;
use std::io::{self, Stdout};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    pub terminal: Term,
    /// Mouse capture on (`mouse = true`, the default, in config.toml).
    mouse: bool,
}

fn enter(mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    if mouse {
        // While the mouse is captured, the terminal selects text with Shift
        // held (docs/KEYBINDINGS.md "Mouse").
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Puts the terminal back as we found it. Safe to call more than once.
pub fn restore() {
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

impl TerminalGuard {
    /// Takes the terminal; `mouse`: capture the mouse.
    pub fn new(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        enter(mouse)?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(TerminalGuard { terminal, mouse })
    }

    /// Ctrl-Z: restore the terminal, stop, and take it back on `fg`.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        #[cfg(unix)]
        // SAFETY: raising SIGTSTP stops the process until SIGCONT; no memory is touched.
        unsafe {
            libc::raise(libc::SIGTSTP);
        }
        enter(self.mouse)?;
        self.terminal.clear()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
