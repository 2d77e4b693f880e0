//! A reply that shrinks word by word: once the strategy it comes from can shrink it no
//! further, its words are dropped one at a time, left to right, while the case still fails.
//! A reply made of a scripted turn and a phrase of another rule ("ship I want a refund for
//! order 5") shrinks to the words that matter ("ship refund").

use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// Replies of `inner` that, after `inner`'s own shrinking, shrink by dropping words.
#[derive(Debug, Clone)]
pub(crate) struct DropWords<S>(pub(crate) S);

impl<S: Strategy<Value = String>> Strategy for DropWords<S> {
    type Tree = DropWordsTree<S::Tree>;
    type Value = String;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        Ok(DropWordsTree {
            inner: self.0.new_tree(runner)?,
            words: None,
        })
    }
}

/// The value tree of [`DropWords`].
#[derive(Debug, Clone)]
pub(crate) struct DropWordsTree<T> {
    inner: T,
    /// Once `inner` is done: the words, which are kept, the next to try dropping, and the
    /// one dropped last (restored if the reply then passes).
    words: Option<Words>,
}

#[derive(Debug, Clone)]
struct Words {
    words: Vec<String>,
    kept: Vec<bool>,
    next: usize,
    dropped: Option<usize>,
}

impl<T: ValueTree<Value = String>> ValueTree for DropWordsTree<T> {
    type Value = String;

    fn current(&self) -> String {
        match &self.words {
            None => self.inner.current(),
            Some(w) => {
                let kept = w
                    .words
                    .iter()
                    .zip(&w.kept)
                    .filter(|(_, k)| **k)
                    .map(|(w, _)| w.as_str());
                kept.collect::<Vec<_>>().join(" ")
            }
        }
    }

    fn simplify(&mut self) -> bool {
        if self.words.is_none() {
            if self.inner.simplify() {
                return true;
            }
            let words: Vec<String> = self.inner.current().split_whitespace().map(String::from).collect();
            self.words = Some(Words {
                kept: vec![true; words.len()],
                words,
                next: 0,
                dropped: None,
            });
        }
        let w = self.words.as_mut().expect("set above");
        w.dropped = None;
        // The last word is never dropped: a reply keeps at least one.
        while w.next < w.words.len() && w.kept.iter().filter(|k| **k).count() > 1 {
            let i = w.next;
            w.next += 1;
            if w.kept[i] {
                w.kept[i] = false;
                w.dropped = Some(i);
                return true;
            }
        }
        false
    }

    fn complicate(&mut self) -> bool {
        match &mut self.words {
            None => self.inner.complicate(),
            Some(w) => match w.dropped.take() {
                Some(i) => {
                    w.kept[i] = true;
                    true
                }
                None => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Just;

    /// Shrinks like proptest's runner: simplify while the value fails, complicate when it passes.
    fn shrink(reply: &str, fails: impl Fn(&str) -> bool) -> String {
        let mut runner = TestRunner::deterministic();
        let mut tree = DropWords(Just(reply.to_string())).new_tree(&mut runner).unwrap();
        assert!(fails(&tree.current()));
        let mut budget = 1000;
        while budget > 0 && tree.simplify() {
            budget -= 1;
            while !fails(&tree.current()) {
                if !tree.complicate() {
                    break;
                }
            }
        }
        tree.current()
    }

    #[test]
    fn words_that_do_not_matter_are_dropped_and_the_order_kept() {
        let mixed = |r: &str| r.contains("refund") && r.contains("ship");
        assert_eq!(shrink("ship I want a refund for order 5", mixed), "ship refund");
        assert_eq!(shrink("I want a refund to ship", mixed), "refund ship");
        assert_eq!(shrink("hello there", |_| true), "there", "one word is always kept");
        assert_eq!(shrink("refund", |_| true), "refund");
    }
}
