//! The DOT drawings rendered by Graphviz itself (`scripts/graphviz.sh`: the `dot` on `PATH`,
//! else Debian's, unpacked under `target/tools/graphviz`): they parse without a warning, the
//! key is in the picture, and red marks the problems and nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::support::{handoff, setup_once};

static DOT: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// The red of a problem, and the grey of what can never happen.
const RED: &str = "#c62828";
const GREY: &str = "#999999";

/// `handoff analyze FILE --format dot`, rendered to SVG by Graphviz; fails on any output to
/// stderr (a syntax error, an unknown attribute, a bad HTML label are all warnings there).
fn svg_of(file: &str) -> String {
    let dot = setup_once(&DOT, "scripts/graphviz.sh");
    let drawn = handoff(&["analyze", file, "--format", "dot"]);
    assert!(drawn.status.success(), "{}", String::from_utf8_lossy(&drawn.stderr));
    let mut child = Command::new(&dot)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", dot.display()));
    child.stdin.take().unwrap().write_all(&drawn.stdout).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stderr.is_empty(), "dot on {file}: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// Each edge of the SVG: its title (`a1&#45;&gt;a2`) and its stroke colour.
fn edges(svg: &str) -> Vec<(String, String)> {
    svg.split("<g id=\"edge")
        .skip(1)
        .map(|edge| {
            let between = |from: &str, to: &str| {
                let start = edge.find(from).unwrap_or_else(|| panic!("no {from} in {edge}")) + from.len();
                edge[start..].split(to).next().unwrap().to_string()
            };
            let title = between("<title>", "</title>").replace("&#45;&gt;", "->");
            (title, between("<path fill=\"none\" stroke=\"", "\""))
        })
        .collect()
}

#[test]
fn graphviz_draws_the_two_way_handoffs_of_the_helpdesk_red_and_nothing_else() {
    let svg = svg_of("scenarios/it_helpdesk.json");
    let edges = edges(&svg);
    assert_eq!(edges.len(), 12, "{edges:?}");
    // NetworkAgent is a1, AccountsAgent a2: the pair that bounces "my VPN login fails".
    let red: Vec<&str> = edges
        .iter()
        .filter(|(_, stroke)| stroke == RED)
        .map(|(title, _)| title.as_str())
        .collect();
    assert_eq!(red, ["a1->a2", "a2->a1"], "{edges:?}");
    assert!(
        edges
            .iter()
            .filter(|(_, stroke)| stroke != RED)
            .all(|(_, stroke)| stroke == "black"),
        "{edges:?}"
    );
    assert!(svg.contains(">Key</text>"), "the key's title");
    assert!(svg.contains(">thick red arrows</text>"), "the key names the mark");
    assert!(svg.contains("hand off to each other:"), "and says what it means");
}

#[test]
fn graphviz_draws_the_handoffs_with_findings_red_and_the_unreachable_grey() {
    let svg = svg_of("scenarios/designs/customer_support_v2.json");
    let edges = edges(&svg);
    let colour = |title: &str| {
        edges
            .iter()
            .find(|(t, _)| t == title)
            .map(|(_, stroke)| stroke.as_str())
            .unwrap_or_else(|| panic!("no edge {title}: {edges:?}"))
    };
    // The duplicate, dropped and empty descriptions; TriageAgent -> RefundAgent has none.
    for problem in ["a0->a2", "a0->a3", "a1->a0", "a1->a4", "a2->a0", "a3->a0"] {
        assert_eq!(colour(problem), RED, "{problem}");
    }
    assert_eq!(colour("a0->a1"), "black");
    assert_eq!(colour("a5->a0"), GREY, "LoyaltyAgent is unreachable");
    assert!(
        svg.contains("⚠ duplicate&#45;description"),
        "the finding's code on its arrow"
    );
    for mark in [
        "double border",
        "grey dashed box",
        "dashed grey arrow",
        "red arrow, ⚠ code",
    ] {
        assert!(svg.contains(&format!(">{mark}</text>")), "the key explains {mark}");
    }
    assert!(!svg.contains("thick red arrows"), "a mark not drawn is not explained");
}
