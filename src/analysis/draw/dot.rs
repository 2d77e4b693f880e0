//! The DOT drawing (Graphviz).

use super::drawing::{Drawing, EdgeMark};
use super::style::{WRAP_CHARS, color_of, dot_string, html_text, key, node_color, node_style, short, wrap};

/// Width of a line of the key's explanations.
const KEY_CHARS: usize = 56;

/// Graphviz DOT: `dot -Tsvg`. Several drawings become clusters of one graph; a cluster
/// `Key` explains the marks used, each mark's name written in its colour.
pub fn dot(drawings: &[Drawing]) -> String {
    let mut out = String::new();
    let single = drawings.len() == 1;
    let name = if single { drawings[0].title.as_str() } else { "handoff" };
    out.push_str(&format!("digraph {} {{\n", dot_string(name)));
    out.push_str("    rankdir=LR;\n    fontname=\"Helvetica\";\n");
    out.push_str("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
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
            if let Some(color) = color_of(edge) {
                attributes.push(format!("color=\"{color}\", fontcolor=\"{color}\""));
            }
            match edge.mark {
                EdgeMark::Removed | EdgeMark::Unexercised | EdgeMark::Unreachable => {
                    attributes.push("style=dashed".into())
                }
                EdgeMark::TwoWay => attributes.push("penwidth=2.5".into()),
                EdgeMark::Added | EdgeMark::Changed => attributes.push("penwidth=2".into()),
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
            let name = match mark.color() {
                Some(color) => format!("<font color=\"{color}\">{}</font>", html_text(mark.dot())),
                None => html_text(mark.dot()),
            };
            let lines: Vec<String> = wrap(meaning, KEY_CHARS).iter().map(|l| html_text(l)).collect();
            out.push_str(&format!(
                "<tr><td align=\"left\" valign=\"top\">{name}</td><td align=\"left\">{}<br align=\"left\"/></td></tr>",
                lines.join("<br align=\"left\"/>")
            ));
        }
        out.push_str("</table>>];\n    }\n");
    }
    out.push_str("}\n");
    out
}
