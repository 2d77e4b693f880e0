//! A finished run: its event log, how it ended, and the questions a test asks of it. Its
//! renderings (text, JSON, the first difference of two runs) are methods too, in `render`.

use std::sync::Arc;

use super::event::{EventKind, EventLog};
use super::outcome::Outcome;
use super::settings::Settings;
use crate::design::{AgentId, Design};

mod render;

pub use render::TextLines;

/// The record of one finished run.
#[derive(Debug, Clone)]
pub struct Run {
    design: Arc<Design>,
    log: EventLog,
    outcome: Outcome,
    settings: Settings,
    counts: Counts,
    /// The structured final output, where the run ended with one that is not its text.
    final_output: Option<serde_json::Value>,
}

/// What a run did, counted as it went (each the number of events of one kind in its log).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Model calls answered (`Reply` events).
    pub(crate) model_calls: u32,
    /// Human replies (`Human` events).
    pub(crate) human_turns: u32,
    /// Handoffs (`Handoff` events).
    pub(crate) handoffs: u32,
    /// Whether a human took part (without one, a text reply ends the run).
    pub(crate) has_human: bool,
}

impl Run {
    pub(crate) fn new(design: Arc<Design>, log: EventLog, outcome: Outcome, settings: Settings, counts: Counts) -> Run {
        Run {
            design,
            log,
            outcome,
            settings,
            counts,
            final_output: None,
        }
    }

    /// The run with the structured final output of its last `Runner.run`.
    pub(crate) fn with_final_output(mut self, final_output: Option<serde_json::Value>) -> Run {
        self.final_output = final_output;
        self
    }

    /// The final output the run ended with (the OpenAI Agents SDK's `result.final_output`):
    /// the value of the last agent's output type, or an error handler's value, else the text
    /// of the summary or reply it ended with; `None` for a run that ended otherwise.
    pub fn final_output(&self) -> Option<serde_json::Value> {
        match &self.outcome {
            Outcome::Completed { summary: text, .. } | Outcome::EndedWithoutHuman { text, .. } => {
                Some(self.final_output.clone().unwrap_or_else(|| text.clone().into()))
            }
            _ => None,
        }
    }
    /// How the run ended.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }
    /// Every event, in order.
    pub fn log(&self) -> &EventLog {
        &self.log
    }
    /// The design that ran.
    pub fn design(&self) -> &Arc<Design> {
        &self.design
    }
    /// The limits and policy it ran under.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// The name of an agent of this run's design.
    pub fn name(&self, agent: AgentId) -> &str {
        &self.design.agent(agent).name
    }
    /// The agents in control, in order: the start agent, then each handoff's target (and each
    /// agent the app's host ran for a reply, [`EventKind::Host`]).
    pub fn path(&self) -> Vec<AgentId> {
        let mut path = vec![self.design.start()];
        path.extend(self.log.events().iter().filter_map(|e| match e.kind {
            EventKind::Handoff { to } | EventKind::Host { to } => Some(to),
            _ => None,
        }));
        path
    }
    /// The agent in control at the end.
    pub fn final_agent(&self) -> AgentId {
        self.path().last().copied().unwrap_or(self.design.start())
    }
    /// How many times a model answered (the log's `Reply` events).
    pub fn model_calls(&self) -> usize {
        self.counts.model_calls as usize
    }
    /// Whether a human took part (a run without one ends at its first text reply).
    pub fn has_human(&self) -> bool {
        self.counts.has_human
    }
    /// How many times the human answered (the log's `Human` events).
    pub fn human_turns(&self) -> usize {
        self.counts.human_turns as usize
    }
    /// How many times control passed from one agent to another (the log's `Handoff` events).
    pub fn handoffs(&self) -> usize {
        self.counts.handoffs as usize
    }
}
