//! The OpenAI Agents SDK's run options in the forms a scenario can say them: a built-in
//! handoff input filter by name, the wrappers of a nested history's summary, the final output
//! of a `max_turns` error handler.

use serde::de;

use crate::engine::{HandlerOutput, InputFilter};

/// The input filter a name names, or the filters a list names, applied in order (a filter of
/// other code is the app's own).
pub(super) fn input_filter<E: de::Error>(value: serde_json::Value) -> Result<Vec<InputFilter>, E> {
    use serde_json::Value;
    let named = |name: &str| {
        InputFilter::named(name).ok_or_else(|| {
            E::custom(format!(
                "unknown input filter `{name}`: one of {}, or a list of them applied in order (a filter of other code is the app's own: `handoff serve` runs it)",
                InputFilter::NAMES.join(", ")
            ))
        })
    };
    match value {
        Value::String(name) => Ok(vec![named(&name)?]),
        Value::Array(names) if !names.is_empty() => names
            .iter()
            .map(|n| {
                n.as_str()
                    .ok_or_else(|| E::custom("an input filter list holds filter names"))
                    .and_then(named)
            })
            .collect(),
        _ => Err(E::custom(format!(
            "an input filter is one of {}, or a non-empty list of them applied in order",
            InputFilter::NAMES.join(", ")
        ))),
    }
}

/// `host_continuation`: whether the host goes on from `result.to_input_list(mode="normalized")`.
pub(super) fn host_continuation<E: de::Error>(mode: String) -> Result<bool, E> {
    match mode.as_str() {
        "preserve_all" => Ok(false),
        "normalized" => Ok(true),
        other => Err(E::unknown_variant(other, &["preserve_all", "normalized"])),
    }
}

/// `agents.handoffs.set_conversation_history_wrappers(start=..., end=...)`: either side may
/// be left as it is.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Wrappers {
    pub(super) start: Option<String>,
    pub(super) end: Option<String>,
}

/// `Runner.run(..., error_handlers={"max_turns": ..., "model_refusal": ...})` in the forms a
/// scenario can say: each handler's final output as text, or `{"final_output": text,
/// "include_in_history": bool}` (`RunErrorHandlerResult`). A handler that computes its output
/// is the app's own code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ErrorHandlers {
    /// `error_handlers["max_turns"]`.
    pub(super) max_turns: Option<HandlerOutput>,
    /// `error_handlers["model_refusal"]`.
    pub(super) model_refusal: Option<HandlerOutput>,
}

/// Reads `error_handlers`.
pub(super) fn error_handlers<E: de::Error>(value: serde_json::Value) -> Result<ErrorHandlers, E> {
    use serde_json::Value;
    let form = r#"{"max_turns": "final output"} or {"model_refusal": {"final_output": "...", "include_in_history": false}} (a handler that computes its output is the app's code: `handoff serve` runs it)"#;
    let bad = |kind: &str| E::custom(format!("`error_handlers.{kind}` is a final output: {form}"));
    let Value::Object(handlers) = value else {
        return Err(E::custom(format!("`error_handlers` is {form}")));
    };
    if let Some(kind) = handlers.keys().find(|k| *k != "max_turns" && *k != "model_refusal") {
        return Err(E::custom(format!(
            "`error_handlers.{kind}`: a scenario gives the `max_turns` and `model_refusal` handlers only ({form})"
        )));
    }
    let output = |kind: &str| -> Result<Option<HandlerOutput>, E> {
        Ok(Some(match handlers.get(kind) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(text)) => HandlerOutput {
                text: text.clone(),
                include_in_history: true,
            },
            Some(Value::Object(result)) => {
                if result.keys().any(|k| k != "final_output" && k != "include_in_history") {
                    return Err(bad(kind));
                }
                let Some(Value::String(text)) = result.get("final_output") else {
                    return Err(bad(kind));
                };
                let include_in_history = match result.get("include_in_history") {
                    None => true,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Err(bad(kind)),
                };
                HandlerOutput {
                    text: text.clone(),
                    include_in_history,
                }
            }
            Some(_) => return Err(bad(kind)),
        }))
    };
    Ok(ErrorHandlers {
        max_turns: output("max_turns")?,
        model_refusal: output("model_refusal")?,
    })
}
