//! Agent Framework's autonomous mode as a scenario's profile writes it:
//! `"autonomous_mode": {"agents": [...], "prompts": {...}, "turn_limits": {...}}`, the
//! arguments of `HandoffBuilder.with_autonomous_mode(agents=..., prompts=..., turn_limits=...)`.

use std::collections::BTreeMap;

use crate::design::Design;
use crate::engine::{AutonomousAgent, AutonomousMode};

/// `with_autonomous_mode(...)`'s arguments as written, agents by name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AutonomousFile {
    /// The agents in the mode; absent (or empty, as the framework's `if agents` reads it):
    /// every agent.
    #[serde(default)]
    agents: Option<Vec<String>>,
    /// Per agent, the prompt its executor adds (else, or when empty, the framework's default).
    #[serde(default)]
    prompts: BTreeMap<String, String>,
    /// Per agent, its turn limit (else the framework's default, 50).
    #[serde(default)]
    turn_limits: BTreeMap<String, u32>,
}

/// Where in the scenario the mode is written.
const PLACE: &str = "profile.autonomous_mode";

impl AutonomousFile {
    /// The mode over `design`'s agents, or the place and message of a name that is no agent
    /// of it, or whose prompt or limit the framework would ignore.
    pub(super) fn resolve(&self, design: &Design) -> Result<AutonomousMode, (String, String)> {
        let names = || {
            design
                .agents()
                .iter()
                .map(|a| format!("`{}`", a.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut agents: Vec<Option<AutonomousAgent>> = vec![None; design.agents().len()];
        match self.agents.as_deref() {
            Some(listed) if !listed.is_empty() => {
                for (i, name) in listed.iter().enumerate() {
                    let agent = design.find(name).ok_or_else(|| {
                        (
                            format!("{PLACE}.agents[{i}]"),
                            format!("`{name}` is no agent of the design (its agents: {})", names()),
                        )
                    })?;
                    agents[agent.index()] = Some(AutonomousAgent::default());
                }
            }
            _ => agents.iter_mut().for_each(|a| *a = Some(AutonomousAgent::default())),
        }
        let prompts = self.prompts.keys().map(|name| ("prompts", name));
        for (key, name) in prompts.chain(self.turn_limits.keys().map(|name| ("turn_limits", name))) {
            let place = format!("{PLACE}.{key}.{name}");
            let agent = design.find(name).ok_or_else(|| {
                (
                    place.clone(),
                    format!("`{name}` is no agent of the design (its agents: {})", names()),
                )
            })?;
            if agents[agent.index()].is_none() {
                return Err((
                    place,
                    format!(
                        "`{name}` is not in `autonomous_mode.agents`, so Agent Framework ignores its {}",
                        if key == "prompts" { "prompt" } else { "turn limit" }
                    ),
                ));
            }
        }
        for (agent, mode) in design.ids().zip(agents.iter_mut()) {
            let (Some(mode), name) = (mode.as_mut(), &design.agent(agent).name) else {
                continue;
            };
            // `autonomous_mode_prompt or _AUTONOMOUS_MODE_DEFAULT_PROMPT`: an empty one is none.
            if let Some(prompt) = self.prompts.get(name).filter(|p| !p.is_empty()) {
                mode.prompt.clone_from(prompt);
            }
            if let Some(&limit) = self.turn_limits.get(name) {
                mode.turn_limit = limit;
            }
        }
        Ok(AutonomousMode { agents })
    }
}
