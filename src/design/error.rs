//! Why a design is invalid, and where (as a JSON path in a scenario file).

use crate::files::{Hint, json_key};

/// A reason a design is invalid. [`DesignError::place`] gives the JSON path in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DesignError {
    /// No agents at all.
    #[error("the design has no agents")]
    NoAgents,
    /// No handoff edges, under a framework that refuses that.
    #[error("the design declares no handoffs, and the framework refuses that: \"{message}\"")]
    NoHandoffs {
        /// The framework's message.
        message: &'static str,
    },
    /// An agent with an empty name.
    #[error("agent name is empty")]
    EmptyName {
        /// Index in the agent list.
        index: usize,
    },
    /// A name a function name on the wire cannot hold (the Chat Completions API allows
    /// `^[a-zA-Z0-9_-]{1,64}$`).
    #[error("`{name}` is not a valid {what} name: use only letters, digits, `_` and `-`, at most 64 of them")]
    InvalidName {
        /// The agent's index.
        index: usize,
        /// The tool's index, when the bad name is a tool's, its plugin's or a parameter's.
        tool: Option<usize>,
        /// `agent`, `tool`, `plugin` or `parameter`.
        what: &'static str,
        /// The offending name.
        name: String,
    },
    /// An agent name that a surface rewriting names into function names (the OpenAI Agents
    /// SDK's) still cannot take: a control character, or more than 64 characters.
    #[error("{name:?} is not a valid agent name: at most 64 characters, none of them a control character")]
    UnwritableAgentName {
        /// The agent's index.
        index: usize,
        /// The offending name.
        name: String,
    },
    /// Two functions of one agent that reach the wire under the same name.
    #[error("agent `{agent}` offers `{first}` and `{second}` under one name on the wire, `{wire}`")]
    SameWireName {
        /// The agent.
        agent: String,
        /// Index of the agent.
        index: usize,
        /// Index of the second tool.
        tool_index: usize,
        /// The first function, as declared.
        first: String,
        /// The second.
        second: String,
        /// The name both would be sent as.
        wire: String,
    },
    /// Two handoffs of one agent whose transfer functions reach the wire under one name,
    /// under a surface that refuses that (the OpenAI Agents SDK's
    /// `tool_name_collision_policy="error"`).
    #[error(
        "UserError: {message} (the OpenAI Agents SDK raises it before any model call under `tool_name_collision_policy` `error`; the default, `warn`, offers the last of them)"
    )]
    SharedTransferName {
        /// Where the later handoff is declared, as a JSON path.
        place: String,
        /// The framework's message.
        message: String,
    },
    /// An edge declared several times under different `tool_name_override`s: the OpenAI
    /// Agents SDK offers each, two handoffs to one agent, which a design does not keep.
    #[error(
        "the edge is declared with different `tool_name_override`s: the OpenAI Agents SDK would offer two handoffs to one agent, and a design keeps one per pair of agents; give every declaration the same name"
    )]
    RenamedRepeat {
        /// Where the later declaration is, as a JSON path.
        place: String,
    },
    /// A handoff's `input_type` whose fields are not a JSON Schema the harness can read.
    #[error("input_type: {message}")]
    BadInputType {
        /// Where, as a JSON path.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// A function name longer than the wire allows (64 characters).
    #[error("the function `{wire}` of agent `{agent}` is {} characters on the wire; the Chat Completions API allows at most 64{why}", wire.chars().count())]
    WireNameTooLong {
        /// The agent offered it.
        agent: String,
        /// The name as sent.
        wire: String,
        /// Where to shorten it, as a JSON path.
        place: String,
        /// What to shorten.
        why: &'static str,
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
    /// A tool's parameters that are not a JSON Schema the harness can read.
    #[error("parameters of tool `{tool}` of agent `{agent}`: {message}")]
    BadParameters {
        /// The agent.
        agent: String,
        /// Index of the agent.
        index: usize,
        /// Index of the tool.
        tool_index: usize,
        /// The tool.
        tool: String,
        /// JSON path below `parameters` (`.properties.plan.$ref`).
        path: String,
        /// What is wrong.
        message: String,
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
            DesignError::NoHandoffs { .. } => "handoffs".into(),
            DesignError::EmptyName { index } | DesignError::DuplicateAgent { index, .. } => {
                format!("agents[{index}].name")
            }
            DesignError::InvalidName { index, tool: None, .. } | DesignError::UnwritableAgentName { index, .. } => {
                format!("agents[{index}].name")
            }
            DesignError::InvalidName {
                index,
                tool: Some(t),
                what: "plugin",
                ..
            } => format!("agents[{index}].tools[{t}].plugin"),
            DesignError::InvalidName {
                index,
                tool: Some(t),
                what: "parameter",
                name,
            } => format!("agents[{index}].tools[{t}].parameters{}", json_key(name)),
            DesignError::InvalidName {
                index, tool: Some(t), ..
            } => format!("agents[{index}].tools[{t}].name"),
            DesignError::SameWireName { index, tool_index, .. } => format!("agents[{index}].tools[{tool_index}]"),
            DesignError::WireNameTooLong { place, .. }
            | DesignError::SharedTransferName { place, .. }
            | DesignError::RenamedRepeat { place }
            | DesignError::BadInputType { place, .. } => place.clone(),
            DesignError::UnknownStart { .. } => "start".into(),
            DesignError::UnknownSource { name, .. } => format!("handoffs{}", json_key(name)),
            DesignError::UnknownTarget { source_agent, name, .. } => {
                format!("handoffs{}{}", json_key(source_agent), json_key(name))
            }
            DesignError::SelfHandoff { agent } => {
                format!("handoffs{}{}", json_key(agent), json_key(agent))
            }
            DesignError::DuplicateTool { index, tool_index, .. } => format!("agents[{index}].tools[{tool_index}].name"),
            DesignError::BadParameters {
                index,
                tool_index,
                path,
                ..
            } => format!("agents[{index}].tools[{tool_index}].parameters{path}"),
            DesignError::BadResultTemplate { index, tool_index, .. } => {
                format!("agents[{index}].tools[{tool_index}].result")
            }
        }
    }
}
