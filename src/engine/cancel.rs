//! Cancelling a run from the app's side (a scenario's `cancel`): where the app cancels, and
//! what each framework does then, as traced (`conformance/traces/*/cancel_*.json`).
//!
//! - Semantic Kernel Python: `OrchestrationResult.cancel()` cancels the invocation's token
//!   and resolves the result: `get()` raises "The invocation was canceled before it could
//!   complete." at once. The actor that holds the message it is handling goes on (the
//!   runtime only skips messages that arrive with the cancelled token): its model call is
//!   answered and read, it asks the human, calls its model again, and a handoff it makes is
//!   published without the token, so the target runs on as before. What the actor publishes
//!   with the token until then (its replies, the human's answers) reaches no other agent.
//!   Cancelled after the result resolved, `cancel()` raises "The invocation has already been
//!   completed.".
//! - Agent Framework, the OpenAI Agents SDK: the app's host cancels the asyncio task that runs
//!   the workflow (`workflow.run(..., stream=True)`) or `Runner.run`: the model call in flight
//!   is never read, nothing else runs, the host gets `asyncio.CancelledError`. Cancelling a
//!   task that has finished does nothing (`task.cancel()` returns `False`).

use crate::engine::Profile;

/// Where the app cancels the run: `{"at_call": N}` or `"after_result"`, as a scenario and a
/// recording write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cancel {
    /// While the run's model call of this number (1 for the first) is in flight: the model
    /// has the request, its answer is not back yet.
    AtCall(u32),
    /// After the run's result is in (the app's `get()` or host loop returned).
    AfterResult,
}

/// A cancellation that has happened, in a run that goes on (Semantic Kernel's background).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cancelled {
    /// The agent whose call was in flight.
    pub(crate) agent: crate::design::AgentId,
    /// The run's model call in flight.
    pub(crate) call: u32,
    /// Whether what the agent in control says and hears still carries the cancelled token
    /// (until its next handoff): it then reaches no other agent.
    pub(crate) token: bool,
}

/// How a framework takes a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancellation {
    /// The run's result resolves with `error` at once, but the agent in control goes on in
    /// the background: what it says and hears until its next handoff reaches no other
    /// agent (Semantic Kernel Python's cancellation token). Cancelling after the result
    /// raises `too_late`.
    Background {
        /// What the app's `get()` raises.
        error: &'static str,
        /// What `cancel()` raises once the result is in.
        too_late: &'static str,
    },
    /// The call in flight is never read and nothing else runs; the app gets `error`.
    /// Cancelling after the result does nothing.
    Immediate {
        /// What the app gets.
        error: &'static str,
        /// What the framework leaves behind, for the run's note.
        leaves: &'static str,
    },
}

impl Cancellation {
    /// How `profile`'s framework takes a cancellation; `None` where it is not traced.
    pub fn of(profile: &Profile) -> Option<Cancellation> {
        match profile.name {
            "semantic-kernel" | "semantic-kernel-fixed" => Some(Cancellation::Background {
                error: "RuntimeError: The invocation was canceled before it could complete.",
                too_late: "RuntimeError: The invocation has already been completed.",
            }),
            "agent-framework" => Some(Cancellation::Immediate {
                error: "asyncio.CancelledError",
                leaves: "the workflow keeps the in-flight messages: a new `workflow.run(message=...)` raises RuntimeError: Cannot start a new run with 'message' while in-flight executor messages remain from a prior run.",
            }),
            "openai-agents" => Some(Cancellation::Immediate {
                error: "asyncio.CancelledError",
                leaves: "the cancelled `Runner.run` returns no result: the host's conversation is what the previous run's `to_input_list()` gave",
            }),
            _ => None,
        }
    }

    /// What the app's cancellation call does once the run's result is in.
    pub fn after_result(&self) -> String {
        match self {
            Cancellation::Background { too_late, .. } => {
                format!("the app cancels the finished run: cancel() raises {too_late}")
            }
            Cancellation::Immediate { .. } => {
                "the app cancels the finished run: `task.cancel()` returns False, nothing happens".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_traced_framework_has_its_way_and_dotnet_none() {
        let sk = Cancellation::of(&Profile::SEMANTIC_KERNEL).unwrap();
        assert!(sk.after_result().contains("The invocation has already been completed."));
        assert!(matches!(
            Cancellation::of(&Profile::OPENAI_AGENTS),
            Some(Cancellation::Immediate { .. })
        ));
        assert!(
            Cancellation::of(&Profile::AGENT_FRAMEWORK)
                .unwrap()
                .after_result()
                .contains("returns False")
        );
        assert_eq!(Cancellation::of(&Profile::SEMANTIC_KERNEL_DOTNET), None);
    }
}
