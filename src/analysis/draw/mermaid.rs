//! The Mermaid drawing (`flowchart LR`, as GitHub renders it).

use super::drawing::{Drawing, EdgeMark};
use super::style::{
    FINDING_COLOR, INLINE_CHARS, WRAP_CHARS, edge_color, key, member, mermaid_text, node_classes, short, wrap,
};

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
