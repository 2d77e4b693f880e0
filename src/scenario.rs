//! Scenario files: a handoff design, the human's replies, each agent's scripted model, limits,
//! policy and expectations, in one JSON file (format in `scenarios/README.md`). Loading checks
//! everything; every error names the file and the place (JSON path, and line and column
//! where the parser knows them).

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::design::{Agent, Design, DesignBuilder, HandoffSpec, Tool, closest, json_key};
use crate::expect::{Check, Expect, Verdict};
use crate::invariant::{Invariant, InvariantFile};
use crate::model::Model;
use crate::orchestration::{NoHuman, Orchestration, ScriptedHuman};
use crate::ordered::OrderedMap;
use crate::policy::{Limits, Policy, Settings};
use crate::replay::{Matching, Replay};
use crate::run::Run;
use crate::scripted::{Script, ScriptedModel};
use crate::transcript::Transcript;

/// A scenario that cannot be loaded. Its message names the file and the place.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file cannot be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("{file}: not a text file (byte {offset} is not UTF-8); a scenario is a JSON file")]
    NotText {
        /// The file.
        file: String,
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// Malformed or truncated JSON, or a value of the wrong shape.
    #[error("{file}:{line}:{column}: {place}{message}")]
    Json {
        /// The file.
        file: String,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// `"<json path>: "`, or empty where the parser knows no path.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// The async runtime could not start (an operating system error).
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Valid JSON that does not make a valid scenario.
    #[error("{file}: {place}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// JSON path of the offending value.
        place: String,
        /// What is wrong.
        message: String,
    },
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name (the file's `name`, else the file name).
    pub name: String,
    /// Where it was loaded from.
    pub file: String,
    /// The design.
    pub design: Arc<Design>,
    /// The task, if the file has one.
    pub task: Option<String>,
    /// The human's replies; `None`: no human takes part.
    pub user: Option<Vec<String>>,
    /// The scripted model, if the file has one.
    pub model: Option<ScriptedModel>,
    /// The recording its model replays, if the file names one instead of scripted rules.
    pub recording: Option<Replay>,
    /// Limits and policy.
    pub settings: Settings,
    /// What the run must look like.
    pub expect: Expect,
    /// What must hold in every run the design could have (`handoff fuzz` checks them).
    pub invariants: Vec<Invariant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    name: Option<String>,
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
    handoffs: OrderedMap<OrderedMap<Option<String>>>,
    #[serde(default)]
    user: Option<Vec<String>>,
    #[serde(default)]
    model: Option<ModelFile>,
    #[serde(default)]
    limits: Option<Limits>,
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
    /// Loads and validates the scenario file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let (text, file) = read_text(path.as_ref())?;
        Scenario::parse(&text, &file, path.as_ref().file_stem().and_then(|s| s.to_str()))
    }

    /// Parses and validates scenario JSON; `file` names it in errors, `stem` is the default name.
    pub fn parse(text: &str, file: &str, stem: Option<&str>) -> Result<Scenario, ScenarioError> {
        let invalid = |place: String, message: String| ScenarioError::Invalid {
            file: file.to_string(),
            place,
            message,
        };
        let mut parsed: File = parse_json(text, file)?;
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
                    ScenarioError::Read { source, .. } => invalid(
                        "model.recording".into(),
                        format!("{}: cannot read: {source}", path.display()),
                    ),
                    other => other,
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
        if let Some(kind) = expect.outcome.as_deref().filter(|k| !crate::Outcome::KINDS.contains(k)) {
            return Err(invalid(
                "expect.outcome".into(),
                format!("unknown outcome `{kind}`; one of: {}", crate::Outcome::KINDS.join(", ")),
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
            },
            expect,
            invariants,
        })
    }

    /// Whether the file is a design file: no task, model, human replies or expectations, so
    /// there is nothing to run (`handoff test` ignores it; `handoff analyze` reads it).
    pub fn is_design_only(&self) -> bool {
        self.task.is_none()
            && self.model.is_none()
            && self.recording.is_none()
            && self.user.is_none()
            && self.expect == Expect::default()
    }

    /// The orchestration this scenario describes and its scripted model. Fails if the file
    /// has no `task` or no scripted `model` (a design file is for analysis, not for running).
    pub fn orchestration(&self) -> Result<(Orchestration, ScriptedModel), ScenarioError> {
        let orchestration = self.orchestration_only()?;
        let why = match self.recording {
            Some(_) => "its `model` is a recording, and this needs scripted rules",
            None => "missing: a run needs each agent's scripted model",
        };
        let model = self.model.clone().ok_or_else(|| self.invalid("model", why))?;
        Ok((orchestration, model))
    }

    /// The orchestration this scenario describes, for any model. Fails if the file has no
    /// `task`.
    pub fn orchestration_only(&self) -> Result<Orchestration, ScenarioError> {
        let task = self
            .task
            .as_ref()
            .ok_or_else(|| self.invalid("task", "missing: a run needs the task its first agent is given"))?;
        Ok(Orchestration::new(self.design.clone())
            .task(task.clone())
            .settings(self.settings))
    }

    fn invalid(&self, place: &str, message: &str) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.clone(),
            place: place.to_string(),
            message: message.to_string(),
        }
    }

    /// Runs the scenario to the end: with its scripted model and human, or, when its `model`
    /// names a recording, with the recorded responses and human replies.
    pub async fn run(&self) -> Result<Run, ScenarioError> {
        if let Some(replay) = &self.recording {
            return Ok(replay.run(&self.orchestration_only()?).await.0);
        }
        let (_, mut model) = self.orchestration()?;
        self.run_with(&mut model).await
    }

    /// Runs the scenario's task and human with `model` instead of the file's (a live model,
    /// a recorder around one).
    pub async fn run_with<M: Model>(&self, model: &mut M) -> Result<Run, ScenarioError> {
        let orchestration = self.orchestration_only()?;
        Ok(match &self.user {
            Some(replies) => {
                orchestration
                    .run(model, &mut ScriptedHuman::new(replies.iter().cloned()))
                    .await
            }
            None => orchestration.run(model, &mut NoHuman).await,
        })
    }

    /// Checks `run` against `expect` and the `invariants`: what `handoff run` and `handoff
    /// test` report.
    pub fn verdict(&self, run: &Run) -> Verdict {
        let mut verdict = self.expect.check(run);
        for (i, invariant) in self.invariants.iter().enumerate() {
            let broken = invariant.check(run).err();
            verdict.add(Check {
                name: "invariant",
                expected: format!("invariants[{i}] holds"),
                passed: broken.is_none(),
                actual: broken.unwrap_or_else(|| "it holds".into()),
            });
        }
        if let Some(replay) = &self.recording {
            verdict.add(replay.check(run));
        }
        verdict
    }

    /// Runs the scenario on a current-thread runtime, for callers that are not async.
    pub fn run_blocking(&self) -> Result<Run, ScenarioError> {
        block_on(self.run())?
    }
}

/// Runs `future` to the end on a current-thread runtime.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, ScenarioError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(ScenarioError::Runtime)?;
    Ok(runtime.block_on(future))
}

/// A file read for its design alone, as `handoff analyze` reads it. Any scenario file is
/// also a design file; a file with only `agents`, `start` and `handoffs` is one too. Agents
/// and their tools are validated; the edges and the start are left as declared, so that
/// [`crate::HandoffGraph`] can report their problems as findings.
#[derive(Debug, Clone)]
pub struct DesignFile {
    /// The design's name (the file's `name`, else the file name).
    pub name: String,
    /// Where it was loaded from.
    pub file: String,
    /// The design as declared.
    pub declared: DesignBuilder,
    /// The file's `limits` block, if it has one.
    pub limits: Option<Limits>,
}

impl DesignFile {
    /// Loads the design of the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<DesignFile, ScenarioError> {
        let (text, file) = read_text(path.as_ref())?;
        DesignFile::parse(&text, &file, path.as_ref().file_stem().and_then(|s| s.to_str()))
    }

    /// Parses design JSON; `file` names it in errors, `stem` is the default name.
    pub fn parse(text: &str, file: &str, stem: Option<&str>) -> Result<DesignFile, ScenarioError> {
        let mut parsed: File = parse_json(text, file)?;
        let declared = declared(&mut parsed);
        declared.check_agents().map_err(|e| ScenarioError::Invalid {
            file: file.to_string(),
            place: e.place(),
            message: e.to_string(),
        })?;
        Ok(DesignFile {
            name: parsed
                .name
                .or(stem.map(String::from))
                .unwrap_or_else(|| "design".into()),
            file: file.to_string(),
            declared,
            limits: parsed.limits,
        })
    }
}

/// Reads a UTF-8 file, naming it in errors.
pub(crate) fn read_text(path: &Path) -> Result<(String, String), ScenarioError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
        file: file.clone(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, file)),
        Err(e) => Err(ScenarioError::NotText {
            offset: e.utf8_error().valid_up_to(),
            file,
        }),
    }
}

/// The design part of a parsed file, taken out of it, as declared.
fn declared(parsed: &mut File) -> DesignBuilder {
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

/// Deserialises `text`, reporting the JSON path and line/column of the first problem.
pub(crate) fn parse_json<T: for<'de> Deserialize<'de>>(text: &str, file: &str) -> Result<T, ScenarioError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => de.end().map(|()| value).map_err(|e| (String::new(), e)),
        Err(e) => Err((e.path().to_string(), e.into_inner())),
    };
    result.map_err(|(path, inner)| {
        let position = format!(" at line {} column {}", inner.line(), inner.column());
        let raw = inner.to_string();
        let mut message = raw.strip_suffix(&position).unwrap_or(&raw).to_string();
        if inner.is_eof() {
            message = format!("{message}: the file ends too early (truncated, or a bracket is not closed)");
        }
        let tidy = tidy_path(&path);
        let place = if tidy.is_empty() || inner.is_syntax() || inner.is_eof() {
            String::new()
        } else {
            format!("{tidy}: ")
        };
        ScenarioError::Json {
            file: file.to_string(),
            line: inner.line(),
            column: inner.column(),
            place,
            message,
        }
    })
}

/// serde_path_to_error writes map keys as `.key`; quote keys that are not plain names.
fn tidy_path(path: &str) -> String {
    path.split('.')
        .filter(|s| !s.is_empty())
        .enumerate()
        .fold(String::new(), |mut out, (i, segment)| {
            let (key, index) = match segment.find('[') {
                Some(at) => segment.split_at(at),
                None => (segment, ""),
            };
            if i == 0 && !key.is_empty() {
                out.push_str(key);
            } else if !key.is_empty() {
                out.push_str(&json_key(key));
            }
            out.push_str(index);
            out
        })
}
