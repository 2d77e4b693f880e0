//! Static analysis of a handoff design, before a single model call: agents nobody can reach,
//! agents that trap the user, agents that can pass control around without a human turn,
//! routing choices the model cannot tell apart.
//!
//! ```
//! use handoff_harness::analysis::{Analysis, Code, HandoffGraph};
//! use handoff_harness::{Agent, Design};
//!
//! let design = Design::builder()
//!     .agent(Agent::new("Triage"))
//!     .agent(Agent::new("Refund").description("Refunds."))
//!     .agent(Agent::new("Orders").description("Order status."))
//!     .handoff("Triage", "Refund", "Refund questions")
//!     .handoff("Refund", "Triage", "Anything else");
//! let analysis = Analysis::new(HandoffGraph::declared(&design), None);
//! let codes: Vec<Code> = analysis.findings().iter().map(|f| f.code).collect();
//! assert_eq!(codes, [Code::UnreachableAgent, Code::HandoffCycle]);
//! assert_eq!(analysis.findings()[0].agents, ["Orders"]);
//! ```
//!
//! Everything is linear in the size of the design (plus a sort of the findings), and uses only
//! iterative graph algorithms, so a design of 100,000 agents does not overflow the stack.

use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::engine::Profile;
use crate::files::{escape_controls, json_key, names};
use adjacency::Adjacency;
use fast_hash::{same_text, text_hash};

mod adjacency;
pub mod coverage;
pub mod diff;
pub mod draw;
mod fast_hash;
mod finding;
mod graph;
mod load;
mod parallel;
mod profile;
mod repeats;

pub use finding::{Code, Finding, Severity, Tally};
pub use graph::{AgentNode, HandoffEdge, HandoffGraph};
pub use load::AnalysedFile;
pub use profile::MAX_MESH_AGENTS;

/// A design's graph and everything found in it.
#[derive(Debug, Clone)]
pub struct Analysis {
    graph: HandoffGraph,
    findings: Vec<Finding>,
    reachable: Option<Vec<bool>>,
    cycle_edges: Vec<bool>,
}

impl Analysis {
    /// Analyses `graph`. `handoff_limit` is the bound on handoffs per human turn the design runs
    /// under, if any: cycles it bounds are `info`, unbounded cycles `warning` (Semantic Kernel
    /// has no loop guard). [`Analysis::of`] analyses a design file under its profile.
    pub fn new(graph: HandoffGraph, handoff_limit: Option<u32>) -> Analysis {
        Analysis::under(graph, handoff_limit, &Profile::SEMANTIC_KERNEL)
    }

    /// [`Analysis::new`], the cycle findings naming `profile`'s own loop guard.
    fn under(graph: HandoffGraph, handoff_limit: Option<u32>, profile: &Profile) -> Analysis {
        let start = graph.start();
        let forward = Adjacency::of(graph.petgraph(), false);
        // The descriptions' hashes, on all cores for a large design.
        let hashes = parallel::map(graph.handoff_count(), |i| {
            text_hash(graph.description(EdgeIndex::new(i)))
        });
        // Large designs use two cores: descriptions and the forward search on one, the
        // backward search and the cycles on the other.
        let ((descriptions, reachable), (returns, (cycles, cycle_edges))) = parallel::join(
            graph.handoff_count(),
            || {
                let reachable = start.map(|s| forward.reach(s));
                (description_findings(&graph, &hashes), reachable)
            },
            || {
                let returns = start.map(|s| Adjacency::of(graph.petgraph(), true).reach(s));
                (returns, cycle_findings(&graph, &forward, handoff_limit, profile))
            },
        );
        drop(forward);
        let mut findings = graph.problems().to_vec();
        if let (Some(start), Some(reachable), Some(returns)) = (start, &reachable, &returns) {
            reachability_findings(&graph, start, reachable, returns, &mut findings);
        }
        findings.extend(cycles);
        findings.extend(descriptions);
        findings.sort_by_key(|f| (f.severity, f.code));
        Analysis {
            graph,
            findings,
            reachable,
            cycle_edges,
        }
    }

    /// The graph analysed.
    pub fn graph(&self) -> &HandoffGraph {
        &self.graph
    }
    /// Everything found: errors first, then warnings, then infos; by [`Code`] within each, then
    /// in design order.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
    /// How many findings of each severity.
    pub fn tally(&self) -> Tally {
        Tally::of(&self.findings)
    }
    /// Whether a chain of handoffs leads from the start agent to `agent` (`None`: the start
    /// agent is unknown, so reachability was not checked).
    pub fn is_reachable(&self, agent: NodeIndex) -> Option<bool> {
        self.reachable.as_ref().map(|r| r[agent.index()])
    }
    /// Whether `handoff` lies on a cycle: both ends in one strongly connected component of
    /// more than one agent, or a self-handoff.
    pub fn is_cycle_edge(&self, handoff: EdgeIndex) -> bool {
        self.cycle_edges[handoff.index()]
    }
}

/// `unreachable-agent` and `no-way-back`.
fn reachability_findings(
    graph: &HandoffGraph,
    start: NodeIndex,
    reachable: &[bool],
    returns: &[bool],
    findings: &mut Vec<Finding>,
) {
    let g = graph.petgraph();
    let start_name = graph.name(start);
    for agent in g.node_indices() {
        let name = graph.name(agent);
        if !reachable[agent.index()] {
            let mut from: Vec<&str> = g
                .neighbors_directed(agent, Direction::Incoming)
                .filter(|&n| n != agent)
                .map(|n| graph.name(n))
                .collect();
            from.sort_unstable();
            from.dedup();
            let why = if from.is_empty() {
                "no agent hands off to it".to_string()
            } else {
                format!("only {} hand off to it, and they are unreachable too", names(&from))
            };
            findings.push(Finding {
                code: Code::UnreachableAgent,
                severity: Severity::Warning,
                agents: vec![name.to_string()],
                message: format!(
                    "no chain of handoffs from the start agent `{start_name}` reaches `{name}` ({why}). Add a \
                     handoff to it from an agent that is reached, or remove it"
                ),
                place: None,
            });
        } else if !returns[agent.index()] {
            findings.push(Finding {
                code: Code::NoWayBack,
                severity: Severity::Warning,
                agents: vec![name.to_string(), start_name.to_string()],
                message: format!(
                    "once control reaches `{name}`, no chain of handoffs leads back to the start agent \
                     `{start_name}`: the user stays with `{name}` and the agents it hands to until the task \
                     completes. If other requests should be possible, add a handoff from `{name}` back toward \
                     `{start_name}`"
                ),
                place: None,
            });
        }
    }
}

/// `handoff-cycle` for each strongly connected component of more than one agent and each
/// self-handoff, and which edges lie on a cycle.
fn cycle_findings(
    graph: &HandoffGraph,
    forward: &Adjacency,
    limit: Option<u32>,
    profile: &Profile,
) -> (Vec<Finding>, Vec<bool>) {
    let g = graph.petgraph();
    // Iterative (petgraph's tarjan_scc recurses and overflows the stack on long chains).
    let mut components = forward.components();
    // Each agent's component (`u32::MAX`: none of more than one agent); there are fewer
    // components than agents, whose indices are `u32`.
    let mut component = vec![u32::MAX; g.node_count()];
    components.retain(|c| c.len() > 1);
    for members in &mut components {
        members.sort_unstable();
    }
    components.sort_unstable_by_key(|c| c[0]);
    for (i, members) in (0..).zip(&components) {
        for n in members {
            component[n.index()] = i;
        }
    }
    let cycle_edges: Vec<bool> = g
        .raw_edges()
        .iter()
        .map(|e| {
            let (from, to) = (component[e.source().index()], component[e.target().index()]);
            e.source() == e.target() || (from != u32::MAX && from == to)
        })
        .collect();

    let (severity, bound) = match limit {
        Some(n) => (
            Severity::Info,
            format!("the file's `limits.handoffs_per_turn` ({n}) stops a run after {n} handoffs in one human turn"),
        ),
        None => {
            let guards = &profile.guards;
            let guard = match (guards.calls_per_human_turn, guards.supersteps) {
                (Some(g), _) => Some((g, "model calls without a human turn")),
                (None, Some(g)) => Some((g, "supersteps")),
                (None, None) => None,
            };
            let framework = profile.framework;
            let stops = match guard {
                Some((g, what)) => format!(
                    "{framework} stops it only with an error, after {} {what} (`{}`)",
                    g.limit,
                    g.error_text()
                ),
                None => format!("nothing bounds it: {framework} has no loop guard"),
            };
            (
                Severity::Warning,
                format!(
                    "{stops}. Bound it with `limits.handoffs_per_turn` (the harness and your deployment), or make \
                     sure no model can keep handing off"
                ),
            )
        }
    };
    let mut found: Vec<(NodeIndex, Finding)> = Vec::new();
    let mut parent = vec![NodeIndex::end(); g.node_count()];
    for members in &components {
        let root = members[0];
        let path = shortest_cycle(forward, root, &component, &mut parent);
        let agents: Vec<&str> = members.iter().map(|&n| graph.name(n)).collect();
        found.push((
            root,
            Finding {
                code: Code::HandoffCycle,
                severity,
                agents: agents.iter().map(|s| s.to_string()).collect(),
                message: format!(
                    "{} can pass control around without a human turn (for example {}), so a model that keeps \
                     handing off bounces the user forever; {bound}",
                    names(&agents),
                    path_text(graph, &path)
                ),
                place: None,
            },
        ));
    }
    for edge in g.raw_edges().iter().filter(|e| e.source() == e.target()) {
        let name = graph.name(edge.source());
        found.push((
            edge.source(),
            Finding {
                code: Code::HandoffCycle,
                severity,
                agents: vec![name.to_string()],
                message: format!("`{name}` can hand off to itself again and again without a human turn; {bound}"),
                place: None,
            },
        ));
    }
    found.sort_by_key(|(n, _)| *n);
    (found.into_iter().map(|(_, f)| f).collect(), cycle_edges)
}

/// A shortest cycle through `root` inside its component, as the agents passed
/// (`root ... root`). `parent` is scratch space, reused across components.
fn shortest_cycle(forward: &Adjacency, root: NodeIndex, component: &[u32], parent: &mut [NodeIndex]) -> Vec<NodeIndex> {
    let inside = component[root.index()];
    let mut queue = std::collections::VecDeque::from([root]);
    parent[root.index()] = root;
    while let Some(n) = queue.pop_front() {
        // In declaration order, so that the example is the first cycle a reader would trace.
        for next in forward.neighbours(n) {
            if next == root && n != root {
                let mut path = vec![n];
                let mut at = n;
                while at != root {
                    at = parent[at.index()];
                    path.push(at);
                }
                path.reverse();
                path.push(root);
                return path;
            }
            if component[next.index()] == inside && parent[next.index()] == NodeIndex::end() {
                parent[next.index()] = n;
                queue.push_back(next);
            }
        }
    }
    unreachable!("every agent of a strongly connected component lies on a cycle")
}

/// `A → B → A`, shortened in the middle when long.
fn path_text(graph: &HandoffGraph, path: &[NodeIndex]) -> String {
    const SHOWN: usize = 8;
    let name = |n: &NodeIndex| format!("`{}`", graph.name(*n));
    if path.len() <= SHOWN {
        return path.iter().map(name).collect::<Vec<_>>().join(" → ");
    }
    let head: Vec<String> = path[..SHOWN - 2].iter().map(name).collect();
    format!(
        "{} → … → {} ({} handoffs)",
        head.join(" → "),
        name(&path[path.len() - 1]),
        path.len() - 1
    )
}

/// `duplicate-description` and `empty-description`; `hashes` holds each edge's description's
/// [`text_hash`].
fn description_findings(graph: &HandoffGraph, hashes: &[u64]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let g = graph.petgraph();
    // Sort the described edges by (source, hash of the description as a model reads it);
    // equal descriptions of one source then sit next to each other. No string is copied.
    let mut keyed: Vec<(NodeIndex, u64, EdgeIndex)> = Vec::with_capacity(g.edge_count());
    let blank = text_hash("");
    for edge in g.edge_references() {
        let hash = hashes[edge.id().index()];
        if hash == blank && graph.description(edge.id()).trim().is_empty() {
            findings.push(empty_description(
                graph,
                edge.source(),
                edge.target(),
                edge.weight().declared,
            ));
        } else {
            keyed.push((edge.source(), hash, edge.id()));
        }
    }
    // Edges usually come in one run per source (one JSON object each): sorting each run is
    // then enough. A design that names a source in two runs is sorted whole.
    let mut runs = keyed.chunk_by(|a, b| a.0 == b.0).map(|run| run[0].0);
    let mut seen = vec![false; g.node_count()];
    if runs.all(|source| !std::mem::replace(&mut seen[source.index()], true)) {
        keyed.chunk_by_mut(|a, b| a.0 == b.0).for_each(<[_]>::sort_unstable);
    } else {
        keyed.sort_unstable();
    }
    let mut shared: Vec<Vec<EdgeIndex>> = Vec::new();
    for run in keyed
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .filter(|run| run.len() > 1)
    {
        // Equal hashes almost always mean equal texts; check, and split the run if not.
        let mut rest: Vec<EdgeIndex> = run.iter().map(|k| k.2).collect();
        while rest.len() > 1 {
            let first = graph.description(rest[0]);
            let (same, other): (Vec<EdgeIndex>, Vec<EdgeIndex>) =
                rest.iter().partition(|&&e| same_text(first, graph.description(e)));
            if same.len() > 1 {
                shared.push(same);
            }
            rest = other;
        }
    }
    shared.sort_unstable_by_key(|edges| edges[0]);
    for edges in shared {
        findings.push(duplicate_description(graph, &edges));
    }
    findings
}

fn empty_description(graph: &HandoffGraph, source: NodeIndex, target: NodeIndex, declared: bool) -> Finding {
    let (source, target) = (graph.name(source), graph.name(target));
    let fallback = if declared {
        String::new()
    } else {
        format!(", and `{target}` has no description to fall back on")
    };
    Finding {
        code: Code::EmptyDescription,
        severity: Severity::Warning,
        agents: vec![source.to_string(), target.to_string()],
        message: format!(
            "`{source}` offers `transfer_to_{target}` with an empty description{fallback}: the model routes on the \
             name alone. Say when to choose it in the handoff's description{}",
            if declared { "" } else { " or the agent's" }
        ),
        place: Some(format!("handoffs{}{}", json_key(source), json_key(target))),
    }
}

fn duplicate_description(graph: &HandoffGraph, edges: &[EdgeIndex]) -> Finding {
    let g = graph.petgraph();
    let ends = |e: &EdgeIndex| g.edge_endpoints(*e).expect("an edge of this graph");
    let source = graph.name(ends(&edges[0]).0);
    let targets: Vec<&str> = edges.iter().map(|e| graph.name(ends(e).1)).collect();
    let tools: Vec<String> = targets.iter().map(|t| format!("transfer_to_{t}")).collect();
    let tools: Vec<&str> = tools.iter().map(String::as_str).collect();
    let mut agents = vec![source.to_string()];
    agents.extend(targets.iter().map(|t| t.to_string()));
    Finding {
        code: Code::DuplicateDescription,
        severity: Severity::Warning,
        agents,
        message: format!(
            "`{source}` offers {} with the same description (\"{}\"): the model cannot tell them apart, so the \
             choice between {} is a guess. Say in each description when to choose it",
            names(&tools),
            escape_controls(graph.description(edges[0])),
            names(&targets)
        ),
        place: Some(format!("handoffs{}", json_key(source))),
    }
}
