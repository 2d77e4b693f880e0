//! The routing core: a pure, synchronous state machine with Semantic Kernel's handoff
//! semantics. It is fed model responses and human answers and says what is needed next
//! ([`Next`]); it does no I/O, reads no clock and owns the [`EventLog`]. The async
//! [`Orchestration`](crate::Orchestration) drives it; fuzzers and benchmarks may drive it directly.
//!
//! One turn of the active agent: its model is called; tool calls are executed (own tools
//! from their templates, unknown tools answered with an error the model reads); a
//! `transfer_to_<X>` call ends the turn and activates X; `complete_task` ends the run; a
//! plain-text response is broadcast, the human answers, and the same agent goes on.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::design::{AgentId, Design, ToolKind};
use crate::engine::Outcome;
use crate::engine::loops::{LoopDetector, ToolRounds};
use crate::engine::{CallId, Event, EventIndex, EventKind, EventLog, ToolCall, ToolOutput};
use crate::engine::{HumanRequest, ModelError, ModelRequest, Response};
use crate::engine::{Limit, MultipleHandoffs, Settings};

/// What the core needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Call the active agent's model with [`Core::request`], then [`Core::model_replied`].
    CallModel,
    /// Ask the human ([`Core::human_request`]), then [`Core::human_answered`].
    AskHuman,
    /// The run is over: [`Core::outcome`].
    Done,
}

/// What a handoff-function call asks for.
#[derive(Debug)]
enum Effect {
    Transfer(AgentId),
    Complete(String),
}

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
    round: u32,
    turn_text: String,
    latest_user: Option<EventIndex>,
    tool_result: Option<EventIndex>,
    calls_per_agent: Vec<u32>,
    model_calls: u32,
    human_turns: u32,
    handoffs_in_turn: u32,
    next_call_id: u32,
    model_state: Option<u64>,
    loops: LoopDetector,
    /// The tool rounds of the current turn, for the proof that they repeat forever.
    rounds: ToolRounds,
    /// Scratch space of [`Core::model_replied`], kept to reuse its allocation.
    outputs: Vec<ToolOutput>,
    /// Scratch space of [`Core::model_replied`]: the handoff-function calls of a response.
    decisive: Vec<(usize, Effect)>,
}

impl Core {
    /// A run of `design` on `task`. `has_human`: whether a human answers text replies.
    /// `model_state`: the model's deciding state before its first call (see
    /// [`Model::state`](crate::Model::state)); `None` turns loop proofs off.
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
        let latest_user = Some(Core::append_to(
            &mut log,
            &settings,
            None,
            EventKind::Task { text: task.into() },
        ));
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
            turn_text: String::new(),
            latest_user,
            tool_result: None,
            calls_per_agent: vec![0; agents],
            model_calls: 0,
            human_turns: 0,
            handoffs_in_turn: 0,
            next_call_id: 1,
            model_state,
            loops,
            rounds: ToolRounds::default(),
            outputs: Vec::new(),
            decisive: Vec::new(),
        };
        core.call_model_next();
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
            agent: self.active,
            call: self.calls_per_agent[self.active.index()] + 1,
            round: self.round,
            latest_user: self.latest_user,
            tool_result: self.tool_result,
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
        let response = match reply {
            Ok(response) => response,
            Err(error) => {
                return self.finish(Outcome::ModelFailed {
                    agent,
                    message: error.message,
                });
            }
        };
        self.model_calls += 1;
        self.calls_per_agent[agent.index()] += 1;

        let text = response.text.filter(|t| !t.is_empty());
        if let Some(text) = &text {
            self.turn_text.push_str(text);
        }
        let first_id = self.next_call_id;
        let mut calls = Vec::with_capacity(response.calls.len());
        let mut decisive = std::mem::take(&mut self.decisive);
        for (i, call) in response.calls.into_iter().enumerate() {
            let (name, output, effect) = self.execute(agent, call.name, &call.arguments);
            decisive.extend(effect.map(|e| (i, e)));
            self.outputs.push(output);
            calls.push(ToolCall {
                id: CallId(self.next_call_id),
                name,
                arguments: call.arguments,
            });
            self.next_call_id += 1;
        }
        let any_calls = !calls.is_empty();
        let reply = self.append(
            Some(agent),
            EventKind::Reply {
                text: text.map(String::into_boxed_str),
                calls: calls.into_boxed_slice(),
            },
        );
        for (id, output) in (first_id..).zip(self.outputs.drain(..)) {
            let kind = EventKind::ToolResult {
                call: CallId(id),
                output,
            };
            self.tool_result = Some(Core::append_to(&mut self.log, &self.settings, Some(agent), kind));
        }

        if !any_calls {
            return self.end_text_turn();
        }
        let chosen = self.choose(agent, reply, &mut decisive);
        decisive.clear();
        self.decisive = decisive;
        match chosen {
            Err(outcome) => self.finish(outcome),
            Ok(Some(Effect::Transfer(target))) => self.hand_off(target),
            Ok(Some(Effect::Complete(summary))) => {
                self.append(
                    Some(agent),
                    EventKind::Completed {
                        summary: summary.clone(),
                    },
                );
                self.finish(Outcome::Completed { agent, summary });
            }
            Ok(None) => {
                self.round += 1;
                if let Some(max) = self.settings.limits.tool_rounds.filter(|&max| self.round >= max) {
                    return self.finish(Outcome::LimitReached {
                        limit: Limit::ToolRounds,
                        value: max,
                        agent,
                    });
                }
                if let Some(state) = self.model_state
                    && self.rounds.repeats(&self.log, state, reply)
                {
                    let tools = self.round_tools(reply);
                    return self.finish(Outcome::ToolLoop { agent, tools });
                }
                self.call_model_next();
            }
        }
    }

    /// Feeds the human's answer; `None` means the human has nothing more to say.
    /// Ignored unless [`Next::AskHuman`].
    pub fn human_answered(&mut self, answer: Option<String>) {
        if self.next != Next::AskHuman {
            return;
        }
        let Some(text) = answer else {
            return self.finish(Outcome::HumanExhausted { agent: self.active });
        };
        self.human_turns += 1;
        self.latest_user = Some(self.append(None, EventKind::Human { text }));
        self.handoffs_in_turn = 0;
        self.start_turn();
        self.loops.restart(self.active, self.model_state);
        self.call_model_next();
    }

    /// Ends the run now with `outcome` (for drivers that stop a run from outside).
    pub fn abort(&mut self, outcome: Outcome) {
        if self.next != Next::Done {
            self.finish(outcome);
        }
    }

    /// How many steps (model replies and human answers fed in) a driver allows before it
    /// stops the run itself: every step appends an event, so a working core reaches its
    /// ceiling first; a driver that counts its steps never loops forever, even over a broken
    /// core.
    pub fn step_budget(&self) -> u64 {
        u64::from(self.settings.limits.max_events) + 16
    }

    /// Ends the run at the ceiling: what a driver does when [`Core::step_budget`] is spent.
    pub fn stop_at_ceiling(&mut self) {
        self.abort(Outcome::CeilingReached {
            events: self.settings.limits.max_events,
            agent: self.active,
        });
    }

    /// The finished run, once [`Next::Done`].
    pub fn into_run(self) -> Option<crate::Run> {
        let outcome = self.outcome?;
        Some(crate::Run::new(self.design, self.log, outcome, self.settings))
    }

    /// Executes one call: the name to log (the design's shared name when the agent has the
    /// function), the result, and what a handoff function asks for.
    fn execute(
        &self,
        agent: AgentId,
        name: String,
        arguments: &Map<String, Value>,
    ) -> (Arc<str>, ToolOutput, Option<Effect>) {
        let Some(spec) = self.design.resolve_tool(agent, &name) else {
            let output = ToolOutput::Error(self.settings.profile.texts.unknown_tool(&name));
            return (name.into(), output, None);
        };
        let shared = if *spec.name == *name {
            spec.name.clone()
        } else {
            spec.qualified_name.clone()
        };
        let missing: Vec<&str> = spec
            .parameters
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !arguments.contains_key(*name))
            .collect();
        if !missing.is_empty() {
            return (
                shared,
                ToolOutput::Error(self.settings.profile.texts.missing_arguments(&missing)),
                None,
            );
        }
        let (output, effect) = match spec.kind {
            ToolKind::Transfer(target) => (ToolOutput::Nothing, Some(Effect::Transfer(target))),
            ToolKind::Complete => {
                // The completion function's one parameter, present (checked above).
                let summary = spec.parameters.first().and_then(|(p, _)| arguments.get(p));
                let summary = summary.map(argument_text).unwrap_or_default().into_owned();
                (ToolOutput::Nothing, Some(Effect::Complete(summary)))
            }
            ToolKind::Own(tool) => {
                let rendered = self
                    .design
                    .result_template(agent, tool)
                    .render(|name, out| match arguments.get(name) {
                        Some(value) => {
                            out.push_str(&argument_text(value));
                            true
                        }
                        None => false,
                    });
                // Every placeholder is a parameter (checked by the design) and every parameter
                // is present (checked above), so rendering cannot miss a value.
                (ToolOutput::Text(rendered.unwrap_or_default()), None)
            }
        };
        (shared, output, effect)
    }

    /// Applies the multiple-handoff policy to the handoff-function calls of the response
    /// logged at `reply`; `Err` ends the run.
    fn choose(
        &mut self,
        agent: AgentId,
        reply: EventIndex,
        decisive: &mut Vec<(usize, Effect)>,
    ) -> Result<Option<Effect>, Outcome> {
        if decisive.len() <= 1 {
            return Ok(decisive.pop().map(|(_, effect)| effect));
        }
        let EventKind::Reply { calls, .. } = &self.log.get(reply).kind else {
            unreachable!("`reply` indexes the response just logged")
        };
        let names: Vec<String> = decisive.iter().map(|(i, _)| calls[*i].name.to_string()).collect();
        let policy = self.settings.policy.multiple_handoffs;
        let chosen = match policy {
            MultipleHandoffs::Reject => return Err(Outcome::AmbiguousHandoff { agent, calls: names }),
            MultipleHandoffs::First => 0,
            MultipleHandoffs::Last => decisive
                .iter()
                .position(|(_, e)| matches!(e, Effect::Complete(_)))
                .unwrap_or(decisive.len() - 1),
        };
        let text = format!(
            "{} handoff calls in one response ({}); policy `{}` takes `{}`",
            names.len(),
            names.join(", "),
            policy.name(),
            names[chosen]
        );
        self.append(Some(agent), EventKind::Note { text });
        Ok(Some(decisive.swap_remove(chosen).1))
    }

    fn hand_off(&mut self, target: AgentId) {
        let source = self.active;
        if let Some(max) = self
            .settings
            .limits
            .handoffs_per_turn
            .filter(|&max| self.handoffs_in_turn >= max)
        {
            return self.finish(Outcome::LimitReached {
                limit: Limit::HandoffsPerTurn,
                value: max,
                agent: source,
            });
        }
        self.handoffs_in_turn += 1;
        self.append(Some(source), EventKind::Handoff { to: target });
        self.active = target;
        self.start_turn();
        if let Some(cycle) = self.loops.enter(target, self.model_state) {
            return self.finish(Outcome::LoopDetected { cycle });
        }
        self.call_model_next();
    }

    fn end_text_turn(&mut self) {
        let agent = self.active;
        if self.turn_text.is_empty() {
            return self.finish(Outcome::EmptyResponse { agent });
        }
        let text = std::mem::take(&mut self.turn_text);
        let ending = (!self.has_human).then(|| text.clone());
        self.append(Some(agent), EventKind::Broadcast { text });
        if let Some(text) = ending {
            return self.finish(Outcome::EndedWithoutHuman { agent, text });
        }
        if let Some(max) = self.settings.limits.human_turns.filter(|&max| self.human_turns >= max) {
            return self.finish(Outcome::LimitReached {
                limit: Limit::HumanTurns,
                value: max,
                agent,
            });
        }
        self.next = Next::AskHuman;
    }

    /// The functions the tool round logged at `reply` called, in order, each once.
    fn round_tools(&self, reply: EventIndex) -> Vec<String> {
        let EventKind::Reply { calls, .. } = &self.log.get(reply).kind else {
            return Vec::new();
        };
        let mut names: Vec<String> = Vec::new();
        for call in calls.iter() {
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
        self.turn_text.clear();
        self.tool_result = None;
    }

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
        self.next = Next::CallModel;
    }

    /// Appends an event, seen by whom the profile says.
    fn append(&mut self, agent: Option<AgentId>, kind: EventKind) -> EventIndex {
        Core::append_to(&mut self.log, &self.settings, agent, kind)
    }

    fn append_to(log: &mut EventLog, settings: &Settings, agent: Option<AgentId>, kind: EventKind) -> EventIndex {
        let event = Event { agent, kind };
        let visibility = settings.profile.sharing.visibility(&event);
        log.push(event, visibility)
    }

    fn finish(&mut self, outcome: Outcome) {
        self.next = Next::Done;
        self.outcome = Some(outcome);
    }
}

/// A tool argument as text: strings as they are, anything else as JSON.
fn argument_text(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}
