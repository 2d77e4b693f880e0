//! Agent Framework's `termination_condition`: `HandoffAgentExecutor._should_terminate` reads
//! the workflow's conversation (the task, the human's replies, every agent's text; tool
//! traffic cleaned out) before each agent runs and again after a text reply, before the
//! agent's `request_info`. When it holds the executor returns: nothing more is sent, the
//! workflow idles with no pending request, and the run is over.

use super::Core;
use crate::design::AgentId;
use crate::engine::EventKind;

impl Core {
    /// The conversation's last message is now `text`, said by `by` (`None`: the task or the
    /// human; when the run has a condition to evaluate on it; an empty text leaves the last
    /// message as it was, as Agent Framework's cleaning drops messages with nothing left).
    #[inline(always)]
    pub(super) fn said(&mut self, by: Option<AgentId>, text: &str) {
        if self.settings.termination.is_some() && !text.is_empty() {
            self.last_message.clear();
            self.last_message.push_str(text);
            self.last_author = by;
        }
    }

    /// Evaluates the condition, as the active agent's executor does; when it holds, the run
    /// is completed (its summary the latest agent reply, `""` if none) and `true` returned.
    pub(super) fn terminates(&mut self) -> bool {
        let Some(condition) = &self.settings.termination else {
            return false;
        };
        // The task is the first user message (a task of several messages: its user
        // messages), each human reply one more, and so is each
        // prompt autonomous mode gave the agent whose executor evaluates it.
        let task = match &self.settings.task_messages {
            Some(messages) => messages
                .iter()
                .filter(|m| m.role == crate::engine::InputRole::User)
                .count() as u32,
            None => 1,
        };
        let user_messages = self
            .human_turns
            .saturating_add(task)
            .saturating_add(self.prompts_to(self.active));
        let author = self.last_author.map(|a| self.design.agent(a).name.as_str());
        if !condition.holds_by(user_messages, &self.last_message, author) {
            return false;
        }
        let agent = self.active;
        let summary = self
            .log
            .events()
            .iter()
            .rev()
            .find_map(|e| match &e.kind {
                EventKind::Broadcast { text } => Some(text.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let framework = self.settings.profile.framework;
        let by = match self.last_author {
            Some(author) => format!(", by {}", self.design.agent(author).name),
            None => String::new(),
        };
        self.note(
            agent,
            format!(
                "{framework}: the termination_condition holds ({user_messages} user messages; the last message{by}: {:?}): the workflow ends",
                self.last_message
            ),
        );
        self.complete(agent, summary);
        true
    }
}
