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

/// `Runner.run(..., error_handlers={"max_turns": ..., "model_refusal": ..., "invalid_final_output":
/// ...})` in the forms a
/// scenario can say: each handler's final output, any JSON value (a string, an object, a
/// list: what the handler returns), or `{"final_output": value, "include_in_history": bool}`
/// (`RunErrorHandlerResult`, which the SDK also reads from a dict with a `final_output` key).
/// A handler that computes its output is the app's own code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ErrorHandlers {
    /// `error_handlers["max_turns"]`.
    pub(super) max_turns: Option<HandlerOutput>,
    /// `error_handlers["model_refusal"]`.
    pub(super) model_refusal: Option<HandlerOutput>,
    /// `error_handlers["invalid_final_output"]`.
    pub(super) invalid_final_output: Option<HandlerOutput>,
}

/// A JSON value read with its objects' keys in file order (Python's dicts keep the order the
/// handler wrote them in, and `str()` of one shows it).
#[derive(serde::Deserialize)]
#[serde(untagged)]
pub(super) enum Ordered {
    /// `null` (Python's `None`).
    Null(()),
    /// `true`, `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A list.
    Array(Vec<Ordered>),
    /// A dict, its keys in file order.
    Object(crate::files::OrderedMap<Ordered>),
}

impl Ordered {
    /// The value (keys sorted, as `serde_json` keeps them).
    fn value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Ordered::Null(()) => Value::Null,
            Ordered::Bool(b) => Value::Bool(*b),
            Ordered::Number(n) => Value::Number(n.clone()),
            Ordered::String(s) => Value::String(s.clone()),
            Ordered::Array(items) => Value::Array(items.iter().map(Ordered::value).collect()),
            Ordered::Object(o) => Value::Object(o.0.iter().map(|(k, v)| (k.clone(), v.value())).collect()),
        }
    }

    /// Python's `str()` of the value: a string as it is, anything else as `repr` writes it,
    /// a dict's keys in their order.
    fn python_str(&self) -> String {
        match self {
            Ordered::String(s) => s.clone(),
            other => other.repr(),
        }
    }

    /// Python's `repr` of the value.
    fn repr(&self) -> String {
        use crate::design::python_repr;
        match self {
            Ordered::String(s) => python_repr(s),
            Ordered::Object(o) => format!(
                "{{{}}}",
                o.0.iter()
                    .map(|(k, v)| format!("{}: {}", python_repr(k), v.repr()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ordered::Array(items) => format!("[{}]", items.iter().map(Ordered::repr).collect::<Vec<_>>().join(", ")),
            scalar => crate::design::python_str(&scalar.value()),
        }
    }
}

/// Reads `error_handlers`.
pub(super) fn error_handlers<E: de::Error>(handlers: crate::files::OrderedMap<Ordered>) -> Result<ErrorHandlers, E> {
    let form = r#"{"max_turns": final output} or {"model_refusal": {"final_output": ..., "include_in_history": false}}, a final output any JSON value (a handler that computes its output is the app's code: `handoff serve` runs it)"#;
    let bad = |kind: &str| E::custom(format!("`error_handlers.{kind}` is a final output: {form}"));
    const KINDS: [&str; 3] = ["max_turns", "model_refusal", "invalid_final_output"];
    if let Some((kind, _)) = handlers.0.iter().find(|(k, _)| !KINDS.contains(&k.as_str())) {
        return Err(E::custom(format!(
            "`error_handlers.{kind}`: the SDK's handlers are `max_turns`, `model_refusal` and `invalid_final_output` ({form})"
        )));
    }
    let output = |kind: &str| -> Result<Option<HandlerOutput>, E> {
        let given = handlers.0.iter().find(|(k, _)| k == kind).map(|(_, v)| v);
        Ok(Some(match given {
            // A handler that returns None: the SDK raises the error as without one.
            None | Some(Ordered::Null(())) => return Ok(None),
            // A dict with `final_output` is a RunErrorHandlerResult (its other keys refused).
            Some(Ordered::Object(result)) if result.0.iter().any(|(k, _)| k == "final_output") => {
                if result
                    .0
                    .iter()
                    .any(|(k, _)| k != "final_output" && k != "include_in_history")
                {
                    return Err(bad(kind));
                }
                let mut output = None;
                let mut include_in_history = true;
                for (key, value) in &result.0 {
                    match (key.as_str(), value) {
                        ("final_output", value) => output = Some(value),
                        ("include_in_history", Ordered::Bool(b)) => include_in_history = *b,
                        _ => return Err(bad(kind)),
                    }
                }
                let output = output.expect("checked above");
                HandlerOutput {
                    value: output.value(),
                    text: output.python_str(),
                    include_in_history,
                }
            }
            Some(value) => HandlerOutput {
                value: value.value(),
                text: value.python_str(),
                include_in_history: true,
            },
        }))
    };
    Ok(ErrorHandlers {
        max_turns: output("max_turns")?,
        model_refusal: output("model_refusal")?,
        invalid_final_output: output("invalid_final_output")?,
    })
}

/// A step's `reasoning` (what the OpenAI Agents SDK keeps of a Responses `reasoning` output
/// item) under another profile than `openai-agents`: the place of the first, and why.
pub(super) fn reasoning(
    scripts: &[(String, crate::scripted::Script)],
    profile: &crate::engine::Profile,
) -> Result<(), (String, String)> {
    if profile == &crate::engine::Profile::OPENAI_AGENTS {
        return Ok(());
    }
    let at = |name: &str, script: &crate::scripted::Script| {
        let lists = [("rules", &script.rules), ("responses", &script.responses)];
        lists.into_iter().find_map(|(key, steps)| {
            let i = steps.as_ref()?.iter().position(|s| s.reasoning.is_some())?;
            Some(format!("model.scripted.{name}.{key}[{i}].reasoning"))
        })
    };
    match scripts.iter().find_map(|(name, script)| at(name, script)) {
        Some(place) => Err((
            place,
            format!(
                "a reasoning item is what `openai-agents` keeps of a Responses `reasoning` output; `{}` reads Chat Completions, where the scenario cannot say what it does with one",
                profile.name
            ),
        )),
        None => Ok(()),
    }
}
