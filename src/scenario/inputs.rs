//! `expect.inputs`: checks of what a model call received, as the framework's model reads it
//! (the Responses input items under `openai-agents`, the Chat Completions messages after the
//! system message under the other profiles; [`crate::wire::items`]). Each check names one
//! call, by its agent and its number among that agent's calls or by its number in the run,
//! and says what its input held: how many items, what a given item is, what some item or no
//! item is. The checking itself is in [`super::received`].

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de::value::MapAccessDeserializer};

/// A check of one model call's input (`expect.inputs[i]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputCheck {
    /// The agent whose model was called. With `call`: its `call`-th call; with `n`: the run's
    /// `n`-th call, which must be this agent's.
    #[serde(default)]
    pub agent: Option<String>,
    /// Which call of `agent`'s model: 1 for its first, -1 for its last.
    #[serde(default)]
    pub call: Option<i64>,
    /// Which model call of the run, whatever the agent: 1 for the first, -1 for the last (a
    /// test's `model.calls[k]` is `n: k + 1`).
    #[serde(default)]
    pub n: Option<i64>,
    /// The exact number of items the call received after the instructions.
    #[serde(default)]
    pub count: Option<usize>,
    /// Checks of single items, each naming its place with `at`.
    #[serde(default)]
    pub items: Vec<ItemCheck>,
    /// Checks that some item passes (each by at least one item; no `at`).
    #[serde(default)]
    pub any: Vec<ItemCheck>,
    /// Checks that no item passes (no `at`): `{"type": "function_call"}`, no function call.
    #[serde(default)]
    pub none: Vec<ItemCheck>,
}

/// What one input item (or Chat message) must be. Every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemCheck {
    /// Under `items`: the item's place, 0 for the first, -1 for the last.
    #[serde(default)]
    pub at: Option<i64>,
    /// The Responses item's type: `message`, `function_call`, `function_call_output` (a Chat
    /// message has none).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The role: `user`, `assistant`, `tool` (a Chat tool message), `system`, `developer`.
    #[serde(default)]
    pub role: Option<String>,
    /// The item's whole text: a message's content, a function's output.
    #[serde(default)]
    pub text: Option<String>,
    /// Texts the item's text contains: a string (at least once), or `{"text": ..., "times":
    /// n}` (exactly n times, not overlapping, as Python's `str.count`).
    #[serde(default)]
    #[schemars(with = "Vec<NeedleForm>")]
    pub contains: Vec<Needle>,
    /// Texts the item's text does not contain.
    #[serde(default)]
    pub excludes: Vec<String>,
    /// The functions the item calls, in order, by the name offered: a `function_call` item's
    /// one, a Chat assistant message's `tool_calls`; `[]`: it calls none.
    #[serde(default)]
    pub calls: Option<Vec<String>>,
    /// The arguments of the one call the item makes, exactly (key order aside).
    #[serde(default)]
    pub arguments: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `expect.session`: what the session holds at the end of the run (under `profile.session`),
/// each item as a Responses input item, as `expect.inputs` sees a model call's input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionCheck {
    /// The exact number of items.
    #[serde(default)]
    pub count: Option<usize>,
    /// Checks of single items, each naming its place with `at` (0 for the first, -1 for the last).
    #[serde(default)]
    pub items: Vec<ItemCheck>,
    /// Checks that some item passes (no `at`).
    #[serde(default)]
    pub any: Vec<ItemCheck>,
    /// Checks that no item passes (no `at`).
    #[serde(default)]
    pub none: Vec<ItemCheck>,
}

/// A text an item must contain, and how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    /// The text.
    pub text: String,
    /// Exactly this many times; `None`: at least once.
    pub times: Option<usize>,
}

/// A text the item's text contains: a string (at least once), or `{"text": ..., "times": n}`
/// (exactly n times). The schema's view of a needle, read by its own `Deserialize`.
#[allow(dead_code)]
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
enum NeedleForm {
    /// Contained at least once.
    Text(String),
    /// Contained exactly `times` times.
    Counted(CountedNeedle),
}

/// A text contained exactly `times` times.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CountedNeedle {
    /// The text.
    text: String,
    /// How many times, exactly.
    times: usize,
}

impl<'de> Deserialize<'de> for Needle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Needle, D::Error> {
        struct Form;
        impl<'de> Visitor<'de> for Form {
            type Value = Needle;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a text, or {"text": ..., "times": n}"#)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Needle, E> {
                Ok(Needle {
                    text: text.to_string(),
                    times: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Needle, A::Error> {
                let counted = CountedNeedle::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Needle {
                    text: counted.text,
                    times: Some(counted.times),
                })
            }
        }
        deserializer.deserialize_any(Form)
    }
}

/// The roles an item can have.
const ROLES: [&str; 5] = ["user", "assistant", "tool", "system", "developer"];

impl InputCheck {
    /// Checks what loading can: the call is named one way, numbers are not 0, `at` is
    /// where it belongs, roles exist. An error is the place below `expect.inputs[i]` and
    /// the message.
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        let bad = |place: &str, message: &str| Err((place.to_string(), message.to_string()));
        match (&self.agent, self.call, self.n) {
            (None, None, None) => {
                return bad(
                    "",
                    "name the call: `agent` and `call` (its n-th call), or `n` (the run's n-th model call)",
                );
            }
            (None, Some(_), _) => return bad("call", "`call` counts an agent's calls: give `agent` too"),
            (Some(_), None, None) => {
                return bad(
                    "call",
                    "missing: which of the agent's calls (1 for its first, -1 for its last), or `n` instead",
                );
            }
            (_, Some(_), Some(_)) => return bad("n", "give `call` or `n`, not both"),
            _ => {}
        }
        if self.call == Some(0) {
            return bad("call", "calls are numbered from 1 (-1 for the last)");
        }
        if self.n == Some(0) {
            return bad("n", "model calls are numbered from 1 (-1 for the last)");
        }
        for (field, list) in [("items", &self.items), ("any", &self.any), ("none", &self.none)] {
            for (j, item) in list.iter().enumerate() {
                let place = format!("{field}[{j}]");
                match (field, item.at) {
                    ("items", None) => {
                        return Err((
                            format!("{place}.at"),
                            "missing: the item's place (0 for the first, -1 for the last)".into(),
                        ));
                    }
                    ("any" | "none", Some(_)) => {
                        return Err((
                            format!("{place}.at"),
                            format!("`{field}` looks at every item: put a check of one item under `items`"),
                        ));
                    }
                    _ => {}
                }
                if let Some(role) = item.role.as_deref().filter(|r| !ROLES.contains(r)) {
                    return Err((
                        format!("{place}.role"),
                        format!("unknown role `{role}`; one of: {}", ROLES.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Which call it names, for people: `closer's call 1`, `model call 3`.
    pub(crate) fn target(&self) -> String {
        let number = |n: i64, what: &str| match n {
            -1 => format!("last {what}"),
            n if n < 0 => format!("{what} {n} (from the end)"),
            n => format!("{what} {n}"),
        };
        match (&self.agent, self.call, self.n) {
            (Some(agent), Some(call), _) => format!("{agent}'s {}", number(call, "call")),
            (agent, _, Some(n)) => {
                let whose = agent.as_ref().map(|a| format!(" ({a}'s)")).unwrap_or_default();
                let call = number(n, "model call");
                match n {
                    -1 => format!("the {call}{whose}"),
                    _ => format!("{call}{whose}"),
                }
            }
            _ => "a model call".into(),
        }
    }

    /// What it expects, for people: the target, then each part.
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(count) = self.count {
            parts.push(crate::files::plural(count, "item"));
        }
        for item in &self.items {
            parts.push(format!("[{}] {}", item.at.unwrap_or_default(), item.describe()));
        }
        for item in &self.any {
            parts.push(format!("some item {}", item.describe()));
        }
        for item in &self.none {
            parts.push(format!("no item {}", item.describe()));
        }
        if parts.is_empty() {
            parts.push("made".into());
        }
        format!("{}: {}", self.target(), parts.join("; "))
    }
}

impl ItemCheck {
    /// What it expects of an item, for people: `role assistant, contains "x" once`.
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(kind) = &self.kind {
            parts.push(format!("type {kind}"));
        }
        if let Some(role) = &self.role {
            parts.push(format!("role {role}"));
        }
        if let Some(text) = &self.text {
            parts.push(format!("text {}", quoted(text)));
        }
        for needle in &self.contains {
            parts.push(match needle.times {
                None => format!("contains {}", quoted(&needle.text)),
                Some(n) => format!("contains {} {}", quoted(&needle.text), times(n)),
            });
        }
        for text in &self.excludes {
            parts.push(format!("excludes {}", quoted(text)));
        }
        if let Some(calls) = &self.calls {
            parts.push(match calls.is_empty() {
                true => "calls nothing".into(),
                false => format!("calls {}", calls.join(", ")),
            });
        }
        if let Some(arguments) = &self.arguments {
            parts.push(format!("arguments {}", serde_json::Value::Object(arguments.clone())));
        }
        if parts.is_empty() {
            parts.push("exists".into());
        }
        parts.join(", ")
    }
}

/// A text as JSON writes it, control characters and quotes escaped, long ones cut.
pub(crate) fn quoted(text: &str) -> String {
    const SHOWN: usize = 100;
    let head = crate::files::head(text, SHOWN);
    let json = serde_json::to_string(head).expect("a string serialises");
    match head.len() < text.len() {
        true => format!("{json}… ({} bytes)", text.len()),
        false => json,
    }
}

/// "once", "twice", "3 times", "0 times".
pub(crate) fn times(n: usize) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> InputCheck {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_needle_is_a_text_or_a_counted_text() {
        let c = check(r#"{"n": 1, "items": [{"at": 0, "contains": ["a", {"text": "b", "times": 2}]}]}"#);
        assert_eq!(
            c.items[0].contains,
            [
                Needle {
                    text: "a".into(),
                    times: None
                },
                Needle {
                    text: "b".into(),
                    times: Some(2)
                }
            ]
        );
        let error = serde_json::from_str::<InputCheck>(r#"{"n": 1, "any": [{"contains": [3]}]}"#).unwrap_err();
        assert!(
            error.to_string().contains(r#"a text, or {"text": ..., "times": n}"#),
            "{error}"
        );
        let error =
            serde_json::from_str::<InputCheck>(r#"{"n": 1, "any": [{"contains": [{"text": "a", "time": 1}]}]}"#)
                .unwrap_err();
        assert!(error.to_string().contains("unknown field `time`"), "{error}");
    }

    #[test]
    fn a_call_is_named_one_way_and_at_goes_where_it_belongs() {
        for (json, place, says) in [
            (r#"{"count": 1}"#, "", "name the call"),
            (r#"{"call": 1}"#, "call", "give `agent` too"),
            (r#"{"agent": "a"}"#, "call", "missing"),
            (r#"{"agent": "a", "call": 1, "n": 2}"#, "n", "not both"),
            (r#"{"agent": "a", "call": 0}"#, "call", "numbered from 1"),
            (r#"{"n": 0}"#, "n", "numbered from 1"),
            (r#"{"n": 1, "items": [{"role": "user"}]}"#, "items[0].at", "missing"),
            (
                r#"{"n": 1, "none": [{"at": 1}]}"#,
                "none[0].at",
                "put a check of one item under `items`",
            ),
            (
                r#"{"n": 1, "any": [{"role": "asistant"}]}"#,
                "any[0].role",
                "unknown role `asistant`",
            ),
        ] {
            let (at, message) = check(json).validate().unwrap_err();
            assert_eq!(at, place, "{json}");
            assert!(message.contains(says), "{json}: {message}");
        }
        assert!(check(r#"{"agent": "a", "n": -1}"#).validate().is_ok());
    }

    #[test]
    fn a_check_describes_its_call_and_parts() {
        let c = check(
            r#"{"agent": "closer", "call": 1, "count": 3,
                "items": [{"at": 0, "role": "assistant", "contains": [{"text": "<H>", "times": 1}], "excludes": ["x"]}],
                "none": [{"type": "function_call"}]}"#,
        );
        assert_eq!(
            c.describe(),
            r#"closer's call 1: 3 items; [0] role assistant, contains "<H>" once, excludes "x"; no item type function_call"#
        );
        assert_eq!(check(r#"{"n": -1}"#).describe(), "the last model call: made");
        assert_eq!(
            check(r#"{"agent": "b", "call": -2}"#).target(),
            "b's call -2 (from the end)"
        );
        assert_eq!(check(r#"{"n": 3, "agent": "b"}"#).target(), "model call 3 (b's)");
    }
}
