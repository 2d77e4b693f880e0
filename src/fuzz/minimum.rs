//! A failing case taken to a local minimum. Proptest's shrinking stops where its strategy
//! cannot simplify (a conversation that follows the script keeps its turns, so a bounce that
//! one reply triggers could stay six replies long); [`local_minimum`] then drops replies and
//! words of replies while the case still fails, until no single one can be dropped.

use super::Case;

/// `case`, made smaller while `fails` holds (it holds for `case`): replies are dropped, then
/// words of replies, in passes from the first to the last, until a whole pass drops nothing:
/// then no single reply or word can be dropped from the result and still fail. A pass goes
/// on from where it dropped something, so it costs one check per reply and word.
pub(crate) fn local_minimum(mut case: Case, mut fails: impl FnMut(&Case) -> bool) -> Case {
    loop {
        let mut dropped = false;
        let mut i = 0;
        while i < case.replies.len() {
            let mut fewer = case.clone();
            fewer.replies.remove(i);
            if fails(&fewer) {
                case = fewer;
                dropped = true;
            } else {
                i += 1;
            }
        }
        for i in 0..case.replies.len() {
            let mut j = 0;
            loop {
                let words: Vec<&str> = case.replies[i].split_whitespace().collect();
                // Dropping a reply's only word is dropping the reply, tried above.
                if words.len() < 2 || j >= words.len() {
                    break;
                }
                let mut shorter = case.clone();
                shorter.replies[i] = words
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != j)
                    .map(|(_, w)| *w)
                    .collect::<Vec<_>>()
                    .join(" ");
                if fails(&shorter) {
                    case = shorter;
                    dropped = true;
                } else {
                    j += 1;
                }
            }
        }
        if !dropped {
            return case;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every case one step smaller than `case`: a reply dropped, or a word of one.
    fn neighbours(case: &Case) -> Vec<Case> {
        let mut all = Vec::new();
        for i in 0..case.replies.len() {
            let mut fewer = case.clone();
            fewer.replies.remove(i);
            all.push(fewer);
            let words: Vec<&str> = case.replies[i].split_whitespace().collect();
            for j in 0..words.len() {
                let mut shorter = case.clone();
                let kept: Vec<&str> = words
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != j)
                    .map(|(_, w)| *w)
                    .collect();
                shorter.replies[i] = kept.join(" ");
                if !shorter.replies[i].is_empty() {
                    all.push(shorter);
                }
            }
        }
        all
    }

    fn case(replies: &[&str]) -> Case {
        Case {
            replies: replies.iter().map(|r| r.to_string()).collect(),
            overrides: Vec::new(),
        }
    }

    #[test]
    fn a_bounce_that_one_reply_triggers_shrinks_to_that_reply() {
        // The planted case of the issue: `wifi` alone sends the request back and forth.
        let bounces = |c: &Case| c.replies.iter().any(|r| r.split_whitespace().any(|w| w == "wifi"));
        let long = case(&[
            "I need help with my account",
            "my order id is 123",
            "hello the wifi is down again",
            "refund",
            "No, bye",
            "thanks",
        ]);
        assert_eq!(local_minimum(long, bounces), case(&["wifi"]));
    }

    proptest! {
        /// Whatever the case and wherever the failure is planted, the result still fails and
        /// none of its neighbours does.
        #[test]
        fn the_result_is_a_local_minimum(
            replies in prop::collection::vec(prop::collection::vec(prop::sample::select(vec!["a", "b", "x", "wifi", "no"]), 1..5), 1..7),
            rule in 0..3usize,
        ) {
            let fails = |c: &Case| match rule {
                // One word anywhere.
                0 => c.replies.iter().any(|r| r.contains("wifi")),
                // Two words in one reply.
                1 => c.replies.iter().any(|r| r.contains('a') && r.contains('b')),
                // Two replies with `x`, and at least three replies.
                _ => c.replies.iter().filter(|r| r.contains('x')).count() >= 2 && c.replies.len() >= 3,
            };
            let start = Case { replies: replies.iter().map(|r| r.join(" ")).collect(), overrides: Vec::new() };
            prop_assume!(fails(&start));
            let minimum = local_minimum(start, fails);
            prop_assert!(fails(&minimum));
            for smaller in neighbours(&minimum) {
                prop_assert!(!fails(&smaller), "{:?} still fails, so {:?} is not a local minimum", smaller.replies, minimum.replies);
            }
        }
    }
}
