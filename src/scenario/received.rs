//! What the model calls of a run received ([`ModelInputs`]), captured as the run happens by
//! a thin [`Capture`] around its model, and the `expect.inputs` checks made on them: one
//! [`Check`] per check, which on failure shows what that call received, item by item.

use std::future::Future;

use serde_json::Value;

use super::Check;
use super::inputs::{InputCheck, ItemCheck, quoted, times};
use crate::engine::{Model, ModelError, ModelRequest, Response};
use crate::files::plural;
use crate::wire::items::{item_arguments, item_calls, item_text, model_input, new_items_start};

/// What each model call of a run received, in order, as its framework's model reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelInputs {
    /// One entry per model call of the run.
    pub calls: Vec<CallInput>,
    /// Whether the model's API keeps the conversation (`profile.server_managed`): each call
    /// then receives only the items its previous call and response left out
    /// ([`new_items_start`]).
    pub server_managed: bool,
    /// The previous call's whole input, where the server keeps the conversation.
    previous: Vec<Value>,
}

impl ModelInputs {
    /// What a framework whose model's API keeps the conversation sends, when `server_managed`.
    pub fn kept_by_server(server_managed: bool) -> ModelInputs {
        ModelInputs {
            server_managed,
            ..ModelInputs::default()
        }
    }

    /// What the call whose whole input is `items` receives.
    fn sent(&mut self, items: Vec<Value>) -> Vec<Value> {
        if !self.server_managed {
            return items;
        }
        let start = new_items_start(&self.previous, &items);
        let sent = items[start..].to_vec();
        self.previous = items;
        sent
    }
}

/// What one model call received.
#[derive(Debug, Clone, PartialEq)]
pub struct CallInput {
    /// The agent whose model was called.
    pub agent: String,
    /// The input after the instructions ([`model_input`]): Responses input items under
    /// `openai-agents`, Chat Completions messages under the other profiles.
    pub items: Vec<Value>,
}

/// A model that records what each call receives into [`ModelInputs`] (when given some),
/// then lets the model it wraps answer. Without inputs to fill it only passes calls on.
pub struct Capture<'a, M> {
    model: &'a mut M,
    inputs: Option<&'a mut ModelInputs>,
}

impl<'a, M: Model> Capture<'a, M> {
    /// `model`, recording into `inputs` if given.
    pub fn new(model: &'a mut M, inputs: Option<&'a mut ModelInputs>) -> Capture<'a, M> {
        Capture { model, inputs }
    }
}

impl<M: Model> Model for Capture<'_, M> {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        if let Some(inputs) = self.inputs.as_deref_mut() {
            let items = inputs.sent(model_input(request));
            inputs.calls.push(CallInput {
                agent: request.agent_name().to_string(),
                items,
            });
        }
        self.model.respond(request)
    }
    fn state(&self) -> Option<u64> {
        self.model.state()
    }
}

/// A place counted from 1 (or from the end, when negative) in a list of `len`.
fn place(number: i64, len: usize) -> Option<usize> {
    let index = match number {
        n if n > 0 => usize::try_from(n - 1).ok()?,
        n => len.checked_sub(usize::try_from(n.unsigned_abs()).ok()?)?,
    };
    (index < len).then_some(index)
}

impl ModelInputs {
    /// Checks `check` against the call it names.
    pub fn check(&self, check: &InputCheck) -> Check {
        let expected = check.describe();
        let (index, own) = match self.find(check) {
            Ok(found) => found,
            Err(actual) => {
                return Check {
                    name: "inputs",
                    expected,
                    actual,
                    passed: false,
                    detail: Vec::new(),
                };
            }
        };
        let call = &self.calls[index];
        let which = format!("{}'s call {own} (model call {})", call.agent, index + 1);
        let failures = mismatches(check, &call.items);
        let passed = failures.is_empty();
        let actual = match passed {
            true => format!("{which}: {}, as expected", plural(call.items.len(), "item")),
            false => format!("{which}: {}", failures.join("; ")),
        };
        let detail = match passed {
            true => Vec::new(),
            false => brief(&call.items),
        };
        Check {
            name: "inputs",
            expected,
            actual,
            passed,
            detail,
        }
    }

    /// The call `check` names: its index in the run, and its number among its agent's calls;
    /// or why there is none.
    fn find(&self, check: &InputCheck) -> Result<(usize, usize), String> {
        let own_number = |index: usize| {
            let agent = &self.calls[index].agent;
            self.calls[..=index].iter().filter(|c| c.agent == *agent).count()
        };
        match (&check.agent, check.call, check.n) {
            (Some(agent), Some(call), _) => {
                let own: Vec<usize> = (0..self.calls.len())
                    .filter(|&i| self.calls[i].agent == *agent)
                    .collect();
                match place(call, own.len()) {
                    Some(k) => Ok((own[k], k + 1)),
                    None => Err(format!(
                        "{} was never made ({agent}'s model was {})",
                        check.target(),
                        match own.len() {
                            0 => "never called".to_string(),
                            n => format!("called {}", times(n)),
                        }
                    )),
                }
            }
            (agent, _, Some(n)) => {
                let Some(index) = place(n, self.calls.len()) else {
                    return Err(format!(
                        "{} was never made (the run made {})",
                        check.target(),
                        plural(self.calls.len(), "model call")
                    ));
                };
                match agent {
                    Some(agent) if self.calls[index].agent != *agent => Err(format!(
                        "model call {} is {}'s, not {agent}'s",
                        index + 1,
                        self.calls[index].agent
                    )),
                    _ => Ok((index, own_number(index))),
                }
            }
            _ => Err("no call is named".into()),
        }
    }
}

/// Every way `items` fails `check`; empty when it holds.
pub(super) fn mismatches(check: &InputCheck, items: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(count) = check.count.filter(|c| *c != items.len()) {
        out.push(format!("{}, not {count}", plural(items.len(), "item")));
    }
    for item_check in &check.items {
        let at = item_check.at.unwrap_or_default();
        let index = match at {
            at if at >= 0 => usize::try_from(at).ok().filter(|&i| i < items.len()),
            at => place(at, items.len()),
        };
        match index {
            None => out.push(format!("no item [{at}] ({})", plural(items.len(), "item"))),
            Some(i) => out.extend(
                item_mismatches(item_check, &items[i])
                    .into_iter()
                    .map(|m| format!("[{at}] {m}")),
            ),
        }
    }
    for item_check in &check.any {
        if !items.iter().any(|item| item_mismatches(item_check, item).is_empty()) {
            out.push(format!("no item {}", item_check.describe()));
        }
    }
    for item_check in &check.none {
        if let Some(i) = items
            .iter()
            .position(|item| item_mismatches(item_check, item).is_empty())
        {
            out.push(format!("item [{i}] is one with {}", item_check.describe()));
        }
    }
    out
}

/// Every way `item` fails `check` (its `at` aside); empty when it passes.
fn item_mismatches(check: &ItemCheck, item: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(kind) = &check.kind {
        match item["type"].as_str() {
            Some(actual) if actual == kind => {}
            Some(actual) => out.push(format!("is a {actual}, not a {kind}")),
            None => out.push(format!("has no type (a Chat Completions message), not {kind}")),
        }
    }
    if let Some(role) = &check.role {
        match item["role"].as_str() {
            Some(actual) if actual == role => {}
            Some(actual) => out.push(format!("has role {actual}, not {role}")),
            None => out.push(format!(
                "has no role (a {} item), not {role}",
                item["type"].as_str().unwrap_or("typeless")
            )),
        }
    }
    let text = item_text(item);
    let text_of = || text.as_deref().unwrap_or_default();
    if let Some(expected) = &check.text {
        match &text {
            Some(actual) if actual == expected => {}
            Some(actual) => out.push(format!("has text {}, not {}", quoted(actual), quoted(expected))),
            None => out.push(format!("has no text, not {}", quoted(expected))),
        }
    }
    for needle in &check.contains {
        let found = text_of().matches(needle.text.as_str()).count();
        let holds = match needle.times {
            None => found > 0,
            Some(n) => found == n,
        };
        if !holds {
            let wanted = needle.times.map(|n| format!(", not {}", times(n))).unwrap_or_default();
            out.push(format!("contains {} {}{wanted}", quoted(&needle.text), times(found)));
        }
    }
    for excluded in &check.excludes {
        if text_of().contains(excluded.as_str()) {
            out.push(format!("contains {}", quoted(excluded)));
        }
    }
    if let Some(expected) = &check.calls {
        let actual = item_calls(item);
        if actual != *expected {
            let said = |calls: &[&str]| match calls.is_empty() {
                true => "nothing".to_string(),
                false => calls.join(", "),
            };
            let wanted: Vec<&str> = expected.iter().map(String::as_str).collect();
            out.push(format!("calls {}, not {}", said(&actual), said(&wanted)));
        }
    }
    if let Some(expected) = &check.arguments {
        let expected = Value::Object(expected.clone());
        match item_arguments(item).as_slice() {
            [actual] if *actual == expected => {}
            [actual] => out.push(format!("has arguments {actual}, not {expected}")),
            [] => out.push(format!("makes no call, not one with arguments {expected}")),
            more => out.push(format!("makes {} calls, not one with arguments {expected}", more.len())),
        }
    }
    out
}

/// What a call received, one line per item: its place, type or role, text and calls.
pub(crate) fn brief(items: &[Value]) -> Vec<String> {
    if items.is_empty() {
        return vec!["it received no item".into()];
    }
    let mut lines = vec![format!("it received {}:", plural(items.len(), "item"))];
    for (i, item) in items.iter().enumerate() {
        let mut line = format!("[{i}]");
        let call_id = item["call_id"].as_str().or(item["tool_call_id"].as_str());
        match item["type"].as_str() {
            Some("function_call") => {
                let arguments = item["arguments"].as_str().unwrap_or_default();
                line.push_str(&format!(
                    " function_call {}({arguments})",
                    item["name"].as_str().unwrap_or_default()
                ));
            }
            Some(kind) => line.push_str(&format!(" {kind}")),
            None => {}
        }
        if let Some(role) = item["role"].as_str() {
            line.push_str(&format!(" {role}"));
        }
        if let Some(name) = item["name"].as_str().filter(|_| item.get("type").is_none()) {
            line.push_str(&format!(" ({name})"));
        }
        if let Some(id) = call_id {
            line.push_str(&format!(" {id}"));
        }
        if let Some(text) = item_text(item) {
            line.push_str(&format!(": {}", quoted(&text)));
        }
        let calls = item["tool_calls"].as_array().map(Vec::as_slice).unwrap_or_default();
        if !calls.is_empty() {
            let made: Vec<String> = calls
                .iter()
                .map(|c| {
                    format!(
                        "{}({})",
                        c["function"]["name"].as_str().unwrap_or_default(),
                        c["function"]["arguments"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            line.push_str(&format!(" -> {}", made.join(", ")));
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn inputs() -> ModelInputs {
        let call = |agent: &str, items: Vec<Value>| CallInput {
            agent: agent.into(),
            items,
        };
        ModelInputs {
            calls: vec![
                call(
                    "triage",
                    vec![json!({"type": "message", "role": "user", "content": "hi"})],
                ),
                call(
                    "closer",
                    vec![
                        json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "<H> hi <H>"}]}),
                        json!({"type": "function_call", "call_id": "call_0001", "name": "transfer_to_closer", "arguments": "{}"}),
                        json!({"type": "function_call_output", "call_id": "call_0001", "output": "{\"assistant\": \"closer\"}"}),
                    ],
                ),
                call("triage", vec![json!({"role": "user", "content": "again"})]),
            ],
            ..ModelInputs::default()
        }
    }

    #[test]
    fn a_server_managed_call_receives_what_follows_its_previous_call_and_response() {
        let mut inputs = ModelInputs::kept_by_server(true);
        let user = json!({"type": "message", "role": "user", "content": "hi"});
        let said = json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "x"}]});
        let call = json!({"type": "function_call", "call_id": "call_0001", "name": "f", "arguments": "{}"});
        let output = json!({"type": "function_call_output", "call_id": "call_0001", "output": "r"});
        assert_eq!(inputs.sent(vec![user.clone()]), [user.clone()].to_vec());
        let second = vec![user.clone(), said.clone(), call, output.clone()];
        assert_eq!(inputs.sent(second.clone()), vec![output]);
        // An input that does not go on from the previous one is sent whole.
        assert_eq!(inputs.sent(vec![said.clone()]), vec![said]);
        assert_eq!(ModelInputs::default().sent(second.clone()), second);
    }

    fn run(json: &str) -> Check {
        inputs().check(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn calls_are_found_by_agent_or_by_number_from_either_end() {
        assert!(run(r#"{"agent": "triage", "call": -1, "items": [{"at": 0, "text": "again"}]}"#).passed);
        assert!(run(r#"{"n": 2, "agent": "closer", "count": 3}"#).passed);
        let check = run(r#"{"n": -3, "items": [{"at": -1, "role": "user"}]}"#);
        assert!(check.passed, "{check:?}");
        assert_eq!(check.actual, "triage's call 1 (model call 1): 1 item, as expected");
        let never = run(r#"{"agent": "closer", "call": 2}"#);
        assert_eq!(
            never.actual,
            "closer's call 2 was never made (closer's model was called once)"
        );
        assert!(!never.passed);
        assert_eq!(
            run(r#"{"n": 9}"#).actual,
            "model call 9 was never made (the run made 3 model calls)"
        );
        assert_eq!(
            run(r#"{"n": 1, "agent": "closer"}"#).actual,
            "model call 1 is triage's, not closer's"
        );
        assert_eq!(
            run(r#"{"agent": "nobody", "call": 1}"#).actual,
            "nobody's call 1 was never made (nobody's model was never called)"
        );
    }

    #[test]
    fn every_part_that_fails_is_said_and_the_items_are_shown() {
        let check = run(r#"{"agent": "closer", "call": 1, "count": 2,
            "items": [{"at": 0, "role": "user", "contains": [{"text": "<H>", "times": 1}, "zz"], "excludes": ["hi"]},
                      {"at": 1, "calls": ["transfer_to_triage"]}, {"at": 5}],
            "any": [{"type": "function_call_output", "text": "ok"}],
            "none": [{"type": "function_call"}]}"#);
        assert!(!check.passed);
        assert_eq!(
            check.actual,
            concat!(
                r#"closer's call 1 (model call 2): 3 items, not 2; [0] has role assistant, not user; "#,
                r#"[0] contains "<H>" twice, not once; [0] contains "zz" 0 times; [0] contains "hi"; "#,
                r#"[1] calls transfer_to_closer, not transfer_to_triage; no item [5] (3 items); "#,
                r#"no item type function_call_output, text "ok"; item [1] is one with type function_call"#
            )
        );
        assert_eq!(
            check.detail,
            [
                "it received 3 items:",
                r#"[0] message assistant: "<H> hi <H>""#,
                "[1] function_call transfer_to_closer({}) call_0001",
                r#"[2] function_call_output call_0001: "{\"assistant\": \"closer\"}""#,
            ]
        );
    }

    #[test]
    fn chat_messages_have_roles_and_calls_but_no_type() {
        let items = vec![
            json!({"role": "assistant", "name": "A", "content": null, "tool_calls": [
            {"id": "call_0001", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}),
        ];
        let check = ItemCheck {
            kind: Some("function_call".into()),
            role: Some("assistant".into()),
            calls: Some(vec!["f".into()]),
            ..ItemCheck::default()
        };
        assert_eq!(
            item_mismatches(&check, &items[0]),
            ["has no type (a Chat Completions message), not function_call"]
        );
        assert_eq!(brief(&items)[1], "[0] assistant (A) -> f({})");
        let arguments = |json: &str| ItemCheck {
            arguments: Some(serde_json::from_str(json).unwrap()),
            ..ItemCheck::default()
        };
        assert!(item_mismatches(&arguments("{}"), &items[0]).is_empty());
        assert_eq!(
            item_mismatches(&arguments(r#"{"a": 1}"#), &items[0]),
            [r#"has arguments {}, not {"a":1}"#]
        );
        assert_eq!(
            item_mismatches(&arguments("{}"), &json!({"role": "user", "content": "hi"})),
            ["makes no call, not one with arguments {}"]
        );
    }
}
