//! The regexes of `when.user` and `when.tool_result` (and of `handoff record --redact`),
//! built for what a scripted model does:
//! a few dozen patterns, compiled once per run, matched against short messages.
//!
//! Building a regex costs far more than matching one here, so the regex engine is set up to
//! build cheaply: no literal prefilter (extracting and optimising the literals of a
//! case-insensitive pattern is most of the build cost, and saves nothing on a one-line
//! message) and no one-pass DFA; matching uses the lazy DFA, captures the bounded
//! backtracker. The syntax and the matches are the `regex` crate's.
//!
//! The regex is shared by the copies of a pattern (each conversation of `handoff serve` and
//! each fuzzing thread has its own copy of the model): so is the lazy DFA it builds as it
//! matches, which every copy would otherwise build again and hold (about 230 KiB of each of
//! `handoff serve`'s conversations of the tutorial: BENCHMARKS.md).

use regex_automata::meta::{self, Regex};
use regex_automata::util::captures::Captures;

/// A compiled `when` regex.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// Shared: a clone of a `meta::Regex` starts with empty caches of its own.
    regex: std::sync::Arc<Regex>,
    /// The regex as written.
    source: std::sync::Arc<str>,
    /// Whether the regex has named groups to remember.
    named: bool,
}

impl Pattern {
    /// Compiles `source`; the error is the regex crate's diagnostic (pattern, caret, reason).
    pub(crate) fn new(source: &str) -> Result<Pattern, String> {
        let config = meta::Config::new().auto_prefilter(false).onepass(false);
        let regex = meta::Builder::new()
            .configure(config)
            .build(source)
            .map_err(|e| match e.syntax_error() {
                Some(syntax) => syntax.to_string(),
                None => e.to_string(),
            })?;
        let named = Pattern::names_of(&regex).next().is_some();
        Ok(Pattern {
            regex: regex.into(),
            source: source.into(),
            named,
        })
    }

    /// The regex as written.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Whether `text` has a match.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// `text` with every match replaced by `with`.
    pub(crate) fn replace_all(&self, text: &str, with: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in self.regex.find_iter(text) {
            out.push_str(&text[last..found.start()]);
            out.push_str(with);
            last = found.end();
        }
        out.push_str(&text[last..]);
        out
    }

    /// Whether the regex has named groups.
    pub(super) fn is_named(&self) -> bool {
        self.named
    }

    /// Its named groups, in order.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        Pattern::names_of(&self.regex)
    }

    /// Calls `found(name, text)` for each named group of the first match in `text` that took part.
    pub(super) fn captures<'t>(&self, text: &'t str, mut found: impl FnMut(&str, &'t str)) {
        let mut caps: Captures = self.regex.create_captures();
        self.regex.captures(text, &mut caps);
        if !caps.is_match() {
            return;
        }
        for name in self.names() {
            if let Some(span) = caps.get_group_by_name(name) {
                found(name, &text[span.range()]);
            }
        }
    }

    fn names_of(regex: &Regex) -> impl Iterator<Item = &str> {
        regex.group_info().all_names().filter_map(|(_, _, name)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_captures_like_the_regex_crate() {
        let p = Pattern::new(r"(?i)order id (?P<order_id>\d+)(?: because (?P<why>\w+))?").unwrap();
        assert!(p.is_named());
        assert_eq!(p.names().collect::<Vec<_>>(), ["order_id", "why"]);
        assert!(p.is_match("My ORDER ID 123"));
        assert!(!p.is_match("order 123"));
        let mut got = Vec::new();
        p.captures("my order id ٣٤ and order id 7", |name, text| {
            got.push((name.to_string(), text))
        });
        assert_eq!(
            got,
            [("order_id".to_string(), "٣٤")],
            "Unicode \\d; first match; absent groups skipped"
        );
    }

    #[test]
    fn unnamed_patterns_have_no_names() {
        let p = Pattern::new("(?i)status|(track)").unwrap();
        assert!(!p.is_named());
        assert!(p.is_match("TRACK it"));
    }

    #[test]
    fn a_bad_pattern_gives_the_diagnostic_with_a_caret() {
        let e = Pattern::new("(?i)order (").unwrap_err();
        assert!(e.contains("(?i)order ("), "{e}");
        assert!(e.contains('^'), "{e}");
        assert!(e.contains("unclosed group"), "{e}");
    }
}
