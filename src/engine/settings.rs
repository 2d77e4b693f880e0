//! Run settings: the limits that bound a run and the named policies where handoff frameworks
//! differ. The defaults are Semantic Kernel Python's semantics plus limits that keep a
//! misbehaving design from running forever; [`Limits::none`] behaves exactly like Semantic
//! Kernel, which has no loop guard at all.

use std::fmt;

use serde::Deserialize;

use super::profile::{Guard, Profile};

/// Bounds on a run. `None` switches a limit off. In a scenario file: `limits`, where a
/// missing field keeps its default and `null` switches it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Handoffs between two human turns (default 10).
    pub handoffs_per_turn: Option<u32>,
    /// Model calls in the whole run (default 1,000).
    pub model_calls: Option<u32>,
    /// Human replies in the whole run (default 100).
    pub human_turns: Option<u32>,
    /// Consecutive tool-calling responses in one turn of one agent (default 5, like Semantic
    /// Kernel's `maximum_auto_invoke_attempts`).
    pub tool_rounds: Option<u32>,
    /// The ceiling: events in the whole run (default 1,000,000). Unlike the limits above it
    /// cannot be switched off (`null` is refused), so that every run ends in bounded memory,
    /// whatever the other limits say; raise it for a conversation that long.
    #[serde(deserialize_with = "ceiling")]
    #[schemars(range(min = 1, max = MAX_CEILING))]
    pub max_events: u32,
}

/// The default ceiling of [`Limits::max_events`].
pub const MAX_EVENTS: u32 = 1_000_000;

/// The largest ceiling: the event log numbers events with 32 bits.
pub const MAX_CEILING: u32 = u32::MAX - 4;

/// `limits.max_events`: a whole number from 1 to [`MAX_CEILING`]; `null` is refused with the
/// reason.
fn ceiling<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    use serde::de::Error;
    match Option::<u64>::deserialize(deserializer)? {
        None => Err(D::Error::custom(
            "the ceiling cannot be switched off: it keeps every run finite; raise it instead (a number of events)",
        )),
        Some(0) => Err(D::Error::custom("the ceiling must be at least 1 event")),
        Some(n) if n > u64::from(MAX_CEILING) => {
            Err(D::Error::custom(format!("the ceiling is at most {MAX_CEILING} events")))
        }
        Some(n) => Ok(n as u32),
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            handoffs_per_turn: Some(10),
            model_calls: Some(1000),
            human_turns: Some(100),
            tool_rounds: Some(5),
            max_events: MAX_EVENTS,
        }
    }
}

impl Limits {
    /// No limits: Semantic Kernel's behaviour. A design that bounces then runs until its
    /// model stops it, a loop proof stops it, or it reaches the ceiling, which stays.
    pub fn none() -> Limits {
        Limits {
            handoffs_per_turn: None,
            model_calls: None,
            human_turns: None,
            tool_rounds: None,
            max_events: MAX_EVENTS,
        }
    }

    /// The same limits with the ceiling at `events` (at most [`MAX_CEILING`]).
    pub fn ceiling(mut self, events: u32) -> Limits {
        self.max_events = events.clamp(1, MAX_CEILING);
        self
    }
}

/// Which limit stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::handoffs_per_turn`].
    HandoffsPerTurn,
    /// [`Limits::model_calls`].
    ModelCalls,
    /// [`Limits::human_turns`].
    HumanTurns,
    /// [`Limits::tool_rounds`].
    ToolRounds,
}

impl Limit {
    /// The limit's name in scenario files (`limits.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Limit::HandoffsPerTurn => "handoffs_per_turn",
            Limit::ModelCalls => "model_calls",
            Limit::HumanTurns => "human_turns",
            Limit::ToolRounds => "tool_rounds",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::HandoffsPerTurn => "handoffs per human turn",
            Limit::ModelCalls => "model calls per run",
            Limit::HumanTurns => "human turns per run",
            Limit::ToolRounds => "tool rounds per agent turn",
        })
    }
}

/// What happens when one response calls several handoff functions (`transfer_to_*`,
/// `complete_task`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MultipleHandoffs {
    /// What the profile's framework does (the default).
    #[default]
    Profile,
    /// `complete_task` wins if called; otherwise the last transfer wins (Semantic Kernel Python).
    Last,
    /// The first handoff function called wins (Semantic Kernel .NET, the OpenAI Agents SDK).
    First,
    /// The run stops with [`Outcome::AmbiguousHandoff`](crate::engine::Outcome::AmbiguousHandoff).
    Reject,
}

impl MultipleHandoffs {
    /// The policy's name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            MultipleHandoffs::Profile => "profile",
            MultipleHandoffs::Last => "last",
            MultipleHandoffs::First => "first",
            MultipleHandoffs::Reject => "reject",
        }
    }
}

/// The semantic choices of a run (`policy` in a scenario file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Several handoff calls in one response.
    pub multiple_handoffs: MultipleHandoffs,
}

/// Limits, policy and profile of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Bounds.
    pub limits: Limits,
    /// Semantic choices.
    pub policy: Policy,
    /// The framework semantics the run follows.
    pub profile: &'static Profile,
    /// Whether the endpoint ends every stream with a usage chunk, as OpenAI does when a
    /// request asks for one: Semantic Kernel Python passes that chunk on, so with it no agent
    /// ever loses its thread (`profile.usage_chunk` in a scenario, where it is on by default
    /// under Semantic Kernel Python, as OpenAI and Azure OpenAI send the chunk; off in
    /// [`Settings::default`], which shows the framework's thread dropping).
    pub usage_chunk: bool,
    /// Whether a call to a function the agent does not have gets an error text and the model
    /// is asked again, where the framework would fail the run by default (the OpenAI Agents
    /// SDK's `tool_not_found_behavior="return_error_to_model"`; `profile.tool_not_found_behavior`
    /// in a scenario). Only a profile with [`Texts::unknown_tool_returned`](crate::engine::profile::Texts::unknown_tool_returned) has it.
    pub unknown_tools_returned: bool,
    /// Which of the app's runs stream (`profile.streamed_runs` in a scenario). Only a profile
    /// with [`Wire::signs_unstreamed`](crate::engine::profile::Wire::signs_unstreamed) (Agent
    /// Framework) sends anything different for it.
    pub streamed_runs: StreamedRuns,
    /// The framework's cap on model calls in one run of the app, between two human replies
    /// (the OpenAI Agents SDK's `max_turns`; `profile.max_turns` in a scenario). Only a
    /// profile with [`Guards::calls_per_human_turn`](crate::engine::profile::Guards::calls_per_human_turn) has one.
    pub max_turns: MaxTurns,
    /// Whether the app's host ends the workflow when its human has nothing more to say, as
    /// Agent Framework's samples do (`HandoffAgentUserRequest.terminate()`: the run is then
    /// completed, its summary the agent's last reply); otherwise, under a profile whose
    /// framework idles ([`NoHuman::Idle`](crate::engine::profile::NoHuman::Idle)), the request
    /// stays pending and the run ends `ended-without-human` (`profile.human_done` in a scenario).
    pub host_terminates: bool,
    /// Agent Framework's `termination_condition` (`profile.termination_condition` in a
    /// scenario), evaluated on the workflow's conversation before each agent runs and after
    /// each of its text replies; `None`: the workflow never ends on its own.
    pub termination: Option<Termination>,
    /// How handoffs rewrite the conversation the next agent reads (the OpenAI Agents SDK's
    /// nested history and input filters; `profile.nest_handoff_history`,
    /// `profile.handoff_input_filter` and the edges' own in a scenario).
    pub history: crate::engine::HandoffHistory,
    /// What the OpenAI Agents SDK's `error_handlers={"max_turns": ...}` returns, if the run
    /// has one: the run's final output instead of `MaxTurnsExceeded`
    /// (`profile.error_handlers.max_turns` in a scenario).
    pub max_turns_output: Option<HandlerOutput>,
    /// What its `error_handlers={"model_refusal": ...}` returns, if the run has one: the run's
    /// final output instead of `ModelRefusalError` (`profile.error_handlers.model_refusal`).
    pub refusal_output: Option<HandlerOutput>,
    /// What its `error_handlers={"invalid_final_output": ...}` returns, if the run has one: the
    /// final output of an agent with an `output_type` whose reply is not of the type, or has no
    /// text, instead of `ModelBehaviorError` (`profile.error_handlers.invalid_final_output`).
    pub invalid_output: Option<HandlerOutput>,
    /// Agent Framework's autonomous mode (`profile.autonomous_mode` in a scenario): which
    /// agents are run again, with a prompt, after a reply that hands nothing off, and how often.
    pub autonomous: crate::engine::AutonomousMode,
    /// Whether the OpenAI Agents SDK app's host keeps a session (`Runner.run(agent,
    /// new_input, session=...)`, `profile.session` in a scenario): each run of the app then
    /// reads the session's items, the conversation as it happened, rather than what a nested
    /// or filtered handoff left (`result.to_input_list()`).
    pub session: bool,
    /// Whether the OpenAI Agents SDK app's model API keeps the conversation
    /// (`Runner.run(..., auto_previous_response_id=True)`, `previous_response_id=...`,
    /// `conversation_id=...`; `profile.server_managed` in a scenario): the SDK then sends only
    /// new items, does not nest a handoff's history (it warns) and raises at a handoff with
    /// an input filter.
    pub server_managed: bool,
    /// Where the app cancels the run, if it does (a scenario's `cancel`); only a profile
    /// with a [`Cancellation`](crate::engine::Cancellation) takes it.
    pub cancel: Option<crate::engine::Cancel>,
    /// The task given as several messages (`task` as a list in a scenario): the run starts
    /// with them instead of one user message; `None`: the task is one text.
    pub task_messages: Option<std::sync::Arc<[crate::engine::InputMessage]>>,
    /// Handoffs offered turn by turn (the OpenAI Agents SDK's `is_enabled` callable, in the
    /// forms a scenario says: the edges' `is_enabled` conditions).
    pub handoff_conditions: Vec<crate::engine::HandoffCondition>,
}

/// A final output an error handler of the OpenAI Agents SDK returns
/// (`RunErrorHandlerResult(final_output=..., include_in_history=...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerOutput {
    /// The final output the handler returns (a string, an object, a list: any JSON value).
    pub value: serde_json::Value,
    /// The text the SDK writes into its message for an agent without an `output_type`:
    /// `str(final_output)` (a dict as Python writes it, its keys in the handler's order). An
    /// agent with one writes the pydantic dump of the value instead.
    pub text: String,
    /// Whether the message enters the conversation the next run reads (default `true`).
    pub include_in_history: bool,
}

/// The common forms of Agent Framework's `HandoffBuilder(termination_condition=...)`, a
/// function of the full conversation (the task, the human's replies, every agent's text; no
/// tool traffic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Termination {
    /// `sum(1 for m in conversation if m.role == "user") >= n`: the task and the human's
    /// replies are the user messages.
    UserMessages(u32),
    /// `text in conversation[-1].text` (`conversation[-1].text.lower()` and a lowercase
    /// `text` when `ignore_case`).
    LastMessageContains {
        /// The text looked for.
        text: String,
        /// Whether the comparison ignores case.
        ignore_case: bool,
    },
    /// `conversation[-1].author_name == name`: the last message is this agent's text.
    LastAuthor(String),
}

impl Termination {
    /// Whether the condition holds for a conversation of `user_messages` user messages whose
    /// last message says `last` and is no agent's.
    pub fn holds(&self, user_messages: u32, last: &str) -> bool {
        self.holds_by(user_messages, last, None)
    }

    /// [`Termination::holds`], the last message said by the agent named `author` (`None`: the
    /// task or a human reply).
    pub fn holds_by(&self, user_messages: u32, last: &str, author: Option<&str>) -> bool {
        match self {
            Termination::LastAuthor(name) => author == Some(name.as_str()),
            Termination::UserMessages(n) => user_messages >= *n,
            Termination::LastMessageContains {
                text,
                ignore_case: false,
            } => last.contains(text.as_str()),
            Termination::LastMessageContains {
                text,
                ignore_case: true,
            } => last.to_lowercase().contains(&text.to_lowercase()),
        }
    }
}

/// The OpenAI Agents SDK's `max_turns`: how many model calls one `Runner.run` makes before it
/// raises `MaxTurnsExceeded`. Each model call is a turn, whichever agent makes it (a tool
/// round and a handoff each lead to one more); the count starts again with each human reply,
/// which the host answers with a new `Runner.run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaxTurns {
    /// The profile's default (the SDK's `DEFAULT_MAX_TURNS`, 10).
    #[default]
    Profile,
    /// This many (0: the run fails before its first call).
    Limit(u32),
    /// No cap (`max_turns=None`).
    Unlimited,
}

impl Settings {
    /// The framework's cap on model calls between two human replies, with its error, as
    /// [`Settings::max_turns`] sets it; `None` where there is none.
    pub fn calls_per_human_turn(&self) -> Option<Guard> {
        let guard = self.profile.guards.calls_per_human_turn?;
        match self.max_turns {
            MaxTurns::Profile => Some(guard),
            MaxTurns::Limit(limit) => Some(Guard { limit, ..guard }),
            MaxTurns::Unlimited => None,
        }
    }
}

/// Which of the app's runs of the workflow stream. Agent Framework's host calls
/// `workflow.run(...)` once with the task and once per human reply, each with `stream=True`
/// or not, and a run that does not stream leaves each agent's own messages signed with its
/// name for its later invocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StreamedRuns {
    /// Every run streams (`workflow.run(..., stream=True)` throughout).
    #[default]
    All,
    /// The first run, the task's, streams; the runs that answer the human do not
    /// (`await workflow.run(responses=...)`), as Agent Framework's published samples do.
    First,
    /// No run streams.
    None,
}

impl StreamedRuns {
    /// The names of the values in scenario files, in declaration order.
    pub const NAMES: [&'static str; 3] = ["all", "first", "none"];

    /// The value named `name` in scenario files.
    pub fn named(name: &str) -> Option<StreamedRuns> {
        let values = [StreamedRuns::All, StreamedRuns::First, StreamedRuns::None];
        StreamedRuns::NAMES.iter().position(|n| *n == name).map(|i| values[i])
    }

    /// Whether the run that answers the `human_turns`-th human reply streams (0: the task's run).
    pub fn streams(self, human_turns: u32) -> bool {
        match self {
            StreamedRuns::All => true,
            StreamedRuns::First => human_turns == 0,
            StreamedRuns::None => false,
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            limits: Limits::default(),
            policy: Policy::default(),
            profile: &Profile::SEMANTIC_KERNEL,
            usage_chunk: false,
            unknown_tools_returned: false,
            streamed_runs: StreamedRuns::All,
            max_turns: MaxTurns::Profile,
            host_terminates: false,
            termination: None,
            history: crate::engine::HandoffHistory::default(),
            max_turns_output: None,
            refusal_output: None,
            invalid_output: None,
            autonomous: crate::engine::AutonomousMode::default(),
            session: false,
            server_managed: false,
            cancel: None,
            task_messages: None,
            handoff_conditions: Vec::new(),
        }
    }
}
