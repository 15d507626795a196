//! `.env` files, read as python-dotenv, godotenv and docker compose read
//! them: `KEY=value` lines, an optional `export ` before the key, `#`
//! comments on their own line or after a value (after whitespace), blank
//! lines. Values: unquoted (trimmed, up to an inline comment); single
//! quotes, literal (only `\'` and `\\` are escapes) and possibly multi-line;
//! double quotes with `\n \r \t \" \\ \$ \'` escapes, possibly multi-line
//! (other backslashes kept as they are); backticks, literal. No `${VAR}`
//! expansion: values are stored as written. A key given twice: the last
//! one wins, as in those libraries (and it is said). A line that is not
//! `KEY=value` fails alone, naming its line.

use super::{Entry, Parsed};
use crate::store::SecretValue;

/// Parses a whole file.
pub fn parse(bytes: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            parsed.fail(
                format!("byte {}", e.valid_up_to()),
                "the file is not UTF-8 text",
            );
            return parsed;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut rest = text;
    let mut line_no = 1;
    while !rest.is_empty() {
        let start_line = line_no;
        match entry(rest) {
            Step::Skip(used) => {
                line_no += rest[..used].matches('\n').count();
                rest = &rest[used..];
            }
            Step::Entry(key, value, used) => {
                line_no += rest[..used].matches('\n').count();
                rest = &rest[used..];
                let origin = format!("line {start_line}");
                if let Some(i) = seen.get(&key).copied() {
                    let earlier = parsed.entries.remove(i);
                    parsed.notices.push(format!(
                        "{key} is set on {} and again on {origin}: the last one is imported, \
                         as dotenv libraries do",
                        earlier.origin
                    ));
                    for index in seen.values_mut() {
                        if *index > i {
                            *index -= 1;
                        }
                    }
                }
                seen.insert(key.clone(), parsed.entries.len());
                parsed.entries.push(Entry {
                    origin,
                    title: key,
                    value: SecretValue::new(value),
                    ..Entry::default()
                });
            }
            Step::Bad(reason, used) => {
                parsed.fail(format!("line {start_line}"), reason);
                line_no += rest[..used].matches('\n').count();
                rest = &rest[used..];
            }
        }
    }
    parsed
}

enum Step {
    /// A blank or comment line: bytes used.
    Skip(usize),
    /// Key, value, bytes used (a quoted value may span lines).
    Entry(String, String, usize),
    /// What is wrong, and the bytes to skip (the rest of the line).
    Bad(String, usize),
}

/// The end of the current line (after its `\n`), from `from`.
fn line_end(s: &str, from: usize) -> usize {
    s[from..]
        .find('\n')
        .map(|i| from + i + 1)
        .unwrap_or(s.len())
}

fn entry(s: &str) -> Step {
    let end = line_end(s, 0);
    let line = s[..end].trim_end_matches(['\n', '\r']);
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Step::Skip(end);
    }
    let mut at = s.len() - s.trim_start_matches([' ', '\t']).len();
    if let Some(after) = s[at..].strip_prefix("export") {
        if after.starts_with([' ', '\t']) {
            at += "export".len();
            at += s[at..].len() - s[at..].trim_start_matches([' ', '\t']).len();
        }
    }
    let key_len = s[at..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(s.len() - at);
    let key = &s[at..at + key_len];
    if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
        return Step::Bad(
            "not KEY=value (a key is letters, digits, _ . -)".into(),
            end,
        );
    }
    at += key_len;
    at += s[at..].len() - s[at..].trim_start_matches([' ', '\t']).len();
    if !s[at..].starts_with('=') {
        // Not named: a line without `=` may be a pasted value.
        return Step::Bad("not KEY=value: no '=' after the first word".into(), end);
    }
    at += 1;
    at += s[at..].len() - s[at..].trim_start_matches([' ', '\t']).len();
    let key = key.to_string();
    match s[at..].chars().next() {
        Some(q @ ('\'' | '"' | '`')) => match quoted(&s[at + 1..], q) {
            Some((value, used)) => {
                let after = at + 1 + used;
                let end = line_end(s, after);
                let tail = s[after..end].trim_end_matches(['\n', '\r']).trim();
                if !tail.is_empty() && !tail.starts_with('#') {
                    return Step::Bad(format!("{key}: text after the closing quote"), end);
                }
                Step::Entry(key, value, end)
            }
            // The line alone fails; the next line is read as a new one.
            None => Step::Bad(format!("{key}: the quote {q} is never closed"), end),
        },
        _ => {
            let value = line[at.min(line.len())..].to_string();
            // An inline comment starts at a `#` after whitespace.
            let cut = value
                .char_indices()
                .find(|&(i, c)| c == '#' && i > 0 && value[..i].ends_with([' ', '\t']))
                .map(|(i, _)| i)
                .unwrap_or(value.len());
            Step::Entry(key, value[..cut].trim().to_string(), end)
        }
    }
}

/// The value inside quotes `q` starting right after the opening one, and
/// the bytes used including the closing quote; None if it never closes.
fn quoted(s: &str, q: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == q {
            return Some((out, i + 1));
        }
        if c != '\\' || q == '`' {
            out.push(c);
            continue;
        }
        let next = chars.clone().next().map(|(_, n)| n);
        let decoded = match (q, next) {
            ('\'', Some('\'')) => Some('\''),
            ('\'', Some('\\')) => Some('\\'),
            ('"', Some('n')) => Some('\n'),
            ('"', Some('r')) => Some('\r'),
            ('"', Some('t')) => Some('\t'),
            ('"', Some(c @ ('"' | '\\' | '$' | '\''))) => Some(c),
            _ => None,
        };
        match decoded {
            Some(d) => {
                out.push(d);
                chars.next();
            }
            None => out.push('\\'),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        let p = parse(text.as_bytes());
        assert!(p.failures.is_empty(), "{:?}", p.failures);
        p.entries
            .into_iter()
            .map(|e| (e.title, e.value.expose().to_string()))
            .collect()
    }

    #[test]
    fn every_quoting_case() {
        let text = "# comment\n\
            PLAIN=value\n\
            SPACED = spaced value  \n\
            export EXPORTED=yes\n\
            INLINE=abc # a comment\n\
            HASH=abc#not-a-comment\n\
            EMPTY_QUOTED=\"\"\n\
            SINGLE='it is \\n literal $HOME'\n\
            SINGLE_ESC='it\\'s'\n\
            DOUBLE=\"line1\\nline2\\t\\\"q\\\" \\\\ \\$HOME \\x\"\n\
            MULTI=\"first\nsecond\"\n\
            MULTI_SINGLE='-----BEGIN KEY-----\nabc\n-----END KEY-----'\n\
            BACKTICK=`a \\n 'b' \"c\"`\n\
            QUOTED_COMMENT=\"v\" # after\n\
            \n\
            DOTTED.KEY-1=ok\r\n\
            URL=postgres://u:p@h/db?x=1\n";
        assert_eq!(
            pairs(text),
            [
                ("PLAIN", "value"),
                ("SPACED", "spaced value"),
                ("EXPORTED", "yes"),
                ("INLINE", "abc"),
                ("HASH", "abc#not-a-comment"),
                ("EMPTY_QUOTED", ""),
                ("SINGLE", "it is \\n literal $HOME"),
                ("SINGLE_ESC", "it's"),
                ("DOUBLE", "line1\nline2\t\"q\" \\ $HOME \\x"),
                ("MULTI", "first\nsecond"),
                (
                    "MULTI_SINGLE",
                    "-----BEGIN KEY-----\nabc\n-----END KEY-----"
                ),
                ("BACKTICK", "a \\n 'b' \"c\""),
                ("QUOTED_COMMENT", "v"),
                ("DOTTED.KEY-1", "ok"),
                ("URL", "postgres://u:p@h/db?x=1"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn bad_lines_fail_alone_and_the_last_duplicate_wins() {
        let p = parse(b"A=1\nnot a pair\nB='open\nC=3\n");
        let reasons: Vec<(&str, &str)> = p
            .failures
            .iter()
            .map(|f| (f.entry.as_str(), f.reason.as_str()))
            .collect();
        assert_eq!(reasons[0].0, "line 2");
        assert_eq!(reasons[1], ("line 3", "B: the quote ' is never closed"));
        assert_eq!(p.entries.len(), 2, "A and C");
        let p = parse(b"K=first\nL=x\nK=second\n");
        let got: Vec<(&str, &str)> = p
            .entries
            .iter()
            .map(|e| (e.title.as_str(), e.value.expose()))
            .collect();
        assert_eq!(got, [("L", "x"), ("K", "second")]);
        assert!(p.notices[0].contains("line 1 and again on line 3"));
        let p = parse(b"X=\"a\" junk\n");
        assert!(p.failures[0].reason.contains("after the closing quote"));
    }
}
