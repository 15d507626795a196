//! Changing who a store (or a folder) is encrypted to, and re-encrypting what
//! that change governs (docs/FORMAT.md, "Recipients files").
//!
//! A recipients file is edited as text, so comments and the order of keys
//! survive; keys are compared by their key part (an SSH comment does not
//! count). Re-encryption decrypts each file with the caller's identities and
//! encrypts the same document to the new list: only its `readers` grow (and
//! an offboarding mark may be added), not even `updated` changes. A file
//! this user cannot decrypt (or that is not a ward document) is reported and
//! left exactly as it is.

pub use super::crypto::key_id;
use super::crypto::{self, Keyring, Recipient};
use super::{fsio, Guard, SecretDoc, SecretPath, Store, FOLDER_RECIPIENTS, RECIPIENTS_FILE};
use crate::error::{IoContext, Result, WardError};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A short form of a key for messages and the audit log:
/// `age1ql3z7hjy…cac8p`, `ssh-ed25519 …UB7VHtZO4Tsv (bob@server)`.
pub fn short_key(line: &str) -> String {
    let line = line.trim();
    let shorten = |s: &str| {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() <= 20 {
            s.to_string()
        } else {
            let head: String = chars[..12].iter().collect();
            let tail: String = chars[chars.len() - 5..].iter().collect();
            format!("{head}…{tail}")
        }
    };
    if line.starts_with("ssh-") {
        let mut parts = line.split_whitespace();
        let kind = parts.next().unwrap_or_default();
        let body = parts.next().unwrap_or_default();
        let comment: Vec<&str> = parts.collect();
        // The start of the base64 is the same for every key of a type.
        let tail: String = {
            let chars: Vec<char> = body.chars().collect();
            chars[chars.len().saturating_sub(12)..].iter().collect()
        };
        let mut out = format!("{kind} …{tail}");
        if !comment.is_empty() {
            out.push_str(&format!(" ({})", comment.join(" ")));
        }
        out
    } else {
        shorten(line)
    }
}

/// Checks a key given on the command line: one line, a valid recipient.
pub fn validate_key(raw: &str) -> std::result::Result<String, String> {
    let key = raw.trim();
    if key.chars().any(char::is_control) {
        return Err("a key is one line without control characters".into());
    }
    Recipient::parse(key)?;
    Ok(key.to_string())
}

/// The key lines of a recipients file's text (comments and blanks dropped).
pub fn key_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The comment that labels the key on the next line: `# label: dan@laptop`.
/// A comment line of its own, since the standard `age -R` refuses anything
/// after an `age1…` key on its line.
pub const LABEL_PREFIX: &str = "# label:";

/// One key of a recipients file, with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key line as written (`age1…`, `ssh-ed25519 AAAA… comment`).
    pub key: String,
    /// From a `# label: NAME` line directly above the key, else an SSH
    /// key's own comment.
    pub label: Option<String>,
}

/// The keys of a recipients file's text with their labels.
pub fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut label: Option<String> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix(LABEL_PREFIX) {
            let rest = rest.trim();
            label = (!rest.is_empty()).then(|| rest.to_string());
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            label = None;
            continue;
        }
        let own = t
            .starts_with("ssh-")
            .then(|| t.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
            .filter(|c| !c.is_empty());
        out.push(Entry {
            key: t.to_string(),
            label: label.take().or(own),
        });
    }
    out
}

/// Checks a label given with `--label`: one short line, no control characters.
pub fn validate_label(raw: &str) -> std::result::Result<String, String> {
    let label = raw.trim();
    if label.is_empty() {
        return Err("a label is not empty".into());
    }
    if label.chars().any(char::is_control) || label.chars().count() > 100 {
        return Err("a label is one line of at most 100 characters".into());
    }
    Ok(label.to_string())
}

/// What an edit did to a recipients file's text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Edit {
    /// The new text.
    pub text: String,
    /// Keys added (as given).
    pub added: Vec<String>,
    /// Keys asked for that were already there.
    pub already: Vec<String>,
    /// Lines removed (as they were in the file).
    pub removed: Vec<String>,
    /// Keys asked for removal that were not there.
    pub missing: Vec<String>,
}

impl Edit {
    pub fn changed(&self) -> bool {
        !self.added.is_empty() || !self.removed.is_empty()
    }

    /// Key lines of the new text.
    pub fn keys(&self) -> Vec<String> {
        key_lines(&self.text)
    }
}

/// Appends `keys` to `text`, skipping those already present.
pub fn add_keys(text: &str, keys: &[String]) -> Edit {
    add_labelled_keys(text, keys, None)
}

/// Like [`add_keys`], with a `# label: NAME` line above each key added.
pub fn add_labelled_keys(text: &str, keys: &[String], label: Option<&str>) -> Edit {
    let mut present: Vec<String> = key_lines(text).iter().map(|k| key_id(k)).collect();
    let mut edit = Edit {
        text: text.to_string(),
        ..Edit::default()
    };
    if !edit.text.is_empty() && !edit.text.ends_with('\n') {
        edit.text.push('\n');
    }
    for k in keys {
        let id = key_id(k);
        if present.contains(&id) {
            edit.already.push(k.clone());
        } else {
            present.push(id);
            if let Some(label) = label {
                edit.text.push_str(&format!("{LABEL_PREFIX} {label}\n"));
            }
            edit.text.push_str(k.trim());
            edit.text.push('\n');
            edit.added.push(k.clone());
        }
    }
    edit
}

/// Removes every line holding one of `keys`; comments and other lines stay.
pub fn remove_keys(text: &str, keys: &[String]) -> Edit {
    let ids: Vec<String> = keys.iter().map(|k| key_id(k)).collect();
    let mut edit = Edit::default();
    let mut found = vec![false; ids.len()];
    // A label line waits for the line below it: it goes with a removed key.
    let mut pending_label: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with(LABEL_PREFIX) {
            if let Some(l) = pending_label.replace(line) {
                edit.text.push_str(l);
                edit.text.push('\n');
            }
            continue;
        }
        let is_key = !t.is_empty() && !t.starts_with('#');
        if let Some(i) = is_key
            .then(|| ids.iter().position(|id| *id == key_id(t)))
            .flatten()
        {
            found[i] = true;
            edit.removed.push(t.to_string());
            pending_label = None;
            continue;
        }
        if let Some(l) = pending_label.take() {
            edit.text.push_str(l);
            edit.text.push('\n');
        }
        edit.text.push_str(line);
        edit.text.push('\n');
    }
    if let Some(l) = pending_label {
        edit.text.push_str(l);
        edit.text.push('\n');
    }
    edit.missing = keys
        .iter()
        .zip(found)
        .filter(|(_, f)| !f)
        .map(|(k, _)| k.clone())
        .collect();
    edit
}

/// Where a folder's (or the store's) recipients come from.
#[derive(Clone, Debug)]
pub struct InForce {
    /// The file that governs the folder.
    pub path: PathBuf,
    /// The folder that file belongs to; `None` for `.ward/recipients`.
    pub owner: Option<String>,
    /// Its key lines, as written.
    pub keys: Vec<String>,
    /// The same keys with their labels.
    pub entries: Vec<Entry>,
}

/// Re-encryption outcome.
#[derive(Debug, Default)]
pub struct Reencrypted {
    pub done: Vec<SecretPath>,
    /// Secrets left as they were, with the reason (e.g. not decryptable).
    pub failed: Vec<(SecretPath, WardError)>,
}

impl Store {
    /// The recipients file a change for `folder` edits: `F/.recipients`, or
    /// `.ward/recipients` for the whole store.
    pub fn recipients_file(&self, folder: Option<&SecretPath>) -> PathBuf {
        match folder {
            Some(f) => self
                .root()
                .join(f.segments().collect::<PathBuf>())
                .join(FOLDER_RECIPIENTS),
            None => self.ward_dir().join(RECIPIENTS_FILE),
        }
    }

    /// The recipients in force for `folder` (the nearest `.recipients` at or
    /// above it, else the store's), and which file they come from.
    pub fn recipients_in_force(&self, folder: Option<&SecretPath>) -> Result<InForce> {
        let mut dir: Vec<&str> = folder.map(|f| f.segments().collect()).unwrap_or_default();
        let (path, owner) = loop {
            if dir.is_empty() {
                break (self.ward_dir().join(RECIPIENTS_FILE), None);
            }
            let candidate = self
                .root()
                .join(dir.iter().collect::<PathBuf>())
                .join(FOLDER_RECIPIENTS);
            // A symlinked .recipients counts too, and is then refused when read.
            if std::fs::symlink_metadata(&candidate).is_ok() {
                break (candidate, Some(dir.join("/")));
            }
            dir.pop();
        };
        let text = self.read_recipients_text(&path)?;
        crypto::parse_recipients(&path, &text)?;
        Ok(InForce {
            keys: key_lines(&text),
            entries: entries(&text),
            path,
            owner,
        })
    }

    /// Every folder `.recipients` file at or below `folder` (the whole store
    /// for `None`), sorted. Links and dot folders are not entered.
    pub fn folder_recipients_files(&self, folder: Option<&SecretPath>) -> Vec<PathBuf> {
        let start = match folder {
            Some(f) => self.root().join(f.segments().collect::<PathBuf>()),
            None => self.root().to_path_buf(),
        };
        let mut out = Vec::new();
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in read.flatten() {
                let name = e.file_name();
                let Ok(kind) = e.file_type() else { continue };
                if name == FOLDER_RECIPIENTS {
                    out.push(e.path());
                } else if kind.is_dir() && !name.to_string_lossy().starts_with('.') {
                    stack.push(e.path());
                }
            }
        }
        out.sort();
        out
    }

    /// Reads a recipients file as text, refusing links.
    pub fn read_recipients_text(&self, path: &Path) -> Result<String> {
        fsio::check_no_symlinks(self.root(), path)?;
        let bytes = fsio::read_file_max(path, super::MAX_SMALL_FILE_BYTES).at(path)?;
        String::from_utf8(bytes).map_err(|_| WardError::Recipients {
            path: path.to_path_buf(),
            cause: "not UTF-8 text".into(),
        })
    }

    /// Writes a recipients file atomically after checking that it parses.
    /// The caller holds the lock.
    pub fn write_recipients_locked(
        &self,
        _lock: &fsio::StoreLock,
        path: &Path,
        text: &str,
    ) -> Result<()> {
        crypto::parse_recipients(path, text)?;
        fsio::check_no_symlinks(self.root(), path)?;
        fsio::atomic_write(path, text.as_bytes())
    }

    /// Secrets under `folder` (all of them for `None`) whose governing
    /// recipients file is `file`: those a change of `file` concerns. Also
    /// what could not be listed.
    pub fn governed_by(
        &self,
        folder: Option<&SecretPath>,
        file: &Path,
    ) -> (Vec<SecretPath>, Vec<super::Problem>) {
        let listing = self.list(folder);
        let names = listing
            .secrets
            .into_iter()
            .filter(|n| folder.is_none_or(|f| n != f))
            .filter(|n| self.recipients_path_for(n) == file)
            .collect();
        (names, listing.problems)
    }

    /// Re-encrypts `names` to the recipients in `file`, each atomically; the
    /// caller holds the lock. A secret that cannot be decrypted (or written)
    /// is reported in `failed` and left as it is. Each document gets the
    /// keys of `file` added to its readers (a document without readers gets
    /// `before` first: who could read it until now), then `edit` (the
    /// offboarding mark). `progress(done, total)` is called with 0 first,
    /// then as secrets finish (from worker threads).
    #[allow(clippy::too_many_arguments)]
    pub fn reencrypt_locked(
        &self,
        _lock: &fsio::StoreLock,
        keys: &Keyring,
        names: &[SecretPath],
        file: &Path,
        guard: Guard<'_>,
        before: &[String],
        edit: &(dyn Fn(&SecretPath, &mut SecretDoc) + Sync),
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Reencrypted> {
        let recipients = self.check_read_back(file, names.len(), guard)?;
        let readers = super::reader_ids(&self.read_recipients_text(file)?);
        let count = AtomicUsize::new(0);
        let total = names.len();
        progress(0, total);
        let results: Vec<(SecretPath, Result<()>)> = names
            .par_iter()
            .map(|name| {
                let r = self.reencrypt_one(keys, name, &recipients, &readers, before, edit);
                progress(count.fetch_add(1, Ordering::Relaxed) + 1, total);
                (name.clone(), r)
            })
            .collect();
        let mut out = Reencrypted::default();
        for (name, r) in results {
            match r {
                Ok(()) => out.done.push(name),
                Err(e) => out.failed.push((name, e)),
            }
        }
        Ok(out)
    }

    /// The recipients of `file`, after refusing them when `guard` does (a
    /// key not approved here, or none of the user's keys) for the `count`
    /// secrets that would be encrypted to them.
    pub fn check_read_back(
        &self,
        file: &Path,
        count: usize,
        guard: Guard<'_>,
    ) -> Result<Vec<Recipient>> {
        let text = self.read_recipients_text(file)?;
        let recipients = crypto::parse_recipients(file, &text)?;
        let what = if count == 1 {
            "1 secret".to_string()
        } else {
            format!("{count} secrets")
        };
        guard.check(&what, file, &text, &recipients)?;
        Ok(recipients)
    }

    fn reencrypt_one(
        &self,
        keys: &Keyring,
        name: &SecretPath,
        recipients: &[Recipient],
        readers: &[String],
        before: &[String],
        edit: &(dyn Fn(&SecretPath, &mut SecretDoc) + Sync),
    ) -> Result<()> {
        let path = self.file_of(name);
        fsio::check_no_symlinks(self.root(), &path)?;
        let cipher = fsio::read_file_max(&path, super::MAX_SECRET_FILE_BYTES).at(&path)?;
        let plain = keys.decrypt(&path, &cipher)?;
        let mut doc = SecretDoc::from_bytes(&plain).map_err(|cause| WardError::Corrupt {
            path: path.clone(),
            cause,
        })?;
        if doc.readers.is_empty() {
            doc.add_readers(before);
        }
        doc.add_readers(readers);
        edit(name, &mut doc);
        let plain = zeroize::Zeroizing::new(doc.to_bytes());
        let fresh = crypto::encrypt(recipients, &plain)?;
        fsio::atomic_write(&path, &fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    fn other_key() -> String {
        crypto::generate_identity(chrono::Utc::now()).1
    }

    #[test]
    fn add_keeps_comments_and_skips_duplicates() {
        let b = other_key();
        let text = format!("# team\n{A}\n");
        let e = add_keys(&text, &[b.clone(), A.to_uppercase()]);
        assert_eq!(e.text, format!("# team\n{A}\n{b}\n"));
        assert_eq!(e.added, [b]);
        assert_eq!(e.already.len(), 1);
        assert!(e.changed());
        let none = add_keys(&e.text, &[A.into()]);
        assert!(!none.changed());
    }

    #[test]
    fn remove_matches_key_part_only() {
        let ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB7VHtZO4Tsv bob@server";
        let text = format!("# team\n{A}\n{ssh}\n");
        let e = remove_keys(
            &text,
            &[
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB7VHtZO4Tsv"
                    .into(),
                other_key(),
            ],
        );
        assert_eq!(e.text, format!("# team\n{A}\n"));
        assert_eq!(e.removed, [ssh]);
        assert_eq!(e.missing.len(), 1);
        assert_eq!(e.keys(), [A]);
    }

    #[test]
    fn keys_are_validated_and_one_line() {
        assert!(validate_key(A).is_ok());
        assert!(validate_key("age1nope").is_err());
        assert!(validate_key(&format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB7VHtZO4Tsv x\n{A}")).is_err());
    }

    #[test]
    fn labels_sit_above_keys_and_go_with_them() {
        let b = other_key();
        let ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB7VHtZO4Tsv bob@server";
        let text = format!("# team\n{A}\n{ssh}\n");
        let e = add_labelled_keys(&text, std::slice::from_ref(&b), Some("dan@laptop"));
        assert_eq!(
            e.text,
            format!("# team\n{A}\n{ssh}\n# label: dan@laptop\n{b}\n")
        );
        let labels: Vec<Option<String>> = entries(&e.text).into_iter().map(|e| e.label).collect();
        assert_eq!(
            labels,
            [None, Some("bob@server".into()), Some("dan@laptop".into())]
        );
        let gone = remove_keys(&e.text, std::slice::from_ref(&b));
        assert_eq!(gone.text, text);
        // A label over a key that stays, stays.
        let kept = remove_keys(&e.text, &[A.into()]);
        assert_eq!(
            kept.text,
            format!("# team\n{ssh}\n# label: dan@laptop\n{b}\n")
        );
    }

    #[test]
    fn short_keys() {
        assert_eq!(short_key(A), "age1ql3z7hjy…cac8p");
        assert_eq!(
            short_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB7VHtZO4Tsv bob@server"),
            "ssh-ed25519 …UB7VHtZO4Tsv (bob@server)"
        );
    }
}
