//! Naming the place of an error: JSON path steps, and "did you mean" hints for misspelled
//! names.

use std::fmt;

/// A "did you mean" suffix for unknown names (empty when nothing is close).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hint(pub Option<String>);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(name) => write!(f, " (did you mean `{name}`?)"),
            None => Ok(()),
        }
    }
}

/// Formats one step of a JSON path: `.name` for plain keys, `["odd key"]` otherwise.
pub fn json_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        format!(".{key}")
    } else {
        format!("[{}]", serde_json::Value::String(key.to_string()))
    }
}

/// The closest of `candidates` to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Hint {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&name.to_lowercase(), &c.to_lowercase()), c))
        .min();
    Hint(
        best.filter(|&(d, c)| d <= (c.len() / 3).max(2))
            .map(|(_, c)| c.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_key_quotes_odd_keys() {
        assert_eq!(json_key("Triage"), ".Triage");
        assert_eq!(json_key("a b"), "[\"a b\"]");
    }
}
