//! Which handoffs of a design the scenarios exercise, and which they never do. Scenarios
//! whose designs have the same agents, start and handoffs count toward one design.

use std::collections::BTreeMap;

use serde_json::json;

use super::draw::{Drawing, Edge, EdgeMark, Node, NodeMark};
use crate::design::Design;
use crate::engine::EventKind;
use crate::engine::Run;

/// How often one handoff was taken, and by which scenarios.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeCoverage {
    /// The agent handing off.
    pub source: String,
    /// The agent handed to.
    pub target: String,
    /// Handoffs along this edge, over all runs.
    pub handoffs: u64,
    /// The scenarios that took it, in the order they were added.
    pub scenarios: Vec<String>,
}

/// How often one agent was in control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCoverage {
    /// The agent.
    pub name: String,
    /// Times control came to it (the start of a run counts), over all runs.
    pub visits: u64,
}

/// One scenario counted toward a design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRun {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub file: String,
    /// How its run ended (`None`: a design file, not run).
    pub outcome: Option<String>,
}

/// The coverage of one design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesignCoverage {
    /// The scenarios (and design files) with this design.
    pub scenarios: Vec<ScenarioRun>,
    /// Its agents, in declaration order.
    pub agents: Vec<AgentCoverage>,
    /// Its handoffs, in declaration order.
    pub edges: Vec<EdgeCoverage>,
    /// Index of the start agent in `agents`.
    pub start: usize,
    /// Index in `edges` of each agent's first handoff.
    first_edge: Vec<usize>,
}

impl DesignCoverage {
    fn new(design: &Design) -> DesignCoverage {
        let mut edges = Vec::new();
        let mut first_edge = Vec::with_capacity(design.agents().len());
        for source in design.ids() {
            first_edge.push(edges.len());
            edges.extend(design.handoffs(source).iter().map(|h| EdgeCoverage {
                source: design.agent(source).name.clone(),
                target: design.agent(h.target).name.clone(),
                handoffs: 0,
                scenarios: Vec::new(),
            }));
        }
        DesignCoverage {
            scenarios: Vec::new(),
            agents: design
                .agents()
                .iter()
                .map(|a| AgentCoverage {
                    name: a.name.clone(),
                    visits: 0,
                })
                .collect(),
            edges,
            start: design.start().index(),
            first_edge,
        }
    }

    /// Handoffs taken at least once.
    pub fn exercised(&self) -> usize {
        self.edges.iter().filter(|e| e.handoffs > 0).count()
    }

    /// Agents in control at least once.
    pub fn visited(&self) -> usize {
        self.agents.iter().filter(|a| a.visits > 0).count()
    }

    /// A title: the first scenario's file.
    pub fn title(&self) -> &str {
        self.scenarios.first().map_or("design", |s| s.file.as_str())
    }

    /// The coverage as `--format json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "scenarios": self.scenarios.iter().map(|s| json!({
                "name": s.name, "file": s.file, "outcome": s.outcome,
            })).collect::<Vec<_>>(),
            "start": self.agents[self.start].name,
            "agents": self.agents.iter().map(|a| json!({ "name": a.name, "visits": a.visits })).collect::<Vec<_>>(),
            "handoffs": self.edges.iter().map(|e| json!({
                "source": e.source, "target": e.target, "handoffs": e.handoffs, "scenarios": e.scenarios,
            })).collect::<Vec<_>>(),
            "exercised": self.exercised(),
            "total": self.edges.len(),
        })
    }

    /// The design drawn with each handoff labelled by how often it was taken; handoffs never
    /// taken and agents never visited are grey and dashed.
    pub fn drawing(&self) -> Drawing {
        let index: BTreeMap<&str, usize> = self
            .agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect();
        Drawing {
            title: self.title().to_string(),
            nodes: self
                .agents
                .iter()
                .enumerate()
                .map(|(i, a)| Node {
                    name: a.name.clone(),
                    start: i == self.start,
                    mark: if a.visits == 0 {
                        NodeMark::Unvisited
                    } else {
                        NodeMark::Plain
                    },
                })
                .collect(),
            edges: self
                .edges
                .iter()
                .map(|e| Edge {
                    from: index[e.source.as_str()],
                    to: index[e.target.as_str()],
                    label: match e.handoffs {
                        0 => "never".to_string(),
                        1 => "1 handoff".to_string(),
                        n => format!("{n} handoffs"),
                    },
                    mark: if e.handoffs == 0 {
                        EdgeMark::Unexercised
                    } else {
                        EdgeMark::Plain
                    },
                    finding: None,
                })
                .collect(),
        }
    }
}

/// Coverage of the designs of many scenarios.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    designs: Vec<DesignCoverage>,
    by_shape: BTreeMap<String, usize>,
}

impl Coverage {
    /// No scenarios yet.
    pub fn new() -> Coverage {
        Coverage::default()
    }

    /// Counts the scenario `name` (from `file`), whose design is `design`, and its run (`None`
    /// for a design file, which adds its design with nothing exercised).
    pub fn add(&mut self, name: &str, file: &str, design: &Design, run: Option<&Run>) {
        let shape = shape(design);
        let next = self.designs.len();
        let at = *self.by_shape.entry(shape).or_insert(next);
        if at == next {
            self.designs.push(DesignCoverage::new(design));
        }
        let coverage = &mut self.designs[at];
        coverage.scenarios.push(ScenarioRun {
            name: name.to_string(),
            file: file.to_string(),
            outcome: run.map(|r| r.outcome().kind().to_string()),
        });
        let Some(run) = run else { return };
        coverage.agents[design.start().index()].visits += 1;
        for event in run.log().events() {
            let (EventKind::Handoff { to }, Some(from)) = (&event.kind, event.agent) else {
                continue;
            };
            coverage.agents[to.index()].visits += 1;
            let offset = design
                .handoffs(from)
                .iter()
                .position(|h| h.target == *to)
                .expect("a run only hands off along the design's edges");
            let edge = &mut coverage.edges[coverage.first_edge[from.index()] + offset];
            edge.handoffs += 1;
            if edge.scenarios.last().is_none_or(|last| last != name) {
                edge.scenarios.push(name.to_string());
            }
        }
    }

    /// The designs, in the order their first scenario was added.
    pub fn designs(&self) -> &[DesignCoverage] {
        &self.designs
    }
}

/// What makes two designs one for coverage: agents, start and handoffs, in order.
fn shape(design: &Design) -> String {
    let mut key = design.agent(design.start()).name.clone();
    for source in design.ids() {
        key.push('\n');
        key.push_str(&design.agent(source).name);
        for handoff in design.handoffs(source) {
            key.push(' ');
            key.push_str(&design.agent(handoff.target).name);
        }
    }
    key
}
