//! The matcher for needles of [`WINDOW`] bytes or more: the input is
//! looked at eight bytes at a time at every `stride`-th offset (every
//! eighth for needles of 15 bytes or more, each needle keyed by the eight
//! bytes at each of its first `stride` offsets, so one of them is looked
//! at wherever it starts; every offset for shorter ones), and only where
//! those eight bytes may be part of a needle (a two-probe Bloom filter small enough to stay in the CPU's
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

/// Bits of the Bloom filter: about eight a key (two probes: under 3 % of
/// the offsets looked at pass it without a needle there), within these.
const MIN_FILTER_BITS: u32 = 16;
const MAX_FILTER_BITS: u32 = 26;

/// A find: the needle's index, where it starts and ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub needle: usize,
    pub start: usize,
    pub end: usize,
}

pub struct WindowIndex {
    filter: Vec<u64>,
    filter_bits: u32,
    /// Offsets looked at: every `stride`-th. Each needle is keyed by the
    /// eight bytes at each of its first `stride` offsets, so that one of
    /// them falls on a looked-at offset wherever the needle starts.
    stride: usize,
    /// Eight bytes → the needles having them at an offset under `stride`
    /// (needle, offset).
    by_key: HashMap<u64, Vec<(u32, u32)>, BuildMix>,
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
fn probes(h: u64, bits: u32) -> (usize, usize) {
    let a = (h >> (64 - bits)) as usize;
    let b = ((h >> 8) & ((1u64 << bits) - 1)) as usize;
    (a, b)
}

impl WindowIndex {
    /// The index over the needles among `needles` that `wanted` keeps
    /// (the others are left to the caller), each at least [`WINDOW`] +
    /// `stride` - 1 bytes long, looking at every `stride`-th offset.
    pub fn new(
        needles: Vec<Zeroizing<Vec<u8>>>,
        stride: usize,
        wanted: impl Fn(&[u8]) -> bool,
    ) -> WindowIndex {
        let stride = stride.max(1);
        let mut by_key: HashMap<u64, Vec<(u32, u32)>, BuildMix> = HashMap::default();
        let mut keys = 0usize;
        for (i, n) in needles.iter().enumerate() {
            if n.len() + 1 < WINDOW + stride || !wanted(n) {
                continue;
            }
            for offset in 0..stride {
                by_key
                    .entry(key_of(&n[offset..]))
                    .or_default()
                    .push((i as u32, offset as u32));
                keys += 1;
            }
        }
        let filter_bits = (keys.max(1) * 8)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(MIN_FILTER_BITS, MAX_FILTER_BITS);
        let mut filter = vec![0u64; (1usize << filter_bits) / 64];
        for key in by_key.keys() {
            let (a, b) = probes(mix(*key), filter_bits);
            filter[a / 64] |= 1 << (a % 64);
            filter[b / 64] |= 1 << (b % 64);
        }
        WindowIndex {
            filter,
            filter_bits,
            stride,
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
        let bits = self.filter_bits;
        let last = bytes.len() - WINDOW;
        for at in (0..=last).step_by(self.stride) {
            let key = key_of(&bytes[at..]);
            let (a, b) = probes(mix(key), bits);
            if filter[a / 64] & (1 << (a % 64)) == 0 || filter[b / 64] & (1 << (b % 64)) == 0 {
                continue;
            }
            let Some(candidates) = self.by_key.get(&key) else {
                continue;
            };
            for &(i, offset) in candidates {
                let needle = &self.needles[i as usize];
                let Some(start) = at.checked_sub(offset as usize) else {
                    continue;
                };
                let end = start + needle.len();
                if end <= bytes.len() && bytes[start..end] == needle[..] {
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
        let idx = WindowIndex::new(
            vec![
                z("abcdefgh"),
                z("abcdefghij"),
                z("short"),
                z("cdefghijkl"),
                z("abcdefgh"),
            ],
            1,
            |_| true,
        );
        let mut out = Vec::new();
        idx.find_all(b"xxabcdefghijklabcdefgh abcdefgX", &mut out);
        out.sort_by_key(|f| (f.start, f.needle));
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

    #[test]
    fn a_stride_finds_every_occurrence_once_at_any_offset() {
        let needle = "0123456789abcdefXYZ"; // 19 bytes: stride up to 12
        for stride in [1, 2, 5, 8, 12] {
            let idx = WindowIndex::new(vec![z(needle)], stride, |_| true);
            for pad in 0..20 {
                let text = format!("{}{needle}{}", "-".repeat(pad), "+".repeat(pad % 3));
                let mut out = Vec::new();
                idx.find_all(text.as_bytes(), &mut out);
                assert_eq!(out.len(), 1, "stride {stride}, at {pad}: {out:?}");
                assert_eq!((out[0].start, out[0].end), (pad, pad + needle.len()));
                let mut near = text.clone().into_bytes();
                near[pad + needle.len() - 1] = b'!';
                out.clear();
                idx.find_all(&near, &mut out);
                assert!(out.is_empty(), "a near miss, stride {stride}");
            }
        }
        // Too short for the stride: left to the caller.
        assert!(WindowIndex::new(vec![z("0123456789")], 8, |_| true).is_empty());
    }
}
