//! Microsoft Agent Framework's Python `HandoffBuilder` (agent-framework-orchestrations 1.4,
//! agent-framework-core 1.23).

use super::{
    AfterRounds, AfterWinner, ArgumentErrors, Audience, EmptyTurn, Guard, Guards, Handoffs, NoHuman, Profile,
    ResultOrder, RoundGuard, Several, Sharing, Texts, TransferResult, TurnText, Turns, UnknownTool, Wire,
};
use crate::design::{Collisions, Fallback, NoEdges, Resolution, Schema, TargetNames, ToolSurface};

impl Profile {
    /// Agent Framework: `handoff_to_X` (no parameters, the edge's description, else the
    /// target's, else "Handoff to the X agent."), own tools by plain name, no completion
    /// function (a `complete` step is a text reply after which the host ends the workflow),
    /// every agent able to hand off to every other when no edges are declared; every agent
    /// reads every other's text, handoff turns included, but no one's tool traffic; the
    /// first of several handoffs wins; 40 tool rounds, or 3 rounds with errors, then a call
    /// without tools; 100 supersteps in the whole conversation, then the workflow fails.
    /// The order of the handoff functions is declaration order (the framework's depends on
    /// Python's hash seed).
    pub const AGENT_FRAMEWORK: Profile = Profile {
        name: "agent-framework",
        framework: "Agent Framework 1.4 (Python HandoffBuilder)",
        tools: ToolSurface {
            plugin: None,
            own_plugins: false,
            transfer_prefix: "handoff_to_",
            target_names: TargetNames::Kept,
            complete: None,
            complete_first: false,
            fallback: Fallback::TargetOr("Handoff to the {target} agent."),
            drops_by_name: false,
            no_edges: NoEdges::Mesh,
            resolution: Resolution::Wire,
            schema: Schema::Pydantic,
            collisions: Collisions::Refused,
        },
        sharing: Sharing {
            task: Audience::Everyone,
            human: Audience::Everyone,
            reply_with_calls: Audience::AuthorAndOthersIfText,
            reply_text: Audience::Everyone,
            tool_result: Audience::Author,
            broadcast: Audience::Nobody,
        },
        wire: Wire {
            system_name: false,
            own_names: false,
            signs_unstreamed: true,
            other_names: true,
            others_see_calls: false,
            text_beside_calls: true,
            nothing: "",
            tool_choice: true,
            parallel_tool_calls: Some(false),
            stream_usage: false,
        },
        texts: Texts {
            unknown_tool: UnknownTool::Retry("Error: Requested function \"{name}\" not found."),
            unknown_tool_returned: None,
            approval_rejected: Some("Error: Tool call invocation was rejected by user."),
            arguments: ArgumentErrors::Constant("Error: Argument parsing failed."),
            no_human: NoHuman::Idle,
        },
        handoffs: Handoffs {
            several: Several::First,
            after_winner: AfterWinner::Answered,
            ignored: None,
            order: ResultOrder::Calls,
            result: TransferResult::Text("{\"handoff_to\": \"{target}\"}"),
        },
        turns: Turns {
            text: TurnText::All,
            empty: EmptyTurn::AskHuman,
            drops_threads: false,
        },
        guards: Guards {
            rounds: Some(RoundGuard {
                rounds: 40,
                name: "max_iterations",
                then: AfterRounds::OneCallWithoutTools,
            }),
            error_rounds: Some(3),
            calls_per_human_turn: None,
            supersteps: Some(Guard {
                limit: 100,
                name: "DEFAULT_MAX_ITERATIONS",
                error: "WorkflowConvergenceException: Runner did not converge after {n} iterations.",
            }),
        },
    };
}
