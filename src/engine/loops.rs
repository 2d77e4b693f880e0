//! Proof of endless bouncing. Within one human turn nothing new reaches the agents except
//! their own handoff calls, so if control reaches an agent a second time while the model's
//! deciding state is unchanged, every later decision repeats: the run would circle forever.
//!
//! The model reports its deciding state as a number that changes whenever anything its
//! decisions read changes, and never returns to an earlier value (a scripted model: a
//! counter bumped whenever a rule that reads call counts fires or a response list advances).
//! Equal numbers therefore mean equal states, and each check costs O(1): one stamp per agent.

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
    /// repeats an earlier entry of the same span.
    pub(crate) fn enter(&mut self, agent: AgentId, state: Option<u64>) -> Option<Vec<AgentId>> {
        state?;
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
