//! Profiles: the semantics of one framework's handoff orchestration, as the engine consults
//! them. Where frameworks differ (the names of the handoff functions, who sees which message,
//! what several handoffs in one response do, what the model reads after calling a function
//! it does not have, the framework's own loop guards, how a run without a human ends) the
//! routing core asks its profile instead of deciding itself.
//!
//! Five profiles, one file per framework: [`Profile::SEMANTIC_KERNEL`] (Python 1.45, its
//! quirks included: the default), [`Profile::SEMANTIC_KERNEL_FIXED`] (the same with the quirks
//! fixed), [`Profile::SEMANTIC_KERNEL_DOTNET`], [`Profile::AGENT_FRAMEWORK`] (Python
//! `HandoffBuilder`, agent-framework-orchestrations 1.4) and [`Profile::OPENAI_AGENTS`] (the
//! OpenAI Agents SDK 0.24 `Runner` in its chat loop). Each rule is read from the framework's
//! source and checked against traces of the real framework (`conformance/`).

use super::event::{Event, EventKind, Visibility};
use crate::design::ToolSurface;

mod agent_framework;
mod openai_agents;
mod semantic_kernel;

pub use semantic_kernel::NO_HUMAN_SUMMARY;

/// A framework's handoff semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Its name in scenario files and on the command line.
    pub name: &'static str,
    /// The framework and version it describes, for messages.
    pub framework: &'static str,
    /// How the functions are named, ordered and described.
    pub tools: ToolSurface,
    /// Who sees which message.
    pub sharing: Sharing,
    /// How a thread goes on the wire.
    pub wire: Wire,
    /// What the model reads where the framework answers a call itself.
    pub texts: Texts,
    /// What the handoff functions do.
    pub handoffs: Handoffs,
    /// How a turn ends.
    pub turns: Turns,
    /// The framework's own loop guards.
    pub guards: Guards,
}

/// Who reads each kind of message in their thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    /// The task.
    pub task: Audience,
    /// A human reply.
    pub human: Audience,
    /// A model response with tool calls (and maybe text).
    pub reply_with_calls: Audience,
    /// A model response with text only.
    pub reply_text: Audience,
    /// The result of a tool call.
    pub tool_result: Audience,
    /// The text of a turn that ended without a handoff, as the framework passes it on.
    pub broadcast: Audience,
}

/// Who reads a message, relative to the agent it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every agent.
    Everyone,
    /// Every agent but its author.
    Others,
    /// Only its author.
    Author,
    /// Its author; the others too when it has text (they read the text alone).
    AuthorAndOthersIfText,
    /// No agent.
    Nobody,
}

/// How a thread's messages are written on the wire (the Chat Completions `messages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire {
    /// Whether the system message carries the agent's name.
    pub system_name: bool,
    /// Whether an agent's own assistant messages carry its name.
    pub own_names: bool,
    /// Whether an agent's own assistant messages of an invocation that was not streamed
    /// carry its name in its later invocations. Agent Framework's non-streaming agent run
    /// stamps `author_name` on the response's messages, which are the very objects its
    /// session keeps; a streamed run stamps copies. Which runs stream is the app's choice
    /// ([`StreamedRuns`](crate::engine::StreamedRuns)).
    pub signs_unstreamed: bool,
    /// Whether other agents' assistant messages carry their speaker's name.
    pub other_names: bool,
    /// Whether other agents' tool calls reach a thread (then with their results).
    pub others_see_calls: bool,
    /// Whether text beside tool calls goes on the wire (Semantic Kernel Python drops it).
    pub text_beside_calls: bool,
    /// The result text of a function that returns nothing (`"None"` in Semantic Kernel
    /// Python, which writes `str(None)`).
    pub nothing: &'static str,
    /// Whether a request with tools names the tool choice: `"auto"`, or `"none"` for a call
    /// the framework makes without tools (Semantic Kernel and Agent Framework send it; the
    /// OpenAI Agents SDK leaves it to the API's default).
    pub tool_choice: bool,
    /// The `parallel_tool_calls` a request with tools sends, if any (Agent Framework's
    /// handoff agents are cloned with `allow_multiple_tool_calls=False`).
    pub parallel_tool_calls: Option<bool>,
    /// Whether its Chat Completions requests are streamed and ask for the usage chunk
    /// (`stream: true, stream_options.include_usage`), as Semantic Kernel Python's agents
    /// send them: `handoff record` and `serve --upstream` then ask the same and read the
    /// stream, so a recording shows what the deployed app would get.
    pub stream_usage: bool,
}

/// The texts a framework answers a bad call with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    /// A call to a function the agent does not have.
    pub unknown_tool: UnknownTool,
    /// Where the framework can be told to answer such a call instead of failing the run
    /// (the OpenAI Agents SDK's `tool_not_found_behavior="return_error_to_model"`): the text
    /// the call then gets (`{name}`: the name called), and the model is asked again.
    pub unknown_tool_returned: Option<&'static str>,
    /// Where the framework lets a tool wait for the human's approval (the OpenAI Agents SDK's
    /// `needs_approval`): what a rejected call returns unless the human words it
    /// (`DEFAULT_APPROVAL_REJECTION_MESSAGE`). `None`: the framework has no such tools.
    pub approval_rejected: Option<&'static str>,
    /// A call with missing (or unexpected) arguments.
    pub arguments: ArgumentErrors,
    /// How a run ends that a text reply ended because no human takes part.
    pub no_human: NoHuman,
}

/// How a text reply ends a run without a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoHuman {
    /// The run completes with this summary (Semantic Kernel Python's sentinel).
    Summary(&'static str),
    /// The run completes with the reply as its result.
    Reply,
    /// The run idles, waiting for input that no one gives (Agent Framework's pending
    /// `request_info`).
    Idle,
}

/// What a call to a function the agent does not have does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownTool {
    /// The call gets this error text as its result (`{name}`: the name called) and the model
    /// is asked again.
    Retry(&'static str),
    /// The framework stops the run with this error (`{name}`, `{agent}`).
    Fail(&'static str),
}

/// How a framework words a call's argument errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentErrors {
    /// Semantic Kernel Python's `Missing required argument(s): ['a']. Please revise ...`;
    /// `sorted`: the names in sorted order (as it writes them), else in parameter order;
    /// `unexpected`: arguments the function does not take are errors too.
    SemanticKernel {
        /// Whether missing names are sorted.
        sorted: bool,
        /// Whether unexpected arguments are refused.
        unexpected: bool,
    },
    /// Semantic Kernel .NET's exception for the first missing parameter.
    DotNet,
    /// One text whatever is wrong; unexpected arguments are ignored.
    Constant(&'static str),
}

/// What the handoff functions do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoffs {
    /// Which of several handoff calls in one response wins.
    pub several: Several,
    /// Whether calls after the winning handoff call are made and answered.
    pub after_winner: AfterWinner,
    /// The result of a handoff call that lost to another (`None`: its normal result).
    pub ignored: Option<&'static str>,
    /// In which order a response's results are appended.
    pub order: ResultOrder,
    /// What a transfer call returns (`{target}`: the target's name).
    pub result: TransferResult,
}

/// Which of several handoff calls wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Several {
    /// The completion function if called, else the last transfer (Semantic Kernel Python).
    LastCompleteWins,
    /// The first handoff call.
    First,
}

/// What happens to the calls after the winning handoff call of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterWinner {
    /// They run and get their results.
    Answered,
    /// They are never made and get no result (.NET stops at the first handoff-plugin call),
    /// which leaves the agent's history with calls no result answers.
    Unanswered,
}

/// The order of a response's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultOrder {
    /// In call order.
    Calls,
    /// Own tools first, then the handoff calls that lost, then the winner (the OpenAI Agents SDK).
    HandoffsLast,
}

/// What a transfer call returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferResult {
    /// Nothing (Semantic Kernel's `None`).
    Nothing,
    /// This text, `{target}` the target's name.
    Text(&'static str),
}

/// How a turn ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turns {
    /// What a text turn passes on.
    pub text: TurnText,
    /// What a response with neither text nor calls does.
    pub empty: EmptyTurn,
    /// Semantic Kernel Python's thread dropping: an invocation that streams nothing the
    /// agent passes on, while the agent has no thread yet, loses all it consumed.
    pub drops_threads: bool,
}

/// What a text turn passes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnText {
    /// Every text of the turn, joined (Semantic Kernel Python).
    All,
    /// The last response's text (.NET).
    Last,
}

/// What a response with neither text nor calls does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyTurn {
    /// The run ends with `empty-response`.
    Outcome,
    /// The framework raises this error (Semantic Kernel Python's `RuntimeError`, `{agent}`).
    Error(&'static str),
    /// An empty text turn: the human is asked.
    AskHuman,
}

/// The framework's own loop guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guards {
    /// Model calls in one invocation that make tool calls, and what comes after the last.
    pub rounds: Option<RoundGuard>,
    /// Consecutive rounds with an error result after which the model is called without
    /// tools (Agent Framework: 3).
    pub error_rounds: Option<u32>,
    /// Model calls between two human replies before the framework raises (the OpenAI Agents
    /// SDK's `max_turns`: 10).
    pub calls_per_human_turn: Option<Guard>,
    /// Supersteps in the whole conversation before the workflow fails (Agent Framework: 100).
    pub supersteps: Option<Guard>,
}

/// A framework guard: its figure and the error it raises (`{n}`: the figure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    /// The figure.
    pub limit: u32,
    /// The framework's name for it.
    pub name: &'static str,
    /// The framework's error, `{n}` standing for the limit.
    pub error: &'static str,
}

impl Guard {
    /// The framework's error, with the limit in it.
    pub fn error_text(&self) -> String {
        self.error.replace("{n}", &self.limit.to_string())
    }
}

/// The framework's limit on the tool rounds of one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundGuard {
    /// Tool-calling rounds allowed.
    pub rounds: u32,
    /// The framework's name for it.
    pub name: &'static str,
    /// What comes after the last.
    pub then: AfterRounds,
}

/// What comes after the last tool round an invocation allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterRounds {
    /// The invocation ends with what it said so far (Semantic Kernel Python's streaming path:
    /// no further call).
    EndTurn,
    /// One more model call, whose calls are not made (.NET: not auto-invoked; Agent
    /// Framework: `tool_choice: "none"`).
    OneCallWithoutTools,
}

impl Sharing {
    /// Who sees `event`.
    #[inline(always)]
    pub fn visibility(&self, event: &Event) -> Visibility {
        let audience = match &event.kind {
            EventKind::Task { .. } | EventKind::Input(_) => self.task,
            EventKind::Reply { calls, .. } if !calls.is_empty() => self.reply_with_calls,
            EventKind::Reply { .. } => self.reply_text,
            EventKind::ToolResult { .. } => self.tool_result,
            EventKind::Broadcast { .. } => self.broadcast,
            EventKind::Human { .. } => self.human,
            // The framework's own user message, in the conversation of the agent it runs.
            EventKind::Prompt { .. } => Audience::Author,
            EventKind::Handoff { .. }
            | EventKind::Host { .. }
            | EventKind::Approval { .. }
            | EventKind::Note { .. }
            | EventKind::Completed { .. } => Audience::Nobody,
            EventKind::Summary(_) | EventKind::Carried { .. } => Audience::Everyone,
        };
        let has_text = || matches!(&event.kind, EventKind::Reply { text: Some(t), .. } if !t.is_empty());
        match (audience, event.agent) {
            (Audience::Everyone, _) | (Audience::Others, None) => Visibility::All,
            (Audience::AuthorAndOthersIfText, Some(_)) if has_text() => Visibility::All,
            (Audience::Others, Some(author)) => Visibility::Others(author),
            (Audience::Author | Audience::AuthorAndOthersIfText, Some(author)) => Visibility::Only(author),
            (Audience::Author | Audience::AuthorAndOthersIfText, None) | (Audience::Nobody, _) => Visibility::Nobody,
        }
    }
}

impl UnknownTool {
    /// The text for a call named `name` by `agent`.
    pub fn text(&self, name: &str, agent: &str) -> String {
        let (UnknownTool::Retry(text) | UnknownTool::Fail(text)) = self;
        text.replace("{name}", name).replace("{agent}", agent)
    }
}

impl ArgumentErrors {
    /// The result of a call that lacks the `missing` arguments (in parameter order) and has
    /// the `unexpected` ones; `None` if the framework accepts the call.
    pub fn text(&self, missing: &[&str], unexpected: &[&str]) -> Option<String> {
        let quoted = |names: &[&str], sorted: bool| {
            let mut names: Vec<&str> = names.to_vec();
            if sorted {
                names.sort_unstable();
            }
            names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
        };
        match *self {
            ArgumentErrors::SemanticKernel {
                sorted,
                unexpected: check,
            } => {
                let unexpected = if check { unexpected } else { &[] };
                if missing.is_empty() && unexpected.is_empty() {
                    return None;
                }
                let mut text = String::new();
                if !missing.is_empty() {
                    text.push_str(&format!(
                        "Missing required argument(s): [{}]. ",
                        quoted(missing, sorted)
                    ));
                }
                if !unexpected.is_empty() {
                    text.push_str(&format!(
                        "Received unexpected argument(s): [{}]. ",
                        quoted(unexpected, sorted)
                    ));
                }
                text.push_str("Please revise the arguments to match the function signature.");
                Some(text)
            }
            ArgumentErrors::DotNet => missing.first().map(|first| {
                format!("Error: Exception while invoking function. Missing argument for function parameter '{first}'")
            }),
            ArgumentErrors::Constant(text) => (!missing.is_empty()).then(|| text.to_string()),
        }
    }
}

impl Profile {
    /// Every profile, the default first.
    pub const ALL: [&'static Profile; 5] = [
        &Profile::SEMANTIC_KERNEL,
        &Profile::SEMANTIC_KERNEL_FIXED,
        &Profile::SEMANTIC_KERNEL_DOTNET,
        &Profile::AGENT_FRAMEWORK,
        &Profile::OPENAI_AGENTS,
    ];

    /// The profile named `name`.
    pub fn named(name: &str) -> Option<&'static Profile> {
        Profile::ALL.into_iter().find(|p| p.name == name)
    }

    /// The profile named `name` (surrounding spaces aside), or an error that names the
    /// closest and lists them all: what a file and the command line say of a typo.
    pub fn parse(name: &str) -> Result<&'static Profile, String> {
        let name = name.trim();
        Profile::named(name).ok_or_else(|| {
            let hint = crate::files::closest(name, Profile::ALL.iter().map(|p| p.name));
            format!("unknown profile `{name}`{hint}; one of: {}", Profile::names())
        })
    }

    /// The names of every profile, for messages: "`semantic-kernel`, `agent-framework`, ...".
    pub fn names() -> String {
        Profile::ALL
            .iter()
            .map(|p| format!("`{}`", p.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether other agents read the text spoken beside a handoff call.
    pub fn shares_handoff_text(&self) -> bool {
        matches!(
            self.sharing.reply_with_calls,
            Audience::Everyone | Audience::AuthorAndOthersIfText
        )
    }
}

impl Default for Profile {
    fn default() -> Profile {
        Profile::SEMANTIC_KERNEL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::AgentId;
    use crate::engine::event::CallSpan;

    #[test]
    fn argument_errors_are_worded_as_each_framework_words_them() {
        let sk = Profile::SEMANTIC_KERNEL.texts.arguments;
        assert_eq!(
            sk.text(&["reason", "order_id"], &[]).unwrap(),
            "Missing required argument(s): ['order_id', 'reason']. Please revise the arguments to match the function signature."
        );
        assert_eq!(
            sk.text(&[], &["x"]).unwrap(),
            "Received unexpected argument(s): ['x']. Please revise the arguments to match the function signature."
        );
        assert_eq!(sk.text(&[], &[]), None);
        let fixed = Profile::SEMANTIC_KERNEL_FIXED.texts.arguments;
        assert_eq!(fixed.text(&[], &["x"]), None, "today's: unexpected arguments pass");
        assert!(
            fixed.text(&["b", "a"], &[]).unwrap().contains("['b', 'a']"),
            "in parameter order"
        );
        let dotnet = Profile::SEMANTIC_KERNEL_DOTNET.texts.arguments;
        assert_eq!(
            dotnet.text(&["summary"], &[]).unwrap(),
            "Error: Exception while invoking function. Missing argument for function parameter 'summary'"
        );
        assert_eq!(
            Profile::AGENT_FRAMEWORK.texts.arguments.text(&["a"], &[]).unwrap(),
            "Error: Argument parsing failed."
        );
    }

    #[test]
    fn an_audience_relative_to_the_author_becomes_a_visibility() {
        let sharing = Profile::AGENT_FRAMEWORK.sharing;
        let event = |agent, kind| Event { agent, kind };
        // Who sees a reply depends on whether it has calls, not on which.
        let with_text = EventKind::Reply {
            text: Some("moving you".into()),
            calls: CallSpan::new(0, 1),
        };
        assert_eq!(sharing.visibility(&event(Some(AgentId(1)), with_text)), Visibility::All);
        let calls_only = EventKind::Reply {
            text: None,
            calls: CallSpan::new(1, 1),
        };
        assert_eq!(
            sharing.visibility(&event(Some(AgentId(1)), calls_only)),
            Visibility::Only(AgentId(1))
        );
        let sk = Profile::SEMANTIC_KERNEL.sharing;
        let broadcast = EventKind::Broadcast { text: "hi".into() };
        assert_eq!(
            sk.visibility(&event(Some(AgentId(1)), broadcast.clone())),
            Visibility::All
        );
        let fixed = Profile::SEMANTIC_KERNEL_FIXED.sharing;
        assert_eq!(
            fixed.visibility(&event(Some(AgentId(1)), broadcast)),
            Visibility::Others(AgentId(1))
        );
        let handoff = EventKind::Handoff { to: AgentId(0) };
        assert_eq!(sk.visibility(&event(Some(AgentId(1)), handoff)), Visibility::Nobody);
    }

    #[test]
    fn every_profile_has_a_unique_name() {
        for p in Profile::ALL {
            assert_eq!(Profile::named(p.name), Some(p));
        }
        assert_eq!(Profile::named("crewai"), None);
        assert!(Profile::names().starts_with("`semantic-kernel`, `semantic-kernel-fixed`"));
    }
}
