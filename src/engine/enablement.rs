//! A handoff offered or not turn by turn: the OpenAI Agents SDK's `handoff(agent,
//! is_enabled=callable)`. The SDK's `get_handoffs` calls the callable with the run's context
//! before each model call of the agent (`ctx.turn_input` is the input the current
//! `Runner.run` started from: the conversation so far, or the nested input a handoff made),
//! and leaves the handoff out when it returns `False`; an exception it raises fails the run
//! before the model is called. A scenario says the callable's condition in the forms an app
//! writes over `ctx.turn_input`.

use crate::design::AgentId;

/// What a conditional handoff's check returns, from the run's input.
#[derive(Debug, Clone)]
pub enum Enablement {
    /// Enabled when the text of some message of the run's input (the task, the human's
    /// replies, the agents' texts, tool results, summaries) matches the regex:
    /// `any(re.search(pattern, text) for text in texts(ctx.turn_input))`.
    InputMatches {
        /// The regex as written.
        pattern: String,
        /// It compiled (the `regex` crate's syntax).
        regex: std::sync::Arc<regex_automata::meta::Regex>,
    },
    /// Enabled when the run's input holds at least this many user messages (the task's and
    /// the human's replies): a handoff offered from the n-th message of the human on.
    UserMessages(u32),
    /// The check raises this exception (`Type: message`): the app's callable failed (a flag
    /// service down), and `Runner.run` raises it before the agent's model is called.
    Raises(String),
}

impl PartialEq for Enablement {
    fn eq(&self, other: &Enablement) -> bool {
        match (self, other) {
            (Enablement::InputMatches { pattern: a, .. }, Enablement::InputMatches { pattern: b, .. }) => a == b,
            (Enablement::UserMessages(a), Enablement::UserMessages(b)) => a == b,
            (Enablement::Raises(a), Enablement::Raises(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Enablement {}

impl Enablement {
    /// `InputMatches` of `pattern`; the error is the regex crate's diagnostic.
    pub fn input_matches(pattern: &str) -> Result<Enablement, String> {
        let regex = regex_automata::meta::Regex::new(pattern).map_err(|e| match e.syntax_error() {
            Some(syntax) => syntax.to_string(),
            None => e.to_string(),
        })?;
        Ok(Enablement::InputMatches {
            pattern: pattern.to_string(),
            regex: std::sync::Arc::new(regex),
        })
    }

    /// Whether the handoff is offered, given the texts of the run's input and how many of
    /// them are user messages; `None` when the check raises.
    pub fn holds<'a>(&self, mut texts: impl Iterator<Item = &'a str>, user_messages: usize) -> Option<bool> {
        match self {
            Enablement::InputMatches { regex, .. } => Some(texts.any(|t| regex.is_match(t))),
            Enablement::UserMessages(n) => Some(user_messages >= *n as usize),
            Enablement::Raises(_) => None,
        }
    }

    /// How a run and its notes describe it.
    pub fn describe(&self) -> String {
        match self {
            Enablement::InputMatches { pattern, .. } => format!("the run's input matches /{pattern}/"),
            Enablement::UserMessages(n) => format!("the run's input holds at least {n} user messages"),
            Enablement::Raises(error) => format!("the check raises {error}"),
        }
    }
}

/// A handoff whose `is_enabled` is a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffCondition {
    /// The agent that may hand off.
    pub source: AgentId,
    /// The agent it may hand off to.
    pub target: AgentId,
    /// When it is offered.
    pub when: Enablement,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_reads_the_texts_and_user_messages_of_the_runs_input() {
        let matches = Enablement::input_matches("(?i)refund").unwrap();
        assert!(Enablement::input_matches("(").is_err());
        assert_eq!(matches.holds(["hi", "A REFUND"].into_iter(), 2), Some(true));
        assert_eq!(matches.holds(["hi"].into_iter(), 1), Some(false));
        assert_eq!(Enablement::UserMessages(2).holds([].into_iter(), 1), Some(false));
        assert_eq!(Enablement::UserMessages(2).holds([].into_iter(), 2), Some(true));
        assert_eq!(
            Enablement::Raises("RuntimeError: x".into()).holds([].into_iter(), 0),
            None
        );
        assert_ne!(matches, Enablement::UserMessages(1));
    }
}
