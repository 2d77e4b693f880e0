//! What changed between two versions of a design, as a reviewer of a pull request wants it:
//! agents and handoffs added or removed, descriptions changed, handoffs offered in another
//! order, a new start agent, and the findings that are new (or gone) in the new version.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde_json::json;

use super::draw::{Drawing, Edge, EdgeMark, Node, NodeMark};
use super::{Analysis, Finding, HandoffGraph, Tally};

/// How an agent or a handoff changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// In both versions, unchanged.
    Same,
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// In both, with another description.
    Changed,
}

impl Change {
    /// `same`, `added`, `removed` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Same => "same",
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// An agent of either version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentChange {
    /// Its name.
    pub name: String,
    /// [`Change::Same`], [`Change::Added`] or [`Change::Removed`].
    pub change: Change,
}

/// A handoff of either version, with its description in each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffChange {
    /// The agent handing off.
    pub source: String,
    /// The agent handed to.
    pub target: String,
    /// The description in the old version (`None`: no such handoff).
    pub old: Option<String>,
    /// The description in the new version (`None`: no such handoff).
    pub new: Option<String>,
}

impl HandoffChange {
    /// How it changed.
    pub fn change(&self) -> Change {
        match (&self.old, &self.new) {
            (None, _) => Change::Added,
            (_, None) => Change::Removed,
            (Some(old), Some(new)) if old == new => Change::Same,
            _ => Change::Changed,
        }
    }
}

/// How many agents and handoffs a [`DesignDiff`] adds, removes or changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffCounts {
    /// Agents only in the new version.
    pub agents_added: usize,
    /// Agents only in the old version.
    pub agents_removed: usize,
    /// Handoffs only in the new version.
    pub handoffs_added: usize,
    /// Handoffs only in the old version.
    pub handoffs_removed: usize,
    /// Handoffs whose description changed.
    pub handoffs_changed: usize,
}

impl fmt::Display for DiffCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "agents: {} added, {} removed; handoffs: {} added, {} removed, {} changed",
            self.agents_added, self.agents_removed, self.handoffs_added, self.handoffs_removed, self.handoffs_changed
        )
    }
}

/// The difference between two versions of a design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesignDiff {
    /// Every agent of either version: the new version's in order, then the removed ones.
    pub agents: Vec<AgentChange>,
    /// Every handoff of either version: the new version's in order, then the removed ones.
    pub handoffs: Vec<HandoffChange>,
    /// The start agent in the old and the new version (`None`: unknown).
    pub start: (Option<String>, Option<String>),
    /// Agents that offer the handoffs both versions have in another order (the order tools
    /// are offered in can change what a model picks).
    pub reordered: Vec<String>,
    /// Findings of the new version that the old one did not have.
    pub new_findings: Vec<Finding>,
    /// Findings of the old version that the new one no longer has.
    pub resolved_findings: Vec<Finding>,
}

impl DesignDiff {
    /// Compares two analysed versions of a design.
    pub fn new(old: &Analysis, new: &Analysis) -> DesignDiff {
        let (old_graph, new_graph) = (old.graph(), new.graph());
        let old_agents: HashSet<&str> = names(old_graph).collect();
        let new_agents: HashSet<&str> = names(new_graph).collect();
        let mut agents: Vec<AgentChange> = names(new_graph)
            .map(|name| AgentChange {
                name: name.to_string(),
                change: if old_agents.contains(name) {
                    Change::Same
                } else {
                    Change::Added
                },
            })
            .collect();
        agents.extend(
            names(old_graph)
                .filter(|n| !new_agents.contains(n))
                .map(|name| AgentChange {
                    name: name.to_string(),
                    change: Change::Removed,
                }),
        );

        let old_edges: HashMap<(&str, &str), &str> =
            old_graph.handoff_names().map(|(s, t, text)| ((s, t), text)).collect();
        let new_edges: HashSet<(&str, &str)> = new_graph.handoff_names().map(|(s, t, _)| (s, t)).collect();
        let mut handoffs: Vec<HandoffChange> = new_graph
            .handoff_names()
            .map(|(s, t, text)| HandoffChange {
                source: s.to_string(),
                target: t.to_string(),
                old: old_edges.get(&(s, t)).map(|d| d.to_string()),
                new: Some(text.to_string()),
            })
            .collect();
        handoffs.extend(
            old_graph
                .handoff_names()
                .filter(|(s, t, _)| !new_edges.contains(&(*s, *t)))
                .map(|(s, t, text)| HandoffChange {
                    source: s.to_string(),
                    target: t.to_string(),
                    old: Some(text.to_string()),
                    new: None,
                }),
        );

        DesignDiff {
            agents,
            reordered: reordered(old_graph, new_graph),
            handoffs,
            start: (start_name(old_graph), start_name(new_graph)),
            new_findings: unmatched(new.findings(), old.findings()),
            resolved_findings: unmatched(old.findings(), new.findings()),
        }
    }

    /// Whether the two versions have the same agents, handoffs, descriptions, order and start.
    pub fn is_empty(&self) -> bool {
        self.agents.iter().all(|a| a.change == Change::Same)
            && self.handoffs.iter().all(|h| h.change() == Change::Same)
            && self.reordered.is_empty()
            && self.start.0 == self.start.1
    }

    /// How many agents and handoffs changed, by kind of change.
    pub fn counts(&self) -> DiffCounts {
        let mut counts = DiffCounts::default();
        for agent in &self.agents {
            match agent.change {
                Change::Added => counts.agents_added += 1,
                Change::Removed => counts.agents_removed += 1,
                Change::Same | Change::Changed => {}
            }
        }
        for handoff in &self.handoffs {
            match handoff.change() {
                Change::Added => counts.handoffs_added += 1,
                Change::Removed => counts.handoffs_removed += 1,
                Change::Changed => counts.handoffs_changed += 1,
                Change::Same => {}
            }
        }
        counts
    }

    /// How many new findings of each severity.
    pub fn new_tally(&self) -> Tally {
        Tally::of(&self.new_findings)
    }

    /// The diff as `--format json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        let changed = |c: Change| c != Change::Same;
        let counts = self.counts();
        json!({
            "agents": self.agents.iter().filter(|a| changed(a.change)).map(|a| json!({
                "name": a.name, "change": a.change.as_str(),
            })).collect::<Vec<_>>(),
            "handoffs": self.handoffs.iter().filter(|h| changed(h.change())).map(|h| json!({
                "source": h.source, "target": h.target, "change": h.change().as_str(),
                "old": h.old, "new": h.new,
            })).collect::<Vec<_>>(),
            "start": { "old": self.start.0, "new": self.start.1 },
            "reordered": self.reordered,
            "counts": {
                "agents_added": counts.agents_added, "agents_removed": counts.agents_removed,
                "handoffs_added": counts.handoffs_added, "handoffs_removed": counts.handoffs_removed,
                "handoffs_changed": counts.handoffs_changed,
            },
            "new_findings": self.new_findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
            "resolved_findings": self.resolved_findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
        })
    }

    /// Both versions in one drawing: added agents and handoffs in green, removed ones in red
    /// and dashed, changed descriptions in orange (labelled with the new description).
    pub fn drawing(&self, title: impl Into<String>) -> Drawing {
        let position: HashMap<&str, usize> = self
            .agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect();
        let nodes = self
            .agents
            .iter()
            .map(|a| Node {
                name: a.name.clone(),
                start: self.start.1.as_deref() == Some(a.name.as_str()),
                mark: match a.change {
                    Change::Added => NodeMark::Added,
                    Change::Removed => NodeMark::Removed,
                    Change::Same | Change::Changed => NodeMark::Plain,
                },
            })
            .collect();
        let edges = self
            .handoffs
            .iter()
            .map(|h| Edge {
                from: position[h.source.as_str()],
                to: position[h.target.as_str()],
                label: h.new.clone().or_else(|| h.old.clone()).unwrap_or_default(),
                mark: match h.change() {
                    Change::Same => EdgeMark::Plain,
                    Change::Added => EdgeMark::Added,
                    Change::Removed => EdgeMark::Removed,
                    Change::Changed => EdgeMark::Changed,
                },
                finding: None,
            })
            .collect();
        Drawing {
            title: title.into(),
            nodes,
            edges,
        }
    }
}

fn names(graph: &HandoffGraph) -> impl Iterator<Item = &str> {
    graph.petgraph().node_indices().map(|n| graph.name(n))
}

fn start_name(graph: &HandoffGraph) -> Option<String> {
    graph.start().map(|s| graph.name(s).to_string())
}

/// Sources whose handoffs present in both versions come in another order.
fn reordered(old: &HandoffGraph, new: &HandoffGraph) -> Vec<String> {
    let by_source = |g: &HandoffGraph| {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (s, t, _) in g.handoff_names() {
            map.entry(s.to_string()).or_default().push(t.to_string());
        }
        map
    };
    let (old, new) = (by_source(old), by_source(new));
    let mut sources = Vec::new();
    for (source, new_targets) in &new {
        let Some(old_targets) = old.get(source) else { continue };
        let in_old: HashSet<&String> = old_targets.iter().collect();
        let in_new: HashSet<&String> = new_targets.iter().collect();
        let common_old = old_targets.iter().filter(|t| in_new.contains(t));
        let common_new = new_targets.iter().filter(|t| in_old.contains(t));
        if !common_old.eq(common_new) {
            sources.push(source.clone());
        }
    }
    sources
}

/// The findings of `these` that report no problem of `those`.
fn unmatched(these: &[Finding], those: &[Finding]) -> Vec<Finding> {
    let known: HashSet<_> = those.iter().map(Finding::identity).collect();
    these
        .iter()
        .filter(|f| !known.contains(&f.identity()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{Agent, Design};

    fn analyse(builder: crate::design::DesignBuilder) -> Analysis {
        Analysis::new(HandoffGraph::declared(&builder), None)
    }

    #[test]
    fn lists_every_kind_of_change_and_the_new_findings() {
        let agents = |names: &[&str]| {
            names.iter().fold(Design::builder(), |b, n| {
                b.agent(Agent::new(*n).description(format!("does {n}")))
            })
        };
        let old = analyse(
            agents(&["T", "R", "Gone"])
                .handoff("T", "R", "refunds")
                .handoff("T", "Gone", "old stuff")
                .handoff("R", "T", "back"),
        );
        let new = analyse(
            agents(&["T", "R", "New"])
                .handoff("R", "T", "anything else")
                .handoff("T", "New", "new stuff")
                .handoff("T", "R", "refunds"),
        );
        let diff = DesignDiff::new(&old, &new);
        let agents: Vec<_> = diff.agents.iter().map(|a| (a.name.as_str(), a.change)).collect();
        assert_eq!(
            agents,
            [
                ("T", Change::Same),
                ("R", Change::Same),
                ("New", Change::Added),
                ("Gone", Change::Removed)
            ]
        );
        let handoffs: Vec<_> = diff
            .handoffs
            .iter()
            .map(|h| (h.source.as_str(), h.target.as_str(), h.change()))
            .collect();
        assert_eq!(
            handoffs,
            [
                ("R", "T", Change::Changed),
                ("T", "New", Change::Added),
                ("T", "R", Change::Same),
                ("T", "Gone", Change::Removed)
            ]
        );
        assert_eq!(
            diff.reordered,
            Vec::<String>::new(),
            "T's common handoffs keep their order"
        );
        // `New` is a dead end: no way back to T. `Gone` was one too; that finding is resolved.
        let new_findings: Vec<_> = diff
            .new_findings
            .iter()
            .map(|f| (f.code.as_str(), f.agents[0].as_str()))
            .collect();
        assert_eq!(new_findings, [("no-way-back", "New")]);
        let resolved: Vec<_> = diff
            .resolved_findings
            .iter()
            .map(|f| (f.code.as_str(), f.agents[0].as_str()))
            .collect();
        assert_eq!(resolved, [("no-way-back", "Gone")]);
        assert_eq!(
            diff.counts().to_string(),
            "agents: 1 added, 1 removed; handoffs: 1 added, 1 removed, 1 changed"
        );
        assert!(!diff.is_empty());
        assert!(DesignDiff::new(&new, &new).is_empty());
    }

    #[test]
    fn a_new_order_of_the_same_handoffs_is_reported() {
        let three = || {
            Design::builder()
                .agent(Agent::new("A"))
                .agent(Agent::new("B"))
                .agent(Agent::new("C"))
        };
        let old = analyse(three().handoff("A", "B", "b").handoff("A", "C", "c"));
        let new = analyse(three().handoff("A", "C", "c").handoff("A", "B", "b"));
        let diff = DesignDiff::new(&old, &new);
        assert_eq!(diff.reordered, ["A"]);
        assert!(diff.handoffs.iter().all(|h| h.change() == Change::Same));
        assert!(!diff.is_empty());
    }
}
