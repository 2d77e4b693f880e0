//! Drawings of handoff graphs in Graphviz DOT and Mermaid: agents as boxes, handoffs as arrows
//! labelled with their descriptions, with marks for the start agent, unreachable agents, cycle
//! edges, and the changes of a design diff or the gaps of a coverage report. Several drawings
//! go into one diagram, one cluster (subgraph) each.

use super::Analysis;

/// Edge labels longer than this many characters are cut, with `…`.
const LABEL_CHARS: usize = 80;

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
                Edge {
                    from: from.index(),
                    to: to.index(),
                    label: g[e].description.clone(),
                    mark: if analysis.is_cycle_edge(e) {
                        EdgeMark::Cycle
                    } else {
                        EdgeMark::Plain
                    },
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

/// Graphviz DOT: `dot -Tsvg`. Several drawings become clusters of one graph.
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
            let style = match node.mark {
                NodeMark::Plain if node.start => Some("rounded,bold"),
                NodeMark::Plain => None,
                NodeMark::Added => Some("rounded,bold"),
                NodeMark::Unreachable | NodeMark::Removed | NodeMark::Unvisited => Some("rounded,dashed"),
            };
            if let Some(style) = style {
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
            let mut attributes = vec![format!("label={}", dot_string(&short(&edge.label)))];
            if let Some(color) = edge_color(edge.mark) {
                attributes.push(format!("color=\"{color}\""));
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
    out.push_str("}\n");
    out
}

/// Mermaid `flowchart LR`, as GitHub renders it in Markdown. Several drawings become subgraphs.
pub fn mermaid(drawings: &[Drawing]) -> String {
    let mut out = String::from("flowchart LR\n");
    let single = drawings.len() == 1;
    let mut links = 0usize;
    let mut link_styles: Vec<(EdgeMark, Vec<usize>)> = Vec::new();
    let mut classes: Vec<(&'static str, Vec<String>)> = Vec::new();
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
            let mut class = |name: &'static str| match classes.iter_mut().find(|(c, _)| *c == name) {
                Some((_, members)) => members.push(id(n)),
                None => classes.push((name, vec![id(n)])),
            };
            if node.start {
                class("start");
            }
            match node.mark {
                NodeMark::Plain => {}
                NodeMark::Unreachable => class("unreachable"),
                NodeMark::Added => class("added"),
                NodeMark::Removed => class("removed"),
                NodeMark::Unvisited => class("unvisited"),
            }
        }
        for edge in &drawing.edges {
            let arrow = match edge.mark {
                EdgeMark::Cycle => "==>",
                EdgeMark::Removed | EdgeMark::Unexercised => "-.->",
                _ => "-->",
            };
            let label = mermaid_text(&short(&edge.label));
            let label = if label.is_empty() {
                String::new()
            } else {
                format!("|\"{label}\"|")
            };
            out.push_str(&format!("{indent}{} {arrow}{label} {}\n", id(edge.from), id(edge.to)));
            if edge.mark != EdgeMark::Plain {
                match link_styles.iter_mut().find(|(m, _)| *m == edge.mark) {
                    Some((_, members)) => members.push(links),
                    None => link_styles.push((edge.mark, vec![links])),
                }
            }
            links += 1;
        }
        if !single {
            out.push_str("    end\n");
        }
    }
    for (name, members) in &classes {
        out.push_str(&format!("    class {} {name}\n", members.join(",")));
    }
    for (name, _) in &classes {
        let style = match *name {
            "start" => "stroke-width:3px",
            "unreachable" | "unvisited" => "stroke:#999999,color:#777777,stroke-dasharray:5 3",
            "added" => "stroke:#2e7d32,color:#2e7d32,stroke-width:2px",
            _ => "stroke:#c62828,color:#c62828,stroke-dasharray:5 3",
        };
        out.push_str(&format!("    classDef {name} {style}\n"));
    }
    for (mark, members) in &link_styles {
        let color = edge_color(*mark).expect("marked edges have a colour");
        let list: Vec<String> = members.iter().map(usize::to_string).collect();
        out.push_str(&format!(
            "    linkStyle {} stroke:{color},color:{color},stroke-width:2px\n",
            list.join(",")
        ));
    }
    out
}

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

/// Text inside a Mermaid `"..."` label: quotes and angle brackets as entities.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
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
                },
                Edge {
                    from: 1,
                    to: 0,
                    label: String::new(),
                    mark: EdgeMark::Plain,
                },
            ],
        }
    }

    #[test]
    fn mermaid_marks_start_unreachable_and_cycle_edges() {
        assert_eq!(
            mermaid(&[sample()]),
            "flowchart LR\n    a0([\"A\"])\n    a1[\"B\"]\n    a0 ==>|\"say #quot;hi#quot; #lt;now#gt;\"| a1\n    \
             a1 --> a0\n    class a0 start\n    class a1 unreachable\n    classDef start stroke-width:3px\n    \
             classDef unreachable stroke:#999999,color:#777777,stroke-dasharray:5 3\n    \
             linkStyle 0 stroke:#c62828,color:#c62828,stroke-width:2px\n"
        );
    }

    #[test]
    fn dot_escapes_labels_and_clusters_several_drawings() {
        let one = dot(&[sample()]);
        assert!(one.starts_with("digraph \"t\" {\n"), "{one}");
        assert!(one.contains("a0 -> a1 [label=\"say \\\"hi\\\" <now>\", color=\"#c62828\", penwidth=2];"));
        assert!(one.contains("a0 [label=\"A\", style=\"rounded,bold\", peripheries=2];"));
        let two = dot(&[sample(), sample()]);
        assert!(two.contains("subgraph cluster_1 {\n        label=\"t\";"));
        assert!(two.contains("d1a1 -> d1a0 [label=\"\"];"));
        assert_eq!(two.matches('{').count(), two.matches('}').count());
    }

    #[test]
    fn long_labels_are_cut_on_a_character_boundary() {
        let label = "é".repeat(100);
        let cut = short(&label);
        assert_eq!(cut.chars().count(), LABEL_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
