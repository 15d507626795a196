//! Colours and marks, from the theme in force (`app::palette`, the files in
//! assets/themes/). Status always shows as a symbol and a word too, and
//! focus and selection as a title marker, bold, reverse and underline, so
//! everything reads with NO_COLOR and on a monochrome terminal.

use crate::app::palette::{Palette, Role};
use crate::policy::Status;
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub mono: bool,
    colors: [Option<Color>; Role::ALL.len()],
}

impl Theme {
    /// The palette's colours; `mono` (NO_COLOR) draws none of them.
    pub fn new(palette: &Palette, mono: bool) -> Theme {
        let mut colors = [None; Role::ALL.len()];
        for (i, role) in Role::ALL.into_iter().enumerate() {
            colors[i] = palette.get(role);
        }
        let mono = mono || palette.is_mono();
        Theme { mono, colors }
    }

    fn color(&self, role: Role) -> Option<Color> {
        if self.mono {
            return None;
        }
        let i = Role::ALL
            .iter()
            .position(|r| *r == role)
            .expect("every role is listed");
        self.colors[i]
    }

    fn fg(&self, role: Role) -> Style {
        match self.color(role) {
            Some(c) => Style::default().fg(c),
            None => Style::default(),
        }
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Compromised => self.fg(Role::Compromised).add_modifier(Modifier::BOLD),
            Status::Expired => self.fg(Role::Expired).add_modifier(Modifier::BOLD),
            Status::Overdue => self.fg(Role::Overdue),
            Status::DueSoon => self.fg(Role::DueSoon),
            Status::Ok => self.fg(Role::Ok),
            Status::NoPolicy => self.fg(Role::NoPolicy),
        }
    }

    /// The selected row: in the focused pane, the theme's selection colours
    /// (reverse and bold without them); in the other pane, underlined, so
    /// the two differ without colour too.
    pub fn selected(&self, focused: bool) -> Style {
        if !focused {
            return Style::default().add_modifier(Modifier::UNDERLINED);
        }
        match (self.color(Role::SelectedFg), self.color(Role::SelectedBg)) {
            (_, None) => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (fg, Some(bg)) => {
                let s = Style::default().bg(bg);
                fg.map_or(s, |fg| s.fg(fg))
            }
        }
    }

    pub fn folder(&self) -> Style {
        self.fg(Role::Folder).add_modifier(Modifier::BOLD)
    }

    pub fn label(&self) -> Style {
        self.fg(Role::Label)
    }

    pub fn masked(&self) -> Style {
        self.fg(Role::Masked)
    }

    pub fn revealed(&self) -> Style {
        self.fg(Role::Revealed).add_modifier(Modifier::BOLD)
    }

    /// A pane's border: the focused one bold (and in its colour).
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Role::BorderFocused).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Role::Border)
        }
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Role::Key).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Role::Error).add_modifier(Modifier::BOLD)
    }

    pub fn info(&self) -> Style {
        self.fg(Role::Info)
    }

    pub fn dim(&self) -> Style {
        self.fg(Role::Dim)
    }
}

/// A pane's title with the focus marker: "▶ Secrets" in the focused pane,
/// " Secrets" in the other (the same width, so nothing shifts).
pub fn focus_title(title: &str, focused: bool) -> String {
    let bare = title.strip_prefix(' ').unwrap_or(title);
    if focused {
        format!("▶{bare}")
    } else {
        format!(" {bare}")
    }
}
