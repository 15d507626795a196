//! What git's merge drivers for a store do (docs/TEAMS.md, "When two people
//! change the same secret"): read git's three versions of a file (%O %A
//! %B), merge them with [`super::merge`] and write the result over OURS.
//! Every refusal comes back as an explanation before OURS is touched, so a
//! conflict loses nothing (git keeps all three stages).

use super::merge::{merge_docs, merge_recipients, RecipientsMerge};
use crate::error::WardError;
use crate::store::{fsio, Approved, Guard, Keyring, ReadBack, SecretDoc, SecretPath, Store};
use crate::store::{MAX_SECRET_FILE_BYTES, MAX_SMALL_FILE_BYTES};
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Git's three temporary files and the path being merged (%O %A %B %P).
pub struct Sides<'a> {
    pub base: &'a Path,
    pub ours: &'a Path,
    pub theirs: &'a Path,
    /// The file's path in the work tree, relative to its top.
    pub path: &'a str,
}

/// What a merge driver did; an `Err` is a conflict with its explanation.
#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    /// A secret merged and written to OURS.
    Secret {
        name: String,
        winner: String,
        loser: String,
        /// The merged document's version (the audit record names it, so
        /// the store-against-log cross-check knows where it came from).
        version: u32,
    },
    /// Both sides hold the same plaintext: OURS is kept as it is.
    Same,
}

/// The work tree's top and git folder, from the `git` that runs the driver.
pub fn git_dirs() -> Result<(PathBuf, PathBuf), String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel", "--absolute-git-dir"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    match (out.status.success(), lines.next(), lines.next()) {
        (true, Some(top), Some(git)) => Ok((PathBuf::from(top), PathBuf::from(git))),
        _ => Err("not run inside a git work tree (ward's merge drivers are run by git)".into()),
    }
}

/// The store holding `path` (relative to `top`): the nearest folder above
/// it with `.ward/store.toml`; and the file's path inside that store.
pub fn store_of(top: &Path, path: &str) -> Result<(Store, PathBuf), String> {
    let full = top.join(path);
    for dir in full.ancestors().skip(1) {
        if !dir.starts_with(top) {
            break;
        }
        if dir.join(".ward").join(crate::store::STORE_FILE).is_file() {
            let store = Store::open(dir).map_err(|e| e.to_string())?;
            let rel = full.strip_prefix(dir).unwrap_or(&full).to_path_buf();
            return Ok((store, rel));
        }
    }
    Err(format!("{path} is not inside a ward store"))
}

fn read(path: &Path, limit: u64, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    fsio::read_file_max(path, limit)
        .map(Zeroizing::new)
        .map_err(|e| format!("cannot read {what} version: {e}"))
}

/// Decrypts one side; `None` for an empty base (both sides added the file).
fn open(
    keys: &Keyring,
    file: &Path,
    what: &str,
    label: &str,
) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
    let bytes = read(file, MAX_SECRET_FILE_BYTES, what)?;
    if bytes.is_empty() && what == "the base" {
        return Ok(None);
    }
    keys.decrypt(Path::new(label), &bytes)
        .map(Some)
        .map_err(|e| match e {
            WardError::Decrypt { cause, .. } => format!(
                "cannot decrypt {what} version: {cause}. Only a member who can read {label} can \
             merge it: merge on their clone, or keep one side (git checkout --ours/--theirs)"
            ),
            WardError::Corrupt { cause, .. } => format!("{what} version is damaged: {cause}"),
            other => format!("{what} version: {other}"),
        })
}

fn parse(plain: &[u8], what: &str) -> Result<SecretDoc, String> {
    SecretDoc::from_bytes(plain).map_err(|cause| format!("{what} version is {cause}"))
}

/// Merges one `.age` file of a store. `history_limit` caps the merged
/// history. On success OURS holds the result, encrypted to the recipients
/// in force for it (which must all be approved here), and the merge is
/// appended to `<git dir>/ward/merged`.
pub fn merge_secret(keys: &Keyring, history_limit: usize, sides: &Sides) -> Result<Done, String> {
    let (top, _) = git_dirs()?;
    let (store, rel) = store_of(&top, sides.path)?;
    let label = sides.path;
    if rel == Path::new(crate::store::WARD_DIR).join(crate::audit::KEY_FILE) {
        let ours = open(keys, sides.ours, "our", label)?;
        let theirs = open(keys, sides.theirs, "their", label)?;
        if ours == theirs {
            return Ok(Done::Same);
        }
        return Err(
            "the two sides hold different audit keys (each clone made its own): \
                    keeping either breaks the audit chains made with the other; keep the one \
                    most records use (git checkout --ours/--theirs) and run `ward audit verify`"
                .into(),
        );
    }
    if rel == Path::new(crate::store::WARD_DIR).join(crate::store::values::KEY_FILE) {
        let ours = open(keys, sides.ours, "our", label)?;
        let theirs = open(keys, sides.theirs, "their", label)?;
        if ours == theirs {
            return Ok(Done::Same);
        }
        return Err(
            "the two sides hold different fingerprint keys (each clone made its own): keep \
             either (git checkout --ours/--theirs); a machine that pinned the other one then \
             approves it with `ward recipients trust`"
                .into(),
        );
    }
    let name = SecretPath::from_relative_file(&rel)
        .map_err(|_| format!("{label} is not a ward secret: merge it by hand"))?;
    let base = open(keys, sides.base, "the base", label)?;
    let ours = open(keys, sides.ours, "our", label)?.unwrap_or_default();
    let theirs = open(keys, sides.theirs, "their", label)?.unwrap_or_default();
    let base = base.map(|b| parse(&b, "the base")).transpose()?;
    let (ours, theirs) = (parse(&ours, "our")?, parse(&theirs, "their")?);
    let merged = merge_docs(base.as_ref(), &ours, &theirs, history_limit);

    let (recipients_path, recipients) = store.recipients_for(&name).map_err(|e| e.to_string())?;
    let text = store
        .read_recipients_text(&recipients_path)
        .map_err(|e| e.to_string())?;
    let approved = super::trust::approved_with_mine(&store, keys).map_err(|e| e.to_string())?;
    Guard::new(ReadBack::By(keys), Approved::Keys(&approved))
        .check(name.as_str(), &recipients_path, &text, &recipients)
        .map_err(|e| match e {
            WardError::Untrusted { .. } => {
                format!("{e}; approve it with `ward recipients trust`, then merge again")
            }
            other => other.to_string(),
        })?;
    let plain = Zeroizing::new(merged.doc.to_bytes());
    let cipher = crate::store::crypto::encrypt(&recipients, &plain).map_err(|e| e.to_string())?;
    write_ours(sides.ours, &cipher)?;
    let done = Done::Secret {
        name: name.to_string(),
        winner: merged.winner,
        loser: merged.loser,
        version: merged.doc.version,
    };
    Ok(done)
}

/// Replaces OURS atomically: git gives it as a path relative to the work
/// tree's top (where it runs the driver), whose folder the temp file needs.
fn write_ours(ours: &Path, bytes: &[u8]) -> Result<(), String> {
    let path = std::path::absolute(ours).map_err(|e| format!("{}: {e}", ours.display()))?;
    fsio::atomic_write(&path, bytes).map_err(|e| e.to_string())
}

/// Appends `<name>\t<winner>\t<loser>` to `<git dir>/ward/merged`, which
/// `ward sync` turns into audit events (docs/TEAMS.md).
pub fn log_merge(name: &str, winner: &str, loser: &str, version: u32) -> Result<(), String> {
    let (_, git_dir) = git_dirs()?;
    let dir = git_dir.join("ward");
    fsio::create_private_dir(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("merged");
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let line = format!(
        "{}\t{}\t{}\t{version}\n",
        clean(name),
        clean(winner),
        clean(loser)
    );
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .map_err(|e| format!("cannot append to {}: {e}", path.display()))
}

/// Merges a recipients file (`.ward/recipients`, `F/.recipients`) as a set
/// of keys and writes it over OURS.
pub fn merge_recipients_file(sides: &Sides) -> Result<RecipientsMerge, String> {
    let text = |file: &Path, what: &str| -> Result<String, String> {
        let bytes = read(file, MAX_SMALL_FILE_BYTES, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| format!("{what} version is not UTF-8 text"))
    };
    let merged = merge_recipients(
        &text(sides.base, "the base")?,
        &text(sides.ours, "our")?,
        &text(sides.theirs, "their")?,
    )?;
    write_ours(sides.ours, merged.text.as_bytes())?;
    Ok(merged)
}
