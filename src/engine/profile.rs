//! Profiles: the semantics of one framework's handoff orchestration, as the engine consults
//! them. Where frameworks differ (the names of the handoff functions, who sees which message,
//! what the model reads after calling a function it does not have, how a run without a human
//! ends) the routing core asks its profile instead of deciding itself.

use super::event::{Event, EventKind, Visibility};
use crate::design::ToolSurface;

/// A framework's handoff semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Its name in scenario files and on the command line.
    pub name: &'static str,
    /// How the handoff functions are named and described.
    pub tools: ToolSurface,
    /// Who sees which message.
    pub sharing: Sharing,
    /// What the model and the reader of a run are told where the framework speaks.
    pub texts: Texts,
}

/// Who reads each kind of message in their thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    /// The task.
    pub task: Audience,
    /// A model response (its text and tool calls).
    pub reply: Audience,
    /// The result of a tool call.
    pub tool_result: Audience,
    /// The text of a turn that ended without a handoff.
    pub broadcast: Audience,
    /// A human reply.
    pub human: Audience,
}

/// Who reads a message, relative to the agent it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every agent.
    Everyone,
    /// Every agent but its author.
    Others,
    /// Only its author.
    Author,
    /// No agent.
    Nobody,
}

/// Texts a framework writes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    /// The result of a call to a function the agent does not have; `{name}` is the name called.
    pub unknown_tool: &'static str,
    /// The result of a call without a required argument; `{arguments}` lists them (`'a', 'b'`).
    pub missing_arguments: &'static str,
    /// The summary of a run that a text reply ended because no human takes part.
    pub no_human_summary: &'static str,
}

impl Sharing {
    /// Who sees `event`.
    pub fn visibility(&self, event: &Event) -> Visibility {
        let audience = match event.kind {
            EventKind::Task { .. } => self.task,
            EventKind::Reply { .. } => self.reply,
            EventKind::ToolResult { .. } => self.tool_result,
            EventKind::Broadcast { .. } => self.broadcast,
            EventKind::Human { .. } => self.human,
            EventKind::Handoff { .. } | EventKind::Note { .. } | EventKind::Completed { .. } => Audience::Nobody,
        };
        match (audience, event.agent) {
            (Audience::Everyone, _) | (Audience::Others, None) => Visibility::All,
            (Audience::Others, Some(author)) => Visibility::Others(author),
            (Audience::Author, Some(author)) => Visibility::Only(author),
            (Audience::Author, None) | (Audience::Nobody, _) => Visibility::Nobody,
        }
    }
}

impl Texts {
    /// The result of a call to `name`, which the agent does not have.
    pub fn unknown_tool(&self, name: &str) -> String {
        self.unknown_tool.replace("{name}", name)
    }

    /// The result of a call that lacks the `missing` arguments.
    pub fn missing_arguments(&self, missing: &[&str]) -> String {
        let list: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
        self.missing_arguments.replace("{arguments}", &list.join(", "))
    }
}

impl Profile {
    /// Semantic Kernel Python's `HandoffOrchestration` (1.45) as it is meant to work: each agent
    /// keeps its own thread for the whole run; text replies and human answers reach every
    /// agent, tool calls and results stay with the agent that made them.
    pub const SEMANTIC_KERNEL_FIXED: Profile = Profile {
        name: "semantic-kernel-fixed",
        tools: ToolSurface::SEMANTIC_KERNEL,
        sharing: Sharing {
            task: Audience::Everyone,
            reply: Audience::Author,
            tool_result: Audience::Author,
            broadcast: Audience::Others,
            human: Audience::Everyone,
        },
        texts: Texts {
            unknown_tool: "The tool call with name `{name}` is not part of the provided tools, please try again with a supplied tool call name and make sure to validate the name.",
            missing_arguments: "Missing required argument(s): [{arguments}]. Please revise the arguments to match the function signature.",
            no_human_summary: "No handoff agent name provided and no human response function set. Ending task.",
        },
    };
}

impl Default for Profile {
    fn default() -> Profile {
        Profile::SEMANTIC_KERNEL_FIXED
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::AgentId;

    #[test]
    fn texts_fill_their_placeholders() {
        let texts = Profile::SEMANTIC_KERNEL_FIXED.texts;
        assert!(
            texts
                .unknown_tool("transfer_to_X")
                .starts_with("The tool call with name `transfer_to_X` is not")
        );
        assert_eq!(
            texts.missing_arguments(&["order_id", "reason"]),
            "Missing required argument(s): ['order_id', 'reason']. Please revise the arguments to match the function signature."
        );
    }

    #[test]
    fn an_audience_relative_to_the_author_becomes_a_visibility() {
        let sharing = Sharing {
            task: Audience::Everyone,
            reply: Audience::Everyone,
            tool_result: Audience::Nobody,
            broadcast: Audience::Others,
            human: Audience::Author,
        };
        let event = |agent, kind| Event { agent, kind };
        let reply = EventKind::Reply {
            text: None,
            calls: Box::new([]),
        };
        assert_eq!(sharing.visibility(&event(Some(AgentId(1)), reply)), Visibility::All);
        let broadcast = EventKind::Broadcast { text: "hi".into() };
        assert_eq!(
            sharing.visibility(&event(Some(AgentId(1)), broadcast)),
            Visibility::Others(AgentId(1))
        );
        let human = EventKind::Human { text: "hi".into() };
        assert_eq!(
            sharing.visibility(&event(None, human)),
            Visibility::Nobody,
            "no author, so nobody"
        );
        let task = EventKind::Task { text: "t".into() };
        assert_eq!(sharing.visibility(&event(None, task)), Visibility::All);
        let handoff = EventKind::Handoff { to: AgentId(0) };
        assert_eq!(
            sharing.visibility(&event(Some(AgentId(1)), handoff)),
            Visibility::Nobody
        );
    }
}
