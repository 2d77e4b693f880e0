//! What the fuzzer varies: the human's replies, built from the scenario's own phrases, and
//! (in confused mode) the points where the model ignores its script and hands off anyway.

use std::fmt;

use proptest::prelude::*;
use proptest::sample::select;

/// One fuzzed input: a conversation the human might have, and where the model misbehaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The human's replies, in order.
    pub replies: Vec<String>,
    /// Per model call (1, 2, ... of the run): `Some(k)` makes that call hand off to the
    /// agent's `k`-th allowed target (modulo their number) instead of following the script.
    /// Empty unless confused mode is on.
    pub overrides: Vec<Option<u16>>,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replies {:?}", self.replies)?;
        let calls: Vec<String> = self
            .overrides
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.map(|k| format!("call {} → handoff #{k}", i + 1)))
            .collect();
        if !calls.is_empty() {
            write!(f, ", model overridden at {}", calls.join(", "))?;
        }
        Ok(())
    }
}

/// The material replies are made of: the scenario's `user` replies and the literal parts
/// of its rules' `when.user` regexes (`(?i)order id is (?P<id>\d+)` gives `order id is`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrases {
    phrases: Vec<String>,
    words: Vec<String>,
}

impl Phrases {
    /// Phrases from the human's replies and the rules' regexes.
    pub fn new<'a>(replies: impl IntoIterator<Item = &'a str>, patterns: impl IntoIterator<Item = &'a str>) -> Phrases {
        let mut phrases: Vec<String> = Vec::new();
        let mut add = |p: &str| {
            let p = p.trim();
            if !p.is_empty() && !phrases.iter().any(|q| q == p) {
                phrases.push(p.to_string());
            }
        };
        replies.into_iter().for_each(&mut add);
        for pattern in patterns {
            literals(pattern).iter().for_each(|l| add(l));
        }
        let mut words: Vec<String> = Vec::new();
        for word in phrases.iter().flat_map(|p| p.split_whitespace()) {
            if !words.iter().any(|w| w == word) {
                words.push(word.to_string());
            }
        }
        // Numbers fill the `\d+` groups of rules such as `order id is (\d+)`.
        words.extend(["123".to_string(), "42".to_string()]);
        if phrases.is_empty() {
            phrases.push("hello".into());
        }
        Phrases { phrases, words }
    }

    /// The phrases, in order of first appearance.
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    /// One human reply: a phrase, two joined, a mutated one, or free text.
    pub fn reply(&self) -> BoxedStrategy<String> {
        let phrase = select(self.phrases.clone());
        let word = select(self.words.clone());
        prop_oneof![
            4 => phrase.clone(),
            2 => (phrase.clone(), phrase.clone(), select(vec![" ", " and ", ", also ", " the "]))
                .prop_map(|(a, b, glue)| format!("{a}{glue}{b}")),
            3 => (phrase.clone(), 0..5u8, any::<usize>(), word)
                .prop_map(|(p, how, at, word)| mutate(&p, how, at, &word)),
            1 => "[a-z0-9 ]{0,24}",
        ]
        .boxed()
    }

    /// A conversation of 1 to `max_turns` replies.
    pub fn replies(&self, max_turns: usize) -> BoxedStrategy<Vec<String>> {
        prop::collection::vec(self.reply(), 1..=max_turns.max(1)).boxed()
    }
}

/// `phrase` changed one way: upper or lower case, punctuation, a word inserted, two words swapped.
fn mutate(phrase: &str, how: u8, at: usize, word: &str) -> String {
    let mut words: Vec<&str> = phrase.split_whitespace().collect();
    match how {
        0 => phrase.to_uppercase(),
        1 => phrase.to_lowercase(),
        2 => format!("{phrase}{}", ["!", "?", ".", "..."][at % 4]),
        3 => {
            words.insert(at % (words.len() + 1), word);
            words.join(" ")
        }
        _ => {
            if words.len() > 1 {
                let i = at % (words.len() - 1);
                words.swap(i, i + 1);
            }
            words.join(" ")
        }
    }
}

/// The literal runs of a regex: the text between its operators, groups, classes and escapes.
pub(crate) fn literals(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = pattern.chars().peekable();
    let mut flush = |current: &mut String| {
        let text = current.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().any(char::is_alphabetic) {
            out.push(text);
        }
        current.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // An escaped literal stays; a class or assertion (`\d`, `\b`, ...) ends the run.
                match chars.next() {
                    Some(e) if !e.is_alphanumeric() => current.push(e),
                    _ => flush(&mut current),
                }
            }
            '(' => {
                flush(&mut current);
                // Skip a group's flags or name: `(?i)`, `(?:`, `(?P<name>`, `(?<name>`.
                if chars.peek() == Some(&'?') {
                    for d in chars.by_ref() {
                        if d == ')' || d == ':' || d == '>' {
                            break;
                        }
                    }
                }
            }
            '[' => {
                flush(&mut current);
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                }
            }
            '{' => {
                flush(&mut current);
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                }
            }
            ')' | '|' | '^' | '$' | '.' | '*' | '+' | '?' => flush(&mut current),
            c => current.push(c),
        }
    }
    flush(&mut current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_the_text_between_the_operators() {
        assert_eq!(literals("(?i)status|track"), ["status", "track"]);
        assert_eq!(literals(r"(?i)order id is (?P<order_id>\d+)"), ["order id is"]);
        assert_eq!(
            literals(r"(?i)^(?P<reason>.*(broken|damaged|wrong).*)$"),
            ["broken", "damaged", "wrong"]
        );
        assert_eq!(literals(r"(?i)^no\b|bye"), ["no", "bye"]);
        assert_eq!(literals(r"what\?[0-9]{2} now"), ["what?", "now"]);
    }

    #[test]
    fn phrases_come_from_replies_then_patterns_each_once() {
        let p = Phrases::new(["I want a refund", "bye"], ["(?i)refund", "(?i)bye|thanks"]);
        assert_eq!(p.phrases(), ["I want a refund", "bye", "refund", "thanks"]);
    }

    #[test]
    fn mutations_keep_the_words_of_the_phrase() {
        assert_eq!(mutate("check my order", 0, 0, "x"), "CHECK MY ORDER");
        assert_eq!(mutate("check my order", 2, 1, "x"), "check my order?");
        assert_eq!(mutate("check my order", 3, 4, "refund"), "refund check my order");
        assert_eq!(mutate("check my order", 4, 1, "x"), "check order my");
    }
}
