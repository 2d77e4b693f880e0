//! The scenario file as it is written: the JSON shape (unknown fields are errors), and how it
//! becomes a validated [`Scenario`].

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::invariant::InvariantFile;
use super::{Expect, Invariant, Scenario, ScenarioError};
use crate::design::{Agent, Design, DesignBuilder, HandoffSpec, Tool};
use crate::engine::{Limits, Outcome, Policy, Settings};
use crate::files::{FileError, OrderedMap, closest, json_key, parse_json};
use crate::scripted::{Script, ScriptedModel};
use crate::wire::{Matching, Replay, Transcript};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct File {
    #[serde(default)]
    pub(super) name: Option<String>,
    /// For the file's readers; the harness does not use it.
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    task: Option<String>,
    agents: Vec<AgentFile>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    handoffs: OrderedMap<OrderedMap<Option<String>, true>, true>,
    #[serde(default)]
    user: Option<Vec<String>>,
    #[serde(default)]
    model: Option<ModelFile>,
    #[serde(default)]
    pub(super) limits: Option<Limits>,
    #[serde(default)]
    policy: Policy,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    invariants: Vec<InvariantFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    instructions: String,
    #[serde(default)]
    tools: Vec<ToolFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolFile {
    name: String,
    #[serde(default)]
    plugin: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: OrderedMap<Option<String>>,
    result: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    #[serde(default)]
    scripted: Option<OrderedMap<Script>>,
    #[serde(default)]
    recording: Option<String>,
    #[serde(default, rename = "match")]
    matching: Option<Matching>,
}

impl Scenario {
    /// Parses and validates scenario JSON; `file` names it in errors, `stem` is the default name.
    pub fn parse(text: &str, file: &str, stem: Option<&str>) -> Result<Scenario, ScenarioError> {
        let invalid = |place: String, message: String| ScenarioError::from(FileError::invalid(file, place, message));
        let mut parsed: File = parse_json(text, file)?;
        repeated_handoffs(&parsed.handoffs).map_err(|(place, message)| invalid(place, message))?;
        let design = declared(&mut parsed)
            .build()
            .map_err(|e| invalid(e.place(), e.to_string()))?;

        let (model, recording) = match parsed.model.take() {
            None => (None, None),
            Some(ModelFile {
                scripted: Some(scripts),
                recording: None,
                matching: None,
            }) => {
                let scripted =
                    ScriptedModel::new(&design, scripts.0.iter().map(|(name, script)| (name.as_str(), script)))
                        .map_err(|e| invalid(e.place, e.message))?;
                (Some(scripted), None)
            }
            Some(ModelFile {
                scripted: None,
                recording: Some(recording),
                matching,
            }) => {
                let path = Path::new(file).parent().unwrap_or(Path::new("")).join(&recording);
                // Name the scenario's place too: the recording may be fine, the path wrong.
                let transcript = Transcript::load(&path).map_err(|e| match e {
                    FileError::Read { source, .. } => invalid(
                        "model.recording".into(),
                        format!("{}: cannot read: {source}", path.display()),
                    ),
                    other => other.into(),
                })?;
                let replay = Replay::new(transcript, path.display().to_string(), matching.unwrap_or_default());
                (None, Some(replay))
            }
            Some(_) => {
                return Err(invalid(
                    "model".into(),
                    "give either `scripted` rules or a `recording` (with an optional `match`)".into(),
                ));
            }
        };
        let expect = parsed.expect.unwrap_or_default();
        for (place, name) in expect.agent_names() {
            if design.find(name).is_none() {
                let hint = closest(name, design.agents().iter().map(|a| a.name.as_str()));
                return Err(invalid(
                    format!("expect.{place}"),
                    format!("`{name}` is not an agent of the design{hint}"),
                ));
            }
        }
        let invariants = parsed
            .invariants
            .iter()
            .enumerate()
            .map(|(i, file)| {
                Invariant::new(file, &design)
                    .map_err(|(place, message)| invalid(format!("invariants[{i}].{place}"), message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(kind) = expect.outcome.as_deref().filter(|k| !Outcome::KINDS.contains(k)) {
            return Err(invalid(
                "expect.outcome".into(),
                format!("unknown outcome `{kind}`; one of: {}", Outcome::KINDS.join(", ")),
            ));
        }
        Ok(Scenario {
            name: parsed
                .name
                .or(stem.map(String::from))
                .unwrap_or_else(|| "scenario".into()),
            file: file.to_string(),
            design: Arc::new(design),
            task: parsed.task,
            user: parsed.user,
            model,
            recording,
            settings: Settings {
                limits: parsed.limits.unwrap_or_default(),
                policy: parsed.policy,
                ..Settings::default()
            },
            expect,
            invariants,
        })
    }
}

/// The design part of a parsed file, taken out of it, as declared.
pub(super) fn declared(parsed: &mut File) -> DesignBuilder {
    let mut builder = Design::builder();
    for agent in std::mem::take(&mut parsed.agents) {
        builder = builder.agent(agent_from_file(agent));
    }
    for (source, targets) in std::mem::take(&mut parsed.handoffs).0 {
        for (target, description) in targets.0 {
            builder = builder.edge(HandoffSpec {
                source: source.clone(),
                target,
                description,
            });
        }
    }
    if let Some(start) = parsed.start.take() {
        builder = builder.start(start);
    }
    builder
}

fn agent_from_file(a: AgentFile) -> Agent {
    let mut agent = Agent::new(a.name)
        .description(a.description)
        .instructions(a.instructions);
    for t in a.tools {
        let mut tool = Tool::new(t.name).description(t.description).result(t.result);
        tool.plugin = t.plugin;
        for (name, description) in t.parameters.0 {
            tool = tool.parameter(name, description.unwrap_or_default());
        }
        agent = agent.tool(tool);
    }
    agent
}

/// Refuses an edge or a source given twice in `handoffs` (to run a design it must say what it
/// means; `handoff analyze` reports repeats as findings instead).
fn repeated_handoffs(handoffs: &OrderedMap<OrderedMap<Option<String>, true>, true>) -> Result<(), (String, String)> {
    if let Some((source, first, second)) = handoffs.repeated() {
        return Err((
            format!("handoffs{}", json_key(source)),
            format!(
                "`{source}` is given twice (keys {first} and {second} of `handoffs`); write its targets in one object"
            ),
        ));
    }
    for (source, targets) in &handoffs.0 {
        if let Some((target, first, second)) = targets.repeated() {
            return Err((
                format!("handoffs{}{}", json_key(source), json_key(target)),
                format!(
                    "`{target}` is given twice (keys {first} and {second} of handoffs{})",
                    json_key(source)
                ),
            ));
        }
    }
    Ok(())
}
