//! The routing core: a pure, synchronous state machine, fed model responses and human
//! answers, that says what is needed next ([`Next`]) under the semantics of its
//! [`Profile`](crate::engine::Profile). It does no I/O, reads no clock and owns the
//! [`EventLog`]. The async [`Orchestration`](crate::engine::Orchestration) drives it; fuzzers and
//! benchmarks may drive it directly.
//!
//! One turn of the active agent: its model is called; its calls are made (`calls.rs`); a
//! transfer call ends the turn and activates the target; the completion call ends the run; a
//! plain-text response ends the turn, the human answers, and the same agent goes on. Where
//! frameworks differ (who sees which event, which of several handoffs wins, what a bad call
//! gets, the frameworks' own loop guards, Semantic Kernel Python's thread dropping) the
//! profile decides.

use std::sync::Arc;

use crate::design::{AgentId, Design};
use crate::engine::loops::{LoopDetector, ToolRounds};
use crate::engine::{Event, EventIndex, EventKind, EventLog, ToolOutput, Visibility};
use crate::engine::{HumanRequest, Limit, ModelError, ModelRequest, Outcome, Response, Settings};

mod approvals;
mod autonomous;
mod calls;
mod cancelling;
mod carried;
mod drive;
mod enablement;
mod failure;
mod handoff;
mod rewrite;
mod session;
mod structured;
mod termination;
mod turns;

pub use session::session_items;

/// What the core needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Call the active agent's model with [`Core::request`], then [`Core::model_replied`].
    CallModel,
    /// Ask the human ([`Core::human_request`]), then [`Core::human_answered`].
    AskHuman,
    /// Ask the human to approve or reject a call ([`Core::approval_request`]), then
    /// [`Core::approval_answered`] (the OpenAI Agents SDK's `needs_approval`).
    Approve,
    /// The run is over: [`Core::outcome`].
    Done,
}

/// What a handoff-function call asks for.
#[derive(Debug)]
enum Effect {
    Transfer(AgentId),
    Complete(String),
}

/// Steps a driver allows beyond what the limits need (the first call, the last answer).
const STEP_MARGIN: u64 = 16;

/// The routing state machine of one run.
#[derive(Debug)]
pub struct Core {
    design: Arc<Design>,
    settings: Settings,
    has_human: bool,
    log: EventLog,
    active: AgentId,
    next: Next,
    outcome: Option<Outcome>,
    /// Tool rounds so far in this turn.
    round: u32,
    /// Where this turn (the active agent's invocation) began in the log.
    turn_start: EventIndex,
    /// Every text of this turn, joined.
    turn_text: String,
    /// The latest response's text in this turn (what .NET passes on).
    last_text: String,
    /// The text of the conversation's last message, as Agent Framework's termination
    /// condition reads it (kept only when the run has one).
    last_message: String,
    /// The agent that said it (`None`: the task or the human).
    last_author: Option<AgentId>,
    /// Whether this turn streamed anything Semantic Kernel Python passes on.
    yielded: bool,
    /// Whether the next model call is made without tools (a framework's guard).
    tools_off: bool,
    /// Consecutive tool rounds with an error result.
    error_rounds: u32,
    latest_user: Option<EventIndex>,
    tool_result: Option<EventIndex>,
    calls_per_agent: Vec<u32>,
    /// Per agent: whether it has a thread yet (Semantic Kernel Python's thread dropping).
    has_thread: Vec<bool>,
    /// Per agent: whether a dropped thread of its was noted already (once is enough).
    drop_noted: Vec<bool>,
    model_calls: u32,
    /// Times the framework's client has tried the current model call again (`failure.rs`).
    retries: u32,
    /// Model calls since the last human reply (the OpenAI Agents SDK's `max_turns`).
    calls_in_human_turn: u32,
    /// Agent Framework's supersteps so far.
    supersteps: u32,
    human_turns: u32,
    /// Runs of the app that answered approvals (Agent Framework's `workflow.run(responses=...)`).
    resumed_runs: u32,
    /// Handoffs so far.
    handoffs: u32,
    handoffs_in_turn: u32,
    /// Whether any agent has handed off yet (Semantic Kernel surfaces an agent's error only in the start agent's first).
    handed_off: bool,
    next_call_id: u32,
    model_state: Option<u64>,
    loops: LoopDetector,
    /// The tool rounds of the current turn, for the proof that they repeat forever.
    rounds: ToolRounds,
    /// Scratch space of [`Core::model_replied`]: each call's result, reused between calls.
    outputs: Vec<Option<ToolOutput>>,
    /// Scratch space: the handoff-function calls of a response (call index, effect).
    effects: Vec<(usize, Effect)>,
    /// The winning call of the response, when its result goes last (the OpenAI Agents SDK).
    handoffs_last: Option<usize>,
    /// Why the run ends at the response being handled, if it does (see `calls.rs`).
    stop: Option<Outcome>,
    /// Remarks on the response being handled, for the log.
    notes: Vec<String>,
    /// The conversation as handoffs rewrote it in this run of the app (`rewrite.rs`).
    rewrites: carried::Rewrites,
    /// The response that waits for the human's approval of some of its calls.
    pending: Option<Box<crate::engine::approval::Interrupted<Effect>>>,
    /// The app's cancellation, once it happened and the run goes on (`cancelling.rs`).
    cancelled: Option<crate::engine::cancel::Cancelled>,
    /// The structured final output of the latest `Runner.run` (`structured.rs`).
    structured: crate::engine::final_output::FinalOutput,
}

impl Core {
    /// A run of `design` on `task`. `has_human`: whether a human answers text replies.
    /// `model_state`: the model's deciding state before its first call (see
    /// [`Model::state`](crate::engine::Model::state)); `None` turns loop proofs off.
    pub fn new(
        design: Arc<Design>,
        task: impl Into<String>,
        settings: Settings,
        has_human: bool,
        model_state: Option<u64>,
    ) -> Core {
        let agents = design.agents().len();
        let start = design.start();
        let mut log = EventLog::new(agents);
        let task = task.into();
        let last_message = match (&settings.termination, &settings.task_messages) {
            (Some(_), Some(messages)) => messages.last().map(|m| m.text().to_string()).unwrap_or_default(),
            (Some(_), None) => task.clone(),
            (None, _) => String::new(),
        };
        let latest_user = Some(match settings.task_messages.clone() {
            // A task given as several messages: each is one event; the last is where the
            // run's input ends.
            Some(messages) => messages
                .iter()
                .map(|m| Core::append_to(&mut log, &settings, None, EventKind::Input(Box::new(m.clone())), None))
                .last()
                .unwrap_or(0),
            None => Core::append_to(&mut log, &settings, None, EventKind::Task { text: task }, None),
        });
        let mut loops = LoopDetector::new(agents);
        loops.restart(start, model_state);
        let mut core = Core {
            design,
            settings,
            has_human,
            log,
            active: start,
            next: Next::CallModel,
            outcome: None,
            round: 0,
            turn_start: 0,
            turn_text: String::new(),
            last_text: String::new(),
            last_message,
            last_author: None,
            yielded: false,
            tools_off: false,
            error_rounds: 0,
            latest_user,
            tool_result: None,
            calls_per_agent: vec![0; agents],
            has_thread: vec![false; agents],
            drop_noted: vec![false; agents],
            model_calls: 0,
            retries: 0,
            calls_in_human_turn: 0,
            supersteps: 0,
            human_turns: 0,
            resumed_runs: 0,
            handoffs: 0,
            handoffs_in_turn: 0,
            handed_off: false,
            next_call_id: 1,
            model_state,
            loops,
            rounds: ToolRounds::default(),
            outputs: Vec::new(),
            effects: Vec::new(),
            handoffs_last: None,
            stop: None,
            notes: Vec::new(),
            rewrites: carried::Rewrites::default(),
            pending: None,
            cancelled: None,
            structured: Default::default(),
        };
        // The start agent runs in the first superstep (its executor first evaluates the
        // termination condition on the task).
        if core.superstep() && !core.terminates() {
            core.call_model_next();
        }
        core
    }

    /// What is needed next.
    pub fn next(&self) -> Next {
        self.next
    }
    /// The agent in control.
    pub fn active(&self) -> AgentId {
        self.active
    }
    /// The log so far.
    pub fn log(&self) -> &EventLog {
        &self.log
    }
    /// The design being run.
    pub fn design(&self) -> &Arc<Design> {
        &self.design
    }
    /// How the run ended, once [`Next::Done`].
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }
    /// Model calls so far.
    pub fn model_calls(&self) -> u32 {
        self.model_calls
    }

    /// The request for the active agent's model (meaningful when [`Next::CallModel`]).
    pub fn request(&self) -> ModelRequest<'_> {
        ModelRequest {
            design: &self.design,
            log: &self.log,
            profile: self.settings.profile,
            tools_off: self.tools_off,
            agent: self.active,
            call: self.calls_per_agent[self.active.index()] + 1,
            round: self.round,
            latest_user: self.latest_user,
            tool_result: self.tool_result,
            disabled: self.disabled_tools(self.active),
        }
    }

    /// What the human is asked (meaningful when [`Next::AskHuman`]).
    pub fn human_request(&self) -> HumanRequest<'_> {
        let text = match self.log.events().last().map(|e| &e.kind) {
            Some(EventKind::Broadcast { text }) => text.as_str(),
            _ => "",
        };
        HumanRequest {
            agent: self.active,
            agent_name: &self.design.agent(self.active).name,
            text,
        }
    }

    /// Feeds the model's answer to [`Core::request`]. `model_state` is the model's deciding
    /// state after this call (`None` if it cannot tell). Ignored unless [`Next::CallModel`].
    pub fn model_replied(&mut self, reply: Result<Response, ModelError>, model_state: Option<u64>) {
        if self.next != Next::CallModel {
            return;
        }
        self.model_state = model_state;
        let agent = self.active;
        let Some(mut response) = self.accept(agent, reply) else {
            return;
        };
        self.model_calls += 1;
        self.calls_in_human_turn += 1;
        self.calls_per_agent[agent.index()] += 1;
        let tools_off = std::mem::take(&mut self.tools_off);
        let mut left_out = None;
        if tools_off && !response.calls.is_empty() {
            left_out = Some(std::mem::take(&mut response.calls));
        }

        let text = response.text.filter(|t| !t.is_empty());
        if let Some(text) = &text {
            self.turn_text.push_str(text);
            self.last_text.clear();
            self.last_text.push_str(text);
            // Text in a chunk of its own is passed on; in the call's chunk it is not.
            self.yielded |= !response.text_in_call_chunk || response.calls.is_empty();
        }
        self.yielded |= self.settings.usage_chunk;
        let first = self.next_call_id;
        let made = self.make_calls(agent, response.calls);
        let any_calls = !made.calls.is_empty();
        let reply = self.append(
            Some(agent),
            EventKind::Reply {
                text: text.map(String::into_boxed_str),
                calls: made.calls,
            },
        );
        if let Some(reasoning) = &response.reasoning {
            self.log.reason(reply, reasoning);
        }
        if self.cancel_in_flight(agent) {
            return;
        }
        let waits = self.hold_for_approval(agent, reply, first);
        self.append_results(agent, reply, first);
        self.rewrites.replied(reply);
        if let Some(calls) = left_out {
            let names: Vec<&str> = calls.iter().map(|c| &*c.name).collect();
            self.note(
                agent,
                format!(
                    "{} called the model without tools: the calls of its response ({}) are not made",
                    self.settings.profile.framework,
                    names.join(", ")
                ),
            );
        }
        if !self.notes.is_empty() {
            for note in std::mem::take(&mut self.notes) {
                self.note(agent, note);
            }
        }
        if self.stop.is_some()
            && let Some(outcome) = self.stop.take()
        {
            return self.finish(outcome);
        }
        if !any_calls {
            return self.end_text_turn(response.ends_conversation, false);
        }
        if waits {
            return self.ask_approval(made.effect, made.any_error);
        }
        match made.effect {
            Some(Effect::Transfer(target)) => self.hand_off(target),
            Some(Effect::Complete(summary)) => self.complete(agent, summary),
            None => self.tool_round(agent, reply, made.any_error),
        }
    }

    /// Feeds the human's answer; `None` means the human has nothing more to say.
    /// Ignored unless [`Next::AskHuman`].
    pub fn human_answered(&mut self, answer: Option<String>) {
        self.human_answered_to(answer, None);
    }

    /// [`Core::human_answered`], the answer given by the app's host to `host` where it picks
    /// the agent for the turn instead of the framework's loop (an [`EventKind::Host`] event,
    /// not a handoff).
    pub fn human_answered_to(&mut self, answer: Option<String>, host: Option<AgentId>) {
        if self.next != Next::AskHuman {
            return;
        }
        let Some(text) = answer else {
            return self.human_done();
        };
        self.human_turns += 1;
        self.said(None, &text);
        self.carry_on();
        if self.next == Next::Done {
            return; // the carried conversation would pass the ceiling
        }
        self.latest_user = Some(self.append_human(text));
        if let Some(agent) = host.filter(|&agent| agent != self.active) {
            self.append_seen(None, EventKind::Host { to: agent }, Some(Visibility::Nobody));
            self.active = agent;
        }
        self.handoffs_in_turn = 0;
        self.calls_in_human_turn = 0;
        self.start_turn();
        self.loops.restart(self.active, self.model_state);
        if self.superstep() && !self.terminates() {
            self.call_model_next();
        }
    }

    /// `agent` completed the task with `summary`: the run is over.
    #[cold]
    #[inline(never)]
    fn complete(&mut self, agent: AgentId, summary: String) {
        self.append(
            Some(agent),
            EventKind::Completed {
                summary: summary.clone(),
            },
        );
        self.finish(Outcome::Completed { agent, summary });
    }

    /// Ends the run now with `outcome` (for drivers that stop a run from outside).
    pub fn abort(&mut self, outcome: Outcome) {
        if self.next != Next::Done {
            self.finish(outcome);
        }
    }

    /// How many steps (model replies and human answers fed in) a driver allows before it
    /// stops the run itself. A working core never needs them all: every step appends an
    /// event, so it reaches its ceiling first, and with `model_calls` and `human_turns` both
    /// set it stops at those limits, so the budget is their sum (plus a margin). A driver that
    /// counts its steps never loops forever, and over a broken core it stops after the run's
    /// limits, not after a million events.
    pub fn step_budget(&self) -> u64 {
        let limits = &self.settings.limits;
        let ceiling = u64::from(limits.max_events) + STEP_MARGIN;
        match (limits.model_calls, limits.human_turns) {
            (Some(calls), Some(turns)) => ceiling.min(u64::from(calls) + u64::from(turns) + STEP_MARGIN),
            _ => ceiling,
        }
    }

    /// Ends the run at the ceiling: what a driver does when [`Core::step_budget`] is spent
    /// (only a broken core lets it be spent).
    pub fn stop_at_ceiling(&mut self) {
        self.abort(Outcome::CeilingReached {
            events: self.settings.limits.max_events,
            agent: self.active,
        });
    }

    /// The finished run, once [`Next::Done`].
    pub fn into_run(self) -> Option<crate::engine::Run> {
        let outcome = self.outcome?;
        let counts = crate::engine::run::Counts {
            model_calls: self.model_calls,
            human_turns: self.human_turns,
            handoffs: self.handoffs,
            has_human: self.has_human,
        };
        let final_output = self.structured.latest;
        Some(
            crate::engine::Run::new(self.design, self.log, outcome, self.settings, counts)
                .with_final_output(final_output),
        )
    }

    /// The functions the tool round logged at `reply` called, in order, each once.
    fn round_tools(&self, reply: EventIndex) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for call in self.log.calls_of(self.log.get(reply)) {
            if !names.iter().any(|n| **n == *call.name) {
                names.push(call.name.to_string());
            }
        }
        names
    }

    fn start_turn(&mut self) {
        // Only a turn that had tool rounds moved the proof's checkpoint.
        if self.round != 0 {
            self.rounds = ToolRounds::default();
        }
        self.round = 0;
        self.turn_start = self.log.len() as EventIndex;
        self.turn_text.clear();
        self.last_text.clear();
        self.yielded = false;
        self.tools_off = false;
        self.error_rounds = 0;
        self.tool_result = None;
    }

    /// Counts one superstep of Agent Framework's workflow; `false` if that is one more than
    /// it allows (the run is then over).
    #[inline(always)]
    fn superstep(&mut self) -> bool {
        let Some(guard) = self.settings.profile.guards.supersteps else {
            return true;
        };
        self.supersteps += 1;
        if self.supersteps <= guard.limit {
            return true;
        }
        self.finish(Outcome::FrameworkError {
            agent: self.active,
            error: guard.error_text(),
            guard: true,
        });
        false
    }

    #[inline(always)]
    fn call_model_next(&mut self) {
        let ceiling = self.settings.limits.max_events;
        if self.log.len() >= ceiling as usize {
            return self.finish(Outcome::CeilingReached {
                events: ceiling,
                agent: self.active,
            });
        }
        if let Some(max) = self.settings.limits.model_calls.filter(|&max| self.model_calls >= max) {
            return self.finish(Outcome::LimitReached {
                limit: Limit::ModelCalls,
                value: max,
                agent: self.active,
            });
        }
        if let Some(guard) = self
            .settings
            .calls_per_human_turn()
            .filter(|g| self.calls_in_human_turn >= g.limit)
        {
            if self.max_turns_handled(guard) {
                return;
            }
            return self.finish(Outcome::FrameworkError {
                agent: self.active,
                error: guard.error_text(),
                guard: true,
            });
        }
        self.note_collisions();
        if self.enablement_raises() {
            return;
        }
        self.next = Next::CallModel;
    }

    /// Appends a remark of the harness.
    fn note(&mut self, agent: AgentId, text: String) {
        self.append(Some(agent), EventKind::Note { text });
    }

    /// Appends an event, seen by whom the profile says.
    #[inline(always)]
    fn append(&mut self, agent: Option<AgentId>, kind: EventKind) -> EventIndex {
        Core::append_to(&mut self.log, &self.settings, agent, kind, None)
    }

    /// Appends an event, seen by whom `visibility` says, else by whom the profile says.
    #[inline(always)]
    fn append_seen(&mut self, agent: Option<AgentId>, kind: EventKind, visibility: Option<Visibility>) -> EventIndex {
        Core::append_to(&mut self.log, &self.settings, agent, kind, visibility)
    }

    #[inline(always)]
    fn append_to(
        log: &mut EventLog,
        settings: &Settings,
        agent: Option<AgentId>,
        kind: EventKind,
        visibility: Option<Visibility>,
    ) -> EventIndex {
        let event = Event { agent, kind };
        let visibility = visibility.unwrap_or_else(|| settings.profile.sharing.visibility(&event));
        log.push(event, visibility)
    }

    fn finish(&mut self, outcome: Outcome) {
        self.next = Next::Done;
        let outcome = self.as_cancelled(outcome);
        self.outcome = Some(outcome);
    }
}
