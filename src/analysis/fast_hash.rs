//! The fast, non-cryptographic hash of the analysis's lookup tables: rustc-hash's Fx hash
//! (rustc's own; version 2 mixes its final state, so names that differ in one byte spread).
//! Only lookups use it: nothing is iterated in hash order, so the order of findings never
//! depends on it. Designs are the user's own files, so hash flooding is not a concern.

use std::hash::Hasher;

pub(crate) use rustc_hash::FxHashMap;
use rustc_hash::FxHasher;

/// The Fx hash of `text` as a model reads it: trimmed, lower case, runs of white space as one
/// space. Equal for texts that [`same_text`] calls equal: both hash the bytes of the text's
/// [`normalised`] form, eight at a time.
pub(crate) fn text_hash(text: &str) -> u64 {
    let mut words = Words::default();
    if !text.is_ascii() {
        let mut utf8 = [0; 4];
        for c in normalised(text.trim()) {
            c.encode_utf8(&mut utf8).bytes().for_each(|b| words.push(b));
        }
        return words.finish();
    }
    // The common case: ASCII, eight bytes at a time where they need no more than lower
    // case, byte by byte where white space is to be made one space.
    let mut space = false;
    // `str::trim` of an ASCII text.
    let text = text.as_bytes();
    let start = text.iter().position(|&b| !white(b)).unwrap_or(text.len());
    let end = text.iter().rposition(|&b| !white(b)).map_or(start, |last| last + 1);
    let mut chunks = text[start..end].chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        match plain_word(word, space) {
            Some(lower) => {
                words.push_word(lower);
                space = word >> 56 == u64::from(b' ');
            }
            None => chunk.iter().for_each(|&b| words.push_normalised(b, &mut space)),
        }
    }
    chunks
        .remainder()
        .iter()
        .for_each(|&b| words.push_normalised(b, &mut space));
    words.finish()
}

/// Eight ASCII bytes (`word`, first byte lowest) in lower case, if their only white space
/// is single spaces (`after_space`: the byte before them was one); `None` otherwise.
fn plain_word(word: u64, after_space: bool) -> Option<u64> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each byte's high bit: set where the byte is at least `n` (ASCII bytes carry no further).
    let at_least = |n: u8| (word + u64::from(0x80 - n) * ONES) & HIGH;
    let below_bang = !at_least(b'!') & HIGH;
    let not_space = {
        let x = word ^ (u64::from(b' ') * ONES);
        (((x & !HIGH) + !HIGH) | x) & HIGH
    };
    let spaces = !not_space & HIGH;
    let lone = spaces & (spaces << 8) == 0 && !(after_space && spaces & 0x80 != 0);
    if below_bang != spaces || !lone {
        return None;
    }
    let upper = at_least(b'A') & !at_least(b'Z' + 1);
    Some(word | upper >> 2)
}

/// `char::is_whitespace` of an ASCII character.
fn white(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// Bytes hashed eight at a time (Fx takes one step for a word, as it would for one byte).
#[derive(Default)]
struct Words {
    hasher: FxHasher,
    word: u64,
    /// Bytes in `word`.
    len: u32,
}

impl Words {
    fn push(&mut self, b: u8) {
        self.word |= u64::from(b) << (8 * self.len);
        self.len += 1;
        if self.len == 8 {
            self.hasher.write_u64(self.word);
            (self.word, self.len) = (0, 0);
        }
    }

    /// Eight bytes, first byte lowest: as eight [`Words::push`]es.
    fn push_word(&mut self, word: u64) {
        if self.len == 0 {
            self.hasher.write_u64(word);
        } else {
            self.hasher.write_u64(self.word | word << (8 * self.len));
            self.word = word >> (64 - 8 * self.len);
        }
    }

    /// ASCII byte `b` as [`normalised`] gives it (`space`: the byte before was white space).
    fn push_normalised(&mut self, b: u8, space: &mut bool) {
        let white = white(b);
        if !white {
            self.push(b.to_ascii_lowercase());
        } else if !*space {
            self.push(b' ');
        }
        *space = white;
    }

    fn finish(mut self) -> u64 {
        // The length tells "a" from "a\0".
        self.hasher.write_u64(self.word);
        self.hasher.write_u32(self.len);
        self.hasher.finish()
    }
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

    /// The hash of `text`'s normalised bytes, pushed one by one.
    fn reference(text: &str) -> u64 {
        let mut words = Words::default();
        normalised(text).collect::<String>().bytes().for_each(|b| words.push(b));
        words.finish()
    }

    #[test]
    fn eight_bytes_at_a_time_hash_as_one_at_a_time() {
        let alphabet = [
            b'a', b'b', b'c', b'd', b'e', b'Z', b'A', b'z', b' ', b' ', b'\t', b'\n', b'\x0b', b'\x1f', b'@', b'[',
            b'.', b'0',
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for round in 0..20_000 {
            let mut text = String::new();
            for _ in 0..round % 40 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(char::from(alphabet[(state % alphabet.len() as u64) as usize]));
            }
            assert_eq!(text_hash(&text), reference(&text), "{text:?}");
        }
        assert_eq!(
            plain_word(u64::from_le_bytes(*b"Ab cD z."), false),
            Some(u64::from_le_bytes(*b"ab cd z."))
        );
        assert_eq!(plain_word(u64::from_le_bytes(*b" b cD z."), true), None);
        assert_eq!(plain_word(u64::from_le_bytes(*b"a  cD z."), false), None);
        assert_eq!(plain_word(u64::from_le_bytes(*b"a\tbcD z."), false), None);
    }

    #[test]
    fn texts_equal_up_to_case_and_spaces_hash_alike() {
        assert!(same_text("Transfer  if\tBILLING ", "transfer if billing"));
        assert_eq!(text_hash("Transfer  if\tBILLING "), text_hash("transfer if billing"));
        assert!(!same_text("transfer if billing", "transfer if billings"));
        assert!(!same_text("ab", "a b"));
        assert!(same_text("Ärger  MELDEN", "ärger melden"));
        assert_eq!(text_hash("Ärger  MELDEN"), text_hash("ärger melden"));
        // The written and the normalised form of a text hash alike, whichever way is taken.
        for (written, read) in [
            ("a\u{b}b", "a b"),
            (" x\t y ", "x y"),
            ("Ab", "ab"),
            ("é", "é"),
            ("a  b", "a b"),
        ] {
            assert_eq!(text_hash(written), text_hash(read), "{written:?}");
            assert!(same_text(written, read));
        }
        let long = "Transfer  when the customer asks about a refund, a return, or a damaged parcel. ".repeat(3);
        assert_eq!(text_hash(&long), text_hash(&long.replace("  ", " ").to_lowercase()));
        assert_eq!(
            text_hash(&format!("é{long}")),
            text_hash(&format!("é{}", long.replace("  ", " ").to_lowercase()))
        );
        assert_ne!(text_hash("a b"), text_hash("ab"));
    }
}
