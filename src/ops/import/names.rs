//! Store names for imported entries: the source's folders and title, each
//! made a valid segment by the store's name rules, under `--prefix`; two
//! entries that end up with one name (duplicate titles, or names that only
//! sanitising made equal) are told apart by a `-2`, `-3`, … suffix.

use super::{Entry, Failure};
use crate::error::Result;
use crate::ops::Writer;
use crate::store::name::{lookalike_key, MAX_SEGMENT_BYTES};
use crate::store::SecretPath;
use std::collections::HashSet;

/// An entry with the name it is to get.
#[derive(Debug)]
pub struct Planned {
    pub entry: Entry,
    pub name: SecretPath,
    /// Why the name is not the source's own (shown by `--dry-run`).
    pub renamed: Option<String>,
}

/// The name used for a title that sanitising leaves empty.
const UNNAMED: &str = "unnamed";

/// One segment made valid: control and invisible characters dropped; `/`,
/// `\` and the characters Windows cannot check out (`< > : " | ? *`)
/// become `-`; surrounding spaces and leading dots go; at most 200 bytes.
pub fn sanitize_segment(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .filter(|c| !c.is_control() && !crate::sanitize::is_invisible(*c))
        .map(|c| match c {
            '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*' => '-',
            c => c,
        })
        .collect();
    out = out.trim().trim_start_matches('.').trim().to_string();
    // Windows drops trailing dots and spaces: `name.` would check out as `name`.
    out = out.trim_end_matches(['.', ' ']).to_string();
    if out.len() > MAX_SEGMENT_BYTES - 8 {
        let mut end = MAX_SEGMENT_BYTES - 8;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    let reserved = out
        .split('.')
        .next()
        .map(|stem| {
            matches!(
                stem.to_ascii_uppercase().as_str(),
                "CON" | "PRN" | "AUX" | "NUL"
            ) || (stem.len() == 4
                && ["COM", "LPT"].contains(&stem[..3].to_ascii_uppercase().as_str())
                && stem.as_bytes()[3].is_ascii_digit())
        })
        .unwrap_or(false);
    if reserved {
        out.insert(0, '_');
    }
    out
}

/// Names every entry under `prefix`. An entry whose name cannot be made
/// valid is a failure; one whose name another entry took is renamed.
pub fn plan(entries: Vec<Entry>, prefix: Option<&SecretPath>) -> (Vec<Planned>, Vec<Failure>) {
    let mut planned = Vec::with_capacity(entries.len());
    let mut failures = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    for entry in entries {
        let mut segments: Vec<String> = prefix
            .map(|p| p.segments().map(str::to_string).collect())
            .unwrap_or_default();
        segments.extend(
            entry
                .folder
                .iter()
                .map(|f| sanitize_segment(f))
                .filter(|s| !s.is_empty()),
        );
        let title = sanitize_segment(&entry.title);
        let title = if title.is_empty() {
            UNNAMED.to_string()
        } else {
            title
        };
        segments.push(title);
        let wanted = segments.join("/");
        let mut renamed = (wanted != entry.source_name()
            && prefix.map(|p| format!("{p}/{}", entry.source_name())) != Some(wanted.clone()))
        .then(|| "sanitised by the store's name rules".to_string());
        let mut name = wanted.clone();
        let mut n = 1;
        while !taken.insert(lookalike_key(&name)) {
            n += 1;
            name = format!("{wanted}-{n}");
            renamed = Some(format!(
                "another entry of the source is also named {wanted}"
            ));
        }
        match SecretPath::parse(&name) {
            Ok(name) => planned.push(Planned {
                entry,
                name,
                renamed,
            }),
            Err(e) => failures.push(Failure {
                entry: entry.origin.clone(),
                reason: e.to_string(),
            }),
        }
    }
    (planned, failures)
}

/// The first `NAME-2`, `NAME-3`, … that is free, or that already holds
/// exactly `entry` (then `true`: a re-run of a renaming import).
pub(super) fn free_name(
    w: &Writer,
    batch: &crate::ops::change::Batch,
    name: &SecretPath,
    entry: &Entry,
) -> Result<(SecretPath, bool)> {
    for n in 2.. {
        let candidate = SecretPath::parse(&format!("{name}-{n}"))?;
        if !batch.exists(w, &candidate) {
            return Ok((candidate, false));
        }
        if batch.is_pending(&candidate) {
            continue;
        }
        if entry.is_in(&w.store.read(w.keys, &candidate)?) {
            return Ok((candidate, true));
        }
    }
    unreachable!("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(folder: &[&str], title: &str) -> Entry {
        Entry {
            origin: title.into(),
            folder: folder.iter().map(|s| s.to_string()).collect(),
            title: title.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn segments_follow_the_store_rules() {
        assert_eq!(sanitize_segment("GitHub"), "GitHub");
        assert_eq!(sanitize_segment(" a/b\\c "), "a-b-c");
        assert_eq!(sanitize_segment(".hidden"), "hidden");
        assert_eq!(sanitize_segment("x\u{1b}[31my\u{200b}"), "x[31my");
        assert_eq!(sanitize_segment("host:443?"), "host-443-");
        assert_eq!(sanitize_segment("con"), "_con");
        assert_eq!(sanitize_segment("ends."), "ends");
        assert_eq!(sanitize_segment(&"é".repeat(200)).len(), 192);
        assert_eq!(sanitize_segment(".."), "");
    }

    #[test]
    fn collisions_after_sanitising_are_renamed_and_said_so() {
        let prefix = SecretPath::parse("imported").unwrap();
        let (planned, failures) = plan(
            vec![
                entry(&["Work"], "GitHub"),
                entry(&["Work"], "GitHub"),
                entry(&["Work"], "git/hub"),
                entry(&["Work"], "git-hub"),
                entry(&[".."], "..."),
                entry(&["Work"], "github"),
            ],
            Some(&prefix),
        );
        assert!(failures.is_empty(), "{failures:?}");
        let names: Vec<&str> = planned.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "imported/Work/GitHub",
                "imported/Work/GitHub-2",
                "imported/Work/git-hub",
                "imported/Work/git-hub-2",
                "imported/unnamed",
                // A case twin would collide on a case-insensitive checkout.
                "imported/Work/github-3",
            ]
        );
        assert_eq!(planned[0].renamed, None);
        assert!(planned[1]
            .renamed
            .as_deref()
            .unwrap()
            .contains("also named"));
        assert!(planned[2].renamed.as_deref().unwrap().contains("sanitised"));
    }
}
