//! The matcher for needles of [`WINDOW`] bytes or more: every needle is
//! keyed by its first eight bytes; the input is looked at eight bytes at
//! a time at every offset, and only where those eight bytes may start a
//! needle (a two-probe Bloom filter small enough to stay in the CPU's
//! cache answers "no" for almost every offset) is the key looked up and
//! each needle under it compared byte for byte.
//!
//! With tens of thousands of values and their histories in every form,
//! an Aho-Corasick automaton is too large for a DFA and its NFA follows
//! failure links at most bytes of ordinary text (the 380 MB/s measured
//! before, docs/PERFORMANCE.md "Scan"); this costs one multiply and one
//! cached bit test a byte whatever the number of needles. Shorter needles
//! (a `--min-length` under 8) go to a small Aho-Corasick automaton beside
//! it (`super::Scanner`). Exact: a candidate is a find only when every
//! byte of the needle is there.

use std::collections::HashMap;
use zeroize::Zeroizing;

/// The bytes a needle is keyed by.
pub const WINDOW: usize = 8;

/// Bits of each Bloom filter probe's index: 2^23 bits, 1 MiB.
const FILTER_BITS: u32 = 23;

/// A find: the needle's index, where it starts and ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub needle: usize,
    pub start: usize,
    pub end: usize,
}

pub struct WindowIndex {
    filter: Vec<u64>,
    /// First eight bytes → the needles starting with them.
    by_key: HashMap<u64, Vec<u32>, BuildMix>,
    /// Every needle, by its index (also those not in this index, left
    /// empty, so that indexes are the caller's own).
    needles: Vec<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for WindowIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WindowIndex({} keys)", self.by_key.len())
    }
}

fn key_of(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes[..WINDOW].try_into().expect("eight bytes"))
}

/// One multiply-shift hash (the keys are the input's own bytes; no
/// attacker chooses which keys exist, and a collision only costs a look).
#[inline(always)]
fn mix(key: u64) -> u64 {
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[inline(always)]
fn probes(h: u64) -> (usize, usize) {
    let a = (h >> (64 - FILTER_BITS)) as usize;
    let b = ((h >> 8) & ((1u64 << FILTER_BITS) - 1)) as usize;
    (a, b)
}

impl WindowIndex {
    /// The index over the needles at least [`WINDOW`] bytes long among
    /// `needles` (the others are left to the caller).
    pub fn new(needles: Vec<Zeroizing<Vec<u8>>>) -> WindowIndex {
        let mut filter = vec![0u64; (1usize << FILTER_BITS) / 64];
        let mut by_key: HashMap<u64, Vec<u32>, BuildMix> = HashMap::default();
        for (i, n) in needles.iter().enumerate() {
            if n.len() < WINDOW {
                continue;
            }
            let key = key_of(n);
            let (a, b) = probes(mix(key));
            filter[a / 64] |= 1 << (a % 64);
            filter[b / 64] |= 1 << (b % 64);
            by_key.entry(key).or_default().push(i as u32);
        }
        WindowIndex {
            filter,
            by_key,
            needles,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Every occurrence of every indexed needle in `bytes`, overlapping
    /// ones included, in the order of their start.
    pub fn find_all(&self, bytes: &[u8], out: &mut Vec<Found>) {
        if self.by_key.is_empty() || bytes.len() < WINDOW {
            return;
        }
        let filter = &self.filter[..];
        let last = bytes.len() - WINDOW;
        for start in 0..=last {
            let key = key_of(&bytes[start..]);
            let (a, b) = probes(mix(key));
            if filter[a / 64] & (1 << (a % 64)) == 0 || filter[b / 64] & (1 << (b % 64)) == 0 {
                continue;
            }
            let Some(candidates) = self.by_key.get(&key) else {
                continue;
            };
            for &i in candidates {
                let needle = &self.needles[i as usize];
                let end = start + needle.len();
                if end <= bytes.len() && bytes[start + WINDOW..end] == needle[WINDOW..] {
                    out.push(Found {
                        needle: i as usize,
                        start,
                        end,
                    });
                }
            }
        }
    }
}

/// The hasher of the key map: the key mixed once.
#[derive(Clone, Copy, Default)]
pub struct BuildMix;

impl std::hash::BuildHasher for BuildMix {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher(0)
    }
}

pub struct MixHasher(u64);

impl std::hash::Hasher for MixHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).rotate_left(5);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(s: &str) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(s.as_bytes().to_vec())
    }

    #[test]
    fn finds_every_occurrence_exactly_and_overlapping() {
        let idx = WindowIndex::new(vec![
            z("abcdefgh"),
            z("abcdefghij"),
            z("short"),
            z("cdefghijkl"),
            z("abcdefgh"),
        ]);
        let mut out = Vec::new();
        idx.find_all(b"xxabcdefghijklabcdefgh abcdefgX", &mut out);
        let got: Vec<(usize, usize)> = out.iter().map(|f| (f.needle, f.start)).collect();
        assert_eq!(
            got,
            [(0, 2), (1, 2), (4, 2), (3, 4), (0, 14), (4, 14)],
            "{out:?}"
        );
        // A near miss (last byte changed) and a needle cut by the end.
        out.clear();
        idx.find_all(b"abcdefgX abcdefghi", &mut out);
        assert_eq!(out.len(), 2); // "abcdefgh" twice (indexes 0 and 4), not "abcdefghij"
    }
}
