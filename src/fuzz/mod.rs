//! Fuzzing a scenario for endless bouncing: proptest generates what the human says (and, in
//! confused mode, where the model ignores its script), each case runs on the sans-IO
//! [`Core`], and every run is checked ([`Fuzzer::check`]). A failing case is shrunk by
//! proptest to the smallest input that still fails.
//!
//! ```
//! use handoff_harness::{Fuzzer, Scenario};
//! use proptest::test_runner::{Config, RngSeed, TestRunner};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/customer_support.json");
//! let fuzzer = Fuzzer::new(&Scenario::load(path)?)?;
//! let mut runner = TestRunner::new(Config { cases: 200, rng_seed: RngSeed::Fixed(7), ..Config::default() });
//! runner.run(&fuzzer.strategy(), |case| fuzzer.check(&case).map(drop).map_err(Into::into))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::design::{AgentId, Design};
use crate::engine::Core;
use crate::engine::EventKind;
use crate::engine::Outcome;
use crate::engine::Run;
use crate::engine::Settings;
use crate::engine::{Model, Response};
use crate::scenario::Invariant;
use crate::scenario::{Scenario, ScenarioError};
use crate::scripted::ScriptedModel;

pub mod campaign;
mod examples;
mod input;
mod minimum;
mod regression;
mod search;
mod shrink;

pub use campaign::{Campaign, CampaignReport, ScriptGap, Shard};
pub use input::{Case, Phrases};
pub use regression::{frozen_regression, path_from, regression, regressions_dir};

/// Runs the cases of one scenario and checks them.
#[derive(Debug, Clone)]
pub struct Fuzzer {
    design: Arc<Design>,
    task: String,
    settings: Settings,
    model: RefCell<ScriptedModel>,
    phrases: Phrases,
    invariants: Vec<Invariant>,
    /// Whether a human takes part (the scenario has `user`); without one, replies are unused.
    has_human: bool,
    /// The human's decisions on calls that wait for approval, as the scenario gives them.
    approvals: Vec<crate::engine::Approval>,
    max_turns: usize,
    confused: bool,
}

/// What a fuzzed run did that it must not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// The run bounced: a proven loop, or a limit on handoffs, model calls or tool rounds.
    Bounce(String),
    /// Several handoffs in one response under policy `reject`.
    Ambiguous(String),
    /// A handoff along an edge the design does not have.
    OutsideDesign(String),
    /// A tool call without a result.
    Unanswered(String),
    /// The same input gave a different event log the second time.
    Nondeterministic(String),
    /// One of the scenario's `invariants` does not hold.
    Invariant(String),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, text) = match self {
            Violation::Bounce(t) => ("bounce", t),
            Violation::Ambiguous(t) => ("ambiguous handoff", t),
            Violation::OutsideDesign(t) => ("handoff outside the design", t),
            Violation::Unanswered(t) => ("unanswered tool call", t),
            Violation::Nondeterministic(t) => ("not deterministic", t),
            Violation::Invariant(t) => ("invariant broken", t),
        };
        write!(f, "{kind}: {text}")
    }
}

impl From<Violation> for TestCaseError {
    fn from(violation: Violation) -> TestCaseError {
        TestCaseError::fail(violation.to_string())
    }
}

impl Fuzzer {
    /// A fuzzer for `scenario`, which needs a task and a scripted model. Replies are built
    /// from its `user` replies and its rules' regexes; at most as many turns as it has replies
    /// (at least 2, at most 8) unless [`Fuzzer::max_turns`] says otherwise.
    pub fn new(scenario: &Scenario) -> Result<Fuzzer, ScenarioError> {
        let (orchestration, model) = scenario.orchestration()?;
        let replies = scenario.user.as_deref().unwrap_or_default();
        let phrases = Phrases::for_rules(replies.iter().map(String::as_str), model.user_rules());
        let design = orchestration.design().clone();
        Ok(Fuzzer {
            task: scenario.task.clone().unwrap_or_default(),
            settings: scenario.settings.clone(),
            design,
            model: RefCell::new(model),
            phrases,
            invariants: scenario.invariants.clone(),
            has_human: scenario.user.is_some(),
            approvals: scenario.approvals.clone(),
            max_turns: replies.len().clamp(2, 8),
            confused: false,
        })
    }

    /// At most `turns` human replies per case.
    pub fn max_turns(mut self, turns: usize) -> Fuzzer {
        self.max_turns = turns.max(1);
        self
    }

    /// Confused mode: the model may ignore its script at any call and hand off to any agent
    /// it is allowed to. Checks that limits and loop detection end every run.
    pub fn confused(mut self, on: bool) -> Fuzzer {
        self.confused = on;
        self
    }

    /// The phrases replies are built from.
    pub fn phrases(&self) -> &Phrases {
        &self.phrases
    }

    /// The strategy of cases: conversations of 1 to `max_turns` replies, most of them
    /// following the scripted one ([`Phrases::conversations`]), plus overrides in confused mode.
    pub fn strategy(&self) -> BoxedStrategy<Case> {
        let replies = self.phrases.conversations(self.max_turns);
        if !self.confused {
            return replies
                .prop_map(|replies| Case {
                    replies,
                    overrides: Vec::new(),
                })
                .boxed();
        }
        let overrides = prop::collection::vec(prop::option::weighted(0.15, any::<u16>()), 0..32);
        (replies, overrides)
            .prop_map(|(replies, overrides)| Case { replies, overrides })
            .boxed()
    }

    /// Runs `case` once.
    pub fn run(&self, case: &Case) -> Run {
        self.run_reaching(case, &mut Reach::default())
    }

    /// [`Fuzzer::run`], noting in `reach` what the run reached.
    fn run_reaching(&self, case: &Case, reach: &mut Reach) -> Run {
        let mut model = self.model.borrow_mut();
        model.reset();
        let core = Core::new(
            self.design.clone(),
            self.task.clone(),
            self.settings.clone(),
            self.has_human,
            Some(0),
        );
        let mut replies = case.replies.iter();
        let mut approvals = self.approvals.iter().cloned();
        let (mut calls, mut overridden) = (0usize, 0u64);
        core.drive_approving(
            |request| {
                // A failed call ends the run, so this counts the calls answered so far.
                let forced = case.overrides.get(calls).copied().flatten();
                calls += 1;
                let reply = match forced.and_then(|k| any_handoff(&self.design, request.agent(), k)) {
                    Some(handoff) => {
                        overridden += 1;
                        Ok(handoff)
                    }
                    None => model.reply(request),
                };
                // Both numbers only grow, so their sum changes whenever the script moves
                // on or the model is overridden, and never returns to an earlier value.
                let state = Model::state(&*model).unwrap_or(0) + overridden;
                if reply.is_ok() {
                    reach.states.push((request.agent(), state));
                }
                (reply, Some(state))
            },
            |_| {
                reach.asks += 1;
                let reply = replies.next().cloned();
                if let Some(reply) = &reply {
                    reach.latest_reply.clone_from(reply);
                }
                reply
            },
            |_| approvals.next(),
        )
    }

    /// Runs `case` twice and checks the run: it ends without bouncing, hands off only along
    /// the design's edges, answers every tool call, keeps the scenario's `invariants`, and
    /// gives the same log both times.
    /// Returns the run. (A run that stops because a script has no rule for the input is not
    /// a failure: the fuzzer looks for bouncing, not for gaps in scripts.)
    pub fn check(&self, case: &Case) -> Result<Run, Violation> {
        let (run, violation) = self.verify(case);
        violation.map_or(Ok(run), Err)
    }

    /// [`Fuzzer::check`], keeping the run when it fails too.
    fn verify(&self, case: &Case) -> (Run, Option<Violation>) {
        self.verify_reaching(case, &mut Reach::default())
    }

    /// [`Fuzzer::verify`], noting in `reach` what the (first) run reached.
    fn verify_reaching(&self, case: &Case, reach: &mut Reach) -> (Run, Option<Violation>) {
        let run = self.run_reaching(case, reach);
        let violation = self.violation(case, &run);
        (run, violation)
    }

    fn violation(&self, case: &Case, run: &Run) -> Option<Violation> {
        if run.outcome().is_bounce() {
            let line = run.outcome_line();
            return Some(match run.outcome() {
                Outcome::AmbiguousHandoff { .. } => Violation::Ambiguous(line),
                _ => Violation::Bounce(line),
            });
        }
        let mut answered = std::collections::BTreeSet::new();
        let mut asked = Vec::new();
        for event in run.log().events() {
            match &event.kind {
                EventKind::Handoff { to } => {
                    let from = event.agent.expect("a handoff has a source");
                    if !self.design.handoffs(from).iter().any(|h| h.target == *to) {
                        let edge = format!("{} -> {}", run.name(from), run.name(*to));
                        return Some(Violation::OutsideDesign(edge));
                    }
                }
                EventKind::Reply { calls, .. } => asked.extend(run.log().calls(*calls).iter().map(|c| (c.id, &c.name))),
                EventKind::ToolResult { call, .. } => {
                    answered.insert(*call);
                }
                _ => {}
            }
        }
        // A run left waiting for approval has not answered its last response yet.
        if let (Outcome::AwaitingApproval { .. }, Some(EventKind::Reply { calls, .. })) = (
            run.outcome(),
            run.log()
                .events()
                .iter()
                .rev()
                .map(|e| &e.kind)
                .find(|k| matches!(k, EventKind::Reply { .. })),
        ) {
            asked.truncate(asked.len() - calls.len());
        }
        if let Some((id, name)) = asked.iter().find(|(id, _)| !answered.contains(id)) {
            return Some(Violation::Unanswered(format!("{id} ({name})")));
        }
        for (i, invariant) in self.invariants.iter().enumerate() {
            if let Err(broken) = invariant.check(run) {
                return Some(Violation::Invariant(format!("invariants[{i}]: {broken}")));
            }
        }
        let again = self.run(case);
        run.first_difference(&again).map(|(index, first, second)| {
            Violation::Nondeterministic(format!(
                "event {index} was {first} the first time and {second} the second"
            ))
        })
    }
}

/// What one run reached, beside its log: what the effectiveness figures of a campaign are
/// made of.
#[derive(Debug, Clone, Default)]
struct Reach {
    /// Each answered model call: the agent, and the model's deciding state it reported
    /// with its answer (the state loop proofs compare).
    states: Vec<(AgentId, u64)>,
    /// How often the human was asked (also when it had nothing more to say).
    asks: u32,
    /// The human's latest reply.
    latest_reply: String,
}

impl Reach {
    /// Whether the run got past the human's first reply: the agents answered it and asked
    /// the human again, or completed the task.
    fn past_first_turn(&self, outcome: &Outcome) -> bool {
        self.asks >= 2 || (self.asks == 1 && matches!(outcome, Outcome::Completed { .. }))
    }
}

/// A failing case, shrunk: the smallest input proptest found that still fails.
#[derive(Debug, Clone)]
pub struct Counterexample {
    /// The input.
    pub case: Case,
    /// What its run did wrong.
    pub violation: Violation,
    /// Its run.
    pub run: Run,
}

/// A handoff to the `k`-th target `agent` may hand off to (modulo their number); `None`
/// if it may hand off to no one. The transfer is called by the name the profile offers it
/// under (a script's `handoff` names it so); one that takes arguments (a handoff's
/// `input_type`) with arguments its schema accepts, as a model that follows it would.
fn any_handoff(design: &Design, agent: AgentId, k: u16) -> Option<Response> {
    let targets = design.handoffs(agent);
    let target = targets.get(k as usize % targets.len().max(1))?.target;
    let Some(tool) = design.transfer_tool(agent, target) else {
        return Some(Response::handoff(&design.agent(target).name));
    };
    let name = design.surface().call_name(&tool.name, &tool.qualified_name).to_string();
    let args = match tool.parameters.is_empty() {
        true => serde_json::Map::new(),
        false => crate::design::example_arguments(&tool.json_schema()["function"]["parameters"]),
    };
    Some(Response::call(name, args))
}
