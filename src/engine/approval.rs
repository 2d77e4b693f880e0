//! Tools that wait for the human's approval (the OpenAI Agents SDK's `needs_approval`, Agent
//! Framework's `approval_mode="always_require"`): what the human is asked about a call, and
//! what they decide.

use serde_json::{Map, Value};

use crate::design::AgentId;
use crate::engine::{CallId, EventIndex, EventKind, EventLog, ToolCall, ToolOutput};

/// A call that waits for the human's approval: the SDK's `ToolApprovalItem` in
/// `result.interruptions`, as the app's host shows it (agent, tool, arguments).
#[derive(Debug, Clone, Copy)]
pub struct ApprovalRequest<'a> {
    /// The agent that made the call.
    pub agent: AgentId,
    /// Its name.
    pub agent_name: &'a str,
    /// The function called.
    pub tool: &'a str,
    /// Its arguments.
    pub arguments: &'a Map<String, Value>,
}

/// The human's decision on a call that waits for approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// `state.approve(item)`: the call runs and the model reads its result.
    Approve,
    /// `state.reject(item)`: the call does not run; the model reads `message`
    /// (`state.reject(item, rejection_message=...)`), or the framework's own text when `None`.
    Reject {
        /// The text the model reads instead of the result.
        message: Option<String>,
    },
}

impl Approval {
    /// Whether the call runs.
    pub fn approved(&self) -> bool {
        matches!(self, Approval::Approve)
    }
}

/// A response interrupted for the human's approval, kept by the routing core (`E`: what the
/// response does once resumed).
#[derive(Debug)]
pub(crate) struct Interrupted<E> {
    /// The agent whose response it is.
    pub(crate) agent: AgentId,
    /// The response, in the log.
    pub(crate) reply: EventIndex,
    /// The calls that wait, in call order, each with its result if approved.
    pub(crate) asked: Vec<(CallId, ToolOutput)>,
    /// How many of `asked` the human has decided.
    pub(crate) decided: usize,
    /// The results of the decided calls, in call order.
    pub(crate) results: Vec<(CallId, ToolOutput)>,
    /// The results of the response's handoff calls, in the order they are appended.
    pub(crate) handoffs: Vec<(CallId, ToolOutput)>,
    /// What the response does once resumed.
    pub(crate) effect: Option<E>,
    /// Whether a result of the response is an error.
    pub(crate) any_error: bool,
}

/// Whether none of a response's calls runs before the human has decided every call that waits
/// (Agent Framework's `FunctionInvocationLayer`: the response's results, its handoff's
/// included, then come in call order), rather than the others running first, their results
/// appended before the interruption (the OpenAI Agents SDK).
pub(crate) fn whole_response_waits(profile: &crate::engine::Profile) -> bool {
    profile.name == crate::engine::Profile::AGENT_FRAMEWORK.name
}

/// Whether the human may give the text the model reads instead of a rejected call's result
/// (the Agents SDK's `rejection_message=`; Agent Framework's `to_function_approval_response`
/// takes none).
pub(crate) fn own_rejection_text(profile: &crate::engine::Profile) -> bool {
    !whole_response_waits(profile)
}

/// The call that the decision at `index` of `log` ([`EventKind::Approval`]) is about: a call of
/// the nearest response before it.
pub(crate) fn decided_call(log: &EventLog, index: EventIndex, call: CallId) -> Option<&ToolCall> {
    log.events()[..index as usize].iter().rev().find_map(|e| match &e.kind {
        EventKind::Reply { calls, .. } => log.calls(*calls).iter().find(|c| c.id == call),
        _ => None,
    })
}
