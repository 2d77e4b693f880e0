//! The OpenAI Agents SDK's sessions in a scenario: `profile.session` (the app's host keeps a
//! session and passes each `Runner.run` only the new message) and `expect.session`, a check
//! of the items the session holds at the end of the run, written as `expect.inputs` checks
//! one model call's input (the same item checks, [`super::inputs::ItemCheck`]); the check's
//! form is [`SessionCheck`].

use serde::de;

use super::Check;
use super::inputs::{InputCheck, SessionCheck};
use super::received::{brief, mismatches};
use crate::engine::{Run, session_items};
use crate::files::plural;

/// Reads `profile.session`: `true` (the host keeps a session) or `false`.
pub(super) fn session<E: de::Error>(value: serde_json::Value) -> Result<bool, E> {
    match value {
        serde_json::Value::Bool(b) => Ok(b),
        other => Err(E::custom(format!(
            "`session` is true (the app's host keeps a session: `Runner.run(agent, new_message, session=SQLiteSession(...))`) or false, not {other}"
        ))),
    }
}

/// Reads `profile.server_managed`: `true` (the model's API keeps the conversation) or `false`.
pub(super) fn server_managed<E: de::Error>(value: serde_json::Value) -> Result<bool, E> {
    match value {
        serde_json::Value::Bool(b) => Ok(b),
        other => Err(E::custom(format!(
            "`server_managed` is true (`Runner.run(..., auto_previous_response_id=True)`, or `previous_response_id=result.last_response_id` with the new message) or false, not {other}"
        ))),
    }
}

/// `session`, unless the profile also says `server_managed`, which the SDK refuses with it.
pub(super) fn either<E: de::Error>(session: bool, server_managed: bool) -> Result<bool, E> {
    match session && server_managed {
        true => Err(E::custom(
            "`session` and `server_managed` exclude each other: the SDK raises `UserError: Session persistence cannot be combined with conversation_id, previous_response_id, or auto_previous_response_id.`",
        )),
        false => Ok(session),
    }
}

/// The JSON Schema of `profile.server_managed`.
pub(super) fn server_schema() -> serde_json::Value {
    serde_json::json!({ "type": "boolean", "description": "openai-agents only: the model's API keeps the conversation (Runner.run(..., auto_previous_response_id=True), or previous_response_id=result.last_response_id with the new message). The SDK sends each model call only the items after its previous call and response; at a handoff it switches nest_handoff_history off with a warning (a [note]) and raises UserError for an input filter (framework-error). Excludes session. Default false." })
}

/// The JSON Schema of `profile.session`.
pub(super) fn profile_schema() -> serde_json::Value {
    serde_json::json!({ "type": "boolean", "description": "openai-agents only: the app's host keeps a session (Runner.run(agent, new_message, session=SQLiteSession(...)) for each human reply, instead of result.to_input_list() plus the message). Each run reads the session's items, the conversation as it happened (a nested or filtered handoff changes what the next agent reads within its run only), then the new message; expect.session checks what the session holds. Default false." })
}

impl SessionCheck {
    /// The same parts as a check of one model call's input.
    fn as_input(&self) -> InputCheck {
        InputCheck {
            n: Some(1),
            count: self.count,
            items: self.items.clone(),
            any: self.any.clone(),
            none: self.none.clone(),
            ..InputCheck::default()
        }
    }

    /// Checks what loading can (`at` where it belongs, known roles): the place below
    /// `expect.session` and the message.
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        self.as_input().validate()
    }

    /// What it expects, for people.
    fn describe(&self) -> String {
        let described = self.as_input().describe();
        let parts = described.split_once(": ").map_or("", |(_, parts)| parts);
        match parts {
            "made" => "the session holds anything".into(),
            parts => format!("the session holds {parts}"),
        }
    }

    /// Checks the session of `run`.
    pub(crate) fn check(&self, run: &Run) -> Check {
        let items = session_items(run.log(), run.settings());
        let failures = mismatches(&self.as_input(), &items);
        let passed = failures.is_empty();
        let actual = match passed {
            true => format!("it holds {}, as expected", plural(items.len(), "item")),
            false => format!("it holds {}: {}", plural(items.len(), "item"), failures.join("; ")),
        };
        Check {
            name: "session",
            expected: self.describe(),
            actual,
            passed,
            detail: match passed {
                true => Vec::new(),
                false => {
                    let mut lines = brief(&items);
                    if let Some(first) = lines.first_mut() {
                        *first = match items.len() {
                            0 => "it holds no item".into(),
                            n => format!("it holds {}:", plural(n, "item")),
                        };
                    }
                    lines
                }
            },
        }
    }
}
