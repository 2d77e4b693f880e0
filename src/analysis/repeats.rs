//! Repeated handoff edges: which declared edge was declared before, found as the graph is
//! built, in time linear in the design.

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use super::fast_hash::FxHashMap;

/// Finds an edge declared again, in time linear in the design. Edges of one source usually
/// come in one run (one JSON object): the run's edges so far then tell whether it already has
/// the edge, by a look through them while the run is short, and by `latest[target]`, the last
/// edge into each agent, once it is long. A source whose edges come in several runs (a
/// repeated key) has its edges kept in a hash map from its second run on.
pub(super) struct Repeats {
    latest: Vec<Option<(NodeIndex, EdgeIndex)>>,
    current: Option<NodeIndex>,
    /// The current run's edges, while it has at most [`Repeats::SHORT`].
    run: Vec<(NodeIndex, EdgeIndex)>,
    /// Whether the current run has more, and uses `latest`.
    long: bool,
    /// 0: no run yet, 1: in or after its first run, 2: revisited (its edges are in `map`).
    runs: Vec<u8>,
    map: FxHashMap<(NodeIndex, NodeIndex), EdgeIndex>,
}

impl Repeats {
    /// The most edges a run looks through (a look through a few edges nearby is quicker than
    /// one read of `latest` far away in a large design).
    const SHORT: usize = 16;

    pub(super) fn new(agents: usize) -> Repeats {
        Repeats {
            latest: vec![None; agents],
            current: None,
            run: Vec::with_capacity(Repeats::SHORT),
            long: false,
            runs: vec![0; agents],
            map: FxHashMap::default(),
        }
    }

    /// An edge of `source` comes next.
    pub(super) fn enter<E>(&mut self, source: NodeIndex, graph: &DiGraph<(), E>) {
        if self.current == Some(source) {
            return;
        }
        self.current = Some(source);
        self.run.clear();
        self.long = false;
        let runs = &mut self.runs[source.index()];
        if *runs == 1 {
            *runs = 2;
            for edge in graph.edges(source) {
                self.map.insert((source, edge.target()), edge.id());
            }
        } else if *runs == 0 {
            *runs = 1;
        }
    }

    /// The edge `source → target` (`source` the current run's), if declared already.
    pub(super) fn find(&self, source: NodeIndex, target: NodeIndex) -> Option<EdgeIndex> {
        if self.runs[source.index()] == 2 {
            return self.map.get(&(source, target)).copied();
        }
        if !self.long {
            return self.run.iter().find(|(t, _)| *t == target).map(|&(_, e)| e);
        }
        match self.latest[target.index()] {
            Some((s, e)) if s == source => Some(e),
            _ => None,
        }
    }

    /// `source → target` (`source` the current run's) was added as `id`.
    pub(super) fn added(&mut self, source: NodeIndex, target: NodeIndex, id: EdgeIndex) {
        if self.runs[source.index()] == 2 {
            self.map.insert((source, target), id);
        } else if self.long {
            self.latest[target.index()] = Some((source, id));
        } else if self.run.len() < Repeats::SHORT {
            self.run.push((target, id));
        } else {
            self.long = true;
            for &(t, e) in self.run.iter().chain([&(target, id)]) {
                self.latest[t.index()] = Some((source, e));
            }
        }
    }
}
