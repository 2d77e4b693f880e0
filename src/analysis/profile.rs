//! What a design is under the framework it is deployed on: the graph that framework builds
//! from it (Agent Framework meshes every agent when no handoff is declared; Semantic Kernel
//! refuses such a design), and findings that hold only there (Semantic Kernel Python drops
//! the description of an edge declared by name, and the thread of an agent whose first turn
//! yields no text).

use crate::design::{DesignBuilder, NoEdges};
use crate::engine::Profile;
use crate::scenario::DesignFile;
use crate::scripted::{CallSpec, Chunk, Script, Step};

use super::graph::DeclaredEdges;
use super::{Analysis, Code, Finding, HandoffGraph, Severity};

/// Above this many agents a mesh is not built (it has n(n-1) handoffs); the finding says so.
pub const MAX_MESH_AGENTS: usize = 1_000;

impl Analysis {
    /// Analyses the design of `file` under its profile ([`DesignFile::profile`]): the graph
    /// the framework builds, the findings of [`Analysis::new`], and the framework's own.
    pub fn of(file: &DesignFile) -> Analysis {
        let (graph, mut findings) = graph_under(&file.declared, file.profile);
        findings.extend(framework_findings(file, file.declared.edges()));
        Analysis::of_graph(file, graph, findings)
    }

    /// The rest of [`Analysis::of`]: `graph`, the graph of `file`'s design, analysed under
    /// its profile, with `findings` (the framework's) added.
    pub(super) fn of_graph(file: &DesignFile, graph: HandoffGraph, findings: Vec<Finding>) -> Analysis {
        let bound = file.limits.and_then(|l| l.handoffs_per_turn);
        let mut analysis = Analysis::under(graph, bound, file.profile);
        analysis.findings.extend(findings);
        analysis.findings.sort_by_key(|f| (f.severity, f.code));
        analysis
    }
}

/// The findings that hold only under `file`'s framework, its declared edges being `edges`.
pub(super) fn framework_findings<E: DeclaredEdges + ?Sized>(file: &DesignFile, edges: &E) -> Vec<Finding> {
    let profile = file.profile;
    let mut findings = Vec::new();
    if profile.tools.drops_by_name {
        findings.extend(dropped_descriptions(edges, profile));
    }
    if profile.turns.drops_threads && !file.usage_chunk {
        findings.extend(lost_threads(&file.scripts, profile));
    }
    findings
}

/// The graph `profile`'s framework builds from `declared`, and what it says about it.
fn graph_under(declared: &DesignBuilder, profile: &Profile) -> (HandoffGraph, Vec<Finding>) {
    let agents = declared.agents();
    if !declared.edges().is_empty() || agents.len() < 2 {
        return (HandoffGraph::declared(declared), Vec::new());
    }
    let framework = profile.framework;
    let finding = |severity, message: String| Finding {
        code: Code::NoHandoffs,
        severity,
        agents: Vec::new(),
        message,
        place: Some("handoffs".into()),
    };
    match profile.tools.no_edges {
        NoEdges::Allowed => (HandoffGraph::declared(declared), Vec::new()),
        NoEdges::Refused(error) => (
            HandoffGraph::declared(declared),
            vec![finding(
                Severity::Error,
                format!("{framework} refuses a design without handoffs (\"{error}\"): declare at least one"),
            )],
        ),
        NoEdges::Mesh if agents.len() > MAX_MESH_AGENTS => (
            HandoffGraph::declared(declared),
            vec![finding(
                Severity::Warning,
                format!(
                    "{framework} connects every agent with every other when no handoffs are declared; with {} agents that is {} handoffs, more than this analysis builds (it shows the design as declared)",
                    agents.len(),
                    agents.len() * (agents.len() - 1)
                ),
            )],
        ),
        NoEdges::Mesh => {
            let mut mesh = declared.clone();
            for source in agents {
                for target in agents.iter().filter(|t| t.name != source.name) {
                    mesh = mesh.handoff_to(&source.name, &target.name);
                }
            }
            let handoffs = mesh.edges().len();
            (
                HandoffGraph::declared(&mesh),
                vec![finding(
                    Severity::Info,
                    format!(
                        "no handoffs are declared, so {framework} connects every agent with every other ({handoffs} handoffs, each described by its target's description); the findings are of that mesh"
                    ),
                )],
            )
        }
    }
}

/// Edges declared by the target's name, whose description Semantic Kernel Python drops (of
/// an edge declared several times, the last declaration, whose description the edge keeps).
fn dropped_descriptions<E: DeclaredEdges + ?Sized>(edges: &E, profile: &Profile) -> Vec<Finding> {
    let count = edges.count();
    (0..count)
        .map(|i| (i, edges.edge(i)))
        .filter(|(i, edge)| {
            edge.by_name
                && !(i + 1..count).any(|j| {
                    let later = edges.edge(j);
                    later.source == edge.source && later.target == edge.target
                })
        })
        .map(|(_, edge)| edge)
        .map(|edge| Finding {
            code: Code::DroppedDescription,
            severity: Severity::Warning,
            agents: vec![edge.source.to_string(), edge.target.to_string()],
            message: format!(
                "`{} -> {}` is declared by the target's name, and {} then drops its description: the model is offered the transfer with an empty description; declare the edge with the agent itself",
                edge.source,
                edge.target,
                profile.framework
            ),
            place: Some(format!("handoffs.{}.{}", edge.source, edge.target)),
        })
        .collect()
}

/// Agents whose scripted first turn yields no text: Semantic Kernel Python drops what they read.
fn lost_threads(scripts: &[(String, Script)], profile: &Profile) -> Vec<Finding> {
    scripts
        .iter()
        .filter_map(|(agent, script)| {
            let why = first_turn_without_text(script, profile)?;
            Some(Finding {
                code: Code::LostTask,
                severity: Severity::Warning,
                agents: vec![agent.clone()],
                message: format!(
                    "`{agent}`'s scripted first turn {why}, so its first invocation yields no text while it has no thread: {} drops everything that invocation read, and on its next call `{agent}` will not see the task or anything said before it; have it say something before the handoff (in chunks of its own), or set `profile.usage_chunk` if the endpoint ends its streams with a usage chunk",
                    profile.framework
                ),
                place: Some(format!("model.scripted.{agent}")),
            })
        })
        .collect()
}

/// Why the first turn of `script` surely passes on no text before a handoff, if it does: a
/// response list whose first turn (tool rounds, then a handoff) has no text in chunks of its
/// own, or rules none of which says anything.
fn first_turn_without_text(script: &Script, profile: &Profile) -> Option<&'static str> {
    let passes_text = |step: &Step| {
        let calls = step.call.is_some() || step.calls.is_some() || step.handoff.is_some();
        step.say.is_some() && (!calls || step.chunk != Some(Chunk::One))
    };
    // A handoff function called by its name (plain or `<plugin>-<name>`) is a handoff too.
    let reserved = |call: &CallSpec| {
        profile
            .tools
            .is_reserved(call.tool.rsplit('-').next().unwrap_or(&call.tool))
    };
    let hands_off =
        |step: &Step| step.handoff.is_some() || step.call.iter().chain(step.calls.iter().flatten()).any(reserved);
    if let Some(responses) = &script.responses {
        let mut tool_rounds = false;
        for step in responses {
            if passes_text(step) || step.complete.is_some() {
                return None;
            }
            if hands_off(step) {
                return Some(match (tool_rounds, step.say.is_some()) {
                    (true, _) => "is tool calls and then a handoff",
                    (false, true) => "is a handoff with its text in the call's chunk",
                    (false, false) => "is a handoff",
                });
            }
            if step.call.is_none() && step.calls.is_none() {
                return None;
            }
            tool_rounds = true;
        }
        return None;
    }
    let rules = script.rules.as_ref()?;
    let silent = rules.iter().all(|r| !passes_text(r) && r.complete.is_none());
    (silent && rules.iter().any(hands_off)).then_some("is a handoff (no rule of its script says anything)")
}
