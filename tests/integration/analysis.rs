//! Graph analysis: each finding on a small design, and properties on arbitrary designs
//! (never panics; reachability, way back and cycles agree with naive searches).

use handoff_harness::analysis::diff::DesignDiff;
use handoff_harness::analysis::draw::{self, Drawing, EdgeMark};
use handoff_harness::analysis::{Analysis, Code, HandoffGraph, Severity};
use handoff_harness::design::{DesignBuilder, HandoffSpec};
use handoff_harness::{Agent, Design};
use proptest::prelude::*;

/// A design of agents `A`, `B`, ... (described "does X") and the given edges, described
/// "to X" unless a description is given.
fn design(agents: &str, edges: &[(&str, &str)]) -> DesignBuilder {
    let mut builder = Design::builder();
    for name in agents.split(' ') {
        builder = builder.agent(Agent::new(name).description(format!("does {name}")));
    }
    for (source, target) in edges {
        builder = builder.handoff(source, target, format!("to {target}"));
    }
    builder
}

fn analyse(builder: &DesignBuilder) -> Analysis {
    Analysis::new(HandoffGraph::declared(builder), None)
}

/// `(code, agents)` of every finding.
fn found(analysis: &Analysis) -> Vec<(Code, String)> {
    analysis
        .findings()
        .iter()
        .map(|f| (f.code, f.agents.join(",")))
        .collect()
}

#[test]
fn a_tree_from_the_start_agent_with_ways_back_has_no_findings_but_its_cycle() {
    let a = analyse(&design("A B C", &[("A", "B"), ("A", "C"), ("B", "A"), ("C", "A")]));
    assert_eq!(found(&a), [(Code::HandoffCycle, "A,B,C".into())]);
    let cycle = &a.findings()[0];
    assert_eq!(cycle.severity, Severity::Warning);
    assert!(
        cycle.message.contains("for example `A` → `B` → `A`"),
        "{}",
        cycle.message
    );
    assert!(
        cycle
            .message
            .contains("Semantic Kernel 1.45 (Python) has no loop guard")
    );
}

#[test]
fn a_cycle_the_limits_bound_is_info() {
    let a = Analysis::new(
        HandoffGraph::declared(&design("A B", &[("A", "B"), ("B", "A")])),
        Some(10),
    );
    assert_eq!(a.findings()[0].severity, Severity::Info);
    assert!(a.findings()[0].message.contains("`limits.handoffs_per_turn` (10)"));
    assert!(!a.tally().fails(true));
}

#[test]
fn unknown_agents_and_self_handoffs_are_errors() {
    let a = analyse(&design("A B", &[("A", "Bee"), ("A", "A"), ("A", "B"), ("B", "A")]));
    let errors: Vec<_> = a
        .findings()
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code, f.place.clone().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (Code::UnknownAgent, "handoffs.A.Bee".to_string()),
            (Code::SelfHandoff, "handoffs.A.A".to_string())
        ]
    );
    assert!(a.findings()[0].message.contains("did you mean `B`?"));
    // The self loop is a cycle of its own, besides A ⇄ B.
    let cycles: Vec<_> = found(&a)
        .into_iter()
        .filter(|(c, _)| *c == Code::HandoffCycle)
        .collect();
    assert_eq!(
        cycles,
        [(Code::HandoffCycle, "A,B".into()), (Code::HandoffCycle, "A".into())]
    );
    assert!(a.tally().fails(false));
}

#[test]
fn an_unknown_start_skips_reachability() {
    let a = analyse(&design("A B", &[]).start("Z"));
    assert_eq!(found(&a), [(Code::UnknownAgent, "Z".into())]);
    assert_eq!(a.findings()[0].place.as_deref(), Some("start"));
}

#[test]
fn unreachable_agents_say_who_hands_off_to_them() {
    let a = analyse(&design("A B C D", &[("A", "B"), ("B", "A"), ("C", "D"), ("D", "C")]));
    let unreachable: Vec<_> = a
        .findings()
        .iter()
        .filter(|f| f.code == Code::UnreachableAgent)
        .collect();
    assert_eq!(unreachable.len(), 2);
    assert_eq!(unreachable[0].agents, ["C"]);
    assert!(
        unreachable[0].message.contains("only `D` hand off to it"),
        "{}",
        unreachable[0].message
    );
    let lonely = analyse(&design("A B", &[]));
    assert!(lonely.findings()[0].message.contains("no agent hands off to it"));
}

#[test]
fn agents_without_a_way_back_to_the_start() {
    let a = analyse(&design("A B C", &[("A", "B"), ("B", "C"), ("C", "B")]));
    let trapped: Vec<_> = a
        .findings()
        .iter()
        .filter(|f| f.code == Code::NoWayBack)
        .map(|f| f.agents[0].as_str())
        .collect();
    assert_eq!(trapped, ["B", "C"]);
}

#[test]
fn duplicate_handoffs_warn_and_the_last_description_wins() {
    let a = analyse(&design("A B", &[("A", "B"), ("B", "A")]).handoff("A", "B", "again"));
    let dup = a.findings().iter().find(|f| f.code == Code::DuplicateHandoff).unwrap();
    assert_eq!(dup.severity, Severity::Warning);
    assert!(dup.message.contains("(\"again\")"));
    let (_, _, description) = a.graph().handoff_names().next().unwrap();
    assert_eq!(description, "again");
}

#[test]
fn same_descriptions_up_to_case_and_spaces_are_ambiguous() {
    let builder = design("A B C D", &[("B", "A"), ("C", "A"), ("D", "A")])
        .handoff("A", "B", "Transfer  if billing")
        .handoff("A", "C", "transfer if BILLING ")
        .handoff("A", "D", "something else");
    let a = analyse(&builder);
    let dup: Vec<_> = a
        .findings()
        .iter()
        .filter(|f| f.code == Code::DuplicateDescription)
        .collect();
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].agents, ["A", "B", "C"]);
    assert_eq!(dup[0].place.as_deref(), Some("handoffs.A"));
    assert!(dup[0].message.contains("`transfer_to_B` and `transfer_to_C`"));
}

#[test]
fn empty_descriptions_after_fallback() {
    let builder = Design::builder()
        .agent(Agent::new("A"))
        .agent(Agent::new("B"))
        .agent(Agent::new("C").description("does C"))
        .handoff_to("A", "B")
        .handoff_to("A", "C")
        .handoff("B", "A", " ")
        .handoff("C", "A", "back");
    let a = analyse(&builder);
    let empty: Vec<_> = a
        .findings()
        .iter()
        .filter(|f| f.code == Code::EmptyDescription)
        .map(|f| {
            (
                f.place.clone().unwrap(),
                f.message.contains("has no description to fall back on"),
            )
        })
        .collect();
    assert_eq!(
        empty,
        [("handoffs.A.B".to_string(), true), ("handoffs.B.A".to_string(), false)]
    );
}

#[test]
fn findings_come_errors_first() {
    let a = analyse(&design("A B C", &[("A", "B"), ("B", "A"), ("A", "Q")]));
    let severities: Vec<_> = a.findings().iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    assert_eq!(severities[0], Severity::Error);
}

/// Descriptions that stress the comparison: empty, blank, case, odd white space, non-ASCII.
const TEXTS: [&str; 7] = [
    "",
    " ",
    "Refunds",
    "refunds ",
    "RE\u{0B}funds",
    "Ärger  melden",
    "ärger melden",
];

/// An edge between agent indices, with a description from [`TEXTS`] or the target's.
type Spec = (usize, usize, Option<usize>);

/// A design of up to 8 agents `a0..` with edges between indices; index 8 and up name no
/// agent, so unknown agents, self loops and repeats all occur.
fn arbitrary_design() -> impl Strategy<Value = (usize, Vec<Spec>, usize)> {
    (1usize..=8).prop_flat_map(|n| {
        let edge = (0..n + 2, 0..n + 2, prop::option::of(0..TEXTS.len()));
        (Just(n), prop::collection::vec(edge, 0..24), 0..n + 1)
    })
}

fn build(n: usize, edges: &[Spec], start: usize) -> DesignBuilder {
    let mut builder = Design::builder();
    for i in 0..n {
        builder = builder.agent(Agent::new(format!("a{i}")).description(TEXTS[i % TEXTS.len()]));
    }
    for &(s, t, text) in edges {
        builder = builder.edge(HandoffSpec {
            source: format!("a{s}"),
            target: format!("a{t}"),
            description: text.map(|i| TEXTS[i].to_string()),
            by_name: false,
            tool_name: None,
            input_type: None,
            enabled: true,
        });
    }
    builder.start(format!("a{start}"))
}

/// Agents reachable from `from` by the edges among known agents (naive fixed point).
fn naive_reach(n: usize, edges: &[Spec], from: usize) -> Vec<bool> {
    let mut seen = vec![false; n];
    seen[from] = true;
    loop {
        let mut changed = false;
        for &(s, t, _) in edges {
            if s < n && t < n && seen[s] && !seen[t] {
                seen[t] = true;
                changed = true;
            }
        }
        if !changed {
            return seen;
        }
    }
}

fn agents_with(a: &Analysis, code: Code) -> Vec<String> {
    a.findings()
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.agents[0].clone())
        .collect()
}

/// `duplicate-description` findings as "source:target,target".
fn ambiguous(a: &Analysis) -> Vec<String> {
    a.findings()
        .iter()
        .filter(|f| f.code == Code::DuplicateDescription)
        .map(|f| format!("{}:{}", f.agents[0], f.agents[1..].join(",")))
        .collect()
}

/// The same, naively: each edge's last description (or its target's), compared in lower
/// case with white space collapsed, per source.
fn naive_ambiguous(n: usize, edges: &[Spec]) -> Vec<String> {
    let mut effective: Vec<((usize, usize), String)> = Vec::new();
    for &(s, t, text) in edges.iter().filter(|(s, t, _)| *s < n && *t < n) {
        let text = text.map_or(TEXTS[t % TEXTS.len()], |i| TEXTS[i]).to_string();
        match effective.iter_mut().find(|(edge, _)| *edge == (s, t)) {
            Some(slot) => slot.1 = text,
            None => effective.push(((s, t), text)),
        }
    }
    let normal = |t: &str| {
        t.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut groups: Vec<(usize, String, Vec<usize>, usize)> = Vec::new();
    for (i, ((s, t), text)) in effective.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        match groups.iter_mut().find(|g| g.0 == *s && g.1 == normal(text)) {
            Some(g) => g.2.push(*t),
            None => groups.push((*s, normal(text), vec![*t], i)),
        }
    }
    groups.retain(|g| g.2.len() > 1);
    groups.sort_by_key(|g| g.3);
    groups
        .iter()
        .map(|(s, _, targets, _)| {
            let targets: Vec<String> = targets.iter().map(|t| format!("a{t}")).collect();
            format!("a{s}:{}", targets.join(","))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn analysis_agrees_with_naive_searches((n, edges, start) in arbitrary_design()) {
        let a = analyse(&build(n, &edges, start));
        if start >= n {
            prop_assert!(agents_with(&a, Code::UnreachableAgent).is_empty());
            prop_assert_eq!(agents_with(&a, Code::UnknownAgent).first().cloned(), Some(format!("a{start}")));
            return Ok(());
        }
        let reach = naive_reach(n, &edges, start);
        let unreachable: Vec<String> = (0..n).filter(|&i| !reach[i]).map(|i| format!("a{i}")).collect();
        prop_assert_eq!(agents_with(&a, Code::UnreachableAgent), unreachable);
        let trapped: Vec<String> = (0..n)
            .filter(|&i| reach[i] && !naive_reach(n, &edges, i)[start])
            .map(|i| format!("a{i}"))
            .collect();
        prop_assert_eq!(agents_with(&a, Code::NoWayBack), trapped);
        // An agent is in a reported cycle exactly when it can get back to itself in one or more handoffs.
        let mut in_cycle: Vec<String> = (0..n)
            .filter(|&i| edges.iter().any(|&(s, t, _)| s == i && t < n && naive_reach(n, &edges, t)[i]))
            .map(|i| format!("a{i}"))
            .collect();
        let mut reported: Vec<String> = a.findings().iter()
            .filter(|f| f.code == Code::HandoffCycle)
            .flat_map(|f| f.agents.clone())
            .collect();
        reported.sort();
        reported.dedup();
        in_cycle.sort();
        prop_assert_eq!(reported, in_cycle);
        for f in a.findings() {
            prop_assert!(!f.message.is_empty() && !f.agents.is_empty());
        }
        prop_assert_eq!(ambiguous(&a), naive_ambiguous(n, &edges));
    }

    #[test]
    fn drawings_and_diffs_of_arbitrary_designs_hold_together(
        (n, edges, start) in arbitrary_design(),
        (m, other, other_start) in arbitrary_design(),
    ) {
        let (a, b) = (analyse(&build(n, &edges, start)), analyse(&build(m, &other, other_start)));
        let drawing = Drawing::of(&a, "a");
        prop_assert_eq!(drawing.edges.len(), a.graph().handoff_count());
        // Two-way: the handoff back exists, and neither end is the start agent.
        for e in drawing.edges.iter().filter(|e| e.mark == EdgeMark::TwoWay) {
            prop_assert!(drawing.edges.iter().any(|r| (r.from, r.to) == (e.to, e.from)));
            prop_assert!(e.from != e.to && !drawing.nodes[e.from].start && !drawing.nodes[e.to].start);
        }
        let dot = draw::dot(&[drawing.clone(), Drawing::of(&b, "b")]);
        prop_assert_eq!(dot.matches('{').count(), dot.matches('}').count());
        prop_assert!(draw::mermaid(&[drawing]).contains("%%\nflowchart LR\n"));
        let diff = DesignDiff::new(&a, &b);
        prop_assert!(DesignDiff::new(&a, &a).is_empty());
        // Every handoff of either version appears once; new and resolved findings swap sides.
        let edges_of = |x: &Analysis| x.graph().handoff_names().map(|(s, t, _)| (s.to_string(), t.to_string())).collect::<std::collections::BTreeSet<_>>();
        let union: std::collections::BTreeSet<_> = edges_of(&a).union(&edges_of(&b)).cloned().collect();
        prop_assert_eq!(diff.handoffs.len(), union.len());
        prop_assert_eq!(diff.drawing("diff").edges.len(), diff.handoffs.len());
        prop_assert_eq!(DesignDiff::new(&b, &a).new_findings, diff.resolved_findings);
    }
}
