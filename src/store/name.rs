//! Secret names: `project/…/NAME`, validated before they ever touch the file system.

use crate::error::{Result, WardError};
use std::fmt;
use std::path::{Path, PathBuf};

/// Longest segment in bytes; leaves room for `.age` and a temp-file suffix
/// inside the usual 255-byte file-name limit.
pub const MAX_SEGMENT_BYTES: usize = 200;
/// File extension of a secret file.
pub const SECRET_EXT: &str = "age";

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
    fn prefix_matching_respects_segments() {
        let p = SecretPath::parse("acme/api/KEY").unwrap();
        assert!(p.is_under(&SecretPath::parse("acme").unwrap()));
        assert!(p.is_under(&SecretPath::parse("acme/api").unwrap()));
        assert!(!p.is_under(&SecretPath::parse("ac").unwrap()));
        assert!(!p.is_under(&SecretPath::parse("acme/ap").unwrap()));
    }
}
