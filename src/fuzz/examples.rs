//! Texts a rule's regex matches, built from its syntax tree: what the fuzzer says when it
//! aims at a rule. `(?i)order id is (?P<id>\d+)` gives `order id is 123`; `(refund|return)`
//! gives `refund` and `return`, one text per alternation branch.

use regex_syntax::hir::{Class, Hir, HirKind};

/// At most this many texts per regex (alternations multiply).
const MAX_EXAMPLES: usize = 8;

/// At most this many copies of a repeated part (`x{100}` gives 12).
const MAX_REPEAT: u32 = 12;

/// Texts `pattern` matches, one per alternation branch (at most 8), each once and in the
/// order of the branches: literal text as written (lower case where the regex ignores
/// case), `123` for a run of digits (`\d+`), one letter for any other repeated class,
/// nothing for anchors, word boundaries and optional or starred parts. Texts without a
/// letter or digit are left out; a pattern that does not parse gives none. A text may miss
/// its regex where an anchor or a boundary is in the way (`^a$b`), so callers check.
pub(crate) fn examples(pattern: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for text in texts(&hir) {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().any(char::is_alphanumeric) && !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// The texts of one node of the tree.
fn texts(hir: &Hir) -> Vec<String> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(literal) => vec![String::from_utf8_lossy(&literal.0).into_owned()],
        HirKind::Class(class) => vec![pick(class, 0).map(String::from).unwrap_or_default()],
        HirKind::Repetition(repetition) => {
            let digits = matches!(repetition.sub.kind(), HirKind::Class(c) if is_digits(c));
            let copies = match (repetition.min, repetition.max) {
                (0, _) => 0,
                (min, None) if digits => min.max(3),
                (min, _) => min,
            }
            .min(MAX_REPEAT);
            if let HirKind::Class(class) = repetition.sub.kind() {
                return vec![(0..copies).filter_map(|i| pick(class, i)).collect()];
            }
            let copies = copies as usize;
            texts(&repetition.sub).into_iter().map(|t| t.repeat(copies)).collect()
        }
        HirKind::Capture(capture) => texts(&capture.sub),
        HirKind::Concat(parts) => {
            let mut joined = vec![String::new()];
            for part in parts {
                let next = texts(part);
                joined = joined
                    .iter()
                    .flat_map(|a| next.iter().map(move |b| format!("{a}{b}")))
                    .take(MAX_EXAMPLES)
                    .collect();
            }
            joined
        }
        HirKind::Alternation(branches) => branches.iter().flat_map(texts).take(MAX_EXAMPLES).collect(),
    }
}

/// Whether `class` holds the ASCII digits and no ASCII letter (`\d`, `[0-9]`).
fn is_digits(class: &Class) -> bool {
    contains(class, '0') && contains(class, '9') && !('a'..='z').chain('A'..='Z').any(|c| contains(class, c))
}

fn contains(class: &Class, c: char) -> bool {
    match class {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
        Class::Bytes(b) => u8::try_from(c).is_ok_and(|c| b.ranges().iter().any(|r| r.start() <= c && c <= r.end())),
    }
}

/// The `i`-th character of a repeated `class`: the digits `1`, `2`, `3`, ... for a digit
/// class; otherwise its first lower-case ASCII letter, upper-case letter, space, or its
/// first character (the same for every `i`).
fn pick(class: &Class, i: u32) -> Option<char> {
    if is_digits(class) {
        return char::from_digit((i + 1) % 10, 10);
    }
    let preferred = ('a'..='z').chain('A'..='Z').chain([' ']).find(|&c| contains(class, c));
    preferred.or_else(|| match class {
        Class::Unicode(u) => u.ranges().first().map(|r| r.start()),
        Class::Bytes(b) => b.ranges().first().map(|r| char::from(r.start())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_alternation_branch_is_a_text_of_its_own() {
        assert_eq!(examples("(?i)status|track"), ["status", "track"]);
        assert_eq!(
            examples("I want a (refund|return)"),
            ["I want a refund", "I want a return"]
        );
        assert_eq!(
            examples(r"(?i)^(?P<reason>.*(broken|damaged|wrong).*)$"),
            ["broken", "damaged", "wrong"]
        );
        assert_eq!(examples(r"(?i)^no\b|bye"), ["no", "bye"]);
    }

    #[test]
    fn classes_and_repeats_are_filled_in() {
        assert_eq!(examples(r"(?i)order id is (?P<order_id>\d+)"), ["order id is 123"]);
        assert_eq!(examples(r"code [A-Z]{2}-\d{4}"), ["code AA-1234"]);
        assert_eq!(examples(r"(?i)order (?:number )?\w+"), ["order a"]);
        assert_eq!(examples(r"x{100}"), ["xxxxxxxxxxxx"], "at most 12 copies");
    }

    #[test]
    fn texts_match_their_regex_and_nothing_else_is_given() {
        for pattern in [
            "(?i)status|track",
            r"(?i)order id (?P<order_id>\d+)",
            r"(?i)^(?P<reason>.*(broken|damaged|wrong).*)$",
            r"(?i)(refund|bill)s? for (order|parcel) \d+",
        ] {
            let regex = regex_automata::meta::Regex::new(pattern).unwrap();
            let texts = examples(pattern);
            assert!(!texts.is_empty(), "{pattern}");
            for text in texts {
                assert!(regex.is_match(&text), "{pattern} does not match {text:?}");
            }
        }
        assert!(examples("(unclosed").is_empty());
        assert!(examples(r"^\s*$").is_empty(), "no letter or digit");
        assert_eq!(examples("(ab|cd)(ef|gh|ij)(kl|mn)").len(), MAX_EXAMPLES);
    }
}
