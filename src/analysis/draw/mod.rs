//! Drawings of handoff graphs in Graphviz DOT and Mermaid: agents as boxes, handoffs as arrows
//! labelled with their descriptions, with marks for the start agent, unreachable agents and the
//! handoffs out of them, handoffs with a finding (`⚠`), two-way handoffs between specialists,
//! and the changes of a design diff or the gaps of a coverage report. Several drawings go into
//! one diagram, one cluster (subgraph) each, and every diagram has a key to the marks it uses.
//!
//! Colour means something: in the drawing of a design red is a problem (a finding about the
//! handoff, or two specialists that can bounce a request between them) and grey what can
//! never happen; an arrow that is merely on a cycle is black, since in a design whose
//! specialists hand back to triage every arrow is.
//!
//! Descriptions are sentences, and a sentence on an arrow collides with the one on the arrow
//! back: in Mermaid, a label longer than [`INLINE_CHARS`] becomes a number on the arrow, with
//! the whole description under that number in the key, one box beside the graph; in DOT
//! (whose layout places labels apart) it is wrapped at [`WRAP_CHARS`] a line.

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

    /// A start agent, two specialists handing to each other, and an unreachable agent.
    fn sample() -> Drawing {
        let node = |name: &str, start, mark| Node {
            name: name.into(),
            start,
            mark,
        };
        let edge = |from, to, label: &str, mark, finding| Edge {
            from,
            to,
            label: label.into(),
            mark,
            finding,
        };
        Drawing {
            title: "t".into(),
            nodes: vec![
                node("A", true, NodeMark::Plain),
                node("B", false, NodeMark::Plain),
                node("C", false, NodeMark::Plain),
                node("D", false, NodeMark::Unreachable),
            ],
            edges: vec![
                edge(0, 1, "say \"hi\" <now>", EdgeMark::Plain, None),
                edge(1, 2, "", EdgeMark::TwoWay, Some(Code::EmptyDescription)),
                edge(2, 1, "back", EdgeMark::TwoWay, None),
                edge(3, 0, "x", EdgeMark::Unreachable, None),
            ],
        }
    }

    #[test]
    fn mermaid_colours_only_problems_red_and_keeps_the_key_in_one_box() {
        assert_eq!(
            mermaid(&[sample()]),
            "%%{init: {\"flowchart\": {\"wrappingWidth\": 1000}}}%%\nflowchart LR\n    a0([\"A\"])\n    a1[\"B\"]\n    \
             a2[\"C\"]\n    a3[\"D\"]\n    a0 -->|\"say #quot;hi#quot; #lt;now#gt;\"| a1\n    \
             a1 ==>|\"⚠ empty-description\"| a2\n    a2 ==>|\"back\"| a1\n    a3 -.->|\"x\"| a0\n    \
             key[\"Key<br/>rounded, thick border: the start agent<br/>grey dashed box: unreachable from the start agent<br/>\
             thick red arrows: two agents (not the start agent) hand off to each other: a request that fits both can \
             bounce<br/>between them (handoff fuzz looks for one)<br/>dashed grey arrow: never taken: its agent is \
             unreachable<br/>red arrow, ⚠ code: a problem with the handoff's description or declaration (handoff \
             analyze explains it)\"]\n    \
             class a0 start\n    class a3 unreachable\n    class key key\n    classDef start stroke-width:3px\n    \
             classDef unreachable stroke:#999999,color:#777777,stroke-dasharray:5 3\n    \
             classDef key fill:none,stroke:#999999,stroke-dasharray:3 3,text-align:left\n    \
             linkStyle 1,2 stroke:#c62828,color:#c62828,stroke-width:3px\n    \
             linkStyle 3 stroke:#999999,color:#999999,stroke-width:2px\n"
        );
    }

    #[test]
    fn long_mermaid_labels_become_numbers_with_the_description_in_the_key() {
        let mut drawing = sample();
        drawing.edges[0].label = "Transfer to this agent if the issue is refund related, whatever was bought".into();
        drawing.edges[2].label = "Issue #35; & \"back\"".into();
        let text = mermaid(&[drawing.clone(), drawing]);
        assert!(text.contains("d0a0 -->|\"1\"| d0a1\n"), "{text}");
        assert!(
            text.contains("d1a0 -->|\"2\"| d1a1\n"),
            "numbers run on across drawings: {text}"
        );
        assert!(
            text.contains(
                "key[\"Key<br/>1 A → B: Transfer to this agent if the issue is refund related, whatever was \
                 bought<br/>2 A → B: "
            ),
            "{text}"
        );
        // A short label stays on its arrow, `#` escaped so that `#35;` shows as written.
        assert!(
            text.contains("d0a2 ==>|\"Issue #35;35; #amp; #quot;back#quot;\"| d0a1"),
            "{text}"
        );
        assert_eq!(text.matches("key[").count(), 1, "one key box: {text}");
        assert!(!text.contains("~~~"), "nothing chains the key: {text}");
    }

    #[test]
    fn dot_colours_only_problems_red_and_explains_its_marks_in_their_colours() {
        let one = dot(&[sample()]);
        assert!(one.starts_with("digraph \"t\" {\n"), "{one}");
        assert!(
            one.contains("a0 -> a1 [label=\"say \\\"hi\\\" <now>\"];"),
            "a plain handoff has no colour: {one}"
        );
        assert!(one.contains("a0 [label=\"A\", style=\"rounded,bold\", peripheries=2];"));
        assert!(
            one.contains(
                "a1 -> a2 [label=\"⚠ empty-description\", color=\"#c62828\", fontcolor=\"#c62828\", penwidth=2.5];"
            ),
            "{one}"
        );
        assert!(
            one.contains("a2 -> a1 [label=\"back\", color=\"#c62828\", fontcolor=\"#c62828\", penwidth=2.5];"),
            "{one}"
        );
        assert!(
            one.contains("a3 -> a0 [label=\"x\", color=\"#999999\", fontcolor=\"#999999\", style=dashed];"),
            "{one}"
        );
        assert!(
            one.contains(
                "<tr><td align=\"left\" valign=\"top\"><font color=\"#c62828\">red arrow, ⚠ code</font></td>\
                 <td align=\"left\">a problem with the handoff's description or declaration<br align=\"left\"/>"
            ),
            "{one}"
        );
        let two = dot(&[sample(), sample()]);
        assert!(two.contains("subgraph cluster_1 {\n        label=\"t\";"));
        assert!(two.contains("d1a1 -> d1a2 [label=\"⚠ empty-description\""), "{two}");
        assert_eq!(
            two.matches("subgraph cluster_key").count(),
            1,
            "one key for the diagram"
        );
        assert_eq!(two.matches('{').count(), two.matches('}').count());
    }
}
