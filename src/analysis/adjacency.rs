//! The handoff graph's edges as two flat arrays, each agent's neighbours one after another in
//! declaration order: the searches of a large design then read memory in sequence, where
//! petgraph's lists chase one pointer per edge. Same results as petgraph's `Bfs` and
//! `kosaraju_scc` (reachability and components are sets; the analysis sorts what it reports).

use petgraph::graph::{DiGraph, NodeIndex};

/// Each agent's neighbours: agent `a`'s are `targets[starts[a]..starts[a + 1]]`.
pub(super) struct Adjacency {
    starts: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    /// Each agent's targets (`reversed`: its sources), in the order of the edges' indices.
    pub(super) fn of<N, E>(g: &DiGraph<N, E>, reversed: bool) -> Adjacency {
        let agents = g.node_count();
        let ends = |e: &petgraph::graph::Edge<E>| match reversed {
            false => (e.source().index(), e.target().index()),
            true => (e.target().index(), e.source().index()),
        };
        let mut starts = vec![0u32; agents + 1];
        for edge in g.raw_edges() {
            starts[ends(edge).0 + 1] += 1;
        }
        for a in 0..agents {
            starts[a + 1] += starts[a];
        }
        let mut next = starts.clone();
        let mut targets = vec![0u32; g.edge_count()];
        for edge in g.raw_edges() {
            let (from, to) = ends(edge);
            targets[next[from] as usize] = to as u32;
            next[from] += 1;
        }
        Adjacency { starts, targets }
    }

    /// How many agents there are.
    fn agents(&self) -> usize {
        self.starts.len() - 1
    }

    /// Agent `agent`'s neighbours, in the order of the edges' indices.
    pub(super) fn neighbours(&self, agent: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        let i = agent.index();
        self.targets[self.starts[i] as usize..self.starts[i + 1] as usize]
            .iter()
            .map(|&n| NodeIndex::new(n as usize))
    }

    /// Which agents a breadth-first search from `start` reaches.
    pub(super) fn reach(&self, start: NodeIndex) -> Vec<bool> {
        let mut seen = vec![false; self.agents()];
        let mut queue = vec![start];
        seen[start.index()] = true;
        let mut head = 0;
        while let Some(&agent) = queue.get(head) {
            head += 1;
            for next in self.neighbours(agent) {
                if !seen[next.index()] {
                    seen[next.index()] = true;
                    queue.push(next);
                }
            }
        }
        seen
    }

    /// The strongly connected components, by Tarjan's algorithm with an explicit stack (no
    /// recursion, so a long chain does not overflow the thread's stack).
    pub(super) fn components(&self) -> Vec<Vec<NodeIndex>> {
        const UNSEEN: u32 = u32::MAX;
        let agents = self.agents();
        let mut order = vec![UNSEEN; agents];
        let mut low = vec![0u32; agents];
        let mut on_stack = vec![false; agents];
        let mut stack: Vec<u32> = Vec::new();
        // The depth-first path: each agent with the position of its next edge in `targets`.
        let mut path: Vec<(u32, u32)> = Vec::new();
        let mut seen = 0u32;
        let mut components = Vec::new();
        for root in 0..agents {
            if order[root] != UNSEEN {
                continue;
            }
            // Enters `agent`: numbers it, and puts it on both stacks.
            macro_rules! visit {
                ($agent:expr) => {{
                    let agent: usize = $agent;
                    order[agent] = seen;
                    low[agent] = seen;
                    seen += 1;
                    on_stack[agent] = true;
                    stack.push(agent as u32);
                    path.push((agent as u32, self.starts[agent]));
                }};
            }
            visit!(root);
            while let Some(&(agent, at)) = path.last() {
                let v = agent as usize;
                if at < self.starts[v + 1] {
                    let w = self.targets[at as usize] as usize;
                    if let Some(top) = path.last_mut() {
                        top.1 += 1;
                    }
                    if order[w] == UNSEEN {
                        visit!(w);
                    } else if on_stack[w] {
                        low[v] = low[v].min(order[w]);
                    }
                    continue;
                }
                path.pop();
                if let Some(&(parent, _)) = path.last() {
                    low[parent as usize] = low[parent as usize].min(low[v]);
                }
                if low[v] == order[v] {
                    let mut members = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        members.push(NodeIndex::new(w as usize));
                        if w == agent {
                            break;
                        }
                    }
                    components.push(members);
                }
            }
        }
        components
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Components as sorted sets, sorted: what the analysis reports.
    fn sets(mut components: Vec<Vec<NodeIndex>>) -> Vec<Vec<usize>> {
        let mut sets: Vec<Vec<usize>> = components
            .iter_mut()
            .map(|c| {
                let mut members: Vec<usize> = c.iter().map(|n| n.index()).collect();
                members.sort_unstable();
                members
            })
            .collect();
        sets.sort_unstable();
        sets
    }

    #[test]
    fn finds_what_petgraph_finds() {
        // Pseudo-random graphs of every density, self-handoffs and repeats included.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        for round in 0..200 {
            let agents = 1 + next(30);
            let mut g = DiGraph::<(), ()>::new();
            for _ in 0..agents {
                g.add_node(());
            }
            for _ in 0..next(agents * (1 + round % 4)) {
                g.add_edge(NodeIndex::new(next(agents)), NodeIndex::new(next(agents)), ());
            }
            let (forward, backward) = (Adjacency::of(&g, false), Adjacency::of(&g, true));
            assert_eq!(
                sets(forward.components()),
                sets(petgraph::algo::kosaraju_scc(&g)),
                "{g:?}"
            );
            for start in g.node_indices() {
                let mut bfs = petgraph::visit::Bfs::new(&g, start);
                let mut reached = vec![false; agents];
                while let Some(n) = bfs.next(&g) {
                    reached[n.index()] = true;
                }
                assert_eq!(forward.reach(start), reached);
                let back = petgraph::visit::Reversed(&g);
                let mut bfs = petgraph::visit::Bfs::new(back, start);
                let mut returns = vec![false; agents];
                while let Some(n) = bfs.next(back) {
                    returns[n.index()] = true;
                }
                assert_eq!(backward.reach(start), returns);
                let targets: Vec<NodeIndex> = forward.neighbours(start).collect();
                let mut declared: Vec<_> = g
                    .edges(start)
                    .map(|e| (petgraph::visit::EdgeRef::id(&e), petgraph::visit::EdgeRef::target(&e)))
                    .collect();
                declared.sort_unstable();
                assert_eq!(targets, declared.into_iter().map(|(_, t)| t).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let mut g = DiGraph::<(), ()>::new();
        let agents = 200_000;
        for _ in 0..agents {
            g.add_node(());
        }
        for i in 0..agents {
            g.add_edge(NodeIndex::new(i), NodeIndex::new((i + 1) % agents), ());
        }
        let components = Adjacency::of(&g, false).components();
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), agents);
    }
}
