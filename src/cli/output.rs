//! Printing for the CLI: one-line errors, aligned tables, JSON.

use crate::sanitize::escape;
use std::io::Write;

/// `ward: error: …` on stderr, one line, with control characters escaped.
pub fn error_line(msg: &str) {
    eprintln!("ward: error: {}", escape(msg));
}

pub fn warn_line(msg: &str) {
    eprintln!("ward: warning: {}", escape(msg));
}

/// Prints one line to stdout; a closed pipe (`ward gen | head -c 8`) is an
/// error to report, not a panic as with `println!`.
pub fn print_line(text: &str) -> crate::error::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|_| out.flush())
        .map_err(|e| crate::error::WardError::io("stdout", e))
}

/// Prints rows under a header, columns aligned, every cell escaped for the
/// terminal.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    // Buffered: stdout is line-buffered, and a 10,000-row table would
    // otherwise cost a write per line.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = write_table(&mut out, header, rows).and_then(|()| out.flush());
}

/// [`table`] into any writer.
pub fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
        let mut text = String::new();
        for (i, c) in row.iter().enumerate() {
            text.push_str(c);
            if i + 1 < row.len() {
                let pad = widths[i].saturating_sub(c.chars().count());
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(
        out,
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    )?;
    for row in &cells {
        line(out, row)?;
    }
    Ok(())
}

pub use crate::words::plural;

/// Prints `value` as pretty JSON. To a terminal, characters that serde_json
/// leaves raw but a terminal acts on (DEL, C1 controls such as U+009B CSI,
/// bidirectional overrides, line and paragraph separators) are written as
/// `\uXXXX` escapes: still the same JSON, but inert.
pub fn json(value: &serde_json::Value) {
    use std::io::IsTerminal;
    let text = serde_json::to_string_pretty(value).expect("a JSON value serialises");
    let text = if std::io::stdout().is_terminal() {
        escape_json_for_terminal(&text)
    } else {
        text
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Whether a terminal may act on `c` although serde_json does not escape
/// it: DEL and C1 controls, and every character that draws nothing (the same
/// set the rest of ward's output escapes, `sanitize::is_invisible`).
fn unsafe_in_json(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}') || crate::sanitize::is_invisible(c)
}

/// Rewrites the characters of [`unsafe_in_json`] in serialised JSON as
/// `\uXXXX`. They can only occur inside strings (JSON's own syntax is
/// ASCII), where the escape means the same character.
pub fn escape_json_for_terminal(json: &str) -> String {
    if !json.chars().any(unsafe_in_json) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_in_json(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_a_terminal_has_no_raw_c1_or_bidi() {
        let v = serde_json::json!({
            "notes": "csi\u{9b}2J del\u{7f} rtl\u{202e}x iso\u{2066} sep\u{2028} ok é ✓",
            "esc": "\u{1b}[31m",
        });
        let raw = serde_json::to_string_pretty(&v).unwrap();
        assert!(raw.contains('\u{9b}'), "serde_json leaves C1 raw");
        let safe = escape_json_for_terminal(&raw);
        assert!(!safe.chars().any(unsafe_in_json), "{safe}");
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n'), "{safe}");
        assert!(safe.contains("csi\\u009b2J"), "{safe}");
        assert!(safe.contains("rtl\\u202ex"), "{safe}");
        // Still the same JSON.
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
        assert_eq!(escape_json_for_terminal("[1]"), "[1]");
    }
}
