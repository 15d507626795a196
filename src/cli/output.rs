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

/// Prints rows as columns separated by two spaces; every cell is escaped.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    // Buffered: stdout is line-buffered, and a 10,000-row table would
    // otherwise cost a write per line.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let line = |out: &mut std::io::BufWriter<std::io::StdoutLock>, row: Vec<String>| {
        let last = row.len().saturating_sub(1);
        let mut text = String::new();
        for (i, c) in row.into_iter().enumerate() {
            if i == last {
                text.push_str(&c);
            } else {
                let pad = widths[i].saturating_sub(c.chars().count());
                text.push_str(&c);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut out, header.iter().map(|h| h.to_string()).collect());
    for row in cells {
        line(&mut out, row);
    }
    let _ = out.flush();
}

/// "1 secret", "2 secrets", "0 secrets".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn json(value: &serde_json::Value) {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
    let _ = out.flush();
}
