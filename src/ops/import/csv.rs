//! A small RFC 4180 CSV reader for the CSV exports (KeePassXC, 1Password):
//! comma-separated, fields in double quotes may hold commas, newlines and
//! `""` for a quote; CRLF or LF line ends; a UTF-8 byte order mark is
//! skipped. Rows come with their line numbers, so a bad row fails alone.

/// One row: the line it starts on, and its fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub fields: Vec<String>,
}

/// A row that is not CSV: where, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct BadRow {
    pub line: usize,
    pub reason: String,
}

/// Every row of `text`; blank lines are skipped.
pub fn rows(text: &str) -> (Vec<Row>, Vec<BadRow>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut in_quotes = false;
        let mut after_quote = false;
        let mut error: Option<String> = None;
        loop {
            let Some(c) = chars.next() else {
                if in_quotes {
                    error = Some("a quoted field is never closed".into());
                }
                break;
            };
            if in_quotes {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => {
                        in_quotes = false;
                        after_quote = true;
                    }
                    c => {
                        if c == '\n' {
                            line += 1;
                        }
                        field.push(c);
                    }
                }
                continue;
            }
            match c {
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    quoted = false;
                    after_quote = false;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    line += 1;
                    break;
                }
                '"' if field.is_empty() && !quoted => {
                    quoted = true;
                    in_quotes = true;
                }
                // Never quoted in the reason: it is part of a value.
                _ if after_quote => {
                    if error.is_none() {
                        error = Some("text after a closing quote".into());
                    }
                }
                c => field.push(c),
            }
        }
        fields.push(field);
        match error {
            Some(reason) => bad.push(BadRow {
                line: start,
                reason,
            }),
            None if fields.len() == 1 && fields[0].is_empty() => {}
            None => rows.push(Row {
                line: start,
                fields,
            }),
        }
    }
    (rows, bad)
}

/// A CSV export's header and its good rows. `what` names the export in the
/// error for a file without the header (`hint`: how it starts); rows that
/// are not CSV, or have another number of columns than the header, become
/// failures in `parsed`, naming their line.
pub fn table(
    bytes: &[u8],
    what: &str,
    hint: &str,
    parsed: &mut super::Parsed,
) -> crate::error::Result<(Header, Vec<Row>)> {
    use crate::error::WardError;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| WardError::Usage("the CSV file is not UTF-8 text".into()))?;
    let (all, bad) = rows(text);
    let mut all = all.into_iter();
    let header = all
        .next()
        .map(|r| Header::new(&r.fields))
        .filter(|h| h.find(&["title"]).is_some() && h.find(&["password"]).is_some())
        .ok_or_else(|| {
            WardError::Usage(format!(
                "not a {what} CSV export: the first row must be its header ({hint}…)"
            ))
        })?;
    for b in bad {
        parsed.fail(format!("line {}", b.line), b.reason);
    }
    let mut good = Vec::new();
    for row in all {
        if row.fields.len() == header.len() {
            good.push(row);
        } else {
            parsed.fail(
                format!("line {}", row.line),
                format!(
                    "{} columns where the header has {}",
                    row.fields.len(),
                    header.len()
                ),
            );
        }
    }
    Ok((header, good))
}

/// Columns by header name (compared without case and surrounding spaces).
pub struct Header(Vec<String>);

impl Header {
    pub fn new(fields: &[String]) -> Header {
        Header(fields.iter().map(|f| f.trim().to_lowercase()).collect())
    }

    /// The index of the first of `names` the header has.
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.0.iter().position(|h| h == n))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn name(&self, i: usize) -> &str {
        &self.0[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_newlines_and_bad_rows() {
        let (rows, bad) = rows(
            "\u{feff}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\n1,,3\n\"ok\"junk,2\nlast,row",
        );
        let got: Vec<(usize, Vec<&str>)> = rows
            .iter()
            .map(|r| (r.line, r.fields.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            got,
            [
                (1, vec!["a", "b", "c"]),
                (2, vec!["x, y", "say \"hi\"", "two\nlines"]),
                (5, vec!["1", "", "3"]),
                (7, vec!["last", "row"]),
            ]
        );
        assert_eq!(
            bad,
            [BadRow {
                line: 6,
                reason: "text after a closing quote".into()
            }]
        );
        let (_, bad) = super::rows("a,\"open\nb,c\n");
        assert_eq!(bad[0].reason, "a quoted field is never closed");
    }
}
