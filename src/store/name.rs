//! Secret names: `project/…/NAME`, validated before they ever touch the file system.

use crate::error::{Result, WardError};
use std::fmt;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Longest segment in bytes; leaves room for `.age` and a temp-file suffix
/// inside the usual 255-byte file-name limit.
pub const MAX_SEGMENT_BYTES: usize = 200;
/// File extension of a secret file.
pub const SECRET_EXT: &str = "age";

/// Names Windows keeps for devices, in any letter case and with any
/// extension (`con`, `NUL.txt`): a file so named cannot be checked out there.
const WINDOWS_DEVICES: [&str; 30] = [
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "COM0",
    "COM1",
    "COM2",
    "COM3",
    "COM4",
    "COM5",
    "COM6",
    "COM7",
    "COM8",
    "COM9",
    "COM\u{b9}",
    "COM\u{b2}",
    "COM\u{b3}",
    "LPT0",
    "LPT1",
    "LPT2",
    "LPT3",
    "LPT4",
    "LPT5",
    "LPT6",
    "LPT7",
    "LPT8",
    "LPT9",
    "LPT\u{b9}",
    "LPT\u{b2}",
    "LPT\u{b3}",
];

/// Characters Windows does not allow in file names (control characters and
/// `\` are refused in every name already).
const NOT_ON_WINDOWS: [char; 7] = ['<', '>', ':', '"', '|', '?', '*'];

/// A validated secret path such as `acme/api/prod/STRIPE_KEY`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretPath(String);

impl SecretPath {
    /// Parses and validates a name typed by a user or read from a file name.
    pub fn parse(raw: &str) -> Result<SecretPath> {
        let invalid = |reason: &str| WardError::InvalidName {
            name: crate::sanitize::escape(raw),
            reason: reason.to_string(),
        };
        if raw.is_empty() {
            return Err(invalid("the name is empty"));
        }
        if raw.starts_with('/') || raw.starts_with('\\') {
            return Err(invalid("absolute paths are not allowed; use project/NAME"));
        }
        if raw.chars().any(|c| c.is_control()) {
            return Err(invalid("control characters are not allowed"));
        }
        if raw.contains('\\') {
            return Err(invalid(
                "backslashes are not allowed; use '/' between folders",
            ));
        }
        for segment in raw.split('/') {
            if segment.is_empty() {
                return Err(invalid(
                    "empty segment (two '/' in a row or a trailing '/')",
                ));
            }
            if segment == "." || segment == ".." {
                return Err(invalid("'.' and '..' are not allowed"));
            }
            if segment.starts_with('.') {
                return Err(invalid(
                    "segments may not start with '.' (reserved for ward's own files)",
                ));
            }
            if segment.len() > MAX_SEGMENT_BYTES {
                return Err(invalid("a segment is longer than 200 bytes"));
            }
            if segment.trim() != segment {
                return Err(invalid("segments may not start or end with whitespace"));
            }
        }
        Ok(SecretPath(raw.to_string()))
    }

    /// Parses a prefix (a folder or a partial path); a trailing '/' is allowed.
    pub fn parse_prefix(raw: &str) -> Result<SecretPath> {
        SecretPath::parse(raw.trim_end_matches('/'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// Last segment: the secret's own name.
    pub fn leaf(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// Folder part, if any (`acme/api` for `acme/api/KEY`).
    pub fn parent(&self) -> Option<&str> {
        self.0.rsplit_once('/').map(|(p, _)| p)
    }

    /// First segment: the project.
    pub fn project(&self) -> &str {
        self.0.split('/').next().unwrap_or(&self.0)
    }

    /// Whether this path is `prefix` itself or lies inside the folder `prefix`.
    pub fn is_under(&self, prefix: &SecretPath) -> bool {
        self.0 == prefix.0
            || (self.0.starts_with(&prefix.0)
                && self.0.as_bytes().get(prefix.0.len()) == Some(&b'/'))
    }

    /// Relative file path inside the store: `acme/api/KEY.age`.
    pub fn relative_file(&self) -> PathBuf {
        let mut p: PathBuf = self.segments().collect();
        let leaf = format!("{}.{}", self.leaf(), SECRET_EXT);
        p.set_file_name(leaf);
        p
    }

    /// Why this name must not be given to a *new* secret, if it must not:
    /// stores are shared through git, and a file name that Windows or macOS
    /// cannot check out breaks the clone of everyone there. Names read from
    /// disk are not held to this, so an existing file still loads; creation
    /// goes through [`crate::store::Store::check_new_name`].
    pub fn portability_problem(&self) -> Option<String> {
        for segment in self.segments() {
            if let Some(c) = segment.chars().find(|c| NOT_ON_WINDOWS.contains(c)) {
                return Some(format!(
                    "{c:?} cannot be used in a file name on Windows (nor any of < > : \" | ? *)"
                ));
            }
            if segment.ends_with('.') {
                return Some(
                    "a segment may not end in '.': Windows drops it, and the name changes".into(),
                );
            }
            let stem = segment.split('.').next().unwrap_or(segment);
            if let Some(device) = WINDOWS_DEVICES
                .iter()
                .find(|d| stem.eq_ignore_ascii_case(d))
            {
                return Some(format!(
                    "{device} is a device name on Windows, in any case and with any extension \
                     (CON, PRN, AUX, NUL, COM0-9, LPT0-9)"
                ));
            }
        }
        None
    }

    /// Inverse of [`relative_file`]: a store-relative `.age` path back to a name.
    pub fn from_relative_file(rel: &Path) -> Result<SecretPath> {
        let text = rel.to_str().ok_or_else(|| WardError::InvalidName {
            name: crate::sanitize::escape(&rel.to_string_lossy()),
            reason: "file name is not valid UTF-8".into(),
        })?;
        let stem = text
            .strip_suffix(&format!(".{SECRET_EXT}"))
            .ok_or_else(|| WardError::InvalidName {
                name: crate::sanitize::escape(text),
                reason: "not an .age file".into(),
            })?;
        let stem = if std::path::MAIN_SEPARATOR == '/' {
            stem.to_string()
        } else {
            stem.replace(std::path::MAIN_SEPARATOR, "/")
        };
        SecretPath::parse(&stem)
    }
}

/// What a file name looks like to a file system that ignores letter case
/// and Unicode normalisation (Windows, macOS) and to a reader who cannot see
/// invisible characters: two names with the same key are twins, and a new
/// one must not be made beside an existing one.
pub fn lookalike_key(name: &str) -> String {
    name.chars()
        .filter(|&c| !is_ignorable(c))
        .nfkc()
        .flat_map(char::to_lowercase)
        .nfc()
        .collect()
}

/// How two names with the same [`lookalike_key`] differ, for the message.
pub fn lookalike_difference(new: &str, existing: &str) -> &'static str {
    let nfc = |s: &str| s.nfc().collect::<String>();
    let visible = |s: &str| s.chars().filter(|&c| !is_ignorable(c)).collect::<String>();
    if nfc(new) == nfc(existing) {
        "only in Unicode normalisation (an accented letter as one character or as two), \
         which macOS does not tell apart"
    } else if visible(new) == visible(existing) {
        "only in invisible characters"
    } else if new.to_lowercase() == existing.to_lowercase() {
        "only in letter case, which Windows and macOS do not tell apart"
    } else {
        "only in letter case, invisible characters or Unicode normalisation"
    }
}

/// Characters that change nothing that is seen: format characters (escaped
/// on screen, [`crate::sanitize::is_invisible`]) and the other default-
/// ignorable ones (variation selectors, the combining grapheme joiner,
/// Hangul fillers).
fn is_ignorable(c: char) -> bool {
    crate::sanitize::is_invisible(c)
        || matches!(c,
            '\u{34f}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}' | '\u{180b}'..='\u{180f}'
            | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{ffa0}' | '\u{e0100}'..='\u{e01ef}')
}

impl fmt::Display for SecretPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SecretPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretPath({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_nested_names() {
        let p = SecretPath::parse("acme/api/prod/STRIPE_KEY").unwrap();
        assert_eq!(p.leaf(), "STRIPE_KEY");
        assert_eq!(p.parent(), Some("acme/api/prod"));
        assert_eq!(p.project(), "acme");
        assert_eq!(
            p.relative_file(),
            PathBuf::from("acme/api/prod/STRIPE_KEY.age")
        );
        assert_eq!(
            SecretPath::from_relative_file(&p.relative_file()).unwrap(),
            p
        );
    }

    #[test]
    fn accepts_unicode() {
        assert!(SecretPath::parse("projét/clé API").is_ok());
    }

    #[test]
    fn rejects_hostile_names() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/",
            "a/./b",
            ".ward/store",
            "a/.recipients",
            "evil\u{1b}[2J",
            "bell\u{7}",
            "nul\0",
            "new\nline",
            "a\\b",
            " lead",
        ] {
            let err = SecretPath::parse(bad).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("invalid secret name"), "{bad:?}: {msg}");
            assert!(
                !msg.contains('\u{1b}'),
                "escape leaked into message: {msg:?}"
            );
        }
        assert!(SecretPath::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn names_windows_cannot_check_out_are_found() {
        for bad in [
            "acme/CON",
            "acme/con",
            "nul/KEY",
            "acme/Aux.txt",
            "acme/com1",
            "acme/LPT9.key",
            "acme/COM\u{b9}",
            "acme/a<b",
            "acme/a>b",
            "acme/db:url",
            "acme/say\"hi\"",
            "acme/a|b",
            "acme/why?",
            "acme/*",
            "acme./KEY",
            "acme/KEY.",
        ] {
            let p = SecretPath::parse(bad).expect("still a valid name to read");
            assert!(p.portability_problem().is_some(), "{bad:?}");
        }
        for fine in [
            "acme/CONFIG",
            "acme/NULL",
            "acme/COM10",
            "acme/LPT",
            "acme/CON_STRING",
            "acme/api.key",
            "projét/clé API",
            "a/b.c/d",
        ] {
            let p = SecretPath::parse(fine).unwrap();
            assert_eq!(p.portability_problem(), None, "{fine:?}");
        }
    }

    #[test]
    fn lookalikes_share_a_key() {
        let key = lookalike_key;
        assert_eq!(key("API_KEY"), key("api_key"));
        assert_eq!(key("clé"), key("cle\u{301}"));
        assert_eq!(key("API_KEY"), key("API\u{200b}_KEY"));
        assert_eq!(key("KEY"), key("K\u{feff}EY\u{fe0f}"));
        assert_eq!(key("\u{ff21}PI"), key("API"), "fullwidth");
        assert_ne!(key("API_KEY"), key("API_KEYS"));
        assert_ne!(key("clé"), key("cle"));
        assert!(lookalike_difference("clé", "cle\u{301}").contains("normalisation"));
        assert!(lookalike_difference("A\u{200b}B", "AB").contains("invisible"));
        assert!(lookalike_difference("KEY", "key").contains("letter case"));
    }

    #[test]
    fn prefix_matching_respects_segments() {
        let p = SecretPath::parse("acme/api/KEY").unwrap();
        assert!(p.is_under(&SecretPath::parse("acme").unwrap()));
        assert!(p.is_under(&SecretPath::parse("acme/api").unwrap()));
        assert!(!p.is_under(&SecretPath::parse("ac").unwrap()));
        assert!(!p.is_under(&SecretPath::parse("acme/ap").unwrap()));
    }
}
