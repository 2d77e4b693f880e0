//! Drawings of handoff graphs in Graphviz DOT and Mermaid: agents as boxes, handoffs as arrows
//! labelled with their descriptions, with marks for the start agent, unreachable agents, cycle
//! edges, handoffs with a finding (`⚠`), and the changes of a design diff or the gaps of a
//! coverage report. Several drawings go into one diagram, one cluster (subgraph) each, and
//! every diagram ends with a key to the marks it uses.
//!
//! Descriptions are sentences, and a sentence on an arrow collides with the one on the arrow
//! back: in Mermaid, a label longer than [`INLINE_CHARS`] becomes a number on the arrow, with
//! the whole description under that number in the key; in DOT (whose layout places labels
//! apart) it is wrapped at [`WRAP_CHARS`] a line.

mod dot;
mod drawing;
mod mermaid;
mod style;

pub use dot::dot;
pub use drawing::{Drawing, Edge, EdgeMark, Node, NodeMark};
pub use mermaid::mermaid;
pub use style::{INLINE_CHARS, WRAP_CHARS};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Code;

    fn sample() -> Drawing {
        Drawing {
            title: "t".into(),
            nodes: vec![
                Node {
                    name: "A".into(),
                    start: true,
                    mark: NodeMark::Plain,
                },
                Node {
                    name: "B".into(),
                    start: false,
                    mark: NodeMark::Unreachable,
                },
            ],
            edges: vec![
                Edge {
                    from: 0,
                    to: 1,
                    label: "say \"hi\" <now>".into(),
                    mark: EdgeMark::Cycle,
                    finding: None,
                },
                Edge {
                    from: 1,
                    to: 0,
                    label: String::new(),
                    mark: EdgeMark::Plain,
                    finding: Some(Code::EmptyDescription),
                },
            ],
        }
    }

    #[test]
    fn mermaid_marks_start_unreachable_cycle_and_finding_edges_and_explains_them() {
        assert_eq!(
            mermaid(&[sample()]),
            "flowchart LR\n    a0([\"A\"])\n    a1[\"B\"]\n    a0 ==>|\"say #quot;hi#quot; #lt;now#gt;\"| a1\n    \
             a1 -->|\"⚠ empty-description\"| a0\n    subgraph key [\"Key\"]\n        direction TB\n        \
             marks[\"rounded, thick border: the start agent<br/>grey dashed box: unreachable from the start agent<br/>\
             thick red arrow: on a cycle without a human turn<br/>\
             ⚠ code: a finding about the handoff (handoff analyze explains it)\"]\n    end\n    class key key\n    \
             class a0 start\n    class a1 unreachable\n    classDef start stroke-width:3px\n    \
             classDef unreachable stroke:#999999,color:#777777,stroke-dasharray:5 3\n    \
             classDef key fill:none,stroke:#999999,stroke-dasharray:3 3,text-align:left\n    \
             linkStyle 0 stroke:#c62828,color:#c62828,stroke-width:2px\n    \
             linkStyle 1 stroke:#ef6c00,color:#ef6c00,stroke-width:2px\n"
        );
    }

    #[test]
    fn long_mermaid_labels_become_numbers_with_the_description_in_the_key() {
        let mut drawing = sample();
        drawing.edges[0].label = "Transfer to this agent if the issue is refund related, whatever was bought".into();
        drawing.edges[1].label = "Issue #35; & \"back\"".into();
        drawing.edges[1].finding = None;
        let text = mermaid(&[drawing.clone(), drawing]);
        assert!(text.contains("d0a0 ==>|\"1\"| d0a1\n"), "{text}");
        assert!(
            text.contains("d1a0 ==>|\"2\"| d1a1\n"),
            "numbers run on across drawings: {text}"
        );
        assert!(
            text.contains(
                "k1[\"1 A → B: Transfer to this agent if the issue is refund related,<br/>whatever was bought\"]"
            ),
            "{text}"
        );
        // A short label stays on its arrow, `#` escaped so that `#35;` shows as written.
        assert!(
            text.contains("d0a1 -->|\"Issue #35;35; #amp; #quot;back#quot;\"| d0a0"),
            "{text}"
        );
        assert!(text.contains("k1 ~~~ k2 ~~~ marks\n"), "{text}");
    }

    #[test]
    fn dot_escapes_labels_marks_findings_and_clusters_several_drawings() {
        let one = dot(&[sample()]);
        assert!(one.starts_with("digraph \"t\" {\n"), "{one}");
        assert!(one.contains("a0 -> a1 [label=\"say \\\"hi\\\" <now>\", color=\"#c62828\", penwidth=2];"));
        assert!(one.contains("a0 [label=\"A\", style=\"rounded,bold\", peripheries=2];"));
        assert!(
            one.contains("a1 -> a0 [label=\"⚠ empty-description\", color=\"#ef6c00\", fontcolor=\"#ef6c00\"];"),
            "{one}"
        );
        assert!(
            one.contains("<tr><td align=\"left\">⚠ code</td><td align=\"left\">a finding about the handoff"),
            "{one}"
        );
        let two = dot(&[sample(), sample()]);
        assert!(two.contains("subgraph cluster_1 {\n        label=\"t\";"));
        assert!(two.contains("d1a1 -> d1a0 [label=\"⚠ empty-description\""), "{two}");
        assert_eq!(
            two.matches("subgraph cluster_key").count(),
            1,
            "one key for the diagram"
        );
        assert_eq!(two.matches('{').count(), two.matches('}').count());
    }
}
