//! Renderings of a [`Run`]: the conversation as text (the tutorial's `Agent: text` lines, with
//! handoffs and tool calls on their own lines), the whole event log as JSON, and where two
//! runs first differ.

use std::fmt::Write;

use serde_json::{Value, json};

use super::Run;
use crate::design::{AgentId, ToolKind};
use crate::engine::event::{Event, EventIndex, EventKind, ToolCall, ToolOutput};
use crate::engine::outcome::Outcome;

impl Run {
    /// The conversation as people read it, like the Semantic Kernel tutorial's sample output:
    /// `Agent: text` and `User: text` lines, handoffs and tool calls on their own lines, and a
    /// last line saying how the run ended.
    pub fn text(&self) -> String {
        let run = self;
        let mut out = String::new();
        let mut calls: Vec<&ToolCall> = Vec::new();
        // Text spoken in a turn that has tool calls is broadcast only if the turn ends in text.
        let mut unsent: Vec<(AgentId, &str)> = Vec::new();
        for event in run.log().events() {
            let agent = event.agent.map(|a| run.name(a)).unwrap_or("");
            match &event.kind {
                EventKind::Task { text } => writeln!(out, "Task: {text}"),
                EventKind::Human { text } => writeln!(out, "User: {text}"),
                EventKind::Broadcast { text } => {
                    unsent.clear();
                    writeln!(out, "{agent}: {text}")
                }
                EventKind::Reply { text, calls: made } => {
                    calls.extend(made.iter());
                    if let (Some(text), false) = (text, made.is_empty()) {
                        unsent.push((event.agent.unwrap_or(AgentId(0)), text));
                    }
                    Ok(())
                }
                EventKind::ToolResult { call, output, .. } => {
                    // Call ids count up from 1 in the order calls are made.
                    let Some(made) = call.0.checked_sub(1).and_then(|i| calls.get(i as usize)) else {
                        continue;
                    };
                    if is_handoff_function(run, event, &made.name) && *output == ToolOutput::Nothing {
                        continue;
                    }
                    let shown = match output {
                        ToolOutput::Text(text) => text.clone(),
                        ToolOutput::Error(text) => format!("error: {text}"),
                        ToolOutput::Nothing => "(no value)".into(),
                    };
                    writeln!(
                        out,
                        "[tool] {agent}: {}({}) -> {shown}",
                        made.name,
                        Value::Object(made.arguments.clone())
                    )
                }
                EventKind::Handoff { to } => {
                    flush(run, &mut out, &mut unsent);
                    writeln!(out, "[handoff] {agent} -> {}", run.name(*to))
                }
                EventKind::Note { text } => writeln!(out, "[note] {text}"),
                EventKind::Completed { .. } => {
                    flush(run, &mut out, &mut unsent);
                    Ok(())
                }
            }
            .expect("writing to a String cannot fail");
        }
        flush(run, &mut out, &mut unsent);
        out.push_str(&run.outcome_line());
        out.push('\n');
        out
    }

    /// The last line of [`Run::text`]: how the run ended.
    pub fn outcome_line(&self) -> String {
        let run = self;
        let name = |a: &AgentId| run.name(*a).to_string();
        match run.outcome() {
            Outcome::Completed { summary, .. } => format!("Task is completed with summary: {summary}"),
            Outcome::EndedWithoutHuman { .. } => {
                format!(
                    "Task is completed with summary: {}",
                    run.settings().profile.texts.no_human_summary
                )
            }
            Outcome::LoopDetected { cycle } => format!(
                "Run stopped: endless loop: {} would hand off forever without a human turn (the same agent came back with the model's deciding state unchanged)",
                cycle.iter().map(name).collect::<Vec<_>>().join(" -> ")
            ),
            Outcome::LimitReached { limit, value, agent } => format!(
                "Run stopped: limit reached: {value} {limit} (limits.{}), {} in control",
                limit.name(),
                name(agent)
            ),
            Outcome::HumanExhausted { agent } => {
                format!(
                    "Run stopped: {} waits for the human, whose script has no more replies",
                    name(agent)
                )
            }
            Outcome::ModelFailed { agent, message } => {
                format!("Run stopped: the model of {} failed: {message}", name(agent))
            }
            Outcome::EmptyResponse { agent } => format!(
                "Run stopped: the model of {} answered with neither text nor a tool call (Semantic Kernel raises an error here)",
                name(agent)
            ),
            Outcome::AmbiguousHandoff { agent, calls } => format!(
                "Run stopped: {} called several handoff functions in one response ({}) under policy `reject`",
                name(agent),
                calls.join(", ")
            ),
        }
    }

    /// The outcome as JSON: `{"kind": ..., ...}` with agent names and the outcome line.
    pub fn outcome_json(&self) -> Value {
        let run = self;
        let name = |a: &AgentId| Value::String(run.name(*a).to_string());
        let kind = run.outcome().kind();
        let mut value = match run.outcome() {
            Outcome::Completed { agent, summary } => {
                json!({ "agent": name(agent), "summary": summary })
            }
            Outcome::EndedWithoutHuman { agent, text } => json!({ "agent": name(agent), "text": text }),
            Outcome::LoopDetected { cycle } => {
                json!({ "cycle": cycle.iter().map(name).collect::<Vec<_>>() })
            }
            Outcome::LimitReached { limit, value, agent } => {
                json!({ "limit": limit.name(), "value": value, "agent": name(agent) })
            }
            Outcome::HumanExhausted { agent } | Outcome::EmptyResponse { agent } => {
                json!({ "agent": name(agent) })
            }
            Outcome::ModelFailed { agent, message } => {
                json!({ "agent": name(agent), "message": message })
            }
            Outcome::AmbiguousHandoff { agent, calls } => {
                json!({ "agent": name(agent), "calls": calls })
            }
        };
        value["kind"] = kind.into();
        value["message"] = run.outcome_line().into();
        if let Outcome::ModelFailed { message, .. } = run.outcome() {
            value["error"] = message.clone().into();
        }
        value
    }

    /// The run as JSON: outcome, path, counts and every event with its id.
    pub fn to_json(&self) -> Value {
        let run = self;
        let events: Vec<Value> = run
            .log()
            .events()
            .iter()
            .enumerate()
            .map(|(id, e)| run.event_json(id, e))
            .collect();
        json!({
            "outcome": run.outcome_json(),
            "path": run.path().iter().map(|a| run.name(*a)).collect::<Vec<_>>(),
            "model_calls": run.model_calls(),
            "human_turns": run.human_turns(),
            "events": events,
        })
    }

    /// Where two runs first differ: the index of the first differing event (or of the
    /// outcome, after the last event) and both sides as JSON; `None` if they are identical.
    pub fn first_difference(&self, other: &Run) -> Option<(usize, String, String)> {
        let (a, b) = (self.log().events(), other.log().events());
        let shown = |run: &Run, i: usize| match run.log().events().get(i) {
            Some(event) => run.event_json(i, event).to_string(),
            None => "(no event)".to_string(),
        };
        match (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            Some(i) => Some((i, shown(self, i), shown(other, i))),
            None if self.outcome() != other.outcome() => Some((
                a.len(),
                self.outcome_json().to_string(),
                other.outcome_json().to_string(),
            )),
            None => None,
        }
    }

    /// One event as JSON, with its id and agent name.
    fn event_json(&self, id: usize, event: &Event) -> Value {
        let run = self;
        let mut value = match &event.kind {
            EventKind::Task { text } => json!({ "kind": "task", "text": text }),
            EventKind::Human { text } => json!({ "kind": "human", "text": text }),
            EventKind::Reply { text, calls } => json!({
                "kind": "reply",
                "text": text,
                "calls": calls.iter().map(|c| json!({ "id": c.id.to_string(), "name": &*c.name, "arguments": c.arguments })).collect::<Vec<_>>(),
            }),
            EventKind::ToolResult { call, output } => {
                let name = run.log().tool_call(id as EventIndex).map_or("", |c| &*c.name);
                let (result, error) = match output {
                    ToolOutput::Text(t) => (Value::String(t.clone()), false),
                    ToolOutput::Error(t) => (Value::String(t.clone()), true),
                    ToolOutput::Nothing => (Value::Null, false),
                };
                json!({ "kind": "tool_result", "call": call.to_string(), "name": name, "result": result, "error": error })
            }
            EventKind::Broadcast { text } => json!({ "kind": "broadcast", "text": text }),
            EventKind::Handoff { to } => json!({ "kind": "handoff", "to": run.name(*to) }),
            EventKind::Note { text } => json!({ "kind": "note", "text": text }),
            EventKind::Completed { summary } => json!({ "kind": "completed", "summary": summary }),
        };
        value["id"] = id.into();
        if let Some(agent) = event.agent {
            value["agent"] = run.name(agent).into();
        }
        value
    }
}

fn flush(run: &Run, out: &mut String, unsent: &mut Vec<(AgentId, &str)>) {
    for (agent, text) in unsent.drain(..) {
        let _ = writeln!(out, "[not broadcast] {}: {text}", run.name(agent));
    }
}

fn is_handoff_function(run: &Run, event: &Event, name: &str) -> bool {
    event
        .agent
        .and_then(|a| run.design().resolve_tool(a, name))
        .is_some_and(|t| matches!(t.kind, ToolKind::Transfer(_) | ToolKind::Complete))
}
