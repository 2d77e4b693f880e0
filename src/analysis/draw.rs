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

use super::{Analysis, Code};

/// Descriptions longer than this many characters are cut, with `…`.
const LABEL_CHARS: usize = 160;

/// Mermaid labels up to this many characters stay on the arrow.
pub const INLINE_CHARS: usize = 24;

/// Width of a wrapped line of a label.
pub const WRAP_CHARS: usize = 32;

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
    /// On a cycle: control can circle there without a human turn.
    Cycle,
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
    /// The drawing of an analysed design: the start agent, unreachable agents and cycle edges
    /// marked, each edge labelled with the description the model reads.
    pub fn of(analysis: &Analysis, title: impl Into<String>) -> Drawing {
        let graph = analysis.graph();
        let g = graph.petgraph();
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
                    label: g[e].description.clone(),
                    mark: if analysis.is_cycle_edge(e) {
                        EdgeMark::Cycle
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

/// Graphviz DOT: `dot -Tsvg`. Several drawings become clusters of one graph; a cluster
/// `Key` explains the marks used.
pub fn dot(drawings: &[Drawing]) -> String {
    let mut out = String::new();
    let single = drawings.len() == 1;
    let name = if single { drawings[0].title.as_str() } else { "handoff" };
    out.push_str(&format!("digraph {} {{\n", dot_string(name)));
    out.push_str("    rankdir=LR;\n    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (d, drawing) in drawings.iter().enumerate() {
        let indent = if single { "    " } else { "        " };
        if !single {
            out.push_str(&format!(
                "    subgraph cluster_{d} {{\n        label={};\n",
                dot_string(&drawing.title)
            ));
        }
        let id = |n: usize| if single { format!("a{n}") } else { format!("d{d}a{n}") };
        for (n, node) in drawing.nodes.iter().enumerate() {
            let mut attributes = vec![format!("label={}", dot_string(&node.name))];
            if let Some(style) = node_style(node) {
                attributes.push(format!("style=\"{style}\""));
            }
            if node.start {
                attributes.push("peripheries=2".into());
            }
            if let Some(color) = node_color(node.mark) {
                attributes.push(format!("color=\"{color}\", fontcolor=\"{color}\""));
            }
            out.push_str(&format!("{indent}{} [{}];\n", id(n), attributes.join(", ")));
        }
        for edge in &drawing.edges {
            let mut label = wrap(&short(&edge.label), WRAP_CHARS).join("\n");
            if let Some(code) = edge.finding {
                label = format!("⚠ {code}\n{label}").trim_end().to_string();
            }
            let mut attributes = vec![format!("label={}", dot_string(&label))];
            if let Some(color) = edge_color(edge.mark).or(edge.finding.map(|_| FINDING_COLOR)) {
                attributes.push(format!("color=\"{color}\""));
            }
            if edge.finding.is_some() {
                attributes.push(format!("fontcolor=\"{FINDING_COLOR}\""));
            }
            match edge.mark {
                EdgeMark::Removed | EdgeMark::Unexercised => attributes.push("style=dashed".into()),
                EdgeMark::Cycle | EdgeMark::Added | EdgeMark::Changed => attributes.push("penwidth=2".into()),
                EdgeMark::Plain => {}
            }
            out.push_str(&format!(
                "{indent}{} -> {} [{}];\n",
                id(edge.from),
                id(edge.to),
                attributes.join(", ")
            ));
        }
        if !single {
            out.push_str("    }\n");
        }
    }
    let key = key(drawings);
    if !key.is_empty() {
        out.push_str(
            "    subgraph cluster_key {\n        label=\"Key\";\n        style=dashed;\n        color=\"#999999\";\n",
        );
        out.push_str("        key [shape=plaintext, label=<<table border=\"0\" cellspacing=\"2\">");
        for (mark, meaning) in &key {
            out.push_str(&format!(
                "<tr><td align=\"left\">{}</td><td align=\"left\">{}</td></tr>",
                html_text(mark.dot()),
                html_text(meaning)
            ));
        }
        out.push_str("</table>>];\n    }\n");
    }
    out.push_str("}\n");
    out
}

/// Mermaid `flowchart LR`, as GitHub renders it in Markdown. Several drawings become
/// subgraphs; a subgraph `Key` holds the long descriptions, by number, and the marks used.
pub fn mermaid(drawings: &[Drawing]) -> String {
    let mut out = String::from("flowchart LR\n");
    let single = drawings.len() == 1;
    let mut links = 0usize;
    let mut link_styles: Vec<(&'static str, Vec<usize>)> = Vec::new();
    let mut classes: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut numbered: Vec<String> = Vec::new();
    for (d, drawing) in drawings.iter().enumerate() {
        let indent = if single { "    " } else { "        " };
        if !single {
            out.push_str(&format!("    subgraph d{d} [\"{}\"]\n", mermaid_text(&drawing.title)));
        }
        let id = |n: usize| if single { format!("a{n}") } else { format!("d{d}a{n}") };
        for (n, node) in drawing.nodes.iter().enumerate() {
            let name = mermaid_text(&node.name);
            let shape = if node.start {
                format!("([\"{name}\"])")
            } else {
                format!("[\"{name}\"]")
            };
            out.push_str(&format!("{indent}{}{shape}\n", id(n)));
            for class in node_classes(node) {
                member(&mut classes, class, id(n));
            }
        }
        for edge in &drawing.edges {
            let arrow = match edge.mark {
                EdgeMark::Cycle => "==>",
                EdgeMark::Removed | EdgeMark::Unexercised => "-.->",
                _ => "-->",
            };
            let label = short(&edge.label);
            let mut shown = if label.chars().count() > INLINE_CHARS {
                numbered.push(format!(
                    "{} → {}: {label}",
                    drawing.nodes[edge.from].name, drawing.nodes[edge.to].name
                ));
                numbered.len().to_string()
            } else {
                label
            };
            if let Some(code) = edge.finding {
                shown = format!("⚠ {code} {shown}").trim_end().to_string();
            }
            let shown = match shown.is_empty() {
                true => String::new(),
                false => format!("|\"{}\"|", mermaid_text(&shown)),
            };
            out.push_str(&format!("{indent}{} {arrow}{shown} {}\n", id(edge.from), id(edge.to)));
            let color = edge_color(edge.mark).or(edge.finding.map(|_| FINDING_COLOR));
            if let Some(color) = color {
                member(&mut link_styles, color, links);
            }
            links += 1;
        }
        if !single {
            out.push_str("    end\n");
        }
    }
    let key = key(drawings);
    if !numbered.is_empty() || !key.is_empty() {
        out.push_str("    subgraph key [\"Key\"]\n        direction TB\n");
        let mut ids = Vec::new();
        for (i, text) in numbered.iter().enumerate() {
            let lines: Vec<String> = wrap(&format!("{} {text}", i + 1), 2 * WRAP_CHARS)
                .iter()
                .map(|l| mermaid_text(l))
                .collect();
            out.push_str(&format!("        k{}[\"{}\"]\n", i + 1, lines.join("<br/>")));
            ids.push(format!("k{}", i + 1));
        }
        if !key.is_empty() {
            let lines: Vec<String> = key
                .iter()
                .map(|(mark, meaning)| mermaid_text(&format!("{}: {meaning}", mark.mermaid())))
                .collect();
            out.push_str(&format!("        marks[\"{}\"]\n", lines.join("<br/>")));
            ids.push("marks".into());
        }
        if ids.len() > 1 {
            out.push_str(&format!("        {}\n", ids.join(" ~~~ ")));
        }
        out.push_str("    end\n    class key key\n");
        classes.push(("key", Vec::new()));
    }
    for (name, members) in classes.iter().filter(|(_, m)| !m.is_empty()) {
        out.push_str(&format!("    class {} {name}\n", members.join(",")));
    }
    for (name, _) in &classes {
        let style = match *name {
            "start" => "stroke-width:3px",
            "unreachable" | "unvisited" => "stroke:#999999,color:#777777,stroke-dasharray:5 3",
            "added" => "stroke:#2e7d32,color:#2e7d32,stroke-width:2px",
            "key" => "fill:none,stroke:#999999,stroke-dasharray:3 3,text-align:left",
            _ => "stroke:#c62828,color:#c62828,stroke-dasharray:5 3",
        };
        out.push_str(&format!("    classDef {name} {style}\n"));
    }
    for (color, members) in &link_styles {
        let list: Vec<String> = members.iter().map(usize::to_string).collect();
        out.push_str(&format!(
            "    linkStyle {} stroke:{color},color:{color},stroke-width:2px\n",
            list.join(",")
        ));
    }
    out
}

/// Adds `item` to the group `name` of `groups`, made when first needed.
fn member<K: PartialEq, T>(groups: &mut Vec<(K, Vec<T>)>, name: K, item: T) {
    match groups.iter_mut().find(|(k, _)| *k == name) {
        Some((_, members)) => members.push(item),
        None => groups.push((name, vec![item])),
    }
}

fn node_classes(node: &Node) -> impl Iterator<Item = &'static str> {
    let mark = match node.mark {
        NodeMark::Plain => None,
        NodeMark::Unreachable => Some("unreachable"),
        NodeMark::Added => Some("added"),
        NodeMark::Removed => Some("removed"),
        NodeMark::Unvisited => Some("unvisited"),
    };
    node.start.then_some("start").into_iter().chain(mark)
}

fn node_style(node: &Node) -> Option<&'static str> {
    match node.mark {
        NodeMark::Plain if node.start => Some("rounded,bold"),
        NodeMark::Plain => None,
        NodeMark::Added => Some("rounded,bold"),
        NodeMark::Unreachable | NodeMark::Removed | NodeMark::Unvisited => Some("rounded,dashed"),
    }
}

/// A mark a key can explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Start,
    Node(NodeMark),
    Edge(EdgeMark),
    Finding,
}

impl Mark {
    /// How DOT shows it.
    fn dot(self) -> &'static str {
        match self {
            Mark::Start => "double border",
            Mark::Node(NodeMark::Added) => "green bold box",
            Mark::Node(NodeMark::Removed) => "red dashed box",
            Mark::Node(_) => "grey dashed box",
            Mark::Edge(EdgeMark::Cycle) => "thick red arrow",
            Mark::Edge(EdgeMark::Added) => "thick green arrow",
            Mark::Edge(EdgeMark::Removed) => "dashed red arrow",
            Mark::Edge(EdgeMark::Changed) => "thick orange arrow",
            Mark::Edge(_) => "dashed grey arrow",
            Mark::Finding => "⚠ code",
        }
    }
    /// How Mermaid shows it.
    fn mermaid(self) -> &'static str {
        match self {
            Mark::Start => "rounded, thick border",
            Mark::Edge(EdgeMark::Cycle) => "thick red arrow",
            other => other.dot(),
        }
    }
}

/// The marks the drawings use, each with what it means, in a fixed order.
fn key(drawings: &[Drawing]) -> Vec<(Mark, &'static str)> {
    let nodes = || drawings.iter().flat_map(|d| &d.nodes);
    let edges = || drawings.iter().flat_map(|d| &d.edges);
    let mut key = Vec::new();
    if nodes().any(|n| n.start) {
        key.push((Mark::Start, "the start agent"));
    }
    for (mark, meaning) in [
        (NodeMark::Unreachable, "unreachable from the start agent"),
        (NodeMark::Unvisited, "no scenario visits it"),
        (NodeMark::Added, "agent added"),
        (NodeMark::Removed, "agent removed"),
    ] {
        if nodes().any(|n| n.mark == mark) {
            key.push((Mark::Node(mark), meaning));
        }
    }
    for (mark, meaning) in [
        (EdgeMark::Cycle, "on a cycle without a human turn"),
        (EdgeMark::Unexercised, "no scenario takes it"),
        (EdgeMark::Added, "handoff added"),
        (EdgeMark::Removed, "handoff removed"),
        (EdgeMark::Changed, "description changed"),
    ] {
        if edges().any(|e| e.mark == mark) {
            key.push((Mark::Edge(mark), meaning));
        }
    }
    if edges().any(|e| e.finding.is_some()) {
        key.push((
            Mark::Finding,
            "a finding about the handoff (handoff analyze explains it)",
        ));
    }
    key
}

/// The colour of a handoff with a finding and no other mark.
const FINDING_COLOR: &str = "#ef6c00";

fn node_color(mark: NodeMark) -> Option<&'static str> {
    match mark {
        NodeMark::Plain => None,
        NodeMark::Unreachable | NodeMark::Unvisited => Some("#999999"),
        NodeMark::Added => Some("#2e7d32"),
        NodeMark::Removed => Some("#c62828"),
    }
}

fn edge_color(mark: EdgeMark) -> Option<&'static str> {
    match mark {
        EdgeMark::Plain => None,
        EdgeMark::Cycle | EdgeMark::Removed => Some("#c62828"),
        EdgeMark::Added => Some("#2e7d32"),
        EdgeMark::Changed => Some("#ef6c00"),
        EdgeMark::Unexercised => Some("#999999"),
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a longer word has a line
/// of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Text in an HTML-like DOT label.
fn html_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The label cut to [`LABEL_CHARS`] characters, on one line.
fn short(label: &str) -> String {
    let one_line = label.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(LABEL_CHARS) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

/// A DOT string literal.
fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside a Mermaid `"..."` label: `#` (which starts Mermaid's entities: `#35;` would
/// show as `#`), `&` (HTML's: `&lt;` would show as `<`), quotes and angle brackets as entities.
fn mermaid_text(text: &str) -> String {
    text.replace('#', "#35;")
        .replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn labels_are_cut_on_a_character_boundary_and_wrapped_at_spaces() {
        let label = "é".repeat(200);
        let cut = short(&label);
        assert_eq!(cut.chars().count(), LABEL_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            wrap("Transfer to this agent if the issue is refund related", 20),
            ["Transfer to this", "agent if the issue", "is refund related"]
        );
        assert_eq!(wrap("a verylongwordindeed b", 5), ["a", "verylongwordindeed", "b"]);
    }
}
