//! `handoff analyze`: findings, drawings, coverage and design diff through the binary; exit
//! codes and bad input.

use serde_json::Value;

use crate::support::{arg, handoff, temp_file};

const V2: &str = "scenarios/designs/customer_support_v2.json";
const SUPPORT: &str = "scenarios/customer_support.json";

fn stdout(args: &[&str]) -> (String, i32) {
    let out = handoff(args);
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap())
}

fn json(args: &[&str]) -> (Value, i32) {
    let (text, code) = stdout(args);
    (
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        code,
    )
}

#[test]
fn text_groups_findings_by_severity_and_ends_with_a_summary() {
    let (text, code) = stdout(&["analyze", V2]);
    assert_eq!(code, 0, "warnings alone do not fail: {text}");
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().split_once(": ").map(|(label, _)| label))
        .filter(|l| l.starts_with("warning[") || l.starts_with("error["))
        .collect();
    assert_eq!(
        labels,
        [
            "warning[unreachable-agent]",
            "warning[handoff-cycle]",
            "warning[no-way-back]",
            "warning[duplicate-description]",
            "warning[empty-description]",
            "warning[dropped-description]",
            "warning[dropped-description]",
            "warning[dropped-description]"
        ]
    );
    assert!(text.contains("      at handoffs.RefundAgent.EscalationAgent\n"));
    assert!(
        text.ends_with("analyzed 1 design: 0 errors, 8 warnings, 0 info\n"),
        "{text}"
    );
    let (denied, code) = stdout(&["analyze", V2, "--deny", "warnings"]);
    assert_eq!(code, 1);
    assert!(denied.ends_with("8 warnings, 0 info (warnings denied)\n"));
}

#[test]
fn errors_fail_with_their_place_and_colour_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        &dir,
        "broken.json",
        br#"{"agents": [{"name": "A"}, {"name": "B"}], "handoffs": {"A": {"Bee": "x", "B": "y"}, "B": {"A": "z"}}}"#,
    );
    let (text, code) = stdout(&["analyze", arg(&file), "--color", "always"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("\x1b[1m\x1b[31merror[unknown-agent]\x1b[0m: `A` hands off to `Bee`"),
        "{text}"
    );
    assert!(text.contains("(did you mean `B`?)"));
    assert!(text.contains("at handoffs.A.Bee"));
}

#[test]
fn json_lists_every_finding_of_every_file() {
    let (value, code) = json(&["analyze", V2, SUPPORT, "--format", "json"]);
    assert_eq!(code, 0);
    let findings = value["findings"].as_array().unwrap();
    // 3 of each file are the tutorial's edges back to triage, declared by name.
    assert_eq!(findings.len(), 12);
    for finding in findings {
        for key in ["code", "severity", "agents", "message", "file"] {
            assert!(!finding[key].is_null(), "{key} missing in {finding}");
        }
    }
    let cycle = findings.iter().find(|f| f["file"] == SUPPORT).unwrap();
    assert_eq!(cycle["code"], "handoff-cycle");
    assert_eq!(cycle["agents"].as_array().unwrap().len(), 4);
    assert_eq!(value["designs"][0]["agents"], 6);
    assert_eq!(value["designs"][1]["handoffs"], 6);
    assert_eq!(value["summary"]["warnings"], 12);
    assert_eq!(value["summary"]["passed"], true);
    let (denied, _) = json(&["analyze", V2, "--format", "json", "--deny", "warnings"]);
    assert_eq!(denied["summary"]["passed"], false);
}

#[test]
fn limits_in_the_file_turn_a_cycle_into_info() {
    let dir = tempfile::tempdir().unwrap();
    let design = |limits: &str| {
        format!(
            r#"{{"agents": [{{"name": "A", "description": "a"}}, {{"name": "B", "description": "b"}}],
                "handoffs": {{"A": {{"B": null}}, "B": {{"A": null}}}} {limits}}}"#
        )
    };
    let bounded = temp_file(
        &dir,
        "bounded.json",
        design(r#", "limits": {"handoffs_per_turn": 3}"#).as_bytes(),
    );
    let unbounded = temp_file(
        &dir,
        "unbounded.json",
        design(r#", "limits": {"handoffs_per_turn": null}"#).as_bytes(),
    );
    let bare = temp_file(&dir, "bare.json", design("").as_bytes());
    let severity =
        |file: &std::path::Path| json(&["analyze", arg(file), "--format", "json"]).0["findings"][0]["severity"].clone();
    assert_eq!(severity(&bounded), "info");
    assert_eq!(severity(&unbounded), "warning");
    assert_eq!(
        severity(&bare),
        "warning",
        "without limits nothing bounds it, as in Semantic Kernel"
    );
    let (_, code) = stdout(&["analyze", arg(&bounded), "--deny", "warnings"]);
    assert_eq!(code, 0);
}

#[test]
fn drawings_mark_start_unreachable_and_problems() {
    let (mermaid, code) = stdout(&["analyze", V2, "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(
        mermaid.contains("\nflowchart LR\n    a0([\"TriageAgent\"])\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("    class a5 unreachable\n"),
        "LoyaltyAgent is a5: {mermaid}"
    );
    // Red: the handoffs with a finding (every one but `TriageAgent -> RefundAgent`, though
    // all the hub's handoffs are on the cycle); grey: the one out of the unreachable agent.
    assert!(
        mermaid.contains("    linkStyle 1,2,3,4,5,6 stroke:#c62828"),
        "{mermaid}"
    );
    assert!(mermaid.contains("    linkStyle 7 stroke:#999999"), "{mermaid}");
    let (dot, _) = stdout(&["analyze", V2, SUPPORT, "--format", "dot"]);
    assert!(dot.contains("subgraph cluster_0 {\n        label=\"customer-support-v2\";"));
    assert!(dot.contains("subgraph cluster_1 {\n        label=\"customer-support\";"));
    assert!(
        dot.contains("d0a5 [label=\"LoyaltyAgent\", style=\"rounded,dashed\""),
        "{dot}"
    );
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
}

#[test]
fn coverage_reports_handoffs_never_taken() {
    let (text, code) = stdout(&["analyze", "--coverage", "scenarios"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("scenarios/customer_support.json: the design of `customer_support` and `refund`\n"),
        "{text}"
    );
    assert!(text.contains("  RefundAgent -> TriageAgent       never\n"), "{text}");
    assert!(text.contains("  TriageAgent -> OrderStatusAgent      1  customer_support\n"));
    assert!(text.contains("4 of 6 handoffs exercised (66%); 4 of 4 agents visited"));
    let (value, _) = json(&["analyze", "--coverage", "scenarios", "--format", "json"]);
    let designs = value["designs"].as_array().unwrap();
    let support = designs
        .iter()
        .find(|d| d["scenarios"].as_array().unwrap().len() == 2)
        .unwrap();
    assert_eq!(support["exercised"], 4);
    assert_eq!(support["total"], 6);
    // The design file has its own design and takes no handoff.
    let v2 = designs.iter().find(|d| d["scenarios"][0]["file"] == V2).unwrap();
    assert_eq!(
        (v2["exercised"].clone(), v2["scenarios"][0]["outcome"].clone()),
        (0.into(), Value::Null)
    );
    let exercised: u64 = designs.iter().map(|d| d["exercised"].as_u64().unwrap()).sum();
    assert_eq!(value["summary"]["exercised"], exercised);
    let (_, code) = stdout(&["analyze", "--coverage", "scenarios", "--deny", "uncovered"]);
    assert_eq!(code, 1);
    let (mermaid, _) = stdout(&["analyze", "--coverage", "scenarios", "--format", "mermaid"]);
    assert!(mermaid.contains("-.->|\"never\"|"));
}

#[test]
fn diff_lists_changes_and_new_findings() {
    let (value, code) = json(&["analyze", "--diff", SUPPORT, V2, "--format", "json"]);
    assert_eq!(code, 0, "new warnings alone do not fail");
    let changes: Vec<String> = value["handoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {}>{}",
                h["change"].as_str().unwrap(),
                h["source"].as_str().unwrap(),
                h["target"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "changed TriageAgent>OrderStatusAgent",
            "changed TriageAgent>OrderReturnAgent",
            "added RefundAgent>EscalationAgent",
            "added LoyaltyAgent>TriageAgent"
        ]
    );
    let new: Vec<&str> = value["new_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        new,
        [
            "unreachable-agent",
            "no-way-back",
            "duplicate-description",
            "empty-description"
        ]
    );
    assert_eq!(value["resolved_findings"].as_array().unwrap().len(), 0);
    assert_eq!(value["counts"]["handoffs_changed"], 2);
    assert_eq!(value["counts"]["agents_added"], 2);
    let (_, code) = stdout(&["analyze", "--diff", SUPPORT, V2, "--deny", "warnings"]);
    assert_eq!(code, 1);
    let (back, code) = json(&[
        "analyze", "--diff", V2, SUPPORT, "--format", "json", "--deny", "warnings",
    ]);
    assert_eq!(code, 0, "going back only resolves findings");
    assert_eq!(back["resolved_findings"].as_array().unwrap().len(), 4);
    let (mermaid, _) = stdout(&["analyze", "--diff", SUPPORT, V2, "--format", "mermaid"]);
    assert!(mermaid.contains("    class a4,a5 added\n"), "{mermaid}");
    assert!(
        mermaid.contains("stroke:#ef6c00"),
        "changed descriptions are orange: {mermaid}"
    );
}

#[test]
fn bad_input_names_the_file_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let typo = temp_file(&dir, "typo.json", br#"{"agents": [{"name": "A"}], "strat": "A"}"#);
    let bad_name = temp_file(&dir, "name.json", br#"{"agents": [{"name": "A"}, {"name": "B C"}]}"#);
    let cases: [(&[&str], String); 5] = [
        (&["analyze", "missing.json"], "error: missing.json: cannot read".into()),
        (
            &["analyze", arg(&typo)],
            format!("error: {}:1:35: strat: unknown field `strat`", arg(&typo)),
        ),
        (
            &["analyze", arg(&bad_name)],
            format!(
                "error: {}: agents[1].name: `B C` is not a valid agent name",
                arg(&bad_name)
            ),
        ),
        (
            &["analyze", "--diff", SUPPORT, "missing.json"],
            "error: missing.json: cannot read".into(),
        ),
        (
            &["analyze", "--coverage", arg(&typo)],
            format!("error: {}:1:35: strat: unknown field", arg(&typo)),
        ),
    ];
    for (args, message) in cases {
        let out = handoff(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&message),
            "{args:?}: `{stderr}` should start with `{message}`"
        );
    }
    // The other files are still analysed and printed.
    let out = handoff(&["analyze", "missing.json", V2]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("analyzed 1 design: 0 errors, 8 warnings"));
    for usage in [
        &["analyze"][..],
        &["analyze", "--diff", SUPPORT],
        &["analyze", V2, "--coverage", "scenarios"],
        &["analyze", V2, "--deny", "uncovered"],
    ] {
        assert_eq!(handoff(usage).status.code(), Some(2), "{usage:?}");
    }
}

#[test]
fn handoff_test_ignores_design_files() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let (text, code) = stdout(&["test", "--junit", arg(&junit)]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("scenario designs/customer_support_v2 ... ignored, design file (no task, model or user)"));
    assert!(text.ends_with(" passed, 0 failed, 1 ignored\n"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("skipped"), Some("1"));
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("skipped")).count(), 1);
}

/// Every block of the README and the guide (`docs/*.md`) marked `<!-- output: handoff ARGS -->`
/// is what `handoff ARGS` prints: exactly, or, where the block has `...` lines, its lines in
/// order with gaps. `UPDATE_README=1 cargo test readme_examples` rewrites the exact blocks from
/// the real output (the abridged ones are left for a person to shorten).
const NO_EDGES: &str = r#"{"agents": [
  {"name": "Triage", "description": "Triage."},
  {"name": "Billing", "description": "Billing questions."},
  {"name": "Refund", "description": "Refunds."}
]}"#;

fn codes(value: &Value) -> Vec<(String, String)> {
    value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn each_profile_builds_its_own_graph_from_a_design_without_handoffs() {
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "no_edges.json", NO_EDGES.as_bytes());
    let under = |profile: &str| json(&["analyze", arg(&file), "--profile", profile, "--format", "json"]);
    // Semantic Kernel refuses to build it.
    let (sk, code) = under("semantic-kernel");
    assert_eq!(code, 1);
    assert_eq!(codes(&sk)[0], ("error".into(), "no-handoffs".into()));
    assert!(
        sk["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Handoffs cannot be empty")
    );
    // Agent Framework meshes it: every agent reaches every other, and they can bounce.
    let (af, code) = under("agent-framework");
    assert_eq!(code, 0);
    assert_eq!(af["designs"][0]["handoffs"], 6);
    assert_eq!(af["designs"][0]["profile"], "agent-framework");
    assert_eq!(
        codes(&af),
        [
            ("warning".to_string(), "handoff-cycle".to_string()),
            ("info".into(), "no-handoffs".into())
        ]
    );
    assert!(
        af["findings"][0]["message"].as_str().unwrap().contains(
            "after 100 supersteps (`WorkflowConvergenceException: Runner did not converge after 100 iterations.`)"
        ),
        "{af}"
    );
    // The OpenAI Agents SDK takes it as it is: agents nobody reaches.
    let (oai, _) = under("openai-agents");
    assert_eq!(
        codes(&oai),
        [
            ("warning".to_string(), "unreachable-agent".to_string()),
            ("warning".into(), "unreachable-agent".into())
        ]
    );
    let (mermaid, _) = stdout(&[
        "analyze",
        arg(&file),
        "--profile",
        "agent-framework",
        "--format",
        "mermaid",
    ]);
    assert_eq!(
        mermaid.matches("==>").count(),
        2,
        "the two agents besides the start agent hand off to each other:\n{mermaid}"
    );
}

#[test]
fn an_edge_declared_by_name_loses_its_description_under_semantic_kernel_only() {
    let design = r#"{"agents": [{"name": "Triage", "description": "Triage."}, {"name": "Billing", "description": "Billing."}],
      "handoffs": {"Triage": {"Billing": {"description": "Billing issues", "by_name": true}}, "Billing": {"Triage": null}}}"#;
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "by_name.json", design.as_bytes());
    let (sk, _) = json(&["analyze", arg(&file), "--format", "json"]);
    let dropped: Vec<&Value> = sk["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "dropped-description")
        .collect();
    assert_eq!(dropped.len(), 1, "{sk}");
    assert_eq!(dropped[0]["place"], "handoffs.Triage.Billing");
    assert_eq!(dropped[0]["agents"], serde_json::json!(["Triage", "Billing"]));
    for profile in ["semantic-kernel-fixed", "agent-framework", "openai-agents"] {
        let (other, _) = json(&["analyze", arg(&file), "--profile", profile, "--format", "json"]);
        assert!(
            !codes(&other).iter().any(|(_, c)| c == "dropped-description"),
            "{profile}: {other}"
        );
    }
}

#[test]
fn a_scripted_first_turn_that_is_a_handoff_loses_the_task_under_semantic_kernel() {
    let scenario = |b: &str, profile: &str| {
        format!(
            r#"{{"task": "t", {profile}
              "agents": [{{"name": "A"}}, {{"name": "B", "description": "B", "tools": [{{"name": "lookup", "result": "found"}}]}}, {{"name": "C", "description": "C"}}],
              "handoffs": {{"A": {{"B": null}}, "B": {{"C": null, "A": null}}, "C": {{"B": null}}}},
              "model": {{"scripted": {{"A": {{"responses": [{{"handoff": "B"}}]}}, "B": {b}, "C": {{"rules": [{{"say": "hi"}}]}}}}}}}}"#
        )
    };
    let lost = |text: &str| {
        let dir = tempfile::tempdir().unwrap();
        let file = temp_file(&dir, "s.json", text.as_bytes());
        let (value, _) = json(&["analyze", arg(&file), "--format", "json"]);
        value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "lost-task")
            .map(|f| f["agents"][0].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let tool_then_handoff = r#"{"responses": [{"call": {"tool": "lookup"}}, {"handoff": "C"}]}"#;
    assert_eq!(lost(&scenario(r#"{"responses": [{"handoff": "C"}]}"#, "")), ["A", "B"]);
    assert_eq!(lost(&scenario(tool_then_handoff, "")), ["A", "B"]);
    let tool_then_text = r#"{"responses": [{"call": {"tool": "lookup"}}, {"say": "found"}]}"#;
    assert_eq!(lost(&scenario(tool_then_text, "")), ["A"]);
    // A transfer function called by name is a handoff, not a tool round.
    let transfer_then_text = r#"{"responses": [{"call": {"tool": "Handoff-transfer_to_C"}}, {"say": "x"}]}"#;
    assert_eq!(lost(&scenario(transfer_then_text, "")), ["A", "B"]);
    let said = r#"{"responses": [{"say": "One moment.", "handoff": "C"}]}"#;
    assert_eq!(
        lost(&scenario(said, "")),
        ["A"],
        "text in chunks of its own keeps the thread"
    );
    let one_chunk = r#"{"responses": [{"say": "One moment.", "handoff": "C", "chunk": "one"}]}"#;
    assert_eq!(lost(&scenario(one_chunk, "")), ["A", "B"]);
    let silent_rules = r#"{"rules": [{"when": {"user": "x"}, "handoff": "C"}, {"handoff": "A"}]}"#;
    assert_eq!(lost(&scenario(silent_rules, "")), ["A", "B"]);
    let talking_rules = r#"{"rules": [{"when": {"user": "x"}, "say": "hello"}, {"handoff": "A"}]}"#;
    assert_eq!(
        lost(&scenario(talking_rules, "")),
        ["A"],
        "which rule answers first is not known"
    );
    let usage = r#""profile": {"name": "semantic-kernel", "usage_chunk": true},"#;
    assert!(lost(&scenario(r#"{"responses": [{"handoff": "C"}]}"#, usage)).is_empty());
    let fixed = r#""profile": "semantic-kernel-fixed","#;
    assert!(lost(&scenario(r#"{"responses": [{"handoff": "C"}]}"#, fixed)).is_empty());
}
