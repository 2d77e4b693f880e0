//! Why a design is invalid, and where (as a JSON path in a scenario file).

use crate::files::{Hint, json_key};

/// A reason a design is invalid. [`DesignError::place`] gives the JSON path in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DesignError {
    /// No agents at all.
    #[error("the design has no agents")]
    NoAgents,
    /// An agent with an empty name.
    #[error("agent name is empty")]
    EmptyName {
        /// Index in the agent list.
        index: usize,
    },
    /// A name with characters a function name cannot hold.
    #[error("`{name}` is not a valid {what} name: use only letters, digits, `_` and `-`")]
    InvalidName {
        /// The agent's index.
        index: usize,
        /// The tool's index, when the bad name is a tool's.
        tool: Option<usize>,
        /// `agent` or `tool`.
        what: &'static str,
        /// The offending name.
        name: String,
    },
    /// Two agents with one name.
    #[error("duplicate agent name `{name}` (first defined at agents[{first}])")]
    DuplicateAgent {
        /// Index of the second definition.
        index: usize,
        /// Index of the first.
        first: usize,
        /// The name.
        name: String,
    },
    /// `start` names no agent.
    #[error("start agent `{name}` is not an agent of the design{hint}")]
    UnknownStart {
        /// The name given.
        name: String,
        /// "did you mean" hint, possibly empty.
        hint: Hint,
    },
    /// A handoff source names no agent.
    #[error("handoff source `{name}` is not an agent of the design{hint}")]
    UnknownSource {
        /// The name given.
        name: String,
        /// "did you mean" hint, possibly empty.
        hint: Hint,
    },
    /// A handoff target names no agent.
    #[error("`{source_agent}` hands off to `{name}`, which is not an agent of the design{hint}")]
    UnknownTarget {
        /// The handing-off agent.
        source_agent: String,
        /// The name given.
        name: String,
        /// "did you mean" hint, possibly empty.
        hint: Hint,
    },
    /// An agent that hands off to itself.
    #[error("`{agent}` hands off to itself; Semantic Kernel rejects self-handoffs")]
    SelfHandoff {
        /// The agent.
        agent: String,
    },
    /// Two tools of one agent share a name, or a tool takes a handoff function's name.
    #[error("agent `{agent}` has two functions named `{tool}`{why}")]
    DuplicateTool {
        /// The agent.
        agent: String,
        /// Index of the agent.
        index: usize,
        /// Index of the tool.
        tool_index: usize,
        /// The function name.
        tool: String,
        /// Extra explanation.
        why: String,
    },
    /// A tool result template that does not parse or names an unknown parameter.
    #[error("result template of tool `{tool}` of agent `{agent}`: {message}")]
    BadResultTemplate {
        /// The agent.
        agent: String,
        /// Index of the agent.
        index: usize,
        /// Index of the tool.
        tool_index: usize,
        /// The tool.
        tool: String,
        /// What is wrong.
        message: String,
    },
}

impl DesignError {
    /// Where the error is, as a JSON path into a scenario file: `agents[2].name`,
    /// `handoffs.TriageAgent.Ghost`, `start`.
    pub fn place(&self) -> String {
        match self {
            DesignError::NoAgents => "agents".into(),
            DesignError::EmptyName { index } | DesignError::DuplicateAgent { index, .. } => {
                format!("agents[{index}].name")
            }
            DesignError::InvalidName { index, tool: None, .. } => format!("agents[{index}].name"),
            DesignError::InvalidName {
                index, tool: Some(t), ..
            } => format!("agents[{index}].tools[{t}].name"),
            DesignError::UnknownStart { .. } => "start".into(),
            DesignError::UnknownSource { name, .. } => format!("handoffs{}", json_key(name)),
            DesignError::UnknownTarget { source_agent, name, .. } => {
                format!("handoffs{}{}", json_key(source_agent), json_key(name))
            }
            DesignError::SelfHandoff { agent } => {
                format!("handoffs{}{}", json_key(agent), json_key(agent))
            }
            DesignError::DuplicateTool { index, tool_index, .. } => format!("agents[{index}].tools[{tool_index}].name"),
            DesignError::BadResultTemplate { index, tool_index, .. } => {
                format!("agents[{index}].tools[{tool_index}].result")
            }
        }
    }
}
