//! One-time passwords: TOTP (RFC 6238) and HOTP (RFC 4226) from an
//! `otpauth://` URI, the format of authenticator QR codes and of the
//! `otp` field (docs/FORMAT.md, "Fields"). Pure: the time comes in as a
//! number, nothing is read or written here.
//!
//! An error never quotes the URI or any part of its secret: it names the
//! parameter that is wrong and why.

use hmac::{Hmac, Mac};
use zeroize::Zeroizing;

/// The hash HMAC is computed with (`algorithm=`; SHA1 when absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Algorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    pub fn label(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

/// Time-based (a code per `period` seconds) or counter-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Totp {
        period: u64,
    },
    /// `counter`: the counter the next code is made from.
    Hotp {
        counter: u64,
    },
}

/// A parsed `otpauth://` URI. The key is zeroized on drop and never shown
/// by `Debug`.
#[derive(Clone)]
pub struct Otp {
    pub kind: Kind,
    pub algorithm: Algorithm,
    /// 6 or 8.
    pub digits: u32,
    /// `issuer=`, else the part of the label before `:`.
    pub issuer: Option<String>,
    /// The label (account name), percent-decoded.
    pub label: String,
    key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Otp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Otp")
            .field("kind", &self.kind)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("issuer", &self.issuer)
            .field("label", &self.label)
            .field("key", &format_args!("<{} bytes redacted>", self.key.len()))
            .finish()
    }
}

/// Longest `period=` accepted, in seconds (a day).
pub const MAX_PERIOD: u64 = 86_400;

/// A code and, for TOTP, how many seconds it stays valid.
pub struct Code {
    pub code: Zeroizing<String>,
    /// Seconds until the next TOTP code; None for HOTP.
    pub seconds_left: Option<u64>,
}

impl Otp {
    /// Parses and checks `uri`. The error says what is wrong (the scheme,
    /// the type, a parameter) and never repeats the URI's text.
    pub fn parse(uri: &str) -> Result<Otp, String> {
        let uri = uri.trim();
        let rest = strip_prefix_ci(uri, "otpauth://").ok_or_else(|| {
            if strip_prefix_ci(uri, "steam://").is_some() {
                "Steam Guard codes (steam://) are not supported: only otpauth://totp/ and \
                 otpauth://hotp/ URIs"
                    .to_string()
            } else {
                "not an otpauth:// URI (it must start with otpauth://totp/ or otpauth://hotp/)"
                    .to_string()
            }
        })?;
        let (kind_text, rest) = rest
            .split_once('/')
            .ok_or("the otpauth URI has no type: use otpauth://totp/LABEL?secret=… or otpauth://hotp/LABEL?secret=…&counter=N")?;
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
        let label = percent_decode(label).ok_or("the otpauth URI's label is not valid UTF-8")?;
        let mut secret = None;
        let mut algorithm = Algorithm::default();
        let mut digits = 6;
        let mut period = 30;
        let mut counter = None;
        let mut issuer = None;
        let mut seen = std::collections::BTreeSet::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = key.to_ascii_lowercase();
            if !seen.insert(key.clone()) {
                return Err(format!("the otpauth URI gives {:?} twice", shown(&key)));
            }
            match key.as_str() {
                "secret" => {
                    let text = Zeroizing::new(
                        percent_decode(value).ok_or("the otpauth secret is not valid text")?,
                    );
                    secret = Some(base32_decode(&text)?);
                }
                "algorithm" => {
                    algorithm = match value.to_ascii_uppercase().replace('-', "").as_str() {
                        "SHA1" => Algorithm::Sha1,
                        "SHA256" => Algorithm::Sha256,
                        "SHA512" => Algorithm::Sha512,
                        _ => {
                            return Err(format!(
                                "the otpauth algorithm {:?} is not supported: use SHA1, SHA256 or SHA512",
                                shown(value)
                            ))
                        }
                    }
                }
                "digits" => {
                    digits = match value {
                        "6" => 6,
                        "8" => 8,
                        _ => {
                            return Err(format!(
                                "the otpauth digits {:?} is not supported: use 6 or 8",
                                shown(value)
                            ))
                        }
                    }
                }
                "period" => {
                    period = value
                        .parse::<u64>()
                        .ok()
                        .filter(|p| (1..=MAX_PERIOD).contains(p))
                        .ok_or_else(|| {
                            format!(
                                "the otpauth period {:?} is not a number of seconds from 1 to {MAX_PERIOD}",
                                shown(value)
                            )
                        })?
                }
                "counter" => {
                    counter = Some(value.parse::<u64>().map_err(|_| {
                        format!(
                            "the otpauth counter {:?} is not a whole number",
                            shown(value)
                        )
                    })?)
                }
                "issuer" => {
                    issuer = Some(
                        percent_decode(value).ok_or("the otpauth issuer is not valid UTF-8")?,
                    )
                }
                // Other parameters (image=, …) are kept in the URI, unused.
                _ => {}
            }
        }
        let key = secret.ok_or("the otpauth URI has no secret= parameter")?;
        if key.is_empty() {
            return Err("the otpauth secret is empty".into());
        }
        let kind = match kind_text.to_ascii_lowercase().as_str() {
            "totp" => Kind::Totp { period },
            "hotp" => Kind::Hotp {
                counter: counter.ok_or(
                    "an otpauth://hotp/ URI needs a counter= parameter (counter=0 for a new one)",
                )?,
            },
            _ => {
                return Err(format!(
                    "the otpauth type {:?} is not supported: use totp or hotp",
                    shown(kind_text)
                ))
            }
        };
        let issuer = issuer.filter(|i| !i.is_empty()).or_else(|| {
            label
                .split_once(':')
                .map(|(i, _)| i.trim().to_string())
                .filter(|i| !i.is_empty())
        });
        Ok(Otp {
            kind,
            algorithm,
            digits,
            issuer,
            label,
            key,
        })
    }

    /// The HOTP value for `counter` (RFC 4226, section 5.3).
    pub fn hotp(&self, counter: u64) -> Zeroizing<String> {
        hotp(&self.key, counter, self.digits, self.algorithm)
    }

    /// The code at `unix` seconds (TOTP), or for the stored counter (HOTP).
    pub fn code_at(&self, unix: u64) -> Code {
        match self.kind {
            Kind::Totp { period } => Code {
                code: self.hotp(unix / period),
                seconds_left: Some(period - unix % period),
            },
            Kind::Hotp { counter } => Code {
                code: self.hotp(counter),
                seconds_left: None,
            },
        }
    }
}

/// HMAC-`$digest` of `$msg` under `$key`, as bytes.
macro_rules! hmac_of {
    ($digest:ty, $key:expr, $msg:expr) => {{
        let mut m =
            <Hmac<$digest> as Mac>::new_from_slice($key).expect("HMAC takes a key of any length");
        m.update($msg);
        m.finalize().into_bytes().to_vec()
    }};
}

/// RFC 4226's HOTP: HMAC of the big-endian counter, dynamic truncation,
/// `digits` decimal digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32, algorithm: Algorithm) -> Zeroizing<String> {
    let msg = counter.to_be_bytes();
    let mac: Zeroizing<Vec<u8>> = Zeroizing::new(match algorithm {
        Algorithm::Sha1 => hmac_of!(sha1::Sha1, key, &msg),
        Algorithm::Sha256 => hmac_of!(sha2::Sha256, key, &msg),
        Algorithm::Sha512 => hmac_of!(sha2::Sha512, key, &msg),
    });
    let offset = (mac[mac.len() - 1] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    let code = binary % 10u32.pow(digits);
    Zeroizing::new(format!("{code:0width$}", width = digits as usize))
}

/// `uri` with its `counter=` parameter set to `counter` (HOTP after a
/// use), every other part kept as it was.
pub fn with_counter(uri: &str, counter: u64) -> String {
    let uri = uri.trim();
    let (head, query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut parts: Vec<String> = Vec::new();
    let mut done = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let key = pair.split_once('=').map(|(k, _)| k).unwrap_or(pair);
        if key.eq_ignore_ascii_case("counter") {
            parts.push(format!("{key}={counter}"));
            done = true;
        } else {
            parts.push(pair.to_string());
        }
    }
    if !done {
        parts.push(format!("counter={counter}"));
    }
    format!("{head}?{}", parts.join("&"))
}

/// A parameter's text for an error message: escaped, and cut short.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(16).collect();
    crate::sanitize::escape(&cut)
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `%XX` decoding (and `+` as a space, as forms write it); None when the
/// result is not UTF-8 or an escape is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out.to_vec()).ok()
}

/// RFC 4648 base32 (A-Z, 2-7), case-insensitive, with or without `=`
/// padding; spaces and dashes (as authenticator apps print seeds) ignored.
/// The error gives the position of a bad character, never the character.
pub fn base32_decode(text: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    let mut buffer: u64 = 0;
    let mut bits = 0u32;
    let mut padding = false;
    for (i, c) in text.chars().enumerate() {
        let value = match c {
            ' ' | '-' => continue,
            '=' => {
                padding = true;
                continue;
            }
            'A'..='Z' => c as u64 - 'A' as u64,
            'a'..='z' => c as u64 - 'a' as u64,
            '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => {
                return Err(format!(
                    "the otpauth secret is not base32: character {} is not one of A-Z, 2-7",
                    i + 1
                ))
            }
        };
        if padding {
            return Err("the otpauth secret is not base32: text after '=' padding".into());
        }
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    zeroize::Zeroize::zeroize(&mut buffer);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED20: &[u8] = b"12345678901234567890";
    const SEED32: &[u8] = b"12345678901234567890123456789012";
    const SEED64: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    /// RFC 4226 Appendix D: HOTP, SHA-1, 6 digits, counters 0 to 9.
    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(
                *hotp(SEED20, counter as u64, 6, Algorithm::Sha1),
                *code,
                "counter {counter}"
            );
        }
    }

    /// RFC 6238 Appendix B: TOTP, 8 digits, period 30, SHA-1, SHA-256 and
    /// SHA-512 with their seeds.
    #[test]
    fn rfc6238_appendix_b() {
        let table: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (time, sha1, sha256, sha512) in table {
            for (seed, alg, code) in [
                (SEED20, Algorithm::Sha1, sha1),
                (SEED32, Algorithm::Sha256, sha256),
                (SEED64, Algorithm::Sha512, sha512),
            ] {
                assert_eq!(
                    *hotp(seed, time / 30, 8, alg),
                    *code,
                    "{} at {time}",
                    alg.label()
                );
            }
        }
    }

    fn base32(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut out = String::new();
        let (mut buffer, mut bits) = (0u32, 0);
        for &b in bytes {
            buffer = (buffer << 8) | b as u32;
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
            }
        }
        if bits > 0 {
            out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
        }
        out
    }

    /// The same vectors through the URI, the way a stored field is used.
    #[test]
    fn uris_give_the_rfc_codes() {
        let uri = format!(
            "otpauth://totp/ACME%20Co:ann@example.com?secret={}&issuer=ACME%20Co&algorithm=SHA512&digits=8&period=30",
            base32(SEED64)
        );
        let otp = Otp::parse(&uri).unwrap();
        assert_eq!(otp.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(otp.label, "ACME Co:ann@example.com");
        let code = otp.code_at(1234567890);
        assert_eq!(*code.code, "93441116");
        // 1234567890 is 0 mod 30: a new period starts.
        assert_eq!(code.seconds_left, Some(30));

        let uri = format!(
            "otpauth://hotp/x?secret={}&counter=7",
            base32(SEED20).to_lowercase()
        );
        let otp = Otp::parse(&uri).unwrap();
        assert_eq!(otp.kind, Kind::Hotp { counter: 7 });
        assert_eq!(*otp.code_at(0).code, "162583");
        assert_eq!(otp.code_at(0).seconds_left, None);
        // Defaults: SHA1, 6 digits, 30 s.
        let otp = Otp::parse(&format!("otpauth://totp/x?secret={}", base32(SEED20))).unwrap();
        assert_eq!(otp.kind, Kind::Totp { period: 30 });
        assert_eq!(*otp.code_at(59).code, "287082");
    }

    #[test]
    fn the_counter_is_replaced_or_added() {
        assert_eq!(
            with_counter("otpauth://hotp/x?secret=AB&counter=7&issuer=y", 8),
            "otpauth://hotp/x?secret=AB&counter=8&issuer=y"
        );
        assert_eq!(
            with_counter("otpauth://hotp/x?secret=AB", 1),
            "otpauth://hotp/x?secret=AB&counter=1"
        );
    }

    /// Every refusal names what is wrong and never the secret.
    #[test]
    fn bad_uris_are_refused_without_the_secret() {
        let secret = "GEZDGNBVGY3TQOJQ";
        for (uri, says) in [
            (format!("http://totp/x?secret={secret}"), "not an otpauth"),
            (format!("steam://{secret}"), "Steam"),
            (format!("otpauth://totp/x?secret={secret}1"), "not base32"),
            ("otpauth://totp/x?issuer=y".to_string(), "no secret"),
            (
                format!("otpauth://totp/x?secret={secret}&algorithm=MD5"),
                "SHA1",
            ),
            (
                format!("otpauth://totp/x?secret={secret}&digits=7"),
                "6 or 8",
            ),
            (
                format!("otpauth://totp/x?secret={secret}&period=0"),
                "period",
            ),
            (format!("otpauth://hotp/x?secret={secret}"), "counter"),
            (
                format!("otpauth://hotp/x?secret={secret}&counter=-1"),
                "counter",
            ),
            (format!("otpauth://motp/x?secret={secret}"), "totp or hotp"),
            (
                format!("otpauth://totp/x?secret={secret}&secret={secret}"),
                "twice",
            ),
            ("otpauth://totp/x?secret=".to_string(), "empty"),
        ] {
            let err = Otp::parse(&uri).unwrap_err();
            assert!(err.contains(says), "{uri}: {err}");
            assert!(!err.contains(secret), "{err}");
        }
        let otp = Otp::parse(&format!("otpauth://totp/x?secret={secret}")).unwrap();
        assert!(!format!("{otp:?}").contains("12345"));
    }

    #[test]
    fn base32_accepts_what_apps_print() {
        assert_eq!(
            &base32_decode("gezd gnbv-gy3t qojq====").unwrap()[..],
            b"1234567890"
        );
        assert!(base32_decode("GEZD=GNBV").is_err());
    }
}
