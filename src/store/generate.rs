//! Random values for `ward gen`, `ward set --generate` and rotation.

use rand::rngs::OsRng;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub const DEFAULT_LENGTH: usize = 32;
pub const MAX_LENGTH: usize = 4096;

/// Character sets a generated value draws from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    /// Letters, digits and shell-safe symbols: the default.
    #[default]
    Strong,
    /// Letters and digits only.
    Alnum,
    /// Lower-case hexadecimal.
    Hex,
    /// Digits only (PINs).
    Digits,
    /// URL-safe base64 alphabet.
    Base64url,
    /// Every printable ASCII character except space.
    Ascii,
}

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
/// Symbols that need no quoting in most shells, URLs and config files.
const SAFE_SYMBOLS: &str = "-_.~+=@%^*";

impl Charset {
    pub const ALL: [Charset; 6] = [
        Charset::Strong,
        Charset::Alnum,
        Charset::Hex,
        Charset::Digits,
        Charset::Base64url,
        Charset::Ascii,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Charset::Strong => "strong",
            Charset::Alnum => "alnum",
            Charset::Hex => "hex",
            Charset::Digits => "digits",
            Charset::Base64url => "base64url",
            Charset::Ascii => "ascii",
        }
    }

    pub fn alphabet(self) -> Vec<char> {
        let s: String = match self {
            Charset::Strong => [LOWER, UPPER, DIGITS, SAFE_SYMBOLS].concat(),
            Charset::Alnum => [LOWER, UPPER, DIGITS].concat(),
            Charset::Hex => "0123456789abcdef".to_string(),
            Charset::Digits => DIGITS.to_string(),
            Charset::Base64url => [UPPER, LOWER, DIGITS, "-_"].concat(),
            Charset::Ascii => (b'!'..=b'~').map(char::from).collect(),
        };
        s.chars().collect()
    }

    /// Classes a value must contain at least one of (for `strong` and `alnum`),
    /// so that picky password rules are met.
    fn required_classes(self) -> &'static [&'static str] {
        match self {
            Charset::Strong => &[LOWER, UPPER, DIGITS, SAFE_SYMBOLS],
            Charset::Alnum => &[LOWER, UPPER, DIGITS],
            _ => &[],
        }
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Charset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Charset::ALL
            .into_iter()
            .find(|c| c.label() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "unknown charset {s:?}: use one of {}",
                    Charset::ALL.map(|c| c.label()).join(", ")
                )
            })
    }
}

/// Generates `length` random characters from `charset` (from the OS's CSPRNG),
/// after `prefix`. The prefix does not count toward the length.
pub fn generate(length: usize, charset: Charset, prefix: Option<&str>) -> String {
    let alphabet = charset.alphabet();
    let classes = charset.required_classes();
    let mut rng = OsRng;
    loop {
        let body: String = (0..length)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect();
        // Rejection sampling keeps the distribution uniform over the values
        // that contain every required class.
        let complete = length < classes.len()
            || classes
                .iter()
                .all(|class| body.chars().any(|c| class.contains(c)));
        if complete {
            return format!("{}{}", prefix.unwrap_or(""), body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respects_length_charset_and_prefix() {
        for cs in Charset::ALL {
            let v = generate(40, cs, Some("sk_live_"));
            let body = v.strip_prefix("sk_live_").unwrap();
            assert_eq!(body.chars().count(), 40);
            let alpha = cs.alphabet();
            assert!(body.chars().all(|c| alpha.contains(&c)), "{cs}: {v}");
        }
    }

    #[test]
    fn strong_has_every_class_and_differs() {
        let a = generate(16, Charset::Strong, None);
        let b = generate(16, Charset::Strong, None);
        assert_ne!(a, b);
        assert!(a.chars().any(|c| c.is_ascii_digit()));
        assert!(a.chars().any(|c| c.is_ascii_uppercase()));
        assert!(a.chars().any(|c| SAFE_SYMBOLS.contains(c)));
    }
}
