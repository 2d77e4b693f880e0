//! The Mermaid drawing (`flowchart LR`, as GitHub renders it).

use super::drawing::{Drawing, EdgeMark};
use super::style::{INLINE_CHARS, color_of, key, member, mermaid_text, node_classes, short, wrap};

/// Width of a line of the key, in characters.
const KEY_CHARS: usize = 110;

/// How wide Mermaid lets a label grow before it wraps it, in pixels: wider than a line of the
/// key (its default, 200, would wrap the key into a tall column).
const WRAPPING_WIDTH: usize = 1000;

/// Mermaid `flowchart LR`, as GitHub renders it in Markdown. Several drawings become
/// subgraphs. One box, `Key`, holds the long descriptions, by number, and the marks used; it
/// stands in the first column, beside the start agent, and no arrow passes through it.
pub fn mermaid(drawings: &[Drawing]) -> String {
    let mut out = format!("%%{{init: {{\"flowchart\": {{\"wrappingWidth\": {WRAPPING_WIDTH}}}}}}}%%\nflowchart LR\n");
    let single = drawings.len() == 1;
    let mut links = 0usize;
    // By colour and width in pixels: the links drawn so.
    let mut link_styles: Vec<((&'static str, u8), Vec<usize>)> = Vec::new();
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
                EdgeMark::TwoWay => "==>",
                EdgeMark::Removed | EdgeMark::Unexercised | EdgeMark::Unreachable => "-.->",
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
            if let Some(color) = color_of(edge) {
                let width = if edge.mark == EdgeMark::TwoWay { 3 } else { 2 };
                member(&mut link_styles, (color, width), links);
            }
            links += 1;
        }
        if !single {
            out.push_str("    end\n");
        }
    }
    let key = key(drawings);
    if !numbered.is_empty() || !key.is_empty() {
        let mut lines = vec!["Key".to_string()];
        for (i, text) in numbered.iter().enumerate() {
            lines.extend(wrap(&format!("{} {text}", i + 1), KEY_CHARS));
        }
        for (mark, meaning) in &key {
            lines.extend(wrap(&format!("{}: {meaning}", mark.mermaid()), KEY_CHARS));
        }
        let lines: Vec<String> = lines.iter().map(|l| mermaid_text(l)).collect();
        out.push_str(&format!("    key[\"{}\"]\n", lines.join("<br/>")));
        classes.push(("key", vec!["key".to_string()]));
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
    for ((color, width), members) in &link_styles {
        let list: Vec<String> = members.iter().map(usize::to_string).collect();
        out.push_str(&format!(
            "    linkStyle {} stroke:{color},color:{color},stroke-width:{width}px\n",
            list.join(",")
        ));
    }
    out
}
