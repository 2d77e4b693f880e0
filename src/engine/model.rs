//! The interface between the orchestration and a language model: what a model call receives
//! ([`ModelRequest`]: the agent, its instructions, its thread, its tools) and what it returns
//! ([`Response`]: text and/or tool calls), and the [`Model`] trait that scripted, replayed
//! and live models implement.

use std::future::Future;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::design::{AgentId, Design, TASK_SUMMARY};
use crate::engine::{ApiError, EventIndex, EventKind, EventLog, Profile, Thread, ToolOutput};

/// The language model behind every agent of a run.
///
/// Implement it for a scripted model, a recording, or a live client. The request names the
/// agent and carries what its model reads: instructions, thread, tools.
pub trait Model {
    /// Answers one model call.
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send;

    /// The state that decides this model's next replies, as a number that changes whenever
    /// that state changes and never returns to an earlier value; `None` if the model cannot
    /// tell (then only limits bound a bouncing run). Used to prove endless loops.
    fn state(&self) -> Option<u64> {
        None
    }
}

/// What a model answered: text and/or tool calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// Text of the response; `None` or empty for none.
    pub text: Option<String>,
    /// Tool calls, in order. The first is kept inline: a response of one call (every
    /// handoff) allocates nothing for it. Build it with [`Response::call`] and
    /// [`Response::and_call`], `vec![..].into()` or `calls.push(..)`.
    pub calls: Calls,
    /// Whether the text came in the same stream chunk as the first call, rather than in
    /// chunks of its own before it (the usual way). Semantic Kernel Python passes on only
    /// chunks without calls, so such text is never passed on: it can cost an agent its thread.
    pub text_in_call_chunk: bool,
    /// Whether the host ends the conversation after this text reply: a `complete` step under
    /// a framework that has no completion function (the text is the final output).
    pub ends_conversation: bool,
    /// A refusal the model answered with (Chat Completions `message.refusal`, a Responses
    /// `refusal` content part), which each framework reads its own way
    /// ([`ErrorRules`](crate::engine::ErrorRules)).
    pub refusal: Option<String>,
    /// A reasoning summary the model gave before its answer (the OpenAI Agents SDK keeps it
    /// as a `reasoning` item of the conversation).
    pub reasoning: Option<String>,
}

/// The tool calls of a [`Response`]: a vector that keeps its first call inline.
pub type Calls = smallvec::SmallVec<[Call; 1]>;

/// A tool call as a model makes it (the run assigns its id).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Function name, plain (`transfer_to_RefundAgent`) or qualified
    /// (`Handoff-transfer_to_RefundAgent`). Shared: a model that names a function the design
    /// offers by cloning its [`ToolSpec::name`](crate::design::ToolSpec::name) allocates nothing.
    pub name: Arc<str>,
    /// Arguments object.
    pub arguments: Map<String, Value>,
    /// The arguments as the text the model sent, when that text is no JSON object (a model
    /// that sends broken arguments; `arguments` is then empty).
    pub raw: Option<Arc<str>>,
}

impl Response {
    /// A text-only response.
    pub fn text(text: impl Into<String>) -> Response {
        Response {
            text: Some(text.into()),
            ..Response::default()
        }
    }
    /// A response with one tool call.
    pub fn call(name: impl Into<Arc<str>>, arguments: Map<String, Value>) -> Response {
        Response {
            text: None,
            calls: smallvec::smallvec![Call {
                raw: None,
                name: name.into(),
                arguments,
            }],
            text_in_call_chunk: false,
            ends_conversation: false,
            refusal: None,
            reasoning: None,
        }
    }
    /// A response that hands off to `agent`.
    pub fn handoff(agent: &str) -> Response {
        Response::call(format!("{}{agent}", crate::design::TRANSFER_PREFIX), Map::new())
    }
    /// A response that completes the task.
    pub fn complete(summary: impl Into<String>) -> Response {
        let mut arguments = Map::new();
        arguments.insert(TASK_SUMMARY.into(), Value::String(summary.into()));
        Response::call(crate::design::COMPLETE_TASK, arguments)
    }
    /// Adds a tool call.
    pub fn and_call(mut self, name: impl Into<Arc<str>>, arguments: Map<String, Value>) -> Response {
        self.calls.push(Call {
            raw: None,
            name: name.into(),
            arguments,
        });
        self
    }
}

/// A model that could not answer (no scripted rule matched, a network error, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ModelError {
    /// What went wrong, for the person reading the run's outcome.
    pub message: String,
    /// The same as structured fields, for machines: set by the scripted model when its script
    /// cannot answer (no rule matches: the agent, the call, each rule tried and why it did
    /// not match; no script; the responses used up). The message's lines are then the
    /// model's own, and are shown as lines; `None` from other models.
    pub detail: Option<Box<Value>>,
    /// The error the model's API answered with (a scripted `error`), which the framework's
    /// client may try again; `None` for a model that could not answer at all.
    pub api: Option<Box<ApiError>>,
}

impl ModelError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> ModelError {
        ModelError {
            message: message.into(),
            detail: None,
            api: None,
        }
    }

    /// The model's API answered with `error` (see [`ModelError::api`]).
    pub fn api(error: ApiError) -> ModelError {
        ModelError {
            message: format!("the model's API answered with {}", error.describe()),
            detail: Some(Box::new(error.detail())),
            api: Some(Box::new(error)),
        }
    }

    /// The error with structured fields beside its message (see [`ModelError::detail`]).
    pub fn with_detail(mut self, detail: Value) -> ModelError {
        self.detail = Some(Box::new(detail));
        self
    }
}

/// What the active agent's model receives.
#[derive(Debug, Clone)]
pub struct ModelRequest<'a> {
    pub(crate) design: &'a Design,
    pub(crate) log: &'a EventLog,
    pub(crate) profile: &'static Profile,
    pub(crate) tools_off: bool,
    pub(crate) agent: AgentId,
    pub(crate) call: u32,
    pub(crate) round: u32,
    pub(crate) latest_user: Option<EventIndex>,
    pub(crate) tool_result: Option<EventIndex>,
    /// The agent's functions not offered at this call, by index (bit `i`: its `i`-th
    /// function): handoffs whose `is_enabled` condition does not hold now.
    pub(crate) disabled: u64,
}

impl<'a> ModelRequest<'a> {
    /// The agent whose model is called.
    pub fn agent(&self) -> AgentId {
        self.agent
    }
    /// Its name.
    pub fn agent_name(&self) -> &'a str {
        &self.design.agent(self.agent).name
    }
    /// Its instructions (the system message).
    pub fn instructions(&self) -> &'a str {
        &self.design.agent(self.agent).instructions
    }
    /// The functions offered, in order: own tools, `transfer_to_*`, `complete_task` (without
    /// the handoffs not enabled at this call).
    pub fn tools(&self) -> std::borrow::Cow<'a, [crate::design::ToolSpec]> {
        let all = self.design.tools(self.agent);
        match self.disabled {
            0 => std::borrow::Cow::Borrowed(all),
            disabled => all
                .iter()
                .enumerate()
                // A conditional handoff's agent has at most 64 functions (checked at load).
                .filter(|(i, _)| *i >= 64 || disabled & (1 << i) == 0)
                .map(|(_, t)| t.clone())
                .collect(),
        }
    }
    /// The agent's thread: every message its model reads after the system message.
    pub fn thread(&self) -> Thread<'a> {
        self.log.thread(self.agent)
    }
    /// The design being run.
    pub fn design(&self) -> &'a Design {
        self.design
    }
    /// The framework semantics of the run.
    pub fn profile(&self) -> &'static Profile {
        self.profile
    }
    /// Whether this call is made without tools (`tool_choice: "none"`): the framework's
    /// guard after too many tool rounds. Calls in the response are not made.
    pub fn tools_off(&self) -> bool {
        self.tools_off
    }
    /// Which call of this agent's model this is: 1 for its first.
    pub fn call_number(&self) -> u32 {
        self.call
    }
    /// Tool rounds so far in this turn: 0 for the first call of a turn.
    pub fn round(&self) -> u32 {
        self.round
    }
    /// The latest user message (the task, or the human's latest reply; of a task given as
    /// several messages, its last user message, `""` when it has no content).
    pub fn latest_user_message(&self) -> Option<&'a str> {
        let mut index = self.latest_user?;
        loop {
            match &self.log.get(index).kind {
                EventKind::Task { text } | EventKind::Human { text } | EventKind::Prompt { text } => {
                    return Some(text.as_str());
                }
                EventKind::Input(input) if input.role == crate::engine::InputRole::User => return Some(input.text()),
                EventKind::Input(_) if index > 0 => index -= 1,
                _ => return None,
            }
        }
    }
    /// The result of the agent's last tool call, if the previous response of this same turn made one.
    pub fn tool_result(&self) -> Option<(&'a str, &'a ToolOutput)> {
        let index = self.tool_result?;
        let EventKind::ToolResult { output, .. } = &self.log.get(index).kind else {
            return None;
        };
        Some((self.log.tool_call(index).map_or("", |c| &c.name), output))
    }
}

/// What the human is asked: the text reply the active agent just broadcast.
#[derive(Debug, Clone, Copy)]
pub struct HumanRequest<'a> {
    /// The agent waiting for an answer.
    pub agent: AgentId,
    /// Its name.
    pub agent_name: &'a str,
    /// What it said.
    pub text: &'a str,
}
