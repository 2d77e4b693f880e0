//! A fast, non-cryptographic hasher (the Fx hash of rustc and Firefox) for the analysis's
//! lookup tables. Only lookups use it: nothing is iterated in hash order, so the order of
//! findings never depends on it. Designs are the user's own files, so hash flooding is not
//! a concern.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// The Fx hash state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("chunks of 8")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        // Fx alone leaves keys that differ in one byte close together (`Agent12`, `Agent13`);
        // MurmurHash3's finaliser spreads every input bit over the whole hash.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A `HashMap` with the Fx hash.
pub(crate) type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The Fx hash of `text` as a model reads it: trimmed, lower case, runs of white space as one
/// space. Equal for texts that [`same_text`] calls equal.
pub(crate) fn text_hash(text: &str) -> u64 {
    let mut hasher = FxHasher::default();
    let text = text.trim();
    if text.is_ascii() {
        // The common case, byte by byte: `normalised` gives the same characters.
        let mut space = false;
        for &b in text.as_bytes() {
            let white = char::from(b).is_whitespace();
            if !white {
                hasher.write_u32(u32::from(b.to_ascii_lowercase()));
            } else if !space {
                hasher.write_u32(u32::from(b' '));
            }
            space = white;
        }
    } else {
        for c in normalised(text) {
            hasher.write_u32(c as u32);
        }
    }
    hasher.finish()
}

/// Whether two texts read the same to a model: equal up to case and white space.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    normalised(a).eq(normalised(b))
}

/// The characters of `text`, trimmed, lower case, with runs of white space as one space.
fn normalised(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut space = false;
    text.trim().chars().flat_map(move |c| {
        let emit_space = c.is_whitespace() && !space;
        space = c.is_whitespace();
        let lower = if c.is_whitespace() {
            None
        } else {
            Some(c.to_lowercase())
        };
        emit_space.then_some(' ').into_iter().chain(lower.into_iter().flatten())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_equal_up_to_case_and_spaces_hash_alike() {
        assert!(same_text("Transfer  if\tBILLING ", "transfer if billing"));
        assert_eq!(text_hash("Transfer  if\tBILLING "), text_hash("transfer if billing"));
        assert!(!same_text("transfer if billing", "transfer if billings"));
        assert!(!same_text("ab", "a b"));
        assert!(same_text("Ärger  MELDEN", "ärger melden"));
        assert_eq!(text_hash("Ärger  MELDEN"), text_hash("ärger melden"));
    }
}
