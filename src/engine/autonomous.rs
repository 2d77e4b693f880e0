//! Agent Framework's autonomous mode (`HandoffBuilder.with_autonomous_mode(agents=...,
//! prompts=..., turn_limits=...)`, agent-framework-orchestrations 1.4): an agent of the mode
//! that replies without handing off is not handed to the human; its executor adds a user
//! message of its own (the prompt) and runs the agent again, up to its turn limit. The
//! routing core runs it (`core/autonomous.rs`).

use crate::design::AgentId;

/// The prompt `HandoffAgentExecutor` adds when an agent of the mode gets none of its own
/// (`_AUTONOMOUS_MODE_DEFAULT_PROMPT`).
pub const DEFAULT_PROMPT: &str = "User did not respond. Continue assisting autonomously.";

/// The turn limit of an agent of the mode that gets none of its own
/// (`_DEFAULT_AUTONOMOUS_TURN_LIMIT`).
pub const DEFAULT_TURN_LIMIT: u32 = 50;

/// How one agent of the mode goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonomousAgent {
    /// The user message its executor adds before running it again.
    pub prompt: String,
    /// How many times in a row it is run again before its reply goes to the human (`0`: at
    /// once, as without the mode). The count starts again when it hands off or the human is
    /// asked.
    pub turn_limit: u32,
}

impl Default for AutonomousAgent {
    fn default() -> AutonomousAgent {
        AutonomousAgent {
            prompt: DEFAULT_PROMPT.to_string(),
            turn_limit: DEFAULT_TURN_LIMIT,
        }
    }
}

/// Which agents run in autonomous mode, and how (empty: the mode is off).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AutonomousMode {
    /// Per agent, by [`AgentId::index`]: how it goes on, `None` for an agent not in the mode.
    /// Agents past the end are not in it.
    pub agents: Vec<Option<AutonomousAgent>>,
}

impl AutonomousMode {
    /// How `agent` goes on, if it is in the mode.
    #[inline(always)]
    pub fn of(&self, agent: AgentId) -> Option<&AutonomousAgent> {
        self.agents.get(agent.index()).and_then(Option::as_ref)
    }

    /// Whether any agent is in the mode.
    pub fn is_on(&self) -> bool {
        self.agents.iter().any(Option::is_some)
    }
}
