//! What a drawing holds: agents and handoffs with their marks, made from an analysis.

use std::collections::HashSet;

use crate::analysis::{Analysis, Code};

/// How an agent is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeMark {
    /// Nothing special.
    Plain,
    /// No chain of handoffs from the start agent reaches it.
    Unreachable,
    /// New in a design diff.
    Added,
    /// Gone in a design diff.
    Removed,
    /// No scenario of a coverage report visits it.
    Unvisited,
}

/// How a handoff is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeMark {
    /// Nothing special.
    Plain,
    /// One of two handoffs between the same two agents, neither of them the start agent, in
    /// both directions: a request that fits both agents can bounce between them.
    TwoWay,
    /// Never taken: no chain of handoffs from the start agent reaches its source.
    Unreachable,
    /// New in a design diff.
    Added,
    /// Gone in a design diff.
    Removed,
    /// Its description changed in a design diff.
    Changed,
    /// No scenario of a coverage report takes it.
    Unexercised,
}

/// An agent in a drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The agent's name.
    pub name: String,
    /// Whether runs start with it.
    pub start: bool,
    /// Its mark.
    pub mark: NodeMark,
}

/// A handoff in a drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Index of the source in [`Drawing::nodes`].
    pub from: usize,
    /// Index of the target in [`Drawing::nodes`].
    pub to: usize,
    /// The label (a description, or a count).
    pub label: String,
    /// Its mark.
    pub mark: EdgeMark,
    /// The finding about this handoff, if any (an empty, duplicate or dropped description, a
    /// repeated edge): drawn with `⚠` and its code.
    pub finding: Option<Code>,
}

/// One graph to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawing {
    /// Its title (a cluster label when several drawings share a diagram).
    pub title: String,
    /// The agents.
    pub nodes: Vec<Node>,
    /// The handoffs.
    pub edges: Vec<Edge>,
}

impl Drawing {
    /// The drawing of an analysed design, each edge labelled with the description the model
    /// reads. Marked: the start agent, unreachable agents and the handoffs out of them, handoffs
    /// with a finding, and two-way handoffs between two agents other than the start agent (the
    /// specialists that can bounce a request between them). A handoff that is merely on a
    /// cycle is not marked: in a design whose specialists hand back to triage every handoff is.
    pub fn of(analysis: &Analysis, title: impl Into<String>) -> Drawing {
        let graph = analysis.graph();
        let g = graph.petgraph();
        let start = graph.start();
        // Every handoff's ends, to find the one back in constant time (a hub's edges are many).
        let pairs: HashSet<(usize, usize)> = g
            .edge_indices()
            .filter_map(|e| g.edge_endpoints(e))
            .map(|(a, b)| (a.index(), b.index()))
            .collect();
        let nodes = g
            .node_indices()
            .map(|n| Node {
                name: graph.name(n).to_string(),
                start: graph.start() == Some(n),
                mark: match analysis.is_reachable(n) {
                    Some(false) => NodeMark::Unreachable,
                    _ => NodeMark::Plain,
                },
            })
            .collect();
        let edges = g
            .edge_indices()
            .map(|e| {
                let (from, to) = g.edge_endpoints(e).expect("an edge of this graph");
                let (source, target) = (graph.name(from), graph.name(to));
                Edge {
                    from: from.index(),
                    to: to.index(),
                    label: graph.description(e).to_string(),
                    mark: if analysis.is_reachable(from) == Some(false) {
                        EdgeMark::Unreachable
                    } else if from != to
                        && start != Some(from)
                        && start != Some(to)
                        && pairs.contains(&(to.index(), from.index()))
                    {
                        EdgeMark::TwoWay
                    } else {
                        EdgeMark::Plain
                    },
                    finding: analysis
                        .findings()
                        .iter()
                        .find(|f| {
                            EDGE_CODES.contains(&f.code)
                                && f.agents.first().is_some_and(|a| a == source)
                                && f.agents[1..].iter().any(|a| a == target)
                        })
                        .map(|f| f.code),
                }
            })
            .collect();
        Drawing {
            title: title.into(),
            nodes,
            edges,
        }
    }
}

/// The findings that are about one handoff (their agents: the source, then the targets).
const EDGE_CODES: [Code; 4] = [
    Code::EmptyDescription,
    Code::DuplicateDescription,
    Code::DroppedDescription,
    Code::DuplicateHandoff,
];
