//! Bitwarden's unencrypted JSON export (Vault → Export → `.json`):
//! `{"encrypted": false, "folders": [{"id", "name"}], "items": [...]}`.
//! A folder name with `/` is a nested folder, as Bitwarden shows it. Items:
//! a login (type 1) gives its password as the value, the username as
//! `login`, the first URI as the URL (the others as fields `uri 2`, …) and
//! the TOTP as `otp` (a bare seed becomes an `otpauth://totp/` URI); a
//! secure note (2) is its notes with an empty value; a card (3) its number,
//! with the other card data as fields (the code masked); an identity (4)
//! its fields. Custom fields keep their names; hidden ones (type 1) are
//! masked. Dates: `creationDate` and `revisionDate`. An encrypted export
//! is refused: export it unencrypted.

use super::{Entry, Parsed};
use crate::error::{Result, WardError};
use crate::store::document::{LOGIN_FIELD, OTP_FIELD};
use crate::store::{Kind, SecretValue};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    folders: Vec<Folder>,
    #[serde(default)]
    items: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Folder {
    id: String,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Item {
    folder_id: Option<String>,
    #[serde(rename = "type")]
    kind: u8,
    name: Option<String>,
    notes: Option<String>,
    fields: Vec<CustomField>,
    login: Option<Login>,
    card: Option<HashMap<String, serde_json::Value>>,
    identity: Option<HashMap<String, serde_json::Value>>,
    creation_date: Option<DateTime<Utc>>,
    revision_date: Option<DateTime<Utc>>,
    attachments: Vec<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CustomField {
    name: Option<String>,
    value: Option<String>,
    #[serde(rename = "type")]
    kind: u8,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Login {
    uris: Vec<Uri>,
    username: Option<String>,
    password: Option<String>,
    totp: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Uri {
    uri: Option<String>,
}

/// Whether the start of a JSON file looks like a Bitwarden export.
pub fn looks_like(head: &str) -> bool {
    head.contains("\"encrypted\"") && head.contains("\"items\"")
        || head.contains("\"folders\"") && head.contains("\"items\"")
}

/// A TOTP as an `otpauth://` URI: kept when it is one (or `steam://`),
/// else a bare base32 seed made into `otpauth://totp/LABEL?secret=SEED`.
pub(super) fn otp_uri(totp: &str, label: &str) -> String {
    let t = totp.trim();
    if t.contains("://") {
        return t.to_string();
    }
    let seed: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let label: String = label
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect();
    format!("otpauth://totp/{label}?secret={seed}")
}

pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    let export: Export = serde_json::from_slice(bytes).map_err(|e| {
        WardError::Usage(format!(
            "not a Bitwarden JSON export: {:?} error at line {}, column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    if export.encrypted {
        return Err(WardError::Usage(
            "this Bitwarden export is encrypted: export the vault again as \
             \".json\" (not \".json (Encrypted)\")"
                .into(),
        ));
    }
    let folders: HashMap<String, Vec<String>> = export
        .folders
        .into_iter()
        .map(|f| (f.id, f.name.split('/').map(str::to_string).collect()))
        .collect();
    let mut parsed = Parsed::default();
    for (i, raw) in export.items.into_iter().enumerate() {
        let origin = format!("item {}", i + 1);
        let Ok(item) = serde_json::from_value::<Item>(raw) else {
            parsed.fail(origin, "not an item of a Bitwarden export");
            continue;
        };
        let title = item.name.clone().unwrap_or_default();
        let mut entry = Entry {
            origin: format!("{origin} ({title})"),
            folder: item
                .folder_id
                .as_ref()
                .and_then(|id| folders.get(id))
                .cloned()
                .unwrap_or_default(),
            title: title.clone(),
            notes: item.notes.clone().filter(|n| !n.is_empty()),
            created: item.creation_date,
            modified: item.revision_date,
            ..Entry::default()
        };
        match item.kind {
            1 => {
                let login = item.login.unwrap_or_default();
                entry.kind = Some(Kind::Password);
                entry.value = SecretValue::new(login.password.unwrap_or_default());
                entry.add_field(LOGIN_FIELD, &login.username.unwrap_or_default(), false);
                let uris: Vec<String> = login.uris.into_iter().filter_map(|u| u.uri).collect();
                entry.url = uris.first().cloned();
                for (n, uri) in uris.iter().enumerate().skip(1) {
                    entry.add_field(&format!("uri {}", n + 1), uri, false);
                }
                if let Some(totp) = login.totp.filter(|t| !t.trim().is_empty()) {
                    entry.add_field(OTP_FIELD, &otp_uri(&totp, &title), true);
                }
            }
            2 => {}
            3 => {
                let card = item.card.unwrap_or_default();
                let text = |k: &str| card.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                entry.value = SecretValue::new(text("number").to_string());
                for (key, name, secret) in [
                    ("cardholderName", "cardholder", false),
                    ("brand", "brand", false),
                    ("expMonth", "expiry month", false),
                    ("expYear", "expiry year", false),
                    ("code", "code", true),
                ] {
                    entry.add_field(name, text(key), secret);
                }
            }
            4 => {
                let identity = item.identity.unwrap_or_default();
                let mut keys: Vec<&String> = identity.keys().collect();
                keys.sort();
                for key in keys {
                    if let Some(v) = identity[key].as_str() {
                        entry.add_field(key, v, key == "ssn" || key == "passportNumber");
                    }
                }
            }
            other => {
                parsed.fail(
                    entry.origin,
                    format!("item type {other} is not one ward knows"),
                );
                continue;
            }
        }
        for f in item.fields {
            let (Some(name), Some(value)) = (f.name, f.value) else {
                continue;
            };
            entry.add_field(&name, &value, f.kind == 1);
        }
        for a in &item.attachments {
            let name = a.get("fileName").and_then(|n| n.as_str()).unwrap_or("?");
            entry.left_out.push(format!("attachment {name}"));
        }
        parsed.entries.push(entry);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_totp_seed_becomes_a_uri() {
        assert_eq!(
            otp_uri("JBSW Y3DP", "Git Hub"),
            "otpauth://totp/Git%20Hub?secret=JBSWY3DP"
        );
        let uri = "otpauth://totp/x?secret=AB&issuer=y";
        assert_eq!(otp_uri(uri, "x"), uri);
    }

    #[test]
    fn an_encrypted_export_is_refused() {
        let err =
            parse(br#"{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "x", "data": "y"}"#)
                .unwrap_err();
        assert!(err.to_string().contains("encrypted"), "{err}");
    }
}
