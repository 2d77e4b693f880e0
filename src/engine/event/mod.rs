//! The event log: one append-only record of a run ([`EventLog`], in `log.rs`), and the events
//! it holds. Each agent's thread (what its model reads) is a view into the log, never a copy.

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::design::AgentId;

/// Position of an event in its log; also its id in JSON output.
pub type EventIndex = u32;

/// Id of a tool call, from a per-run counter: `call_0001`, `call_0002`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u32);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call_{:04}", self.0)
    }
}

/// A call's arguments as the JSON text the wire carries (`{}` when there are none).
pub fn arguments_text(arguments: &Map<String, Value>) -> std::borrow::Cow<'static, str> {
    if arguments.is_empty() {
        std::borrow::Cow::Borrowed("{}")
    } else {
        std::borrow::Cow::Owned(Value::Object(arguments.clone()).to_string())
    }
}

/// A tool call as the model made it, with the id the run gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// Id from the run's counter.
    pub id: CallId,
    /// The function name the model used (plain or `<plugin>-<name>`), shared with the
    /// design's [`ToolSpec`](crate::design::ToolSpec) when the agent has the function.
    pub name: Arc<str>,
    /// The arguments object.
    pub arguments: Map<String, Value>,
    /// The arguments as the text the model sent, when that text is no JSON object.
    pub raw: Option<Arc<str>>,
}

/// Where the tool calls of a [`EventKind::Reply`] are kept in its log: the log stores every
/// call of a run in one list, so a response allocates nothing for its calls. Read them with
/// [`EventLog::calls`]; two replies of one log are equal only if they are the same calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallSpan {
    start: u32,
    len: u32,
}

impl CallSpan {
    /// No calls (a text-only response).
    pub const NONE: CallSpan = CallSpan { start: 0, len: 0 };

    /// The `len` calls of a log from its `start`th.
    pub(crate) const fn new(start: u32, len: u32) -> CallSpan {
        CallSpan { start, len }
    }

    /// How many calls the response made.
    pub fn len(&self) -> usize {
        self.len as usize
    }
    /// Whether the response made no calls.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What a tool call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOutput {
    /// The tool's result text.
    Text(String),
    /// An error the model reads as the result (unknown tool, missing argument), then retries.
    Error(String),
    /// No value: what Semantic Kernel's handoff functions return (`None`).
    Nothing,
}

impl ToolOutput {
    /// The text the model reads, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            ToolOutput::Text(t) | ToolOutput::Error(t) => Some(t),
            ToolOutput::Nothing => None,
        }
    }
}

/// One event of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The agent the event belongs to (`None` for the task and the human).
    pub agent: Option<AgentId>,
    /// What happened.
    pub kind: EventKind,
}

/// What happened. Which threads an event enters is the run's profile's choice, made when it
/// is appended: see [`Visibility`] and [`EventLog::visibility`].
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The task the run starts with (a user message every agent sees).
    Task {
        /// Task text.
        text: String,
    },
    /// A message of a task given as several (each a user message, an earlier assistant
    /// turn, instructions), seen as the task is.
    Input(Box<crate::engine::InputMessage>),
    /// A model response of `agent`: text and/or tool calls. Only `agent` sees it.
    Reply {
        /// Text of the response, if any.
        text: Option<Box<str>>,
        /// Its tool calls, in the order the model made them: kept in the log, read with
        /// [`EventLog::calls`] (or [`EventLog::calls_of`] the event).
        calls: CallSpan,
    },
    /// The result of one tool call of `agent`. Only `agent` sees it. The results of a
    /// response follow it in the log, in the order of its calls; like the Chat Completions
    /// `tool` message, a result names only its call ([`EventLog::tool_call`] finds the call).
    ToolResult {
        /// The call it answers.
        call: CallId,
        /// What it returned.
        output: ToolOutput,
    },
    /// The text of a turn that ended without a handoff, sent to every other agent.
    Broadcast {
        /// The text of the whole turn.
        text: String,
    },
    /// A human reply; every agent sees it.
    Human {
        /// What the human said.
        text: String,
    },
    /// A user message the framework itself adds to `agent`'s conversation, and only to its:
    /// Agent Framework's autonomous mode runs the agent again after a reply that handed
    /// nothing off, with this prompt ("User did not respond. Continue assisting autonomously.").
    Prompt {
        /// The prompt.
        text: String,
    },
    /// Control passed from `agent` to `to`.
    Handoff {
        /// The agent now active.
        to: AgentId,
    },
    /// The app's host ran `to` for the human's reply before it, instead of the agent the
    /// framework's loop would have run (not a handoff: no model asked for it).
    Host {
        /// The agent now active.
        to: AgentId,
    },
    /// The human decided on a call of `agent` that waited for approval (the OpenAI Agents
    /// SDK's `needs_approval`); no model sees it, the call's result follows.
    Approval {
        /// The call decided on.
        call: CallId,
        /// Whether the human approved it (else rejected it).
        approved: bool,
    },
    /// A remark of the harness (a policy decision); no model sees it.
    Note {
        /// The remark.
        text: String,
    },
    /// An assistant message the framework wrote at `agent`'s handoff: the conversation so far
    /// as a summary (the OpenAI Agents SDK's nested handoff history). Every agent reads it.
    Summary(Box<crate::engine::HistorySummary>),
    /// An earlier item the framework carries again after it rewrote the conversation at a
    /// handoff: every agent reads `part` of event `of` here (no one said it anew).
    Carried {
        /// The event carried.
        of: EventIndex,
        /// Which part of it.
        part: crate::engine::ItemPart,
    },
    /// `agent` called `complete_task`: the run is over.
    Completed {
        /// The task summary.
        summary: String,
    },
}

/// Who sees an event in their thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Every agent.
    All,
    /// Every agent except its author (who has the text in its own reply already).
    Others(AgentId),
    /// Only this agent.
    Only(AgentId),
    /// No agent: a control event.
    Nobody,
}

/// A message of an agent's thread, as its model reads it (after its system message).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Message<'a> {
    /// The task or a human reply.
    User {
        /// The text.
        text: &'a str,
    },
    /// A message of a task given as several, as the app gave it.
    Input {
        /// Who says it.
        role: crate::engine::InputRole,
        /// Its text (`None`: no content).
        content: Option<&'a str>,
        /// The speaker's name, if given.
        name: Option<&'a str>,
    },
    /// An assistant message: the agent's own response, or another agent's broadcast text.
    Assistant {
        /// The agent that spoke.
        author: AgentId,
        /// The text (empty when the response was only tool calls).
        text: &'a str,
        /// Tool calls (only in the agent's own responses).
        calls: &'a [ToolCall],
        /// Whether the framework has signed it with its author's name for the author's own
        /// later requests (Agent Framework, after an invocation that did not stream).
        signed: bool,
        /// The reasoning summary the response carries before its text and calls (the
        /// OpenAI Agents SDK's `reasoning` item), if any.
        reasoning: Option<&'a str>,
    },
    /// The result of one of the agent's own tool calls.
    Tool {
        /// The agent whose call it answers.
        author: AgentId,
        /// The call it answers.
        call: CallId,
        /// The function name.
        name: &'a str,
        /// The result.
        output: &'a ToolOutput,
    },
}

mod log;

pub use log::{EventLog, Thread, ThreadCursor};
