//! Making store strings safe for a terminal: control and escape characters are
//! shown escaped (`\e`, `\x07`, `\u{9b}`), never sent as they are.

/// Escapes every control character (C0, DEL, C1) so that a string from the store
/// can be printed to a terminal without moving the cursor, changing colours,
/// setting the title or writing the clipboard.
pub fn escape(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// Like [`escape`] but keeps newlines and tabs, for multi-line notes and values
/// that are drawn line by line.
pub fn escape_multiline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\t' {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_override(c)
}

/// Bidirectional overrides can make a name read differently from what it is.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 && c.is_control() => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a\u{1b}[31mred"), "a\\e[31mred");
        assert_eq!(escape("\u{1b}]52;c;aGk=\u{7}"), "\\e]52;c;aGk=\\x07");
        assert_eq!(escape("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(escape("line\nbreak"), "line\\nbreak");
        assert_eq!(escape("rtl\u{202e}txt"), "rtl\\u{202e}txt");
        assert!(!escape("\u{7f}").contains('\u{7f}'));
    }

    #[test]
    fn multiline_keeps_newlines_only() {
        assert_eq!(escape_multiline("a\nb\u{1b}c"), "a\nb\\ec");
    }
}
