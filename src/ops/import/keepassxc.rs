//! KeePassXC's CSV export (Database → Export → CSV, or `keepassxc-cli
//! export --format csv`): `"Group","Title","Username","Password","URL",
//! "Notes","TOTP","Icon","Last Modified","Created"`. The group is a path
//! from the root group, whose own name (`Root`) is left out; the TOTP
//! column holds an `otpauth://` URI.

use super::csv::table;
use super::{Entry, Parsed};
use crate::error::Result;
use crate::store::document::{LOGIN_FIELD, OTP_FIELD};
use crate::store::{Kind, SecretValue};
use chrono::{DateTime, NaiveDateTime, Utc};

/// Whether a CSV header line is KeePassXC's.
pub fn looks_like(first_line: &str) -> bool {
    let l = first_line.trim_start_matches('\u{feff}').to_lowercase();
    l.starts_with("\"group\",\"title\"") || l.starts_with("group,title")
}

/// A time as KeePassXC writes it (ISO 8601, UTC), or None.
pub(super) fn time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
}

pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    let mut parsed = Parsed::default();
    let (header, rows) = table(
        bytes,
        "KeePassXC",
        "\"Group\",\"Title\",\"Username\",\"Password\",",
        &mut parsed,
    )?;
    let col = |names: &[&str]| header.find(names);
    let (group, title, user, password, url, notes, totp, modified, created) = (
        col(&["group"]),
        col(&["title"]),
        col(&["username"]),
        col(&["password"]),
        col(&["url"]),
        col(&["notes"]),
        col(&["totp"]),
        col(&["last modified"]),
        col(&["created"]),
    );
    for row in rows {
        let origin = format!("line {}", row.line);
        let get = |i: Option<usize>| i.map(|i| row.fields[i].as_str()).unwrap_or_default();
        let mut folder: Vec<String> = get(group)
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if !folder.is_empty() {
            folder.remove(0);
        }
        let mut entry = Entry {
            origin: format!("{origin} ({})", get(title)),
            folder,
            title: get(title).to_string(),
            value: SecretValue::new(get(password).to_string()),
            kind: Some(Kind::Password),
            url: Some(get(url).to_string()).filter(|u| !u.is_empty()),
            notes: Some(get(notes).to_string()).filter(|n| !n.is_empty()),
            created: time(get(created)),
            modified: time(get(modified)),
            ..Entry::default()
        };
        entry.add_field(LOGIN_FIELD, get(user), false);
        entry.add_field(OTP_FIELD, get(totp), true);
        parsed.entries.push(entry);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_columns_and_fails_a_short_row() {
        let p = parse(
            b"\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
              \"Root/Work/Git\",\"GitHub\",\"ann\",\"pw,\"\"1\",\"https://github.com\",\"two\nlines\",\"otpauth://totp/x?secret=AB\",\"0\",\"2024-03-01T10:00:00Z\",\"2023-01-02T03:04:05Z\"\n\
              \"Root\",\"short\"\n",
        )
        .unwrap();
        let e = &p.entries[0];
        assert_eq!(e.folder, ["Work", "Git"]);
        assert_eq!(e.value.expose(), "pw,\"1");
        assert_eq!(e.notes.as_deref(), Some("two\nlines"));
        assert_eq!(e.custom_field("login").unwrap().value.expose(), "ann");
        assert!(e.custom_field("otp").unwrap().secret);
        assert_eq!(e.created.unwrap().to_rfc3339(), "2023-01-02T03:04:05+00:00");
        // The row after a two-line note starts on line 4.
        assert_eq!(p.failures[0].entry, "line 4");
        assert!(parse(b"a,b\n1,2\n").is_err());
    }
}
