//! Random values for `ward gen`, `ward set --generate` and rotation:
//! characters from a set, or diceware passphrases from the EFF large word
//! list (assets/, CC BY 3.0); and how strong a value is.

use rand::rngs::OsRng;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub const DEFAULT_LENGTH: usize = 32;
pub const MAX_LENGTH: usize = 4096;
/// Words in a passphrase unless told (6 × 12.9 = 77.5 bits).
pub const DEFAULT_WORDS: usize = 6;
pub const MAX_WORDS: usize = 64;
/// Below this many bits a generated value is worth a warning.
pub const WEAK_BITS: f64 = 64.0;

/// Characters that are easy to misread for one another: 0 O o, 1 l I |.
pub const LOOKALIKES: &str = "0Oo1lI|";

/// The EFF large word list as published: a roll of five dice, a tab and a
/// word on each line (7,776 lines).
const EFF_LARGE_WORDLIST: &str = include_str!("../../assets/eff_large_wordlist.txt");

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

    /// The alphabet, without the look-alike characters when asked.
    pub fn alphabet_for(self, no_lookalike: bool) -> Vec<char> {
        let mut alphabet = self.alphabet();
        if no_lookalike {
            alphabet.retain(|c| !LOOKALIKES.contains(*c));
        }
        alphabet
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
    generate_from(length, charset, false, prefix)
}

/// [`generate`], leaving out the [`LOOKALIKES`] when `no_lookalike`.
pub fn generate_from(
    length: usize,
    charset: Charset,
    no_lookalike: bool,
    prefix: Option<&str>,
) -> String {
    let alphabet = charset.alphabet_for(no_lookalike);
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

/// What to generate for a kind of secret when the flags do not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipe {
    Chars {
        length: usize,
        charset: Charset,
        no_lookalike: bool,
    },
    Words {
        count: usize,
    },
}

impl Recipe {
    /// The defaults without a kind: 32 `strong` characters.
    pub const DEFAULT: Recipe = Recipe::Chars {
        length: DEFAULT_LENGTH,
        charset: Charset::Strong,
        no_lookalike: false,
    };

    /// A diceware passphrase of the default length: what `--kind
    /// passphrase` asks for (the kinds of secrets have theirs in
    /// `Kind::recipe`).
    pub const PASSPHRASE: Recipe = Recipe::Words {
        count: DEFAULT_WORDS,
    };

    /// Bits of entropy of what this recipe generates.
    pub fn bits(&self) -> f64 {
        match *self {
            Recipe::Chars {
                length,
                charset,
                no_lookalike,
            } => chars_bits(length, charset, no_lookalike),
            Recipe::Words { count } => passphrase_bits(count),
        }
    }
}

/// The words of the EFF large list, in its order.
pub fn wordlist() -> Vec<&'static str> {
    EFF_LARGE_WORDLIST
        .lines()
        .filter_map(|line| line.split('\t').nth(1))
        .map(str::trim)
        .collect()
}

/// A diceware passphrase: `count` words drawn uniformly (from the OS's
/// CSPRNG) from the EFF large list, joined by `separator`.
pub fn passphrase(count: usize, separator: &str) -> String {
    let words = wordlist();
    let mut rng = OsRng;
    (0..count)
        .map(|_| words[rng.gen_range(0..words.len())])
        .collect::<Vec<_>>()
        .join(separator)
}

/// Bits of entropy of a passphrase of `count` words: what an attacker who
/// knows the list and the count must search.
pub fn passphrase_bits(count: usize) -> f64 {
    count as f64 * (wordlist().len() as f64).log2()
}

/// Bits of entropy of `length` characters drawn from `charset` (slightly
/// generous for `strong` and `alnum`, whose values must hold every class).
pub fn chars_bits(length: usize, charset: Charset, no_lookalike: bool) -> f64 {
    length as f64 * (charset.alphabet_for(no_lookalike).len() as f64).log2()
}

/// An estimate of how hard a value is to guess (zxcvbn: dictionaries,
/// keyboard patterns, dates, repeats), for values a person typed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strength {
    /// log2 of the guesses needed.
    pub bits: f64,
    /// zxcvbn's score, 0 (guessed at once) to 4 (very unlikely).
    pub score: u8,
}

/// Only this many leading characters are estimated: zxcvbn slows down on
/// long input, and a value this long that starts strong is strong.
const ESTIMATED_CHARS: usize = 100;

impl Strength {
    pub fn of(value: &str) -> Strength {
        let head: zeroize::Zeroizing<String> =
            zeroize::Zeroizing::new(value.chars().take(ESTIMATED_CHARS).collect());
        let estimate = zxcvbn::zxcvbn(&head, &[]);
        Strength {
            bits: estimate.guesses_log10() * std::f64::consts::LOG2_10,
            score: estimate.score().into(),
        }
    }

    /// Weak: zxcvbn expects it to fall to an offline attack (score 2 or less).
    pub fn is_weak(&self) -> bool {
        self.score <= 2
    }

    /// "weak", "fair", "strong": zxcvbn's score in a word.
    pub fn word(&self) -> &'static str {
        match self.score {
            0 | 1 => "very weak",
            2 => "weak",
            3 => "fair",
            _ => "strong",
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

    #[test]
    fn the_shipped_list_is_the_eff_large_list() {
        let words = wordlist();
        assert_eq!(words.len(), 7776);
        assert_eq!(words[0], "abacus");
        assert_eq!(words[7775], "zoom");
        let mut unique = words.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 7776, "every word once");
        assert!((passphrase_bits(6) - 77.55).abs() < 0.01);
    }

    #[test]
    fn passphrases_are_words_of_the_list_joined_by_the_separator() {
        let words = wordlist();
        let p = passphrase(6, " ");
        let parts: Vec<&str> = p.split(' ').collect();
        assert_eq!(parts.len(), 6, "{p}");
        assert!(parts.iter().all(|w| words.contains(w)), "{p}");
        assert_ne!(passphrase(6, " "), p);
    }

    #[test]
    fn lookalikes_are_left_out_when_asked() {
        for cs in Charset::ALL {
            let v = generate_from(200, cs, true, None);
            assert!(!v.chars().any(|c| LOOKALIKES.contains(c)), "{cs}: {v}");
        }
        assert!(Charset::Strong.alphabet().contains(&'O'));
        assert!(chars_bits(32, Charset::Hex, false) == 128.0);
    }

    #[test]
    fn strength_tells_a_dictionary_word_from_a_random_key() {
        assert!(Strength::of("password1").is_weak());
        assert!(Strength::of("hunter22").bits < WEAK_BITS);
        let key = Strength::of("tK8-q2Zr_9wLx4Vm");
        assert!(!key.is_weak(), "{key:?}");
        assert_eq!(key.word(), "strong");
    }
}
