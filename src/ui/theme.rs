//! Colours and marks. Status always shows as a symbol and a word too, so it
//! reads with NO_COLOR and on a monochrome terminal.

use crate::policy::Status;
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub mono: bool,
}

impl Theme {
    pub fn new(mono: bool) -> Theme {
        Theme { mono }
    }

    fn fg(&self, c: Color) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(c)
        }
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Compromised => self.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Status::Expired => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Status::Overdue => self.fg(Color::Red),
            Status::DueSoon => self.fg(Color::Yellow),
            Status::Ok => self.fg(Color::Green),
            Status::NoPolicy => self.fg(Color::DarkGray),
        }
    }

    pub fn selected(&self, focused: bool) -> Style {
        if self.mono || !focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(Color::Black).bg(Color::Cyan)
        }
    }

    pub fn folder(&self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }

    pub fn label(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn masked(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn revealed(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn info(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }
}
