//! Why a script could not answer a model call, for a person (one rule per line) and for a
//! machine (structured fields): each rule tried with its JSON path, the condition that did not
//! hold and the text or call number it was tried on, and hints where the mistake may really
//! be: another agent's rule that would have answered this input (the run should have been
//! there), or a regex one word away from matching (a typo).

use std::fmt::{self, Write};

use serde_json::{Value, json};

use super::compile::{AgentScript, Compiled, CompiledStep};
use super::pattern::Pattern;
use crate::engine::{ModelError, ModelRequest};
use crate::files::{SHOWN_BYTES, cut, json_key};

/// What a rule is tried on: the agent's call number, the latest user message, the tool
/// result of this turn (function name, text).
#[derive(Debug, Clone, Copy)]
pub(super) struct Input<'a> {
    pub(super) call: u32,
    pub(super) user: Option<&'a str>,
    pub(super) tool_result: Option<(&'a str, &'a str)>,
}

impl<'a> Input<'a> {
    /// The input of a model call.
    pub(super) fn of(request: &ModelRequest<'a>) -> Input<'a> {
        Input {
            call: request.call_number(),
            user: request.latest_user_message(),
            tool_result: request.tool_result().and_then(|(name, o)| o.text().map(|t| (name, t))),
        }
    }

    /// `latest user message: "..."; tool result of `f`: "..."` (or `no tool result in this turn`).
    pub(super) fn describe(&self) -> String {
        let user = cut(self.user.unwrap_or(""), SHOWN_BYTES);
        let tool = match self.tool_result {
            Some((name, text)) => format!("tool result of `{name}`: {:?}", cut(text, SHOWN_BYTES)),
            None => "no tool result in this turn".into(),
        };
        format!("latest user message: {user:?}; {tool}")
    }

    /// The input as JSON fields: `call`, `user`, `tool_result` (`{tool, text}` or null);
    /// a text of megabytes is cut.
    fn json(&self) -> Value {
        json!({
            "call": self.call,
            "user": self.user.map(|t| cut(t, SHOWN_BYTES)),
            "tool_result": self.tool_result.map(|(tool, text)| json!({ "tool": tool, "text": cut(text, SHOWN_BYTES) })),
        })
    }
}

/// The condition of a rule that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Miss<'a> {
    /// `when.call`: the call number is outside the range.
    Call { call: u32, min: u32, max: Option<u32> },
    /// `when.tool_result`: this turn has no tool result.
    NoToolResult { regex: &'a str },
    /// `when.tool_result`: the tool result does not match.
    ToolResult { regex: &'a str, text: &'a str },
    /// `when.user`: the latest user message does not match.
    User { regex: &'a str, text: &'a str },
}

impl fmt::Display for Miss<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::Call { call, .. } => write!(f, "this is call #{call}"),
            Miss::NoToolResult { .. } => f.write_str("no tool result in this turn"),
            Miss::ToolResult { .. } => f.write_str("the tool result does not match"),
            Miss::User { .. } => f.write_str("the user message does not match"),
        }
    }
}

impl Miss<'_> {
    fn json(&self) -> Value {
        let mut value = match self {
            Miss::Call { call, min, max } => {
                json!({ "condition": "call", "call": call, "min": min, "max": max })
            }
            Miss::NoToolResult { regex } => {
                json!({ "condition": "tool_result", "regex": regex, "text": null, "missing": true })
            }
            Miss::ToolResult { regex, text } => {
                json!({ "condition": "tool_result", "regex": regex, "text": cut(text, SHOWN_BYTES), "missing": false })
            }
            Miss::User { regex, text } => {
                json!({ "condition": "user", "regex": regex, "text": cut(text, SHOWN_BYTES) })
            }
        };
        value["why"] = self.to_string().into();
        value
    }
}

/// The first condition of `step` that does not hold on `input`, or `Ok` if it matches.
pub(super) fn matches<'s>(step: &'s CompiledStep, input: &Input<'s>) -> Result<(), Miss<'s>> {
    if let Some(range) = step.call {
        let n = input.call;
        if n < range.min || range.max.is_some_and(|max| n > max) {
            return Err(Miss::Call {
                call: n,
                min: range.min,
                max: range.max,
            });
        }
    }
    if let Some(p) = &step.tool_result {
        match input.tool_result {
            None => return Err(Miss::NoToolResult { regex: p.source() }),
            Some((_, text)) if !p.is_match(text) => {
                return Err(Miss::ToolResult {
                    regex: p.source(),
                    text,
                });
            }
            Some(_) => {}
        }
    }
    if let Some(p) = &step.user {
        let text = input.user.unwrap_or("");
        if !p.is_match(text) {
            return Err(Miss::User {
                regex: p.source(),
                text,
            });
        }
    }
    Ok(())
}

/// Another agent's script, to look for the rule that would have answered: its name and
/// the call number its next call would have.
pub(super) struct Other<'a> {
    pub(super) name: &'a str,
    pub(super) script: &'a AgentScript,
    pub(super) next_call: u32,
}

/// The error of a call no rule of `name` answers: the rules tried, one per line, and hints.
pub(super) fn no_rule(name: &str, rules: &[CompiledStep], input: &Input<'_>, others: &[Other<'_>]) -> ModelError {
    let place = format!("model.scripted{}", json_key(name));
    let mut out = format!(
        "no rule of `{name}` matches its model call #{} ({})\n  rules tried, in order:",
        input.call,
        input.describe()
    );
    let mut tried = Vec::with_capacity(rules.len());
    for (i, rule) in rules.iter().enumerate() {
        let miss = matches(rule, input).expect_err("no rule matched");
        let _ = write!(out, "\n    {}: {miss}", rule.source);
        let mut value = miss.json();
        value["path"] = format!("{place}.rules[{i}]").into();
        value["rule"] = rule.source.clone().into();
        tried.push(value);
    }
    let hints = hints(name, rules, input, others);
    for hint in &hints {
        let _ = write!(out, "\n  hint: {}", hint["message"].as_str().unwrap_or_default());
    }
    let mut detail = input.json();
    detail["kind"] = "no-rule".into();
    detail["agent"] = name.into();
    detail["rules"] = tried.into();
    detail["hints"] = hints.into();
    ModelError::new(out).with_detail(detail)
}

/// The structured fields of another failure of a script (`kind`: `no-script`,
/// `responses-used-up`, `missing-capture`), with the input.
pub(super) fn failure(kind: &str, name: &str, input: &Input<'_>, message: String, extra: Value) -> ModelError {
    let mut detail = input.json();
    detail["kind"] = kind.into();
    detail["agent"] = name.into();
    if let Value::Object(fields) = extra {
        for (key, value) in fields {
            detail[key] = value;
        }
    }
    ModelError::new(message).with_detail(detail)
}

/// At most this many hints follow a failure.
const MAX_HINTS: usize = 3;

/// Where the mistake may be: a regex of this agent one word away from matching, a rule of
/// another agent that would have answered this user message, a regex of another agent one
/// word away from it.
fn hints(name: &str, rules: &[CompiledStep], input: &Input<'_>, others: &[Other<'_>]) -> Vec<Value> {
    let mut hints = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        hints.extend(typos(name, i, rule, input));
    }
    // Another agent sees the user message, not this turn's tool result.
    for other in others {
        let Compiled::Rules(steps) = &other.script.compiled else {
            continue;
        };
        let theirs = Input {
            call: other.next_call,
            user: input.user,
            tool_result: None,
        };
        let Some((i, rule)) = steps.iter().enumerate().find(|(_, r)| matches(r, &theirs).is_ok()) else {
            continue;
        };
        // A catch-all answers anything: it says nothing about this input.
        let Some(regex) = rule.user.as_ref().map(Pattern::source) else {
            continue;
        };
        let path = format!("model.scripted{}.rules[{i}]", json_key(other.name));
        hints.push(json!({
            "kind": "other-agent",
            "agent": other.name,
            "path": path,
            "condition": "user",
            "regex": regex,
            "message": format!(
                "{}'s {} would have matched this text: did you mean `{name}` to hand off to `{}` before this call (is a handoff rule missing or mistyped)?",
                other.name, rule.source, other.name
            ),
        }));
    }
    for other in others {
        if let Compiled::Rules(steps) = &other.script.compiled {
            let theirs = Input {
                call: other.next_call,
                user: input.user,
                tool_result: None,
            };
            for (i, rule) in steps.iter().enumerate() {
                hints.extend(typos(other.name, i, rule, &theirs));
            }
        }
    }
    hints.truncate(MAX_HINTS);
    hints
}

/// The regexes of `rule` that do not match their text but would with one word of the
/// regex replaced by a word of the text within two edits of it.
fn typos(agent: &str, i: usize, rule: &CompiledStep, input: &Input<'_>) -> Vec<Value> {
    let mut found = Vec::new();
    let conditions = [
        ("user", &rule.user, input.user),
        ("tool_result", &rule.tool_result, input.tool_result.map(|(_, t)| t)),
    ];
    for (condition, pattern, text) in conditions {
        let (Some(pattern), Some(text)) = (pattern, text) else {
            continue;
        };
        if pattern.is_match(text) {
            continue;
        }
        let Some((written, meant, fixed)) = one_word_off(pattern.source(), text) else {
            continue;
        };
        let path = format!("model.scripted{}.rules[{i}].when.{condition}", json_key(agent));
        found.push(json!({
            "kind": "typo",
            "agent": agent,
            "path": path,
            "condition": condition,
            "regex": pattern.source(),
            "word": written,
            "text_word": meant,
            "fixed": fixed,
            "message": format!(
                "{path} /{}/ would match this text if `{written}` were `{meant}`: did you mean /{fixed}/?",
                pattern.source()
            ),
        }));
    }
    found
}

/// A word of `source` (letters not after a backslash) that, replaced by a word of `text`
/// within two edits of it (one for words under five letters), makes the regex match:
/// (the word, the text's word, the fixed regex).
pub(crate) fn one_word_off(source: &str, text: &str) -> Option<(String, String, String)> {
    let words = |s: &str| -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let mut start = None;
        let mut previous = ' ';
        for (at, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
            match (c.is_alphabetic(), start) {
                // The letter after a backslash is an escape (`\b`, `\d`); a word may follow it.
                (true, None) if previous == '\\' => {}
                (true, None) => start = Some(at),
                (false, Some(from)) => {
                    spans.push((from, at));
                    start = None;
                }
                _ => {}
            }
            previous = c;
        }
        spans
    };
    // Each word of the text with its length: a word whose length differs by more than the
    // edits allowed is not compared (which keeps a long text cheap).
    let text_words: Vec<(usize, usize, usize)> = words(text)
        .into_iter()
        .map(|(a, b)| (a, b, text[a..b].chars().count()))
        .collect();
    for (from, to) in words(source) {
        let word = &source[from..to];
        let length = word.chars().count();
        if length < 3 {
            continue;
        }
        let allowed = if length < 5 { 1 } else { 2 };
        for &(a, b, other) in &text_words {
            if other.abs_diff(length) > allowed {
                continue;
            }
            let candidate = &text[a..b];
            let distance = strsim::levenshtein(&word.to_lowercase(), &candidate.to_lowercase());
            if distance == 0 || distance > allowed {
                continue;
            }
            let fixed = format!("{}{candidate}{}", &source[..from], &source[to..]);
            if Pattern::new(&fixed).is_ok_and(|p| p.is_match(text)) {
                return Some((word.to_string(), candidate.to_string(), fixed));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_two_edits_off_is_found_and_fixed() {
        let found = one_word_off(r"(?i)seriel (?P<serial>\d+)", "Serial 42");
        assert_eq!(
            found,
            Some(("seriel".into(), "Serial".into(), r"(?i)Serial (?P<serial>\d+)".into()))
        );
    }

    #[test]
    fn escapes_short_words_and_far_words_are_not_typos() {
        // `\d` is an escape, not the word `d`; `refund` is far from `laptop`.
        assert_eq!(one_word_off(r"\d+ refund", "42 laptop"), None);
        // The word after an escape letter is still a word.
        assert_eq!(
            one_word_off(r"\blaptp", "my laptop").map(|f| f.2),
            Some(r"\blaptop".to_string())
        );
        // A word that already matches is no typo.
        assert_eq!(one_word_off("laptop", "laptop"), None);
        // A replacement that still does not match is not offered.
        assert_eq!(one_word_off("^laptp$", "my laptop"), None);
    }
}
