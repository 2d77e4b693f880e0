//! Handoff edges: as declared, and as a validated design keeps them.

use std::sync::Arc;

use super::agent::AgentId;
use super::input_type::InputType;

/// A handoff edge as declared: from `source` to `target`, with a description or `None` for
/// "use the target's description".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffSpec {
    /// The agent that may hand off.
    pub source: String,
    /// The agent it may hand off to.
    pub target: String,
    /// The `transfer_to_<target>` description; `None` falls back to the target's description.
    pub description: Option<String>,
    /// Whether the edge was declared with the target's name, as Semantic Kernel Python's
    /// `add(source, "Target", "...")` does, which loses the description (SK#13115).
    pub by_name: bool,
    /// The name the transfer function is sent under instead of the profile's, as the OpenAI
    /// Agents SDK's `handoff(agent, tool_name_override=...)` gives it (`None` or `""`: the
    /// profile's name; only the `openai-agents` surface takes one).
    pub tool_name: Option<String>,
    /// Whether the handoff is offered: the OpenAI Agents SDK's `handoff(agent, is_enabled=False)`
    /// leaves it out of the agent's functions before anything else looks at them.
    pub enabled: bool,
    /// The typed arguments its transfer function takes (the OpenAI Agents SDK's
    /// `handoff(agent, input_type=..., on_handoff=...)`); `None`: none.
    pub input_type: Option<Arc<InputType>>,
}

impl HandoffSpec {
    /// An edge from `source` to `target` with this description (`None`: the target's),
    /// declared with the agent itself, with none of the OpenAI Agents SDK's options.
    pub fn new(source: impl Into<String>, target: impl Into<String>, description: Option<String>) -> HandoffSpec {
        HandoffSpec {
            source: source.into(),
            target: target.into(),
            description,
            by_name: false,
            tool_name: None,
            enabled: true,
            input_type: None,
        }
    }
}

/// A handoff edge of a validated design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// The agent handed to.
    pub target: AgentId,
    /// The description the model reads (after falling back to the target's description).
    pub description: String,
    /// Whether the description was declared (`false`: taken from the target agent).
    pub declared: bool,
    /// The name its transfer function is sent under, when the edge overrides the profile's
    /// (`tool_name_override`).
    pub tool_name: Option<String>,
    /// The typed arguments its transfer function takes (`input_type`), if any.
    pub input_type: Option<Arc<InputType>>,
}
