//! One audit record and its on-disk line (docs/AUDIT.md).
//!
//! A line is a JSON object whose last member is `"mac"`. The MAC covers the
//! exact bytes of the line before `,"mac":`, so any change to those bytes (a
//! field, a space, an added member) is detected, and reading never has to
//! re-serialise anything to check a record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the record format written by this build.
pub const RECORD_FORMAT: u32 = 1;
/// Longest reason kept, in characters; longer ones are cut.
pub const MAX_REASON_CHARS: usize = 200;
/// `,"mac":"` + 64 hex + `"}`.
pub(crate) const MAC_SUFFIX_LEN: usize = 8 + 64 + 2;

/// What happened. Serialised in kebab-case (`unlock-failed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Unlock,
    UnlockFailed,
    /// A secret's detail or metadata was shown (value masked).
    View,
    /// A value was shown in clear.
    Reveal,
    /// A value was put on the clipboard.
    Copy,
    ClipboardCleared,
    Create,
    /// Metadata changed, not the value.
    Edit,
    /// The value changed.
    Rotate,
    /// Marked compromised.
    Compromise,
    Delete,
    /// Renamed: `path` is the old name, `to` the new one.
    Move,
    Export,
    RecipientsChange,
    /// `ward sync` merged a secret changed on two clones (the merge
    /// driver's log): `path` the secret, `reason` who won and who lost.
    Merge,
    /// `ward import` wrote a secret from another tool's data (`reason`:
    /// the source format).
    Import,
    /// `ward review sign`: a lead signed off the review of a period
    /// (`reason`: the period, counts and the review's hash).
    SignOff,
    /// A one-time code was shown or copied (`ward otp`, the detail pane);
    /// for HOTP the counter moved on.
    Otp,
    /// An earlier value was made current again (`reason`: which version),
    /// or a secret came back from the trash.
    Restore,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::Unlock,
        Action::UnlockFailed,
        Action::View,
        Action::Reveal,
        Action::Copy,
        Action::ClipboardCleared,
        Action::Create,
        Action::Edit,
        Action::Rotate,
        Action::Compromise,
        Action::Delete,
        Action::Move,
        Action::Export,
        Action::RecipientsChange,
        Action::Merge,
        Action::Import,
        Action::SignOff,
        Action::Otp,
        Action::Restore,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Action::Unlock => "unlock",
            Action::UnlockFailed => "unlock-failed",
            Action::View => "view",
            Action::Reveal => "reveal",
            Action::Copy => "copy",
            Action::ClipboardCleared => "clipboard-cleared",
            Action::Create => "create",
            Action::Edit => "edit",
            Action::Rotate => "rotate",
            Action::Compromise => "compromise",
            Action::Delete => "delete",
            Action::Move => "move",
            Action::Export => "export",
            Action::RecipientsChange => "recipients-change",
            Action::Merge => "merge",
            Action::Import => "import",
            Action::SignOff => "sign-off",
            Action::Otp => "otp",
            Action::Restore => "restore",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        Action::ALL
            .into_iter()
            .find(|a| a.label() == norm)
            .ok_or_else(|| {
                format!(
                    "unknown action {s:?}: use one of {}",
                    Action::ALL.map(|a| a.label()).join(", ")
                )
            })
    }
}

/// What a caller records. Who, where and when are filled in by
/// [`super::Log::append`]; there is deliberately no field for a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub action: Action,
    /// Secret path (`acme/api/STRIPE_KEY`), or a folder for folder-wide actions.
    pub path: Option<String>,
    /// The secret's version the action saw or produced.
    pub version: Option<u32>,
    /// New name, for [`Action::Move`].
    pub to: Option<String>,
    /// Short free text (why it was rotated, compromised, …). Never a value.
    pub reason: Option<String>,
    /// When it happened; `None` means now.
    pub time: Option<DateTime<Utc>>,
}

impl Event {
    pub fn new(action: Action) -> Event {
        Event {
            action,
            path: None,
            version: None,
            to: None,
            reason: None,
            time: None,
        }
    }
    pub fn path(mut self, path: impl Into<String>) -> Event {
        self.path = Some(path.into());
        self
    }
    pub fn version(mut self, version: Option<u32>) -> Event {
        self.version = version;
        self
    }
    pub fn to(mut self, to: impl Into<String>) -> Event {
        self.to = Some(to.into());
        self
    }
    pub fn reason(mut self, reason: Option<&str>) -> Event {
        self.reason = reason.map(str::trim).filter(|r| !r.is_empty()).map(|r| {
            if r.chars().count() > MAX_REASON_CHARS {
                let mut cut: String = r.chars().take(MAX_REASON_CHARS - 1).collect();
                cut.push('…');
                cut
            } else {
                r.to_string()
            }
        });
        self
    }
    pub fn at(mut self, time: DateTime<Utc>) -> Event {
        self.time = Some(time);
        self
    }
}

/// One line of an actor's audit file, as read back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Record format version.
    pub v: u32,
    /// Position in this actor's chain: 1, 2, 3, …
    pub seq: u64,
    #[serde(with = "rfc3339_millis")]
    pub time: DateTime<Utc>,
    pub actor: String,
    /// Fingerprint of the identity's public key ([`super::key_fingerprint`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub host: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Written first without the audit key (e.g. a failed unlock) and sealed
    /// into the chain by the next append: `time` is when it happened, the
    /// chain position is when it was sealed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
    /// MAC of the previous record in this chain; `null` for the first.
    pub prev_mac: Option<String>,
    /// `<key id>.<ed25519 signature hex>` by the actor's signing key over
    /// the line's bytes before `,"sig":` (super::sign); absent in records
    /// written before chains were signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// HMAC-SHA256 (hex) over this line's bytes before `,"mac":`.
    #[serde(default)]
    pub mac: String,
}

impl Record {
    /// Whether this record concerns `prefix` (a secret or a folder):
    /// its path or, for a move, its new name.
    pub fn touches(&self, prefix: &str) -> bool {
        let prefix = prefix.trim_matches('/');
        if prefix.is_empty() {
            return true;
        }
        let under = |p: &Option<String>| {
            p.as_deref().is_some_and(|p| {
                p == prefix || (p.starts_with(prefix) && p[prefix.len()..].starts_with('/'))
            })
        };
        under(&self.path) || under(&self.to)
    }
}

/// The same fields without the MAC, in the order they are written.
#[derive(Serialize)]
pub(crate) struct Body<'a> {
    pub v: u32,
    pub seq: u64,
    #[serde(with = "rfc3339_millis")]
    pub time: DateTime<Utc>,
    pub actor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'a str>,
    pub host: &'a str,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
    pub prev_mac: Option<&'a str>,
}

impl Body<'_> {
    /// The bytes the MAC covers: the JSON object without its closing brace.
    pub fn prefix(&self) -> String {
        let mut json = serde_json::to_string(self).expect("an audit body serialises");
        let brace = json.pop();
        debug_assert_eq!(brace, Some('}'));
        json
    }
}

/// Completes a line from its MAC-covered prefix.
pub(crate) fn finish_line(prefix: &str, mac_hex: &str) -> String {
    format!("{prefix},\"mac\":\"{mac_hex}\"}}\n")
}

/// Splits a line (without its newline) into the MAC-covered prefix and the
/// MAC hex, if it has the shape ward writes.
pub(crate) fn split_mac(line: &[u8]) -> Option<(&[u8], &str)> {
    if line.len() < MAC_SUFFIX_LEN + 2 {
        return None;
    }
    let (prefix, suffix) = line.split_at(line.len() - MAC_SUFFIX_LEN);
    let suffix = std::str::from_utf8(suffix).ok()?;
    let hex = suffix.strip_prefix(",\"mac\":\"")?.strip_suffix("\"}")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((prefix, hex))
}

/// Parses one line (without its newline). `None` for anything that is not a
/// complete record of the shape ward writes, e.g. a torn last line.
pub(crate) fn parse_line(line: &[u8]) -> Option<(Record, &[u8])> {
    let (prefix, hex) = split_mac(line)?;
    let record: Record = serde_json::from_slice(line).ok()?;
    (record.mac == hex).then_some((record, prefix))
}

pub(crate) mod rfc3339_millis {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip() {
        for a in Action::ALL {
            assert_eq!(a.label().parse::<Action>().unwrap(), a);
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.label()));
        }
        assert!("nope".parse::<Action>().is_err());
    }

    #[test]
    fn line_shape_parses_back() {
        let body = Body {
            v: 1,
            seq: 3,
            time: "2024-05-01T10:00:00.5Z".parse().unwrap(),
            actor: "ann@box",
            key: Some("0011"),
            host: "box",
            action: Action::Move,
            path: Some("a/B"),
            version: Some(2),
            to: Some("c/D"),
            reason: None,
            late: false,
            prev_mac: None,
        };
        let mac = "ab".repeat(32);
        let line = finish_line(&body.prefix(), &mac);
        assert!(line.starts_with("{\"v\":1,\"seq\":3,\"time\":\"2024-05-01T10:00:00.500Z\""));
        let (rec, prefix) = parse_line(line.trim_end().as_bytes()).unwrap();
        assert_eq!(prefix, body.prefix().as_bytes());
        assert_eq!(rec.mac, mac);
        assert_eq!(rec.to.as_deref(), Some("c/D"));
        assert!(rec.touches("a") && rec.touches("c/D") && !rec.touches("a/B2"));
        // Torn lines are not records.
        assert!(parse_line(&line.as_bytes()[..line.len() - 5]).is_none());
    }

    #[test]
    fn long_reasons_are_cut() {
        let e = Event::new(Action::Rotate).reason(Some(&"x".repeat(500)));
        assert_eq!(e.reason.unwrap().chars().count(), MAX_REASON_CHARS);
        assert!(Event::new(Action::Edit).reason(Some("  ")).reason.is_none());
    }
}
