//! The OpenAI Agents SDK 0.24: `Runner.run` in the SDK's canonical chat loop (after a text
//! reply the host appends the next user message and runs the last agent again).

use super::{
    AfterWinner, ArgumentErrors, Audience, EmptyTurn, Guard, Guards, Handoffs, NoHuman, Profile, ResultOrder, Several,
    Sharing, Texts, TransferResult, TurnText, Turns, UnknownTool, Wire,
};
use crate::design::ToolSurface;

impl Profile {
    /// The OpenAI Agents SDK: `transfer_to_<name lowercased>` (the edge's description, else
    /// `Handoff to the X agent to handle the request. <its description>`), own tools by plain
    /// name, no completion function (a `complete` step is the final text reply after which
    /// the host stops); every agent reads the whole conversation, every call and result
    /// included, with no speaker names; the first of several handoffs wins and the others get
    /// "Multiple handoffs detected, ignoring this one."; a call to an unknown tool fails the
    /// run; a turn's result (`final_output`) is its last response's text; 10 model calls between
    /// two human replies (`max_turns`, `profile.max_turns` in a scenario), then `MaxTurnsExceeded`.
    pub const OPENAI_AGENTS: Profile = Profile {
        name: "openai-agents",
        framework: "OpenAI Agents SDK 0.24",
        tools: ToolSurface::AGENTS_SDK,
        sharing: Sharing {
            task: Audience::Everyone,
            human: Audience::Everyone,
            reply_with_calls: Audience::Everyone,
            reply_text: Audience::Everyone,
            tool_result: Audience::Everyone,
            broadcast: Audience::Nobody,
        },
        wire: Wire {
            system_name: false,
            own_names: false,
            signs_unstreamed: false,
            other_names: false,
            others_see_calls: true,
            text_beside_calls: true,
            nothing: "",
            tool_choice: false,
            parallel_tool_calls: None,
            stream_usage: false,
        },
        texts: Texts {
            unknown_tool: UnknownTool::Fail("ModelBehaviorError: Tool {name} not found in agent {agent}"),
            unknown_tool_returned: Some("Tool '{name}' not found."),
            approval_rejected: Some("Tool execution was not approved."),
            arguments: ArgumentErrors::Constant("An error occurred while running the tool. Please try again."),
            no_human: NoHuman::Reply,
        },
        handoffs: Handoffs {
            several: Several::First,
            after_winner: AfterWinner::Answered,
            ignored: Some("Multiple handoffs detected, ignoring this one."),
            order: ResultOrder::HandoffsLast,
            result: TransferResult::Text("{\"assistant\": \"{target}\"}"),
        },
        turns: Turns {
            // `final_output` is the text of the response without calls, not the texts
            // spoken beside earlier calls.
            text: TurnText::Last,
            empty: EmptyTurn::AskHuman,
            drops_threads: false,
        },
        guards: Guards {
            rounds: None,
            error_rounds: None,
            calls_per_human_turn: Some(Guard {
                limit: 10,
                name: "max_turns",
                error: "MaxTurnsExceeded: Max turns ({n}) exceeded",
            }),
            supersteps: None,
        },
    };
}
