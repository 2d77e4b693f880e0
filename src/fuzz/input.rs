//! What the fuzzer varies: the human's replies, built from the scenario's own phrases and
//! following its scripted conversation, and (in confused mode) the points where the model
//! ignores its script and hands off anyway.

use std::fmt;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;

use super::examples::examples;
use super::shrink::DropWords;
use crate::scripted::pattern::Pattern;

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
/// of its rules' `when.user` regexes (`(?i)order id is (?P<id>\d+)` gives `order id is`),
/// texts each regex matches (`order id is 123`; one per alternation branch, so
/// `(refund|return)` gives `refund` and `return`), and the scripted conversation itself:
/// its replies in order, each with the texts of the rules it does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrases {
    phrases: Vec<String>,
    words: Vec<String>,
    /// Per distinct `when.user` regex, the texts it matches.
    rules: Vec<Vec<String>>,
    /// The scripted conversation: the skeleton of the cases that follow it.
    skeleton: Vec<Turn>,
}

/// One scripted reply, and what a case may add to it to reach other rules.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Turn {
    reply: String,
    /// Texts of the rules that hand off and that the reply does not match.
    routes: Vec<String>,
    /// Texts of every rule the reply does not match.
    others: Vec<String>,
}

impl Phrases {
    /// Phrases from the human's replies and the rules' regexes.
    pub fn new<'a>(replies: impl IntoIterator<Item = &'a str>, patterns: impl IntoIterator<Item = &'a str>) -> Phrases {
        Phrases::for_rules(replies, patterns.into_iter().map(|p| (p, false)))
    }

    /// Phrases from the human's replies and the rules' regexes, each regex with whether a
    /// rule that reads it hands off ([`ScriptedModel::user_rules`](crate::ScriptedModel::user_rules)):
    /// the scripted replies are extended with those rules' texts first, the ones that move
    /// a request to another agent.
    pub fn for_rules<'a>(
        replies: impl IntoIterator<Item = &'a str>,
        rules: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> Phrases {
        let replies: Vec<&str> = replies.into_iter().collect();
        let mut sources: Vec<(&str, bool)> = Vec::new();
        for (source, routes) in rules {
            match sources.iter_mut().find(|(s, _)| *s == source) {
                Some(known) => known.1 |= routes,
                None => sources.push((source, routes)),
            }
        }
        let mut phrases: Vec<String> = Vec::new();
        let mut add = |p: &str| {
            let p = p.trim();
            if !p.is_empty() && !phrases.iter().any(|q| q == p) {
                phrases.push(p.to_string());
            }
        };
        replies.iter().for_each(|r| add(r));
        // Each rule: its regex (if it compiles here: the model compiled it already), and
        // the texts it matches, or its literal runs when no built text does.
        let mut compiled = Vec::with_capacity(sources.len());
        let mut rules = Vec::with_capacity(sources.len());
        for (source, _) in &sources {
            let pattern = Pattern::new(source).ok();
            let literal = literals(source);
            literal.iter().for_each(|l| add(l));
            let mut texts = examples(source);
            texts.retain(|t| pattern.as_ref().is_none_or(|p| p.is_match(t)));
            texts.iter().for_each(|t| add(t));
            rules.push(if texts.is_empty() { literal } else { texts });
            compiled.push(pattern);
        }
        let skeleton = replies
            .iter()
            .map(|reply| {
                let (mut routes, mut others) = (Vec::new(), Vec::new());
                for (((_, hands_off), pattern), texts) in sources.iter().zip(&compiled).zip(&rules) {
                    if pattern.as_ref().is_some_and(|p| p.is_match(reply)) {
                        continue;
                    }
                    others.extend(texts.iter().cloned());
                    if *hands_off {
                        routes.extend(texts.iter().cloned());
                    }
                }
                Turn {
                    reply: reply.to_string(),
                    routes,
                    others,
                }
            })
            .collect();
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
        rules.retain(|texts| !texts.is_empty());
        Phrases {
            phrases,
            words,
            rules,
            skeleton,
        }
    }

    /// The phrases, in order of first appearance.
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    /// Per distinct `when.user` regex of the scripts (that gives any), the texts built to
    /// match it, one per alternation branch.
    pub fn rule_texts(&self) -> &[Vec<String>] {
        &self.rules
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

    /// A conversation of 1 to `max_turns` replies, each made by [`Phrases::reply`].
    pub fn replies(&self, max_turns: usize) -> BoxedStrategy<Vec<String>> {
        prop::collection::vec(self.reply(), 1..=max_turns.max(1)).boxed()
    }

    /// The conversations cases are made of. Four in five follow the scripted conversation:
    /// its replies in order (at most `max_turns`; often all of them, else the first few),
    /// each kept, extended with a text of a rule it does not match (of a rule that hands
    /// off, most often), mutated, or replaced by another reply or by texts of two different
    /// rules joined; when every scripted reply is kept in the case, replies of
    /// [`Phrases::reply`] may follow up to `max_turns`. The fifth are [`Phrases::replies`].
    /// Every reply shrinks word by word after its own shrinking. Without scripted replies,
    /// all are [`Phrases::replies`].
    pub fn conversations(&self, max_turns: usize) -> BoxedStrategy<Vec<String>> {
        let max_turns = max_turns.max(1);
        let free = self.replies(max_turns);
        if self.skeleton.is_empty() {
            return free;
        }
        let turns: Vec<BoxedStrategy<String>> = self.skeleton.iter().take(max_turns).map(|t| self.turn(t)).collect();
        let n = turns.len();
        let more = prop::collection::vec(DropWords(self.reply()), 0..=max_turns - n);
        let length = prop_oneof![1 => 1..=n, 3 => Just(n)];
        let scripted = (turns, length, more).prop_map(move |(mut turns, length, more)| {
            turns.truncate(length);
            if length == n {
                turns.extend(more);
            }
            turns
        });
        prop_oneof![4 => scripted, 1 => free].boxed()
    }

    /// What a case says in place of one scripted reply (see [`Phrases::conversations`]).
    fn turn(&self, turn: &Turn) -> BoxedStrategy<String> {
        let reply = turn.reply.clone();
        let extended = |texts: &[String]| {
            let reply = reply.clone();
            (select(texts.to_vec()), any::<bool>())
                .prop_map(move |(text, after)| match after {
                    false => format!("{text} {reply}"),
                    true => format!("{reply} {text}"),
                })
                .boxed()
        };
        let mut arms: Vec<(u32, BoxedStrategy<String>)> = vec![(3, Just(reply.clone()).boxed())];
        if !turn.routes.is_empty() {
            arms.push((4, extended(&turn.routes)));
        }
        if !turn.others.is_empty() {
            arms.push((1, extended(&turn.others)));
        }
        let mutated = (0..5u8, any::<usize>(), select(self.words.clone()))
            .prop_map(move |(how, at, word)| mutate(&reply, how, at, &word));
        arms.push((1, mutated.boxed()));
        arms.push((1, self.reply()));
        if self.rules.len() >= 2 {
            arms.push((1, self.two_rules()));
        }
        DropWords(Union::new_weighted(arms)).boxed()
    }

    /// A text of one rule and a text of another, joined by a space.
    fn two_rules(&self) -> BoxedStrategy<String> {
        let rules = self.rules.clone();
        let count = rules.len();
        (0..count, 1..count, any::<usize>(), any::<usize>())
            .prop_map(move |(first, offset, a, b)| {
                let (one, other) = (&rules[first], &rules[(first + offset) % count]);
                format!("{} {}", one[a % one.len()], other[b % other.len()])
            })
            .boxed()
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
    fn each_scripted_reply_may_reach_the_rules_it_does_not_match() {
        let p = Phrases::for_rules(
            ["I want a refund", "thanks"],
            [
                ("(?i)refund|bill", true),
                ("(?i)ship|deliver", true),
                ("(?i)bye|thanks", false),
            ],
        );
        assert_eq!(
            p.rule_texts(),
            [["refund", "bill"], ["ship", "deliver"], ["bye", "thanks"]]
        );
        let (first, second) = (&p.skeleton[0], &p.skeleton[1]);
        assert_eq!(
            first.routes,
            ["ship", "deliver"],
            "rules that hand off, the reply misses"
        );
        assert_eq!(first.others, ["ship", "deliver", "bye", "thanks"]);
        assert_eq!(second.routes, ["refund", "bill", "ship", "deliver"]);
        let plain = Phrases::new(["hi"], ["(?i)refund"]);
        assert!(plain.skeleton[0].routes.is_empty(), "without routing rules, none");
        assert_eq!(plain.skeleton[0].others, ["refund"]);
    }

    #[test]
    fn conversations_keep_the_turns_of_the_script() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let p = Phrases::for_rules(
            ["I want a refund", "thanks"],
            [
                ("(?i)refund|bill", true),
                ("(?i)ship|deliver", true),
                ("(?i)bye|thanks", false),
            ],
        );
        let mut runner = TestRunner::deterministic();
        let strategy = p.conversations(4);
        let (mut scripted, mut mixed) = (0, 0);
        for _ in 0..500 {
            let replies = strategy.new_tree(&mut runner).unwrap().current();
            assert!((1..=4).contains(&replies.len()), "{replies:?}");
            scripted += usize::from(replies[0].contains("I want a refund"));
            mixed += usize::from(
                replies
                    .iter()
                    .any(|r| r.contains("refund") && (r.contains("ship") || r.contains("deliver"))),
            );
        }
        assert!(scripted >= 250, "{scripted} of 500 start as the script does");
        assert!(mixed >= 150, "{mixed} of 500 mix a refund with a delivery");
        let empty = Phrases::new([], ["(?i)refund"]);
        let replies = empty.conversations(3).new_tree(&mut runner).unwrap().current();
        assert!((1..=3).contains(&replies.len()), "no script: free replies");
    }

    #[test]
    fn mutations_keep_the_words_of_the_phrase() {
        assert_eq!(mutate("check my order", 0, 0, "x"), "CHECK MY ORDER");
        assert_eq!(mutate("check my order", 2, 1, "x"), "check my order?");
        assert_eq!(mutate("check my order", 3, 4, "refund"), "refund check my order");
        assert_eq!(mutate("check my order", 4, 1, "x"), "check order my");
    }
}
