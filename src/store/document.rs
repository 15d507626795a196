//! The document inside each `.age` file: versioned JSON (docs/FORMAT.md).
//!
//! The secret value lives in [`SecretValue`], which zeroizes on drop and never
//! prints itself through `Debug`, so a panic or a log line cannot leak it.

use super::policy_data::{Compromised, Interval, Offboarding};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroize;

/// Version of the document format written by this build.
pub const FORMAT_VERSION: u32 = 1;
/// How many previous values a secret keeps unless configured otherwise.
pub const DEFAULT_HISTORY_LIMIT: usize = 10;

/// A secret value: zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(s: String) -> Self {
        SecretValue(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for SecretValue {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue(<{} bytes redacted>)", self.0.len())
    }
}

/// How `value` is encoded: text as is, or binary as standard base64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    #[default]
    Utf8,
    Base64,
}

impl Encoding {
    fn is_utf8(&self) -> bool {
        *self == Encoding::Utf8
    }
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Password,
    ApiKey,
    Token,
    Certificate,
    SshKey,
    ConnectionString,
    #[default]
    Other,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Password,
        Kind::ApiKey,
        Kind::Token,
        Kind::Certificate,
        Kind::SshKey,
        Kind::ConnectionString,
        Kind::Other,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Kind::Password => "password",
            Kind::ApiKey => "api-key",
            Kind::Token => "token",
            Kind::Certificate => "certificate",
            Kind::SshKey => "ssh-key",
            Kind::ConnectionString => "connection-string",
            Kind::Other => "other",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Kind {
    /// What `ward gen --kind` generates for this kind: a password someone
    /// may read off a screen has no look-alikes, an API key and a
    /// connection string stay alphanumeric (no quoting in URLs and config
    /// files), a token is 256 bits of base64url.
    pub fn recipe(self) -> crate::store::generate::Recipe {
        use crate::store::generate::{Charset, Recipe};
        let chars = |length, charset, no_lookalike| Recipe::Chars {
            length,
            charset,
            no_lookalike,
        };
        match self {
            Kind::Password => chars(20, Charset::Strong, true),
            Kind::ApiKey | Kind::ConnectionString => chars(40, Charset::Alnum, false),
            Kind::Token => chars(43, Charset::Base64url, false),
            Kind::Certificate | Kind::SshKey | Kind::Other => Recipe::DEFAULT,
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        Kind::ALL
            .into_iter()
            .find(|k| k.label() == norm)
            .ok_or_else(|| {
                format!(
                    "unknown kind {s:?}: use one of {}",
                    Kind::ALL.map(|k| k.label()).join(", ")
                )
            })
    }
}

/// The name of the conventional login (user name) field.
pub const LOGIN_FIELD: &str = "login";
/// The name of the conventional one-time-password field: an `otpauth://` URI.
pub const OTP_FIELD: &str = "otp";
/// Longest field name, in characters.
pub const MAX_FIELD_NAME_CHARS: usize = 64;

/// A named piece of a secret besides its value: a login, a TOTP URI, or
/// anything custom (docs/FORMAT.md, "Fields"). Kept in the encrypted document
/// only; the cache keeps the name and the secret flag ([`FieldMeta`]).
/// Fields are not versioned: a rotation keeps them as they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: SecretValue,
    /// Masked on screen like the value.
    #[serde(default, skip_serializing_if = "is_false")]
    pub secret: bool,
}

/// A previous value's keyed fingerprint (store/values.rs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousFingerprint {
    /// The version that value was.
    pub version: u32,
    pub fingerprint: String,
}

/// The keyed fingerprints of a secret's values, made with the key `key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprints {
    /// The key's id (`store::values::FingerprintKey::id`): fingerprints made with
    /// another key are never compared.
    pub key: String,
    pub current: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<PreviousFingerprint>,
}

/// What the metadata cache and listings know of a field: never its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub secret: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why `name` cannot be a field name (empty, too long, a control or
/// invisible character, or a metadata name such as `url`), or `Ok`.
pub fn check_field_name(name: &str) -> Result<(), String> {
    let shown = crate::sanitize::escape(name);
    if name.trim().is_empty() {
        return Err("a field name cannot be empty".into());
    }
    if name.chars().count() > MAX_FIELD_NAME_CHARS {
        return Err(format!(
            "field name {shown:?} is longer than {MAX_FIELD_NAME_CHARS} characters"
        ));
    }
    if name != name.trim()
        || name
            .chars()
            .any(|c| c.is_control() || crate::sanitize::is_invisible(c))
    {
        return Err(format!(
            "field name {shown:?} has a control, invisible or leading/trailing space character"
        ));
    }
    if name.contains('=') {
        return Err(format!("field name {shown:?} contains '='"));
    }
    if metadata_names()
        .iter()
        .any(|m| *m == name.replace('-', "_"))
    {
        return Err(format!(
            "{shown:?} is a metadata name (set it with --{}), not a field name",
            name.replace('_', "-")
        ));
    }
    Ok(())
}

/// Every metadata name [`SecretDoc::field`] knows: the keys of a secret's
/// metadata as JSON (docs/FORMAT.md), taken from a [`SecretMeta`] with every
/// field set, so the list follows the struct.
pub fn metadata_names() -> Vec<String> {
    let t = DateTime::<Utc>::UNIX_EPOCH;
    let full = SecretMeta {
        version: 1,
        kind: Default::default(),
        owner: Some(String::new()),
        tags: vec![String::new()],
        url: Some(String::new()),
        notes: Some(String::new()),
        created: t,
        created_by: String::new(),
        updated: t,
        updated_by: String::new(),
        rotated: t,
        expires: Some(t.date_naive()),
        rotate_every: Some(Interval::days(1)),
        compromised: Some(Compromised {
            since: t,
            by: String::new(),
            reason: None,
        }),
        generator: Some(GeneratorSpec {
            length: 1,
            charset: crate::store::generate::Charset::default(),
            prefix: None,
        }),
        // A list of marks, not a field to print: left out of the names.
        offboarding: Vec::new(),
        history_len: 0,
        value_len: 0,
        encoding: Encoding::Utf8,
        // Listed by name, not a metadata name.
        fields: Vec::new(),
        // What the review knows of the values: not fields of the document.
        fingerprints: None,
        weak: None,
    };
    match serde_json::to_value(full) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Settings for generating this secret's next value on rotation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratorSpec {
    pub length: usize,
    pub charset: crate::store::generate::Charset,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// One earlier value of a secret, with who replaced it, when and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousValue {
    pub version: u32,
    pub value: SecretValue,
    #[serde(default, skip_serializing_if = "Encoding::is_utf8")]
    pub encoding: Encoding,
    /// When this value had been set.
    pub set: DateTime<Utc>,
    /// When it was replaced, and by whom.
    pub replaced: DateTime<Utc>,
    pub replaced_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Key ids the file held this value encrypted to while it was current
    /// (see [`SecretDoc::readers`]); empty in documents from before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<String>,
    /// Set when this value lost a merge of two concurrent changes
    /// (docs/TEAMS.md): who had set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent: Option<Concurrent>,
}

/// A value that was current on one side of a merge while another value was
/// set on the other side, later: kept in history, marked with its actor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concurrent {
    pub by: String,
}

/// Metadata fields that both sides of a merge changed differently: the
/// later document's values won, these are the losing side's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeNote {
    /// The losing document's `updated` and `updated_by`.
    pub at: DateTime<Utc>,
    pub by: String,
    /// Field name to the losing value (`null`: the field was absent).
    pub lost: BTreeMap<String, serde_json::Value>,
}

/// The metadata every secret has, in document order (docs/FORMAT.md): the
/// one list of these fields. It declares them in [`SecretDoc`] and
/// [`SecretMeta`] (between their own leading and trailing fields, so the JSON
/// of both stays flat and in this order) and copies them in
/// [`SecretDoc::meta`]. A field added here is stored, cached and listed.
macro_rules! metadata_fields {
    // Declares `$name` with `$lead` fields, the metadata, then `$tail` fields.
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $( $(#[$lattr:meta])* pub $lead:ident : $lty:ty, )*
            ..
            $( $(#[$tattr:meta])* pub $tail:ident : $tty:ty, )*
        }
    ) => {
        $(#[$attr])*
        pub struct $name {
            $( $(#[$lattr])* pub $lead: $lty, )*
            #[serde(default)]
            pub kind: Kind,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub owner: Option<String>,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub tags: Vec<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub url: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub notes: Option<String>,
            pub created: DateTime<Utc>,
            pub created_by: String,
            pub updated: DateTime<Utc>,
            pub updated_by: String,
            /// Last time the value changed: rotation age is measured from here.
            pub rotated: DateTime<Utc>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub expires: Option<NaiveDate>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub rotate_every: Option<Interval>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub compromised: Option<Compromised>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub generator: Option<GeneratorSpec>,
            /// Removed keys that could read the current value: rotate it.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub offboarding: Vec<Offboarding>,
            $( $(#[$tattr])* pub $tail: $tty, )*
        }
    };
    // `$target { $extra… }` with every metadata field cloned from `$from`.
    (copy $from:ident into $target:ident { $($extra:tt)* }) => {
        $target {
            kind: $from.kind,
            owner: $from.owner.clone(),
            tags: $from.tags.clone(),
            url: $from.url.clone(),
            notes: $from.notes.clone(),
            created: $from.created,
            created_by: $from.created_by.clone(),
            updated: $from.updated,
            updated_by: $from.updated_by.clone(),
            rotated: $from.rotated,
            expires: $from.expires,
            rotate_every: $from.rotate_every,
            compromised: $from.compromised.clone(),
            generator: $from.generator.clone(),
            offboarding: $from.offboarding.clone(),
            $($extra)*
        }
    };
}

metadata_fields! {
    /// The whole document. Unknown fields are kept (`extra`) so that a newer
    /// ward's fields survive an edit by an older one.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct SecretDoc {
        pub ward: u32,
        pub value: SecretValue,
        #[serde(default, skip_serializing_if = "Encoding::is_utf8")]
        pub encoding: Encoding,
        /// Counts value changes: 1 on creation, +1 on every rotation.
        pub version: u32,
        ..
        /// Key ids ([`crate::store::crypto::key_id`]) of every recipient the
        /// current value has been encrypted to since it was set: who could
        /// read it (an X25519 stanza does not name its recipient). Extended on
        /// every write and re-encryption, moved into history with the value.
        /// Empty in documents from before: then the recipients file that
        /// governs the secret now is all that is known.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub readers: Vec<String>,
        /// Login, TOTP and custom fields, in the order they were added;
        /// names unique ([`check_field_name`]). Not versioned.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub fields: Vec<Field>,
        /// Newest first.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub history: Vec<PreviousValue>,
        /// Metadata that lost in merges, newest first (docs/FORMAT.md).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub merge_notes: Vec<MergeNote>,
        #[serde(flatten)]
        pub extra: BTreeMap<String, serde_json::Value>,
    }
}

metadata_fields! {
    /// Metadata only: everything but the value and previous values.
    /// What the cache and the listing keep.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct SecretMeta {
        pub version: u32,
        ..
        pub history_len: usize,
        pub value_len: usize,
        pub encoding: Encoding,
        /// The fields' names and secret flags, never their values.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub fields: Vec<FieldMeta>,
        /// Keyed fingerprints of the values (store/values.rs), when the
        /// metadata was read with the store's fingerprint key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub fingerprints: Option<Fingerprints>,
        /// Why the current value is weak (store/values.rs), when it is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub weak: Option<String>,
    }
}

impl SecretDoc {
    /// A new secret with `value`, created now by `actor`.
    pub fn new(value: SecretValue, encoding: Encoding, actor: &str, now: DateTime<Utc>) -> Self {
        SecretDoc {
            ward: FORMAT_VERSION,
            value,
            encoding,
            version: 1,
            kind: Kind::Other,
            owner: None,
            tags: Vec::new(),
            url: None,
            notes: None,
            created: now,
            created_by: actor.to_string(),
            updated: now,
            updated_by: actor.to_string(),
            rotated: now,
            expires: None,
            rotate_every: None,
            compromised: None,
            generator: None,
            offboarding: Vec::new(),
            readers: Vec::new(),
            fields: Vec::new(),
            history: Vec::new(),
            merge_notes: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    /// Replaces the value, keeping the old one in history (newest first, at most
    /// `keep` entries, with who could read it), and clears the compromised
    /// and offboarding marks.
    pub fn set_value(
        &mut self,
        value: SecretValue,
        encoding: Encoding,
        actor: &str,
        reason: Option<String>,
        now: DateTime<Utc>,
        keep: usize,
    ) {
        let old_value = std::mem::replace(&mut self.value, value);
        let old_encoding = std::mem::replace(&mut self.encoding, encoding);
        self.history.insert(
            0,
            PreviousValue {
                version: self.version,
                value: old_value,
                encoding: old_encoding,
                set: self.rotated,
                replaced: now,
                replaced_by: actor.to_string(),
                reason,
                readers: std::mem::take(&mut self.readers),
                concurrent: None,
            },
        );
        self.history.truncate(keep);
        self.version = self.version.saturating_add(1);
        self.rotated = now;
        self.compromised = None;
        self.offboarding.clear();
        self.touch(actor, now);
    }

    /// Records that the current value is now encrypted to `ids` too (key
    /// ids), keeping the first-seen order.
    pub fn add_readers<S: AsRef<str>>(&mut self, ids: &[S]) {
        for id in ids {
            if !self.readers.iter().any(|r| r == id.as_ref()) {
                self.readers.push(id.as_ref().to_string());
            }
        }
    }

    pub fn touch(&mut self, actor: &str, now: DateTime<Utc>) {
        self.updated = now;
        self.updated_by = actor.to_string();
    }

    pub fn meta(&self) -> SecretMeta {
        metadata_fields!(copy self into SecretMeta {
            version: self.version,
            history_len: self.history.len(),
            value_len: self.value.len(),
            encoding: self.encoding,
            fields: self
                .fields
                .iter()
                .map(|f| FieldMeta {
                    name: f.name.clone(),
                    secret: f.secret,
                })
                .collect(),
            fingerprints: None,
            weak: None,
        })
    }

    /// The field called `name`, if the secret has one.
    pub fn custom_field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Sets field `name` (replacing one of that name in place, else
    /// appended), after checking the name; an empty value is refused.
    pub fn set_field(&mut self, field: Field) -> Result<(), String> {
        check_field_name(&field.name)?;
        if field.value.is_empty() {
            return Err(format!(
                "field {:?} would be empty: remove it instead",
                crate::sanitize::escape(&field.name)
            ));
        }
        match self.fields.iter_mut().find(|f| f.name == field.name) {
            Some(slot) => *slot = field,
            None => self.fields.push(field),
        }
        Ok(())
    }

    /// Removes field `name`; `Err` when the secret has none of that name.
    pub fn remove_field(&mut self, name: &str) -> Result<(), String> {
        let before = self.fields.len();
        self.fields.retain(|f| f.name != name);
        if self.fields.len() == before {
            return Err(format!(
                "there is no field {:?} to remove",
                crate::sanitize::escape(name)
            ));
        }
        Ok(())
    }

    /// Serialises to the bytes that get encrypted. The buffer is zeroized by the caller.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a SecretDoc always serialises");
        out.push(b'\n');
        out
    }

    /// Parses decrypted bytes. The error never quotes the input: serde's messages
    /// can contain pieces of the document, which is secret.
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretDoc, String> {
        #[derive(Deserialize)]
        struct Probe {
            ward: Option<u32>,
        }
        let describe = |e: serde_json::Error| {
            format!(
                "not a valid ward document ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            )
            .to_lowercase()
        };
        let newer = |v: u32| {
            format!("written by a newer ward (format {v}; this build reads up to {FORMAT_VERSION})")
        };
        // One parse in the common case; only a failure is parsed again, to
        // say why (a newer format, or not a ward document at all).
        match serde_json::from_slice::<SecretDoc>(bytes) {
            Ok(doc) if doc.ward > FORMAT_VERSION => Err(newer(doc.ward)),
            Ok(doc) => Ok(doc),
            Err(e) => match serde_json::from_slice::<Probe>(bytes) {
                Err(probe_error) => Err(describe(probe_error)),
                Ok(Probe { ward: None }) => {
                    Err("not a ward document (no \"ward\" version field)".into())
                }
                Ok(Probe { ward: Some(v) }) if v > FORMAT_VERSION => Err(newer(v)),
                Ok(Probe { ward: Some(_) }) => Err(describe(e)),
            },
        }
    }

    /// Field lookup for `ward get --field`: a metadata name, else a field
    /// of the secret; never the value.
    pub fn field(&self, name: &str) -> Option<String> {
        if !metadata_names()
            .iter()
            .any(|m| *m == name.replace('-', "_"))
        {
            return self
                .custom_field(name)
                .map(|f| f.value.expose().to_string());
        }
        let json = serde_json::to_value(self.meta()).ok()?;
        let v = json.get(name.replace('-', "_"))?;
        Some(match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> SecretDoc {
        SecretDoc::new(
            SecretValue::new("hunter2".into()),
            Encoding::Utf8,
            "ann@laptop",
            "2026-01-02T03:04:05Z".parse().unwrap(),
        )
    }

    #[test]
    fn round_trips_and_keeps_unknown_fields() {
        let mut d = doc();
        d.extra
            .insert("future_field".into(), serde_json::json!({"x": 1}));
        let bytes = d.to_bytes();
        let back = SecretDoc::from_bytes(&bytes).unwrap();
        assert_eq!(back, d);
    }

    /// Documents written by ward 0.1 (before the metadata field list was
    /// shared) read back and write out byte for byte the same.
    #[test]
    fn documents_from_before_read_and_write_unchanged() {
        for bytes in [
            &include_bytes!("../../tests/fixtures/document-0.1-full.json")[..],
            &include_bytes!("../../tests/fixtures/document-0.1-generator.json")[..],
        ] {
            let doc = SecretDoc::from_bytes(bytes).unwrap();
            assert_eq!(
                String::from_utf8(doc.to_bytes()).unwrap(),
                String::from_utf8(bytes.to_vec()).unwrap()
            );
            let meta = serde_json::to_value(doc.meta()).unwrap();
            let back: SecretMeta = serde_json::from_value(meta).unwrap();
            assert_eq!(back, doc.meta());
        }
    }

    #[test]
    fn history_is_bounded_and_newest_first() {
        let mut d = doc();
        let now: DateTime<Utc> = "2026-02-01T00:00:00Z".parse().unwrap();
        for i in 0..15 {
            d.set_value(
                SecretValue::new(format!("v{i}")),
                Encoding::Utf8,
                "bob",
                Some(format!("r{i}")),
                now,
                10,
            );
        }
        assert_eq!(d.history.len(), 10);
        assert_eq!(d.version, 16);
        assert_eq!(d.history[0].value.expose(), "v13");
        assert_eq!(d.history[0].version, 15);
        assert_eq!(d.value.expose(), "v14");
    }

    /// Readers grow without duplicates, move into history with the value,
    /// and a new value starts with none.
    #[test]
    fn readers_follow_the_value() {
        let mut d = doc();
        d.add_readers(&["age1ann", "age1bob"]);
        d.add_readers(&["age1bob"]);
        assert_eq!(d.readers, ["age1ann", "age1bob"]);
        let json = String::from_utf8(d.to_bytes()).unwrap();
        assert!(json.contains("\"readers\""), "{json}");
        d.set_value(
            SecretValue::new("v2".into()),
            Encoding::Utf8,
            "ann",
            None,
            "2026-02-01T00:00:00Z".parse().unwrap(),
            10,
        );
        assert!(d.readers.is_empty());
        assert_eq!(d.history[0].readers, ["age1ann", "age1bob"]);
        assert_eq!(SecretDoc::from_bytes(&d.to_bytes()).unwrap(), d);
    }

    #[test]
    fn parse_errors_do_not_quote_the_input() {
        let bad = br#"{"ward":1,"value":"sk_live_SECRET","version":"oops"}"#;
        let err = SecretDoc::from_bytes(bad).unwrap_err();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(!err.contains("oops"), "{err}");
        let err = SecretDoc::from_bytes(b"sk_live_SECRET").unwrap_err();
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn debug_redacts_value() {
        let d = doc();
        let dbg = format!("{d:?}");
        assert!(!dbg.contains("hunter2"));
        assert!(dbg.contains("redacted"));
    }

    #[test]
    fn newer_format_is_refused_clearly() {
        let err = SecretDoc::from_bytes(br#"{"ward":99}"#).unwrap_err();
        assert!(err.contains("newer ward"));
        // Even when the newer document happens to parse as this version's.
        let mut d = doc();
        d.ward = FORMAT_VERSION + 1;
        let err = SecretDoc::from_bytes(&d.to_bytes()).unwrap_err();
        assert!(err.contains("newer ward"), "{err}");
        let err = SecretDoc::from_bytes(br#"{"value":"x"}"#).unwrap_err();
        assert!(err.contains("no \"ward\""), "{err}");
    }
}
