//! Making store strings safe for a terminal: control and escape characters,
//! and characters that draw nothing, are shown escaped (`\e`, `\x07`,
//! `\u{9b}`, `\u{200b}`), never sent as they are.

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
    c.is_control() || is_invisible(c)
}

/// Characters that draw nothing, or change how the text around them is
/// drawn: two names that differ only by one look the same, and a
/// bidirectional override can make a name or note read differently from
/// what it is (`KEY\u{202e}txt.exe`). These are Unicode's format characters
/// (category Cf, Unicode 15.1), plus the line and paragraph separators that
/// some terminals take as a line break. New secret names are compared
/// without them ([`crate::store::name::lookalike_key`]).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' // soft hyphen
        | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' // Arabic marks, ALM
        | '\u{890}'..='\u{891}' | '\u{8e2}'
        | '\u{180e}' // Mongolian vowel separator
        | '\u{200b}'..='\u{200f}' // zero-width space, ZWNJ, ZWJ, LRM, RLM
        | '\u{2028}'..='\u{202e}' // line and paragraph separators, bidi embeddings and overrides
        | '\u{2060}'..='\u{206f}' // word joiner, invisible operators, bidi isolates
        | '\u{feff}' // zero-width no-break space (byte order mark)
        | '\u{fff9}'..='\u{fffb}' // interlinear annotation
        | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}' // musical symbol formatting
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}' // tag characters: invisible text
    )
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
    fn escapes_characters_that_draw_nothing() {
        for (raw, shown) in [
            ("API\u{200b}KEY", "API\\u{200b}KEY"),
            ("a\u{200c}\u{200d}b", "a\\u{200c}\\u{200d}b"),
            (
                "lrm\u{200e}rlm\u{200f}alm\u{61c}",
                "lrm\\u{200e}rlm\\u{200f}alm\\u{61c}",
            ),
            ("wj\u{2060}\u{2064}", "wj\\u{2060}\\u{2064}"),
            ("\u{feff}bom", "\\u{feff}bom"),
            (
                "embed\u{202a}\u{202b}\u{202c}\u{202d}",
                "embed\\u{202a}\\u{202b}\\u{202c}\\u{202d}",
            ),
            (
                "iso\u{2066}\u{2067}\u{2068}\u{2069}",
                "iso\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
            ),
            ("ls\u{2028}ps\u{2029}", "ls\\u{2028}ps\\u{2029}"),
            ("soft\u{ad}hyphen", "soft\\u{ad}hyphen"),
            ("tag\u{e0041}\u{e007f}", "tag\\u{e0041}\\u{e007f}"),
        ] {
            assert_eq!(escape(raw), shown, "{raw:?}");
            assert_eq!(escape_multiline(raw), shown, "{raw:?}");
        }
        // Visible text from every script, and emoji, pass as they are.
        for fine in ["clé API", "ключ", "鍵", "مفتاح", "🔑", "naïve", "a\u{301}"] {
            assert_eq!(escape(fine), fine);
        }
    }

    #[test]
    fn multiline_keeps_newlines_only() {
        assert_eq!(escape_multiline("a\nb\u{1b}c"), "a\nb\\ec");
    }
}
