//! The fast, non-cryptographic hash of the analysis's lookup tables: rustc-hash's Fx hash
//! (rustc's own; version 2 mixes its final state, so names that differ in one byte spread).
//! Only lookups use it: nothing is iterated in hash order, so the order of findings never
//! depends on it. Designs are the user's own files, so hash flooding is not a concern.

use std::hash::Hasher;

pub(crate) use rustc_hash::FxHashMap;
use rustc_hash::FxHasher;

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
