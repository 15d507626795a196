//! crossterm's input events as the app's own types: the app and the keymap
//! know no terminal library.

use crate::app::{Mouse, MouseKind};
use crate::keymap::{KeyCode, KeyPress, Mods};
use ratatui::crossterm::event as ct;

/// A key press for the app.
pub fn key(ev: &ct::KeyEvent) -> KeyPress {
    let code = match ev.code {
        ct::KeyCode::Char(c) => KeyCode::Char(c),
        ct::KeyCode::Enter => KeyCode::Enter,
        ct::KeyCode::Esc => KeyCode::Esc,
        ct::KeyCode::Tab => KeyCode::Tab,
        ct::KeyCode::BackTab => KeyCode::BackTab,
        ct::KeyCode::Backspace => KeyCode::Backspace,
        ct::KeyCode::Delete => KeyCode::Delete,
        ct::KeyCode::Insert => KeyCode::Insert,
        ct::KeyCode::Up => KeyCode::Up,
        ct::KeyCode::Down => KeyCode::Down,
        ct::KeyCode::Left => KeyCode::Left,
        ct::KeyCode::Right => KeyCode::Right,
        ct::KeyCode::Home => KeyCode::Home,
        ct::KeyCode::End => KeyCode::End,
        ct::KeyCode::PageUp => KeyCode::PageUp,
        ct::KeyCode::PageDown => KeyCode::PageDown,
        ct::KeyCode::F(n) => KeyCode::F(n),
        _ => KeyCode::Other,
    };
    let m = ev.modifiers;
    let mut mods = Mods::NONE;
    for (theirs, ours) in [
        (ct::KeyModifiers::SHIFT, Mods::SHIFT),
        (ct::KeyModifiers::CONTROL, Mods::CONTROL),
        (ct::KeyModifiers::ALT, Mods::ALT),
        (ct::KeyModifiers::SUPER, Mods::SUPER),
        (ct::KeyModifiers::HYPER, Mods::SUPER),
        (ct::KeyModifiers::META, Mods::SUPER),
    ] {
        if m.contains(theirs) {
            mods = mods | ours;
        }
    }
    KeyPress::new(code, mods)
}

/// A mouse event for the app.
pub fn mouse(ev: &ct::MouseEvent) -> Mouse {
    let kind = match ev.kind {
        ct::MouseEventKind::Down(ct::MouseButton::Left) => MouseKind::LeftDown,
        ct::MouseEventKind::ScrollUp => MouseKind::ScrollUp,
        ct::MouseEventKind::ScrollDown => MouseKind::ScrollDown,
        _ => MouseKind::Other,
    };
    Mouse {
        kind,
        column: ev.column,
        row: ev.row,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_code_and_modifiers() {
        let k = key(&ct::KeyEvent::new(
            ct::KeyCode::Char('G'),
            ct::KeyModifiers::SHIFT,
        ));
        assert_eq!(k, KeyPress::new(KeyCode::Char('G'), Mods::SHIFT));
        let k = key(&ct::KeyEvent::new(
            ct::KeyCode::Char('s'),
            ct::KeyModifiers::CONTROL | ct::KeyModifiers::ALT,
        ));
        assert_eq!(k.mods, Mods::CONTROL | Mods::ALT);
        let k = key(&ct::KeyEvent::new(
            ct::KeyCode::Char('r'),
            ct::KeyModifiers::SUPER,
        ));
        assert_ne!(k.mods, Mods::NONE, "Super-r is not r");
        let k = key(&ct::KeyEvent::new(
            ct::KeyCode::F(5),
            ct::KeyModifiers::NONE,
        ));
        assert_eq!(k, KeyPress::plain(KeyCode::F(5)));
        let k = key(&ct::KeyEvent::new(
            ct::KeyCode::CapsLock,
            ct::KeyModifiers::NONE,
        ));
        assert_eq!(k.code, KeyCode::Other);
    }
}
