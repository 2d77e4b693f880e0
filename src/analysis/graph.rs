//! The handoff graph: agents as nodes, handoffs as edges carrying the description the model
//! reads, the start agent marked. Built once, in time linear in the design; problems with
//! the declared edges (unknown agents, self-handoffs, repeats) become findings, not errors.

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use super::fast_hash::FxHashMap;
use super::finding::{Code, Finding, Severity};
use super::parallel;
use super::repeats::Repeats;
use crate::design::{Agent, Design, DesignBuilder, DesignError, HandoffSpec, Hint};
use crate::files::{closest, escape_controls, json_key};
use crate::scenario::{BorrowedEdge, BorrowedEdges};

/// Hints ("did you mean") are looked for only in designs up to this many agents, and only
/// for the first few unknown names: each hint compares the name with every agent.
const HINT_AGENTS: usize = 10_000;
const HINTS: usize = 10;

/// An agent of the graph: node `i` is [`HandoffGraph::agent`]`(i)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentNode {
    /// The agent's name.
    pub name: String,
    /// Its description (what handoffs to it fall back on).
    pub description: String,
}

/// A handoff, as an edge of the graph. Its description is kept by the graph, not the edge
/// (a design of a million handoffs then needs no string of its own per edge): read it with
/// [`HandoffGraph::description`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoffEdge {
    /// Whether the description was declared on the edge (`false`: the target's).
    pub declared: bool,
    /// Which of the graph's [`Texts`] is the declared description.
    text: usize,
}

/// The descriptions declared on edges, one after another in one string.
#[derive(Debug, Clone, Default)]
struct Texts {
    text: String,
    ends: Vec<usize>,
}

impl Texts {
    /// The edge of a description: `Some` text declared on it, or `None`, the target's.
    fn edge(&mut self, description: Option<&str>) -> HandoffEdge {
        let Some(description) = description else {
            return HandoffEdge {
                declared: false,
                text: 0,
            };
        };
        self.text.push_str(description);
        self.ends.push(self.text.len());
        HandoffEdge {
            declared: true,
            text: self.ends.len() - 1,
        }
    }

    /// The description of `edge`, a handoff to `target` of `graph`.
    fn description<'a>(&'a self, agents: &'a [AgentNode], target: NodeIndex, edge: &HandoffEdge) -> &'a str {
        if !edge.declared {
            return &agents[target.index()].description;
        }
        let start = if edge.text == 0 { 0 } else { self.ends[edge.text - 1] };
        &self.text[start..self.ends[edge.text]]
    }
}

/// The handoff graph of a design. Node `i` is the design's agent `i`; edges are in declaration
/// order (a repeated edge keeps its first place and its last description, as in Semantic
/// Kernel). The nodes carry nothing, so that a large graph's nodes stay in the processor's
/// cache: an agent's name and description are [`HandoffGraph::agent`]'s.
///
/// ```
/// use handoff_harness::analysis::HandoffGraph;
/// use handoff_harness::{Agent, Design};
///
/// let design = Design::builder()
///     .agent(Agent::new("Triage"))
///     .agent(Agent::new("Refund").description("Refunds."))
///     .handoff_to("Triage", "Refund")
///     .handoff("Refund", "Triage", "Anything else");
/// let graph = HandoffGraph::declared(&design);
/// let edges: Vec<_> = graph.handoff_names().collect();
/// assert_eq!(edges, [("Triage", "Refund", "Refunds."), ("Refund", "Triage", "Anything else")]);
/// // The petgraph graph, for algorithms of your own: its edges say whether their
/// // description was declared, the graph holds the text.
/// let first = graph.petgraph().edge_indices().next().unwrap();
/// assert!(!graph.petgraph()[first].declared);
/// assert_eq!(graph.description(first), graph.agent(1.into()).description);
/// ```
#[derive(Debug, Clone)]
pub struct HandoffGraph {
    graph: DiGraph<(), HandoffEdge>,
    agents: Vec<AgentNode>,
    texts: Texts,
    start: Option<NodeIndex>,
    problems: Vec<Finding>,
}

impl HandoffGraph {
    /// The graph of a validated design. It has no problems of its own.
    pub fn of(design: &Design) -> HandoffGraph {
        let edges: usize = design.ids().map(|id| design.handoffs(id).len()).sum();
        let mut graph = DiGraph::with_capacity(design.agents().len(), edges);
        let agents = nodes(design.agents(), &mut graph);
        let mut texts = Texts::default();
        for source in design.ids() {
            for handoff in design.handoffs(source) {
                let edge = texts.edge(handoff.declared.then_some(handoff.description.as_str()));
                graph.add_edge(node(source.index()), node(handoff.target.index()), edge);
            }
        }
        HandoffGraph {
            graph,
            agents,
            texts,
            start: Some(node(design.start().index())),
            problems: Vec::new(),
        }
    }

    /// The graph of a design as declared. Edges and a start that name no agent are left out
    /// and reported as `unknown-agent`; a self-handoff is kept (it is a loop) and reported as
    /// `self-handoff`; a repeated edge is reported as `duplicate-handoff`. Agent names are
    /// assumed unique ([`DesignBuilder::check_agents`]); a repeated name means the first.
    pub fn declared(design: &DesignBuilder) -> HandoffGraph {
        HandoffGraph::of_edges(design.agents(), design.edges(), design.start_name())
    }

    /// [`HandoffGraph::declared`] of `agents`, the declared `edges` and `start`, whatever
    /// holds the edges' text.
    pub(crate) fn of_edges<E: DeclaredEdges + ?Sized>(
        agents: &[Agent],
        edges: &E,
        start: Option<&str>,
    ) -> HandoffGraph {
        let mut graph = DiGraph::with_capacity(agents.len(), edges.count());
        let nodes = nodes(agents, &mut graph);
        // The names one after another, for the index's keys: a lookup's comparison then
        // reads memory that is likely in cache, not a string of its own per agent.
        let names: String = agents.iter().map(|a| a.name.as_str()).collect();
        let mut index: FxHashMap<&str, NodeIndex> = FxHashMap::default();
        index.reserve(agents.len());
        let mut at = 0;
        for (i, agent) in agents.iter().enumerate() {
            let name = &names[at..at + agent.name.len()];
            at += agent.name.len();
            index.entry(name).or_insert(node(i));
        }
        let mut unknown = Unknown {
            names: agents.iter().map(|a| a.name.as_str()).collect(),
            hinted: 0,
        };
        let mut problems = Vec::new();
        let mut texts = Texts::default();

        let start = match start {
            None if agents.is_empty() => None,
            None => Some(node(0)),
            Some(name) => match index.get(name) {
                Some(&id) => Some(id),
                None => {
                    problems.push(error_finding(
                        Code::UnknownAgent,
                        vec![name.to_string()],
                        DesignError::UnknownStart {
                            name: name.to_string(),
                            hint: unknown.hint(name),
                        },
                        "Reachability is not checked until it is: fix `start`, or leave it out to start with the \
                         first agent",
                    ));
                    None
                }
            },
        };

        // Resolve the targets' names, on several cores for large designs; then add the edges
        // one by one, in declaration order, looking a source up once for each run of its edges.
        // (`NodeIndex::end()`: no agent has that name.)
        let find = |name| index.get(name).copied().unwrap_or(NodeIndex::end());
        let targets = parallel::map(edges.count(), |i| find(edges.edge(i).target));
        let known = |n: NodeIndex| (n != NodeIndex::end()).then_some(n);
        let mut repeats = Repeats::new(agents.len());
        let mut unknown_sources: Vec<&str> = Vec::new();
        let mut run: (&str, NodeIndex) = ("", NodeIndex::end());
        for (i, &target) in targets.iter().enumerate() {
            let spec = edges.edge(i);
            if i == 0 || spec.source != run.0 {
                run = (spec.source, find(spec.source));
            }
            let (source, target) = (known(run.1), known(target));
            let Some(source) = source else {
                if !unknown_sources.contains(&spec.source) {
                    unknown_sources.push(spec.source);
                    problems.push(error_finding(
                        Code::UnknownAgent,
                        vec![spec.source.to_string()],
                        DesignError::UnknownSource {
                            name: spec.source.to_string(),
                            hint: unknown.hint(spec.source),
                        },
                        "None of its handoffs is offered to any model: declare it under `agents`, or fix the name",
                    ));
                }
                continue;
            };
            repeats.enter(source, &graph);
            let Some(target) = target else {
                problems.push(error_finding(
                    Code::UnknownAgent,
                    vec![spec.source.to_string(), spec.target.to_string()],
                    DesignError::UnknownTarget {
                        source_agent: spec.source.to_string(),
                        name: spec.target.to_string(),
                        hint: unknown.hint(spec.target),
                    },
                    "No run can start with this design: declare the agent under `agents`, or fix the name",
                ));
                continue;
            };
            if let Some(first) = repeats.find(source, target) {
                let edge = texts.edge(spec.description);
                problems.push(Finding {
                    code: Code::DuplicateHandoff,
                    severity: Severity::Warning,
                    agents: vec![spec.source.to_string(), spec.target.to_string()],
                    message: format!(
                        "the handoff `{}` → `{}` is declared more than once; the last declaration's description \
                         wins (\"{}\"), as in a Python dict. Keep one",
                        spec.source,
                        spec.target,
                        escape_controls(texts.description(&nodes, target, &edge))
                    ),
                    place: Some(format!("handoffs{}{}", json_key(spec.source), json_key(spec.target))),
                });
                graph[first] = edge;
                continue;
            }
            if source == target {
                problems.push(error_finding(
                    Code::SelfHandoff,
                    vec![spec.source.to_string()],
                    DesignError::SelfHandoff {
                        agent: spec.source.to_string(),
                    },
                    "Remove the edge",
                ));
            }
            let id = graph.add_edge(source, target, texts.edge(spec.description));
            repeats.added(source, target, id);
        }
        HandoffGraph {
            graph,
            agents: nodes,
            texts,
            start,
            problems,
        }
    }

    /// The petgraph graph, for algorithms of your own. Node `i` is the design's agent `i`,
    /// [`HandoffGraph::agent`]`(i)`.
    pub fn petgraph(&self) -> &DiGraph<(), HandoffEdge> {
        &self.graph
    }
    /// Agent `agent`'s name and description.
    pub fn agent(&self, agent: NodeIndex) -> &AgentNode {
        &self.agents[agent.index()]
    }
    /// The start agent; `None` when the declared start names no agent (or there are no agents).
    pub fn start(&self) -> Option<NodeIndex> {
        self.start
    }
    /// The name of agent `agent`.
    pub fn name(&self, agent: NodeIndex) -> &str {
        &self.agents[agent.index()].name
    }
    /// Number of agents.
    pub fn agent_count(&self) -> usize {
        self.graph.node_count()
    }
    /// Number of distinct handoffs.
    pub fn handoff_count(&self) -> usize {
        self.graph.edge_count()
    }
    /// Findings about the declared edges and start (`unknown-agent`, `self-handoff`,
    /// `duplicate-handoff`), in declaration order.
    pub fn problems(&self) -> &[Finding] {
        &self.problems
    }
    /// The description the model reads for handoff `edge`: its own, or its target's.
    pub fn description(&self, edge: EdgeIndex) -> &str {
        let e = &self.graph.raw_edges()[edge.index()];
        self.texts.description(&self.agents, e.target(), &e.weight)
    }
    /// The `(source, target, description)` of every handoff, in declaration order.
    pub fn handoff_names(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.graph.raw_edges().iter().map(|e| {
            (
                self.name(e.source()),
                self.name(e.target()),
                self.texts.description(&self.agents, e.target(), &e.weight),
            )
        })
    }
}

/// Handoff edges as declared, whatever holds their text: the [`HandoffSpec`]s of a
/// [`DesignBuilder`], or edges borrowed from a design file's text.
pub(crate) trait DeclaredEdges: Sync {
    /// How many edges there are.
    fn count(&self) -> usize;
    /// Edge number `i`, in declaration order.
    fn edge(&self, i: usize) -> BorrowedEdge<'_>;
}

impl DeclaredEdges for [HandoffSpec] {
    fn count(&self) -> usize {
        self.len()
    }
    fn edge(&self, i: usize) -> BorrowedEdge<'_> {
        let spec = &self[i];
        BorrowedEdge {
            source: &spec.source,
            target: &spec.target,
            description: spec.description.as_deref(),
            by_name: spec.by_name,
        }
    }
}

impl DeclaredEdges for BorrowedEdges<'_> {
    fn count(&self) -> usize {
        self.len()
    }
    fn edge(&self, i: usize) -> BorrowedEdge<'_> {
        self.get(i)
    }
}

/// The nodes of `agents`, added to `graph`, and their names and descriptions.
fn nodes(agents: &[Agent], graph: &mut DiGraph<(), HandoffEdge>) -> Vec<AgentNode> {
    agents
        .iter()
        .map(|agent| {
            graph.add_node(());
            AgentNode {
                name: agent.name.clone(),
                description: agent.description.clone(),
            }
        })
        .collect()
}

/// The node of agent number `i`.
pub(crate) fn node(i: usize) -> NodeIndex {
    NodeIndex::new(i)
}

/// An error finding: the error building the design would give (its message and place), and
/// what to do.
fn error_finding(code: Code, agents: Vec<String>, error: DesignError, advice: &str) -> Finding {
    Finding {
        code,
        severity: Severity::Error,
        agents,
        message: format!("{error}. {advice}"),
        place: Some(error.place()),
    }
}

/// "Did you mean" hints for unknown names, within a budget.
struct Unknown<'a> {
    names: Vec<&'a str>,
    hinted: usize,
}

impl Unknown<'_> {
    fn hint(&mut self, name: &str) -> Hint {
        if self.names.len() > HINT_AGENTS || self.hinted >= HINTS {
            return Hint::default();
        }
        self.hinted += 1;
        closest(name, self.names.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Agent;

    fn abc() -> DesignBuilder {
        Design::builder()
            .agent(Agent::new("A").description("first"))
            .agent(Agent::new("B").description("second"))
            .agent(Agent::new("C"))
    }

    #[test]
    fn keeps_declaration_order_and_falls_back_to_target_descriptions() {
        let g = HandoffGraph::declared(
            &abc()
                .handoff("A", "C", "to c")
                .handoff_to("A", "B")
                .handoff("B", "A", "back"),
        );
        let edges: Vec<_> = g
            .handoff_names()
            .zip(g.petgraph().edge_weights())
            .map(|((s, t, text), e)| (s, t, text, e.declared))
            .collect();
        assert_eq!(
            edges,
            [
                ("A", "C", "to c", true),
                ("A", "B", "second", false),
                ("B", "A", "back", true)
            ]
        );
        assert_eq!(g.start(), Some(node(0)));
        assert!(g.problems().is_empty());
    }

    #[test]
    fn same_graph_from_a_validated_design() {
        let declared = abc().handoff("A", "C", "to c").handoff_to("A", "B").start("B");
        let from_design = HandoffGraph::of(&declared.clone().build().unwrap());
        let from_declared = HandoffGraph::declared(&declared);
        assert!(from_design.handoff_names().eq(from_declared.handoff_names()));
        assert_eq!(from_design.start(), from_declared.start());
    }

    #[test]
    fn repeats_are_found_when_a_source_comes_back_later() {
        let g = HandoffGraph::declared(
            &abc()
                .handoff("A", "B", "1")
                .handoff("C", "B", "2")
                .handoff("B", "C", "3")
                .handoff("A", "C", "4")
                .handoff("C", "B", "5")
                .handoff("A", "B", "6")
                .handoff("A", "C", "7"),
        );
        let repeats: Vec<_> = g.problems().iter().map(|f| f.agents.join(">")).collect();
        assert_eq!(repeats, ["C>B", "A>B", "A>C"]);
        let edges: Vec<_> = g
            .handoff_names()
            .map(|(s, t, text)| format!("{s}>{t}:{text}"))
            .collect();
        assert_eq!(edges, ["A>B:6", "C>B:5", "B>C:3", "A>C:7"]);
    }

    #[test]
    fn repeats_are_found_in_short_and_long_runs() {
        let mut design = Design::builder().agent(Agent::new("A")).agent(Agent::new("B"));
        let targets: Vec<String> = (0..40).map(|i| format!("T{i}")).collect();
        for t in &targets {
            design = design.agent(Agent::new(t.as_str()));
        }
        // A's run: each target once, then T3 (declared while the run was short) and T30 (long)
        // again; B's run: short, with a repeat; then A again, repeating T0.
        for t in &targets {
            design = design.handoff("A", t.as_str(), "first");
        }
        design = design
            .handoff("A", "T3", "again")
            .handoff("A", "T30", "again")
            .handoff("B", "T1", "b")
            .handoff("B", "T1", "b again")
            .handoff("A", "T0", "later")
            .handoff("A", "B", "new");
        let g = HandoffGraph::declared(&design);
        let repeats: Vec<_> = g.problems().iter().map(|f| f.agents.join(">")).collect();
        assert_eq!(repeats, ["A>T3", "A>T30", "B>T1", "A>T0"]);
        assert_eq!(g.handoff_count(), 40 + 1 + 1);
        let described: Vec<_> = g
            .handoff_names()
            .filter(|(_, _, d)| *d != "first")
            .map(|(s, t, d)| format!("{s}>{t}:{d}"))
            .collect();
        assert_eq!(
            described,
            ["A>T0:later", "A>T3:again", "A>T30:again", "B>T1:b again", "A>B:new"]
        );
    }

    #[test]
    fn declared_problems_become_findings_with_places() {
        let g = HandoffGraph::declared(
            &abc()
                .start("Bx")
                .handoff("Ghost", "A", "x")
                .handoff("Ghost", "B", "y")
                .handoff("A", "Cc", "z")
                .handoff("A", "A", "me")
                .handoff("A", "B", "one")
                .handoff("A", "B", "two"),
        );
        let found: Vec<_> = g
            .problems()
            .iter()
            .map(|f| (f.code, f.place.as_deref().unwrap(), f.agents.join(",")))
            .collect();
        assert_eq!(
            found,
            [
                (Code::UnknownAgent, "start", "Bx".to_string()),
                (Code::UnknownAgent, "handoffs.Ghost", "Ghost".into()),
                (Code::UnknownAgent, "handoffs.A.Cc", "A,Cc".into()),
                (Code::SelfHandoff, "handoffs.A.A", "A".into()),
                (Code::DuplicateHandoff, "handoffs.A.B", "A,B".into()),
            ]
        );
        assert!(g.problems()[0].message.contains("did you mean `B`?"));
        assert!(g.problems()[2].message.contains("did you mean `C`?"));
        assert_eq!(g.start(), None);
        // The self loop is kept; the repeated edge keeps its place and takes the last description.
        let edges: Vec<_> = g
            .handoff_names()
            .map(|(s, t, text)| format!("{s}>{t}:{text}"))
            .collect();
        assert_eq!(edges, ["A>A:me", "A>B:two"]);
    }
}
