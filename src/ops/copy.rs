//! Copying a secret's value, or one of its fields, to a clipboard that
//! clears itself, with its "copy" audit event: one use case for `ward copy`
//! and the TUI's copy job. Nothing here prints; the front ends phrase the
//! outcome (`Copied::summary`) and the refusals (`Uncopyable`).

use super::Journal;
use crate::audit::{Action, Event};
use crate::clipboard::{AuditTarget, Copier, CopyError, CopyReport};
use crate::store::{Encoding, SecretDoc, SecretPath};
use base64::Engine;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Why a secret has nothing to put on a text clipboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uncopyable {
    /// The field asked for is empty or unset.
    NoField(String),
    /// The value is bytes that are not UTF-8 text.
    Binary,
    /// The stored base64 value does not decode (a damaged document).
    BadBase64,
}

/// The text a copy of `doc` puts on the clipboard: the value (`field`
/// None; a binary value only when its bytes are text), a metadata field
/// (by the names `SecretDoc::field` knows; a front end checks the name) or
/// one of the secret's fields (login, otp, …).
pub fn text_of(doc: &SecretDoc, field: Option<&str>) -> Result<Zeroizing<String>, Uncopyable> {
    if let Some(field) = field {
        return match doc.field(field).filter(|v| !v.is_empty()) {
            Some(v) => Ok(Zeroizing::new(v)),
            None => Err(Uncopyable::NoField(field.to_string())),
        };
    }
    match doc.encoding {
        Encoding::Utf8 => Ok(Zeroizing::new(doc.value.expose().to_string())),
        Encoding::Base64 => {
            let bytes = Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(doc.value.expose())
                    .map_err(|_| Uncopyable::BadBase64)?,
            );
            std::str::from_utf8(&bytes)
                .map(|t| Zeroizing::new(t.to_string()))
                .map_err(|_| Uncopyable::Binary)
        }
    }
}

/// One copy: which secret (its name and version), the text taken from it
/// (see [`text_of`]) and the field it came from.
pub struct Request<'a> {
    pub name: &'a SecretPath,
    pub version: u32,
    pub text: &'a str,
    pub field: Option<&'a str>,
}

/// Who copies, when, and where the audit event goes.
pub struct Copying<'a> {
    /// The store, for the keeper's clipboard-cleared record.
    pub store_root: &'a Path,
    pub actor: &'a str,
    /// None: never cleared.
    pub timeout: Option<Duration>,
    /// The caller's monotonic clock (the countdown) and wall clock (the
    /// audit record), so that tests drive both.
    pub now: Instant,
    pub at: DateTime<Utc>,
    pub journal: &'a dyn Journal,
}

/// A copy that happened.
pub struct Copied {
    pub report: CopyReport,
    /// What was copied, escaped for a terminal: `NAME` or `the FIELD of NAME`.
    pub what: String,
}

impl Copied {
    /// The one line the user is told ("Copied … to the clipboard (…); clears in 45 s").
    pub fn summary(&self) -> String {
        self.report.summary(&self.what)
    }
}

/// Copies `request.text` through `copier` and records the "copy" event
/// (never the value). A failed copy records nothing and is never reported
/// as a copy.
pub fn copy(
    copier: &mut dyn Copier,
    request: &Request,
    how: &Copying,
) -> Result<Copied, CopyError> {
    let target = AuditTarget {
        store_root: how.store_root.to_path_buf(),
        actor: how.actor.to_string(),
        path: request.name.to_string(),
    };
    let report = copier.copy(request.text, how.timeout, how.now, Some(target))?;
    how.journal.record(
        Event::new(Action::Copy)
            .at(how.at)
            .path(request.name.as_str())
            .version(Some(request.version))
            .reason(request.field.map(|f| format!("field {f}")).as_deref()),
    );
    let name = crate::sanitize::escape(request.name.as_str());
    let what = match request.field {
        None => name,
        Some(f) => format!("the {} of {name}", crate::sanitize::escape(f)),
    };
    Ok(Copied { report, what })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clipboard::{AutoClear, FakeClipboard};
    use crate::store::SecretValue;
    use std::cell::RefCell;

    fn doc(value: &str, encoding: Encoding) -> SecretDoc {
        let mut d = SecretDoc::new(
            SecretValue::new(value.into()),
            encoding,
            "me@host",
            Utc::now(),
        );
        d.owner = Some("ops team".into());
        d.set_field(crate::store::document::Field {
            name: "login".into(),
            value: SecretValue::new("ann".into()),
            secret: false,
        })
        .unwrap();
        d
    }

    #[test]
    fn text_of_takes_the_value_a_field_or_says_why_not() {
        let d = doc("s3cret", Encoding::Utf8);
        assert_eq!(*text_of(&d, None).unwrap(), "s3cret");
        assert_eq!(*text_of(&d, Some("owner")).unwrap(), "ops team");
        assert_eq!(*text_of(&d, Some("login")).unwrap(), "ann");
        assert_eq!(
            text_of(&d, Some("otp")).unwrap_err(),
            Uncopyable::NoField("otp".into())
        );
        assert_eq!(
            text_of(&d, Some("url")).unwrap_err(),
            Uncopyable::NoField("url".into())
        );
        // Binary: bytes that are text copy as text, others are refused.
        let text = base64::engine::general_purpose::STANDARD.encode("hi");
        assert_eq!(*text_of(&doc(&text, Encoding::Base64), None).unwrap(), "hi");
        let bytes = base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe]);
        assert_eq!(
            text_of(&doc(&bytes, Encoding::Base64), None).unwrap_err(),
            Uncopyable::Binary
        );
        assert_eq!(
            text_of(&doc("not base64!", Encoding::Base64), None).unwrap_err(),
            Uncopyable::BadBase64
        );
    }

    #[test]
    fn a_copy_is_recorded_and_a_failed_one_is_not() {
        let name = SecretPath::parse("acme/KEY").unwrap();
        let events = RefCell::new(Vec::new());
        let journal = |e: Event| events.borrow_mut().push(e);
        let at = Utc::now();
        let how = Copying {
            store_root: Path::new("/nonexistent"),
            actor: "me@host",
            timeout: Some(Duration::from_secs(45)),
            now: Instant::now(),
            at,
            journal: &journal,
        };
        let board = FakeClipboard::new();
        let mut copier = AutoClear::new(board.clone());
        let request = Request {
            name: &name,
            version: 3,
            text: "s3cret",
            field: Some("owner"),
        };
        let copied = copy(&mut copier, &request, &how).unwrap();
        assert_eq!(board.contents().as_deref(), Some("s3cret"));
        assert!(copied.summary().starts_with("Copied the owner of acme/KEY"));
        let recorded = events.borrow();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].action, Action::Copy);
        assert_eq!(recorded[0].time, Some(at));
        assert_eq!(recorded[0].reason.as_deref(), Some("field owner"));
        drop(recorded);

        let failing = FakeClipboard::failing(crate::clipboard::CopyError::new(
            crate::clipboard::CopyErrorKind::Write,
            "refused",
        ));
        let mut copier = AutoClear::new(failing);
        assert!(copy(&mut copier, &request, &how).is_err());
        assert_eq!(
            events.borrow().len(),
            1,
            "nothing recorded for a failed copy"
        );
    }
}
