//! The handoff design: agents, their tools, the handoff edges between them and the start
//! agent, validated once and then shared, read-only, by every run.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::files::{closest, json_key};

mod agent;
mod edge;
mod error;
mod example;
mod input_type;
mod output_type;
mod parameters;
mod result_pattern;
mod schema;
mod surface;
mod template;
mod tools;
mod typecheck;

pub use agent::{Agent, AgentId, Tool};
pub use edge::{Handoff, HandoffSpec};
pub use error::DesignError;
pub use example::example_arguments;
pub use input_type::InputType;
pub use output_type::{INVALID_HANDLER_OUTPUT, INVALID_OUTPUT, OutputType};
pub use parameters::{Parameter, ParameterError, Parameters};
pub use result_pattern::ResultPattern;
pub use schema::Schema;
pub use surface::{
    COMPLETE_TASK, COMPLETE_TASK_DESCRIPTION, Collisions, CompleteTool, Fallback, HANDOFF_PLUGIN, NoEdges, Resolution,
    TASK_SUMMARY, TRANSFER_PREFIX, TargetNames, ToolSurface,
};
pub use template::{Template, TemplateError};
pub(crate) use tools::parameter_list;
pub(crate) use tools::python_repr;
pub use tools::python_str;
pub use tools::{NameCollision, ToolKind, ToolSpec};

pub use crate::files::Hint;

/// A validated handoff design. Cheap to share: build once, wrap in an [`Arc`], run many times.
#[derive(Debug, Clone)]
pub struct Design {
    agents: Vec<Agent>,
    index: BTreeMap<String, AgentId>,
    handoffs: Vec<Vec<Handoff>>,
    /// Every agent's functions, one agent after another (one array, so that a run touching
    /// many agents reads them without chasing a pointer per agent).
    tools: Vec<ToolSpec>,
    /// Where each agent's functions start in `tools`; one more entry marks the end.
    tool_starts: Vec<u32>,
    results: Vec<Vec<Template>>,
    start: AgentId,
    duplicates: Vec<HandoffSpec>,
    /// Handoffs whose transfers share a name, of which only the last is offered.
    collisions: Vec<NameCollision>,
    surface: ToolSurface,
    /// The edges as declared, to build the design again under another surface.
    declared: Vec<HandoffSpec>,
}

/// Builds a [`Design`] from agents and handoff edges; [`DesignBuilder::build`] validates it.
#[derive(Debug, Clone, Default)]
pub struct DesignBuilder {
    agents: Vec<Agent>,
    handoffs: Vec<HandoffSpec>,
    start: Option<String>,
    surface: ToolSurface,
}

impl DesignBuilder {
    /// Adds an agent. The first agent added is the start agent unless [`Self::start`] says otherwise.
    pub fn agent(mut self, agent: Agent) -> Self {
        self.agents.push(agent);
        self
    }
    /// Lets `source` hand off to `target`; the model reads `description`.
    pub fn handoff(self, source: &str, target: &str, description: impl Into<String>) -> Self {
        self.edge(HandoffSpec::new(source, target, Some(description.into())))
    }
    /// Lets `source` hand off to `target`, declared as Semantic Kernel Python's
    /// `OrchestrationHandoffs.add(source, "Target", description)` does: with the target's
    /// name, which loses the description under the `semantic-kernel` surface (SK#13115).
    pub fn handoff_by_name(self, source: &str, target: &str, description: impl Into<String>) -> Self {
        let mut spec = HandoffSpec::new(source, target, Some(description.into()));
        spec.by_name = true;
        self.edge(spec)
    }
    /// Lets `source` hand off to `target`, described by the target agent's description.
    pub fn handoff_to(self, source: &str, target: &str) -> Self {
        self.edge(HandoffSpec::new(source, target, None))
    }
    /// Adds a declared edge as it is.
    pub fn edge(mut self, spec: HandoffSpec) -> Self {
        self.handoffs.push(spec);
        self
    }
    /// Names the start agent.
    pub fn start(mut self, name: impl Into<String>) -> Self {
        self.start = Some(name.into());
        self
    }
    /// Names and describes the handoff functions as `surface` does (default: Semantic
    /// Kernel Python's).
    pub fn tool_surface(mut self, surface: ToolSurface) -> Self {
        self.surface = surface;
        self
    }
    /// Validates and builds the design.
    pub fn build(self) -> Result<Design, DesignError> {
        Design::new(self.agents, self.handoffs, self.start, self.surface)
    }
    /// The agents as declared, in order.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }
    /// The handoff edges as declared, in order, repeats and unknown names included.
    pub fn edges(&self) -> &[HandoffSpec] {
        &self.handoffs
    }
    /// The start agent's name, if one was given (otherwise the first agent starts).
    pub fn start_name(&self) -> Option<&str> {
        self.start.as_deref()
    }
    /// Checks everything but the edges and the start: agent names and each agent's tools.
    /// The analysis (`analysis::HandoffGraph`) reports problems with edges as findings instead.
    pub fn check_agents(&self) -> Result<(), DesignError> {
        Design::check_names(&self.agents, &self.surface)?;
        // Without handoffs, an agent's functions depend only on its own tools: the agents
        // without tools all have the same, checked once.
        let mut toolless_checked = false;
        for (i, agent) in self.agents.iter().enumerate() {
            if agent.tools.is_empty() && std::mem::replace(&mut toolless_checked, true) {
                continue;
            }
            tools::toolbox(i, agent, &[], &self.agents, &self.surface)?;
        }
        Ok(())
    }
}

/// Whether `name` can name a function the model is offered (`^[0-9A-Za-z_-]{1,64}$`, as
/// the Chat Completions API checks).
pub fn valid_function_name(name: &str) -> bool {
    surface::valid_name(name)
}

/// The id of agent number `i`.
fn agent_id(i: usize) -> AgentId {
    AgentId(u32::try_from(i).expect("more than 4 billion agents"))
}

impl Design {
    /// Starts building a design.
    pub fn builder() -> DesignBuilder {
        DesignBuilder::default()
    }

    /// Checks the agents' names (as `surface` allows them) and indexes them by name.
    fn index(agents: &[Agent], surface: &ToolSurface) -> Result<BTreeMap<String, AgentId>, DesignError> {
        Design::check_names(agents, surface)?;
        Ok(agents
            .iter()
            .enumerate()
            .map(|(i, agent)| (agent.name.clone(), agent_id(i)))
            .collect())
    }

    /// Checks the agents' names: there are some, each is one `surface` allows, none repeats.
    fn check_names(agents: &[Agent], surface: &ToolSurface) -> Result<(), DesignError> {
        if agents.is_empty() {
            return Err(DesignError::NoAgents);
        }
        // Only looked up, never iterated: its order reaches nothing.
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        index.reserve(agents.len());
        for (i, agent) in agents.iter().enumerate() {
            if agent.name.is_empty() {
                return Err(DesignError::EmptyName { index: i });
            }
            if !surface.valid_agent_name(&agent.name) {
                if surface.target_names == TargetNames::LowerSnake {
                    return Err(DesignError::UnwritableAgentName {
                        index: i,
                        name: agent.name.clone(),
                    });
                }
                return Err(DesignError::InvalidName {
                    index: i,
                    tool: None,
                    what: "agent",
                    name: agent.name.clone(),
                });
            }
            if let Some(first) = index.insert(&agent.name, i) {
                return Err(DesignError::DuplicateAgent {
                    index: i,
                    first,
                    name: agent.name.clone(),
                });
            }
        }
        Ok(())
    }

    fn new(
        agents: Vec<Agent>,
        specs: Vec<HandoffSpec>,
        start: Option<String>,
        surface: ToolSurface,
    ) -> Result<Design, DesignError> {
        let index = Design::index(&agents, &surface)?;
        let names = || agents.iter().map(|a| a.name.as_str());
        let start = match start {
            None => AgentId(0),
            Some(name) => match index.get(&name) {
                Some(&id) => id,
                None => {
                    return Err(DesignError::UnknownStart {
                        hint: closest(&name, names()),
                        name,
                    });
                }
            },
        };

        let mut handoffs: Vec<Vec<Handoff>> = vec![Vec::new(); agents.len()];
        let mut duplicates = Vec::new();
        let mut collisions: Vec<NameCollision> = Vec::new();
        let specs_empty = specs.is_empty();
        let declared = specs.clone();
        for spec in specs {
            let Some(&source) = index.get(&spec.source) else {
                return Err(DesignError::UnknownSource {
                    hint: closest(&spec.source, names()),
                    name: spec.source,
                });
            };
            let Some(&target) = index.get(&spec.target) else {
                return Err(DesignError::UnknownTarget {
                    hint: closest(&spec.target, names()),
                    source_agent: spec.source,
                    name: spec.target,
                });
            };
            if source == target {
                return Err(DesignError::SelfHandoff { agent: spec.source });
            }
            if let Some(Err(e)) = spec.input_type.as_ref().map(|t| t.check()) {
                let edge = format!("handoffs{}{}", json_key(&spec.source), json_key(&spec.target));
                return Err(DesignError::BadInputType {
                    place: format!("{edge}.input_type{}", e.path),
                    message: e.message,
                });
            }
            // `get_handoffs` drops a disabled handoff before names are compared: it is as if
            // the edge were not declared.
            if !spec.enabled {
                continue;
            }
            let declared = spec.description.is_some();
            let to = &agents[target.index()];
            let description = surface.describe(spec.description.as_deref(), spec.by_name, &to.name, &to.description);
            let edges = &mut handoffs[source.index()];
            if let Some(k) = edges.iter().position(|h| h.target == target) {
                // Two handoffs to one agent under two names are both offered by the OpenAI
                // Agents SDK; a design keeps one handoff per pair of agents.
                if edges[k].tool_name != spec.tool_name && surface.target_names == TargetNames::LowerSnake {
                    return Err(DesignError::RenamedRepeat {
                        place: format!("handoffs{}{}", json_key(&spec.source), json_key(&spec.target)),
                    });
                }
                match (surface.collisions, surface.target_names) {
                    // The OpenAI Agents SDK lists the agent twice, both under one name: the
                    // last is offered, in its own place, with a warning...
                    (Collisions::LastKept, _) => {
                        edges.remove(k);
                        let wire = surface.qualified(&surface.handoff_name(spec.tool_name.as_deref(), &to.name));
                        edges.push(Handoff {
                            target,
                            description,
                            declared,
                            tool_name: spec.tool_name.clone(),
                            input_type: spec.input_type.clone(),
                        });
                        match collisions
                            .iter_mut()
                            .find(|c: &&mut NameCollision| c.agent == source && c.wire == wire)
                        {
                            Some(collision) => collision.targets.push(target),
                            None => collisions.push(NameCollision {
                                agent: source,
                                wire,
                                targets: vec![target, target],
                                overridden: spec.tool_name.is_some(),
                                function_tools: false,
                            }),
                        }
                    }
                    // ... or, under `tool_name_collision_policy="error"`, refuses them.
                    (Collisions::Refused, TargetNames::LowerSnake) => {
                        let collision = NameCollision {
                            agent: source,
                            wire: surface.qualified(&surface.handoff_name(spec.tool_name.as_deref(), &to.name)),
                            targets: vec![target, target],
                            overridden: spec.tool_name.is_some(),
                            function_tools: false,
                        };
                        return Err(DesignError::SharedTransferName {
                            place: format!("handoffs{}{}", json_key(&spec.source), json_key(&spec.target)),
                            message: collision.warning(&agents),
                        });
                    }
                    // A repeated edge keeps its first position and takes the later
                    // description, as a Python dict assignment does in Semantic Kernel.
                    (Collisions::Refused, _) => {
                        edges[k].description = description;
                        edges[k].declared = declared;
                        edges[k].tool_name = spec.tool_name.clone();
                        edges[k].input_type = spec.input_type.clone();
                    }
                }
                duplicates.push(spec);
            } else {
                edges.push(Handoff {
                    target,
                    description,
                    declared,
                    tool_name: spec.tool_name.clone(),
                    input_type: spec.input_type.clone(),
                });
            }
        }

        if specs_empty {
            match surface.no_edges {
                NoEdges::Allowed => {}
                NoEdges::Refused(_) => {} // after the tools are checked
                NoEdges::Mesh => {
                    for (source, edges) in handoffs.iter_mut().enumerate() {
                        for (target, to) in agents.iter().enumerate().filter(|(t, _)| *t != source) {
                            edges.push(Handoff {
                                target: AgentId(target as u32),
                                description: surface.describe(None, false, &to.name, &to.description),
                                declared: false,
                                tool_name: None,
                                input_type: None,
                            });
                        }
                    }
                }
            }
        }
        let mut tools = Vec::with_capacity(agents.len() * 2);
        let mut tool_starts = Vec::with_capacity(agents.len() + 1);
        let mut results = Vec::with_capacity(agents.len());
        for (i, agent) in agents.iter().enumerate() {
            let (toolbox, templates, shared) = tools::toolbox(i, agent, &handoffs[i], &agents, &surface)?;
            collisions.extend(shared);
            tool_starts.push(u32::try_from(tools.len()).expect("more than 4 billion functions in one design"));
            tools.extend(toolbox);
            results.push(templates);
        }
        tool_starts.push(u32::try_from(tools.len()).expect("more than 4 billion functions in one design"));
        if let (true, NoEdges::Refused(message)) = (specs_empty, surface.no_edges) {
            return Err(DesignError::NoHandoffs { message });
        }
        Ok(Design {
            agents,
            index,
            handoffs,
            tools,
            tool_starts,
            results,
            start,
            duplicates,
            collisions,
            surface,
            declared,
        })
    }

    /// Every agent, in declaration order.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }
    /// The agent with this id.
    pub fn agent(&self, id: AgentId) -> &Agent {
        &self.agents[id.index()]
    }
    /// The agent named `name`, if any.
    pub fn find(&self, name: &str) -> Option<AgentId> {
        self.index.get(name).copied()
    }
    /// The ids of all agents, in declaration order.
    pub fn ids(&self) -> impl Iterator<Item = AgentId> + '_ {
        (0..self.agents.len()).map(|i| AgentId(i as u32))
    }
    /// The agent a run starts with.
    pub fn start(&self) -> AgentId {
        self.start
    }
    /// The handoffs `source` may make, in the order its tools are offered.
    pub fn handoffs(&self, source: AgentId) -> &[Handoff] {
        &self.handoffs[source.index()]
    }
    /// The functions offered to `agent`'s model, in order.
    pub fn tools(&self, agent: AgentId) -> &[ToolSpec] {
        let i = agent.index();
        &self.tools[self.tool_starts[i] as usize..self.tool_starts[i + 1] as usize]
    }
    /// Parsed result template of `agent`'s own tool number `tool`.
    pub(crate) fn result_template(&self, agent: AgentId, tool: usize) -> &Template {
        &self.results[agent.index()][tool]
    }
    /// Handoff edges that were declared more than once (the later declaration won).
    pub fn duplicate_handoffs(&self) -> &[HandoffSpec] {
        &self.duplicates
    }
    /// Handoffs whose transfer functions reach the wire under one name, where the surface
    /// offers only the last of them ([`Collisions::LastKept`]), in agent order.
    pub fn name_collisions(&self) -> &[NameCollision] {
        &self.collisions
    }
    /// Looks up the function a call named `name` reaches among `agent`'s tools (plain or
    /// `<plugin>-<name>`, as the design's surface allows).
    pub fn resolve_tool(&self, agent: AgentId, name: &str) -> Option<&ToolSpec> {
        self.tools(agent)
            .iter()
            .find(|t| self.surface.reaches(name, &t.name, &t.qualified_name))
    }
    /// The same as [`Design::resolve_tool`], faster for a name shared with the design (a
    /// clone of a [`ToolSpec`]'s name): the function it was cloned from is found by pointer.
    #[inline]
    pub fn resolve_shared(&self, agent: AgentId, name: &Arc<str>) -> Option<&ToolSpec> {
        self.tools(agent)
            .iter()
            .find(|t| self.surface.reaches_shared(name, &t.name, &t.qualified_name))
    }
    /// The name `agent`'s model is offered the function `name` by (`<plugin>-<name>`), as
    /// the wire and recordings write it; `name` itself when the agent has no such function.
    pub fn offered_name<'a>(&'a self, agent: AgentId, name: &'a str) -> &'a str {
        self.resolve_tool(agent, name).map_or(name, |t| &t.qualified_name)
    }
    /// How its handoff functions are named and described.
    pub fn surface(&self) -> &ToolSurface {
        &self.surface
    }
    /// The same design, its functions named, ordered and described as `surface` does (a
    /// framework may refuse it, or name two functions alike).
    pub fn under(&self, surface: ToolSurface) -> Result<Design, DesignError> {
        let start = Some(self.agents[self.start.index()].name.clone());
        Design::new(self.agents.clone(), self.declared.clone(), start, surface)
    }
    /// The function `source` transfers to `target` with, if that edge exists.
    pub fn transfer_tool(&self, source: AgentId, target: AgentId) -> Option<&ToolSpec> {
        self.tools(source).iter().find(|t| t.kind == ToolKind::Transfer(target))
    }
    /// Wraps the design for sharing between runs.
    pub fn shared(self) -> Arc<Design> {
        Arc::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> DesignBuilder {
        Design::builder().agent(Agent::new("A").description("first")).agent(
            Agent::new("B")
                .description("second")
                .tool(Tool::new("look").parameter("id", "").result("got {id}")),
        )
    }

    #[test]
    fn offers_own_tools_then_transfers_then_complete() {
        let d = two().handoff("B", "A", "back").build().unwrap();
        let b = d.find("B").unwrap();
        let names: Vec<_> = d.tools(b).iter().map(|t| &*t.qualified_name).collect();
        assert_eq!(names, ["look", "Handoff-transfer_to_A", "Handoff-complete_task"]);
        assert_eq!(d.tools(b)[1].description, "back");
        assert_eq!(d.start(), d.find("A").unwrap());
    }

    #[test]
    fn null_description_falls_back_to_target_description() {
        let d = two().handoff_to("A", "B").build().unwrap();
        let edge = &d.handoffs(d.find("A").unwrap())[0];
        assert_eq!(edge.description, "second");
        assert!(!edge.declared);
    }

    #[test]
    fn repeated_edge_keeps_position_and_takes_last_description() {
        let d = Design::builder()
            .agent(Agent::new("A"))
            .agent(Agent::new("B"))
            .agent(Agent::new("C"))
            .handoff("A", "B", "one")
            .handoff("A", "C", "c")
            .handoff("A", "B", "two")
            .build()
            .unwrap();
        let edges = d.handoffs(AgentId(0));
        assert_eq!(edges.len(), 2);
        assert_eq!((edges[0].target, edges[0].description.as_str()), (AgentId(1), "two"));
        assert_eq!(d.duplicate_handoffs().len(), 1);
    }

    #[test]
    fn agents_sdk_names_may_hold_spaces_as_its_own_examples_do() {
        let sdk = ToolSurface::AGENTS_SDK;
        let d = Design::builder()
            .tool_surface(sdk)
            .agent(Agent::new("Triage Agent"))
            .agent(Agent::new("FAQ Agent").description("Answers questions."))
            .handoff_to("Triage Agent", "FAQ Agent")
            .build()
            .unwrap();
        let transfer = &d.tools(d.find("Triage Agent").unwrap())[0];
        assert_eq!(&*transfer.qualified_name, "transfer_to_faq_agent");
        assert_eq!(
            transfer.description,
            "Handoff to the FAQ Agent agent to handle the request. Answers questions."
        );
        let error = Design::builder()
            .tool_surface(sdk)
            .agent(Agent::new("Line\nbreak"))
            .build()
            .unwrap_err();
        assert_eq!(error.place(), "agents[0].name");
        assert!(error.to_string().contains("control character"), "{error}");
    }

    #[test]
    fn rejects_invalid_designs_with_places() {
        let cases: Vec<(DesignBuilder, &str, &str)> = vec![
            (Design::builder(), "agents", "no agents"),
            (
                two().agent(Agent::new("A")),
                "agents[2].name",
                "duplicate agent name `A`",
            ),
            (two().agent(Agent::new("")), "agents[2].name", "empty"),
            (
                two().agent(Agent::new("Bad Name")),
                "agents[2].name",
                "not a valid agent name",
            ),
            (two().start("Bx"), "start", "did you mean `B`?"),
            (
                two().handoff("Ghost", "A", "x"),
                "handoffs.Ghost",
                "handoff source `Ghost`",
            ),
            (two().handoff("A", "Ghost", "x"), "handoffs.A.Ghost", "not an agent"),
            (two().handoff("A", "A", "x"), "handoffs.A.A", "itself"),
            (
                two().agent(Agent::new("C").tool(Tool::new("t").result("{nope}"))),
                "agents[2].tools[0].result",
                "`{nope}` is not a parameter",
            ),
            (
                two().agent(Agent::new("C").tool(Tool::new("t").result("{oops"))),
                "agents[2].tools[0].result",
                "unclosed",
            ),
            (
                two().agent(Agent::new("C").tool(Tool::new("complete_task"))),
                "agents[2].tools[0].name",
                "handoff functions",
            ),
            (
                two().agent(Agent::new("C").tool(Tool::new("t")).tool(Tool::new("t"))),
                "agents[2].tools[1].name",
                "two functions named `t`",
            ),
        ];
        for (builder, place, text) in cases {
            let err = builder.build().unwrap_err();
            assert_eq!(err.place(), place, "{err}");
            assert!(err.to_string().contains(text), "`{err}` lacks `{text}`");
        }
    }
}
