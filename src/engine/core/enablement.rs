//! Handoffs offered turn by turn (the OpenAI Agents SDK's `is_enabled` callable): which of
//! the active agent's handoffs its conditions leave out of the next model call, read from
//! the input of the current `Runner.run` (`ctx.turn_input`), and a check that raises.

use super::Core;
use super::carried::Part;
use crate::design::{AgentId, ToolKind, ToolSpec};
use crate::engine::{EventKind, InputRole, Outcome, ToolOutput};

impl Core {
    /// The run's input, as the SDK's `ctx.turn_input` holds it: the rewritten input after a
    /// handoff that nested or filtered it, else the conversation up to the latest user message.
    fn turn_input(&self) -> (Vec<&str>, usize) {
        let items = match &self.rewrites.base {
            Some(base) => base.clone(),
            None => self.items(0, self.latest_user.map_or(0, |i| i + 1)),
        };
        let (mut texts, mut users) = (Vec::with_capacity(items.len()), 0);
        for item in items {
            let text = match (&self.log.get(item.event).kind, item.part) {
                (EventKind::Task { text } | EventKind::Human { text }, _) => {
                    users += 1;
                    text.as_str()
                }
                (EventKind::Input(input), _) => {
                    users += usize::from(input.role == InputRole::User);
                    input.text()
                }
                (EventKind::Reply { text: Some(text), .. }, Part::Text | Part::Whole) => text,
                (EventKind::Broadcast { text } | EventKind::Prompt { text }, _) => text,
                (EventKind::Summary(summary), _) => &summary.text,
                (
                    EventKind::ToolResult {
                        output: ToolOutput::Text(t) | ToolOutput::Error(t),
                        ..
                    },
                    _,
                ) => t,
                _ => continue,
            };
            texts.push(text);
        }
        (texts, users)
    }

    /// Whether `agent`'s function `spec` is offered now: every function but a handoff whose
    /// condition does not hold.
    pub(super) fn offered_now(&self, agent: AgentId, spec: &ToolSpec) -> bool {
        let ToolKind::Transfer(target) = spec.kind else {
            return true;
        };
        let Some(condition) = self
            .settings
            .handoff_conditions
            .iter()
            .find(|c| c.source == agent && c.target == target)
        else {
            return true;
        };
        let (texts, users) = self.turn_input();
        condition.when.holds(texts.into_iter(), users).unwrap_or(false)
    }

    /// `agent`'s functions not offered now, by index (see [`ModelRequest`](crate::engine::ModelRequest)).
    pub(super) fn disabled_tools(&self, agent: AgentId) -> u64 {
        if !self.settings.handoff_conditions.iter().any(|c| c.source == agent) {
            return 0;
        }
        let tools = self.design.tools(agent);
        (0..tools.len().min(64))
            .filter(|&i| !self.offered_now(agent, &tools[i]))
            .fold(0, |mask, i| mask | (1 << i))
    }

    /// Whether a check of the active agent's handoffs raises before its model call: the run
    /// then fails with the exception, as `Runner.run` raises it.
    pub(super) fn enablement_raises(&mut self) -> bool {
        let agent = self.active;
        let Some((target, error)) = self.settings.handoff_conditions.iter().find_map(|c| match &c.when {
            crate::engine::Enablement::Raises(error) if c.source == agent => Some((c.target, error.clone())),
            _ => None,
        }) else {
            return false;
        };
        self.note(
            agent,
            format!(
                "the is_enabled check of the handoff to {} raises: get_handoffs fails before {}'s model is called",
                self.design.agent(target).name,
                self.design.agent(agent).name
            ),
        );
        self.finish(Outcome::FrameworkError {
            agent,
            error,
            guard: false,
        });
        true
    }
}
