//! How a run ended: every way is a value, never a panic or a hang.

use crate::design::AgentId;
use crate::engine::Limit;

/// How a run ended. Never a panic or a hang: every way a run can end is one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `agent` called `complete_task`.
    Completed {
        /// The completing agent.
        agent: AgentId,
        /// Its task summary.
        summary: String,
    },
    /// `agent` replied in text and no human takes part: the run ends (Semantic Kernel Python
    /// completes with a fixed summary, .NET with the reply); or, under Agent Framework, the
    /// human had nothing more to say and the agent's request stays pending.
    EndedWithoutHuman {
        /// The agent that replied.
        agent: AgentId,
        /// What it said.
        text: String,
    },
    /// Control came back to an agent in the same deciding state within one human turn: the
    /// run would circle forever. `cycle` starts and ends with that agent.
    LoopDetected {
        /// The agents passed through, first and last the same.
        cycle: Vec<AgentId>,
    },
    /// One agent called tools round after round, and a round repeated an earlier one of the
    /// same turn (same calls, same results, the model's deciding state unchanged): it would
    /// call them forever.
    ToolLoop {
        /// The agent.
        agent: AgentId,
        /// The functions its repeating round called.
        tools: Vec<String>,
    },
    /// The run reached the harness's ceiling ([`Limits::max_events`](crate::engine::Limits::max_events)),
    /// which no setting switches off: a run that long almost surely never ends.
    CeilingReached {
        /// The ceiling, in events.
        events: u32,
        /// The agent active when it was reached.
        agent: AgentId,
    },
    /// The framework itself stops the run with an error: its own loop guard (Agent
    /// Framework's supersteps, the OpenAI Agents SDK's `max_turns`), a call it refuses (an
    /// unknown tool in the OpenAI Agents SDK), or a turn it cannot make sense of (Semantic
    /// Kernel Python's `RuntimeError` for a turn with no response).
    FrameworkError {
        /// The agent active when it was raised.
        agent: AgentId,
        /// The framework's error, as it words it.
        error: String,
        /// Whether it is a loop guard (then the run bounced).
        guard: bool,
    },
    /// A limit of [`Limits`](crate::engine::Limits) stopped the run.
    LimitReached {
        /// Which limit.
        limit: Limit,
        /// Its value.
        value: u32,
        /// The agent active when it was hit.
        agent: AgentId,
    },
    /// `agent` replied in text, asking the human, who had nothing more to say.
    HumanExhausted {
        /// The agent waiting for an answer.
        agent: AgentId,
    },
    /// The model of `agent` failed to answer.
    ModelFailed {
        /// The agent whose model failed.
        agent: AgentId,
        /// Why.
        message: String,
        /// The same as structured fields, when the model gave them ([`ModelError::detail`](crate::engine::ModelError::detail)):
        /// a scripted model's failures (no rule answered, no script, the responses used up).
        detail: Option<Box<serde_json::Value>>,
    },
    /// The model of `agent` answered with neither text nor tool calls (an error in Semantic Kernel).
    EmptyResponse {
        /// The agent.
        agent: AgentId,
    },
    /// Calls of `agent` wait for the human's approval, and the human has no more decisions:
    /// the OpenAI Agents SDK's `Runner.run` returned with them in `result.interruptions`, and
    /// the app does not resume it.
    AwaitingApproval {
        /// The agent whose calls wait.
        agent: AgentId,
        /// The functions they call, in order.
        calls: Vec<String>,
    },
    /// The app cancelled the run while model call `call` of `agent` was in flight (a
    /// scenario's `cancel`): what the app got is `error`. Under Semantic Kernel Python the
    /// agent went on in the background: `background` is how that ended.
    Cancelled {
        /// The agent whose call was in flight.
        agent: AgentId,
        /// The run's model call that was in flight (1 for the first).
        call: u32,
        /// What the app's framework raised, as it words it.
        error: String,
        /// How the run the framework went on with in the background ended, if it went on.
        background: Option<Box<Outcome>>,
    },
    /// Several handoff calls in one response under [`MultipleHandoffs::Reject`](crate::engine::MultipleHandoffs::Reject).
    AmbiguousHandoff {
        /// The agent.
        agent: AgentId,
        /// The handoff functions it called, in order.
        calls: Vec<String>,
    },
}

impl Outcome {
    /// The outcome's kind, as named in scenario `expect` blocks and JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Completed { .. } => "completed",
            Outcome::EndedWithoutHuman { .. } => "ended-without-human",
            Outcome::LoopDetected { .. } => "loop-detected",
            Outcome::ToolLoop { .. } => "tool-loop",
            Outcome::CeilingReached { .. } => "ceiling-reached",
            Outcome::FrameworkError { .. } => "framework-error",
            Outcome::LimitReached { .. } => "limit-reached",
            Outcome::HumanExhausted { .. } => "human-exhausted",
            Outcome::ModelFailed { .. } => "model-failed",
            Outcome::EmptyResponse { .. } => "empty-response",
            Outcome::AmbiguousHandoff { .. } => "ambiguous-handoff",
            Outcome::AwaitingApproval { .. } => "awaiting-approval",
            Outcome::Cancelled { .. } => "cancelled",
        }
    }

    /// Every kind name, for error messages.
    pub const KINDS: [&'static str; 13] = [
        "completed",
        "ended-without-human",
        "loop-detected",
        "tool-loop",
        "ceiling-reached",
        "framework-error",
        "limit-reached",
        "human-exhausted",
        "model-failed",
        "empty-response",
        "ambiguous-handoff",
        "awaiting-approval",
        "cancelled",
    ];

    /// Whether the run bounced: a proven loop (of handoffs or of tool rounds), the ceiling, a
    /// limit on handoffs per turn, model calls or tool rounds (a limit on human turns only
    /// means the human kept talking), or several handoffs at once under policy `reject`.
    pub fn is_bounce(&self) -> bool {
        matches!(
            self,
            Outcome::LoopDetected { .. }
                | Outcome::ToolLoop { .. }
                | Outcome::CeilingReached { .. }
                | Outcome::FrameworkError { guard: true, .. }
                | Outcome::AmbiguousHandoff { .. }
                | Outcome::LimitReached {
                    limit: crate::engine::Limit::HandoffsPerTurn
                        | crate::engine::Limit::ModelCalls
                        | crate::engine::Limit::ToolRounds,
                    ..
                }
        )
    }

    /// Whether the run ended the way Semantic Kernel ends a run normally.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Completed { .. } | Outcome::EndedWithoutHuman { .. })
    }
}
