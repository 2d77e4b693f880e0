//! The scenario file as it is written: the JSON shape (unknown fields are errors), and how it
//! becomes a validated [`Scenario`].

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::edge_form::EdgeFile;
use super::forms::ProfileFile;
use super::invariant::InvariantFile;
use super::parameters::ParametersFile;
use super::replies::{ReplyFile, ResultFile};
use super::{Expect, Invariant, Scenario, ScenarioError, shared};
use crate::design::ToolSurface;
use crate::design::{Agent, Design, DesignBuilder, Tool};
use crate::engine::{EdgeHistory, InputFilter, Limits, Outcome, Policy, Profile, Settings};
use crate::files::{FileError, OrderedMap, closest, json_key, parse_json};
use crate::scripted::{Script, ScriptedModel};
use crate::wire::{Matching, Replay, Transcript};

/// A scenario: a design (agents, start, handoffs), the task and the human's replies, the
/// model that answers, the limits and policies of the run, and what the run must look like.
/// A file with only the design is a design file (`handoff analyze` reads it).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "handoff scenario")]
pub(crate) struct File {
    /// The JSON Schema the file follows (for editors; the harness ignores it).
    #[serde(default, rename = "$schema")]
    #[allow(dead_code)]
    schema: Option<String>,
    /// The scenario's name (default: the file name without `.json`).
    #[serde(default)]
    pub(super) name: Option<String>,
    /// For the file's readers; the harness does not use it.
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    /// The task: the first user message of the run, or several messages.
    #[serde(default)]
    task: Option<super::task_form::TaskFile>,
    /// A design file, relative to this file, whose `agents`, `start`, `handoffs` (and
    /// `profile`, unless this file names one) the scenario runs; this file then has none of
    /// them. The design file holds nothing else and names no other file.
    #[serde(default)]
    pub(super) design: Option<String>,
    /// A scenario file, relative to this file, that this one runs with its own `user` and
    /// `expect`: its design, task, model, limits, policy and invariants (what `handoff fuzz`
    /// writes as a regression). This file then gives only `user`, `expect`, `seed`, `profile`,
    /// `name` and `description`; the named scenario names no other scenario.
    #[serde(default)]
    pub(super) scenario: Option<String>,
    /// The seed of the `handoff fuzz` campaign that found this regression.
    #[serde(default)]
    pub(super) seed: Option<u64>,
    /// The agents, in order (required unless `design` or `scenario` names a file that has them).
    #[serde(default)]
    pub(super) agents: Vec<AgentFile>,
    /// The agent in control first (default: the first agent).
    #[serde(default)]
    pub(super) start: Option<String>,
    /// The handoff edges: for each source agent, its targets with the edge's description
    /// (`null`: the target's own description).
    #[serde(default)]
    pub(super) handoffs: OrderedMap<OrderedMap<EdgeFile, true>, true>,
    /// The framework whose semantics the run follows (default `semantic-kernel`).
    #[serde(default)]
    pub(super) profile: Option<ProfileFile>,
    /// The human's replies, in order, one per text reply of an agent (each the text, or the
    /// text and the agent the host runs for it).
    #[serde(default)]
    pub(super) user: Option<Vec<ReplyFile>>,
    /// openai-agents, agent-framework: the human's decisions on calls of tools with
    /// `needs_approval`, in the order the app asks them; once they run out, the run ends
    /// waiting (`awaiting-approval`).
    #[serde(default)]
    pub(super) approvals: Option<Vec<super::approvals::ApprovalFile>>,
    /// Where the app cancels the run: `{"at_call": N}`, while its N-th model call is in
    /// flight, or `"after_result"`.
    #[serde(default)]
    pub(super) cancel: Option<super::cancel_form::CancelFile>,
    /// The model: `scripted` rules per agent, or a `recording` to replay.
    #[serde(default)]
    pub(super) model: Option<ModelFile>,
    /// Bounds of the run; a missing field keeps its default, `null` switches it off.
    #[serde(default)]
    pub(super) limits: Option<Limits>,
    /// Semantic choices where frameworks differ.
    #[serde(default)]
    policy: Policy,
    /// What the run must look like.
    #[serde(default)]
    pub(super) expect: Option<Expect>,
    /// What must hold in every run the design could have (`handoff fuzz` checks them).
    #[serde(default)]
    invariants: Vec<InvariantFile>,
}

/// An agent of the design.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AgentFile {
    /// Its name, unique in the design (`transfer_to_<name>` hands off to it).
    name: String,
    /// What it does: the description of handoffs to it that give none.
    #[serde(default)]
    description: String,
    /// Its instructions: the system message its model reads.
    #[serde(default)]
    instructions: String,
    /// Its functions (besides the handoff functions the framework adds).
    #[serde(default)]
    tools: Vec<ToolFile>,
    /// openai-agents only: its structured output (`Agent(output_type=...)`).
    #[serde(default)]
    #[schemars(schema_with = "output_type_schema")]
    output_type: Option<super::output_type_form::OutputTypeFile>,
}

fn output_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::Schema::try_from(super::output_type_form::json_schema()).expect("an object schema")
}

/// A function an agent's model can call.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ToolFile {
    /// The function's name.
    name: String,
    /// The plugin it belongs to (Semantic Kernel names it `<plugin>-<name>`).
    #[serde(default)]
    plugin: Option<String>,
    /// What it does, as the model reads it.
    #[serde(default)]
    description: String,
    /// Its parameters: by name, each with its description (a required string) or its JSON
    /// Schema; or the complete JSON Schema of the arguments.
    #[serde(default)]
    parameters: ParametersFile,
    /// What it returns; may use `{parameter}` placeholders. Or, for a result the app's own
    /// tool computes, what every result must match and the example a run uses.
    result: ResultFile,
    /// openai-agents and agent-framework: a call waits for the human's approval before it runs
    /// (`@function_tool(needs_approval=True)`, `@tool(approval_mode="always_require")`); the
    /// scenario's `approvals` answer it.
    #[serde(default)]
    needs_approval: bool,
}

/// The model of a scenario: `scripted` rules, or a `recording` (with an optional `match`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelFile {
    /// Each agent's script.
    #[serde(default)]
    pub(super) scripted: Option<OrderedMap<Script>>,
    /// A recording made by `handoff record`, relative to the scenario file.
    #[serde(default)]
    recording: Option<String>,
    /// How calls are matched to the recording's.
    #[serde(default, rename = "match")]
    matching: Option<Matching>,
}

impl Scenario {
    /// Parses and validates scenario JSON; `file` names it in errors, `stem` is the default name.
    pub fn parse(text: &str, file: &str, stem: Option<&str>) -> Result<Scenario, ScenarioError> {
        Scenario::parse_under(text, file, stem, None)
    }

    /// [`Scenario::parse`] under `profile` instead of the one the file names (the file's
    /// profile options are kept when it names the same profile).
    pub fn parse_under(
        text: &str,
        file: &str,
        stem: Option<&str>,
        profile: Option<&'static Profile>,
    ) -> Result<Scenario, ScenarioError> {
        Scenario::parse_checked(text, file, stem, profile, true)
    }

    /// [`Scenario::parse_under`]; `match_recording`: whether a recording made under another
    /// profile than the chosen one is an error (`false`: the caller replays it knowingly).
    pub(super) fn parse_checked(
        text: &str,
        file: &str,
        stem: Option<&str>,
        profile: Option<&'static Profile>,
        match_recording: bool,
    ) -> Result<Scenario, ScenarioError> {
        let invalid = |place: String, message: String| ScenarioError::from(FileError::invalid(file, place, message));
        let mut parsed: File = parse_json(text, file)?;
        if parsed.scenario.is_some() {
            return Scenario::based(parsed, text, (file, stem), profile, match_recording);
        }
        repeated_handoffs(&parsed.handoffs).map_err(|(place, message)| invalid(place, message))?;
        // Errors in a shared design name its file.
        let design_file = take_design(&mut parsed, text, file)?;
        let in_design = |place: String, message: String| {
            ScenarioError::from(FileError::invalid(
                design_file.as_deref().unwrap_or(file),
                place,
                message,
            ))
        };
        // A recording fixes the profile it was made under, so it is read first.
        let recorded = match &parsed.model {
            Some(ModelFile {
                scripted: None,
                recording: Some(recording),
                matching,
            }) => {
                let path = Path::new(file).parent().unwrap_or(Path::new("")).join(recording);
                // Name the scenario's place too: the recording may be fine, the path wrong.
                let transcript = Transcript::load(&path).map_err(|e| match e {
                    FileError::Read { source, .. } => invalid(
                        "model.recording".into(),
                        format!("{}: cannot read: {source}", path.display()),
                    ),
                    other => other.into(),
                })?;
                Some(Replay::new(
                    transcript,
                    path.display().to_string(),
                    matching.unwrap_or_default(),
                ))
            }
            Some(
                ModelFile { scripted: None, .. }
                | ModelFile {
                    scripted: Some(_),
                    recording: Some(_),
                    ..
                },
            )
            | Some(ModelFile {
                scripted: Some(_),
                matching: Some(_),
                ..
            }) => {
                return Err(invalid(
                    "model".into(),
                    "give either `scripted` rules or a `recording` (with an optional `match`)".into(),
                ));
            }
            _ => None,
        };
        let given = profile.is_some() || parsed.profile.is_some();
        let named = parsed.profile.take().unwrap_or_default();
        let mut chosen = match profile {
            Some(p) if p != named.profile => ProfileFile::plain(p),
            _ => named,
        };
        if let Some(replay) = &recorded {
            let made_under = replay.transcript.profile();
            if !given {
                chosen.profile = made_under;
            } else if chosen.profile != made_under && match_recording {
                let how = match profile {
                    Some(_) => "drop --profile to replay under the recording's, or pass --allow-profile-mismatch",
                    None => "drop `profile` to replay under the recording's, or record again",
                };
                return Err(invalid(
                    "profile".into(),
                    format!(
                        "the scenario runs under `{}`, but its recording ({}) was made under `{}`: a replay would diverge wherever the two frameworks show a model different messages; {how}",
                        chosen.profile.name, replay.file, made_under.name
                    ),
                ));
            }
        }
        // Names the profile in errors that depend on its tool surface.
        let under = match chosen.profile.tools != ToolSurface::default() {
            true => format!(" (under the `{}` profile)", chosen.profile.name),
            false => String::new(),
        };
        if let Some((place, option)) = sdk_edge_option(&parsed.handoffs)
            && chosen.profile.tools.target_names != crate::design::TargetNames::LowerSnake
        {
            return Err(in_design(
                place,
                format!(
                    "`{option}` only changes what `openai-agents` does (it is an option of the SDK's `handoff(...)`); `{}` names, describes and offers its transfer functions itself",
                    chosen.profile.name
                ),
            ));
        }
        let start_given = parsed.start.is_some();
        let edge_history = edge_history(&parsed.handoffs);
        let declared_conditions = parsed.handoffs.0.iter().flat_map(|(source, targets)| {
            let conditional = targets
                .0
                .iter()
                .filter_map(|(t, e)| Some((t.clone(), e.enabled_when.clone()?)));
            conditional.map(|(target, when)| (source.clone(), target, when))
        });
        let conditions = super::enablement_form::conditions(declared_conditions.collect());
        let design = declared(&mut parsed)
            .tool_surface(chosen.surface())
            .build()
            .map_err(|e| in_design(e.place(), format!("{e}{under}")))?;
        chosen.history.edges = edge_history
            .into_iter()
            .filter_map(|(source, target, nest, filter)| {
                Some(EdgeHistory {
                    source: design.find(&source)?,
                    target: design.find(&target)?,
                    nest,
                    filter,
                })
            })
            .collect();
        let autonomous = match &chosen.autonomous {
            Some(mode) => mode
                .resolve(&design)
                .map_err(|(place, message)| invalid(place, message))?,
            None => Default::default(),
        };
        if let Some((place, message)) = super::termination_form::unknown_author(chosen.termination.as_ref(), &design) {
            return Err(invalid(place, message));
        }
        if let Some((place, message)) = super::output_type_form::refused(&design, chosen.profile) {
            return Err(in_design(place, message));
        }
        if let Some((place, message)) = super::approvals::refused_tool(&design, chosen.profile) {
            return Err(in_design(place, message));
        }
        // Agent Framework's HandoffBuilder has no default start agent: a scenario written for
        // it names the one its app passes to `with_start_agent` (one run under it with
        // `--profile` starts with the first agent, as the other frameworks do).
        if !start_given && profile.is_none() && chosen.profile == &Profile::AGENT_FRAMEWORK {
            return Err(in_design(
                "start".into(),
                "missing: Agent Framework's HandoffBuilder has no default start agent (`build()` raises `ValueError: Must call with_start_agent(...) before building the workflow.`); name the agent the app passes to `with_start_agent`".into(),
            ));
        }
        let cancel =
            super::cancel_form::checked(parsed.cancel.take(), chosen.profile).map_err(|(p, m)| invalid(p, m))?;
        // A recording cancels where the recorded run was cancelled.
        let cancel = cancel.or(recorded.as_ref().and_then(|r| r.transcript.cancel));
        let approvals = super::approvals::decisions(parsed.approvals.take(), &design, chosen.profile)
            .map_err(|(p, m)| invalid(p, m))?;
        let model = match parsed.model.take() {
            Some(ModelFile {
                scripted: Some(scripts),
                ..
            }) => Some({
                super::sdk_options::reasoning(&scripts.0, chosen.profile).map_err(|(p, m)| invalid(p, m))?;
                ScriptedModel::new(&design, scripts.0.iter().map(|(name, script)| (name.as_str(), script)))
                    .map_err(|e| invalid(e.place, format!("{}{under}", e.message)))?
            }),
            _ => None,
        };
        let recording = recorded;
        let handoff_conditions = conditions(&design).map_err(|(p, m)| in_design(p, m))?;
        let (task, task_messages) =
            super::task_form::TaskFile::resolve(parsed.task.take(), chosen.profile).map_err(|(p, m)| invalid(p, m))?;
        let (user, hosts, expect) = conversation(parsed.user.take(), parsed.expect.take(), &design)
            .map_err(|(place, message)| invalid(place, message))?;
        if expect.session.is_some() && !chosen.session {
            return Err(invalid(
                "expect.session".into(),
                "checks the session the app's host keeps: say `\"session\": true` in the profile (`openai-agents`)"
                    .into(),
            ));
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
        Ok(Scenario {
            name: parsed
                .name
                .or(stem.map(String::from))
                .unwrap_or_else(|| "scenario".into()),
            file: file.to_string(),
            design: Arc::new(design),
            task,
            hosts,
            user,
            approvals,
            model,
            recording,
            settings: Settings {
                limits: parsed.limits.unwrap_or_default(),
                policy: parsed.policy,
                profile: chosen.profile,
                usage_chunk: chosen.usage_chunk,
                unknown_tools_returned: chosen.unknown_tools_returned,
                streamed_runs: chosen.streamed_runs,
                max_turns: chosen.max_turns,
                host_terminates: chosen.host_terminates,
                termination: chosen.termination.clone(),
                history: chosen.history.clone(),
                max_turns_output: chosen.handlers.max_turns.clone(),
                refusal_output: chosen.handlers.model_refusal.clone(),
                invalid_output: chosen.handlers.invalid_final_output.clone(),
                autonomous,
                session: chosen.session,
                server_managed: chosen.server_managed,
                cancel,
                task_messages,
                handoff_conditions,
            },
            profile_given: given,
            expect,
            invariants,
            design_file,
            base: None,
        })
    }
}

/// Gives `parsed` (read from `text` in `file`) the agents, start and handoffs of the design
/// file its `design` names, and its profile unless `parsed` names one. Returns the design
/// file's name, for errors about the design; `None` when `parsed` names none.
pub(super) fn take_design(parsed: &mut File, text: &str, file: &str) -> Result<Option<String>, FileError> {
    let Some((design_text, design_file)) = shared::design_file(parsed.design.take().as_deref(), text, file)? else {
        return Ok(None);
    };
    let mut design: File = parse_json(&design_text, &design_file)?;
    repeated_handoffs(&design.handoffs).map_err(|(place, message)| FileError::invalid(&design_file, place, message))?;
    parsed.agents = std::mem::take(&mut design.agents);
    parsed.start = design.start.take();
    parsed.handoffs = std::mem::take(&mut design.handoffs);
    if parsed.profile.is_none() {
        parsed.profile = design.profile.take();
    }
    Ok(Some(design_file))
}

/// A file's human replies, the replies' hosts (by index), and its expectations.
pub(super) type Conversation = (Option<Vec<String>>, Vec<(usize, String)>, Expect);

/// The human's replies (with the agents a host runs for some of them) and the expectations
/// of a file, checked against `design`: an error is its place in the file and its message.
pub(super) fn conversation(
    user: Option<Vec<ReplyFile>>,
    expect: Option<Expect>,
    design: &Design,
) -> Result<Conversation, (String, String)> {
    let mut hosts = Vec::new();
    let user = user.map(|replies| {
        replies
            .into_iter()
            .enumerate()
            .map(|(i, reply)| {
                if let Some(agent) = reply.agent {
                    hosts.push((i, agent));
                }
                reply.say
            })
            .collect::<Vec<String>>()
    });
    let unknown = |name: &str| {
        let hint = closest(name, design.agents().iter().map(|a| a.name.as_str()));
        format!("`{name}` is not an agent of the design{hint}")
    };
    for (i, name) in &hosts {
        if design.find(name).is_none() {
            return Err((format!("user[{i}].agent"), unknown(name)));
        }
    }
    let expect = expect.unwrap_or_default();
    for (i, check) in expect.inputs.iter().enumerate() {
        check.validate().map_err(|(place, message)| {
            let place = format!(
                "expect.inputs[{i}]{}",
                if place.is_empty() {
                    String::new()
                } else {
                    format!(".{place}")
                }
            );
            (place, message)
        })?;
    }
    if let Some(session) = &expect.session {
        session
            .validate()
            .map_err(|(place, message)| (format!("expect.session.{place}"), message))?;
    }
    for (place, name) in expect.agent_names() {
        if design.find(name).is_none() {
            return Err((format!("expect.{place}"), unknown(name)));
        }
    }
    if let Some(kind) = expect.outcome.as_deref().filter(|k| !Outcome::KINDS.contains(k)) {
        return Err((
            "expect.outcome".into(),
            format!("unknown outcome `{kind}`; one of: {}", Outcome::KINDS.join(", ")),
        ));
    }
    Ok((user, hosts, expect))
}

/// The design part of a parsed file, taken out of it, as declared.
pub(super) fn declared(parsed: &mut File) -> DesignBuilder {
    let mut builder = Design::builder();
    for agent in std::mem::take(&mut parsed.agents) {
        builder = builder.agent(agent_from_file(agent));
    }
    for (source, targets) in std::mem::take(&mut parsed.handoffs).0 {
        for (target, edge) in targets.0 {
            // An edge written as a list is declared once per item, in order.
            for spec in edge.declarations(&source, &target) {
                builder = builder.edge(spec);
            }
        }
    }
    if let Some(start) = parsed.start.take() {
        builder = builder.start(start);
    }
    builder
}

pub(super) fn agent_from_file(a: AgentFile) -> Agent {
    let mut agent = Agent::new(a.name)
        .description(a.description)
        .instructions(a.instructions);
    for t in a.tools {
        let mut tool = Tool::new(t.name).description(t.description).result(t.result.example);
        tool.result_matches = t.result.matches;
        tool.plugin = t.plugin;
        tool.parameters = t.parameters.0;
        tool.needs_approval = t.needs_approval;
        agent = agent.tool(tool);
    }
    agent.output_type = a.output_type.map(|t| t.0);
    agent
}

/// An edge's source and target with its own `nest_handoff_history` and input filters.
type EdgeRewrite = (String, String, Option<bool>, Option<Vec<InputFilter>>);

/// The edges that say how their handoff rewrites the conversation (an edge declared several
/// times: its last declaration, the handoff the SDK offers).
fn edge_history(handoffs: &OrderedMap<OrderedMap<EdgeFile, true>, true>) -> Vec<EdgeRewrite> {
    let mut edges = Vec::new();
    for (source, targets) in &handoffs.0 {
        for (target, edge) in &targets.0 {
            if edge.nest_handoff_history.is_some() || edge.input_filter.is_some() {
                edges.push((
                    source.clone(),
                    target.clone(),
                    edge.nest_handoff_history,
                    edge.input_filter.clone(),
                ));
            }
        }
    }
    edges
}

/// The first edge that gives an OpenAI Agents SDK option (`tool_name_override`,
/// `tool_description_override`, `is_enabled`): its place and the option.
fn sdk_edge_option(handoffs: &OrderedMap<OrderedMap<EdgeFile, true>, true>) -> Option<(String, &'static str)> {
    handoffs.0.iter().find_map(|(source, targets)| {
        targets.0.iter().find_map(|(target, edge)| {
            let option = edge.sdk_option()?;
            Some((
                format!("handoffs{}{}.{option}", json_key(source), json_key(target)),
                option,
            ))
        })
    })
}

/// Refuses an edge or a source given twice in `handoffs` (to run a design it must say what it
/// means; `handoff analyze` reports repeats as findings instead).
pub(super) fn repeated_handoffs(
    handoffs: &OrderedMap<OrderedMap<EdgeFile, true>, true>,
) -> Result<(), (String, String)> {
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
