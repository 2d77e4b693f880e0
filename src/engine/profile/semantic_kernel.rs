//! Semantic Kernel's `HandoffOrchestration`: Python 1.45 as it is (the default), as it is meant
//! to be (its quirks fixed: what the harness did before profiles), and .NET.

use super::{
    AfterRounds, AfterWinner, ArgumentErrors, Audience, EmptyTurn, Guards, Handoffs, NoHuman, Profile, ResultOrder,
    RoundGuard, Several, Sharing, Texts, TransferResult, TurnText, Turns, UnknownTool, Wire,
};
use crate::design::{Collisions, CompleteTool, Fallback, NoEdges, Resolution, Schema, TargetNames, ToolSurface};

/// What Semantic Kernel Python makes the summary when a text reply ends a run without a human.
pub const NO_HUMAN_SUMMARY: &str = "No handoff agent name provided and no human response function set. Ending task.";

const UNKNOWN_TOOL: &str = "The tool call with name `{name}` is not part of the provided tools, please try again with a supplied tool call name and make sure to validate the name.";

const PYTHON_HANDOFFS: Handoffs = Handoffs {
    several: Several::LastCompleteWins,
    after_winner: AfterWinner::Answered,
    ignored: None,
    order: ResultOrder::Calls,
    result: TransferResult::Nothing,
};

/// Semantic Kernel as meant (and .NET): each agent keeps its own thread, its replies' text as
/// said; a text turn is broadcast to the others.
const OWN_THREADS: Sharing = Sharing {
    task: Audience::Everyone,
    human: Audience::Everyone,
    reply_with_calls: Audience::Author,
    reply_text: Audience::Author,
    tool_result: Audience::Author,
    broadcast: Audience::Others,
};

impl Profile {
    /// Semantic Kernel Python 1.45's `HandoffOrchestration`, exactly, its quirks included:
    /// an invocation that streams nothing the agent passes on, while the agent has no thread
    /// yet, drops its thread (its first turn is a handoff, a tool call and then a handoff,
    /// or text in the same stream chunk as the call); a reply's own text returns to it only
    /// with the turn's broadcast, and text beside a call is not sent at all; an edge declared
    /// by name loses its description; after 5 tool rounds the invocation just ends.
    pub const SEMANTIC_KERNEL: Profile = Profile {
        name: "semantic-kernel",
        framework: "Semantic Kernel 1.45 (Python)",
        tools: ToolSurface::SEMANTIC_KERNEL,
        sharing: Sharing {
            task: Audience::Everyone,
            human: Audience::Everyone,
            reply_with_calls: Audience::Author,
            reply_text: Audience::Nobody,
            tool_result: Audience::Author,
            broadcast: Audience::Everyone,
        },
        wire: Wire {
            system_name: true,
            own_names: true,
            signs_unstreamed: false,
            other_names: true,
            others_see_calls: false,
            text_beside_calls: false,
            nothing: "None",
            tool_choice: true,
            parallel_tool_calls: None,
            stream_usage: true,
        },
        texts: Texts {
            unknown_tool: UnknownTool::Retry(UNKNOWN_TOOL),
            unknown_tool_returned: None,
            approval_rejected: None,
            arguments: ArgumentErrors::SemanticKernel {
                sorted: true,
                unexpected: true,
            },
            no_human: NoHuman::Summary(NO_HUMAN_SUMMARY),
        },
        handoffs: PYTHON_HANDOFFS,
        turns: Turns {
            text: TurnText::All,
            empty: EmptyTurn::Error(
                "RuntimeError: Agent \"{agent}\" did not return any response nor did not set a handoff agent name.",
            ),
            drops_threads: true,
        },
        guards: Guards {
            rounds: Some(RoundGuard {
                rounds: 5,
                name: "maximum_auto_invoke_attempts",
                then: AfterRounds::EndTurn,
            }),
            error_rounds: None,
            calls_per_human_turn: None,
            supersteps: None,
        },
    };

    /// Semantic Kernel Python as it is meant to work, for comparison: each agent keeps its
    /// thread for the whole run, with its own replies' text as said; declared descriptions
    /// are kept; a design may have no edges; only the harness's limits bound a run.
    pub const SEMANTIC_KERNEL_FIXED: Profile = Profile {
        name: "semantic-kernel-fixed",
        framework: "Semantic Kernel 1.45 (Python), quirks fixed",
        tools: ToolSurface {
            drops_by_name: false,
            no_edges: NoEdges::Allowed,
            ..ToolSurface::SEMANTIC_KERNEL
        },
        sharing: OWN_THREADS,
        wire: Wire {
            system_name: false,
            own_names: true,
            signs_unstreamed: false,
            other_names: true,
            others_see_calls: false,
            text_beside_calls: true,
            nothing: "",
            tool_choice: true,
            parallel_tool_calls: None,
            stream_usage: true,
        },
        texts: Texts {
            unknown_tool: UnknownTool::Retry(UNKNOWN_TOOL),
            unknown_tool_returned: None,
            approval_rejected: None,
            arguments: ArgumentErrors::SemanticKernel {
                sorted: false,
                unexpected: false,
            },
            no_human: NoHuman::Summary(NO_HUMAN_SUMMARY),
        },
        handoffs: PYTHON_HANDOFFS,
        turns: Turns {
            text: TurnText::All,
            empty: EmptyTurn::Outcome,
            drops_threads: false,
        },
        guards: Guards {
            rounds: None,
            error_rounds: None,
            calls_per_human_turn: None,
            supersteps: None,
        },
    };

    /// Semantic Kernel .NET's `HandoffOrchestration`: `HandoffPlugin-end_task_with_summary`
    /// first, then `HandoffPlugin-transfer_to_X`; only wire names reach a function (ignoring
    /// case); the first handoff call wins and the calls after it are never made (they get no
    /// result); a text turn passes on its last reply; without a human the result is the
    /// reply; 128 tool rounds, then one call whose calls are not made.
    pub const SEMANTIC_KERNEL_DOTNET: Profile = Profile {
        name: "semantic-kernel-dotnet",
        framework: "Semantic Kernel (.NET)",
        tools: ToolSurface {
            plugin: Some("HandoffPlugin"),
            own_plugins: true,
            transfer_prefix: "transfer_to_",
            target_names: TargetNames::Kept,
            complete: Some(CompleteTool {
                name: "end_task_with_summary",
                parameter: "summary",
                description: "Complete the task with a summary when no further requests are given.",
            }),
            complete_first: true,
            fallback: Fallback::TargetDescription,
            drops_by_name: false,
            no_edges: NoEdges::Allowed,
            resolution: Resolution::WireIgnoringCase,
            schema: Schema::SemanticKernel,
            collisions: Collisions::Refused,
        },
        sharing: OWN_THREADS,
        wire: Wire {
            system_name: true,
            own_names: true,
            signs_unstreamed: false,
            other_names: true,
            others_see_calls: false,
            text_beside_calls: true,
            nothing: "",
            tool_choice: true,
            parallel_tool_calls: None,
            stream_usage: false,
        },
        texts: Texts {
            unknown_tool: UnknownTool::Retry(
                "Error: Function call request for a function that wasn't defined. Correct yourself.",
            ),
            unknown_tool_returned: None,
            approval_rejected: None,
            arguments: ArgumentErrors::DotNet,
            no_human: NoHuman::Reply,
        },
        handoffs: Handoffs {
            several: Several::First,
            after_winner: AfterWinner::Unanswered,
            ignored: None,
            order: ResultOrder::Calls,
            result: TransferResult::Nothing,
        },
        turns: Turns {
            text: TurnText::Last,
            empty: EmptyTurn::AskHuman,
            drops_threads: false,
        },
        guards: Guards {
            rounds: Some(RoundGuard {
                rounds: 128,
                name: "MaximumAutoInvokeAttempts",
                then: AfterRounds::OneCallWithoutTools,
            }),
            error_rounds: None,
            calls_per_human_turn: None,
            supersteps: None,
        },
    };
}
