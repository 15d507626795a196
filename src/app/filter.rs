//! One filter line, used by the tree, the review and the audit screen: the
//! text typed so far with a movable cursor, and whether keys go to it.

use super::input::TextInput;
use crate::keymap::KeyPress;

#[derive(Debug, Default)]
pub struct FilterLine {
    input: TextInput,
    /// Keys go to the line (it shows a cursor).
    pub active: bool,
}

impl FilterLine {
    pub fn text(&self) -> &str {
        self.input.text()
    }

    pub fn is_empty(&self) -> bool {
        self.input.text().is_empty()
    }

    /// Starts typing (the text stays, the cursor at its end).
    pub fn start(&mut self) {
        self.active = true;
        let text = self.input.text().to_string();
        self.input.set(&text);
    }

    /// Stops typing and keeps the text.
    pub fn accept(&mut self) {
        self.active = false;
    }

    /// Stops typing and drops the text.
    pub fn cancel(&mut self) {
        self.active = false;
        self.input.clear();
    }

    /// Drops the text (typing or not).
    pub fn clear(&mut self) {
        self.input.clear();
    }

    /// Inserts a paste's first line at the cursor.
    pub fn insert_str(&mut self, text: &str) {
        self.input.insert_str(text);
    }

    /// An editing key (characters, Backspace, ←/→, …); true when the text
    /// changed (a cursor move alone is not a new filter).
    pub fn edit(&mut self, key: &KeyPress) -> bool {
        let before = self.input.text().to_string();
        self.input.handle_key(key) && self.input.text() != before
    }

    /// The text before and after the cursor, for drawing it.
    pub fn parts(&self) -> (&str, &str) {
        let text = self.input.text();
        let at = text
            .char_indices()
            .nth(self.input.cursor())
            .map_or(text.len(), |(b, _)| b);
        text.split_at(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::KeyCode;

    #[test]
    fn edits_at_a_movable_cursor() {
        let mut f = FilterLine::default();
        f.start();
        for c in "acme".chars() {
            assert!(f.edit(&KeyPress::plain(KeyCode::Char(c))));
        }
        assert!(
            !f.edit(&KeyPress::plain(KeyCode::Left)),
            "a move is no edit"
        );
        assert!(!f.edit(&KeyPress::plain(KeyCode::Left)));
        assert!(f.edit(&KeyPress::plain(KeyCode::Char('/'))));
        assert_eq!(f.text(), "ac/me");
        assert_eq!(f.parts(), ("ac/", "me"));
        f.insert_str("x\ny");
        assert_eq!(f.text(), "ac/xme");
        f.accept();
        assert!(!f.active);
        assert_eq!(f.text(), "ac/xme");
        f.start();
        f.cancel();
        assert!(!f.active && f.is_empty());
    }
}
