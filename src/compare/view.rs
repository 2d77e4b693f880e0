//! What a conversation looks like with the framework's spelling taken out: tool calls by what
//! they do (`transfer to OrderStatusAgent`, `complete the task`, `check_order_status`), so two
//! profiles' runs differ only where a model saw, or the run did, something else.

use std::fmt::Write;

use crate::design::{AgentId, Design, ToolKind};
use crate::engine::{Event, EventKind, EventLog, Message, ModelRequest, Profile, ToolCall, ToolOutput};
use crate::files::escape_controls;

/// One model call as its agent saw it, in neutral lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallView {
    /// The agent called.
    pub agent: String,
    /// Which call of that agent it was (1 for its first).
    pub call: u32,
    /// Which call of the run it was (1 for the first).
    pub model_call: usize,
    /// What each function offered does (`transfer to X`, or the own function's name); empty
    /// when the call was made without tools. The completion function is the framework's, not
    /// the design's, and is compared once, in the [`Surface`](super::Surface).
    pub tools: Vec<String>,
    /// Every message after the system message, one line each (a response with text and
    /// calls is a line for the text and one per call).
    pub messages: Vec<String>,
}

impl CallView {
    /// The view of `request`, the `model_call`-th call of its run.
    pub fn of(request: &ModelRequest<'_>, model_call: usize) -> CallView {
        let design = request.design();
        let agent = request.agent();
        let tools = match request.tools_off() {
            true => Vec::new(),
            false => request
                .tools()
                .iter()
                .filter(|t| t.kind != ToolKind::Complete)
                .map(|t| meaning(design, t.kind, &t.name))
                .collect(),
        };
        let mut messages = Vec::new();
        for message in request.thread() {
            match message {
                Message::User { text } => messages.push(format!("user: {}", escape_controls(text))),
                Message::Input { role, content, name } => messages.push(format!(
                    "{}{}: {}",
                    role.name(),
                    name.map(|n| format!(" ({n})")).unwrap_or_default(),
                    escape_controls(content.unwrap_or(""))
                )),
                Message::Assistant {
                    author, text, calls, ..
                } => reply_lines(design, author, text, calls, &mut messages),
                Message::Tool {
                    author, name, output, ..
                } => messages.push(result_line(design, request.profile(), author, name, output)),
            }
        }
        CallView {
            agent: design.agent(agent).name.clone(),
            call: request.call_number(),
            model_call,
            tools,
            messages,
        }
    }
}

/// The conversation events of a run in neutral lines, with the index of each in the log:
/// the task, replies (text and calls), tool results, human replies, handoffs and the end.
/// Broadcasts and notes are left out: who reads what is each call's view, not an event.
pub fn conversation(design: &Design, profile: &Profile, log: &EventLog) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    for (index, event) in log.events().iter().enumerate() {
        let mut out = Vec::new();
        event_lines(design, profile, log, index, event, &mut out);
        lines.extend(out.into_iter().map(|line| (index, line)));
    }
    lines
}

fn event_lines(design: &Design, profile: &Profile, log: &EventLog, index: usize, event: &Event, out: &mut Vec<String>) {
    let Some(agent) = event.agent else {
        match &event.kind {
            EventKind::Task { text } => out.push(format!("task: {}", escape_controls(text))),
            EventKind::Input(input) => out.push(format!(
                "task ({}): {}",
                input.role.name(),
                escape_controls(input.text())
            )),
            EventKind::Human { text } => out.push(format!("user: {}", escape_controls(text))),
            EventKind::Host { to } => out.push(format!("host: runs {}", design.agent(*to).name)),
            _ => {}
        }
        return;
    };
    match &event.kind {
        EventKind::Reply { text, calls } => {
            reply_lines(design, agent, text.as_deref().unwrap_or(""), log.calls(*calls), out)
        }
        EventKind::ToolResult { output, .. } => {
            let name = log.tool_call(index as u32).map_or("", |c| &*c.name);
            out.push(result_line(design, profile, agent, name, output));
        }
        EventKind::Handoff { to } => out.push(format!(
            "handoff: {} -> {}",
            design.agent(agent).name,
            design.agent(*to).name
        )),
        EventKind::Prompt { text } => out.push(format!(
            "{} is run again, told: {}",
            design.agent(agent).name,
            escape_controls(text)
        )),
        EventKind::Completed { summary } => out.push(format!(
            "{} completed the task: {}",
            design.agent(agent).name,
            escape_controls(summary)
        )),
        EventKind::Task { .. }
        | EventKind::Input(_)
        | EventKind::Human { .. }
        | EventKind::Host { .. }
        | EventKind::Broadcast { .. }
        | EventKind::Note { .. }
        | EventKind::Summary(_)
        | EventKind::Carried { .. } => {}
        EventKind::Approval { call, approved } => {
            let called = crate::engine::decided_call(log, index as u32, *call).map_or("", |c| &*c.name);
            out.push(format!(
                "{} {}'s call of {called}",
                if *approved {
                    "the human approves"
                } else {
                    "the human rejects"
                },
                design.agent(agent).name
            ));
        }
    }
}

/// A response: its text, then each call by what it does.
fn reply_lines(design: &Design, author: AgentId, text: &str, calls: &[ToolCall], out: &mut Vec<String>) {
    let name = &design.agent(author).name;
    if !text.is_empty() || calls.is_empty() {
        out.push(format!("{name}: {}", escape_controls(text)));
    }
    for call in calls {
        let mut line = format!("{name} calls {}", called(design, author, &call.name));
        if !call.arguments.is_empty() {
            let _ = write!(line, " {}", serde_json::Value::Object(call.arguments.clone()));
        }
        out.push(line);
    }
}

/// A tool result; a transfer's result text is each framework's own and is compared once, in
/// the tool surface, rather than at every handoff (but a transfer that lost to another says so).
fn result_line(design: &Design, profile: &Profile, author: AgentId, name: &str, output: &ToolOutput) -> String {
    let agent = &design.agent(author).name;
    let what = called(design, author, name);
    let ignored = profile.handoffs.ignored.is_some_and(|text| output.text() == Some(text));
    match (design.resolve_tool(author, name).map(|t| t.kind), output) {
        (Some(ToolKind::Transfer(_)), _) if ignored => format!("{agent} <- {what}: ignored, another handoff won"),
        (Some(ToolKind::Transfer(_) | ToolKind::Complete), ToolOutput::Text(_) | ToolOutput::Nothing) => {
            format!("{agent} <- {what}: done")
        }
        (_, ToolOutput::Error(text)) => format!("{agent} <- {what}: error: {}", escape_controls(text)),
        (_, output) => format!(
            "{agent} <- {what}: {}",
            escape_controls(output.text().unwrap_or("(nothing)"))
        ),
    }
}

/// What calling `name` does for `agent`, in the profile's own resolution.
fn called(design: &Design, agent: AgentId, name: &str) -> String {
    match design.resolve_tool(agent, name) {
        Some(tool) => meaning(design, tool.kind, &tool.name),
        None => format!("{} (not offered)", escape_controls(name)),
    }
}

fn meaning(design: &Design, kind: ToolKind, name: &str) -> String {
    match kind {
        ToolKind::Transfer(target) => format!("transfer to {}", design.agent(target).name),
        ToolKind::Complete => "complete the task".to_string(),
        ToolKind::Own(_) => name.to_string(),
    }
}
