//! Renderings of a [`Run`]: the conversation as text (the tutorial's `Agent: text` lines, with
//! handoffs and tool calls on their own lines), the whole event log as JSON, and where two
//! runs first differ.

use std::fmt::Write;
use std::sync::Arc;

use serde_json::{Value, json};

use super::Run;
use crate::design::{AgentId, Design, ToolKind};
use crate::engine::ItemPart;
use crate::engine::event::{CallId, Event, EventIndex, EventKind, EventLog, ToolOutput};
use crate::engine::outcome::Outcome;
use crate::engine::profile::{NoHuman, Profile};
use crate::files::escape_controls;

/// The conversation as people read it, rendered event by event as a run goes: what
/// [`Run::text`] prints, for an [`Observer`](crate::engine::Observer) that shows a run live.
/// Model and human text is printed with its control characters escaped
/// ([`escape_controls`]), so that no reply can fake a line or drive the terminal.
#[derive(Debug, Default)]
pub struct TextLines {
    /// Whether the framework passes text spoken beside a handoff on to the others (then it
    /// is shown as said, not as not broadcast).
    shared: bool,
    /// The calls of the latest response, whose results follow it: id, name, arguments.
    calls: Vec<(CallId, Arc<str>, Value)>,
    /// Text spoken in a turn with tool calls: shown as not broadcast if no text turn follows.
    unsent: Vec<(AgentId, String)>,
}

impl TextLines {
    /// A renderer at the start of a run under `profile`.
    pub fn new(profile: &Profile) -> TextLines {
        TextLines {
            shared: profile.shares_handoff_text(),
            ..TextLines::default()
        }
    }

    /// The lines `event` adds (possibly none), each ending in a newline.
    pub fn event(&mut self, design: &Design, log: &EventLog, event: &Event) -> String {
        let mut out = String::new();
        let name = |a: AgentId| design.agent(a).name.as_str();
        let agent = event.agent.map(name).unwrap_or("");
        match &event.kind {
            EventKind::Task { text } => line(&mut out, format_args!("Task: {}", escape_controls(text))),
            EventKind::Input(input) => line(
                &mut out,
                format_args!(
                    "Task ({}{}): {}",
                    input.role.name(),
                    input.name.as_deref().map(|n| format!(", {n}")).unwrap_or_default(),
                    match &input.content {
                        Some(text) => escape_controls(text),
                        None => "(no content)".into(),
                    }
                ),
            ),
            EventKind::Human { text } => line(&mut out, format_args!("User: {}", escape_controls(text))),
            EventKind::Prompt { text } => line(
                &mut out,
                format_args!("[autonomous] {agent} is run again, told: {}", escape_controls(text)),
            ),
            // Where every reply's text reaches the others, it was shown as said.
            EventKind::Broadcast { .. } if self.shared => {}
            EventKind::Broadcast { text } => {
                self.unsent.clear();
                line(&mut out, format_args!("{agent}: {}", escape_controls(text)));
            }
            EventKind::Reply { text, calls } => {
                self.calls.clear();
                self.calls.extend(
                    log.calls(*calls)
                        .iter()
                        .map(|c| (c.id, c.name.clone(), arguments_value(c))),
                );
                match (text, event.agent, calls.is_empty()) {
                    (Some(text), Some(_), _) if self.shared => {
                        line(&mut out, format_args!("{agent}: {}", escape_controls(text)));
                    }
                    (Some(text), Some(author), false) => self.unsent.push((author, text.to_string())),
                    _ => {}
                }
            }
            EventKind::ToolResult { call, output } => {
                let Some((_, called, arguments)) = self.calls.iter().find(|(id, _, _)| id == call) else {
                    return out;
                };
                let handoff = event
                    .agent
                    .and_then(|a| design.resolve_tool(a, called))
                    .is_some_and(|t| matches!(t.kind, ToolKind::Transfer(_) | ToolKind::Complete));
                if handoff && *output == ToolOutput::Nothing {
                    return out;
                }
                let shown = match output {
                    ToolOutput::Text(text) => escape_controls(text).into_owned(),
                    ToolOutput::Error(text) => format!("error: {}", escape_controls(text)),
                    ToolOutput::Nothing => "(no value)".into(),
                };
                line(
                    &mut out,
                    format_args!("[tool] {agent}: {}({arguments}) -> {shown}", escape_controls(called)),
                );
            }
            EventKind::Handoff { to } => {
                self.flush(design, &mut out);
                line(&mut out, format_args!("[handoff] {agent} -> {}", name(*to)));
            }
            EventKind::Host { to } => {
                line(
                    &mut out,
                    format_args!("[host] the app runs {} for this reply", name(*to)),
                );
            }
            EventKind::Approval { call, approved } => {
                let called = match self.calls.iter().find(|(id, _, _)| id == call) {
                    Some((_, called, arguments)) => format!("{}({arguments})", escape_controls(called)),
                    None => call.to_string(),
                };
                let decision = if *approved { "approves" } else { "rejects" };
                line(
                    &mut out,
                    format_args!("[approval] the human {decision} {agent}'s call {called}"),
                );
            }
            EventKind::Note { text } => line(&mut out, format_args!("[note] {}", escape_controls(text))),
            EventKind::Completed { .. } => self.flush(design, &mut out),
            EventKind::Summary(summary) => {
                // The preamble, the two wrappers, and one line per item.
                let items = summary.text.lines().count().saturating_sub(3);
                line(
                    &mut out,
                    format_args!("[history] {agent} hands off a summary of {items} earlier items"),
                );
            }
            EventKind::Carried { .. } => {}
        }
        out
    }

    /// The lines the end of the run adds: text still held back as not broadcast.
    pub fn finish(&mut self, design: &Design) -> String {
        let mut out = String::new();
        self.flush(design, &mut out);
        out
    }

    fn flush(&mut self, design: &Design, out: &mut String) {
        for (agent, text) in self.unsent.drain(..) {
            line(
                out,
                format_args!(
                    "[not broadcast] {}: {}",
                    design.agent(agent).name,
                    escape_controls(&text)
                ),
            );
        }
    }
}

fn line(out: &mut String, args: std::fmt::Arguments<'_>) {
    out.write_fmt(args).expect("writing to a String cannot fail");
    out.push('\n');
}

impl Run {
    /// The conversation as people read it, like the Semantic Kernel tutorial's sample output:
    /// `Agent: text` and `User: text` lines, handoffs and tool calls on their own lines, and a
    /// last line saying how the run ended (see [`TextLines`]).
    pub fn text(&self) -> String {
        let mut lines = TextLines::new(self.settings().profile);
        let mut out = String::new();
        for event in self.log().events() {
            out.push_str(&lines.event(self.design(), self.log(), event));
        }
        out.push_str(&lines.finish(self.design()));
        out.push_str(&self.outcome_line());
        out.push('\n');
        out
    }

    /// The last line of [`Run::text`]: how the run ended (several lines when a scripted
    /// model could not answer: one per rule tried).
    pub fn outcome_line(&self) -> String {
        let run = self;
        let name = |a: &AgentId| run.name(*a).to_string();
        match run.outcome() {
            Outcome::Completed { summary, .. } => {
                format!("Task is completed with summary: {}", escape_controls(summary))
            }
            Outcome::EndedWithoutHuman { agent, text } => match run.settings().profile.texts.no_human {
                NoHuman::Summary(summary) => format!("Task is completed with summary: {summary}"),
                NoHuman::Reply => format!("Task is completed with summary: {}", escape_controls(text)),
                NoHuman::Idle => format!(
                    "Run ended: {} waits for input no human gives ({} leaves the workflow idle with a pending request)",
                    name(agent),
                    run.settings().profile.framework
                ),
            },
            Outcome::FrameworkError { agent, error, .. } => format!(
                "Run stopped: {} raises {} ({} in control)",
                run.settings().profile.framework,
                escape_controls(error),
                name(agent)
            ),
            Outcome::LoopDetected { cycle } => format!(
                "Run stopped: endless loop: {} would hand off forever without a human turn (the same agent came back with the model's deciding state unchanged)",
                cycle.iter().map(name).collect::<Vec<_>>().join(" -> ")
            ),
            Outcome::ToolLoop { agent, tools } => format!(
                "Run stopped: endless tool loop: {} would call {} forever (a round made the same calls and got the same results as an earlier one of this turn, with the model's deciding state unchanged)",
                name(agent),
                escape_controls(&tools.join(", "))
            ),
            Outcome::CeilingReached { events, agent } => format!(
                "Run stopped: the run reached the ceiling of {events} events (limits.max_events), {} in control; it would likely never end (raise limits.max_events if it is a real conversation)",
                name(agent)
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
            // A script's report is the harness's own lines (the inputs in it quoted):
            // shown as lines, each escaped.
            Outcome::ModelFailed {
                agent,
                message,
                detail: Some(_),
            } => format!(
                "Run stopped: the model of {} failed: {}",
                name(agent),
                message.lines().map(escape_controls).collect::<Vec<_>>().join("\n")
            ),
            Outcome::ModelFailed { agent, message, .. } => {
                format!(
                    "Run stopped: the model of {} failed: {}",
                    name(agent),
                    escape_controls(message)
                )
            }
            Outcome::EmptyResponse { agent } => format!(
                "Run stopped: the model of {} answered with neither text nor a tool call (Semantic Kernel raises an error here)",
                name(agent)
            ),
            Outcome::AmbiguousHandoff { agent, calls } => format!(
                "Run stopped: {} called several handoff functions in one response ({}) under policy `reject`",
                name(agent),
                escape_controls(&calls.join(", "))
            ),
            Outcome::AwaitingApproval { agent, calls } => format!(
                "Run ended: {}'s {} {} for the human's approval ({}: {}), and the human has no more decisions (`approvals`)",
                name(agent),
                if calls.len() == 1 { "call" } else { "calls" },
                escape_controls(&calls.join(", ")) + if calls.len() == 1 { " waits" } else { " wait" },
                run.settings().profile.framework,
                match crate::engine::approval::whole_response_waits(run.settings().profile) {
                    true => "the workflow idles with its `function_approval_request` pending",
                    false => "`Runner.run` returned with `result.interruptions`",
                }
            ),
            Outcome::Cancelled {
                agent,
                call,
                error,
                background,
            } => {
                let went_on = match background {
                    Some(end) => format!(
                        "; in the background {} went on, and the framework's run ended ({})",
                        name(agent),
                        end.kind()
                    ),
                    None => String::new(),
                };
                format!(
                    "Run cancelled: the app cancelled it while model call {call} ({}'s) was in flight: {}{went_on}",
                    name(agent),
                    escape_controls(error)
                )
            }
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
            Outcome::ToolLoop { agent, tools } => json!({ "agent": name(agent), "tools": tools }),
            Outcome::FrameworkError { agent, error, guard } => {
                json!({ "agent": name(agent), "error": error, "guard": guard, "framework": run.settings().profile.framework })
            }
            Outcome::CeilingReached { events, agent } => {
                json!({ "limit": "max_events", "value": events, "agent": name(agent) })
            }
            Outcome::LimitReached { limit, value, agent } => {
                json!({ "limit": limit.name(), "value": value, "agent": name(agent) })
            }
            Outcome::HumanExhausted { agent } | Outcome::EmptyResponse { agent } => {
                json!({ "agent": name(agent) })
            }
            Outcome::ModelFailed { agent, message, detail } => {
                let mut value = json!({ "agent": name(agent), "message": message });
                if let Some(detail) = detail {
                    value["detail"] = (**detail).clone();
                }
                value
            }
            Outcome::AwaitingApproval { agent, calls } => json!({ "agent": name(agent), "calls": calls }),
            Outcome::Cancelled {
                agent,
                call,
                error,
                background,
            } => json!({
                "agent": name(agent),
                "call": call,
                "error": error,
                "background": background.as_ref().map(|end| end.kind()),
            }),
            Outcome::AmbiguousHandoff { agent, calls } => {
                json!({ "agent": name(agent), "calls": calls })
            }
        };
        value["kind"] = kind.into();
        value["message"] = run.outcome_line().into();
        // A structured final output (an Agents SDK output_type's or error handler's value).
        if run.final_output.is_some()
            && let Some(structured) = run.final_output()
        {
            value["final_output"] = structured;
        }
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
            EventKind::Input(input) => {
                json!({ "kind": "task", "role": input.role.name(), "name": input.name, "text": input.content })
            }
            EventKind::Human { text } => json!({ "kind": "human", "text": text }),
            EventKind::Prompt { text } => json!({ "kind": "prompt", "text": text }),
            EventKind::Reply { text, calls } => json!({
                "kind": "reply",
                "text": text,
                "calls": run.log().calls(*calls).iter().map(|c| json!({ "id": c.id.to_string(), "name": &*c.name, "arguments": arguments_value(c) })).collect::<Vec<_>>(),
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
            EventKind::Host { to } => json!({ "kind": "host", "to": run.name(*to) }),
            EventKind::Approval { call, approved } => {
                let name = crate::engine::decided_call(run.log(), id as EventIndex, *call).map_or("", |c| &*c.name);
                json!({ "kind": "approval", "call": call.to_string(), "name": name, "approved": approved })
            }
            EventKind::Note { text } => json!({ "kind": "note", "text": text }),
            EventKind::Completed { summary } => json!({ "kind": "completed", "summary": summary }),
            EventKind::Summary(summary) => json!({ "kind": "summary", "text": summary.text }),
            EventKind::Carried { of, part } => {
                let part = match part {
                    ItemPart::Whole => json!("whole"),
                    ItemPart::Text => json!("text"),
                    ItemPart::Calls => json!("calls"),
                    ItemPart::Reasoning => json!("reasoning"),
                };
                json!({ "kind": "carried", "of": of, "part": part })
            }
        };
        if let Some(reasoning) = run.log().reasoning(id as EventIndex) {
            value["reasoning"] = reasoning.into();
        }
        value["id"] = id.into();
        if let Some(agent) = event.agent {
            value["agent"] = run.name(agent).into();
        }
        value
    }
}

/// A call's arguments as output shows them: the object, or the text the model sent when it
/// is no JSON object (a string).
fn arguments_value(call: &crate::engine::ToolCall) -> Value {
    match &call.raw {
        Some(raw) => Value::String(raw.to_string()),
        None => Value::Object(call.arguments.clone()),
    }
}
