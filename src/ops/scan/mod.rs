//! `ward scan`: finding the store's own values — current and previous, in
//! their common encodings — in files, git history, the git index or a
//! stream (docs/SCAN.md). A vault knows the actual values, so it finds
//! what pattern scanners miss (custom formats), and never guesses.
//!
//! Values are decrypted once, turned into needles ([`needles::forms`]) for
//! one multi-pattern matcher (Aho-Corasick, as ripgrep), and dropped
//! (zeroized); the matcher is built from them and keeps its own copy in
//! memory for the run, never on disk. A find names the secret and which of
//! its values (current, or vN from history), never the value or the line.

pub mod needles;
pub mod sources;
pub mod window;

use crate::error::{Result, WardError};
use crate::store::{Encoding, Keyring, SecretPath, Store};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine;
use needles::Form;
use rayon::prelude::*;
use zeroize::Zeroizing;

/// Values shorter than this are not searched by default: too many false
/// finds (`ward scan --min-length`).
pub const DEFAULT_MIN_LENGTH: usize = crate::config::DEFAULT_SCAN_MIN_LENGTH;

/// The window matcher's stride for needles long enough for it.
const STRIDE: usize = 8;

/// Which value of a secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Which {
    pub name: SecretPath,
    pub version: u32,
    /// The secret's current value (else one from its history).
    pub current: bool,
}

impl Which {
    /// `current` or `v3` (a previous value).
    pub fn label(&self) -> String {
        if self.current {
            "current".into()
        } else {
            format!("v{}", self.version)
        }
    }
}

/// One decrypted value, until the scanner is built.
struct Known {
    which: Which,
    bytes: Zeroizing<Vec<u8>>,
}

/// What could not be searched.
#[derive(Debug, Default)]
pub struct Gaps {
    /// Values shorter than the minimum length.
    pub too_short: Vec<Which>,
    /// Secrets none of the identities can decrypt.
    pub unreadable: Vec<SecretPath>,
    /// Secrets that are damaged (corrupt, not ward's), with why.
    pub damaged: Vec<(SecretPath, String)>,
}

/// The matcher over every known value of the store.
pub struct Scanner {
    /// Needles of 15 bytes or more, looked for at every eighth offset, and
    /// those of 8 to 14 bytes, at every offset (window.rs).
    window: window::WindowIndex,
    window_short: window::WindowIndex,
    /// The shorter ones (a `--min-length` under 8), if any, and which
    /// needle each of its patterns is.
    short: Option<(AhoCorasick, Vec<usize>)>,
    /// Per pattern: which value, in which form.
    patterns: Vec<(usize, Form)>,
    values: Vec<Which>,
    /// Length of the longest needle.
    longest: usize,
    pub gaps: Gaps,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scanner({} patterns)", self.patterns.len())
    }
}

/// One find in one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// 1-based line of the find's first byte.
    pub line: usize,
    pub which: Which,
    pub form: Form,
}

impl Scanner {
    /// Decrypts every secret `keys` can read and builds the matcher from
    /// its current and previous values of at least `min_len` bytes.
    pub fn from_store(store: &Store, keys: &Keyring, min_len: usize) -> Result<Scanner> {
        let listing = store.list(None);
        let results: Vec<(SecretPath, Result<Vec<Known>>)> = listing
            .secrets
            .par_iter()
            .map(|name| (name.clone(), read_values(store, keys, name)))
            .collect();
        let mut gaps = Gaps::default();
        let mut known = Vec::new();
        for (name, result) in results {
            match result {
                Ok(values) => known.extend(values),
                Err(WardError::Decrypt { .. }) => gaps.unreadable.push(name),
                Err(e) => gaps.damaged.push((name, e.to_string())),
            }
        }
        Scanner::new(known, min_len, gaps)
    }

    /// A scanner over given values (benchmarks, and callers that hold
    /// values already); the bytes are zeroized once the matcher is built.
    pub fn from_values(
        values: impl IntoIterator<Item = (Which, Zeroizing<Vec<u8>>)>,
        min_len: usize,
    ) -> Result<Scanner> {
        let known = values
            .into_iter()
            .map(|(which, bytes)| Known { which, bytes })
            .collect();
        Scanner::new(known, min_len, Gaps::default())
    }

    fn new(known: Vec<Known>, min_len: usize, mut gaps: Gaps) -> Result<Scanner> {
        let min_len = min_len.max(1);
        let mut pattern_bytes: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        let mut patterns = Vec::new();
        let mut values = Vec::new();
        for k in known {
            if k.bytes.len() < min_len {
                gaps.too_short.push(k.which);
                continue;
            }
            let index = values.len();
            for (form, bytes) in needles::forms(&k.bytes, min_len) {
                patterns.push((index, form));
                pattern_bytes.push(bytes);
            }
            values.push(k.which);
        }
        gaps.too_short.sort();
        let longest = pattern_bytes.iter().map(|b| b.len()).max().unwrap_or(0);
        let short_ids: Vec<usize> = (0..pattern_bytes.len())
            .filter(|&i| pattern_bytes[i].len() < window::WINDOW)
            .collect();
        // The few short needles: overlapping search needs the standard
        // semantics; the crate picks the kind (a DFA for few patterns).
        let short = if short_ids.is_empty() {
            None
        } else {
            let matcher = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(None::<AhoCorasickKind>)
                .build(short_ids.iter().map(|&i| &pattern_bytes[i][..]))
                .map_err(|e| WardError::Other(format!("cannot build the matcher: {e}")))?;
            Some((matcher, short_ids))
        };
        let long = window::WINDOW + STRIDE - 1;
        let window_short = window::WindowIndex::new(pattern_bytes.clone(), 1, |n| n.len() < long);
        let window = window::WindowIndex::new(pattern_bytes, STRIDE, |n| n.len() >= long);
        Ok(Scanner {
            window,
            window_short,
            short,
            patterns,
            values,
            longest,
            gaps,
        })
    }

    /// How many values are searched for.
    pub fn searched(&self) -> usize {
        self.values.len()
    }

    /// Every find in `bytes`, one per value and line (the first form found
    /// there), in the order of the input.
    pub fn find(&self, bytes: &[u8]) -> Vec<Hit> {
        self.find_from(bytes, 0, 1)
    }

    /// [`Self::find`] for the matches that end after `skip` bytes (the
    /// start of `bytes` was searched before), with `bytes` starting on
    /// line `first_line`.
    fn find_from(&self, bytes: &[u8], skip: usize, first_line: usize) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen: std::collections::HashSet<(usize, usize)> = Default::default();
        let (mut line, mut counted) = (first_line, 0usize);
        let mut matches = Vec::new();
        self.window.find_all(bytes, &mut matches);
        self.window_short.find_all(bytes, &mut matches);
        if let Some((matcher, ids)) = &self.short {
            matches.extend(matcher.find_overlapping_iter(bytes).map(|m| window::Found {
                needle: ids[m.pattern().as_usize()],
                start: m.start(),
                end: m.end(),
            }));
        }
        matches.retain(|m| m.end > skip);
        matches.sort_by_key(|m| (m.start, m.needle));
        for m in matches {
            line += newlines(&bytes[counted..m.start]);
            counted = m.start;
            let (value, form) = self.patterns[m.needle];
            if seen.insert((line, value)) {
                hits.push(Hit {
                    line,
                    which: self.values[value].clone(),
                    form,
                });
            }
        }
        hits
    }

    /// Every find in a stream of any length, read `chunk` bytes at a time
    /// (memory stays at a chunk and the longest needle): consecutive chunks
    /// overlap by the longest needle less one byte, so a value across a
    /// chunk boundary is found, once. The first bytes read go to `probe`
    /// first; `false` from it stops the search (a binary input).
    pub fn find_stream(
        &self,
        mut reader: impl std::io::Read,
        chunk: usize,
        probe: impl FnOnce(&[u8]) -> bool,
    ) -> std::io::Result<Option<(Vec<Hit>, u64)>> {
        let overlap = self.longest.saturating_sub(1);
        let chunk = chunk.max(overlap + 1);
        let mut buf: Vec<u8> = Vec::with_capacity(chunk + overlap);
        let (mut carried, mut first_line, mut total) = (0usize, 1usize, 0u64);
        let mut probe = Some(probe);
        let mut hits = Vec::new();
        loop {
            let start = buf.len();
            buf.resize(carried + chunk, 0);
            let mut filled = start;
            while filled < buf.len() {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            buf.truncate(filled);
            total += (filled - start) as u64;
            if let Some(p) = probe.take() {
                if !p(&buf) {
                    return Ok(None);
                }
            }
            hits.extend(self.find_from(&buf, carried, first_line));
            if filled < carried + chunk {
                return Ok(Some((hits, total)));
            }
            let keep = overlap.min(buf.len());
            first_line += newlines(&buf[..buf.len() - keep]);
            buf.drain(..buf.len() - keep);
            carried = keep;
        }
    }
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The current and previous values of one secret, as bytes.
fn read_values(store: &Store, keys: &Keyring, name: &SecretPath) -> Result<Vec<Known>> {
    let doc = store.read(keys, name)?;
    let bytes = |value: &str, encoding: Encoding| -> Zeroizing<Vec<u8>> {
        match encoding {
            Encoding::Utf8 => Zeroizing::new(value.as_bytes().to_vec()),
            Encoding::Base64 => Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(value)
                    .unwrap_or_else(|_| value.as_bytes().to_vec()),
            ),
        }
    };
    let mut out = vec![Known {
        which: Which {
            name: name.clone(),
            version: doc.version,
            current: true,
        },
        bytes: bytes(doc.value.expose(), doc.encoding),
    }];
    for old in &doc.history {
        out.push(Known {
            which: Which {
                name: name.clone(),
                version: old.version,
                current: false,
            },
            bytes: bytes(old.value.expose(), old.encoding),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str, version: u32, current: bool, value: &str) -> Known {
        Known {
            which: Which {
                name: SecretPath::parse(name).unwrap(),
                version,
                current,
            },
            bytes: Zeroizing::new(value.as_bytes().to_vec()),
        }
    }

    #[test]
    fn finds_name_the_value_and_line_never_the_text() {
        let s = Scanner::new(
            vec![
                known("a/KEY", 2, true, "sk_live_current_value"),
                known("a/KEY", 1, false, "sk_live_old_value_1"),
                known("b/PIN", 1, true, "1234"),
            ],
            8,
            Gaps::default(),
        )
        .unwrap();
        assert_eq!(s.searched(), 2);
        assert_eq!(s.gaps.too_short.len(), 1);
        let text = b"first\nkey = sk_live_old_value_1\n\ntoken: c2tfbGl2ZV9jdXJyZW50X3ZhbHVl\n";
        let hits = s.find(text);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!((hits[0].line, hits[0].which.label()), (2, "v1".to_string()));
        assert_eq!(hits[0].form, Form::Plain);
        assert_eq!((hits[1].line, hits[1].which.label()), (4, "current".into()));
        assert_eq!(hits[1].form, Form::Base64);
        assert!(s.find(b"nothing here 1234").is_empty());
        // Near misses are not finds: one character changed, a prefix.
        assert!(s
            .find(b"sk_live_old_value_2 sk_live_current_valu\n")
            .is_empty());
    }

    #[test]
    fn a_stream_read_in_chunks_finds_values_across_boundaries_once() {
        let s = Scanner::new(
            vec![known("a/KEY", 1, true, "sk_live_across_the_boundary")],
            8,
            Gaps::default(),
        )
        .unwrap();
        let mut text = Vec::new();
        for i in 0..200 {
            text.extend_from_slice(format!("line {i} sk_live_across_the_boundary\n").as_bytes());
        }
        let whole = s.find(&text);
        assert_eq!(whole.len(), 200);
        for chunk in [1, 7, 40, 64, 1000] {
            let (hits, total) = s.find_stream(&text[..], chunk, |_| true).unwrap().unwrap();
            assert_eq!(total, text.len() as u64);
            assert_eq!(hits, whole, "chunk {chunk}");
        }
        assert!(s
            .find_stream(&b"\0binary"[..], 64, |b| !b.contains(&0))
            .unwrap()
            .is_none());
    }
}
