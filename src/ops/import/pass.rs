//! pass, gopass and passage stores: a folder tree of encrypted files (`.gpg`
//! or `.age`), each one secret named by its path, in pass's multi-line
//! convention: the first line is the password; `key: value` lines are
//! fields (`login:`/`user:`/`username:` the login, `url:` the URL); an
//! `otpauth://` line is the TOTP field; everything else is notes. A file
//! that is not UTF-8 text (`pass insert` of a binary file) is imported as
//! a binary value, whole.

use super::decrypt::Decrypt;
use super::{Entry, Parsed, MAX_VALUE_BYTES};
use crate::error::{Result, WardError};
use crate::store::document::{LOGIN_FIELD, OTP_FIELD};
use crate::store::{Encoding, SecretValue};
use base64::Engine;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many files are decrypted at once: each is a `gpg` process that
/// mostly waits on its agent, so more than the cores.
const PARALLEL: usize = 8;

/// Whether `dir` holds a `*.EXT` file somewhere (dot folders skipped).
pub fn has_files(dir: &Path, ext: &str) -> bool {
    let mut files = Vec::new();
    walk(dir, Path::new(""), ext, &mut files).is_ok() && !files.is_empty()
}

/// Every `*.EXT` file under `root`, relative, sorted; dot files and
/// folders (`.git`, `.gpg-id`, `.extensions`) and symlinks are skipped.
fn walk(root: &Path, rel: &Path, ext: &str, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for item in std::fs::read_dir(root.join(rel))? {
        let item = item?;
        let name = item.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = item.file_type()?;
        let path = rel.join(&name);
        if kind.is_dir() {
            walk(root, &path, ext, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    Ok(())
}

/// Decrypts and reads every `*.EXT` file under `root`.
pub fn read_tree(
    root: &Path,
    ext: &str,
    decrypt: &dyn Decrypt,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Parsed> {
    if !root.is_dir() {
        return Err(WardError::Usage(format!(
            "{} is not a folder: a pass, gopass or passage store is one",
            root.display()
        )));
    }
    let mut files = Vec::new();
    walk(root, Path::new(""), ext, &mut files).map_err(|e| WardError::io(root, e))?;
    files.sort();
    let total = files.len();
    let done = AtomicUsize::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(PARALLEL)
        .build()
        .map_err(|e| WardError::Other(format!("cannot start the decryption threads: {e}")))?;
    let results: Vec<(String, std::result::Result<Entry, String>)> = pool.install(|| {
        files
            .par_iter()
            .map(|rel| {
                let origin = rel.with_extension("").to_string_lossy().into_owned();
                let result = decrypt.decrypt(&root.join(rel)).and_then(|plain| {
                    if plain.len() > MAX_VALUE_BYTES {
                        return Err(format!(
                            "larger than the limit of {MAX_VALUE_BYTES} bytes (16 MiB)"
                        ));
                    }
                    Ok(entry_of(rel, &plain))
                });
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                (origin, result)
            })
            .collect()
    });
    let mut parsed = Parsed::default();
    for (origin, result) in results {
        match result {
            Ok(entry) => parsed.entries.push(entry),
            Err(reason) => parsed.fail(origin, reason),
        }
    }
    Ok(parsed)
}

/// The entry of the file at `rel` (its folders and name) holding `plain`.
fn entry_of(rel: &Path, plain: &[u8]) -> Entry {
    let stem = rel.with_extension("");
    let mut folder: Vec<String> = stem
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let title = folder.pop().unwrap_or_default();
    let mut entry = Entry {
        origin: stem.to_string_lossy().into_owned(),
        folder,
        title,
        ..Entry::default()
    };
    match std::str::from_utf8(plain) {
        Ok(text) => parse_text(&mut entry, text),
        Err(_) => {
            entry.value = SecretValue::new(base64::engine::general_purpose::STANDARD.encode(plain));
            entry.encoding = Encoding::Base64;
        }
    }
    entry
}

/// Keys that name the login, the URL or notes (compared in lower case).
const LOGIN_KEYS: [&str; 4] = ["login", "user", "username", "user name"];
const URL_KEYS: [&str; 3] = ["url", "website", "site"];
const NOTE_KEYS: [&str; 3] = ["notes", "note", "comment"];
/// Keys whose value is masked like a password.
const SECRET_KEYS: [&str; 7] = [
    "password", "pass", "pin", "secret", "token", "api key", "otp",
];

/// Fills `entry` from a pass file's text (see the module's doc).
pub fn parse_text(entry: &mut Entry, text: &str) {
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    entry.value = SecretValue::new(first.strip_suffix('\r').unwrap_or(first).to_string());
    let mut notes: Vec<&str> = Vec::new();
    for line in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with("otpauth://") && entry.custom_field(OTP_FIELD).is_none() {
            entry.add_field(OTP_FIELD, line, true);
            continue;
        }
        // gopass writes a YAML document after a `---` line.
        if line == "---" {
            continue;
        }
        let Some((key, value)) = key_value(line) else {
            notes.push(line);
            continue;
        };
        let lower = key.to_lowercase();
        if LOGIN_KEYS.contains(&lower.as_str()) && entry.custom_field(LOGIN_FIELD).is_none() {
            entry.add_field(LOGIN_FIELD, value, false);
        } else if URL_KEYS.contains(&lower.as_str()) && entry.url.is_none() {
            entry.url = Some(value.to_string());
        } else if NOTE_KEYS.contains(&lower.as_str()) {
            notes.push(value);
        } else if (lower == "otp" || lower == "totp")
            && value.starts_with("otpauth://")
            && entry.custom_field(OTP_FIELD).is_none()
        {
            entry.add_field(OTP_FIELD, value, true);
        } else if entry.custom_field(key).is_none()
            && crate::store::document::check_field_name(key).is_ok()
        {
            entry.add_field(key, value, SECRET_KEYS.contains(&lower.as_str()));
        } else {
            notes.push(line);
        }
    }
    while notes.last().is_some_and(|l| l.trim().is_empty()) {
        notes.pop();
    }
    while notes.first().is_some_and(|l| l.trim().is_empty()) {
        notes.remove(0);
    }
    if !notes.is_empty() {
        entry.append_note(&notes.join("\n"));
    }
}

/// `key: value` with a short key of words (not `https://…`), or None.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(':')?;
    let value = rest.strip_prefix(' ').unwrap_or(rest);
    let word = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.');
    let ok = !key.is_empty()
        && key.len() <= 64
        && !key.starts_with(' ')
        && key.chars().all(word)
        && !rest.starts_with("//")
        && !value.is_empty();
    ok.then_some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Entry {
        let mut e = Entry::default();
        parse_text(&mut e, text);
        e
    }

    #[test]
    fn the_multi_line_convention_maps_to_value_fields_otp_and_notes() {
        let e = parsed(
            "hunter2\nlogin: ann\nurl: https://github.com/login\n\
             otpauth://totp/GitHub:ann?secret=JBSWY3DPEHPK3PXP\nrecovery codes: a b c\n\
             https://example.com/help\nfree text: with a colon\nowner: ops\n\n",
        );
        assert_eq!(e.value.expose(), "hunter2");
        assert_eq!(e.url.as_deref(), Some("https://github.com/login"));
        let fields: Vec<(&str, &str, bool)> = e
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.expose(), f.secret))
            .collect();
        assert_eq!(
            fields,
            [
                ("login", "ann", false),
                (
                    "otp",
                    "otpauth://totp/GitHub:ann?secret=JBSWY3DPEHPK3PXP",
                    true
                ),
                ("recovery codes", "a b c", false),
                ("free text", "with a colon", false),
            ]
        );
        // A URL line and a metadata name stay in the notes, in order.
        assert_eq!(
            e.notes.as_deref(),
            Some("https://example.com/help\nowner: ops")
        );
    }

    #[test]
    fn a_one_line_file_is_the_value_and_gopass_yaml_is_read() {
        let e = parsed("s3cret\n");
        assert_eq!(e.value.expose(), "s3cret");
        assert!(e.fields.is_empty() && e.notes.is_none());
        let e = parsed("pw\n---\nusername: bob\npassword: other\n");
        assert_eq!(e.custom_field("login").unwrap().value.expose(), "bob");
        assert!(e.custom_field("password").unwrap().secret);
        // A value with spaces and no final newline is kept as it is.
        assert_eq!(parsed("  two words ").value.expose(), "  two words ");
    }

    #[test]
    fn a_binary_file_is_a_binary_value() {
        let e = entry_of(Path::new("keys/blob.gpg"), &[0xff, 0x00, 0x10]);
        assert_eq!(e.encoding, Encoding::Base64);
        assert_eq!(e.folder, ["keys"]);
        assert_eq!(e.title, "blob");
    }
}
