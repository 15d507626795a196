//! What `ward export --format json` writes: one object keyed by secret
//! path, `{"value", "encoding", "version", "kind", "expires", "created",
//! "updated", "rotated"}` each (and, when present, `owner`, `tags`, `url`,
//! `notes`, `rotate_every` and `fields` as in docs/FORMAT.md), so a store
//! can be moved and restored. `updated` is not read back: the import is the
//! secret's latest change in the new store (and its audit record says so).

use super::{Entry, Parsed};
use crate::error::{Result, WardError};
use crate::store::document::Field;
use crate::store::{Encoding, Kind, SecretValue};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Exported {
    value: SecretValue,
    #[serde(default)]
    encoding: Encoding,
    #[serde(default)]
    kind: Option<Kind>,
    #[serde(default)]
    expires: Option<chrono::NaiveDate>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    rotate_every: Option<crate::policy::Interval>,
    #[serde(default)]
    created: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    rotated: Option<chrono::DateTime<chrono::Utc>>,
}

/// Whether the start of a file looks like a ward JSON export.
pub fn looks_like(head: &str) -> bool {
    head.trim_start().starts_with('{') && head.contains("\"value\"")
}

pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    // Serde's messages can quote the input: only the position is kept.
    let top: BTreeMap<String, serde_json::Value> = serde_json::from_slice(bytes).map_err(|e| {
        WardError::Usage(format!(
            "not a ward JSON export (an object keyed by secret path): {:?} error at line {}, \
             column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let mut parsed = Parsed::default();
    for (path, value) in top {
        let exported: Exported = match serde_json::from_value(value) {
            Ok(e) => e,
            Err(_) => {
                parsed.fail(
                    path,
                    "not {\"value\": …, \"encoding\": …} as ward export writes",
                );
                continue;
            }
        };
        let mut folder: Vec<String> = path.split('/').map(str::to_string).collect();
        let title = folder.pop().unwrap_or_default();
        parsed.entries.push(Entry {
            origin: path.clone(),
            folder,
            title,
            value: exported.value,
            encoding: exported.encoding,
            kind: exported.kind,
            expires: exported.expires,
            url: exported.url,
            notes: exported.notes,
            tags: exported.tags,
            fields: exported.fields,
            owner: exported.owner,
            rotate_every: exported.rotate_every,
            created: exported.created,
            rotated: exported.rotated,
            ..Entry::default()
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_export_and_refuses_other_json_without_quoting_it() {
        let p = parse(
            br#"{"acme/api/KEY": {"value": "sk_1", "encoding": "utf8", "version": 3,
                 "kind": "api-key", "expires": "2027-01-31"},
                "bin": {"value": "/w==", "encoding": "base64", "version": 1, "kind": "other", "expires": null},
                "bad": {"nope": 1}}"#,
        )
        .unwrap();
        assert_eq!(p.entries.len(), 2);
        let key = p.entries.iter().find(|e| e.title == "KEY").unwrap();
        assert_eq!(key.folder, ["acme", "api"]);
        assert_eq!(key.kind, Some(Kind::ApiKey));
        assert_eq!(key.expires.unwrap().to_string(), "2027-01-31");
        assert_eq!(p.failures[0].entry, "bad");
        let err = parse(br#"["sk_live_SECRET"]"#).unwrap_err().to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }
}
