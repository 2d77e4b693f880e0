//! Invariants of a scenario: what must hold in *every* conversation the design could have,
//! not only the scripted one. `handoff fuzz` checks them on every run it generates.
//!
//! ```json
//! "invariants": [
//!   { "when_user": "(?i)refund", "visits": ["RefundAgent"] },
//!   { "avoids": ["EscalationAgent"] }
//! ]
//! ```

use serde::Deserialize;

use crate::design::{AgentId, Design};
use crate::engine::EventKind;
use crate::engine::Run;
use crate::files::closest;
use crate::scripted::pattern::Pattern;

/// One invariant, as the file gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InvariantFile {
    /// Regex: the invariant holds for runs where the task or a human reply matches it
    /// (without it: every run).
    #[serde(default)]
    when_user: Option<String>,
    /// Agents that must be in control at some point.
    #[serde(default)]
    visits: Vec<String>,
    /// Agents that must never be in control.
    #[serde(default)]
    avoids: Vec<String>,
}

/// What must hold in every run: when the task or a human reply matches `when_user` (or
/// always, without it), every agent of `visits` is in control at some point and no agent of
/// `avoids` ever is.
#[derive(Debug, Clone)]
pub struct Invariant {
    when_user: Option<Pattern>,
    visits: Vec<AgentId>,
    avoids: Vec<AgentId>,
}

impl Invariant {
    /// Checks the file's invariant against `design`; the error is (place below the
    /// invariant, message).
    pub(crate) fn new(file: &InvariantFile, design: &Design) -> Result<Invariant, (String, String)> {
        let when_user = file
            .when_user
            .as_deref()
            .map(Pattern::new)
            .transpose()
            .map_err(|e| ("when_user".to_string(), format!("invalid regular expression:\n{e}")))?;
        let agents = |field: &str, names: &[String]| -> Result<Vec<AgentId>, (String, String)> {
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    design.find(name).ok_or_else(|| {
                        let hint = closest(name, design.agents().iter().map(|a| a.name.as_str()));
                        (
                            format!("{field}[{i}]"),
                            format!("`{name}` is not an agent of the design{hint}"),
                        )
                    })
                })
                .collect()
        };
        Ok(Invariant {
            when_user,
            visits: agents("visits", &file.visits)?,
            avoids: agents("avoids", &file.avoids)?,
        })
    }

    /// `Err` with what went wrong if `run` breaks the invariant.
    pub fn check(&self, run: &Run) -> Result<(), String> {
        let said = |pattern: &Pattern| {
            run.log().events().iter().find_map(|e| match &e.kind {
                EventKind::Task { text } | EventKind::Human { text } if pattern.is_match(text) => Some(text.as_str()),
                EventKind::Input(input)
                    if input.role == crate::engine::InputRole::User && pattern.is_match(input.text()) =>
                {
                    Some(input.text())
                }
                _ => None,
            })
        };
        let because = match &self.when_user {
            None => String::new(),
            Some(pattern) => match said(pattern) {
                Some(text) => format!(" after {text:?} (matches /{}/)", pattern.source()),
                None => return Ok(()),
            },
        };
        let path = run.path();
        if let Some(agent) = self.visits.iter().find(|a| !path.contains(a)) {
            return Err(format!("`{}` was never in control{because}", run.name(*agent)));
        }
        if let Some(agent) = self.avoids.iter().find(|a| path.contains(a)) {
            return Err(format!("`{}` was in control{because}", run.name(*agent)));
        }
        Ok(())
    }
}
