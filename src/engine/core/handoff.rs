//! A handoff: control passes from the active agent to another (`transfer_to_<Agent>`).

use super::{Core, Next};
use crate::design::AgentId;
use crate::engine::{EventKind, Limit, Outcome, Visibility};

impl Core {
    /// Hands control from the active agent to `target`: counts it against the turn's limit,
    /// logs it, rewrites the history the framework's way, and starts the target's turn.
    pub(super) fn hand_off(&mut self, target: AgentId) {
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
        self.handoffs += 1;
        self.handed_off = true;
        self.append_seen(
            Some(source),
            EventKind::Handoff { to: target },
            Some(Visibility::Nobody),
        );
        self.cancelled_token_handed_off();
        self.keep_or_drop_thread(source);
        self.end_invocation(source);
        self.rewrite_at_handoff(source, target);
        if self.next == Next::Done {
            return;
        }
        // Text beside the handoff call is in the conversation the target's executor reads.
        if self.settings.termination.is_some() {
            let said = std::mem::take(&mut self.last_text);
            self.said(Some(source), &said);
        }
        self.active = target;
        self.start_turn();
        if !self.superstep() || self.terminates() {
            return;
        }
        if let Some(cycle) = self.loops.enter(target, self.model_state) {
            return self.finish(Outcome::LoopDetected { cycle });
        }
        self.call_model_next();
    }
}
