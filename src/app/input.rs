//! A small text field: single- or multi-line, optionally masked. Its text is
//! zeroized when dropped or cleared, since it may hold a secret being typed.

use crate::keymap::{KeyCode, KeyPress, Mods};
use zeroize::Zeroize;

#[derive(Default)]
pub struct TextInput {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
    /// Holds a secret: drawn masked unless `shown`.
    pub secret: bool,
    pub shown: bool,
    pub multiline: bool,
}

impl Drop for TextInput {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// Never shows the text: a field may hold a value or a passphrase (the lock
/// and first-run screens use plain fields, drawn as bullets by their renderer).
impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextInput(<{} chars>)", self.text.chars().count())
    }
}

impl TextInput {
    pub fn new(text: &str) -> Self {
        let mut input = TextInput::default();
        input.set(text);
        input
    }

    pub fn secret(multiline: bool) -> Self {
        let mut input = TextInput::default();
        input.secret = true;
        input.multiline = multiline;
        input
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn set(&mut self, text: &str) {
        self.text.zeroize();
        self.text = text.to_string();
        self.cursor = self.text.chars().count();
    }

    pub fn clear(&mut self) {
        self.set("");
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    pub fn insert_str(&mut self, s: &str) {
        let s: String = if self.multiline {
            s.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            // A single-line field takes the first line of a paste.
            s.lines().next().unwrap_or("").to_string()
        };
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &s);
        self.cursor += s.chars().count();
    }

    pub fn insert_char(&mut self, c: char) {
        if c == '\n' && !self.multiline {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Deletes the word before the cursor (and the spaces after it), as
    /// Ctrl-W does in a shell.
    fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let mut start = self.cursor.min(chars.len());
        while start > 0 && chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
        self.text.replace_range(from..to, "");
        self.cursor = start;
    }

    /// Handles an editing key; returns whether it was used. These editing
    /// keys (characters, Backspace, Delete, ←/→, Home/End, Ctrl-A/E/U/W,
    /// Alt-Backspace) are
    /// the text field's own, like any text box's, and not in the keymap:
    /// the keymap's actions are looked up first and the rest come here.
    pub fn handle_key(&mut self, key: &KeyPress) -> bool {
        let ctrl = key.mods.contains(Mods::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Backspace if ctrl || key.mods.contains(Mods::ALT) => self.delete_word(),
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.chars().count(),
            KeyCode::Char(c) if !ctrl => self.insert_char(c),
            KeyCode::Backspace => {
                if self.cursor > 0 {
                    let at = self.byte_at(self.cursor - 1);
                    self.text.remove(at);
                    self.cursor -= 1;
                }
            }
            KeyCode::Delete => {
                if self.cursor < self.text.chars().count() {
                    let at = self.byte_at(self.cursor);
                    self.text.remove(at);
                }
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.chars().count(),
            _ => return false,
        }
        true
    }

    /// What to draw: the text, or one bullet per character when masked
    /// (newlines kept so the shape of a multi-line value shows).
    pub fn display(&self) -> String {
        if self.secret && !self.shown {
            self.text
                .chars()
                .map(|c| if c == '\n' { '\n' } else { '•' })
                .collect()
        } else {
            crate::sanitize::escape_multiline(&self.text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyPress {
        KeyPress::plain(c)
    }

    #[test]
    fn edits_at_the_cursor_with_unicode() {
        let mut t = TextInput::new("héllo");
        t.handle_key(&key(KeyCode::Left));
        t.handle_key(&key(KeyCode::Backspace));
        t.handle_key(&key(KeyCode::Char('L')));
        assert_eq!(t.text(), "hélLo");
        t.handle_key(&key(KeyCode::Home));
        t.handle_key(&key(KeyCode::Delete));
        assert_eq!(t.text(), "élLo");
    }

    #[test]
    fn ctrl_w_deletes_the_word_before_the_cursor() {
        let ctrl_w = KeyPress::new(KeyCode::Char('w'), Mods::CONTROL);
        let mut t = TextInput::new("rotate the  key");
        assert!(t.handle_key(&ctrl_w));
        assert_eq!(t.text(), "rotate the  ");
        t.handle_key(&ctrl_w);
        assert_eq!(t.text(), "rotate ");
        t.handle_key(&key(KeyCode::Left));
        t.handle_key(&key(KeyCode::Left));
        t.handle_key(&ctrl_w);
        assert_eq!((t.text(), t.cursor()), ("e ", 0), "up to the cursor only");
        let mut t = TextInput::new("héllo wörld");
        t.handle_key(&KeyPress::new(KeyCode::Backspace, Mods::ALT));
        assert_eq!(t.text(), "héllo ");
        t.handle_key(&ctrl_w);
        t.handle_key(&ctrl_w);
        assert_eq!((t.text(), t.cursor()), ("", 0));
    }

    #[test]
    fn masks_secrets_and_single_line_paste_keeps_first_line() {
        let mut t = TextInput::secret(false);
        t.insert_str("abc\ndef");
        assert_eq!(t.text(), "abc");
        assert_eq!(t.display(), "•••");
        assert!(!format!("{t:?}").contains("abc"));
        let mut m = TextInput::secret(true);
        m.insert_str("-----BEGIN\r\nKEY\r\n");
        assert_eq!(m.text(), "-----BEGIN\nKEY\n");
    }
}
