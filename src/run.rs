//! A finished run: its event log, how it ended, and the questions a test asks of it.

use std::sync::Arc;

use crate::design::{AgentId, Design};
use crate::event::{EventKind, EventLog};
use crate::outcome::Outcome;
use crate::policy::Settings;

/// The record of one finished run.
#[derive(Debug, Clone)]
pub struct Run {
    design: Arc<Design>,
    log: EventLog,
    outcome: Outcome,
    settings: Settings,
}

impl Run {
    pub(crate) fn new(design: Arc<Design>, log: EventLog, outcome: Outcome, settings: Settings) -> Run {
        Run {
            design,
            log,
            outcome,
            settings,
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
    /// The agents in control, in order: the start agent, then each handoff's target.
    pub fn path(&self) -> Vec<AgentId> {
        let mut path = vec![self.design.start()];
        path.extend(self.log.events().iter().filter_map(|e| match e.kind {
            EventKind::Handoff { to } => Some(to),
            _ => None,
        }));
        path
    }
    /// The agent in control at the end.
    pub fn final_agent(&self) -> AgentId {
        self.path().last().copied().unwrap_or(self.design.start())
    }
    /// How many times a model was called.
    pub fn model_calls(&self) -> usize {
        self.log
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Reply { .. }))
            .count()
    }
    /// How many times the human answered.
    pub fn human_turns(&self) -> usize {
        self.log
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Human { .. }))
            .count()
    }
    /// The conversation as text, like the Semantic Kernel tutorial's sample output.
    pub fn text(&self) -> String {
        crate::render::text(self)
    }
    /// Where two runs first differ: the index of the first differing event (or of the
    /// outcome, after the last event) and both sides as JSON; `None` if they are identical.
    pub fn first_difference(&self, other: &Run) -> Option<(usize, String, String)> {
        let (a, b) = (self.log.events(), other.log.events());
        let shown = |run: &Run, i: usize| match run.log.events().get(i) {
            Some(event) => crate::render::event_json(run, i, event).to_string(),
            None => "(no event)".to_string(),
        };
        match (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            Some(i) => Some((i, shown(self, i), shown(other, i))),
            None if self.outcome != other.outcome => Some((
                a.len(),
                crate::render::outcome_json(self).to_string(),
                crate::render::outcome_json(other).to_string(),
            )),
            None => None,
        }
    }
    /// The run as JSON: outcome, path and every event.
    pub fn to_json(&self) -> serde_json::Value {
        crate::render::json(self)
    }
}
