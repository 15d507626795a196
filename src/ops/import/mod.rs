//! `ward import`: secrets from pass, gopass, passage, `.env` files,
//! KeePassXC, Bitwarden, 1Password and ward's own JSON export
//! (docs/IMPORT.md).
//!
//! Three steps, each usable alone: [`read`] turns a source into [`Entry`]s
//! (the parsers are pure: bytes in, entries out; only pass/gopass and
//! passage decrypt, through the user's `gpg` or age identities), [`plan`]
//! gives every entry a store name (sanitised with the store's name rules,
//! collisions renamed), and [`run`] writes them through `ops::change` (the
//! trust and lock-out guards, one `import` audit record per secret) and
//! makes one git commit for the whole import. Nothing here prints or asks.

pub mod bitwarden;
pub mod csv;
pub mod decrypt;
pub mod dotenv;
pub mod json;
pub mod kdbx;
pub mod keepassxc;
pub mod names;
pub mod onepassword;
pub mod pass;

use super::change::{self, Writer};
use crate::error::{Result, WardError};
use crate::store::document::Field;
use crate::store::{Encoding, Keyring, Kind, SecretDoc, SecretPath, SecretValue};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::Path;

pub use names::{plan, Planned};

/// The largest source file read (a 50 MB export is fine; a mistake such as
/// a disk image is refused before it fills memory).
pub const MAX_SOURCE_BYTES: u64 = 256 * 1024 * 1024;
/// The largest value (or field) imported, as for `ward set`.
pub const MAX_VALUE_BYTES: usize = 16 * 1024 * 1024;

/// A source format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pass,
    Gopass,
    Passage,
    Dotenv,
    Json,
    KeepassxcCsv,
    Kdbx,
    BitwardenJson,
    OnePasswordCsv,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Pass,
        Format::Gopass,
        Format::Passage,
        Format::Dotenv,
        Format::Json,
        Format::KeepassxcCsv,
        Format::Kdbx,
        Format::BitwardenJson,
        Format::OnePasswordCsv,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Format::Pass => "pass",
            Format::Gopass => "gopass",
            Format::Passage => "passage",
            Format::Dotenv => "dotenv",
            Format::Json => "json",
            Format::KeepassxcCsv => "keepassxc-csv",
            Format::Kdbx => "kdbx",
            Format::BitwardenJson => "bitwarden-json",
            Format::OnePasswordCsv => "1password-csv",
        }
    }

    /// The format a source obviously is, from what it holds: a folder with
    /// `.gpg-id` (pass; gopass's layout is the same) or `.age` files
    /// (passage), a `.env` file, or a JSON or CSV file whose shape names
    /// its tool. `None` when it is not obvious.
    pub fn detect(source: &Path) -> Option<Format> {
        if source.is_dir() {
            if source.join(".gpg-id").is_file() {
                return Some(Format::Pass);
            }
            if source.join(".age-recipients").is_file() || pass::has_files(source, "age") {
                return Some(Format::Passage);
            }
            return None;
        }
        let file = source.file_name()?.to_string_lossy().to_lowercase();
        if file == ".env" || file.starts_with(".env.") || file.ends_with(".env") {
            return Some(Format::Dotenv);
        }
        if file.ends_with(".kdbx") {
            return Some(Format::Kdbx);
        }
        let head = read_head(source)?;
        if file.ends_with(".json") {
            return if bitwarden::looks_like(&head) {
                Some(Format::BitwardenJson)
            } else if json::looks_like(&head) {
                Some(Format::Json)
            } else {
                None
            };
        }
        if file.ends_with(".csv") {
            let first = head.lines().next().unwrap_or_default();
            if keepassxc::looks_like(first) {
                return Some(Format::KeepassxcCsv);
            }
            if onepassword::looks_like(first) {
                return Some(Format::OnePasswordCsv);
            }
        }
        None
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        Format::ALL
            .into_iter()
            .find(|f| f.label() == norm)
            .ok_or_else(|| {
                format!(
                    "unknown import format {s:?}: use one of {}",
                    Format::ALL.map(|f| f.label()).join(", ")
                )
            })
    }
}

/// The first few KiB of a file, as text (for detection).
fn read_head(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut buf = vec![0u8; 4096];
    let n = std::fs::File::open(path).ok()?.read(&mut buf).ok()?;
    buf.truncate(n);
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// One secret as the source has it, before it gets a store name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    /// Where it is in the source, for messages: `work/github` (a pass
    /// file), `line 12`, `row 3 (GitHub)`.
    pub origin: String,
    /// Folder (group) names as the source has them, outermost first.
    pub folder: Vec<String>,
    pub title: String,
    pub value: SecretValue,
    pub encoding: Encoding,
    pub kind: Option<Kind>,
    pub fields: Vec<Field>,
    pub url: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub owner: Option<String>,
    /// The rotation policy (ward's own export has it).
    pub rotate_every: Option<crate::policy::Interval>,
    pub created: Option<DateTime<Utc>>,
    /// The last change in the source: the rotation date unless `rotated`.
    pub modified: Option<DateTime<Utc>>,
    /// When the value last changed, where the source says so apart from
    /// other changes (ward's own export).
    pub rotated: Option<DateTime<Utc>>,
    pub expires: Option<NaiveDate>,
    /// What the source had that ward does not import (an attachment):
    /// reported, never silently dropped.
    pub left_out: Vec<String>,
}

impl Entry {
    /// The source's own name for it: `folder/…/title`.
    pub fn source_name(&self) -> String {
        let mut parts = self.folder.clone();
        parts.push(self.title.clone());
        parts.join("/")
    }

    pub fn custom_field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Adds a field unless its value is empty. A name that cannot be a
    /// field name (or is taken): a shown field goes into the notes as
    /// `name: value`; a masked one never does (notes are metadata, shown
    /// unmasked and kept in the cache), it gets a usable name instead.
    pub fn add_field(&mut self, name: &str, value: &str, secret: bool) {
        if value.is_empty() {
            return;
        }
        let usable = |n: &str, fields: &[Field]| {
            !fields.iter().any(|f| f.name == n)
                && crate::store::document::check_field_name(n).is_ok()
        };
        let name = if usable(name, &self.fields) {
            name.to_string()
        } else if !secret {
            self.append_note(&format!("{name}: {value}"));
            return;
        } else {
            let base: String = name
                .chars()
                .filter(|c| !c.is_control() && !crate::sanitize::is_invisible(*c))
                .map(|c| if c == '=' { '-' } else { c })
                .take(crate::store::document::MAX_FIELD_NAME_CHARS - 8)
                .collect();
            let base = match base.trim() {
                "" => "field".to_string(),
                b => format!("{b}-field"),
            };
            (1..)
                .map(|i| {
                    if i == 1 {
                        base.clone()
                    } else {
                        format!("{base}-{i}")
                    }
                })
                .find(|n| usable(n, &self.fields))
                .expect("a free name")
        };
        self.fields.push(Field {
            name,
            value: SecretValue::new(value.to_string()),
            secret,
        });
    }

    pub fn append_note(&mut self, line: &str) {
        match &mut self.notes {
            Some(n) => {
                n.push('\n');
                n.push_str(line);
            }
            None => self.notes = Some(line.to_string()),
        }
    }

    /// Why the entry cannot be imported: nothing in it at all, or a value
    /// or field past the size limit.
    fn problem(&self) -> Option<String> {
        if self.value.is_empty() && self.fields.is_empty() && self.notes.is_none() {
            return Some("empty: no value, no fields, no notes".into());
        }
        let too_big = |n: usize| n > MAX_VALUE_BYTES;
        if too_big(self.value.len()) || self.fields.iter().any(|f| too_big(f.value.len())) {
            return Some(format!(
                "a value is larger than the limit of {MAX_VALUE_BYTES} bytes (16 MiB)"
            ));
        }
        None
    }

    /// The document a new secret gets: the source's dates where it has
    /// them (created, and its last change as the rotation date).
    fn to_doc(&self, actor: &str, now: DateTime<Utc>) -> SecretDoc {
        let mut doc = SecretDoc::new(self.value.clone(), self.encoding, actor, now);
        let created = self.created.filter(|c| *c <= now).unwrap_or(now);
        doc.created = created;
        doc.rotated = self
            .rotated
            .or(self.modified)
            .filter(|m| *m <= now)
            .unwrap_or(created)
            .max(created);
        doc.kind = self.kind.unwrap_or_default();
        doc.fields = self.fields.clone();
        doc.url = self.url.clone();
        doc.notes = self.notes.clone();
        doc.tags = self.tags.clone();
        doc.owner = self.owner.clone();
        doc.rotate_every = self.rotate_every;
        doc.expires = self.expires;
        doc
    }

    /// Whether `doc` already holds everything this entry would write.
    fn is_in(&self, doc: &SecretDoc) -> bool {
        let has = |o: &Option<String>, d: &Option<String>| o.is_none() || o == d;
        doc.value == self.value
            && doc.encoding == self.encoding
            && self
                .fields
                .iter()
                .all(|f| doc.custom_field(&f.name) == Some(f))
            && has(&self.url, &doc.url)
            && has(&self.notes, &doc.notes)
            && has(&self.owner, &doc.owner)
            && (self.rotate_every.is_none() || self.rotate_every == doc.rotate_every)
            && self.tags.iter().all(|t| doc.tags.contains(t))
            && (self.expires.is_none() || self.expires == doc.expires)
    }
}

/// An entry (or a part of the source) that could not be imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Where in the source: as [`Entry::origin`].
    pub entry: String,
    pub reason: String,
}

/// What a source held.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub failures: Vec<Failure>,
    /// Rules applied that the user should hear of (a dotenv key defined
    /// twice: the last one wins, as dotenv libraries do).
    pub notices: Vec<String>,
}

impl Parsed {
    fn fail(&mut self, entry: impl Into<String>, reason: impl Into<String>) {
        self.failures.push(Failure {
            entry: entry.into(),
            reason: reason.into(),
        });
    }
}

/// What decrypting a source may need: the age identities for passage (or
/// gopass's age backend), a KeePass database's password and/or key file.
/// pass and gopass use the user's own `gpg`.
#[derive(Default)]
pub struct SourceKeys<'a> {
    pub age: Option<&'a Keyring>,
    pub kdbx: Option<kdbx::Key<'a>>,
}

/// Reads `source` as `format`. A source that cannot be read at all is an
/// error; an entry that cannot be read is a [`Failure`] among the rest.
/// `progress(done, total)` is called as encrypted files are decrypted.
pub fn read(
    format: Format,
    source: &Path,
    keys: &SourceKeys,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Parsed> {
    let parsed = match format {
        Format::Pass | Format::Gopass => pass::read_tree(source, "gpg", &decrypt::Gpg, progress)?,
        Format::Passage => {
            let keys = keys.age.ok_or_else(|| {
                WardError::Usage("passage needs age identities to decrypt with".into())
            })?;
            pass::read_tree(source, "age", &decrypt::Age(keys), progress)?
        }
        Format::Dotenv => dotenv::parse(&read_file(source)?),
        Format::Json => json::parse(&read_file(source)?)?,
        Format::KeepassxcCsv => keepassxc::parse(&read_file(source)?)?,
        Format::Kdbx => {
            let key = keys.kdbx.as_ref().ok_or_else(|| {
                WardError::Usage("a KeePass database needs its password or key file".into())
            })?;
            kdbx::parse(&read_file(source)?, key, source)?
        }
        Format::BitwardenJson => bitwarden::parse(&read_file(source)?)?,
        Format::OnePasswordCsv => onepassword::parse(&read_file(source)?)?,
    };
    Ok(parsed)
}

/// A whole source file, within [`MAX_SOURCE_BYTES`], zeroized when dropped.
pub fn read_file(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| WardError::io(path, e))?;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| WardError::io(path, e))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(WardError::Usage(format!(
            "{} is larger than {} MiB: not an export ward reads",
            path.display(),
            MAX_SOURCE_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// What to do with an entry whose name a different secret already has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnConflict {
    /// Leave the existing secret alone (reported).
    #[default]
    Skip,
    /// Give it the imported value (the old one goes to history), fields
    /// and metadata.
    Rotate,
    /// Import under the first free `NAME-2`, `NAME-3`, ….
    Rename,
}

impl std::str::FromStr for OnConflict {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "skip" => Ok(OnConflict::Skip),
            "rotate" => Ok(OnConflict::Rotate),
            "rename" => Ok(OnConflict::Rename),
            _ => Err(format!(
                "unknown --on-conflict {s:?}: use skip, rotate or rename"
            )),
        }
    }
}

/// What happened to one planned entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Written as a new secret.
    Imported,
    /// An existing secret got the imported value and fields (`rotate`).
    Updated,
    /// The store already holds exactly this (a re-run).
    Unchanged,
    /// A different secret has the name and `--on-conflict skip` left it.
    Exists,
    Failed(String),
}

/// One entry's result: its source name, the store name it got (after a
/// rename, the new one) and what happened.
#[derive(Clone, Debug)]
pub struct Item {
    pub origin: String,
    pub source_name: String,
    pub name: SecretPath,
    /// Why it got another name than its own (sanitised, a collision).
    pub renamed: Option<String>,
    pub outcome: Outcome,
    pub left_out: Vec<String>,
}

/// The result of an import (or of a dry run: what it would do).
#[derive(Debug, Default)]
pub struct Report {
    pub items: Vec<Item>,
    /// Entries that could not even be read or named.
    pub failures: Vec<Failure>,
    pub notices: Vec<String>,
    /// In a git store, why the import was saved but not committed.
    pub commit_warning: Option<String>,
}

impl Report {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.items.iter().filter(|i| f(&i.outcome)).count()
    }

    /// Every entry of the source is in the store, whole (or left alone on
    /// purpose, by `--on-conflict skip`): nothing failed, no attachment was
    /// left out.
    pub fn complete(&self) -> bool {
        self.failures.is_empty()
            && self
                .items
                .iter()
                .all(|i| !matches!(i.outcome, Outcome::Failed(_)) && i.left_out.is_empty())
    }
}

/// How an import runs.
pub struct Options {
    pub format: Format,
    pub on_conflict: OnConflict,
    pub dry_run: bool,
}

/// Writes the planned entries (or, with `dry_run`, says what it would do),
/// one `import` audit record per secret written, then one git commit for
/// all of them. `progress(done, total)` after each entry.
pub fn run(
    w: &Writer,
    planned: Vec<Planned>,
    options: &Options,
    progress: &dyn Fn(usize, usize),
) -> Report {
    let mut report = Report::default();
    let mut batch = match change::Batch::start(w) {
        Ok(b) => b,
        Err(e) => {
            report.failures.push(Failure {
                entry: "the store".into(),
                reason: e.to_string(),
            });
            return report;
        }
    };
    let mut paths = Vec::new();
    let total = planned.len();
    // Where the part of the batch not yet committed starts in `items`.
    let mut part = 0;
    for (done, p) in planned.into_iter().enumerate() {
        let mut item = Item {
            origin: p.entry.origin.clone(),
            source_name: p.entry.source_name(),
            name: p.name.clone(),
            renamed: p.renamed.clone(),
            outcome: Outcome::Imported,
            left_out: p.entry.left_out.clone(),
        };
        item.outcome = match one(w, &mut batch, &p, options, &mut item) {
            Ok(outcome) => outcome,
            Err(e) => Outcome::Failed(e.to_string()),
        };
        if !options.dry_run && matches!(item.outcome, Outcome::Imported | Outcome::Updated) {
            paths.push(w.store.file_of(&item.name));
        }
        report.items.push(item);
        if batch.len() >= BATCH_SIZE {
            commit_part(w, &mut batch, &mut report.items[part..], &mut paths);
            part = report.items.len();
        }
        progress(done + 1, total);
    }
    commit_part(w, &mut batch, &mut report.items[part..], &mut paths);
    drop(batch);
    if !paths.is_empty() {
        let n = paths.len();
        let s = if n == 1 { "" } else { "s" };
        let message = format!("import {n} secret{s} from {}", options.format);
        report.commit_warning =
            super::commit::after_change(w.store, &paths, &message, w.actor, w.autocommit);
    }
    report
}

/// Secrets written to disk together: one `syncfs` (or fsync each), one
/// audit write, one fsync a folder. Small enough that a crash loses little
/// work (a re-run imports the rest), large enough that the waits do not add
/// up.
pub const BATCH_SIZE: usize = 1000;

/// Commits the staged part of the batch; when that fails, its entries
/// failed (a re-run imports them) and leave the commit's paths.
fn commit_part(
    w: &Writer,
    batch: &mut change::Batch,
    items: &mut [Item],
    paths: &mut Vec<std::path::PathBuf>,
) {
    if batch.is_empty() {
        return;
    }
    if let Err(e) = batch.commit(w) {
        for item in items {
            if matches!(item.outcome, Outcome::Imported | Outcome::Updated) {
                let file = w.store.file_of(&item.name);
                paths.retain(|p| *p != file);
                item.outcome = Outcome::Failed(format!("not written: {e}"));
            }
        }
    }
}

/// One entry: unchanged, left alone, renamed or written.
fn one(
    w: &Writer,
    batch: &mut change::Batch,
    p: &Planned,
    options: &Options,
    item: &mut Item,
) -> Result<Outcome> {
    if let Some(problem) = p.entry.problem() {
        return Ok(Outcome::Failed(problem));
    }
    let reason = format!("from {}", options.format);
    if batch.is_pending(&p.name) && options.on_conflict != OnConflict::Rename {
        return Ok(Outcome::Failed(
            "an earlier entry of this import took the name; --on-conflict rename imports both"
                .into(),
        ));
    }
    if batch.exists(w, &p.name) {
        // A name staged by an earlier entry is not on disk yet: only a
        // rename gets here with one, and it is never "unchanged".
        if !batch.is_pending(&p.name) && p.entry.is_in(&w.store.read(w.keys, &p.name)?) {
            return Ok(Outcome::Unchanged);
        }
        match options.on_conflict {
            OnConflict::Skip => return Ok(Outcome::Exists),
            OnConflict::Rotate => {
                if !options.dry_run {
                    let doc = p.entry.to_doc(w.actor, w.now);
                    change::import(w, batch, &p.name, doc, &reason, true)?;
                }
                return Ok(Outcome::Updated);
            }
            OnConflict::Rename => {
                let (name, unchanged) = names::free_name(w, batch, &p.name, &p.entry)?;
                item.name = name;
                item.renamed = Some(format!("{} already holds a different secret", p.name));
                if unchanged {
                    return Ok(Outcome::Unchanged);
                }
            }
        }
    }
    batch.check_new_name(w, &item.name)?;
    if !options.dry_run {
        let doc = p.entry.to_doc(w.actor, w.now);
        change::import(w, batch, &item.name, doc, &reason, false)?;
    }
    Ok(Outcome::Imported)
}

#[cfg(test)]
mod add_field_tests {
    use super::*;

    #[test]
    fn a_masked_field_never_lands_in_the_notes() {
        let mut e = Entry::default();
        e.add_field("pin", "1234", true);
        e.add_field("pin", "5678", true);
        e.add_field("url", "9999", true);
        e.add_field("a=b", "0000", true);
        e.add_field("shown", "x", false);
        e.add_field("shown", "y", false);
        assert_eq!(e.notes.as_deref(), Some("shown: y"));
        let names: Vec<&str> = e.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["pin", "pin-field", "url-field", "a-b-field", "shown"]
        );
        assert!(e
            .fields
            .iter()
            .filter(|f| f.name != "shown")
            .all(|f| f.secret));
    }
}
