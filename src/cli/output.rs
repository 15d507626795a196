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

/// A table with a header line, columns aligned, as wide as it needs.
pub fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let columns: Vec<Column> = header.iter().map(|h| Column::keep(h)).collect();
    write_fitted(out, &columns, rows, None)
}

/// Rows of cells (escaped), columns aligned, no header: `ward check`'s
/// lines. The last column is not padded.
pub fn write_rows(out: &mut impl Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c)).collect())
        .collect();
    let widths = natural_widths(&cells);
    write_aligned(out, &cells, &widths)
}

/// How a column of a [`write_fitted`] table gives way to a narrow terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Give {
    /// Always shown whole.
    Keep,
    /// Left out, lowest number first, while the table does not fit.
    Drop(u8),
    /// Cut to fit with an ellipsis, down to `min` characters: at the end,
    /// or in the middle (a path keeps its last segment). Space left over
    /// goes to these columns in their order.
    Shorten { min: usize, middle: bool },
}

#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    pub title: &'a str,
    pub give: Give,
}

impl<'a> Column<'a> {
    pub fn keep(title: &'a str) -> Column<'a> {
        Column {
            title,
            give: Give::Keep,
        }
    }
}

/// A table with a header line that fits `width` columns when given (a
/// terminal): one line per row, columns dropped or shortened as `columns`
/// say. Cells are escaped first.
pub fn write_fitted(
    out: &mut impl Write,
    columns: &[Column],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> std::io::Result<()> {
    let mut cells: Vec<Vec<String>> = vec![columns.iter().map(|c| c.title.to_string()).collect()];
    cells.extend(rows.iter().map(|r| r.iter().map(|c| escape(c)).collect()));
    let natural = natural_widths(&cells);
    let Some(width) = width else {
        return write_aligned(out, &cells, &natural);
    };
    let mut shown = vec![true; columns.len()];
    let short_min = |i: usize| match columns[i].give {
        Give::Shorten { min, .. } => Some(min.min(natural[i])),
        _ => None,
    };
    let needed = |shown: &[bool]| -> usize {
        let cols: Vec<usize> = (0..columns.len()).filter(|&i| shown[i]).collect();
        let gaps = 2 * cols.len().saturating_sub(1);
        gaps + cols
            .iter()
            .map(|&i| short_min(i).unwrap_or(natural[i]))
            .sum::<usize>()
    };
    while needed(&shown) > width {
        let next = (0..columns.len())
            .filter(|&i| shown[i])
            .filter_map(|i| match columns[i].give {
                Give::Drop(order) => Some((order, i)),
                _ => None,
            })
            .min();
        let Some((_, i)) = next else { break };
        shown[i] = false;
    }
    // Each shortened column gets its minimum; what is left, in order.
    let mut widths = natural.clone();
    let mut left = width.saturating_sub(needed(&shown));
    for i in (0..columns.len()).filter(|&i| shown[i]) {
        if let Some(min) = short_min(i) {
            let extra = (natural[i] - min).min(left);
            widths[i] = min + extra;
            left -= extra;
        }
    }
    let keep: Vec<usize> = (0..columns.len()).filter(|&i| shown[i]).collect();
    let cut: Vec<Vec<String>> = cells
        .iter()
        .map(|row| {
            keep.iter()
                .map(|&i| {
                    let cell = row.get(i).cloned().unwrap_or_default();
                    match columns[i].give {
                        Give::Shorten { middle, .. } => shorten(&cell, widths[i], middle),
                        _ => cell,
                    }
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = keep.iter().map(|&i| widths[i]).collect();
    write_aligned(out, &cut, &widths)
}

/// `text` cut to `max` characters with an ellipsis at the end or in the
/// middle.
pub fn shorten(text: &str, max: usize, middle: bool) -> String {
    let n = text.chars().count();
    if n <= max || max == 0 {
        return text.to_string();
    }
    if !middle {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        return cut;
    }
    let tail = (max - 1) * 2 / 3;
    let head = max - 1 - tail;
    let mut cut: String = text.chars().take(head).collect();
    cut.push('…');
    cut.extend(text.chars().skip(n - tail));
    cut
}

fn natural_widths(cells: &[Vec<String>]) -> Vec<usize> {
    let n = cells.iter().map(Vec::len).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect()
}

fn write_aligned(
    out: &mut impl Write,
    cells: &[Vec<String>],
    widths: &[usize],
) -> std::io::Result<()> {
    for row in cells {
        let mut text = String::new();
        for (i, c) in row.iter().enumerate() {
            text.push_str(c);
            if i + 1 < row.len() {
                let pad = widths[i].saturating_sub(c.chars().count());
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())?;
    }
    Ok(())
}

/// Columns of the terminal standard output is, or `COLUMNS`; `None` on a
/// pipe without `COLUMNS` (a script gets every column).
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        if let Ok((w, _)) = ratatui::crossterm::terminal::size() {
            return Some(w as usize);
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&w: &usize| w > 0)
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

/// Text from the store for a Markdown document: control characters made
/// visible ([`crate::sanitize::escape`]) and every character that would
/// format, link or break a table escaped, so it reads as it is.
pub fn markdown_text(s: &str) -> String {
    crate::sanitize::escape(s)
        .chars()
        .flat_map(|c| {
            let special = "\\`*_[]<>|#!~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
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
