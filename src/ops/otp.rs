//! One-time codes from a secret's `otp` field (docs/FORMAT.md, "Fields"):
//! `ward otp` and the TUI's detail pane. A TOTP code only reads; a HOTP
//! code moves the counter on and saves it first (a metadata update, not a
//! new version), so that no code is ever given twice. Every use is
//! recorded as `otp`.

use super::change::Writer;
use crate::audit::{Action, Event};
use crate::error::{Result, WardError};
use crate::otp::{Code, Kind, Otp};
use crate::store::document::{Field, Kind as SecretKind, LOGIN_FIELD, OTP_FIELD};
use crate::store::{Approved, SecretDoc, SecretPath};

/// The parsed `otp` field of `doc`: None when it has none, `Err` (the
/// reason, never the URI) when it is not a usable otpauth URI.
pub fn of(doc: &SecretDoc) -> Option<std::result::Result<Otp, String>> {
    doc.custom_field(OTP_FIELD)
        .map(|f| Otp::parse(f.value.expose()))
}

/// Whether the secret keeps its TOTP seed beside the password it is the
/// second factor of: an `otp` field on a password, or on a secret with a
/// login. Whoever reads the file has both factors.
pub fn two_factors_together(doc: &SecretDoc) -> bool {
    doc.custom_field(OTP_FIELD).is_some()
        && !doc.value.is_empty()
        && (doc.kind == SecretKind::Password || doc.custom_field(LOGIN_FIELD).is_some())
}

/// A code given out by [`next`].
pub struct Given {
    pub code: Code,
    /// The secret's version (unchanged by a HOTP use).
    pub version: u32,
    /// HOTP: the counter the code was made from.
    pub counter: Option<u64>,
    pub commit_warning: Option<String>,
}

/// The error for a secret without a usable `otp` field.
fn unusable(name: &SecretPath, why: Option<String>) -> WardError {
    WardError::Usage(match why {
        None => format!(
            "{name} has no {OTP_FIELD} field; add its otpauth:// URI with \
             ward edit {name} --field-secret {OTP_FIELD}"
        ),
        Some(why) => format!("the {OTP_FIELD} field of {name} cannot make codes: {why}"),
    })
}

/// The current code of `name`: TOTP at `w.now`; HOTP from the stored
/// counter, which is saved one further before the code is returned.
/// Recorded as `otp` either way (with the counter for HOTP).
pub fn next(w: &Writer, name: &SecretPath) -> Result<Given> {
    let doc = w.store.read(w.keys, name)?;
    let otp = match of(&doc) {
        Some(Ok(otp)) => otp,
        Some(Err(why)) => return Err(unusable(name, Some(why))),
        None => return Err(unusable(name, None)),
    };
    let unix = w.now.timestamp().max(0) as u64;
    if let Kind::Totp { .. } = otp.kind {
        w.journal.record(
            Event::new(Action::Otp)
                .path(name.as_str())
                .version(Some(doc.version)),
        );
        return Ok(Given {
            code: otp.code_at(unix),
            version: doc.version,
            counter: None,
            commit_warning: None,
        });
    }
    drop(doc);
    // HOTP: read again under the lock, so two uses never share a counter.
    let approved = || super::trust::approved_with_mine(w.store, w.keys);
    let guard = super::trust::guard(w.keys, w.force, Approved::Load(&approved));
    let (code, counter, version) = w.store.update(
        w.keys,
        name,
        guard,
        |doc| {
            let field = doc
                .custom_field(OTP_FIELD)
                .cloned()
                .ok_or_else(|| unusable(name, None))?;
            let otp = Otp::parse(field.value.expose()).map_err(|e| unusable(name, Some(e)))?;
            let Kind::Hotp { counter } = otp.kind else {
                return Err(WardError::Other(format!(
                    "the {OTP_FIELD} field of {name} changed while it was read; try again"
                )));
            };
            let next = counter.checked_add(1).ok_or_else(|| {
                unusable(name, Some("its counter is at the largest number".into()))
            })?;
            let uri = crate::otp::with_counter(field.value.expose(), next);
            doc.set_field(Field {
                value: crate::store::SecretValue::new(uri),
                ..field
            })
            .map_err(WardError::Other)?;
            doc.touch(w.actor, w.now);
            Ok((otp.hotp(counter), counter, doc.version))
        },
        |(_, counter, version), _| {
            w.journal.record(
                Event::new(Action::Otp)
                    .path(name.as_str())
                    .version(Some(*version))
                    .reason(Some(&format!("hotp counter {counter}"))),
            )
        },
    )?;
    let commit_warning = super::commit::after_change(
        w.store,
        &[w.store.file_of(name)],
        &format!("otp {name}"),
        w.actor,
        w.autocommit,
    );
    Ok(Given {
        code: Code {
            code,
            seconds_left: None,
        },
        version,
        counter: Some(counter),
        commit_warning,
    })
}
