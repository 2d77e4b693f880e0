//! How marks look and texts are written: the key, colours, wrapping, escaping.

use super::drawing::{Drawing, Edge, EdgeMark, Node, NodeMark};

/// Descriptions longer than this many characters are cut, with `…`.
pub(super) const LABEL_CHARS: usize = 160;

/// Mermaid labels up to this many characters stay on the arrow.
pub const INLINE_CHARS: usize = 24;

/// Width of a wrapped line of a label.
pub const WRAP_CHARS: usize = 32;

/// Adds `item` to the group `name` of `groups`, made when first needed.
pub(super) fn member<K: PartialEq, T>(groups: &mut Vec<(K, Vec<T>)>, name: K, item: T) {
    match groups.iter_mut().find(|(k, _)| *k == name) {
        Some((_, members)) => members.push(item),
        None => groups.push((name, vec![item])),
    }
}

pub(super) fn node_classes(node: &Node) -> impl Iterator<Item = &'static str> {
    let mark = match node.mark {
        NodeMark::Plain => None,
        NodeMark::Unreachable => Some("unreachable"),
        NodeMark::Added => Some("added"),
        NodeMark::Removed => Some("removed"),
        NodeMark::Unvisited => Some("unvisited"),
    };
    node.start.then_some("start").into_iter().chain(mark)
}

pub(super) fn node_style(node: &Node) -> Option<&'static str> {
    match node.mark {
        NodeMark::Plain if node.start => Some("rounded,bold"),
        NodeMark::Plain => None,
        NodeMark::Added => Some("rounded,bold"),
        NodeMark::Unreachable | NodeMark::Removed | NodeMark::Unvisited => Some("rounded,dashed"),
    }
}

/// A mark a key can explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    Start,
    Node(NodeMark),
    Edge(EdgeMark),
    Finding,
}

impl Mark {
    /// How DOT shows it.
    pub(super) fn dot(self) -> &'static str {
        match self {
            Mark::Start => "double border",
            Mark::Node(NodeMark::Added) => "green bold box",
            Mark::Node(NodeMark::Removed) => "red dashed box",
            Mark::Node(_) => "grey dashed box",
            Mark::Edge(EdgeMark::TwoWay) => "thick red arrows",
            Mark::Edge(EdgeMark::Added) => "thick green arrow",
            Mark::Edge(EdgeMark::Removed) => "dashed red arrow",
            Mark::Edge(EdgeMark::Changed) => "thick orange arrow",
            Mark::Edge(_) => "dashed grey arrow",
            Mark::Finding => "red arrow, ⚠ code",
        }
    }
    /// How Mermaid shows it.
    pub(super) fn mermaid(self) -> &'static str {
        match self {
            Mark::Start => "rounded, thick border",
            other => other.dot(),
        }
    }
    /// The colour its name is written in, in a DOT key.
    pub(super) fn color(self) -> Option<&'static str> {
        match self {
            Mark::Start => None,
            Mark::Node(mark) => node_color(mark),
            Mark::Edge(mark) => edge_color(mark),
            Mark::Finding => Some(PROBLEM_COLOR),
        }
    }
}

/// The marks the drawings use, each with what it means, in a fixed order.
pub(super) fn key(drawings: &[Drawing]) -> Vec<(Mark, &'static str)> {
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
        (
            EdgeMark::TwoWay,
            "two agents (not the start agent) hand off to each other: a request that fits both can bounce \
             between them (handoff fuzz looks for one)",
        ),
        (EdgeMark::Unreachable, "never taken: its agent is unreachable"),
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
            "a problem with the handoff's description or declaration (handoff analyze explains it)",
        ));
    }
    key
}

/// The colour of a problem: a handoff with a finding, or two-way between specialists. Nothing
/// else in the drawing of a design is red, so red points at what to fix.
pub(super) const PROBLEM_COLOR: &str = "#c62828";

/// The colour of what can never happen or never happened (unreachable, never taken).
const GREY: &str = "#999999";

pub(super) fn node_color(mark: NodeMark) -> Option<&'static str> {
    match mark {
        NodeMark::Plain => None,
        NodeMark::Unreachable | NodeMark::Unvisited => Some(GREY),
        NodeMark::Added => Some("#2e7d32"),
        NodeMark::Removed => Some(PROBLEM_COLOR),
    }
}

pub(super) fn edge_color(mark: EdgeMark) -> Option<&'static str> {
    match mark {
        EdgeMark::Plain => None,
        EdgeMark::TwoWay | EdgeMark::Removed => Some(PROBLEM_COLOR),
        EdgeMark::Added => Some("#2e7d32"),
        EdgeMark::Changed => Some("#ef6c00"),
        EdgeMark::Unreachable | EdgeMark::Unexercised => Some(GREY),
    }
}

/// The colour of an edge: its finding's, else its mark's.
pub(super) fn color_of(edge: &Edge) -> Option<&'static str> {
    edge.finding.map(|_| PROBLEM_COLOR).or(edge_color(edge.mark))
}

/// `text` in lines of at most `width` characters, broken at spaces (a longer word has a line
/// of its own).
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
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
pub(super) fn html_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The label cut to [`LABEL_CHARS`] characters, on one line.
pub(super) fn short(label: &str) -> String {
    let one_line = label.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(LABEL_CHARS) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

/// A DOT string literal.
pub(super) fn dot_string(text: &str) -> String {
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
pub(super) fn mermaid_text(text: &str) -> String {
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
