//! A result the app's own tool computes: under `handoff serve` the harness does not run the
//! user's tools, the app does, and a tool whose result cannot be foretold (a random number, a
//! timestamp, an id) is checked by a regular expression instead of being compared.

use std::sync::Arc;

use regex_automata::meta::Regex;

/// The regular expression every result of a tool must match (`"result": {"matches": ...}`).
#[derive(Debug, Clone)]
pub struct ResultPattern {
    source: Arc<str>,
    regex: Regex,
}

impl ResultPattern {
    /// Compiles `source`; the error says why it is not a regular expression.
    pub fn new(source: &str) -> Result<ResultPattern, String> {
        let regex = Regex::new(source).map_err(|e| format!("`{source}` is not a regular expression: {e}"))?;
        Ok(ResultPattern {
            source: source.into(),
            regex,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `result` matches it (anywhere, unless anchored with `^`/`$`).
    pub fn is_match(&self, result: &str) -> bool {
        self.regex.is_match(result)
    }
}

impl PartialEq for ResultPattern {
    fn eq(&self, other: &ResultPattern) -> bool {
        self.source == other.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_matches_by_its_expression_and_compares_by_its_source() {
        let number = ResultPattern::new(r"^\d+$").unwrap();
        assert!(number.is_match("94") && !number.is_match("ninety"));
        assert_eq!(number, ResultPattern::new(r"^\d+$").unwrap());
        assert!(
            ResultPattern::new("(")
                .unwrap_err()
                .contains("`(` is not a regular expression")
        );
    }
}
