//! The byte strings a value can appear as in a file: as is, base64 (both
//! alphabets, at any alignment inside a longer encoded blob), URL-encoded,
//! JSON- and shell-escaped, and, for a multi-line value such as a PEM key,
//! each long line on its own (a re-wrapped or partly pasted key). Pure.

use base64::Engine;
use zeroize::Zeroizing;

/// How a value was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    Plain,
    Base64,
    Base64Url,
    UrlEncoded,
    JsonEscaped,
    ShellEscaped,
    /// One line of a multi-line value.
    Line,
}

impl Form {
    pub fn label(self) -> &'static str {
        match self {
            Form::Plain => "as is",
            Form::Base64 => "base64",
            Form::Base64Url => "base64url",
            Form::UrlEncoded => "url-encoded",
            Form::JsonEscaped => "json-escaped",
            Form::ShellEscaped => "shell-escaped",
            Form::Line => "one line of it",
        }
    }
}

/// Every form of `value` at least `min_len` bytes long, each once (a form
/// equal to another is left out).
pub fn forms(value: &[u8], min_len: usize) -> Vec<(Form, Zeroizing<Vec<u8>>)> {
    let mut out: Vec<(Form, Zeroizing<Vec<u8>>)> = Vec::new();
    let mut add = |form: Form, bytes: Vec<u8>| {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() >= min_len && !out.iter().any(|(_, b)| *b == bytes) {
            out.push((form, bytes));
        }
    };
    add(Form::Plain, value.to_vec());
    for (form, engine) in [
        (Form::Base64, &base64::engine::general_purpose::STANDARD),
        (Form::Base64Url, &base64::engine::general_purpose::URL_SAFE),
    ] {
        for shift in 0..3 {
            add(form, base64_inner(engine, value, shift));
        }
    }
    if let Ok(text) = std::str::from_utf8(value) {
        add(Form::UrlEncoded, url_encoded(text, false));
        add(Form::UrlEncoded, url_encoded(text, true));
        let json = Zeroizing::new(serde_json::to_string(text).expect("a string serialises"));
        add(
            Form::JsonEscaped,
            json[1..json.len() - 1].as_bytes().to_vec(),
        );
        add(Form::ShellEscaped, text.replace('\'', r"'\''").into_bytes());
        add(Form::ShellEscaped, double_quoted(text).into_bytes());
        if text.contains('\n') {
            for line in text.lines().map(str::trim).filter(|l| is_key_body(l)) {
                add(Form::Line, line.as_bytes().to_vec());
            }
        }
    }
    out
}

/// A line of a PEM or SSH key's body (base64, long enough to be its own):
/// armour lines (`-----BEGIN …`) and lines of JSON or prose are the same in
/// many values, so they are not searched on their own.
fn is_key_body(line: &str) -> bool {
    line.len() >= KEY_BODY_MIN
        && line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// Shortest key-body line searched on its own.
const KEY_BODY_MIN: usize = 24;

/// The characters of the base64 encoding of `value` that do not depend on
/// what surrounds it, when it starts `shift` bytes (0, 1, 2) after a
/// 3-byte boundary of a longer encoded blob: the partial characters at both
/// ends are dropped.
fn base64_inner(engine: &impl Engine, value: &[u8], shift: usize) -> Vec<u8> {
    let mut padded = Zeroizing::new(vec![0u8; shift]);
    padded.extend_from_slice(value);
    let encoded = Zeroizing::new(engine.encode(&padded[..]).into_bytes());
    let start = (8 * shift).div_ceil(6);
    let end = (8 * (shift + value.len())) / 6;
    if end <= start {
        return Vec::new();
    }
    encoded[start..end].to_vec()
}

fn url_encoded(text: &str, lower: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else if lower {
            out.extend_from_slice(format!("%{b:02x}").as_bytes());
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

/// `text` as written inside double quotes in a shell or a dotenv file.
fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '\\' | '$' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(hay: &[u8], value: &[u8]) -> Option<Form> {
        forms(value, 8)
            .into_iter()
            .find(|(_, n)| hay.windows(n.len()).any(|w| w == &n[..]))
            .map(|(f, _)| f)
    }

    #[test]
    fn base64_finds_the_value_at_any_alignment_inside_a_blob() {
        let value = b"sk_live_0123456789abcdef";
        for before in 0..6 {
            for after in 0..4 {
                let mut blob = vec![b'x'; before];
                blob.extend_from_slice(value);
                blob.extend(std::iter::repeat_n(b'y', after));
                for (engine, form) in [
                    (&base64::engine::general_purpose::STANDARD, Form::Base64),
                    (&base64::engine::general_purpose::URL_SAFE, Form::Base64Url),
                ] {
                    let hay = engine.encode(&blob);
                    assert!(
                        found(hay.as_bytes(), value).is_some(),
                        "{form:?} {before} {after}: {hay}"
                    );
                }
            }
        }
    }

    #[test]
    fn escaped_and_encoded_forms_are_found() {
        let value = "p@ss w\"o'rd/$x\\";
        let cases: [(&str, Form); 4] = [
            ("url=p%40ss%20w%22o%27rd%2F%24x%5C&", Form::UrlEncoded),
            (r#"{"v":"p@ss w\"o'rd/$x\\"}"#, Form::JsonEscaped),
            (r#"X='p@ss w"o'\''rd/$x\'"#, Form::ShellEscaped),
            (r#"X="p@ss w\"o'rd/\$x\\""#, Form::ShellEscaped),
        ];
        for (hay, form) in cases {
            assert_eq!(found(hay.as_bytes(), value.as_bytes()), Some(form), "{hay}");
        }
    }

    #[test]
    fn a_rewrapped_pem_key_is_found_by_its_lines() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZH\n";
        let value = format!("-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\n");
        let hay = "key: |\n  MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n  VJTU...";
        assert_eq!(found(hay.as_bytes(), value.as_bytes()), Some(Form::Line));
    }

    #[test]
    fn short_forms_are_left_out_and_duplicates_kept_once() {
        assert!(forms(b"short", 8).is_empty());
        let f = forms(b"abcdefghijkl", 8);
        let plain = f.iter().filter(|(_, b)| &b[..] == b"abcdefghijkl").count();
        assert_eq!(
            plain, 1,
            "url/json/shell forms equal to the value are not repeated"
        );
    }
}
