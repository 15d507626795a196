//! 1Password's CSV export (1Password 8: File → Export → CSV): a header row
//! naming `Title`, `Url` (or `Website`), `Username`, `Password`, `OTPAuth`
//! (or `One-time password`), `Favorite`, `Archived`, `Tags` and `Notes`,
//! in any order. The CSV has no vaults or folders: everything lands under
//! `--prefix`. Tags become ward tags (one word each), an archived item gets
//! the tag `archived`.

use super::csv::table;
use super::{Entry, Parsed};
use crate::error::Result;
use crate::store::document::{LOGIN_FIELD, OTP_FIELD};
use crate::store::{Kind, SecretValue};

/// Whether a CSV header line is 1Password's.
pub fn looks_like(first_line: &str) -> bool {
    let l = first_line.trim_start_matches('\u{feff}').to_lowercase();
    l.contains("title")
        && (l.contains("otpauth") || l.contains("one-time password"))
        && l.contains("password")
}

/// A tag as ward keeps it: one word, no commas or control characters.
pub(super) fn tag(raw: &str) -> Option<String> {
    let t: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control() && *c != ',')
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    (!t.is_empty()).then_some(t)
}

pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    let mut parsed = Parsed::default();
    let (header, rows) = table(
        bytes,
        "1Password",
        "Title,Url,Username,Password,OTPAuth,",
        &mut parsed,
    )?;
    let col = |names: &[&str]| header.find(names);
    let (title, url, user, password, otp, archived, tags, notes) = (
        col(&["title"]),
        col(&["url", "website"]),
        col(&["username"]),
        col(&["password"]),
        col(&["otpauth", "one-time password"]),
        col(&["archived", "archived status"]),
        col(&["tags"]),
        col(&["notes"]),
    );
    for row in rows {
        let origin = format!("line {}", row.line);
        let get = |i: Option<usize>| i.map(|i| row.fields[i].as_str()).unwrap_or_default();
        let mut entry = Entry {
            origin: format!("{origin} ({})", get(title)),
            title: get(title).to_string(),
            value: SecretValue::new(get(password).to_string()),
            kind: Some(Kind::Password),
            url: Some(get(url).to_string()).filter(|u| !u.is_empty()),
            notes: Some(get(notes).to_string()).filter(|n| !n.is_empty()),
            tags: get(tags).split([',', ';']).filter_map(tag).collect(),
            ..Entry::default()
        };
        if matches!(get(archived).to_lowercase().as_str(), "true" | "1" | "yes") {
            entry.tags.push("archived".into());
        }
        entry.add_field(LOGIN_FIELD, get(user), false);
        entry.add_field(OTP_FIELD, get(otp), true);
        parsed.entries.push(entry);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_documented_columns() {
        let p = parse(
            b"Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n\
              GitHub,https://github.com,ann,\"p,w\",otpauth://totp/GitHub?secret=AB,true,false,\"work,dev ops\",hi\n\
              Old,,,old-pw,,false,true,,\n\
              broken,row\n",
        )
        .unwrap();
        let e = &p.entries[0];
        assert_eq!(e.value.expose(), "p,w");
        assert_eq!(e.tags, ["work", "dev-ops"]);
        assert_eq!(e.custom_field("login").unwrap().value.expose(), "ann");
        assert_eq!(p.entries[1].tags, ["archived"]);
        assert_eq!(p.failures[0].entry, "line 4");
    }
}
