//! Three-way merges of what two clones of a git store changed at once
//! (docs/TEAMS.md, "When two people change the same secret"): one secret's
//! documents, and recipients files as sets of keys. Pure: no I/O, no clock;
//! the merge drivers (`ops::merge_driver`) read, decrypt and write.

use crate::policy::Offboarding;
use crate::store::crypto::{key_id, Recipient};
use crate::store::document::{Concurrent, Field, MergeNote, PreviousValue};
use crate::store::recipients::{entries, remove_keys, Entry, LABEL_PREFIX};
use crate::store::{SecretDoc, SecretValue};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Fields that are not merged one by one: the value and what goes with it,
/// the bookkeeping of the whole document, and the secret's fields (merged
/// by name in [`merge_secret_fields`], their values kept out of plain JSON).
const VALUE_FIELDS: [&str; 11] = [
    "value",
    "fields",
    "readers",
    "offboarding",
    "encoding",
    "version",
    "rotated",
    "history",
    "merge_notes",
    "updated",
    "updated_by",
];

/// The merged document and who won: `winner` is the actor of the side whose
/// value (or, when the value did not conflict, whose document) is the
/// later, `loser` the other side's.
#[derive(Debug)]
pub struct Merged {
    pub doc: SecretDoc,
    pub winner: String,
    pub loser: String,
    /// Whether both sides changed the value differently.
    pub value_conflict: bool,
}

/// Who set a document's current value: the actor that replaced the
/// previous one at `rotated`, else (never rotated) its creator.
fn value_actor(doc: &SecretDoc) -> &str {
    match doc.history.first() {
        Some(h) if h.replaced == doc.rotated => &h.replaced_by,
        _ if doc.rotated == doc.created => &doc.created_by,
        _ => &doc.updated_by,
    }
}

fn same_value(a: &SecretDoc, b: &SecretDoc) -> bool {
    a.value == b.value && a.encoding == b.encoding
}

/// Which value was set last: by `rotated`, then actor, then the value
/// itself, so that a merge gives the same result from either side.
fn value_order(a: &SecretDoc, b: &SecretDoc) -> Ordering {
    a.rotated
        .cmp(&b.rotated)
        .then_with(|| value_actor(a).cmp(value_actor(b)))
        .then_with(|| a.version.cmp(&b.version))
        .then_with(|| a.value.expose().cmp(b.value.expose()))
}

/// Which document was changed last: by `updated`, then actor, then value.
fn doc_order(
    a: &SecretDoc,
    b: &SecretDoc,
    ma: &Map<String, Value>,
    mb: &Map<String, Value>,
) -> Ordering {
    a.updated
        .cmp(&b.updated)
        .then_with(|| a.updated_by.cmp(&b.updated_by))
        .then_with(|| value_order(a, b))
        .then_with(|| {
            Value::Object(ma.clone())
                .to_string()
                .cmp(&Value::Object(mb.clone()).to_string())
        })
}

/// The document's metadata as a JSON object, without the value fields (so
/// no secret is copied into non-zeroizing memory).
fn metadata(doc: &SecretDoc) -> Map<String, Value> {
    let mut bare = doc.clone();
    bare.value = SecretValue::default();
    bare.history.clear();
    bare.merge_notes.clear();
    let Ok(Value::Object(mut map)) = serde_json::to_value(&bare) else {
        unreachable!("a SecretDoc serialises to an object")
    };
    for f in VALUE_FIELDS {
        map.remove(f);
    }
    map
}

/// Merges one secret changed on two sides. `base` is `None` when both
/// sides added the name. `history_limit` caps the merged history.
pub fn merge_docs(
    base: Option<&SecretDoc>,
    ours: &SecretDoc,
    theirs: &SecretDoc,
    history_limit: usize,
) -> Merged {
    let (mb, mo, mt) = (base.map(metadata), metadata(ours), metadata(theirs));
    // The later document wins a field both sides changed.
    let theirs_later = doc_order(theirs, ours, &mt, &mo) == Ordering::Greater;
    let (later, earlier) = if theirs_later {
        (theirs, ours)
    } else {
        (ours, theirs)
    };
    let (mut fields, mut lost) = merge_fields(mb.as_ref(), &mo, &mt, theirs_later);

    // The value: unchanged on one side takes the other's; equal is equal.
    let changed = |d: &SecretDoc| base.is_none_or(|b| !same_value(b, d));
    let value_conflict = !same_value(ours, theirs) && changed(ours) && changed(theirs);
    let value_from = if same_value(ours, theirs) || value_conflict {
        if value_order(theirs, ours) == Ordering::Greater {
            theirs
        } else {
            ours
        }
    } else if changed(theirs) {
        theirs
    } else {
        ours
    };
    let other = if std::ptr::eq(value_from, ours) {
        theirs
    } else {
        ours
    };

    let mut history = union_history(&value_from.history, &other.history);
    let mut version = value_from.version.max(other.version);
    if value_conflict {
        let top = history
            .iter()
            .map(|h| h.version)
            .max()
            .unwrap_or(0)
            .max(version);
        // The losing value is kept as the version before the winner's.
        history.insert(
            0,
            PreviousValue {
                version: top.saturating_add(1),
                value: other.value.clone(),
                encoding: other.encoding,
                set: other.rotated,
                replaced: value_from.rotated,
                replaced_by: value_actor(value_from).to_string(),
                reason: None,
                readers: other.readers.clone(),
                concurrent: Some(Concurrent {
                    by: value_actor(other).to_string(),
                }),
            },
        );
        version = top.saturating_add(2);
    }
    history.truncate(history_limit);

    fields.insert("version".into(), Value::from(version));
    fields.insert("value".into(), Value::String(String::new()));
    let time = |t| serde_json::to_value(t).expect("a time serialises");
    fields.insert("rotated".into(), time(value_from.rotated));
    fields.insert("updated".into(), time(later.updated));
    fields.insert("updated_by".into(), Value::String(later.updated_by.clone()));
    let mut doc: SecretDoc = serde_json::from_value(Value::Object(fields))
        .expect("fields taken from two valid documents form a valid document");
    doc.value = value_from.value.clone();
    doc.encoding = value_from.encoding;
    doc.history = history;
    doc.readers = merged_readers(value_from, other, value_conflict);
    let (merged_fields, lost_fields) = merge_secret_fields(
        base.map(|b| b.fields.as_slice()),
        &ours.fields,
        &theirs.fields,
        theirs_later,
    );
    doc.fields = merged_fields;
    lost.extend(lost_fields);
    doc.offboarding = merged_offboarding(ours, theirs, doc.rotated);
    // A compromise marked before the current value was set is over.
    if doc
        .compromised
        .as_ref()
        .is_some_and(|c| c.since < doc.rotated)
    {
        doc.compromised = None;
    }
    doc.merge_notes = union_notes(&ours.merge_notes, &theirs.merge_notes);
    if !lost.is_empty() {
        doc.merge_notes.insert(
            0,
            MergeNote {
                at: earlier.updated,
                by: earlier.updated_by.clone(),
                lost,
            },
        );
    }
    doc.merge_notes.truncate(history_limit.max(1));
    let (winner, loser) = if value_conflict {
        (value_actor(value_from), value_actor(other))
    } else {
        (later.updated_by.as_str(), earlier.updated_by.as_str())
    };
    Merged {
        doc,
        winner: winner.to_string(),
        loser: loser.to_string(),
        value_conflict,
    }
}

/// Who could read the current value: with the same value on both sides,
/// everyone either side encrypted it to; else the side whose value it is.
fn merged_readers(value_from: &SecretDoc, other: &SecretDoc, conflict: bool) -> Vec<String> {
    let mut readers = value_from.readers.clone();
    if !conflict && same_value(value_from, other) {
        for id in &other.readers {
            if !readers.contains(id) {
                readers.push(id.clone());
            }
        }
    }
    readers
}

/// Offboarding marks from both sides, once per removed key (the earlier
/// mark kept), except those made before the current value was set: a key
/// removed then could not read the value that replaced it.
fn merged_offboarding(
    ours: &SecretDoc,
    theirs: &SecretDoc,
    rotated: DateTime<Utc>,
) -> Vec<Offboarding> {
    let mut marks: Vec<Offboarding> = Vec::new();
    for mark in ours.offboarding.iter().chain(&theirs.offboarding) {
        if mark.at < rotated {
            continue;
        }
        match marks.iter_mut().find(|m| m.key_id == mark.key_id) {
            Some(kept) if mark.at < kept.at => *kept = mark.clone(),
            Some(_) => {}
            None => marks.push(mark.clone()),
        }
    }
    marks
}

/// Field by field: the same on both sides, or changed on one side only,
/// takes that; changed on both differently takes the later side's and
/// returns the earlier side's in `lost` (`null` for an absent field).
fn merge_fields(
    base: Option<&Map<String, Value>>,
    ours: &Map<String, Value>,
    theirs: &Map<String, Value>,
    theirs_later: bool,
) -> (Map<String, Value>, BTreeMap<String, Value>) {
    let mut keys: Vec<&String> = ours.keys().chain(theirs.keys()).collect();
    if let Some(b) = base {
        keys.extend(b.keys());
    }
    keys.sort();
    keys.dedup();
    let mut out = Map::new();
    let mut lost = BTreeMap::new();
    for key in keys {
        let (b, o, t) = (
            base.and_then(|b| b.get(key)),
            ours.get(key),
            theirs.get(key),
        );
        let chosen = if o == t || t == b {
            o
        } else if o == b {
            t
        } else {
            let (win, lose) = if theirs_later { (t, o) } else { (o, t) };
            lost.insert(key.clone(), lose.cloned().unwrap_or(Value::Null));
            win
        };
        if let Some(v) = chosen {
            out.insert(key.clone(), v.clone());
        }
    }
    (out, lost)
}

/// The secret's fields, by name, as metadata is merged: the same on both
/// sides, or changed on one side only, takes that; changed differently on
/// both takes the later side's, and the earlier side's goes into `lost` as
/// `field NAME` (its value, or `null` when that side had removed it), so
/// nothing typed is dropped. The order is the later side's, then the fields
/// only the earlier side has, so either side merges to the same document.
fn merge_secret_fields(
    base: Option<&[Field]>,
    ours: &[Field],
    theirs: &[Field],
    theirs_later: bool,
) -> (Vec<Field>, BTreeMap<String, Value>) {
    let find = |list: &[Field], name: &str| list.iter().find(|f| f.name == name).cloned();
    let (later, earlier) = if theirs_later {
        (theirs, ours)
    } else {
        (ours, theirs)
    };
    let mut names: Vec<&str> = later.iter().map(|f| f.name.as_str()).collect();
    for f in earlier.iter().chain(base.unwrap_or_default()) {
        if !names.contains(&f.name.as_str()) {
            names.push(&f.name);
        }
    }
    let mut out = Vec::new();
    let mut lost = BTreeMap::new();
    for name in names {
        let b = base.and_then(|b| find(b, name));
        let (o, t) = (find(ours, name), find(theirs, name));
        let chosen = if o == t || t == b {
            o
        } else if o == b {
            t
        } else {
            let (win, lose) = if theirs_later { (t, o) } else { (o, t) };
            let kept = lose
                .map(|f| Value::String(f.value.expose().to_string()))
                .unwrap_or(Value::Null);
            lost.insert(format!("field {name}"), kept);
            win
        };
        out.extend(chosen);
    }
    (out, lost)
}

/// Both histories, an entry once: the same version with the same value is
/// one entry (the first list's copy). Newest (highest version) first.
fn union_history(first: &[PreviousValue], second: &[PreviousValue]) -> Vec<PreviousValue> {
    let mut out: Vec<PreviousValue> = first.to_vec();
    let mut extra: Vec<PreviousValue> = Vec::new();
    for h in second {
        let same = |e: &PreviousValue| {
            e.version == h.version && e.value == h.value && e.encoding == h.encoding
        };
        if !out.iter().any(same) {
            extra.push(h.clone());
        }
    }
    // A version the other side used for another value gets a new number
    // above both, so versions stay unique.
    let mut top = out
        .iter()
        .chain(&extra)
        .map(|h| h.version)
        .max()
        .unwrap_or(0);
    extra.sort_by_key(|h| h.version);
    for mut h in extra {
        if out.iter().any(|e| e.version == h.version) {
            top = top.saturating_add(1);
            h.version = top;
        }
        out.push(h);
    }
    out.sort_by(|a, b| {
        b.version
            .cmp(&a.version)
            .then_with(|| b.replaced.cmp(&a.replaced))
    });
    out
}

fn union_notes(first: &[MergeNote], second: &[MergeNote]) -> Vec<MergeNote> {
    let mut out = first.to_vec();
    for n in second {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.by.cmp(&b.by)));
    out
}

/// The result of merging recipients files.
#[derive(Debug, PartialEq, Eq)]
pub struct RecipientsMerge {
    pub text: String,
    /// Keys both sides label differently (ours was kept): key, ours, theirs.
    pub label_differences: Vec<(String, String, String)>,
}

/// Checks that every key line of a recipients file parses; `Err` names the
/// line.
pub fn check_recipients(text: &str) -> Result<Vec<Entry>, String> {
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        Recipient::parse(t).map_err(|cause| format!("line {}: {cause}", n + 1))?;
    }
    Ok(entries(text))
}

/// A three-way set merge of recipients files: the keys of ours or theirs,
/// minus those in base that either side removed. Ours' text is kept as it
/// is (comments, order); a key theirs added comes after it with the
/// comment lines (its `# label:`) that stood above it in theirs.
pub fn merge_recipients(base: &str, ours: &str, theirs: &str) -> Result<RecipientsMerge, String> {
    let side = |what: &str, text: &str| {
        check_recipients(text).map_err(|e| format!("{what} side is not a recipients file ({e})"))
    };
    let (b, o, t) = (
        side("the base", base)?,
        side("our", ours)?,
        side("their", theirs)?,
    );
    let ids = |list: &[Entry]| list.iter().map(|e| key_id(&e.key)).collect::<Vec<_>>();
    let (bi, oi, ti) = (ids(&b), ids(&o), ids(&t));
    // Removed by theirs: in base, still in ours, gone from theirs.
    let removed: Vec<String> = o
        .iter()
        .filter(|e| {
            let id = key_id(&e.key);
            bi.contains(&id) && !ti.contains(&id)
        })
        .map(|e| e.key.clone())
        .collect();
    let mut text = if removed.is_empty() {
        ours.to_string()
    } else {
        remove_keys(ours, &removed).text
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let mut label_differences = Vec::new();
    let mut comments: Vec<&str> = Vec::new();
    for line in theirs.lines() {
        let tl = line.trim();
        if tl.is_empty() {
            comments.clear();
            continue;
        }
        if tl.starts_with('#') {
            comments.push(line);
            continue;
        }
        let id = key_id(tl);
        let above = std::mem::take(&mut comments);
        if oi.contains(&id) {
            let ours_label = o
                .iter()
                .find(|e| key_id(&e.key) == id)
                .and_then(|e| e.label.clone());
            let theirs_label = t
                .iter()
                .find(|e| key_id(&e.key) == id)
                .and_then(|e| e.label.clone());
            if let (Some(ol), Some(tl)) = (&ours_label, &theirs_label) {
                if ol != tl {
                    label_differences.push((id.clone(), ol.clone(), tl.clone()));
                }
            }
            continue;
        }
        // Removed by ours (in base), or already added: not again.
        if bi.contains(&id) || key_id_in(&text, &id) {
            continue;
        }
        for c in above {
            // The file's own header stays once.
            if c.trim().starts_with(LABEL_PREFIX) || !text.lines().any(|l| l == c) {
                text.push_str(c);
                text.push('\n');
            }
        }
        text.push_str(tl);
        text.push('\n');
    }
    if check_recipients(&text)
        .map(|e| e.is_empty())
        .unwrap_or(true)
    {
        return Err(
            "the merge leaves no recipient: nobody could read what is encrypted to it".into(),
        );
    }
    Ok(RecipientsMerge {
        text,
        label_differences,
    })
}

fn key_id_in(text: &str, id: &str) -> bool {
    entries(text).iter().any(|e| key_id(&e.key) == id)
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
