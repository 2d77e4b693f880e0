//! The OpenAI Agents SDK's sessions (`Runner.run(agent, new_input, session=SQLiteSession(...))`):
//! the host passes each `Runner.run` only the new message, and the SDK reads the session's
//! items before it (`prepare_input_with_session`: the stored history, then the new input)
//! and saves each run's input and items to it as they are made (`save_result_to_session`).
//!
//! The session keeps the conversation as it happened: a nested history's summaries and an
//! input filter's cuts change what the next agent's model reads within the run, never what
//! is saved, so the next run reads every item again, un-nested and unfiltered
//! (`conformance/traces/oai/session_*.json`). What is saved is each original event of the
//! log in order: the task and the human's replies, each response's text and calls, each
//! call's output (a call still waiting for the human's approval has none yet), and an error
//! handler's final output when `include_in_history` keeps it. The log stays append-only: a
//! run that starts from the session carries its items on as [`EventKind::Carried`] events,
//! which count towards the run's ceiling like every event.

use serde_json::{Value, json};

use super::Core;
use super::carried::{Item, Part};
use crate::design::AgentId;
use crate::engine::{CallId, EventIndex, EventKind, EventLog, Outcome, Rewrite, Settings, ToolOutput, Visibility};

/// The SDK's `UserError` at a handoff with an input filter in a server-managed conversation.
const FILTERS_RAISE: &str = "Server-managed conversations do not support handoff input filters. Remove Handoff.input_filter or RunConfig.handoff_input_filter, or disable conversation_id, previous_response_id, and auto_previous_response_id.";

/// The items the session holds after the events of `log`, in order. A handoff whose input
/// filter runs (`remove_all_tools`) saves the items of the turn that handed off as the filter
/// left them: that response's calls and their outputs never reach the session (the earlier
/// turns' items were saved already, whole).
fn stored(log: &EventLog, settings: &Settings) -> Vec<Item> {
    let mut cut: Vec<CallId> = Vec::new();
    let mut latest_reply: Option<EventIndex> = None;
    for index in 0..log.len() as EventIndex {
        let event = log.get(index);
        match &event.kind {
            EventKind::Reply { calls, .. } if !calls.is_empty() => latest_reply = Some(index),
            EventKind::Handoff { to } => {
                let Some(source) = event.agent else { continue };
                if let (Some(Rewrite::Filter(_)), Some(reply)) = (settings.history.rewrite(source, *to), latest_reply) {
                    cut.extend(log.calls_of(log.get(reply)).iter().map(|c| c.id));
                }
            }
            _ => {}
        }
    }
    let mut items = Vec::new();
    for index in 0..log.len() as EventIndex {
        let whole = Item {
            event: index,
            part: Part::Whole,
        };
        match &log.get(index).kind {
            EventKind::Task { .. } | EventKind::Human { .. } => items.push(whole),
            EventKind::ToolResult { call, .. } if !cut.contains(call) => items.push(whole),
            // An error handler's final output, unless it was left out of the history.
            EventKind::Broadcast { .. } if log.visibility(index) == Visibility::All => items.push(whole),
            EventKind::Reply { text, calls } => {
                if text.as_deref().is_some_and(|t| !t.is_empty()) {
                    items.push(Item {
                        event: index,
                        part: Part::Text,
                    });
                }
                let made = log.calls(*calls);
                items.extend(
                    (0..made.len() as u32)
                        .filter(|&i| !cut.contains(&made[i as usize].id))
                        .map(|i| Item {
                            event: index,
                            part: Part::Call(i),
                        }),
                );
            }
            _ => {}
        }
    }
    items
}

impl Core {
    /// At the handoff from `source` to `target` in a server-managed conversation
    /// (`_resolve_server_managed_handoff_behavior`): an input filter raises the SDK's
    /// `UserError` (the run ends, `true`); nesting is switched off with the SDK's warning, as a
    /// `[note]`, and the handoff goes on with the conversation as it is.
    pub(super) fn server_refuses_handoff(&mut self, source: AgentId, target: AgentId) -> bool {
        if !self.settings.server_managed {
            return false;
        }
        let (from, to) = (&self.design.agent(source).name, &self.design.agent(target).name);
        match self.settings.history.rewrite(source, target) {
            Some(Rewrite::Filter(_)) => {
                self.finish(Outcome::FrameworkError {
                    agent: source,
                    error: format!("UserError: {FILTERS_RAISE}"),
                    guard: false,
                });
                true
            }
            Some(Rewrite::Nest) => {
                let warning = format!(
                    "{} warns: Server-managed conversations do not support nest_handoff_history for handoff {from} -> {to}. Disabling nested handoff history and continuing with delta-only input.",
                    self.settings.profile.framework
                );
                self.note(source, warning);
                false
            }
            None => false,
        }
    }

    /// The session's items, when the host keeps one and a handoff of the run rewrote what
    /// the models read: the next `Runner.run` reads them rather than the rewritten input.
    pub(super) fn session_to_carry(&self) -> Option<Vec<Item>> {
        self.settings.session.then(|| stored(&self.log, &self.settings))
    }
}

/// The items an OpenAI Agents SDK session holds at the end of a run whose host keeps one,
/// as Responses input items (`{"type": "message", "role": "user", "content": ...}`,
/// `function_call`, `function_call_output`), the shape `expect.inputs` checks.
pub fn session_items(log: &EventLog, settings: &Settings) -> Vec<Value> {
    let message = |role: &str, text: &str| match role {
        "user" => json!({ "type": "message", "role": "user", "content": text }),
        _ => json!({ "type": "message", "role": role, "content": [{ "type": "output_text", "text": text }] }),
    };
    stored(log, settings)
        .into_iter()
        .filter_map(|item| {
            let event = log.get(item.event);
            Some(match (&event.kind, item.part) {
                (EventKind::Task { text } | EventKind::Human { text }, _) => message("user", text),
                (EventKind::Broadcast { text }, _) => message("assistant", text),
                (EventKind::Reply { text, .. }, Part::Text) => message("assistant", text.as_deref().unwrap_or("")),
                (EventKind::Reply { calls, .. }, Part::Call(i)) => {
                    let call = log.calls(*calls).get(i as usize)?;
                    json!({
                        "type": "function_call",
                        "call_id": call.id.to_string(),
                        "name": &*call.name,
                        "arguments": crate::engine::arguments_text(&call.arguments),
                    })
                }
                (EventKind::ToolResult { call, output }, _) => {
                    let output = match output {
                        ToolOutput::Text(t) | ToolOutput::Error(t) => t.as_str(),
                        ToolOutput::Nothing => settings.profile.wire.nothing,
                    };
                    json!({ "type": "function_call_output", "call_id": call.to_string(), "output": output })
                }
                _ => return None,
            })
        })
        .collect()
}
