//! KeePass and KeePassXC databases (KDBX 3.1 and 4), opened with the
//! `keepass` crate with the user's password and/or key file. Groups become
//! folders (the root group's own name left out; the recycle bin skipped);
//! Title, UserName, Password, URL and Notes map as for the CSV export; the
//! `otp` attribute (KeePassXC's TOTP, an `otpauth://` URI) is the TOTP
//! field; other attributes are fields, masked when KeePass protects them;
//! tags, creation, modification and expiry dates are kept. Attachments are
//! not imported: how many the database holds is said.

use super::{Entry, Parsed};
use crate::error::{Result, WardError};
use crate::store::document::{LOGIN_FIELD, OTP_FIELD};
use crate::store::{Kind, SecretValue};
use chrono::NaiveDateTime;
use keepass::db::{Group, Value};
use keepass::error::{DatabaseIntegrityError, DatabaseKeyError, DatabaseOpenError};
use keepass::{Database, DatabaseKey};

/// What opens a database: its password and/or the bytes of its key file.
pub struct Key<'a> {
    pub password: Option<&'a str>,
    pub keyfile: Option<&'a [u8]>,
}

/// The attributes with a place of their own.
const STANDARD: [&str; 5] = ["Title", "UserName", "Password", "URL", "Notes"];

/// Opens the database `bytes` (read from `origin`, named in errors).
pub fn parse(bytes: &[u8], key: &Key, origin: &std::path::Path) -> Result<Parsed> {
    let mut dbkey = DatabaseKey::new();
    if let Some(p) = key.password {
        dbkey = dbkey.with_password(p);
    }
    if let Some(mut k) = key.keyfile {
        dbkey = dbkey
            .with_keyfile(&mut k)
            .map_err(|e| WardError::Usage(format!("cannot read the key file: {e}")))?;
    }
    if dbkey.is_empty() {
        return Err(WardError::Usage(
            "a KeePass database needs its password or key file".into(),
        ));
    }
    let db = Database::parse(bytes, dbkey).map_err(|e| match e {
        DatabaseOpenError::Key(DatabaseKeyError::IncorrectKey) => WardError::Decrypt {
            path: origin.to_path_buf(),
            cause: "wrong password or key file".into(),
        },
        // A wrong key can also show as a block that does not decrypt.
        DatabaseOpenError::DatabaseIntegrity(DatabaseIntegrityError::Cryptography(_)) => {
            WardError::Decrypt {
                path: origin.to_path_buf(),
                cause: "wrong password or key file (or a damaged database)".into(),
            }
        }
        DatabaseOpenError::UnsupportedVersion => {
            WardError::Usage("this KeePass database version is not supported".into())
        }
        other => WardError::Usage(format!("not a KeePass database ward can read: {other}")),
    })?;
    let mut parsed = Parsed::default();
    let in_bin = |g: &Group| Some(g.uuid) == db.meta.recyclebin_uuid;
    walk(&db.root, &mut Vec::new(), &in_bin, &mut parsed);
    if !db.header_attachments.is_empty() {
        parsed.notices.push(format!(
            "the database holds {} attachment(s): ward does not import attachments",
            db.header_attachments.len()
        ));
    }
    Ok(parsed)
}

fn walk(group: &Group, path: &mut Vec<String>, in_bin: &dyn Fn(&Group) -> bool, out: &mut Parsed) {
    for e in &group.entries {
        out.entries.push(entry(e, path));
    }
    for g in &group.groups {
        if in_bin(g) {
            continue;
        }
        path.push(g.name.clone());
        walk(g, path, in_bin, out);
        path.pop();
    }
}

fn utc(t: Option<&NaiveDateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.map(|t| t.and_utc())
}

fn entry(e: &keepass::db::Entry, folder: &[String]) -> Entry {
    let text = |k: &str| e.get(k).unwrap_or_default();
    let title = text("Title").to_string();
    let mut out = Entry {
        origin: [folder, std::slice::from_ref(&title)].concat().join("/"),
        folder: folder.to_vec(),
        title,
        value: SecretValue::new(text("Password").to_string()),
        kind: Some(Kind::Password),
        url: Some(text("URL").to_string()).filter(|u| !u.is_empty()),
        notes: Some(text("Notes").to_string()).filter(|n| !n.is_empty()),
        tags: e
            .tags
            .iter()
            .filter_map(|t| super::onepassword::tag(t))
            .collect(),
        created: utc(e.times.get_creation()),
        modified: utc(e.times.get_last_modification()),
        expires: e
            .times
            .expires
            .then(|| e.times.get_expiry().map(|t| t.date()))
            .flatten(),
        ..Entry::default()
    };
    out.add_field(LOGIN_FIELD, text("UserName"), false);
    if let Some(otp) = e.get("otp") {
        out.add_field(OTP_FIELD, otp, true);
    }
    let mut names: Vec<&String> = e
        .fields
        .keys()
        .filter(|k| !STANDARD.contains(&k.as_str()) && k.as_str() != "otp")
        .collect();
    names.sort();
    for name in names {
        match &e.fields[name] {
            Value::Unprotected(v) => out.add_field(name, v, false),
            Value::Protected(v) => match std::str::from_utf8(v.unsecure()) {
                Ok(v) => out.add_field(name, v, true),
                Err(_) => out.left_out.push(format!("binary attribute {name}")),
            },
            Value::Bytes(_) => out.left_out.push(format!("binary attribute {name}")),
        }
    }
    out
}
