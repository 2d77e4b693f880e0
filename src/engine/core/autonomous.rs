//! Agent Framework's autonomous mode, as `HandoffAgentExecutor._run_agent_and_emit` runs it
//! (agent-framework-orchestrations 1.4). After a reply of an agent of the mode that hands
//! nothing off, and after the termination condition was evaluated on it, the executor does
//! not ask the human: while the agent's count of autonomous turns is below its limit it adds
//! a user message, the prompt, to the agent's own conversation (the other agents never read
//! it), counts one more turn and runs the agent again, in the same superstep. At the limit the
//! reply goes to the human (`request_info`) as without the mode, and the count starts again;
//! it starts again too when the agent hands off.
//!
//! The count needs no state of its own: an agent's activation begins at the task, a handoff
//! to it or the human's reply, and each autonomous turn of the activation left its prompt in
//! the log ([`EventKind::Prompt`]).

use super::Core;
use crate::design::AgentId;
use crate::engine::{EventKind, Visibility};

impl Core {
    /// After `agent`'s reply handed nothing off (and the termination condition did not hold):
    /// whether autonomous mode runs it again. Then the prompt is in its conversation, the
    /// termination condition has been evaluated on it and the next model call is due (or the
    /// run is over); `true` is returned. `ends_conversation`: the script said `complete`, a
    /// reply after which the host terminates, but the host gets no request to answer.
    pub(super) fn goes_on_autonomously(&mut self, agent: AgentId, ends_conversation: bool) -> bool {
        let Some(mode) = self.settings.autonomous.of(agent) else {
            return false;
        };
        let turns = self.autonomous_turns(agent);
        if turns >= mode.turn_limit {
            return false;
        }
        let (limit, text) = (mode.turn_limit, mode.prompt.clone());
        let framework = self.settings.profile.framework;
        if ends_conversation {
            let name = &self.design.agent(agent).name;
            self.note(
                agent,
                format!(
                    "{name}'s reply is a `complete`, but under {framework}'s autonomous mode {name} goes on ({} of its {limit} turns) and the host gets no request to terminate",
                    turns + 1
                ),
            );
        }
        let prompt = self.append_seen(
            Some(agent),
            EventKind::Prompt { text: text.clone() },
            Some(Visibility::Only(agent)),
        );
        self.latest_user = Some(prompt);
        self.start_turn();
        // The executor evaluates the termination condition first, on its conversation: the
        // prompt is its last message and one more user message.
        if self.settings.termination.is_some() {
            let shared = std::mem::replace(&mut self.last_message, text);
            let author = self.last_author.take();
            let ends = self.terminates();
            (self.last_message, self.last_author) = (shared, author);
            if ends {
                return true;
            }
        }
        self.call_model_next();
        true
    }

    /// At `agent`'s handoff: the agent it hands off to reads the human's latest message (or
    /// the task), not the prompt autonomous mode gave `agent`.
    #[inline(always)]
    pub(super) fn autonomy_handed_off(&mut self, agent: AgentId) {
        let Some(latest) = self.latest_user else {
            return;
        };
        if self.settings.autonomous.of(agent).is_none()
            || !matches!(self.log.get(latest).kind, EventKind::Prompt { .. })
        {
            return;
        }
        self.latest_user = (0..latest).rev().find(|&i| {
            matches!(
                self.log.get(i).kind,
                EventKind::Task { .. } | EventKind::Input(_) | EventKind::Human { .. }
            )
        });
    }

    /// How many autonomous turns `agent` has had in a row: the prompts of its activation.
    fn autonomous_turns(&self, agent: AgentId) -> u32 {
        let mut turns = 0;
        for event in self.log.events().iter().rev() {
            match &event.kind {
                EventKind::Prompt { .. } if event.agent == Some(agent) => turns += 1,
                EventKind::Task { .. }
                | EventKind::Input(_)
                | EventKind::Human { .. }
                | EventKind::Handoff { .. }
                | EventKind::Host { .. } => {
                    break;
                }
                _ => {}
            }
        }
        turns
    }

    /// The prompts in `agent`'s conversation so far: user messages of its executor's that no
    /// other executor has (Agent Framework's termination condition counts them).
    pub(super) fn prompts_to(&self, agent: AgentId) -> u32 {
        if self.settings.autonomous.of(agent).is_none() {
            return 0;
        }
        let prompts = self
            .log
            .events()
            .iter()
            .filter(|e| e.agent == Some(agent) && matches!(e.kind, EventKind::Prompt { .. }))
            .count();
        u32::try_from(prompts).unwrap_or(u32::MAX)
    }
}
