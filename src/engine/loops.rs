//! Proofs of endless loops: control bouncing between agents within one human turn
//! ([`LoopDetector`]), and one agent calling tools round after round ([`ToolRounds`]).
//!
//! Proof of endless bouncing. Within one human turn nothing new reaches the agents except
//! their own handoff calls, so if control reaches an agent a second time while the model's
//! deciding state is unchanged, every later decision repeats: the run would circle forever.
//!
//! The model reports its deciding state as a number that changes whenever anything its
//! decisions read changes, and never returns to an earlier value (a scripted model: a
//! counter bumped whenever a rule that reads call counts fires or a response list advances).
//! Equal numbers therefore mean equal states, and each check costs O(1): one stamp per agent.

use super::event::{EventIndex, EventKind, EventLog};
use crate::design::AgentId;

/// Remembers which agents were entered since the last human turn or state change.
#[derive(Debug, Clone)]
pub(crate) struct LoopDetector {
    generation: u32,
    state: Option<u64>,
    /// Per agent: (generation, position in `path`) of its last entry.
    seen: Vec<(u32, u32)>,
    path: Vec<AgentId>,
}

impl LoopDetector {
    pub(crate) fn new(agents: usize) -> LoopDetector {
        LoopDetector {
            generation: 0,
            state: None,
            seen: vec![(0, 0); agents],
            path: Vec::new(),
        }
    }

    /// Starts a new span (a human turn, or a changed state) at `agent`.
    pub(crate) fn restart(&mut self, agent: AgentId, state: Option<u64>) {
        self.generation += 1;
        self.state = state;
        self.path.clear();
        if state.is_some() {
            self.mark(agent);
        }
    }

    /// Control passes to `agent` with the model in `state`; returns the cycle if this
    /// repeats an earlier entry of the same span. A model that cannot tell its state
    /// (`None`) proves nothing, at the cost of one test at every handoff.
    #[inline(always)]
    pub(crate) fn enter(&mut self, agent: AgentId, state: Option<u64>) -> Option<Vec<AgentId>> {
        state?;
        self.enter_in(agent, state)
    }

    fn enter_in(&mut self, agent: AgentId, state: Option<u64>) -> Option<Vec<AgentId>> {
        if state != self.state {
            self.restart(agent, state);
            return None;
        }
        let (generation, position) = self.seen[agent.index()];
        if generation == self.generation {
            let mut cycle = self.path[position as usize..].to_vec();
            cycle.push(agent);
            return Some(cycle);
        }
        self.mark(agent);
        None
    }

    fn mark(&mut self, agent: AgentId) {
        self.seen[agent.index()] = (self.generation, self.path.len() as u32);
        self.path.push(agent);
    }
}

/// The tool rounds of one agent turn, for the proof that they repeat forever: a model
/// decides its next call from its deciding state and the tool results it just read, so a
/// round that makes the same calls, gets the same results and leaves the model in the same
/// state as an earlier round of the turn will be followed by the same rounds, forever.
///
/// Rounds are compared with one checkpoint that moves to the latest round after 1, 2, 4, ...
/// rounds (Brent's cycle detection): O(1) memory, and a cycle of λ rounds starting after μ is
/// found within about 2(λ + μ) rounds. Rounds are compared in the log itself, exactly.
#[derive(Debug, Clone)]
pub(crate) struct ToolRounds {
    /// The checkpoint: the model's state after it, and its response in the log.
    checkpoint: Option<(u64, EventIndex)>,
    /// Rounds since the checkpoint moved, and after how many it moves again.
    since: u32,
    power: u32,
}

impl Default for ToolRounds {
    fn default() -> ToolRounds {
        ToolRounds {
            checkpoint: None,
            since: 1,
            power: 1,
        }
    }
}

impl ToolRounds {
    /// A tool round ended: the response at `reply` and its results are in `log`, and the model
    /// is in `state`. Whether it repeats an earlier round of the turn.
    pub(crate) fn repeats(&mut self, log: &EventLog, state: u64, reply: EventIndex) -> bool {
        if let Some((seen, earlier)) = self.checkpoint
            && seen == state
            && same_round(log, earlier, reply)
        {
            return true;
        }
        if self.since == self.power {
            self.checkpoint = Some((state, reply));
            self.power = self.power.saturating_mul(2);
            self.since = 0;
        }
        self.since += 1;
        false
    }
}

/// Whether the responses at `a` and `b` made the same calls (names and arguments; ids differ)
/// with the same text, and got the same results.
fn same_round(log: &EventLog, a: EventIndex, b: EventIndex) -> bool {
    let (EventKind::Reply { text: ta, calls: ca }, EventKind::Reply { text: tb, calls: cb }) =
        (&log.get(a).kind, &log.get(b).kind)
    else {
        return false;
    };
    let (ca, cb) = (log.calls(*ca), log.calls(*cb));
    let same_calls = ta == tb
        && ca.len() == cb.len()
        && ca
            .iter()
            .zip(cb.iter())
            .all(|(x, y)| x.name == y.name && x.arguments == y.arguments);
    same_calls
        && (1..=ca.len() as EventIndex).all(|k| match (&log.get(a + k).kind, &log.get(b + k).kind) {
            (EventKind::ToolResult { output: x, .. }, EventKind::ToolResult { output: y, .. }) => x == y,
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: AgentId = AgentId(0);
    const B: AgentId = AgentId(1);
    const C: AgentId = AgentId(2);

    #[test]
    fn repeated_agent_in_same_state_is_a_cycle() {
        let mut d = LoopDetector::new(3);
        d.restart(A, Some(7));
        assert_eq!(d.enter(B, Some(7)), None);
        assert_eq!(d.enter(C, Some(7)), None);
        assert_eq!(d.enter(B, Some(7)), Some(vec![B, C, B]));
    }

    #[test]
    fn changed_state_or_new_turn_starts_over() {
        let mut d = LoopDetector::new(3);
        d.restart(A, Some(1));
        assert_eq!(d.enter(B, Some(1)), None);
        assert_eq!(d.enter(A, Some(2)), None, "state changed: no proof");
        assert_eq!(d.enter(B, Some(2)), None);
        d.restart(B, Some(2));
        assert_eq!(d.enter(A, Some(2)), None, "a human turn starts a new span");
        assert_eq!(d.enter(B, Some(2)), Some(vec![B, A, B]));
    }

    #[test]
    fn unknown_state_proves_nothing() {
        let mut d = LoopDetector::new(2);
        d.restart(A, None);
        for _ in 0..10 {
            assert_eq!(d.enter(B, None), None);
            assert_eq!(d.enter(A, None), None);
        }
    }
}
