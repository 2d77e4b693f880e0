//! A handoff edge's `is_enabled` as a scenario writes it (the OpenAI Agents SDK's
//! `handoff(agent, is_enabled=...)`): `true` or `false`, or a condition the SDK's callable
//! evaluates on the run's input before each model call of the agent:
//! `{"input_matches": regex}`, `{"user_messages": n}`, `{"raises": "RuntimeError: ..."}`.

use serde::de;
use serde_json::Value;

use crate::design::Design;
use crate::engine::{Enablement, HandoffCondition};
use crate::files::json_key;

/// The forms, for errors.
const FORMS: &str = r#"`is_enabled` is true or false, or a condition on the run's input: {"input_matches": regex}, {"user_messages": n} or {"raises": "RuntimeError: ..."} (a callable reading anything else runs the app's code: `handoff serve` runs it)"#;

/// `is_enabled`: whether the handoff is declared enabled, and its condition, if any.
pub(super) fn parse<E: de::Error>(value: Value) -> Result<(bool, Option<Enablement>), E> {
    let bad = |why: &str| E::custom(format!("{why}; {FORMS}"));
    let object = match value {
        Value::Bool(enabled) => return Ok((enabled, None)),
        Value::Object(object) => object,
        _ => return Err(bad("not a condition")),
    };
    let mut keys = object.keys();
    let (Some(key), None) = (keys.next(), keys.next()) else {
        return Err(bad("give one condition"));
    };
    let when = match (key.as_str(), &object[key]) {
        ("input_matches", Value::String(pattern)) => Enablement::input_matches(pattern)
            .map_err(|e| E::custom(format!("`is_enabled.input_matches` is no regex: {e}")))?,
        ("user_messages", Value::Number(n)) => {
            let n = n.as_u64().filter(|&n| n <= u64::from(u32::MAX));
            Enablement::UserMessages(n.ok_or_else(|| bad("`user_messages` is a whole number"))? as u32)
        }
        ("raises", Value::String(error)) if !error.trim().is_empty() => Enablement::Raises(error.clone()),
        (other, _) => return Err(bad(&format!("`{other}` is not a condition of this form"))),
    };
    Ok((true, Some(when)))
}

/// The conditional handoffs declared (source, target, condition: an edge declared several
/// times gives its last declaration's, the handoff the SDK offers), resolved with `design`.
/// A request says which of an agent's first 64 functions are left out (a bit each): a
/// conditional handoff's agent offers at most that many.
pub(super) fn conditions(
    declared: Vec<(String, String, Enablement)>,
) -> impl Fn(&Design) -> Result<Vec<HandoffCondition>, (String, String)> {
    move |design: &Design| {
        let mut conditions = Vec::with_capacity(declared.len());
        for (source, target, when) in &declared {
            let (Some(source_id), Some(target_id)) = (design.find(source), design.find(target)) else {
                continue;
            };
            if design.tools(source_id).len() > 64 {
                return Err((
                    format!("handoffs{}{}.is_enabled", json_key(source), json_key(target)),
                    format!(
                        "`{source}` offers more than 64 functions: a condition on its handoffs is for agents with at most 64"
                    ),
                ));
            }
            conditions.push(HandoffCondition {
                source: source_id,
                target: target_id,
                when: when.clone(),
            });
        }
        Ok(conditions)
    }
}

/// The JSON Schema of `is_enabled`.
pub(super) fn json_schema() -> Value {
    serde_json::json!({
        "description": "openai-agents only: handoff(agent, is_enabled=...). false: never offered (left out before the SDK compares names; a call to its function is a call to a function the agent does not have); true (default): always. A condition is the callable evaluated before each of the agent's model calls on the run's input (ctx.turn_input: the conversation the current Runner.run started from, or the nested input a handoff made): input_matches (a message's text matches the regex), user_messages (at least n user messages), raises (the check fails: Runner.run raises this exception before the model is called).",
        "anyOf": [
            { "type": "boolean" },
            { "type": "object", "properties": { "input_matches": { "type": "string" } }, "required": ["input_matches"], "additionalProperties": false },
            { "type": "object", "properties": { "user_messages": { "type": "integer", "minimum": 0, "maximum": u32::MAX } }, "required": ["user_messages"], "additionalProperties": false },
            { "type": "object", "properties": { "raises": { "type": "string" } }, "required": ["raises"], "additionalProperties": false }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(bool, Option<Enablement>), String> {
        parse::<serde_json::Error>(serde_json::from_str(text).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn is_enabled_is_a_bool_or_one_condition() {
        assert_eq!(read("false").unwrap(), (false, None));
        assert_eq!(
            read(r#"{"user_messages": 2}"#).unwrap(),
            (true, Some(Enablement::UserMessages(2)))
        );
        assert!(matches!(
            read(r#"{"input_matches": "(?i)vip"}"#).unwrap().1,
            Some(Enablement::InputMatches { .. })
        ));
        for (text, words) in [
            (r#"{"input_matches": "("}"#, "is no regex"),
            (r#"{"user_messages": 1, "raises": "E: x"}"#, "give one condition"),
            (r#"{"when": "x"}"#, "`when` is not a condition"),
            (r#"{"raises": ""}"#, "`raises` is not a condition"),
            ("\"yes\"", "not a condition"),
        ] {
            let e = read(text).unwrap_err();
            assert!(e.contains(words), "{text}: {e}");
        }
    }
}
